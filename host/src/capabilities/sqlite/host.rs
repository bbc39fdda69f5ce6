//! The `sqlite` interface's host side, under the mount's grant (enforced by the authorizer in
//! `store::access`).
//!
//! A `connection` resource holds one pooled connection for as long as the plugin keeps it (at
//! most the request): a transaction spans calls on it, and is rolled back if the request ends
//! with it open.

use std::sync::Arc;

use rusqlite::types::Value as SqlValue;
use wasmtime::component::{HasSelf, Resource};

use super::{PbxAccess, SqliteGrant};
use crate::capabilities::Capability;
use crate::capabilities::bindings::sqlite::{self as wit, Error, Host, HostConnection, PackedResult, QueryResult, RowResult, Statement, Value};
use crate::metrics::Denial;
use crate::runtime::InstanceState;

/// `sqlite`, lent by `grants.sqlite` (`pbx`, `own`, or both).
pub(crate) const CAPABILITY: Capability = Capability {
    interfaces: &["switchboard:pbx/sqlite"],
    grant: Some("sqlite"),
    granted: super::granted,
    link: Some(|linker| wit::add_to_linker::<InstanceState, HasSelf<InstanceState>>(linker, |s| s)),
};
use crate::store::{Access, ExecLimits, PackedRows, RowSink, Session, SqlError, TableSet, ValueRows};

/// An open connection, as the plugin's `connection` resource.
pub struct Connection {
    session: Session,
    access: Arc<Access>,
    changes: u64,
    last_insert_rowid: i64,
}

/// The authorizer policies a mount's `grants.sqlite` gives, computed once per mount.
#[derive(Debug, Clone, Default)]
pub struct SqlitePolicies {
    /// For `pbx`, when granted.
    pub pbx: Option<Arc<Access>>,
    /// For `own`, when granted.
    pub own: Option<Arc<Access>>,
}

impl SqlitePolicies {
    /// The policies of a grant.
    pub fn new(grant: &SqliteGrant) -> Self {
        let pbx = grant.pbx.as_ref().map(|access| {
            Arc::new(match access {
                PbxAccess::ReadOnly => Access::pbx_read_only(),
                PbxAccess::ReadWrite => Access::pbx_read_write(),
                PbxAccess::Tables { read, write } => Access::pbx_tables(
                    TableSet::from_names(read.iter().map(String::as_str)),
                    TableSet::from_names(write.iter().map(String::as_str)),
                ),
            })
        });
        SqlitePolicies { pbx, own: grant.own.then(|| Arc::new(Access::own())) }
    }
}

/// How an `io` error's text starts when the disk holding the database is full (the SDK's
/// `sqlite::STORAGE_FULL`; `wit/sqlite.wit` documents it).
pub const STORAGE_FULL: &str = "storage full: ";

impl From<SqlError> for Error {
    fn from(e: SqlError) -> Self {
        match e {
            SqlError::AccessDenied(why) => Error::AccessDenied(why),
            SqlError::Constraint(why) => Error::ConstraintViolation(why),
            SqlError::Invalid(why) => Error::InvalidStatement(why),
            SqlError::TooLarge(why) => Error::TooLarge(why),
            SqlError::Timeout => Error::Timeout,
            SqlError::Busy => Error::Busy,
            // The WIT `io` case, its text marked so the SDK answers 507 `storage_full`.
            SqlError::Full(why) => Error::Io(format!("{STORAGE_FULL}{why}")),
            SqlError::Io(why) => Error::Io(why),
        }
    }
}

/// `error` with the position of the statement it came from (from 1) in front of its text, when
/// it came from one.
fn numbered(index: Option<usize>, error: Error) -> Error {
    let Some(n) = index.map(|i| i + 1) else { return error };
    match error {
        Error::AccessDenied(why) => Error::AccessDenied(format!("statement {n}: {why}")),
        Error::ConstraintViolation(why) => Error::ConstraintViolation(format!("statement {n}: {why}")),
        Error::InvalidStatement(why) => Error::InvalidStatement(format!("statement {n}: {why}")),
        Error::TooLarge(why) => Error::TooLarge(format!("statement {n}: {why}")),
        Error::Io(why) => match why.strip_prefix(STORAGE_FULL) {
            Some(rest) => Error::Io(format!("{STORAGE_FULL}statement {n}: {rest}")),
            None => Error::Io(format!("statement {n}: {why}")),
        },
        other => other,
    }
}

fn to_sql(value: Value) -> SqlValue {
    match value {
        Value::Integer(i) => SqlValue::Integer(i),
        Value::Real(f) => SqlValue::Real(f),
        Value::Text(s) => SqlValue::Text(s),
        Value::Blob(b) => SqlValue::Blob(b),
        Value::Null => SqlValue::Null,
    }
}

fn from_sql(value: SqlValue) -> Value {
    match value {
        SqlValue::Integer(i) => Value::Integer(i),
        SqlValue::Real(f) => Value::Real(f),
        SqlValue::Text(s) => Value::Text(s),
        SqlValue::Blob(b) => Value::Blob(b),
        SqlValue::Null => Value::Null,
    }
}

impl InstanceState {
    fn exec_limits(&self) -> ExecLimits {
        ExecLimits { deadline: self.deadline, max_result_bytes: usize::try_from(self.mount.limits.memory_bytes).unwrap_or(usize::MAX) }
    }

