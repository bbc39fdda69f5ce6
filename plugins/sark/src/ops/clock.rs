//! Time as SARK's routes need it: now in epoch seconds (backup and snapshot names carry it, as SARK
//! named them), PHP's `date('D d M H:i:s Y')` of an epoch for their listings, and the conversion
//! between SARK's epochs and the shared model's `YYYY-MM-DD HH:MM:SS` UTC (holiday timers).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `Sun 06 Dec 09:40:00 2026` (UTC): what SARK's listings show for a backup or snapshot.
pub fn php_date(epoch: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = epoch / 86_400;
    let secs = epoch % 86_400;
    let (year, month, day) = civil(days as i64);
    format!(
        "{} {day:02} {} {:02}:{:02}:{:02} {year}",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Epoch seconds as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn to_utc(epoch: i64) -> String {
    let (y, m, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// `YYYY-MM-DD HH:MM:SS` UTC as epoch seconds.
pub fn from_utc(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(' ')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    Some(days(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s)
}

/// (year, month, day) → days since 1970-01-01, the inverse of [`civil`].
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month (1–12) and day of `days` since 1970-01-01 (the proleptic Gregorian calendar).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_php_writes_them() {
        assert_eq!(php_date(0), "Thu 01 Jan 00:00:00 1970");
        assert_eq!(php_date(1_607_247_600), "Sun 06 Dec 09:40:00 2020");
        assert_eq!(php_date(951_782_400), "Tue 29 Feb 00:00:00 2000");
        assert!(now() > 1_600_000_000);
    }

    #[test]
    fn epochs_and_utc_times_convert_both_ways() {
        assert_eq!(to_utc(0), "1970-01-01 00:00:00");
        assert_eq!(to_utc(1_600_000_000), "2020-09-13 12:26:40");
        assert_eq!(to_utc(951_782_400), "2000-02-29 00:00:00");
        for epoch in [0, 1_600_000_000, 951_782_400, 4_102_444_799] {
            assert_eq!(from_utc(&to_utc(epoch)), Some(epoch));
        }
    }
}
