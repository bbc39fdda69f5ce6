//! The PBX model's storage: the shared `pbx` SQLite database (one canonical model of the PBX that
//! every API flavor reads and writes, schema in `migrations/` and documented in
//! `wit/pbx-schema.md`) and each plugin's private database.
//!
//! - [`registry`]: which private database each plugin identity opens, per route, with an audit.
//! - [`migrate`]: versioned, forward-only schema migrations.
//! - [`database`]: a database file, its connection pool, statement execution, change events.
//! - [`rows`]: where a statement's rows go (owned values, or one packed buffer).
//! - [`access`]: what a mount's grant lets its SQL do, enforced by SQLite's authorizer.

pub mod access;
pub mod database;
pub mod migrate;
pub mod registry;
pub mod rows;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

pub use self::access::{Access, TableSet};
pub use self::database::{CHANGE_EVENT, Database, ExecLimits, HostWriter, QueryResult, Session, SqlError, WaitStats};
pub use self::registry::{DataFile, Registry};
pub use self::rows::{PackedRows, RowSink, ValueRows};

use crate::events::EventBus;

/// Connections to the shared database (readers run in parallel under WAL).
const PBX_CONNECTIONS: usize = 16;
/// Connections to one plugin's private database.
const OWN_CONNECTIONS: usize = 4;

/// The host's databases.
pub struct Store {
    dir: PathBuf,
    pbx: Arc<Database>,
    own: Mutex<HashMap<DataFile, Arc<Database>>>,
}

impl Store {
    /// Opens `dir/pbx.sqlite` (created and migrated as needed); plugins' own databases go in
    /// `dir/plugins/`. Committed changes to `pbx` are published on `bus`.
    pub fn open(dir: &Path, bus: Arc<EventBus>) -> anyhow::Result<Store> {
        std::fs::create_dir_all(dir.join("plugins")).with_context(|| format!("creating the store directory {}", dir.display()))?;
        let path = dir.join("pbx.sqlite");
        let mut conn = Database::open_connection(&path)?;
        migrate::migrate(&mut conn).with_context(|| format!("migrating {}", path.display()))?;
        drop(conn);
        let pbx = Database::open("pbx", &path, PBX_CONNECTIONS, Some(bus))?;
        Ok(Store { dir: dir.to_path_buf(), pbx, own: Mutex::new(HashMap::new()) })
    }

    /// The shared `pbx` database.
    pub fn pbx(&self) -> &Arc<Database> {
        &self.pbx
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How long work waited for the databases: `pbx`'s, and the plugins' own added up as `own`.
    pub fn wait_stats(&self) -> [(&'static str, WaitStats); 2] {
        let mut own = WaitStats::default();
        for db in self.own.lock().unwrap_or_else(|e| e.into_inner()).values() {
            own.add(&db.wait_stats());
        }
        [("pbx", self.pbx.wait_stats()), ("own", own)]
    }

    /// The private database in `file` if it is already open (no I/O: safe on an async thread).
    pub fn own_if_open(&self, file: &DataFile) -> Option<Arc<Database>> {
        self.own.lock().unwrap_or_else(|e| e.into_inner()).get(file).cloned()
    }

    /// The private database `dir/plugins/<file>`, created on first use (blocking). Which file a
    /// plugin opens is the registry's answer for its identity ([`Registry::bind`]); the name is a
    /// [`DataFile`], so it stays inside `plugins/`.
    pub fn own(&self, file: &DataFile) -> anyhow::Result<Arc<Database>> {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(db) = own.get(file) {
            return Ok(db.clone());
        }
        let db = Database::open("own", &self.dir.join("plugins").join(file.name()), OWN_CONNECTIONS, None)?;
        own.insert(file.clone(), db.clone());
        Ok(db)
    }
}
