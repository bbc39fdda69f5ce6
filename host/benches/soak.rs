//! Soak: the real `switchboard` binary with every built-in plugin mounted as the demo mounts them,
//! the simulator as its PBX, under mixed load on every flavor for `--minutes`; the host's resident
//! memory and open file descriptors sampled every `--sample-seconds`.
//!
//! The host is a child process (so its figures are its own); the simulator runs in this process
//! with the demo's seeded PBX (`demo::Layout::prepare`: 50 extensions, a month of CDRs with
//! recordings) and its rendered configuration, so apply-changes reloads it as it would Asterisk.
//! Load, from `--clients` tasks per flavor, each pausing `--pause-ms` between requests:
//!
//! - Elastix (`/api/api.php`): `sippeers`, `sipextensions`, `cdrreport`, `activecall`,
//!   `systemresources`, `getharddrivers`, and now and then `updateextension` (apply-changes);
//! - Issabel (`/pbxapi`): a token from `authenticate`, `GET /extensions`, `GET /ringgroups`, one
//!   extension, and now and then `PUT /extensions/{n}` (apply-changes);
//! - Axeos (`/apis/pbx`): users, phones with status, queue stats, `/events` long-polls (5 s), and
//!   now and then `POST /call` (the simulator answers after 200 ms) then `DELETE /call/{id}`;
//! - `hello` and click-to-call (`POST /call`, `GET /calls`; this bench hangs the calls up over its
//!   own AMI session, as their callers would).
//!
//! It prints every sample as it is taken, then the curve (one row per `--table-every` seconds),
//! first vs last and max, and the slope per 10 minutes after warm-up (`--warmup-minutes`, default a
//! fifth of the run, at least one sample). It exits non-zero when, after warm-up, the fd count grew
//! sample after sample, or RSS rose more than `--rss-growth-mib` (default 24) above where warm-up
//! ended, or any flavor failed more than 1% of its requests. Once the load stops it waits
//! `--idle-wait-seconds` (default 70, past the mounts' one-minute idle timeout) and prints RSS and
//! the mounts' idle instances (from the health endpoint) before and after, which shows what idle
//! eviction hands back.
//!
//! `cargo bench --bench soak -- [--minutes 2] [--sample-seconds 10] [--clients 2] [--pause-ms 20]`

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard::ami::{AmiClient, AmiConfig, EventSink, Message};
use switchboard::demo::{self, Layout};
use switchboard::events::{BusConfig, EventBus};
use switchboard_sim::{CdrCsv, PbxSeed, SimConfig, Simulator};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).find(|w| w[0] == name).map_or_else(|| default.to_string(), |w| w[1].clone())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The child host, killed when dropped, so a failing bench never leaves it behind.
struct Host(Child);

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The demo's mounts (`switchboard::demo::config`) as a config file, talking to `sim`.
fn config_toml(port: u16, sim: &Simulator, layout: &Layout, cache: &Path) -> String {
    let (user, secret) = sim.credentials();
    let areas: String = demo::AREAS.iter().map(|a| format!("{a} = {:?}\n", layout.area(a).display().to_string())).collect();
    format!(
        r#"[[listener]]
address = "127.0.0.1:{port}"

[runtime]
cache_dir = {cache:?}

[ami]
address = "{ami}"
username = "{user}"
secret = "{secret}"

[store]
dir = {store:?}

[asterisk]
config_dir = {asterisk:?}
cdr_csv = {cdr_csv:?}
cdr_time_zone = "UTC"

[areas]
{areas}
[[mount]]
route = "/hello"
plugin = "hello"
settings = {{ greeting = "Hello from the soak" }}

[[mount]]
route = "/click-to-call"
plugin = "click-to-call"
settings = {{ api-key = "{ctc_key}", context = "from-internal" }}
grants = {{ ami = ["Originate Context=from-internal, Application=", "CoreShowChannels"], events = true }}
limits = {{ timeout_ms = 60000 }}

[[mount]]
route = "/api/api.php"
plugin = "elastix"
settings = {{ api-key = "{elastix_key}", ami-username = "{user}", ami-secret = "{secret}" }}
grants = {{ ami = ["SIPpeers", "PJSIPShowEndpoints", "PJSIPShowContacts", "Command core show channels verbose", "ParkedCalls", "Status"], sqlite = {{ pbx = "read-write" }}, files = {{ recordings = "read-only" }}, system = true, apply_changes = true }}

[[mount]]
route = "/pbxapi"
plugin = "issabel"
settings = {{ jwt-secret = "{jwt}", admin-password = "{admin}" }}
grants = {{ sqlite = {{ pbx = {{ read = ["queues", "tenants"], write = ["extensions", "device_options", "follow_me", "follow_me_numbers", "ring_groups", "ring_group_members"] }} }}, apply_changes = true }}

[[mount]]
route = "/apis/pbx"
plugin = "axeos"
settings = {{ api-key = "{axeos_key}" }}
grants = {{ ami = ["DBPut", "DBDel", "DeviceStateList", "MailboxCount", "QueueStatus", "Originate Context=from-internal, Application=", "Status", "Hangup"], events = true, sqlite = {{ pbx = {{ read = ["extensions", "voicemail", "device_options", "trunks"], write = ["astdb", "day_timers"] }}, own = true }} }}
limits = {{ timeout_ms = 60000, max_concurrent = 1100 }}
"#,
        cache = cache.display().to_string(),
        ami = sim.address(),
        store = layout.store().display().to_string(),
        asterisk = layout.asterisk().display().to_string(),
        cdr_csv = layout.cdr_csv().display().to_string(),
        ctc_key = demo::CLICK_TO_CALL_KEY,
        elastix_key = demo::ELASTIX_KEY,
        jwt = demo::ISSABEL_JWT_SECRET,
        admin = demo::ISSABEL_ADMIN_PASSWORD,
        axeos_key = demo::AXEOS_KEY,
    )
}

