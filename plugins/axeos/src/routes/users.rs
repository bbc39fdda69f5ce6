//! `GET /users`, `GET /users/{uuid}`, `POST /users/{uuid}` (call forward, call waiting, DND, hot desk).
//!
//! Settings live where FreePBX keeps them, as astdb rows in the shared model (`CF/<ext>` = the
//! number, `CW/<ext>` = `ENABLED`, `DND/<ext>` = `YES`; `HOTDESK/<ext>` = the phone), and are made
//! effective on the PBX with AMI `DBPut`/`DBDel`, which the dialplan reads with `${DB(…)}`.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::Connection;
use switchboard_sdk::{ami, log};

use super::{dial_number, flag, ok, resolve};
use crate::auth::{self, Caller};
use crate::ids::{self, Kind};
use crate::events::{self, directory::ModelDirectory};
use crate::model::{self, AllSettings, Extension, HOTDESK};

#[derive(Serialize)]
struct PhoneRef {
    #[serde(rename = "type")]
    kind: &'static str,
    phone: String,
    personal: bool,
}

#[derive(Serialize)]
struct Status {
    hot_desk: Option<String>,
    call_forward: Option<String>,
    cw: bool,
    dnd: bool,
    phone: Option<String>,
}

#[derive(Serialize)]
struct AppData {
    extension: String,
    email: Option<String>,
}

#[derive(Serialize)]
struct User {
    uuid: String,
    username: String,
    full_name: Option<String>,
    phones: Vec<PhoneRef>,
    primary_phone: Option<String>,
    #[serde(flatten)]
    status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_data: Option<AppData>,
}

/// What a list or single answer includes.
struct View<'a> {
    status: Option<&'a AllSettings>,
    app: bool,
    emails: &'a HashMap<String, String>,
    users: &'a HashMap<String, String>,
    phones: &'a HashMap<String, String>,
}

fn user(e: &Extension, view: &View) -> User {
    let own_phone = e.is_phone().then(|| view.phones.get(&e.number).cloned()).flatten();
    let settings = view.status.map(|s| s.of(&e.number));
    let hot_desk = settings.as_ref().and_then(|s| s.hot_desk.as_ref()).and_then(|p| view.phones.get(p).cloned());
    let mut phones: Vec<PhoneRef> =
        own_phone.iter().map(|p| PhoneRef { kind: "phone", phone: p.clone(), personal: true }).collect();
    if let Some(p) = &hot_desk {
        phones.push(PhoneRef { kind: "hot-desk", phone: p.clone(), personal: false });
    }
    User {
        uuid: view.users.get(&e.number).cloned().unwrap_or_default(),
        username: e.number.clone(),
        full_name: (!e.name.is_empty()).then(|| e.name.clone()),
        phones,
        primary_phone: own_phone.clone(),
        status: settings.map(|s| Status {
            phone: hot_desk.clone().or(own_phone),
            hot_desk,
            call_forward: s.call_forward,
            cw: s.cw,
            dnd: s.dnd,
        }),
        app_data: view.app.then(|| AppData { extension: e.number.clone(), email: view.emails.get(&e.number).cloned() }),
    }
}

/// UUIDs of every extension as a user and (where it is one) as a phone.
pub fn user_and_phone_ids(exts: &[Extension]) -> Result<(HashMap<String, String>, HashMap<String, String>), Error> {
    let numbers: Vec<String> = exts.iter().map(|e| e.number.clone()).collect();
    let phones: Vec<String> = exts.iter().filter(|e| e.is_phone()).map(|e| e.number.clone()).collect();
    Ok((ids::uuids(Kind::User, &numbers)?, ids::uuids(Kind::Phone, &phones)?))
}

fn emails(db: &Connection) -> Result<HashMap<String, String>, Error> {
    let rows = db.query("SELECT mailbox, email FROM voicemail WHERE email <> '' ORDER BY uniqueid DESC", &[])?;
    Ok(rows.rows().iter().map(|r| (r.text(0), r.text(1))).collect())
}

/// The users `caller` may see, as the API shows them.
fn render(req: &Request, caller: &Caller, only: Option<&str>, status: bool) -> Result<Vec<User>, Error> {
    let db = model::pbx()?;
    let mut exts = model::extensions(&db)?;
    exts.retain(|e| only.is_none_or(|n| e.number == n) && caller.user().is_none_or(|u| e.number == u));
    let (users, phones) = user_and_phone_ids(&model::extensions(&db)?)?;
    let settings = if status { Some(AllSettings::load(&db)?) } else { None };
    let app = req.query().contains("appid");
    let emails = if app { emails(&db)? } else { HashMap::new() };
    let view = View { status: settings.as_ref(), app, emails: &emails, users: &users, phones: &phones };
    Ok(exts.iter().map(|e| user(e, &view)).collect())
}

pub fn list(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    ok(&render(req, &caller, None, flag(req, "status"))?)
}

/// The extension behind `{uuid}`, which a user may only be themself.
fn target(req: &Request, caller: &Caller) -> Result<String, Error> {
    let number = resolve(req, Kind::User, "user")?;
    if caller.user().is_some_and(|u| u != number) {
        return Err(Error::forbidden("a user may only see and change their own settings"));
    }
    Ok(number)
}

fn one(req: &Request, caller: &Caller, number: &str) -> Result<Response, Error> {
    match render(req, caller, Some(number), true)?.pop() {
        Some(user) => ok(&user),
        None => Err(Error::not_found(format!("no user {}", req.param("uuid").unwrap_or_default()))),
    }
}

pub fn get(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let number = target(req, &caller)?;
    one(req, &caller, &number)
}

