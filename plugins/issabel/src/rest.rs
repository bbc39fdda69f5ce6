//! What every pbxapi resource shares (the original's `rest` class): `{"results":[…]}` with the
//! `fields` selection, `Location` for created items, the lowest-free-number choice for POST, the
//! in-order comma DELETE, and apply-changes after a write unless `reload` says not to.
//!
//! Every write is all or nothing: its statements run in one transaction, so an error answer
//! (a refused field, a database refusal, a conflict) has changed nothing and a client may retry it
//! without making a duplicate; once the transaction commits, the answer is the success, and
//! apply-changes cannot turn it into an error (see [`apply_if_wanted`]).

use std::borrow::Cow;
use std::fmt::Write as _;

use switchboard_sdk::pbx;
use switchboard_sdk::php_json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Value};

use crate::input::{self, Input};

/// One field's value: text (borrowed from the row it was read from where possible), a number, or
/// a list of text.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// A JSON string.
    Text(Cow<'a, str>),
    /// A JSON number.
    Int(i64),
    /// A JSON list of strings (borrowed from the rows they were read from where possible).
    List(Vec<Cow<'a, str>>),
}

impl<'a> From<Cow<'a, str>> for FieldValue<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        FieldValue::Text(text)
    }
}

impl<'a> From<&'a str> for FieldValue<'a> {
    fn from(text: &'a str) -> Self {
        FieldValue::Text(Cow::Borrowed(text))
    }
}

impl From<String> for FieldValue<'_> {
    fn from(text: String) -> Self {
        FieldValue::Text(Cow::Owned(text))
    }
}

impl FieldValue<'_> {
    fn write(&self, out: &mut String) {
        match self {
            FieldValue::Text(text) => php_json::write_str(out, text),
            FieldValue::Int(n) => {
                let _ = write!(out, "{n}");
            }
            FieldValue::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    php_json::write_str(out, item);
                }
                out.push(']');
            }
        }
    }
}

/// One item as `(key, value)` pairs in alphabetical key order (the API document's order).
pub type Record<'a> = Vec<(&'static str, FieldValue<'a>)>;

/// The keys a GET shows: the resource's default keys, every key for `fields=*`, or the default keys
/// plus the named ones for `fields=a,b` (unknown names are ignored, as the original ignored them).
pub struct Selection<'a> {
    defaults: &'a [&'a str],
    extra: Vec<&'a str>,
    all: bool,
}

