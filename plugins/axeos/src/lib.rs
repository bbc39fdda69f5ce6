//! The Axeos PBX API (`/apis/pbx/…`): users, phones, voicemail, switches, ACD statistics,
//! originate/hang-up and the event stream, answered from the shared `pbx` model and live AMI state.
//!
//! Requests pass three layers: [`format`] picks JSON or XML from the `.json`/`.xml` suffix or the
//! `Accept` header and strips the suffix; the [`routes`] router runs the call, each handler first
//! asking [`auth`] who is calling; a successful GET asked for XML is re-rendered by [`xml`].
//!
//! Settings, grants and every route are in the README.

mod auth;
mod devstate;
mod events;
mod format;
mod ids;
mod model;
mod ordered;
mod routes;
mod time;
mod xml;

#[doc(hidden)]
#[cfg(not(target_family = "wasm"))]
pub mod fuzzing;

use switchboard_sdk::prelude::*;

fn handle(req: &Request) -> Result<Response, Error> {
    let (format, req) = format::negotiate(req);
    let response = routes::router().handle(&req);
    Ok(format::render(format, &req, response))
}

switchboard_sdk::plugin!(handle, on_events: events::handler::on_events);
