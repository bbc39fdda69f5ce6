//! PBX event → long-polling HTTP clients, end to end, through a mount's own event stream vs the
//! plain bus, side by side in one run.
//!
//! The host is the real `switchboard` binary (a child process, so its RSS is its own) with the
//! simulator (in this process) as its PBX. Each round parks `--clients` long-polls (default 1,000)
//! on one route, records the host's RSS with them waiting, then has the simulator emit one AMI
//! event and measures, per client, the time from just before the event was raised until its
//! response arrived (so the simulator's handling and one loopback AMI hop are included). Rounds
//! alternate between the two routes, so drift on a shared machine hits both alike.
//!
//! Two set-ups:
//!
//! - default: the stream-probe test plugin's `stream.poll` route (`--route`, default
//!   `/stream/stream`, timeouts in milliseconds) vs the plain bus through `events.poll` (the probe
//!   test plugin, `--baseline`, default `/bus/poll?filter=UserEvent&`). The event is a `UserEvent`
//!   raised by this bench's own AMI session; stream-probe's handler turns it into one item.
//!   `--plugin`, `--mount` and `--grants` put another plugin's stream route there (`--timeout-unit s`
//!   when its `timeout=` is in seconds).
//! - `--axeos`: the built-in Axeos plugin at `/apis/pbx`, its `GET /apis/pbx/events` (timeout in
//!   seconds, API key as `?key=`), with its `[store]` seeded with ten PJSIP extensions so phones
//!   have UUIDs, vs the plain bus filtered to `DeviceStateChange`. Axeos ignores `UserEvent`s, so
//!   here the event is a `DeviceStateChange` of `PJSIP/1001`: the simulator drops (or restores) that
//!   endpoint's registration (`Simulator::upsert_endpoint`, what a `res_pjsip` contact expiry does),
//!   which raises exactly one `DeviceStateChange` (Unavailable ↔ Not in use) — a "phone status
//!   update" for Axeos. Both routes are triggered by that same kind of event, one per round.
//!
//! - `--sse`: server-sent events, the plugin handing its response to the host (`sse.serve`): the
//!   probe's `GET /bus/sse?filter=UserEvent` held open by `--clients` subscribers (each connected,
//!   its first comment read, before the RSS is taken) vs the same clients long-polling
//!   `GET /bus/poll?filter=UserEvent` (the plain bus); per round one `UserEvent`, timed from just
//!   before it is raised until each subscriber has read its message. The subscribers stay
//!   connected across rounds, as SSE clients do; the RSS is per 1,000 subscribers.
//!
//! A hard deadline (`--deadline` seconds, default 600) ends a stuck run with a message, and the
//! child host is killed whenever the bench ends (normally, by a panic or by the deadline).
//! `--host-log info` shows the child host's log (default: silent).
//!
//! `cargo bench --bench events -- [--axeos | --sse] [--clients 1000] [--rounds 5] [--route …] [--baseline …]`

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::process_rss_mib as rss_mib;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use switchboard::ami::{AmiClient, AmiConfig, EventSink, Message};
use switchboard::events::{BusConfig, EventBus};
use switchboard_sim::{EndpointSeed, SimConfig, Simulator};

/// The baseline's long-poll timeout (`events.poll` takes milliseconds).
const BASELINE_TIMEOUT: &str = "60000";

/// The Axeos mount's API key (`--axeos`).
const AXEOS_KEY: &str = "events-bench-key";

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).find(|w| w[0] == name).map_or_else(|| default.to_string(), |w| w[1].clone())
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// A free loopback port for the child host (bound and released; good enough for a bench).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// What is measured: the route under test, the baseline, and how an event is raised.
struct Setup {
    /// The mount under test, as a `[[mount]]` table (without its `limits`).
    mount: String,
    /// Extra top-level config (`[store]`).
    store: String,
    route: String,
    baseline: String,
    /// The route's long-poll `timeout=` value, in its unit (the baseline's is 60,000 ms).
    long_timeout: &'static str,
    trigger: Trigger,
}

