//! The request body of a write, and the validation of each field the API document names.
//!
//! The body is a JSON object (the API document's `Content-Type: application/json`); a form body is read as
//! the original's `parse_input_data` read `$_POST`. Fields are checked against a static table of
//! [`Field`]s, so the SQL column names always come from this file, never from the client, and then
//! against the schema's rule for their column, so a value the database would refuse is a 422 that
//! names the field before anything is written.

use switchboard_sdk::prelude::*;
use switchboard_sdk::schema;
use switchboard_sdk::sqlite::Value;

pub type Input = serde_json::Map<String, serde_json::Value>;

/// A 422 Unprocessable Entity naming what was wrong (logged; the client sees only the status).
pub fn invalid(why: impl Into<String>) -> Error {
    Error::unprocessable(why)
}

/// The body as an object: empty → `{}`; form-encoded → strings; otherwise JSON, 400 if it is not
/// a JSON object. A value that is not UTF-8 is a 400 naming its field, never stored altered.
pub fn parse(req: &Request) -> Result<Input, Error> {
    let body = req.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Input::new());
    }
    let form = req.header("content-type").is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if form {
        return Ok(req.form_strict()?.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(v))).collect());
    }
    match req.json::<serde_json::Value>() {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::bad_request("the body must be a JSON object")),
        Err(e) => Err(Error::bad_request(e.message().to_string())),
    }
}

/// `reload`: absent → apply the changes; present → only for `1`/`true` (the original's
/// `$input['reload'] != 1 && != 'true'` test), so `0`/`false` skip it.
pub fn wants_reload(input: &Input) -> bool {
    match input.get("reload") {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::Number(n)) => n.as_f64() == Some(1.0),
        Some(serde_json::Value::String(s)) => s == "1" || s == "true",
        Some(_) => false,
    }
}

/// What a field accepts and how it is stored.
pub enum Kind {
    /// Free text up to this many characters, no control characters.
    Text(usize),
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// An integer in this range, as a JSON number or a string of digits.
    Int(i64, i64),
    /// `on` / `off` (also `true` / `false`), stored 1 / 0.
    Checkbox,
}

/// One writable field: its API name, its column, what it accepts.
pub struct Field {
    pub name: &'static str,
    pub column: &'static str,
    pub kind: Kind,
}

/// The field's value as text (strings as is, numbers formatted); `None` when absent or null (PHP's
/// `isset`); a 422 for arrays, objects and (except checkboxes) booleans.
fn scalar(input: &Input, field: &Field) -> Result<Option<String>, Error> {
    match input.get(field.name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(serde_json::Value::Bool(b)) if matches!(field.kind, Kind::Checkbox) => Ok(Some(b.to_string())),
        Some(other) => Err(invalid(format!("`{}` must be a string, not {other}", field.name))),
    }
}

/// The field's value checked by its own kind, then by the schema's rule for `table.column`.
fn check(table: &str, field: &Field, text: String) -> Result<Value, Error> {
    let value = check_kind(field, text)?;
    let refused = match &value {
        Value::Text(text) => schema::check(table, field.column, text),
        Value::Integer(n) => schema::check_int(table, field.column, *n),
        _ => Ok(()),
    };
    refused.map_err(|refusal| invalid(format!("`{}` {}", field.name, refusal.why)))?;
    Ok(value)
}

fn check_kind(field: &Field, text: String) -> Result<Value, Error> {
    let name = field.name;
    match field.kind {
        Kind::Text(max) => {
            if text.chars().count() > max || text.chars().any(char::is_control) {
                return Err(invalid(format!("`{name}` must be at most {max} characters without control characters")));
            }
            Ok(Value::Text(text))
        }
        Kind::OneOf(words) => {
            if !words.contains(&text.as_str()) {
                return Err(invalid(format!("`{name}` must be one of {}", words.join(", "))));
            }
            Ok(Value::Text(text))
        }
        Kind::Int(min, max) => match text.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::Integer(n)),
            _ => Err(invalid(format!("`{name}` must be a whole number from {min} to {max}"))),
        },
        Kind::Checkbox => match text.as_str() {
            "on" | "true" => Ok(Value::Integer(1)),
            "off" | "false" => Ok(Value::Integer(0)),
            _ => Err(invalid(format!("`{name}` must be on or off"))),
        },
    }
}

/// The `(column, value)` of every field of `fields` present in `input`, validated for `table`;
/// unknown keys are ignored as the original ignored them.
pub fn columns(input: &Input, table: &str, fields: &[Field]) -> Result<Vec<(&'static str, Value)>, Error> {
    let mut out = Vec::new();
    for field in fields {
        if let Some(text) = scalar(input, field)? {
            out.push((field.column, check(table, field, text)?));
        }
    }
    Ok(out)
}

