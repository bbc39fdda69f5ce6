//! Server-sent events written by the host: the PBX event bus, or a mount's own stream, as a
//! `text/event-stream` body that lasts as long as its client.
//!
//! Two places serve them: the admin listener's `GET /admin/api/events` (the console's live view)
//! and any plugin route whose handler called `sse.serve` (`crate::capabilities::events`), whose
//! instance is then already free: a subscriber costs a task's worth of memory and a position in
//! the buffer, not an instance.
//!
//! Each event is one message, `id:` its sequence number and its data on `data:` lines. A comment
//! line goes out after [`HEARTBEAT`] without events, so proxies keep the connection and a client
//! that left is noticed (writing to a closed connection fails, hyper drops the body, and with it
//! this reader). The stream also ends when the server shuts down, instead of holding the graceful
//! shutdown for its whole grace. Positions follow the buffers' own rules (`crate::events`): a
//! reader that fell more than the buffer behind sees a jump in `id`, and after a restart or reset
//! numbering starts over.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::HeaderMap;
use hyper::body::Frame;
use hyper::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use tokio::sync::watch;

use crate::events::{BusEvent, EventBus, EventStream, Poll};

/// Longest quiet time before a comment line goes out.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Most events written in one go.
const BATCH: usize = 256;

type Error = wasmtime_wasi_http::Error;
/// A response body as the listeners send it.
pub type Body = wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// What a stream carries.
#[derive(Clone)]
pub enum Source {
    /// The PBX event bus, only the events named in the filter (case-insensitive; empty: all).
    Bus(Arc<EventBus>, Vec<String>),
    /// A mount's own stream: each item's payload as published.
    Stream(Arc<EventStream>),
}

impl Source {
    fn next_seq(&self) -> u64 {
        match self {
            Source::Bus(bus, _) => bus.next_seq(),
            Source::Stream(stream) => stream.next_seq(),
        }
    }

    /// Events after `last` (the newest `limit` without it), waiting up to `wait` for the first;
    /// as SSE text with the newest sequence number, `None` when the wait passed with nothing.
    async fn read(&self, last: Option<u64>, wait: Duration, limit: usize) -> Option<(u64, String)> {
        let mut text = String::new();
        let newest = match self {
            Source::Bus(bus, filter) => {
                let events = bus.poll(&Poll { last, timeout: wait, limit, filter: filter.clone() }).await;
                for event in &events {
                    // JSON has no raw line breaks (they are escaped in strings): one `data:` line.
                    text.push_str(&format!("id: {}\ndata: {}\n\n", event.seq, event_json(event)));
                }
                events.last()?.seq
            }
            Source::Stream(stream) => {
                let items = stream.poll(last, wait, limit).await;
                for item in &items {
                    text.push_str(&format!("id: {}\n", item.seq));
                    // A payload's line breaks would end the message early: each line is a `data:`
                    // line of its own, which the client joins back with `\n`.
                    for line in item.data.split(['\n', '\r']) {
                        text.push_str("data: ");
                        text.push_str(line);
                        text.push('\n');
                    }
                    text.push('\n');
                }
                items.last()?.seq
            }
        };
        Some((newest, text))
    }
}

/// Where a reader is.
struct Reader {
    source: Source,
    /// The last sequence number sent; `None` before the first.
    last: Option<u64>,
    /// Events to send first when the client gave no `Last-Event-ID`; 0 once handled.
    backlog: usize,
    /// Quiet time before a comment goes out ([`HEARTBEAT`]).
    heartbeat: Duration,
    shutdown: watch::Receiver<bool>,
}

impl Reader {
    /// The next SSE text: events, or a heartbeat after [`HEARTBEAT`] of quiet; `None` at shutdown.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        if *self.shutdown.borrow() {
            return None;
        }
        if self.backlog > 0 {
            let backlog = std::mem::take(&mut self.backlog);
            if let Some((newest, text)) = self.source.read(None, Duration::ZERO, backlog).await {
                self.last = Some(newest);
                return Some(Bytes::from(text));
            }
        }
        let read = self.source.read(self.last, self.heartbeat, BATCH);
        let read = tokio::select! {
            read = read => read,
            _ = self.shutdown.wait_for(|stop| *stop) => return None,
        };
        match read {
            Some((newest, text)) => {
                self.last = Some(newest);
                Some(Bytes::from(text))
            }
            None => Some(Bytes::from_static(b": heartbeat\n\n")),
        }
    }
}

/// The SSE body of `source`: after `ready` (what must succeed before anything is sent; its error
/// ends the body), a `hello` comment, then the events after `last_event_id` — or, without it, the
/// newest `backlog` events and everything from then on — until the client leaves or `shutdown`.
pub fn body(
    ready: impl Future<Output = Result<(), Error>> + Send + 'static,
    hello: &'static str,
    source: Source,
    last_event_id: Option<u64>,
    backlog: usize,
    shutdown: watch::Receiver<bool>,
) -> Body {
    body_with_heartbeat(ready, hello, source, last_event_id, backlog, shutdown, HEARTBEAT)
}

