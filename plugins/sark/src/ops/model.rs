//! The configuration as one JSON document: what a snapshot is, and the database part of a backup.
//!
//! SARK's snapshot was a copy of its SQLite file, restored by copying it back over the live one.
//! Here the configuration lives in the shared `pbx` model (and SARK-only data in the plugin's own
//! database), which other flavors read and write at the same time, so a snapshot is the rows of
//! the configuration tables as JSON, and a restore replaces them inside one transaction:
//!
//! ```json
//! {"format":"switchboard-sark-model","version":1,"created":1765014000,
//!  "pbx":[{"table":"tenants","columns":["id","name","description"],"rows":[[1,"default","…"]]},…],
//!  "own":[{"table":"…","columns":[…],"rows":[…]}]}
//! ```
//!
//! Values are JSON numbers, strings and nulls as SQLite holds them; a blob is `{"blob":"<hex>"}`.
//! Call records (`cdr`) are not configuration and are neither dumped nor touched by a restore.

use serde_json::{Map, Value as JsonValue, json};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Value};

/// What [`Dump`]'s `format` says.
pub const FORMAT: &str = "switchboard-sark-model";

/// The configuration tables of the `pbx` model, parents before children: the order rows are
/// inserted in (and, reversed, deleted in), so every foreign key finds its parent.
pub const PBX_TABLES: &[&str] = &[
    "tenants",
    "extensions",
    "device_options",
    "ps_endpoints",
    "ps_auths",
    "ps_aors",
    "ps_registrations",
    "ring_groups",
    "ring_group_members",
    "follow_me",
    "follow_me_numbers",
    "trunks",
    "queues",
    "queue_members",
    "inbound_routes",
    "outbound_routes",
    "outbound_route_patterns",
    "outbound_route_trunks",
    "ivrs",
    "ivr_entries",
    "day_timers",
    "holiday_timers",
    "voicemail",
    "astdb",
    "custom_apps",
    "custom_app_steps",
    "cos_rules",
    "cos_rule_patterns",
    "cos_assignments",
];

/// Tables the host's triggers fill from `extensions`: a restored row replaces the one the trigger
/// just wrote for the same id.
const TRIGGER_FILLED: &[&str] = &["ps_endpoints", "ps_auths", "ps_aors"];

/// SQLite's limit on bound parameters is 32766; inserts are batched well below it.
const MAX_PARAMETERS: usize = 900;

/// The rows of one table.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Dump {
    pub created: u64,
    pub pbx: Vec<Table>,
    pub own: Vec<Table>,
}

/// Reads the configuration: every table of [`PBX_TABLES`] this model has, and every table of the
/// plugin's own database (when the mount has one), in one read snapshot each.
pub fn dump(created: u64) -> Result<Dump, Error> {
    let pbx = sqlite::open("pbx")?;
    let existing = tables_of(&pbx)?;
    let names: Vec<&str> = PBX_TABLES.iter().copied().filter(|t| existing.iter().any(|e| e == t)).collect();
    let pbx_tables = read_tables(&pbx, &names)?;
    let own_tables = match crate::model::own::open() {
        Ok(own) => {
            let names = tables_of(&own)?;
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            read_tables(&own, &names)?
        }
        // A mount without its own database has nothing of its own to dump.
        Err(_) => Vec::new(),
    };
    Ok(Dump { created, pbx: pbx_tables, own: own_tables })
}

/// The names of a database's tables, in the order they were created (SQLite's own excluded).
fn tables_of(db: &Connection) -> Result<Vec<String>, Error> {
    let rows = db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid", &[])?;
    Ok(rows.rows().iter().map(|r| r.text(0)).collect())
}

/// `SELECT *` of each table, all in one read transaction.
fn read_tables(db: &Connection, names: &[&str]) -> Result<Vec<Table>, Error> {
    let sql: Vec<String> = names.iter().map(|t| format!("SELECT * FROM \"{t}\" ORDER BY rowid")).collect();
    let statements: Vec<(&str, &[Value])> = sql.iter().map(|s| (s.as_str(), &[][..])).collect();
    let answers = if statements.is_empty() { Vec::new() } else { db.query_snapshot(&statements)? };
    Ok(names
        .iter()
        .zip(answers)
        .map(|(name, rows)| Table {
            name: name.to_string(),
            columns: rows.columns().to_vec(),
            rows: rows.rows().iter().map(|r| r.values().map(|v| v.to_owned()).collect()).collect(),
        })
        .collect())
}

