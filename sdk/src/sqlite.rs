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
//!     let (number, name) = (row.str(0), row.str(1)); // borrowed from the answer, no copies
//! }
//! db.transaction(|tx| {
//!     tx.query("INSERT INTO extensions (number, name, secret) VALUES (?, ?, ?)", &["1099".into(), "Ada".into(), "s3cret".into()])?;
//!     tx.query("INSERT INTO voicemail (mailbox, fullname) VALUES (?, ?)", &["1099".into(), "Ada".into()])?;
//!     Ok::<_, switchboard_sdk::Error>(())
//! })?;
//! # Ok(()) }
//! ```
//!
//! [`Connection::query`] reads the rows through `execute-packed`: they cross the sandbox as one
//! buffer and [`Row::str`] borrows from it, so a list of a thousand rows costs a copy, not an
//! allocation per value on each side. ([`Connection::execute`], the raw WIT call, still answers a
//! [`QueryResult`] of owned values.)
//!
//! Errors convert into [`crate::Error`] with fitting statuses: not granted or denied → 403, a value
//! the schema refuses (its rules, a CHECK, a NOT NULL; see [`crate::schema`]) → 422, another
//! constraint violation (a duplicate key, a missing parent row) → 409, busy → 503, timeout → 504,
//! the disk holding the database full → 507 `storage_full` (the write had no effect; reads still
//! work), the rest → 500. A refused write is a client's mistake, never a server error, and the statement
//! had no effect.

use std::borrow::Cow;
use std::rc::Rc;

pub use crate::bindings::switchboard::pbx::sqlite::{Error as SqliteError, PackedResult, QueryResult, RowResult, Statement, Value};
/// A connection to one database (the WIT resource `connection`).
#[cfg(target_family = "wasm")]
pub use crate::bindings::switchboard::pbx::sqlite::Connection;
/// Natively, the test double's connection: in-memory databases the installed
/// [`testing::Host`](crate::testing::Host) holds, with the WIT resource's methods.
#[cfg(not(target_family = "wasm"))]
pub use crate::testing::sqlite::Connection;

/// Opens `"pbx"` or `"own"`.
pub fn open(database: &str) -> Result<Connection, SqliteError> {
    Connection::open(database)
}

impl Connection {
    /// Runs one statement with bound parameters (`?` placeholders, in order).
    pub fn query(&self, statement: &str, parameters: &[Value]) -> Result<Rows, SqliteError> {
        Ok(Rows::from_packed(self.execute_packed(statement, parameters)?))
    }

    /// Runs statements that only read (`?` placeholders bound from each one's values) in one
    /// read transaction and one trip to the host (`read-snapshot`): they see the same snapshot of
    /// the database, whatever other requests commit meanwhile, and cost one hand-over to the
    /// database's thread instead of one each. Answers each one's rows, in order. A statement that
    /// could write fails the call (`invalid-statement`, naming it: `statement 2: …`).
    ///
    /// ```no_run
    /// # use switchboard_sdk::sqlite::{self, Value};
    /// # fn main() -> Result<(), switchboard_sdk::Error> {
    /// let db = sqlite::open("pbx")?;
    /// let [groups, members] = <[_; 2]>::try_from(db.query_snapshot(&[
    ///     ("SELECT number, name FROM ring_groups ORDER BY number", &[]),
    ///     ("SELECT group_number, destination FROM ring_group_members ORDER BY group_number, position", &[]),
    /// ])?)
    /// .expect("one answer per statement");
    /// # Ok(()) }
    /// ```
    pub fn query_snapshot(&self, statements: &[(&str, &[Value])]) -> Result<Vec<Rows>, SqliteError> {
        let statements: Vec<Statement> =
            statements.iter().map(|(sql, parameters)| Statement { sql: sql.to_string(), parameters: parameters.to_vec() }).collect();
        Ok(self.read_snapshot(&statements)?.into_iter().map(Rows::from_packed).collect())
    }

