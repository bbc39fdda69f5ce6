//! Apply changes end to end: a real SQLite file migrated by the host, the renderer writing into a
//! temp directory, a real AMI client, and the simulator reading that directory on `Reload` as an
//! Asterisk that `#include`s the files would.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use switchboard::ami::{AmiClient, AmiConfig, LinkState, Message};
use switchboard::apply::{Applied, Applier, ApplyError, EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE, VOICEMAIL_FILE};
use switchboard::events::{BusConfig, BusEvent, EventBus, Poll};
use switchboard_sim::{PbxSeed, SimConfig, Simulator};
use switchboard::store::migrate::migrate;

const ALL_FILES: [&str; 4] = [PJSIP_FILE, EXTENSIONS_FILE, QUEUES_FILE, VOICEMAIL_FILE];
const ALL_MODULES: [&str; 4] = ["res_pjsip.so", "pbx_config.so", "app_queue.so", "app_voicemail.so"];

/// A database, a config directory, a simulator reading it, an AMI client and an applier.
struct Rig {
    dir: tempfile::TempDir,
    db: PathBuf,
    conf: PathBuf,
    sim: Simulator,
    ami: AmiClient,
    bus: Arc<EventBus>,
    applier: Applier,
}

async fn start_sim(conf: PathBuf, listen: std::net::SocketAddr) -> Simulator {
    Simulator::start(SimConfig {
        listen,
        pbx: PbxSeed::demo().with_ring(Duration::from_millis(10)),
        config_dir: Some(conf),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pbx.sqlite");
    migrate(&mut Connection::open(&db).unwrap()).unwrap();
    let conf = dir.path().join("asterisk").join("switchboard");
    let sim = start_sim(conf.clone(), "127.0.0.1:0".parse().unwrap()).await;
    let (user, secret) = sim.credentials();
    let bus = EventBus::new(BusConfig::default());
    let ami = AmiClient::start(
        AmiConfig {
            address: sim.address().to_string(),
            username: user.to_string(),
            secret: secret.to_string(),
            md5: true,
            action_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(5),
            max_backoff: Duration::from_millis(200),
            ..AmiConfig::default()
        },
        bus.clone(),
    );
    ami.wait_up(Duration::from_secs(10)).await.expect("AMI up");
    let applier = Applier::new(db.clone(), conf.clone(), Some(ami.clone()));
    Rig { dir, db, conf, sim, ami, bus, applier }
}

impl Rig {
    fn sql(&self, sql: &str) {
        Connection::open(&self.db).unwrap().execute_batch(sql).unwrap();
    }

    /// The first apply writes every file and reloads every module (all pending for a new applier).
    async fn baseline(&self) {
        let applied = self.applier.apply().await.expect("baseline apply");
        assert_eq!(applied.changed_files, ALL_FILES);
        assert_eq!(applied.reloaded_modules, ALL_MODULES);
    }

    /// `ObjectName` → `Auths` of every `EndpointList` item.
    async fn endpoints(&self) -> Vec<(String, String)> {
        let list = self.ami.send(Message::new().with("Action", "PJSIPShowEndpoints")).await.unwrap();
        assert!(list.is_success(), "{list:?}");
        list.events
            .iter()
            .map(|e| (e.get("ObjectName").unwrap().to_string(), e.get("Auths").unwrap().to_string()))
            .collect()
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.conf.join(name)).unwrap()
    }

    async fn stop(self) {
        self.ami.stop();
        self.sim.stop().await;
        drop(self.dir);
    }
}

fn field<'a>(e: &'a BusEvent, key: &str) -> &'a str {
    e.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// The first `name` event from sequence number `from` on that satisfies `pred` (within 3 s).
async fn wait_event(bus: &EventBus, from: u64, name: &str, pred: impl Fn(&BusEvent) -> bool) -> Arc<BusEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut last = from.checked_sub(1);
    loop {
        let timeout = deadline.saturating_duration_since(tokio::time::Instant::now());
        let found = bus.poll(&Poll { last, timeout, limit: 0, filter: vec![name.into()] }).await;
        assert!(!found.is_empty(), "no matching {name} event");
        if let Some(e) = found.iter().find(|e| pred(e)) {
            return e.clone();
        }
        last = found.last().map(|e| e.seq);
    }
}

