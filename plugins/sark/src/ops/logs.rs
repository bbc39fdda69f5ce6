//! `/logs` and `/logs/cdrs/{limit?}`: the call records.
//!
//! SARK answered `GET /logs/cdrs` with Asterisk's `Master.csv` itself, as a file download
//! (`Content-Disposition: attachment; filename=Master.<time>.csv`), and `…/cdrs/{limit}` was meant
//! to be its last `limit` lines (it crashed instead: the controller read an undefined `$limit`).
//! The records here are the shared `cdr` table, which the host fills from Asterisk (each row
//! once), so the answer is that table written as cdr_csv writes Master.csv, oldest first:
//!
//! ```text
//! "accountcode","src","dst","dcontext","clid","channel","dstchannel","lastapp","lastdata","start","answer","end",duration,billsec,"disposition","amaflags","uniqueid","userfield"
//! ```
//!
//! (no header line; `uniqueid` and `userfield` as with cdr_csv's `loguniqueid`/`loguserfield`,
//! which SARK turned on). A client that asks for `Accept: application/json` (and not `*/*`) gets
//! the same rows as a JSON array of objects keyed by those column names. The body is streamed a
//! page of rows at a time, so a year of calls never sits in memory.

use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Value};
use switchboard_sdk::BodyWriter;

use super::clock;
use crate::laravel;

/// The largest `limit` accepted.
pub const MAX_LIMIT: i64 = 100_000;

/// Rows read per trip to the database while streaming.
const PAGE: i64 = 500;

/// Master.csv's columns, from the `cdr` table.
const COLUMNS: &str = "id, accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, calldate, answer, \"end\", duration, billsec, disposition, amaflags, uniqueid, userfield";

/// The names the JSON form uses (cdr_csv's), in Master.csv's order.
const NAMES: [&str; 18] = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer", "end", "duration",
    "billsec", "disposition", "amaflags", "uniqueid", "userfield",
];

pub fn routes(router: Router) -> Router {
    router
        .get("/logs", |_: &Request| Ok(laravel::ok(&obj([("Log", "Master.csv")]))))
        .get("/logs/cdrs", |req: &Request| cdrs(req, None))
        .get("/logs/cdrs/{limit}", |req: &Request| cdrs(req, req.param("limit")))
}

/// The `limit` of the path: a whole number from 1 to [`MAX_LIMIT`], else Laravel's 422.
pub fn parse_limit(text: &str) -> Result<i64, Error> {
    let n: i64 = match text.parse() {
        Ok(n) if !text.starts_with('+') => n,
        _ => return Err(laravel::invalid("limit", "The limit must be an integer.")),
    };
    if n < 1 {
        return Err(laravel::invalid("limit", "The limit must be at least 1."));
    }
    if n > MAX_LIMIT {
        return Err(laravel::invalid("limit", format!("The limit may not be greater than {MAX_LIMIT}.")));
    }
    Ok(n)
}

fn cdrs(req: &Request, limit: Option<&str>) -> Result<Response, Error> {
    let limit = limit.map(parse_limit).transpose()?;
    let db = sqlite::open("pbx")?;
    // The first id to send: all rows, or the last `limit` ones.
    let first = match limit {
        None => 0,
        Some(n) => {
            let rows = db.query("SELECT MIN(id) FROM (SELECT id FROM cdr ORDER BY id DESC LIMIT ?)", &[Value::Integer(n)])?;
            rows.rows().first().and_then(|r| r.int(0)).unwrap_or(0)
        }
    };
    let json = wants_json(req);
    let response = Response::stream(200, move |w: &mut BodyWriter| write_rows(&db, first, json, w));
    Ok(if json {
        response.header("content-type", "application/json")
    } else {
        response
            .header("content-type", "text/csv; charset=UTF-8")
            .header("content-disposition", format!("attachment; filename=Master.{}.csv", clock::now()))
    })
}

/// Whether the client asked for JSON rather than the file.
fn wants_json(req: &Request) -> bool {
    let accept = req.header("accept").unwrap_or_default();
    accept.contains("application/json") && !accept.contains("*/*") && !accept.contains("text/csv")
}