/// `Some(value)` for a present property, even when it is `null`, so "absent" and "null" differ.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The POST body: every property optional; `null` clears call forward and hot desk.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Changes {
    #[serde(default, deserialize_with = "present")]
    call_forward: Option<Option<String>>,
    cw: Option<bool>,
    dnd: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    hot_desk: Option<Option<String>>,
}

/// One astdb change: `Some(value)` sets, `None` deletes.
type Write = (&'static str, String, Option<String>);

/// The astdb writes `changes` make for user `number`, checked against what `caller` may do.
fn plan(db: &Connection, caller: &Caller, number: &str, changes: Changes) -> Result<Vec<Write>, Error> {
    let mut writes: Vec<Write> = Vec::new();
    if let Some(cf) = changes.call_forward {
        let cf = cf.filter(|v| !v.trim().is_empty()).map(|v| dial_number(&v, "call_forward")).transpose()?;
        writes.push(("CF", number.to_string(), cf));
    }
    if let Some(cw) = changes.cw {
        writes.push(("CW", number.to_string(), cw.then(|| "ENABLED".to_string())));
    }
    if let Some(dnd) = changes.dnd {
        writes.push(("DND", number.to_string(), dnd.then(|| "YES".to_string())));
    }
    if let Some(hot_desk) = changes.hot_desk {
        match hot_desk {
            None => writes.push((HOTDESK, number.to_string(), None)),
            Some(phone_uuid) => {
                caller.require_admin().map_err(|_| {
                    Error::forbidden("only API key authentication may log a user in at a hot-desk phone")
                })?;
                let phone = ids::key_of(Kind::Phone, &phone_uuid)?
                    .ok_or_else(|| Error::unprocessable(format!("no phone {phone_uuid}")))?;
                if !model::hot_desk_phones(db)?.contains(&phone) {
                    return Err(Error::unprocessable(format!("phone {phone_uuid} does not allow hot-desk logins")));
                }
                // One user per hot-desk phone: whoever was logged in there is logged out.
                for (other, at) in model::astdb_family(db, HOTDESK)? {
                    if at == phone && other != number {
                        writes.push((HOTDESK, other, None));
                    }
                }
                writes.push((HOTDESK, number.to_string(), Some(phone)));
            }
        }
    }
    Ok(writes)
}

/// Writes astdb rows in the shared model and the same keys on the PBX, with `also` (more rows of
/// the same change) in the same transaction: all or nothing. The PBX is written last, inside the
/// transaction: if it refuses or is down, or the model's COMMIT then fails (the disk full), the
/// model rolls back and the keys already set on the PBX are put back as they were, so an error
/// answer has changed nothing. (Were the PBX to fail again while they are put back, the failure
/// is logged.)
pub fn write_astdb(writes: &[Write], also: impl FnOnce(&Connection) -> Result<(), Error>) -> Result<(), Error> {
    // The keys set on the PBX so far, with the value each had before.
    let on_pbx: std::cell::RefCell<Vec<(&str, &str, Option<String>)>> = Default::default();
    let result = model::pbx()?.transaction(|tx| {
        also(tx)?;
        let mut before = Vec::new();
        for (family, key, value) in writes {
            let old = tx.query("SELECT value FROM astdb WHERE family = ? AND key = ?", &[(*family).into(), key.into()])?;
            before.push(old.rows().first().map(|row| row.text(0)));
            match value {
                Some(v) => tx.query(
                    "INSERT INTO astdb (family, key, value) VALUES (?, ?, ?) \
                     ON CONFLICT (family, key) DO UPDATE SET value = excluded.value",
                    &[(*family).into(), key.into(), v.into()],
                )?,
                None => tx.query("DELETE FROM astdb WHERE family = ? AND key = ?", &[(*family).into(), key.into()])?,
            };
        }
        for ((family, key, value), old) in writes.iter().zip(before) {
            pbx_astdb(family, key, value.as_deref())?;
            on_pbx.borrow_mut().push((*family, key.as_str(), old));
        }
        Ok::<_, Error>(())
    });
    if result.is_err() {
        for (family, key, old) in on_pbx.into_inner().into_iter().rev() {
            if let Err(undo) = pbx_astdb(family, key, old.as_deref()) {
                log::error("could not put an astdb key back on the PBX", &[("key", &format!("{family}/{key}")), ("error", &undo.to_string())]);
            }
        }
    }
    result
}

/// Sets (`Some`) or deletes (`None`) one astdb key on the PBX.
fn pbx_astdb(family: &str, key: &str, value: Option<&str>) -> Result<(), Error> {
    let result = match value {
        Some(v) => ami::send("DBPut", &[("Family", family), ("Key", key), ("Val", v)]),
        None => ami::send("DBDel", &[("Family", family), ("Key", key)]),
    };
    match result {
        Ok(_) => Ok(()),
        // Deleting a key the PBX does not have is what we wanted anyway.
        Err(ami::AmiError::Failed(m)) if value.is_none() && m.to_ascii_lowercase().contains("not found") => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub fn set(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let number = target(req, &caller)?;
    let changes: Changes = req.json()?;
    let db = model::pbx()?;
    if model::extension(&db, &number)?.is_none() {
        return Err(Error::not_found(format!("no user {}", req.param("uuid").unwrap_or_default())));
    }
    let writes = plan(&db, &caller, &number, changes)?;
    let before = model::astdb_family(&db, HOTDESK)?;
    write_astdb(&writes, |_| Ok(()))?;
    // No bus event carries astdb keys: the request that changes hot-desk logins announces them.
    let after = model::astdb_family(&db, HOTDESK)?;
    events::handler::publish(&events::hot_desk::changes(&before, &after, &ModelDirectory::new()));
    one(req, &caller, &number)
}
