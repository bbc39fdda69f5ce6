//! What SARK configures reaches the PBX: IVR menus, open and closed hours (day timers, holidays,
//! a tenant's override), classes of service and custom apps, each written to a real `pbx`
//! database, rendered by apply-changes into the config directory, loaded by the simulator as an
//! Asterisk that `#include`s the files would, and run by calls placed over AMI.
//!
//! Calls come in as Asterisk's own Local channels into the rendered contexts
//! (`Local/<DID>@switchboard-inbound`), so the `;2` half runs exactly the rendered dialplan; the
//! caller's keys are `PlayDTMF` with `Receive: yes`. Time windows are built around the real
//! current UTC time, hours away from it on either side.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use switchboard::ami::{AmiClient, AmiConfig, Message};
use switchboard::apply::Applier;
use switchboard::events::{BusConfig, BusEvent, EventBus, Poll};
use switchboard::store::migrate::migrate;
use switchboard_sim::{PbxSeed, SimConfig, Simulator};

/// A database, a config directory, a simulator reading it, an AMI client and an applier.
struct Rig {
    _dir: tempfile::TempDir,
    sim: Simulator,
    ami: AmiClient,
    bus: Arc<EventBus>,
    applier: Applier,
}

/// The extensions every test rings, a trunk and a route to it for every number.
const PBX: &str = "
    INSERT INTO extensions (number, name, voicemail) VALUES ('1001', 'Ada', 'default'), ('1002', 'Bob', 'default'), ('1003', 'Cy', 'default');
    INSERT INTO trunks (name, host) VALUES ('provider', 'sip.example.com');
    INSERT INTO outbound_routes (id, name) VALUES (1, 'everything');
    INSERT INTO outbound_route_patterns VALUES (1, 'X.', '', '');
    INSERT INTO outbound_route_trunks VALUES (1, 0, 'provider');";

async fn rig(sql: &str) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pbx.sqlite");
    let mut conn = Connection::open(&db).unwrap();
    migrate(&mut conn).unwrap();
    conn.execute_batch(PBX).unwrap();
    conn.execute_batch(sql).unwrap();
    drop(conn);
    let conf = dir.path().join("asterisk").join("switchboard");
    let sim = Simulator::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        pbx: PbxSeed::demo().with_ring(Duration::from_millis(10)),
        config_dir: Some(conf.clone()),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
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
    let applier = Applier::new(db.clone(), conf, Some(ami.clone()));
    let applied = applier.apply().await.expect("apply");
    assert!(applied.skipped.is_empty(), "{:?}", applied.skipped);
    Rig { _dir: dir, sim, ami, bus, applier }
}

fn field<'a>(e: &'a BusEvent, key: &str) -> &'a str {
    e.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

impl Rig {
    /// A call into `context` for `exten` from `caller`, as a Local channel; answers the `;2`
    /// half's name once it runs the first step of `exten` (the events from `from` on).
    async fn call(&self, exten: &str, context: &str, caller: &str) -> (String, u64) {
        let from = self.bus.next_seq();
        let answer = self
            .ami
            .send(
                Message::new()
                    .with("Action", "Originate")
                    .with("Channel", format!("Local/{exten}@{context}"))
                    .with("Application", "Wait")
                    .with("Data", "30")
                    .with("CallerID", caller)
                    .with("Timeout", "30000")
                    .with("Async", "true"),
            )
            .await
            .unwrap();
        assert!(answer.is_success(), "{answer:?}");
        let prefix = format!("Local/{exten}@{context}-");
        let first = self.event(from, "Newexten", |e| field(e, "Channel").starts_with(&prefix) && field(e, "Channel").ends_with(";2")).await;
        (field(&first, "Channel").to_string(), from)
    }

    /// The first `name` event from sequence number `from` on that satisfies `pred` (within 10 s).
    async fn event(&self, from: u64, name: &str, pred: impl Fn(&BusEvent) -> bool) -> Arc<BusEvent> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut last = from.checked_sub(1);
        loop {
            let timeout = deadline.saturating_duration_since(tokio::time::Instant::now());
            let found = self.bus.poll(&Poll { last, timeout, limit: 0, filter: vec![name.into()] }).await;
            assert!(!found.is_empty(), "no matching {name} event");
            if let Some(e) = found.iter().find(|e| pred(e)) {
                return e.clone();
            }
            last = found.last().map(|e| e.seq);
        }
    }

    /// The next application `channel` runs from event `from` on, other than the steps that
    /// decide where it goes: (application, data).
    async fn runs(&self, from: u64, channel: &str, application: &str) -> String {
        let e = self.event(from, "Newexten", |e| field(e, "Channel") == channel && field(e, "Application") == application).await;
        field(&e, "AppData").to_string()
    }

    async fn stop(self) {
        self.ami.stop();
        self.sim.stop().await;
    }
}

