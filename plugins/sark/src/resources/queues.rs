//! `/queues`: rows of the shared `queues` table (`name` = `pkey`, `announce` = `greetnum`, the
//! tenant = `cluster`); SARK's `conf`, `devicerec` and `options` in the own database.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "queues";

pub(crate) const UPDATABLE: &[Rules] = &[
    ("conf", &["string"]),
    ("cluster", &["exists:cluster,pkey"]),
    ("devicerec", &["in:None,OTR,OTRR,Inbound"]),
    ("greetnum", &[laravel::GREETING]),
    ("options", &["alpha"]),
];

pub(crate) const CREATE: &[Rules] = &[
    ("conf", &["string"]),
    ("cluster", &["required|exists:cluster,pkey"]),
    ("devicerec", &["in:None,OTR,OTRR,Inbound"]),
    ("greetnum", &[laravel::GREETING]),
    ("options", &["alpha"]),
    ("pkey", &["required"]),
];

const COLUMNS: &[Column] =
    &[("pkey", None), ("cluster", Some("default")), ("conf", None), ("devicerec", Some("None")), ("greetnum", None), ("options", Some("t"))];

const SHARED_FIELDS: &[&str] = &["pkey", "cluster", "greetnum"];

pub fn routes(router: Router) -> Router {
    router
        .get("/queues", list)
        .get("/queues/{queue}", show)
        .post("/queues", create)
        .put("/queues/{queue}", update)
        .delete("/queues/{queue}", delete)
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT name, announce, tenant_id FROM queues";
    let rows = super::select(db, sql, "name", name)?;
    let tenants = model::tenant_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let pkey = row.text(0);
            let announce = row.text(1);
            let shared = [
                ("pkey", Some(pkey.clone())),
                ("greetnum", (!announce.is_empty()).then_some(announce)),
                ("cluster", row.int(2).and_then(|t| tenants.get(&t).cloned())),
            ];
            record(COLUMNS, &shared, own_fields.get(&pkey))
        })
        .collect())
}

fn one(db: &Connection, name: &str) -> Result<Json, Error> {
    records(db, Some(name))?.pop().ok_or_else(laravel::not_found)
}

fn exists(db: &Connection, name: &str) -> Result<bool, Error> {
    super::exists(db, "queues", "name", name)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("queue").unwrap_or_default())?))
}

fn changes(db: &Connection, input: &Input) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        changes.int("queues", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    if input.has("greetnum") {
        changes.text("queues", "announce", "greetnum", input.text("greetnum").unwrap_or_default());
    }
    Ok(changes)
}

fn own_fields(input: &Input, rules: &[Rules]) -> Vec<(String, Option<String>)> {
    own_updates(input, &names(rules)).into_iter().filter(|(k, _)| !SHARED_FIELDS.contains(&k.as_str())).collect()
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    let mut changes = changes(&db, &input)?;
    changes.text("queues", "name", "pkey", pkey.clone());
    changes.checked()?;
    if exists(&db, &pkey)? {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    can_apply()?;
    db.transaction(|tx| super::insert(tx, "queues", &changes)).map_err(|e| changes.explain(e))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, CREATE))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("queue").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let mut changes = changes(&db, &input)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| super::update(tx, "queues", "name", pkey.clone().into(), &changes)).map_err(|e| changes.explain(e))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, UPDATABLE))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("queue").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM queues WHERE name = ?", &[pkey.clone().into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