    /// `error`, recorded first among the host's recent failures when it is a refusal: a database
    /// the mount does not grant, or a statement its `grants.sqlite` policy does not allow.
    fn denied_sql(&self, error: Error) -> Error {
        if let Error::AccessDenied(why) | Error::NoSuchDatabase(why) = &error {
            self.denied(Denial::Sqlite, why);
        }
        error
    }

    fn source(&self) -> Arc<str> {
        self.mount.route.clone()
    }

    fn connection(&mut self, handle: &Resource<Connection>) -> Result<&mut Connection, Error> {
        self.table().get_mut(handle).map_err(|_| Error::InvalidConnection)
    }

    /// Runs one statement on the plugin's connection, its rows gathered into `R`.
    async fn run<R: RowSink>(&mut self, handle: &Resource<Connection>, statement: String, parameters: Vec<Value>) -> Result<(Vec<String>, R), Error> {
        let (limits, source) = (self.exec_limits(), self.source());
        let conn = self.connection(handle)?;
        let params = parameters.into_iter().map(to_sql).collect();
        let result = conn.session.execute::<R>(conn.access.clone(), statement, params, limits, source).await;
        let result = result.map_err(|e| self.denied_sql(e.into()))?;
        let conn = self.connection(handle)?;
        conn.changes = result.changes;
        conn.last_insert_rowid = result.last_insert_rowid;
        Ok((result.columns, result.rows))
    }
}

impl HostConnection for InstanceState {
    async fn open(&mut self, database: String) -> Result<Resource<Connection>, Error> {
        let services = &self.mount.services;
        let Some(store) = services.store.clone() else {
            return Err(Error::NoSuchDatabase("this host has no [store] configured".into()));
        };
        let (db, access) = match database.as_str() {
            "pbx" => match &self.mount.sqlite.pbx {
                Some(access) => (store.pbx().clone(), access.clone()),
                None => return Err(self.denied_sql(Error::NoSuchDatabase("`pbx` is not granted to this mount (grants.sqlite.pbx)".into()))),
            },
            "own" => match &self.mount.sqlite.own {
                Some(access) => {
                    let Some(file) = self.mount.own_data.clone() else {
                        return Err(Error::NoSuchDatabase("this mount has no private database bound".into()));
                    };
                    // Opening (creating) the file blocks; only the first request of a plugin does it.
                    let db = match store.own_if_open(&file) {
                        Some(db) => db,
                        None => tokio::task::spawn_blocking(move || store.own(&file))
                            .await
                            .map_err(|e| Error::Io(e.to_string()))?
                            .map_err(|e| Error::Io(format!("{e:#}")))?,
                    };
                    (db, access.clone())
                }
                None => return Err(self.denied_sql(Error::NoSuchDatabase("`own` is not granted to this mount (grants.sqlite.own = true)".into()))),
            },
            other => return Err(Error::NoSuchDatabase(format!("no database `{other}`: open `pbx` or `own`"))),
        };
        let session = db.checkout(self.deadline).await?;
        let connection = Connection { session, access, changes: 0, last_insert_rowid: 0 };
        self.table().push(connection).map_err(|e| Error::Io(format!("too many open resources: {e}")))
    }

    async fn execute(&mut self, handle: Resource<Connection>, statement: String, parameters: Vec<Value>) -> Result<QueryResult, Error> {
        let (columns, rows) = self.run::<ValueRows>(&handle, statement, parameters).await?;
        Ok(QueryResult { columns, rows: rows.into_iter().map(|values| RowResult { values: values.into_iter().map(from_sql).collect() }).collect() })
    }

    async fn execute_packed(&mut self, handle: Resource<Connection>, statement: String, parameters: Vec<Value>) -> Result<PackedResult, Error> {
        let (columns, PackedRows { count, data }) = self.run::<PackedRows>(&handle, statement, parameters).await?;
        Ok(PackedResult { columns, row_count: count, data })
    }

    async fn read_snapshot(&mut self, handle: Resource<Connection>, statements: Vec<Statement>) -> Result<Vec<PackedResult>, Error> {
        let limits = self.exec_limits();
        let conn = self.connection(&handle)?;
        let statements = statements.into_iter().map(|s| (s.sql, s.parameters.into_iter().map(to_sql).collect())).collect();
        let results = conn.session.read_snapshot(conn.access.clone(), statements, limits).await;
        let results = results.map_err(|(i, e)| self.denied_sql(numbered(i, e.into())))?;
        Ok(results.into_iter().map(|r| PackedResult { columns: r.columns, row_count: r.rows.count, data: r.rows.data }).collect())
    }

    async fn execute_batch(&mut self, handle: Resource<Connection>, statements: String) -> Result<(), Error> {
        let (limits, source) = (self.exec_limits(), self.source());
        let conn = self.connection(&handle)?;
        let done = conn.session.execute_batch(conn.access.clone(), statements, limits, source).await;
        done.map_err(|e| self.denied_sql(e.into()))
    }

    fn changes(&mut self, handle: Resource<Connection>) -> u64 {
        self.connection(&handle).map_or(0, |c| c.changes)
    }

    fn last_insert_rowid(&mut self, handle: Resource<Connection>) -> i64 {
        self.connection(&handle).map_or(0, |c| c.last_insert_rowid)
    }

    fn drop(&mut self, handle: Resource<Connection>) -> wasmtime::Result<()> {
        // Dropping the session returns the connection to its pool (rolling back an open transaction).
        self.table().delete(handle)?;
        Ok(())
    }
}

impl Host for InstanceState {}
