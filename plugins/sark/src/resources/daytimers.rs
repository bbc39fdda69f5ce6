//! `/daytimers` (SARK's recurring timers): rows of the shared `day_timers` table, keyed by its id —
//! `timespan` `HH:MM-HH:MM` (or `*`, the whole day) as `begin_time`/`end_time`, `dayofweek` as
//! `weekdays`, `datemonth` as `month_days`, `month` as `months`, `desc` as the description. A
//! tenant is open while inside any of its day timers (and not on a holiday), unless its
//! `masteroclo` forces it.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model;

pub(crate) const RULES: &[Rules] = &[
    ("cluster", &["required|exists:cluster,pkey"]),
    ("datemonth", &["in:*,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31"]),
    ("dayofweek", &["in:*,mon,tue,wed,thu,fri,sat,sun"]),
    ("desc", &["string"]),
    ("month", &["in:*,jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec"]),
    ("timespan", &[laravel::TIMESPAN]),
];

const COLUMNS: &[Column] =
    &[("pkey", None), ("cluster", Some("default")), ("datemonth", Some("*")), ("dayofweek", Some("*")), ("desc", None), ("month", Some("*")), ("timespan", Some("*"))];

pub fn routes(router: Router) -> Router {
    router
        .get("/daytimers", list)
        .get("/daytimers/{daytimer}", show)
        .post("/daytimers", create)
        .put("/daytimers/{daytimer}", update)
        .delete("/daytimers/{daytimer}", delete)
}

fn records(db: &Connection, id: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT id, tenant_id, month_days, weekdays, description, months, begin_time, end_time FROM day_timers";
    let rows = super::select(db, sql, "id", id)?;
    let tenants = model::tenant_names(db)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let (begin, end) = (row.text(6), row.text(7));
            let timespan = if begin == "00:00" && end == "23:59" { "*".to_string() } else { format!("{begin}-{end}") };
            let description = row.text(4);
            let shared = [
                ("pkey", Some(row.text(0))),
                ("cluster", row.int(1).and_then(|t| tenants.get(&t).cloned())),
                ("datemonth", Some(row.text(2))),
                ("dayofweek", Some(row.text(3))),
                ("desc", (!description.is_empty()).then_some(description)),
                ("month", Some(row.text(5))),
                ("timespan", Some(timespan)),
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
    Ok(laravel::ok(&one(&model::pbx()?, req.param("daytimer").unwrap_or_default())?))
}

fn changes(db: &Connection, input: &Input, creating: bool) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        changes.int("day_timers", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    for (field, column) in [("datemonth", "month_days"), ("dayofweek", "weekdays"), ("month", "months")] {
        match input.text(field) {
            Some(value) => changes.text("day_timers", column, field, value),
            None if creating => changes.text("day_timers", column, field, "*"),
            None => {}
        }
    }
    if input.has("desc") || creating {
        let desc = input.text("desc").unwrap_or_default();
        changes.text("day_timers", "description", "desc", desc.clone());
        changes.text("day_timers", "name", "desc", desc);
    }
    let span = input.text("timespan").or_else(|| creating.then(|| "*".to_string()));
    if let Some(span) = span {
        let (begin, end) = if span == "*" { ("00:00", "23:59") } else { laravel::parse_timespan(&span).unwrap_or(("", "")) };
        changes.text("day_timers", "begin_time", "timespan", begin);
        changes.text("day_timers", "end_time", "timespan", end);
    }
    Ok(changes)
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, RULES)?;
    let db = model::pbx()?;
    let mut changes = changes(&db, &input, true)?;
    changes.checked()?;
    can_apply()?;
    let id = db.transaction(|tx| super::insert_returning_id(tx, "day_timers", &changes)).map_err(|e| changes.explain(e))?;
    Ok(laravel::created(&one(&db, &id)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let id = req.param("daytimer").unwrap_or_default().to_string();
    let db = model::pbx()?;
    one(&db, &id)?;
    let input = Input::from_request(req)?;
    validate(&input, RULES)?;
    let mut changes = changes(&db, &input, false)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| super::update(tx, "day_timers", "id", id.clone().into(), &changes)).map_err(|e| changes.explain(e))?;
    Ok(laravel::ok(&one(&db, &id)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let id = req.param("daytimer").unwrap_or_default().to_string();
    let db = model::pbx()?;
    one(&db, &id)?;
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM day_timers WHERE id = ?", &[id.clone().into()])?;
        Ok::<_, Error>(())
    })?;
    Ok(laravel::deleted())
}
