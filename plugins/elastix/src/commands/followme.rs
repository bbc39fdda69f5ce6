//! Follow-me: `addfollowmeextension`, `updatefollowmeextension`, `deletefollowmeextension`,
//! `getfollowmeextension`, `getallfollowmeextensions` — on the `follow_me` / `follow_me_numbers`
//! tables, shaped as FreePBX's `findmefollow` rows the original returned.

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection, Value};

use super::{checked, form, json, number_field, write_then_apply};
use switchboard_sdk::php_json::Json;

const STRATEGIES: [&str; 10] = [
    "ringallv2", "ringallv2-prim", "ringall", "ringall-prim", "hunt", "hunt-prim", "memoryhunt", "memoryhunt-prim",
    "firstavailable", "firstnotonphone",
];

const SELECT: &str = "SELECT f.extension, f.strategy, f.ring_time, f.prefix, \
    COALESCE((SELECT group_concat(number, '-') FROM (SELECT number FROM follow_me_numbers n WHERE n.extension = f.extension ORDER BY position)), ''), \
    f.announcement_id, f.post_destination, f.alert_info, f.remote_alert_id, f.confirm_calls, f.too_late_id, f.pre_ring, \
    f.music_on_hold_ringing FROM follow_me f";

/// The API document's field names, in its order.
const FIELDS: [&str; 13] = [
    "grpnum", "strategy", "grptime", "grppre", "grplist", "annmsg_id", "postdest", "dring", "remotealert_id", "needsconf",
    "toolate_id", "pre_ring", "ringing",
];

/// `101, 105, 0612345678#` (or `-`-joined, as stored) → the numbers.
pub fn numbers(list: &str) -> Vec<String> {
    list.split([',', '-', '\n']).map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect()
}

/// An integer field: absent or empty → `default`; otherwise it must parse and lie in `range`.
fn int(form: &Params, key: &str, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, Error> {
    match form.get(key).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| Error::unprocessable(format!("`{key}` must be a number from {} to {}", range.start(), range.end()))),
    }
}

/// The posted follow-me as column values (in the order of the INSERT below) and its numbers, each
/// checked against the schema's rules so a refusal names the field and nothing is written.
fn posted(form: &Params) -> Result<(Vec<Value>, Vec<String>), Error> {
    let strategy = form.get("strategy").map(str::trim).filter(|s| !s.is_empty()).unwrap_or("ringallv2");
    if !STRATEGIES.contains(&strategy) {
        return Err(Error::unprocessable("`strategy` is not a follow-me strategy"));
    }
    let text = |field: &str, column: &str| -> Result<Value, Error> {
        Ok(Value::from(checked(field, "follow_me", column, form.get(field).unwrap_or_default())?))
    };
    let ringing = form.get("ringing").map(str::trim).filter(|s| !s.is_empty()).unwrap_or("Ring");
    checked("ringing", "follow_me", "music_on_hold_ringing", ringing)?;
    let list = numbers(form.get("grplist").unwrap_or_default());
    for n in &list {
        checked("grplist", "follow_me_numbers", "number", n)?;
    }
    let values = vec![
        strategy.into(),
        int(form, "grptime", 20, 1..=60)?.into(),
        text("grppre", "prefix")?,
        int(form, "annmsg_id", 0, 0..=i64::from(i32::MAX))?.into(),
        int(form, "remotealert_id", 0, 0..=i64::from(i32::MAX))?.into(),
        int(form, "toolate_id", 0, 0..=i64::from(i32::MAX))?.into(),
        text("postdest", "post_destination")?,
        text("dring", "alert_info")?,
        text("needsconf", "confirm_calls")?,
        int(form, "pre_ring", 0, 0..=60)?.into(),
        ringing.into(),
    ];
    Ok((values, list))
}

