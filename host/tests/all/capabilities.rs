//! The `ami` and `events` interfaces through a real mount: grants enforced, long-polls that wake
//! on an event and time out without one. (The AMI link itself is tested against the simulator in
//! `ami_client.rs`.)

use std::time::{Duration, Instant};

use crate::util::{base, client, start, test_plugin};

fn probe_mounts(extra: &str) -> String {
    format!(
        "[[mount]]\nroute = \"/granted\"\nplugin = {p:?}\ngrants = {{ ami = [\"Ping\", \"Command\"], events = true }}\nlimits = {{ max_concurrent = 600, queue = 0 }}\n\n\
         [[mount]]\nroute = \"/bare\"\nplugin = {p:?}\n{extra}",
        p = test_plugin("probe")
    )
}

async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn ungranted_capabilities_are_denied_and_a_missing_pbx_is_not_connected() {
    let server = start(&probe_mounts("")).await;
    let url = base(&server);

    let (status, body) = get_json(&format!("{url}/bare/send?action=Ping")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("ami_denied")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("`Ping`"), "{body}");

    let (status, body) = get_json(&format!("{url}/granted/send?action=Originate&Channel=Local/1@x")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("ami_denied")), "granted Ping is not Originate: {body}");

    let (status, body) = get_json(&format!("{url}/bare/poll?timeout=0")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("events_denied")), "{body}");

    // A wake-up needs the grant, and an event handler to wake.
    let (status, body) = get_json(&format!("{url}/bare/wake")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("events_denied")), "{body}");
    let (status, body) = get_json(&format!("{url}/granted/wake")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (500, Some("no_event_handler")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("does not export switchboard:pbx/event-handler"), "{body}");

    // Granted, but this host has no [ami]: not-connected, never a trap.
    let (status, body) = get_json(&format!("{url}/granted/send?action=Ping")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("pbx_unavailable")), "{body}");
    let (status, body) = get_json(&format!("{url}/granted/info")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("pbx_unavailable")), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_long_poll_wakes_on_an_event_and_times_out_without_one() {
    let server = start(&probe_mounts("")).await;
    let url = base(&server);
    let bus = server.services().bus.clone();

    let started = Instant::now();
    let (status, body) = get_json(&format!("{url}/granted/poll?timeout=300")).await;
    assert_eq!((status, body.clone()), (200, serde_json::json!([])));
    assert!(started.elapsed() >= Duration::from_millis(290), "waited out its timeout");

    let waiting = tokio::spawn({
        let url = url.clone();
        async move { get_json(&format!("{url}/granted/poll?timeout=10000")).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let woke = Instant::now();
    bus.publish("Newchannel", vec![("Channel".into(), "PJSIP/1001-00000001".into())]);
    let (status, body) = waiting.await.unwrap();
    assert_eq!(status, 200);
    assert!(woke.elapsed() < Duration::from_secs(5), "answered by the event, not the timeout");
    assert_eq!(body[0]["seq"], 0);
    assert_eq!(body[0]["name"], "Newchannel");
    assert_eq!(body[0]["fields"], serde_json::json!([["Channel", "PJSIP/1001-00000001"]]));

    bus.publish("Hangup", vec![]);
    bus.publish("Newchannel", vec![]);
    let (_, body) = get_json(&format!("{url}/granted/poll?last=0&timeout=0&filter=Newchannel")).await;
    assert_eq!(body.as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [2]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_plugin_pollers_are_woken_by_one_event() {
    let server = start(&probe_mounts("")).await;
    let url = base(&server);
    let bus = server.services().bus.clone();
    let client = client();
    let pollers: Vec<_> = (0..500)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let response = client.get(format!("{url}/granted/poll?timeout=20000")).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.json::<serde_json::Value>().await.unwrap()
            })
        })
        .collect();
    // Every poller is parked in the host (no thread each) before the event is published.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let woke = Instant::now();
    bus.publish("PeerStatus", vec![("Peer".into(), "PJSIP/1001".into())]);
    for poller in pollers {
        let body = poller.await.unwrap();
        assert_eq!(body[0]["name"], "PeerStatus");
    }
    assert!(woke.elapsed() < Duration::from_secs(15), "woken by the event, not by their 20 s timeouts: {:?}", woke.elapsed());
    server.shutdown().await;
}

/// A host whose `[ami]` is the simulator, with the probe mounted granted and not.
async fn with_simulator(buffer: usize) -> crate::util::Rig {
    use switchboard_sim::PbxSeed;
    let p = test_plugin("probe");
    crate::util::Rig::builder()
        .pbx(PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .toml(&format!("[events]\nbuffer = {buffer}\n"))
        .mount("/granted", &p, "grants = { ami = [\"Ping\", \"CoreShowChannels\", \"Command\"], events = true }")
        .mount("/bare", &p, "")
        .start()
        .await
}

#[tokio::test]
async fn a_plugin_uses_the_pbx_through_its_grants() {
    use switchboard_sim::Scenario;
    let rig = with_simulator(1000).await;
    let (sim, url) = (rig.sim(), rig.base.clone());

    let (status, body) = get_json(&format!("{url}/granted/send?action=Ping")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["response"].as_array().unwrap().contains(&serde_json::json!(["Ping", "Pong"])), "{body}");

    let (status, body) = get_json(&format!("{url}/granted/info")).await;
    assert_eq!((status, body["sip"].as_str()), (200, Some("pjsip")), "{body}");
    assert!(body["version"].as_str().unwrap().starts_with("22."), "{body}");

    let (status, body) = get_json(&format!("{url}/granted/command?cmd=core%20show%20version")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body[0].as_str().unwrap().starts_with("Asterisk 22"), "{body}");

    let (status, body) = get_json(&format!("{url}/bare/send?action=Ping")).await;
    assert_eq!(status, 403, "{body}");

    // A real call on the PBX shows up in the event stream, in Asterisk's order.
    let (_, newest) = get_json(&format!("{url}/granted/poll?limit=1&timeout=0")).await;
    let last = newest.as_array().unwrap().first().map(|e| e["seq"].as_u64().unwrap());
    let report = sim
        .run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(50) })
        .await
        .unwrap();
    let mut names = Vec::new();
    let mut cursor = last;
    while !names.contains(&"Hangup".to_string()) || names.iter().filter(|n| *n == "Hangup").count() < 2 {
        let query = match cursor {
            Some(last) => format!("last={last}&timeout=2000"),
            None => "timeout=2000".into(),
        };
        let (_, batch) = get_json(&format!("{url}/granted/poll?{query}")).await;
        let batch = batch.as_array().unwrap().clone();
        assert!(!batch.is_empty(), "the call's events stopped before both hangups: {names:?}");
        for event in &batch {
            let seq = event["seq"].as_u64().unwrap();
            assert!(cursor.is_none_or(|c| seq == c + 1), "sequence numbers are consecutive");
            cursor = Some(seq);
            names.push(event["name"].as_str().unwrap().to_string());
        }
    }
    let position = |name: &str| names.iter().position(|n| n == name).unwrap_or_else(|| panic!("{name} in {names:?}"));
    assert!(position("Newchannel") < position("DialBegin"));
    assert!(position("DialBegin") < position("BridgeEnter"));
    assert!(position("BridgeEnter") < position("Hangup"));
    assert_eq!(report.cdrs[0].disposition, "ANSWERED");
    rig.stop().await;
}

