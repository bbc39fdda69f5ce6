//! The API's answer shapes: `200 {"data": …}` for every success, and every error as
//! `{"error":{"code":"<code>","message":"<text>"}}` with its status — the codes the README lists,
//! whatever part of the SDK raised the error.

use serde::Serialize;
use switchboard_sdk::prelude::*;

/// `200 {"data": value}`.
pub fn data(value: impl Serialize) -> Result<Response, Error> {
    #[derive(Serialize)]
    struct Data<T> {
        data: T,
    }
    Response::json(&Data { data: value })
}

/// 400 `missing_parameter`, naming it.
pub fn missing(parameter: &str) -> Error {
    Error::new(400, "missing_parameter", format!("`{parameter}` is required"))
}

/// 400 `invalid_parameter`, naming it and saying why.
pub fn invalid(parameter: &str, why: impl std::fmt::Display) -> Error {
    Error::new(400, "invalid_parameter", format!("`{parameter}` {why}"))
}

/// 403 `context_denied`: the caller's groups do not grant `context`.
pub fn context_denied(context: &str) -> Error {
    Error::new(403, "context_denied", format!("context `{context}` is not granted to this API user"))
}

/// 500 `internal`: the plugin's or the mount's fault, with what failed.
pub fn internal(what: impl std::fmt::Display) -> Error {
    Error::new(500, "internal", what.to_string())
}

/// The API's code for an error raised with the SDK's own code (a router 404/405, an AMI or SQLite
/// failure), so clients match one documented set of codes.
fn api_code(error: &Error) -> (u16, &'static str) {
    let status = error.status();
    match error.code() {
        "not_found" => (404, "not_found"),
        "method_not_allowed" => (405, "method_not_allowed"),
        "bad_request" | "invalid_json" | "ami_invalid" => (400, "invalid_parameter"),
        "payload_too_large" => (413, "file_too_large"),
        "too_many_failures" => (429, "too_many_attempts"),
        "ami_failed" | "pbx_connection_lost" => (502, "pbx_error"),
        "pbx_unavailable" => (503, "pbx_unavailable"),
        "pbx_timeout" => (504, "pbx_timeout"),
        "conflict" => (409, "conflict"),
        // A capability the mount does not grant (`ami_denied`, a SQLite `forbidden`) is the
        // mount's misconfiguration, not the caller's: never a 403 a client would read as its own.
        _ if status == 403 => (500, "internal"),
        _ if status == 422 => (400, "invalid_parameter"),
        _ if status == 409 => (409, "conflict"),
        _ => (500, "internal"),
    }
}

/// Codes this API raises itself; they pass through unchanged.
const OWN_CODES: &[&str] = &[
    "missing_parameter",
    "invalid_parameter",
    "unauthorized",
    "user_disabled",
    "context_denied",
    "not_found",
    "method_not_allowed",
    "conflict",
    "file_too_large",
    "unsupported_recording",
    "too_many_attempts",
    "pbx_error",
    "pbx_unavailable",
    "pbx_timeout",
    "not_implemented",
    "internal",
];

/// Renders `error` as the API's error body (the router's `on_error`); its headers (`Allow`,
/// `Retry-After`) are kept.
pub fn render(error: Error) -> Response {
    let error = if OWN_CODES.contains(&error.code()) {
        error
    } else {
        let (status, code) = api_code(&error);
        let mut mapped = Error::new(status, code, error.message().to_string());
        for (name, value) in error.headers() {
            mapped = mapped.with_header(name, value.clone());
        }
        mapped
    };
    error.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(res: Response) -> serde_json::Value {
        serde_json::from_slice(&res.into_body_bytes().unwrap()).unwrap()
    }

    #[test]
    fn data_wraps_the_value_in_plain_utf8_json() {
        let res = data(serde_json::json!({"name": "Щука/ü"})).unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.into_body_bytes().unwrap(), "{\"data\":{\"name\":\"Щука/ü\"}}".as_bytes());
    }

    #[test]
    fn sdk_codes_become_the_apis_codes() {
        let cases = [
            (Error::new(502, "ami_failed", "No such channel"), 502, "pbx_error"),
            (Error::new(503, "pbx_unavailable", "down"), 503, "pbx_unavailable"),
            (Error::new(403, "ami_denied", "not granted"), 500, "internal"),
            (Error::new(422, "unprocessable_entity", "bad"), 400, "invalid_parameter"),
            (Error::internal("boom"), 500, "internal"),
            (Error::new(429, "too_many_failures", "wait"), 429, "too_many_attempts"),
        ];
        for (error, status, code) in cases {
            let message = error.message().to_string();
            let res = render(error);
            assert_eq!(res.status(), status);
            let body = body(res);
            assert_eq!((body["error"]["code"].as_str(), body["error"]["message"].as_str()), (Some(code), Some(message.as_str())));
        }
    }

    #[test]
    fn own_codes_and_headers_pass_through() {
        let res = render(Error::new(429, "too_many_attempts", "wait").with_header("retry-after", "7"));
        assert_eq!((res.status(), res.header_value("retry-after")), (429, Some("7")));
        let res = render(context_denied("from-internal"));
        assert_eq!(body(res)["error"]["code"], "context_denied");
    }
}
