//! Test-only plugin that misbehaves on purpose, so the host's tests can check that one bad plugin
//! costs only its own request. Each misbehaviour is selected by the relative path:
//!
//! | path                 | does                                                            |
//! |----------------------|-----------------------------------------------------------------|
//! | `/ok`                | 200 `ok`                                                        |
//! | `/loop`              | spins the CPU forever (until the epoch deadline)                |
//! | `/alloc`             | allocates and touches 1 MiB at a time forever (memory cap)      |
//! | `/panic`             | panics                                                          |
//! | `/recurse`           | recurses until the stack overflows                              |
//! | `/no-response`       | returns without calling `response-outparam.set`                 |
//! | `/sleep?ms=N`        | waits N ms on a monotonic-clock pollable (no CPU), then `slept N` |
//! | `/stderr`            | two lines to stderr, one to stdout, then 200 `ok`               |
//! | `/stream-then-panic` | sends 200 and some body bytes, then panics                      |
//! | `/fetch?url=U`       | GETs `U` with outbound wasi:http: 200 with its body, or 502 with the error code |
//! | `/count`             | 200 with how many requests this instance has served, this one included |
//! | `/leak`              | keeps a `fields` resource past the request (in a global), then 200 `ok` |
//! | `/flush-late?ms=N`   | sends `ok` with `Content-Length: 2` (for `HEAD` too), waits N ms, then flushes and panics if the flush fails (as JavaScript's and Python's runtimes abort on a closed stream) |
//!
//! Every path counts as a request served by the instance, so `/count` shows whether the host
//! reused an instance (`limits.reuse`) and when it started a fresh one.
//!
//! It uses the raw form of `plugin!` because `/no-response` must skip the SDK's glue.

mod misbehave;

use std::cell::{Cell, RefCell};
use std::hint::black_box;

use misbehave::{hoard, spin};

use switchboard_sdk::bindings::wasi::clocks::monotonic_clock;
use switchboard_sdk::handler::{self, IncomingRequest, ResponseOutparam};
use switchboard_sdk::prelude::*;

thread_local! {
    /// Requests this instance has served.
    static SERVED: Cell<u32> = const { Cell::new(0) };
    /// Resources kept past their request by `/leak`.
    static LEAKED: RefCell<Vec<switchboard_sdk::bindings::wasi::http::types::Fields>> = const { RefCell::new(Vec::new()) };
}

fn serve(request: IncomingRequest, out: ResponseOutparam) {
    SERVED.set(SERVED.get() + 1);
    let req = match handler::read_request(&request, handler::DEFAULT_MAX_BODY) {
        Ok(req) => req,
        Err(error) => return handler::send_response(out, error.into_response(), false),
    };
    drop(request);
    if req.relative_path() == "/no-response" {
        // Drop the outparam unset: the host must answer on our behalf.
        return;
    }
    let response = misbehave(&req).unwrap_or_else(Error::into_response);
    // `/flush-late` writes its body even for `HEAD`, as a runtime without the SDK's care would.
    handler::send_response(out, response, req.method() == "HEAD" && req.relative_path() != "/flush-late");
}

fn misbehave(req: &Request) -> Result<Response, Error> {
    match req.relative_path() {
        "/ok" => Ok(Response::text("ok")),
        "/count" => Ok(Response::text(SERVED.get().to_string())),
        "/leak" => {
            LEAKED.with_borrow_mut(|kept| kept.push(switchboard_sdk::bindings::wasi::http::types::Fields::new()));
            Ok(Response::text("ok"))
        }
        "/loop" => spin(),
        "/alloc" => hoard(),
        "/panic" => panic!("hostile plugin panics on purpose"),
        "/recurse" => Ok(Response::text(format!("depth {}", recurse(black_box(0))))),
        "/sleep" => {
            let ms: u64 = req
                .query()
                .get("ms")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| Error::bad_request("need ?ms=<milliseconds>"))?;
            monotonic_clock::subscribe_duration(ms.saturating_mul(1_000_000)).block();
            Ok(Response::text(format!("slept {ms}")))
        }
        "/stderr" => {
            eprintln!("hostile: first stderr line");
            eprintln!("hostile: second stderr line");
            println!("hostile: one stdout line");
            Ok(Response::text("ok"))
        }
        "/flush-late" => {
            let ms: u64 = req.query().get("ms").and_then(|v| v.parse().ok()).unwrap_or(100);
            Ok(Response::stream(200, move |w: &mut BodyWriter| {
                w.write(b"ok").expect("the host closed the response body under the plugin");
                monotonic_clock::subscribe_duration(ms.saturating_mul(1_000_000)).block();
                w.flush().expect("the host closed the response body under the plugin");
                Ok(())
            })
            .header("content-type", "text/plain")
            .header("content-length", "2"))
        }
        "/stream-then-panic" => Ok(Response::stream(200, |w: &mut BodyWriter| {
            w.write(b"partial body, then a panic\n")?;
            w.flush()?;
            panic!("hostile plugin panics mid-stream on purpose");
        })
        .header("content-type", "text/plain")),
        "/fetch" => {
            let url = req.query().get("url").ok_or_else(|| Error::bad_request("need ?url=http://host:port/path"))?.to_string();
            match fetch(&url) {
                Ok(body) => Ok(Response::bytes("application/octet-stream", body)),
                Err(code) => Err(Error::new(502, "outbound_failed", code)),
            }
        }
        other => Err(Error::not_found(format!("no misbehaviour at {other}"))),
    }
}

/// A plain outbound GET through `wasi:http/outgoing-handler`; the host decides whether it may go out.
fn fetch(url: &str) -> Result<Vec<u8>, String> {
    use switchboard_sdk::bindings::wasi::http::outgoing_handler;
    use switchboard_sdk::bindings::wasi::http::types::{Fields, OutgoingRequest, Scheme};

    let (scheme, rest) = url.split_once("://").ok_or("url needs a scheme")?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let request = OutgoingRequest::new(Fields::new());
    request.set_scheme(Some(&if scheme == "https" { Scheme::Https } else { Scheme::Http })).map_err(|()| "bad scheme")?;
    request.set_authority(Some(authority)).map_err(|()| "bad authority")?;
    request.set_path_with_query(Some(path)).map_err(|()| "bad path")?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    future.subscribe().block();
    let response = future.get().ok_or("no response")?.map_err(|()| "response taken twice")?.map_err(|e| format!("{e:?}"))?;
    let body = response.consume().map_err(|()| "body taken twice")?;
    let stream = body.stream().map_err(|()| "stream taken twice")?;
    let mut bytes = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    // A 4 KiB frame per level that is used after the call, so neither inlining nor a tail call helps.
    let frame = black_box([depth as u8; 4096]);
    let below = recurse(black_box(depth + 1));
    black_box(frame[0] as u64 + below)
}

switchboard_sdk::plugin!(raw: serve);