/// How one PBX event is raised on the simulator.
enum Trigger {
    /// `UserEvent: StreamProbeItem` through the bench's own AMI session.
    UserEvent(AmiClient),
    /// `PJSIP/1001` loses or regains its registration: one `DeviceStateChange`.
    Registration { registered: AtomicBool },
}

impl Trigger {
    async fn fire(&self, sim: &Simulator, tag: &str) {
        match self {
            Trigger::UserEvent(ami) => {
                let event = Message::new().with("Action", "UserEvent").with("UserEvent", "StreamProbeItem").with("Tag", tag);
                assert!(ami.send(event).await.expect("UserEvent sent").is_success());
            }
            Trigger::Registration { registered } => {
                let now = !registered.fetch_xor(true, Ordering::SeqCst);
                let phone = EndpointSeed::phone("1001", "Alice Smith");
                sim.upsert_endpoint(if now { phone } else { phone.unregistered() });
            }
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Trigger::UserEvent(_) => "simulator UserEvent",
            Trigger::Registration { .. } => "simulator DeviceStateChange of PJSIP/1001",
        }
    }
}

/// The default set-up: stream-probe (or `--plugin` at `--mount` with `--grants`) vs the bus.
fn probe_setup(ami: AmiClient) -> Setup {
    let plugin = arg("--plugin", &switchboard::builtin::test_plugin_path("stream-probe").unwrap().display().to_string());
    let (mount, grants) = (arg("--mount", "/stream"), arg("--grants", "{ events = true }"));
    let seconds = arg("--timeout-unit", "ms") == "s";
    Setup {
        mount: format!("[[mount]]\nroute = {mount:?}\nplugin = {plugin:?}\ngrants = {grants}\n"),
        store: String::new(),
        route: arg("--route", "/stream/stream"),
        baseline: arg("--baseline", "/bus/poll?filter=UserEvent&"),
        long_timeout: if seconds { "60" } else { "60000" },
        trigger: Trigger::UserEvent(ami),
    }
}

/// `--axeos`: the Axeos mount over a seeded store in `dir` vs the bus's `DeviceStateChange`s.
fn axeos_setup(dir: &Path) -> Setup {
    let store = dir.join("store");
    std::fs::create_dir_all(&store).unwrap();
    seed_phones(&store.join("pbx.sqlite"));
    Setup {
        mount: format!(
            "[[mount]]\nroute = \"/apis/pbx\"\nplugin = \"axeos\"\nsettings = {{ api-key = {AXEOS_KEY:?} }}\n\
             grants = {{ events = true, ami = [\"DeviceStateList\"], sqlite = {{ pbx = {{ read = [\"extensions\", \"voicemail\", \"device_options\", \"trunks\"], write = [\"astdb\", \"day_timers\"] }}, own = true }} }}\n"
        ),
        store: format!("[store]\ndir = {:?}\n\n", store.display().to_string()),
        route: format!("/apis/pbx/events?key={AXEOS_KEY}&"),
        baseline: "/bus/poll?filter=DeviceStateChange&".into(),
        long_timeout: "50",
        trigger: Trigger::Registration { registered: AtomicBool::new(true) },
    }
}

/// The simulator's demo phones 1001–1010 as PJSIP extensions of the model (UUIDs for Axeos).
fn seed_phones(db: &Path) {
    let mut conn = switchboard::store::Database::open_connection(db).unwrap();
    switchboard::store::migrate::migrate(&mut conn).unwrap();
    for n in 1001..=1010 {
        conn.execute("INSERT INTO extensions (number, name, technology) VALUES (?1, ?2, 'pjsip')", rusqlite::params![n.to_string(), format!("Phone {n}")])
            .unwrap();
    }
}

/// The child host, killed when dropped, so a failing bench never leaves it behind.
struct Host(Child);

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

unsafe extern "C" {
    /// libc's kill(2), for the deadline watchdog (which cannot reach the `Host` guard).
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Ends the whole bench after `seconds`, killing the child host first.
fn watchdog(pid: u32, seconds: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(seconds));
        eprintln!("events bench: not done after {seconds} s (--deadline); killing the host (pid {pid}) and giving up");
        // SAFETY: SIGKILL to our own child process.
        unsafe { kill(pid as i32, 9) };
        std::process::exit(2);
    });
}

