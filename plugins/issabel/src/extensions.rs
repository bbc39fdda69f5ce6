//! `/extensions`: rows of the shared `extensions` table (the host's triggers keep the PJSIP
//! endpoint, auth and AOR rows in step), listed as the seed lists them.

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Row, Value};

use crate::input::{self, Field, Kind};
use crate::rest::{self, FieldValue, Record};

/// The keys of the default view.
const DEFAULTS: [&str; 5] = ["dial", "extension", "name", "secret", "tech"];
/// The number POST gives when there is no extension yet (the original's `rest` default).
const INITIAL: u64 = 200;
const RECORDING: &[&str] = &["always", "dontcare", "never"];

/// The writable fields: the seed's, plus `secret` and `tech` (the seed's PUT example sets `secret`).
const FIELDS: [Field; 9] = [
    Field { name: "name", column: "name", kind: Kind::Text(100) },
    Field { name: "secret", column: "secret", kind: Kind::Text(80) },
    Field { name: "tech", column: "technology", kind: Kind::OneOf(&["pjsip", "sip"]) },
    Field { name: "ringtimer", column: "ring_time", kind: Kind::Int(0, 300) },
    Field { name: "voicemail", column: "voicemail", kind: Kind::OneOf(&["novm", "default"]) },
    Field { name: "recording_in_internal", column: "recording_in_internal", kind: Kind::OneOf(RECORDING) },
    Field { name: "recording_in_external", column: "recording_in_external", kind: Kind::OneOf(RECORDING) },
    Field { name: "recording_out_internal", column: "recording_out_internal", kind: Kind::OneOf(RECORDING) },
    Field { name: "recording_out_external", column: "recording_out_external", kind: Kind::OneOf(RECORDING) },
];

/// The default view's columns come first, so [`SELECT_DEFAULT`] rows read the same way.
const SELECT: &str = "SELECT number, name, secret, technology, context, callerid, outbound_cid, voicemail, ring_time, \
    recording_in_external, recording_in_internal, recording_ondemand, recording_out_external, recording_out_internal FROM extensions";
/// Only what the default view shows: a quarter of the values to carry across the sqlite interface
/// for the 500-extension list (measured in `benches/issabel.rs`).
const SELECT_DEFAULT: &str = "SELECT number, name, secret, technology FROM extensions";
const ORDER: &str = " ORDER BY CAST(number AS INTEGER), number";

/// `SIP/1000`, `PJSIP/1000`, `IAX2/1000`…: what the original's `devices.dial` held.
fn dial(technology: &str, number: &str) -> String {
    let mut dial = String::with_capacity(technology.len() + 1 + number.len());
    match technology {
        "sip" => dial.push_str("SIP"),
        "pjsip" => dial.push_str("PJSIP"),
        other => dial.extend(other.chars().map(|c| c.to_ascii_uppercase())),
    }
    dial.push('/');
    dial.push_str(number);
    dial
}

/// One row of [`SELECT_DEFAULT`]: the default view.
fn default_record(row: &Row) -> Record<'_> {
    let number = row.str(0);
    vec![
        ("dial", dial(&row.str(3), &number).into()),
        ("extension", number.into()),
        ("name", row.str(1).into()),
        ("secret", row.str(2).into()),
        ("tech", row.str(3).into()),
    ]
}

/// Every field of one row of [`SELECT`], alphabetically, values as strings as MySQL returned them.
fn record(row: &Row) -> Record<'_> {
    let t = |i| FieldValue::from(row.str(i));
    let number = row.str(0);
    vec![
        ("callerid", t(5)),
        ("context", t(4)),
        ("dial", dial(&row.str(3), &number).into()),
        ("extension", number.into()),
        ("name", t(1)),
        ("outbound_cid", t(6)),
        ("recording_in_external", t(9)),
        ("recording_in_internal", t(10)),
        ("recording_ondemand", t(11)),
        ("recording_out_external", t(12)),
        ("recording_out_internal", t(13)),
        ("ringtimer", t(8)),
        ("secret", t(2)),
        ("tech", t(3)),
        ("voicemail", t(7)),
    ]
}

