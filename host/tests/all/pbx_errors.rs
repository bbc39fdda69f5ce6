//! Asterisk starting and stopping — the simulator's `Phase::Booting` and `Phase::ShuttingDown` — as
//! the manager interface shows them, and what the host and each built-in flavor make of them: an
//! error in the flavor's own format, never a 200 with an empty list or a default value, and
//! nothing stored; the same route answering normally once the PBX runs again; a genuinely empty
//! list still 200.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::ami::{AmiClient, AmiConfig, Decoder, Frame, LinkState, Message, encode};
use switchboard::events::{BusConfig, EventBus};
use switchboard_sim::{Phase, PbxSeed, SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::util::{client, stop_with_sim};

const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";
const AXEOS_KEY: &str = "axeos-test-api-key";
const ISSABEL_SECRET: &str = "test-jwt-secret-0123456789abcdef";
const ISSABEL_PASSWORD: &str = "yourpassword";
const SHUTTING_DOWN: &str = "Asterisk is shutting down";

// ---------------------------------------------------------------------------------------------
// The simulator, over a plain socket.

/// A manager session that keeps what it reads.
struct Session {
    stream: TcpStream,
    decoder: Decoder,
    banner: Option<String>,
    inbox: Vec<Message>,
    next: u64,
}

impl Session {
    async fn connect(addr: SocketAddr) -> Session {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut s = Session { stream, decoder: Decoder::client(), banner: None, inbox: Vec::new(), next: 0 };
        let deadline = Instant::now() + Duration::from_secs(3);
        while s.banner.is_none() {
            assert!(s.fill(deadline).await, "no banner");
        }
        assert!(s.banner.as_deref().unwrap().starts_with("Asterisk Call Manager/"), "{:?}", s.banner);
        s
    }

    async fn fill(&mut self, deadline: Instant) -> bool {
        let mut buf = [0u8; 16384];
        match tokio::time::timeout_at(deadline.into(), self.stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                self.decoder.extend(&buf[..n]);
                while let Some(frame) = self.decoder.next_frame().unwrap() {
                    match frame {
                        Frame::Banner(b) => self.banner = Some(b),
                        Frame::Message(m) => self.inbox.push(m),
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// Sends `action` with a fresh ActionID; returns its response (and, for a list, the items up to
    /// the closing event). Events stay in the inbox.
    async fn request(&mut self, action: Message) -> Vec<Message> {
        self.next += 1;
        let id = format!("p-{}", self.next);
        self.stream.write_all(&encode(&action.with("ActionID", id.clone())).unwrap()).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut out: Vec<Message> = Vec::new();
        loop {
            if let Some(i) = self.inbox.iter().position(|m| m.action_id() == Some(id.as_str())) {
                let m = self.inbox.remove(i);
                let listing = out.first().is_some_and(|r| r.get("EventList") == Some("start"));
                let done = if out.is_empty() { m.get("EventList") != Some("start") } else { m.get("EventList") == Some("Complete") };
                out.push(m);
                if done && (listing || out.len() == 1) {
                    return out;
                }
                continue;
            }
            assert!(self.fill(deadline).await, "no answer to {id}; got {out:?}");
        }
    }

    /// `Response` and `Message` of `action`'s answer.
    async fn answer(&mut self, action: &str) -> (String, String) {
        let answer = self.request(Message::new().with("Action", action)).await;
        let r = &answer[0];
        (r.get("Response").unwrap_or_default().to_string(), r.get("Message").unwrap_or_default().to_string())
    }

    async fn login(&mut self, sim: &Simulator) -> Vec<Message> {
        let (user, secret) = sim.credentials();
        self.request(Message::new().with("Action", "Login").with("Username", user).with("Secret", secret)).await
    }

    /// Whether an event named `name` arrives within `wait` (and takes it out of the inbox).
    async fn event(&mut self, name: &str, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(i) = self.inbox.iter().position(|m| m.event() == Some(name)) {
                self.inbox.remove(i);
                return true;
            }
            if !self.fill(deadline).await {
                return false;
            }
        }
    }
}

fn unknown(action: &str) -> (String, String) {
    ("Error".into(), format!("Invalid/unknown command: {action}. Use Action: ListCommands to show available commands."))
}

async fn demo_sim() -> Simulator {
    Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), pbx: PbxSeed::demo().with_ring(Duration::from_millis(10)), ..SimConfig::default() })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_asterisk_refuses_every_action_and_a_starting_one_knows_only_its_core() {
    let sim = demo_sim().await;
    let mut s = Session::connect(sim.address()).await;
    let login = s.login(&sim).await;
    assert_eq!(login[0].get("Response"), Some("Success"));
    assert!(s.event("FullyBooted", Duration::from_secs(2)).await, "a running Asterisk is fully booted at login");
    assert_eq!(s.answer("PJSIPShowEndpoints").await.0, "Success");

    // Shutting down: every action, Ping and a new Login included.
    sim.set_phase(Phase::ShuttingDown);
    assert_eq!(sim.phase(), Phase::ShuttingDown);
    for action in ["Ping", "Status", "CoreSettings", "PJSIPShowEndpoints", "DeviceStateList", "DBPut", "NoSuchAction"] {
        assert_eq!(s.answer(action).await, ("Error".into(), SHUTTING_DOWN.into()), "{action}");
    }
    let mut late = Session::connect(sim.address()).await;
    let refused = late.login(&sim).await;
    assert_eq!((refused[0].get("Response"), refused[0].get("Message")), (Some("Error"), Some(SHUTTING_DOWN)));
    assert_eq!(late.answer("Challenge").await, ("Error".into(), SHUTTING_DOWN.into()));
    // `core abort shutdown`: back to normal on the same sessions.
    sim.set_phase(Phase::Running);
    assert_eq!(s.answer("PJSIPShowEndpoints").await.0, "Success");
    assert_eq!(late.login(&sim).await[0].get("Response"), Some("Success"));

    // Booting: the core's actions answer, the modules' are unknown, no module is loaded, and a
    // login is not fully booted until start-up ends.
    sim.set_phase(Phase::Booting);
    for action in ["PJSIPShowEndpoints", "PJSIPShowContacts", "DeviceStateList", "QueueStatus", "ParkedCalls"] {
        assert_eq!(s.answer(action).await, unknown(action), "{action}");
    }
    for action in ["Ping", "CoreSettings", "CoreStatus", "Status", "CoreShowChannels"] {
        assert_eq!(s.answer(action).await.0, "Success", "{action}");
    }
    let check = s.request(Message::new().with("Action", "ModuleCheck").with("Module", "res_pjsip")).await;
    assert_eq!((check[0].get("Response"), check[0].get("Message")), (Some("Error"), Some("Module not loaded")));
    let mut early = Session::connect(sim.address()).await;
    assert_eq!(early.login(&sim).await[0].get("Response"), Some("Success"));
    assert!(!early.event("FullyBooted", Duration::from_millis(300)).await, "not fully booted while booting");
    sim.set_phase(Phase::Running);
    assert!(early.event("FullyBooted", Duration::from_secs(2)).await, "FullyBooted when start-up ends");
    assert!(s.event("FullyBooted", Duration::from_secs(2)).await);
    assert_eq!(early.answer("PJSIPShowEndpoints").await.0, "Success");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_logs_in_while_asterisk_boots_waits_for_fully_booted() {
    let sim = demo_sim().await;
    sim.set_phase(Phase::Booting);
    let defaults = SimConfig::default();
    let config = AmiConfig {
        address: sim.address().to_string(),
        username: defaults.username.clone(),
        secret: defaults.secret.clone(),
        max_backoff: Duration::from_millis(500),
        ..AmiConfig::default()
    };
    let bus = EventBus::new(BusConfig::default());
    let client = AmiClient::start(config, bus);
    // Logged in, but Asterisk is still loading modules: the link is not up, and actions are
    // refused by the host (`not-connected`) instead of reaching a PBX that would answer them as
    // an empty one.
    assert!(client.wait_up(Duration::from_millis(1500)).await.is_none(), "the link is not up before FullyBooted");
    match client.state() {
        LinkState::Down { last_error: Some(e) } => assert!(e.contains("still starting"), "{e}"),
        state => panic!("{state:?}"),
    }
    assert_eq!(client.send(Message::new().with("Action", "CoreShowChannels")).await, Err(switchboard::ami::AmiError::NotConnected));
    sim.set_phase(Phase::Running);
    let info = client.wait_up(Duration::from_secs(5)).await.expect("up once Asterisk is fully booted");
    assert!(info.pjsip && !info.chan_sip, "probed after the modules loaded: {info:?}");
    client.stop();
    sim.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The flavors.

crate::util::local_rig!(Rig {});

/// The demo office (phones 1001–1010, 1009 and 1010 never registered) as the simulator's PBX and
/// in the model, with Elastix on `/api/api.php`, Issabel on `/pbxapi` and Axeos on `/apis/pbx`.
async fn rig() -> Rig {
    let mut sql = String::new();
    for n in 1001..=1010 {
        sql.push_str(&format!("INSERT INTO extensions (number, name, secret, voicemail) VALUES ('{n}', 'Phone {n}', 's', 'default');\n"));
    }
    sql.push_str(
        "INSERT INTO voicemail (mailbox, password, email) VALUES ('1001', '1234', '');\n\
         INSERT INTO day_timers (name) VALUES ('Office hours');\n",
    );
    let host = crate::util::Rig::builder()
        .flavor_pbx()
        .store()
        .mount(
            "/api/api.php",
            "elastix",
            &format!(
                "settings = {{ api-key = \"{ELASTIX_KEY}\" }}\n\
                 grants = {{ sqlite = {{ pbx = \"read-write\" }}, apply_changes = true, \
                 ami = [\"SIPpeers\", \"PJSIPShowEndpoints\", \"PJSIPShowContacts\", \"Command\", \"ParkedCalls\", \"Status\"] }}\n"
            ),
        )
        .mount(
            "/pbxapi",
            "issabel",
            &format!(
                "settings = {{ jwt-secret = \"{ISSABEL_SECRET}\", admin-password = \"{ISSABEL_PASSWORD}\" }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\", \"queues\", \"tenants\"], \
                 write = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\"] }} }}, apply_changes = true }}\n"
            ),
        )
        .mount(
            "/apis/pbx",
            "axeos",
            &format!(
                "settings = {{ api-key = \"{AXEOS_KEY}\", ring-timeout = \"1\" }}\n\
                 limits = {{ timeout_ms = 60000 }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"voicemail\", \"device_options\", \"trunks\"], write = [\"astdb\", \"day_timers\"] }}, own = true }}, \
                 events = true, ami = [\"DBPut\", \"DBDel\", \"DeviceStateList\", \"MailboxCount\", \"QueueStatus\", \"Originate\", \"Status\", \"Hangup\"] }}\n"
            ),
        )
        .seed(&sql)
        .start()
        .await;
    Rig { host }
}

/// Status, `Content-Type` and body of an answer.
async fn read(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

impl Rig {
    async fn elastix(&self, cmd: &str) -> (u16, String, String) {
        read(client().post(format!("{}/api/api.php?cmd={cmd}", self.base)).header("authorization", ELASTIX_KEY).send().await.unwrap()).await
    }

    async fn axeos(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String, String) {
        let mut r = client().request(method.parse().unwrap(), format!("{}/apis/pbx{path}", self.base)).basic_auth("apiKey", Some(AXEOS_KEY));
        if let Some(body) = body {
            r = r.json(&body);
        }
        read(r.send().await.unwrap()).await
    }

    async fn axeos_ok(&self, path: &str) -> Value {
        let (status, _, body) = self.axeos("GET", path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        parse(&body)
    }

    /// The UUID of the entry of `list` whose `key` is `value`.
    async fn axeos_uuid(&self, list: &str, key: &str, value: &str) -> String {
        let all = self.axeos_ok(list).await;
        let entries = all.get("queues").unwrap_or(&all).as_array().unwrap().clone();
        entries.iter().find(|e| e[key] == value).unwrap_or_else(|| panic!("{value} in {list}"))["uuid"].as_str().unwrap().to_string()
    }

    async fn issabel_token(&self) -> String {
        let r = client()
            .post(format!("{}/pbxapi/authenticate", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("user=admin&password={ISSABEL_PASSWORD}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
    }
}

/// A JSON error answer of the SDK's shape: `{"error":{"code":…,"message":…}}`.
#[track_caller]
fn assert_error(what: &str, (status, ct, body): &(u16, String, String), want_status: u16, code: &str) -> String {
    assert_eq!(*status, want_status, "{what}: {body}");
    assert!(ct.starts_with("application/json"), "{what}: {ct}");
    let body = parse(body);
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    body["error"]["message"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elastix_answers_a_starting_or_stopping_pbx_with_an_error_never_an_empty_list() {
    let rig = rig().await;
    let (status, _, body) = rig.elastix("sippeers").await;
    assert_eq!(status, 200, "{body}");
    let peers = parse(&body);
    let names: Vec<String> = peers.as_array().unwrap().iter().map(|p| p["ObjectName"].as_str().unwrap().to_string()).collect();
    assert!(names.len() >= 10, "{names:?}");
    let ami_routes = ["sippeers", "activecall", "parkedcalls", "channelstatus"];

    // Shutting down: every AMI-backed command is a 503, not `[]` or an empty manager text.
    rig.sim().set_phase(Phase::ShuttingDown);
    for cmd in ami_routes {
        let message = assert_error(cmd, &rig.elastix(cmd).await, 503, "pbx_unavailable");
        assert_eq!(message, "the PBX is shutting down", "{cmd}");
    }
    // Commands that do not ask the PBX still answer.
    assert_eq!(rig.elastix("auth").await.0, 200);

    // Starting: `PJSIPShowEndpoints` and `ParkedCalls` are not there yet (their modules are not
    // loaded); `Command` and `Status` are Asterisk's core and answer as it does then.
    rig.sim().set_phase(Phase::Booting);
    let message = assert_error("sippeers", &rig.elastix("sippeers").await, 503, "pbx_unavailable");
    assert!(message.contains("`PJSIPShowEndpoints`"), "{message}");
    let message = assert_error("parkedcalls", &rig.elastix("parkedcalls").await, 503, "pbx_unavailable");
    assert!(message.contains("`ParkedCalls`"), "{message}");
    for cmd in ["activecall", "channelstatus"] {
        assert_eq!(rig.elastix(cmd).await.0, 200, "{cmd}");
    }

    // Running again: the same answers as before.
    rig.sim().set_phase(Phase::Running);
    let (status, _, body) = rig.elastix("sippeers").await;
    assert_eq!((status, parse(&body)), (200, peers));
    for cmd in ami_routes {
        assert_eq!(rig.elastix(cmd).await.0, 200, "{cmd}");
    }

    // A PBX that really has no contacts (`No Contacts found`), then no endpoints
    // (`No endpoints found`): 200, the unregistered peer, then `[]`.
    for name in names.iter().filter(|n| *n != "1009") {
        assert!(rig.sim().remove_endpoint(name), "{name}");
    }
    let (status, _, body) = rig.elastix("sippeers").await;
    let only = parse(&body);
    assert_eq!((status, only.as_array().unwrap().len()), (200, 1), "{body}");
    assert_eq!((only[0]["ObjectName"].as_str(), only[0]["Status"].as_str()), (Some("1009"), Some("UNKNOWN")));
    assert!(rig.sim().remove_endpoint("1009"));
    assert_eq!(rig.elastix("sippeers").await, (200, "application/json".into(), "[]".into()));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_answers_a_starting_or_stopping_pbx_with_its_error_and_changes_nothing() {
    let rig = rig().await;
    let phones = rig.axeos_ok("/phones?status").await;
    let phone = rig.axeos_uuid("/phones", "phone_username", "1001").await;
    let user = rig.axeos_uuid("/users", "username", "1001").await;
    let mailbox = rig.axeos_uuid("/voicemail", "mailbox_number", "1001").await;
    let queue = rig.axeos_uuid("/acd/stats", "name", "support").await;
    let switch = rig.axeos_uuid("/switches", "name", "Office hours").await;
    let acd = rig.axeos_ok("/acd/stats?agents").await;
    let call = json!({"user_name": "1001", "number": "1002"});

    // Shutting down: every route that asks the PBX is the Axeos error, JSON or XML, 503.
    rig.sim().set_phase(Phase::ShuttingDown);
    for path in [
        "/phones?status".to_string(),
        format!("/phones/{phone}"),
        "/voicemail?status".to_string(),
        format!("/voicemail/{mailbox}"),
        "/acd/stats".to_string(),
        format!("/acd/{queue}/stats"),
        "/call/1700000000.1".to_string(),
    ] {
        let message = assert_error(&path, &rig.axeos("GET", &path, None).await, 503, "pbx_unavailable");
        assert_eq!(message, "the PBX is shutting down", "{path}");
    }
    let (status, ct, body) = rig.axeos("GET", "/phones.xml?status", None).await;
    assert_eq!(status, 503, "{body}");
    assert!(ct.starts_with("application/xml") && body.contains("pbx_unavailable"), "{ct}: {body}");
    assert_error("DELETE /call", &rig.axeos("DELETE", "/call/1700000000.1", None).await, 503, "pbx_unavailable");
    assert_error("POST /call", &rig.axeos("POST", "/call", Some(call.clone())).await, 503, "pbx_unavailable");
    assert_error("POST /acd/stats?reset", &rig.axeos("POST", "/acd/stats?reset", None).await, 503, "pbx_unavailable");
    // Writes: the error, and nothing stored in the model or on the PBX.
    assert_error("POST /users", &rig.axeos("POST", &format!("/users/{user}"), Some(json!({"dnd": true, "call_forward": "1002"}))).await, 503, "pbx_unavailable");
    assert_eq!((rig.astdb("DND", "1001"), rig.astdb("CF", "1001")), (None, None));
    assert_error("POST /switches", &rig.axeos("POST", &format!("/switches/{switch}"), Some(json!({"value": "closed"}))).await, 503, "pbx_unavailable");
    let state: String = rig.db().query_row("SELECT state FROM day_timers", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "auto");
    // What needs no PBX still answers.
    assert_eq!(rig.axeos_ok("/phones").await.as_array().unwrap().len(), 10);
    assert_eq!(rig.axeos("GET", "/users?status", None).await.0, 200);

    // Starting: device states, queues and so calls are not there yet; the astdb, mailbox counts
    // and channel status are Asterisk's core and answer.
    rig.sim().set_phase(Phase::Booting);
    for path in ["/phones?status".to_string(), format!("/phones/{phone}"), "/acd/stats".to_string()] {
        let message = assert_error(&path, &rig.axeos("GET", &path, None).await, 503, "pbx_unavailable");
        assert!(message.contains("is still starting"), "{path}: {message}");
    }
    let message = assert_error("POST /call", &rig.axeos("POST", "/call", Some(call.clone())).await, 503, "pbx_unavailable");
    assert!(message.contains("`DeviceStateList`"), "a PBX that cannot be asked, not an unavailable phone: {message}");
    assert_eq!(rig.axeos("GET", "/voicemail?status", None).await.0, 200);
    assert_eq!(rig.axeos("GET", "/call/1700000000.1", None).await.0, 404);

    // Running again: the same answers, and the writes go through.
    rig.sim().set_phase(Phase::Running);
    assert_eq!(rig.axeos_ok("/phones?status").await, phones);
    let again = rig.axeos_ok("/acd/stats?agents").await;
    assert_eq!(again["queues"].as_array().unwrap().len(), acd["queues"].as_array().unwrap().len());
    assert_eq!(rig.axeos("GET", &format!("/voicemail/{mailbox}"), None).await.0, 200);
    let (status, _, body) = rig.axeos("POST", &format!("/users/{user}"), Some(json!({"dnd": true}))).await;
    assert_eq!((status, parse(&body)["dnd"].clone()), (200, Value::Bool(true)), "{body}");
    assert_eq!((rig.astdb("DND", "1001"), rig.pbx_db("DND", "1001").await), (Some("YES".into()), Some("YES".into())));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_a_phone_that_never_registered_is_unavailable_listed_or_not() {
    let rig = rig().await;
    let status = |phones: &Value, n: &str| {
        let p = phones.as_array().unwrap().iter().find(|p| p["phone_username"] == n).unwrap_or_else(|| panic!("{n}"));
        (p["status_code"].clone(), p["status"].clone())
    };
    let unavailable = (Value::from(4), Value::from("Unavailable"));
    // 1009 never registered: Asterisk lists it UNAVAILABLE, or (as a real Asterisk 22 does for a
    // device whose state was never published) not at all. Either way: Unavailable.
    let phones = rig.axeos_ok("/phones?status").await;
    assert_eq!(status(&phones, "1009"), unavailable);
    assert_eq!(status(&phones, "1001"), (Value::from(0), Value::from("Idle")));
    // 1010 made absent from `DeviceStateList` for certain: still a phone of the model, Unavailable.
    assert!(rig.sim().remove_endpoint("1010"));
    let phones = rig.axeos_ok("/phones?status").await;
    assert_eq!(status(&phones, "1010"), unavailable);
    let one = rig.axeos_ok(&format!("/phones/{}", rig.axeos_uuid("/phones", "phone_username", "1010").await)).await;
    assert_eq!((one["status_code"].clone(), one["status"].clone()), unavailable);
    // Calling from either is refused as the seed says (503), for the right reason.
    for from in ["1009", "1010"] {
        let answer = rig.axeos("POST", "/call", Some(json!({"user_name": from, "number": "1002"}))).await;
        let message = assert_error(from, &answer, 503, "phone_unavailable");
        assert_eq!(message, format!("phone {from} is unavailable: not registered"));
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_writes_while_asterisk_stops_are_stored_and_reach_it_once_it_runs() {
    // Issabel asks the PBX nothing but apply-changes, which never turns a committed write into an
    // error: the write is answered as stored, and the host reloads Asterisk once it can.
    let rig = rig().await;
    let token = rig.issabel_token().await;
    let reloads = rig.sim().reloads().len();
    rig.sim().set_phase(Phase::ShuttingDown);
    let r = client()
        .put(format!("{}/pbxapi/extensions/1101", rig.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"name":"Late","secret":"s3cret"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let stored: i64 = rig.db().query_row("SELECT count(*) FROM extensions WHERE number = '1101'", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, 1);
    let conf = std::fs::read_to_string(rig.root.path().join("asterisk/pjsip.switchboard.conf")).unwrap();
    assert!(conf.contains("[1101]"), "the files are written");
    assert_eq!(rig.sim().reloads().len(), reloads, "a stopping Asterisk reloads nothing");
    rig.sim().set_phase(Phase::Running);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !rig.sim().reloads()[reloads..].iter().any(|m| m == "res_pjsip.so") {
        assert!(Instant::now() < deadline, "no reload after Asterisk came back: {:?}", rig.sim().reloads());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rig.stop().await;
}

/// Asterisk restarted under load: 200 clients read through Elastix and Axeos while the PBX goes
/// away and comes back. No request waits past its deadline (each is answered at once with the
/// PBX's data or the flavor's error), the link is back within 2 s of the PBX, and the bus carries
/// one gap marker for the outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pbx_restart_under_two_hundred_clients_hangs_no_request_and_marks_one_gap() {
    let rig = rig().await;
    let base = rig.base.clone();
    let (root, sim, server) = rig.host.into_parts();
    let sim = sim.expect("the rig has a PBX");
    let address = sim.address();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answers = Arc::new(std::sync::Mutex::new(Vec::<(u16, String, Duration)>::new()));
    let clients: Vec<_> = (0..200)
        .map(|n| {
            let (base, stop, answers) = (base.clone(), stop.clone(), answers.clone());
            tokio::spawn(async move {
                let client = client();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let started = Instant::now();
                    let request = if n % 2 == 0 {
                        client.post(format!("{base}/api/api.php?cmd=sippeers")).header("authorization", ELASTIX_KEY)
                    } else {
                        client.get(format!("{base}/apis/pbx/phones?status")).basic_auth("apiKey", Some(AXEOS_KEY))
                    };
                    let response = request.send().await.expect("every request is answered");
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap();
                    let code = if status == 200 { String::new() } else { parse(&body)["error"]["code"].as_str().unwrap_or(&body).to_string() };
                    answers.lock().unwrap().push((status, code, started.elapsed()));
                }
            })
        })
        .collect();
    // Click-to-call clients too: an Originate may have run when its answer is lost, so the host
    // must never send one twice.
    let posted = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let placed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let callers: Vec<_> = (1..=8)
        .map(|n| {
            let (base, stop, posted, placed) = (base.clone(), stop.clone(), posted.clone(), placed.clone());
            tokio::spawn(async move {
                let client = client();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    posted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let response = client
                        .post(format!("{base}/apis/pbx/call"))
                        .basic_auth("apiKey", Some(AXEOS_KEY))
                        .json(&json!({"user_name": format!("100{n}"), "number": "1009"}))
                        .send()
                        .await
                        .expect("every call request is answered");
                    if response.status() == 201 {
                        placed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The PBX goes away for a second, then comes back on the same address.
    let sim = Arc::try_unwrap(sim).ok().expect("the rig holds the only handle");
    let mut originates = sim.originates();
    sim.stop().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let back = Instant::now();
    let sim = Simulator::start(SimConfig {
        listen: address,
        pbx: PbxSeed::demo().with_ring(Duration::from_millis(10)),
        config_dir: Some(root.path().join("asterisk")),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("the link comes back");
    let took = back.elapsed();
    // Read at once: the calls' events will push it out of the ring soon.
    let gaps = |last: Option<u64>| {
        let poll = switchboard::events::Poll { last, timeout: Duration::ZERO, limit: 0, filter: vec![switchboard::events::GAP_EVENT.into()] };
        let bus = server.services().bus.clone();
        async move { bus.poll(&poll).await }
    };
    let marked = gaps(None).await;
    assert_eq!(marked.len(), 1, "one gap marker for one outage");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients.into_iter().chain(callers) {
        c.await.unwrap();
    }
    originates += sim.originates();
    let (posted, placed) = (posted.load(std::sync::atomic::Ordering::SeqCst), placed.load(std::sync::atomic::Ordering::SeqCst));
    eprintln!("{posted} calls asked for, {placed} placed, {originates} Originates reached the PBX");
    assert!(placed > 0, "calls were placed");
    assert!(originates <= posted, "{originates} Originates for {posted} requests: one was sent twice");
    assert!(originates >= placed, "a call answered as placed never reached the PBX");

    assert!(took < Duration::from_secs(2), "the link came back {took:?} after the PBX");
    let answers = answers.lock().unwrap().clone();
    let slowest = answers.iter().map(|(_, _, d)| *d).max().unwrap();
    let ok = answers.iter().filter(|(s, _, _)| *s == 200).count();
    let mut errors: std::collections::BTreeMap<(u16, String), usize> = std::collections::BTreeMap::new();
    for (status, code, _) in answers.iter().filter(|(s, _, _)| *s != 200) {
        *errors.entry((*status, code.clone())).or_default() += 1;
    }
    eprintln!("{} answers: {ok} ok, errors {errors:?}; slowest {slowest:?}; link back {took:?} after the PBX", answers.len());
    assert!(slowest < Duration::from_secs(5), "a request waited {slowest:?}");
    assert!(ok > 0 && !errors.is_empty(), "the load spanned the outage: {ok} ok, {errors:?}");
    for (status, code) in errors.keys() {
        assert!(
            matches!((*status, code.as_str()), (503, "pbx_unavailable") | (502, "pbx_connection_lost")),
            "an outage answers the PBX's unavailability, not {status} {code}"
        );
    }
    assert!(gaps(Some(marked[0].seq)).await.is_empty(), "no second gap marker");
    stop_with_sim(server, Arc::new(sim)).await;
    drop(root);
}
