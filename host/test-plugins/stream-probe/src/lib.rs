//! Test-only plugin with an event handler (`plugin!(…, on_events: …)`), so the host's tests can
//! drive the mount's event stream through a real mount and the simulator.
//!
//! The handler publishes one stream item per bus event it translates, and none for the rest, so
//! the stream's density is visible:
//!
//! | bus event | stream item (JSON) |
//! |-----------|--------------------|
//! | `DeviceStateChange` | `{"kind":"device","device":…,"state":…,"bus_seq":…,"n":…}` |
//! | `UserEvent` with `UserEvent: StreamProbeItem` | `{"kind":"user","tag":<its Tag field>,"bus_seq":…,"n":…}` |
//! | `UserEvent` with `UserEvent: StreamProbePanic` | panics (trap) |
//! | `UserEvent` with `UserEvent: StreamProbeLoop` | spins until the deadline |
//! | `UserEvent` with `UserEvent: StreamProbeAlloc` | allocates until the memory limit |
//! | anything else | nothing |
//!
//! With the setting `tame = "true"` the three triggers are ignored (translated to nothing), so a
//! second mount can show that one mount's misbehaving handler does not hurt another's.
//!
//! `n` counts the events this instance has translated, kept in guest memory: it grows across
//! batches while the instance lives and starts again at 1 in a fresh one.
//!
//! | route | does |
//! |-------|------|
//! | `GET /stream?last=&timeout=&limit=` | `stream.poll` (timeout in ms), answered as a JSON list of `{seq, timestamp, data}` with `data` parsed |
//! | `POST /publish` | publishes each line of the body as one item; answers `{"last": seq or null}` |

#[path = "../../hostile/src/misbehave.rs"]
mod misbehave;

use misbehave::{hoard, spin};
use std::sync::atomic::{AtomicU64, Ordering};

use switchboard_sdk::prelude::*;
use switchboard_sdk::{events, stream};

/// Events translated by this instance: guest memory that outlives one `on-events` call.
static TRANSLATED: AtomicU64 = AtomicU64::new(0);

fn on_events(batch: &[events::Event]) {
    let mut items = Vec::new();
    for event in batch {
        if let Some(item) = translate(event) {
            let n = TRANSLATED.fetch_add(1, Ordering::Relaxed) + 1;
            let mut item = item;
            item["bus_seq"] = event.seq.into();
            item["n"] = n.into();
            items.push(item.to_string());
        }
    }
    if !items.is_empty() {
        if let Err(error) = stream::publish(&items) {
            switchboard_sdk::log::error("publish failed", &[("error", &format!("{error:?}"))]);
        }
    }
}

/// The stream item for `event`, if it is one this plugin translates; misbehaves on the triggers.
fn translate(event: &events::Event) -> Option<serde_json::Value> {
    match event.name.as_str() {
        "DeviceStateChange" => Some(serde_json::json!({
            "kind": "device",
            "device": event.field("Device"),
            "state": event.field("State"),
        })),
        "UserEvent" => match event.field("UserEvent")? {
            "StreamProbeItem" => Some(serde_json::json!({ "kind": "user", "tag": event.field("Tag") })),
            _ if tame() => None,
            "StreamProbePanic" => panic!("stream-probe panics on purpose"),
            "StreamProbeLoop" => spin(),
            "StreamProbeAlloc" => hoard(),
            _ => None,
        },
        _ => None,
    }
}

/// Whether this mount's settings turn the misbehaviours off.
fn tame() -> bool {
    switchboard_sdk::settings::get("tame").as_deref() == Some("true")
}

fn number<T: std::str::FromStr>(req: &Request, key: &str) -> Result<Option<T>, Error> {
    req.query().get(key).map(|v| v.parse::<T>()).transpose().map_err(|_| Error::bad_request(format!("bad {key}")))
}

fn poll(req: &Request) -> Result<Response, Error> {
    let last = number::<u64>(req, "last")?;
    let timeout = number::<u32>(req, "timeout")?.unwrap_or(0);
    let limit = number::<u32>(req, "limit")?.unwrap_or(0);
    let batch = stream::poll(last, timeout, limit)?;
    let body: Vec<_> = batch
        .iter()
        .map(|e| {
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_else(|_| e.data.clone().into());
            serde_json::json!({ "seq": e.seq, "timestamp": e.timestamp, "data": data })
        })
        .collect();
    Response::json(&body)
}

fn publish(req: &Request) -> Result<Response, Error> {
    let body = req.text()?;
    let items: Vec<String> = body.lines().map(str::to_string).collect();
    let last = stream::publish(&items)?;
    Response::json(&serde_json::json!({ "last": last }))
}

fn router() -> Router {
    Router::new().get("/stream", poll).post("/publish", publish)
}

switchboard_sdk::plugin!(router: router, on_events: on_events);
