//! `GET /admin/api/events`: the PBX event bus as server-sent events, for the console's live view
//! (and `curl -N`), written by [`crate::sse`].
//!
//! Each bus event is one message, `id:` its sequence number and `data:` the event as JSON
//! ([`crate::sse::event_json`]), a comment line after [`crate::sse::HEARTBEAT`] of quiet. A client
//! that reconnects with `Last-Event-ID` gets what came after it; a new one first gets the newest
//! [`BACKLOG`] events, so the view is not empty until the PBX next speaks.

use std::sync::Arc;

use tokio::sync::watch;

use crate::events::EventBus;
use crate::http::HttpResponse;
use crate::sse::Source;

/// Events a new client gets from before it connected.
pub const BACKLOG: usize = 50;

/// The bus as server-sent events, from after `last_event_id` (the client's `Last-Event-ID`) or,
/// without it, from the newest [`BACKLOG`] events; ends when the client leaves or `shutdown`
/// turns true.
pub fn stream(bus: Arc<EventBus>, last_event_id: Option<u64>, shutdown: watch::Receiver<bool>) -> HttpResponse {
    let body = crate::sse::body(async { Ok(()) }, "switchboard event bus", Source::Bus(bus, Vec::new()), last_event_id, BACKLOG, shutdown);
    let mut response = hyper::Response::new(body);
    crate::sse::set_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;
    use hyper::header::CONTENT_TYPE;

    use crate::events::BusConfig;

    #[tokio::test]
    async fn sends_the_backlog_then_resumes_after_last_event_id() {
        let bus = EventBus::new(BusConfig::default());
        for i in 0..3 {
            bus.publish("Hangup", vec![("Uniqueid".into(), i.to_string())]);
        }
        let (_stop, shutdown) = watch::channel(false);
        let response = stream(bus.clone(), None, shutdown.clone());
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        let mut body = response.into_body();
        let hello = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&hello[..], b": switchboard event bus\n\n");
        let backlog = body.frame().await.unwrap().unwrap().into_data().unwrap();
        let text = std::str::from_utf8(&backlog).unwrap();
        assert!(text.starts_with("id: 0\n") && text.contains("id: 2\n"), "{text}");

        let mut resumed = stream(bus, Some(1), shutdown).into_body();
        let _hello = resumed.frame().await;
        let frame = resumed.frame().await.unwrap().unwrap().into_data().unwrap();
        let text = std::str::from_utf8(&frame).unwrap();
        assert!(text.starts_with("id: 2\n") && !text.contains("id: 1\n"), "{text}");
    }
}
