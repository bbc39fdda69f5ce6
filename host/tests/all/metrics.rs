//! The Prometheus exposition: its counters move as a real server serves real requests (answers,
//! a plugin's 404, a trap, a timeout, a memory bomb, capability denials, AMI actions, SQL), the
//! host-wide figures follow the AMI link and the event bus, and Prometheus' own `promtool check
//! metrics` accepts the text.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use switchboard_sim::{PbxSeed, SimConfig, Simulator};

use crate::util::{Rig, client, test_plugin, tools};

/// The exposition as Prometheus scrapes it. Read through the library until the admin listener
/// serves `GET /metrics`; then this is the one line to change.
/// The admin token of the rig (`[admin]` wants 16 bytes at least).
const TOKEN: &str = "metrics-test-token-0123456789abcdef";

/// `GET /metrics` on the admin listener, as Prometheus scrapes it (with the bearer token).
async fn scrape(rig: &Rig) -> String {
    let admin = rig.server.admin().expect("the rig has [admin]").address;
    let answer = client().get(format!("http://{admin}/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let kind = answer.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    answer.text().await.unwrap()
}

/// The value of the sample `name` whose labels include `labels`, if the exposition has one.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, label_text) = series.split_once('{').unwrap_or((series, ""));
        let matches = metric == name && labels.iter().all(|(k, v)| label_text.contains(&format!("{k}=\"{v}\"")));
        matches.then(|| value.parse().ok()).flatten()
    })
}

/// [`sample`], which must be there.
#[track_caller]
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sample(text, name, labels).unwrap_or_else(|| panic!("no sample {name}{labels:?} in the exposition:\n{text}"))
}

/// Runs `promtool check metrics` on `text`: it must find nothing to say.
fn promtool_accepts(text: &str) {
    let promtool = tools::debian("promtool", "prometheus");
    let mut child = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", promtool.display()));
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool check metrics ({}):\n{said}\non:\n{text}", out.status);
}

async fn status(url: String) -> u16 {
    client().get(url).send().await.unwrap().status().as_u16()
}

