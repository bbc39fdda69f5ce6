//! Who is calling: the API key (HTTP Basic `apiKey:<key>`, or `?key=<key>`) is the administrator;
//! a PBX user authenticates with HTTP Basic `<extension number>:<password>`, where the password is
//! the PIN of the user's voicemail box in the `pbx` model (`voicemail.password` of the box numbered
//! like the extension) — the one secret per user the shared model keeps that a person, not a
//! phone, knows. Users get views limited to what is theirs.
//!
//! Wrong keys and PINs are counted by the host per client address and per principal (`apiKey`, or
//! the user's number): after a few, the caller is answered 429 with `Retry-After` in the API's JSON
//! error format — before the secret is compared, so a right one during a lock counts for nothing.

use switchboard_sdk::prelude::*;
use switchboard_sdk::{auth, auth_throttle, settings};

use crate::model;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The API key: everything.
    Admin,
    /// A PBX user (the extension number).
    User(String),
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Admin)
    }

    /// The user's extension, for a user.
    pub fn user(&self) -> Option<&str> {
        match self {
            Caller::Admin => None,
            Caller::User(number) => Some(number),
        }
    }

    /// Refuses non-admins with 403.
    pub fn require_admin(&self) -> Result<(), Error> {
        if self.is_admin() { Ok(()) } else { Err(Error::forbidden("this call needs API key authentication")) }
    }
}

fn unauthorized(message: &str) -> Error {
    Error::unauthorized(message).with_header("www-authenticate", "Basic realm=\"PBX API\"")
}

fn key_matches(given: &str) -> bool {
    let key = settings::get("api-key").unwrap_or_default();
    !key.is_empty() && auth::constant_time_eq(given.as_bytes(), key.as_bytes())
}

/// The principal API-key attempts count against.
const API_KEY: &str = "apiKey";

/// Authenticates `req`, or answers 401 with a Basic challenge (429 while locked out).
pub fn caller(req: &Request) -> Result<Caller, Error> {
    if let Some((user, password)) = req.basic_auth() {
        auth_throttle::check(Some(&user))?;
        if user == API_KEY {
            return if key_matches(&password) { Ok(Caller::Admin) } else { Err(failed(&user, "wrong API key")) };
        }
        return match model::user_pin(&user)? {
            Some(pin) if !pin.is_empty() && auth::constant_time_eq(pin.as_bytes(), password.as_bytes()) => {
                auth_throttle::success(Some(&user));
                Ok(Caller::User(user))
            }
            _ => Err(failed(&user, "wrong user name or password")),
        };
    }
    match req.query().get("key") {
        Some(key) => {
            auth_throttle::check(Some(API_KEY))?;
            if key_matches(key) { Ok(Caller::Admin) } else { Err(failed(API_KEY, "wrong API key")) }
        }
        None => Err(unauthorized("authentication required: HTTP Basic (apiKey:<key> or user:password) or ?key=")),
    }
}

/// Counts a failed attempt of `principal`: 401, or 429 when this failure starts a lock.
fn failed(principal: &str, message: &str) -> Error {
    match auth_throttle::failure(Some(principal)) {
        Ok(()) => unauthorized(message),
        Err(locked) => locked.into(),
    }
}