/// An extension or group number from the URL or a list: 1 to 20 digits (Issabel numbers are
/// numeric; the automatic numbering counts on it).
pub fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: [Field; 4] = [
        Field { name: "name", column: "name", kind: Kind::Text(10) },
        Field { name: "voicemail", column: "voicemail", kind: Kind::OneOf(&["novm", "default"]) },
        Field { name: "ringtimer", column: "ring_time", kind: Kind::Int(0, 300) },
        Field { name: "confirm_calls", column: "confirm_calls", kind: Kind::Checkbox },
    ];

    fn input(json: serde_json::Value) -> Input {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn valid_fields_map_to_columns() {
        let got = columns(&input(serde_json::json!({"name": "Ada", "ringtimer": "30", "voicemail": "novm", "confirm_calls": "on", "other": [1]})), "t", &FIELDS).unwrap();
        assert_eq!(
            format!("{got:?}"),
            format!("{:?}", vec![("name", Value::Text("Ada".into())), ("voicemail", Value::Text("novm".into())), ("ring_time", Value::Integer(30)), ("confirm_calls", Value::Integer(1))])
        );
        assert_eq!(format!("{:?}", columns(&input(serde_json::json!({"ringtimer": 300, "name": null})), "t", &FIELDS).unwrap()), format!("{:?}", vec![("ring_time", Value::Integer(300))]));
    }

    #[test]
    fn invalid_fields_are_422() {
        for bad in [
            serde_json::json!({"name": "much too long a name"}),
            serde_json::json!({"name": "a\r\nb"}),
            serde_json::json!({"name": ["x"]}),
            serde_json::json!({"voicemail": "yes"}),
            serde_json::json!({"ringtimer": 301}),
            serde_json::json!({"ringtimer": "-1"}),
            serde_json::json!({"ringtimer": "ten"}),
            serde_json::json!({"ringtimer": true}),
            serde_json::json!({"confirm_calls": "yes"}),
        ] {
            assert_eq!(columns(&input(bad.clone()), "t", &FIELDS).unwrap_err().status(), 422, "{bad}");
        }
    }

    #[test]
    fn the_schema_rules_are_checked_and_the_field_named() {
        let fields = [Field { name: "name", column: "name", kind: Kind::Text(100) }, Field { name: "ringtimer", column: "ring_time", kind: Kind::Int(0, 300) }];
        let err = columns(&input(serde_json::json!({"name": "Eve ${SHELL(id)}"})), "extensions", &fields).unwrap_err();
        assert_eq!((err.status(), err.message()), (422, "`name` holds `${` or `$[`, which the dialplan would evaluate"));
        assert!(columns(&input(serde_json::json!({"name": "Zoë; O'Brien", "ringtimer": 0})), "extensions", &fields).is_ok());
    }

    #[test]
    fn reload_flag_follows_the_original() {
        for (v, want) in [
            (serde_json::json!({}), true),
            (serde_json::json!({"reload": true}), true),
            (serde_json::json!({"reload": 1}), true),
            (serde_json::json!({"reload": "true"}), true),
            (serde_json::json!({"reload": false}), false),
            (serde_json::json!({"reload": 0}), false),
            (serde_json::json!({"reload": "0"}), false),
            (serde_json::json!({"reload": "false"}), false),
        ] {
            assert_eq!(wants_reload(&input(v.clone())), want, "{v}");
        }
    }

    #[test]
    fn bodies_parse_as_objects() {
        let req = |body: &str, ct: &str| Request::new("POST", "/x").with_header("content-type", ct).with_body(body.to_string());
        assert!(parse(&req("", "application/json")).unwrap().is_empty());
        assert_eq!(parse(&req("{\"a\":1}", "application/json")).unwrap()["a"], 1);
        assert_eq!(parse(&req("name=Ada&reload=0", "application/x-www-form-urlencoded")).unwrap()["reload"], "0");
        for bad in ["{", "[1]", "\"x\"", "null"] {
            assert_eq!(parse(&req(bad, "application/json")).unwrap_err().status(), 400, "{bad}");
        }
        let not_utf8 = Request::new("POST", "/x").with_header("content-type", "application/x-www-form-urlencoded").with_body(b"name=Ada%FF".to_vec());
        assert_eq!(parse(&not_utf8).unwrap_err().message(), "`name` is not UTF-8 text");
        assert!(is_number("1005") && !is_number("") && !is_number("10a") && !is_number("1'--") && !is_number(&"9".repeat(21)));
    }
}
