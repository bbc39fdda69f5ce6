//! Plugin route vs native handler, side by side in one run.
//!
//! Serves the same bytes three ways — the `hello` plugin mounted on Switchboard with its default
//! instance reuse (`GET /hello/Ada`), the same plugin with a fresh instance per request
//! (`GET /fresh/Ada`, `limits.reuse = 1`), and a native axum handler — and drives each with the
//! same closed-loop load generator: N keep-alive HTTP/1.1 connections on their own thread, each
//! sending the next request as soon as the previous answer arrived. Prints requests/s, p50/p99
//! latency and the ratios to native, alternating the targets over several rounds so drift in the
//! machine hits all of them.
//!
//! A fourth row measures live changes: the same plugin on `/swap`, driven the same way while its
//! plugin is hot-swapped every second (`Control::replace`, alternating the built-in and a copy of
//! its component with one more custom section, so each swap compiles, or loads from the compile
//! cache, a different component and puts a new version in the table), next to `/hello` without
//! swaps. Target: at least 0.95× the throughput, p99 within 2×.
//!
//! `cargo bench --bench http -- [--connections 32] [--seconds 5] [--rounds 3] [--only plugin|fresh|native|swap]`

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Figures, Target, load, median, print, rss_mib};

const EXPECTED: &str = r#"{"greeting":"Hello, Ada!"}"#;

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
    common::start_host(
        "[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\nlimits = { max_concurrent = 256 }\n\
         [[mount]]\nroute = \"/fresh\"\nplugin = \"hello\"\nlimits = { max_concurrent = 256, reuse = 1 }\n\
         [[mount]]\nroute = \"/swap\"\nplugin = \"hello\"\nlimits = { max_concurrent = 256, reuse = 1000 }\n",
    )
    .await
}

/// `hello`'s component with one more custom section: the same code, another version (another
/// SHA-256), as an upgrade that changes nothing visible would be.
fn hello_variant() -> Vec<u8> {
    let mut bytes = switchboard::builtin::find("hello").unwrap().wasm.to_vec();
    let name = b"switchboard-bench-variant";
    let payload: Vec<u8> = std::iter::once(name.len() as u8).chain(name.iter().copied()).collect();
    bytes.push(0); // custom section id
    bytes.push(payload.len() as u8); // one LEB128 byte: the payload is short
    bytes.extend_from_slice(&payload);
    bytes
}

/// Runs `load` on `target` while `/swap`'s plugin is replaced every second; returns the figures
/// and how many swaps happened.
fn load_while_swapping(servers: &tokio::runtime::Runtime, server: &switchboard::Server, target: &Target, connections: usize, duration: Duration) -> (Figures, u32) {
    use switchboard::control::{DataChoice, PluginUpload};
    let control = server.control();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let swapper = servers.spawn(async move {
        let variant = hello_variant();
        let mut stopped = stopped;
        let mut swaps = 0u32;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stopped.wait_for(|s| *s) => return swaps,
            }
            let upload = if swaps % 2 == 0 { PluginUpload::Bytes(variant.clone()) } else { PluginUpload::Builtin("hello".into()) };
            control.replace("/swap", upload, DataChoice::Adopt, "bench").await.expect("hot swap");
            swaps += 1;
        }
    });
    let figures = load(target, connections, duration);
    let _ = stop.send(true);
    (figures, servers.block_on(swapper).unwrap())
}

fn main() {
    let options = common::options(&[32]);
    let connections = options.connections[0];
    // The servers get the machine's two cores as tokio workers; the load generator runs on its
    // own thread. Both targets are measured under exactly these conditions.
    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let check: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body == EXPECTED.as_bytes();
    let native = Target::get(servers.block_on(native_server()), "/hello/Ada", check);
    let (server, plugin) = servers.block_on(plugin_server());
    let fresh = Target::get(plugin, "/fresh/Ada", check);
    let swap = Target::get(plugin, "/swap/Ada", check);
    let plugin = Target::get(plugin, "/hello/Ada", check);
    let duration = Duration::from_secs(options.seconds);
    println!(
        "plugin route vs native axum handler: {connections} connections, {} s per run, {} rounds, {} cores",
        options.seconds,
        options.rounds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    if options.only.as_deref() == Some("swap") {
        let (figures, swaps) = load_while_swapping(&servers, &server, &swap, connections, duration);
        print(&format!("plugin, {swaps} hot swaps"), &figures);
        return;
    }
    if let Some(only) = &options.only {
        let target = match only.as_str() {
            "native" => &native,
            "fresh" => &fresh,
            _ => &plugin,
        };
        print(only, &load(target, connections, duration));
        println!("  process RSS after the run: {:.0} MiB", rss_mib());
        return;
    }

    // Warm up both (connection setup, compile cache, allocator).
    load(&native, connections, Duration::from_secs(1));
    load(&plugin, connections, Duration::from_secs(1));
    load(&fresh, connections, Duration::from_secs(1));
    load_while_swapping(&servers, &server, &swap, connections, Duration::from_millis(2500));

    let (mut natives, mut plugins, mut freshes): (Vec<Figures>, Vec<Figures>, Vec<Figures>) = (Vec::new(), Vec::new(), Vec::new());
    let mut swapped = Vec::new();
    for round in 1..=options.rounds {
        println!("round {round}");
        let n = load(&native, connections, duration);
        print("native", &n);
        let p = load(&plugin, connections, duration);
        print("plugin", &p);
        let f = load(&fresh, connections, duration);
        print("plugin, fresh instances", &f);
        let (w, swaps) = load_while_swapping(&servers, &server, &swap, connections, duration);
        print(&format!("plugin, {swaps} hot swaps"), &w);
        natives.push(n);
        plugins.push(p);
        freshes.push(f);
        swapped.push(w);
    }
    let (n, p, f, w) = (median(&natives), median(&plugins), median(&freshes), median(&swapped));
    println!("median of {} rounds", options.rounds);
    print("native", &n);
    print("plugin", &p);
    print("plugin, fresh instances", &f);
    print("plugin, hot-swapped every s", &w);
    println!("  ratio plugin/native throughput: {:.2}", p.rps / n.rps);
    println!(
        "  hot-swapped every second vs no swaps: throughput {:.2}x (target >= 0.95), p99 {:.2}x (target <= 2)",
        w.rps / p.rps,
        w.p99_us as f64 / p.p99_us.max(1) as f64
    );
    println!("  ratio plugin with fresh instances/native throughput: {:.2}", f.rps / n.rps);
    println!("  reuse gain (plugin/fresh): {:.2}x", p.rps / f.rps);
    println!("  process RSS after the runs: {:.0} MiB", rss_mib());
}
