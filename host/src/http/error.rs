//! The host's own error answers (no mount, overload, plugin failures): JSON, one shape everywhere:
//! `{"error":{"code":"plugin_timeout","message":"…","route":"/x","plugin":"y"}}`.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The response type every listener answers with (a plugin's streamed body or one of ours).
pub type HttpResponse = hyper::Response<HyperOutgoingBody>;

/// A JSON error response. `mount` adds the route and plugin that failed.
pub fn json_error(status: u16, code: &str, message: &str, mount: Option<(&str, &str)>) -> HttpResponse {
    let mut error = serde_json::json!({ "code": code, "message": message });
    if let Some((route, plugin)) = mount {
        error["route"] = route.into();
        error["plugin"] = plugin.into();
    }
    json(status, &serde_json::json!({ "error": error }))
}

/// A JSON response.
pub fn json(status: u16, value: &serde_json::Value) -> HttpResponse {
    let body = Full::new(Bytes::from(value.to_string())).map_err(|never| match never {}).boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