impl Dump {
    /// The JSON document.
    pub fn to_json(&self) -> JsonValue {
        let tables = |tables: &[Table]| -> JsonValue {
            tables
                .iter()
                .map(|t| {
                    json!({
                        "table": t.name,
                        "columns": t.columns,
                        "rows": t.rows.iter().map(|r| r.iter().map(value_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    })
                })
                .collect()
        };
        json!({ "format": FORMAT, "version": 1, "created": self.created, "pbx": tables(&self.pbx), "own": tables(&self.own) })
    }

    /// Reads a document [`Dump::to_json`] wrote; the error says what is wrong with it.
    pub fn from_json(bytes: &[u8]) -> Result<Dump, String> {
        let doc: JsonValue = serde_json::from_slice(bytes).map_err(|e| format!("model.json is not JSON: {e}"))?;
        if doc.get("format").and_then(JsonValue::as_str) != Some(FORMAT) {
            return Err(format!("model.json is not a {FORMAT} document"));
        }
        if doc.get("version").and_then(JsonValue::as_u64) != Some(1) {
            return Err("model.json has a version this plugin does not read".into());
        }
        let created = doc.get("created").and_then(JsonValue::as_u64).unwrap_or(0);
        let pbx = tables_json(doc.get("pbx"), "pbx")?;
        if !pbx.iter().any(|t| t.name == "tenants") {
            return Err("model.json holds no `tenants` table".into());
        }
        if let Some(unknown) = pbx.iter().find(|t| !PBX_TABLES.contains(&t.name.as_str())) {
            return Err(format!("model.json names `{}`, which is not a configuration table", unknown.name));
        }
        let own = match doc.get("own") {
            None | Some(JsonValue::Null) => Vec::new(),
            some => tables_json(some, "own")?,
        };
        Ok(Dump { created, pbx, own })
    }
}

fn value_json(value: &Value) -> JsonValue {
    match value {
        Value::Integer(i) => (*i).into(),
        Value::Real(f) => serde_json::Number::from_f64(*f).map_or(JsonValue::Null, JsonValue::Number),
        Value::Text(s) => s.clone().into(),
        Value::Blob(b) => json!({ "blob": b.iter().map(|b| format!("{b:02x}")).collect::<String>() }),
        Value::Null => JsonValue::Null,
    }
}

fn json_value(value: &JsonValue) -> Result<Value, String> {
    Ok(match value {
        JsonValue::Null => Value::Null,
        JsonValue::Bool(b) => Value::Integer((*b).into()),
        JsonValue::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().ok_or("a number out of range")?),
        },
        JsonValue::String(s) => Value::Text(s.clone()),
        JsonValue::Object(map) => Value::Blob(hex(map)?),
        JsonValue::Array(_) => return Err("a value that is a list".into()),
    })
}

fn hex(map: &Map<String, JsonValue>) -> Result<Vec<u8>, String> {
    let text = map.get("blob").and_then(JsonValue::as_str).ok_or("an object that is not {\"blob\":\"<hex>\"}")?;
    if text.len() % 2 != 0 {
        return Err("a blob of odd hex length".into());
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| "a blob that is not hex".to_string())).collect()
}

fn tables_json(value: Option<&JsonValue>, part: &str) -> Result<Vec<Table>, String> {
    let list = value.and_then(JsonValue::as_array).ok_or(format!("model.json has no `{part}` list"))?;
    let mut tables = Vec::with_capacity(list.len());
    for item in list {
        let name = item.get("table").and_then(JsonValue::as_str).ok_or(format!("a `{part}` table without a name"))?;
        if !identifier(name) {
            return Err(format!("`{part}` table name {name:?} is not an identifier"));
        }
        let columns: Vec<String> = item
            .get("columns")
            .and_then(JsonValue::as_array)
            .ok_or(format!("table `{name}` has no columns"))?
            .iter()
            .map(|c| c.as_str().filter(|c| identifier(c)).map(str::to_string).ok_or(format!("table `{name}` has a column name that is not an identifier")))
            .collect::<Result<_, _>>()?;
        let mut rows = Vec::new();
        for (i, row) in item.get("rows").and_then(JsonValue::as_array).ok_or(format!("table `{name}` has no rows list"))?.iter().enumerate() {
            let values = row.as_array().ok_or(format!("table `{name}` row {}: not a list", i + 1))?;
            if values.len() != columns.len() {
                return Err(format!("table `{name}` row {}: {} values for {} columns", i + 1, values.len(), columns.len()));
            }
            rows.push(values.iter().map(json_value).collect::<Result<_, _>>().map_err(|why| format!("table `{name}` row {}: {why}", i + 1))?);
        }
        tables.push(Table { name: name.to_string(), columns, rows });
    }
    Ok(tables)
}

/// Whether `name` can be spliced into SQL as a quoted identifier: table and column names only
/// ever come from this list of characters, so no quoting trick can get through.
fn identifier(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && !name.starts_with("sqlite_")
}

/// Replaces the configuration with `dump`'s, all or nothing: one transaction on the plugin's own
/// database (when the dump or the mount has one) around one on `pbx`. Inside the `pbx` one every
/// configuration table is emptied, children first, and refilled from the dump, parents first; a
/// concurrent reader sees the configuration before or after, never between. A row the schema
/// refuses (its rules, a constraint) rolls both back and is a 422 naming the table.
pub fn restore(dump: &Dump) -> Result<(), Error> {
    let pbx = sqlite::open("pbx")?;
    match crate::model::own::open() {
        Ok(own) => {
            super::firewalls::ensure_table(&own)?;
            own.transaction(|own| {
                replace_own(own, &dump.own)?;
                pbx.transaction(|pbx| replace_pbx(pbx, &dump.pbx))
            })
        }
        Err(_) if dump.own.is_empty() => pbx.transaction(|pbx| replace_pbx(pbx, &dump.pbx)),
        Err(e) => Err(e),
    }
}