async fn post(url: String, body: &str) -> u16 {
    client().post(url).body(body.to_string()).send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_as_requests_are_served_and_promtool_accepts_the_exposition() {
    let (hostile, probe, store_probe) = (test_plugin("hostile"), test_plugin("probe"), test_plugin("store-probe"));
    let rig = Rig::builder()
        .pbx(PbxSeed::demo())
        .store()
        .toml(&format!("[events]\nbuffer = 8\n\n[admin]\naddress = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n"))
        .mount("/hello", "hello", "")
        .mount("/hostile", &hostile, "limits = { timeout_ms = 400 }")
        // A memory bomb touches every page it grows: on a busy machine it may need more than
        // 400 ms to reach its limit, and would time out instead.
        .mount("/bomb", &hostile, "limits = { timeout_ms = 20000, memory_mb = 32 }")
        .mount("/probe", &probe, "grants = { ami = [\"Ping\"] }")
        .mount("/store", &store_probe, "grants = { sqlite = { pbx = \"read-only\", own = true } }")
        .start()
        .await;
    let url = rig.base.clone();

    // Before any request every mount is listed, at zero, and the text already passes.
    let before = scrape(&rig).await;
    promtool_accepts(&before);
    let hello = [("route", "/hello"), ("plugin", "hello")];
    assert_eq!(value(&before, "switchboard_http_requests_total", &[hello[0], hello[1], ("status_class", "2xx")]), 0.0);
    assert_eq!(value(&before, "switchboard_ami_link_up", &[]), 1.0, "the rig starts once the link is up");

    for _ in 0..3 {
        assert_eq!(status(format!("{url}/hello/Ada")).await, 200);
    }
    let cases = [
        ("/hostile/ok", 200),
        ("/hostile/nothing-here", 404),
        ("/hostile/panic", 500),
        ("/hostile/loop", 504),
        ("/bomb/alloc", 500),
        // Not granted: denied by the outbound HTTP policy, answered 502 by the plugin.
        ("/hostile/fetch?url=http://127.0.0.1:9/", 502),
        ("/probe/send?action=Ping", 200),
        ("/probe/send?action=Originate", 403),
        ("/probe/poll?timeout=0", 403),
    ];
    for (path, expected) in cases {
        assert_eq!(status(format!("{url}{path}")).await, expected, "{path}");
    }
    assert_eq!(post(format!("{url}/store/sql?db=pbx"), r#"{"sql":"SELECT count(*) FROM extensions"}"#).await, 200);
    assert_eq!(post(format!("{url}/store/sql?db=pbx"), r#"{"sql":"DELETE FROM extensions"}"#).await, 403, "read-only");
    assert_eq!(post(format!("{url}/store/batch?db=own"), "CREATE TABLE t (x); INSERT INTO t VALUES (1);").await, 204);
    // More events than the bus holds: the oldest are dropped.
    let bus = rig.server.services().bus.clone();
    let published_before = bus.next_seq();
    for i in 0..20 {
        bus.publish("UserEvent", vec![("N".into(), i.to_string())]);
    }

    let text = scrape(&rig).await;
    promtool_accepts(&text);
    let hostile = [("route", "/hostile"), ("plugin", "hostile")];
    let class = |labels: [(&'static str, &'static str); 2], class: &'static str| [labels[0], labels[1], ("status_class", class)];
    assert_eq!(value(&text, "switchboard_http_requests_total", &class(hello, "2xx")), 3.0);
    assert_eq!(value(&text, "switchboard_http_request_duration_seconds_count", &hello), 3.0);
    assert_eq!(value(&text, "switchboard_http_requests_total", &class(hostile, "2xx")), 1.0);
    assert_eq!(value(&text, "switchboard_http_requests_total", &class(hostile, "4xx")), 1.0);
    assert_eq!(value(&text, "switchboard_http_requests_total", &class(hostile, "5xx")), 3.0, "trap, timeout, failed fetch");
    assert_eq!(value(&text, "switchboard_http_requests_in_flight", &hostile), 0.0);
    assert_eq!(value(&text, "switchboard_plugin_traps_total", &hostile), 1.0);
    assert_eq!(value(&text, "switchboard_plugin_timeouts_total", &hostile), 1.0);
    assert_eq!(value(&text, "switchboard_plugin_memory_limit_refusals_total", &hostile), 0.0);
    let bomb = [("route", "/bomb"), ("plugin", "hostile")];
    assert_eq!(value(&text, "switchboard_plugin_memory_limit_refusals_total", &bomb), 1.0);
    assert_eq!(value(&text, "switchboard_http_requests_total", &class(bomb, "5xx")), 1.0);
    let high_water = value(&text, "switchboard_plugin_memory_high_water_bytes", &bomb);
    assert!(high_water > 4.0 * 1024.0 * 1024.0 && high_water <= 32.0 * 1024.0 * 1024.0, "the bomb grew toward its 32 MiB: {high_water}");
    assert!(value(&text, "switchboard_plugin_memory_high_water_bytes", &hostile) < high_water);
    assert_eq!(value(&text, "switchboard_capability_denials_total", &[hostile[0], ("capability", "outbound_http")]), 1.0);
    assert_eq!(value(&text, "switchboard_capability_denials_total", &[("route", "/probe"), ("capability", "ami")]), 1.0);
    assert_eq!(value(&text, "switchboard_capability_denials_total", &[("route", "/probe"), ("capability", "events")]), 1.0);
    assert_eq!(value(&text, "switchboard_capability_denials_total", &[("route", "/store"), ("capability", "sqlite")]), 1.0);
    assert_eq!(value(&text, "switchboard_capability_denials_total", &[("route", "/hello"), ("capability", "ami")]), 0.0);
    // Every request of `hello` (default reuse) but the first found a warm instance.
    let (fresh, reused) =
        (value(&text, "switchboard_plugin_instantiations_total", &hello), value(&text, "switchboard_plugin_reuse_hits_total", &hello));
    assert_eq!((fresh + reused, fresh >= 1.0), (3.0, true), "instantiations {fresh}, reuse hits {reused}");
    assert!(value(&text, "switchboard_ami_action_duration_seconds_count", &[]) >= 1.0, "the plugin's Ping");
    assert!(value(&text, "switchboard_sqlite_lock_wait_seconds_count", &[("database", "pbx"), ("lock", "connection")]) >= 2.0);
    assert!(value(&text, "switchboard_sqlite_lock_wait_seconds_count", &[("database", "own"), ("lock", "writer")]) >= 1.0);
    assert_eq!(value(&text, "switchboard_sqlite_busy_total", &[("database", "pbx")]), 0.0);
    assert_eq!(value(&text, "switchboard_event_bus_capacity", &[]), 8.0);
    assert_eq!(value(&text, "switchboard_event_bus_depth", &[]), 8.0);
    let published = (bus.next_seq() - published_before) as f64;
    assert!(value(&text, "switchboard_event_bus_dropped_total", &[("reason", "overflow")]) >= published - 8.0);

    // The admin API's figures are the same counters.
    let counters = rig.server.services().metrics.mount("/hostile", "hostile").snapshot();
    assert_eq!((counters.requests, counters.errors_5xx, counters.traps, counters.timeouts, counters.in_flight), (5, 3, 1, 1, 0));
    rig.stop().await;
}

#[tokio::test]
async fn the_ami_link_state_reconnects_and_gaps_are_counted() {
    let sim = Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), ..SimConfig::default() }).await.unwrap();
    let address = sim.address();
    let (user, secret) = sim.credentials();
    let bus = switchboard::events::EventBus::new(Default::default());
    let config = switchboard::ami::AmiConfig { address: address.to_string(), username: user.into(), secret: secret.into(), ..Default::default() };
    let ami = switchboard::ami::AmiClient::start(config, bus.clone());
    let metrics = switchboard::metrics::Metrics::new(Some(ami.clone()), bus, None);
    ami.wait_up(Duration::from_secs(10)).await.expect("link up");
    assert!(ami.send(switchboard::ami::Message::new().with("Action", "Ping")).await.unwrap().is_success());
    let text = metrics.encode();
    assert_eq!(value(&text, "switchboard_ami_link_up", &[]), 1.0);
    assert_eq!(value(&text, "switchboard_ami_reconnects_total", &[]), 0.0);
    assert_eq!(value(&text, "switchboard_ami_action_duration_seconds_count", &[]), 1.0);
    assert!(sample(&text, "switchboard_http_requests_total", &[]).is_none(), "no mount, no per-mount families");
    assert!(sample(&text, "switchboard_sqlite_busy_total", &[]).is_none(), "no store, no SQLite families");

    sim.stop().await;
    let down_by = std::time::Instant::now() + Duration::from_secs(10);
    while value(&metrics.encode(), "switchboard_ami_link_up", &[]) != 0.0 {
        assert!(std::time::Instant::now() < down_by, "the link never went down");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let sim = Simulator::start(SimConfig { listen: address, ..SimConfig::default() }).await.unwrap();
    ami.wait_up(Duration::from_secs(10)).await.expect("reconnected");
    let text = metrics.encode();
    assert_eq!(value(&text, "switchboard_ami_link_up", &[]), 1.0);
    assert_eq!(value(&text, "switchboard_ami_reconnects_total", &[]), 1.0);
    assert_eq!(value(&text, "switchboard_event_bus_gaps_total", &[]), 1.0);
    promtool_accepts(&text);
    ami.stop();
    sim.stop().await;
}
