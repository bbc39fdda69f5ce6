//! A live channel and bridge as the PBX state holds them, what a channel's owner can be asked to
//! do, and a place in the dialplan. Below the state and the event formatting, which both describe
//! channels.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::sync::watch;

/// What the owner of a channel is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Carry on.
    Run,
    /// Hang up with this cause.
    Hangup(u16),
    /// Continue in the dialplan here.
    Redirect { context: String, exten: String, priority: u32 },
    /// Blind-transfer the party this channel talks to (this channel hangs up).
    BlindTransfer { context: String, exten: String },
}

/// Channel technology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tech {
    Pjsip,
    Local,
}

/// A live channel.
#[derive(Debug)]
pub struct Channel {
    pub name: String,
    pub uniqueid: String,
    pub linkedid: String,
    pub state: u8,
    pub cid_num: String,
    pub cid_name: String,
    pub conn_num: String,
    pub conn_name: String,
    pub language: String,
    pub accountcode: String,
    pub context: String,
    pub exten: String,
    pub priority: u32,
    pub app: String,
    pub data: String,
    pub created: Instant,
    pub created_at: SystemTime,
    pub answered_at: Option<SystemTime>,
    pub bridge: Option<String>,
    pub vars: Vec<(String, String)>,
    pub tech: Tech,
    /// Device whose state this channel counts towards (`PJSIP/1001`, `Local/100@ctx`).
    pub device: String,
    /// The other half of a Local channel pair.
    pub partner: Option<String>,
    /// Created as the callee of a Dial/Queue (never a CDR party A).
    pub is_peer: bool,
    /// The SIP dialog's Call-ID (what the bridge peer sees as `BRIDGEPVTCALLID`).
    pub call_id: String,
    /// The RTP stream's SSRC (in `RTCPSent` and `RTPAUDIOQOS`).
    pub ssrc: u32,
    /// A `Hangup` was asked of the PBX while the channel was bridged: its `SoftHangupRequest` is
    /// published once the channel has left the bridge, where Asterisk's comes.
    pub soft_hangup_pending: bool,
    /// Keys the caller pressed (DTMF received) that the dialplan has not read yet; `dtmf_ready` is
    /// notified as each arrives.
    pub dtmf: VecDeque<char>,
    pub dtmf_ready: Arc<tokio::sync::Notify>,
    pub control: watch::Sender<Control>,
    pub state_tx: watch::Sender<u8>,
}

impl Channel {
    /// A variable or `CDR(userfield)`-style value.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Sets a variable.
    pub fn set_var(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_string(), value.to_string()));
    }
}

/// A bridge.
#[derive(Debug, Clone)]
pub struct Bridge {
    pub id: String,
    pub kind: String,
    pub technology: String,
    pub creator: String,
    pub name: String,
    pub channels: Vec<String>,
}

/// A place in the dialplan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pc {
    pub context: String,
    pub exten: String,
    pub priority: u32,
}