/// `HH:MM` of the current UTC hour plus `hours` (wrapping at midnight).
fn hour(hours: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    format!("{:02}:00", (now / 3600 + hours).rem_euclid(24))
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of now plus `seconds`.
fn instant(seconds: i64) -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 + seconds;
    let (days, rest) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = switchboard_sim::clock::civil(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ivr_menu_choice_reaches_its_extension() {
    let rig = rig("
        INSERT INTO ivrs (id, name, announcement, timeout, invalid_destination, timeout_destination)
          VALUES (3, 'main', 'custom/welcome', 20, 'app-blackhole,hangup,1', 'switchboard-extensions,1003,1');
        INSERT INTO ivr_entries VALUES (3, '1', 'switchboard-extensions,1001,1'), (3, '2', 'switchboard-extensions,1002,1');
        INSERT INTO inbound_routes (did, destination) VALUES ('5550100', 'switchboard-ivrs,3,1');")
    .await;
    let (channel, from) = rig.call("5550100", "switchboard-inbound", "+15551230000").await;
    assert_eq!(rig.runs(from, &channel, "Background").await, "custom/welcome");
    let pressed = rig
        .ami
        .send(Message::new().with("Action", "PlayDTMF").with("Channel", channel.as_str()).with("Digit", "2").with("Receive", "yes"))
        .await
        .unwrap();
    assert_eq!(pressed.response.get("Message"), Some("DTMF successfully queued"), "{pressed:?}");
    let end = rig.event(from, "DTMFEnd", |e| field(e, "Channel") == channel).await;
    assert_eq!((field(&end, "Digit"), field(&end, "Direction")), ("2", "Received"));
    assert_eq!(rig.runs(from, &channel, "Dial").await, "PJSIP/1002,20");
    rig.event(from, "Newchannel", |e| field(e, "Channel").starts_with("PJSIP/1002-")).await;

    // A key no entry has: the menu's invalid destination (here: hang up). An unknown channel:
    // Asterisk's error.
    let (channel, from) = rig.call("5550100", "switchboard-inbound", "+15551230001").await;
    rig.runs(from, &channel, "WaitExten").await;
    rig.ami
        .send(Message::new().with("Action", "PlayDTMF").with("Channel", channel.as_str()).with("Digit", "7").with("Receive", "yes"))
        .await
        .unwrap();
    let invalid = rig.event(from, "Newexten", |e| field(e, "Channel") == channel && field(e, "Extension") == "i").await;
    assert_eq!(field(&invalid, "Application"), "Hangup");
    let missing = rig.ami.send(Message::new().with("Action", "PlayDTMF").with("Channel", "PJSIP/nobody-1").with("Digit", "1")).await.unwrap();
    assert_eq!(missing.response.get("Message"), Some("Channel not found"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_routes_follow_open_closed_and_holiday_hours() {
    // Tenant 1: a day timer hours away from now (closed). Tenant 2: forced open. Tenant 3: a
    // holiday now. Tenant 4: a day timer around now (open). Tenant 5: forced closed.
    let sql = format!(
        "INSERT INTO tenants (id, name, open_state) VALUES (2, 't2', 'open'), (3, 't3', 'auto'), (4, 't4', 'auto'), (5, 't5', 'closed');
         INSERT INTO day_timers (name, weekdays, begin_time, end_time, tenant_id) VALUES ('later', '*', '{}', '{}', 1);
         INSERT INTO day_timers (name, weekdays, begin_time, end_time, tenant_id) VALUES ('all day', '*', '00:00', '23:59', 3);
         INSERT INTO day_timers (name, weekdays, begin_time, end_time, tenant_id) VALUES ('now', '*', '{}', '{}', 4);
         INSERT INTO holiday_timers (name, starts, ends, destination, tenant_id) VALUES ('today', '{}', '{}', 'switchboard-extensions,1003,1', 3);
         INSERT INTO inbound_routes (did, destination, destination_closed, tenant_id) VALUES
           ('5550101', 'switchboard-extensions,1001,1', 'switchboard-extensions,1002,1', 1),
           ('5550102', 'switchboard-extensions,1001,1', 'switchboard-extensions,1002,1', 2),
           ('5550103', 'switchboard-extensions,1001,1', 'switchboard-extensions,1002,1', 3),
           ('5550104', 'switchboard-extensions,1001,1', 'switchboard-extensions,1002,1', 4),
           ('5550105', 'switchboard-extensions,1001,1', 'switchboard-extensions,1002,1', 5);
         INSERT INTO inbound_routes (did, destination, enabled) VALUES ('5550106', 'switchboard-extensions,1001,1', 0);",
        hour(2),
        hour(3),
        hour(-1),
        hour(1),
        instant(-3600),
        instant(3600),
    );
    let rig = rig(&sql).await;
    for (did, expected) in [("5550101", "1002"), ("5550102", "1001"), ("5550103", "1003"), ("5550104", "1001"), ("5550105", "1002")] {
        let (channel, from) = rig.call(did, "switchboard-inbound", "+15551230000").await;
        assert_eq!(rig.runs(from, &channel, "Dial").await, format!("PJSIP/{expected},20"), "DID {did}");
        rig.event(from, "Newchannel", |e| field(e, "Channel").starts_with(&format!("PJSIP/{expected}-"))).await;
    }
    let dialplan = std::fs::read_to_string(rig.applier.config_dir().join(switchboard::apply::EXTENSIONS_FILE)).unwrap();
    assert!(!dialplan.contains("5550106"), "a disabled route is not rendered:\n{dialplan}");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_barred_extension_gets_congestion_and_every_other_call_the_trunk() {
    // 1001 may not call abroad while the office is open (a day timer around now); 1002 may not
    // call premium numbers while it is closed (it is open, so it may).
    let sql = format!(
        "INSERT INTO day_timers (name, weekdays, begin_time, end_time) VALUES ('office', '*', '{}', '{}');
         INSERT INTO cos_rules (name) VALUES ('intl'), ('premium');
         INSERT INTO cos_rule_patterns VALUES ('intl', '_00X.'), ('premium', '_0900X.');
         INSERT INTO cos_assignments VALUES ('1001', 'intl', 'open'), ('1002', 'premium', 'closed');",
        hour(-1),
        hour(1),
    );
    let rig = rig(&sql).await;
    let (channel, from) = rig.call("0044207946000", "switchboard-internal", "1001").await;
    rig.runs(from, &channel, "Congestion").await;
    let hangup = rig.event(from, "Hangup", |e| field(e, "Channel") == channel).await;
    assert_eq!(field(&hangup, "Cause"), "34", "{hangup:?}");
    for (number, caller) in [("0044207946000", "1002"), ("5551234", "1001"), ("09001234", "1002")] {
        let (channel, from) = rig.call(number, "switchboard-internal", caller).await;
        assert_eq!(rig.runs(from, &channel, "Dial").await, format!("PJSIP/{number}@provider"), "{caller} → {number}");
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_app_runs_its_steps_in_order() {
    let rig = rig("
        INSERT INTO custom_apps (name, description) VALUES ('night', 'After hours');
        INSERT INTO custom_app_steps VALUES ('night', 0, 'Answer', ''), ('night', 1, 'Playback', 'custom/closed'),
          ('night', 2, 'Hangup', '');
        INSERT INTO inbound_routes (did, destination) VALUES ('5550107', 'switchboard-apps,night,1');")
    .await;
    let (channel, from) = rig.call("5550107", "switchboard-inbound", "+15551230000").await;
    let mut steps = Vec::new();
    for app in ["Answer", "Playback", "Hangup"] {
        let e = rig.event(from, "Newexten", |e| field(e, "Channel") == channel && field(e, "Application") == app).await;
        steps.push((field(&e, "Context").to_string(), field(&e, "Extension").to_string(), field(&e, "Priority").to_string(), field(&e, "AppData").to_string()));
    }
    assert_eq!(
        steps,
        [("switchboard-apps", "night", "1", ""), ("switchboard-apps", "night", "2", "custom/closed"), ("switchboard-apps", "night", "3", "")]
            .map(|(c, e, p, d)| (c.to_string(), e.to_string(), p.to_string(), d.to_string()))
    );
    rig.stop().await;
}
