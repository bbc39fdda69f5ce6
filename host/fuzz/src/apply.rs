//! Apply-changes rendering (`switchboard::apply::render`): rows of every rendered table, with
//! hostile text anywhere, written as a database holds them when the schema's rules were bypassed
//! or came after them (the newest schema without its rule triggers, which refuse such values
//! today), then rendered. Each file must read back, as Asterisk reads it,
//! as only what the renderer writes itself:
//!
//! - no control character but the line ends, and no line that a value's line break started
//!   (every generated line break is followed by a marker, so a smuggled line starts with it);
//! - comments only where the renderer writes them (the two header lines), and no other `;` that
//!   is not escaped as `\;`, so no comment cuts a value short;
//! - no `#include`/`#exec` directive;
//! - every `[section]` is a clean name, and one that a row defines (or the renderer's own
//!   dialplan contexts); every other line is `key=value`/`key => value` with a key the renderer
//!   uses;
//! - no `${` or `$[` except the renderer's own expressions in the dialplan, whose applications
//!   are the renderer's, with balanced parentheses;
//! - a queue whose row is refused has no section.

use std::cell::RefCell;
use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use rusqlite::{Connection, types::Value as SqlValue};
use switchboard::apply::{self, RenderOptions};

use crate::asterisk_conf::{Line, comment_start, is_name_char, line};

/// Follows every line break the generator puts in a value: a rendered line starting with it came
/// from inside a value.
const MARK: char = '\u{23ce}';

/// The rendered tables and the columns generated for each (others keep their defaults).
const TABLES: &[(&str, &[&str])] = &[
    ("extensions", &["number", "name", "secret", "technology", "context", "callerid", "voicemail", "ring_time"]),
    ("ps_endpoints", &["id", "transport", "aors", "auth", "outbound_auth", "context", "callerid", "mailboxes", "allow", "language", "device_state_busy_at"]),
    ("ps_auths", &["id", "username", "password", "realm"]),
    ("ps_aors", &["id", "contact", "max_contacts", "mailboxes"]),
    ("ps_registrations", &["id", "server_uri", "client_uri", "outbound_auth", "transport", "line", "endpoint"]),
    ("ring_groups", &["number", "strategy", "ring_time", "cid_name_prefix", "destination_if_no_answer"]),
    ("ring_group_members", &["group_number", "position", "destination"]),
    ("follow_me", &["extension", "strategy", "ring_time", "prefix", "post_destination", "pre_ring", "enabled"]),
    ("follow_me_numbers", &["extension", "position", "number"]),
    ("trunks", &["name", "technology", "host", "port", "username", "secret", "register", "context", "outbound_cid", "dial_prefix", "codecs", "enabled"]),
    ("queues", &["name", "strategy", "timeout", "musiconhold", "announce", "joinempty", "leavewhenempty", "ringinuse"]),
    ("queue_members", &["queue_name", "interface", "penalty", "membername", "state_interface"]),
    ("inbound_routes", &["id", "did", "cid", "destination", "destination_closed", "tenant_id", "enabled"]),
    ("outbound_routes", &["id", "name", "position", "outbound_cid"]),
    ("outbound_route_patterns", &["route_id", "match", "prefix", "prepend"]),
    ("outbound_route_trunks", &["route_id", "position", "trunk_name"]),
    ("voicemail", &["context", "mailbox", "password", "fullname", "email", "pager", "attach", "delete_after_email"]),
    ("tenants", &["id", "name", "open_state"]),
    ("ivrs", &["id", "name", "announcement", "timeout", "direct_dial", "invalid_destination", "timeout_destination", "tenant_id"]),
    ("ivr_entries", &["ivr_id", "digits", "destination"]),
    ("day_timers", &["id", "name", "weekdays", "begin_time", "end_time", "month_days", "months", "state", "destination_open", "destination_closed", "tenant_id"]),
    ("holiday_timers", &["id", "name", "starts", "ends", "destination", "tenant_id"]),
    ("custom_apps", &["name", "tenant_id"]),
    ("custom_app_steps", &["app_name", "position", "application", "arguments"]),
    ("cos_rules", &["name", "tenant_id"]),
    ("cos_rule_patterns", &["rule_name", "pattern"]),
    ("cos_assignments", &["extension", "rule_name", "hours"]),
];

