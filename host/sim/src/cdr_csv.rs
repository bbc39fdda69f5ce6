//! `Master.csv` as Asterisk's `cdr_csv` writes it: one line per finished CDR row, appended (the file
//! opened, written and closed each time, as cdr_csv does), so a client can read the simulator's
//! call records the way it reads a real PBX's.
//!
//! The format, byte for byte: text columns in double quotes with a `"` inside doubled and nothing
//! else escaped; an answer time that never was as an empty, unquoted field; duration and billsec as
//! bare integers; `\n` at the end. Times are UTC, as everywhere in the simulator (a real Asterisk
//! writes its local time unless `usegmtime = yes`).

use std::io::Write as _;
use std::path::PathBuf;

use super::cdr::Cdr;
use super::clock;

/// Where and how the simulator writes Master.csv: `cdr.conf`'s `[csv]` options that change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrCsv {
    /// The file (a real Asterisk's is `/var/log/asterisk/cdr-csv/Master.csv`).
    pub path: PathBuf,
    /// `loguniqueid = yes`: a `uniqueid` column after `amaflags`.
    pub loguniqueid: bool,
    /// `loguserfield = yes`: a `userfield` column after that.
    pub loguserfield: bool,
}

impl CdrCsv {
    /// cdr_csv's defaults: 16 columns, no uniqueid, no userfield.
    pub fn new(path: impl Into<PathBuf>) -> CdrCsv {
        CdrCsv { path: path.into(), loguniqueid: false, loguserfield: false }
    }

    /// With `loguniqueid = yes` and `loguserfield = yes`.
    pub fn with_uniqueid_and_userfield(mut self) -> CdrCsv {
        self.loguniqueid = true;
        self.loguserfield = true;
        self
    }

    /// `cdr`'s line.
    pub fn line(&self, cdr: &Cdr) -> String {
        let mut line = String::new();
        let text = |line: &mut String, value: &str| {
            line.push('"');
            line.push_str(&value.replace('"', "\"\""));
            line.push_str("\",");
        };
        for value in [&cdr.accountcode, &cdr.src, &cdr.dst, &cdr.dcontext, &cdr.clid, &cdr.channel, &cdr.dstchannel, &cdr.lastapp, &cdr.lastdata] {
            text(&mut line, value);
        }
        text(&mut line, &clock::cdr_time(cdr.start));
        match cdr.answer {
            Some(answer) => text(&mut line, &clock::cdr_time(answer)),
            None => line.push(','),
        }
        text(&mut line, &clock::cdr_time(cdr.end));
        line.push_str(&format!("{},{},", cdr.duration, cdr.billsec));
        text(&mut line, &cdr.disposition);
        text(&mut line, &cdr.amaflags);
        if self.loguniqueid {
            text(&mut line, &cdr.uniqueid);
        }
        if self.loguserfield {
            text(&mut line, &cdr.userfield);
        }
        line.pop();
        line.push('\n');
        line
    }

    /// Appends `cdr`'s line. A failure is logged, as cdr_csv logs it; the call goes on.
    pub fn append(&self, cdr: &Cdr) {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(self.line(cdr).as_bytes()));
        if let Err(e) = written {
            tracing::error!(file = %self.path.display(), error = %e, "the simulator could not append a CDR to Master.csv");
        }
    }
}
