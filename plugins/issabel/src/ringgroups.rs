//! `/ringgroups`: rows of the shared `ring_groups` table with their `ring_group_members`, named as
//! the API document names them (`extension_list` an array, checkboxes `on`/`off`).

use std::borrow::Cow;

use switchboard_sdk::php_json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Row, Value};

use crate::input::{self, Field, Input, Kind};
use crate::rest::{self, FieldValue, Record};

/// The keys of the default view.
const DEFAULTS: [&str; 8] = ["change_callerid", "destination", "extension", "extension_list", "fixed_callerid", "id", "name", "strategy"];
/// Ring groups are numbered from 600, as in the original.
const INITIAL: u64 = 600;
/// Longest `extension_list`.
const MAX_MEMBERS: usize = 100;

const FIELDS: [Field; 17] = [
    Field { name: "name", column: "name", kind: Kind::Text(100) },
    Field {
        name: "strategy",
        column: "strategy",
        kind: Kind::OneOf(&["ringall", "ringall-prim", "hunt", "hunt-prim", "memoryhunt", "memoryhunt-prim", "firstavailable", "firstnotonphone"]),
    },
    Field { name: "ring_time", column: "ring_time", kind: Kind::Int(1, 300) },
    Field { name: "announce_id", column: "announcement_id", kind: Kind::Int(0, i32::MAX as i64) },
    Field { name: "remote_announce_id", column: "remote_announce_id", kind: Kind::Int(0, i32::MAX as i64) },
    Field { name: "too_late_announce_id", column: "too_late_announce_id", kind: Kind::Int(0, i32::MAX as i64) },
    Field { name: "alert_info", column: "alert_info", kind: Kind::Text(255) },
    Field { name: "cid_name_prefix", column: "cid_name_prefix", kind: Kind::Text(50) },
    Field { name: "change_callerid", column: "change_callerid", kind: Kind::OneOf(&["default", "fixed", "extern", "did", "forcedid"]) },
    Field { name: "fixed_callerid", column: "fixed_callerid", kind: Kind::Text(80) },
    Field { name: "confirm_calls", column: "confirm_calls", kind: Kind::Checkbox },
    Field { name: "enable_call_pickup", column: "enable_call_pickup", kind: Kind::Checkbox },
    Field { name: "ignore_call_forward_settings", column: "ignore_call_forward", kind: Kind::Checkbox },
    Field { name: "skip_busy_agent", column: "skip_busy_agent", kind: Kind::Checkbox },
    Field { name: "music_on_hold_ringing", column: "music_on_hold_ringing", kind: Kind::Text(80) },
    Field { name: "recording", column: "recording", kind: Kind::OneOf(&["always", "dontcare", "never"]) },
    Field { name: "destination_if_no_answer", column: "destination_if_no_answer", kind: Kind::Text(255) },
];

const SELECT: &str = "SELECT number, name, strategy, ring_time, announcement_id, remote_announce_id, too_late_announce_id, \
    alert_info, cid_name_prefix, change_callerid, fixed_callerid, confirm_calls, enable_call_pickup, ignore_call_forward, \
    skip_busy_agent, music_on_hold_ringing, recording, destination_if_no_answer FROM ring_groups";
/// Only what the default view shows (a third of [`SELECT`]'s columns), read when there is no `fields`.
const SELECT_DEFAULT: &str = "SELECT number, name, strategy, change_callerid, fixed_callerid FROM ring_groups";
const ORDER: &str = " ORDER BY CAST(number AS INTEGER), number";

fn checkbox(row: &Row, i: usize) -> FieldValue<'static> {
    FieldValue::from(if row.int(i).unwrap_or(0) != 0 { "on" } else { "off" })
}

/// Every field of one group, alphabetically (ids and times as numbers, as the API document shows them).
fn record<'r>(row: &'r Row, members: Vec<Cow<'r, str>>) -> Record<'r> {
    let t = |i| FieldValue::from(row.str(i));
    let n = |i| FieldValue::Int(row.int(i).unwrap_or(0));
    let number = row.str(0);
    vec![
        ("alert_info", t(7)),
        ("announce_id", n(4)),
        ("change_callerid", t(9)),
        ("cid_name_prefix", t(8)),
        ("confirm_calls", checkbox(row, 11)),
        ("destination", format!("from-internal,{number},1").into()),
        ("destination_if_no_answer", t(17)),
        ("enable_call_pickup", checkbox(row, 12)),
        ("extension", number.clone().into()),
        ("extension_list", FieldValue::List(members)),
        ("fixed_callerid", t(10)),
        ("id", number.into()),
        ("ignore_call_forward_settings", checkbox(row, 13)),
        ("music_on_hold_ringing", t(15)),
        ("name", t(1)),
        ("recording", t(16)),
        ("remote_announce_id", n(5)),
        ("ring_time", n(3)),
        ("skip_busy_agent", checkbox(row, 14)),
        ("strategy", t(2)),
        ("too_late_announce_id", n(6)),
    ]
}

