//! The AMI client against the built-in PBX simulator over real TCP: login, pipelining, list
//! actions, Command output, refusal of injected values, and reconnection after a PBX restart.

use std::sync::Arc;
use std::time::Duration;

use switchboard::ami::{AmiClient, AmiConfig, AmiError, LinkState, Message};
use switchboard::events::{BusConfig, EventBus, GAP_EVENT, Poll};
use switchboard_sim::{SimConfig, Simulator};

async fn simulator() -> Simulator {
    Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), ..SimConfig::default() }).await.unwrap()
}

fn client_for(sim: &Simulator, md5: bool, secret: Option<&str>) -> (AmiClient, Arc<EventBus>) {
    let defaults = SimConfig::default();
    let bus = EventBus::new(BusConfig::default());
    let config = AmiConfig {
        address: sim.address().to_string(),
        username: defaults.username.clone(),
        secret: secret.map_or(defaults.secret.clone(), str::to_string),
        md5,
        action_timeout: Duration::from_secs(10),
        ping_interval: Duration::from_secs(5),
        max_backoff: Duration::from_millis(500),
        ..AmiConfig::default()
    };
    (AmiClient::start(config, bus.clone()), bus)
}

#[tokio::test]
async fn logs_in_with_md5_and_plain_and_probes_the_pbx() {
    let sim = simulator().await;
    for md5 in [true, false] {
        let (client, _bus) = client_for(&sim, md5, None);
        let info = client.wait_up(Duration::from_secs(10)).await.expect("link up");
        assert!(info.version.starts_with("22."), "{info:?}");
        assert_eq!(info.ami_version, "11.0.0");
        assert!(info.pjsip && !info.chan_sip, "Asterisk 22 has only PJSIP: {info:?}");
        client.stop();
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_bad_secret_is_reported_and_never_connects() {
    let sim = simulator().await;
    let (client, _bus) = client_for(&sim, false, Some("wrong"));
    assert!(client.wait_up(Duration::from_millis(2500)).await.is_none());
    match client.state() {
        LinkState::Down { last_error: Some(e) } => assert!(e.contains("Authentication failed"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.send(Message::new().with("Action", "Ping")).await, Err(AmiError::NotConnected));
    client.stop();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pipelined_actions_are_all_answered() {
    let sim = simulator().await;
    let (client, _bus) = client_for(&sim, true, None);
    client.wait_up(Duration::from_secs(10)).await.unwrap();
    let pings: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(Message::new().with("Action", "Ping")).await })
        })
        .collect();
    for ping in pings {
        let answer = ping.await.unwrap().unwrap();
        assert_eq!(answer.response.get("Response"), Some("Success"));
        assert_eq!(answer.response.get("Ping"), Some("Pong"));
    }
    client.stop();
    sim.stop().await;
}

#[tokio::test]
async fn list_actions_and_command_output_are_collected() {
    let sim = simulator().await;
    let (client, _bus) = client_for(&sim, true, None);
    client.wait_up(Duration::from_secs(10)).await.unwrap();

    let endpoints = client.send(Message::new().with("Action", "PJSIPShowEndpoints")).await.unwrap();
    let complete = endpoints.complete.as_ref().expect("a closing event");
    assert_eq!(complete.event(), Some("EndpointListComplete"));
    let items: usize = complete.get("ListItems").unwrap().parse().unwrap();
    assert!(items > 0);
    assert_eq!(endpoints.events.len(), items);
    assert!(endpoints.events.iter().all(|e| e.event() == Some("EndpointList")));

    let version = client.command("core show version").await.unwrap();
    assert!(version.output_lines()[0].starts_with("Asterisk 22"), "{:?}", version.output_lines());

    let unknown = client.send(Message::new().with("Action", "NoSuchAction")).await.unwrap();
    assert!(!unknown.is_success());
    // Asterisk 22's exact text (tests/transcripts/ami/unknown-action.txt).
    assert_eq!(
        unknown.response.get("Message"),
        Some("Invalid/unknown command: NoSuchAction. Use Action: ListCommands to show available commands.")
    );
    client.stop();
    sim.stop().await;
}

#[tokio::test]
async fn injected_line_breaks_are_refused_before_sending() {
    let sim = simulator().await;
    let (client, _bus) = client_for(&sim, true, None);
    client.wait_up(Duration::from_secs(10)).await.unwrap();
    let injected = Message::new().with("Action", "Getvar").with("Variable", "X\r\n\r\nAction: Command\r\nCommand: core stop now");
    assert!(matches!(client.send(injected).await, Err(AmiError::Invalid(_))));
    // The link is untouched: the next action works.
    assert!(client.send(Message::new().with("Action", "Ping")).await.unwrap().is_success());
    client.stop();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pbx_restart_fails_in_flight_actions_fast_then_resumes_with_a_gap_marker() {
    let sim = simulator().await;
    let address = sim.address();
    let (client, bus) = client_for(&sim, true, None);
    client.wait_up(Duration::from_secs(10)).await.unwrap();

    let in_flight: Vec<_> = (0..500)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(Message::new().with("Action", "Ping")).await })
        })
        .collect();
    sim.stop().await;
    for action in in_flight {
        let result = tokio::time::timeout(Duration::from_secs(5), action).await.expect("no action hangs").unwrap();
        assert!(
            matches!(result, Ok(_) | Err(AmiError::ConnectionLost) | Err(AmiError::NotConnected)),
            "{result:?}"
        );
    }
    // Once the client has seen the link go down (under load that can be a moment after the last
    // in-flight answer), new actions fail at once instead of queueing behind the outage.
    let noticed_by = std::time::Instant::now() + Duration::from_secs(5);
    while matches!(client.state(), LinkState::Up(_)) {
        assert!(std::time::Instant::now() < noticed_by, "the client never noticed the PBX going away");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(client.send(Message::new().with("Action", "Ping")).await, Err(AmiError::NotConnected), "no queueing behind an outage");

    let sim = Simulator::start(SimConfig { listen: address, ..SimConfig::default() }).await.unwrap();
    client.wait_up(Duration::from_secs(10)).await.expect("reconnected");
    assert!(client.send(Message::new().with("Action", "Ping")).await.unwrap().is_success());
    let events = bus.poll(&Poll { last: None, timeout: Duration::ZERO, limit: 0, filter: vec![GAP_EVENT.into()] }).await;
    assert_eq!(events.len(), 1, "one gap marker after the reconnect");
    // PBX events flow again after the marker.
    let gap = events[0].seq;
    sim.run(switchboard_sim::Scenario::Unanswered { from: "1001".into(), to: "1008".into(), ring: Duration::from_millis(20) })
        .await
        .unwrap();
    let after = bus.poll(&Poll { last: Some(gap), timeout: Duration::from_secs(5), limit: 0, filter: vec!["Newchannel".into()] }).await;
    assert!(!after.is_empty(), "events resume after the gap marker");
    client.stop();
    sim.stop().await;
}

