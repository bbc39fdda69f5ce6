//! `/trunks` (SARK's SIP and IAX2 `lineio` rows): rows of the shared `trunks` table (`name` =
//! `pkey`, host, username, `secret` = `password`, `enabled` = `active`, `outbound_cid` =
//! `callerid`, a `register` string = `register` 1), SARK's other trunk columns in the own database.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "trunks";

pub(crate) const UPDATABLE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("alertinfo", &["string"]),
    ("callerid", &["integer"]),
    ("callprogress", &["in:ON,OFF"]),
    ("cluster", &["exists:cluster,pkey"]),
    ("description", &["alpha_num"]),
    ("devicerec", &["in:None,OTR,OTRR,Inbound.Outbound,Both"]),
    ("disa", &["in:DISA,CALLBACK|nullable"]),
    ("disapass", &["alpha_num|nullable"]),
    ("host", &["string"]),
    ("inprefix", &["integer|nullable"]),
    ("match", &["integer|nullable"]),
    ("moh", &["in:ON,OFF"]),
    ("password", &["alpha_num|nullable"]),
    ("peername", &["string"]),
    ("register", &["string|nullable"]),
    ("sipiaxpeer", &["string"]),
    ("sipiaxuser", &["string"]),
    ("swoclip", &["in:YES,NO"]),
    ("tag", &["alpha_num|nullable"]),
    ("transform", &[laravel::TRANSFORM, "nullable"]),
    ("trunkname", &["alpha_num"]),
    ("username", &["alpha_num|nullable"]),
];

/// POST: SARK's update rules with its create requirements put in place and appended.
pub(crate) const CREATE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("alertinfo", &["string"]),
    ("callerid", &["integer"]),
    ("callprogress", &["in:ON,OFF"]),
    ("cluster", &["required|exists:cluster,pkey"]),
    ("description", &["alpha_num"]),
    ("devicerec", &["in:None,OTR,OTRR,Inbound.Outbound,Both"]),
    ("disa", &["in:DISA,CALLBACK|nullable"]),
    ("disapass", &["alpha_num|nullable"]),
    ("host", &["required"]),
    ("inprefix", &["integer|nullable"]),
    ("match", &["integer|nullable"]),
    ("moh", &["in:ON,OFF"]),
    ("password", &["alpha_num|nullable"]),
    ("peername", &["string"]),
    ("register", &["string|nullable"]),
    ("sipiaxpeer", &["string"]),
    ("sipiaxuser", &["string"]),
    ("swoclip", &["in:YES,NO"]),
    ("tag", &["alpha_num|nullable"]),
    ("transform", &[laravel::TRANSFORM, "nullable"]),
    ("trunkname", &["alpha_num"]),
    ("username", &["required"]),
    ("pkey", &["required"]),
    ("carrier", &["required|in:GeneralSIP,GeneralIAX2"]),
];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("active", Some("YES")),
    ("alertinfo", None),
    ("callerid", None),
    ("callprogress", Some("OFF")),
    ("carrier", Some("GeneralSIP")),
    ("cluster", Some("default")),
    ("description", None),
    ("devicerec", Some("default")),
    ("disa", None),
    ("disapass", None),
    ("host", None),
    ("inprefix", None),
    ("match", None),
    ("moh", Some("OFF")),
    ("password", None),
    ("peername", None),
    ("register", None),
    ("sipiaxpeer", None),
    ("sipiaxuser", None),
    ("swoclip", Some("YES")),
    ("tag", None),
    ("technology", Some("SIP")),
    ("transform", None),
    ("trunkname", None),
    ("username", None),
];

/// The shared columns SARK's fields set.
const SHARED_FIELDS: &[&str] = &["active", "callerid", "cluster", "host", "password", "username", "register"];

pub fn routes(router: Router) -> Router {
    router
        .get("/trunks", list)
        .get("/trunks/{trunk}", show)
        .post("/trunks", create)
        .put("/trunks/{trunk}", update)
        .delete("/trunks/{trunk}", delete)
}

