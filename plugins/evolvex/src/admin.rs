//! The admin resource (`…/admin/…`): API users, their groups and the contexts each group grants,
//! kept in the plugin's own database ([`crate::own`]).
//!
//! It exists only when the mount sets `admin-key`: without it every admin route is a 404. The key
//! comes as `X-Admin-Key: <key>` or `Authorization: Bearer <key>`, compared in constant time; a
//! wrong or missing key is 401 and counted by the host's lock-out like a wrong API key.
//!
//! API keys are stored as their SHA-256 only: an answer carries a user's key once, when it is
//! created or replaced, and never again.

mod groups;
mod users;
mod validate;

use std::cell::OnceCell;

use switchboard_sdk::auth::constant_time_eq;
use switchboard_sdk::prelude::*;
use switchboard_sdk::{auth_throttle, settings};

use crate::access::too_many;
pub use validate::is_context;

/// Every `/admin…` request: 404 unless the mount sets `admin-key`, then the key, then the route.
pub fn handle(req: &Request) -> Result<Response, Error> {
    let Some(key) = settings::get("admin-key").filter(|k| !k.is_empty()) else {
        return Err(Error::not_found(format!("no route for {} {}", req.method(), req.relative_path())));
    };
    authorize(req, &key)?;
    thread_local! {
        static ROUTES: OnceCell<Router> = const { OnceCell::new() };
    }
    ROUTES.with(|routes| routes.get_or_init(routes_of_admin).dispatch(req))
}

/// The admin key check, counted by the lock-out.
fn authorize(req: &Request, key: &str) -> Result<(), Error> {
    auth_throttle::check(None).map_err(|locked| too_many(locked.retry_after_secs()))?;
    let sent = req.header("x-admin-key").or_else(|| req.bearer_token());
    if sent.is_some_and(|s| constant_time_eq(s.as_bytes(), key.as_bytes())) {
        auth_throttle::success(None);
        return Ok(());
    }
    if let Err(locked) = auth_throttle::failure(None) {
        return Err(too_many(locked.retry_after_secs()));
    }
    Err(Error::new(401, "unauthorized", "the admin resource needs the mount's admin key (`X-Admin-Key` or `Authorization: Bearer`)"))
}

fn routes_of_admin() -> Router {
    Router::new()
        .get("/admin/groups", groups::list)
        .post("/admin/groups", groups::create)
        .get("/admin/groups/{uuid}", groups::show)
        .put("/admin/groups/{uuid}", groups::update)
        .delete("/admin/groups/{uuid}", groups::delete)
        .get("/admin/access", groups::list_access)
        .post("/admin/access", groups::create_access)
        .get("/admin/access/{uuid}", groups::show_access)
        .delete("/admin/access/{uuid}", groups::delete_access)
        .get("/admin/users", users::list)
        .post("/admin/users", users::create)
        .get("/admin/users/{uuid}", users::show)
        .put("/admin/users/{uuid}", users::update)
        .delete("/admin/users/{uuid}", users::delete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_or_missing_key_is_unauthorized() {
        settings::set_native(&[("admin-key", "s3cret-admin")], "/");
        for req in [
            Request::new("GET", "/admin/users"),
            Request::new("GET", "/admin/users").with_header("x-admin-key", "s3cret"),
            Request::new("GET", "/admin/users").with_header("authorization", "Bearer wrong"),
            Request::new("GET", "/admin/nothing"),
        ] {
            let error = handle(&req).unwrap_err();
            assert_eq!((error.status(), error.code()), (401, "unauthorized"));
        }
        settings::set_native(&[], "/");
    }
}
