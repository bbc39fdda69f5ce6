//! `/agents`: SARK's queue agents. The shared model has no agents (queue members are
//! interfaces), so they live in the own database whole.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;

use super::{Column, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::own;

const RESOURCE: &str = "agents";

pub(crate) const CREATE: &[Rules] = &[
    ("pkey", &["required|integer|min:1000|max:9999"]),
    ("cluster", &["required|exists:cluster"]),
    ("name", &["required|alpha_dash"]),
    ("passwd", &["required|integer|min:1000|max:9999"]),
];

pub(crate) const UPDATABLE: &[Rules] = &[
    ("cluster", &["exists:cluster,pkey"]),
    ("name", &["alpha_dash"]),
    ("passwd", &["integer"]),
    ("queue1", &["exists:queue|nullable"]),
    ("queue2", &["exists:queue|nullable"]),
    ("queue3", &["exists:queue|nullable"]),
    ("queue4", &["exists:queue|nullable"]),
    ("queue5", &["exists:queue|nullable"]),
    ("queue6", &["exists:queue|nullable"]),
];

const FIELDS: &[&str] = &["cluster", "name", "passwd", "queue1", "queue2", "queue3", "queue4", "queue5", "queue6"];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("cluster", Some("default")),
    ("name", None),
    ("passwd", None),
    ("queue1", None),
    ("queue2", None),
    ("queue3", None),
    ("queue4", None),
    ("queue5", None),
    ("queue6", None),
];

pub fn routes(router: Router) -> Router {
    router
        .get("/agents", list)
        .get("/agents/{agent}", show)
        .post("/agents", create)
        .put("/agents/{agent}", update)
        .delete("/agents/{agent}", delete)
}

fn one(pkey: &str) -> Result<Json, Error> {
    let db = own::open()?;
    if !own::exists(&db, RESOURCE, pkey)? {
        return Err(laravel::not_found());
    }
    Ok(record(COLUMNS, &[("pkey", Some(pkey.to_string()))], Some(&own::one(&db, RESOURCE, pkey)?)))
}

fn list(_: &Request) -> Result<Response, Error> {
    let db = own::open()?;
    let fields = own::all(&db, RESOURCE)?;
    let mut keys = own::keys(&db, RESOURCE)?;
    keys.sort_by_key(|k| (k.len(), k.clone()));
    Ok(super::list(keys.into_iter().map(|k| record(COLUMNS, &[("pkey", Some(k.clone()))], fields.get(&k))).collect()))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(req.param("agent").unwrap_or_default())?))
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let inserted = own::open()?.transaction(|tx| {
        if !own::insert(tx, RESOURCE, &pkey)? {
            return Ok::<_, Error>(false);
        }
        own::set(tx, RESOURCE, &pkey, &own_updates(&input, FIELDS))?;
        Ok(true)
    })?;
    if !inserted {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    Ok(laravel::created(&one(&pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("agent").unwrap_or_default().to_string();
    one(&pkey)?;
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    super::save_own(RESOURCE, &pkey, &own_updates(&input, FIELDS))?;
    Ok(laravel::ok(&one(&pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("agent").unwrap_or_default().to_string();
    one(&pkey)?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
