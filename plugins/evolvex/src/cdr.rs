//! `get_log_cdr`: the call records of the caller's contexts between `start` and `end`.
//!
//! Times are read and answered in the mount's `utc-offset` (the `cdr` table keeps UTC); without
//! `start`/`end` the window is today in that offset. Rows are those whose `dcontext` the caller's
//! groups grant, ordered by `calldate, id`, and streamed: the rows are read in keyset pages of
//! [`PAGE`] (`(calldate, id)` after the last row sent), each page written to the client before
//! the next is read, so a month of records never sits whole in memory.

use serde::Serialize;
use switchboard_sdk::prelude::*;
use switchboard_sdk::settings;
use switchboard_sdk::sqlite::{self, Connection, Row, Rows, Value, ValueRef};

use crate::access;
use crate::answer::{self, invalid};
use crate::clock::{self, Offset};
use crate::params::Input;

/// Rows per page.
pub const PAGE: usize = 2000;

/// The columns read, in the order [`Record::of`] reads them.
const COLUMNS: &str = "accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, calldate, answer, \"end\", \
     duration, billsec, disposition, amaflags, userfield, uniqueid, linkedid, peeraccount, sequence, id";

/// One record as Evolvex answered it: Asterisk's CDR columns, numbers as strings, empty
/// account codes and user field as `null`; `source`, `destination`, `direction` and `group_uuid`
/// were Evolvex's own enrichment and are always `null` here.
#[derive(Serialize)]
struct Record<'a> {
    accountcode: Option<&'a str>,
    src: &'a str,
    dst: &'a str,
    dcontext: &'a str,
    clid: &'a str,
    channel: &'a str,
    dstchannel: &'a str,
    lastapp: &'a str,
    lastdata: &'a str,
    start: Option<String>,
    answer: Option<String>,
    end: Option<String>,
    duration: String,
    billsec: String,
    disposition: &'a str,
    amaflags: String,
    userfield: Option<&'a str>,
    uniqueid: &'a str,
    linkedid: &'a str,
    peeraccount: Option<&'a str>,
    sequence: String,
    source: Option<&'a str>,
    destination: Option<&'a str>,
    direction: Option<&'a str>,
    group_uuid: Option<&'a str>,
}

