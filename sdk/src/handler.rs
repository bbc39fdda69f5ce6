//! The wasi:http glue: incoming request → [`Request`] → handler → [`Response`] → outgoing response.
//!
//! [`plugin!`](crate::plugin) expands to a `wasi:http/incoming-handler` export that calls
//! [`serve_handler`] or [`serve_router`]. They are public so a plugin with unusual needs can build its
//! own export with `plugin!(raw: …)` and still reuse the pieces ([`read_request`], [`send_response`]).
//!
//! Order of events for one request:
//! 1. the method, target and headers are read, and the whole body up to `max_body` bytes (a
//!    `Content-Length` or body over the limit is answered with 413 without calling the handler);
//! 2. the handler runs;
//! 3. the status and headers are handed to the host (`response-outparam.set`), then the body is written
//!    to the outgoing body's stream and the body is finished. A streaming body that fails half-way is
//!    logged and left unfinished, which makes the host abort the response instead of ending it cleanly.
//!
//! A panic in the handler traps the instance; the host answers 500 and the next request gets a fresh
//! instance, so nothing here catches panics.

use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, HeaderError, IncomingBody, Method, OutgoingBody, OutgoingResponse,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::body::BodyWriter;
use crate::error::Error;
use crate::headers::Headers;
use crate::request::Request;
use crate::response::{Body, Response};
use crate::router::Router;
use crate::{log, settings};

pub use crate::bindings::wasi::http::types::{IncomingRequest, ResponseOutparam};

/// The default limit on a request body held in memory: 16 MiB. Change it per plugin with
/// `plugin!(handle, max_body = 64 * 1024 * 1024)`.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// How much to ask the input stream for at a time.
const READ_CHUNK: u64 = 64 * 1024;

/// Serves one request with a plain handler; errors get the default JSON rendering.
pub fn serve_handler(
    request: IncomingRequest,
    out: ResponseOutparam,
    max_body: usize,
    handler: impl FnOnce(&Request) -> Result<Response, Error>,
) {
    serve(request, out, max_body, |parsed| {
        parsed
            .and_then(|req| handler(&req))
            .unwrap_or_else(Error::into_response)
    });
}

/// Serves one request with a router; errors (including a 413 for the body) go through its
/// [`on_error`](Router::on_error) renderer.
pub fn serve_router(
    request: IncomingRequest,
    out: ResponseOutparam,
    max_body: usize,
    router: &Router,
) {
    serve(request, out, max_body, |parsed| match parsed {
        Ok(req) => router.handle(&req),
        Err(error) => router.render_error(error),
    });
}

/// Reads the request (see [`read_request`]), lets `respond` turn it (or the error reading it) into a
/// response, and sends that (see [`send_response`]).
pub fn serve(
    request: IncomingRequest,
    out: ResponseOutparam,
    max_body: usize,
    respond: impl FnOnce(Result<Request, Error>) -> Response,
) {
    let method = request.method();
    let head = matches!(method, Method::Head);
    let parsed = read_request_as(&request, method, max_body);
    drop(request);
    send_response(out, respond(parsed), head);
}

/// Converts a wasi:http request into a [`Request`], reading the whole body (at most `max_body`
/// bytes, else a 413 error). The mount route comes from `settings.mount-route`.
///
/// A body declared empty (`Content-Length: 0`, which the Switchboard host also sets on every
/// request that has no body) is not read: that would take six host calls for nothing.
pub fn read_request(request: &IncomingRequest, max_body: usize) -> Result<Request, Error> {
    read_request_as(request, request.method(), max_body)
}

/// [`read_request`] with the method already asked for.
fn read_request_as(request: &IncomingRequest, method: Method, max_body: usize) -> Result<Request, Error> {
    let target = request.path_with_query().unwrap_or_else(|| "/".to_string());
    let mut headers: Headers = {
        let fields = request.headers();
        fields.entries().into_iter().collect()
    };
    // wasi:http carries `Host` as the request's authority, not among the fields; put it back so
    // plugins that build absolute URLs (a `Location`) can read `header("host")`.
    if !headers.contains("host")
        && let Some(authority) = request.authority()
    {
        headers.append("host", authority);
    }
    let declared = headers
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > max_body as u64) {
        return Err(too_large(max_body));
    }
    let body = match declared {
        Some(0) => Vec::new(),
        _ => read_body(request, max_body, declared.map_or(0, |len| len as usize))?,
    };
    Ok(Request::new(&method_name(method), &target)
        .with_mount_route(&settings::mount_route())
        .with_headers(headers)
        .with_body(body))
}

fn read_body(
    request: &IncomingRequest,
    max_body: usize,
    capacity: usize,
) -> Result<Vec<u8>, Error> {
    let incoming = request
        .consume()
        .map_err(|()| Error::internal("the request body was already consumed"))?;
    let stream = incoming
        .stream()
        .map_err(|()| Error::internal("the request body stream was already taken"))?;
    let mut body = Vec::with_capacity(capacity);
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                if body.len() + chunk.len() > max_body {
                    return Err(too_large(max_body));
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(Error::bad_request(format!(
                    "reading the request body failed: {}",
                    e.to_debug_string()
                )));
            }
        }
    }
    // The stream is a child of the body and must go first.
    drop(stream);
    drop(IncomingBody::finish(incoming));
    Ok(body)
}

fn too_large(max_body: usize) -> Error {
    Error::payload_too_large(format!("the request body is larger than {max_body} bytes"))
}

fn method_name(method: Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other,
    }
}