    /// Runs `f` inside `BEGIN IMMEDIATE` … `COMMIT`; rolls back when `f` fails. `IMMEDIATE` takes
    /// the write lock up front, so two transactions never deadlock upgrading a read to a write.
    pub fn transaction<T, E: From<SqliteError>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        self.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(value) => match self.execute_batch("COMMIT") {
                Ok(()) => Ok(value),
                Err(e) => {
                    // A COMMIT that failed (the disk full, say) may leave the transaction open;
                    // end it so nothing of it can be committed later on this connection.
                    let _ = self.execute_batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Err(e) => {
                let _ = self.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// Packs owned rows into the `packed-result` encoding (see the WIT's `packed-result`).
pub(crate) fn pack(columns: Vec<String>, rows: &[Vec<Value>]) -> PackedResult {
    let mut data = Vec::new();
    for value in rows.iter().flatten() {
        match value {
            Value::Null => data.push(0),
            Value::Integer(i) => {
                data.push(1);
                data.extend_from_slice(&i.to_le_bytes());
            }
            Value::Real(f) => {
                data.push(2);
                data.extend_from_slice(&f.to_le_bytes());
            }
            Value::Text(t) => {
                data.push(3);
                data.extend_from_slice(&(t.len() as u32).to_le_bytes());
                data.extend_from_slice(t.as_bytes());
            }
            Value::Blob(b) => {
                data.push(4);
                data.extend_from_slice(&(b.len() as u32).to_le_bytes());
                data.extend_from_slice(b);
            }
        }
    }
    PackedResult { columns, row_count: rows.len() as u32, data }
}

/// The rows of one statement, as [`Connection::query`] answers them: decoded from the packed
/// buffer `execute-packed` returns, values borrowed from it.
#[derive(Debug, Clone)]
pub struct Rows {
    columns: Vec<String>,
    rows: Vec<Row>,
}

/// The packed buffer and where each value sits in it, shared by the rows of one answer.
#[derive(Debug)]
struct Packed {
    data: Vec<u8>,
    slots: Vec<Slot>,
    width: usize,
}

/// One value's place in [`Packed::data`]. A `Text` span is UTF-8 (see [`decode`]), so reading it
/// is a slice, never a check or a copy.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Null,
    Integer(i64),
    Real(f64),
    Text(u32, u32),
    Blob(u32, u32),
}

/// One row of [`Rows`]. Cheap to clone (it shares the answer's buffer).
#[derive(Debug, Clone)]
pub struct Row {
    packed: Rc<Packed>,
    index: usize,
}

/// A value borrowed from a [`Row`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// `INTEGER`.
    Integer(i64),
    /// `REAL`.
    Real(f64),
    /// `TEXT`.
    Text(&'a str),
    /// `BLOB`.
    Blob(&'a [u8]),
    /// `NULL`.
    Null,
}

/// Reads the slots of `data` as the WIT `packed-result` documents it; a malformed buffer (which
/// the host never sends) ends the decoding where it breaks.
///
/// Text is not checked for UTF-8 again in release builds: the WIT promises UTF-8 (the host checks
/// it natively and replaces what SQLite stored otherwise), and the plugin already relies on the
/// host for that with every `string` the bindings lift (`wit-bindgen`'s `string_lift` checks only
/// under `debug_assertions`, as here). The check in wasm was 3% of a 500-row list.
///
/// Tags are tested with `if`s, text first, not a `match`: a `match` compiles to a jump table, and
/// its indirect jump per value was one of the hottest spots of a 500-row list in the plugin.
fn decode(data: &[u8], values: usize) -> Vec<Slot> {
    fn bytes<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
        data.get(at..at + N)?.try_into().ok()
    }
    let mut slots = Vec::with_capacity(values);
    let mut at = 0;
    while slots.len() < values {
        let Some(&tag) = data.get(at) else { break };
        at += 1;
        let slot = if tag == 3 || tag == 4 {
            let Some(len) = bytes::<4>(data, at).map(u32::from_le_bytes) else { break };
            let start = at + 4;
            let Some(value) = data.get(start..start + len as usize) else { break };
            at = start + len as usize;
            if tag == 4 {
                Slot::Blob(start as u32, len)
            } else if !cfg!(debug_assertions) || std::str::from_utf8(value).is_ok() {
                Slot::Text(start as u32, len)
            } else {
                break;
            }
        } else if tag == 1 || tag == 2 {
            let Some(raw) = bytes::<8>(data, at) else { break };
            at += 8;
            if tag == 1 { Slot::Integer(i64::from_le_bytes(raw)) } else { Slot::Real(f64::from_le_bytes(raw)) }
        } else if tag == 0 {
            Slot::Null
        } else {
            break;
        };
        slots.push(slot);
    }
    slots
}

impl Packed {
    /// The text of a `Text` slot's span.
    #[inline]
    fn text(&self, start: u32, len: u32) -> &str {
        let bytes = &self.data[start as usize..(start + len) as usize];
        // SAFETY: `decode` makes a `Text` slot only for a span of a text value, which the WIT
        // promises is UTF-8 (checked in debug builds, see `decode`), and `data` never changes
        // after decoding.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }
}

impl Rows {
    /// Decodes an `execute-packed` answer.
    pub fn from_packed(result: PackedResult) -> Rows {
        let width = result.columns.len();
        let count = result.row_count as usize;
        let slots = decode(&result.data, count.saturating_mul(width));
        // A row whose values did not all decode is left out rather than read short.
        let complete = slots.len().checked_div(width).unwrap_or(count);
        let packed = Rc::new(Packed { data: result.data, slots, width });
        Rows { columns: result.columns, rows: (0..complete).map(|index| Row { packed: packed.clone(), index }).collect() }
    }

    /// Rows of owned values (tests, and plugins that build rows themselves).
    pub fn from_values(columns: Vec<String>, rows: Vec<Vec<Value>>) -> Rows {
        Rows::from_packed(pack(columns, &rows))
    }

    /// The rows.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Each row as a JSON object keyed by column name, in column order; integers and reals as
    /// numbers, text as strings, NULL as null, blobs as arrays of bytes.
    pub fn to_json(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        self.rows.iter().map(|row| self.columns.iter().cloned().zip(row.values().map(|v| v.to_json())).collect()).collect()
    }
}

impl Row {
    /// Where column `i`'s value sits, if the row has that column.
    #[inline]
    fn slot(&self, i: usize) -> Option<Slot> {
        let packed = &*self.packed;
        (i < packed.width).then(|| packed.slots[self.index * packed.width + i])
    }

    /// Column `i`, if present.
    pub fn get(&self, i: usize) -> Option<ValueRef<'_>> {
        let packed = &*self.packed;
        let span = |start: u32, len: u32| start as usize..(start + len) as usize;
        Some(match self.slot(i)? {
            Slot::Null => ValueRef::Null,
            Slot::Integer(n) => ValueRef::Integer(n),
            Slot::Real(f) => ValueRef::Real(f),
            Slot::Text(start, len) => ValueRef::Text(packed.text(start, len)),
            Slot::Blob(start, len) => ValueRef::Blob(&packed.data[span(start, len)]),
        })
    }

    /// The row's values, in column order.
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'_>> {
        (0..self.packed.width).filter_map(|i| self.get(i))
    }

    /// Column `i` as text without copying it: text as is, numbers formatted, NULL and blobs as `""`.
    #[inline]
    pub fn str(&self, i: usize) -> Cow<'_, str> {
        // Text, by far the most common, is read inline, without going through `get`'s `match` (a
        // jump table in wasm; see `decode`).
        if let Some(Slot::Text(start, len)) = self.slot(i) {
            return Cow::Borrowed(self.packed.text(start, len));
        }
        self.str_of_other(i)
    }

    /// [`Row::str`] of a value that is not text.
    #[inline(never)]
    fn str_of_other(&self, i: usize) -> Cow<'_, str> {
        match self.get(i) {
            Some(ValueRef::Text(s)) => Cow::Borrowed(s),
            Some(ValueRef::Integer(n)) => Cow::Owned(n.to_string()),
            Some(ValueRef::Real(f)) => Cow::Owned(f.to_string()),
            _ => Cow::Borrowed(""),
        }
    }

