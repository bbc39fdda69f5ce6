//! The Issabel pbxapi (`/pbxapi/…`, the 2018 API): JWT bearer tokens from
//! `POST /authenticate`, and REST extensions and ring groups on the shared `pbx` model, answering
//! with the original's statuses (errors are status codes with empty bodies) and PHP-style JSON.
//!
//! Settings: `jwt-secret` (HS256 key, at least 16 characters) and `admin-password` (the password of
//! user `admin`); both may come from the environment. Grants: `sqlite.pbx` (read `extensions`,
//! `ring_groups`, `ring_group_members`, `queues`; write the first three) and `apply_changes`.

mod extensions;
mod input;
mod jwt;
mod rest;
mod ringgroups;
mod tokens;

#[doc(hidden)]
#[cfg(not(target_family = "wasm"))]
pub mod fuzzing;

use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;
use switchboard_sdk::log;

/// The resources `GET /` lists.
const RESOURCES: [&str; 3] = ["authenticate", "extensions", "ringgroups"];

/// Errors as the original answered them: the status code alone, empty body (the reason goes to the
/// log). Server-side failures — a mount without its settings above all — say what is wrong.
fn render(error: Error) -> Response {
    if error.status() >= 500 {
        log::error("request failed", &[("error", error.message())]);
        return Response::text(error.message().to_string()).with_status(error.status());
    }
    let fields = [("status", error.status().to_string()), ("why", error.message().to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // A grant the mount lacks is the admin's to fix, so it is logged where they will see it.
    if error.code().ends_with("_denied") || error.code().ends_with("_not_granted") {
        log::warn("refused by the mount's grants", &fields);
    } else {
        log::debug("request refused", &fields);
    }
    Response::empty(error.status())
}

fn not_found(_: &Request) -> Result<Response, Error> {
    Err(Error::not_found("POST takes no id: it picks the next free number"))
}

fn no_id(_: &Request) -> Result<Response, Error> {
    Err(Error::method_not_allowed("PUT and DELETE need an id"))
}

/// The token routes and the index: no bearer token needed.
fn public() -> Router {
    Router::new()
        .get("/", |_: &Request| Ok(Response::php_json(&obj([("results", Json::from(RESOURCES.to_vec()))]))))
        .post("/authenticate", tokens::authenticate)
        // The original returned the tokens of a PHP session here; there is no session.
        .get("/authenticate", |_: &Request| Ok(Response::bytes("application/json", r#"{"status":"unauthorized"}"#)))
        .put("/authenticate", |_: &Request| Ok(Response::empty(403)))
        .get("/authenticate/{id}", tokens::renew)
        .on_error(render)
}

type Handler = fn(&Request) -> Result<Response, Error>;

/// The original's REST verbs on `/name` and `/name/{id}`: `[list, create, get, put, delete]`.
fn resource(router: Router, name: &str, [list, create, get, put, delete]: [Handler; 5]) -> Router {
    let item = format!("{name}/{{id}}");
    router
        .get(name, list)
        .post(name, create)
        .put(name, no_id)
        .delete(name, no_id)
        .get(&item, get)
        .post(&item, not_found)
        .put(&item, put)
        .delete(&item, delete)
}

/// The resources, behind the bearer check.
fn resources() -> Router {
    let router = resource(Router::new(), "/extensions", [extensions::list, extensions::create, extensions::get, extensions::put, extensions::delete]);
    resource(router, "/ringgroups", [ringgroups::list, ringgroups::create, ringgroups::get, ringgroups::put, ringgroups::delete]).on_error(render)
}

/// Whether `path` is one of the resources that need a bearer token.
fn is_resource(path: &str) -> bool {
    ["/extensions", "/ringgroups"].iter().any(|r| path == *r || path.strip_prefix(r).is_some_and(|rest| rest.starts_with('/')))
}

thread_local! {
    /// The routers, built on an instance's first request and kept for the ones it serves after it.
    static PUBLIC: Router = public();
    static RESOURCES_ROUTER: Router = resources();
}

fn handle(req: &Request) -> Result<Response, Error> {
    if !is_resource(req.relative_path()) {
        return Ok(PUBLIC.with(|router| router.handle(req)));
    }
    // As the original's controllers: the token is checked before anything else.
    match tokens::gate(req) {
        Ok(tokens::Gate::Pass) => Ok(RESOURCES_ROUTER.with(|router| router.handle(req))),
        Ok(tokens::Gate::Stop(answer)) => Ok(answer),
        Err(e) => Ok(render(e)),
    }
}

switchboard_sdk::plugin!(handle);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_recognised_on_segment_boundaries() {
        assert!(is_resource("/extensions") && is_resource("/extensions/1005,1006") && is_resource("/ringgroups/600"));
        assert!(!is_resource("/extensionsx") && !is_resource("/") && !is_resource("/authenticate"));
    }

    #[test]
    fn public_routes_answer_without_a_token() {
        let res = public().handle(&Request::new("GET", "/"));
        assert_eq!(res.into_body_bytes().unwrap(), br#"{"results":["authenticate","extensions","ringgroups"]}"#);
        let res = public().handle(&Request::new("GET", "/nothing"));
        assert_eq!((res.status(), res.body_bytes().map(<[u8]>::len)), (404, Some(0)));
        assert_eq!(public().handle(&Request::new("PUT", "/authenticate")).status(), 403);
    }

    #[test]
    fn without_settings_the_error_names_them() {
        switchboard_sdk::settings::set_native(&[], "/pbxapi");
        let req = Request::new("GET", "/pbxapi/extensions").with_mount_route("/pbxapi").with_header("authorization", "Bearer x");
        let res = handle(&req).unwrap();
        assert_eq!(res.status(), 500);
        assert!(String::from_utf8(res.into_body_bytes().unwrap()).unwrap().contains("jwt-secret"));
    }
}