/// Sends `response` through `out`: status and headers first, then the body, then `finish`.
///
/// Adds `Content-Length` to an in-memory body when the response has none. For a `HEAD` request the
/// body is dropped (a streaming closure never runs) and `Content-Length` removed, since the host checks
/// that the bytes written match it. Headers the host forbids plugins to set (hop-by-hop headers such
/// as `Connection`) are dropped with a logged warning; a response the host rejects otherwise (an
/// invalid header name or value, a status outside 100–999) is replaced by a 500 naming the problem.
pub fn send_response(out: ResponseOutparam, response: Response, head: bool) {
    let response = if head {
        response.without_body()
    } else {
        response
    };
    let (status, mut headers, body) = response.into_parts();
    let has_length = headers.iter().any(|(n, _)| n == "content-length");
    if head {
        headers.retain(|(n, _)| n != "content-length");
    } else if let Body::Bytes(bytes) = &body
        && !has_length
        && status_has_body(status)
    {
        headers.push((
            "content-length".into(),
            bytes.len().to_string().into_bytes(),
        ));
    }

    let (outgoing, outgoing_body, body) = match start(status, &headers) {
        Ok((outgoing, outgoing_body)) => (outgoing, outgoing_body, body),
        Err(problem) => {
            log::error(
                "the plugin's response was rejected",
                &[("problem", &problem)],
            );
            let fallback = Error::internal(format!("invalid response: {problem}")).to_json();
            let headers = [
                ("content-type".to_string(), b"application/json".to_vec()),
                (
                    "content-length".to_string(),
                    fallback.len().to_string().into_bytes(),
                ),
            ];
            match start(500, &headers) {
                Ok((outgoing, outgoing_body)) => (outgoing, outgoing_body, Body::Bytes(fallback)),
                Err(problem) => {
                    ResponseOutparam::set(out, Err(ErrorCode::InternalError(Some(problem))));
                    return;
                }
            }
        }
    };

    ResponseOutparam::set(out, Ok(outgoing));
    match write_body(&outgoing_body, body) {
        Ok(()) => {
            if let Err(code) = OutgoingBody::finish(outgoing_body, None) {
                log::error(
                    "finishing the response body failed",
                    &[("error", &format!("{code:?}"))],
                );
            }
        }
        Err(error) => {
            log::error(
                "the response body failed after the headers were sent; aborting it",
                &[("code", error.code()), ("message", error.message())],
            );
            // Dropping the body without `finish` tells the host the response is incomplete.
            drop(outgoing_body);
        }
    }
}

/// Builds the outgoing response and takes its body, before the response is handed to the host.
fn start(
    status: u16,
    headers: &[(String, Vec<u8>)],
) -> Result<(OutgoingResponse, OutgoingBody), String> {
    let fields = match Fields::from_list(headers) {
        Ok(fields) => fields,
        Err(_) => fields_one_by_one(headers)?,
    };
    let outgoing = OutgoingResponse::new(fields);
    // A new response is 200 (wasi:http); one host call fewer for most answers.
    if status != 200 {
        outgoing
            .set_status_code(status)
            .map_err(|()| format!("invalid status {status}"))?;
    }
    let body = outgoing
        .body()
        .map_err(|()| "could not open the response body".to_string())?;
    Ok((outgoing, body))
}

/// The slow path when `from-list` refused the headers: headers the host forbids a plugin to set
/// (hop-by-hop ones such as `Connection` or `Transfer-Encoding`; the host's to manage) are dropped
/// with a warning, while a syntactically invalid name or value (a plugin bug, possibly header
/// injection) still fails the response.
fn fields_one_by_one(headers: &[(String, Vec<u8>)]) -> Result<Fields, String> {
    let fields = Fields::new();
    for (name, value) in headers {
        match fields.append(name, value) {
            Ok(()) => {}
            Err(HeaderError::Forbidden) => {
                log::warn(
                    "dropped a response header the host does not let plugins set",
                    &[("header", name)],
                );
            }
            Err(e) => {
                return Err(format!(
                    "invalid header {name:?}: {:?} ({e:?})",
                    String::from_utf8_lossy(value)
                ));
            }
        }
    }
    Ok(fields)
}

fn write_body(outgoing_body: &OutgoingBody, body: Body) -> Result<(), Error> {
    if matches!(&body, Body::Bytes(bytes) if bytes.is_empty()) {
        return Ok(());
    }
    let stream = outgoing_body
        .write()
        .map_err(|()| Error::internal("could not open the response body stream"))?;
    // The writer owns the stream (a child of the body) and drops it before the body is finished.
    let mut writer = BodyWriter::for_stream(stream);
    match body {
        Body::Bytes(bytes) => writer.write(&bytes)?,
        Body::Stream(write) => write(&mut writer)?,
    }
    writer.final_flush()
}

/// Whether a response with `status` may carry a body (and so a `Content-Length`).
fn status_has_body(status: u16) -> bool {
    !(status < 200 || status == 204 || status == 304)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_without_body() {
        assert!(!status_has_body(101));
        assert!(!status_has_body(204));
        assert!(!status_has_body(304));
        assert!(status_has_body(200));
        assert!(status_has_body(404));
    }

    #[test]
    fn method_names_are_uppercase_and_others_kept() {
        assert_eq!(method_name(Method::Get), "GET");
        assert_eq!(method_name(Method::Patch), "PATCH");
        assert_eq!(method_name(Method::Other("PROPFIND".into())), "PROPFIND");
    }
}
