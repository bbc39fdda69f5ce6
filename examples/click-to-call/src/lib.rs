//! Click-to-call, the way a CRM integration would write it:
//!
//! - `POST /call` with `{"from": "1001", "to": "5550100"}` (JSON or form) rings phone `from` and, when
//!   it answers, dials `to` from the mount's `context` setting (default `from-internal`).
//! - `GET /calls` lists live channels.
//! - `GET /events?last=N&timeout=S` long-polls call events (new channel, dial, bridge, hangup): each
//!   with its `channel` (for a Dial event of an originated leg, the dialled one) and `dest_channel`.
//!
//! If the mount sets `api-key`, every request needs it in the `X-Api-Key` header; wrong keys are
//! counted by the host per client address (`auth_throttle`), and after a few the client gets 429
//! with `Retry-After` for a while, whatever key it sends. Grants needed:
//! `ami = ["Originate", "CoreShowChannels"]`, `events = true`.

use serde::Deserialize;
use switchboard_sdk::prelude::*;
use switchboard_sdk::{ami, auth, auth_throttle, events, settings};

const CALL_EVENTS: [&str; 6] = ["Newchannel", "Newstate", "DialBegin", "DialEnd", "BridgeEnter", "Hangup"];

#[derive(Deserialize)]
struct Call {
    from: String,
    to: String,
}

/// Phone numbers and extensions only: digits, `*`, `#`, a leading `+`. Anything else could smuggle
/// a second channel or option into the dial string.
fn number(value: &str, field: &str) -> Result<String, Error> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#') {
        return Err(Error::unprocessable(format!("`{field}` must be a phone number or extension")));
    }
    Ok(value.to_string())
}

fn check_key(req: &Request) -> Result<(), Error> {
    let Some(key) = settings::get("api-key") else { return Ok(()) };
    // Refuse a locked-out client before looking at its key, so a right guess during a lock counts
    // for nothing; then count a wrong key (a 429 when it starts a lock).
    auth_throttle::check(None)?;
    if req.header_key("x-api-key").is_some_and(|k| auth::constant_time_eq(k.as_bytes(), key.as_bytes())) {
        return Ok(());
    }
    auth_throttle::failure(None)?;
    Err(Error::unauthorized("missing or wrong X-Api-Key"))
}

fn call(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    let call: Call = if req.header("content-type").is_some_and(|t| t.starts_with("application/json")) {
        req.json()?
    } else {
        let form = req.form();
        Call { from: form.get("from").unwrap_or_default().into(), to: form.get("to").unwrap_or_default().into() }
    };
    let (from, to) = (number(&call.from, "from")?, number(&call.to, "to")?);
    let context = settings::get("context").unwrap_or_else(|| "from-internal".into());
    let channel = format!("PJSIP/{from}");
    let caller_id = format!("\"Click to call\" <{to}>");
    ami::send(
        "Originate",
        &[("Channel", &channel), ("Exten", &to), ("Context", &context), ("Priority", "1"), ("CallerID", &caller_id), ("Async", "true")],
    )?;
    Ok(Response::json(&serde_json::json!({ "status": "queued", "from": from, "to": to }))?.with_status(202))
}

fn calls(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    let list = ami::send("CoreShowChannels", &[])?;
    let channels: Vec<_> = list
        .events
        .iter()
        .map(|e| {
            serde_json::json!({
                "channel": ami::field(e, "Channel"),
                "state": ami::field(e, "ChannelStateDesc"),
                "caller": ami::field(e, "CallerIDNum"),
                "exten": ami::field(e, "Exten"),
                "duration": ami::field(e, "Duration"),
            })
        })
        .collect();
    Response::json(&channels)
}

fn call_events(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    let query = req.query();
    let last = query.get("last").and_then(|v| v.parse().ok());
    let timeout_s: u32 = query.get("timeout").and_then(|v| v.parse().ok()).unwrap_or(20).min(55);
    let batch = events::poll(last, timeout_s * 1000, 100, &CALL_EVENTS)?;
    let body: Vec<_> = batch
        .iter()
        .map(|e| {
            // The Dial events of an originated leg have no calling channel, only the `Dest*` one.
            serde_json::json!({
                "seq": e.seq,
                "timestamp": e.timestamp,
                "event": e.name,
                "channel": e.field("Channel").or_else(|| e.field("DestChannel")),
                "uniqueid": e.field("Uniqueid").or_else(|| e.field("DestUniqueid")),
                "dest_channel": e.field("DestChannel"),
            })
        })
        .collect();
    Response::json(&body)
}

fn router() -> Router {
    Router::new().post("/call", call).get("/calls", calls).get("/events", call_events)
}

switchboard_sdk::plugin!(router: router);
