//! A well-behaved route beside a hostile neighbour, side by side with the same route alone.
//!
//! One server (two tokio workers, as on the two-core machines we target) mounts the `hello` plugin
//! at `/hello` and the `hostile` test plugin at `/hostile` (timeout 1 s, 64 MiB, no grants). The
//! closed-loop load generator drives `GET /hello/Ada` while N other clients keep N requests of a
//! hostile kind running at all times, and a prober asks `/_switchboard/health` every 5 ms:
//!
//! - `spin`: `/hostile/loop`, a loop that runs until its deadline;
//! - `bomb`: `/hostile/alloc`, which grows its memory until the limit refuses it.
//!
//! For each case it prints `/hello`'s requests/s and p50/p99 with their ratios to the alone run,
//! the health probe's p99 and worst, how far past its deadline the latest spinning request was
//! answered, and the process's resident memory (now, and its high-water mark). Cases alternate
//! with fresh alone runs over the rounds so drift hits all of them.
//!
//! `cargo bench --bench isolation -- [--connections 4] [--seconds 3] [--rounds 3] [--only spin]`
//! (`--neighbours 2,8,32` sets the Ns.)

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Figures, Target, load, median, peak_rss_mib, rss_mib};

const EXPECTED: &str = r#"{"greeting":"Hello, Ada!"}"#;
const HOSTILE_TIMEOUT: Duration = Duration::from_millis(1000);

async fn server() -> (switchboard::Server, SocketAddr) {
    let hostile = switchboard::builtin::test_plugin_path("hostile").expect("the hostile test plugin is built");
    common::start_host(&format!(
        "[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\nlimits = {{ max_concurrent = 256 }}\n\
         [[mount]]\nroute = \"/hostile\"\nplugin = {:?}\nlimits = {{ timeout_ms = {}, memory_mb = 64, max_concurrent = 64 }}\n",
        hostile.display().to_string(),
        HOSTILE_TIMEOUT.as_millis(),
    ))
    .await
}

/// What the neighbours and the health prober saw during one case.
#[derive(Debug, Default, Clone, Copy)]
struct Side {
    health_p99_us: u64,
    health_max_us: u64,
    /// The latest answer to a spinning request, past its deadline (0 when none was late).
    overrun_max_ms: u64,
    hostile_answers: u64,
    hostile_wrong: u64,
    /// The first unexpected answer, for the report.
    first_wrong: Option<u16>,
}

/// Runs `neighbours` clients that each keep one `/hostile{path}` request in flight, and a health
/// prober, on a thread of their own until `stop`; returns what they saw.
fn neighbours(addr: SocketAddr, path: &'static str, neighbours: usize, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Side> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let client = reqwest::Client::new();
            let overrun = Arc::new(AtomicU64::new(0));
            let (answers, wrong) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let first_wrong = Arc::new(std::sync::Mutex::new(None));
            let mut tasks = Vec::new();
            for _ in 0..neighbours {
                let (client, stop, overrun, answers, wrong) = (client.clone(), stop.clone(), overrun.clone(), answers.clone(), wrong.clone());
                let first_wrong = first_wrong.clone();
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let sent = Instant::now();
                        let Ok(response) = client.get(format!("http://{addr}/hostile{path}")).send().await else {
                            wrong.fetch_add(1, Ordering::Relaxed);
                            continue;
                        };
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        let took = sent.elapsed();
                        answers.fetch_add(1, Ordering::Relaxed);
                        // A spinning request ends at its deadline (504); a bomb at its memory limit
                        // (500), or at its deadline if the lane was too busy to let it get there.
                        let expected = if path == "/loop" { status == 504 } else { status == 500 || status == 504 };
                        if !expected {
                            wrong.fetch_add(1, Ordering::Relaxed);
                            first_wrong.lock().unwrap().get_or_insert(status);
                        }
                        if path == "/loop" {
                            let late = took.saturating_sub(HOSTILE_TIMEOUT).as_millis() as u64;
                            overrun.fetch_max(late, Ordering::Relaxed);
                        }
                    }
                }));
            }
            let mut health = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let ok = client.get(format!("http://{addr}/_switchboard/health")).send().await.is_ok_and(|r| r.status() == 200);
                assert!(ok, "the health check failed");
                health.push(sent.elapsed().as_micros() as u64);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            for task in tasks {
                let _ = task.await;
            }
            health.sort_unstable();
            Side {
                health_p99_us: health.get(health.len() * 99 / 100).copied().unwrap_or(0),
                health_max_us: health.last().copied().unwrap_or(0),
                overrun_max_ms: overrun.load(Ordering::Relaxed),
                hostile_answers: answers.load(Ordering::Relaxed),
                hostile_wrong: wrong.load(Ordering::Relaxed),
                first_wrong: *first_wrong.lock().unwrap(),
            }
        })
    })
}

