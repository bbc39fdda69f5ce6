//! What a mount may do to a database, enforced by SQLite's authorizer.
//!
//! SQLite asks the authorizer about every table read, write, schema change, `PRAGMA`, `ATTACH`
//! and function while it *compiles* a statement, so a denied statement fails before any of it
//! runs: nothing half-done, no parsing of SQL text on our side. The policy is the mount's grant:
//!
//! - `pbx = "read-only"`: reads of every table, no writes, no schema changes.
//! - `pbx = "read-write"`: reads and row writes on every table, still no schema changes (the host
//!   owns the schema and migrates it).
//! - `pbx = { read = [...], write = [...] }`: per table (`"*"` = all); writing implies reading.
//! - `own`: the plugin's private database, where it may also create and alter its own tables.
//!
//! Everywhere: no `ATTACH`/`DETACH` (it would open another file), no `PRAGMA` that changes state
//! (except `user_version` on the plugin's own database, for its migrations), no
//! `load_extension()`, and no virtual tables. Statements run by the host's own triggers
//! (named `sb_…`; plugins cannot create triggers in `pbx`) are allowed, so writing `extensions`
//! may update the `ps_*` rows that follow it.

use std::collections::BTreeSet;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

/// Table-level access to one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    read: TableSet,
    write: TableSet,
    /// May create, alter and drop its own tables, indexes, views and triggers.
    schema: bool,
    /// Which database this is, for messages.
    label: &'static str,
}

/// Some tables, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableSet {
    /// Every table.
    All,
    /// Just these (lowercase names).
    Only(BTreeSet<String>),
}

impl TableSet {
    fn contains(&self, table: &str) -> bool {
        match self {
            TableSet::All => true,
            TableSet::Only(set) => set.contains(&table.to_ascii_lowercase()),
        }
    }

    /// A set from grant names; `*` means all.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> TableSet {
        let mut set = BTreeSet::new();
        for name in names {
            if name == "*" {
                return TableSet::All;
            }
            set.insert(name.to_ascii_lowercase());
        }
        TableSet::Only(set)
    }
}

/// Pragmas whose argument names what to describe (`PRAGMA table_info(extensions)`): always read-only.
const DESCRIBING_PRAGMAS: &[&str] =
    &["table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list", "foreign_key_check"];
/// Pragmas that read a setting without a value and change it with one: allowed without.
const SETTING_PRAGMAS: &[&str] = &[
    "user_version", "schema_version", "data_version", "collation_list", "function_list", "pragma_list",
    "foreign_keys", "journal_mode", "page_count", "page_size",
];

/// Tables of `pbx` only the host writes, whatever a mount is granted: `cdr_sources` says how far
/// Asterisk's CDR file has been read, and a plugin moving it would make the host skip call records.
/// Their changes are bookkeeping, not PBX configuration, so they are not published on the bus.
pub const HOST_TABLES: &[&str] = &["cdr_sources"];

/// SQL functions that reach outside the database or the statement.
const DENIED_FUNCTIONS: &[&str] = &["load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"];

impl Access {
    /// Read every table of the shared `pbx` database.
    pub fn pbx_read_only() -> Access {
        Access { read: TableSet::All, write: TableSet::Only(BTreeSet::new()), schema: false, label: "pbx" }
    }

    /// Read and write rows of every table of `pbx`.
    pub fn pbx_read_write() -> Access {
        Access { read: TableSet::All, write: TableSet::All, schema: false, label: "pbx" }
    }

    /// Per-table access to `pbx`; `write` implies read.
    pub fn pbx_tables(read: TableSet, write: TableSet) -> Access {
        let read = match (read, &write) {
            (TableSet::All, _) | (_, TableSet::All) => TableSet::All,
            (TableSet::Only(mut r), TableSet::Only(w)) => {
                r.extend(w.iter().cloned());
                TableSet::Only(r)
            }
        };
        Access { read, write, schema: false, label: "pbx" }
    }

    /// Everything on the plugin's own database (still no ATTACH, extensions or state pragmas).
    pub fn own() -> Access {
        Access { read: TableSet::All, write: TableSet::All, schema: true, label: "own" }
    }

    /// Whether this grant can write anything at all (read-only grants use read-only connections).
    pub fn writes(&self) -> bool {
        self.schema || !matches!(&self.write, TableSet::Only(set) if set.is_empty())
    }

