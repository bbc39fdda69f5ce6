//! `/customapps` (SARK's `appl`): rows of the shared `custom_apps` table (`name` = `pkey`,
//! `description` = `desc`, `span`) and `extcode` as its steps, one `App(arguments)` per line (a
//! line may keep SARK's `exten => s,n,` or `same => n,` in front). A line the dialplan could not
//! take as it is refuses the request naming `extcode`.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "customapps";

/// The applications a step may run.
pub const APPLICATIONS: &[&str] = &[
    "Answer", "Background", "Busy", "ConfBridge", "Congestion", "Dial", "Echo", "Goto", "Hangup", "MusicOnHold", "NoOp", "Playback",
    "Progress", "Queue", "Ringing", "SayDigits", "SayNumber", "VoiceMail", "VoiceMailMain", "Wait", "WaitExten",
];

pub(crate) const CREATE: &[Rules] = &[
    ("pkey", &["required"]),
    ("cluster", &["required"]),
    ("desc", &["string|nullable"]),
    ("extcode", &["string|nullable"]),
    ("span", &["in:Internal,External,Both,Neither"]),
    ("striptags", &["in:YES,NO"]),
];

pub(crate) const UPDATABLE: &[Rules] = &[
    ("cluster", &["exists:cluster,pkey"]),
    ("desc", &["string|nullable"]),
    ("extcode", &["string|nullable"]),
    ("span", &["in:Internal,External,Both,Neither"]),
    ("striptags", &["in:YES,NO"]),
];

const COLUMNS: &[Column] =
    &[("pkey", None), ("cluster", Some("default")), ("desc", None), ("extcode", None), ("span", Some("Neither")), ("striptags", Some("NO"))];

pub fn routes(router: Router) -> Router {
    router
        .get("/customapps", list)
        .get("/customapps/{customapp}", show)
        .post("/customapps", create)
        .put("/customapps/{customapp}", update)
        .delete("/customapps/{customapp}", delete)
}

/// One line of `extcode` as (application, arguments), or `None` when it cannot be stored.
pub fn parse_step(line: &str) -> Option<(String, String)> {
    let mut line = line.trim();
    if let Some((head, rest)) = line.split_once("=>") {
        let head = head.trim();
        if head != "exten" && head != "same" {
            return None;
        }
        // `s,n,App(…)` or `n,App(…)`: the application starts after the last comma before `(`.
        let upto = rest.find('(').unwrap_or(rest.len());
        let cut = rest[..upto].rfind(',')?;
        line = rest[cut + 1..].trim();
    }
    let (app, args) = match line.split_once('(') {
        Some((app, rest)) => (app.trim(), rest.strip_suffix(')')?),
        None => (line, ""),
    };
    let bad = |c: char| c.is_control() || ";$\\[]{}`\"()".contains(c);
    if !APPLICATIONS.contains(&app) || args.chars().any(bad) || args.chars().count() > 255 {
        return None;
    }
    Some((app.to_string(), args.to_string()))
}

/// The steps of `extcode`; `Err(())` when a line cannot be stored.
pub fn parse_extcode(text: &str) -> Result<Vec<(String, String)>, ()> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| parse_step(l).ok_or(())).collect()
}

fn span_of(span: &str) -> String {
    let mut chars = span.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT name, tenant_id, description, span FROM custom_apps";
    let rows = super::select(db, sql, "name", name)?;
    let tenants = model::tenant_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    let mut out = Vec::new();
    for row in rows.rows() {
        let pkey = row.text(0);
        let steps = db.query("SELECT application, arguments FROM custom_app_steps WHERE app_name = ? ORDER BY position", &[pkey.clone().into()])?;
        let extcode: Vec<String> = steps.rows().iter().map(|s| format!("{}({})", s.str(0), s.str(1))).collect();
        let description = row.text(2);
        let shared = [
            ("pkey", Some(pkey.clone())),
            ("cluster", row.int(1).and_then(|t| tenants.get(&t).cloned())),
            ("desc", (!description.is_empty()).then_some(description)),
            ("extcode", (!extcode.is_empty()).then(|| extcode.join("\n"))),
            ("span", Some(span_of(&row.str(3)))),
        ];
        out.push(record(COLUMNS, &shared, own_fields.get(&pkey)));
    }
    Ok(out)
}

