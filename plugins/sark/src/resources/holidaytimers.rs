//! `/holidaytimers` (SARK's non-recurring timers): rows of the shared `holiday_timers` table, keyed
//! by its id — `stime`/`etime` epoch seconds as `starts`/`ends` (`YYYY-MM-DD HH:MM:SS`, UTC),
//! `route` as the destination during the holiday (`None`: the inbound route's closed
//! destination), `desc` as the name.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, dest};
use crate::ops::clock::{self, from_utc, to_utc};

pub(crate) const RULES: &[Rules] = &[
    ("cluster", &["exists:cluster,pkey"]),
    ("route", &["string"]),
    ("desc", &["string"]),
    ("stime", &["digits:10|nullable"]),
    ("etime", &["digits:10|nullable"]),
];

const COLUMNS: &[Column] =
    &[("pkey", None), ("cluster", Some("default")), ("desc", None), ("etime", None), ("route", Some("None")), ("stime", None)];

pub fn routes(router: Router) -> Router {
    router
        .get("/holidaytimers", list)
        .get("/holidaytimers/{holidaytimer}", show)
        .post("/holidaytimers", create)
        .put("/holidaytimers/{holidaytimer}", update)
        .delete("/holidaytimers/{holidaytimer}", delete)
}

fn records(db: &Connection, id: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT id, tenant_id, name, ends, destination, starts FROM holiday_timers";
    let rows = super::select(db, sql, "id", id)?;
    let tenants = model::tenant_names(db)?;
    let ivrs = dest::ivr_names(db)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let name = row.text(2);
            let shared = [
                ("pkey", Some(row.text(0))),
                ("cluster", row.int(1).and_then(|t| tenants.get(&t).cloned())),
                ("desc", (!name.is_empty()).then_some(name)),
                ("etime", from_utc(&row.str(3)).map(|e| e.to_string())),
                ("route", Some(dest::show(&row.str(4), &ivrs))),
                ("stime", from_utc(&row.str(5)).map(|e| e.to_string())),
            ];
            record(COLUMNS, &shared, None)
        })
        .collect())
}

fn one(db: &Connection, id: &str) -> Result<Json, Error> {
    if super::int_of(id).is_none() {
        return Err(laravel::not_found());
    }
    records(db, Some(id))?.pop().ok_or_else(laravel::not_found)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("holidaytimer").unwrap_or_default())?))
}

/// The shared columns a body sets; `current` is the timer's (start, end) when it exists.
fn changes(db: &Connection, input: &Input, current: Option<(i64, i64)>) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        changes.int("holiday_timers", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    if input.has("desc") || current.is_none() {
        changes.text("holiday_timers", "name", "desc", input.text("desc").unwrap_or_default());
    }
    if let Some(target) = input.text("route") {
        if let Some(destination) = super::target(db, &mut changes, "route", &target)? {
            changes.text("holiday_timers", "destination", "route", destination);
        }
    }
    let sent = |f: &str| input.text(f).and_then(|t| super::int_of(&t));
    let start = sent("stime").or(current.map(|c| c.0)).unwrap_or_else(|| clock::now() as i64);
    let end = sent("etime").or(current.map(|c| c.1)).unwrap_or(start);
    if end < start {
        changes.fail("etime", "The etime must be a date after or equal to stime.".into());
    }
    changes.text("holiday_timers", "starts", "stime", to_utc(start));
    changes.text("holiday_timers", "ends", "etime", to_utc(end));
    Ok(changes)
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, RULES)?;
    let db = model::pbx()?;
    let mut changes = changes(&db, &input, None)?;
    changes.checked()?;
    can_apply()?;
    let id = db.transaction(|tx| super::insert_returning_id(tx, "holiday_timers", &changes)).map_err(|e| changes.explain(e))?;
    Ok(laravel::created(&one(&db, &id)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let id = req.param("holidaytimer").unwrap_or_default().to_string();
    let db = model::pbx()?;
    one(&db, &id)?;
    let input = Input::from_request(req)?;
    validate(&input, RULES)?;
    let row = db.query("SELECT starts, ends FROM holiday_timers WHERE id = ?", &[id.clone().into()])?;
    let current = row.rows().first().map(|r| (from_utc(&r.str(0)).unwrap_or_default(), from_utc(&r.str(1)).unwrap_or_default()));
    let mut changes = changes(&db, &input, current)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| super::update(tx, "holiday_timers", "id", id.clone().into(), &changes)).map_err(|e| changes.explain(e))?;
    Ok(laravel::ok(&one(&db, &id)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let id = req.param("holidaytimer").unwrap_or_default().to_string();
    let db = model::pbx()?;
    one(&db, &id)?;
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM holiday_timers WHERE id = ?", &[id.clone().into()])?;
        Ok::<_, Error>(())
    })?;
    Ok(laravel::deleted())
}
