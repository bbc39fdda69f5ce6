//! SARK's own columns, kept in the plugin's private database: the ones the shared model has no
//! place for (a trunk's `callprogress`, an extension's `celltwin`), and whole resources only SARK
//! has (agents, templates, globals). One row per record and one per field, so a column SARK adds
//! costs no migration; each resource names its columns and their defaults in code.

use std::collections::HashMap;

use switchboard_sdk::Error;
use switchboard_sdk::sqlite::{self, Connection, Value};

/// The schema, created on first use in one transaction (every statement is idempotent).
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sark_records (\
        resource TEXT NOT NULL, pkey TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (resource, pkey));\
    CREATE TABLE IF NOT EXISTS sark_fields (\
        resource TEXT NOT NULL, pkey TEXT NOT NULL, field TEXT NOT NULL, value TEXT, PRIMARY KEY (resource, pkey, field))";

thread_local! {
    /// Whether this instance already made sure the schema exists.
    static READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The plugin's own database, its schema in place.
pub fn open() -> Result<Connection, Error> {
    let db = sqlite::open("own")?;
    if !READY.with(|r| r.get()) {
        db.transaction(|tx| {
            for statement in SCHEMA.split(';') {
                tx.query(statement, &[])?;
            }
            Ok::<_, Error>(())
        })?;
        READY.with(|r| r.set(true));
    }
    Ok(db)
}

/// A record's own fields: field → value (`None` for SQL NULL).
pub type Fields = HashMap<String, Option<String>>;

/// The own fields of every record of `resource`, by key.
pub fn all(db: &Connection, resource: &str) -> Result<HashMap<String, Fields>, Error> {
    let rows = db.query("SELECT pkey, field, value FROM sark_fields WHERE resource = ?", &[resource.into()])?;
    let mut out: HashMap<String, Fields> = HashMap::new();
    for row in rows.rows() {
        let value = match row.get(2) {
            Some(sqlite::ValueRef::Null) | None => None,
            _ => Some(row.text(2)),
        };
        out.entry(row.text(0)).or_default().insert(row.text(1), value);
    }
    Ok(out)
}

/// The own fields of one record.
pub fn one(db: &Connection, resource: &str, pkey: &str) -> Result<Fields, Error> {
    let rows = db.query("SELECT field, value FROM sark_fields WHERE resource = ? AND pkey = ?", &[resource.into(), pkey.into()])?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let value = match row.get(1) {
                Some(sqlite::ValueRef::Null) | None => None,
                _ => Some(row.text(1)),
            };
            (row.text(0), value)
        })
        .collect())
}

/// Sets fields of a record (creating or replacing each).
pub fn set(tx: &Connection, resource: &str, pkey: &str, fields: &[(String, Option<String>)]) -> Result<(), Error> {
    for (field, value) in fields {
        let value = value.clone().map_or(Value::Null, Value::Text);
        tx.query(
            "INSERT INTO sark_fields (resource, pkey, field, value) VALUES (?, ?, ?, ?) \
             ON CONFLICT (resource, pkey, field) DO UPDATE SET value = excluded.value",
            &[resource.into(), pkey.into(), field.into(), value],
        )?;
    }
    Ok(())
}

/// Forgets a record and its fields.
pub fn remove(tx: &Connection, resource: &str, pkey: &str) -> Result<(), Error> {
    tx.query("DELETE FROM sark_fields WHERE resource = ? AND pkey = ?", &[resource.into(), pkey.into()])?;
    tx.query("DELETE FROM sark_records WHERE resource = ? AND pkey = ?", &[resource.into(), pkey.into()])?;
    Ok(())
}

/// The keys of a resource that lives only here, in creation order.
pub fn keys(db: &Connection, resource: &str) -> Result<Vec<String>, Error> {
    let rows = db.query("SELECT pkey FROM sark_records WHERE resource = ? ORDER BY pkey", &[resource.into()])?;
    Ok(rows.rows().iter().map(|r| r.text(0)).collect())
}

/// Whether a record of a resource that lives only here exists.
pub fn exists(db: &Connection, resource: &str, pkey: &str) -> Result<bool, Error> {
    Ok(!db.query("SELECT 1 FROM sark_records WHERE resource = ? AND pkey = ?", &[resource.into(), pkey.into()])?.rows().is_empty())
}

/// Adds a record of a resource that lives only here; `false` when the key is taken.
pub fn insert(tx: &Connection, resource: &str, pkey: &str) -> Result<bool, Error> {
    if exists(tx, resource, pkey)? {
        return Ok(false);
    }
    tx.query("INSERT INTO sark_records (resource, pkey) VALUES (?, ?)", &[resource.into(), pkey.into()])?;
    Ok(true)
}
