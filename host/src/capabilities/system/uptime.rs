//! `uptime(1)` without running it: `/proc/uptime`, `/proc/loadavg` and the utmp file.
//!
//! The text is procps's (`proc/whattime.c`, `library/uptime.c` in procps-ng 4): days when there are
//! any, then `H:MM` with the hour padded to two columns (`up  2:31`), or `N min` when the hour is 0.
//! The wall time is local, from `TZ` or `/etc/localtime` as glibc's `localtime` finds it (UTC when
//! neither says otherwise).

use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow};

/// Uptime, logged-in users and load averages, as `uptime(1)` reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct Uptime {
    /// Whole seconds since boot.
    pub seconds: u64,
    /// Logged-in users: `USER_PROCESS` records in the utmp file (0 when there is none).
    pub users: u32,
    /// Load averages over 1, 5 and 15 minutes.
    pub load: [f64; 3],
    /// The local wall time, `HH:MM:SS`.
    pub now_hms: String,
    /// The `up …` part of `uptime`'s line, exactly as procps prints it: `up 8 days, 21:44`,
    /// `up  3:07`, `up 1 day, 17 min`, `up 5 min`.
    pub text: String,
}

impl Uptime {
    /// The `datetime` of Elastix's `systemresources` answer: the wall time, then the `up …` text
    /// without its commas — `11:39:13 up 8 days 21:44`, `11:55:42 up  3:25` (the original took
    /// `uptime`'s line up to the user count and dropped the commas, so procps's padding stays).
    pub fn elastix_datetime(&self) -> String {
        format!("{} {}", self.now_hms, self.text.replace(',', ""))
    }
}

const PROC_UPTIME: &str = "/proc/uptime";
const PROC_LOADAVG: &str = "/proc/loadavg";
/// Where glibc keeps utmp; `/var/run` is the older name (a link to `/run` on current systems).
const UTMP_FILES: [&str; 2] = ["/run/utmp", "/var/run/utmp"];

/// Reads the uptime, users, load and local time now.
pub fn uptime() -> anyhow::Result<Uptime> {
    let seconds = parse_uptime(&read_proc(PROC_UPTIME)?)?;
    let load = parse_loadavg(&read_proc(PROC_LOADAVG)?)?;
    let users = users_in(&UTMP_FILES.map(Path::new));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    Ok(Uptime { seconds, users, load, now_hms: local_hms(now), text: format_up(seconds) })
}

fn read_proc(path: &str) -> anyhow::Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {path}"))
}

/// Whole seconds from `/proc/uptime` (`9076.01 6023.98`: up, idle), truncated as procps does.
fn parse_uptime(text: &str) -> anyhow::Result<u64> {
    let first = text.split_whitespace().next().ok_or_else(|| anyhow!("/proc/uptime is empty"))?;
    let seconds: f64 = first.parse().with_context(|| format!("/proc/uptime: {first:?} is not a number"))?;
    Ok(seconds as u64)
}

/// The three averages from `/proc/loadavg` (`0.11 1.06 1.57 1/80 25758`).
fn parse_loadavg(text: &str) -> anyhow::Result<[f64; 3]> {
    let mut fields = text.split_whitespace();
    let mut load = [0.0; 3];
    for slot in &mut load {
        let field = fields.next().ok_or_else(|| anyhow!("/proc/loadavg: fewer than 3 fields in {text:?}"))?;
        *slot = field.parse().with_context(|| format!("/proc/loadavg: {field:?} is not a number"))?;
    }
    Ok(load)
}

/// `struct utmp` of glibc on Linux x86_64 and aarch64 (checked with `offsetof` against
/// `<utmp.h>` on x86_64: size 384, `ut_type` at 0, `ut_user` at 44):
///
/// | offset | size | field |
/// | --- | --- | --- |
/// | 0 | 2 | `ut_type` (`short`), then 2 bytes padding |
/// | 4 | 4 | `ut_pid` |
/// | 8 | 32 | `ut_line` |
/// | 40 | 4 | `ut_id` |
/// | 44 | 32 | `ut_user` |
/// | 76 | 256 | `ut_host` |
/// | 332 | 4 | `ut_exit` |
/// | 336 | 4 | `ut_session` (32-bit even on 64-bit targets) |
/// | 340 | 8 | `ut_tv` (two 32-bit fields) |
/// | 348 | 16 | `ut_addr_v6` |
/// | 364 | 20 | reserved |
///
/// The file is written by the local libc, so integers are in native byte order.
const UTMP_RECORD: usize = 384;
const UT_USER: usize = 44;
/// `ut_type` of a logged-in user's record.
const USER_PROCESS: i16 = 7;

/// Users in the first utmp file that exists; no file (containers often have none) is 0 users.
fn users_in(candidates: &[&Path]) -> u32 {
    for path in candidates {
        match fs::read(path) {
            Ok(bytes) => return count_users(&bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read utmp; reporting 0 users");
                return 0;
            }
        }
    }
    0
}

/// `USER_PROCESS` records with a user name, as procps counts them; a torn last record is ignored.
fn count_users(utmp: &[u8]) -> u32 {
    let is_user = |record: &[u8]| i16::from_ne_bytes([record[0], record[1]]) == USER_PROCESS && record[UT_USER] != 0;
    utmp.chunks_exact(UTMP_RECORD).filter(|r| is_user(r)).count() as u32
}

/// procps's `up …` text for an uptime in seconds.
fn format_up(seconds: u64) -> String {
    let days = seconds / 86_400;
    let hours = seconds / 3600 % 24;
    let minutes = seconds / 60 % 60;
    let mut text = String::from("up ");
    if days > 0 {
        let _ = write!(text, "{days} {}, ", if days == 1 { "day" } else { "days" });
    }
    if hours > 0 {
        let _ = write!(text, "{hours:2}:{minutes:02}");
    } else {
        let _ = write!(text, "{minutes} min");
    }
    text
}

