//! Who is calling: the API key (HTTP Basic `apiKey:<key>`, or `?key=<key>`) is the administrator;
//! a PBX user authenticates with HTTP Basic `<extension number>:<password>`, where the password is
//! the PIN of the user's voicemail box in the `pbx` model (`voicemail.password` of the box numbered
//! like the extension) — the one secret per user the shared model keeps that a person, not a
//! phone, knows. Users get views limited to what is theirs.

use switchboard_sdk::prelude::*;
use switchboard_sdk::{auth, settings};

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

/// Authenticates `req`, or answers 401 with a Basic challenge.
pub fn caller(req: &Request) -> Result<Caller, Error> {
    if let Some((user, password)) = req.basic_auth() {
        if user == "apiKey" {
            return if key_matches(&password) { Ok(Caller::Admin) } else { Err(unauthorized("wrong API key")) };
        }
        return match model::user_pin(&user)? {
            Some(pin) if !pin.is_empty() && auth::constant_time_eq(pin.as_bytes(), password.as_bytes()) => {
                Ok(Caller::User(user))
            }
            _ => Err(unauthorized("wrong user name or password")),
        };
    }
    match req.query().get("key") {
        Some(key) if key_matches(key) => Ok(Caller::Admin),
        Some(_) => Err(unauthorized("wrong API key")),
        None => Err(unauthorized("authentication required: HTTP Basic (apiKey:<key> or user:password) or ?key=")),
    }
}
