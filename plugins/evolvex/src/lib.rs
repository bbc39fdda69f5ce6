//! The Evolvex API (`/api/index/…`) on Switchboard: API users in groups that grant routing
//! contexts, and for them `check`, the call recordings (`get_file_wav`, `get_file_mp3`), live
//! channel `status`, `originate`, `uploads` and the call records (`get_log_cdr`). Every answer is
//! `{"data": …}`, every error `{"error":{"code":…,"message":…}}` ([`answer`]).
//!
//! Who calls is decided per request by [`access::authenticate`] from the `api_key` parameter;
//! the users, groups and contexts live in the plugin's own database ([`own`]), managed through
//! the admin resource ([`admin`]). Settings, grants and every method are in the README.

mod access;
mod admin;
mod answer;
mod cdr;
mod check;
mod clock;
mod media;
mod originate;
mod own;
mod params;
mod recordings;
mod status;
mod uploads;

use switchboard_sdk::prelude::*;

type Handler = fn(&Request) -> Result<Response, Error>;

/// The API's methods, each answering GET and POST (HEAD through GET) at `/<name>`.
const METHODS: &[(&str, Handler)] = &[
    ("check", check::check),
    ("get_file_mp3", media::get_file_mp3),
    ("get_file_wav", media::get_file_wav),
    ("status", status::status),
    ("originate", originate::originate),
    ("uploads", uploads::upload),
    ("get_log_cdr", cdr::get_log_cdr),
];

/// Every route, relative to the mount (`/api/index` or `/pbx/api/index`), errors in the API's shape.
pub fn router() -> Router {
    let mut router = Router::new();
    for (name, handler) in METHODS {
        let path = format!("/{name}");
        router = router.get(&path, *handler).post(&path, *handler);
    }
    router.any("/admin", admin::handle).any("/admin/{*rest}", admin::handle).on_error(answer::render)
}

switchboard_sdk::plugin!(router: router);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_route_is_a_not_found_in_the_apis_shape() {
        let res = router().handle(&Request::new("GET", "/api/index/nothing").with_mount_route("/api/index"));
        assert_eq!(res.status(), 404);
        let body: serde_json::Value = serde_json::from_slice(&res.into_body_bytes().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }

    #[test]
    fn other_methods_are_refused_with_allow() {
        let res = router().handle(&Request::new("DELETE", "/check"));
        assert_eq!(res.status(), 405);
        assert_eq!(res.header_value("allow"), Some("GET, HEAD, POST"));
        let body: serde_json::Value = serde_json::from_slice(&res.into_body_bytes().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }

    #[test]
    fn the_admin_resource_does_not_exist_without_its_key_setting() {
        switchboard_sdk::settings::set_native(&[], "/");
        for (method, path) in [("GET", "/admin/users"), ("POST", "/admin/groups"), ("DELETE", "/admin/nothing"), ("GET", "/admin")] {
            let res = router().handle(&Request::new(method, path));
            assert_eq!(res.status(), 404, "{method} {path}");
        }
    }
}
