//! `/inboundroutes` (SARK's DiD and CLID `lineio` rows): rows of the shared `inbound_routes` table
//! — a DiD route's `pkey` is its `did`, a CLID route's its `cid` — with `openroute` as
//! `destination`, `closeroute` as `destination_closed` (`None` = no time condition), `active` as
//! `enabled`; SARK's other columns in the own database.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, dest, own};

const RESOURCE: &str = "inboundroutes";

pub(crate) const UPDATABLE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("alertinfo", &["string"]),
    ("carrier", &["in:DiD,CLID"]),
    ("closeroute", &["string"]),
    ("cluster", &["exists:cluster,pkey"]),
    ("description", &["alpha_num"]),
    ("disa", &["in:DISA,CALLBACK|nullable"]),
    ("disapass", &["alpha_num|nullable"]),
    ("inprefix", &["integer|nullable"]),
    ("moh", &["in:ON,OFF"]),
    ("openroute", &["string"]),
    ("swoclip", &["in:YES,NO"]),
    ("tag", &["alpha_num|nullable"]),
    ("trunkname", &["alpha_num"]),
];

pub(crate) const CREATE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("alertinfo", &["string"]),
    ("carrier", &["required|in:DiD,CLID"]),
    ("closeroute", &["string"]),
    ("cluster", &["required|exists:cluster,pkey"]),
    ("description", &["alpha_num"]),
    ("disa", &["in:DISA,CALLBACK|nullable"]),
    ("disapass", &["alpha_num|nullable"]),
    ("inprefix", &["integer|nullable"]),
    ("moh", &["in:ON,OFF"]),
    ("openroute", &["string"]),
    ("swoclip", &["in:YES,NO"]),
    ("tag", &["alpha_num|nullable"]),
    ("trunkname", &["required"]),
    ("pkey", &["required"]),
];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("active", Some("YES")),
    ("alertinfo", None),
    ("carrier", Some("DiD")),
    ("closeroute", Some("None")),
    ("cluster", Some("default")),
    ("description", None),
    ("disa", None),
    ("disapass", None),
    ("inprefix", None),
    ("moh", Some("OFF")),
    ("openroute", Some("None")),
    ("swoclip", Some("YES")),
    ("tag", None),
    ("technology", Some("DiD")),
    ("trunkname", None),
];

const SHARED_FIELDS: &[&str] = &["pkey", "active", "carrier", "closeroute", "cluster", "description", "openroute"];

pub fn routes(router: Router) -> Router {
    router
        .get("/inboundroutes", list)
        .get("/inboundroutes/{inboundroute}", show)
        .post("/inboundroutes", create)
        .put("/inboundroutes/{inboundroute}", update)
        .delete("/inboundroutes/{inboundroute}", delete)
}

const SELECT: &str = "SELECT CASE WHEN did = '' THEN cid ELSE did END AS pkey, did, description, destination, destination_closed, enabled, tenant_id, id \
                      FROM inbound_routes";

fn records(db: &Connection, pkey: Option<&str>) -> Result<Vec<Json>, Error> {
    let rows = match pkey {
        Some(p) => db.query(&format!("{SELECT} WHERE did = ? OR (did = '' AND cid = ?) ORDER BY did DESC LIMIT 1"), &[p.into(), p.into()])?,
        None => db.query(&format!("{SELECT} ORDER BY pkey"), &[])?,
    };
    let tenants = model::tenant_names(db)?;
    let ivrs = dest::ivr_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let pkey = row.text(0);
            let carrier = if row.str(1).is_empty() { "CLID" } else { "DiD" };
            let shared = [
                ("pkey", Some(pkey.clone())),
                ("carrier", Some(carrier.to_string())),
                ("technology", Some(carrier.to_string())),
                ("description", Some(row.text(2)).filter(|d| !d.is_empty())),
                ("openroute", Some(dest::show(&row.str(3), &ivrs))),
                ("closeroute", Some(dest::show(&row.str(4), &ivrs))),
                ("active", Some(super::yes_no(row.int(5)))),
                ("cluster", row.int(6).and_then(|id| tenants.get(&id).cloned())),
            ];
            record(COLUMNS, &shared, own_fields.get(&pkey))
        })
        .collect())
}

fn one(db: &Connection, pkey: &str) -> Result<Json, Error> {
    records(db, Some(pkey))?.pop().ok_or_else(laravel::not_found)
}

/// The shared row's id of route `pkey`.
fn id_of(db: &Connection, pkey: &str) -> Result<Option<i64>, Error> {
    let rows = db.query("SELECT id FROM inbound_routes WHERE did = ? OR (did = '' AND cid = ?) ORDER BY did DESC LIMIT 1", &[pkey.into(), pkey.into()])?;
    Ok(rows.rows().first().and_then(|r| r.int(0)))
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("inboundroute").unwrap_or_default())?))
}

fn changes(db: &Connection, input: &Input) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    if let Some(active) = input.text("active") {
        changes.int("inbound_routes", "enabled", "active", i64::from(active != "NO"));
    }
    if let Some(cluster) = input.text("cluster") {
        changes.int("inbound_routes", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    if input.has("description") {
        changes.text("inbound_routes", "description", "description", input.text("description").unwrap_or_default());
    }
    for (field, column) in [("openroute", "destination"), ("closeroute", "destination_closed")] {
        if let Some(target) = input.text(field) {
            if let Some(destination) = super::target(db, &mut changes, field, &target)? {
                changes.text("inbound_routes", column, field, destination);
            }
        }
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
    if id_of(&db, &pkey)?.is_some() {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    let mut changes = changes(&db, &input)?;
    let clid = input.text("carrier").as_deref() == Some("CLID");
    changes.text("inbound_routes", if clid { "cid" } else { "did" }, "pkey", pkey.clone());
    if !input.has("openroute") {
        changes.text("inbound_routes", "destination", "openroute", "");
    }
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| super::insert(tx, "inbound_routes", &changes)).map_err(|e| changes.explain(e))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, CREATE))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("inboundroute").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = id_of(&db, &pkey)? else { return Err(laravel::not_found()) };
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let mut changes = changes(&db, &input)?;
    if let Some(carrier) = input.text("carrier") {
        // The key moves to the column its carrier keys on.
        let (keyed, other) = if carrier == "CLID" { ("cid", "did") } else { ("did", "cid") };
        changes.text("inbound_routes", keyed, "pkey", pkey.clone());
        changes.text("inbound_routes", other, "carrier", "");
    }
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| super::update(tx, "inbound_routes", "id", id.into(), &changes)).map_err(|e| changes.explain(e))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, UPDATABLE))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("inboundroute").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = id_of(&db, &pkey)? else { return Err(laravel::not_found()) };
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM inbound_routes WHERE id = ?", &[id.into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
