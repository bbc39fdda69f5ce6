//! `/templates`: SARK's provisioning templates, in the own database (provisioning is SARK's
//! alone). The system templates are there from the first use and cannot be deleted.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;

use super::{Column, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::own;

const RESOURCE: &str = "templates";

/// The templates every SARK ships (one per phone maker it provisions, and its BLF template).
const SYSTEM: &[(&str, &str, &str)] = &[
    ("Aastra", "SIP", "Aastra phones"),
    ("Cisco", "SIP", "Cisco phones"),
    ("Gigaset", "SIP", "Gigaset phones"),
    ("Grandstream", "SIP", "Grandstream phones"),
    ("Panasonic", "SIP", "Panasonic phones"),
    ("Polycom", "SIP", "Polycom phones"),
    ("Snom", "SIP", "Snom phones"),
    ("Yealink", "SIP", "Yealink phones"),
    ("Yealink.blf", "BLF Template", "Yealink BLF keys"),
];

pub(crate) const CREATE: &[Rules] = &[("pkey", &["required"]), ("technology", &["required|in:SIP,Descriptor,BLF Template"])];

pub(crate) const UPDATABLE: &[Rules] = &[
    ("blfkeyname", &["exists:device,pkey|nullable"]),
    ("desc", &["string"]),
    ("provision", &["string|nullable"]),
    ("technology", &["in:SIP,Descriptor,BLF Template"]),
];

const FIELDS: &[&str] = &["blfkeyname", "desc", "provision", "technology"];

const COLUMNS: &[Column] =
    &[("pkey", None), ("blfkeyname", None), ("desc", None), ("owner", Some("user")), ("provision", None), ("technology", Some("SIP"))];

pub fn routes(router: Router) -> Router {
    router
        .get("/templates", list)
        .get("/templates/{template}", show)
        .post("/templates", create)
        .put("/templates/{template}", update)
        .delete("/templates/{template}", delete)
        // The API document's spelling.
        .put("/templatess/{template}", update)
        .delete("/templatess/{template}", delete)
}

/// The own database with the system templates in it.
fn open() -> Result<switchboard_sdk::sqlite::Connection, Error> {
    let db = own::open()?;
    if !own::exists(&db, RESOURCE, SYSTEM[0].0)? {
        db.transaction(|tx| {
            for (pkey, technology, desc) in SYSTEM {
                if own::insert(tx, RESOURCE, pkey)? {
                    let fields = [("technology", technology), ("desc", desc), ("owner", &"system")];
                    own::set(tx, RESOURCE, pkey, &fields.map(|(k, v)| (k.to_string(), Some(v.to_string()))))?;
                }
            }
            Ok::<_, Error>(())
        })?;
    }
    Ok(db)
}

fn one(pkey: &str) -> Result<(Json, bool), Error> {
    let db = open()?;
    if !own::exists(&db, RESOURCE, pkey)? {
        return Err(laravel::not_found());
    }
    let fields = own::one(&db, RESOURCE, pkey)?;
    let system = fields.get("owner").cloned().flatten().as_deref() == Some("system");
    Ok((record(COLUMNS, &[("pkey", Some(pkey.to_string()))], Some(&fields)), system))
}

fn list(_: &Request) -> Result<Response, Error> {
    let db = open()?;
    let fields = own::all(&db, RESOURCE)?;
    Ok(super::list(own::keys(&db, RESOURCE)?.into_iter().map(|k| record(COLUMNS, &[("pkey", Some(k.clone()))], fields.get(&k))).collect()))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(req.param("template").unwrap_or_default())?.0))
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let inserted = open()?.transaction(|tx| {
        if !own::insert(tx, RESOURCE, &pkey)? {
            return Ok::<_, Error>(false);
        }
        own::set(tx, RESOURCE, &pkey, &own_updates(&input, FIELDS))?;
        Ok(true)
    })?;
    if !inserted {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    Ok(laravel::created(&one(&pkey)?.0))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("template").unwrap_or_default().to_string();
    one(&pkey)?;
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    super::save_own(RESOURCE, &pkey, &own_updates(&input, FIELDS))?;
    Ok(laravel::ok(&one(&pkey)?.0))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("template").unwrap_or_default().to_string();
    if one(&pkey)?.1 {
        return Err(laravel::conflict("System templates cannot be deleted"));
    }
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