/// Starts the host with the set-up's mount and `/bus` (probe) mounted.
fn start_host(sim: &Simulator, setup: &Setup, dir: &Path, port: u16, clients: usize) -> Host {
    let probe = switchboard::builtin::test_plugin_path("probe").unwrap().display().to_string();
    let (user, secret) = sim.credentials();
    let limits = format!("limits = {{ max_concurrent = {}, queue = 0, timeout_ms = 120000 }}\n", clients + 50);
    let config = format!(
        "[[listener]]\naddress = \"127.0.0.1:{port}\"\n\n[runtime]\ncache_dir = {cache:?}\n\n{store}\
         {mount}{limits}\n\
         [[mount]]\nroute = \"/bus\"\nplugin = {probe:?}\ngrants = {{ events = true }}\n{limits}\n\
         [ami]\naddress = \"{addr}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n",
        cache = dir.join("cache").display().to_string(),
        store = setup.store,
        mount = setup.mount,
        addr = sim.address(),
    );
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, config).unwrap();
    let log = arg("--host-log", "");
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", if log.is_empty() { "warn" } else { log.as_str() })
        .stdout(if log.is_empty() { Stdio::null() } else { Stdio::inherit() })
        .spawn()
        .expect("start the switchboard binary");
    Host(child)
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

/// The newest sequence number on `route`: `Ok(None)` when it has none yet, `Err` with what the
/// host answered when that was no list (a 401, a 404, no connection).
async fn newest(addr: SocketAddr, route: &str) -> Result<Option<u64>, String> {
    let answer = get(addr, &format!("{}&limit=1", poll_path(route, None, "0"))).await;
    match answer {
        Some((200, body)) if body.is_array() => Ok(body.as_array().and_then(|a| a.last()).and_then(|e| e["seq"].as_u64())),
        Some((status, body)) => Err(format!("{status} {body}")),
        None => Err("no answer".into()),
    }
}

/// Why a poll did not count.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Miss {
    /// Answered before the event was raised (the poll was not parked).
    Early,
    /// No connection or no answer.
    Failed,
    /// A non-200 status or an empty list (the long-poll timed out).
    Empty(u16),
}

/// One round: park `clients` polls on `route`, raise one PBX event, time each answer.
/// Returns (latencies in µs, host RSS with the polls parked in MiB).
async fn round(addr: SocketAddr, setup: &Setup, route: &str, clients: usize, sim: &Simulator, host: u32, tag: usize) -> (Vec<u64>, f64) {
    let last = newest(addr, route).await.unwrap_or_else(|e| panic!("{route}: {e}"));
    let long_timeout = if route == setup.route { setup.long_timeout } else { BASELINE_TIMEOUT };
    let path = Arc::new(poll_path(route, last, long_timeout));
    let (sent_tx, sent_rx) = tokio::sync::watch::channel(None::<Instant>);
    let pollers: Vec<_> = (0..clients)
        .map(|_| {
            let (path, sent_rx) = (path.clone(), sent_rx.clone());
            tokio::spawn(async move {
                let answer = get(addr, &path).await;
                let received = Instant::now();
                let Some(sent) = *sent_rx.borrow() else { return Err(Miss::Early) };
                match answer {
                    None => Err(Miss::Failed),
                    Some((200, body)) if body.as_array().is_some_and(|a| !a.is_empty()) => Ok(received.duration_since(sent).as_micros() as u64),
                    Some((status, _)) => Err(Miss::Empty(status)),
                }
            })
        })
        .collect();
    // Let every poll reach the host and park there.
    tokio::time::sleep(Duration::from_millis(1500 + clients as u64)).await;
    let rss = rss_mib(host);
    sent_tx.send_replace(Some(Instant::now()));
    setup.trigger.fire(sim, &tag.to_string()).await;
    let mut latencies = Vec::with_capacity(clients);
    let mut misses = std::collections::BTreeMap::new();
    for poller in pollers {
        match poller.await.unwrap() {
            Ok(us) => latencies.push(us),
            Err(miss) => *misses.entry(miss).or_insert(0) += 1,
        }
    }
    if !misses.is_empty() {
        println!("    {route}: of {clients} polls, not counted: {misses:?}");
    }
    (latencies, rss)
}

