//! ISO 8601 timestamps (RFC 3339, UTC, seconds) with humantime.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `2024-05-01T10:00:00Z` for Unix time `secs`.
pub fn iso(secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

/// Now, as Unix seconds.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_seconds() {
        assert_eq!(super::iso(1_714_557_600), "2024-05-01T10:00:00Z");
    }
}
