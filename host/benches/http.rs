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
//! `cargo bench --bench http -- [--connections 32] [--seconds 5] [--rounds 3] [--only plugin|fresh|native]`

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
         [[mount]]\nroute = \"/fresh\"\nplugin = \"hello\"\nlimits = { max_concurrent = 256, reuse = 1 }\n",
    )
    .await
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
    let (_server, plugin) = servers.block_on(plugin_server());
    let fresh = Target::get(plugin, "/fresh/Ada", check);
    let plugin = Target::get(plugin, "/hello/Ada", check);
    let duration = Duration::from_secs(options.seconds);
    println!(
        "plugin route vs native axum handler: {connections} connections, {} s per run, {} rounds, {} cores",
        options.seconds,
        options.rounds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

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

    let (mut natives, mut plugins, mut freshes): (Vec<Figures>, Vec<Figures>, Vec<Figures>) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=options.rounds {
        println!("round {round}");
        let n = load(&native, connections, duration);
        print("native", &n);
        let p = load(&plugin, connections, duration);
        print("plugin", &p);
        let f = load(&fresh, connections, duration);
        print("plugin, fresh instances", &f);
        natives.push(n);
        plugins.push(p);
        freshes.push(f);
    }
    let (n, p, f) = (median(&natives), median(&plugins), median(&freshes));
    println!("median of {} rounds", options.rounds);
    print("native", &n);
    print("plugin", &p);
    print("plugin, fresh instances", &f);
    println!("  ratio plugin/native throughput: {:.2}", p.rps / n.rps);
    println!("  ratio plugin with fresh instances/native throughput: {:.2}", f.rps / n.rps);
    println!("  reuse gain (plugin/fresh): {:.2}x", p.rps / f.rps);
    println!("  process RSS after the runs: {:.0} MiB", rss_mib());
}
