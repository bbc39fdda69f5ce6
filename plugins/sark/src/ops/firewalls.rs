//! `/firewalls/ipv4` and `/firewalls/ipv6`: SARK's Shorewall rules, as an array of rule lines.
//!
//! SARK wrote the lines a client posted straight into `/etc/shorewall/sark_rules` and restarted
//! Shorewall with `sudo` on PUT. Shorewall's rules file is a program of sorts (`?SHELL`, `?PERL`
//! and `INCLUDE` lines run code or read files when it compiles), so here:
//!
//! - POST checks every line against the rule syntax ([`check_line`]): `ACTION SOURCE DEST [PROTO
//!   [DPORT [SPORT …]]]` of plain tokens, comments, blank lines, `?COMMENT` and `?SECTION`;
//!   anything else is a 422 naming the line. The lines are stored in the plugin's own database
//!   (table `sark_firewall_rules`) and rendered into the `firewall` file area, when the mount is
//!   granted it read-write, as `sark_rules` (IPv4) or `sark_rules6` (IPv6), for the PBX's
//!   Shorewall configuration to include.
//! - PUT never runs a program: it renders the stored rules again and answers 202, since applying
//!   them is the host's firewall service's job (it watches or is told about the rendered file).
//! - GET answers `{"rules":[…]}` from the database, or from the rendered file while nothing was
//!   posted yet.

use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{Connection, Value};

use super::area;
use crate::laravel;

/// The file area the rules are rendered into.
const AREA: &str = "firewall";

/// Most lines a rule set may have.
const MAX_LINES: usize = 2000;

/// Longest line accepted.
const MAX_LINE: usize = 1024;

/// The two rule sets: route segment, file name in the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn key(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Family::V4 => "sark_rules",
            Family::V6 => "sark_rules6",
        }
    }
}

pub fn routes(router: Router) -> Router {
    let mut router = router;
    for family in [Family::V4, Family::V6] {
        let path = format!("/firewalls/{}", family.key());
        router = router
            .get(&path, move |_: &Request| show(family))
            .post(&path, move |req: &Request| save(req, family))
            .put(&path, move |_: &Request| restart(family));
    }
    router
}

/// Creates the plugin's rules table if it is not there yet.
pub fn ensure_table(own: &Connection) -> Result<(), Error> {
    own.query(
        "CREATE TABLE IF NOT EXISTS sark_firewall_rules (family TEXT NOT NULL, position INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (family, position))",
        &[],
    )?;
    Ok(())
}

/// The stored lines of `family`, or `None` when nothing was ever posted for it.
fn stored(family: Family) -> Result<Option<Vec<String>>, Error> {
    let own = crate::model::own::open()?;
    ensure_table(&own)?;
    let [lines, marker] = <[_; 2]>::try_from(own.query_snapshot(&[
        ("SELECT line FROM sark_firewall_rules WHERE family = ? AND position >= 0 ORDER BY position", &[family.key().into()]),
        ("SELECT 1 FROM sark_firewall_rules WHERE family = ? AND position = -1", &[family.key().into()]),
    ])?)
    .map_err(|_| Error::internal("two answers expected"))?;
    if marker.rows().is_empty() {
        return Ok(None);
    }
    Ok(Some(lines.rows().iter().map(|r| r.text(0)).collect()))
}

fn show(family: Family) -> Result<Response, Error> {
    let lines = match stored(family)? {
        Some(lines) => lines,
        None if area::granted(AREA) => match std::fs::read_to_string(format!("/{AREA}/{}", family.file())) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(_) => Vec::new(),
        },
        None => Vec::new(),
    };
    Ok(laravel::ok(&rules_json(&lines)))
}

/// `{"rules":[…]}`, or `[]` for no lines (PHP's empty array).
fn rules_json(lines: &[String]) -> Json {
    if lines.is_empty() {
        return Json::Arr(Vec::new());
    }
    obj([("rules", Json::Arr(lines.iter().map(|l| Json::Str(l.clone())).collect()))])
}

fn save(req: &Request, family: Family) -> Result<Response, Error> {
    let input = laravel::Input::from_request(req)?;
    laravel::validate(&input, &[("rules", &["required"])], &laravel::no_lookup)?;
    let lines = match input.value("rules") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| laravel::php_string(item).ok_or_else(|| laravel::invalid(&format!("rules.{i}"), format!("Line {} is not text.", i + 1))))
            .collect::<Result<Vec<String>, Error>>()?,
        // A single string is one line per line of text.
        Some(serde_json::Value::String(text)) => text.lines().map(str::to_string).collect(),
        _ => return Err(laravel::invalid("rules", "The rules must be an array.")),
    };
    if lines.len() > MAX_LINES {
        return Err(laravel::invalid("rules", format!("The rules may not have more than {MAX_LINES} items.")));
    }
    for (i, line) in lines.iter().enumerate() {
        if let Err(why) = check_line(line) {
            return Err(laravel::invalid(&format!("rules.{i}"), format!("Line {} is not a Shorewall rule ({why}): {line}", i + 1)));
        }
    }
    let own = crate::model::own::open()?;
    ensure_table(&own)?;
    own.transaction(|db| {
        db.query("DELETE FROM sark_firewall_rules WHERE family = ?", &[family.key().into()])?;
        // Position -1 marks a rule set that was posted, even when it is empty.
        db.query("INSERT INTO sark_firewall_rules (family, position, line) VALUES (?, -1, '')", &[family.key().into()])?;
        for (i, line) in lines.iter().enumerate() {
            db.query("INSERT INTO sark_firewall_rules (family, position, line) VALUES (?, ?, ?)", &[family.key().into(), Value::Integer(i as i64), line.into()])?;
        }
        Ok::<_, Error>(())
    })?;
    render(family, &lines)?;
    Ok(laravel::ok(&obj([("message", "saved sark_rules")])))
}