fn body_with_heartbeat(
    ready: impl Future<Output = Result<(), Error>> + Send + 'static,
    hello: &'static str,
    source: Source,
    last_event_id: Option<u64>,
    backlog: usize,
    shutdown: watch::Receiver<bool>,
    heartbeat: Duration,
) -> Body {
    // Without `Last-Event-ID` or a backlog, the reader starts at the next event from now (when
    // `serve` was called), not from when the body is first polled.
    let last = match last_event_id {
        Some(id) => Some(id),
        None if backlog == 0 => source.next_seq().checked_sub(1),
        None => None,
    };
    let reader = Reader { source, last, backlog: if last_event_id.is_some() { 0 } else { backlog }, heartbeat, shutdown };
    // A comment first, so the client sees the head and a first byte at once (a fetch resolves on
    // the head; some proxies hold it until the body starts).
    let hello = futures::stream::once(async move { ready.await.map(|()| Frame::data(Bytes::from(format!(": {hello}\n\n")))) });
    let events = futures::stream::unfold(reader, |mut reader| async move {
        let chunk = reader.next_chunk().await?;
        Some((Ok::<_, Error>(Frame::data(chunk)), reader))
    });
    StreamBody::new(futures::StreamExt::chain(hello, events)).boxed_unsync()
}

/// The headers of an SSE response, over whatever `headers` had.
pub fn set_headers(headers: &mut HeaderMap) {
    headers.remove(CONTENT_LENGTH);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A buffering reverse proxy (nginx) would otherwise hold events back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
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

    async fn frames(body: &mut Body, n: usize) -> String {
        let mut text = String::new();
        for _ in 0..n {
            let frame = body.frame().await.expect("a frame").expect("no error");
            text.push_str(std::str::from_utf8(&frame.into_data().unwrap()).unwrap());
        }
        text
    }

    fn ready() -> impl Future<Output = Result<(), Error>> + Send + 'static {
        async { Ok(()) }
    }

    #[tokio::test]
    async fn the_bus_filtered_from_the_next_event_then_a_resume_after_last_event_id() {
        let bus = EventBus::new(BusConfig::default());
        bus.publish("Newchannel", vec![("Channel".into(), "PJSIP/100-1".into())]);
        let (_stop, shutdown) = watch::channel(false);
        let mut body = body(ready(), "hi", Source::Bus(bus.clone(), vec!["hangup".into()]), None, 0, shutdown.clone());
        assert_eq!(frames(&mut body, 1).await, ": hi\n\n");
        bus.publish("Newstate", vec![]);
        bus.publish("Hangup", vec![("Channel".into(), "PJSIP/100-1".into()), ("Cause".into(), "16".into())]);
        let text = frames(&mut body, 1).await;
        assert!(text.starts_with("id: 2\ndata: {"), "only the Hangup, not what came before the reader: {text}");
        assert!(text.contains(r#""name":"Hangup""#) && text.contains(r#""Cause":"16""#), "{text}");

        let mut resumed = super::body(ready(), "hi", Source::Bus(bus.clone(), Vec::new()), Some(0), 0, shutdown);
        let text = frames(&mut resumed, 2).await;
        assert!(text.contains("id: 1\n") && text.contains("id: 2\n") && !text.contains("id: 0\n"), "{text}");
    }

    #[tokio::test]
    async fn a_streams_payload_lines_are_data_lines_and_the_backlog_comes_first() {
        let stream = EventStream::new(BusConfig::default());
        stream.publish("2026-01-01T00:00:00.000Z", vec!["{\"a\":1}".into(), "two\nlines".into()]);
        let (_stop, shutdown) = watch::channel(false);
        let mut body = body(ready(), "hi", Source::Stream(stream), None, 50, shutdown);
        let text = frames(&mut body, 2).await;
        assert_eq!(text, ": hi\n\nid: 0\ndata: {\"a\":1}\n\nid: 1\ndata: two\ndata: lines\n\n");
    }

    #[tokio::test]
    async fn a_quiet_stream_sends_heartbeats_and_ends_at_shutdown() {
        let bus = EventBus::new(BusConfig::default());
        let (stop, shutdown) = watch::channel(false);
        let quiet = Duration::from_millis(50);
        let mut body = body_with_heartbeat(ready(), "hi", Source::Bus(bus, Vec::new()), None, 0, shutdown, quiet);
        let _hello = frames(&mut body, 1).await;
        assert_eq!(frames(&mut body, 1).await, ": heartbeat\n\n", "after the quiet time");
        stop.send(true).unwrap();
        assert!(body.frame().await.is_none(), "the stream ends at shutdown");
    }

    #[tokio::test]
    async fn a_failed_handler_ends_the_body_before_anything_is_sent() {
        let bus = EventBus::new(BusConfig::default());
        let (_stop, shutdown) = watch::channel(false);
        let failed = async { Err(Error::InternalError(Some("the plugin failed".into()))) };
        let mut body = body(failed, "hi", Source::Bus(bus, Vec::new()), None, 0, shutdown);
        assert!(body.frame().await.expect("a frame").is_err());
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
