//! The simulator against the real Asterisk 22 transcripts of whole sessions: here the state lists
//! of a fresh PBX, before and after two phones register, on a PBX seeded like the recorded one.
//!
//! The recording PBX also had endpoints 2000 and 2001 and queue `support` (member
//! `Local/200@acceptance/n`), left by earlier tests. The seed mirrors them; `DeviceStateList` is
//! compared on the 1001/1002 and `Queue:*` entries only, because the recorded PBX had published
//! 2000 and 2001 (UNAVAILABLE) during those earlier tests, a history the seed does not replay.

use std::collections::BTreeSet;
use std::time::Duration;

use switchboard::ami::Message;
use switchboard::sim::{EndpointSeed, ExtenSeed, MemberSeed, PbxSeed, QueueSeed, SimConfig, Simulator};

use crate::sim::{Client, logged_in};
use crate::transcript::{self, Timed};

/// How long a step may take before the test gives up.
const WAIT: Duration = Duration::from_secs(5);

/// Endpoints 1001 "Alice Smith" and 1002 "Bob Jones" in context `fidelity` (registered unless
/// `registered` is false), their hints, `_10XX` → `Dial(PJSIP/${EXTEN},dial_timeout)` then
/// `Hangup()`; endpoints 2000/2001 (never registered) with hints in `switchboard-extensions`;
/// queue `support` with member `Local/200@acceptance/n`.
fn recorded_pbx(registered: bool, callee_answers: bool, dial_timeout: &str) -> PbxSeed {
    let mut seed = PbxSeed::empty();
    for (name, caller_name, port) in [("1001", "Alice Smith", 5081), ("1002", "Bob Jones", 5082)] {
        let mut e = EndpointSeed::phone(name, caller_name);
        e.context = "fidelity".into();
        e.contact = registered.then(|| format!("sip:{name}@127.0.0.1:{port}"));
        e.auth_name = Some(format!("{name}-auth"));
        e.mailbox = None;
        if name == "1002" && !callee_answers {
            e = e.never_answers();
        }
        seed.endpoints.push(e);
        seed.dialplan.push(ExtenSeed::new("fidelity", name, &[]).with_hint(&format!("PJSIP/{name}")));
    }
    seed.dialplan.push(ExtenSeed::new(
        "fidelity",
        "_10XX",
        &[&format!("Dial(PJSIP/${{EXTEN}},{dial_timeout})"), "Hangup()"],
    ));
    for name in ["2000", "2001"] {
        let mut e = EndpointSeed::phone(name, "").unregistered();
        e.context = "switchboard-extensions".into();
        e.auth_name = Some(format!("{name}-auth"));
        e.mailbox = None;
        seed.endpoints.push(e);
        seed.dialplan.push(ExtenSeed::new("switchboard-extensions", name, &[]).with_hint(&format!("PJSIP/{name}")));
    }
    seed.queues.push(QueueSeed {
        name: "support".into(),
        exten: None,
        strategy: "ringall".into(),
        members: vec![MemberSeed::new("Local/200@acceptance/n", "")],
    });
    seed.internal_context = "fidelity".into();
    seed
}

async fn start(pbx: PbxSeed) -> Simulator {
    Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), pbx, ..SimConfig::default() })
        .await
        .expect("simulator starts")
}

// ---------------------------------------------------------------------------------------------
// Playing a session.

/// What a client saw.
struct Session {
    client: Client,
    log: Vec<Message>,
}

impl Session {
    async fn new(sim: &Simulator) -> Session {
        Session { client: logged_in(sim).await, log: Vec::new() }
    }

    /// Reads until a message satisfies `done` (which is logged too).
    async fn until(&mut self, what: &str, done: impl Fn(&Message) -> bool) -> Message {
        loop {
            let Some(m) = self.client.recv(WAIT).await else {
                panic!("no {what} within {WAIT:?}; saw {:?}", self.log.iter().map(describe).collect::<Vec<_>>())
            };
            self.log.push(m.clone());
            if done(&m) {
                return m;
            }
        }
    }

    /// Sends `action` and reads up to its answer's end (`…Complete` for a list).
    async fn ask(&mut self, action: Message) {
        let id = action.action_id().expect("actions carry an ActionID").to_string();
        self.client.send(&action).await;
        let response = self
            .until(&format!("response to {id}"), |m| m.get("Response").is_some() && m.action_id() == Some(&id))
            .await;
        if response.get("EventList") == Some("start") {
            self.until(&format!("end of {id}"), |m| {
                m.action_id() == Some(&id) && m.get("EventList") == Some("Complete")
            })
            .await;
        }
    }
}

/// The session's messages from the recording.
fn recorded(file: &str) -> Vec<Message> {
    transcript::read_timed(&transcript::real_calls_dir().join(file))
        .into_iter()
        .map(|Timed { message, .. }| message)
        .collect()
}