fn exists(db: &Connection, table_key: &str, number: &str) -> Result<bool, Error> {
    let sql = match table_key {
        "extension" => "SELECT 1 FROM extensions WHERE number = ?",
        _ => "SELECT 1 FROM follow_me WHERE extension = ?",
    };
    Ok(!db.query(sql, &[number.into()])?.rows().is_empty())
}

fn write_numbers(tx: &Connection, number: &str, list: &[String]) -> Result<(), Error> {
    tx.query("DELETE FROM follow_me_numbers WHERE extension = ?", &[number.into()])?;
    for (i, n) in list.iter().enumerate() {
        tx.query("INSERT INTO follow_me_numbers (extension, position, number) VALUES (?, ?, ?)", &[number.into(), (i as i64).into(), n.as_str().into()])?;
    }
    Ok(())
}

/// Creates the follow-me of an existing extension unless it has one (`INSERT OK` either way).
pub fn add(req: &Request) -> Result<Response, Error> {
    let form = form(req)?;
    let number = number_field(&form, "grpnum")?;
    let (values, list) = posted(&form)?;
    write_then_apply("INSERT OK", |tx| {
        if !exists(tx, "extension", &number)? {
            return Err(Error::unprocessable(format!("there is no extension {number}")));
        }
        if exists(tx, "follow_me", &number)? {
            return Ok(false);
        }
        let mut params: Vec<Value> = vec![number.as_str().into()];
        params.extend(values);
        tx.query(
            "INSERT INTO follow_me (extension, strategy, ring_time, prefix, announcement_id, remote_alert_id, too_late_id, \
             post_destination, alert_info, confirm_calls, pre_ring, music_on_hold_ringing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &params,
        )?;
        write_numbers(tx, &number, &list)?;
        Ok(true)
    })
}

/// Replaces the follow-me of that extension only (an unknown one changes nothing).
pub fn update(req: &Request) -> Result<Response, Error> {
    let form = form(req)?;
    let number = number_field(&form, "grpnum")?;
    let (values, list) = posted(&form)?;
    write_then_apply("UPDATE OK", |tx| {
        if !exists(tx, "follow_me", &number)? {
            return Ok(false);
        }
        let mut params = values;
        params.push(number.as_str().into());
        tx.query(
            "UPDATE follow_me SET strategy = ?, ring_time = ?, prefix = ?, announcement_id = ?, remote_alert_id = ?, \
             too_late_id = ?, post_destination = ?, alert_info = ?, confirm_calls = ?, pre_ring = ?, music_on_hold_ringing = ? \
             WHERE extension = ?",
            &params,
        )?;
        write_numbers(tx, &number, &list)?;
        Ok(true)
    })
}

pub fn delete(req: &Request) -> Result<Response, Error> {
    let number = number_field(&form(req)?, "grpnum")?;
    write_then_apply("DELETE OK", |tx| {
        let had = exists(tx, "follow_me", &number)?;
        tx.query("DELETE FROM follow_me_numbers WHERE extension = ?", &[number.as_str().into()])?;
        tx.query("DELETE FROM follow_me WHERE extension = ?", &[number.as_str().into()])?;
        Ok(had)
    })
}

fn rows(sql: &str, params: &[Value]) -> Result<Response, Error> {
    let result = sqlite::open("pbx")?.query(sql, params)?;
    let list = result
        .rows()
        .iter()
        .map(|row| Json::Obj(FIELDS.iter().enumerate().map(|(i, k)| (k.to_string(), Json::Str(row.text(i)))).collect()))
        .collect();
    Ok(json(&Json::Arr(list)))
}

/// `[{"grpnum":…,…}]` for `grpnum`, `[]` when it has none.
pub fn get(req: &Request) -> Result<Response, Error> {
    let form = req.form();
    let number = form.get("grpnum").unwrap_or_default().trim().to_string();
    rows(&format!("{SELECT} WHERE f.extension = ?"), &[number.into()])
}

pub fn get_all() -> Result<Response, Error> {
    rows(&format!("{SELECT} ORDER BY f.extension"), &[])
}
