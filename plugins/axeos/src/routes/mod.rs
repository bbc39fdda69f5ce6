//! The API's calls, one module per resource; [`router`] maps paths to them.

mod acd;
mod call;
mod events;
mod phones;
mod switches;
mod system;
mod users;
mod voicemail;

use serde::Serialize;
use switchboard_sdk::prelude::*;

use crate::ids::{self, Kind};

pub fn router() -> Router {
    Router::new()
        .get("/system_information", system::information)
        .get("/users", users::list)
        .get("/users/{uuid}", users::get)
        .post("/users/{uuid}", users::set)
        .get("/phones", phones::list)
        .get("/phones/{uuid}", phones::get)
        .get("/voicemail", voicemail::list)
        .get("/voicemail/{uuid}", voicemail::get)
        .get("/switches", switches::list)
        .get("/switches/{uuid}", switches::get)
        .post("/switches/{uuid}", switches::set)
        .get("/acd/stats", acd::all)
        .post("/acd/stats", acd::all)
        .get("/acd/{uuid}/stats", acd::one)
        .post("/acd/{uuid}/stats", acd::one)
        .post("/call", call::originate)
        .get("/call/{unique_id}", call::get)
        .delete("/call/{unique_id}", call::hangup)
        .get("/events", events::poll)
}

/// Whether an option such as `?status` is set: present, and not `0`/`false`/`no`.
pub fn flag(req: &Request, name: &str) -> bool {
    let query = req.query();
    query.get(name).is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "0" | "false" | "no"))
}

/// A 200 JSON answer.
pub fn ok<T: Serialize>(value: &T) -> Result<Response, Error> {
    Response::json(value)
}

/// The natural key behind the `{uuid}` path parameter, or 404 naming what was looked for.
pub fn resolve(req: &Request, kind: Kind, what: &str) -> Result<String, Error> {
    let uuid = req.param("uuid").unwrap_or_default();
    ids::key_of(kind, uuid)?.ok_or_else(|| Error::not_found(format!("no {what} {uuid}")))
}

/// A dialable number from a client: digits, `*`, `#`, an optional leading `+`, or an extension
/// name of letters, digits and `_-` (not first: `-5` is no number) — nothing that could carry a
/// second dial string, an option or a line break into AMI or the `pbx` model.
pub fn dial_number(value: &str, field: &str) -> Result<String, Error> {
    let v = value.trim();
    let body = v.strip_prefix('+').unwrap_or(v);
    let ok = !body.is_empty()
        && v.len() <= 40
        && body.chars().all(|c| c.is_ascii_alphanumeric() || "*#_-".contains(c))
        && !body.starts_with(['_', '-'])
        && (!v.starts_with('+') || body.chars().all(|c| c.is_ascii_digit()));
    if ok { Ok(v.to_string()) } else { Err(Error::unprocessable(format!("`{field}` must be an extension or phone number"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_numbers_carry_no_dial_string_syntax() {
        for good in ["1002", "+31201234567", "0612345678", "*97", "#1"] {
            assert_eq!(dial_number(good, "n").unwrap(), good);
        }
        for bad in ["", "+", "10&PJSIP/1003", "100\r\nAction: Hangup", "1002,30", "+31a", "a b", "1/2", "-5", "${SHELL(id)}", "1;2", "[section]"] {
            assert_eq!(dial_number(bad, "n").unwrap_err().status(), 422, "{bad:?}");
        }
    }

    #[test]
    fn flags_are_present_and_not_false() {
        assert!(flag(&Request::new("GET", "/users?status"), "status"));
        assert!(flag(&Request::new("GET", "/users?status=1"), "status"));
        assert!(!flag(&Request::new("GET", "/users?status=0"), "status"));
        assert!(!flag(&Request::new("GET", "/users"), "status"));
    }
}
