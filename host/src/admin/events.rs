//! `GET /admin/api/events`: the PBX event bus as server-sent events, for the console's live view
//! (and `curl -N`).
//!
//! Each bus event is one SSE message, `id:` its sequence number and `data:` the event as JSON
//! (see [`event_json`]). A comment line goes out after [`HEARTBEAT`] without events, so proxies and
//! the browser keep the connection, and so a client that left is noticed: writing to a closed
//! connection fails, hyper drops the body, and with it this stream's bus reader. The stream also
//! ends when the server shuts down, instead of holding the graceful shutdown for its whole grace.
//!
//! The reader is an ordinary bus poller (`crate::events`): it sees numbering start over after a
//! reset, and a jump in `id` when it fell more than the bus's capacity behind. A client that
//! reconnects with `Last-Event-ID` gets what came after it; a new one first gets the newest
//! [`BACKLOG`] events, so the view is not empty until the PBX next speaks.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::Frame;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use tokio::sync::watch;

use crate::events::{BusEvent, Cursor, EventBus, Wait};
use crate::http::HttpResponse;

/// Longest quiet time before a comment line goes out.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Events a new client gets from before it connected.
pub const BACKLOG: usize = 50;
/// Most events written in one go.
const BATCH: usize = 256;

type Error = wasmtime_wasi_http::Error;

/// Where the stream is.
struct State {
    bus: Arc<EventBus>,
    /// `None` until the first read: then the backlog is sent (or, with `Last-Event-ID`, what came
    /// after it).
    cursor: Option<Cursor>,
    shutdown: watch::Receiver<bool>,
}

/// The bus as server-sent events, from after `last_event_id` (the client's `Last-Event-ID`) or,
/// without it, from the newest [`BACKLOG`] events; ends when the client leaves or `shutdown`
/// turns true.
pub fn stream(bus: Arc<EventBus>, last_event_id: Option<u64>, shutdown: watch::Receiver<bool>) -> HttpResponse {
    let state = State { bus, cursor: last_event_id.map(Cursor::After), shutdown };
    // A comment first, so the client sees the head and a first byte at once (a fetch resolves on
    // the head; some proxies hold it until the body starts).
    let hello = futures::stream::once(async { Ok::<_, Error>(Frame::data(Bytes::from_static(b": switchboard event bus\n\n"))) });
    let events = futures::stream::unfold(state, |mut state| async move {
        let chunk = next_chunk(&mut state).await?;
        Some((Ok::<_, Error>(Frame::data(chunk)), state))
    });
    let body = StreamBody::new(futures::StreamExt::chain(hello, events)).boxed_unsync();
    let mut response = hyper::Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A buffering reverse proxy (nginx) would otherwise hold events back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The next events as SSE text, or a heartbeat after [`HEARTBEAT`] of quiet; `None` at shutdown.
async fn next_chunk(state: &mut State) -> Option<Bytes> {
    if *state.shutdown.borrow() {
        return None;
    }
    let batch = match state.cursor {
        None => {
            let newest = state.bus.poll_at(Cursor::Newest, Wait { last: None, timeout: Duration::ZERO, limit: BACKLOG }).await;
            if newest.is_empty() {
                // Nothing yet: wait for whatever is issued from now on.
                state.cursor = Some(Cursor::From(state.bus.next_seq()));
                return Some(Bytes::from_static(b": no events yet\n\n"));
            }
            newest
        }
        Some(cursor) => {
            let wait = Wait { last: None, timeout: HEARTBEAT, limit: BATCH };
            tokio::select! {
                batch = state.bus.poll_at(cursor, wait) => batch,
                _ = state.shutdown.wait_for(|stop| *stop) => return None,
            }
        }
    };
    let Some(newest) = batch.last() else { return Some(Bytes::from_static(b": heartbeat\n\n")) };
    state.cursor = Some(Cursor::After(newest.seq));
    let mut text = String::with_capacity(batch.len() * 256);
    for event in &batch {
        // JSON has no raw newlines (they are escaped in strings), so one `data:` line holds it.
        text.push_str(&format!("id: {}\ndata: {}\n\n", event.seq, event_json(event)));
    }
    Some(Bytes::from(text))
}

/// One bus event as the stream's JSON: `{"seq","timestamp","name","fields":{…}}`. A field the
/// event repeats (AMI allows it: `ChanVariable`, `Variable`) becomes an array of its values, in
/// order.
pub fn event_json(event: &BusEvent) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for (key, value) in &event.fields {
        match fields.get_mut(key) {
            None => {
                fields.insert(key.clone(), value.clone().into());
            }
            Some(serde_json::Value::Array(values)) => values.push(value.clone().into()),
            Some(first) => *first = serde_json::Value::Array(vec![first.take(), value.clone().into()]),
        }
    }
    serde_json::json!({ "seq": event.seq, "timestamp": event.timestamp, "name": event.name, "fields": fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::BusConfig;

    async fn chunks(response: HttpResponse, n: usize) -> String {
        let mut body = response.into_body();
        let mut text = String::new();
        for _ in 0..n {
            let frame = body.frame().await.expect("a frame").expect("no error");
            text.push_str(std::str::from_utf8(&frame.into_data().unwrap()).unwrap());
        }
        text
    }

    #[tokio::test]
    async fn sends_the_backlog_then_new_events_as_sse() {
        let bus = EventBus::new(BusConfig::default());
        bus.publish("Newchannel", vec![("Channel".into(), "PJSIP/100-1".into())]);
        let (_stop, shutdown) = watch::channel(false);
        let response = stream(bus.clone(), None, shutdown);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        let first = chunks(response, 2).await;
        assert!(first.starts_with(": switchboard event bus\n\n"), "{first}");
        assert!(first.contains("id: 0\ndata: {"), "{first}");
        assert!(first.contains(r#""name":"Newchannel""#), "{first}");
        assert!(first.contains(r#""Channel":"PJSIP/100-1""#), "{first}");
    }

    #[tokio::test]
    async fn resumes_after_last_event_id_and_ends_at_shutdown() {
        let bus = EventBus::new(BusConfig::default());
        for i in 0..3 {
            bus.publish("Hangup", vec![("Uniqueid".into(), i.to_string())]);
        }
        let (stop, shutdown) = watch::channel(false);
        let mut body = stream(bus.clone(), Some(1), shutdown).into_body();
        let _hello = body.frame().await;
        let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let text = std::str::from_utf8(&frame).unwrap();
        assert!(text.starts_with("id: 2\n"), "{text}");
        assert!(!text.contains("id: 1\n"), "{text}");
        stop.send(true).unwrap();
        assert!(body.frame().await.is_none(), "the stream ends at shutdown");
    }

    #[test]
    fn repeated_fields_become_arrays() {
        let event = BusEvent {
            seq: 7,
            timestamp: "2026-01-01T00:00:00.000Z".into(),
            name: "VarSet".into(),
            fields: vec![("Variable".into(), "A".into()), ("Variable".into(), "B".into()), ("Value".into(), "1".into())],
        };
        let json = event_json(&event);
        assert_eq!(json["fields"]["Variable"], serde_json::json!(["A", "B"]));
        assert_eq!(json["fields"]["Value"], "1");
        assert_eq!(json["seq"], 7);
    }
}
