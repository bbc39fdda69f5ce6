//! SQL on the host's databases (WIT `switchboard:pbx/sqlite`): the shared `pbx` model of the PBX
//! and the plugin's own private database.
//!
//! Needs `grants.sqlite` on the mount. Tables and columns of `pbx` are documented in
//! `wit/pbx-schema.md`. Values are always bound, never spliced into SQL:
//!
//! ```no_run
//! use switchboard_sdk::sqlite::{self, Value};
//!
//! # fn main() -> Result<(), switchboard_sdk::Error> {
//! let db = sqlite::open("pbx")?;
//! let result = db.query("SELECT number, name FROM extensions WHERE number LIKE ? ORDER BY number", &["10%".into()])?;
//! for row in result.rows() {
//!     let (number, name) = (row.text(0), row.text(1));
//! }
//! db.transaction(|tx| {
//!     tx.query("INSERT INTO extensions (number, name, secret) VALUES (?, ?, ?)", &["1099".into(), "Ada".into(), "s3cret".into()])?;
//!     tx.query("INSERT INTO voicemail (mailbox, fullname) VALUES (?, ?)", &["1099".into(), "Ada".into()])?;
//!     Ok::<_, switchboard_sdk::Error>(())
//! })?;
//! # Ok(()) }
//! ```
//!
//! Errors convert into [`crate::Error`] with fitting statuses: not granted or denied → 403,
//! constraint violation → 409, busy → 503, timeout → 504, the rest → 500.

pub use crate::bindings::switchboard::pbx::sqlite::{Connection, Error as SqliteError, QueryResult, RowResult, Value};

/// Opens `"pbx"` or `"own"`.
pub fn open(database: &str) -> Result<Connection, SqliteError> {
    Connection::open(database)
}

impl Connection {
    /// Runs one statement with bound parameters (`?` placeholders, in order).
    pub fn query(&self, statement: &str, parameters: &[Value]) -> Result<QueryResult, SqliteError> {
        self.execute(statement, parameters)
    }

    /// Runs `f` inside `BEGIN IMMEDIATE` … `COMMIT`; rolls back when `f` fails. `IMMEDIATE` takes
    /// the write lock up front, so two transactions never deadlock upgrading a read to a write.
    pub fn transaction<T, E: From<SqliteError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        self.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(value) => {
                self.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

impl QueryResult {
    /// The rows.
    pub fn rows(&self) -> &[RowResult] {
        &self.rows
    }

    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Each row as a JSON object keyed by column name, in column order; integers and reals as
    /// numbers, text as strings, NULL as null, blobs as arrays of bytes.
    pub fn to_json(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        self.rows
            .iter()
            .map(|row| self.columns.iter().cloned().zip(row.values.iter().map(Value::to_json)).collect())
            .collect()
    }
}

impl RowResult {
    /// Column `i` as text: text as is, numbers formatted, NULL and blobs as `""`.
    pub fn text(&self, i: usize) -> String {
        match self.values.get(i) {
            Some(Value::Text(s)) => s.clone(),
            Some(Value::Integer(n)) => n.to_string(),
            Some(Value::Real(f)) => f.to_string(),
            _ => String::new(),
        }
    }

    /// Column `i` as an integer (text that parses counts); `None` otherwise.
    pub fn int(&self, i: usize) -> Option<i64> {
        match self.values.get(i) {
            Some(Value::Integer(n)) => Some(*n),
            Some(Value::Real(f)) => Some(*f as i64),
            Some(Value::Text(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Column `i`, if present.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i)
    }
}

impl Value {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Integer(n) => (*n).into(),
            Value::Real(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Text(s) => s.clone().into(),
            Value::Blob(b) => b.clone().into(),
            Value::Null => serde_json::Value::Null,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Integer(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Integer(n.into())
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Integer(n.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Integer(b.into())
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Real(f)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Blob(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<SqliteError> for crate::Error {
    fn from(error: SqliteError) -> Self {
        match error {
            SqliteError::NoSuchDatabase(why) => crate::Error::new(403, "sqlite_not_granted", why),
            SqliteError::AccessDenied(why) => crate::Error::new(403, "sqlite_denied", why),
            SqliteError::InvalidConnection => crate::Error::new(500, "sqlite_invalid_connection", "the database connection was lost"),
            SqliteError::ConstraintViolation(why) => crate::Error::new(409, "conflict", why),
            SqliteError::InvalidStatement(why) => crate::Error::new(500, "sqlite_invalid_statement", why),
            SqliteError::TooLarge(why) => crate::Error::new(500, "sqlite_too_large", why),
            SqliteError::Timeout => crate::Error::new(504, "sqlite_timeout", "the query ran past the request's deadline"),
            SqliteError::Busy => crate::Error::new(503, "sqlite_busy", "the database is busy; retry"),
            SqliteError::Io(why) => crate::Error::new(500, "sqlite_error", why),
        }
    }
}
