//! `/ivrs` (SARK's `ivrmenu`): rows of the shared `ivrs` table (`name` = `pkey`, `greetnum` as the
//! announcement `usergreeting<NNNN>`, `timeout` as the timeout destination, `listenforext` as
//! direct dial) and its `ivr_entries`: `option0`…`option9` are keys 0–9, `option10` is `*` and
//! `option11` is `#`. Tags, alerts and the description stay in the own database.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, dest, own};

const RESOURCE: &str = "ivrs";

/// The key each `option<i>` stands for.
const KEYS: [&str; 12] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"];

const OPTIONS: [&str; 12] =
    ["option0", "option1", "option2", "option3", "option4", "option5", "option6", "option7", "option8", "option9", "option10", "option11"];

macro_rules! twelve {
    ($p:literal, $rule:expr) => {
        [
            (concat!($p, "0"), $rule), (concat!($p, "1"), $rule), (concat!($p, "2"), $rule), (concat!($p, "3"), $rule),
            (concat!($p, "4"), $rule), (concat!($p, "5"), $rule), (concat!($p, "6"), $rule), (concat!($p, "7"), $rule),
            (concat!($p, "8"), $rule), (concat!($p, "9"), $rule), (concat!($p, "10"), $rule), (concat!($p, "11"), $rule),
        ]
    };
}

const NULLABLE_STRING: &[&str] = &["string|nullable"];
const ALERTS: [Rules<'static>; 12] = twelve!("alert", NULLABLE_STRING);
const OPTION_RULES: [Rules<'static>; 12] = twelve!("option", NULLABLE_STRING);
const TAGS: [Rules<'static>; 12] = twelve!("tag", NULLABLE_STRING);

/// The rules of a body, in SARK's order; `create` makes `pkey` and `cluster` required.
pub(crate) fn rules(create: bool) -> Vec<Rules<'static>> {
    let mut rules: Vec<Rules<'static>> = vec![("pkey", if create { &["required"] } else { NULLABLE_STRING })];
    rules.extend(ALERTS);
    rules.push(("description", NULLABLE_STRING));
    rules.push(("cluster", if create { &["required|exists:cluster,pkey"] } else { &["exists:cluster,pkey"] }));
    rules.push(("greetnum", &["integer"]));
    rules.push(("listenforext", &["in:YES,NO"]));
    rules.extend(OPTION_RULES);
    rules.extend(TAGS);
    rules.push(("timeout", &["string"]));
    rules
}

fn columns() -> Vec<Column> {
    let mut columns: Vec<Column> = vec![("pkey", None)];
    columns.extend(ALERTS.iter().map(|(n, _)| (*n, None)));
    columns.extend([("cluster", Some("default")), ("description", None), ("greetnum", None), ("listenforext", Some("NO"))]);
    columns.extend(OPTION_RULES.iter().map(|(n, _)| (*n, Some("None"))));
    columns.extend(TAGS.iter().map(|(n, _)| (*n, None)));
    columns.push(("timeout", Some("None")));
    columns
}

pub fn routes(router: Router) -> Router {
    router.get("/ivrs", list).get("/ivrs/{ivr}", show).post("/ivrs", create).put("/ivrs/{ivr}", update).delete("/ivrs/{ivr}", delete)
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT id, name, announcement, direct_dial, timeout_destination, tenant_id FROM ivrs";
    let rows = super::select(db, sql, "name", name)?;
    let tenants = model::tenant_names(db)?;
    let ivrs = dest::ivr_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    let columns = columns();
    let mut out = Vec::new();
    for row in rows.rows() {
        let id = row.int(0).unwrap_or_default();
        let pkey = row.text(1);
        let announcement = row.text(2);
        let greetnum = announcement.strip_prefix("usergreeting").map(|n| n.trim_start_matches('0').to_string()).map(|n| if n.is_empty() { "0".into() } else { n });
        let mut shared: Vec<(&str, Option<String>)> = vec![
            ("pkey", Some(pkey.clone())),
            ("greetnum", greetnum),
            ("listenforext", Some(if row.int(3) == Some(1) { "YES" } else { "NO" }.to_string())),
            ("timeout", Some(dest::show(&row.str(4), &ivrs))),
            ("cluster", row.int(5).and_then(|t| tenants.get(&t).cloned())),
        ];
        let entries = db.query("SELECT digits, destination FROM ivr_entries WHERE ivr_id = ?", &[id.into()])?;
        for (option, key) in OPTIONS.iter().zip(KEYS) {
            let entry = entries.rows().iter().find(|r| r.str(0) == key).map(|r| dest::show(&r.str(1), &ivrs));
            shared.push((option, Some(entry.unwrap_or_else(|| "None".into()))));
        }
        out.push(record(&columns, &shared, own_fields.get(&pkey)));
    }
    Ok(out)
}

fn one(db: &Connection, name: &str) -> Result<Json, Error> {
    records(db, Some(name))?.pop().ok_or_else(laravel::not_found)
}

fn id_of(db: &Connection, name: &str) -> Result<Option<i64>, Error> {
    Ok(db.query("SELECT id FROM ivrs WHERE name = ?", &[name.into()])?.rows().first().and_then(|r| r.int(0)))
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("ivr").unwrap_or_default())?))
}

