//! Instance reuse (`limits.reuse`): an instance serves at most `reuse` requests of its own mount,
//! and any request that ends badly (a trap, a deadline, a refused memory growth) or leaves a host
//! resource behind retires it, so the next request gets a fresh one.
//!
//! The `hostile` test plugin counts the requests its instance has served (`/count`), which shows
//! exactly when the host reused an instance and when it started a new one.

use std::time::Duration;

use crate::util::{base, client, start, test_plugin};

/// A mount of `hostile` at `route` with the given extra `limits` entries.
fn hostile(route: &str, limits: &str) -> String {
    format!(
        "[[mount]]\nroute = \"{route}\"\nplugin = {:?}\nlimits = {{ timeout_ms = 400, memory_mb = 32{limits} }}\n",
        test_plugin("hostile")
    )
}

/// GETs `path` and returns (status, body); status 0 when the connection broke before the head.
async fn get(url: &str, path: &str) -> (u16, String) {
    let Ok(response) = client().get(format!("{url}{path}")).send().await else { return (0, String::new()) };
    // A body cut short by a crash is an error here; the status is what the tests look at then.
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}

/// The instance's request count, from `/count`.
async fn count(url: &str, route: &str) -> u32 {
    let (status, body) = get(url, &format!("{route}/count")).await;
    assert_eq!(status, 200, "{body}");
    body.parse().unwrap_or_else(|_| panic!("count: {body}"))
}