fn applied(files: &[&str], modules: &[&str]) -> Applied {
    Applied {
        changed_files: files.iter().map(|f| f.to_string()).collect(),
        reloaded_modules: modules.iter().map(|m| m.to_string()).collect(),
        skipped: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_is_rendered_reloaded_listed_callable_and_removed() {
    let rig = rig().await;
    rig.baseline().await;
    assert_eq!(rig.sim.reloads(), ALL_MODULES);
    assert_eq!(rig.endpoints().await.len(), 11, "the demo seed's phones and trunk");
    let reload_seq = rig.bus.next_seq();

    rig.sql("INSERT INTO extensions (number, name, secret) VALUES ('2001', 'Zed Zulu', 'zz-secret');");
    let first = rig.applier.apply().await.unwrap();
    assert_eq!(first, applied(&[PJSIP_FILE, EXTENSIONS_FILE], &["res_pjsip.so", "pbx_config.so"]));
    assert!(rig.file(PJSIP_FILE).contains("\n[2001-auth]\ntype=auth\nauth_type=userpass\nusername=2001\npassword=zz-secret\n"));
    assert!(rig.file(EXTENSIONS_FILE).contains("\nexten => 2001,hint,PJSIP/2001\nexten => 2001,1,Dial(PJSIP/2001,20)\n"));

    // Over AMI, as any client sees it: the new endpoint with its renamed auth, the seed's kept.
    let endpoints = rig.endpoints().await;
    assert_eq!(endpoints.len(), 12);
    assert!(endpoints.contains(&("2001".into(), "2001-auth".into())), "{endpoints:?}");
    assert!(endpoints.contains(&("1001".into(), "1001".into())), "{endpoints:?}");
    let detail = rig.ami.send(Message::new().with("Action", "PJSIPShowEndpoint").with("Endpoint", "2001")).await.unwrap();
    let endpoint = &detail.events[0];
    assert_eq!(endpoint.get("Callerid"), Some("\"Zed Zulu\" <2001>"));
    assert_eq!(endpoint.get("Context"), Some("from-internal"));
    assert_eq!(endpoint.get("DeviceState"), Some("Not in use"));
    let auth = detail.events.iter().find(|e| e.get("Event") == Some("AuthDetail")).unwrap();
    assert_eq!((auth.get("ObjectName"), auth.get("Password")), (Some("2001-auth"), Some("zz-secret")));

    // The reloads Asterisk announces: one `Reload` event per module, Status 0.
    let reloads = rig.bus.poll(&Poll { last: Some(reload_seq - 1), timeout: Duration::from_secs(2), limit: 0, filter: vec!["Reload".into()] }).await;
    let modules: Vec<(&str, &str)> = reloads.iter().map(|e| (field(e, "Module"), field(e, "Status"))).collect();
    assert_eq!(modules, [("res_pjsip.so", "0"), ("pbx_config.so", "0")]);

    // The rendered dialplan routes a call from switchboard-internal to the new phone, which answers.
    let originate = rig
        .ami
        .send(
            Message::new()
                .with("Action", "Originate")
                .with("Channel", "Local/2001@switchboard-internal")
                .with("Application", "Wait")
                .with("Data", "1")
                .with("Timeout", "5000"),
        )
        .await
        .unwrap();
    assert_eq!(originate.response.get("Response"), Some("Success"), "{originate:?}");
    let dial = wait_event(&rig.bus, reload_seq, "DialBegin", |e| field(e, "DestChannel").starts_with("PJSIP/2001-")).await;
    assert_eq!(field(&dial, "DestCallerIDName"), "Zed Zulu");

    // Nothing changed: nothing written, nothing reloaded.
    let reloads_before = rig.sim.reloads().len();
    assert_eq!(rig.applier.apply().await.unwrap(), applied(&[], &[]));
    assert_eq!(rig.sim.reloads().len(), reloads_before);

    rig.sql("DELETE FROM extensions WHERE number = '2001';");
    let removed = rig.applier.apply().await.unwrap();
    assert_eq!(removed, applied(&[PJSIP_FILE, EXTENSIONS_FILE], &["res_pjsip.so", "pbx_config.so"]));
    let endpoints = rig.endpoints().await;
    assert_eq!(endpoints.len(), 11);
    assert!(!endpoints.iter().any(|(n, _)| n == "2001"), "{endpoints:?}");
    let gone = rig.ami.send(Message::new().with("Action", "PJSIPShowEndpoint").with("Endpoint", "2001")).await.unwrap();
    assert_eq!(gone.response.get("Message"), Some("Unable to retrieve endpoint 2001"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_applies_reload_each_changed_module_once() {
    let rig = rig().await;
    rig.baseline().await;
    let before = rig.sim.reloads().len();
    rig.sql("INSERT INTO extensions (number, name) VALUES ('2002', 'Yan');");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let applier = rig.applier.clone();
            tokio::spawn(async move { applier.apply().await })
        })
        .collect();
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap().expect("apply succeeds"));
    }
    assert_eq!(rig.sim.reloads()[before..], ["res_pjsip.so", "pbx_config.so"]);
    // Every caller got a run that started after its call: the one that did the work, or a later
    // one that found nothing left to do.
    let working = applied(&[PJSIP_FILE, EXTENSIONS_FILE], &["res_pjsip.so", "pbx_config.so"]);
    assert!(results.iter().all(|r| *r == working || *r == applied(&[], &[])), "{results:?}");
    assert!(results.iter().filter(|r| **r == working).count() >= 1);
    assert!(rig.endpoints().await.iter().any(|(n, _)| n == "2002"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_and_voicemail_reload_only_their_modules() {
    let rig = rig().await;
    rig.baseline().await;
    rig.sql(
        "INSERT INTO queues (name, strategy) VALUES ('helpdesk', 'linear');
         INSERT INTO queue_members (queue_name, interface, membername, penalty) VALUES ('helpdesk', 'PJSIP/1003', 'Carol', 2);",
    );
    let queued = rig.applier.apply().await.unwrap();
    assert_eq!(queued, applied(&[EXTENSIONS_FILE, QUEUES_FILE], &["pbx_config.so", "app_queue.so"]));
    let status = rig.ami.send(Message::new().with("Action", "QueueStatus").with("Queue", "helpdesk")).await.unwrap();
    let params = status.events.iter().find(|e| e.get("Event") == Some("QueueParams")).expect("the queue is live");
    assert_eq!(params.get("Strategy"), Some("linear"));
    let member = status.events.iter().find(|e| e.get("Event") == Some("QueueMember")).expect("its member");
    assert_eq!(
        (member.get("Name"), member.get("Location"), member.get("Penalty"), member.get("Membership"), member.get("Status")),
        (Some("Carol"), Some("PJSIP/1003"), Some("2"), Some("static"), Some("1"))
    );
    // The seed's queues are untouched.
    let all = rig.ami.send(Message::new().with("Action", "QueueSummary")).await.unwrap();
    let names: Vec<&str> = all.events.iter().filter_map(|e| e.get("Queue")).collect();
    assert_eq!(names, ["support", "sales", "helpdesk"]);

    rig.sql("INSERT INTO voicemail (context, mailbox, password, fullname) VALUES ('default', '1003', '1234', 'Carol White');");
    assert_eq!(rig.applier.apply().await.unwrap(), applied(&[VOICEMAIL_FILE], &["app_voicemail.so"]));
    assert!(rig.file(VOICEMAIL_FILE).ends_with("\n[default]\n1003 => 1234,Carol White,,,attach=yes|delete=no\n"));
    assert_eq!(rig.sim.reloads().last().map(String::as_str), Some("app_voicemail.so"));

    rig.sql("DELETE FROM queues WHERE name = 'helpdesk';");
    assert_eq!(rig.applier.apply().await.unwrap(), applied(&[EXTENSIONS_FILE, QUEUES_FILE], &["pbx_config.so", "app_queue.so"]));
    let all = rig.ami.send(Message::new().with("Action", "QueueSummary")).await.unwrap();
    let names: Vec<&str> = all.events.iter().filter_map(|e| e.get("Queue")).collect();
    assert_eq!(names, ["support", "sales"]);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_ami_down_the_files_are_written_and_the_pending_reloads_happen_by_themselves() {
    let Rig { dir, db, conf, sim, ami, bus: _bus, applier } = rig().await;
    applier.apply().await.unwrap();
    let address = sim.address();
    sim.stop().await;
    for _ in 0..100 {
        if matches!(ami.state(), LinkState::Down { .. }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(matches!(ami.state(), LinkState::Down { .. }));

    Connection::open(&db).unwrap().execute_batch("INSERT INTO extensions (number, name) VALUES ('2003', 'Xi');").unwrap();
    match applier.apply().await {
        Err(ApplyError::Reload { module, message }) => {
            assert_eq!(module, "res_pjsip.so, pbx_config.so");
            assert!(message.contains("not connected") && message.contains("pending"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(std::fs::read_to_string(conf.join(PJSIP_FILE)).unwrap().contains("\n[2003]\ntype=endpoint\n"));
    assert_eq!(applier.pending_reloads().await, ["res_pjsip.so", "pbx_config.so"]);

    // The PBX comes back (reading the files as it starts). Nobody applies again: the applier's own
    // retry owes it the reloads, and sends them.
    let sim = start_sim(conf.clone(), address).await;
    ami.wait_up(Duration::from_secs(10)).await.expect("reconnected");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !applier.pending_reloads().await.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sim.reloads(), ["res_pjsip.so", "pbx_config.so"]);
    assert!(applier.pending_reloads().await.is_empty());
    assert_eq!(applier.apply().await.unwrap(), applied(&[], &[]));
    ami.stop();
    sim.stop().await;
    drop(dir);
}

#[tokio::test]
async fn without_ami_the_error_says_so_and_the_files_are_there() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pbx.sqlite");
    migrate(&mut Connection::open(&db).unwrap()).unwrap();
    Connection::open(&db).unwrap().execute_batch("INSERT INTO extensions (number) VALUES ('2004');").unwrap();
    let applier = Applier::new(db, dir.path().join("conf"), None);
    let err = applier.apply().await.unwrap_err();
    assert_eq!(err, ApplyError::NotConfigured);
    assert!(err.to_string().contains("no AMI connection is configured"), "{err}");
    assert!(std::fs::read_to_string(dir.path().join("conf").join(PJSIP_FILE)).unwrap().contains("[2004]"));
    assert_eq!(applier.pending_reloads().await, ALL_MODULES);
}

/// The whole path a flavor takes: a plugin writes an extension through `sqlite`, calls
/// `pbx.apply-changes`, and the PBX (the simulator, reading the rendered files) lists it.
#[tokio::test]
async fn a_plugin_creates_an_extension_and_the_pbx_lists_it_after_apply_changes() {
    let (store_probe, probe) = (crate::util::test_plugin("store-probe"), crate::util::test_plugin("probe"));
    let rig = crate::util::Rig::builder()
        .flavor_pbx()
        .store()
        .asterisk("transport = \"transport-udp\"\n")
        .mount("/w", &store_probe, "grants = { sqlite = { pbx = \"read-write\" }, apply_changes = true }")
        .mount("/nogrant", &store_probe, "")
        .mount("/ami", &probe, "grants = { ami = [\"PJSIPShowEndpoints\"] }")
        .start()
        .await;
    let (url, conf) = (rig.base.clone(), rig.path("asterisk"));
    let client = crate::util::client();

    let response = client.post(format!("{url}/nogrant/apply")).send().await.unwrap();
    assert_eq!(response.status(), 403);

    let insert = serde_json::json!({"sql": "INSERT INTO extensions (number, name, secret) VALUES ('2042', 'Grace Hopper', 'pw')"});
    assert_eq!(client.post(format!("{url}/w/sql")).json(&insert).send().await.unwrap().status(), 200);
    let response = client.post(format!("{url}/w/apply")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let applied: serde_json::Value = response.json().await.unwrap();
    assert!(applied["changed_files"].as_array().unwrap().iter().any(|f| f == "pjsip.switchboard.conf"), "{applied}");
    assert!(applied["reloaded_modules"].as_array().unwrap().iter().any(|m| m == "res_pjsip.so"), "{applied}");
    let pjsip = std::fs::read_to_string(conf.join("pjsip.switchboard.conf")).unwrap();
    let endpoint = pjsip.split("\n\n").find(|b| b.starts_with("[2042]\ntype=endpoint")).expect("the endpoint is rendered");
    assert!(endpoint.lines().any(|l| l == "transport=transport-udp"), "[asterisk] transport is the default:\n{endpoint}");

    let listed: serde_json::Value =
        client.get(format!("{url}/ami/send?action=PJSIPShowEndpoints")).send().await.unwrap().json().await.unwrap();
    let names: Vec<String> = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_array().unwrap().iter().find(|kv| kv[0] == "ObjectName").map(|kv| kv[1].as_str().unwrap().to_string()))
        .collect();
    assert!(names.contains(&"2042".to_string()), "{names:?}");

    // Nothing changed since: no file written, nothing reloaded.
    let again: serde_json::Value = client.post(format!("{url}/w/apply")).send().await.unwrap().json().await.unwrap();
    assert_eq!(again, serde_json::json!({"changed_files": [], "reloaded_modules": []}));
    rig.stop().await;
}
