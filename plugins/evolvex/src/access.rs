//! Who is calling: the API user whose key the request carries (`api_key`, from the query or the
//! form), and the contexts their group grants. Keys are stored as their SHA-256 only ([`key_hash`]),
//! so the lookup is by hash and the database never holds a key that works.
//!
//! A missing or unknown key is 401 and counted by the host's lock-out (`auth_throttle`): after
//! repeated wrong keys the client is answered 429 with `Retry-After`, whatever it sends. A known
//! but disabled user is 403 `user_disabled` on every method.

use serde::Serialize;
use sha2::{Digest, Sha256};
use switchboard_sdk::auth_throttle;
use switchboard_sdk::prelude::*;

use crate::own;
use crate::params::Input;

/// An API user as `check` shows it; `api_key` is the key the caller sent (only its hash is stored).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ApiUser {
    pub uuid: String,
    pub name: String,
    pub description: String,
    /// `"yes"` or `"no"`.
    pub enable: String,
    pub api_key: String,
    pub group_uuid: String,
}

/// One context a group grants.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Access {
    pub uuid: String,
    /// The routing context.
    pub name: String,
    pub description: String,
    pub group_uuid: String,
}

/// The authenticated caller and everything their group grants.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: ApiUser,
    pub access: Vec<Access>,
}

impl Caller {
    /// Whether the caller's group grants `context` (exact, case-sensitive, as Asterisk names contexts).
    pub fn may_use(&self, context: &str) -> bool {
        self.access.iter().any(|a| a.name == context)
    }

    /// The granted contexts, in the order the group lists them.
    pub fn contexts(&self) -> Vec<&str> {
        self.access.iter().map(|a| a.name.as_str()).collect()
    }

    /// The grant of `context`, if any.
    pub fn grant(&self, context: &str) -> Option<&Access> {
        self.access.iter().find(|a| a.name == context)
    }

    /// 403 `context_denied` unless the caller may use `context`.
    pub fn require(&self, context: &str) -> Result<(), Error> {
        if self.may_use(context) { Ok(()) } else { Err(crate::answer::context_denied(context)) }
    }
}

/// The lowercase hex SHA-256 of `key`: what the own database stores instead of the key.
pub fn key_hash(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The caller of `req`: `api_key` from the query or the form; missing or unknown → 401 (counted
/// by the lock-out; locked out → 429 with `Retry-After`), disabled → 403 `user_disabled`.
pub fn authenticate(req: &Request) -> Result<Caller, Error> {
    let input = Input::of(req);
    authenticate_key(input.non_empty("api_key"))
}

/// [`authenticate`] with the key already read.
pub fn authenticate_key(key: Option<&str>) -> Result<Caller, Error> {
    auth_throttle::check(None).map_err(|locked| too_many(locked.retry_after_secs()))?;
    let Some(key) = key else {
        return Err(refused("`api_key` is required"));
    };
    let db = own::open()?;
    let users = db.query(
        "SELECT uuid, name, description, enable, group_uuid FROM api_users WHERE api_key_sha256 = ?",
        &[key_hash(key).into()],
    )?;
    let Some(row) = users.rows().first() else {
        return Err(refused("unknown `api_key`"));
    };
    auth_throttle::success(None);
    let user = ApiUser {
        uuid: row.text(0),
        name: row.text(1),
        description: row.text(2),
        enable: row.text(3),
        api_key: key.to_string(),
        group_uuid: row.text(4),
    };
    if user.enable != "yes" {
        return Err(Error::new(403, "user_disabled", format!("API user `{}` is disabled", user.name)));
    }
    let rows = db.query(
        "SELECT uuid, name, description, group_uuid FROM access WHERE group_uuid = ? ORDER BY name, uuid",
        &[user.group_uuid.as_str().into()],
    )?;
    let access = rows
        .rows()
        .iter()
        .map(|r| Access { uuid: r.text(0), name: r.text(1), description: r.text(2), group_uuid: r.text(3) })
        .collect();
    Ok(Caller { user, access })
}

/// 401 `unauthorized` after counting the failure; 429 when this failure locks the client out.
fn refused(why: &str) -> Error {
    match auth_throttle::failure(None) {
        Err(locked) => too_many(locked.retry_after_secs()),
        Ok(()) => Error::new(401, "unauthorized", why.to_string()),
    }
}

/// 429 `too_many_attempts` with `Retry-After`.
pub fn too_many(retry_after: u64) -> Error {
    Error::new(429, "too_many_attempts", format!("too many failed attempts; try again in {retry_after} s"))
        .with_header("retry-after", retry_after.to_string())
}

/// An enabled caller granted `contexts`, for the methods' unit tests.
#[cfg(test)]
pub fn test_caller(contexts: &[&str]) -> Caller {
    let access = contexts
        .iter()
        .map(|c| Access { uuid: format!("u-{c}"), name: c.to_string(), description: String::new(), group_uuid: "g".into() })
        .collect();
    let user = ApiUser {
        uuid: "u".into(),
        name: "n".into(),
        description: String::new(),
        enable: "yes".into(),
        api_key: "k".into(),
        group_uuid: "g".into(),
    };
    Caller { user, access }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(contexts: &[&str]) -> Caller {
        test_caller(contexts)
    }

    #[test]
    fn contexts_match_exactly() {
        let c = caller(&["from-internal", "sales"]);
        assert!(c.may_use("sales"));
        assert!(!c.may_use("Sales"));
        assert!(!c.may_use("from-internal "));
        assert!(!c.may_use(""));
        assert_eq!(c.contexts(), ["from-internal", "sales"]);
        assert_eq!(c.require("x").unwrap_err().code(), "context_denied");
    }

    #[test]
    fn keys_hash_to_sha256_hex() {
        assert_eq!(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn no_key_is_unauthorized_before_any_database() {
        let error = authenticate(&Request::new("GET", "/check")).unwrap_err();
        assert_eq!((error.status(), error.code()), (401, "unauthorized"));
    }
}
