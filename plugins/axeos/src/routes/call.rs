//! `POST /call` (originate from a user's phone), `GET /call/{unique_id}`, `DELETE /call/{unique_id}`.
//!
//! Originate runs `Async` so the answer says why a call failed: the host routes the
//! `OriginateResponse` (which carries the host's `ActionID`) onto the event bus, where this request
//! waits for it. `Reason` 4 = answered (201), 5 busy, 3 no answer, anything else failed (200 with
//! that status); a phone that is unregistered (device state Unavailable, or not in
//! `DeviceStateList` at all, which is how Asterisk lists a phone that never registered), unknown to
//! the PBX, or whose channel cannot be created is answered 503 `phone_unavailable`; a PBX that
//! cannot be asked (not connected, starting, shutting down) 503 `pbx_unavailable`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard_sdk::prelude::*;
use switchboard_sdk::{ami, events, settings};

use super::phones::{device_states, status_of};
use super::users::user_and_phone_ids;
use super::{dial_number, ok};
use crate::auth::{self, Caller};
use crate::devstate;
use crate::events::translate::channel_endpoint;
use crate::ids::{self, Kind};
use crate::model::{self, AllSettings, Extension};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OriginateRequest {
    user_name: Option<String>,
    user_uuid: Option<String>,
    number: Option<String>,
    auto_answer: Option<bool>,
    phone_uuid: Option<String>,
}

/// The body as JSON, or as form fields.
fn body(req: &Request) -> Result<OriginateRequest, Error> {
    let is_json = req.header("content-type").is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    if is_json {
        return req.json();
    }
    let form = req.form();
    let text = |k: &str| form.get(k).map(str::to_string);
    let auto_answer = match form.get("auto_answer").map(str::to_ascii_lowercase).as_deref() {
        None => None,
        Some("1" | "true" | "yes" | "on") => Some(true),
        Some("0" | "false" | "no" | "off" | "") => Some(false),
        Some(_) => return Err(Error::unprocessable("`auto_answer` must be true or false")),
    };
    Ok(OriginateRequest {
        user_name: text("user_name"),
        user_uuid: text("user_uuid"),
        number: text("number"),
        auto_answer,
        phone_uuid: text("phone_uuid"),
    })
}

/// The calling user's extension: the authenticated user, or the one the admin names.
fn calling_user(caller: &Caller, o: &OriginateRequest) -> Result<Option<String>, Error> {
    let named = match (&o.user_name, &o.user_uuid) {
        (Some(name), _) => Some(name.clone()),
        (None, Some(uuid)) => Some(ids::key_of(Kind::User, uuid)?.ok_or_else(|| Error::unprocessable(format!("no user {uuid}")))?),
        (None, None) => None,
    };
    match caller {
        Caller::User(me) if named.as_ref().is_some_and(|n| n != me) => Err(Error::forbidden("a user may only call from their own phones")),
        Caller::User(me) => Ok(Some(me.clone())),
        Caller::Admin => Ok(named),
    }
}

/// The phone to call from: the one asked for, else the user's hot-desk phone, else their own.
fn calling_phone(caller: &Caller, user: Option<&Extension>, o: &OriginateRequest, settings: &AllSettings) -> Result<String, Error> {
    let hot_desk = user.and_then(|u| settings.of(&u.number).hot_desk);
    if let Some(uuid) = &o.phone_uuid {
        let phone = ids::key_of(Kind::Phone, uuid)?.ok_or_else(|| Error::unprocessable(format!("no phone {uuid}")))?;
        if let Caller::User(me) = caller {
            if &phone != me && hot_desk.as_ref() != Some(&phone) {
                return Err(Error::forbidden("the phone does not belong to the user"));
            }
        }
        return Ok(phone);
    }
    let Some(user) = user else { return Err(Error::unprocessable("`user_name`, `user_uuid` or `phone_uuid` is required")) };
    hot_desk
        .or_else(|| user.is_phone().then(|| user.number.clone()))
        .ok_or_else(|| Error::unprocessable(format!("user {} has no phone", user.number)))
}