/// Requests answered as expected, and not, per flavor.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
}

impl Tally {
    fn count(&self, ok: bool, what: &str) {
        if ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
        } else if self.failed.fetch_add(1, Ordering::Relaxed) < 5 {
            eprintln!("soak: unexpected answer: {what}");
        }
    }
}

/// Sends `request` and says whether its status is one of `expected`; the body for the caller.
async fn send(request: reqwest::RequestBuilder, expected: &[u16]) -> (bool, u16, String) {
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await;
            (expected.contains(&status) && body.is_ok(), status, body.unwrap_or_default())
        }
        Err(e) => (false, 0, e.to_string()),
    }
}

async fn elastix(base: String, http: reqwest::Client, tally: Arc<Tally>, stop: Arc<AtomicBool>, pause: Duration, worker: usize) {
    let commands = ["sippeers", "sipextensions", "cdrreport", "activecall", "systemresources", "getharddrivers", "updateextension"];
    let mut n = worker;
    while !stop.load(Ordering::Relaxed) {
        let cmd = commands[n % commands.len()];
        let form: Vec<(&str, String)> = match cmd {
            "updateextension" => vec![("account", "1003".into()), ("callerid", format!("Soak {n} <1003>"))],
            _ => Vec::new(),
        };
        let request = http.post(format!("{base}/api/api.php?cmd={cmd}")).header("Authorization", demo::ELASTIX_KEY).form(&form);
        let (ok, status, body) = send(request, &[200]).await;
        tally.count(ok && !body.contains("cmd not matched"), &format!("elastix {cmd}: {status} {}", &body[..body.len().min(200)]));
        n += 1;
        tokio::time::sleep(pause).await;
    }
}

async fn issabel(base: String, http: reqwest::Client, tally: Arc<Tally>, stop: Arc<AtomicBool>, pause: Duration, worker: usize) {
    let mut token = String::new();
    let mut n = worker;
    while !stop.load(Ordering::Relaxed) {
        if token.is_empty() || n % 50 == 0 {
            let request = http.post(format!("{base}/pbxapi/authenticate")).form(&[("user", "admin"), ("password", demo::ISSABEL_ADMIN_PASSWORD)]);
            let (ok, status, body) = send(request, &[200]).await;
            token = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["access_token"].as_str().map(String::from)).unwrap_or_default();
            tally.count(ok && !token.is_empty(), &format!("issabel authenticate: {status} {body}"));
        }
        let (request, expected): (reqwest::RequestBuilder, &[u16]) = match n % 5 {
            0 => (http.get(format!("{base}/pbxapi/extensions")), &[200]),
            1 => (http.get(format!("{base}/pbxapi/ringgroups")), &[200]),
            2 => (http.get(format!("{base}/pbxapi/extensions/1002")), &[200]),
            3 => (http.get(format!("{base}/pbxapi/extensions?fields=*")), &[200]),
            _ => (http.put(format!("{base}/pbxapi/extensions/1004")).json(&serde_json::json!({ "name": format!("Soak {n}") })), &[200, 201]),
        };
        let (ok, status, body) = send(request.bearer_auth(&token), expected).await;
        tally.count(ok, &format!("issabel #{}: {status} {}", n % 5, &body[..body.len().min(200)]));
        n += 1;
        tokio::time::sleep(pause).await;
    }
}

