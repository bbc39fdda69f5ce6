//! The closed-loop load generator, report helpers, and the in-process host the benches share.

#![allow(dead_code)] // each bench uses its own subset

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

/// Command-line options every bench understands.
pub struct Options {
    pub connections: Vec<usize>,
    pub seconds: u64,
    pub rounds: usize,
    /// Run only the targets whose label contains this (for profiling).
    pub only: Option<String>,
}

/// Prints the line that opens a comparison: what is compared, then how long, how often and on how
/// many cores (then `extra`).
pub fn announce(what: &str, options: &Options, extra: &str) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("{what}: {} s per run, {} rounds, {cores} cores{extra}", options.seconds, options.rounds);
}

/// `--connections 8,32 --seconds 5 --rounds 3 --only plugin`.
pub fn options(default_connections: &[usize]) -> Options {
    let mut options = Options { connections: default_connections.to_vec(), seconds: 5, rounds: 3, only: None };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--only" => options.only = Some(pair[1].clone()),
            "--connections" => options.connections = pair[1].split(',').filter_map(|c| c.parse().ok()).collect(),
            "--seconds" => options.seconds = pair[1].parse().unwrap_or(options.seconds),
            "--rounds" => options.rounds = pair[1].parse().unwrap_or(options.rounds),
            _ => {}
        }
    }
    options
}

impl Options {
    /// Whether `--only` leaves out the target named `label`.
    pub fn skips(&self, label: &str) -> bool {
        self.only.as_deref().is_some_and(|only| !label.contains(only))
    }
}

/// What one run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Figures {
    pub rps: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub errors: u64,
}

/// One request shape to drive.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub method: &'static str,
    pub path: String,
    pub body: Bytes,
    /// Extra request headers (`Authorization`, a `Content-Type` other than JSON for the body).
    pub headers: Vec<(&'static str, String)>,
    /// Whether an answer counts as a success.
    pub check: fn(u16, &[u8]) -> bool,
}

impl Target {
    pub fn get(addr: SocketAddr, path: impl Into<String>, check: fn(u16, &[u8]) -> bool) -> Target {
        Target { addr, method: "GET", path: path.into(), body: Bytes::new(), headers: Vec::new(), check }
    }

    /// The same target with one more request header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Target {
        self.headers.push((name, value.into()));
        self
    }
}

/// Drives `target` with `connections` keep-alive connections for `duration`, each sending the
/// next request as soon as the previous answer arrived.
pub fn load(target: &Target, connections: usize, duration: Duration) -> Figures {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let started = Instant::now();
        let end = started + duration;
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let target = target.clone();
                tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(target.addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
                    tokio::spawn(conn);
                    let mut latencies = Vec::with_capacity(100_000);
                    let mut errors = 0u64;
                    while Instant::now() < end {
                        let mut request = hyper::Request::builder()
                            .method(target.method)
                            .uri(target.path.as_str())
                            .header(hyper::header::HOST, target.addr.to_string());
                        if !target.body.is_empty() && !target.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
                            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
                        }
                        for (name, value) in &target.headers {
                            request = request.header(*name, value.as_str());
                        }
                        let request = request.body(Full::new(target.body.clone())).unwrap();
                        let sent = Instant::now();
                        match sender.send_request(request).await {
                            Ok(response) => {
                                let status = response.status().as_u16();
                                let body = response.into_body().collect().await.map(|b| b.to_bytes());
                                if body.as_deref().is_ok_and(|b| (target.check)(status, b)) {
                                    latencies.push(sent.elapsed().as_micros() as u32);
                                } else {
                                    errors += 1;
                                }
                            }
                            Err(_) => {
                                errors += 1;
                                break;
                            }
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (latencies, e) = task.await.unwrap();
            all.extend(latencies);
            errors += e;
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort_unstable();
        let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or(0) as u64;
        Figures { rps: all.len() as f64 / elapsed, p50_us: pct(0.50), p99_us: pct(0.99), errors }
    })
}

/// The compile cache the benches share, kept under `target/` so that runs after the first load
/// compiled plugins instead of compiling them.
pub fn cache_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-compile-cache")
}

/// Starts a host in this process on an ephemeral loopback port, configured by `body` (the tables
/// after the listener and the compile cache: `[store]`, `[ami]`, mounts); returns it and its
/// main listener's address.
pub async fn start_host(body: &str) -> (switchboard::Server, SocketAddr) {
    let text = format!("[[listener]]\naddress = \"127.0.0.1:0\"\n[runtime]\ncache_dir = {:?}\n{body}", cache_dir().display().to_string());
    let config = switchboard::config::parse(&text, std::path::Path::new("bench.toml")).unwrap();
    let server = switchboard::Server::start(&config).await.unwrap();
    let addr = server.address("main").unwrap();
    (server, addr)
}

