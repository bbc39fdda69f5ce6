//! `/extensions`: rows of the shared `extensions` table (the host's triggers keep the PJSIP
//! endpoint, auth and AOR rows in step), listed as the API document lists them.

use switchboard_sdk::php_json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Row, Value};

use crate::input::{self, Field, Kind};
use crate::rest::{self, FieldValue, Record};

/// The keys of the default view.
const DEFAULTS: [&str; 5] = ["dial", "extension", "name", "secret", "tech"];
/// The number POST gives when there is no extension yet (the original's `rest` default).
const INITIAL: u64 = 200;
const RECORDING: &[&str] = &["always", "dontcare", "never"];

/// The writable fields: the API document's, plus `secret` and `tech` (the API document's PUT example sets `secret`).
pub(crate) const FIELDS: [Field; 9] = [
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
    push_driver(&mut dial, technology);
    dial.push('/');
    dial.push_str(number);
    dial
}

/// `SIP`, `PJSIP`, `IAX2`…: the channel driver of a technology.
fn push_driver(out: &mut String, technology: &str) {
    match technology {
        "sip" => out.push_str("SIP"),
        "pjsip" => out.push_str("PJSIP"),
        other => out.extend(other.chars().map(|c| c.to_ascii_uppercase())),
    }
}

/// Rows of [`SELECT_DEFAULT`] as `{"results":[…]}` in the default view, written straight from each
/// row: the bytes `rest::results` writes for the same keys of full [`record`]s (a test holds them
/// equal), without a record, a `dial` string and their allocations per row, which were a fifth of
/// the plugin's time for the 500-extension list. `dial` is written in pieces around its escaped
/// `/`, not built and then escaped.
fn default_list(rows: &[Row]) -> Response {
    let mut out = String::with_capacity(16 + 128 * rows.len());
    let mut driver = String::new();
    out.push_str(r#"{"results":["#);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (number, technology) = (row.str(0), row.str(3));
        driver.clear();
        push_driver(&mut driver, &technology);
        out.push_str(r#"{"dial":""#);
        php_json::push_escaped(&mut out, &driver);
        out.push_str("\\/");
        php_json::push_escaped(&mut out, &number);
        out.push_str(r#"","extension":"#);
        php_json::write_str(&mut out, &number);
        out.push_str(r#","name":"#);
        php_json::write_str(&mut out, &row.str(1));
        out.push_str(r#","secret":"#);
        php_json::write_str(&mut out, &row.str(2));
        out.push_str(r#","tech":"#);
        php_json::write_str(&mut out, &technology);
        out.push('}');
    }
    out.push_str("]}");
    Response::bytes("application/json", out)
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
    let full = req.query().contains("fields");
    let select = if full { SELECT } else { SELECT_DEFAULT };
    let db = sqlite::open("pbx")?;
    let rows = match id {
        Some(id) => db.query(&format!("{select} WHERE number = ?"), &[id.into()])?,
        None => db.query(&format!("{select}{ORDER}"), &[])?,
    };
    Ok(if full { rest::results(req, rows.rows().iter().map(record), &DEFAULTS) } else { default_list(rows.rows()) })
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
    let columns = input::columns(&body, "extensions", &FIELDS)?;
    rest::create(req, &body, "SELECT number FROM extensions", INITIAL, |tx, number| insert(tx, number, columns))
}

/// `PUT /extensions/{id}`: creates it (201 + `Location`) or updates the fields sent (200).
pub fn put(req: &Request) -> Result<Response, Error> {
    let id = rest::put_id(req)?;
    let body = input::parse(req)?;
    let columns = input::columns(&body, "extensions", &FIELDS)?;
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

    /// The default view written straight from rows is what the generic writer makes of full
    /// records with the default keys, byte for byte, escapes included.
    #[test]
    fn the_default_view_is_the_full_records_subset() {
        let people = [["1000", "Antonio", "pw", "sip"], ["1001", "Zoë \"Z\" / Ünal", "a\\b", "pjsip"], ["7", "", "", "iax2"]];
        let text = |v: &str| Value::Text(v.into());
        let short = sqlite::Rows::from_values(
            ["number", "name", "secret", "technology"].map(String::from).to_vec(),
            people.iter().map(|p| p.map(text).to_vec()).collect(),
        );
        let full_columns = SELECT.trim_start_matches("SELECT ").split(" FROM").next().unwrap().split(", ").map(String::from).collect();
        let full = sqlite::Rows::from_values(
            full_columns,
            people
                .iter()
                .map(|[number, name, secret, tech]| {
                    let mut row = vec![text(number), text(name), text(secret), text(tech)];
                    row.extend(["from-internal", "", "", "novm"].map(text));
                    row.push(Value::Integer(0));
                    row.extend(["dontcare", "dontcare", "disabled", "dontcare", "dontcare"].map(text));
                    row
                })
                .collect(),
        );
        let generic = rest::results(&Request::new("GET", "/extensions"), full.rows().iter().map(record), &DEFAULTS);
        let direct = default_list(short.rows());
        assert_eq!(direct.body_bytes(), generic.body_bytes());
        assert!(String::from_utf8_lossy(direct.body_bytes().unwrap()).starts_with(
            r#"{"results":[{"dial":"SIP\/1000","extension":"1000","name":"Antonio","secret":"pw","tech":"sip"},{"dial":"PJSIP\/1001","extension":"1001","name":"Zo\u00eb \"Z\" \/ \u00dcnal","secret":"a\\b","#
        ));
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
        let cols = input::columns(body.as_object().unwrap(), "extensions", &FIELDS).unwrap();
        assert_eq!(format!("{cols:?}"), format!("{:?}", vec![("name", Value::Text("Some Name".into())), ("ring_time", Value::Integer(30)), ("voicemail", Value::Text("novm".into()))]));
        for bad in [serde_json::json!({"recording_in_external": "sometimes"}), serde_json::json!({"tech": "skype"}), serde_json::json!({"ringtimer": 301})] {
            assert_eq!(input::columns(bad.as_object().unwrap(), "extensions", &FIELDS).unwrap_err().status(), 422, "{bad}");
        }
    }
}