#[tokio::test]
async fn an_instance_serves_at_most_reuse_requests_of_its_own_mount() {
    let mounts = [hostile("/a", ", reuse = 3"), hostile("/b", ", reuse = 3"), hostile("/fresh", "")].concat();
    let server = start(&mounts).await;
    let url = base(&server);

    // One request at a time: the same instance comes back until it has served three.
    let mut seen = Vec::new();
    for _ in 0..7 {
        seen.push(count(&url, "/a").await);
    }
    assert_eq!(seen, [1, 2, 3, 1, 2, 3, 1]);

    // Two mounts of the same plugin never share an instance.
    let interleaved = [count(&url, "/b").await, count(&url, "/a").await, count(&url, "/b").await, count(&url, "/a").await];
    assert_eq!(interleaved, [1, 2, 2, 3]);

    // A plugin file gets a fresh instance per request unless its mount says otherwise.
    for _ in 0..3 {
        assert_eq!(count(&url, "/fresh").await, 1);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_request_that_ends_badly_retires_its_instance() {
    let server = start(&hostile("/h", ", reuse = 1000")).await;
    let url = base(&server);

    // (path, acceptable statuses) of requests after which the instance must not be reused. A crash
    // mid-body aborts the response, which the client may see before or after the 200 head.
    let retiring: [(&str, &[u16]); 5] = [
        ("/h/panic", &[500]),
        ("/h/loop", &[504]),
        // A memory bomb is a long run: on a busy machine its turns on the long lane may not reach
        // the limit before the deadline.
        ("/h/alloc", &[500, 504]),
        ("/h/stream-then-panic", &[200, 0]),
        ("/h/leak", &[200]),
    ];
    for (path, statuses) in retiring {
        assert_eq!(count(&url, "/h").await, 1, "before {path}");
        idle_instances_settled(&url, 1).await;
        assert_eq!(count(&url, "/h").await, 2, "before {path}: the instance was reused");
        let (got, body) = get(&url, path).await;
        assert!(statuses.contains(&got), "{path}: {got} {body}");
        assert_eq!(count(&url, "/h").await, 1, "after {path} the next request must get a fresh instance");
        if path == "/h/loop" || path == "/h/alloc" {
            // A mount that just ran long starts its requests on the fresh lane, where an instance
            // goes back to the idle list just after its response is out, so the client's next
            // request may find it not yet back. Let the mount cool down for the exact counts below.
            tokio::time::sleep(switchboard::runtime::LONG_MEMORY + Duration::from_millis(200)).await;
        }
        // Start the next case from a fresh instance too.
        get(&url, "/h/panic").await;
    }

    // A request that merely failed in the plugin's own terms (a 404, an unset response) left the
    // instance sound: it is reused.
    assert_eq!(count(&url, "/h").await, 1);
    assert_eq!(get(&url, "/h/nowhere").await.0, 404);
    assert_eq!(get(&url, "/h/no-response").await.0, 500);
    assert_eq!(count(&url, "/h").await, 4);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_run_out_of_instances() {
    // Four slots, eight clients: live instances (busy plus idle) must stay within the pool share of
    // the mount, or instantiation would fail.
    let server = start(&hostile("/h", ", reuse = 1000, max_concurrent = 4")).await;
    let url = base(&server);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut counts = Vec::new();
                for _ in 0..50 {
                    let (status, body) = get(&url, "/h/count").await;
                    assert_eq!(status, 200, "{body}");
                    counts.push(body.parse::<u32>().unwrap());
                }
                counts
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.extend(task.await.unwrap());
    }
    // 400 requests over at most four instances: some instance served at least 100 of them.
    assert_eq!(counts.len(), 400);
    assert!(counts.iter().max().unwrap() >= &100, "instances were not reused: {counts:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_plugin_finishes_its_request_when_the_client_goes_away() {
    // The guest runs in the client's connection task; when the client leaves before the answer,
    // the rest of the run moves to a task of its own. The instance then ends cleanly and is
    // reused, which `/count` shows: a run cut off half-way would have retired it.
    let server = start(&hostile("/h", ", reuse = 1000")).await;
    let url = base(&server);
    assert_eq!(count(&url, "/h").await, 1);
    let impatient = reqwest::Client::builder().timeout(std::time::Duration::from_millis(100)).build().unwrap();
    // 300 ms of the plugin's 400 ms deadline; the client waits 100.
    let gone = impatient.get(format!("{url}/h/sleep?ms=300")).send().await;
    assert!(gone.is_err_and(|e| e.is_timeout()), "the client should have given up first");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(count(&url, "/h").await, 3, "the abandoned request ran to its end and its instance was reused");
    server.shutdown().await;
}

#[tokio::test]
async fn a_plugin_still_writing_after_the_client_has_its_whole_answer_is_not_cut_off() {
    // The client has `ok` as soon as its two announced bytes are out, while the plugin still has
    // a flush to do. Its stream stays open until the plugin is done: a runtime that aborts on a
    // closed stream (JavaScript's, Python's) would otherwise trap after a request that succeeded,
    // and lose its instance.
    let server = start(&hostile("/h", ", reuse = 1000")).await;
    let url = base(&server);
    assert_eq!(count(&url, "/h").await, 1);
    for round in 0..3 {
        assert_eq!(get(&url, "/h/flush-late?ms=150").await, (200, "ok".to_string()), "round {round}");
        assert_eq!(idle_instances_settled(&url, 1).await, 1, "round {round}: the instance is back");
    }
    let failures = server.services().failures.recent(0);
    assert!(failures.is_empty(), "nothing trapped: {failures:#?}");
    assert_eq!(count(&url, "/h").await, 5, "one instance served every request");
    // A HEAD answer has no body at all: the plugin's writes are drained the same way.
    let head = client().head(format!("{url}/h/flush-late?ms=50")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(idle_instances_settled(&url, 1).await, 1);
    assert_eq!(count(&url, "/h").await, 7);
    server.shutdown().await;
}

/// The `/h` mount's idle instance count, from the health endpoint.
/// Waits (up to 2 s) until `/h` has `n` idle instances, and says how many it has then. A client
/// has a whole response as soon as its last byte arrives (its length was announced), which can be
/// a moment before the host has put the instance back on the idle list (right after the guest
/// returns), so a test that looks at the list straight after a response waits for it.
async fn idle_instances_settled(url: &str, n: u64) -> u64 {
    let until = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        let idle = idle_instances(url).await;
        if idle == n || std::time::Instant::now() >= until {
            return idle;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn idle_instances(url: &str) -> u64 {
    let health: serde_json::Value = client().get(format!("{url}/_switchboard/health")).send().await.unwrap().json().await.unwrap();
    let mount = health["mounts"].as_array().unwrap().iter().find(|m| m["route"] == "/h").expect("/h in health");
    mount["idle_instances"].as_u64().unwrap_or_else(|| panic!("idle_instances: {mount}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_instances_are_evicted_after_idle_timeout_and_the_next_request_starts_fresh() {
    let server = start(&hostile("/h", ", reuse = 1000, max_concurrent = 4, idle_timeout_ms = 1500")).await;
    let url = base(&server);
    assert_eq!(idle_instances(&url).await, 0, "nothing has run yet");

    // Four requests at once take four instances, which all go back to the idle list.
    let sleeps: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { get(&url, "/h/sleep?ms=150").await })
        })
        .collect();
    for sleep in sleeps {
        let (status, body) = sleep.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let done = std::time::Instant::now();
    let idle = idle_instances(&url).await;
    assert!((2..=4).contains(&idle), "the concurrent requests left their instances idle: {idle}");

    // Left alone, they are all dropped once idle for the timeout, and not before.
    let mut evicted_after = None;
    while done.elapsed() < Duration::from_secs(15) {
        if idle_instances(&url).await == 0 {
            evicted_after = Some(done.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let evicted_after = evicted_after.expect("idle instances were evicted within 15 s");
    assert!(evicted_after >= Duration::from_millis(1200), "evicted before the idle timeout: {evicted_after:?}");

    // The next request gets a fresh instance, which is then kept again.
    assert_eq!(count(&url, "/h").await, 1);
    assert_eq!(idle_instances_settled(&url, 1).await, 1);
    assert_eq!(count(&url, "/h").await, 2, "a request within the idle timeout reuses the instance");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_racing_idle_eviction_never_fail() {
    // Eviction due a millisecond after every request, two slots, three clients whose requests
    // overlap and who pause 0–2 ms between them: instances keep coming due while the other
    // clients' requests arrive. An
    // instance taken off the idle list but not yet gone would let a request start one more than
    // the mount's pool share, and fail to instantiate.
    let server = start(&hostile("/h", ", reuse = 1000, max_concurrent = 2, idle_timeout_ms = 1")).await;
    let url = base(&server);
    let clients: Vec<_> = (0..3u64)
        .map(|client| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut fresh = 0;
                for n in 0..300u64 {
                    // Every other request stays in flight for 2 ms, so requests overlap.
                    let path = if n % 2 == 0 { "/h/sleep?ms=2" } else { "/h/count" };
                    let (status, body) = get(&url, path).await;
                    assert_eq!(status, 200, "request {n} of client {client}: {body}");
                    fresh += u32::from(body == "1");
                    tokio::time::sleep(Duration::from_micros((n * 7 + client * 300) % 2000)).await;
                }
                fresh
            })
        })
        .collect();
    let mut fresh = 0;
    for client in clients {
        fresh += client.await.unwrap();
    }
    assert!(fresh > 10, "instances were evicted and replaced during the run ({fresh} fresh ones)");
    server.shutdown().await;
}
