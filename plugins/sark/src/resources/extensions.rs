//! `/extensions` (SARK's `ipphone`): rows of the shared `extensions` table (`number` = `pkey`,
//! `name` = `desc`, `secret` = `passwd`, the tenant = `cluster`, `callerid`), SARK's phone
//! columns (device, provisioning, twinning, …) in the own database, so an extension any flavor
//! creates is listed here with SARK's defaults. `runtime` is call forwarding and ring delay in
//! astdb: the shared `astdb` table, and the live PBX through AMI when the mount grants it.

use switchboard_sdk::ami;
use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{Connection, Value};

use super::{Changes, Column, can_apply, names, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::{self, own};

const RESOURCE: &str = "extensions";

pub(crate) const UPDATABLE: &[Rules] = &[
    ("active", &["in:YES,NO"]),
    ("callbackto", &["in:desk,cell"]),
    ("callerid", &["integer|nullable"]),
    ("cellphone", &["integer|nullable"]),
    ("celltwin", &["in:ON,OFF"]),
    ("cluster", &["exists:cluster,pkey"]),
    ("devicerec", &["in:None,OTR,OTRR,Inbound.Outbound,Both"]),
    ("dvrvmail", &["exists:ipphone,pkey|nullable"]),
    ("location", &["in:local,remote"]),
    ("protocol", &["in:IPV4,IPV6"]),
    ("provision", &["string|nullable"]),
    ("provisionwith", &["in:IP,FQDN"]),
    ("sndcreds", &["in:No,Once,Always"]),
    ("transport", &["in:udp,tcp,tls,wss"]),
    ("vmailfwd", &["email|nullable"]),
];

pub(crate) const CREATE: &[Rules] = &[("pkey", &["required"]), ("cluster", &["required|exists:cluster,pkey"])];
pub(crate) const CREATE_PROVISIONED: &[Rules] =
    &[("pkey", &["required"]), ("cluster", &["required|exists:cluster,pkey"]), ("macaddr", &["required", laravel::MAC])];

pub(crate) const RUNTIME: &[Rules] = &[("cfim", &[laravel::PHONE, "nullable"]), ("cfbs", &[laravel::PHONE, "nullable"]), ("ringdelay", &["integer|nullable"])];

/// The astdb families of the runtime fields: call forward always and on busy as every flavor's
/// dialplan reads them, and SARK's ring delay.
const RUNTIME_FAMILIES: [(&str, &str); 3] = [("cfim", "CF"), ("cfbs", "CFB"), ("ringdelay", "ringdelay")];

const COLUMNS: &[Column] = &[
    ("pkey", None),
    ("active", Some("YES")),
    ("callbackto", Some("desk")),
    ("callerid", None),
    ("cellphone", None),
    ("celltwin", Some("OFF")),
    ("cluster", Some("default")),
    ("desc", None),
    ("device", Some("General SIP")),
    ("devicerec", Some("default")),
    ("dvrvmail", None),
    ("location", Some("local")),
    ("macaddr", None),
    ("passwd", None),
    ("protocol", Some("IPV4")),
    ("provision", None),
    ("provisionwith", Some("IP")),
    ("sndcreds", Some("Always")),
    ("technology", Some("SIP")),
    ("transport", Some("udp")),
    ("vmailfwd", None),
];

/// Phone makers by the first six hex digits of a MAC, for `provisioned`.
const VENDORS: &[(&str, &str)] = &[
    ("001565", "Yealink"), ("805EC0", "Yealink"), ("249AD8", "Yealink"), ("44DBD2", "Yealink"),
    ("000413", "Snom"), ("0004F2", "Polycom"), ("64167F", "Polycom"), ("000B82", "Grandstream"),
    ("C074AD", "Grandstream"), ("7C2F80", "Gigaset"), ("00085D", "Aastra"), ("0080F0", "Panasonic"),
    ("001BD4", "Cisco"), ("00AA00", "Vtech"),
];

pub fn routes(router: Router) -> Router {
    router
        .get("/extensions", list)
        .get("/extensions/{extension}", show)
        .get("/extensions/{extension}/runtime", show_runtime)
        .post("/extensions/mailbox", |r: &Request| create(r, Kind::Mailbox))
        .post("/extensions/provisioned", |r: &Request| create(r, Kind::Provisioned))
        .post("/extensions/unprovisioned", |r: &Request| create(r, Kind::Unprovisioned))
        .post("/extensions/webrtc", |r: &Request| create(r, Kind::Webrtc))
        .put("/extensions/{extension}", update)
        .put("/extensions/{extension}/runtime", update_runtime)
        .delete("/extensions/{extension}", delete)
}

fn technology(tech: &str) -> String {
    match tech {
        "pjsip" | "sip" => "SIP".into(),
        other => other.to_ascii_uppercase(),
    }
}

fn records(db: &Connection, number: Option<&str>) -> Result<Vec<Json>, Error> {
    let sql = "SELECT number, name, secret, technology, callerid, tenant_id FROM extensions";
    let rows = super::select(db, sql, "number", number)?;
    let tenants = model::tenant_names(db)?;
    let own_fields = own::all(&own::open()?, RESOURCE)?;
    Ok(rows
        .rows()
        .iter()
        .map(|row| {
            let pkey = row.text(0);
            let callerid = row.text(4);
            let shared = [
                ("pkey", Some(pkey.clone())),
                ("desc", Some(row.text(1))),
                ("passwd", Some(row.text(2))),
                ("technology", Some(technology(&row.str(3)))),
                ("callerid", (!callerid.is_empty()).then_some(callerid)),
                ("cluster", row.int(5).and_then(|id| tenants.get(&id).cloned())),
            ];
            record(COLUMNS, &shared, own_fields.get(&pkey))
        })
        .collect())
}

fn one(db: &Connection, number: &str) -> Result<Json, Error> {
    records(db, Some(number))?.pop().ok_or_else(laravel::not_found)
}

fn list(_: &Request) -> Result<Response, Error> {
    Ok(super::list(records(&model::pbx()?, None)?))
}

fn show(req: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&one(&model::pbx()?, req.param("extension").unwrap_or_default())?))
}

