//! AMI and event-bus figures, against baselines in the same run.
//!
//! 1. `Ping` actions per second to the PBX simulator, pipelined over one connection: through
//!    `AmiClient` (ActionID matching, per-action channels) vs a raw socket loop that writes the same
//!    bytes and counts answers (the floor the simulator and TCP allow).
//! 2. Event path latency: an AMI event handed to the bus (what the AMI reader does) → each of 1,000
//!    concurrent `poll` callers woken; p50/p99 over several rounds, vs a bare `tokio::sync::Notify`
//!    waking 1,000 tasks.
//!
//! `cargo bench --bench ami -- [--actions 100000] [--in-flight 1000]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::ami::{AmiClient, AmiConfig, Decoder, EventSink, Frame, Message};
use switchboard::events::{BusConfig, EventBus, Poll};
use switchboard_sim::{SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2).find(|w| w[0] == name).and_then(|w| w[1].parse().ok()).unwrap_or(default)
}

async fn client_pings(client: &AmiClient, actions: usize, in_flight: usize) -> f64 {
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let mut tasks = Vec::with_capacity(actions);
    for _ in 0..actions {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let answer = client.send(Message::new().with("Action", "Ping")).await;
            drop(permit);
            assert!(answer.unwrap().is_success());
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    actions as f64 / started.elapsed().as_secs_f64()
}

/// Logs in on a raw socket and keeps `in_flight` Pings outstanding, counting answers.
async fn raw_pings(sim: &Simulator, actions: usize, in_flight: usize) -> f64 {
    let config = SimConfig::default();
    let mut stream = tokio::net::TcpStream::connect(sim.address()).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let login = format!("Action: Login\r\nActionID: l\r\nUsername: {}\r\nSecret: {}\r\nEvents: off\r\n\r\n", config.username, config.secret);
    stream.write_all(login.as_bytes()).await.unwrap();
    let mut decoder = Decoder::client();
    let mut buf = vec![0u8; 64 * 1024];
    let mut logged_in = false;
    while !logged_in {
        let n = stream.read(&mut buf).await.unwrap();
        decoder.extend(&buf[..n]);
        while let Some(frame) = decoder.next_frame().unwrap() {
            if let Frame::Message(m) = frame {
                logged_in |= m.get("Response") == Some("Success");
            }
        }
    }
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        for i in 0..actions {
            writer.write_all(format!("Action: Ping\r\nActionID: {i}\r\n\r\n").as_bytes()).await.unwrap();
        }
        writer
    });
    let mut answered = 0;
    let _ = in_flight; // the raw loop pipelines everything; TCP flow control bounds what is in flight
    while answered < actions {
        let n = reader.read(&mut buf).await.unwrap();
        decoder.extend(&buf[..n]);
        while let Some(frame) = decoder.next_frame().unwrap() {
            if matches!(frame, Frame::Message(ref m) if m.get("Ping") == Some("Pong")) {
                answered += 1;
            }
        }
    }
    let _writer = sender.await.unwrap();
    actions as f64 / started.elapsed().as_secs_f64()
}

fn percentile(sorted: &[u128], p: f64) -> u128 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn bus_wake_latency(pollers: usize, rounds: usize) -> Vec<u128> {
    let bus = EventBus::new(BusConfig::default());
    let mut latencies = Vec::new();
    for _ in 0..rounds {
        let last = bus.next_seq().checked_sub(1);
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(pollers);
        let tasks: Vec<_> = (0..pollers)
            .map(|_| {
                let (bus, ready) = (bus.clone(), ready_tx.clone());
                tokio::spawn(async move {
                    let request = Poll { last, timeout: Duration::from_secs(30), limit: 0, filter: Vec::new() };
                    let poll = bus.poll(&request);
                    ready.send(()).await.unwrap();
                    let events = poll.await;
                    (Instant::now(), events.len())
                })
            })
            .collect();
        for _ in 0..pollers {
            ready_rx.recv().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let sent = Instant::now();
        bus.event(Message::new().with("Event", "Newchannel").with("Channel", "PJSIP/1001-00000001"));
        for task in tasks {
            let (woken, n) = task.await.unwrap();
            assert_eq!(n, 1);
            latencies.push(woken.duration_since(sent).as_micros());
        }
    }
    latencies.sort_unstable();
    latencies
}

async fn notify_wake_latency(waiters: usize, rounds: usize) -> Vec<u128> {
    let mut latencies = Vec::new();
    for _ in 0..rounds {
        let notify = Arc::new(tokio::sync::Notify::new());
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(waiters);
        let tasks: Vec<_> = (0..waiters)
            .map(|_| {
                let (notify, ready) = (notify.clone(), ready_tx.clone());
                tokio::spawn(async move {
                    let notified = notify.notified();
                    tokio::pin!(notified);
                    notified.as_mut().enable();
                    ready.send(()).await.unwrap();
                    notified.await;
                    Instant::now()
                })
            })
            .collect();
        for _ in 0..waiters {
            ready_rx.recv().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let sent = Instant::now();
        notify.notify_waiters();
        for task in tasks {
            latencies.push(task.await.unwrap().duration_since(sent).as_micros());
        }
    }
    latencies.sort_unstable();
    latencies
}

fn main() {
    let actions = arg("--actions", 100_000);
    let in_flight = arg("--in-flight", 1000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let sim = Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), ..SimConfig::default() }).await.unwrap();
        let defaults = SimConfig::default();
        let bus: Arc<dyn EventSink> = EventBus::new(BusConfig::default());
        let client = AmiClient::start(
            AmiConfig { address: sim.address().to_string(), username: defaults.username, secret: defaults.secret, ..Default::default() },
            bus,
        );
        client.wait_up(Duration::from_secs(10)).await.expect("AMI link up");

        println!("Ping over one AMI connection to the simulator: {actions} actions, up to {in_flight} in flight");
        for round in 1..=2 {
            let raw = raw_pings(&sim, actions, in_flight).await;
            let ours = client_pings(&client, actions, in_flight).await;
            println!("  round {round}: raw socket {raw:>9.0} actions/s   AmiClient {ours:>9.0} actions/s   ratio {:.2}", ours / raw);
        }

        println!("event path: AMI event handed to the bus -> 1,000 pollers woken (10 rounds)");
        let bus = bus_wake_latency(1000, 10).await;
        let notify = notify_wake_latency(1000, 10).await;
        println!("  EventBus::poll      p50 {:>6} µs   p99 {:>6} µs   max {:>6} µs", percentile(&bus, 0.5), percentile(&bus, 0.99), bus[bus.len() - 1]);
        println!("  tokio Notify floor  p50 {:>6} µs   p99 {:>6} µs   max {:>6} µs", percentile(&notify, 0.5), percentile(&notify, 0.99), notify[notify.len() - 1]);
        client.stop();
        sim.stop().await;
    });
}
