//! Facts about the machine: `systemresources`, `getharddrivers`, `getiptablesstatus`.

use switchboard_sdk::prelude::*;
use switchboard_sdk::system::{self, DiskUsage};

use super::json;
use crate::php_json::{Json, obj};

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

/// A size the way `df -h` / `du -h` print it: powers of 1024, rounded up, one decimal below 10.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["K", "M", "G", "T", "P", "E"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    loop {
        value /= 1024.0;
        if value < 10.0 {
            let tenths = (value * 10.0).ceil() / 10.0;
            if tenths < 10.0 {
                return format!("{tenths:.1}{}", UNITS[unit]);
            }
            return format!("10{}", UNITS[unit]);
        }
        let whole = value.ceil();
        if whole < 1024.0 || unit == UNITS.len() - 1 {
            return format!("{whole:.0}{}", UNITS[unit]);
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
    let main = disks.iter().find(|d| d.area == "recordings").or_else(|| disks.first());
    let harddisk = match main {
        Some(d) => obj([
            ("size", human(d.size)),
            ("used", human(d.used)),
            ("avail", human(d.available)),
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
    use super::human;

    #[test]
    fn sizes_read_like_df() {
        assert_eq!(human(0), "0");
        assert_eq!(human(1024), "1.0K");
        assert_eq!(human(4_029_223), "3.9M");
        assert_eq!(human(50 * 1024 * 1024 * 1024), "50G");
        assert_eq!(human(1023 * 1024 + 1), "1.0M");
    }
}
