//! The PBX model's storage: the shared `pbx` SQLite database (one canonical model of the PBX that
//! every API flavor reads and writes, schema in `migrations/` and documented in
//! `wit/pbx-schema.md`) and each plugin's private database.
//!
//! - [`migrate`]: versioned, forward-only schema migrations.
//! - [`database`]: a database file, its connection pool, statement execution, change events.
//! - [`rows`]: where a statement's rows go (owned values, or one packed buffer).
//! - [`access`]: what a mount's grant lets its SQL do, enforced by SQLite's authorizer.
//! - [`demo_pbx`] and [`wav`]: the demo PBX (and benchmark CDRs) and its generated recordings.

pub mod access;
pub mod database;
pub mod demo_pbx;
pub mod migrate;
pub mod rows;
pub mod wav;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

pub use self::access::{Access, TableSet};
pub use self::database::{CHANGE_EVENT, Database, ExecLimits, HostWriter, QueryResult, Session, SqlError};
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
    own: Mutex<HashMap<String, Arc<Database>>>,
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

    /// `plugin`'s private database if it is already open (no I/O: safe on an async thread).
    pub fn own_if_open(&self, plugin: &str) -> Option<Arc<Database>> {
        self.own.lock().unwrap_or_else(|e| e.into_inner()).get(plugin).cloned()
    }

    /// `plugin`'s private database, `dir/plugins/<plugin>.sqlite`, created on first use (blocking).
    pub fn own(&self, plugin: &str) -> anyhow::Result<Arc<Database>> {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(db) = own.get(plugin) {
            return Ok(db.clone());
        }
        // Plugin names are built-in names or file stems; keep the file name plain regardless.
        let file: String = plugin.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        let db = Database::open("own", &self.dir.join("plugins").join(format!("{file}.sqlite")), OWN_CONNECTIONS, None)?;
        own.insert(plugin.to_string(), db.clone());
        Ok(db)
    }
}
