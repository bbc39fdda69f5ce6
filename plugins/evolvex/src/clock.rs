//! Wall-clock text for `get_log_cdr`: the `cdr` table keeps UTC `YYYY-MM-DD HH:MM:SS`, clients
//! send and read times in the mount's `utc-offset`. Plain civil-date arithmetic on Unix seconds
//! (proleptic Gregorian, as SQLite's and Asterisk's dates are), so nothing depends on a time zone
//! database the sandbox does not have.

use switchboard_sdk::civil;

/// A fixed offset from UTC, in seconds east (`+03:00` → 10800).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset(pub i64);

impl Offset {
    /// `+03:00`, `-05:30`, `+0000`, `Z` (at most ±14:00); `None` for anything else.
    pub fn parse(text: &str) -> Option<Offset> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("z") {
            return Some(Offset(0));
        }
        let (sign, rest) = match text.as_bytes().first()? {
            b'+' => (1, &text[1..]),
            b'-' => (-1, &text[1..]),
            _ => return None,
        };
        let (hours, minutes) = match rest.split_once(':') {
            Some((h, m)) => (h, m),
            None if rest.len() == 4 => rest.split_at(2),
            None => return None,
        };
        let two = |s: &str| (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<i64>().ok()).flatten();
        let (h, m) = (two(hours)?, two(minutes)?);
        (m < 60 && h * 60 + m <= 14 * 60).then_some(Offset(sign * (h * 3600 + m * 60)))
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD HH:MM:SS` of Unix seconds `t`.
pub fn format(t: i64) -> String {
    civil::utc_text(t)
}

/// Whether a text holds only a date, so an `end` of that day means its last second.
pub fn is_date_only(text: &str) -> bool {
    text.len() == 10
}

/// Unix seconds of `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD` (00:00:00) read as
/// wall-clock time in the zone `UTC + offset`; `None` when it is not such a time.
pub fn parse(text: &str, offset: Offset) -> Option<i64> {
    if !text.is_ascii() {
        return None;
    }
    let (date, time) = match text.len() {
        10 => (text, "00:00:00"),
        19 if matches!(text.as_bytes()[10], b' ' | b'T') => (&text[..10], &text[11..]),
        _ => return None,
    };
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse::<i64>().ok()).flatten();
    let d = date.as_bytes();
    let t = time.as_bytes();
    if d[4] != b'-' || d[7] != b'-' || t.len() != 8 || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (y, mo, da) = (number(&date[..4])?, number(&date[5..7])?, number(&date[8..])?);
    let (h, mi, s) = (number(&time[..2])?, number(&time[3..5])?, number(&time[6..])?);
    let (mo, da) = (u32::try_from(mo).ok()?, u32::try_from(da).ok()?);
    if !(1..=12).contains(&mo) || da == 0 || da > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(civil::days_from_civil(y, i64::from(mo), i64::from(da)) * 86_400 + h * 3600 + mi * 60 + s - offset.0)
}

/// Unix seconds now.
pub fn now() -> i64 {
    civil::now()
}

/// The first and last second (Unix seconds) of the day `t` falls on in the zone `UTC + offset`.
pub fn day_of(t: i64, offset: Offset) -> (i64, i64) {
    let local = t + offset.0;
    let start = local - local.rem_euclid(86_400) - offset.0;
    (start, start + 86_399)
}

/// Unix seconds `t` as wall-clock text in the zone `UTC + offset`.
pub fn format_in(t: i64, offset: Offset) -> String {
    format(t + offset.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSK: Offset = Offset(3 * 3600);

    #[test]
    fn offsets_parse_in_the_usual_spellings() {
        assert_eq!(Offset::parse("+03:00"), Some(MSK));
        assert_eq!(Offset::parse("-05:30"), Some(Offset(-(5 * 3600 + 1800))));
        assert_eq!(Offset::parse("+0000"), Some(Offset(0)));
        assert_eq!(Offset::parse("Z"), Some(Offset(0)));
        for bad in ["", "03:00", "+3:00", "+15:00", "+03:60", "+03:0", "UTC", "+03:00:00", "+ab:cd"] {
            assert_eq!(Offset::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_round_trip_through_unix_seconds() {
        let t = parse("2024-10-30 09:59:15", Offset(0)).unwrap();
        assert_eq!(t, 1_730_282_355);
        assert_eq!(format(t), "2024-10-30 09:59:15");
        assert_eq!(parse("2024-10-30T12:59:15", MSK), Some(t));
        assert_eq!(format_in(t, MSK), "2024-10-30 12:59:15");
        assert_eq!(parse("2024-02-29", Offset(0)).map(format), Some("2024-02-29 00:00:00".into()));
        assert_eq!(format(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn malformed_times_are_refused() {
        for bad in ["", "2024-10-30 9:59:15", "2024-13-01", "2023-02-29", "2024-10-30 24:00:00", "2024/10/30", "2024-10-30x10:00:00", "yesterday", " 2024-10-30", "2024-10-30\n", "2024-10-3a", "2024-10-3é 10:00:0", "2024-10-30 10:00:é"] {
            assert_eq!(parse(bad, Offset(0)), None, "{bad}");
        }
    }

    #[test]
    fn a_day_is_the_local_day() {
        let t = parse("2024-10-30 23:30:00", Offset(0)).unwrap();
        // 23:30 UTC is already the 31st in Moscow.
        let (start, end) = day_of(t, MSK);
        assert_eq!((format_in(start, MSK), format_in(end, MSK)), ("2024-10-31 00:00:00".into(), "2024-10-31 23:59:59".into()));
        assert_eq!((format(start), format(end)), ("2024-10-30 21:00:00".into(), "2024-10-31 20:59:59".into()));
    }
}