/// Rows of [`SELECT_DEFAULT`] with their members as `{"results":[…]}` in the default view,
/// written straight from the rows: the bytes `rest::results` writes for the same keys of full
/// [`record`]s (a test holds them equal), without a record, a member list and a `destination`
/// string per group.
fn default_list(groups: &[Row], runs: &MemberRuns<'_>) -> Response {
    let mut out = String::with_capacity(16 + 256 * groups.len());
    out.push_str(r#"{"results":["#);
    for (i, row) in groups.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let number = row.str(0);
        out.push_str(r#"{"change_callerid":"#);
        php_json::write_str(&mut out, &row.str(3));
        out.push_str(r#","destination":"from-internal,"#);
        php_json::push_escaped(&mut out, &number);
        out.push_str(r#",1","extension":"#);
        php_json::write_str(&mut out, &number);
        out.push_str(r#","extension_list":["#);
        for (j, member) in runs.rows_of(&number).iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            php_json::write_str(&mut out, &member.str(1));
        }
        out.push_str(r#"],"fixed_callerid":"#);
        php_json::write_str(&mut out, &row.str(4));
        out.push_str(r#","id":"#);
        php_json::write_str(&mut out, &number);
        out.push_str(r#","name":"#);
        php_json::write_str(&mut out, &row.str(1));
        out.push_str(r#","strategy":"#);
        php_json::write_str(&mut out, &row.str(2));
        out.push('}');
    }
    out.push_str("]}");
    Response::bytes("application/json", out)
}

/// `GET /ringgroups` (`id` none) and `GET /ringgroups/{id}`: groups and members in two queries
/// (not one query per group) read from one snapshot, so no group shows members of another
/// moment; an unknown group is 200 with an empty list.
fn show(req: &Request, id: Option<&str>) -> Result<Response, Error> {
    let full = req.query().contains("fields");
    let select = if full { SELECT } else { SELECT_DEFAULT };
    let db = sqlite::open("pbx")?;
    let answers = match id {
        Some(id) => {
            let id = [Value::from(id)];
            db.query_snapshot(&[
                (&format!("{select} WHERE number = ?"), &id),
                ("SELECT group_number, destination FROM ring_group_members WHERE group_number = ? ORDER BY position", &id),
            ])?
        }
        None => db.query_snapshot(&[
            (&format!("{select}{ORDER}"), &[]),
            ("SELECT group_number, destination FROM ring_group_members ORDER BY group_number, position", &[]),
        ])?,
    };
    let [groups, members] = <[sqlite::Rows; 2]>::try_from(answers).map_err(|_| Error::internal("the host answered a different number of statements"))?;
    let runs = member_runs(members.rows());
    if !full {
        return Ok(default_list(groups.rows(), &runs));
    }
    let records = groups.rows().iter().map(|row| record(row, runs.of(&row.str(0))));
    Ok(rest::results(req, records, &DEFAULTS))
}

/// `(group_number, destination)` rows sorted by group number (as text, SQLite's `BINARY` order,
/// which is Rust's `str` order) and then position: one contiguous run per group, looked up by
/// binary search instead of hashing every member.
struct MemberRuns<'r>(Vec<(&'r str, &'r [Row])>);

fn member_runs(rows: &[Row]) -> MemberRuns<'_> {
    let runs = rows
        .chunk_by(|a, b| a.str(0) == b.str(0))
        .filter_map(|run| match run[0].str(0) {
            Cow::Borrowed(group) => Some((group, run)),
            Cow::Owned(_) => None,
        })
        .collect();
    MemberRuns(runs)
}

impl<'r> MemberRuns<'r> {
    /// The destinations of `group`, in order.
    fn of(&self, group: &str) -> Vec<Cow<'r, str>> {
        self.rows_of(group).iter().map(|member| member.str(1)).collect()
    }

    /// The member rows of `group`, in order.
    fn rows_of(&self, group: &str) -> &'r [Row] {
        match self.0.binary_search_by(|(g, _)| (*g).cmp(group)) {
            Ok(i) => self.0[i].1,
            Err(_) => &[],
        }
    }
}

/// `GET /ringgroups`.
pub fn list(req: &Request) -> Result<Response, Error> {
    show(req, None)
}

/// `GET /ringgroups/{id}`: an unknown one is 200 with an empty list.
pub fn get(req: &Request) -> Result<Response, Error> {
    show(req, Some(req.param("id").unwrap_or_default()))
}

fn exists(db: &Connection, number: &str) -> Result<bool, Error> {
    Ok(!db.query("SELECT 1 FROM ring_groups WHERE number = ?", &[number.into()])?.rows().is_empty())
}

/// `extension_list` when sent: a non-empty array of extension numbers (strings or numbers) or
/// external numbers ending in `#`; `None` when absent.
fn members(body: &Input) -> Result<Option<Vec<String>>, Error> {
    let Some(list) = body.get("extension_list") else { return Ok(None) };
    let items = list.as_array().ok_or_else(|| input::invalid("`extension_list` must be an array"))?;
    if items.is_empty() || items.len() > MAX_MEMBERS {
        return Err(input::invalid(format!("`extension_list` must hold 1 to {MAX_MEMBERS} numbers")));
    }
    items
        .iter()
        .map(|item| {
            let text = match item {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(input::invalid("`extension_list` items must be numbers")),
            };
            let digits = text.strip_suffix('#').unwrap_or(&text);
            if input::is_number(digits) { Ok(text) } else { Err(input::invalid(format!("{text:?} is not an extension number"))) }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Replaces the members; each internal one must be an existing extension (the original dropped
/// unknown ones silently; here the write is refused with 422 so nothing is lost quietly).
fn write_members(tx: &Connection, group: &str, list: &[String]) -> Result<(), Error> {
    for member in list.iter().filter(|m| !m.ends_with('#')) {
        if tx.query("SELECT 1 FROM extensions WHERE number = ?", &[member.into()])?.rows().is_empty() {
            return Err(input::invalid(format!("extension {member} does not exist")));
        }
    }
    tx.query("DELETE FROM ring_group_members WHERE group_number = ?", &[group.into()])?;
    for (position, member) in list.iter().enumerate() {
        tx.query(
            "INSERT INTO ring_group_members (group_number, position, destination) VALUES (?, ?, ?)",
            &[group.into(), (position as i64).into(), member.into()],
        )?;
    }
    Ok(())
}

fn insert(tx: &Connection, number: &str, mut columns: Vec<(&'static str, Value)>, list: &[String]) -> Result<(), Error> {
    if !columns.iter().any(|(c, _)| *c == "name") {
        columns.push(("name", number.into()));
    }
    rest::insert_row(tx, "ring_groups", number, columns)?;
    write_members(tx, number, list)
}

/// The validated fields and members; creating needs `extension_list`.
pub(crate) fn parse(req: &Request) -> Result<(Input, Vec<(&'static str, Value)>, Option<Vec<String>>), Error> {
    let body = input::parse(req)?;
    let columns = input::columns(&body, "ring_groups", &FIELDS)?;
    let list = members(&body)?;
    Ok((body, columns, list))
}

fn required(list: Option<Vec<String>>) -> Result<Vec<String>, Error> {
    list.ok_or_else(|| input::invalid("`extension_list` is required to create a ring group"))
}

/// `POST /ringgroups`: the next free number from 600, 201 with `Location`.
pub fn create(req: &Request) -> Result<Response, Error> {
    let (body, columns, list) = parse(req)?;
    let list = required(list)?;
    rest::create(req, &body, "SELECT number FROM ring_groups", INITIAL, |tx, number| insert(tx, number, columns, &list))
}

/// `PUT /ringgroups/{id}`: creates it (201 + `Location`; `extension_list` required) or updates the
/// fields sent (200).
pub fn put(req: &Request) -> Result<Response, Error> {
    let id = rest::put_id(req)?;
    let (body, columns, list) = parse(req)?;
    let update = |tx: &Connection| {
        rest::update_row(tx, "ring_groups", &id, &columns)?;
        match &list {
            Some(list) => write_members(tx, &id, list),
            None => Ok(()),
        }
    };
    let insert = |tx: &Connection| insert(tx, &id, columns.clone(), &required(list.clone())?);
    rest::upsert(req, &body, &id, exists, update, insert)
}

/// `DELETE /ringgroups/a,b,c` (members go with them).
pub fn delete(req: &Request) -> Result<Response, Error> {
    rest::delete_in_order(req, req.param("id").unwrap_or_default(), exists, |tx, id| {
        tx.query("DELETE FROM ring_groups WHERE number = ?", &[id.into()])?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_found_per_group_in_position_order() {
        let text = |v: &str| Value::Text(v.into());
        let rows = sqlite::Rows::from_values(
            vec!["group_number".into(), "destination".into()],
            [("600", "1001"), ("600", "1002"), ("6000", "5#"), ("601", "1003"), ("601", "1001"), ("601", "1002")]
                .iter()
                .map(|(g, d)| vec![text(g), text(d)])
                .collect(),
        );
        let runs = member_runs(rows.rows());
        assert_eq!(runs.of("600"), ["1001", "1002"]);
        assert_eq!(runs.of("6000"), ["5#"]);
        assert_eq!(runs.of("601"), ["1003", "1001", "1002"]);
        assert!(runs.of("602").is_empty() && runs.of("60").is_empty());
        assert!(member_runs(&[]).of("600").is_empty());
    }

    /// The default view written straight from rows is what the generic writer makes of full
    /// records with the default keys, byte for byte, escapes and members included.
    #[test]
    fn the_default_view_is_the_full_records_subset() {
        let text = |v: &str| Value::Text(v.into());
        let groups = [("600", "Sales", "ringall", "default", "\"Sales\" <600>"), ("601", "Zoë/Support", "hunt", "fixed", ""), ("7", "", "ringall", "default", "")];
        let full = sqlite::Rows::from_values(
            vec![String::new(); 18],
            groups
                .iter()
                .map(|(number, name, strategy, change, fixed)| {
                    vec![
                        text(number), text(name), text(strategy), Value::Integer(20), Value::Integer(0), Value::Integer(0), Value::Integer(0),
                        text(""), text(""), text(change), text(fixed), Value::Integer(1), Value::Integer(0), Value::Integer(0),
                        Value::Integer(1), text("ring"), text("never"), text("app-blackhole,hangup,1"),
                    ]
                })
                .collect(),
        );
        let default = sqlite::Rows::from_values(
            vec![String::new(); 5],
            groups.iter().map(|(number, name, strategy, change, fixed)| [number, name, strategy, change, fixed].map(|v| text(v)).to_vec()).collect(),
        );
        let members = sqlite::Rows::from_values(
            vec!["group_number".into(), "destination".into()],
            [("600", "1001"), ("600", "1002"), ("601", "5\"5#")].iter().map(|(g, d)| vec![text(g), text(d)]).collect(),
        );
        let runs = member_runs(members.rows());
        let generic = rest::results(&Request::new("GET", "/ringgroups"), full.rows().iter().map(|r| record(r, runs.of(&r.str(0)))), &DEFAULTS);
        let direct = default_list(default.rows(), &runs);
        assert_eq!(direct.body_bytes(), generic.body_bytes());
        assert!(String::from_utf8_lossy(direct.body_bytes().unwrap()).starts_with(
            r#"{"results":[{"change_callerid":"default","destination":"from-internal,600,1","extension":"600","extension_list":["1001","1002"],"fixed_callerid":"\"Sales\" <600>","id":"600","name":"Sales","strategy":"ringall"},"#
        ));
    }

    fn body(v: serde_json::Value) -> Input {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn extension_list_is_validated() {
        assert_eq!(members(&body(serde_json::json!({}))).unwrap(), None);
        assert_eq!(members(&body(serde_json::json!({"extension_list": ["200", 201, "0612345678#"]}))).unwrap().unwrap(), ["200", "201", "0612345678#"]);
        for bad in [
            serde_json::json!({"extension_list": []}),
            serde_json::json!({"extension_list": "200-201"}),
            serde_json::json!({"extension_list": ["20a"]}),
            serde_json::json!({"extension_list": [null]}),
            serde_json::json!({"extension_list": ["200\r\nAction: Originate"]}),
        ] {
            assert_eq!(members(&body(bad.clone())).unwrap_err().status(), 422, "{bad}");
        }
    }

    #[test]
    fn fields_follow_the_seed() {
        let cols = input::columns(&body(serde_json::json!({"name": "Sales", "strategy": "ringall", "ring_time": "120", "skip_busy_agent": "on"})), "ring_groups", &FIELDS).unwrap();
        assert_eq!(
            format!("{cols:?}"),
            format!("{:?}", vec![
                ("name", Value::Text("Sales".into())),
                ("strategy", Value::Text("ringall".into())),
                ("ring_time", Value::Integer(120)),
                ("skip_busy_agent", Value::Integer(1))
            ])
        );
        for bad in [
            serde_json::json!({"strategy": "random"}),
            serde_json::json!({"ring_time": 0}),
            serde_json::json!({"ring_time": 301}),
            serde_json::json!({"recording": "maybe"}),
            serde_json::json!({"confirm_calls": "yes"}),
            serde_json::json!({"change_callerid": "spoof"}),
        ] {
            assert_eq!(input::columns(&body(bad.clone()), "ring_groups", &FIELDS).unwrap_err().status(), 422, "{bad}");
        }
    }
}
