//! The SARK V6 API (`/api/…`) on Switchboard: SARK's configuration resources (tenants, extensions,
//! trunks, inbound and outbound routes, ring groups, queues, IVRs, timers, custom apps, class of
//! service, agents, templates, globals, destinations) on the shared `pbx` model, with the answers
//! of SARK's Laravel application: its validation messages, `{"reason":"Not Found!"}`,
//! `{"Error":…}` conflicts, 201/200/204.
//!
//! SARK-only columns live in the plugin's own database (`model`); what the PBX runs lives in the
//! shared model, so every flavor sees one PBX. Writes are committed and left for
//! `GET /syscommands/commit` to apply, as SARK staged changes until its commit.

mod access;
pub mod laravel;
mod model;
pub mod ops;
mod resources;

use switchboard_sdk::prelude::*;

/// Every route, relative to the mount (`/api`), errors rendered as SARK rendered them.
fn router() -> Router {
    let router = resources::routes(Router::new());
    access::guard(ops::routes(router)).on_error(laravel::render)
}

switchboard_sdk::plugin!(router: router);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_route_is_laravels_page_not_found() {
        let res = router().handle(&Request::new("GET", "/api/nothing").with_mount_route("/api"));
        assert_eq!(res.status(), 404);
        assert_eq!(res.into_body_bytes().unwrap(), br#"{"message":"Page Not Found. Check your URI for correctness"}"#);
    }
}
