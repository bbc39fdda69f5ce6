//! Where SARK's data lives: the shared `pbx` model (tenants by name, destinations) and the
//! plugin's own database ([`own`]) for the columns only SARK has.

pub mod dest;
pub mod own;

use std::collections::HashMap;

use switchboard_sdk::Error;
use switchboard_sdk::sqlite::{self, Connection};

/// The shared model.
pub fn pbx() -> Result<Connection, Error> {
    Ok(sqlite::open("pbx")?)
}

/// The id of tenant `name` (SARK's `cluster`).
pub fn tenant_id(db: &Connection, name: &str) -> Result<Option<i64>, Error> {
    let rows = db.query("SELECT id FROM tenants WHERE name = ?", &[name.into()])?;
    Ok(rows.rows().first().and_then(|r| r.int(0)))
}

/// Tenant names by id, for showing `cluster`.
pub fn tenant_names(db: &Connection) -> Result<HashMap<i64, String>, Error> {
    let rows = db.query("SELECT id, name FROM tenants", &[])?;
    Ok(rows.rows().iter().filter_map(|r| Some((r.int(0)?, r.text(1)))).collect())
}

/// Whether `table.column` holds `value` (SARK's table names, as its `exists:` rules name them).
pub fn exists(table: &str, column: &str, value: &str) -> Result<bool, Error> {
    let (database, sql) = match (table, column) {
        ("cluster", _) => ("pbx", "SELECT 1 FROM tenants WHERE name = ?"),
        ("ipphone", _) => ("pbx", "SELECT 1 FROM extensions WHERE number = ?"),
        ("queue", _) => ("pbx", "SELECT 1 FROM queues WHERE name = ?"),
        ("lineio", _) => ("pbx", "SELECT 1 FROM trunks WHERE name = ?"),
        ("cos", _) => ("pbx", "SELECT 1 FROM cos_rules WHERE name = ?"),
        ("device", _) => ("own", "SELECT 1 FROM sark_records WHERE resource = 'templates' AND pkey = ?"),
        _ => return Err(Error::internal(format!("exists:{table},{column} names no known table"))),
    };
    let db = if database == "own" { own::open()? } else { pbx()? };
    Ok(!db.query(sql, &[value.into()])?.rows().is_empty())
}
