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
//! An empty batch is a wake-up (`wake`; this plugin imports it, so it also gets one when its mount
//! starts): with the setting `report-wakes = "true"` it publishes `{"kind":"wake","n":…}`, with
//! `panic-on-wake = "true"` it panics (trap).
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
//! | `POST /wake?ms=N` | `wake.after(N)`: answers 204 |
//! | `POST /publish` | publishes each line of the body as one item; answers `{"last": seq or null}` |

#[path = "../../hostile/src/misbehave.rs"]
mod misbehave;

use misbehave::{hoard, spin};
use std::sync::atomic::{AtomicU64, Ordering};

use switchboard_sdk::prelude::*;
use switchboard_sdk::{events, stream, wake};

/// Events translated by this instance: guest memory that outlives one `on-events` call.
static TRANSLATED: AtomicU64 = AtomicU64::new(0);

fn on_events(batch: &[events::Event]) {
    if batch.is_empty() {
        return woken();
    }
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

/// A wake-up: reported on the stream, or a trap, as the settings say.
fn woken() {
    let setting = |name: &str| switchboard_sdk::settings::get(name).as_deref() == Some("true");
    if setting("panic-on-wake") {
        panic!("stream-probe panics on a wake-up on purpose");
    }
    if setting("report-wakes") {
        let n = TRANSLATED.fetch_add(1, Ordering::Relaxed) + 1;
        let item = serde_json::json!({ "kind": "wake", "n": n }).to_string();
        if let Err(error) = stream::publish(&[item]) {
            switchboard_sdk::log::error("publish failed", &[("error", &format!("{error:?}"))]);
        }
    }
}

fn wake_later(req: &Request) -> Result<Response, Error> {
    let ms = number::<u32>(req, "ms")?.unwrap_or(0);
    wake::after(std::time::Duration::from_millis(ms.into()))?;
    Ok(Response::empty(204))
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
    Router::new().get("/stream", poll).post("/publish", publish).post("/wake", wake_later)
}

switchboard_sdk::plugin!(router: router, on_events: on_events);