fn text(row: &Row, i: usize) -> &str {
    match row.get(i) {
        Some(ValueRef::Text(s)) => s,
        _ => "",
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Asterisk's names of the AMA flags.
fn amaflags(value: Option<i64>) -> String {
    match value {
        Some(1) => "OMIT".into(),
        Some(2) => "BILLING".into(),
        Some(3) => "DOCUMENTATION".into(),
        Some(n) => n.to_string(),
        None => String::new(),
    }
}

/// A UTC `cdr` time in the answer's offset (`None` for NULL; text that is not a time as is).
fn local(row: &Row, i: usize, offset: Offset) -> Option<String> {
    let utc = non_empty(text(row, i))?;
    Some(clock::parse(utc, Offset(0)).map_or_else(|| utc.to_string(), |t| clock::format_in(t, offset)))
}

impl<'a> Record<'a> {
    fn of(row: &'a Row, offset: Offset) -> Record<'a> {
        let number = |i: usize| row.int(i).map(|n| n.to_string()).unwrap_or_default();
        Record {
            accountcode: non_empty(text(row, 0)),
            src: text(row, 1),
            dst: text(row, 2),
            dcontext: text(row, 3),
            clid: text(row, 4),
            channel: text(row, 5),
            dstchannel: text(row, 6),
            lastapp: text(row, 7),
            lastdata: text(row, 8),
            start: local(row, 9, offset),
            answer: local(row, 10, offset),
            end: local(row, 11, offset),
            duration: number(12),
            billsec: number(13),
            disposition: text(row, 14),
            amaflags: amaflags(row.int(15)),
            userfield: non_empty(text(row, 16)),
            uniqueid: text(row, 17),
            linkedid: text(row, 18),
            peeraccount: non_empty(text(row, 19)),
            sequence: number(20),
            source: None,
            destination: None,
            direction: None,
            group_uuid: None,
        }
    }
}

/// The mount's `utc-offset` (default UTC); a malformed setting is the admin's mistake, a 500.
pub fn offset() -> Result<Offset, Error> {
    match settings::get("utc-offset") {
        None => Ok(Offset(0)),
        Some(text) => Offset::parse(&text).ok_or_else(|| {
            answer::internal(format!("the mount's `utc-offset` setting `{text}` is not an offset such as +03:00"))
        }),
    }
}

/// The UTC window `[from, to]` the request asks for, as `cdr` text.
pub fn window(input: &Input, offset: Offset, now: i64) -> Result<(String, String), Error> {
    let (today_start, today_end) = clock::day_of(now, offset);
    let read = |name: &str| -> Result<Option<(i64, bool)>, Error> {
        let Some(value) = input.non_empty(name) else { return Ok(None) };
        let t = clock::parse(value, offset)
            .ok_or_else(|| invalid(name, "must be YYYY-MM-DD HH:MM:SS, YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD"))?;
        Ok(Some((t, clock::is_date_only(value))))
    };
    let from = read("start")?.map_or(today_start, |(t, _)| t);
    // A date alone as `end` means that whole day.
    let to = read("end")?.map_or(today_end, |(t, date_only)| if date_only { t + 86_399 } else { t });
    if to < from {
        return Err(invalid("end", "is before `start`"));
    }
    Ok((clock::format(from), clock::format(to)))
}

/// The query of one page: `contexts` placeholders, then the window and the keyset position.
struct Pager {
    sql: String,
    contexts: Vec<Value>,
    from: String,
    to: String,
}

impl Pager {
    fn new(contexts: &[&str], from: String, to: String) -> Pager {
        let marks = vec!["?"; contexts.len()].join(", ");
        let sql = format!(
            "SELECT {COLUMNS} FROM cdr WHERE calldate >= ? AND calldate <= ? AND dcontext IN ({marks}) \
             AND (calldate > ? OR (calldate = ? AND id > ?)) ORDER BY calldate, id LIMIT {PAGE}"
        );
        Pager { sql, contexts: contexts.iter().map(|c| Value::from(*c)).collect(), from, to }
    }

    /// The page after `(calldate, id)` (the window's start for the first).
    fn page(&self, db: &Connection, after: &(String, i64)) -> Result<Rows, Error> {
        let mut values = vec![Value::from(self.from.as_str()), Value::from(self.to.as_str())];
        values.extend(self.contexts.iter().cloned());
        values.extend([Value::from(after.0.as_str()), Value::from(after.0.as_str()), Value::Integer(after.1)]);
        Ok(db.query(&self.sql, &values)?)
    }
}

/// Writes `rows` as JSON array items (a `,` before each but the very first); the position after
/// the last row.
fn write_page(out: &mut Vec<u8>, rows: &Rows, offset: Offset, first: &mut bool) -> Result<Option<(String, i64)>, Error> {
    for row in rows.rows() {
        if !std::mem::take(first) {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, &Record::of(row, offset)).map_err(|e| answer::internal(format!("writing a call record: {e}")))?;
    }
    Ok(rows.rows().last().map(|row| (text(row, 9).to_string(), row.int(21).unwrap_or(0))))
}

/// `GET|POST …/get_log_cdr?api_key=…[&start=…][&end=…]`.
pub fn get_log_cdr(req: &Request) -> Result<Response, Error> {
    let caller = access::authenticate(req)?;
    let offset = offset()?;
    let (from, to) = window(&Input::of(req), offset, clock::now())?;
    let contexts = caller.contexts();
    if contexts.is_empty() {
        return answer::data(Vec::<()>::new());
    }
    let pager = Pager::new(&contexts, from.clone(), to);
    let db = sqlite::open("pbx")?;
    // The first page is read before the answer starts, so a failing query is still an error answer.
    let start = (String::new(), 0);
    let first_page = pager.page(&db, &start)?;
    let body = move |w: &mut BodyWriter| -> Result<(), Error> {
        let mut out = b"{\"data\":[".to_vec();
        let mut first = true;
        let mut rows = first_page;
        loop {
            let full = rows.rows().len() == PAGE;
            let after = write_page(&mut out, &rows, offset, &mut first)?;
            w.write(&out)?;
            out.clear();
            match after {
                Some(after) if full => rows = pager.page(&db, &after)?,
                _ => break,
            }
        }
        w.write(b"]}")
    };
    Ok(Response::stream(200, body).header("content-type", "application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(query: &str) -> Input {
        Input::of(&Request::new("GET", &format!("/get_log_cdr?{query}")))
    }

    const NOON: i64 = 1_730_289_600; // 2024-10-30 12:00:00 UTC

    #[test]
    fn the_window_defaults_to_today_in_the_offset() {
        assert_eq!(window(&input(""), Offset(0), NOON).unwrap(), ("2024-10-30 00:00:00".into(), "2024-10-30 23:59:59".into()));
        assert_eq!(window(&input(""), Offset(3 * 3600), NOON).unwrap(), ("2024-10-29 21:00:00".into(), "2024-10-30 20:59:59".into()));
    }

    #[test]
    fn start_and_end_are_read_in_the_offset() {
        let msk = Offset(3 * 3600);
        let w = window(&input("start=2024-10-01&end=2024-10-02"), msk, NOON).unwrap();
        assert_eq!(w, ("2024-09-30 21:00:00".into(), "2024-10-02 20:59:59".into()));
        let w = window(&input("start=2024-10-01T10:00:00&end=2024-10-01+11:00:00"), msk, NOON).unwrap();
        assert_eq!(w, ("2024-10-01 07:00:00".into(), "2024-10-01 08:00:00".into()));
        for bad in ["start=yesterday", "end=2024-10-32", "start=2024-10-01%0A", "start=2024-10-02&end=2024-10-01"] {
            assert_eq!(window(&input(bad), msk, NOON).unwrap_err().code(), "invalid_parameter", "{bad}");
        }
    }

    #[test]
    fn records_have_the_seeds_columns_and_values() {
        let columns: Vec<String> = COLUMNS.split(',').map(|c| c.trim().trim_matches('"').to_string()).collect();
        let values = vec![
            Value::from(""),
            "79123456789".into(),
            "110".into(),
            "local-evolvex".into(),
            "\"Сергей\" <79123456789>".into(),
            "Local/110@local-evolvex-00000167;2".into(),
            "PJSIP/user-110-evolvex-000002a0".into(),
            "Dial".into(),
            "PJSIP/user-110-evolvex,60,t".into(),
            "2024-10-30 06:59:15".into(),
            Value::Null,
            "2024-10-30 06:59:22".into(),
            Value::Integer(7),
            Value::Integer(0),
            "NO ANSWER".into(),
            Value::Integer(3),
            "".into(),
            "1730267955.2409".into(),
            "1730267935.2405".into(),
            "".into(),
            Value::Integer(1923),
            Value::Integer(1),
        ];
        let rows = Rows::from_values(columns, vec![values]);
        let json = serde_json::to_string(&Record::of(&rows.rows()[0], Offset(3 * 3600))).unwrap();
        assert_eq!(
            json,
            r#"{"accountcode":null,"src":"79123456789","dst":"110","dcontext":"local-evolvex","clid":"\"Сергей\" <79123456789>","channel":"Local/110@local-evolvex-00000167;2","dstchannel":"PJSIP/user-110-evolvex-000002a0","lastapp":"Dial","lastdata":"PJSIP/user-110-evolvex,60,t","start":"2024-10-30 09:59:15","answer":null,"end":"2024-10-30 09:59:22","duration":"7","billsec":"0","disposition":"NO ANSWER","amaflags":"DOCUMENTATION","userfield":null,"uniqueid":"1730267955.2409","linkedid":"1730267935.2405","peeraccount":null,"sequence":"1923","source":null,"destination":null,"direction":null,"group_uuid":null}"#
        );
    }

    #[test]
    fn the_offset_setting_defaults_to_utc_and_a_bad_one_is_the_mounts_fault() {
        settings::set_native(&[], "/");
        assert_eq!(offset().unwrap(), Offset(0));
        settings::set_native(&[("utc-offset", "-05:30")], "/");
        assert_eq!(offset().unwrap(), Offset(-(5 * 3600 + 1800)));
        settings::set_native(&[("utc-offset", "Europe/Moscow")], "/");
        let error = offset().unwrap_err();
        assert_eq!((error.status(), error.code()), (500, "internal"));
        assert!(error.message().contains("`utc-offset`"), "{}", error.message());
        settings::set_native(&[], "/");
    }

    #[test]
    fn ama_flags_are_named() {
        assert_eq!([amaflags(Some(1)), amaflags(Some(2)), amaflags(Some(3)), amaflags(Some(0))], ["OMIT", "BILLING", "DOCUMENTATION", "0"]);
    }
}