/// Writes the rules file into the area, when the mount has it; `false` when it has not.
fn render(family: Family, lines: &[String]) -> Result<bool, Error> {
    if !area::granted(AREA) {
        return Ok(false);
    }
    let mut text = String::from("# Written by Switchboard's SARK API (POST /firewalls); edits here are replaced.\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    area::write_atomic(std::path::Path::new(&format!("/{AREA}/{}", family.file())), text.as_bytes())?;
    Ok(true)
}

fn restart(family: Family) -> Result<Response, Error> {
    let lines = stored(family)?.unwrap_or_default();
    if !render(family, &lines)? {
        return Err(laravel::error_body(
            503,
            &obj([("message", format!("No firewall file area is granted to this mount: the {} rules are stored, but nothing applies them", family.key()))]),
        ));
    }
    Ok(laravel::ok(&obj([("message", format!("{} rendered; the host's firewall service applies it", family.file()))])).with_status(202))
}

/// Shorewall's rule actions (the `ACTION` column), besides macros (`SSH(ACCEPT)`, `SIP/ACCEPT`).
const ACTIONS: &[&str] = &[
    "ACCEPT", "ACCEPT+", "ACCEPT!", "A_ACCEPT", "A_ACCEPT+", "A_ACCEPT!", "DROP", "DROP!", "A_DROP", "A_DROP!", "REJECT", "REJECT!",
    "A_REJECT", "A_REJECT!", "CONTINUE", "CONTINUE!", "LOG", "NFLOG", "ULOG", "QUEUE", "QUEUE!", "NFQUEUE", "NFQUEUE!", "DNAT", "DNAT-",
    "REDIRECT", "REDIRECT-", "NONAT", "BLACKLIST", "AUDIT", "COUNT", "HELPER", "INLINE", "IPTABLES", "IP6TABLES", "SET", "UNSET", "TARPIT",
];

/// Columns after ACTION SOURCE DEST: PROTO DPORT SPORT ORIGDEST RATE USER MARK CONNLIMIT TIME
/// HEADERS SWITCH HELPER.
const MAX_COLUMNS: usize = 15;

/// Whether `line` is a line of a Shorewall rules file this API writes; the error says why not.
pub fn check_line(line: &str) -> Result<(), String> {
    if line.len() > MAX_LINE {
        return Err(format!("longer than {MAX_LINE} characters"));
    }
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err("a control character".into());
    }
    let code = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    };
    let code = code.trim();
    if code.is_empty() {
        return Ok(());
    }
    if let Some(directive) = code.strip_prefix('?') {
        let word = directive.split_whitespace().next().unwrap_or_default();
        return match word.to_ascii_uppercase().as_str() {
            "COMMENT" if plain_text(directive) => Ok(()),
            "SECTION" if matches!(directive.split_whitespace().nth(1), Some("ALL" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED" | "NEW")) => Ok(()),
            _ => Err(format!("the directive ?{word} is not allowed (only ?COMMENT and ?SECTION)")),
        };
    }
    let columns: Vec<&str> = code.split_whitespace().collect();
    if columns.len() < 3 {
        return Err("ACTION SOURCE DEST at least".into());
    }
    if columns.len() > MAX_COLUMNS {
        return Err(format!("more than {MAX_COLUMNS} columns"));
    }
    check_action(columns[0])?;
    check_zone(columns[1], "SOURCE")?;
    check_zone(columns[2], "DEST")?;
    if let Some(proto) = columns.get(3) {
        check_proto(proto)?;
    }
    for (i, column) in columns.iter().enumerate().skip(4) {
        if !token(column) {
            return Err(format!("column {} holds characters a rule column never does", i + 1));
        }
    }
    Ok(())
}

/// `ACCEPT`, `DROP:info`, `SSH(ACCEPT)`, `SIP/ACCEPT:info`, `Ping(DROP)`.
fn check_action(action: &str) -> Result<(), String> {
    let (base, level) = match action.split_once(':') {
        Some((base, level)) => (base, Some(level)),
        None => (action, None),
    };
    if let Some(level) = level {
        if !level.split(':').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'!' | b'.'))) {
            return Err(format!("the log level of ACTION `{action}`"));
        }
    }
    let name = |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let is_action = |s: &str| ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(s));
    if is_action(base) {
        return Ok(());
    }
    if let Some((macro_name, inner)) = base.strip_suffix(')').and_then(|b| b.split_once('(')) {
        if name(macro_name) && (is_action(inner) || inner.is_empty()) {
            return Ok(());
        }
    }
    if let Some((macro_name, inner)) = base.split_once('/') {
        if name(macro_name) && is_action(inner) {
            return Ok(());
        }
    }
    if name(base) && !base.eq_ignore_ascii_case("INCLUDE") && !base.eq_ignore_ascii_case("SHELL") && !base.eq_ignore_ascii_case("PERL") {
        // A macro or action name on its own (`Ping`, `SSH`): Shorewall resolves it when compiling.
        return Ok(());
    }
    Err(format!("ACTION `{action}` is not an action or Macro(ACTION)"))
}

