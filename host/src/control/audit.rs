//! The audit of live changes: every change, refused ones too, as one JSON line
//! `{"at","who","what","route","before","after","result"}` appended to
//! `<config dir>/switchboard-audit.jsonl` and synced before the change is answered, so what the
//! admin was told happened is on disk. Without a config file (the demo) the newest 1000 entries
//! are kept in memory only.

use std::collections::VecDeque;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::ControlError;

/// The audit file's name, beside the config file.
pub const FILE: &str = "switchboard-audit.jsonl";
/// Entries kept in memory.
const KEPT: usize = 1000;

/// One audited change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// Who asked: `admin token (peer …)` and the actor the client named, or `SIGHUP`.
    pub who: String,
    /// `enable`, `disable`, `replace`, `add`, `remove` or `reload`.
    pub what: String,
    /// The route it concerned (`None` for a reload).
    pub route: Option<String>,
    /// The mount before (a reload: every mount), `None` when there was none.
    pub before: Option<serde_json::Value>,
    /// The mount after, `None` when there is none.
    pub after: Option<serde_json::Value>,
    /// `ok`, or `error: …` with the reason it was refused.
    pub result: String,
}

/// The audit file beside the config file at `config`.
pub(crate) fn file_beside(config: &Path) -> PathBuf {
    config.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(FILE)
}

/// Where entries go.
pub(crate) struct Audit {
    file: Option<PathBuf>,
    recent: Mutex<VecDeque<AuditEntry>>,
}

impl Audit {
    pub fn new(file: Option<PathBuf>) -> Self {
        Audit { file, recent: Mutex::new(VecDeque::new()) }
    }

    /// Records one change and its result.
    pub fn record(
        &self,
        who: &str,
        what: &str,
        route: Option<&str>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        result: &Result<(), ControlError>,
    ) {
        let entry = AuditEntry {
            at: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
            who: who.to_string(),
            what: what.to_string(),
            route: route.map(str::to_string),
            before,
            after,
            result: match result {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("error: {}", e.message),
            },
        };
        match &result {
            Ok(()) => tracing::info!(who, what, route, "live change applied"),
            Err(e) => tracing::warn!(who, what, route, code = e.code, error = %e.message, "live change refused"),
        }
        if let Some(path) = &self.file {
            if let Err(e) = append(path, &entry) {
                tracing::error!(path = %path.display(), error = %e, "could not write the audit entry");
            }
        }
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() == KEPT {
            recent.pop_front();
        }
        recent.push_back(entry);
    }

    /// The newest `limit` entries, newest first: from the file when there is one (entries of
    /// earlier runs included), else from memory.
    pub fn recent(&self, limit: usize) -> Vec<AuditEntry> {
        if let Some(path) = &self.file {
            if let Ok(text) = std::fs::read_to_string(path) {
                return text.lines().rev().filter_map(|line| serde_json::from_str(line).ok()).take(limit).collect();
            }
        }
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).iter().rev().take(limit).cloned().collect()
    }
}

fn append(path: &Path, entry: &AuditEntry) -> std::io::Result<()> {
    let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(line.as_bytes())?;
    file.sync_data()
}
