//! The schema's configuration rules: the SDK's copy (`switchboard_sdk::schema`) gives, value by
//! value, the verdicts and the words of the migration's triggers; every configuration column has
//! a rule; and `wit/pbx-schema.md` states each rule as the SDK describes it.

use std::path::Path;

use rusqlite::Connection;
use switchboard::store::migrate;
use switchboard_sdk::schema::{self, Refusal, Rule, Shape};

/// A value with a line break that would open a section of its own in a config file.
pub const CRLF: &str = "Eve <666>\r\n[evil]\r\ntype=endpoint";
/// A context the dialplan would run a shell command for.
pub const SHELL: &str = "from-internal${SHELL(id)}";

/// Characters that break config files, the dialplan, SQL text or UTF-8 handling, and ordinary ones.
const POOL: &[&str] = &[
    "0", "1", "5", "9", "a", "Z", "x", "_", "-", ".", ",", ";", ":", "|", "&", "$", "(", ")", "[", "]", "{", "}", "\"", "'", "`", "\\",
    "/", "#", "*", "+", "!", "@", "<", ">", "=", "%", " ", "\r", "\n", "\t", "\0", "\u{7f}", "\u{85}", "é", "€", "\u{2028}", "${", "$[",
];

/// A value a client might send: an ordinary one, a known-hostile one, or random characters.
pub fn random_value(rng: &mut fastrand::Rng) -> String {
    const ORDINARY: &[&str] = &[
        "1001", "2345", "7", "from-internal", "default", "yes", "ulaw,alaw", "Ada Lovelace", "Zoë \"Z\" O'Brien; Sales", "Sales: ",
        "\"Ada\" <1001>", "ext-local,vmu1001,1", "PJSIP/1001", "sip.example.com", "custom/welcome", "s3;cr[et]", "_1[2-9]XX.",
        "+31612345678#", "queue-2", "",
    ];
    const HOSTILE: &[&str] = &[CRLF, SHELL, "-5", "[section]", " padded ", "$[1+1]", "x;y", "general", "_1XX", "a,b", "1|2", "x\0y"];
    match rng.u8(0..10) {
        0..=3 => ORDINARY[rng.usize(0..ORDINARY.len())].into(),
        4 => HOSTILE[rng.usize(0..HOSTILE.len())].into(),
        5 => "a".repeat(rng.usize(15..260)),
        6 => (0..rng.usize(1..8)).map(|_| char::from(b'0' + rng.u8(0..10))).collect(),
        _ => (0..rng.usize(0..14)).map(|_| POOL[rng.usize(0..POOL.len())]).collect(),
    }
}

/// A base row in every table with rules, so each column can be updated alone.
const BASE_ROWS: &str = "
    INSERT INTO extensions (number, name) VALUES ('1001', 'Ada');
    INSERT INTO device_options (number, key, value) VALUES ('1001', 'nat', 'yes');
    INSERT INTO ps_registrations (id, server_uri, client_uri) VALUES ('reg', 'sip:x', 'sip:u@x');
    INSERT INTO ring_groups (number) VALUES ('600');
    INSERT INTO ring_group_members VALUES ('600', 0, '1001');
    INSERT INTO follow_me (extension) VALUES ('1001');
    INSERT INTO follow_me_numbers VALUES ('1001', 0, '1001');
    INSERT INTO trunks (name) VALUES ('t1');
    INSERT INTO queues (name) VALUES ('q1');
    INSERT INTO queue_members (queue_name, interface) VALUES ('q1', 'PJSIP/1001');
    INSERT INTO inbound_routes (destination) VALUES ('');
    INSERT INTO outbound_routes (id, name) VALUES (1, 'r');
    INSERT INTO outbound_route_patterns VALUES (1, 'X.', '', '');
    INSERT INTO outbound_route_trunks VALUES (1, 0, 't1');
    INSERT INTO ivrs (id, name) VALUES (1, 'm');
    INSERT INTO ivr_entries VALUES (1, '1', '');
    INSERT INTO day_timers (name) VALUES ('d');
    INSERT INTO holiday_timers (name, starts, ends) VALUES ('h', '2024-01-01 00:00:00', '2024-01-02 00:00:00');
    INSERT INTO voicemail (mailbox) VALUES ('1001');
    INSERT INTO astdb (family, key) VALUES ('CF', '1001');
    INSERT INTO custom_apps (name) VALUES ('night');
    INSERT INTO custom_app_steps (app_name, position, application) VALUES ('night', 0, 'Answer');
    INSERT INTO cos_rules (name) VALUES ('intl');
    INSERT INTO cos_rule_patterns VALUES ('intl', '_00X.');
    INSERT INTO cos_assignments VALUES ('1001', 'intl', 'open');";

