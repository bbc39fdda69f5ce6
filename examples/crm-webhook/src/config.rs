//! The mount's settings, read and checked once per call.

use std::time::Duration;

use switchboard_sdk::{Error, settings};

/// What the mount's settings say.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where events are posted (`crm-url`); the mount must grant it in `outbound_http`.
    pub crm_url: String,
    /// The HMAC key (`secret`, at least 16 bytes).
    pub secret: String,
    /// Attempts before an event becomes a dead letter (`max-attempts`, default 8).
    pub max_attempts: i64,
    /// The first retry's wait (`retry-base-ms`, default 1 s), doubled per attempt...
    pub retry_base: Duration,
    /// ...up to this (`retry-max-ms`, default 5 min).
    pub retry_max: Duration,
    /// Each attempt's timeout (`timeout-ms`, default 2 s).
    pub timeout: Duration,
    /// The most one handler call spends sending (`send-budget-ms`, default 2 s); the rest waits
    /// for the next call. Budget plus timeout must stay inside the mount's
    /// `event_batch_timeout_ms` (default 5 s).
    pub send_budget: Duration,
}

impl Config {
    /// The settings, or what is missing or wrong in them.
    pub fn from_settings() -> Result<Config, Error> {
        let crm_url = settings::get("crm-url").ok_or_else(|| Error::internal("the mount's settings have no crm-url"))?;
        let secret = settings::get("secret").ok_or_else(|| Error::internal("the mount's settings have no secret"))?;
        if secret.len() < 16 {
            return Err(Error::internal("the mount's secret is shorter than 16 bytes"));
        }
        let number = |name: &str, default: u64, range: std::ops::RangeInclusive<u64>| -> Result<u64, Error> {
            match settings::get(name) {
                None => Ok(default),
                Some(text) => text.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                    Error::internal(format!("setting {name} must be a whole number from {} to {}", range.start(), range.end()))
                }),
            }
        };
        let ms = |name: &str, default: u64, max: u64| number(name, default, 1..=max).map(Duration::from_millis);
        Ok(Config {
            crm_url,
            secret,
            max_attempts: number("max-attempts", 8, 1..=100)? as i64,
            retry_base: ms("retry-base-ms", 1_000, 3_600_000)?,
            retry_max: ms("retry-max-ms", 300_000, 86_400_000)?,
            timeout: ms("timeout-ms", 2_000, 60_000)?,
            send_budget: ms("send-budget-ms", 2_000, 60_000)?,
        })
    }
}