fn exists(db: &Connection, number: &str) -> Result<bool, Error> {
    super::exists(db, "extensions", "number", number)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Mailbox,
    Provisioned,
    Unprovisioned,
    Webrtc,
}

/// A random SIP password (SARK generated one for every new phone).
fn random_secret() -> String {
    let bytes = switchboard_sdk::bindings::wasi::random::random::get_random_bytes(12);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The maker of the phone with this MAC, when it is one SARK provisions.
fn vendor(mac: &str) -> Option<&'static str> {
    let prefix = mac.get(..6)?.to_ascii_uppercase();
    VENDORS.iter().find(|(p, _)| *p == prefix).map(|(_, v)| *v)
}

fn create(req: &Request, kind: Kind) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, if kind == Kind::Provisioned { CREATE_PROVISIONED } else { CREATE })?;
    let pkey = input.text("pkey").unwrap_or_default();
    let db = model::pbx()?;
    let own_db = own::open()?;
    let mut own_fields: Vec<(String, Option<String>)> = Vec::new();
    let mut set = |k: &str, v: &str| own_fields.push((k.to_string(), Some(v.to_string())));
    let mut changes = Changes::default();
    changes.text("extensions", "number", "pkey", pkey.clone());
    match kind {
        Kind::Mailbox => {
            changes.text("extensions", "name", "pkey", "MAILBOX");
            changes.text("extensions", "technology", "pkey", "virtual");
            changes.text("extensions", "voicemail", "pkey", "default");
            set("device", "MAILBOX");
        }
        Kind::Provisioned => {
            let mac = input.text("macaddr").unwrap_or_default();
            let Some(device) = vendor(&mac) else {
                return Err(laravel::invalid("macaddr", format!("Can't find Manufacturer for this MAC! {mac}")));
            };
            let taken = own::all(&own_db, RESOURCE)?.values().any(|f| f.get("macaddr").cloned().flatten().is_some_and(|m| m.eq_ignore_ascii_case(&mac)));
            if taken {
                return Err(laravel::invalid("macaddr", format!("This MAC already exists in the DB! {mac}")));
            }
            changes.text("extensions", "name", "pkey", format!("Ext{pkey}"));
            set("device", device);
            set("macaddr", &mac);
            set("provision", &format!("#INCLUDE {device}\n#INCLUDE {device}.udp\n#INCLUDE {device}.ipv4\n"));
        }
        Kind::Unprovisioned => {
            changes.text("extensions", "name", "pkey", format!("Ext{pkey}"));
            set("device", "General SIP");
        }
        Kind::Webrtc => {
            changes.text("extensions", "name", "pkey", format!("Ext{pkey}"));
            set("device", "WebRTC");
            set("transport", "wss");
        }
    }
    set("location", "local");
    if kind != Kind::Mailbox {
        changes.text("extensions", "secret", "pkey", random_secret());
    }
    changes.checked()?;
    if exists(&db, &pkey)? {
        return Err(laravel::invalid("save", format!("Duplicate Key - {pkey}")));
    }
    can_apply()?;
    let tenant = super::tenant_of(&db, input.text("cluster").as_deref())?;
    changes.int("extensions", "tenant_id", "cluster", tenant);
    db.transaction(|tx| {
        let cols: Vec<&str> = changes.columns.iter().map(|(c, _)| *c).collect();
        let values: Vec<Value> = changes.columns.iter().map(|(_, v)| v.clone()).collect();
        tx.query(&format!("INSERT INTO extensions ({}) VALUES ({})", cols.join(", "), vec!["?"; cols.len()].join(", ")), &values)?;
        if kind == Kind::Mailbox {
            tx.query(
                "INSERT OR IGNORE INTO voicemail (context, mailbox, fullname, tenant_id) VALUES ('default', ?, 'MAILBOX', ?)",
                &[pkey.clone().into(), tenant.into()],
            )?;
        }
        if kind != Kind::Mailbox {
            default_cos(tx, &own_db, &pkey)?;
        }
        Ok::<_, Error>(())
    })
    .map_err(|e| changes.explain(e))?;
    own_db.transaction(|tx| own::set(tx, RESOURCE, &pkey, &own_fields))?;
    Ok(laravel::created(&one(&db, &pkey)?))
}

