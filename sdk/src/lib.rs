//! Write [Switchboard](https://example.invalid/switchboard) plugins in Rust.
//!
//! A Switchboard plugin is a WebAssembly component (`wasm32-wasip2`) that exports the standard
//! `wasi:http/incoming-handler` and imports the `switchboard:pbx` interfaces its mount grants. The
//! contract is the WIT in `wit/` (world `switchboard:pbx/plugin`); this crate is sugar over it, never a
//! second contract: everything here can be done from JS, Python or Go with the WIT alone.
//!
//! What the SDK adds:
//! - [`Request`]: method, path (also relative to the mount), headers, query, form, JSON, auth helpers;
//!   the whole body is read into memory first, up to 16 MiB by default ([`handler::DEFAULT_MAX_BODY`]);
//! - [`Response`]: text, JSON, bytes, or a body streamed straight to the client ([`Response::stream`]);
//! - [`Error`]: `?`-friendly errors rendered as `{"error":{"code":…,"message":…}}`;
//! - [`Router`]: `GET /calls/{id}` style routing with 404/405 and `HEAD` handled;
//! - [`settings`] and [`log`]: the mount's settings and structured logging;
//! - [`auth_throttle`]: lock-out with back-off after repeated authentication failures, per client
//!   address and principal, counted by the host;
//! - [`rate_limit`]: per-client request budgets in fixed windows, counted by the host (429 and
//!   `X-RateLimit-*`);
//! - [`pbx_control`]: start, stop or reboot the PBX with the commands the host's admin configured;
//! - [`ami`], [`events`], [`sqlite`], [`system`], [`pbx`]: the PBX capabilities a mount grants;
//! - [`schema`]: what each configuration column of the `pbx` database admits, to check a value
//!   before writing it;
//! - [`stream`] and `plugin!(…, on_events: …)`: handle every PBX event once, in a long-lived
//!   instance, and serve the result as the mount's own densely numbered event stream;
//! - [`wake`]: have that handler called again later without an event, to retry work it kept;
//! - [`outbound`]: HTTP requests to the hosts the mount grants (webhooks, CRM APIs), with timeouts;
//! - [`php_json`]: JSON byte-compatible with PHP's `json_encode`, for APIs whose clients compare bytes;
//! - [`Response::file`]: stream a file from a granted file area (`/recordings/…`) in bounded memory;
//!   [`Response::file_range`] answers `Range: bytes=…` requests for it too ([`range`]);
//! - [`multipart`]: `multipart/form-data` bodies split into fields and files, for uploads;
//! - [`plugin!`]: the export glue, so a plugin is only its handlers;
//! - `testing` (native builds only): test doubles for every host interface, so handlers and their
//!   AMI and SQL run in a plain `cargo test`.
//!
//! # Example
//!
//! A complete plugin (`crate-type = ["cdylib"]`, built with
//! `cargo build --target wasm32-wasip2 --release`):
//!
//! ```
//! use switchboard_sdk::prelude::*;
//! use switchboard_sdk::{log, settings};
//!
//! #[derive(serde::Deserialize)]
//! struct Note {
//!     text: String,
//! }
//!
//! fn router() -> Router {
//!     Router::new()
//!         .get("/", |_: &Request| {
//!             let greeting = settings::get("greeting").unwrap_or_else(|| "Hello".into());
//!             Ok(Response::text(greeting))
//!         })
//!         .get("/calls/{id}", |req: &Request| {
//!             let id = req.param("id").unwrap_or_default();
//!             Response::json(&serde_json::json!({ "id": id, "verbose": req.query().contains("v") }))
//!         })
//!         .post("/notes", |req: &Request| {
//!             let note: Note = req.json()?; // bad JSON → 400 {"error":{"code":"invalid_json",…}}
//!             if note.text.is_empty() {
//!                 return Err(Error::unprocessable("text must not be empty"));
//!             }
//!             log::info("note stored", &[("length", &note.text.len().to_string())]);
//!             Ok(Response::empty(201))
//!         })
//! }
//!
//! switchboard_sdk::plugin!(router: router);
//! # fn main() {
//! #     // Routers and handlers are plain Rust, so they can be tested natively:
//! #     let res = router().handle(&Request::new("GET", "/calls/7?v"));
//! #     assert_eq!(res.body_bytes(), Some(br#"{"id":"7","verbose":true}"#.as_slice()));
//! #     assert_eq!(router().handle(&Request::new("POST", "/notes").with_body("{")).status(), 400);
//! # }
//! ```
//!
//! # Building and testing natively
//!
//! The crate also compiles for the host target so that routers and handlers can be unit-tested with
//! `cargo test`: build requests with [`Request::new`], call [`Router::handle`], inspect the
//! [`Response`]. There is no host there: [`settings`] reads a table set with
//! [`settings::set_native`], [`log`] prints to stderr, and the raw [`bindings`] panic if called.