    /// Column `i` as an owned `String` (see [`Row::str`]).
    pub fn text(&self, i: usize) -> String {
        self.str(i).into_owned()
    }

    /// Column `i` as an integer (text that parses counts); `None` otherwise.
    pub fn int(&self, i: usize) -> Option<i64> {
        match self.get(i)? {
            ValueRef::Integer(n) => Some(n),
            ValueRef::Real(f) => Some(f as i64),
            ValueRef::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl ValueRef<'_> {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_owned().to_json()
    }

    /// The value, owned.
    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Integer(n) => Value::Integer(n),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(s.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            ValueRef::Null => Value::Null,
        }
    }
}

impl QueryResult {
    /// The rows of an `execute` answer.
    pub fn rows(&self) -> &[RowResult] {
        &self.rows
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
            SqliteError::ConstraintViolation(why) if is_refused_value(&why) => crate::Error::new(422, "invalid_value", why),
            SqliteError::ConstraintViolation(why) => crate::Error::new(409, "conflict", why),
            SqliteError::InvalidStatement(why) => crate::Error::new(500, "sqlite_invalid_statement", why),
            SqliteError::TooLarge(why) => crate::Error::new(500, "sqlite_too_large", why),
            SqliteError::Timeout => crate::Error::new(504, "sqlite_timeout", "the query ran past the request's deadline"),
            SqliteError::Busy => crate::Error::new(503, "sqlite_busy", "the database is busy; retry"),
            SqliteError::Io(why) if why.starts_with(STORAGE_FULL) => crate::Error::new(507, "storage_full", why),
            SqliteError::Io(why) => crate::Error::new(500, "sqlite_error", why),
        }
    }
}

