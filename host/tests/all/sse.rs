//! Server-sent events a plugin hands to the host (`sse.serve`), through the real server: the
//! click-to-call example's `GET /events/stream` with many subscribers on a mount that may run two
//! instances at once, an event reaching every one of them, the route still answering beside them,
//! a resume after `Last-Event-ID`, and a mount without `grants.events` refused.

use std::time::Duration;

use switchboard_sim::{PbxSeed, Scenario};

use crate::util::{self, Rig};

/// Subscribers held open at once: ten times the mount's `max_concurrent`.
const SUBSCRIBERS: usize = 20;

/// Reads `response`'s body until `text` holds `needle`; the text read so far.
async fn read_until(response: &mut reqwest::Response, text: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !text.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} within 20 s; got {text:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended before {needle:?}; got {text:?}"));
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

/// The `id:` of the first message in `text` whose data holds `needle`.
fn id_of(text: &str, needle: &str) -> u64 {
    let message = text.split("\n\n").find(|m| m.contains(needle)).unwrap_or_else(|| panic!("no {needle} in {text}"));
    let id = message.lines().find_map(|l| l.strip_prefix("id: ")).unwrap_or_else(|| panic!("no id in {message}"));
    id.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_hold_no_instance_get_every_event_and_resume_after_last_event_id() {
    let rig = Rig::builder()
        .pbx(PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .mount(
            "/c2c",
            "click-to-call",
            "grants = { ami = [\"Originate\", \"CoreShowChannels\"], events = true }\nlimits = { max_concurrent = 2, queue = 0 }",
        )
        .mount("/bare", "click-to-call", "grants = { ami = [\"CoreShowChannels\"] }")
        .start()
        .await;
    let http = util::client();
    let url = format!("{}/c2c/events/stream", rig.base);

    let mut subscribers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let mut response = http.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert!(response.headers().contains_key("x-request-id"));
        let mut text = String::new();
        read_until(&mut response, &mut text, ": switchboard event stream\n\n").await;
        subscribers.push((response, text));
    }
    // Twenty streams open on a mount of two instances, and no queue: none of them holds one.
    let calls = http.get(format!("{}/c2c/calls", rig.base)).send().await.unwrap();
    assert_eq!(calls.status(), 200, "the route answers beside its subscribers");

    let call = rig
        .sim()
        .run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(20) })
        .await
        .unwrap();
    let channel = call.channels[0].clone();
    let mut first_ids = Vec::new();
    for (response, text) in &mut subscribers {
        read_until(response, text, r#""name":"Hangup""#).await;
        assert!(text.contains(&format!(r#""Channel":"{channel}""#)), "{text}");
        assert!(!text.contains(r#""name":"VarSet""#), "only the call events click-to-call asks for: {text}");
        first_ids.push(id_of(text, r#""name":"Newchannel""#));
    }
    assert!(first_ids.windows(2).all(|w| w[0] == w[1]), "one numbering for all: {first_ids:?}");

    // A client that reconnects after the Newchannel gets what followed it, not the Newchannel.
    let mut resumed = http.get(&url).header("last-event-id", first_ids[0].to_string()).send().await.unwrap();
    let mut text = String::new();
    read_until(&mut resumed, &mut text, r#""name":"Hangup""#).await;
    assert!(!text.contains(r#""name":"Newchannel""#) || id_of(&text, r#""name":"Newchannel""#) > first_ids[0], "{text}");
    let ids: Vec<u64> = text.lines().filter_map(|l| l.strip_prefix("id: ")?.parse().ok()).collect();
    assert!(!ids.is_empty() && ids.iter().all(|id| *id > first_ids[0]), "{ids:?} after {}", first_ids[0]);

    // Without grants.events the plugin's own error answers, in its format, and nothing streams.
    let refused = http.get(format!("{}/bare/events/stream", rig.base)).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(util::error_code(refused).await, "events_denied");

    drop(subscribers);
    drop(resumed);
    rig.stop().await;
}
