//! Versioned, forward-only migrations of the shared `pbx` database.
//!
//! The schema version lives in SQLite's `PRAGMA user_version`. Each migration runs in one
//! transaction together with the version bump, so a crash mid-migration leaves the previous
//! version intact. Migrations only add (tables, columns, indexes, triggers); they never drop or
//! rewrite data, so a database written by any earlier Switchboard opens and keeps every row.

use anyhow::{Context as _, bail};
use rusqlite::Connection;

/// One step of the schema.
pub struct Migration {
    /// The version the database has after this step.
    pub version: u32,
    /// A short name, for logs.
    pub name: &'static str,
    /// The SQL, run as one batch inside a transaction.
    pub sql: &'static str,
}

/// Every migration, in order. Append only: an applied migration is never edited.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "pbx_config", sql: include_str!("migrations/0001_pbx_config.sql") },
    Migration { version: 2, name: "call_records", sql: include_str!("migrations/0002_call_records.sql") },
    Migration { version: 3, name: "numeric_order", sql: include_str!("migrations/0003_numeric_order.sql") },
    Migration { version: 4, name: "config_rules", sql: include_str!("migrations/0004_config_rules.sql") },
    Migration { version: 5, name: "cdr_ingest", sql: include_str!("migrations/0005_cdr_ingest.sql") },
    Migration { version: 6, name: "sark_model", sql: include_str!("migrations/0006_sark_model.sql") },
];

/// The newest schema version this build knows.
pub fn latest() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The database's current schema version (0 for an empty database).
pub fn version(conn: &Connection) -> anyhow::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0)).context("reading PRAGMA user_version")
}

/// Brings the database to the newest version; returns the versions applied.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<Vec<u32>> {
    migrate_to(conn, latest())
}

/// Brings the database to `target` (tests use this to build every earlier version).
pub fn migrate_to(conn: &mut Connection, target: u32) -> anyhow::Result<Vec<u32>> {
    let current = version(conn)?;
    if current > latest() {
        bail!(
            "the database is at schema version {current}, newer than this Switchboard knows ({}); \
             it was written by a newer release — upgrade Switchboard rather than downgrade the data",
            latest()
        );
    }
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > current && m.version <= target) {
        let tx = conn.transaction().context("starting a migration transaction")?;
        tx.execute_batch(migration.sql)
            .with_context(|| format!("applying migration {} ({})", migration.version, migration.name))?;
        tx.pragma_update(None, "user_version", migration.version)?;
        tx.commit().with_context(|| format!("committing migration {}", migration.version))?;
        tracing::info!(version = migration.version, name = migration.name, "pbx schema migrated");
        applied.push(migration.version);
    }
    Ok(applied)
}

/// The tables of the newest schema, sorted (config validation checks per-table grants against it).
pub fn schema_tables() -> &'static [String] {
    static TABLES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut conn = Connection::open_in_memory().expect("in-memory SQLite");
        migrate(&mut conn).expect("the built-in migrations apply to an empty database");
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .expect("schema query");
        stmt.query_map([], |row| row.get(0)).expect("schema rows").collect::<Result<_, _>>().expect("table names")
    })
}

/// A migrated in-memory database with `sql` run on it, for unit tests.
#[cfg(test)]
pub(crate) fn test_db(sql: &str) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn).unwrap();
    conn.execute_batch(sql).unwrap();
    conn
}

/// The schema version before the configuration rules (migration 4).
#[cfg(test)]
pub(crate) const BEFORE_RULES: u32 = 3;

/// An in-memory database where `sql` ran before the configuration rules existed, then migrated to
/// the newest version: rows the rules would refuse today, as an older database may hold them.
#[cfg(test)]
pub(crate) fn legacy_db(sql: &str) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, BEFORE_RULES).unwrap();
    conn.execute_batch(sql).unwrap();
    migrate(&mut conn).unwrap();
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {} is out of order", m.name);
        }
    }

    #[test]
    fn empty_database_reaches_latest_and_reopening_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), (1..=latest()).collect::<Vec<_>>());
        assert_eq!(version(&conn).unwrap(), latest());
        assert!(migrate(&mut conn).unwrap().is_empty());
        assert!(schema_tables().iter().any(|t| t == "extensions"));
        assert!(schema_tables().iter().any(|t| t == "cdr"));
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest() + 1).unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(err.contains("newer"), "{err}");
    }
}