/// A new phone gets the class-of-service rules marked `defaultopen`/`defaultclosed`.
fn default_cos(tx: &Connection, own_db: &Connection, pkey: &str) -> Result<(), Error> {
    for (rule, fields) in own::all(own_db, "cosrules")? {
        for (flag, hours) in [("defaultopen", "open"), ("defaultclosed", "closed")] {
            if fields.get(flag).cloned().flatten().as_deref() == Some("YES") {
                tx.query(
                    "INSERT OR IGNORE INTO cos_assignments (extension, rule_name, hours) SELECT ?, name, ? FROM cos_rules WHERE name = ?",
                    &[pkey.into(), hours.into(), rule.clone().into()],
                )?;
            }
        }
    }
    Ok(())
}

fn update(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("extension").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, UPDATABLE)?;
    let mut changes = Changes::default();
    if let Some(cluster) = input.text("cluster") {
        let tenant = super::tenant_of(&db, Some(&cluster))?;
        changes.int("extensions", "tenant_id", "cluster", tenant);
    }
    if input.has("callerid") {
        changes.text("extensions", "callerid", "callerid", input.text("callerid").unwrap_or_default());
    }
    let email = input.has("vmailfwd").then(|| input.text("vmailfwd").unwrap_or_default());
    if let Some(email) = &email {
        if let Err(refusal) = switchboard_sdk::schema::check("voicemail", "email", email) {
            changes.refuse("vmailfwd", &refusal);
        }
    }
    changes.checked()?;
    can_apply()?;
    db.transaction(|tx| {
        if !changes.columns.is_empty() {
            let sets: Vec<String> = changes.columns.iter().map(|(c, _)| format!("{c} = ?")).collect();
            let mut values: Vec<Value> = changes.columns.iter().map(|(_, v)| v.clone()).collect();
            values.push(pkey.clone().into());
            tx.query(&format!("UPDATE extensions SET {} WHERE number = ?", sets.join(", ")), &values)?;
        }
        if let Some(email) = &email {
            tx.query("UPDATE voicemail SET email = ? WHERE mailbox = ?", &[email.clone().into(), pkey.clone().into()])?;
        }
        Ok::<_, Error>(())
    })
    .map_err(|e| changes.explain(e))?;
    let own_fields: Vec<_> = own_updates(&input, &names(UPDATABLE)).into_iter().filter(|(k, _)| k != "cluster" && k != "callerid").collect();
    own::open()?.transaction(|tx| own::set(tx, RESOURCE, &pkey, &own_fields))?;
    Ok(laravel::ok(&one(&db, &pkey)?))
}

