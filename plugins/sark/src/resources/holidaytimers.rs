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

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch seconds as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn to_utc(epoch: i64) -> String {
    let (y, m, d) = civil(epoch.div_euclid(86_400));
    let s = epoch.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// `YYYY-MM-DD HH:MM:SS` UTC as epoch seconds.
pub fn from_utc(text: &str) -> Option<i64> {
    let (date, time) = text.split_once(' ')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    Some(days(y, mo, da) * 86_400 + h * 3600 + mi * 60 + s)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
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
    let start = sent("stime").or(current.map(|c| c.0)).unwrap_or_else(now);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_and_utc_times_convert_both_ways() {
        assert_eq!(to_utc(0), "1970-01-01 00:00:00");
        assert_eq!(to_utc(1_600_000_000), "2020-09-13 12:26:40");
        assert_eq!(to_utc(951_782_400), "2000-02-29 00:00:00");
        for epoch in [0, 1_600_000_000, 951_782_400, 4_102_444_799] {
            assert_eq!(from_utc(&to_utc(epoch)), Some(epoch));
        }
    }
}
