//! `GET /voicemail`, `GET /voicemail/{uuid}`: `voicemail` rows with live counts (`MailboxCount`).
//! A user sees their own box (numbered like their extension); another box needs its PIN as
//! `?password=`.

use serde::Serialize;
use switchboard_sdk::prelude::*;
use switchboard_sdk::{ami, auth as sdk_auth, auth_throttle};

use super::{flag, ok, resolve};
use crate::auth::{self, Caller};
use crate::ids::{self, Kind};
use crate::model::{self, Mailbox};

#[derive(Serialize)]
struct Counts {
    new_messages: u64,
    old_messages: u64,
    urgent_messages: u64,
}

#[derive(Serialize)]
struct MailboxView {
    uuid: String,
    mailbox_number: String,
    #[serde(flatten)]
    counts: Option<Counts>,
}

fn counts(m: &Mailbox) -> Result<Counts, Error> {
    let key = m.key();
    let answer = ami::send("MailboxCount", &[("Mailbox", key.as_str())])?;
    let n = |k: &str| ami::field(&answer.response, k).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    Ok(Counts { new_messages: n("NewMessages"), old_messages: n("OldMessages"), urgent_messages: n("UrgMessages") })
}

fn view(m: &Mailbox, uuid: String, status: bool) -> Result<MailboxView, Error> {
    Ok(MailboxView { uuid, mailbox_number: m.mailbox.clone(), counts: if status { Some(counts(m)?) } else { None } })
}

pub fn list(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let mut boxes = model::mailboxes(&model::pbx()?)?;
    boxes.retain(|m| caller.user().is_none_or(|u| m.mailbox == u));
    let keys: Vec<String> = boxes.iter().map(Mailbox::key).collect();
    let uuids = ids::uuids(Kind::Mailbox, &keys)?;
    let status = flag(req, "status");
    let out: Result<Vec<MailboxView>, Error> =
        boxes.iter().map(|m| view(m, uuids.get(&m.key()).cloned().unwrap_or_default(), status)).collect();
    ok(&out?)
}

pub fn get(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let key = resolve(req, Kind::Mailbox, "mailbox")?;
    let Some(m) = model::mailboxes(&model::pbx()?)?.into_iter().find(|m| m.key() == key) else {
        return Err(Error::not_found(format!("no mailbox {}", req.param("uuid").unwrap_or_default())));
    };
    if let Caller::User(number) = &caller {
        let own = &m.mailbox == number;
        if !own {
            // Another box's PIN is a secret guessed like any other: counted per client address and
            // per box, checked only while neither is locked.
            let principal = format!("voicemail:{}", m.mailbox);
            auth_throttle::check(Some(&principal))?;
            let query = req.query();
            let given = query.get("password").unwrap_or_default();
            let pin_ok = !m.password.is_empty() && sdk_auth::constant_time_eq(given.as_bytes(), m.password.as_bytes());
            if !pin_ok {
                auth_throttle::failure(Some(&principal))?;
                return Err(Error::forbidden("another user's mailbox needs its password"));
            }
            auth_throttle::success(Some(&principal));
        }
    }
    ok(&view(&m, req.param("uuid").unwrap_or_default().to_ascii_lowercase(), true)?)
}
