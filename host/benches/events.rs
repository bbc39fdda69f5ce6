//! PBX event → long-polling HTTP clients, end to end, through a mount's own event stream vs the
//! plain bus, side by side in one run.
//!
//! The host is the real `switchboard` binary (a child process, so its RSS is its own) with the
//! simulator (in this process) as its PBX. Each round parks `--clients` long-polls (default 1,000)
//! on each route, records the host's RSS with them waiting, then has the simulator emit one AMI
//! event (a `UserEvent`, raised by this bench's own AMI session; the send instant is taken just
//! before the action is written, so one loopback hop and the simulator's handling are included)
//! and measures, per client, the time until its response arrived.
//!
//! - `--route` (default `/stream/stream`): the stream-probe test plugin's `stream.poll` route; its
//!   event handler translates the `UserEvent` into one stream item. Point it at another mount's
//!   route with the same `?last=&timeout=` (milliseconds) contract — e.g. a future
//!   `/apis/pbx/events` — by also passing `--plugin`, `--grants` and `--timeout-unit s`.
//! - baseline `--baseline` (default `/bus/poll?filter=UserEvent&`): the same clients on the plain
//!   bus through `events.poll` (the probe test plugin), no translation, no stream.
//!
//! `cargo bench --bench events -- [--clients 1000] [--rounds 5] [--route /stream/stream]`

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use common::process_rss_mib as rss_mib;
use switchboard::ami::{AmiClient, AmiConfig, EventSink, Message};
use switchboard::events::{BusConfig, EventBus};
use switchboard::sim::{SimConfig, Simulator};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).find(|w| w[0] == name).map_or_else(|| default.to_string(), |w| w[1].clone())
}

/// A free loopback port for the child host (bound and released; good enough for a bench).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the host with `/stream` (stream-probe, or `--plugin`) and `/bus` (probe) mounted.
fn start_host(sim: &Simulator, port: u16, clients: usize) -> Child {
    let plugin = arg("--plugin", &switchboard::builtin::test_plugin_path("stream-probe").unwrap().display().to_string());
    let mount = arg("--mount", "/stream");
    let grants = arg("--grants", "{ events = true }");
    let probe = switchboard::builtin::test_plugin_path("probe").unwrap().display().to_string();
    let (user, secret) = sim.credentials();
    let limits = format!("{{ max_concurrent = {}, queue = 0, timeout_ms = 120000 }}", clients + 50);
    let dir = std::env::temp_dir().join(format!("switchboard-events-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "[[listener]]\naddress = \"127.0.0.1:{port}\"\n\n[runtime]\ncache_dir = {cache:?}\n\n\
         [[mount]]\nroute = {mount:?}\nplugin = {plugin:?}\ngrants = {grants}\nlimits = {limits}\n\n\
         [[mount]]\nroute = \"/bus\"\nplugin = {probe:?}\ngrants = {{ events = true }}\nlimits = {limits}\n\n\
         [ami]\naddress = \"{addr}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n",
        cache = dir.join("cache").display().to_string(),
        addr = sim.address(),
    );
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, config).unwrap();
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the switchboard binary")
}

/// GET `path` on a fresh connection; the status and JSON body.
async fn get(addr: SocketAddr, path: &str) -> Option<(u16, serde_json::Value)> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.ok()?;
    tokio::spawn(conn);
    let request = hyper::Request::get(path).header(hyper::header::HOST, addr.to_string()).body(Empty::<Bytes>::new()).ok()?;
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null)))
}

/// `route` with `last=` and `timeout=` appended (`route` ends in `?` … `&` or has no query).
fn poll_path(route: &str, last: Option<u64>, timeout: &str) -> String {
    let sep = if route.ends_with('&') || route.ends_with('?') { "" } else if route.contains('?') { "&" } else { "?" };
    let last = last.map_or(String::new(), |l| format!("last={l}&"));
    format!("{route}{sep}{last}timeout={timeout}")
}

/// The newest sequence number on `route` (none yet: `None`).
async fn newest(addr: SocketAddr, route: &str) -> Option<u64> {
    let (_, body) = get(addr, &format!("{}&limit=1", poll_path(route, None, "0"))).await?;
    body.as_array()?.last()?["seq"].as_u64()
}

