//! One SQLite database file and its pool of connections.
//!
//! SQLite calls block, so statements run on tokio's blocking pool with a connection moved in and
//! back; the async side only waits for a permit. Each connection is opened once with the
//! settings that make the file safe to share and to crash: WAL (readers never wait for the
//! writer), `synchronous = FULL` (a write answered as committed survives a power cut, not only a
//! killed process), foreign keys on, `trusted_schema` off and `defensive` on (SQL cannot corrupt
//! the file through schema tricks), and a busy timeout. Writes in autocommit mode take a
//! process-wide writer lock first — one writer at a time, which is all SQLite allows — so concurrent writers
//! queue in order instead of sleeping in SQLite's busy handler.
//!
//! Committed changes are collected by SQLite's update and commit hooks and, for the shared `pbx`
//! database, published on the event bus as `ConfigChanged` events.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rusqlite::hooks::Action;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::access::Access;
use super::rows::{PackedRows, RowSink, ValueRows};
use crate::events::EventBus;

/// How long SQLite itself retries a locked database (transactions a plugin holds open).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The event the `pbx` database publishes after each commit that changed rows.
pub const CHANGE_EVENT: &str = "ConfigChanged";
/// Row ids listed in one change event; more are counted, not listed.
const MAX_LISTED_ROWIDS: usize = 50;

/// Why a statement failed. Every variant is safe to show to the plugin.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SqlError {
    /// The mount's grant refuses the statement; nothing of it ran.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// A UNIQUE, NOT NULL, CHECK or FOREIGN KEY constraint failed; the statement had no effect.
    #[error("constraint violation: {0}")]
    Constraint(String),
    /// The SQL does not compile, or parameters do not match it.
    #[error("invalid statement: {0}")]
    Invalid(String),
    /// The result would be larger than the mount's memory limit.
    #[error("result too large: {0}")]
    TooLarge(String),
    /// The statement ran past the request's deadline and was interrupted.
    #[error("the statement ran past the request's deadline and was interrupted")]
    Timeout,
    /// The database stayed locked by another transaction for longer than the busy timeout.
    #[error("the database is busy (another transaction holds it)")]
    Busy,
    /// The disk holding the database is full (`SQLITE_FULL`, SQLite's answer to `ENOSPC`): the
    /// statement or transaction was rolled back and nothing of it is stored. Reads still work.
    #[error("the disk holding the database is full: {0}")]
    Full(String),
    /// An I/O or internal error in SQLite.
    #[error("database error: {0}")]
    Io(String),
}

/// A statement's answer, its rows as `R` gathered them (a `Value` per column by default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult<R = ValueRows> {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows, each as long as `columns`.
    pub rows: R,
    /// Rows inserted, updated or deleted by the statement.
    pub changes: u64,
    /// The rowid of the last insert on this connection.
    pub last_insert_rowid: i64,
    /// What the rows counted against [`ExecLimits::max_result_bytes`].
    pub result_bytes: usize,
}

/// Bounds of one statement.
#[derive(Debug, Clone, Copy)]
pub struct ExecLimits {
    /// The statement is interrupted after this instant.
    pub deadline: Instant,
    /// Most bytes of result (values plus a small per-value overhead).
    pub max_result_bytes: usize,
}

/// Rows changed in one table, gathered by the update hook until commit.
#[derive(Debug, Default, Clone)]
struct TableChanges {
    inserted: u64,
    updated: u64,
    deleted: u64,
    rowids: Vec<i64>,
}

#[derive(Default)]
struct Changes {
    /// Changes of the transaction in progress.
    pending: BTreeMap<String, TableChanges>,
    /// Changes of transactions that committed, not yet published.
    committed: Vec<BTreeMap<String, TableChanges>>,
}

/// A pooled connection, its change log, and the grant its authorizer enforces.
///
/// Statements are prepared through rusqlite's per-connection cache, so a plugin's repeated
/// statements skip SQLite's parser. That is sound only because the authorizer runs while a
/// statement is prepared: a cached statement carries the verdict of the grant it was prepared
/// under. `sqlite3_set_authorizer` expires every prepared statement, so the connection keeps its
/// authorizer across checkouts and installs another only when a statement runs under a different
/// grant — which discards what the cache held for the previous one.
struct Conn {
    sqlite: Connection,
    changes: Arc<Mutex<Changes>>,
    /// The grant the installed authorizer enforces (none yet: `None`).
    authorized_for: Option<Arc<Access>>,
    /// Why the authorizer refused the statement being prepared, if it did.
    denied: Arc<Mutex<Option<String>>>,
}