#[derive(Serialize)]
struct Originated {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_id: Option<String>,
}

/// The newest event's sequence number, so the wait below sees only what comes after it.
fn bus_position() -> Result<Option<u64>, Error> {
    Ok(events::poll(None, 0, 1, &[])?.last().map(|e| e.seq))
}

/// Waits for the `OriginateResponse` of action `id`.
fn originate_response(mut last: Option<u64>, id: &str, within: Duration) -> Result<Option<events::Event>, Error> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        let batch = events::poll(last, left.as_millis().min(u32::MAX as u128) as u32, 0, &["OriginateResponse"])?;
        for e in batch {
            last = Some(e.seq);
            if e.field("ActionID") == Some(id) {
                return Ok(Some(e));
            }
        }
    }
}

pub fn originate(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let o = body(req)?;
    let number = dial_number(o.number.as_deref().unwrap_or_default(), "number")?;
    let db = model::pbx()?;
    let user = match calling_user(&caller, &o)? {
        Some(n) => Some(model::extension(&db, &n)?.ok_or_else(|| Error::unprocessable(format!("no user {n}")))?),
        None => None,
    };
    let settings_now = AllSettings::load(&db)?;
    let phone_number = calling_phone(&caller, user.as_ref(), &o, &settings_now)?;
    let phone = model::extension(&db, &phone_number)?
        .filter(Extension::is_phone)
        .ok_or_else(|| Error::unprocessable(format!("no phone {phone_number}")))?;
    let device = phone.device();
    // The PBX not answering is its own error (503 `pbx_unavailable`), not an unavailable phone.
    match status_of(&device_states()?, &device) {
        devstate::UNAVAILABLE => {
            return Err(Error::new(503, "phone_unavailable", format!("phone {phone_number} is unavailable: not registered")));
        }
        devstate::NOT_FOUND => {
            return Err(Error::new(503, "phone_unavailable", format!("phone {phone_number} is not known to the PBX")));
        }
        _ => {}
    }
    let who = user.as_ref().unwrap_or(&phone);
    let caller_id = format!("\"{}\" <{}>", who.name.replace('"', ""), who.number);
    let context = settings::get("context").filter(|c| !c.is_empty()).unwrap_or_else(|| "from-internal".into());
    let ring: u64 = settings::get("ring-timeout").and_then(|v| v.parse().ok()).unwrap_or(20);
    let timeout_ms = (ring * 1000).to_string();
    let mut headers: Vec<(&str, &str)> = vec![
        ("Channel", &device),
        ("Context", &context),
        ("Exten", &number),
        ("Priority", "1"),
        ("CallerID", &caller_id),
        ("Timeout", &timeout_ms),
        ("Async", "true"),
    ];
    if o.auto_answer == Some(true) {
        headers.push(("Variable", "AXEOS_AUTO_ANSWER=yes"));
    }
    let start = bus_position()?;
    let sent = ami::send("Originate", &headers)?;
    let id = ami::field(&sent.response, "ActionID").unwrap_or_default().to_string();
    let Some(result) = originate_response(start, &id, Duration::from_secs(ring + 5))? else {
        return Err(Error::new(504, "pbx_timeout", "the PBX did not report the call's outcome in time"));
    };
    let uniqueid = result.field("Uniqueid").filter(|u| !u.is_empty() && *u != "<null>").map(str::to_string);
    if result.field("Response") == Some("Success") {
        let uid = uniqueid.unwrap_or_default();
        let location = format!("{}/call/{uid}", req.mount_route().trim_end_matches('/'));
        return Ok(ok(&Originated { status: "success", unique_id: Some(uid) })?.with_status(201).header("location", location));
    }
    let status = match result.field("Reason").unwrap_or_default() {
        "5" => "busy",
        "3" => "no answer",
        // No channel could be created: the device is not reachable after all.
        "0" if uniqueid.is_none() => {
            return Err(Error::new(503, "phone_unavailable", format!("phone {phone_number} is not available")));
        }
        _ => "failed",
    };
    ok(&Originated { status, unique_id: uniqueid })
}