/// `[store]` in `dir`.
pub fn store_table(dir: &std::path::Path) -> String {
    format!("[store]\ndir = {:?}\n", dir.display().to_string())
}

/// The native baselines' connections to one SQLite file: reused across requests, used from
/// tokio's blocking pool (as a plain axum + rusqlite service would).
#[derive(Clone)]
pub struct Pool {
    idle: std::sync::Arc<std::sync::Mutex<Vec<rusqlite::Connection>>>,
    path: std::path::PathBuf,
}

impl Pool {
    pub fn new(path: &std::path::Path) -> Pool {
        Pool { idle: Default::default(), path: path.to_path_buf() }
    }

    /// Runs `f` on an idle connection (a new one when none is idle) off the async threads.
    pub async fn with<T: Send + 'static>(&self, f: impl FnOnce(&mut rusqlite::Connection) -> T + Send + 'static) -> T {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = me.idle.lock().unwrap().pop();
            let mut conn = conn.unwrap_or_else(|| switchboard::store::Database::open_connection(&me.path).unwrap());
            let out = f(&mut conn);
            me.idle.lock().unwrap().push(conn);
            out
        })
        .await
        .unwrap()
    }
}

/// Serves `app` (the native baseline) on a free loopback port.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Warms both targets up, then runs them in alternating rounds (so drift hits both alike) and
/// prints the medians and the plugin/native ratio under `label`. Returns the (native, plugin)
/// medians for figures of the caller's own.
///
/// `BENCH_SIDE=plugin` (or `native`) loads only that side, for profiling it alone with `perf`;
/// the other side's figures are then zero.
pub fn compare(label: &str, native: &Target, plugin: &Target, connections: usize, options: &Options) -> (Figures, Figures) {
    let side = std::env::var("BENCH_SIDE").unwrap_or_default();
    let run = |target: &Target, name: &str, duration: Duration| {
        if side.is_empty() || side == name { load(target, connections, duration) } else { Figures::default() }
    };
    run(native, "native", Duration::from_millis(500));
    run(plugin, "plugin", Duration::from_millis(500));
    let duration = Duration::from_secs(options.seconds);
    let (mut natives, mut plugins): (Vec<Figures>, Vec<Figures>) = (Vec::new(), Vec::new());
    for _ in 0..options.rounds {
        natives.push(run(native, "native", duration));
        plugins.push(run(plugin, "plugin", duration));
    }
    let (n, p) = (median(&natives), median(&plugins));
    println!("{label}, {connections} connections (median of {}):", options.rounds);
    print("native", &n);
    print("plugin", &p);
    println!("  ratio plugin/native: {:.2}", p.rps / n.rps);
    (n, p)
}

/// The median of each figure over rounds.
pub fn median(runs: &[Figures]) -> Figures {
    let pick = |key: fn(&Figures) -> f64| {
        let mut xs: Vec<f64> = runs.iter().map(key).collect();
        xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        xs[xs.len() / 2]
    };
    Figures {
        rps: pick(|f| f.rps),
        p50_us: pick(|f| f.p50_us as f64) as u64,
        p99_us: pick(|f| f.p99_us as f64) as u64,
        errors: runs.iter().map(|f| f.errors).sum(),
    }
}

/// Resident memory of this process (servers and load generator), from /proc/self/status.
pub fn rss_mib() -> f64 {
    status_mib("/proc/self/status", "VmRSS:")
}

/// The resident high-water mark of this process (`VmHWM`).
pub fn peak_rss_mib() -> f64 {
    status_mib("/proc/self/status", "VmHWM:")
}

/// Resident memory of process `pid` (a host started as a child), from /proc/<pid>/status.
pub fn process_rss_mib(pid: u32) -> f64 {
    status_mib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// One kB figure of a /proc status file (`VmRSS:`, `VmHWM:`), in MiB; 0 when it cannot be read.
fn status_mib(status_file: &str, key: &str) -> f64 {
    let status = std::fs::read_to_string(status_file).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

pub fn print(label: &str, f: &Figures) {
    println!(
        "  {label:<28} {:>9.0} req/s   p50 {:>7} µs   p99 {:>7} µs   errors {}",
        f.rps, f.p50_us, f.p99_us, f.errors
    );
}
