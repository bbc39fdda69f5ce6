//! STANDIN(metrics): the whole file. Helper "metrics" writes the real registry here; the admin
//! listener's `/metrics` route only calls [`Metrics::encode`].

/// The host's metrics (STANDIN(metrics): none yet).
#[derive(Debug, Default)]
pub struct Metrics;

impl Metrics {
    /// The exposition `/metrics` serves (STANDIN(metrics): empty).
    pub fn encode(&self) -> String {
        "# EOF\n".to_string()
    }
}
