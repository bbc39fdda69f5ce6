//! A mount's own event stream, fed by its plugin's event handler (`event-handler.on-events` on a
//! long-lived instance) from PBX events the simulator emits: dense numbering across the bus events
//! it filters out, `last` resumption, `limit=1`, `timeout=0`, restart, overflow and reset (the Axeos
//! `/events` rules of seed 004), 500 long-pollers, and a misbehaving handler costing only itself.
//!
//! The test plugin `stream-probe` publishes one item per `DeviceStateChange` and per `UserEvent`
//! tagged `StreamProbeItem`; `UserEvent`s tagged `StreamProbePanic`/`Loop`/`Alloc` make it
//! misbehave (unless its mount sets `tame = "true"`). Events are raised on the PBX through the
//! plain `probe` plugin's AMI route (`UserEvent` action) or by a scripted call.

use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_sim::{PbxSeed, Scenario};

use crate::util::{Rig, client, test_plugin};

/// How a test's host is set up.
struct Setup {
    /// `[events] buffer` (the bus's and each stream's capacity).
    buffer: usize,
    /// `[events] reset_after_s`.
    reset_after_s: u64,
    /// Limits of the `/stream` mount (TOML inline table body).
    limits: &'static str,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { buffer: 1000, reset_after_s: 300, limits: "max_concurrent = 600, queue = 0" }
    }
}

/// The demo office as the PBX and the mounts: `/stream` (stream-probe, events granted), `/tame`
/// (stream-probe that ignores the misbehaviour triggers), `/plain` (probe: no event handler; it
/// raises `UserEvent`s), and `/ungranted` (stream-probe without grants).
async fn host(setup: &Setup) -> Rig {
    let (sp, p) = (test_plugin("stream-probe"), test_plugin("probe"));
    Rig::builder()
        .pbx(PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .toml(&format!("[events]\nbuffer = {}\nreset_after_s = {}\n", setup.buffer, setup.reset_after_s))
        .mount("/stream", &sp, &format!("grants = {{ events = true }}\nlimits = {{ {} }}", setup.limits))
        .mount("/tame", &sp, "grants = { events = true }\nsettings = { tame = \"true\" }")
        .mount("/plain", &p, "grants = { ami = [\"UserEvent\"], events = true }")
        .mount("/ungranted", &sp, "")
        .start()
        .await
}

async fn get(url: &str) -> (u16, Value) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Raises `UserEvent: <name>` (with `Tag: <tag>`) on the simulated PBX through the AMI.
async fn user_event(url: &str, name: &str, tag: &str) {
    let (status, body) = get(&format!("{url}/plain/send?action=UserEvent&UserEvent={name}&Tag={tag}")).await;
    assert_eq!(status, 200, "UserEvent sent: {body}");
}

fn seqs(batch: &Value) -> Vec<u64> {
    batch.as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}

/// Raises one `StreamProbeItem` per tag and waits until `/stream` has translated the last one;
/// returns every item read.
async fn items_for(url: &str, tags: &[&str]) -> Vec<Value> {
    for tag in tags {
        user_event(url, "StreamProbeItem", tag).await;
    }
    until_tag(url, "/stream", None, tags.last().expect("at least one tag")).await
}

/// Polls `route`'s stream after `last` until an item with `tag` arrives; returns every item read.
async fn until_tag(url: &str, route: &str, mut last: Option<u64>, tag: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut items = Vec::new();
    while Instant::now() < deadline {
        let query = last.map_or("timeout=400".to_string(), |l| format!("last={l}&timeout=400"));
        let (status, batch) = get(&format!("{url}{route}/stream?{query}")).await;
        assert_eq!(status, 200, "{batch}");
        for item in batch.as_array().unwrap() {
            last = item["seq"].as_u64();
            items.push(item.clone());
            if item["data"]["tag"] == tag {
                return items;
            }
        }
    }
    panic!("no item tagged {tag} on {route} within 20 s; read {items:#?}");
}

#[tokio::test]
async fn a_call_becomes_a_dense_stream_of_only_the_translated_events() {
    let rig = host(&Setup::default()).await;
    let (sim, url) = (rig.sim(), rig.base.clone());
    let (_, newest) = get(&format!("{url}/plain/poll?limit=1&timeout=0")).await;
    let bus_start = newest.as_array().unwrap().first().map(|e| e["seq"].as_u64().unwrap());

    sim.run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(50) })
        .await
        .unwrap();
    user_event(&url, "StreamProbeItem", "end").await;
    let items = until_tag(&url, "/stream", None, "end").await;

    // Every bus event of the call, straight from the bus.
    let query = bus_start.map_or("timeout=0".to_string(), |s| format!("last={s}&timeout=0"));
    let (_, bus) = get(&format!("{url}/plain/poll?{query}")).await;
    let bus = bus.as_array().unwrap();
    let device_changes: Vec<&Value> = bus.iter().filter(|e| e["name"] == "DeviceStateChange").collect();
    assert!(device_changes.len() >= 2, "the call changes device states: {bus:#?}");
    assert!(bus.len() > device_changes.len() + 1, "the bus carries events the plugin filters out");

    let stream_seqs: Vec<u64> = items.iter().map(|i| i["seq"].as_u64().unwrap()).collect();
    assert_eq!(stream_seqs, (0..items.len() as u64).collect::<Vec<_>>(), "dense from 0, no gaps for filtered-out events");
    assert_eq!(items.len(), device_changes.len() + 1, "one item per DeviceStateChange, plus the closing UserEvent");
    for (item, event) in items.iter().zip(&device_changes) {
        assert_eq!(item["data"]["kind"], "device");
        assert_eq!(item["data"]["bus_seq"], event["seq"], "translated in bus order");
        assert_eq!(item["data"]["device"], event["fields"].as_array().unwrap().iter().find(|f| f[0] == "Device").unwrap()[1]);
        let (item_time, event_time) = (item["timestamp"].as_str().unwrap(), event["timestamp"].as_str().unwrap());
        assert!(item_time >= event_time, "an item carries its batch's last source event time: {item_time} vs {event_time}");
    }
    let ns: Vec<u64> = items.iter().map(|i| i["data"]["n"].as_u64().unwrap()).collect();
    assert_eq!(ns, (1..=items.len() as u64).collect::<Vec<_>>(), "one long-lived instance kept its count across batches");
    rig.stop().await;
}