/// What subscribers report: the `Tag` of each event they read, and when they read it.
type Receipts = tokio::sync::mpsc::UnboundedReceiver<(String, Instant)>;

/// `clients` server-sent event subscribers of `path`, each connected and past its first comment.
/// From then on each reads its stream for good and reports every event's `Tag` as it arrives, so
/// a subscriber never falls behind between rounds.
async fn subscribe(addr: SocketAddr, path: &str, clients: usize) -> Receipts {
    let (receipts_tx, receipts) = tokio::sync::mpsc::unbounded_channel();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(clients.max(1));
    for _ in 0..clients {
        let (path, ready, receipts) = (path.to_string(), ready_tx.clone(), receipts_tx.clone());
        tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.expect("handshake");
            tokio::spawn(conn);
            let request = hyper::Request::get(path.as_str()).header(hyper::header::HOST, addr.to_string()).body(Empty::<Bytes>::new()).unwrap();
            let response = sender.send_request(request).await.expect("answer");
            assert_eq!(response.status(), 200, "{path}");
            let mut body = response.into_body();
            let hello = body.frame().await.expect("a first frame").expect("no error");
            assert!(hello.data_ref().is_some_and(|d| d.starts_with(b":")), "a comment first");
            ready.send(()).await.unwrap();
            while let Some(Ok(frame)) = body.frame().await {
                let now = Instant::now();
                let Some(data) = frame.data_ref() else { continue };
                let text = String::from_utf8_lossy(data);
                for rest in text.split("\"Tag\":\"").skip(1) {
                    let tag = rest.split('"').next().unwrap_or_default().to_string();
                    if receipts.send((tag, now)).is_err() {
                        return;
                    }
                }
            }
        });
    }
    drop(ready_tx);
    for _ in 0..clients {
        ready_rx.recv().await.expect("every subscriber connects");
    }
    receipts
}

/// One SSE round: each subscriber's time from just before one tagged event is raised until it read it.
async fn sse_round(receipts: &mut Receipts, clients: usize, setup: &Setup, sim: &Simulator, tag: &str) -> Vec<u64> {
    // Whatever earlier rounds (the long-polls' events) left is not this round's.
    while receipts.try_recv().is_ok() {}
    let sent = Instant::now();
    setup.trigger.fire(sim, tag).await;
    let mut latencies = Vec::with_capacity(clients);
    while latencies.len() < clients {
        let (seen, at) = tokio::time::timeout(Duration::from_secs(30), receipts.recv()).await.expect("every subscriber hears the event").unwrap();
        if seen == tag {
            latencies.push(at.duration_since(sent).as_micros() as u64);
        }
    }
    latencies
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted.get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1))).copied().unwrap_or(0)
}

/// Raises events until one reaches both routes (host up, its AMI link up, handler running).
async fn wait_ready(addr: SocketAddr, setup: &Setup, sim: &Simulator) {
    let ready_by = Instant::now() + Duration::from_secs(60);
    let mut why = String::new();
    'ready: loop {
        assert!(Instant::now() < ready_by, "the host did not become ready within 60 s: {why}");
        setup.trigger.fire(sim, "warm-up").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        for r in [&setup.route, &setup.baseline] {
            match newest(addr, r).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    why = format!("{r}: no event yet");
                    continue 'ready;
                }
                Err(e) => {
                    why = format!("{r}: {e}");
                    continue 'ready;
                }
            }
        }
        return;
    }
}

