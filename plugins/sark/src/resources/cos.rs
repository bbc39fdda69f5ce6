//! Class of service: `/cosrules` are rows of the shared `cos_rules` table (`name` = `pkey`) with
//! `dialplan` as its patterns (space-separated); `/cosopens` and `/coscloses` are its
//! `cos_assignments` for open and closed hours, addressed by extension number as SARK addressed
//! them. A rule's `defaultopen`/`defaultclosed` (own database) gives it to every new phone.

use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "cosrules";

pub(crate) const UPDATABLE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("defaultclosed", &["in:YES,NO"]),
    ("defaultopen", &["in:YES,NO"]),
    ("description", &["string|nullable"]),
    ("dialplan", &["string|nullable"]),
    ("orideclosed", &["in:YES,NO"]),
    ("orideopen", &["in:YES,NO"]),
];

pub(crate) const CREATE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("defaultclosed", &["in:YES,NO"]),
    ("defaultopen", &["in:YES,NO"]),
    ("description", &["string|nullable"]),
    ("dialplan", &["required"]),
    ("orideclosed", &["in:YES,NO"]),
    ("orideopen", &["in:YES,NO"]),
    ("pkey", &["required|alpha_dash"]),
];

const OWN_FIELDS: &[&str] = &["active", "defaultclosed", "defaultopen", "orideclosed", "orideopen"];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("active", Some("YES")),
    ("defaultclosed", Some("NO")),
    ("defaultopen", Some("NO")),
    ("description", None),
    ("dialplan", None),
    ("orideclosed", Some("NO")),
    ("orideopen", Some("NO")),
];

pub(crate) const ASSIGN: &[Rules] = &[("IPphone_pkey", &["required|exists:ipphone,pkey"]), ("COS_pkey", &["required|exists:cos,pkey"])];

pub fn routes(router: Router) -> Router {
    let mut router = router
        .get("/cosrules", list)
        .get("/cosrules/{cosrule}", show)
        .post("/cosrules", create)
        .post("/cosrules/{cosrule}", create)
        .put("/cosrules/{cosrule}", update)
        .delete("/cosrules/{cosrule}", delete);
    for (path, hours) in [("/cosopens", "open"), ("/coscloses", "closed")] {
        let item = format!("{path}/{{extension}}");
        router = router
            .get(path, move |r: &Request| list_assignments(r, hours))
            .get(&item, move |r: &Request| show_assignments(r, hours))
            .post(path, move |r: &Request| assign(r, hours))
            .post(&item, move |r: &Request| assign(r, hours))
            .delete(&item, move |r: &Request| unassign(r, hours));
    }
    // The API document's spelling of the open-hours POST.
    router.post("/cosopenes/{extension}", |r: &Request| assign(r, "open"))
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT name, description FROM cos_rules";
    let rows = super::select(db, sql, "name", name)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    let mut out = Vec::new();
    for row in rows.rows() {
        let pkey = row.text(0);
        let patterns = db.query("SELECT pattern FROM cos_rule_patterns WHERE rule_name = ? ORDER BY rowid", &[pkey.clone().into()])?;
        let dialplan: Vec<String> = patterns.rows().iter().map(|r| r.text(0)).collect();
        let description = row.text(1);
        let shared = [
            ("pkey", Some(pkey.clone())),
            ("description", (!description.is_empty()).then_some(description)),
            ("dialplan", (!dialplan.is_empty()).then(|| dialplan.join(" "))),
        ];
        out.push(record(COLUMNS, &shared, own_fields.get(&pkey)));
    }
    Ok(out)
}

fn one(db: &Connection, name: &str) -> Result<Json, Error> {
    records(db, Some(name))?.pop().ok_or_else(laravel::not_found)
}

fn exists(db: &Connection, name: &str) -> Result<bool, Error> {
    super::exists(db, "cos_rules", "name", name)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("cosrule").unwrap_or_default())?))
}

fn changes(input: &Input) -> (Changes, Option<Vec<String>>) {
    let mut changes = Changes::default();
    if input.has("description") {
        changes.text("cos_rules", "description", "description", input.text("description").unwrap_or_default());
    }
    let patterns = input.has("dialplan").then(|| {
        let mut patterns: Vec<String> = Vec::new();
        for p in input.text("dialplan").unwrap_or_default().split_whitespace() {
            if let Err(refusal) = switchboard_sdk::schema::check("cos_rule_patterns", "pattern", p) {
                changes.refuse("dialplan", &refusal);
            }
            if !patterns.iter().any(|q| q == p) {
                patterns.push(p.to_string());
            }
        }
        patterns
    });
    (changes, patterns)
}

