//! `GET /phones`, `GET /phones/{uuid}`: extensions of a phone technology, with live device states.

use std::collections::HashMap;

use serde::Serialize;
use switchboard_sdk::ami;
use switchboard_sdk::prelude::*;

use super::users::user_and_phone_ids;
use super::{flag, ok, resolve};
use crate::auth::{self, Caller};
use crate::devstate::{self, Status as DevStatus};
use crate::ids::Kind;
use crate::model::{self, AllSettings};

#[derive(Serialize)]
struct Status {
    status_code: i32,
    status: &'static str,
    hot_desk_user: Option<String>,
    mobile_user: Option<String>,
}

#[derive(Serialize)]
struct Phone {
    uuid: String,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    hot_desk: bool,
    phone_username: String,
    mobile_logins_enabled: bool,
    #[serde(flatten)]
    status: Option<Status>,
}

/// Device → state token, from one `DeviceStateList`; `None` when the PBX could not be asked.
pub fn device_states() -> Option<HashMap<String, String>> {
    let list = ami::send("DeviceStateList", &[]).ok()?;
    Some(
        list.events
            .iter()
            .filter_map(|e| Some((ami::field(e, "Device")?.to_ascii_uppercase(), ami::field(e, "State")?.to_string())))
            .collect(),
    )
}

/// A device's status from a [`device_states`] answer.
pub fn status_of(states: Option<&HashMap<String, String>>, device: &str) -> DevStatus {
    match states {
        None => devstate::ERROR,
        Some(states) => states.get(&device.to_ascii_uppercase()).map_or(devstate::NOT_FOUND, |t| devstate::from_token(t)),
    }
}

fn render(caller: &Caller, only: Option<&str>, status: bool) -> Result<Vec<Phone>, Error> {
    let db = model::pbx()?;
    let all = model::extensions(&db)?;
    let (users, phones) = user_and_phone_ids(&all)?;
    let settings = AllSettings::load(&db)?;
    let hot_desk = model::hot_desk_phones(&db)?;
    // A user sees their own phone and the one they are logged in at.
    let mine = caller.user().map(|u| {
        let s = settings.of(u);
        [Some(u.to_string()), s.hot_desk].into_iter().flatten().collect::<Vec<_>>()
    });
    let states = if status { device_states() } else { None };
    Ok(all
        .iter()
        .filter(|e| e.is_phone() && only.is_none_or(|n| e.number == n))
        .filter(|e| mine.as_ref().is_none_or(|m| m.contains(&e.number)))
        .map(|e| {
            let allows = hot_desk.contains(&e.number);
            Phone {
                uuid: phones.get(&e.number).cloned().unwrap_or_default(),
                name: (!e.name.is_empty()).then(|| e.name.clone()),
                kind: e.technology.clone(),
                hot_desk: allows,
                phone_username: e.number.clone(),
                mobile_logins_enabled: allows,
                status: status.then(|| {
                    let (status_code, status) = status_of(states.as_ref(), &e.device());
                    let user = settings.hot_desk_user(&e.number).and_then(|u| users.get(&u).cloned());
                    Status { status_code, status, hot_desk_user: user.clone(), mobile_user: user }
                }),
            }
        })
        .collect())
}

pub fn list(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    ok(&render(&caller, None, flag(req, "status"))?)
}

pub fn get(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let number = resolve(req, Kind::Phone, "phone")?;
    match render(&caller, Some(&number), true)?.pop() {
        Some(phone) => ok(&phone),
        None if caller.is_admin() => Err(Error::not_found(format!("no phone {}", req.param("uuid").unwrap_or_default()))),
        None => Err(Error::forbidden("a user may only see their own phones")),
    }
}
