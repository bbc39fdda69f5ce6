//! The `sqlite` double: `own` and `pbx` as in-memory SQLite databases (the same engine the host
//! runs, through rusqlite), behind a [`Connection`] with the methods of the WIT resource, so a
//! handler's SQL runs natively unchanged.

use std::cell::RefCell;
use std::rc::Rc;

use crate::sqlite::{PackedResult, QueryResult, RowResult, SqliteError, Statement, Value};

/// One in-memory database of a test's [`Host`](super::Host).
pub(crate) struct Database {
    conn: RefCell<rusqlite::Connection>,
}

impl Database {
    /// A fresh in-memory database with `schema` run on it.
    pub(crate) fn in_memory(schema: &str) -> rusqlite::Result<Database> {
        let conn = rusqlite::Connection::open_in_memory()?;
        conn.execute_batch(schema)?;
        Ok(Database { conn: RefCell::new(conn) })
    }

    pub(crate) fn execute(&self, sql: &str, parameters: &[Value]) -> Result<QueryResult, SqliteError> {
        let conn = self.conn.borrow();
        let mut statement = conn.prepare(sql).map_err(error)?;
        let columns: Vec<String> = statement.column_names().into_iter().map(str::to_string).collect();
        let bound = parameters.iter().map(to_sql).collect::<Vec<_>>();
        let mut rows = statement.query(rusqlite::params_from_iter(bound.iter())).map_err(error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(error)? {
            let values = (0..columns.len()).map(|i| row.get_ref(i).map(from_sql).map_err(error)).collect::<Result<_, _>>()?;
            out.push(RowResult { values });
        }
        Ok(QueryResult { columns, rows: out })
    }

    fn execute_batch(&self, sql: &str) -> Result<(), SqliteError> {
        self.conn.borrow().execute_batch(sql).map_err(error)
    }

    fn changes(&self) -> u64 {
        self.conn.borrow().changes()
    }

    fn last_insert_rowid(&self) -> i64 {
        self.conn.borrow().last_insert_rowid()
    }
}

/// A connection to one of the test's databases, with the WIT resource's methods.
pub struct Connection {
    database: Rc<Database>,
}

impl Connection {
    /// Opens `pbx` or `own`: `no-such-database` unless the installed [`Host`](super::Host) has it.
    pub fn open(database: &str) -> Result<Connection, SqliteError> {
        let found = super::with_state(|s| s.databases.get(database).cloned())
            .unwrap_or_else(|| panic!("{}", super::NOT_INSTALLED))
            .ok_or_else(|| SqliteError::NoSuchDatabase(format!("no {database} database: give it with testing::Host::{database}_database")))?;
        Ok(Connection { database: found })
    }

    /// Runs one statement with its parameters.
    pub fn execute(&self, statement: &str, parameters: &[Value]) -> Result<QueryResult, SqliteError> {
        self.database.execute(statement, parameters)
    }

    /// Runs one statement, answering its rows packed into one buffer.
    pub fn execute_packed(&self, statement: &str, parameters: &[Value]) -> Result<PackedResult, SqliteError> {
        let result = self.execute(statement, parameters)?;
        let rows: Vec<Vec<Value>> = result.rows.into_iter().map(|r| r.values).collect();
        Ok(crate::sqlite::pack(result.columns, &rows))
    }

    /// Runs read-only statements in one read transaction (or in the open one).
    pub fn read_snapshot(&self, statements: &[Statement]) -> Result<Vec<PackedResult>, SqliteError> {
        statements
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let readonly = self.database.conn.borrow().prepare(&s.sql).map(|st| st.readonly()).map_err(error)?;
                if !readonly {
                    return Err(SqliteError::InvalidStatement(format!("statement {}: it could write", i + 1)));
                }
                self.execute_packed(&s.sql, &s.parameters).map_err(|e| match e {
                    SqliteError::InvalidStatement(why) => SqliteError::InvalidStatement(format!("statement {}: {why}", i + 1)),
                    other => other,
                })
            })
            .collect()
    }

    /// Runs several `;`-separated statements without parameters.
    pub fn execute_batch(&self, statements: &str) -> Result<(), SqliteError> {
        self.database.execute_batch(statements)
    }

    /// Rows changed by the last statement.
    pub fn changes(&self) -> u64 {
        self.database.changes()
    }

    /// The rowid of the last successful INSERT.
    pub fn last_insert_rowid(&self) -> i64 {
        self.database.last_insert_rowid()
    }
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Integer(i) => V::Integer(*i),
        Value::Real(f) => V::Real(*f),
        Value::Text(t) => V::Text(t.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
        Value::Null => V::Null,
    }
}

fn from_sql(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match value {
        V::Null => Value::Null,
        V::Integer(i) => Value::Integer(i),
        V::Real(f) => Value::Real(f),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// The WIT error a host would answer for `e`.
fn error(e: rusqlite::Error) -> SqliteError {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::ConstraintViolation => SqliteError::ConstraintViolation(e.to_string()),
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => SqliteError::Busy,
            _ => SqliteError::InvalidStatement(e.to_string()),
        },
        rusqlite::Error::SqlInputError { .. } | rusqlite::Error::InvalidParameterCount(..) | rusqlite::Error::MultipleStatement => {
            SqliteError::InvalidStatement(e.to_string())
        }
        _ => SqliteError::Io(e.to_string()),
    }
}
