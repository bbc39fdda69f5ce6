//! Wake-ups of an event handler (`switchboard:pbx/wake`) through real mounts of the test plugin
//! `stream-probe`, which imports `wake`: the start-up call every such mount gets, a wake-up a route
//! asks for arriving no sooner than asked, and a wake-up call that traps being logged as a failure
//! and asked again, while a neighbour's wake-ups go on. (The CRM webhook example's test shows what
//! they are for: retries and resuming kept work after a restart.)

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Rig, client, test_plugin};

/// The `wake` items on `route`'s stream after `last`, waiting up to 10 s for at least one.
async fn wakes_after(rig: &Rig, route: &str, last: Option<u64>) -> Vec<Value> {
    let last = last.map(|l| format!("&last={l}")).unwrap_or_default();
    let url = format!("{}{route}/stream?timeout=10000{last}", rig.base);
    let items: Vec<Value> = client().get(url).send().await.unwrap().json().await.unwrap();
    items.into_iter().filter(|i| i["data"]["kind"] == "wake").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_is_woken_at_start_and_when_asked_and_a_trapping_wake_up_is_asked_again() {
    let sp = test_plugin("stream-probe");
    let rig = Rig::builder()
        .mount("/wakes", &sp, "grants = { events = true }\nsettings = { report-wakes = \"true\" }")
        .mount("/traps", &sp, "grants = { events = true }\nsettings = { panic-on-wake = \"true\" }")
        .mount("/ungranted", &sp, "")
        .start()
        .await;

    // The start-up call: one wake item, with no event on the bus and nobody asking.
    let start = wakes_after(&rig, "/wakes", None).await;
    assert_eq!(start.len(), 1, "{start:?}");
    let start_seq = start[0]["seq"].as_u64().unwrap();

    // A route asks for a wake-up in 300 ms; it comes, and not before.
    let asked = Instant::now();
    let response = client().post(format!("{}/wakes/wake?ms=300", rig.base)).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let woken = wakes_after(&rig, "/wakes", Some(start_seq)).await;
    assert_eq!(woken.len(), 1, "{woken:?}");
    assert!(asked.elapsed() >= Duration::from_millis(300), "woken after {:?}", asked.elapsed());

    // The trapping mount's start-up call failed: recorded, and asked again later.
    let deadline = Instant::now() + Duration::from_secs(10);
    let failures = loop {
        let failures = rig.server.services().failures.recent(50);
        if failures.iter().any(|f| f.route == "/traps") || Instant::now() > deadline {
            break failures;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let trapped = failures.iter().find(|f| f.route == "/traps").expect("the start-up call's trap is recorded");
    assert!(trapped.message.contains("a wake-up, asked again in 30 s"), "{}", trapped.message);
    assert!(failures.iter().all(|f| f.route != "/wakes"), "the neighbour is unaffected: {failures:?}");

    // A mount without the grant runs no handler and may not ask.
    let refused = client().post(format!("{}/ungranted/wake", rig.base)).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    rig.stop().await;
}