/// `net`, `fw`, `$FW`, `all`, `net:192.168.1.0/24`, `net:!10.0.0.1,10.0.0.2`, `lan:$LAN`, `-`.
fn check_zone(value: &str, column: &str) -> Result<(), String> {
    let (zone, hosts) = match value.split_once(':') {
        Some((zone, hosts)) => (zone, Some(hosts)),
        None => (value, None),
    };
    let zone_ok = value == "-"
        || (!zone.is_empty() && zone.len() <= 32 && zone.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'$' | b'+' | b'!')));
    let hosts_ok = hosts.is_none_or(|h| {
        !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b',' | b'/' | b':' | b'!' | b'-' | b'$' | b'_' | b'[' | b']' | b'+' | b'~' | b'<' | b'>' | b'&' | b'^'))
    });
    if zone_ok && hosts_ok { Ok(()) } else { Err(format!("{column} `{value}` is not ZONE[:HOSTS]")) }
}

/// `tcp`, `udp`, `icmp`, `all`, `-`, a protocol number, or several with `,`, optionally `!`.
fn check_proto(value: &str) -> Result<(), String> {
    let one = |p: &str| {
        let p = p.strip_prefix('!').unwrap_or(p);
        !p.is_empty() && p.len() <= 16 && (p.bytes().all(|b| b.is_ascii_digit()) || p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    if value == "-" || value.split(',').all(one) { Ok(()) } else { Err(format!("PROTO `{value}`")) }
}

/// A plain column: ports, ranges, lists, rates, users, marks (`22`, `5060:5061`, `10000:20000`,
/// `-`, `s:1/sec:2`, `+`), with no quote, backquote, semicolon, brace, parenthesis or backslash.
fn token(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.,:/!+=$<>@%~&^[]*".contains(&b))
}

/// A `?COMMENT`'s text: printable, no backquote, `$(`, or backslash that a shell could see.
fn plain_text(text: &str) -> bool {
    !text.contains('`') && !text.contains("$(") && !text.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarks_rule_lines_pass() {
        for line in [
            "ACCEPT net fw tcp 22",
            "SIP/ACCEPT net:192.168.1.0/24 $FW",
            "Ping(ACCEPT) net fw",
            "ACCEPT net:$LAN fw udp 5060:5061,10000:20000",
            "DROP:info net:!10.0.0.1,10.0.0.2 all - - - - s:1/sec:2",
            "REJECT all all icmp 8",
            "SSH net fw",
            "",
            "   ",
            "# a comment",
            "ACCEPT net fw tcp 443 # https",
            "?COMMENT web server",
            "?SECTION NEW",
            "HTTPS(ACCEPT)\tnet\tfw",
        ] {
            assert_eq!(check_line(line), Ok(()), "{line:?}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for line in [
            "?SHELL rm -rf /",
            "?PERL system('id')",
            "?INCLUDE /etc/passwd",
            "INCLUDE /etc/passwd",
            "SHELL net fw",
            "ACCEPT net",
            "ACCEPT net fw tcp 22; reboot",
            "ACCEPT net fw tcp `id`",
            "ACCEPT net fw tcp $(id)",
            "ACCEPT net\nfw",
            "ACCEPT\0 net fw",
            "ACC(EPT net fw",
            "ACCEPT net:'x' fw",
            "ACCEPT net fw \"tcp\"",
            "?COMMENT `id`",
            &"ACCEPT net fw ".repeat(100),
            "ACCEPT net fw a b c d e f g h i j k l m",
        ] {
            assert!(check_line(line).is_err(), "{line:?}");
        }
    }

    #[test]
    fn no_lines_read_as_an_empty_php_array() {
        assert_eq!(rules_json(&[]).encode(), "[]");
        assert_eq!(rules_json(&["ACCEPT net fw".into()]).encode(), r#"{"rules":["ACCEPT net fw"]}"#);
    }
}