/// Writes every row from id `first` on, a page at a time.
fn write_rows(db: &Connection, first: i64, json: bool, w: &mut BodyWriter) -> Result<(), Error> {
    let sql = format!("SELECT {COLUMNS} FROM cdr WHERE id >= ? ORDER BY id LIMIT ?");
    let mut next = first;
    let mut written = 0usize;
    if json {
        w.write(b"[")?;
    }
    loop {
        let rows = db.query(&sql, &[Value::Integer(next), Value::Integer(PAGE)])?;
        let mut out = String::new();
        for row in rows.rows() {
            next = row.int(0).unwrap_or(next) + 1;
            let fields: Vec<String> = (1..=18).map(|i| row.str(i).into_owned()).collect();
            if json {
                if written > 0 {
                    out.push(',');
                }
                out.push_str(&json_row(&fields).encode());
            } else {
                out.push_str(&csv_row(&fields));
            }
            written += 1;
        }
        w.write(out.as_bytes())?;
        if (rows.rows().len() as i64) < PAGE {
            break;
        }
    }
    if json {
        w.write(b"]")?;
    }
    Ok(())
}

/// One Master.csv line: text quoted with `"` doubled, duration and billsec bare, an answer time
/// that never was left empty, amaflags by name.
pub fn csv_row(fields: &[String]) -> String {
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut line = String::new();
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        match NAMES[i] {
            "duration" | "billsec" => line.push_str(value),
            "answer" if value.is_empty() => {}
            "amaflags" => line.push_str(&quoted(amaflags(value))),
            _ => line.push_str(&quoted(value)),
        }
    }
    line.push('\n');
    line
}

fn json_row(fields: &[String]) -> Json {
    Json::Obj(
        NAMES
            .iter()
            .zip(fields)
            .map(|(name, value)| {
                let value = if *name == "amaflags" { amaflags(value).to_string() } else { value.clone() };
                (name.to_string(), Json::Str(value))
            })
            .collect(),
    )
}

/// cdr_csv writes the AMA flag's name.
fn amaflags(value: &str) -> &str {
    match value {
        "1" => "OMIT",
        "2" => "BILLING",
        _ => "DOCUMENTATION",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_positive_whole_numbers_with_a_cap() {
        assert_eq!(parse_limit("10").unwrap(), 10);
        assert_eq!(parse_limit("100000").unwrap(), 100_000);
        for (bad, message) in [
            ("0", "at least 1"),
            ("-5", "at least 1"),
            ("abc", "an integer"),
            ("1.5", "an integer"),
            ("+3", "an integer"),
            ("100001", "greater than 100000"),
            ("99999999999999999999", "an integer"),
        ] {
            let err = parse_limit(bad).unwrap_err();
            assert_eq!(err.status(), 422, "{bad}");
            assert!(err.message().contains(message), "{bad}: {}", err.message());
        }
    }

    #[test]
    fn rows_read_as_master_csv() {
        let fields: Vec<String> = [
            "", "1001", "1002", "from-internal", "\"Alice\" <1001>", "PJSIP/1001-00000001", "PJSIP/1002-00000002", "Dial", "PJSIP/1002,30",
            "2024-05-01 10:00:00", "", "2024-05-01 10:00:20", "20", "0", "NO ANSWER", "3", "1714557600.1", "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            csv_row(&fields),
            "\"\",\"1001\",\"1002\",\"from-internal\",\"\"\"Alice\"\" <1001>\",\"PJSIP/1001-00000001\",\"PJSIP/1002-00000002\",\"Dial\",\"PJSIP/1002,30\",\"2024-05-01 10:00:00\",,\"2024-05-01 10:00:20\",20,0,\"NO ANSWER\",\"DOCUMENTATION\",\"1714557600.1\",\"\"\n"
        );
        let json = json_row(&fields).encode();
        assert!(json.starts_with(r#"{"accountcode":"","src":"1001""#), "{json}");
        assert!(json.contains(r#""amaflags":"DOCUMENTATION""#), "{json}");
    }
}