/// Logs in to the simulator `times` times the way a PHP admin page does (connect, plain login,
/// hang up), each one a `SuccessfulAuth` for sessions that read `security` events.
async fn php_style_logins(sim: &Simulator, times: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let defaults = SimConfig::default();
    for _ in 0..times {
        let mut socket = tokio::net::TcpStream::connect(sim.address()).await.unwrap();
        let login = format!("Action: Login\r\nUsername: {}\r\nSecret: {}\r\n\r\n", defaults.username, defaults.secret);
        socket.write_all(login.as_bytes()).await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains("Authentication accepted") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the simulator hung up: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buf[..n]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_clients_logins_never_reach_the_bus_but_calls_do() {
    let sim = simulator().await;
    let (client, bus) = client_for(&sim, true, None);
    client.wait_up(Duration::from_secs(10)).await.unwrap();
    // A client that asks for every class, to show the logins do produce security events.
    let all = AmiConfig { events: switchboard::ami::EventClasses::parse(&["all"]).unwrap(), ..config_for(&sim) };
    let noisy_bus = EventBus::new(BusConfig::default());
    let noisy = AmiClient::start(all, noisy_bus.clone());
    noisy.wait_up(Duration::from_secs(10)).await.unwrap();

    let before = bus.next_seq();
    php_style_logins(&sim, 300).await;
    sim.run(switchboard_sim::Scenario::Unanswered { from: "1001".into(), to: "1008".into(), ring: Duration::from_millis(20) })
        .await
        .unwrap();
    let named = |bus: &EventBus, name: &str| {
        let bus_events = futures::executor::block_on(bus.poll(&Poll { last: None, timeout: Duration::ZERO, limit: 0, filter: vec![name.into()] }));
        bus_events.len()
    };
    // The call's events arrive on both; the logins only where security was asked for.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while named(&bus, "Hangup") == 0 || named(&noisy_bus, "Hangup") == 0 {
        assert!(std::time::Instant::now() < deadline, "the call's events never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(named(&noisy_bus, "SuccessfulAuth") >= 300, "the logins do make security events");
    assert_eq!(named(&bus, "SuccessfulAuth"), 0, "the default classes leave security out");
    assert!(named(&bus, "Newchannel") > 0 && named(&bus, "Newexten") > 0);
    let grew = bus.next_seq() - before;
    assert!(grew < 100, "300 logins moved the bus by {grew} events");
    client.stop();
    noisy.stop();
    sim.stop().await;
}

fn config_for(sim: &Simulator) -> AmiConfig {
    let defaults = SimConfig::default();
    AmiConfig { address: sim.address().to_string(), username: defaults.username, secret: defaults.secret, ..AmiConfig::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_long_outage_the_link_is_back_within_two_seconds() {
    let sim = simulator().await;
    let address = sim.address();
    // The default back-off (up to 30 s), as in production.
    let client = AmiClient::start(config_for(&sim), EventBus::new(BusConfig::default()));
    client.wait_up(Duration::from_secs(10)).await.unwrap();
    sim.stop().await;
    // Long enough for a doubling back-off to have grown past 2 s (0.1 + 0.2 + … + 3.2 s).
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(matches!(client.state(), LinkState::Down { .. }));
    let back = std::time::Instant::now();
    let sim = Simulator::start(SimConfig { listen: address, ..SimConfig::default() }).await.unwrap();
    client.wait_up(Duration::from_secs(10)).await.expect("reconnected");
    let took = back.elapsed();
    eprintln!("link back {} ms after the PBX", took.as_millis());
    assert!(took < Duration::from_secs(2), "the link came back {took:?} after the PBX");
    client.stop();
    sim.stop().await;
}