fn keys(m: &Message) -> Vec<&str> {
    m.fields().iter().map(|(k, _)| k.as_str()).collect()
}

fn describe(m: &Message) -> String {
    m.fields().iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" | ")
}

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

/// The recorded answer to `id`'s list, items only.
fn items(messages: &[Message], id: &str) -> Vec<Message> {
    messages
        .iter()
        .filter(|m| m.action_id() == Some(id) && m.event().is_some() && m.get("EventList").is_none())
        .cloned()
        .collect()
}

/// (Device, State) of a DeviceStateList answer, for 1001, 1002 and the queues' pseudo-devices.
fn devices(items: &[Message]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .filter_map(|m| Some((m.get("Device")?.to_string(), m.get("State")?.to_string())))
        .filter(|(d, _)| d.starts_with("Queue:") || d == "PJSIP/1001" || d == "PJSIP/1002")
        .collect()
}

/// (Exten, Context, Hint, Status, StatusText) of an ExtensionStateList answer.
fn hints(items: &[Message]) -> BTreeSet<Vec<String>> {
    items
        .iter()
        .map(|m| {
            ["Exten", "Context", "Hint", "Status", "StatusText"]
                .iter()
                .map(|k| m.get(k).unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}

fn same_set<T: Ord + std::fmt::Debug>(what: &str, real: &BTreeSet<T>, sim: &BTreeSet<T>) -> Vec<String> {
    if real == sim {
        return Vec::new();
    }
    vec![format!(
        "{what}: only recorded {:?}; only simulated {:?}",
        real.difference(sim).collect::<Vec<_>>(),
        sim.difference(real).collect::<Vec<_>>()
    )]
}

#[tokio::test]
async fn s0_state_lists_hold_only_published_devices_like_the_real_ones() {
    let sim = start(recorded_pbx(false, true, "20")).await;
    let mut s = Session::new(&sim).await;
    let real = recorded("s0-fresh-state-lists.txt");
    let mut problems = Vec::new();
    let lists = [
        ("DeviceStateList", "s0-fresh-devicestatelist", "s0-registered-devicestatelist"),
        ("ExtensionStateList", "s0-fresh-extensionstatelist", "s0-registered-extensionstatelist"),
    ];
    for (action, fresh, _) in lists {
        s.ask(Message::new().with("Action", action).with("ActionID", fresh)).await;
    }
    // The two phones register.
    for (name, caller_name, port) in [("1002", "Bob Jones", 5082), ("1001", "Alice Smith", 5081)] {
        let mut e = recorded_pbx(true, true, "20").endpoints.into_iter().find(|e| e.name == name).unwrap();
        e.caller_name = caller_name.into();
        e.contact = Some(format!("sip:{name}@127.0.0.1:{port}"));
        sim.upsert_endpoint(e);
        let hint = s
            .until("ExtensionStatus of the registered phone", |m| {
                m.event() == Some("ExtensionStatus") && m.get("Exten") == Some(name)
            })
            .await;
        assert_eq!((hint.get("Status"), hint.get("StatusText")), (Some("0"), Some("Idle")));
        let device =
            s.until("DeviceStateChange of the registered phone", |m| m.event() == Some("DeviceStateChange")).await;
        assert_eq!(
            (device.get("Device"), device.get("State")),
            (Some(format!("PJSIP/{name}").as_str()), Some("NOT_INUSE"))
        );
    }
    for (action, _, registered) in lists {
        s.ask(Message::new().with("Action", action).with("ActionID", registered)).await;
    }
    let got = s.log.clone();
    for (_, fresh, registered) in lists {
        for id in [fresh, registered] {
            let (r, g) = (items(&real, id), items(&got, id));
            if id.contains("device") {
                problems.extend(same_set(id, &devices(&r), &devices(&g)));
            } else {
                problems.extend(same_set(id, &hints(&r), &hints(&g)));
            }
            for m in &g {
                let like = r.iter().find(|r| r.event() == m.event()).expect("a recorded item");
                if keys(like) != keys(m) {
                    problems.push(format!("{id}: keys differ\n real: {}\n  sim: {}", describe(like), describe(m)));
                }
            }
        }
    }
    // Before registering, 1001 and 1002 are absent from DeviceStateList, and their hints are
    // Unavailable; the queue's pseudo-devices are there from the start.
    let fresh = devices(&items(&got, "s0-fresh-devicestatelist"));
    assert!(fresh.iter().all(|(d, _)| d.starts_with("Queue:")), "{fresh:?}");
    assert_eq!(fresh.len(), 3, "{fresh:?}");
    eprintln!("s0-fresh-state-lists.txt: {} differences in the state lists", problems.len());
    assert_none(problems);
    sim.stop().await;
}
