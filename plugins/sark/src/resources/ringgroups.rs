//! `/ringgroups` (SARK's `speed`): rows of the shared `ring_groups` table (`number` = `pkey`,
//! `name` = `longdesc`, `grouptype` as the strategy, `ringdelay` as the ring time, `outcome` as
//! the no-answer destination) with `out` as its members in order; SARK's other columns in the own
//! database.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, dest, own};

const RESOURCE: &str = "ringgroups";

pub(crate) const UPDATABLE: &[Rules] = &[
    ("callerid", &["string|nullable"]),
    ("calleridname", &["alpha_dash|nullable"]),
    ("cluster", &["exists:cluster,pkey"]),
    ("devicerec", &["in:default,None,OTR,OTRR,Inbound.Outbound,Both"]),
    ("dialparamshunt", &["alpha|nullable"]),
    ("dialparamsring", &["alpha|nullable"]),
    ("divert", &["integer|nullable"]),
    ("greeting", &[laravel::GREETING, "nullable"]),
    ("grouptype", &["in:Ring,Hunt,Alias,Page"]),
    ("longdesc", &["string|nullable"]),
    ("obeydnd", &["in:YES,NO|nullable"]),
    ("out", &[laravel::RING_LIST, "nullable"]),
    ("outcome", &["string"]),
    ("pagegroup", &["integer"]),
    ("ringdelay", &["integer"]),
    ("speedalert", &["string"]),
];

pub(crate) const CREATE: &[Rules] = &[
    ("callerid", &["string|nullable"]),
    ("calleridname", &["alpha_dash|nullable"]),
    ("cluster", &["required|exists:cluster,pkey"]),
    ("devicerec", &["in:default,None,OTR,OTRR,Inbound.Outbound,Both"]),
    ("dialparamshunt", &["alpha|nullable"]),
    ("dialparamsring", &["alpha|nullable"]),
    ("divert", &["integer|nullable"]),
    ("greeting", &[laravel::GREETING, "nullable"]),
    ("grouptype", &["in:Ring,Hunt,Alias,Page"]),
    ("longdesc", &["string|nullable"]),
    ("obeydnd", &["in:YES,NO|nullable"]),
    ("out", &[laravel::RING_LIST, "nullable"]),
    ("outcome", &["required"]),
    ("pagegroup", &["integer"]),
    ("ringdelay", &["integer"]),
    ("speedalert", &["string"]),
    ("pkey", &["required"]),
];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("callerid", None),
    ("calleridname", None),
    ("cluster", Some("default")),
    ("devicerec", Some("default")),
    ("dialparamshunt", None),
    ("dialparamsring", None),
    ("divert", None),
    ("greeting", None),
    ("grouptype", Some("Ring")),
    ("longdesc", None),
    ("obeydnd", Some("NO")),
    ("out", None),
    ("outcome", Some("None")),
    ("pagegroup", None),
    ("ringdelay", Some("20")),
    ("speedalert", None),
];

const SHARED_FIELDS: &[&str] = &["pkey", "cluster", "longdesc", "out", "outcome", "ringdelay"];

pub fn routes(router: Router) -> Router {
    router
        .get("/ringgroups", list)
        .get("/ringgroups/{ringgroup}", show)
        .post("/ringgroups", create)
        .put("/ringgroups/{ringgroup}", update)
        .delete("/ringgroups/{ringgroup}", delete)
}