/// Values near a rule's edges: its length limits, its characters, its reserved names.
fn values_for(rule: &Rule, rng: &mut fastrand::Rng) -> Vec<String> {
    let mut values: Vec<String> = (0..150).map(|_| random_value(rng)).collect();
    for n in [19, 20, 21, 79, 80, 81, 100, 101, 128, 129, 200, 201, 255, 256] {
        values.push("7".repeat(n));
        values.push(format!("a{}", "b".repeat(n - 1)));
    }
    values.extend(rule.reserved.iter().flat_map(|r| [r.to_string(), r.to_uppercase()]));
    if let Shape::OneOf(words) = rule.shape {
        values.extend(words.iter().map(|w| w.to_string()));
        values.extend(words.iter().map(|w| format!("{w} ")));
    }
    values.extend(["", " ", "a,b", ",a", "a,,b", "a,b,c,d", "1,2,3", "PJSIP/1001", "sip.example.com", "[2001:db8::1]", "custom/welcome"].map(String::from));
    values
}

/// What the database says to `UPDATE table SET column = value` on its base row: `Ok`, the rule
/// refusal, or `Err(None)` for another constraint (a foreign key the new value breaks).
fn database_verdict(conn: &Connection, rule: &Rule, value: &rusqlite::types::Value) -> Result<(), Option<Refusal>> {
    conn.execute_batch("SAVEPOINT probe").unwrap();
    let result = conn.execute(
        &format!("UPDATE {table} SET {column} = ?1 WHERE rowid = (SELECT min(rowid) FROM {table})", table = rule.table, column = rule.column),
        [value],
    );
    conn.execute_batch("ROLLBACK TO probe; RELEASE probe").unwrap();
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err(Refusal::parse(&e.to_string())),
    }
}

/// A refusal of the value's relation to other rows (a trunk's name taken, a registering trunk
/// without a host), which the SDK cannot see in one value.
fn relational(why: &str) -> bool {
    why.starts_with("is already") || why.contains("a registering trunk")
}

/// The SDK's rules give, value for value, the verdict and the words of the migration's triggers.
#[test]
fn the_sdk_rules_are_the_databases_rules() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate::migrate(&mut conn).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    conn.execute_batch(BASE_ROWS).unwrap();
    let mut rng = fastrand::Rng::with_seed(0x0d15_ea5e);
    let mut checked = 0;
    for rule in schema::RULES {
        let (values, sdk): (Vec<rusqlite::types::Value>, Vec<Result<(), Refusal>>) = match rule.shape {
            Shape::Int(min, max) => [min - 1, min, max, max + 1, 0, 1, -1, i64::MAX, rng.i64(min..=max)]
                .into_iter()
                .map(|n| (rusqlite::types::Value::Integer(n), schema::check_int(rule.table, rule.column, n)))
                .unzip(),
            _ => values_for(rule, &mut rng)
                .into_iter()
                .map(|v| {
                    let verdict = schema::check(rule.table, rule.column, &v);
                    (rusqlite::types::Value::Text(v), verdict)
                })
                .unzip(),
        };
        for (value, sdk) in values.iter().zip(sdk) {
            let database = database_verdict(&conn, rule, value);
            match (&sdk, &database) {
                (Ok(()), Ok(())) | (Ok(()), Err(None)) => {}
                (Err(s), Err(Some(d))) if s == d => {}
                // What one value cannot show (a name another row has): the database's alone.
                (Ok(()), Err(Some(d))) if relational(&d.why) => {}
                _ => panic!("{}.{} = {value:?}: the SDK says {sdk:?}, the database {database:?}", rule.table, rule.column),
            }
            checked += 1;
        }
    }
    assert!(checked > 20_000, "{checked}");
    // A blob is never text, whatever the SDK can be asked.
    let blob = rusqlite::types::Value::Blob(vec![0x31]);
    let refused = database_verdict(&conn, schema::rule_of("extensions", "name").unwrap(), &blob).unwrap_err().unwrap();
    assert_eq!(refused.why, "must be text");
}

