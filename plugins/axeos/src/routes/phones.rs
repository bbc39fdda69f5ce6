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

/// Device → state token, from one `DeviceStateList`. A PBX that cannot answer (not connected,
/// starting, shutting down) is the request's error, never a list of unknown phones.
pub fn device_states() -> Result<HashMap<String, String>, Error> {
    let list = ami::list("DeviceStateList", &[])?;
    Ok(list
        .events
        .iter()
        .filter_map(|e| Some((ami::field(e, "Device")?.to_ascii_uppercase(), ami::field(e, "State")?.to_string())))
        .collect())
}

/// The status of `device`, a phone of the `pbx` model, from a [`device_states`] answer.
///
/// `DeviceStateList` lists only the devices whose state Asterisk has published since it started:
/// a PJSIP endpoint that never registered is not in it, and its state is `UNAVAILABLE`. A phone
/// of the model that is not listed is therefore Unavailable (4), not "not found".
pub fn status_of(states: &HashMap<String, String>, device: &str) -> DevStatus {
    states.get(&device.to_ascii_uppercase()).map_or(devstate::UNAVAILABLE, |t| devstate::from_token(t))
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
    let states = if status { Some(device_states()?) } else { None };
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
                status: states.as_ref().map(|states| {
                    let (status_code, status) = status_of(states, &e.device());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_missing_from_the_device_list_is_unavailable() {
        let states: HashMap<String, String> =
            [("PJSIP/1001", "NOT_INUSE"), ("PJSIP/1002", "INVALID"), ("PJSIP/1003", "UNAVAILABLE")].map(|(d, s)| (d.to_string(), s.to_string())).into();
        assert_eq!(status_of(&states, "PJSIP/1001"), (0, "Idle"));
        assert_eq!(status_of(&states, "pjsip/1001"), (0, "Idle"));
        assert_eq!(status_of(&states, "PJSIP/1003"), devstate::UNAVAILABLE);
        // Never registered since Asterisk started: not listed at all.
        assert_eq!(status_of(&states, "PJSIP/1009"), devstate::UNAVAILABLE);
        // Asterisk itself says there is no such device.
        assert_eq!(status_of(&states, "PJSIP/1002"), devstate::NOT_FOUND);
    }
}
