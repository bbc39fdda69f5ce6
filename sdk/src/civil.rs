//! Civil dates on Unix seconds, as the shared model writes its times (`YYYY-MM-DD HH:MM:SS`, UTC,
//! the proleptic Gregorian calendar SQLite and Asterisk use). Plain arithmetic: the sandbox has
//! no time-zone database, and the plugins only need UTC and fixed offsets.
//!
//! ```
//! use switchboard_sdk::civil;
//!
//! assert_eq!(civil::utc_text(951_782_400), "2000-02-29 00:00:00");
//! assert_eq!(civil::days_from_civil(2000, 2, 29), 11_016);
//! assert_eq!(civil::civil_from_days(11_016), (2000, 2, 29));
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds now (0 if the clock reads before 1970).
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Days since 1970-01-01 of year `y`, month `m` (1–12) and day `d`; the inverse of
/// [`civil_from_days`].
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month (1–12) and day of `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
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

/// Unix seconds `t` as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn utc_text(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_convert_both_ways() {
        for days in [-719_468, -1, 0, 59, 11_016, 18_518, 20_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn utc_text_is_the_models_spelling() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00");
        assert_eq!(utc_text(1_600_000_000), "2020-09-13 12:26:40");
        assert_eq!(utc_text(-1), "1969-12-31 23:59:59");
        assert!(now() > 1_600_000_000);
    }
}
