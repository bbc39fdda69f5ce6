//! `cdrreport`: the call history, newest first, with the original's filters — every value bound,
//! the field name from an allow-list.

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Value};

use super::json;
use switchboard_sdk::php_json::Json;

/// The columns the original returned, in its order. Those the `pbx` model does not keep (FreePBX's
/// `cnum`, `cnam`, `outbound_cnum`, `outbound_cnam`, `dst_cnam`) are empty strings.
const COLUMNS: [&str; 23] = [
    "calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "duration", "billsec",
    "disposition", "amaflags", "accountcode", "uniqueid", "userfield", "recordingfile", "cnum", "cnam", "outbound_cnum",
    "outbound_cnam", "dst_cnam", "did",
];
const STORED: [&str; 18] = [
    "calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "duration", "billsec",
    "disposition", "amaflags", "accountcode", "uniqueid", "userfield", "recordingfile", "did",
];
const FIELDS: [&str; 5] = ["src", "dst", "channel", "dstchannel", "accountcode"];
const STATUSES: [&str; 4] = ["ANSWERED", "BUSY", "FAILED", "NO ANSWER"];
const DEFAULT_LIMIT: i64 = 100;

/// The SQL and its parameters for the form fields in `form`.
pub fn query(form: &Params) -> (String, Vec<Value>) {
    let get = |k: &str| form.get(k).map(str::trim).filter(|v| !v.is_empty());
    let mut sql = format!("SELECT {} FROM cdr WHERE dst <> 's'", STORED.map(|c| format!("\"{c}\"")).join(", "));
    let mut params: Vec<Value> = Vec::new();
    if let (Some(start), Some(end)) = (get("start_date"), get("end_date")) {
        sql.push_str(" AND calldate >= ? AND calldate <= ?");
        params.push(start.into());
        params.push(end.into());
    }
    if let (Some(field), Some(pattern)) = (get("field_name").and_then(|f| FIELDS.iter().find(|a| **a == f)), form.get("field_pattern")) {
        if !pattern.is_empty() {
            sql.push_str(&format!(" AND instr(lower(\"{field}\"), lower(?)) > 0"));
            params.push(pattern.into());
        }
    }
    // As the original: ALL (or none) means the four documented dispositions; any other value is
    // compared as given (bound), so an unknown one matches nothing.
    match get("status") {
        None | Some("ALL") => {
            sql.push_str(&format!(" AND disposition IN ({})", STATUSES.map(|s| format!("'{s}'")).join(", ")));
        }
        Some(status) => {
            sql.push_str(" AND disposition = ?");
            params.push(status.into());
        }
    }
    match get("recordings") {
        Some("only") => sql.push_str(" AND recordingfile <> ''"),
        Some("without") => sql.push_str(" AND recordingfile = ''"),
        _ => {}
    }
    let limit = get("limit").and_then(|l| l.parse::<i64>().ok()).filter(|l| *l >= 0).unwrap_or(DEFAULT_LIMIT);
    sql.push_str(" ORDER BY calldate DESC, id DESC LIMIT ?");
    params.push(limit.into());
    (sql, params)
}

pub fn cdrreport(req: &Request) -> Result<Response, Error> {
    let (sql, params) = query(&req.form());
    let db = sqlite::open("pbx")?;
    let result = db.query(&sql, &params)?;
    let rows = result
        .rows()
        .iter()
        .map(|row| {
            Json::Obj(
                COLUMNS
                    .iter()
                    .map(|c| {
                        let value = STORED.iter().position(|s| s == c).map(|i| row.text(i)).unwrap_or_default();
                        (c.to_string(), Json::Str(value))
                    })
                    .collect(),
            )
        })
        .collect();
    Ok(json(&Json::Arr(rows)))
}
