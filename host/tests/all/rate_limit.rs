//! The `rate-limit` interface on the real server, through the probe plugin: a budget allows its
//! limit then refuses, says what remains and when it resets, starts afresh after the window, and
//! counts each client address (as the listener resolved it, `X-Forwarded-For` from a trusted
//! proxy) and each mount apart.

use std::time::Duration;

use reqwest::Client;
use serde_json::Value;

use crate::util::{Rig, client, test_plugin};

/// `(allowed, remaining, reset)` of one hit on `mount` from client `from`.
async fn hit(c: &Client, rig: &Rig, mount: &str, from: &str, query: &str) -> (bool, u64, u64) {
    let response = c.get(format!("{}{mount}/rate?{query}", rig.base)).header("x-forwarded-for", from).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    (body["allowed"].as_bool().unwrap(), body["remaining"].as_u64().unwrap(), body["reset"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_per_client_and_mount_with_remaining_and_reset() {
    let rig = Rig::builder()
        .listeners("[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\ntrusted_proxies = [\"127.0.0.1\"]\n")
        .mount("/probe", &test_plugin("probe"), "")
        .mount("/other", &test_plugin("probe"), "")
        .start()
        .await;
    let c = client();
    let (a, b) = ("203.0.113.7", "198.51.100.2");
    let query = "name=api&limit=3&window=2";

    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(hit(&c, &rig, "/probe", a, query).await);
    }
    let allowed: Vec<(bool, u64)> = seen.iter().map(|(allowed, remaining, _)| (*allowed, *remaining)).collect();
    assert_eq!(allowed, [(true, 2), (true, 1), (true, 0), (false, 0)]);
    assert!(seen.iter().all(|(_, _, reset)| (1..=2).contains(reset)), "reset within the window: {seen:?}");

    // Another address, another budget name and another mount each have their own count.
    assert_eq!(hit(&c, &rig, "/probe", b, query).await.1, 2, "b's own count");
    assert!(hit(&c, &rig, "/probe", a, "name=login&limit=3&window=2").await.0);
    assert!(hit(&c, &rig, "/other", a, query).await.0, "a mount counts only its own hits");
    // The same client through another IPv6 address of its /64 is the same client.
    assert!(hit(&c, &rig, "/probe", "2001:db8:7::1", "name=v6&limit=1&window=60").await.0);
    assert!(!hit(&c, &rig, "/probe", "2001:db8:7::2", "name=v6&limit=1&window=60").await.0);

    // After the window the budget is whole again.
    let (_, _, reset) = hit(&c, &rig, "/probe", a, query).await;
    tokio::time::sleep(Duration::from_secs(reset) + Duration::from_millis(100)).await;
    assert_eq!(hit(&c, &rig, "/probe", a, query).await, (true, 2, 2), "a fresh window");
    rig.stop().await;
}