fn replace_pbx(db: &Connection, tables: &[Table]) -> Result<(), Error> {
    let existing = tables_of(db)?;
    let present: Vec<&str> = PBX_TABLES.iter().copied().filter(|t| existing.iter().any(|e| e == t)).collect();
    for table in present.iter().rev() {
        db.query(&format!("DELETE FROM \"{table}\""), &[]).map_err(|e| refused(table, e.into()))?;
    }
    for name in &present {
        if let Some(table) = tables.iter().find(|t| t.name == *name) {
            insert(db, table, TRIGGER_FILLED.contains(name))?;
        }
    }
    Ok(())
}

fn replace_own(db: &Connection, tables: &[Table]) -> Result<(), Error> {
    let existing = tables_of(db)?;
    for table in existing.iter().rev() {
        db.query(&format!("DELETE FROM \"{table}\""), &[]).map_err(|e| refused(table, e.into()))?;
    }
    for name in &existing {
        if let Some(table) = tables.iter().find(|t| &t.name == name) {
            insert(db, table, false)?;
        }
    }
    Ok(())
}

/// Inserts `table`'s rows, only the columns the live table has (a dump from an older or newer
/// schema restores what both know; the rest take their defaults), batched.
fn insert(db: &Connection, table: &Table, replace: bool) -> Result<(), Error> {
    if table.rows.is_empty() {
        return Ok(());
    }
    let live = db.query(&format!("PRAGMA table_info(\"{}\")", table.name), &[])?;
    let live: Vec<String> = live.rows().iter().map(|r| r.text(1)).collect();
    let keep: Vec<usize> = (0..table.columns.len()).filter(|&i| live.contains(&table.columns[i])).collect();
    if keep.is_empty() {
        return Ok(());
    }
    let columns: Vec<String> = keep.iter().map(|&i| format!("\"{}\"", table.columns[i])).collect();
    let verb = if replace { "INSERT OR REPLACE" } else { "INSERT" };
    let head = format!("{verb} INTO \"{}\" ({}) VALUES ", table.name, columns.join(", "));
    let row_marks = format!("({})", vec!["?"; keep.len()].join(", "));
    let per_batch = (MAX_PARAMETERS / keep.len()).max(1);
    for batch in table.rows.chunks(per_batch) {
        let sql = format!("{head}{}", vec![row_marks.as_str(); batch.len()].join(", "));
        let parameters: Vec<Value> = batch.iter().flat_map(|row| keep.iter().map(|&i| row[i].clone())).collect();
        db.query(&sql, &parameters).map_err(|e| refused(&table.name, e.into()))?;
    }
    Ok(())
}

/// A refused write as the restore's answer: a constraint or a rule is the dump's fault (422),
/// anything else keeps its status.
fn refused(table: &str, error: Error) -> Error {
    match error.status() {
        409 | 422 => Error::unprocessable(format!("the snapshot's table `{table}` was refused, nothing was restored: {}", error.message())),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dump {
        Dump {
            created: 1_765_014_000,
            pbx: vec![Table {
                name: "tenants".into(),
                columns: vec!["id".into(), "name".into(), "description".into()],
                rows: vec![vec![Value::Integer(1), Value::Text("default".into()), Value::Null]],
            }],
            own: vec![Table { name: "notes".into(), columns: vec!["data".into(), "ratio".into()], rows: vec![vec![Value::Blob(vec![0, 255]), Value::Real(0.5)]] }],
        }
    }

    #[test]
    fn a_dump_survives_its_json() {
        let dump = sample();
        let bytes = serde_json::to_vec(&dump.to_json()).unwrap();
        assert_eq!(Dump::from_json(&bytes).unwrap().to_json(), dump.to_json());
    }

    #[test]
    fn documents_that_are_not_dumps_are_refused_with_why() {
        let why = |v: JsonValue| Dump::from_json(v.to_string().as_bytes()).unwrap_err();
        assert!(Dump::from_json(b"not json").unwrap_err().contains("not JSON"));
        assert!(why(json!({"format": "other"})).contains("not a"));
        assert!(why(json!({"format": FORMAT, "version": 1, "pbx": []})).contains("tenants"));
        let mut doc = sample().to_json();
        doc["pbx"].as_array_mut().unwrap().push(json!({"table": "cdr", "columns": [], "rows": []}));
        assert!(why(doc).contains("not a configuration table"));
        let mut doc = sample().to_json();
        doc["pbx"][0]["columns"][1] = "name\"; DROP TABLE x; --".into();
        assert!(why(doc).contains("not an identifier"));
        let mut doc = sample().to_json();
        doc["pbx"][0]["rows"][0] = json!([1, "x"]);
        assert!(why(doc).contains("2 values for 3 columns"));
        let mut doc = sample().to_json();
        doc["own"][0]["table"] = "sqlite_master".into();
        assert!(why(doc).contains("not an identifier"));
    }
}