/// Statements each pooled connection keeps prepared.
const STATEMENT_CACHE: usize = 32;

/// One database file, shared by every request that is granted it.
pub struct Database {
    label: String,
    path: PathBuf,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
    writer: Mutex<()>,
    bus: Option<Arc<EventBus>>,
    waits: Waits,
}

/// How long work waited for this database, for the host's metrics (`switchboard_sqlite_*`).
#[derive(Debug)]
struct Waits {
    /// For the writer lock.
    writer: crate::metrics::Histogram,
    /// For a pooled connection.
    connection: crate::metrics::Histogram,
    /// Statements and checkouts that failed [`SqlError::Busy`].
    busy: std::sync::atomic::AtomicU64,
}

/// What a database (or several, added up) waited, for the host's metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitStats {
    /// Waits for the writer lock (one writer at a time).
    pub writer_waits: crate::metrics::HistogramSnapshot,
    /// Waits for a pooled connection.
    pub connection_waits: crate::metrics::HistogramSnapshot,
    /// Statements and checkouts that failed busy: the file stayed locked past SQLite's busy
    /// timeout, or no connection freed up before the request's deadline.
    pub busy: u64,
}

impl Default for WaitStats {
    fn default() -> Self {
        let empty = crate::metrics::HistogramSnapshot::empty(crate::metrics::WAIT_BOUNDS_NS);
        WaitStats { writer_waits: empty.clone(), connection_waits: empty, busy: 0 }
    }
}

impl WaitStats {
    /// Adds `other`'s waits.
    pub fn add(&mut self, other: &WaitStats) {
        self.writer_waits.add(&other.writer_waits);
        self.connection_waits.add(&other.connection_waits);
        self.busy += other.busy;
    }
}

impl Database {
    /// Opens (creating if needed) the database at `path` with up to `connections` connections.
    /// With `bus`, committed changes are published as [`CHANGE_EVENT`]s.
    pub fn open(label: &str, path: &Path, connections: usize, bus: Option<Arc<EventBus>>) -> anyhow::Result<Arc<Database>> {
        let db = Database {
            label: label.to_string(),
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(connections.max(1))),
            writer: Mutex::new(()),
            bus,
            waits: Waits {
                writer: crate::metrics::Histogram::new(crate::metrics::WAIT_BOUNDS_NS),
                connection: crate::metrics::Histogram::new(crate::metrics::WAIT_BOUNDS_NS),
                busy: Default::default(),
            },
        };
        // Open one now so a bad path or a corrupt file is an error at start, not on a request.
        let conn = db.connect()?;
        db.idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
        Ok(Arc::new(db))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The label plugins open it by (`pbx`, `own`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// How long work has waited for it so far.
    pub fn wait_stats(&self) -> WaitStats {
        WaitStats {
            writer_waits: self.waits.writer.snapshot(),
            connection_waits: self.waits.connection.snapshot(),
            busy: self.waits.busy.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The writer lock (see the module docs), its wait timed.
    fn write_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        let started = Instant::now();
        let guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        self.waits.writer.observe(started.elapsed());
        guard
    }

    /// Counts a statement or checkout that failed busy.
    fn count_busy<T>(&self, result: &Result<T, SqlError>) {
        if matches!(result, Err(SqlError::Busy)) {
            self.waits.busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A plain connection with the pool's settings, for host code (migrations, seeding, benches).
    pub fn open_connection(path: &Path) -> anyhow::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA trusted_schema = OFF;",
        )
        .with_context(|| format!("configuring {}", path.display()))?;
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        Ok(conn)
    }

    fn connect(&self) -> anyhow::Result<Conn> {
        let mut sqlite = Self::open_connection(&self.path)?;
        let changes = Arc::new(Mutex::new(Changes::default()));
        let log = changes.clone();
        sqlite.update_hook(Some(move |action: Action, _db: &str, table: &str, rowid: i64| {
            let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
            let entry = log.pending.entry(table.to_string()).or_default();
            match action {
                Action::SQLITE_INSERT => entry.inserted += 1,
                Action::SQLITE_UPDATE => entry.updated += 1,
                Action::SQLITE_DELETE => entry.deleted += 1,
                _ => {}
            }
            if entry.rowids.len() < MAX_LISTED_ROWIDS {
                entry.rowids.push(rowid);
            }
        }))?;
        let log = changes.clone();
        sqlite.commit_hook(Some(move || {
            let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
            let done = std::mem::take(&mut log.pending);
            if !done.is_empty() {
                log.committed.push(done);
            }
            false // let the commit proceed
        }))?;
        let log = changes.clone();
        sqlite.rollback_hook(Some(move || {
            log.lock().unwrap_or_else(|e| e.into_inner()).pending.clear();
        }))?;
        sqlite.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Conn { sqlite, changes, authorized_for: None, denied: Arc::new(Mutex::new(None)) })
    }

    /// Waits (until `deadline`) for a connection of the pool.
    pub async fn checkout(self: &Arc<Self>, deadline: Instant) -> Result<Session, SqlError> {
        let started = Instant::now();
        let permit = tokio::time::timeout_at(deadline.into(), self.permits.clone().acquire_owned()).await.map_err(|_| SqlError::Busy);
        self.waits.connection.observe(started.elapsed());
        self.count_busy(&permit);
        let permit = permit?.map_err(|_| SqlError::Io("the database is closed".into()))?;
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let db = self.clone();
                tokio::task::spawn_blocking(move || db.connect())
                    .await
                    .map_err(|e| SqlError::Io(e.to_string()))?
                    .map_err(|e| SqlError::Io(format!("{e:#}")))?
            }
        };
        Ok(Session { conn: Some(conn), db: self.clone(), _permit: permit })
    }

    fn publish(&self, source: &str, committed: Vec<BTreeMap<String, TableChanges>>) {
        let Some(bus) = &self.bus else { return };
        for transaction in committed {
            for (table, c) in transaction {
                if super::access::HOST_TABLES.contains(&table.as_str()) {
                    continue;
                }
                let mut fields = vec![
                    ("Database".to_string(), self.label.clone()),
                    ("Table".to_string(), table),
                    ("Inserted".to_string(), c.inserted.to_string()),
                    ("Updated".to_string(), c.updated.to_string()),
                    ("Deleted".to_string(), c.deleted.to_string()),
                    ("RowIds".to_string(), c.rowids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
                ];
                if !source.is_empty() {
                    fields.push(("Source".to_string(), source.to_string()));
                }
                bus.publish(CHANGE_EVENT, fields);
            }
        }
    }
}