    /// The authorizer's answer for one action, with the reason when it is a denial.
    pub fn check(&self, ctx: &AuthContext<'_>) -> Result<(), String> {
        // Statements inside the host's own triggers: allowed (see the module docs).
        if ctx.accessor.is_some_and(|a| a.starts_with("sb_")) {
            return Ok(());
        }
        // Reads and writes of SQLite's internal tables (sqlite_schema, sqlite_sequence, …).
        let internal = |t: &str| t.starts_with("sqlite_");
        let label = self.label;
        match ctx.action {
            AuthAction::Select | AuthAction::Recursive | AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => Ok(()),
            AuthAction::Read { table_name, .. } => {
                if internal(table_name) || self.read.contains(table_name) {
                    Ok(())
                } else {
                    Err(format!("reading table `{table_name}` of the `{label}` database is not granted to this mount"))
                }
            }
            AuthAction::Insert { table_name } | AuthAction::Delete { table_name } | AuthAction::Update { table_name, .. } => {
                if label == "pbx" && HOST_TABLES.contains(&table_name) {
                    Err(format!("table `{table_name}` of the `pbx` database is written only by the host"))
                } else if internal(table_name) && !self.schema && table_name != "sqlite_sequence" {
                    // Schema statements write sqlite_schema; say what the plugin actually tried.
                    Err(format!("changing the schema of the `{label}` database is not allowed (the host owns and migrates it)"))
                } else if self.write.contains(table_name) || (internal(table_name) && self.schema) {
                    Ok(())
                } else {
                    Err(format!("writing table `{table_name}` of the `{label}` database is not granted to this mount"))
                }
            }
            AuthAction::Pragma { pragma_name, pragma_value } => {
                let name = pragma_name.to_ascii_lowercase();
                if DESCRIBING_PRAGMAS.contains(&name.as_str()) || (pragma_value.is_none() && SETTING_PRAGMAS.contains(&name.as_str())) {
                    Ok(())
                } else if self.schema && name == "user_version" {
                    Ok(())
                } else {
                    Err(format!("PRAGMA {pragma_name}{} is not allowed (only reading pragmas are)", pragma_value.map(|v| format!(" = {v}")).unwrap_or_default()))
                }
            }
            AuthAction::Function { function_name } => {
                if DENIED_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(function_name)) {
                    Err(format!("the SQL function {function_name}() is not allowed"))
                } else {
                    Ok(())
                }
            }
            AuthAction::Attach { .. } | AuthAction::Detach { .. } => Err("ATTACH and DETACH are not allowed".into()),
            AuthAction::CreateVtable { .. } | AuthAction::DropVtable { .. } => Err("virtual tables are not allowed".into()),
            AuthAction::CreateTempTable { .. }
            | AuthAction::CreateTempIndex { .. }
            | AuthAction::CreateTempView { .. }
            | AuthAction::DropTempTable { .. }
            | AuthAction::DropTempIndex { .. }
            | AuthAction::DropTempView { .. } => Ok(()),
            AuthAction::CreateTempTrigger { .. } | AuthAction::DropTempTrigger { .. } => {
                Err("temporary triggers are not allowed".into())
            }
            AuthAction::CreateIndex { .. }
            | AuthAction::CreateTable { .. }
            | AuthAction::CreateTrigger { .. }
            | AuthAction::CreateView { .. }
            | AuthAction::DropIndex { .. }
            | AuthAction::DropTable { .. }
            | AuthAction::DropTrigger { .. }
            | AuthAction::DropView { .. }
            | AuthAction::AlterTable { .. }
            | AuthAction::Reindex { .. }
            | AuthAction::Analyze { .. } => {
                if self.schema {
                    Ok(())
                } else {
                    Err(format!("changing the schema of the `{label}` database is not allowed (the host owns and migrates it)"))
                }
            }
            _ => Err("this kind of statement is not allowed".into()),
        }
    }

    /// An authorizer closure for `Connection::authorizer`; the first denial's reason is stored
    /// in `denied` so the caller can report it instead of SQLite's bare "not authorized".
    pub fn authorizer(
        self: std::sync::Arc<Self>,
        denied: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    ) -> impl for<'r> FnMut(AuthContext<'r>) -> Authorization + Send + 'static {
        move |ctx| match self.check(&ctx) {
            Ok(()) => Authorization::Allow,
            Err(reason) => {
                let mut slot = denied.lock().unwrap_or_else(|e| e.into_inner());
                slot.get_or_insert(reason);
                Authorization::Deny
            }
        }
    }
}