fn records(db: &Connection, name: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT name, host, username, secret, enabled, outbound_cid, tenant_id, technology FROM trunks \
               WHERE technology IN ('pjsip', 'sip', 'iax2')";
    let rows = match name {
        Some(n) => db.query(&format!("{sql} AND name = ?"), &[n.into()])?,
        None => db.query(&format!("{sql} ORDER BY name"), &[])?,
    };
    let tenants = model::tenant_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let pkey = row.text(0);
            let iax = row.str(7) == "iax2";
            let cid = row.text(5);
            let shared = [
                ("pkey", Some(pkey.clone())),
                ("host", Some(row.text(1))),
                ("username", Some(row.text(2))),
                ("password", Some(row.text(3))),
                ("active", Some(super::yes_no(row.int(4)))),
                ("callerid", (!cid.is_empty()).then_some(cid)),
                ("cluster", row.int(6).and_then(|id| tenants.get(&id).cloned())),
                ("technology", Some(if iax { "IAX2" } else { "SIP" }.to_string())),
                ("carrier", Some(if iax { "GeneralIAX2" } else { "GeneralSIP" }.to_string())),
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
    Ok(laravel::ok(&one(&model::pbx()?, req.param("trunk").unwrap_or_default())?))
}

fn exists(db: &Connection, name: &str) -> Result<bool, Error> {
    super::exists(db, "trunks", "name", name)
}

/// Whether `host` is an IP address or a domain name.
fn valid_host(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
        || (host.contains('.')
            && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')))
}

/// The shared columns a body sets.
fn changes(db: &Connection, input: &Input) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    if let Some(active) = input.text("active") {
        changes.int("trunks", "enabled", "active", i64::from(active != "NO"));
    }
    if input.has("callerid") {
        changes.text("trunks", "outbound_cid", "callerid", input.text("callerid").unwrap_or_default());
    }
    if let Some(cluster) = input.text("cluster") {
        changes.int("trunks", "tenant_id", "cluster", super::tenant_of(db, Some(&cluster))?);
    }
    if let Some(host) = input.text("host") {
        if !valid_host(&host) {
            changes.fail("host", format!("Host must be valid IP or valid domain name {host}"));
        } else {
            changes.text("trunks", "host", "host", host);
        }
    }
    if input.has("password") {
        changes.text("trunks", "secret", "password", input.text("password").unwrap_or_default());
    }
    if input.has("username") {
        changes.text("trunks", "username", "username", input.text("username").unwrap_or_default());
    }
    if input.has("register") {
        changes.int("trunks", "register", "register", i64::from(!input.text("register").unwrap_or_default().is_empty()));
    }
    Ok(changes)
}

fn own_fields(input: &Input, rules: &[Rules]) -> Vec<(String, Option<String>)> {
    own_updates(input, &names(rules)).into_iter().filter(|(k, _)| !SHARED_FIELDS.contains(&k.as_str()) || k == "register").collect()
}

fn create(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, CREATE)?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    let mut changes = changes(&db, &input)?;
    changes.text("trunks", "name", "pkey", pkey.clone());
    let iax = input.text("carrier").as_deref() == Some("GeneralIAX2");
    changes.text("trunks", "technology", "carrier", if iax { "iax2" } else { "pjsip" });
    changes.checked()?;
    if exists(&db, &pkey)? {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    can_apply()?;
    db.transaction(|tx| super::insert(tx, "trunks", &changes)).map_err(|e| changes.explain(e))?;
    // SARK's defaults: the peer name is the user name, the trunk name the peer name.
    let mut fields = own_fields(&input, CREATE);
    let username = input.text("username").unwrap_or_default();
    let peername = input.text("peername").unwrap_or(username);
    if !input.has("peername") {
        fields.push(("peername".into(), Some(peername.clone())));
    }
    if !input.has("trunkname") {
        fields.push(("trunkname".into(), Some(peername)));
    }
    fields.retain(|(k, _)| k != "pkey");
    super::save_own(RESOURCE, &pkey, &fields)?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("trunk").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let mut changes = changes(&db, &input)?;
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| super::update(tx, "trunks", "name", pkey.clone().into(), &changes)).map_err(|e| changes.explain(e))?;
    super::save_own(RESOURCE, &pkey, &own_fields(&input, UPDATABLE))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("trunk").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM trunks WHERE name = ?", &[pkey.clone().into()])?;
        Ok::<_, Error>(())
    })
    .map_err(|e| super::explain(e, &[]))?;
    super::forget_own(RESOURCE, &pkey)?;
    Ok(laravel::deleted())
}