/// Values a real PBX holds, so rows refer to each other and reach the renderer's deeper paths.
const PLAUSIBLE: &[&str] = &[
    "1001", "1002", "600", "q1", "default", "from-internal", "trunk1", "sip.example.com", "[2001:db8::1]", "yes", "no",
    "ringall", "hunt", "ringallv2", "pjsip", "sip", "iax2", "dahdi", "novm", "ulaw,alaw", "from-internal,1001,1",
    "app-blackhole,hangup,1", "_X.", "_1NXXNXXXXXX", "_1[2-9]XX", "9", "+1", "1", "0", "20", "\"Acme Ltd\" <5551234>",
    "1001@default", "general", "PJSIP/1001", "5551234#", "FM:", "1001,1002", "trunk1-auth", "transport-udp", "",
    "09:00", "17:30", "mon-fri", "*", "1-15", "jan-mar", "2026-01-01 00:00:00", "switchboard-ivrs,1,1", "custom/welcome", "Answer",
    "Playback", "Goto", "open", "closed", "auto", "_00X.", "night", "switchboard-voicemail,1001,1",
];

/// Text that could break out of its place in a config file.
const HOSTILE: &[&str] = &[
    ";", "\\;", "\\", "${SHELL(id)}", "$[1+1]", "${", "$[", "[", "]", "[evil]", "#include /etc/passwd", "#exec /bin/sh",
    ",", "|", "&", "(", ")", "=", "=>", " ", "\t", "\0", "{", "}", "\"", "`", "\u{a0}", "é", "-auth", "@", "/", ";--",
    "\u{7f}", "\u{85}", "\u{2028}", "exten => 666,1,System(id)",
];

/// One piece of a generated text value.
#[derive(Arbitrary, Debug)]
enum Piece {
    Plausible(u8),
    Hostile(u8),
    /// `\n`, `\r\n` or `\r` (then [`MARK`]).
    LineBreak(u8),
    Char(char),
}

/// One generated cell.
#[derive(Arbitrary, Debug)]
enum Cell {
    Default,
    Null,
    Int(i16),
    Text(Vec<Piece>),
    Blob(Vec<u8>),
}

/// One generated row: a table and a cell for each of its generated columns.
#[derive(Arbitrary, Debug)]
struct Row {
    table: u8,
    cells: Vec<Cell>,
}

fn text(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Plausible(i) => out.push_str(PLAUSIBLE[usize::from(*i) % PLAUSIBLE.len()]),
            Piece::Hostile(i) => out.push_str(HOSTILE[usize::from(*i) % HOSTILE.len()]),
            Piece::LineBreak(i) => {
                out.push_str(["\n", "\r\n", "\r"][usize::from(*i) % 3]);
                out.push(MARK);
            }
            // A line break only with its marker.
            Piece::Char(c) if matches!(c, '\n' | '\r') => {}
            Piece::Char(c) => out.push(*c),
        }
    }
    out
}

thread_local! {
    static DB: RefCell<Connection> = RefCell::new({
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        switchboard::store::migrate::migrate(&mut conn).expect("schema");
        let rules: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND (name GLOB 'sb_rules_*' OR name GLOB 'sb_names_*' OR name GLOB 'sb_registration_*')")
            .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
            .expect("the rule triggers");
        for trigger in rules {
            conn.execute_batch(&format!("DROP TRIGGER {trigger}")).expect("dropping a rule trigger");
        }
        conn
    });
}

pub fn check(data: &[u8]) {
    let Ok(rows) = Vec::<Row>::arbitrary_take_rest(Unstructured::new(data)) else { return };
    if rows.len() > 64 {
        return;
    }
    let transport = (data.first().is_some_and(|b| b & 1 == 1)).then(|| "transport-udp".to_string());
    DB.with(|db| {
        let mut db = db.borrow_mut();
        let tx = db.transaction().expect("begin");
        for row in &rows {
            let (table, columns) = TABLES[usize::from(row.table) % TABLES.len()];
            let mut names = Vec::new();
            let mut values = Vec::new();
            for (column, cell) in columns.iter().zip(&row.cells) {
                let value = match cell {
                    Cell::Default => continue,
                    Cell::Null => SqlValue::Null,
                    Cell::Int(n) => SqlValue::Integer(i64::from(*n)),
                    Cell::Text(pieces) => SqlValue::Text(text(pieces)),
                    Cell::Blob(bytes) => SqlValue::Blob(bytes.clone()),
                };
                names.push(format!("\"{column}\""));
                values.push(value);
            }
            if names.is_empty() {
                continue;
            }
            let marks = vec!["?"; names.len()].join(", ");
            let sql = format!("INSERT OR IGNORE INTO {table} ({}) VALUES ({marks})", names.join(", "));
            // The schema's own constraints (NOT NULL, CHECK) may refuse a row; that is the point.
            let _ = tx.execute(&sql, rusqlite::params_from_iter(values));
        }
        let rendering = apply::render(&tx, &RenderOptions { transport }).expect("render reads the database");
        let sections = Sections::read(&tx);
        drop(tx); // rolls back
        for (file, text) in &rendering.files {
            check_file(file, text, &sections);
        }
        let queues = &rendering.files[apply::QUEUES_FILE];
        for refused in rendering.skipped.iter().filter(|u| u.table == "queues") {
            assert!(!queues.contains(&format!("\n[{}]\n", refused.key)), "refused queue {refused} is in the file:\n{queues}");
        }
    });
}

