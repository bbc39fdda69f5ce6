//! Wall-clock formatting the way Asterisk prints times (UTC; the simulator has no time zone).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds and microseconds since the epoch.
pub fn epoch(t: SystemTime) -> (u64, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    (d.as_secs(), d.subsec_micros())
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `(date, time)` as `YYYY-MM-DD`, `HH:MM:SS`.
pub fn date_time(t: SystemTime) -> (String, String) {
    let (secs, _) = epoch(t);
    let (y, m, d) = civil((secs / 86_400) as i64);
    let s = secs % 86_400;
    (format!("{y:04}-{m:02}-{d:02}"), format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))
}

/// `YYYY-MM-DD HH:MM:SS`, the CDR format.
pub fn cdr_time(t: SystemTime) -> String {
    let (d, t) = date_time(t);
    format!("{d} {t}")
}

/// `2026-11-22T04:29:06.641+0000`, the security events' `EventTV`.
pub fn event_tv(t: SystemTime) -> String {
    let (d, time) = date_time(t);
    let (_, micros) = epoch(t);
    format!("{d}T{time}.{:03}+0000", micros / 1000)
}

/// `1795321747.844471`, Ping's `Timestamp`.
pub fn timestamp(t: SystemTime) -> String {
    let (s, us) = epoch(t);
    format!("{s}.{us:06}")
}

/// `HH:MM:SS` of a duration, as `core show channels` prints it.
pub fn hms(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}
