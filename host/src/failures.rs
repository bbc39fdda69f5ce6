//! STANDIN(console): the whole file. Helper "console" writes the real ring of recent plugin failures
//! here; the admin API's `/admin/api/failures` only calls [`Failures::recent`].

use serde::Serialize;

/// Recent plugin failures (STANDIN(console): none kept).
#[derive(Debug, Default)]
pub struct Failures;

/// One failure.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The mount's route.
    pub route: String,
    /// The plugin.
    pub plugin: String,
    /// `trap`, `timeout`, `memory`, `denied` or `overloaded`.
    pub kind: String,
    /// What happened.
    pub message: String,
    /// The request's id.
    pub request_id: Option<String>,
}

impl Failures {
    /// The newest `limit` failures, newest first (STANDIN(console): none).
    pub fn recent(&self, limit: usize) -> Vec<Failure> {
        let _ = limit;
        Vec::new()
    }
}
