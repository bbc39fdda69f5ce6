//! `/tenants` (SARK's clusters): rows of the shared `tenants` table (`name` = `pkey`,
//! `description`, `open_state` = `masteroclo`), SARK's other cluster columns in the own database.
//! The default tenant cannot be deleted, nor one that anything still belongs to.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "tenants";

/// What PUT may change, with SARK's rules.
pub(crate) const UPDATABLE: &[Rules] = &[
    ("abstimeout", &["integer"]),
    ("clusterclid", &["integer|nullable"]),
    ("callgroup", &["integer|nullable"]),
    ("chanmax", &["integer"]),
    ("description", &["string"]),
    ("include", &["string|nullable"]),
    ("localarea", &["integer|nullable"]),
    ("localdplan", &[laravel::LOCAL_DIALPLAN, "nullable"]),
    ("masteroclo", &["in:AUTO,CLOSED"]),
    ("operator", &["integer"]),
    ("pickupgroup", &["integer|nullable"]),
];

/// POST: the same, `pkey` required and `description` required.
pub(crate) const CREATE: &[Rules] = &[
    ("pkey", &["required"]),
    ("abstimeout", &["integer"]),
    ("clusterclid", &["integer|nullable"]),
    ("callgroup", &["integer|nullable"]),
    ("chanmax", &["integer"]),
    ("description", &["string|required"]),
    ("include", &["string|nullable"]),
    ("localarea", &["integer|nullable"]),
    ("localdplan", &[laravel::LOCAL_DIALPLAN, "nullable"]),
    ("masteroclo", &["in:AUTO,CLOSED"]),
    ("operator", &["integer"]),
    ("pickupgroup", &["integer|nullable"]),
];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("abstimeout", Some("14400")),
    ("callgroup", None),
    ("chanmax", Some("30")),
    ("clusterclid", None),
    ("description", None),
    ("id", None),
    ("include", None),
    ("localarea", None),
    ("localdplan", None),
    ("masteroclo", Some("AUTO")),
    ("operator", Some("0")),
    ("pickupgroup", None),
];

/// The tables whose rows belong to a tenant.
const DEPENDENTS: &[&str] =
    &["extensions", "trunks", "queues", "ring_groups", "inbound_routes", "outbound_routes", "ivrs", "day_timers", "holiday_timers", "voicemail", "custom_apps", "cos_rules"];

pub fn routes(router: Router) -> Router {
    router
        .get("/tenants", list)
        .get("/tenants/{tenant}", show)
        .post("/tenants", create)
        .put("/tenants/{tenant}", update)
        .delete("/tenants/{tenant}", delete)
}

fn masteroclo(open_state: &str) -> &'static str {
    match open_state {
        "closed" => "CLOSED",
        "open" => "OPEN",
        _ => "AUTO",
    }
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT name, description, id, open_state FROM tenants";
    let rows = super::select(db, sql, "name", name)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let pkey = row.text(0);
            let shared = [
                ("pkey", Some(pkey.clone())),
                ("description", Some(row.text(1))),
                ("id", Some(row.text(2))),
                ("masteroclo", Some(masteroclo(&row.str(3)).to_string())),
            ];
            record(COLUMNS, &shared, own_fields.get(&pkey))
        })
        .collect())
}

fn one(db: &Connection, name: &str) -> Result<Json, Error> {
    records(db, Some(name))?.pop().ok_or_else(laravel::not_found)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("tenant").unwrap_or_default())?))
}

/// The shared columns a body sets.
fn changes(input: &Input) -> Changes {
    let mut changes = Changes::default();
    if let Some(description) = input.text("description") {
        changes.text("tenants", "description", "description", description);
    }
    if let Some(state) = input.text("masteroclo") {
        changes.text("tenants", "open_state", "masteroclo", if state == "CLOSED" { "closed" } else { "auto" });
    }
    changes
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    if model::tenant_id(&db, &pkey)?.is_some() {
        return Err(laravel::conflict("Key already exists"));
    }
    let mut changes = changes(&input);
    changes.text("tenants", "name", "pkey", pkey.clone());
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        let cols: Vec<&str> = changes.columns.iter().map(|(c, _)| *c).collect();
        let sql = format!("INSERT INTO tenants ({}) VALUES ({})", cols.join(", "), vec!["?"; cols.len()].join(", "));
        let values: Vec<_> = changes.columns.iter().map(|(_, v)| v.clone()).collect();
        tx.query(&sql, &values)?;
        Ok::<_, Error>(())
    })
    .map_err(|e| changes.explain(e))?;
    let own_db = own::open()?;
    own_db.transaction(|tx| own::set(tx, RESOURCE, &pkey, &own_updates(&input, &names(UPDATABLE)[..])))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("tenant").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if model::tenant_id(&db, &pkey)?.is_none() {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let mut changes = changes(&input);
    changes.checked()?;
    can_apply()?;
    if !changes.columns.is_empty() {
        db.transaction(|tx| {
            let sets: Vec<String> = changes.columns.iter().map(|(c, _)| format!("{c} = ?")).collect();
            let mut values: Vec<_> = changes.columns.iter().map(|(_, v)| v.clone()).collect();
            values.push(pkey.clone().into());
            tx.query(&format!("UPDATE tenants SET {} WHERE name = ?", sets.join(", ")), &values)?;
            Ok::<_, Error>(())
        })
        .map_err(|e| changes.explain(e))?;
    }
    let own_db = own::open()?;
    own_db.transaction(|tx| own::set(tx, RESOURCE, &pkey, &own_updates(&input, &names(UPDATABLE)[..])))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("tenant").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = model::tenant_id(&db, &pkey)? else { return Err(laravel::not_found()) };
    if id == 1 || pkey == "default" {
        return Err(laravel::error_body(409, &Json::from(vec!["Error - Cannot delete default tenant!"])));
    }
    can_apply()?;
    db.transaction(|tx| {
        for table in DEPENDENTS {
            let used = tx.query(&format!("SELECT 1 FROM {table} WHERE tenant_id = ? LIMIT 1"), &[id.into()])?;
            if !used.rows().is_empty() {
                return Err(laravel::conflict(format!("Tenant {pkey} has dependencies ({table}) and cannot be deleted")));
            }
        }
        tx.query("DELETE FROM tenants WHERE id = ?", &[id.into()])?;
        Ok(())
    })
    .map_err(|e| super::explain(e, &[]))?;
    own::open()?.transaction(|tx| own::remove(tx, RESOURCE, &pkey))?;
    Ok(laravel::deleted())
}
