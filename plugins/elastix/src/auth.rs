//! The original's checks, in its order: no `cmd` → `test`; no `Authorization` → `key not found`;
//! a different key → `key not matched`. The key is the whole header value.

use switchboard_sdk::{Request, auth, settings};

/// `Err(plain-text answer)` when the request may not run a command.
pub fn check(req: &Request) -> Result<String, &'static str> {
    let query = req.query();
    let Some(cmd) = query.get("cmd") else { return Err("test") };
    let Some(given) = req.header("authorization") else { return Err("key not found") };
    let key = settings::get("api-key").unwrap_or_default();
    if key.is_empty() || !auth::constant_time_eq(given.as_bytes(), key.as_bytes()) {
        return Err("key not matched");
    }
    Ok(cmd.to_string())
}