/// The shared columns a body sets, and the key presses it sets (`None`: the key is removed).
fn changes(db: &Connection, input: &Input) -> Result<(Changes, Vec<(&'static str, Option<String>)>), Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        changes.int("ivrs", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    if let Some(number) = input.text("greetnum").and_then(|g| super::int_of(&g)) {
        if (0..=9999).contains(&number) {
            changes.text("ivrs", "announcement", "greetnum", format!("usergreeting{number:04}"));
        } else {
            changes.fail("greetnum", "The greetnum format is invalid.".into());
        }
    }
    if let Some(listen) = input.text("listenforext") {
        changes.int("ivrs", "direct_dial", "listenforext", i64::from(listen == "YES"));
    }
    if let Some(target) = input.text("timeout") {
        if let Some(destination) = super::target(db, &mut changes, "timeout", &target)? {
            changes.text("ivrs", "timeout_destination", "timeout", destination);
        }
    }
    let mut entries = Vec::new();
    for (option, key) in OPTIONS.iter().zip(KEYS) {
        if !input.has(option) {
            continue;
        }
        let target = input.text(option).unwrap_or_default();
        match super::target(db, &mut changes, option, &target)? {
            Some(destination) if destination.is_empty() => entries.push((key, None)),
            Some(destination) => {
                if let Err(refusal) = switchboard_sdk::schema::check("ivr_entries", "destination", &destination) {
                    changes.refuse(option, &refusal);
                }
                entries.push((key, Some(destination)));
            }
            None => {}
        }
    }
    Ok((changes, entries))
}

fn write_entries(tx: &Connection, id: i64, entries: &[(&str, Option<String>)]) -> Result<(), Error> {
    for (key, destination) in entries {
        tx.query("DELETE FROM ivr_entries WHERE ivr_id = ? AND digits = ?", &[id.into(), (*key).into()])?;
        if let Some(destination) = destination {
            tx.query("INSERT INTO ivr_entries (ivr_id, digits, destination) VALUES (?, ?, ?)", &[id.into(), (*key).into(), destination.clone().into()])?;
        }
    }
    Ok(())
}

/// Tags, alerts and the description.
fn own_fields(input: &Input) -> Vec<(String, Option<String>)> {
    let mut names: Vec<&str> = vec!["description"];
    names.extend(ALERTS.iter().map(|(n, _)| *n));
    names.extend(TAGS.iter().map(|(n, _)| *n));
    own_updates(input, &names)
}

fn origins() -> Vec<(String, String)> {
    vec![("ivrs.name".into(), "pkey".into()), ("ivrs.announcement".into(), "greetnum".into())]
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, &rules(true))?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    if id_of(&db, &pkey)?.is_some() {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    let (mut changes, entries) = changes(&db, &input)?;
    changes.text("ivrs", "name", "pkey", pkey.clone());
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::insert(tx, "ivrs", &changes)?;
        let id = id_of(tx, &pkey)?.unwrap_or_default();
        write_entries(tx, id, &entries)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("ivr").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = id_of(&db, &pkey)? else { return Err(laravel::not_found()) };
    let input = Input::from_request(req)?;
    validate(&input, &rules(false))?;
    let (mut changes, entries) = changes(&db, &input)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::update(tx, "ivrs", "id", id.into(), &changes)?;
        write_entries(tx, id, &entries)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("ivr").unwrap_or_default().to_string();
    let db = model::pbx()?;
    let Some(id) = id_of(&db, &pkey)? else { return Err(laravel::not_found()) };
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM ivrs WHERE id = ?", &[id.into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