fn records(db: &Connection, number: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT number, name, strategy, ring_time, destination_if_no_answer, tenant_id FROM ring_groups";
    let rows = super::select(db, sql, "number", number)?;
    let tenants = model::tenant_names(db)?;
    let ivrs = dest::ivr_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    let mut out = Vec::new();
    for row in rows.rows() {
        let pkey = row.text(0);
        let members = db.query("SELECT destination FROM ring_group_members WHERE group_number = ? ORDER BY position", &[pkey.clone().into()])?;
        let members: Vec<String> = members.rows().iter().map(|r| r.text(0)).collect();
        let own = own_fields.get(&pkey);
        let grouptype = own.and_then(|o| o.get("grouptype").cloned().flatten()).unwrap_or_else(|| {
            if row.str(2).starts_with("hunt") { "Hunt".into() } else { "Ring".into() }
        });
        let name = row.text(1);
        let shared = [
            ("pkey", Some(pkey.clone())),
            ("longdesc", (!name.is_empty()).then_some(name)),
            ("grouptype", Some(grouptype)),
            ("ringdelay", Some(row.text(3))),
            ("outcome", Some(dest::show(&row.str(4), &ivrs))),
            ("cluster", row.int(5).and_then(|t| tenants.get(&t).cloned())),
            ("out", (!members.is_empty()).then(|| members.join(" "))),
        ];
        out.push(record(COLUMNS, &shared, own));
    }
    Ok(out)
}

fn one(db: &Connection, number: &str) -> Result<Json, Error> {
    records(db, Some(number))?.pop().ok_or_else(laravel::not_found)
}

fn exists(db: &Connection, number: &str) -> Result<bool, Error> {
    super::exists(db, "ring_groups", "number", number)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("ringgroup").unwrap_or_default())?))
}

fn changes(db: &Connection, input: &Input) -> Result<(Changes, Option<Vec<String>>), Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        changes.int("ring_groups", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    if input.has("longdesc") {
        changes.text("ring_groups", "name", "longdesc", input.text("longdesc").unwrap_or_default());
    }
    if let Some(kind) = input.text("grouptype") {
        changes.text("ring_groups", "strategy", "grouptype", if kind == "Hunt" { "hunt" } else { "ringall" });
    }
    if let Some(delay) = input.text("ringdelay").and_then(|d| super::int_of(&d)) {
        changes.int("ring_groups", "ring_time", "ringdelay", delay);
    }
    if let Some(target) = input.text("outcome") {
        if let Some(destination) = super::target(db, &mut changes, "outcome", &target)? {
            changes.text("ring_groups", "destination_if_no_answer", "outcome", destination);
        }
    }
    let members = input.has("out").then(|| {
        let members: Vec<String> = input.text("out").unwrap_or_default().split_whitespace().map(str::to_string).collect();
        for m in &members {
            if let Err(refusal) = switchboard_sdk::schema::check("ring_group_members", "destination", m) {
                changes.refuse("out", &refusal);
            }
        }
        members
    });
    Ok((changes, members))
}

fn write_members(tx: &Connection, number: &str, members: &Option<Vec<String>>) -> Result<(), Error> {
    if let Some(members) = members {
        tx.query("DELETE FROM ring_group_members WHERE group_number = ?", &[number.into()])?;
        for (i, m) in members.iter().enumerate() {
            tx.query(
                "INSERT INTO ring_group_members (group_number, position, destination) VALUES (?, ?, ?)",
                &[number.into(), (i as i64).into(), m.clone().into()],
            )?;
        }
    }
    Ok(())
}

fn own_fields(input: &Input, rules: &[Rules]) -> Vec<(String, Option<String>)> {
    own_updates(input, &names(rules)).into_iter().filter(|(k, _)| !SHARED_FIELDS.contains(&k.as_str())).collect()
}

fn origins() -> Vec<(String, String)> {
    vec![("ring_groups.number".into(), "pkey".into()), ("ring_group_members.destination".into(), "out".into()), ("ring_groups.ring_time".into(), "ringdelay".into())]
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    if exists(&db, &pkey)? {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    let (mut changes, members) = changes(&db, &input)?;
    changes.text("ring_groups", "number", "pkey", pkey.clone());
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::insert(tx, "ring_groups", &changes)?;
        write_members(tx, &pkey, &members)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, CREATE))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("ringgroup").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let (mut changes, members) = changes(&db, &input)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::update(tx, "ring_groups", "number", pkey.clone().into(), &changes)?;
        write_members(tx, &pkey, &members)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, UPDATABLE))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("ringgroup").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM ring_groups WHERE number = ?", &[pkey.clone().into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
