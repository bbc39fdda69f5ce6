//! Plugin route vs native handler, side by side in one run.
//!
//! Serves the same bytes two ways — the `hello` plugin mounted on Switchboard (`GET /hello/Ada`) and
//! a native axum handler — and drives each with the same closed-loop load generator: N keep-alive
//! HTTP/1.1 connections on their own thread, each sending the next request as soon as the previous
//! answer arrived. Prints requests/s, p50/p99 latency and the plugin/native ratio, alternating the
//! two targets over several rounds so drift in the machine hits both.
//!
//! `cargo bench --bench http -- [--connections 32] [--seconds 5] [--rounds 3] [--only plugin|native]`

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

const EXPECTED: &str = r#"{"greeting":"Hello, Ada!"}"#;

struct Options {
    connections: usize,
    seconds: u64,
    rounds: usize,
    /// `native` or `plugin` to run only one side (for profiling).
    only: Option<String>,
}

fn options() -> Options {
    let mut options = Options { connections: 32, seconds: 5, rounds: 3, only: None };
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        if pair[0] == "--only" {
            options.only = Some(pair[1].clone());
        }
        let value = pair[1].parse().ok();
        match (pair[0].as_str(), value) {
            ("--connections", Some(v)) => options.connections = v,
            ("--seconds", Some(v)) => options.seconds = v as u64,
            ("--rounds", Some(v)) => options.rounds = v,
            _ => {}
        }
    }
    options
}

#[derive(Debug, Clone, Copy)]
struct Figures {
    rps: f64,
    p50_us: u64,
    p99_us: u64,
    errors: u64,
}

/// Drives `target` (host:port + path) with `connections` keep-alive connections for `duration`.
fn load(addr: SocketAddr, path: &'static str, connections: usize, duration: Duration) -> Figures {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let started = Instant::now();
        let end = started + duration;
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
                    tokio::spawn(conn);
                    let mut latencies = Vec::with_capacity(100_000);
                    let mut errors = 0u64;
                    while Instant::now() < end {
                        let request = hyper::Request::get(path)
                            .header(hyper::header::HOST, addr.to_string())
                            .body(Empty::<Bytes>::new())
                            .unwrap();
                        let sent = Instant::now();
                        match sender.send_request(request).await {
                            Ok(response) => {
                                let ok = response.status() == 200;
                                let body = response.into_body().collect().await.map(|b| b.to_bytes());
                                if ok && body.as_deref().ok() == Some(EXPECTED.as_bytes()) {
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

async fn native_server() -> SocketAddr {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/hello/{name}",
        get(|axum::extract::Path(name): axum::extract::Path<String>| async move {
            let body = serde_json::json!({ "greeting": format!("Hello, {name}!") }).to_string();
            ([(hyper::header::CONTENT_TYPE, "application/json")], body)
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn plugin_server() -> (switchboard::Server, SocketAddr) {
    let cache = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-compile-cache");
    let text = format!(
        "[[listener]]\naddress = \"127.0.0.1:0\"\n[runtime]\ncache_dir = {:?}\n[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\nlimits = {{ max_concurrent = 256 }}\n",
        cache.display().to_string()
    );
    let config = switchboard::config::parse(&text, std::path::Path::new("bench.toml")).unwrap();
    let server = switchboard::Server::start(&config).await.unwrap();
    let addr = server.address("main").unwrap();
    (server, addr)
}

/// Resident memory of this process (servers and load generator), from /proc/self/status.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn print(label: &str, f: &Figures) {
    println!(
        "  {label:<8} {:>9.0} req/s   p50 {:>6} µs   p99 {:>6} µs   errors {}",
        f.rps, f.p50_us, f.p99_us, f.errors
    );
}

fn main() {
    let options = options();
    // The servers get the machine's two cores as tokio workers; the load generator runs on its
    // own thread. Both targets are measured under exactly these conditions.
    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let native = servers.block_on(native_server());
    let (_server, plugin) = servers.block_on(plugin_server());
    let duration = Duration::from_secs(options.seconds);
    println!(
        "plugin route vs native axum handler: {} connections, {} s per run, {} rounds, {} cores",
        options.connections,
        options.seconds,
        options.rounds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    if let Some(only) = &options.only {
        let addr = if only == "native" { native } else { plugin };
        print(only, &load(addr, "/hello/Ada", options.connections, duration));
        println!("  process RSS after the run: {:.0} MiB", rss_mib());
        return;
    }

    // Warm up both (connection setup, compile cache, allocator).
    load(native, "/hello/Ada", options.connections, Duration::from_secs(1));
    load(plugin, "/hello/Ada", options.connections, Duration::from_secs(1));

    let (mut natives, mut plugins) = (Vec::new(), Vec::new());
    for round in 1..=options.rounds {
        println!("round {round}");
        let n = load(native, "/hello/Ada", options.connections, duration);
        print("native", &n);
        let p = load(plugin, "/hello/Ada", options.connections, duration);
        print("plugin", &p);
        natives.push(n);
        plugins.push(p);
    }
    let median = |v: &mut Vec<Figures>, key: fn(&Figures) -> f64| {
        let mut xs: Vec<f64> = v.iter().map(key).collect();
        xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        xs[xs.len() / 2]
    };
    let (n_rps, p_rps) = (median(&mut natives, |f| f.rps), median(&mut plugins, |f| f.rps));
    let (n_p99, p_p99) = (median(&mut natives, |f| f.p99_us as f64), median(&mut plugins, |f| f.p99_us as f64));
    let (n_p50, p_p50) = (median(&mut natives, |f| f.p50_us as f64), median(&mut plugins, |f| f.p50_us as f64));
    println!("median of {} rounds", options.rounds);
    println!("  native   {n_rps:>9.0} req/s   p50 {n_p50:>6} µs   p99 {n_p99:>6} µs");
    println!("  plugin   {p_rps:>9.0} req/s   p50 {p_p50:>6} µs   p99 {p_p99:>6} µs");
    println!("  ratio plugin/native throughput: {:.2}", p_rps / n_rps);
    println!("  process RSS after the runs: {:.0} MiB", rss_mib());
}