fn delete(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("extension").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    can_apply()?;
    db.transaction(|tx| {
        tx.query("DELETE FROM extensions WHERE number = ?", &[pkey.clone().into()])?;
        tx.query("DELETE FROM astdb WHERE family = 'ringdelay' AND key = ?", &[pkey.clone().into()])?;
        tx.query("DELETE FROM voicemail WHERE mailbox = ?", &[pkey.clone().into()])?;
        Ok::<_, Error>(())
    })
    .map_err(|e| super::explain(e, &[]))?;
    own::open()?.transaction(|tx| own::remove(tx, RESOURCE, &pkey))?;
    Ok(laravel::deleted())
}

/// An AMI failure as SARK answered it: the PBX not reachable is its 503, another refusal a 502
/// with Asterisk's message.
fn pbx_error(error: ami::AmiError) -> Error {
    let error = Error::from(error);
    if error.status() == 503 || error.status() == 504 {
        return laravel::error_body(503, &obj([("message", "Service Unavailable - Could not connect to the PBX")]));
    }
    laravel::error_body(error.status(), &obj([("message", error.message())]))
}

/// A runtime value: the live PBX's through AMI; the shared `astdb` table's when the mount is not
/// granted AMI. A PBX that cannot answer is an error, never a stale or empty value.
fn runtime_value(db: &Connection, family: &str, key: &str) -> Result<String, Error> {
    match ami::send("DBGet", &[("Family", family), ("Key", key)]) {
        Ok(result) => return Ok(result.events.iter().find_map(|e| ami::field(e, "Val").map(str::to_string)).unwrap_or_default()),
        Err(ami::AmiError::Failed(message)) if message.contains("not found") => return Ok(String::new()),
        Err(ami::AmiError::Denied(_)) => {}
        Err(error) => return Err(pbx_error(error)),
    }
    let rows = db.query("SELECT value FROM astdb WHERE family = ? AND key = ?", &[family.into(), key.into()])?;
    Ok(rows.rows().first().map(|r| r.text(0)).unwrap_or_default())
}

fn show_runtime(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("extension").unwrap_or_default();
    let db = model::pbx()?;
    if !exists(&db, pkey)? {
        return Err(laravel::not_found());
    }
    let mut values = Vec::new();
    for (field, family) in RUNTIME_FAMILIES {
        values.push((field, Json::Str(runtime_value(&db, family, pkey)?)));
    }
    Ok(laravel::ok(&obj(values)))
}

fn update_runtime(req: &Request) -> Result<Response, Error> {
    let pkey = req.param("extension").unwrap_or_default().to_string();
    let db = model::pbx()?;
    if !exists(&db, &pkey)? {
        return Err(laravel::not_found());
    }
    let input = Input::from_request(req)?;
    validate(&input, RUNTIME)?;
    let mut writes = Vec::new();
    for (field, family) in RUNTIME_FAMILIES {
        if let Some(value) = input.text(field).filter(|v| !v.is_empty()) {
            writes.push((family, value));
        }
    }
    let mut changes = Changes::default();
    for (family, value) in &writes {
        changes.text("astdb", "value", family, value.clone());
    }
    changes.checked()?;
    // The table and the live PBX together: a PBX that refuses rolls the table back. A mount not
    // granted AMI keeps the table alone (what the next start of the PBX is given).
    db.transaction(|tx| {
        for (family, value) in &writes {
            tx.query(
                "INSERT INTO astdb (family, key, value) VALUES (?, ?, ?) ON CONFLICT (family, key) DO UPDATE SET value = excluded.value",
                &[(*family).into(), pkey.clone().into(), value.clone().into()],
            )?;
        }
        for (family, value) in &writes {
            match ami::send("DBPut", &[("Family", family), ("Key", &pkey), ("Val", value)]) {
                Ok(_) | Err(ami::AmiError::Denied(_)) => {}
                Err(error) => return Err(pbx_error(error)),
            }
        }
        Ok::<_, Error>(())
    })
    .map_err(|e| changes.explain(e))?;
    Ok(Response::empty(204))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_makers_come_from_the_mac_prefix() {
        assert_eq!(vendor("001565aabbcc"), Some("Yealink"));
        assert_eq!(vendor("000413AABBCC"), Some("Snom"));
        assert_eq!(vendor("ffffffaabbcc"), None);
        assert_eq!(vendor("0015"), None);
    }

    #[test]
    fn technologies_show_as_sark_named_them() {
        assert_eq!(technology("pjsip"), "SIP");
        assert_eq!(technology("sip"), "SIP");
        assert_eq!(technology("iax2"), "IAX2");
        assert_eq!(technology("virtual"), "VIRTUAL");
    }
}