/// A connection checked out of the pool; returned (rolled back if a transaction was left open)
/// when dropped.
pub struct Session {
    conn: Option<Conn>,
    db: Arc<Database>,
    _permit: OwnedSemaphorePermit,
}

impl Session {
    /// Runs one statement with `params` under `access`, off the async threads, gathering its rows
    /// into `R` ([`ValueRows`] or [`super::rows::PackedRows`]). `source` names who wrote, in change
    /// events.
    pub async fn execute<R: RowSink>(
        &mut self,
        access: Arc<Access>,
        sql: String,
        params: Vec<Value>,
        limits: ExecLimits,
        source: Arc<str>,
    ) -> Result<QueryResult<R>, SqlError> {
        self.run_blocking(access, sql, Some(params), limits, source).await
    }

    /// Runs several `;`-separated statements without parameters (a plugin's own migrations).
    pub async fn execute_batch(&mut self, access: Arc<Access>, sql: String, limits: ExecLimits, source: Arc<str>) -> Result<(), SqlError> {
        self.run_blocking::<ValueRows>(access, sql, None, limits, source).await.map(|_| ())
    }

    /// Runs statements that only read in one read transaction, so they see one snapshot of the
    /// database, and in one trip to a blocking thread, gathering each one's rows packed. Inside a
    /// transaction the plugin began, they run in that one. The rows of all of them together are
    /// held to `limits.max_result_bytes`. A failure says which statement failed (from 0), if it
    /// was one of them rather than beginning or ending the transaction.
    pub async fn read_snapshot(
        &mut self,
        access: Arc<Access>,
        statements: Vec<(String, Vec<Value>)>,
        limits: ExecLimits,
    ) -> Result<Vec<QueryResult<PackedRows>>, (Option<usize>, SqlError)> {
        self.on_blocking_thread(move |db, conn| read_snapshot(db, conn, &access, &statements, limits))
            .await
            .map_err(|e| (None, e))?
    }

    /// Moves the connection to a blocking thread, runs, publishes what committed, moves it back.
    async fn run_blocking<R: RowSink>(
        &mut self,
        access: Arc<Access>,
        sql: String,
        params: Option<Vec<Value>>,
        limits: ExecLimits,
        source: Arc<str>,
    ) -> Result<QueryResult<R>, SqlError> {
        self.on_blocking_thread(move |db, conn| {
            let params = match &params {
                Some(values) => Params::Bound(values),
                None => Params::Batch,
            };
            let result = run(db, conn, &access, &sql, params, limits);
            db.flush(conn, &source);
            result
        })
        .await?
    }

