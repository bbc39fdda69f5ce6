//! Time as SARK's routes need it: now in epoch seconds (backup and snapshot names carry it, as SARK
//! named them), PHP's `date('D d M H:i:s Y')` of an epoch for their listings, and the conversion
//! between SARK's epochs and the shared model's `YYYY-MM-DD HH:MM:SS` UTC (holiday timers).

use switchboard_sdk::civil;

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    civil::now() as u64
}

/// `Sun 06 Dec 09:40:00 2026` (UTC): what SARK's listings show for a backup or snapshot.
pub fn php_date(epoch: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = epoch / 86_400;
    let secs = epoch % 86_400;
    let (year, month, day) = civil::civil_from_days(days as i64);
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
    civil::utc_text(epoch)
}

/// `YYYY-MM-DD HH:MM:SS` UTC as epoch seconds.
pub fn from_utc(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(' ')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    Some(civil::days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s)
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
