//! The CRM webhook example (`examples/crm-webhook`) against a real CRM: an HTTP server on loopback
//! that checks every request's HMAC signature and timestamp, records each event once by its
//! idempotency key, and can be down (its port closed) or refusing. Calls are placed on the PBX
//! simulator; the CRM must hear every call's events exactly once and in order — across a CRM
//! outage and a restart of Switchboard in the middle of it — and events it refuses must wait as
//! dead letters until re-sent through the plugin's route.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use switchboard_sim::{EndpointSeed, ExtenSeed, PbxSeed, Scenario};

use crate::util::{self, Rig};

const SECRET: &str = "crm-shared-secret-0123456789";
const KEY: &str = "crm-route-key";

/// What the CRM saw.
#[derive(Default)]
struct Seen {
    /// Accepted events, in arrival order: (call id, type, idempotency key).
    accepted: Vec<(String, String, String)>,
    /// Requests for a key already accepted.
    duplicates: usize,
    /// Requests whose signature or timestamp did not check out.
    forged: usize,
    /// While set, every request is answered with this status and not recorded as accepted.
    refuse: Option<u16>,
    /// While set, every request is held for a minute, then refused (it never counts).
    hang: bool,
}

/// The test CRM: a real HTTP server on a fixed loopback port that can be stopped and started.
struct Crm {
    address: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Crm {
    async fn start() -> Crm {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut crm = Crm { address: listener.local_addr().unwrap(), seen: Arc::default(), stop: None };
        crm.serve(listener);
        crm
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let app = axum::Router::new().route("/hooks", axum::routing::post(receive)).with_state(self.seen.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).with_graceful_shutdown(async move { stopped.await.ok(); }).await.unwrap();
        });
        self.stop = Some(stop);
    }

    /// Closes the port: connections are refused until [`up`](Self::up).
    async fn down(&mut self) {
        self.stop.take().expect("the CRM is up").send(()).ok();
        // Wait until the port is really closed.
        while tokio::net::TcpStream::connect(self.address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.address).await.expect("the CRM's port is free again");
        self.serve(listener);
    }

    fn url(&self) -> String {
        format!("http://{}/hooks", self.address)
    }

    /// Each call's event types, in the order accepted.
    fn calls(&self) -> BTreeMap<String, Vec<String>> {
        let mut calls: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (call, kind, _) in &self.seen.lock().unwrap().accepted {
            calls.entry(call.clone()).or_default().push(kind.clone());
        }
        calls
    }

    fn accepted(&self) -> usize {
        self.seen.lock().unwrap().accepted.len()
    }

    /// Waits until the CRM has accepted `n` events.
    async fn until_accepted(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.accepted() < n {
            assert!(tokio::time::Instant::now() < deadline, "the CRM accepted {} events, not {n}: {:?}", self.accepted(), self.calls());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The CRM's webhook endpoint: signature first, then refusal, then exactly-once by key.
async fn receive(State(seen): State<Arc<Mutex<Seen>>>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if seen.lock().unwrap().hang {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let mut seen = seen.lock().unwrap();
    if !signed(&header("x-switchboard-signature"), &body) {
        seen.forged += 1;
        return StatusCode::UNAUTHORIZED;
    }
    if let Some(status) = seen.refuse {
        return StatusCode::from_u16(status).unwrap();
    }
    let key = header("idempotency-key");
    if seen.accepted.iter().any(|(_, _, k)| *k == key) {
        seen.duplicates += 1;
        return StatusCode::OK;
    }
    let event: Value = serde_json::from_slice(&body).expect("a JSON event");
    assert_eq!(event["id"], key.as_str(), "the body's id is the idempotency key");
    assert_eq!(event["type"], header("x-switchboard-event").as_str());
    seen.accepted.push((event["call_id"].as_str().unwrap().to_string(), event["type"].as_str().unwrap().to_string(), key));
    StatusCode::OK
}

/// `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with `t` within five minutes of now.
fn signed(signature: &str, body: &[u8]) -> bool {
    let Some((t, v1)) = signature.strip_prefix("t=").and_then(|s| s.split_once(",v1=")) else { return false };
    let Ok(t) = t.parse::<u64>() else { return false };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    if now.abs_diff(t) > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    expected == v1
}

/// Three phones: 1001 and 1002 answer after 20 ms, 1003 never does; `_10XX` dials with a 1 s timeout.
fn office() -> PbxSeed {
    let mut seed = PbxSeed::empty();
    for name in ["1001", "1002", "1003"] {
        let mut phone = EndpointSeed::phone(name, &format!("Phone {name}"));
        phone.context = "crm".into();
        phone.ring = Duration::from_millis(20);
        if name == "1003" {
            phone = phone.never_answers();
        }
        seed.endpoints.push(phone);
    }
    seed.dialplan.push(ExtenSeed::new("crm", "_10XX", &["Dial(PJSIP/${EXTEN},1)", "Hangup()"]));
    seed.internal_context = "crm".into();
    seed
}

async fn start(crm: &Crm) -> Rig {
    start_with(crm, "").await
}

/// The mount with more settings (`, name = "value"` each).
async fn start_with(crm: &Crm, settings: &str) -> Rig {
    let (url, origin) = (crm.url(), format!("http://{}", crm.address));
    Rig::builder()
        .pbx(office())
        .store()
        .mount(
            "/crm",
            "crm-webhook",
            &format!(
                "settings = {{ crm-url = {url:?}, secret = {SECRET:?}, api-key = {KEY:?}, retry-base-ms = \"100\", retry-max-ms = \"400\"{settings} }}\n\
                 grants = {{ events = true, sqlite = {{ own = true }}, outbound_http = [{origin:?}] }}"
            ),
        )
        .start()
        .await
}

async fn answered_call(rig: &Rig) -> String {
    let call = Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(30) };
    rig.sim().run(call).await.unwrap().linkedid
}

async fn missed_call(rig: &Rig) -> String {
    let call = Scenario::Unanswered { from: "1001".into(), to: "1003".into(), ring: Duration::from_millis(200) };
    rig.sim().run(call).await.unwrap().linkedid
}

/// The plugin's `GET /outbox` or `GET /dead-letters`.
async fn get(rig: &Rig, path: &str) -> Value {
    let response = util::client().get(format!("{}/crm{path}", rig.base)).header("x-api-key", KEY).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// Waits until `GET /outbox` says `pending` events wait.
async fn until_pending(rig: &Rig, pending: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let outbox = get(rig, "/outbox").await;
        if outbox["pending"] == pending {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the outbox never held {pending} pending: {outbox}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const ANSWERED: [&str; 3] = ["call.incoming", "call.answered", "call.finished"];
const MISSED: [&str; 2] = ["call.incoming", "call.missed"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_event_reaches_the_crm_exactly_once_in_order_across_an_outage_and_a_restart() {
    let mut crm = Crm::start().await;
    let rig = start(&crm).await;

    let first = answered_call(&rig).await;
    crm.until_accepted(3).await;

    // The CRM goes away; two calls happen meanwhile and wait in the outbox, retried with back-off.
    crm.down().await;
    let missed = missed_call(&rig).await;
    let answered = answered_call(&rig).await;
    until_pending(&rig, 5).await;

    // Switchboard restarts while the CRM is still down: the outbox is on disk, and the start-up
    // call of the handler picks it up; the CRM comes back after that, and the back-off retries
    // deliver the rest.
    let rig = rig.restart().await;
    until_pending(&rig, 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    crm.up().await;
    crm.until_accepted(8).await;
    until_pending(&rig, 0).await;

    let calls = crm.calls();
    assert_eq!(calls[&first], ANSWERED);
    assert_eq!(calls[&missed], MISSED);
    assert_eq!(calls[&answered], ANSWERED);
    assert_eq!(calls.len(), 3, "{calls:?}");
    let seen = crm.seen.lock().unwrap();
    assert_eq!((seen.duplicates, seen.forged), (0, 0), "every event once, every request signed");
    drop(seen);
    let outbox = get(&rig, "/outbox").await;
    assert_eq!((outbox["pending"].as_i64(), outbox["dead"].as_i64()), (Some(0), Some(0)), "{outbox}");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_the_crm_refuses_are_dead_letters_until_resent_through_the_route() {
    let crm = Crm::start().await;
    crm.seen.lock().unwrap().refuse = Some(400);
    let rig = start(&crm).await;
    let http = util::client();

    let call = answered_call(&rig).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let letters = loop {
        let letters = get(&rig, "/dead-letters").await;
        if letters.as_array().unwrap().len() == 3 {
            break letters;
        }
        assert!(tokio::time::Instant::now() < deadline, "no three dead letters: {letters}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(letters[0]["type"], "call.incoming");
    assert_eq!(letters[0]["last_error"], "the CRM answered 400");
    assert_eq!(letters[0]["attempts"], 1, "a 4xx is not retried");
    assert_eq!(letters[2]["last_error"], "held behind an earlier undeliverable event of this call");
    assert_eq!(letters[0]["event"]["call_id"], call.as_str());

    // The routes are closed to a wrong key and to bytes that try to widen the query.
    crm.seen.lock().unwrap().refuse = None;
    let url = format!("{}/crm/dead-letters/resend", rig.base);
    let wrong = http.post(&url).header("x-api-key", "guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let sly = http.post(format!("{url}?call=x'%20OR%20'1'='1")).header("x-api-key", KEY).send().await.unwrap();
    assert_eq!(sly.json::<Value>().await.unwrap()["requeued"], 0);
    assert_eq!(get(&rig, "/dead-letters").await.as_array().unwrap().len(), 3, "nothing was queued again");

    let resent = http.post(format!("{url}?call={call}")).header("x-api-key", KEY).send().await.unwrap();
    assert_eq!(resent.json::<Value>().await.unwrap()["requeued"], 3);
    crm.until_accepted(3).await;
    assert_eq!(crm.calls()[&call], ANSWERED);
    assert_eq!(get(&rig, "/dead-letters").await, serde_json::json!([]));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crm_that_never_answers_is_timed_out_and_retried_without_holding_up_the_route() {
    let crm = Crm::start().await;
    crm.seen.lock().unwrap().hang = true;
    let rig = start_with(&crm, ", timeout-ms = \"300\"").await;

    let call = missed_call(&rig).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        // The routes answer while the handler waits on the CRM.
        let outbox = get(&rig, "/outbox").await;
        let letters = get(&rig, "/dead-letters").await;
        assert_eq!(letters, serde_json::json!([]), "a timeout is retried, not buried");
        let oldest = &outbox["oldest_pending"];
        if outbox["pending"] == 2 && oldest["attempts"].as_i64().unwrap_or_default() >= 2 {
            assert!(oldest["last_error"].as_str().unwrap().contains("timed out"), "{outbox}");
            assert_eq!(crm.accepted(), 0);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no second timed-out attempt: {outbox}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crm.seen.lock().unwrap().hang = false;
    crm.until_accepted(2).await;
    assert_eq!(crm.calls()[&call], MISSED);
    rig.stop().await;
}