/// Columns that hold no configuration: keys and positions, tenants' and rows' ids, timestamps.
const NOT_CONFIGURATION: &[(&str, &str)] = &[
    ("tenants", "id"),
    ("extensions", "tenant_id"),
    ("extensions", "created"),
    ("extensions", "modified"),
    ("ring_groups", "tenant_id"),
    ("ring_group_members", "position"),
    ("follow_me_numbers", "position"),
    ("trunks", "tenant_id"),
    ("queues", "tenant_id"),
    ("queue_members", "uniqueid"),
    ("inbound_routes", "id"),
    ("inbound_routes", "tenant_id"),
    ("outbound_routes", "id"),
    ("outbound_routes", "position"),
    ("outbound_routes", "tenant_id"),
    ("outbound_route_patterns", "route_id"),
    ("outbound_route_trunks", "route_id"),
    ("outbound_route_trunks", "position"),
    ("ivrs", "id"),
    ("ivrs", "tenant_id"),
    ("ivr_entries", "ivr_id"),
    ("day_timers", "id"),
    ("day_timers", "tenant_id"),
    ("holiday_timers", "id"),
    ("holiday_timers", "tenant_id"),
    ("voicemail", "uniqueid"),
    ("voicemail", "tenant_id"),
    ("custom_apps", "tenant_id"),
    ("custom_app_steps", "position"),
    ("cos_rules", "tenant_id"),
    ("cdr_sources", "path"),
    ("cdr_sources", "inode"),
    ("cdr_sources", "offset"),
    ("cdr_sources", "tail"),
    ("cdr_sources", "updated"),
];

/// The `admits` cell of `table.column` in `wit/pbx-schema.md`.
fn admits(table: &str, column: &str) -> String {
    match schema::rule_of(table, column) {
        Some(rule) => rule.describe().replace('|', "\\|"),
        None => "—".into(),
    }
}

/// The cells of a Markdown table row, split at `|` that is not escaped (`\|`).
fn split_cells(line: &str) -> Vec<&str> {
    let inner = line.strip_prefix('|').unwrap_or(line);
    let mut cells = Vec::new();
    let mut start = 0;
    let bytes = inner.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            cells.push(&inner[start..i]);
            start = i + 1;
        }
    }
    cells
}

