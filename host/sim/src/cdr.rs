//! Call detail records: one row per (party A, party B) pair, Asterisk's columns, published as
//! `Event: Cdr` the way `cdr_manager` does.

use std::time::SystemTime;

use switchboard_ami_wire::Message;

use super::clock;
use super::event_format::{self, class};

/// One CDR row, with Asterisk's CDR columns (`contrib/ast-db-manage/cdr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdr {
    /// When the call began (`start`; FreePBX's `calldate`).
    pub start: SystemTime,
    /// When party B answered, if it did.
    pub answer: Option<SystemTime>,
    /// When the row ended.
    pub end: SystemTime,
    /// `"Alice Smith" <1001>`.
    pub clid: String,
    /// Caller number.
    pub src: String,
    /// Dialled extension.
    pub dst: String,
    /// Dialplan context of `dst`.
    pub dcontext: String,
    /// Party A's channel.
    pub channel: String,
    /// Party B's channel (empty without one).
    pub dstchannel: String,
    /// Last application party A ran.
    pub lastapp: String,
    /// Its arguments.
    pub lastdata: String,
    /// Seconds from start to end.
    pub duration: u64,
    /// Seconds from answer to end.
    pub billsec: u64,
    /// `ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED`.
    pub disposition: String,
    /// `DOCUMENTATION` (Asterisk's default).
    pub amaflags: String,
    /// Party A's account code.
    pub accountcode: String,
    /// Party A's uniqueid.
    pub uniqueid: String,
    /// The call's linkedid (group rows of one call by it).
    pub linkedid: String,
    /// Party B's account code.
    pub peeraccount: String,
    /// Row sequence number.
    pub sequence: u64,
    /// `CDR(userfield)`.
    pub userfield: String,
}

impl Cdr {
    /// `calldate` as FreePBX's `cdr` table and `cdr_manager` print it: `YYYY-MM-DD HH:MM:SS` (UTC).
    pub fn calldate(&self) -> String {
        clock::cdr_time(self.start)
    }

    /// The `Event: Cdr` cdr_manager publishes.
    pub fn event(&self) -> Message {
        event_format::event("Cdr", class::CDR)
            .with("AccountCode", self.accountcode.clone())
            .with("Source", self.src.clone())
            .with("Destination", self.dst.clone())
            .with("DestinationContext", self.dcontext.clone())
            .with("CallerID", self.clid.clone())
            .with("Channel", self.channel.clone())
            .with("DestinationChannel", self.dstchannel.clone())
            .with("LastApplication", self.lastapp.clone())
            .with("LastData", self.lastdata.clone())
            .with("StartTime", clock::cdr_time(self.start))
            .with("AnswerTime", self.answer.map(clock::cdr_time).unwrap_or_default())
            .with("EndTime", clock::cdr_time(self.end))
            .with("Duration", self.duration.to_string())
            .with("BillableSeconds", self.billsec.to_string())
            .with("Disposition", self.disposition.clone())
            .with("AMAFlags", self.amaflags.clone())
            .with("UniqueID", self.uniqueid.clone())
            .with("UserField", self.userfield.clone())
    }
}

/// A row being written: opened when party A dials party B (or at A's hangup without any B).
#[derive(Debug, Clone)]
pub struct CdrDraft {
    pub a_uniqueid: String,
    pub linkedid: String,
    pub channel: String,
    pub dstchannel: String,
    pub clid: String,
    pub src: String,
    pub dst: String,
    pub dcontext: String,
    pub lastapp: String,
    pub lastdata: String,
    pub start: SystemTime,
    pub answer: Option<SystemTime>,
    pub end: Option<SystemTime>,
    /// Disposition decided by the dial (`BUSY`, `FAILED`, `NO ANSWER`); else from `answer`.
    pub disposition: Option<String>,
    pub accountcode: String,
    pub peeraccount: String,
}

impl CdrDraft {
    /// The finished row.
    pub fn finish(self, end: SystemTime, sequence: u64, userfield: String) -> Cdr {
        let end = self.end.unwrap_or(end);
        let secs = |from: SystemTime| end.duration_since(from).map(|d| d.as_secs()).unwrap_or(0);
        // How the dial ended wins over the answer time, which may be party A's own.
        let disposition = match (self.disposition, &self.answer) {
            (Some(d), _) => d,
            (None, Some(_)) => "ANSWERED".to_string(),
            (None, None) => "NO ANSWER".to_string(),
        };
        Cdr {
            start: self.start,
            answer: self.answer,
            end,
            clid: self.clid,
            src: self.src,
            dst: self.dst,
            dcontext: self.dcontext,
            channel: self.channel,
            dstchannel: self.dstchannel,
            lastapp: self.lastapp,
            lastdata: self.lastdata,
            duration: secs(self.start),
            billsec: self.answer.map(secs).unwrap_or(0),
            disposition,
            amaflags: "DOCUMENTATION".into(),
            accountcode: self.accountcode,
            uniqueid: self.a_uniqueid,
            linkedid: self.linkedid,
            peeraccount: self.peeraccount,
            sequence,
            userfield,
        }
    }
}