fn write_patterns(tx: &Connection, name: &str, patterns: &Option<Vec<String>>) -> Result<(), Error> {
    if let Some(patterns) = patterns {
        tx.query("DELETE FROM cos_rule_patterns WHERE rule_name = ?", &[name.into()])?;
        for p in patterns {
            tx.query("INSERT INTO cos_rule_patterns (rule_name, pattern) VALUES (?, ?)", &[name.into(), p.clone().into()])?;
        }
    }
    Ok(())
}

fn origins() -> Vec<(String, String)> {
    vec![("cos_rules.name".into(), "pkey".into()), ("cos_rule_patterns.pattern".into(), "dialplan".into())]
}

fn create(req: &Request) -> Result<Response, Error> {
    let mut input = Input::from_request(req)?;
    // `POST /cosrules/{cosrule}` names the rule in the path.
    if let (Some(path_key), false) = (req.param("cosrule"), input.has("pkey")) {
        input = Input::from_pairs(
            input.fields().map(|(k, f)| (k.to_string(), f.clone())).chain([("pkey".to_string(), laravel::Field::Value(path_key.into()))]),
        );
    }
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    if exists(&db, &pkey)? {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    let (mut changes, patterns) = changes(&input);
    changes.text("cos_rules", "name", "pkey", pkey.clone());
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::insert(tx, "cos_rules", &changes)?;
        write_patterns(tx, &pkey, &patterns)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_updates(&input, OWN_FIELDS))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("cosrule").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let (mut changes, patterns) = changes(&input);
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::update(tx, "cos_rules", "name", pkey.clone().into(), &changes)?;
        write_patterns(tx, &pkey, &patterns)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_updates(&input, OWN_FIELDS))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("cosrule").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM cos_rules WHERE name = ?", &[pkey.clone().into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}

fn assignment(extension: &str, rule: &str) -> Json {
    obj([("IPphone_pkey", extension), ("COS_pkey", rule)])
}

fn assignments(db: &Connection, hours: &str, extension: Option<&str>) -> Result<Vec<Json>, Error> {
    let rows = match extension {
        Some(e) => db.query(
            "SELECT extension, rule_name FROM cos_assignments WHERE hours = ? AND extension = ? ORDER BY rule_name",
            &[hours.into(), e.into()],
        )?,
        None => db.query("SELECT extension, rule_name FROM cos_assignments WHERE hours = ? ORDER BY rule_name, extension", &[hours.into()])?,
    };
    Ok(rows.rows().iter().map(|r| assignment(&r.str(0), &r.str(1))).collect())
}

fn list_assignments(_: &Request, hours: &str) -> Result<Response, Error> {
    Ok(super::list(assignments(&model::pbx()?, hours, None)?))
}

fn show_assignments(req: &Request, hours: &str) -> Result<Response, Error> {
    let found = assignments(&model::pbx()?, hours, req.param("extension"))?;
    if found.is_empty() {
        return Err(laravel::not_found());
    }
    Ok(super::list(found))
}

fn assign(req: &Request, hours: &str) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, ASSIGN)?;
    let (extension, rule) = (input.text("IPphone_pkey").unwrap_or_default(), input.text("COS_pkey").unwrap_or_default());
    let db = model::pbx()?;
    let taken = db.query(
        "SELECT 1 FROM cos_assignments WHERE extension = ? AND rule_name = ? AND hours = ?",
        &[extension.clone().into(), rule.clone().into(), hours.into()],
    )?;
    if !taken.rows().is_empty() {
        return Err(laravel::invalid("save", "Duplicate Keys, relationship already exists - "));
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query(
            "INSERT INTO cos_assignments (extension, rule_name, hours) VALUES (?, ?, ?)",
            &[extension.clone().into(), rule.clone().into(), hours.into()],
        )?;
        Ok::<_, Error>(())
    })
    .map_err(|e| super::explain(e, &[]))?;
    Ok(laravel::created(&assignment(&extension, &rule)))
}

/// Removes the extension's assignments for these hours: all of them, or the one `COS_pkey` names.
fn unassign(req: &Request, hours: &str) -> Result<Response, Error> {
    let extension = req.param("extension").unwrap_or_default().to_string();
    let rule = Input::from_request(req)?.text("COS_pkey");
    let db = model::pbx()?;
    let found = assignments(&db, hours, Some(&extension))?;
    if found.is_empty() {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        match &rule {
            Some(rule) => tx.query(
                "DELETE FROM cos_assignments WHERE extension = ? AND hours = ? AND rule_name = ?",
                &[extension.clone().into(), hours.into(), rule.clone().into()],
            )?,
            None => tx.query("DELETE FROM cos_assignments WHERE extension = ? AND hours = ?", &[extension.clone().into(), hours.into()])?,
        };
        Ok::<_, Error>(())
    })?;
    Ok(laravel::deleted())
}
