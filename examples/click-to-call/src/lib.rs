//! Click-to-call, the way a CRM integration would write it:
//!
//! - `POST /call` with `{"from": "1001", "to": "5550100"}` (JSON or form) rings phone `from` and, when
//!   it answers, dials `to` from the mount's `context` setting (default `from-internal`).
//! - `GET /events/stream` streams the same call events as server-sent events (each `data:` the raw
//!   PBX event as JSON, `id:` its sequence number) for as long as the client stays; a client that
//!   reconnects with `Last-Event-ID` gets what it missed. The host serves the stream, so a
//!   subscriber holds no plugin instance.
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
use switchboard_sdk::{ami, auth, events, settings, sse};

// What `switchboard check` compares with the mount's grants (and `check --strict` insists on).
switchboard_sdk::needs!(
    r#"
ami = ["Originate", "CoreShowChannels"]
events = true
"#
);

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
    match settings::get("api-key") {
        Some(key) => auth::require_api_key(req, "X-Api-Key", &key),
        None => Ok(()),
    }
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

/// The call events as server-sent events: the key is checked here, then the host streams them.
fn call_event_stream(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    sse::bus(req, &CALL_EVENTS)
}

fn router() -> Router {
    Router::new().post("/call", call).get("/calls", calls).get("/events", call_events).get("/events/stream", call_event_stream)
}

switchboard_sdk::plugin!(router: router);

/// The handlers run natively against the SDK's test doubles: scripted AMI answers and queued PBX
/// events, no host and no PBX.
#[cfg(test)]
mod tests {
    use switchboard_sdk::ami::AmiError;
    use switchboard_sdk::testing::Host;

    use super::*;

    fn post_call(body: &str) -> Response {
        let request = Request::new("POST", "/c2c/call").with_mount_route("/c2c").with_header("content-type", "application/json").with_body(body);
        router().handle(&request)
    }

    #[test]
    fn a_call_is_originated_from_the_phone_to_the_number_in_the_mounts_context() {
        let host = Host::new().route("/c2c").setting("context", "crm-out").ami_success("Originate", vec![("Message", "Originate successfully queued")]).install();
        let response = post_call(r#"{"from": "1001", "to": "+15550100"}"#);
        assert_eq!(response.status(), 202);
        let sent = host.ami_sent();
        assert_eq!(sent.len(), 1);
        let (action, headers) = &sent[0];
        assert_eq!(action, "Originate");
        assert_eq!(ami::field(headers, "Channel"), Some("PJSIP/1001"));
        assert_eq!(ami::field(headers, "Exten"), Some("+15550100"));
        assert_eq!(ami::field(headers, "Context"), Some("crm-out"));
    }

    #[test]
    fn a_number_that_could_smuggle_a_second_channel_is_refused_before_any_action() {
        let host = Host::new().install();
        for to in ["5550100&PJSIP/666", "1\r\nAction: Command", "${SHELL(id)}", ""] {
            let response = post_call(&serde_json::json!({ "from": "1001", "to": to }).to_string());
            assert_eq!(response.status(), 422, "{to:?}");
        }
        assert!(host.ami_sent().is_empty());
    }

    #[test]
    fn a_pbx_that_is_down_is_an_error_not_an_empty_list() {
        let _host = Host::new().ami_error("CoreShowChannels", AmiError::NotConnected).install();
        let response = router().handle(&Request::new("GET", "/calls"));
        assert_eq!(response.status(), 503);
    }

    #[test]
    fn live_calls_and_call_events_are_translated() {
        let _host = Host::new()
            .ami_list("CoreShowChannels", vec![vec![("Channel", "PJSIP/1001-00000001"), ("ChannelStateDesc", "Up"), ("CallerIDNum", "1001")]])
            .event("Newchannel", vec![("Channel", "PJSIP/1001-00000001"), ("Uniqueid", "1.1")])
            .event("VarSet", vec![("Channel", "PJSIP/1001-00000001")])
            .event("DialBegin", vec![("DestChannel", "PJSIP/1002-00000002"), ("DestUniqueid", "1.2")])
            .install();
        let calls: serde_json::Value = serde_json::from_slice(router().handle(&Request::new("GET", "/calls")).body_bytes().unwrap()).unwrap();
        assert_eq!(calls[0]["channel"], "PJSIP/1001-00000001");
        assert_eq!(calls[0]["state"], "Up");
        let events: serde_json::Value = serde_json::from_slice(router().handle(&Request::new("GET", "/events?last=1")).body_bytes().unwrap()).unwrap();
        // Only call events, after `last`; the Dial event of an originated leg names its dialled channel.
        assert_eq!(events.as_array().unwrap().len(), 1);
        assert_eq!(events[0]["event"], "DialBegin");
        assert_eq!(events[0]["channel"], "PJSIP/1002-00000002");
        assert_eq!(events[0]["seq"], 3);
    }

    #[test]
    fn the_event_stream_asks_the_host_for_call_events_after_the_clients_last_event_id() {
        let host = Host::new().setting("api-key", "k").install();
        let refused = router().handle(&Request::new("GET", "/events/stream"));
        assert_eq!(refused.status(), 401);
        assert!(host.event_stream().is_none(), "no stream for a client without the key");
        let request = Request::new("GET", "/events/stream").with_header("x-api-key", "k").with_header("last-event-id", "41");
        assert_eq!(router().handle(&request).status(), 200);
        let (source, last) = host.event_stream().expect("a stream was asked for");
        assert_eq!(last, Some(41));
        let sse::Source::Bus(filter) = source else { panic!("the bus, not the mount's own stream") };
        assert_eq!(filter, CALL_EVENTS);
    }
}