#![deny(missing_docs)]

pub mod ami;
pub mod auth;
pub mod auth_throttle;
pub mod bindings;
mod body;
pub mod civil;
mod error;
pub mod events;
pub mod handler;
mod headers;
pub mod log;
mod params;
pub mod pbx;
pub mod multipart;
pub mod needs;
pub mod outbound;
pub mod pbx_control;
pub mod php_json;
pub mod range;
#[doc = include_str!("../wit/REFERENCE.md")]
pub mod reference {}
pub mod rate_limit;
mod request;
mod response;
mod router;
pub mod schema;
pub mod settings;
pub mod sqlite;
pub mod sse;
pub mod stream;
pub mod system;
#[cfg(not(target_family = "wasm"))]
pub mod testing;
pub mod wake;

pub use body::BodyWriter;
pub use error::Error;
pub use headers::Headers;
pub use params::{NotUtf8, Params};
pub use request::Request;
pub use response::Response;
pub use router::Router;

/// The items almost every plugin uses: `use switchboard_sdk::prelude::*;`.
///
/// [`settings`] and [`log`] are left out on purpose (a glob import of a module named `log` can clash
/// with the `log` crate); import them by name.
pub mod prelude {
    pub use crate::{BodyWriter, Error, Headers, Params, Request, Response, Router};
}

