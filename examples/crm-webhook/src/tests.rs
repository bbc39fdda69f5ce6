//! The handler and routes natively, against the SDK's test doubles: PBX events shaped like a real
//! Asterisk 22's, the plugin's own database in memory, and a scripted CRM.

use std::cell::RefCell;
use std::rc::Rc;

use switchboard_sdk::outbound::{self, OutboundError};
use switchboard_sdk::testing::{Host, Installed};

use super::*;

const SECRET: &str = "a-secret-of-16-bytes-or-more";

fn event(seq: u64, name: &str, fields: &[(&str, &str)]) -> Event {
    Event { seq, timestamp: format!("2026-12-06T10:00:0{seq}.000Z"), name: name.into(), fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

/// The PBX events of one call `id` from 1001 to 1002 (as in a real Asterisk's transcript): the
/// originated leg's own DialBegin (no calling channel), the Dial to 1002, its end, then the
/// hangups. `answered`: whether 1002 answers.
fn call(id: &str, answered: bool) -> Vec<Event> {
    let callee = format!("{id}9");
    let caller = [("Channel", "PJSIP/1001-00000006"), ("CallerIDNum", "1001"), ("Uniqueid", id), ("Linkedid", id)];
    let dest = [("DestChannel", "PJSIP/1002-00000007"), ("DestCallerIDNum", "1002"), ("DestUniqueid", callee.as_str()), ("DestLinkedid", id), ("DialString", "1002")];
    let both = |extra: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> { caller.iter().chain(dest.iter()).chain(extra.iter()).copied().collect() };
    vec![
        event(1, "DialBegin", &[("DestChannel", "PJSIP/1001-00000006"), ("DestUniqueid", id), ("DestLinkedid", id), ("DialString", "1001")]),
        event(2, "DialBegin", &both(&[])),
        event(3, "DialEnd", &both(&[("DialStatus", if answered { "ANSWER" } else { "NOANSWER" })])),
        event(4, "Hangup", &[("Channel", "PJSIP/1002-00000007"), ("Uniqueid", callee.as_str()), ("Linkedid", id), ("Cause-txt", "Normal Clearing")]),
        event(5, "Hangup", &[caller[0], caller[1], caller[2], caller[3], ("Cause-txt", "Normal Clearing")]),
    ]
}

/// A scripted CRM: answers `status` (or fails to connect on 0) and records what it got.
#[derive(Clone, Default)]
struct Crm {
    status: Rc<RefCell<u16>>,
    got: Rc<RefCell<Vec<outbound::Request>>>,
}

impl Crm {
    fn up() -> Crm {
        let crm = Crm::default();
        *crm.status.borrow_mut() = 200;
        crm
    }

    fn answer(&self) -> impl FnMut(&outbound::Request) -> Result<outbound::Response, OutboundError> + 'static {
        let crm = self.clone();
        move |request| {
            let status = *crm.status.borrow();
            if status == 0 {
                return Err(OutboundError::Unreachable("ConnectionRefused".into()));
            }
            crm.got.borrow_mut().push(request.clone());
            Ok(outbound::Response::new(status, ""))
        }
    }

    /// The types of the events the CRM accepted, in order.
    fn types(&self) -> Vec<String> {
        self.got.borrow().iter().map(|r| r.header_value("x-switchboard-event").unwrap_or_default().to_string()).collect()
    }

    fn set(&self, status: u16) {
        *self.status.borrow_mut() = status;
    }
}

fn host(crm: &Crm) -> Installed {
    Host::new()
        .route("/crm")
        .setting("crm-url", "https://crm.example.com/hooks")
        .setting("secret", SECRET)
        .setting("api-key", "key")
        .setting("retry-base-ms", "1")
        .setting("retry-max-ms", "2")
        .setting("max-attempts", "3")
        .own_database("")
        .outbound(crm.answer())
        .install()
}

fn pending_and_dead(host: &Installed) -> (i64, i64) {
    let rows = host.query("own", "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'), (SELECT count(*) FROM outbox WHERE state = 'dead')");
    (rows.rows()[0].int(0).unwrap(), rows.rows()[0].int(1).unwrap())
}

/// A wake-up, after the back-off (at most `retry-max-ms`) has passed.
fn wake_up() {
    std::thread::sleep(Duration::from_millis(5));
    on_events(&[]);
}

fn route(method: &str, path: &str) -> Response {
    router().handle(&Request::new(method, &format!("/crm{path}")).with_mount_route("/crm").with_header("x-api-key", "key"))
}

#[test]
fn an_answered_call_is_posted_as_incoming_answered_finished_signed_with_idempotency_keys() {
    let crm = Crm::up();
    let _host = host(&crm);
    on_events(&call("1796503995.14", true));
    assert_eq!(crm.types(), ["call.incoming", "call.answered", "call.finished"]);
    for request in crm.got.borrow().iter() {
        let kind = request.header_value("x-switchboard-event").unwrap();
        assert_eq!(request.header_value("idempotency-key"), Some(format!("1796503995.14:{kind}").as_str()));
        let t: u64 = request.header_value("x-switchboard-timestamp").unwrap().parse().unwrap();
        assert_eq!(request.header_value("x-switchboard-signature").unwrap(), signature::header(SECRET, t, &request.body));
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!((body["type"].as_str(), body["call_id"].as_str()), (Some(kind), Some("1796503995.14")));
    }
    let incoming: serde_json::Value = serde_json::from_slice(&crm.got.borrow()[0].body).unwrap();
    assert_eq!((incoming["data"]["from"].as_str(), incoming["data"]["to"].as_str()), (Some("1001"), Some("1002")));
}

#[test]
fn an_unanswered_call_is_a_missed_call_with_the_dial_status() {
    let crm = Crm::up();
    let _host = host(&crm);
    on_events(&call("1796503995.20", false));
    assert_eq!(crm.types(), ["call.incoming", "call.missed"]);
    let missed: serde_json::Value = serde_json::from_slice(&crm.got.borrow()[1].body).unwrap();
    assert_eq!(missed["data"]["reason"], "NOANSWER");
}

#[test]
fn a_crm_outage_keeps_events_queued_with_back_off_then_delivers_each_once_in_order() {
    let crm = Crm::default(); // down: connections refused
    let host = host(&crm);
    on_events(&call("1.1", true));
    assert_eq!(pending_and_dead(&host), (3, 0), "all three kept");
    let attempts = host.query("own", "SELECT key, attempts FROM outbox ORDER BY id");
    assert_eq!(attempts.rows().iter().map(|r| r.int(1)).collect::<Vec<_>>(), [Some(1), Some(0), Some(0)], "only the call's first event was tried");
    assert!(!host.wake_ups().is_empty(), "the handler asked to be woken for the retry");
    wake_up(); // still down: the second attempt
    crm.set(200);
    wake_up();
    assert_eq!(crm.types(), ["call.incoming", "call.answered", "call.finished"]);
    assert_eq!(pending_and_dead(&host), (0, 0));
    // The same PBX events again (a replayed batch) queue nothing: their keys were delivered.
    on_events(&call("1.1", true));
    assert_eq!(crm.types().len(), 3);
}

#[test]
fn events_refused_by_the_crm_become_dead_letters_holding_their_call_and_are_resent_in_order() {
    let crm = Crm::up();
    crm.set(422);
    let host = host(&crm);
    on_events(&call("2.1", true));
    assert_eq!(pending_and_dead(&host), (0, 3), "a 4xx is final: the first is dead, the others held behind it");
    assert_eq!(crm.got.borrow().len(), 1, "one attempt only");
    let letters: serde_json::Value = serde_json::from_slice(route("GET", "/dead-letters").body_bytes().unwrap()).unwrap();
    assert_eq!(letters[0]["last_error"], "the CRM answered 422");
    assert_eq!(letters[2]["last_error"], "held behind an earlier undeliverable event of this call");

    crm.set(200);
    let resent: serde_json::Value = serde_json::from_slice(route("POST", "/dead-letters/resend").body_bytes().unwrap()).unwrap();
    assert_eq!(resent["requeued"], 3);
    assert_eq!(host.wake_ups().last(), Some(&Duration::ZERO), "the route wakes the handler at once");
    wake_up();
    assert_eq!(crm.types(), ["call.incoming", "call.incoming", "call.answered", "call.finished"]);
    assert_eq!(pending_and_dead(&host), (0, 0));
}

#[test]
fn after_max_attempts_of_server_errors_an_event_is_a_dead_letter() {
    let crm = Crm::up();
    crm.set(503);
    let host = host(&crm);
    on_events(&call("3.1", false));
    wake_up();
    wake_up();
    assert_eq!(crm.got.borrow().len(), 3, "max-attempts = 3");
    assert_eq!(pending_and_dead(&host), (0, 2));
    let letters: serde_json::Value = serde_json::from_slice(route("GET", "/dead-letters").body_bytes().unwrap()).unwrap();
    assert_eq!(letters[0]["last_error"], "the CRM answered 503 (attempt 3 of 3)");
}

#[test]
fn the_routes_need_the_api_key() {
    let crm = Crm::up();
    let _host = host(&crm);
    let refused = router().handle(&Request::new("GET", "/crm/outbox").with_mount_route("/crm").with_header("x-api-key", "wrong"));
    assert_eq!(refused.status(), 401);
    let status: serde_json::Value = serde_json::from_slice(route("GET", "/outbox").body_bytes().unwrap()).unwrap();
    assert_eq!(status["pending"], 0);
}

#[test]
fn back_off_doubles_up_to_the_maximum_with_jitter_in_the_upper_half() {
    let config = Config {
        crm_url: String::new(),
        secret: String::new(),
        max_attempts: 8,
        retry_base: Duration::from_secs(1),
        retry_max: Duration::from_secs(60),
        timeout: Duration::from_secs(1),
        send_budget: Duration::from_secs(1),
    };
    for (attempts, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] {
        let delays: Vec<Duration> = (0..20).map(|_| outbox::backoff(&config, attempts)).collect();
        let full = Duration::from_secs(full);
        assert!(delays.iter().all(|d| *d >= full / 2 && *d <= full), "attempt {attempts}: {delays:?}");
        assert!(delays.iter().any(|d| *d != delays[0]), "attempt {attempts}: no jitter in {delays:?}");
    }
}