async fn axeos(base: String, http: reqwest::Client, tally: Arc<Tally>, stop: Arc<AtomicBool>, pause: Duration, worker: usize) {
    let key = demo::AXEOS_KEY;
    let mut n = worker;
    while !stop.load(Ordering::Relaxed) {
        match n % 6 {
            0 => {
                let (ok, status, body) = send(http.get(format!("{base}/apis/pbx/users?status&key={key}")), &[200]).await;
                tally.count(ok, &format!("axeos users: {status} {body}"));
            }
            1 => {
                let (ok, status, body) = send(http.get(format!("{base}/apis/pbx/phones?status&key={key}")), &[200]).await;
                tally.count(ok, &format!("axeos phones: {status} {body}"));
            }
            2 => {
                let (ok, status, body) = send(http.get(format!("{base}/apis/pbx/acd/stats?key={key}")), &[200]).await;
                tally.count(ok, &format!("axeos acd: {status} {body}"));
            }
            3 | 4 => {
                // A long-poll that ends with events (calls are going on) or empty after 5 s.
                let (ok, status, body) = send(http.get(format!("{base}/apis/pbx/events?timeout=5&key={key}")), &[200]).await;
                tally.count(ok && body.starts_with('['), &format!("axeos events: {status} {body}"));
            }
            _ => {
                let call = serde_json::json!({ "user_name": "1001", "number": "1002" });
                let (ok, status, body) = send(http.post(format!("{base}/apis/pbx/call?key={key}")).json(&call), &[200, 201]).await;
                tally.count(ok, &format!("axeos call: {status} {body}"));
                let id = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["unique_id"].as_str().map(String::from));
                if let Some(id) = id {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let (ok, status, body) = send(http.delete(format!("{base}/apis/pbx/call/{id}?key={key}")), &[200, 404]).await;
                    tally.count(ok, &format!("axeos hangup: {status} {body}"));
                }
            }
        }
        n += 1;
        tokio::time::sleep(pause).await;
    }
}

async fn small(base: String, http: reqwest::Client, tally: Arc<Tally>, stop: Arc<AtomicBool>, pause: Duration, worker: usize) {
    let key = demo::CLICK_TO_CALL_KEY;
    let mut n = worker;
    while !stop.load(Ordering::Relaxed) {
        let (request, expected, what): (reqwest::RequestBuilder, &[u16], &str) = match n % 8 {
            0 => (http.post(format!("{base}/click-to-call/call")).header("X-Api-Key", key).form(&[("from", "1005"), ("to", "1007")]), &[202], "click-to-call call"),
            1 => (http.get(format!("{base}/click-to-call/calls")).header("X-Api-Key", key), &[200], "click-to-call calls"),
            2 => (http.post(format!("{base}/hello/echo?x={n}")).body(format!("soak {n}")), &[200], "hello echo"),
            _ => (http.get(format!("{base}/hello/Ada")), &[200], "hello"),
        };
        let (ok, status, body) = send(request, expected).await;
        tally.count(ok, &format!("{what}: {status} {}", &body[..body.len().min(200)]));
        n += 1;
        tokio::time::sleep(pause).await;
    }
}

/// Hangs up every channel on the simulator now and then (click-to-call has no hangup route; its
/// callers hang up their phones), so calls do not pile up over the run.
async fn hang_up(sim: Arc<Simulator>, ami: AmiClient, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        for channel in sim.channels() {
            let _ = ami.send(Message::new().with("Action", "Hangup").with("Channel", &channel)).await;
        }
    }
}

/// The idle instances of every mount, from the health endpoint (0 when it cannot be read).
async fn idle_instances(http: &reqwest::Client, base: &str) -> u64 {
    let health: serde_json::Value = match http.get(format!("{base}/_switchboard/health")).send().await {
        Ok(response) => response.json().await.unwrap_or_default(),
        Err(_) => return 0,
    };
    health["mounts"].as_array().map_or(0, |mounts| mounts.iter().filter_map(|m| m["idle_instances"].as_u64()).sum())
}