/// The section names rows can define, per file.
struct Sections {
    pjsip: BTreeSet<String>,
    dialplan: BTreeSet<String>,
    queues: BTreeSet<String>,
    voicemail: BTreeSet<String>,
}

impl Sections {
    fn read(conn: &Connection) -> Sections {
        let texts = |sql: &str| -> BTreeSet<String> {
            let mut stmt = conn.prepare(sql).expect(sql);
            stmt.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
                .expect(sql)
                .filter_map(|v| match v.ok()? {
                    SqlValue::Text(t) => Some(t),
                    SqlValue::Integer(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        };
        let mut pjsip = texts("SELECT id FROM ps_endpoints UNION SELECT id FROM ps_aors UNION SELECT id FROM ps_registrations UNION SELECT name FROM trunks");
        let auths = texts("SELECT id FROM ps_auths UNION SELECT name FROM trunks");
        pjsip.extend(auths.into_iter().map(|id| format!("{id}-auth")));
        let mut dialplan: BTreeSet<String> = [
            apply::INTERNAL, apply::EXTENSIONS, apply::FOLLOWME, apply::RINGGROUPS, apply::QUEUES, apply::INBOUND, apply::OUTBOUND,
            apply::VOICEMAIL, apply::IVRS, apply::TIMERS, apply::APPS,
        ]
        .map(String::from)
        .into();
        dialplan.extend(texts("SELECT id FROM outbound_routes").into_iter().map(|id| format!("switchboard-outrt-{id}")));
        dialplan.extend(texts("SELECT id FROM ivrs").into_iter().map(|id| format!("switchboard-ivr-{id}")));
        dialplan.extend(texts("SELECT name FROM cos_rules").into_iter().map(|name| format!("{}{name}", apply::COS_PREFIX)));
        Sections { pjsip, dialplan, queues: texts("SELECT name FROM queues"), voicemail: texts("SELECT context FROM voicemail") }
    }
}

/// The expressions the dialplan renderer writes itself.
fn without_own_expressions(line: &str) -> String {
    let mut out = line
        .replace(r#"${IF($["${DIALSTATUS}" = "BUSY"]?b:u)}"#, "")
        .replace("${CALLERID(name)}", "")
        .replace("${CALLERID(num)}", "")
        .replace("${EPOCH}", "")
        .replace("${EXTEN}", "");
    // Its conditions (`$[ >= 1767225600 &  <= 1767311999]`, `$["" = "1001" | "" = "1002"]` once
    // the variables are out): numbers, quotes and operators only, nothing a value could bring.
    while let Some(start) = out.find("$[") {
        let Some(len) = out[start + 2..].find(']') else { break };
        if !out[start + 2..start + 2 + len].chars().all(|c| c.is_ascii_digit() || " \"<>=&|".contains(c)) {
            break;
        }
        out.replace_range(start..start + 2 + len + 1, "");
    }
    while let Some(start) = out.find("${EXTEN:") {
        let digits = out[start + 8..].chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || !out[start + 8 + digits..].starts_with('}') {
            break;
        }
        out.replace_range(start..start + 8 + digits + 1, "");
    }
    out
}

const DIALPLAN_APPS: [&str; 24] = [
    "Goto", "Dial", "VoiceMail", "Hangup", "Set", "Queue", "Congestion", "GotoIf", "GotoIfTime", "Answer", "Background", "WaitExten",
    // What custom apps may run besides.
    "Busy", "ConfBridge", "Echo", "MusicOnHold", "NoOp", "Playback", "Progress", "Ringing", "SayDigits", "SayNumber",
    "VoiceMailMain", "Wait",
];

fn check_file(file: &str, text: &str, sections: &Sections) {
    let dialplan = file == apply::EXTENSIONS_FILE;
    let allowed = match file {
        apply::PJSIP_FILE => &sections.pjsip,
        apply::EXTENSIONS_FILE => &sections.dialplan,
        apply::QUEUES_FILE => &sections.queues,
        apply::VOICEMAIL_FILE => &sections.voicemail,
        other => panic!("unknown file {other}"),
    };
    let fail = |n: usize, raw: &str, why: &str| -> ! { panic!("{file} line {}: {why}: {raw:?}\n{text}", n + 1) };
    if let Some(c) = text.chars().find(|c| c.is_control() && *c != '\n') {
        panic!("{file} holds control character {c:?}:\n{text}");
    }
    let mut in_section = false;
    for (n, raw) in text.split('\n').enumerate() {
        if raw.trim_start().starts_with(MARK) {
            fail(n, raw, "a line a value's line break started");
        }
        let parsed = line(raw);
        if parsed != Line::Comment && comment_start(raw).is_some() {
            fail(n, raw, "a `;` that starts a comment inside a line");
        }
        let expressions = if dialplan { without_own_expressions(raw) } else { raw.to_string() };
        if expressions.contains("${") || expressions.contains("$[") {
            fail(n, raw, "an expression the renderer did not write");
        }
        match parsed {
            Line::Blank => {}
            Line::Comment if n < 2 => {}
            Line::Comment => fail(n, raw, "a comment the renderer did not write"),
            Line::Directive(_) => fail(n, raw, "a directive"),
            Line::Other(_) => fail(n, raw, "a line Asterisk cannot read"),
            Line::Section { name, rest } => {
                if !rest.is_empty() || raw != format!("[{name}]") {
                    fail(n, raw, "a section line with more than its name");
                }
                if name.is_empty() || !name.chars().all(is_name_char) {
                    fail(n, raw, "a section name with characters a name cannot have");
                }
                if !allowed.contains(name) {
                    fail(n, raw, "a section no row defines");
                }
                in_section = true;
            }
            Line::Set { key, arrow, value } => {
                if !in_section {
                    fail(n, raw, "a setting before any section");
                }
                let key_ok = match file {
                    apply::VOICEMAIL_FILE => arrow && key.chars().all(is_name_char),
                    apply::EXTENSIONS_FILE => arrow && ["include", "exten", "same"].contains(&key),
                    _ => key.chars().all(|c| c.is_ascii_lowercase() || c == '_') && (!arrow || key == "member"),
                };
                if !key_ok {
                    fail(n, raw, "a key the renderer does not write");
                }
                if dialplan {
                    check_dialplan(key, value, sections).unwrap_or_else(|why| fail(n, raw, why));
                }
            }
        }
    }
}

/// An `include`, `exten` or `same` value as the renderer writes it.
fn check_dialplan(key: &str, value: &str, sections: &Sections) -> Result<(), &'static str> {
    if key == "include" {
        return if sections.dialplan.contains(value) { Ok(()) } else { Err("an include of a context no row defines") };
    }
    let (exten, rest) = if key == "same" { ("", value) } else { value.split_once(',').ok_or("an extension without priority")? };
    if !exten.chars().all(|c| is_name_char(c) || "[]!/".contains(c)) {
        return Err("an extension with characters a pattern cannot have");
    }
    let (priority, step) = rest.split_once(',').ok_or("an extension without an application")?;
    match (key, priority) {
        ("exten", "hint") => {
            let (tech, name) = step.split_once('/').ok_or("a hint without a device")?;
            return if ["PJSIP", "SIP", "IAX2"].contains(&tech) && name.chars().all(is_name_char) { Ok(()) } else { Err("a hint that is not a device") };
        }
        ("exten", "1") | ("same", "n") => {}
        _ => return Err("a priority the renderer does not write"),
    }
    let (app, args) = step.split_once('(').ok_or("a step without an application")?;
    if !DIALPLAN_APPS.contains(&app) {
        return Err("an application the renderer does not use");
    }
    let args = args.strip_suffix(')').ok_or("a step that does not end its arguments")?;
    let mut depth = 0i32;
    for c in args.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return Err("arguments that close the application early");
        }
    }
    if depth != 0 { Err("unbalanced parentheses in arguments") } else { Ok(()) }
}