    /// Runs `f` with the connection on a blocking thread (SQLite blocks), then takes the connection
    /// back. Fails only if the connection was lost earlier or the thread panicked.
    async fn on_blocking_thread<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&Database, &mut Conn) -> T + Send + 'static,
    ) -> Result<T, SqlError> {
        let mut conn = self.conn.take().ok_or_else(|| SqlError::Io("the connection was lost by an earlier failure".into()))?;
        let db = self.db.clone();
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = f(&db, &mut conn);
            (conn, result)
        })
        .await
        .map_err(|e| SqlError::Io(format!("the statement's thread failed: {e}")))?;
        self.conn = Some(conn);
        Ok(result)
    }
}

/// A connection of the host's own, for rows the host writes itself (call records from Asterisk):
/// outside the pool, so it never waits behind plugins for a permit; without an authorizer (the
/// host owns the schema); writing under the database's one writer lock like every other writer,
/// and publishing what it commits as change events like every other writer. Blocking: use it off
/// the async threads.
pub struct HostWriter {
    conn: Conn,
    db: Arc<Database>,
}

impl Database {
    /// A [`HostWriter`] on this database (opens a connection: blocking).
    pub fn host_writer(self: &Arc<Self>) -> anyhow::Result<HostWriter> {
        Ok(HostWriter { conn: self.connect()?, db: self.clone() })
    }
}

impl HostWriter {
    /// Runs `f` in one `BEGIN IMMEDIATE` transaction under the writer lock and commits it (an
    /// error from `f` rolls it back); what committed is published with `source`.
    pub fn transaction<T>(&mut self, source: &str, f: impl FnOnce(&rusqlite::Transaction<'_>) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let result = {
            let _writer = self.db.write_lock();
            let tx = self.conn.sqlite.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).context("beginning a transaction")?;
            let value = f(&tx)?;
            tx.commit().context("committing")?;
            value
        };
        self.db.flush(&self.conn, source);
        Ok(result)
    }

    /// Reads with the connection (no transaction of its own: one statement, one snapshot).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> anyhow::Result<T> {
        f(&self.conn.sqlite).context("reading the pbx database")
    }
}

