//! Where a statement's rows go as they are stepped: a `Value` per column ([`ValueRows`], for the
//! WIT `execute`) or one packed buffer ([`PackedRows`], for `execute-packed`, in the encoding
//! `wit/sqlite.wit` documents), so that a plugin reading many rows costs no allocation per value.

use rusqlite::types::{Value, ValueRef};

/// Receives the values of a statement's rows, in order.
pub trait RowSink: Default + Send + 'static {
    /// Starts the next row.
    fn begin_row(&mut self, columns: usize);
    /// Adds one value to the current row.
    fn add_value(&mut self, value: ValueRef<'_>);
}

/// Rows as owned values.
pub type ValueRows = Vec<Vec<Value>>;

impl RowSink for ValueRows {
    fn begin_row(&mut self, columns: usize) {
        self.push(Vec::with_capacity(columns));
    }

    fn add_value(&mut self, value: ValueRef<'_>) {
        if let Some(row) = self.last_mut() {
            row.push(match value {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Integer(i),
                ValueRef::Real(f) => Value::Real(f),
                ValueRef::Text(bytes) => Value::Text(String::from_utf8_lossy(bytes).into_owned()),
                ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
            });
        }
    }
}

/// Rows packed into one buffer: per value a tag byte (0 null, 1 integer, 2 real, 3 text, 4 blob)
/// and its payload (8-byte little-endian numbers; text and blobs as a u32 little-endian length and
/// the bytes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackedRows {
    /// How many rows `data` holds.
    pub count: u32,
    /// The encoded values.
    pub data: Vec<u8>,
}

impl RowSink for PackedRows {
    fn begin_row(&mut self, _columns: usize) {
        self.count += 1;
    }

    fn add_value(&mut self, value: ValueRef<'_>) {
        let data = &mut self.data;
        match value {
            ValueRef::Null => data.push(0),
            ValueRef::Integer(i) => {
                data.push(1);
                data.extend_from_slice(&i.to_le_bytes());
            }
            ValueRef::Real(f) => {
                data.push(2);
                data.extend_from_slice(&f.to_le_bytes());
            }
            // Text that is not UTF-8 (SQLite stores what it is given) arrives with U+FFFD in place
            // of bad bytes, as `execute` answers it.
            ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
                Ok(_) => push_bytes(data, 3, bytes),
                Err(_) => push_bytes(data, 3, String::from_utf8_lossy(bytes).as_bytes()),
            },
            ValueRef::Blob(bytes) => push_bytes(data, 4, bytes),
        }
    }
}

fn push_bytes(data: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    // SQLite caps a value at 1 GB (SQLITE_MAX_LENGTH), so the length fits a u32.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    data.push(tag);
    data.extend_from_slice(&len.to_le_bytes());
    data.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_each_kind_as_the_wit_documents() {
        let mut rows = PackedRows::default();
        rows.begin_row(5);
        for v in [ValueRef::Null, ValueRef::Integer(-2), ValueRef::Real(1.5), ValueRef::Text(b"h\xc3\xa9"), ValueRef::Blob(&[7])] {
            rows.add_value(v);
        }
        let mut want = vec![0u8, 1];
        want.extend_from_slice(&(-2i64).to_le_bytes());
        want.push(2);
        want.extend_from_slice(&1.5f64.to_le_bytes());
        want.extend_from_slice(&[3, 3, 0, 0, 0, b'h', 0xc3, 0xa9, 4, 1, 0, 0, 0, 7]);
        assert_eq!(rows, PackedRows { count: 1, data: want });
    }
}
