//! Facts about the machine: `systemresources`, `getharddrivers`, `getiptablesstatus`.

use switchboard_sdk::prelude::*;
use switchboard_sdk::system::{self, DiskUsage};

use super::json;
use switchboard_sdk::php_json::{Json, obj};

/// `{"datetime":"11:39:13 up 8 days 21:44","users":"2","usage":"0.08, 0.10, 0.03"}`: `uptime`'s
/// line split at its commas as the original did (so the commas inside "up …" are gone).
pub fn systemresources() -> Result<Response, Error> {
    let up = system::uptime()?;
    Ok(json(&obj([
        ("datetime", format!("{} {}", up.time, up.up.replace(',', ""))),
        ("users", up.users.to_string()),
        ("usage", format!("{:.2}, {:.2}, {:.2}", up.load1, up.load5, up.load15)),
    ])))
}

/// A size the way `du -h` prints it: powers of 1024, rounded up, one decimal below 10.
pub fn human(bytes: u64) -> String {
    scaled(bytes, 1024, ["K", "M", "G", "T", "P", "E"])
}

/// A size the way `df -H` prints it (the original's `df -H /`): powers of 1000.
pub fn human_si(bytes: u64) -> String {
    scaled(bytes, 1000, ["k", "M", "G", "T", "P", "E"])
}

fn scaled(bytes: u64, base: u64, units: [&str; 6]) -> String {
    const UNITS_LEN: usize = 6;
    if bytes < base {
        return bytes.to_string();
    }
    let base = base as f64;
    let mut value = bytes as f64;
    let mut unit = 0;
    loop {
        value /= base;
        if value < 10.0 {
            let tenths = (value * 10.0).ceil() / 10.0;
            if tenths < 10.0 {
                return format!("{tenths:.1}{}", units[unit]);
            }
            return format!("10{}", units[unit]);
        }
        let whole = value.ceil();
        if whole < base || unit == UNITS_LEN - 1 {
            return format!("{whole:.0}{}", units[unit]);
        }
        unit += 1;
    }
}

/// `df`'s Use%: used over used + available, rounded up.
fn use_percent(d: &DiskUsage) -> String {
    let total = d.used + d.available;
    if total == 0 {
        return "-".into();
    }
    format!("{}%", (d.used * 100).div_ceil(total))
}

/// The original's directories, by the file area that holds them here.
const DIRECTORIES: [(&str, &str); 6] = [
    ("logs", "logs"),
    ("thirdparty", "thirdparty"),
    ("voicemails", "voicemail"),
    ("backups", "backups"),
    ("configuration", "configuration"),
    ("recording", "recordings"),
];

pub fn getharddrivers() -> Result<Response, Error> {
    let disks = system::disks()?;
    // The original showed `df -H /`: the root filesystem when an area is on it, else the one
    // holding the recordings.
    let main = disks
        .iter()
        .find(|d| d.mount_point == "/")
        .or_else(|| disks.iter().find(|d| d.area == "recordings"))
        .or_else(|| disks.first());
    let harddisk = match main {
        Some(d) => obj([
            ("size", human_si(d.size)),
            ("used", human_si(d.used)),
            ("avail", human_si(d.available)),
            ("usepercent", use_percent(d)),
            ("mount", d.mount_point.clone()),
        ]),
        None => Json::Obj(Vec::new()),
    };
    let mut out = vec![("harddisk".to_string(), harddisk)];
    for (key, area) in DIRECTORIES {
        let value = match disks.iter().find(|d| d.area == area) {
            Some(d) => Json::Arr(vec![Json::Str(human(d.area_bytes)), Json::Str(d.path.clone())]),
            None => Json::Arr(Vec::new()),
        };
        out.push((key.to_string(), value));
    }
    Ok(json(&Json::Obj(out)))
}

/// `{"pid":"<status text>","is_exist":true|false}`.
pub fn getiptablesstatus() -> Result<Response, Error> {
    let fw = system::firewall()?;
    Ok(json(&obj([("pid", Json::Str(fw.status)), ("is_exist", Json::Bool(fw.running))])))
}

#[cfg(test)]
mod tests {
    use super::{human, human_si};

    #[test]
    fn sizes_read_like_df() {
        assert_eq!(human(0), "0");
        assert_eq!(human(1024), "1.0K");
        assert_eq!(human(4_029_223), "3.9M");
        assert_eq!(human(50 * 1024 * 1024 * 1024), "50G");
        assert_eq!(human(1023 * 1024 + 1), "1.0M");
        assert_eq!(human_si(999), "999");
        assert_eq!(human_si(1000), "1.0k");
        assert_eq!(human_si(270_000_000_001), "271G");
        assert_eq!(human_si(31_000_000_000), "31G");
    }
}