#[tokio::test]
async fn last_resumes_limit_one_skips_the_past_and_timeout_zero_answers_at_once() {
    let rig = host(&Setup::default()).await;
    let url = rig.base.clone();
    items_for(&url, &["a", "b", "c"]).await;

    let (_, newest) = get(&format!("{url}/stream/stream?limit=1")).await;
    assert_eq!((seqs(&newest), &newest[0]["data"]["tag"]), (vec![2], &Value::from("c")), "limit=1 without last: the newest only");

    let started = Instant::now();
    let (status, empty) = get(&format!("{url}/stream/stream?last=2&timeout=0")).await;
    assert_eq!((status, empty), (200, serde_json::json!([])), "timeout=0 with nothing new: empty at once");
    assert!(started.elapsed() < Duration::from_secs(2));

    let started = Instant::now();
    let (_, empty) = get(&format!("{url}/stream/stream?last=2&timeout=300")).await;
    assert_eq!(empty, serde_json::json!([]));
    assert!(started.elapsed() >= Duration::from_millis(290), "waited out its timeout");

    let waiting = tokio::spawn({
        let url = url.clone();
        async move { get(&format!("{url}/stream/stream?last=2&timeout=10000")).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    user_event(&url, "StreamProbeItem", "d").await;
    let (_, woken) = waiting.await.unwrap();
    assert_eq!((seqs(&woken), &woken[0]["data"]["tag"]), (vec![3], &Value::from("d")), "a long poll wakes on the next item");

    let (_, page) = get(&format!("{url}/stream/stream?last=0&limit=2")).await;
    assert_eq!(seqs(&page), [1, 2], "last resumes, limit caps");
    let (_, all) = get(&format!("{url}/stream/stream?timeout=0")).await;
    assert_eq!(seqs(&all), [0, 1, 2, 3], "without last: everything buffered");

    // Published from a request: numbered in the same stream, stamped now.
    let response = client().post(format!("{url}/stream/publish")).body("{\"tag\":\"e\"}\n{\"tag\":\"f\"}").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), serde_json::json!({ "last": 5 }));
    let (_, tail) = get(&format!("{url}/stream/stream?last=3")).await;
    assert_eq!(seqs(&tail), [4, 5]);
    assert_eq!(tail[1]["data"]["tag"], "f");
    rig.stop().await;
}

#[tokio::test]
async fn after_a_restart_numbering_starts_again_at_zero() {
    let rig = host(&Setup::default()).await;
    let url = rig.base.clone();
    let before = items_for(&url, &["a", "b", "c"]).await;
    assert_eq!(before.last().unwrap()["seq"], 2);

    let rig = rig.restart().await;
    let url = rig.base.clone();
    user_event(&url, "StreamProbeItem", "after").await;
    let after = until_tag(&url, "/stream", Some(2), "after").await;
    assert_eq!(after[0]["seq"], 0, "a last from before the restart gets the new numbering from 0: {after:#?}");
    rig.stop().await;
}

#[tokio::test]
async fn overflow_shows_as_a_gap_and_an_unread_overflow_resets_the_stream() {
    let setup = Setup { buffer: 5, reset_after_s: 1, ..Setup::default() };
    let rig = host(&setup).await;
    let url = rig.base.clone();
    let publish = |lines: usize, from: usize| {
        let url = url.clone();
        async move {
            let body: Vec<String> = (from..from + lines).map(|i| format!("{{\"i\":{i}}}")).collect();
            let response = client().post(format!("{url}/stream/publish")).body(body.join("\n")).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["last"].clone()
        }
    };

    // Overflow with a reader: the oldest are dropped, the reader sees seq > last + 1.
    assert_eq!(publish(2, 0).await, 1);
    let (_, first) = get(&format!("{url}/stream/stream?timeout=0")).await;
    assert_eq!(seqs(&first), [0, 1]);
    assert_eq!(publish(8, 2).await, 9);
    let (_, batch) = get(&format!("{url}/stream/stream?last=1&timeout=0")).await;
    assert_eq!(seqs(&batch), [5, 6, 7, 8, 9], "the buffer holds five; 2..4 were dropped");

    // Overflow with nobody polling for longer than reset_after: the stream resets and stops gathering.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(publish(3, 10).await, Value::Null, "reset: gathering is off, the items are dropped");
    assert_eq!(publish(1, 13).await, Value::Null, "still off until someone polls");
    let (_, empty) = get(&format!("{url}/stream/stream?last=9&timeout=0")).await;
    assert_eq!(empty, serde_json::json!([]), "the poll finds nothing and turns gathering on");
    assert_eq!(publish(2, 14).await, 1);
    let (_, restarted) = get(&format!("{url}/stream/stream?last=9&timeout=0")).await;
    assert_eq!(seqs(&restarted), [0, 1], "a last from before the reset gets the new numbering from 0");
    assert_eq!(restarted[0]["data"]["i"], 14);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_long_pollers_are_all_woken_by_one_pbx_event() {
    let rig = host(&Setup::default()).await;
    let url = rig.base.clone();
    let client = client();
    let pollers: Vec<_> = (0..500)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let response = client.get(format!("{url}/stream/stream?timeout=20000")).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.unwrap()
            })
        })
        .collect();
    // Every poller is parked in the host (no thread each) before the event happens on the PBX.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let woke = Instant::now();
    user_event(&url, "StreamProbeItem", "wake").await;
    for poller in pollers {
        let batch = poller.await.unwrap();
        assert_eq!(batch[0]["data"]["tag"], "wake", "{batch}");
        assert_eq!(batch[0]["seq"], 0);
    }
    assert!(woke.elapsed() < Duration::from_secs(15), "woken by the event, not by their 20 s timeouts: {:?}", woke.elapsed());
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_looping_or_memory_bombing_handler_costs_only_its_own_instance() {
    let _solo = crate::util::solo();
    // Each on-events call is bounded by the mount's batch deadline (1 s) and memory (32 MiB), not
    // by its request timeout, which is a long-poll mount's minute.
    let setup = Setup { limits: "timeout_ms = 60000, event_batch_timeout_ms = 1000, memory_mb = 32", ..Setup::default() };
    let rig = host(&setup).await;
    let url = rig.base.clone();

    let warm = items_for(&url, &["warm-1", "warm-2"]).await;
    assert_eq!(warm.last().unwrap()["data"]["n"], 2, "one instance handled both");
    let mut last = warm.last().unwrap()["seq"].as_u64();
    let mut tame_last = None;
    let mut tame_n = 0;

    for (trigger, tag) in [("StreamProbePanic", "after-panic"), ("StreamProbeLoop", "after-loop"), ("StreamProbeAlloc", "after-alloc")] {
        let started = Instant::now();
        user_event(&url, trigger, "x").await;
        user_event(&url, "StreamProbeItem", tag).await;

        // The host and the other mounts carry on while the handler misbehaves.
        let response = client().get(format!("{url}/_switchboard/health")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{trigger}: the host answers");
        let (status, _) = get(&format!("{url}/plain/poll?limit=1&timeout=0")).await;
        assert_eq!(status, 200, "{trigger}: another mount answers");
        let (status, _) = get(&format!("{url}/stream/stream?limit=1&timeout=0")).await;
        assert_eq!(status, 200, "{trigger}: the misbehaving handler's own mount answers HTTP");

        let items = until_tag(&url, "/stream", last, tag).await;
        let item = items.last().unwrap();
        assert_eq!(item["data"]["n"], 1, "{trigger}: the next batch ran on a fresh instance: {items:#?}");
        assert_eq!(items.len(), 1, "{trigger}: the failed batch published nothing");
        assert!(started.elapsed() < Duration::from_secs(10), "{trigger}: recovered at the batch deadline, long before the 60 s request timeout");
        last = item["seq"].as_u64();

        // The tame mount saw the same events, kept its instance, and translated the item.
        let tame = until_tag(&url, "/tame", tame_last, tag).await;
        let n = tame.last().unwrap()["data"]["n"].as_u64().unwrap();
        assert!(n > tame_n, "{trigger}: the tame mount's instance lives on ({n} after {tame_n})");
        tame_n = n;
        tame_last = tame.last().unwrap()["seq"].as_u64();
    }
    rig.stop().await;
}

#[tokio::test]
async fn a_plain_plugin_is_never_called_and_has_no_stream() {
    let rig = host(&Setup::default()).await;
    let (server, url) = (&rig.server, rig.base.clone());
    let handler_of = |route: &str| server.mounts().iter().find(|m| m.route == route).unwrap().event_handler;
    assert!(handler_of("/stream") && handler_of("/tame"), "stream-probe exports on-events and is granted events");
    assert!(!handler_of("/plain"), "probe is a plain `plugin` component: loaded, served, never called");
    assert!(!handler_of("/ungranted"), "an ungranted mount's handler does not run");

    items_for(&url, &["seen"]).await;

    let (status, body) = get(&format!("{url}/plain/stream")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (500, Some("no_stream")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("event-handler"), "{body}");
    let (status, body) = get(&format!("{url}/ungranted/stream?timeout=0")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("events_denied")), "{body}");

    let huge = "x".repeat(70 * 1024);
    let response = client().post(format!("{url}/stream/publish")).body(format!("{{}}\n{huge}")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "stream_item_too_large", "{body}");
    let (_, all) = get(&format!("{url}/stream/stream?timeout=0")).await;
    assert_eq!(seqs(&all), [0], "nothing of the refused batch was published");
    rig.stop().await;
}