impl Database {
    /// Publishes what committed on `conn`.
    fn flush(&self, conn: &Conn, source: &str) {
        let committed = std::mem::take(&mut conn.changes.lock().unwrap_or_else(|e| e.into_inner()).committed);
        if !committed.is_empty() {
            self.publish(source, committed);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // A transaction the plugin left open ends with its request. ROLLBACK of a WAL
        // transaction only drops in-memory pages, so doing it here does not block for long.
        if !conn.sqlite.is_autocommit() && conn.sqlite.execute_batch("ROLLBACK").is_err() {
            return; // a connection in an unknown state is closed, not reused
        }
        // The authorizer stays installed (see `Conn`): the next statement on this connection runs
        // under its own grant, which `run` installs first when it differs.
        self.db.idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
    }
}

enum Params<'a> {
    /// One statement and its values.
    Bound(&'a [Value]),
    /// One statement and its values, refused if it could write.
    Read(&'a [Value]),
    /// `;`-separated statements without values.
    Batch,
}

/// Runs on a blocking thread.
fn run<R: RowSink>(db: &Database, conn: &mut Conn, access: &Arc<Access>, sql: &str, params: Params<'_>, limits: ExecLimits) -> Result<QueryResult<R>, SqlError> {
    if conn.authorized_for.as_deref() != Some(&**access) {
        // Expires every statement this connection prepared under the previous grant.
        conn.sqlite.authorizer(Some(access.clone().authorizer(conn.denied.clone()))).map_err(io)?;
        conn.authorized_for = Some(access.clone());
    }
    let denied = conn.denied.clone();
    *denied.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let deadline = limits.deadline;
    conn.sqlite.progress_handler(1000, Some(move || Instant::now() >= deadline)).map_err(io)?;
    let result = match params {
        Params::Batch => {
            let _writer = conn.sqlite.is_autocommit().then(|| db.write_lock());
            conn.sqlite.execute_batch(sql).map(|_| QueryResult::default()).map_err(|e| classify(e, &denied))
        }
        Params::Bound(params) => query(db, &conn.sqlite, sql, params, false, limits, &denied),
        Params::Read(params) => query(db, &conn.sqlite, sql, params, true, limits, &denied),
    };
    conn.sqlite.progress_handler(0, None::<fn() -> bool>).map_err(io)?;
    db.count_busy(&result);
    result
}

/// Runs on a blocking thread: [`Session::read_snapshot`].
fn read_snapshot(
    db: &Database,
    conn: &mut Conn,
    access: &Arc<Access>,
    statements: &[(String, Vec<Value>)],
    limits: ExecLimits,
) -> Result<Vec<QueryResult<PackedRows>>, (Option<usize>, SqlError)> {
    // A deferred BEGIN takes no lock; the first read starts the snapshot, COMMIT ends it.
    let began = conn.sqlite.is_autocommit();
    if began {
        conn.sqlite.execute_batch("BEGIN").map_err(|e| (None, io(e)))?;
    }
    let mut results = Vec::with_capacity(statements.len());
    let mut spent = 0;
    let mut outcome = Ok(());
    for (i, (sql, params)) in statements.iter().enumerate() {
        let left = ExecLimits { max_result_bytes: limits.max_result_bytes.saturating_sub(spent), ..limits };
        match run::<PackedRows>(db, conn, access, sql, Params::Read(params), left) {
            Ok(result) => {
                spent += result.result_bytes;
                results.push(result);
            }
            Err(e) => {
                outcome = Err((Some(i), e));
                break;
            }
        }
    }
    if began {
        let end = if outcome.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = conn.sqlite.execute_batch(end) {
            outcome = outcome.and(Err((None, io(e))));
        }
    }
    outcome.map(|()| results)
}

fn query<R: RowSink>(
    db: &Database,
    conn: &Connection,
    sql: &str,
    params: &[Value],
    read_only: bool,
    limits: ExecLimits,
    denied: &Arc<Mutex<Option<String>>>,
) -> Result<QueryResult<R>, SqlError> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| classify(e, denied))?;
    if read_only && !stmt.readonly() {
        return Err(SqlError::Invalid("the statement could write; only statements that read may run here".into()));
    }
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(SqlError::Invalid(format!("the statement has {expected} parameter(s), {} given", params.len())));
    }
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
    // One writer at a time (see the module docs); inside an explicit transaction SQLite's own
    // lock already orders writers, and holding ours across calls is impossible.
    let _writer = (!stmt.readonly() && conn.is_autocommit()).then(|| db.write_lock());
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter())).map_err(|e| classify(e, denied))?;
    let mut out = R::default();
    let mut bytes = 0usize;
    while let Some(row) = rows.next().map_err(|e| classify(e, denied))? {
        out.begin_row(columns.len());
        for i in 0..columns.len() {
            let value = row.get_ref(i).map_err(|e| classify(e, denied))?;
            bytes += 16 + match value {
                ValueRef::Text(b) | ValueRef::Blob(b) => b.len(),
                _ => 0,
            };
            out.add_value(value);
        }
        if bytes > limits.max_result_bytes {
            return Err(SqlError::TooLarge(format!(
                "the rows exceed {} bytes, the mount's limit; select fewer rows (LIMIT/OFFSET) or columns",
                limits.max_result_bytes
            )));
        }
    }
    drop(rows);
    Ok(QueryResult { columns, rows: out, changes: conn.changes(), last_insert_rowid: conn.last_insert_rowid(), result_bytes: bytes })
}

fn io(e: rusqlite::Error) -> SqlError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => SqlError::Full(e.to_string()),
        _ => SqlError::Io(e.to_string()),
    }
}

/// Maps SQLite's error to what the plugin may learn and act on.
fn classify(e: rusqlite::Error, denied: &Mutex<Option<String>>) -> SqlError {
    use rusqlite::ErrorCode;
    let reason = denied.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(reason) = reason {
        return SqlError::AccessDenied(reason);
    }
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let text = msg.clone().unwrap_or_else(|| f.to_string());
            match f.code {
                ErrorCode::AuthorizationForStatementDenied => SqlError::AccessDenied(text),
                ErrorCode::ConstraintViolation => SqlError::Constraint(text),
                ErrorCode::OperationInterrupted => SqlError::Timeout,
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => SqlError::Busy,
                ErrorCode::DiskFull => SqlError::Full(text),
                ErrorCode::ReadOnly => SqlError::AccessDenied(text),
                ErrorCode::Unknown | ErrorCode::ApiMisuse | ErrorCode::TooBig | ErrorCode::ParameterOutOfRange => SqlError::Invalid(text),
                _ => SqlError::Io(text),
            }
        }
        rusqlite::Error::SqlInputError { msg, offset, .. } => SqlError::Invalid(format!("{msg} (at offset {offset})")),
        rusqlite::Error::MultipleStatement => {
            SqlError::Invalid("one statement per execute; use execute-batch for several".into())
        }
        rusqlite::Error::InvalidParameterCount(..) | rusqlite::Error::InvalidColumnType(..) => SqlError::Invalid(e.to_string()),
        _ => SqlError::Io(e.to_string()),
    }
}