/// `GET /extensions` and `GET /extensions/{id}` (`id` given): an unknown one is 200 with an
/// empty list. Without `fields` only the default view's columns are read.
fn show(req: &Request, id: Option<&str>) -> Result<Response, Error> {
    let (select, to_record): (&str, for<'r> fn(&'r Row) -> Record<'r>) =
        if req.query().contains("fields") { (SELECT, record) } else { (SELECT_DEFAULT, default_record) };
    let db = sqlite::open("pbx")?;
    let rows = match id {
        Some(id) => db.query(&format!("{select} WHERE number = ?"), &[id.into()])?,
        None => db.query(&format!("{select}{ORDER}"), &[])?,
    };
    Ok(rest::results(req, rows.rows().iter().map(to_record), &DEFAULTS))
}

/// `GET /extensions`.
pub fn list(req: &Request) -> Result<Response, Error> {
    show(req, None)
}

/// `GET /extensions/{id}`.
pub fn get(req: &Request) -> Result<Response, Error> {
    show(req, req.param("id"))
}

fn exists(db: &Connection, number: &str) -> Result<bool, Error> {
    Ok(!db.query("SELECT 1 FROM extensions WHERE number = ?", &[number.into()])?.rows().is_empty())
}

/// A random SIP password for an extension created without one (the original generated one too).
fn random_secret() -> String {
    let bytes = switchboard_sdk::bindings::wasi::random::random::get_random_bytes(16);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn insert(tx: &Connection, number: &str, mut columns: Vec<(&'static str, Value)>) -> Result<(), Error> {
    if !columns.iter().any(|(c, _)| *c == "secret") {
        columns.push(("secret", random_secret().into()));
    }
    if !columns.iter().any(|(c, _)| *c == "name") {
        columns.push(("name", number.into()));
    }
    rest::insert_row(tx, "extensions", number, columns)
}

/// `POST /extensions`: the next free number, 201 with `Location`.
pub fn create(req: &Request) -> Result<Response, Error> {
    let body = input::parse(req)?;
    let columns = input::columns(&body, &FIELDS)?;
    rest::create(req, &body, "SELECT number FROM extensions", INITIAL, |tx, number| insert(tx, number, columns))
}

/// `PUT /extensions/{id}`: creates it (201 + `Location`) or updates the fields sent (200).
pub fn put(req: &Request) -> Result<Response, Error> {
    let id = rest::put_id(req)?;
    let body = input::parse(req)?;
    let columns = input::columns(&body, &FIELDS)?;
    rest::upsert(req, &body, &id, exists, |tx| rest::update_row(tx, "extensions", &id, &columns), |tx| insert(tx, &id, columns.clone()))
}

/// `DELETE /extensions/a,b,c` (device options, follow-me and voicemail rows go with them).
pub fn delete(req: &Request) -> Result<Response, Error> {
    rest::delete_in_order(req, req.param("id").unwrap_or_default(), exists, |tx, id| {
        tx.query("DELETE FROM extensions WHERE number = ?", &[id.into()])?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_view_is_the_full_records_subset() {
        let columns = ["number", "name", "secret", "technology"].map(String::from).to_vec();
        let rows = sqlite::Rows::from_values(columns, vec![["1000", "Antonio", "pw", "sip"].map(|v| Value::Text(v.into())).to_vec()]);
        let row = &rows.rows()[0];
        let keys: Vec<&str> = default_record(row).iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, DEFAULTS);
        let mut out = String::new();
        rest::Selection::new(None, &DEFAULTS).write_all(&mut out, std::iter::once(default_record(row)));
        assert_eq!(out, r#"{"dial":"SIP\/1000","extension":"1000","name":"Antonio","secret":"pw","tech":"sip"}"#);
    }

    #[test]
    fn dial_strings_name_the_driver() {
        assert_eq!(dial("sip", "1000"), "SIP/1000");
        assert_eq!(dial("pjsip", "1000"), "PJSIP/1000");
        assert_eq!(dial("iax2", "7"), "IAX2/7");
    }

    #[test]
    fn the_writable_fields_follow_the_seed() {
        let body = serde_json::json!({"name": "Some Name", "voicemail": "novm", "ringtimer": "30"});
        let cols = input::columns(body.as_object().unwrap(), &FIELDS).unwrap();
        assert_eq!(format!("{cols:?}"), format!("{:?}", vec![("name", Value::Text("Some Name".into())), ("ring_time", Value::Integer(30)), ("voicemail", Value::Text("novm".into()))]));
        for bad in [serde_json::json!({"recording_in_external": "sometimes"}), serde_json::json!({"tech": "skype"}), serde_json::json!({"ringtimer": 301})] {
            assert_eq!(input::columns(bad.as_object().unwrap(), &FIELDS).unwrap_err().status(), 422, "{bad}");
        }
    }
}