/// One sample of the host.
#[derive(Clone, Copy)]
struct Sample {
    at_s: f64,
    rss_mib: f64,
    fds: usize,
    requests: u64,
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        / 1024.0
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// Least-squares slope of `y` over `x`, per unit of `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| (num + (x - mx) * (y - my), den + (x - mx) * (x - mx)));
    if den == 0.0 { 0.0 } else { num / den }
}

fn main() {
    let minutes: f64 = arg("--minutes", "2").parse().unwrap();
    let every = Duration::from_secs(arg("--sample-seconds", "10").parse().unwrap());
    let warmup_minutes: f64 = arg("--warmup-minutes", &format!("{}", (minutes / 5.0).max(every.as_secs_f64() / 60.0))).parse().unwrap();
    let clients: usize = arg("--clients", "2").parse().unwrap();
    let pause = Duration::from_millis(arg("--pause-ms", "20").parse().unwrap());
    let rss_limit: f64 = arg("--rss-growth-mib", "24").parse().unwrap();
    let table_every: f64 = arg("--table-every", &format!("{}", (minutes * 60.0 / 15.0).max(every.as_secs_f64()))).parse().unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let failed = runtime.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout { root: dir.path().join("demo") };
        layout.prepare().await.expect("seeding the demo PBX");
        let sim = Arc::new(
            Simulator::start(SimConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                pbx: PbxSeed::demo().with_ring(Duration::from_millis(200)),
                config_dir: Some(layout.asterisk()),
                cdr_csv: Some(CdrCsv::new(layout.cdr_csv()).with_uniqueid_and_userfield()),
                ..SimConfig::default()
            })
            .await
            .unwrap(),
        );
        let port = free_port();
        let path = dir.path().join("switchboard.toml");
        let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-compile-cache");
        std::fs::write(&path, config_toml(port, &sim, &layout, &cache)).unwrap();
        let host = Host(
            Command::new(env!("CARGO_BIN_EXE_switchboard"))
                .args(["serve", "--config"])
                .arg(&path)
                .env("RUST_LOG", arg("--host-log", "warn"))
                .stdout(Stdio::null())
                .spawn()
                .expect("start the switchboard binary"),
        );
        let pid = host.0.id();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let base = format!("http://{addr}");
        let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        let ready_by = Instant::now() + Duration::from_secs(120);
        while !http.get(format!("{base}/_switchboard/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            assert!(Instant::now() < ready_by, "the host did not answer its health check within 120 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (user, secret) = sim.credentials();
        let ignored: Arc<dyn EventSink> = EventBus::new(BusConfig::default());
        let ami = AmiClient::start(AmiConfig { address: sim.address().to_string(), username: user.into(), secret: secret.into(), ..Default::default() }, ignored);
        ami.wait_up(Duration::from_secs(10)).await.expect("the bench's AMI session is up");

        let stop = Arc::new(AtomicBool::new(false));
        let tallies: BTreeMap<&str, Arc<Tally>> =
            ["elastix", "issabel", "axeos", "hello+click-to-call"].into_iter().map(|f| (f, Arc::new(Tally::default()))).collect();
        let mut tasks = Vec::new();
        for worker in 0..clients {
            let t = |name: &str| tallies[name].clone();
            tasks.push(tokio::spawn(elastix(base.clone(), http.clone(), t("elastix"), stop.clone(), pause, worker)));
            tasks.push(tokio::spawn(issabel(base.clone(), http.clone(), t("issabel"), stop.clone(), pause, worker)));
            tasks.push(tokio::spawn(axeos(base.clone(), http.clone(), t("axeos"), stop.clone(), pause, worker)));
            tasks.push(tokio::spawn(small(base.clone(), http.clone(), t("hello+click-to-call"), stop.clone(), pause, worker)));
        }
        tasks.push(tokio::spawn(hang_up(sim.clone(), ami.clone(), stop.clone())));

        println!(
            "soak: {minutes} min, {clients} clients per flavor ({} ms pause), host pid {pid}, sample every {} s, warm-up {warmup_minutes} min",
            pause.as_millis(),
            every.as_secs()
        );
        println!("{:>8} {:>10} {:>6} {:>10}", "t (s)", "RSS (MiB)", "fds", "requests");
        let started = Instant::now();
        let total = Duration::from_secs_f64(minutes * 60.0);
        let requests = || tallies.values().map(|t| t.ok.load(Ordering::Relaxed) + t.failed.load(Ordering::Relaxed)).sum::<u64>();
        let mut samples = Vec::new();
        let mut next = started;
        while next <= started + total {
            tokio::time::sleep_until(next.into()).await;
            let sample = Sample { at_s: started.elapsed().as_secs_f64(), rss_mib: rss_mib(pid), fds: fd_count(pid), requests: requests() };
            println!("{:>8.0} {:>10.1} {:>6} {:>10}", sample.at_s, sample.rss_mib, sample.fds, sample.requests);
            samples.push(sample);
            next += every;
        }
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
        for channel in sim.channels() {
            let _ = ami.send(Message::new().with("Action", "Hangup").with("Channel", &channel)).await;
        }
        ami.stop();

        // Quiet: the idle instances the load left are evicted after the mounts' idle timeout.
        let idle_wait = Duration::from_secs(arg("--idle-wait-seconds", "70").parse().unwrap());
        let quiet = (rss_mib(pid), idle_instances(&http, &base).await);
        tokio::time::sleep(idle_wait).await;
        let evicted = (rss_mib(pid), idle_instances(&http, &base).await);
        drop(host);

        let warm = samples.iter().position(|s| s.at_s >= warmup_minutes * 60.0).unwrap_or(0);
        let after = &samples[warm..];
        println!("\ncurve (one row per {table_every:.0} s):");
        println!("{:>8} {:>10} {:>6} {:>12}", "t (s)", "RSS (MiB)", "fds", "requests/s");
        let mut last_row: Option<Sample> = None;
        for s in &samples {
            if last_row.is_none_or(|l| s.at_s - l.at_s >= table_every - 0.5) || std::ptr::eq(s, samples.last().unwrap()) {
                let rate = last_row.map_or(0.0, |l| (s.requests - l.requests) as f64 / (s.at_s - l.at_s));
                println!("{:>8.0} {:>10.1} {:>6} {:>12.0}", s.at_s, s.rss_mib, s.fds, rate);
                last_row = Some(*s);
            }
        }
        let (first, last) = (samples[0], *samples.last().unwrap());
        let (start, end) = (after[0], *after.last().unwrap());
        let max_rss = after.iter().map(|s| s.rss_mib).fold(0.0, f64::max);
        let max_fds = after.iter().map(|s| s.fds).max().unwrap_or(0);
        let rss_slope = slope(&after.iter().map(|s| (s.at_s, s.rss_mib)).collect::<Vec<_>>()) * 600.0;
        let fd_slope = slope(&after.iter().map(|s| (s.at_s, s.fds as f64)).collect::<Vec<_>>()) * 600.0;
        println!("\nfirst vs last: RSS {:.1} → {:.1} MiB, fds {} → {}", first.rss_mib, last.rss_mib, first.fds, last.fds);
        println!("after warm-up (from {:.0} s): RSS {:.1} → {:.1} MiB, max {max_rss:.1}; fds {} → {}, max {max_fds}", start.at_s, start.rss_mib, end.rss_mib, start.fds, end.fds);
        println!("slope per 10 min after warm-up: RSS {rss_slope:+.2} MiB, fds {fd_slope:+.2}");
        println!(
            "load stopped: RSS {:.1} MiB with {} idle instances; {} s later: RSS {:.1} MiB with {} idle instances ({:+.1} MiB)",
            quiet.0,
            quiet.1,
            idle_wait.as_secs(),
            evicted.0,
            evicted.1,
            evicted.0 - quiet.0
        );
        let mut failed = false;
        for (flavor, tally) in &tallies {
            let (ok, bad) = (tally.ok.load(Ordering::Relaxed), tally.failed.load(Ordering::Relaxed));
            println!("  {flavor:<20} {ok:>9} answered as expected, {bad} not");
            if ok == 0 || bad * 100 > ok + bad {
                println!("FAIL: {flavor} failed more than 1% of its requests");
                failed = true;
            }
        }
        let fds_monotonic = after.len() >= 3 && after.windows(2).all(|w| w[1].fds >= w[0].fds) && end.fds > start.fds;
        if fds_monotonic {
            println!("FAIL: the open fd count grew sample after sample after warm-up ({} → {})", start.fds, end.fds);
            failed = true;
        }
        if max_rss > start.rss_mib + rss_limit {
            println!("FAIL: RSS rose {:.1} MiB after warm-up (limit {rss_limit} MiB)", max_rss - start.rss_mib);
            failed = true;
        }
        if !failed {
            println!("ok: fds and RSS flat after warm-up");
        }
        failed
    });
    if failed {
        std::process::exit(1);
    }
}