/// One live channel from `Status`.
type Channel = Vec<(String, String)>;

/// The call `unique_id` names (a channel's `Uniqueid`, else the first with that `Linkedid`), and
/// every channel of its call.
fn find(unique_id: &str) -> Result<Option<(Channel, Vec<Channel>)>, Error> {
    let all = ami::list("Status", &[])?.events;
    let by_uid = all.iter().find(|c| ami::field(c, "Uniqueid") == Some(unique_id));
    let Some(chan) = by_uid.or_else(|| all.iter().find(|c| ami::field(c, "Linkedid") == Some(unique_id))).cloned() else {
        return Ok(None);
    };
    let linked = ami::field(&chan, "Linkedid").unwrap_or_default().to_string();
    let call = all.into_iter().filter(|c| ami::field(c, "Linkedid") == Some(linked.as_str())).collect();
    Ok(Some((chan, call)))
}

/// The channel for `{unique_id}`, checked against what the caller may control.
fn controlled(req: &Request, caller: &Caller) -> Result<Channel, Error> {
    let uid = req.param("unique_id").unwrap_or_default();
    let Some((chan, call)) = find(uid)? else { return Err(Error::not_found(format!("no call {uid}"))) };
    if let Caller::User(me) = caller {
        let hot_desk = AllSettings::load(&model::pbx()?)?.of(me).hot_desk;
        let mine = |c: &Channel| {
            let ext = ami::field(c, "Channel").and_then(channel_endpoint);
            ext == Some(me.as_str()) || (ext.is_some() && ext.map(str::to_string) == hot_desk)
        };
        if !call.iter().any(mine) {
            return Err(Error::forbidden("the call does not involve the user's phones"));
        }
    }
    Ok(chan)
}

#[derive(Serialize)]
struct Party {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_uuid: Option<String>,
    number: String,
    name: String,
}

#[derive(Serialize)]
struct CallInfo {
    unique_id: String,
    account_code: String,
    called_extension: String,
    caller: Party,
}

fn known(v: Option<&str>) -> String {
    v.filter(|v| *v != "<unknown>").unwrap_or_default().to_string()
}

fn info(chan: &Channel, users: &HashMap<String, String>, phones: &HashMap<String, String>) -> CallInfo {
    let ext = ami::field(chan, "Channel").and_then(channel_endpoint).map(str::to_string);
    CallInfo {
        unique_id: known(ami::field(chan, "Uniqueid")),
        account_code: known(ami::field(chan, "AccountCode")),
        called_extension: known(ami::field(chan, "Exten")),
        caller: Party {
            user_uuid: ext.as_ref().and_then(|e| users.get(e).cloned()),
            phone_uuid: ext.as_ref().and_then(|e| phones.get(e).cloned()),
            number: known(ami::field(chan, "CallerIDNum")),
            name: known(ami::field(chan, "CallerIDName")),
        },
    }
}

pub fn get(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let chan = controlled(req, &caller)?;
    let (users, phones) = user_and_phone_ids(&model::extensions(&model::pbx()?)?)?;
    ok(&info(&chan, &users, &phones))
}

#[derive(Serialize)]
struct HungUp {
    status: &'static str,
    message: String,
}

pub fn hangup(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let chan = controlled(req, &caller)?;
    let name = ami::field(&chan, "Channel").unwrap_or_default().to_string();
    match ami::send("Hangup", &[("Channel", &name)]) {
        Ok(answer) => ok(&HungUp {
            status: "success",
            message: ami::field(&answer.response, "Message").unwrap_or("Channel Hungup").to_string(),
        }),
        // Gone between the lookup and the hangup.
        Err(ami::AmiError::Failed(m)) if m.to_ascii_lowercase().contains("no such channel") => {
            Err(Error::not_found(format!("no call {}", req.param("unique_id").unwrap_or_default())))
        }
        Err(e) => Err(e.into()),
    }
}
