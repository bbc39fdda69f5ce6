//! `/routes` (SARK's outbound routes): rows of the shared `outbound_routes` table (`name` =
//! `pkey`), `dialplan` as its patterns (space-separated, in order) and `path1`…`path4` as its
//! trunks in order of preference; `active`, `auth`, `desc` and `strategy` in the own database.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "routes";
const PATHS: [&str; 4] = ["path1", "path2", "path3", "path4"];

pub(crate) const UPDATABLE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("auth", &["in:YES,NO"]),
    ("cluster", &["exists:cluster,pkey"]),
    ("desc", &["alpha_dash"]),
    ("dialplan", &["string"]),
    ("path1", &["exists:lineio,pkey|nullable"]),
    ("path2", &["exists:lineio,pkey|nullable"]),
    ("path3", &["exists:lineio,pkey|nullable"]),
    ("path4", &["exists:lineio,pkey|nullable"]),
    ("strategy", &["in:hunt,balance"]),
];

pub(crate) const CREATE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("auth", &["in:YES,NO"]),
    ("cluster", &["required|exists:cluster,pkey"]),
    ("desc", &["alpha_dash"]),
    ("dialplan", &["string"]),
    ("path1", &["exists:lineio,pkey|nullable"]),
    ("path2", &["exists:lineio,pkey|nullable"]),
    ("path3", &["exists:lineio,pkey|nullable"]),
    ("path4", &["exists:lineio,pkey|nullable"]),
    ("strategy", &["in:hunt,balance"]),
    ("pkey", &["required"]),
];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("active", Some("YES")),
    ("auth", Some("NO")),
    ("cluster", Some("default")),
    ("desc", None),
    ("dialplan", None),
    ("path1", None),
    ("path2", None),
    ("path3", None),
    ("path4", None),
    ("strategy", Some("hunt")),
];

const SHARED_FIELDS: &[&str] = &["pkey", "cluster", "dialplan", "path1", "path2", "path3", "path4"];

pub fn routes(router: Router) -> Router {
    router
        .get("/routes", list)
        .get("/routes/{route}", show)
        .post("/routes", create)
        .put("/routes/{route}", update)
        .delete("/routes/{route}", delete)
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT id, name, tenant_id FROM outbound_routes";
    let rows = super::select(db, sql, "name", name)?;
    let tenants = model::tenant_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    let mut out = Vec::new();
    for row in rows.rows() {
        let id = row.int(0).unwrap_or_default();
        let pkey = row.text(1);
        let patterns = db.query("SELECT match FROM outbound_route_patterns WHERE route_id = ? ORDER BY rowid", &[id.into()])?;
        let dialplan: Vec<String> = patterns.rows().iter().map(|r| r.text(0)).collect();
        let trunks = db.query("SELECT trunk_name FROM outbound_route_trunks WHERE route_id = ? ORDER BY position", &[id.into()])?;
        let mut shared = vec![
            ("pkey", Some(pkey.clone())),
            ("cluster", row.int(2).and_then(|t| tenants.get(&t).cloned())),
            ("dialplan", (!dialplan.is_empty()).then(|| dialplan.join(" "))),
        ];
        for (i, path) in PATHS.iter().enumerate() {
            shared.push((path, trunks.rows().get(i).map(|r| r.text(0))));
        }
        out.push(record(COLUMNS, &shared, own_fields.get(&pkey)));
    }
    Ok(out)
}

fn one(db: &Connection, name: &str) -> Result<Json, Error> {
    records(db, Some(name))?.pop().ok_or_else(laravel::not_found)
}

fn id_of(db: &Connection, name: &str) -> Result<Option<i64>, Error> {
    Ok(db.query("SELECT id FROM outbound_routes WHERE name = ?", &[name.into()])?.rows().first().and_then(|r| r.int(0)))
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("route").unwrap_or_default())?))
}

/// What a body sets: the route's own columns, its patterns (when `dialplan` is sent) and its
/// trunks (when any path is sent: the paths sent replace those positions).
struct Plan {
    changes: Changes,
    patterns: Option<Vec<String>>,
    paths: Vec<(usize, Option<String>)>,
}

fn plan(db: &Connection, input: &Input) -> Result<Plan, Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        changes.int("outbound_routes", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    let patterns = input.has("dialplan").then(|| {
        let text = input.text("dialplan").unwrap_or_default();
        let patterns: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        for p in &patterns {
            if let Err(refusal) = switchboard_sdk::schema::check("outbound_route_patterns", "match", p) {
                changes.refuse("dialplan", &refusal);
            }
        }
        let mut unique = Vec::new();
        for p in patterns {
            if !unique.contains(&p) {
                unique.push(p);
            }
        }
        unique
    });
    let paths = PATHS.iter().enumerate().filter(|(_, p)| input.has(p)).map(|(i, p)| (i, input.text(p).filter(|t| !t.is_empty()))).collect();
    Ok(Plan { changes, patterns, paths })
}

fn write(tx: &Connection, id: i64, plan: &Plan) -> Result<(), Error> {
    if let Some(patterns) = &plan.patterns {
        tx.query("DELETE FROM outbound_route_patterns WHERE route_id = ?", &[id.into()])?;
        for p in patterns {
            tx.query("INSERT INTO outbound_route_patterns (route_id, match) VALUES (?, ?)", &[id.into(), p.clone().into()])?;
        }
    }
    if !plan.paths.is_empty() {
        let current = tx.query("SELECT trunk_name FROM outbound_route_trunks WHERE route_id = ? ORDER BY position", &[id.into()])?;
        let mut trunks: Vec<Option<String>> = (0..4).map(|i| current.rows().get(i).map(|r| r.text(0))).collect();
        for (i, trunk) in &plan.paths {
            trunks[*i] = trunk.clone();
        }
        tx.query("DELETE FROM outbound_route_trunks WHERE route_id = ?", &[id.into()])?;
        for (position, trunk) in trunks.into_iter().flatten().enumerate() {
            tx.query(
                "INSERT INTO outbound_route_trunks (route_id, position, trunk_name) VALUES (?, ?, ?)",
                &[id.into(), (position as i64).into(), trunk.into()],
            )?;
        }
    }
    Ok(())
}

fn own_fields(input: &Input, rules: &[Rules]) -> Vec<(String, Option<String>)> {
    own_updates(input, &names(rules)).into_iter().filter(|(k, _)| !SHARED_FIELDS.contains(&k.as_str())).collect()
}

fn origins() -> Vec<(String, String)> {
    vec![("outbound_routes.name".into(), "pkey".into()), ("outbound_route_patterns.match".into(), "dialplan".into()), ("outbound_route_trunks.trunk_name".into(), "path1".into())]
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    let mut plan = plan(&db, &input)?;
    plan.changes.text("outbound_routes", "name", "pkey", pkey.clone());
    plan.changes.checked()?;
    if id_of(&db, &pkey)?.is_some() {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    can_apply()?;
    db.transaction(|tx| {
        super::insert(tx, "outbound_routes", &plan.changes)?;
        let id = id_of(tx, &pkey)?.unwrap_or_default();
        write(tx, id, &plan)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, CREATE))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("route").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = id_of(&db, &pkey)? else { return Err(laravel::not_found()) };
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let mut plan = plan(&db, &input)?;
    plan.changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::update(tx, "outbound_routes", "id", id.into(), &plan.changes)?;
        write(tx, id, &plan)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, UPDATABLE))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("route").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = id_of(&db, &pkey)? else { return Err(laravel::not_found()) };
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM outbound_routes WHERE id = ?", &[id.into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