fn one(db: &Connection, name: &str) -> Result<Json, Error> {
    records(db, Some(name))?.pop().ok_or_else(laravel::not_found)
}

fn exists(db: &Connection, name: &str) -> Result<bool, Error> {
    super::exists(db, "custom_apps", "name", name)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("customapp").unwrap_or_default())?))
}

fn changes(db: &Connection, input: &Input) -> Result<(Changes, Option<Vec<(String, String)>>), Error> {
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        match model::tenant_id(db, &cluster)? {
            Some(id) => changes.int("custom_apps", "tenant_id", "cluster", id),
            None => changes.fail("cluster", "The selected cluster is invalid.".into()),
        }
    }
    if input.has("desc") {
        changes.text("custom_apps", "description", "desc", input.text("desc").unwrap_or_default());
    }
    if let Some(span) = input.text("span") {
        changes.text("custom_apps", "span", "span", span.to_ascii_lowercase());
    }
    let steps = match input.has("extcode").then(|| parse_extcode(&input.text("extcode").unwrap_or_default())) {
        Some(Ok(steps)) => Some(steps),
        Some(Err(())) => {
            changes.fail("extcode", "The extcode format is invalid.".into());
            None
        }
        None => None,
    };
    Ok((changes, steps))
}

fn write_steps(tx: &Connection, name: &str, steps: &Option<Vec<(String, String)>>) -> Result<(), Error> {
    if let Some(steps) = steps {
        tx.query("DELETE FROM custom_app_steps WHERE app_name = ?", &[name.into()])?;
        for (i, (app, args)) in steps.iter().enumerate() {
            tx.query(
                "INSERT INTO custom_app_steps (app_name, position, application, arguments) VALUES (?, ?, ?, ?)",
                &[name.into(), (i as i64 + 1).into(), app.clone().into(), args.clone().into()],
            )?;
        }
    }
    Ok(())
}

fn origins() -> Vec<(String, String)> {
    vec![("custom_apps.name".into(), "pkey".into()), ("custom_app_steps.application".into(), "extcode".into()), ("custom_app_steps.arguments".into(), "extcode".into())]
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    if exists(&db, &pkey)? {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    let (mut changes, steps) = changes(&db, &input)?;
    changes.text("custom_apps", "name", "pkey", pkey.clone());
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::insert(tx, "custom_apps", &changes)?;
        write_steps(tx, &pkey, &steps)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_updates(&input, &["striptags"]))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("customapp").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let (mut changes, steps) = changes(&db, &input)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        super::update(tx, "custom_apps", "name", pkey.clone().into(), &changes)?;
        write_steps(tx, &pkey, &steps)
    })
    .map_err(|e| super::explain(e, &origins()))?;
    super::save_own(RESOURCE, &pkey, &own_updates(&input, &["striptags"]))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("customapp").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM custom_apps WHERE name = ?", &[pkey.clone().into()])?;
        Ok::<_, Error>(())
    })?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extcode_lines_become_steps() {
        assert_eq!(parse_step("Playback(welcome)"), Some(("Playback".into(), "welcome".into())));
        assert_eq!(parse_step("exten => s,n,Dial(PJSIP/1001,20)"), Some(("Dial".into(), "PJSIP/1001,20".into())));
        assert_eq!(parse_step("same => n,Hangup()"), Some(("Hangup".into(), "".into())));
        assert_eq!(parse_step("Answer"), Some(("Answer".into(), "".into())));
        for bad in ["System(rm -rf /)", "Playback(${EVIL})", "Playback(a;b)", "NoOp(a)(b)", "include => evil", "Dial(PJSIP/1001"] {
            assert_eq!(parse_step(bad), None, "{bad}");
        }
        assert_eq!(parse_extcode("Answer()\n\nPlayback(hello)\r\nHangup()").unwrap().len(), 3);
        assert!(parse_extcode("Answer()\nSystem(x)").is_err());
    }
}