/// Every column of the schema (call records aside) has a rule or holds no configuration, and the
/// schema page states each rule as the SDK describes it.
#[test]
fn every_configuration_column_has_a_rule_and_the_page_states_it() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate::migrate(&mut conn).unwrap();
    let page_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/pbx-schema.md");
    let page = std::fs::read_to_string(&page_path).unwrap();
    let mut expected_page = String::new();
    let mut table = String::new();
    for line in page.lines() {
        if let Some(t) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            table = t.to_string();
        }
        let row = if table == "cdr" || !line.starts_with('|') {
            line.to_string()
        } else if line.starts_with("|---") {
            "|---|---|---|---|---|".to_string()
        } else {
            // The first four cells as they are (an `admits` cell may hold an escaped `\|`).
            let cells: Vec<&str> = split_cells(line);
            let admits = match line.strip_prefix("| `") {
                Some(rest) => admits(&table, rest.split('`').next().unwrap()),
                None => "admits".into(),
            };
            format!("|{}|{}|{}|{}| {admits} |", cells[0], cells[1], cells[2], cells[3])
        };
        expected_page.push_str(&row);
        expected_page.push('\n');
    }
    if expected_page != page {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pbx-schema.md");
        std::fs::write(&out, &expected_page).unwrap();
        panic!("wit/pbx-schema.md does not state the rules as the SDK describes them; the expected page is in {}", out.display());
    }
    for table in migrate::schema_tables().iter().filter(|t| *t != "cdr") {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)").unwrap();
        let columns: Vec<String> = stmt.query_map([table], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for column in columns {
            let ruled = schema::rule_of(table, &column).is_some();
            let exempt = NOT_CONFIGURATION.contains(&(table.as_str(), column.as_str()));
            assert!(ruled != exempt, "{table}.{column}: a rule, or listed as holding no configuration (not both)");
        }
    }
}

/// Each column migration 6 added refuses a bad value and takes a good one, in the database and in
/// the SDK alike.
#[test]
fn the_sark_columns_refuse_and_admit_alike() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate::migrate(&mut conn).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    conn.execute_batch(BASE_ROWS).unwrap();
    let text = |s: &str| rusqlite::types::Value::Text(s.into());
    let cases: &[(&str, &str, rusqlite::types::Value, rusqlite::types::Value)] = &[
        ("tenants", "open_state", text("closed"), text("night")),
        ("day_timers", "month_days", text("1-15"), text("1\n[evil]")),
        ("day_timers", "months", text("jan-mar"), text("${SHELL(id)}")),
        ("day_timers", "description", text("Office hours"), text(&"x".repeat(256))),
        ("inbound_routes", "destination_closed", text("switchboard-voicemail,1001,1"), text("a,b;c,1")),
        ("inbound_routes", "enabled", rusqlite::types::Value::Integer(0), rusqlite::types::Value::Integer(2)),
        ("custom_apps", "name", text("night-mode"), text("_night")),
        ("custom_apps", "description", text("After hours"), text("a\u{0}b")),
        ("custom_apps", "span", text("both"), text("all")),
        ("custom_app_steps", "app_name", text("night"), text("ni ght")),
        ("custom_app_steps", "application", text("Playback"), text("System")),
        ("custom_app_steps", "arguments", text("PJSIP/1001&PJSIP/1002,20"), text("${SHELL(id)}")),
        ("cos_rules", "name", text("intl"), text("[intl]")),
        ("cos_rules", "description", text("No international"), text("$[1+1]")),
        ("cos_rule_patterns", "rule_name", text("intl"), text("in tl")),
        ("cos_rule_patterns", "pattern", text("_00X."), text("_00X.,1,System(id)")),
        ("cos_assignments", "extension", text("1001"), text("10a1")),
        ("cos_assignments", "rule_name", text("intl"), text("-intl")),
        ("cos_assignments", "hours", text("closed"), text("always")),
    ];
    for (table, column, good, bad) in cases {
        let rule = schema::rule_of(table, column).unwrap_or_else(|| panic!("{table}.{column} has no rule"));
        let sdk = |v: &rusqlite::types::Value| match v {
            rusqlite::types::Value::Integer(n) => schema::check_int(table, column, *n),
            rusqlite::types::Value::Text(s) => schema::check(table, column, s),
            _ => unreachable!(),
        };
        assert_eq!(sdk(good), Ok(()), "{table}.{column} = {good:?}");
        assert!(matches!(database_verdict(&conn, rule, good), Ok(()) | Err(None)), "{table}.{column} = {good:?}");
        let refused = sdk(bad).unwrap_err();
        assert_eq!((refused.table.as_str(), refused.column.as_str()), (*table, *column));
        assert_eq!(database_verdict(&conn, rule, bad), Err(Some(refused)), "{table}.{column} = {bad:?}");
    }
}
