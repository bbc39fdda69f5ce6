//! The plugin's own database: API users, their groups and the contexts each group grants. Its
//! schema is created and migrated by the plugin on first use, one step per `PRAGMA user_version`,
//! each step in one transaction with the version it reaches, so a half-applied step never stays.

use std::cell::Cell;

use switchboard_sdk::Error;
use switchboard_sdk::sqlite::{self, Connection};

/// The schema steps; step `i` takes the database from version `i` to `i + 1`.
const STEPS: &[&str] = &["CREATE TABLE groups (\
        uuid TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');\
    CREATE TABLE access (\
        uuid TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',\
        group_uuid TEXT NOT NULL REFERENCES groups(uuid) ON DELETE CASCADE, UNIQUE (group_uuid, name));\
    CREATE TABLE api_users (\
        uuid TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',\
        enable TEXT NOT NULL DEFAULT 'yes' CHECK (enable IN ('yes', 'no')),\
        api_key_sha256 TEXT NOT NULL UNIQUE, group_uuid TEXT NOT NULL REFERENCES groups(uuid));\
    CREATE INDEX api_users_group ON api_users(group_uuid)"];

thread_local! {
    /// Whether this instance already brought the schema up to date.
    static READY: Cell<bool> = const { Cell::new(false) };
}

/// The own database, its schema up to date.
pub fn open() -> Result<Connection, Error> {
    let db = sqlite::open("own").map_err(|e| context("opening the plugin's own database", e.into()))?;
    if !READY.with(Cell::get) {
        migrate(&db)?;
        READY.with(|r| r.set(true));
    }
    Ok(db)
}

/// Runs the steps the database has not had yet. Each step re-reads the version inside its write
/// transaction, so two instances starting at once apply it once.
fn migrate(db: &Connection) -> Result<(), Error> {
    for (from, step) in STEPS.iter().enumerate() {
        db.transaction(|tx| {
            let version = tx.query("PRAGMA user_version", &[])?.rows().first().and_then(|r| r.int(0)).unwrap_or(0);
            if version > from as i64 {
                return Ok(());
            }
            for statement in step.split(';').filter(|s| !s.trim().is_empty()) {
                tx.query(statement, &[])?;
            }
            tx.query(&format!("PRAGMA user_version = {}", from + 1), &[])?;
            Ok::<_, Error>(())
        })
        .map_err(|e| context(&format!("migrating the plugin's own database to version {}", from + 1), e))?;
    }
    Ok(())
}

/// `error` with what was being done, keeping its status and code.
fn context(doing: &str, error: Error) -> Error {
    let mut out = Error::new(error.status(), error.code().to_string(), format!("{doing}: {}", error.message()));
    for (name, value) in error.headers() {
        out = out.with_header(name, value.clone());
    }
    out
}