/// One round: park `clients` polls on `route`, emit one PBX event, time each answer.
/// Returns (latencies in µs, host RSS with the polls parked in MiB).
async fn round(addr: SocketAddr, route: &str, long_timeout: &str, clients: usize, ami: &AmiClient, host: u32, tag: usize) -> (Vec<u64>, f64) {
    let last = newest(addr, route).await;
    let path = Arc::new(poll_path(route, last, long_timeout));
    let (sent_tx, sent_rx) = tokio::sync::watch::channel(None::<Instant>);
    let pollers: Vec<_> = (0..clients)
        .map(|_| {
            let (path, sent_rx) = (path.clone(), sent_rx.clone());
            tokio::spawn(async move {
                let answer = get(addr, &path).await;
                let received = Instant::now();
                let sent = (*sent_rx.borrow()).expect("answered only after the event was sent");
                let ok = answer.is_some_and(|(status, body)| status == 200 && body.as_array().is_some_and(|a| !a.is_empty()));
                ok.then(|| received.duration_since(sent).as_micros() as u64)
            })
        })
        .collect();
    // Let every poll reach the host and park there.
    tokio::time::sleep(Duration::from_millis(1500 + clients as u64)).await;
    let rss = rss_mib(host);
    sent_tx.send_replace(Some(Instant::now()));
    let event = Message::new().with("Action", "UserEvent").with("UserEvent", "StreamProbeItem").with("Tag", tag.to_string());
    assert!(ami.send(event).await.expect("UserEvent sent").is_success());
    let mut latencies = Vec::with_capacity(clients);
    let mut failed = 0;
    for poller in pollers {
        match poller.await.unwrap() {
            Some(us) => latencies.push(us),
            None => failed += 1,
        }
    }
    if failed > 0 {
        println!("    {failed} of {clients} polls failed on {route}");
    }
    (latencies, rss)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted.get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0)
}

fn main() {
    let clients: usize = arg("--clients", "1000").parse().unwrap();
    let rounds: usize = arg("--rounds", "5").parse().unwrap();
    let route = arg("--route", "/stream/stream");
    let baseline = arg("--baseline", "/bus/poll?filter=UserEvent&");
    // The target route's timeout unit: `ms` (the test plugins) or `s` (the Axeos API).
    let long_timeout = if arg("--timeout-unit", "ms") == "s" { "60" } else { "60000" };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let sim = Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), ..SimConfig::default() }).await.unwrap();
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut host = start_host(&sim, port, clients);
        let (user, secret) = sim.credentials();
        let ignored: Arc<dyn EventSink> = EventBus::new(BusConfig::default());
        let ami = AmiClient::start(
            AmiConfig { address: sim.address().to_string(), username: user.into(), secret: secret.into(), ..Default::default() },
            ignored,
        );
        ami.wait_up(Duration::from_secs(10)).await.expect("bench AMI session up");

        // Ready when an event raised now reaches both routes (host up, its AMI link up, handler running).
        let ready_by = Instant::now() + Duration::from_secs(60);
        'ready: loop {
            assert!(Instant::now() < ready_by, "the host did not become ready");
            let event = Message::new().with("Action", "UserEvent").with("UserEvent", "StreamProbeItem").with("Tag", "warm-up");
            let _ = ami.send(event).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            for r in [&route, &baseline] {
                if newest(addr, r).await.is_none() {
                    continue 'ready;
                }
            }
            break;
        }
        let idle = rss_mib(host.id());
        println!("{clients} long-polling clients, one PBX event (simulator UserEvent), {rounds} rounds; host idle RSS {idle:.1} MiB");
        let mut results = Vec::new();
        for (label, r) in [("mount stream (on-events)", &route), ("plain bus (events.poll)", &baseline)] {
            let mut all = Vec::new();
            let mut rss = Vec::new();
            for n in 0..rounds {
                let (latencies, parked) = round(addr, r, long_timeout, clients, &ami, host.id(), n).await;
                all.extend(latencies);
                rss.push(parked);
            }
            all.sort_unstable();
            rss.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let (p50, p99, rss) = (percentile(&all, 0.5), percentile(&all, 0.99), rss[rss.len() / 2]);
            println!(
                "  {label:<26} {r:<30} p50 {p50:>7} µs   p99 {p99:>7} µs   max {:>7} µs   host RSS parked {rss:.1} MiB (+{:.1})   answers {}",
                all.last().copied().unwrap_or(0),
                rss - idle,
                all.len()
            );
            results.push((p50, p99));
        }
        let ((s50, s99), (b50, b99)) = (results[0], results[1]);
        println!("  ratio stream/bus: p50 {:.2}   p99 {:.2}", s50 as f64 / b50.max(1) as f64, s99 as f64 / b99.max(1) as f64);
        ami.stop();
        let _ = host.kill();
        let _ = host.wait();
        sim.stop().await;
    });
}