/// How the host's `io` error text starts when the disk holding the database is full: the write
/// was rolled back, reads still work, and it may succeed once space is freed (507 `storage_full`).
pub const STORAGE_FULL: &str = "storage full: ";

/// Whether a constraint violation refused the value itself (a schema rule, a CHECK, a NOT NULL)
/// rather than its relation to other rows (a duplicate key, a missing parent).
fn is_refused_value(message: &str) -> bool {
    crate::schema::Refusal::parse(message).is_some()
        || message.contains("CHECK constraint failed")
        || message.contains("NOT NULL constraint failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_values_are_422_and_clashes_409() {
        let status = |why: &str| crate::Error::from(SqliteError::ConstraintViolation(why.into())).status();
        assert_eq!(status("extensions.callerid: holds a line break or another control character"), 422);
        assert_eq!(status("CHECK constraint failed: ring_time BETWEEN 0 AND 300"), 422);
        assert_eq!(status("NOT NULL constraint failed: inbound_routes.destination"), 422);
        assert_eq!(status("UNIQUE constraint failed: extensions.number"), 409);
        assert_eq!(status("FOREIGN KEY constraint failed"), 409);
    }

    fn sample() -> Rows {
        Rows::from_values(
            vec!["n".into(), "name".into(), "r".into(), "b".into(), "z".into()],
            vec![
                vec![Value::Integer(1001), "Zoë".into(), Value::Real(2.5), Value::Blob(vec![1, 2]), Value::Null],
                vec![Value::Text(" 42 ".into()), "".into(), Value::Null, Value::Blob(vec![]), Value::Integer(-1)],
            ],
        )
    }

    #[test]
    fn decodes_every_kind_borrowing_text() {
        let rows = sample();
        assert_eq!(rows.rows().len(), 2);
        let first = &rows.rows()[0];
        assert_eq!(first.get(0), Some(ValueRef::Integer(1001)));
        assert!(matches!(first.str(1), Cow::Borrowed("Zoë")));
        assert_eq!(first.get(2), Some(ValueRef::Real(2.5)));
        assert_eq!(first.get(3), Some(ValueRef::Blob(&[1, 2])));
        assert_eq!(first.get(4), Some(ValueRef::Null));
        assert_eq!(first.get(5), None);
        assert_eq!((first.text(0), first.text(2), first.text(3)), ("1001".to_string(), "2.5".to_string(), String::new()));
        let second = &rows.rows()[1];
        assert_eq!((second.int(0), second.int(2), second.int(4)), (Some(42), None, Some(-1)));
        assert_eq!(rows.column("r"), Some(2));
        assert_eq!(rows.to_json()[0]["name"], serde_json::json!("Zoë"));
        assert_eq!(rows.to_json()[1]["b"], serde_json::json!([]));
    }

    #[test]
    fn a_truncated_or_malformed_buffer_drops_the_incomplete_rows() {
        let whole = sample();
        let mut packed = PackedResult { columns: whole.columns().to_vec(), row_count: 2, data: Vec::new() };
        let full = Rows::from_values(vec!["a".into()], vec![vec!["x".into()], vec!["y".into()]]);
        assert_eq!(full.rows().len(), 2);
        // Text that claims more bytes than there are.
        packed.columns = vec!["a".into()];
        packed.data = vec![3, 1, 0, 0, 0, b'x', 3, 9, 0, 0, 0, b'y'];
        assert_eq!(Rows::from_packed(packed.clone()).rows().len(), 1);
        // Text that is not UTF-8 breaks the WIT's promise; debug builds catch it (release builds
        // trust the host, as the generated bindings do for every `string`).
        if cfg!(debug_assertions) {
            packed.data = vec![3, 1, 0, 0, 0, b'x', 3, 1, 0, 0, 0, 0xff];
            assert_eq!(Rows::from_packed(packed.clone()).rows().len(), 1);
        }
        packed.data = vec![9];
        assert!(Rows::from_packed(packed).rows().is_empty());
    }
}