#[tokio::test]
async fn a_plugin_sees_overflow_as_a_gap_in_sequence_numbers() {
    use switchboard_sim::Scenario;
    let rig = with_simulator(5).await;
    let (sim, url) = (rig.sim(), rig.base.clone());
    let (_, first) = get_json(&format!("{url}/granted/poll?timeout=0")).await;
    let last = first.as_array().unwrap().last().map_or(0, |e| e["seq"].as_u64().unwrap());
    // A whole call produces far more than five events.
    sim.run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(20) })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, batch) = get_json(&format!("{url}/granted/poll?last={last}&timeout=0")).await;
    let batch = batch.as_array().unwrap();
    assert_eq!(batch.len(), 5, "the buffer holds five");
    assert!(batch[0]["seq"].as_u64().unwrap() > last + 1, "events were dropped: seq jumps past last + 1");
    rig.stop().await;
}

/// `grants.ami` entries with argument patterns: the CLI commands and Originate contexts a mount
/// was given, and nothing else; the host's own actions for nobody, `*` included.
#[tokio::test]
async fn ami_grants_constrain_arguments_and_never_lend_the_hosts_own_actions() {
    let p = test_plugin("probe");
    let rig = crate::util::Rig::builder()
        .pbx(switchboard_sim::PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .pbx_reads_conf()
        .mount(
            "/narrow",
            &p,
            "grants = { ami = [\"Command core show *\", \"Originate Context=from-internal, Application=\", \"DBPut Family=CF*\"] }",
        )
        .mount("/star", &p, "grants = { ami = [\"*\"] }")
        .start()
        .await;
    let (server, url) = (&rig.server, rig.base.clone());
    let denied = |body: &serde_json::Value| body["error"]["code"] == "ami_denied";

    let (status, body) = get_json(&format!("{url}/narrow/command?cmd=core%20show%20version")).await;
    assert_eq!(status, 200, "{body}");
    for cmd in ["core%20stop%20now", "module%20unload%20res_pjsip.so", "core%20restart%20gracefully"] {
        let (status, body) = get_json(&format!("{url}/narrow/command?cmd={cmd}")).await;
        assert!(status == 403 && denied(&body), "{cmd}: {status} {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("with these arguments"), "{body}");
    }
    // The same through `send`, and with the command header given twice.
    let (status, body) = get_json(&format!("{url}/narrow/send?action=Command&Command=core%20show%20uptime&Command=core%20stop%20now")).await;
    assert!(status == 403 && denied(&body), "{status} {body}");

    // Originate into the granted context only, and never into an application (System runs a shell).
    let good = "action=Originate&Channel=PJSIP/1001&Context=from-internal&Exten=1002&Priority=1&Async=true";
    let (status, body) = get_json(&format!("{url}/narrow/send?{good}")).await;
    assert_eq!(status, 200, "{body}");
    for bad in [
        "action=Originate&Channel=PJSIP/1001&Context=from-trunk&Exten=1002&Priority=1",
        "action=Originate&Channel=PJSIP/1001&Application=System&Data=id",
        "action=Originate&Channel=PJSIP/1001&Context=from-internal&Exten=1002&Application=System&Data=id",
    ] {
        let (status, body) = get_json(&format!("{url}/narrow/send?{bad}")).await;
        assert!(status == 403 && denied(&body), "{bad}: {status} {body}");
    }
    let (status, _) = get_json(&format!("{url}/narrow/send?action=DBPut&Family=CFU&Key=1001&Val=0612345678")).await;
    assert_eq!(status, 200);
    let (status, body) = get_json(&format!("{url}/narrow/send?action=DBPut&Family=AMPUSER&Key=1001/password&Val=x")).await;
    assert!(status == 403 && denied(&body), "{status} {body}");
    let (status, body) = get_json(&format!("{url}/narrow/send?action=Status")).await;
    assert!(status == 403 && body["error"]["message"].as_str().unwrap().contains("not in this mount's grants.ami"), "{body}");

    // `*` lends everything but the actions that would change the shared connection.
    let (status, body) = get_json(&format!("{url}/star/send?action=CoreStatus")).await;
    assert_eq!(status, 200, "{body}");
    for action in ["Logoff", "logoff", "Events&EventMask=off", "Login&Username=x&Secret=y", "Challenge&AuthType=MD5", "WaitEvent&Timeout=30"] {
        let (status, body) = get_json(&format!("{url}/star/send?action={action}")).await;
        assert!(status == 403 && body["error"]["message"].as_str().unwrap().contains("only by the host"), "{action}: {body}");
    }
    // The link every mount shares is still up and still hears calls.
    let (status, _) = get_json(&format!("{url}/star/send?action=Ping")).await;
    assert_eq!(status, 200);
    assert!(matches!(server.services().ami.as_ref().unwrap().state(), switchboard::ami::LinkState::Up(_)));
    rig.stop().await;
}