fn main() {
    let clients: usize = arg("--clients", "1000").parse().unwrap();
    let rounds: usize = arg("--rounds", "5").parse().unwrap();
    let deadline: u64 = arg("--deadline", "600").parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sim = Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), ..SimConfig::default() }).await.unwrap();
        let (user, secret) = sim.credentials();
        let setup = if flag("--axeos") {
            axeos_setup(dir.path())
        } else {
            let ignored: Arc<dyn EventSink> = EventBus::new(BusConfig::default());
            let ami = AmiClient::start(
                AmiConfig { address: sim.address().to_string(), username: user.into(), secret: secret.into(), ..Default::default() },
                ignored,
            );
            ami.wait_up(Duration::from_secs(10)).await.expect("bench AMI session up");
            probe_setup(ami)
        };
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let host = start_host(&sim, &setup, dir.path(), port, clients);
        let pid = host.0.id();
        watchdog(pid, deadline);

        wait_ready(addr, &setup, &sim).await;
        let idle = rss_mib(pid);
        let clients_are = if flag("--sse") { "SSE subscribers vs long-polling" } else { "long-polling" };
        println!(
            "{clients} {clients_are} clients, one PBX event ({}), {rounds} rounds per route, alternating; host idle RSS {idle:.1} MiB",
            setup.trigger.describe()
        );
        if flag("--sse") {
            let path = "/bus/sse?filter=UserEvent";
            let mut receipts = subscribe(addr, path, clients).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let held = rss_mib(pid);
            let mut sse = Vec::new();
            let mut polls = Vec::new();
            for n in 0..rounds {
                sse.extend(sse_round(&mut receipts, clients, &setup, &sim, &format!("sse-{n}")).await);
                polls.extend(round(addr, &setup, &setup.baseline, clients, &sim, pid, n).await.0);
            }
            sse.sort_unstable();
            polls.sort_unstable();
            let per_thousand = (held - idle) * 1000.0 / clients as f64;
            println!(
                "  server-sent events (sse.serve)  {path:<34} p50 {:>7} µs   p99 {:>7} µs   host RSS with {clients} subscribers {held:.1} MiB (+{:.1}; {per_thousand:.1} MiB per 1,000)   answers {}",
                percentile(&sse, 0.5), percentile(&sse, 0.99), held - idle, sse.len()
            );
            println!(
                "  long-polls (events.poll)        {:<34} p50 {:>7} µs   p99 {:>7} µs   answers {}",
                setup.baseline, percentile(&polls, 0.5), percentile(&polls, 0.99), polls.len()
            );
            println!(
                "  ratio sse/long-poll: p50 {:.2}   p99 {:.2}",
                percentile(&sse, 0.5) as f64 / percentile(&polls, 0.5).max(1) as f64,
                percentile(&sse, 0.99) as f64 / percentile(&polls, 0.99).max(1) as f64
            );
            drop(receipts);
            if let Trigger::UserEvent(ami) = &setup.trigger {
                ami.stop();
            }
            drop(host);
            sim.stop().await;
            return;
        }
        let routes = [("mount stream (on-events)", setup.route.clone()), ("plain bus (events.poll)", setup.baseline.clone())];
        let mut latencies: [Vec<u64>; 2] = Default::default();
        let mut parked: [Vec<f64>; 2] = Default::default();
        for n in 0..rounds {
            for (i, (_, route)) in routes.iter().enumerate() {
                let (l, rss) = round(addr, &setup, route, clients, &sim, pid, n).await;
                latencies[i].extend(l);
                parked[i].push(rss);
            }
        }
        let mut results = Vec::new();
        for (i, (label, route)) in routes.iter().enumerate() {
            let all = &mut latencies[i];
            all.sort_unstable();
            let rss = &mut parked[i];
            rss.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let (p50, p99, rss) = (percentile(all, 0.5), percentile(all, 0.99), rss[rss.len() / 2]);
            println!(
                "  {label:<26} {route:<40} p50 {p50:>7} µs   p99 {p99:>7} µs   max {:>7} µs   host RSS parked {rss:.1} MiB (+{:.1})   answers {}",
                all.last().copied().unwrap_or(0),
                rss - idle,
                all.len()
            );
            results.push((p50, p99));
        }
        let ((s50, s99), (b50, b99)) = (results[0], results[1]);
        println!("  ratio stream/bus: p50 {:.2}   p99 {:.2}", s50 as f64 / b50.max(1) as f64, s99 as f64 / b99.max(1) as f64);
        if let Trigger::UserEvent(ami) = &setup.trigger {
            ami.stop();
        }
        drop(host);
        sim.stop().await;
    });
}
