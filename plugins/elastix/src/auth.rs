//! The original's checks, in its order: no `cmd` → `test`; no `Authorization` → `key not found`;
//! a different key → `key not matched`. The key is the whole header value.
//!
//! The original let anyone guess keys as fast as the server answered. Here wrong keys are counted
//! by the host per client address (there is one key, so no principal): after a few, the client is
//! locked out with back-off and answered 429 with `Retry-After` and a plain-text line in the
//! original's style — before its key is compared, so a right key during a lock counts for nothing.

use switchboard_sdk::auth_throttle::{self, Locked};
use switchboard_sdk::{Request, Response, auth, settings};

/// Why a request may not run a command, as the answer to give.
pub enum Refused {
    /// The original's plain-text answers (200).
    Original(&'static str),
    /// Locked out after too many wrong keys.
    Locked(Locked),
}

impl Refused {
    /// The answer: the original's text, or 429 with `Retry-After`.
    pub fn into_response(self) -> Response {
        match self {
            Refused::Original(text) => Response::text(text),
            Refused::Locked(locked) => {
                let secs = locked.retry_after_secs();
                Response::text(format!("too many wrong keys: try again in {secs} seconds"))
                    .with_status(429)
                    .header("retry-after", secs.to_string())
            }
        }
    }
}

/// The command to run, or why the request may not run one.
pub fn check(req: &Request) -> Result<String, Refused> {
    let query = req.query();
    let Some(cmd) = query.get("cmd") else { return Err(Refused::Original("test")) };
    let Some(given) = req.header("authorization") else { return Err(Refused::Original("key not found")) };
    auth_throttle::check(None).map_err(Refused::Locked)?;
    let key = settings::get("api-key").unwrap_or_default();
    if key.is_empty() || !auth::constant_time_eq(given.as_bytes(), key.as_bytes()) {
        // The failure that starts a lock is already answered as one.
        return Err(match auth_throttle::failure(None) {
            Ok(()) => Refused::Original("key not matched"),
            Err(locked) => Refused::Locked(locked),
        });
    }
    Ok(cmd.to_string())
}