/// `HH:MM:SS` of a Unix time in the local time zone, falling back to UTC if it cannot be read.
fn local_hms(unix: i64) -> String {
    let offset = match tz::TimeZone::local() {
        Ok(zone) => zone.find_local_time_type(unix).map_or(0, |t| t.ut_offset()),
        Err(e) => {
            tracing::debug!(error = %e, "no local time zone; using UTC");
            0
        }
    };
    hms_at(unix, offset)
}

/// `HH:MM:SS` of a Unix time shifted by a UTC offset in seconds.
fn hms_at(unix: i64, utc_offset: i32) -> String {
    let s = (unix + i64::from(utc_offset)).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;

    #[test]
    fn format_up_matches_procps() {
        assert_eq!(format_up(0), "up 0 min");
        assert_eq!(format_up(59), "up 0 min");
        assert_eq!(format_up(5 * MIN), "up 5 min");
        assert_eq!(format_up(HOUR), "up  1:00");
        assert_eq!(format_up(3 * HOUR + 7 * MIN + 59), "up  3:07");
        assert_eq!(format_up(DAY), "up 1 day, 0 min");
        assert_eq!(format_up(DAY + 17 * MIN), "up 1 day, 17 min");
        assert_eq!(format_up(DAY + 2 * HOUR + 3 * MIN), "up 1 day,  2:03");
        assert_eq!(format_up(2 * DAY + 17 * MIN), "up 2 days, 17 min");
        assert_eq!(format_up(8 * DAY + 21 * HOUR + 44 * MIN), "up 8 days, 21:44");
        assert_eq!(format_up(400 * DAY), "up 400 days, 0 min");
        assert_eq!(format_up(400 * DAY + 10 * HOUR + 5 * MIN), "up 400 days, 10:05");
    }

    #[test]
    fn format_up_matches_uptime_on_the_dev_machine() {
        // `uptime` printed ` 07:59:10 up  2:31,  0 user, …` while /proc/uptime said `9076.01`.
        assert_eq!(format_up(parse_uptime("9076.01 6023.98\n").unwrap()), "up  2:31");
    }

    #[test]
    fn elastix_datetime_drops_commas_keeps_padding() {
        let at = |seconds, now: &str| Uptime {
            seconds,
            users: 2,
            load: [0.08, 0.10, 0.03],
            now_hms: now.into(),
            text: format_up(seconds),
        };
        // Both as a real Elastix answers them.
        assert_eq!(at(8 * DAY + 21 * HOUR + 44 * MIN, "11:39:13").elastix_datetime(), "11:39:13 up 8 days 21:44");
        assert_eq!(at(3 * HOUR + 25 * MIN, "11:55:42").elastix_datetime(), "11:55:42 up  3:25");
        assert_eq!(at(2 * DAY + 17 * MIN, "00:00:01").elastix_datetime(), "00:00:01 up 2 days 17 min");
    }

    #[test]
    fn proc_files_parse() {
        assert_eq!(parse_uptime("766155.42 1459861.19\n").unwrap(), 766_155);
        assert!(parse_uptime("").is_err());
        assert!(parse_uptime("abc 1").is_err());
        assert_eq!(parse_loadavg("0.11 1.06 1.57 1/80 25758\n").unwrap(), [0.11, 1.06, 1.57]);
        assert!(parse_loadavg("0.11 1.06").is_err());
        assert!(parse_loadavg("0.11 x 1.57").is_err());
    }

    fn record(ut_type: i16, user: &str) -> Vec<u8> {
        let mut r = vec![0u8; UTMP_RECORD];
        r[..2].copy_from_slice(&ut_type.to_ne_bytes());
        r[UT_USER..UT_USER + user.len()].copy_from_slice(user.as_bytes());
        r
    }

    #[test]
    fn utmp_counts_user_processes_with_a_name() {
        let mut utmp = Vec::new();
        utmp.extend(record(2, "reboot")); // BOOT_TIME
        utmp.extend(record(6, "LOGIN")); // LOGIN_PROCESS
        utmp.extend(record(USER_PROCESS, "root"));
        utmp.extend(record(8, "")); // DEAD_PROCESS
        utmp.extend(record(USER_PROCESS, "asterisk"));
        utmp.extend(record(USER_PROCESS, "")); // no name: procps skips it
        assert_eq!(count_users(&utmp), 2);
        utmp.extend(&record(USER_PROCESS, "torn")[..100]);
        assert_eq!(count_users(&utmp), 2);
        assert_eq!(count_users(&[]), 0);
    }

    #[test]
    fn utmp_file_missing_is_zero_and_first_existing_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (missing, second) = (dir.path().join("missing"), dir.path().join("utmp"));
        assert_eq!(users_in(&[&missing]), 0);
        fs::write(&second, [record(USER_PROCESS, "a"), record(USER_PROCESS, "b")].concat()).unwrap();
        assert_eq!(users_in(&[&missing, &second]), 2);
    }

    #[test]
    fn wall_time_in_a_zone() {
        // 2026-11-22 04:29:06 UTC.
        let t = 1_795_321_746;
        assert_eq!(hms_at(t, 0), "04:29:06");
        assert_eq!(hms_at(t, -5 * 3600), "23:29:06");
        assert_eq!(hms_at(t, 10 * 3600 + 1800), "14:59:06");
        let berlin = tz::TimeZone::from_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(hms_at(t, berlin.find_local_time_type(t).unwrap().ut_offset()), "05:29:06");
        let summer = t - 120 * 86_400;
        assert_eq!(hms_at(summer, berlin.find_local_time_type(summer).unwrap().ut_offset()), "06:29:06");
    }
}
