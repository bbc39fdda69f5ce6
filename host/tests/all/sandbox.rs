//! A misbehaving plugin costs only its own request: each failure is answered with the right
//! status and code within its deadline, while requests to a well-behaved mount keep succeeding.

use std::time::{Duration, Instant};

use crate::util::{base, client, start, test_plugin};

fn hostile_mounts() -> String {
    format!(
        "[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n\n\
         [[mount]]\nroute = \"/hostile\"\nplugin = {:?}\nlimits = {{ timeout_ms = 400, memory_mb = 32 }}\n",
        test_plugin("hostile")
    )
}

/// Sends requests to hello one after another until `stop`, returning (ok, failed).
async fn hello_stream(url: String, stop: tokio::sync::watch::Receiver<bool>) -> (u32, u32) {
    let (mut ok, mut failed) = (0, 0);
    let client = client();
    while !*stop.borrow() {
        match client.get(format!("{url}/hello/stream")).send().await {
            Ok(r) if r.status() == 200 => ok += 1,
            _ => failed += 1,
        }
    }
    (ok, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plugins_fail_alone_and_in_time() {
    let _solo = crate::util::solo();
    let server = start(&hostile_mounts()).await;
    let url = base(&server);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let streams: Vec<_> = (0..2).map(|_| tokio::spawn(hello_stream(url.clone(), stop_rx.clone()))).collect();

    // (path, expected status, expected code, longest acceptable time to the answer)
    let cases = [
        ("/hostile/loop", 504, "plugin_timeout", Duration::from_secs(3)),
        ("/hostile/alloc", 500, "plugin_memory_limit", Duration::from_secs(3)),
        ("/hostile/panic", 500, "plugin_trap", Duration::from_secs(3)),
        ("/hostile/recurse", 500, "plugin_trap", Duration::from_secs(3)),
        ("/hostile/no-response", 500, "plugin_no_response", Duration::from_secs(3)),
        ("/hostile/sleep?ms=5000", 504, "plugin_timeout", Duration::from_secs(3)),
    ];
    // All at once, twice over, so two loops occupy both worker threads at the same time.
    let mut tasks = Vec::new();
    for round in 0..2 {
        for (path, status, code, within) in cases {
            let url = format!("{url}{path}");
            tasks.push(tokio::spawn(async move {
                let started = Instant::now();
                let response = client().get(&url).send().await.unwrap();
                let elapsed = started.elapsed();
                let got_status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap();
                let got = (got_status, body["error"]["code"].as_str().unwrap());
                // A memory bomb is a long run (it touches every page it grows): on a machine this
                // test keeps busy, its turns on the long lane may not reach the limit before the
                // deadline. A runaway recursion is short, but on a machine loaded by other work (a
                // build beside the tests) its instantiation and turns can still outlast 400 ms.
                // Either answer is the host doing its job, in time.
                let long_run = path == "/hostile/alloc" || path == "/hostile/recurse";
                let timed_out = long_run && got == (504, "plugin_timeout");
                assert!(got == (status, code) || timed_out, "round {round} {path}: {body}");
                assert_eq!(body["error"]["plugin"], "hostile");
                assert_eq!(body["error"]["route"], "/hostile");
                assert!(elapsed < within, "{path} took {elapsed:?}");
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    stop_tx.send(true).unwrap();
    for stream in streams {
        let (ok, failed) = stream.await.unwrap();
        assert_eq!(failed, 0, "hello requests failed while hostile ones ran");
        assert!(ok > 0, "hello was never answered while hostile requests ran");
    }
    // The hostile mount itself still serves after all of that.
    assert_eq!(client().get(format!("{url}/hostile/ok")).send().await.unwrap().text().await.unwrap(), "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn a_trap_says_what_happened() {
    // Rust's shadow stack lives in linear memory, so runaway recursion ends in an out-of-bounds
    // access (or a wasm stack overflow, for small frames); either way the reason is in the answer.
    let server = start(&hostile_mounts()).await;
    let body: serde_json::Value =
        client().get(format!("{}/hostile/recurse", base(&server))).send().await.unwrap().json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("out of bounds memory access") || message.contains("stack overflow"), "{body}");
    let body: serde_json::Value =
        client().get(format!("{}/hostile/panic", base(&server))).send().await.unwrap().json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("panic"), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_panic_after_the_headers_cuts_the_body_but_not_the_server() {
    let server = start(&hostile_mounts()).await;
    let url = base(&server);
    // Depending on when the crash lands, hyper aborts the connection before or after the headers
    // are flushed; either way the client must see an error, never a complete-looking 200.
    let outcome = match client().get(format!("{url}/hostile/stream-then-panic")).send().await {
        Err(e) => Err(e),
        Ok(response) => response.bytes().await.map(|body| body.len()),
    };
    assert!(outcome.is_err(), "a response cut short by a crash looked complete: {outcome:?}");
    assert_eq!(client().get(format!("{url}/hostile/ok")).send().await.unwrap().text().await.unwrap(), "ok");
    server.shutdown().await;
}

#[tokio::test]
async fn outbound_http_goes_only_where_the_mount_grants() {
    // The target: this server's own health endpoint.
    let target = start("[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n").await;
    let health = format!("{}/_switchboard/health", base(&target));
    let port = target.address("main").unwrap().port();
    let mounts = format!(
        "[[mount]]\nroute = \"/denied\"\nplugin = {plugin:?}\n\n\
         [[mount]]\nroute = \"/granted\"\nplugin = {plugin:?}\ngrants = {{ outbound_http = [\"http://127.0.0.1:{port}\"] }}\n\n\
         [[mount]]\nroute = \"/other-port\"\nplugin = {plugin:?}\ngrants = {{ outbound_http = [\"http://127.0.0.1:1\"] }}\n",
        plugin = test_plugin("hostile")
    );
    let server = start(&mounts).await;
    let url = base(&server);
    let fetch = |route: &str| client().get(format!("{url}/{route}/fetch?url={health}")).send();

    let granted = fetch("granted").await.unwrap();
    assert_eq!(granted.status(), 200);
    assert!(granted.text().await.unwrap().contains("\"status\":\"ok\""));

    for route in ["denied", "other-port"] {
        let denied = fetch(route).await.unwrap();
        assert_eq!(denied.status(), 502, "{route}");
        let body: serde_json::Value = denied.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains("HttpRequestDenied"), "{route}: {body}");
    }
    server.shutdown().await;
    target.shutdown().await;
}