/// Exports the plugin's `wasi:http/incoming-handler` from the plugin crate. Use it exactly once, at
/// the top level of the plugin's `lib.rs`.
///
/// Forms:
///
/// - `plugin!(handle)` — `handle: fn(&Request) -> Result<Response, Error>` (any expression of that
///   shape, closures included). Errors get the default JSON rendering.
/// - `plugin!(router: build)` — `build: fn() -> Router`, called on an instance's first request; the
///   router is kept for the requests the instance serves after it (the mount's `limits.reuse`).
///   Errors go through the router's [`on_error`](Router::on_error).
/// - either of these with `, max_body = N` to change the in-memory request body limit from
///   [`handler::DEFAULT_MAX_BODY`] (16 MiB); larger bodies are answered 413.
/// - `plugin!(raw: handle)` — `handle: fn(IncomingRequest, ResponseOutparam)` with the raw
///   wasi:http types ([`handler::IncomingRequest`], [`handler::ResponseOutparam`]): the escape hatch
///   for reading the request body as a stream, or anything else the SDK does not do. The function must
///   call `ResponseOutparam::set` itself ([`handler::send_response`] does).
/// - any of these with `, on_events: handle_events` right after the handler —
///   `handle_events: fn(&[events::Event])` — also exports `switchboard:pbx/event-handler` (world
///   `event-plugin`): the host calls it with every PBX event batch, in order, on one long-lived
///   instance per mount (so statics and `thread_local!` state persist between calls, until a trap
///   or a limit replaces the instance). It typically translates events and
///   [`stream::publish`]es the result. An empty slice is a wake-up ([`wake`]). Plugins without
///   `on_events` do not export it.
///
/// ```
/// use switchboard_sdk::prelude::*;
///
/// fn handle(req: &Request) -> Result<Response, Error> {
///     Ok(Response::text(format!("you asked for {}", req.relative_path())))
/// }
///
/// switchboard_sdk::plugin!(handle, max_body = 1024 * 1024);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! plugin {
    // Internal: the body limit, defaulted.
    (@max_body) => { $crate::handler::DEFAULT_MAX_BODY };
    (@max_body $max:expr) => { $max };

    // Internal: the event-handler export.
    (@on_events $events:expr) => {
        const _: () = {
            struct SwitchboardEventHandler;

            impl $crate::bindings::event_handler::exports::switchboard::pbx::event_handler::Guest for SwitchboardEventHandler {
                fn on_events(events: ::std::vec::Vec<$crate::events::Event>) {
                    let handle: fn(&[$crate::events::Event]) = $events;
                    handle(&events)
                }
            }

            #[cfg(target_family = "wasm")]
            $crate::bindings::event_handler::export_event_handler!(SwitchboardEventHandler with_types_in $crate::bindings::event_handler);
            #[cfg(not(target_family = "wasm"))]
            const _: fn(::std::vec::Vec<$crate::events::Event>) =
                <SwitchboardEventHandler as $crate::bindings::event_handler::exports::switchboard::pbx::event_handler::Guest>::on_events;
        };
    };

    // Any form with `on_events`: the form without it, plus the event-handler export.
    (raw: $handle:expr, on_events: $events:expr $(,)?) => {
        $crate::plugin!(raw: $handle);
        $crate::plugin!(@on_events $events);
    };
    (router: $build:expr, on_events: $events:expr $(, max_body = $max:expr)? $(,)?) => {
        $crate::plugin!(router: $build $(, max_body = $max)?);
        $crate::plugin!(@on_events $events);
    };

    (raw: $handle:expr $(,)?) => {
        const _: () = {
            struct SwitchboardPlugin;

            impl $crate::bindings::exports::wasi::http::incoming_handler::Guest for SwitchboardPlugin {
                fn handle(
                    request: $crate::handler::IncomingRequest,
                    response_out: $crate::handler::ResponseOutparam,
                ) {
                    ($handle)(request, response_out)
                }
            }

            // Exported only inside a component: a native build (a plugin's unit tests, or a plain
            // `cargo build` of the workspace) has no wasm export names to link.
            #[cfg(target_family = "wasm")]
            $crate::bindings::export!(SwitchboardPlugin with_types_in $crate::bindings);
            // Natively, name the handler so its code still counts as used.
            #[cfg(not(target_family = "wasm"))]
            const _: fn($crate::handler::IncomingRequest, $crate::handler::ResponseOutparam) =
                <SwitchboardPlugin as $crate::bindings::exports::wasi::http::incoming_handler::Guest>::handle;
        };
    };

    (router: $build:expr $(, max_body = $max:expr)? $(,)?) => {
        $crate::plugin!(raw: |request, response_out| {
            // Built on the instance's first request and kept: an instance may serve several
            // requests (the mount's `limits.reuse`), and its routes never change.
            ::std::thread_local! {
                static SWITCHBOARD_ROUTER: $crate::Router = ($build)();
            }
            SWITCHBOARD_ROUTER.with(|router| {
                $crate::handler::serve_router(
                    request,
                    response_out,
                    $crate::plugin!(@max_body $($max)?),
                    router,
                )
            })
        });
    };

    ($handle:expr, on_events: $events:expr $(, max_body = $max:expr)? $(,)?) => {
        $crate::plugin!($handle $(, max_body = $max)?);
        $crate::plugin!(@on_events $events);
    };

    ($handle:expr $(, max_body = $max:expr)? $(,)?) => {
        $crate::plugin!(raw: |request, response_out| {
            $crate::handler::serve_handler(
                request,
                response_out,
                $crate::plugin!(@max_body $($max)?),
                $handle,
            )
        });
    };
}
