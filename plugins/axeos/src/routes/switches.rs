//! `GET /switches`, `GET|POST /switches/{uuid}`: the model's day/night timers (`day_timers`) as
//! switches. A switch's value is `null` while it follows its schedule (`state = 'auto'`, its
//! default) and `"open"` or `"closed"` while forced. Forcing writes `day_timers.state` and, the
//! way FreePBX's day/night toggles work, astdb `DAYNIGHT/C<id>` = `DAY`/`NIGHT` in the model and on
//! the PBX (`DBPut`; `DBDel` when back to automatic).

use serde::Serialize;
use switchboard_sdk::prelude::*;

use super::users::write_astdb;
use super::{flag, ok, resolve};
use crate::auth;
use crate::ids::{self, Kind};
use crate::model::{self, DayTimer};

#[derive(Serialize)]
struct Value {
    value: Option<String>,
}

#[derive(Serialize)]
struct Switch {
    uuid: String,
    name: String,
    default: bool,
    #[serde(flatten)]
    status: Option<Value>,
}

fn value(t: &DayTimer) -> Option<String> {
    (t.state != "auto").then(|| t.state.clone())
}

fn switch(t: &DayTimer, uuid: String, status: bool) -> Switch {
    Switch { uuid, name: t.name.clone(), default: t.state == "auto", status: status.then(|| Value { value: value(t) }) }
}

pub fn list(req: &Request) -> Result<Response, Error> {
    auth::caller(req)?;
    let timers = model::day_timers(&model::pbx()?)?;
    let keys: Vec<String> = timers.iter().map(|t| t.id.to_string()).collect();
    let uuids = ids::uuids(Kind::Switch, &keys)?;
    let status = flag(req, "status");
    ok(&timers.iter().map(|t| switch(t, uuids.get(&t.id.to_string()).cloned().unwrap_or_default(), status)).collect::<Vec<_>>())
}

fn find(req: &Request) -> Result<DayTimer, Error> {
    let id = resolve(req, Kind::Switch, "switch")?;
    model::day_timers(&model::pbx()?)?
        .into_iter()
        .find(|t| t.id.to_string() == id)
        .ok_or_else(|| Error::not_found(format!("no switch {}", req.param("uuid").unwrap_or_default())))
}

pub fn get(req: &Request) -> Result<Response, Error> {
    auth::caller(req)?;
    let t = find(req)?;
    ok(&switch(&t, req.param("uuid").unwrap_or_default().to_ascii_lowercase(), true))
}

/// The new value from a JSON body (`{"value": …}`), a form, or the query string.
fn requested(req: &Request) -> Result<Option<String>, Error> {
    let is_json = req.header("content-type").is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    let raw = if is_json {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            value: Option<String>,
        }
        req.json::<Body>()?.value
    } else {
        let form = req.form_strict()?;
        form.get("value").or(req.query().get("value")).map(str::to_string)
    };
    match raw.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if v.is_empty() || v == "auto" || v == "null" => Ok(None),
        Some(v) if v == "open" || v == "closed" => Ok(Some(v)),
        Some(_) => Err(Error::unprocessable("`value` must be \"open\", \"closed\" or null (follow the schedule)")),
    }
}

pub fn set(req: &Request) -> Result<Response, Error> {
    auth::caller(req)?.require_admin()?;
    let t = find(req)?;
    let new = requested(req)?;
    let state = new.clone().unwrap_or_else(|| "auto".into());
    let daynight = new.map(|v| if v == "open" { "DAY".to_string() } else { "NIGHT".to_string() });
    // The timer's state and its astdb key change together or not at all.
    write_astdb(&[("DAYNIGHT", format!("C{}", t.id), daynight)], |tx| {
        tx.query("UPDATE day_timers SET state = ? WHERE id = ?", &[state.as_str().into(), t.id.into()])?;
        Ok(())
    })?;
    let t = find(req)?;
    ok(&switch(&t, req.param("uuid").unwrap_or_default().to_ascii_lowercase(), true))
}
