//! The AMI client against the built-in PBX simulator over real TCP: login, pipelining, list
//! actions, Command output, refusal of injected values, and reconnection after a PBX restart.

use std::sync::Arc;
use std::time::Duration;

use switchboard::ami::{AmiClient, AmiConfig, AmiError, LinkState, Message};
use switchboard::events::{BusConfig, EventBus, GAP_EVENT, Poll};
use switchboard::sim::{SimConfig, Simulator};

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
    // Asterisk 22's exact text (shared/ami/unknown-action.txt).
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
    sim.run(switchboard::sim::Scenario::Unanswered { from: "1001".into(), to: "1008".into(), ring: Duration::from_millis(20) })
        .await
        .unwrap();
    let after = bus.poll(&Poll { last: Some(gap), timeout: Duration::from_secs(5), limit: 0, filter: vec!["Newchannel".into()] }).await;
    assert!(!after.is_empty(), "events resume after the gap marker");
    client.stop();
    sim.stop().await;
}
