//! The error a handler returns, and its default JSON rendering.
//!
//! Handlers return `Result<Response, Error>` so that `?` works on everything that can go wrong in a
//! request (bad JSON, a missing parameter, a denied capability). An [`Error`] carries the HTTP status
//! to answer with, a short machine-readable `code` that clients can match on, and a human-readable
//! message. By default it is rendered as
//!
//! ```json
//! {"error":{"code":"not_found","message":"no such call"}}
//! ```
//!
//! A plugin that must speak another API's error format (the compatibility plugins do) renders errors
//! itself with [`Router::on_error`](crate::Router::on_error).

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::response::Response;

/// An HTTP error answer: status, machine-readable code, message, and optional extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: u16,
    code: Cow<'static, str>,
    message: String,
    headers: Vec<(String, String)>,
}

impl Error {
    /// An error with any status and code. Prefer the named constructors for the common statuses so
    /// that codes stay consistent across plugins.
    pub fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Error {
            status,
            code: code.into(),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 `bad_request`: the request is malformed (bad syntax, missing field).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }

    /// 401 `unauthorized`: no or wrong credentials. Add a `WWW-Authenticate` header with
    /// [`Error::with_header`] if the client should be prompted.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    /// 403 `forbidden`: the caller is known but may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    /// 404 `not_found`: no such resource (or route).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    /// 405 `method_not_allowed`. The [`Router`](crate::Router) adds the `Allow` header itself; set it
    /// with [`Error::with_header`] when building this by hand.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "method_not_allowed", message)
    }

    /// 409 `conflict`: the request clashes with the current state (a duplicate extension, say).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "conflict", message)
    }

    /// 413 `payload_too_large`: the request body exceeds the plugin's limit.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(413, "payload_too_large", message)
    }

    /// 422 `unprocessable_entity`: well-formed but semantically invalid (failed validation).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "unprocessable_entity", message)
    }

    /// 500 `internal_error`: something failed on the plugin's side.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "internal_error", message)
    }

    /// Adds a header to the rendered error (e.g. `WWW-Authenticate` on a 401, `Allow` on a 405).
    /// Headers survive a custom [`Router::on_error`](crate::Router::on_error) renderer.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The machine-readable code, e.g. `not_found`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Extra headers to send with the rendered error, names lowercase.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The default JSON body, `{"error":{"code":…,"message":…}}`, as bytes.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
        }
        let body = Body {
            error: Inner {
                code: &self.code,
                message: &self.message,
            },
        };
        // Serializing two strings into a Vec cannot fail.
        serde_json::to_vec(&body).expect("error body serializes")
    }

    /// Renders the error with the default JSON shape, its status and its headers.
    pub fn into_response(self) -> Response {
        let mut response =
            Response::bytes("application/json", self.to_json()).with_status(self.status);
        for (name, value) in self.headers {
            response = response.append_header(&name, value);
        }
        response
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for Response {
    fn from(error: Error) -> Response {
        error.into_response()
    }
}

/// `?` on `serde_json::from_*` in a handler almost always means the client sent bad JSON, so this is a
/// 400 `invalid_json`. (Serializing a response goes through [`Response::json`], which reports its own
/// failures as 500.)
impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::new(400, "invalid_json", format!("invalid JSON: {error}"))
    }
}

/// I/O errors come from the plugin's own side (a granted file that cannot be read, a closed
/// stream), so they are a 500.
impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::internal(format!("I/O error: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rendering_is_the_documented_json_shape() {
        let error = Error::not_found("no call 42");
        assert_eq!(
            String::from_utf8(error.to_json()).unwrap(),
            r#"{"error":{"code":"not_found","message":"no call 42"}}"#
        );
        let response = error.into_response();
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.header_value("content-type"),
            Some("application/json")
        );
    }

    #[test]
    fn messages_are_json_escaped() {
        let error = Error::bad_request("quote \" and\nnewline");
        let value: serde_json::Value = serde_json::from_slice(&error.to_json()).unwrap();
        assert_eq!(value["error"]["message"], "quote \" and\nnewline");
    }

    #[test]
    fn helpers_have_their_statuses_and_codes() {
        let cases = [
            (Error::bad_request(""), 400, "bad_request"),
            (Error::unauthorized(""), 401, "unauthorized"),
            (Error::forbidden(""), 403, "forbidden"),
            (Error::not_found(""), 404, "not_found"),
            (Error::method_not_allowed(""), 405, "method_not_allowed"),
            (Error::conflict(""), 409, "conflict"),
            (Error::payload_too_large(""), 413, "payload_too_large"),
            (Error::unprocessable(""), 422, "unprocessable_entity"),
            (Error::internal(""), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            assert_eq!((error.status(), error.code()), (status, code));
        }
    }

    #[test]
    fn headers_are_rendered() {
        let response = Error::unauthorized("who are you")
            .with_header("WWW-Authenticate", "Basic realm=\"pbx\"")
            .into_response();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.header_value("www-authenticate"),
            Some("Basic realm=\"pbx\"")
        );
    }

    #[test]
    fn serde_json_errors_are_bad_requests() {
        let error: Error = serde_json::from_str::<serde_json::Value>("{")
            .unwrap_err()
            .into();
        assert_eq!(error.status(), 400);
        assert_eq!(error.code(), "invalid_json");
    }

    #[test]
    fn display_shows_status_code_and_message() {
        assert_eq!(
            Error::conflict("exists").to_string(),
            "409 conflict: exists"
        );
    }
}