impl<'a> Selection<'a> {
    /// The selection of a request's `fields` parameter.
    pub fn new(fields: Option<&'a str>, defaults: &'a [&'a str]) -> Self {
        let extra: Vec<&str> = fields.map(|f| f.split(',').map(str::trim).collect()).unwrap_or_default();
        Selection { defaults, all: extra.contains(&"*"), extra }
    }

    fn shows(&self, key: &str) -> bool {
        self.all || self.defaults.contains(&key) || self.extra.contains(&key)
    }

    /// Appends each record's selected fields as a JSON object, written as PHP writes it, with commas
    /// between them. Records of one resource share a shape (the same keys in the same order), so
    /// which keys show, and their escaped `"key":` text, are worked out once per shape, not per record.
    pub fn write_all<'r>(&self, out: &mut String, records: impl Iterator<Item = Record<'r>>) {
        // Per key of the current shape: the key, and its `"key":` text when it shows.
        let mut shape: Vec<(&'static str, Option<String>)> = Vec::new();
        for (i, record) in records.enumerate() {
            if i > 0 {
                out.push(',');
            }
            let same_shape = shape.len() == record.len() && shape.iter().zip(&record).all(|((a, _), (b, _))| std::ptr::eq(*a, *b));
            if !same_shape {
                shape = record.iter().map(|(k, _)| (*k, self.shows(k).then(|| member_prefix(k)))).collect();
            }
            out.push('{');
            let mut first = true;
            for ((_, prefix), (_, value)) in shape.iter().zip(&record) {
                let Some(prefix) = prefix else { continue };
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(prefix);
                value.write(out);
            }
            out.push('}');
        }
    }
}

/// `"key":`, escaped as PHP escapes it.
fn member_prefix(key: &str) -> String {
    let mut prefix = String::new();
    php_json::write_str(&mut prefix, key);
    prefix.push(':');
    prefix
}

/// `{"results":[…]}` of `records` with the request's `fields` selection, written straight into
/// the answer's buffer (a 500-extension list is 60 KB; building a tree first cost more than SQL).
pub fn results<'a>(req: &Request, records: impl IntoIterator<Item = Record<'a>>, defaults: &[&str]) -> Response {
    let query = req.query();
    let selection = Selection::new(query.get("fields"), defaults);
    let records = records.into_iter();
    let mut out = String::with_capacity(16 + 128 * records.size_hint().0);
    out.push_str(r#"{"results":["#);
    selection.write_all(&mut out, records);
    out.push_str("]}");
    Response::bytes("application/json", out)
}

/// The absolute URL of item `id` of the collection at `collection_path` (as the original's
/// `REALM`): scheme from `X-Forwarded-Proto` (a TLS proxy in front) or `http`, host from `Host`.
pub fn location(req: &Request, collection_path: &str, id: &str) -> String {
    let scheme = match req.header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    let host = req.header("host").unwrap_or("localhost");
    format!("{scheme}://{host}{}/{id}", collection_path.trim_end_matches('/'))
}

/// Every number a new extension or ring group must not take: extensions, ring groups and queues
/// (the original's `alldestinations` view).
const TAKEN: &str = "SELECT number FROM extensions UNION SELECT number FROM ring_groups UNION SELECT name FROM queues";

/// Whether `number` is already an extension, ring group or queue.
pub fn is_taken(db: &Connection, number: &str) -> Result<bool, Error> {
    let sql = format!("SELECT 1 FROM ({TAKEN}) WHERE number = ? LIMIT 1");
    Ok(!db.query(&sql, &[number.into()])?.rows().is_empty())
}

/// The lowest free number above the smallest number of `own_numbers_sql`'s rows (100, 101, 103 →
/// 102), skipping every taken destination; `initial` (or the first free number after it) when the
/// table has none. Run it inside the write transaction that inserts, so two POSTs cannot both pick it.
pub fn next_number(db: &Connection, own_numbers_sql: &str, initial: u64) -> Result<String, Error> {
    let numeric = |rows: &[sqlite::Row]| -> Vec<u64> { rows.iter().filter_map(|r| r.text(0).parse().ok()).collect() };
    let own = numeric(db.query(own_numbers_sql, &[])?.rows());
    let taken: std::collections::HashSet<u64> = numeric(db.query(TAKEN, &[])?.rows()).into_iter().collect();
    let mut candidate = own.iter().min().map_or(initial, |lowest| lowest + 1);
    while taken.contains(&candidate) {
        candidate += 1;
    }
    Ok(candidate.to_string())
}

/// After a committed change: apply it to the PBX unless the body said `reload` false/0. The change
/// is durable, so the answer stays the success whatever the apply says: a change the PBX cannot
/// take yet is logged and applied by the next apply-changes that succeeds.
pub fn apply_if_wanted(input: &Input) {
    if input::wants_reload(input) {
        pbx::apply_after_commit();
    }
}

/// Before a write that will be applied: refuses it (403 `apply_denied`, 503 `apply_not_configured`)
/// when this mount may not apply at all, so the request changes nothing rather than answering
/// success for a change that could never reach the PBX. A body with `reload` false needs no apply.
pub fn check_apply_if_wanted(input: &Input) -> Result<(), Error> {
    if input::wants_reload(input) {
        pbx::can_apply()?;
    }
    Ok(())
}

/// `INSERT INTO {table} (number, …)`: the columns come from the resource's static field table,
/// the values are bound.
pub fn insert_row(tx: &Connection, table: &str, number: &str, columns: Vec<(&'static str, Value)>) -> Result<(), Error> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let sql = format!("INSERT INTO {table} (number, {}) VALUES (?{})", names.join(", "), ", ?".repeat(names.len()));
    let mut params: Vec<Value> = vec![number.into()];
    params.extend(columns.into_iter().map(|(_, v)| v));
    tx.query(&sql, &params)?;
    Ok(())
}

/// `UPDATE {table} SET …` of the columns sent (nothing when none were).
pub fn update_row(tx: &Connection, table: &str, number: &str, columns: &[(&'static str, Value)]) -> Result<(), Error> {
    if columns.is_empty() {
        return Ok(());
    }
    let sets: Vec<String> = columns.iter().map(|(c, _)| format!("{c} = ?")).collect();
    let mut params: Vec<Value> = columns.iter().map(|(_, v)| v.clone()).collect();
    params.push(number.into());
    tx.query(&format!("UPDATE {table} SET {} WHERE number = ?", sets.join(", ")), &params)?;
    Ok(())
}

/// POST: in one write transaction, picks the next free number (see [`next_number`]) and runs
/// `insert` with it; applies the change; answers 201, empty, with the new item's `Location`.
pub fn create(
    req: &Request,
    body: &Input,
    own_numbers_sql: &str,
    initial: u64,
    insert: impl FnOnce(&Connection, &str) -> Result<(), Error>,
) -> Result<Response, Error> {
    check_apply_if_wanted(body)?;
    let number = sqlite::open("pbx")?.transaction(|tx| {
        let number = next_number(tx, own_numbers_sql, initial)?;
        insert(tx, &number)?;
        Ok::<_, Error>(number)
    })?;
    apply_if_wanted(body);
    Ok(Response::empty(201).header("location", location(req, req.path(), &number)))
}

/// The `{id}` of a PUT: a number, else 422.
pub fn put_id(req: &Request) -> Result<String, Error> {
    let id = req.param("id").unwrap_or_default();
    if !input::is_number(id) {
        return Err(input::invalid(format!("{id:?} is not a number")));
    }
    Ok(id.to_string())
}

/// PUT: in one write transaction, `update` when `exists`, else `insert` unless another kind of
/// destination has the number (409); applies the change; answers 201 + `Location` (the request's
/// own URL) when it created the item, else 200.
pub fn upsert(
    req: &Request,
    body: &Input,
    id: &str,
    exists: impl FnOnce(&Connection, &str) -> Result<bool, Error>,
    update: impl FnOnce(&Connection) -> Result<(), Error>,
    insert: impl FnOnce(&Connection) -> Result<(), Error>,
) -> Result<Response, Error> {
    check_apply_if_wanted(body)?;
    let created = sqlite::open("pbx")?.transaction(|tx| {
        if exists(tx, id)? {
            update(tx)?;
            return Ok::<_, Error>(false);
        }
        if is_taken(tx, id)? {
            return Err(Error::conflict(format!("{id} is already another extension, ring group or queue")));
        }
        insert(tx)?;
        Ok(true)
    })?;
    apply_if_wanted(body);
    if created {
        let collection = req.path().rsplit_once('/').map_or("", |(c, _)| c);
        Ok(Response::empty(201).header("location", location(req, collection, id)))
    } else {
        Ok(Response::empty(200))
    }
}

/// The ids of a `DELETE /resource/a,b,c`, in order.
pub fn id_list(ids: &str) -> Vec<&str> {
    ids.split(',').collect()
}

/// The original's comma DELETE: ids in order, each deleted; at the first unknown one it stops with
/// 404, and the ones before it stay deleted. Changes are applied when anything was deleted, even
/// when the answer is 404 (the original left the PBX behind its database there).
pub fn delete_in_order(
    req: &Request,
    ids: &str,
    exists: impl Fn(&Connection, &str) -> Result<bool, Error>,
    delete: impl Fn(&Connection, &str) -> Result<(), Error>,
) -> Result<Response, Error> {
    let body = input::parse(req)?;
    check_apply_if_wanted(&body)?;
    let (deleted, complete) = sqlite::open("pbx")?.transaction(|tx| {
        let mut deleted = 0;
        for id in id_list(ids) {
            if !exists(tx, id)? {
                return Ok::<_, Error>((deleted, false));
            }
            delete(tx, id)?;
            deleted += 1;
        }
        Ok((deleted, true))
    })?;
    if deleted > 0 {
        apply_if_wanted(&body);
    }
    Ok(Response::empty(if complete { 200 } else { 404 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record<'static> {
        vec![("a", "1".into()), ("b", FieldValue::Int(2)), ("c", "3/".into()), ("d", FieldValue::List(vec!["x".into(), "y\"".into()]))]
    }

    fn select(fields: Option<&str>) -> String {
        let mut out = String::new();
        Selection::new(fields, &["a"]).write_all(&mut out, std::iter::once(record()));
        out
    }

    #[test]
    fn fields_select_keys_in_record_order() {
        assert_eq!(select(None), r#"{"a":"1"}"#);
        assert_eq!(select(Some("*")), r#"{"a":"1","b":2,"c":"3\/","d":["x","y\""]}"#);
        assert_eq!(select(Some("c,nope")), r#"{"a":"1","c":"3\/"}"#);
        assert_eq!(select(Some("")), r#"{"a":"1"}"#);
    }

    #[test]
    fn many_records_select_as_each_one_would() {
        let other: Record<'static> = vec![("b", FieldValue::Int(5)), ("a", "2".into())];
        for fields in [None, Some("*"), Some("b")] {
            let selection = Selection::new(fields, &["a"]);
            let records = [record(), record(), other.clone(), record()];
            let mut one_by_one = String::new();
            for (i, r) in records.iter().enumerate() {
                if i > 0 {
                    one_by_one.push(',');
                }
                selection.write_all(&mut one_by_one, std::iter::once(r.clone()));
            }
            let mut all = String::new();
            selection.write_all(&mut all, records.into_iter());
            assert_eq!(all, one_by_one, "{fields:?}");
        }
    }

    #[test]
    fn location_is_absolute() {
        let req = Request::new("POST", "/pbxapi/extensions").with_header("host", "pbx.example:8080");
        assert_eq!(location(&req, "/pbxapi/extensions", "1003"), "http://pbx.example:8080/pbxapi/extensions/1003");
        let req = req.with_header("x-forwarded-proto", "https");
        assert_eq!(location(&req, "/pbxapi/extensions/", "7"), "https://pbx.example:8080/pbxapi/extensions/7");
        assert_eq!(id_list("1005,1006"), ["1005", "1006"]);
    }
}
