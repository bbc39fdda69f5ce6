//! Reading rows without letting one bad value stop the render.
//!
//! SQLite stores whatever it is given, whatever a column's declared type: a blob in a text column,
//! text that is not UTF-8, `5.5` in an integer column. The schema's rules keep such values out of
//! new writes, but a database written before them, or by hand, may hold them. So rows are read
//! as [`Cell`]s, which never fail, and each value is checked where it is used ([`At::text`],
//! [`At::int`]): a bad one makes its row an [`Unrenderable`], which the renderer skips and reports,
//! instead of an error that would stop every other row from reaching Asterisk.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Params};

use super::syntax::{At, Unrenderable};

/// One value as SQLite stored it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// UTF-8 text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// NULL.
    Null,
    /// A blob of this many bytes.
    Blob(usize),
    /// Text that is not UTF-8, shown with replacement characters.
    NotUtf8(String),
}

impl Cell {
    fn read(value: ValueRef<'_>) -> Cell {
        match value {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(n) => Cell::Int(n),
            ValueRef::Real(x) => Cell::Real(x),
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(s) => Cell::Text(s.to_string()),
                Err(_) => Cell::NotUtf8(String::from_utf8_lossy(t).into_owned()),
            },
            ValueRef::Blob(b) => Cell::Blob(b.len()),
        }
    }

    /// The value as it is shown in a report (and as a row's key).
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(s) | Cell::NotUtf8(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Real(x) => x.to_string(),
            Cell::Null => "NULL".into(),
            Cell::Blob(n) => format!("<{n}-byte blob>"),
        }
    }
}

/// Every row of `sql` (with `params`), each as its cells; an error only when the statement
/// itself fails (a missing table), never because of a value.
pub fn rows(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<Vec<Vec<Cell>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let width = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        out.push((0..width).map(|i| row.get_ref(i).map(Cell::read)).collect::<rusqlite::Result<_>>()?);
    }
    Ok(out)
}

impl At<'_> {
    /// `cell` as text: a text column's value. Integers and reals are their decimal text (SQLite
    /// gives a text column a number only through a cast); NULL, blobs and text that is not UTF-8
    /// make the row unrenderable.
    pub fn text(self, column: &'static str, cell: &Cell) -> Result<String, Unrenderable> {
        match cell {
            Cell::Text(s) => Ok(s.clone()),
            Cell::Int(n) => Ok(n.to_string()),
            Cell::Real(x) => Ok(x.to_string()),
            Cell::Null => Err(self.bad(column, cell, "is NULL")),
            Cell::Blob(_) => Err(self.bad(column, cell, "holds a blob, not text")),
            Cell::NotUtf8(_) => Err(self.bad(column, cell, "is not UTF-8 text")),
        }
    }

    /// `cell` as a whole number: an integer column's value; anything else makes the row
    /// unrenderable.
    pub fn int(self, column: &'static str, cell: &Cell) -> Result<i64, Unrenderable> {
        match cell {
            Cell::Int(n) => Ok(*n),
            _ => Err(self.bad(column, cell, "is not a whole number")),
        }
    }

    fn bad(self, column: &'static str, cell: &Cell, problem: &'static str) -> Unrenderable {
        Unrenderable { table: self.table, key: self.key.to_string(), column, value: cell.shown(), problem }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_values_are_read_and_refused_where_used() {
        let conn = Connection::open_in_memory().unwrap();
        let cells = rows(&conn, "SELECT 'a', 7, 7.5, NULL, x'0001', CAST(x'ff41' AS TEXT)", []).unwrap().remove(0);
        let at = At::new("t", "k");
        assert_eq!(at.text("c", &cells[0]).unwrap(), "a");
        assert_eq!(at.int("c", &cells[1]).unwrap(), 7);
        assert_eq!(at.int("c", &cells[2]).unwrap_err().problem, "is not a whole number");
        assert_eq!(at.text("c", &cells[3]).unwrap_err().problem, "is NULL");
        let blob = at.text("c", &cells[4]).unwrap_err();
        assert_eq!((blob.problem, blob.value.as_str()), ("holds a blob, not text", "<2-byte blob>"));
        assert_eq!(at.text("c", &cells[5]).unwrap_err().problem, "is not UTF-8 text");
    }
}