/// `/hello` under load for `duration`, with `n` neighbours doing `path` (none when `n` is 0).
fn case(hello: &Target, addr: SocketAddr, path: &'static str, n: usize, connections: usize, duration: Duration) -> (Figures, Side) {
    let stop = Arc::new(AtomicBool::new(false));
    let side = neighbours(addr, path, n, stop.clone());
    // Let the neighbours get going (and past their first slice) before measuring.
    std::thread::sleep(Duration::from_millis(if n > 0 { 200 } else { 0 }));
    let figures = load(hello, connections, duration);
    stop.store(true, Ordering::Relaxed);
    (figures, side.join().unwrap())
}

fn main() {
    let options = common::options(&[4]);
    let connections = options.connections[0];
    let args: Vec<String> = std::env::args().collect();
    let counts: Vec<usize> = args
        .windows(2)
        .find(|w| w[0] == "--neighbours")
        .map(|w| w[1].split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![2, 8, 32]);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (_server, addr) = servers.block_on(server());
    let check: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body == EXPECTED.as_bytes();
    let hello = Target::get(addr, "/hello/Ada", check);
    let duration = Duration::from_secs(options.seconds);

    println!("isolation: /hello with {connections} closed-loop connections beside N hostile requests, {}s runs, median of {} rounds", options.seconds, options.rounds);
    load(&hello, connections, Duration::from_millis(500));
    let rss_before = rss_mib();
    for kind in ["spin", "bomb"] {
        if options.only.as_deref().is_some_and(|only| only != kind) {
            continue;
        }
        let path = if kind == "spin" { "/loop" } else { "/alloc" };
        for &n in &counts {
            let (mut alone, mut beside, mut sides, mut alone_health) = (Vec::new(), Vec::new(), Vec::new(), 0);
            for _ in 0..options.rounds {
                let (figures, side) = case(&hello, addr, path, 0, connections, duration);
                alone.push(figures);
                alone_health = alone_health.max(side.health_p99_us);
                let (figures, side) = case(&hello, addr, path, n, connections, duration);
                beside.push(figures);
                sides.push(side);
            }
            let (a, b) = (median(&alone), median(&beside));
            let side = Side {
                health_p99_us: sides.iter().map(|s| s.health_p99_us).max().unwrap_or(0),
                health_max_us: sides.iter().map(|s| s.health_max_us).max().unwrap_or(0),
                overrun_max_ms: sides.iter().map(|s| s.overrun_max_ms).max().unwrap_or(0),
                hostile_answers: sides.iter().map(|s| s.hostile_answers).sum(),
                hostile_wrong: sides.iter().map(|s| s.hostile_wrong).sum(),
                first_wrong: sides.iter().find_map(|s| s.first_wrong),
            };
            println!(
                "  {kind} N={n:<3} /hello alone {:>7.0} req/s p99 {:>6} µs | beside {:>7.0} req/s p50 {:>6} µs p99 {:>6} µs (errors {}) | throughput {:.2}x, p99 {:.2}x | health p99 {:>5} µs (alone {:>5}) max {:>6} µs | deadline overrun max {} ms | hostile answers {} (unexpected {}{})",
                a.rps, a.p99_us, b.rps, b.p50_us, b.p99_us, b.errors, b.rps / a.rps, b.p99_us as f64 / a.p99_us.max(1) as f64,
                side.health_p99_us, alone_health, side.health_max_us, side.overrun_max_ms, side.hostile_answers, side.hostile_wrong,
                side.first_wrong.map(|s| format!(", first: {s}")).unwrap_or_default(),
            );
        }
    }
    let rss_storm = rss_mib();
    std::thread::sleep(Duration::from_secs(3));
    println!(
        "  resident memory (server and load generator): before {rss_before:.0} MiB, right after the cases {rss_storm:.0} MiB, 3 s later {:.0} MiB, high-water {:.0} MiB",
        rss_mib(),
        peak_rss_mib()
    );
}