#[cfg(test)]
mod trigger_tests {
    use super::*;

    #[test]
    fn a_pjsip_extension_brings_its_endpoint_auth_and_aor() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO extensions (number, name, secret, voicemail) VALUES ('1001', 'Ada', 's3', 'default');
             UPDATE extensions SET secret = 's4', name = 'Ada L' WHERE number = '1001';",
        )
        .unwrap();
        let (callerid, mailboxes): (String, String) =
            conn.query_row("SELECT callerid, mailboxes FROM ps_endpoints WHERE id = '1001'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(callerid, "\"Ada L\" <1001>");
        assert_eq!(mailboxes, "1001@default");
        let password: String = conn.query_row("SELECT password FROM ps_auths WHERE id = '1001'", [], |r| r.get(0)).unwrap();
        assert_eq!(password, "s4");
        conn.execute("UPDATE extensions SET number = '1002' WHERE number = '1001'", []).unwrap();
        let ids: Vec<String> =
            conn.prepare("SELECT id FROM ps_endpoints").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(ids, ["1002"]);
        conn.execute("DELETE FROM extensions WHERE number = '1002'", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT (SELECT count(*) FROM ps_endpoints) + (SELECT count(*) FROM ps_auths) + (SELECT count(*) FROM ps_aors)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}

#[cfg(test)]
mod upgrade_tests {
    use super::*;

    /// A database at every earlier version, holding rows, reaches the latest version with its rows.
    #[test]
    fn every_earlier_version_upgrades_and_keeps_its_rows() {
        for start in 1..latest() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("pbx.sqlite");
            {
                let mut conn = Connection::open(&path).unwrap();
                assert_eq!(migrate_to(&mut conn, start).unwrap(), (1..=start).collect::<Vec<_>>());
                conn.execute("INSERT INTO extensions (number, name, secret) VALUES ('1001', 'Ada', 'pw')", []).unwrap();
                conn.execute("INSERT INTO ring_groups (number, name) VALUES ('600', 'Sales')", []).unwrap();
            }
            let mut conn = Connection::open(&path).unwrap();
            assert_eq!(migrate(&mut conn).unwrap(), ((start + 1)..=latest()).collect::<Vec<_>>(), "from version {start}");
            let rows: (String, String, i64) = conn
                .query_row(
                    "SELECT e.name, p.callerid, (SELECT count(*) FROM ring_groups) FROM extensions e JOIN ps_endpoints p ON p.id = e.number",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(rows, ("Ada".into(), "\"Ada\" <1001>".into(), 1), "from version {start}");
            let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(check, "ok");
        }
    }

    /// Call records written before the natural key (seeded, by plugins, identical ones too) keep
    /// every value and no key; rows from Asterisk are told apart by theirs from then on.
    #[test]
    fn call_records_from_before_the_key_stay_as_they_are() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 4).unwrap();
        let row = "('2024-05-01 10:00:00', '2024-05-01 10:00:05', '1001', '1002', 'PJSIP/1001-1', 'ANSWERED')";
        conn.execute_batch(&format!("INSERT INTO cdr (calldate, end, src, dst, channel, disposition) VALUES {row}, {row};")).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), (5..=latest()).collect::<Vec<_>>());
        let (rows, keyed): (i64, i64) = conn.query_row("SELECT count(*), count(source_key) FROM cdr", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((rows, keyed), (2, 0));
        conn.execute_batch(&format!("INSERT INTO cdr (calldate, end, src, dst, channel, disposition, source_key) VALUES {row};").replace("'ANSWERED')", "'ANSWERED', 'k1')")).unwrap();
        let again = conn.execute("INSERT INTO cdr (calldate, end, source_key) VALUES ('x', 'y', 'k1') ON CONFLICT (source_key) DO NOTHING", []).unwrap();
        assert_eq!(again, 0);
        assert_eq!(conn.query_row("SELECT count(*) FROM cdr", [], |r| r.get::<_, i64>(0)).unwrap(), 3);
    }
}
