//! What `host/fuzz` drives natively: everything this plugin makes of a request before it opens the
//! database — the public routes (token issue and renewal), the bearer check, path ids, and the
//! parsing and validation of a write's body. Not part of the plugin's interface.

use switchboard_sdk::prelude::*;

use crate::{extensions, input, jwt, rest, ringgroups, tokens};

/// The `jwt-secret` the fuzz targets sign with, so inputs can carry validly signed tokens.
pub const SECRET: &str = "fuzzing-secret-0123456789";
/// The `admin-password` the fuzz targets configure.
pub const ADMIN_PASSWORD: &str = "fuzz-pa55word";

/// The settings a mount would give the plugin.
pub fn configure(mount_route: &str) {
    switchboard_sdk::settings::set_native(&[("jwt-secret", SECRET), ("admin-password", ADMIN_PASSWORD)], mount_route);
}

/// A token signed with [`SECRET`] whose payload is `claims`, as given (any bytes, JSON or not).
pub fn sign(claims: &[u8]) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signing_input = format!("{}.{}", b64.encode(r#"{"typ":"JWT","alg":"HS256"}"#), b64.encode(claims));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("HMAC takes any key");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64.encode(mac.finalize().into_bytes()))
}

/// Runs `req` through every parsing step that needs no database: the public router (token issue
/// and renewal) or, for a resource, the bearer check and then the resource routes with handlers
/// that stop where the real ones open the database. Answers the response and whether the bearer
/// check let the request through.
pub fn request(req: &Request) -> (Response, bool) {
    if !crate::is_resource(req.relative_path()) {
        return (crate::public().handle(req), false);
    }
    let passed = matches!(tokens::gate(req), Ok(tokens::Gate::Pass));
    let routes = crate::resource(Router::new(), "/extensions", [parse_extension; 5]);
    let routes = crate::resource(routes, "/ringgroups", [parse_ringgroup; 5]).on_error(crate::render);
    (routes.handle(req), passed)
}

fn ids(req: &Request) {
    let _ = rest::put_id(req);
    if let Some(id) = req.param("id") {
        let _ = rest::id_list(id);
    }
}

fn parse_extension(req: &Request) -> Result<Response, Error> {
    ids(req);
    let body = input::parse(req)?;
    let _ = input::wants_reload(&body);
    input::columns(&body, "extensions", &extensions::FIELDS)?;
    Ok(Response::empty(204))
}

fn parse_ringgroup(req: &Request) -> Result<Response, Error> {
    ids(req);
    ringgroups::parse(req)?;
    Ok(Response::empty(204))
}

/// The claims of `token` as the bearer check reads them at `now`.
pub fn decode(token: &str, now: i64) -> bool {
    jwt::decode(SECRET.as_bytes(), token, now, 0).is_ok()
}
