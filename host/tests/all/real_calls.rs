//! The simulator against the real Asterisk 22 call transcripts (whole sessions: state lists, a
//! bridged call, an unanswered one, snapshots during a call): each recorded session is played
//! again on the simulator, on a PBX seeded like the recorded one, and the simulator's events are
//! scored against the real ones.
//!
//! Score: every call event becomes (event type, leg) — leg is the caller (`PJSIP/1001-…`, the
//! originated channel), the callee (`PJSIP/1002-…`) or neither — and the score is the longest
//! common subsequence of the two lists over the longer list's length, so an extra event costs as
//! much as a missing one. `VarSet` counts. Five real calls of the same kind score 0.74–0.88
//! against each other (channel-driver and device-state threads race), so 0.74 is the bar.
//!
//! Time runs faster here: one second of the recording is [`SECOND`] of simulator time (the
//! phones ring "1 s", the bridge lasts "3 s", Dial's 20 s timeout of the unanswered call becomes
//! the dialplan argument `0.7`, 17.5 "seconds", and RTCP reports go out every "5 s", as recorded).
//!
//! The recording PBX also had endpoints 2000 and 2001 and queue `support` (member
//! `Local/200@acceptance/n`), left by earlier tests. The seed mirrors them; `DeviceStateList` is
//! compared on the 1001/1002 and `Queue:*` entries only, because the recorded PBX had published
//! 2000 and 2001 (UNAVAILABLE) during those earlier tests, a history the seed does not replay.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use switchboard::ami::Message;
use switchboard_sim::{EndpointSeed, ExtenSeed, MemberSeed, PbxSeed, QueueSeed, SimConfig, Simulator};

use crate::sim::{Client, logged_in};
use crate::transcript::{self, Timed};

/// One second of the recordings, in simulator time.
const SECOND: Duration = Duration::from_millis(40);

/// How long a step may take before the test gives up.
const WAIT: Duration = Duration::from_secs(5);

/// The bar every call transcript must reach (the lowest score of real calls against each other).
const BAR: f64 = 0.74;

fn seconds(n: f64) -> Duration {
    SECOND.mul_f64(n)
}

// ---------------------------------------------------------------------------------------------
// The recorded PBX.

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
        e.ring = seconds(1.0);
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
    seed.with_rtcp_interval(seconds(5.0))
}

async fn start(pbx: PbxSeed) -> Simulator {
    Simulator::start(SimConfig { listen: "127.0.0.1:0".parse().unwrap(), pbx, ..SimConfig::default() })
        .await
        .expect("simulator starts")
}

// ---------------------------------------------------------------------------------------------
// Playing a session.

/// What a client saw, each message with the time it was read.
struct Session {
    client: Client,
    log: Vec<(SystemTime, Message)>,
}

impl Session {
    async fn new(sim: &Simulator) -> Session {
        Session { client: logged_in(sim).await, log: Vec::new() }
    }

    /// Reads until a message satisfies `done` (which is logged too).
    async fn until(&mut self, what: &str, done: impl Fn(&Message) -> bool) -> Message {
        loop {
            let Some(m) = self.client.recv(WAIT).await else {
                panic!(
                    "no {what} within {WAIT:?}; saw {:?}",
                    self.log.iter().map(|(_, m)| describe(m)).collect::<Vec<_>>()
                )
            };
            self.log.push((SystemTime::now(), m.clone()));
            if done(&m) {
                return m;
            }
        }
    }

    /// Reads until nothing arrives for `quiet`.
    async fn settle(&mut self, quiet: Duration) {
        while let Some(m) = self.client.recv(quiet).await {
            self.log.push((SystemTime::now(), m));
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

    /// `Originate` PJSIP/1001 → 1002@fidelity, as recorded.
    async fn originate(&mut self, id: &str) {
        let action = Message::new()
            .with("Action", "Originate")
            .with("ActionID", id)
            .with("Channel", "PJSIP/1001")
            .with("Exten", "1002")
            .with("Context", "fidelity")
            .with("Priority", "1")
            .with("Async", "true");
        self.ask(action).await;
    }

    /// Waits until both parties are in the bridge.
    async fn bridged(&mut self) {
        self.until("the caller's BridgeEnter", |m| m.event() == Some("BridgeEnter") && leg(m) == Leg::Caller).await;
        if !self.saw(|m| m.event() == Some("BridgeEnter") && leg(m) == Leg::Callee) {
            self.until("the callee's BridgeEnter", |m| m.event() == Some("BridgeEnter") && leg(m) == Leg::Callee).await;
        }
    }

    fn saw(&self, pred: impl Fn(&Message) -> bool) -> bool {
        self.log.iter().any(|(_, m)| pred(m))
    }

    /// The caller's channel name.
    fn caller(&self) -> String {
        self.log
            .iter()
            .find(|(_, m)| m.event() == Some("Newchannel") && leg(m) == Leg::Caller)
            .and_then(|(_, m)| m.get("Channel"))
            .expect("the caller's Newchannel")
            .to_string()
    }

    /// AMI `Hangup` of the caller, then the rest of the call.
    async fn hang_up_caller(&mut self, id: &str) {
        let caller = self.caller();
        self.ask(Message::new().with("Action", "Hangup").with("ActionID", id).with("Channel", caller)).await;
        self.until("the callee's Hangup", |m| m.event() == Some("Hangup") && leg(m) == Leg::Callee).await;
        self.settle(seconds(3.0)).await;
    }

    /// When the first message satisfying `pred` was read.
    fn read_at(&self, what: &str, pred: impl Fn(&Message) -> bool) -> SystemTime {
        self.log.iter().find(|(_, m)| pred(m)).map(|(t, _)| *t).unwrap_or_else(|| panic!("no {what}"))
    }

    fn messages(&self) -> Vec<Message> {
        self.log.iter().map(|(_, m)| m.clone()).collect()
    }
}

/// The session's messages from the recording.
fn recorded(file: &str) -> Vec<Message> {
    transcript::read_timed(&transcript::real_calls_dir().join(file))
        .into_iter()
        .map(|Timed { message, .. }| message)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Scoring.

/// Which party an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Leg {
    Caller,
    Callee,
    Neither,
}

/// By the first channel or device the event names: 1001 is the originated caller, 1002 the callee.
fn leg(m: &Message) -> Leg {
    for key in ["Channel", "DestChannel", "Device", "Hint"] {
        match m.get(key) {
            Some(v) if v.starts_with("PJSIP/1001") => return Leg::Caller,
            Some(v) if v.starts_with("PJSIP/1002") => return Leg::Callee,
            _ => {}
        }
    }
    Leg::Neither
}

/// The events of the call: from the Originate's response on, without the answers to other actions.
fn call_events(messages: &[Message], originate_id: &str) -> Vec<Message> {
    let start = messages
        .iter()
        .position(|m| m.get("Response").is_some() && m.action_id() == Some(originate_id))
        .expect("the Originate's response");
    messages[start..]
        .iter()
        .filter(|m| m.event().is_some() && m.action_id().is_none_or(|id| id == originate_id))
        .cloned()
        .collect()
}

type Token = (String, Leg);

fn tokens(events: &[Message]) -> Vec<Token> {
    events.iter().map(|m| (m.event().unwrap_or_default().to_string(), leg(m))).collect()
}

/// The pairs (i, j) of one longest common subsequence of `a` and `b`.
fn lcs(a: &[Token], b: &[Token]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Scores the simulator's call events against the recording's; prints the figures and, with
/// `REAL_CALLS_DIFF=1`, the alignment. Returns the score and the matched pairs.
fn score(name: &str, real: &[Message], sim: &[Message]) -> (f64, Vec<(usize, usize)>) {
    let (rt, st) = (tokens(real), tokens(sim));
    let pairs = lcs(&rt, &st);
    let score = pairs.len() as f64 / rt.len().max(st.len()).max(1) as f64;
    let no_varset = |t: &[Token]| t.iter().filter(|(e, _)| e != "VarSet").cloned().collect::<Vec<_>>();
    let (rn, sn) = (no_varset(&rt), no_varset(&st));
    let covered = lcs(&rn, &sn).len() as f64 / rn.len().max(1) as f64;
    eprintln!(
        "{name}: real {} events, simulator {}, in common {} → score {score:.3} (without VarSet: {:.0}% of the real events matched in order)",
        rt.len(),
        st.len(),
        pairs.len(),
        covered * 100.0
    );
    if std::env::var_os("REAL_CALLS_DIFF").is_some() {
        let (mut i, mut j) = (0, 0);
        for &(pi, pj) in pairs.iter().chain(std::iter::once(&(rt.len(), st.len()))) {
            while i < pi {
                eprintln!("  - {:<24} {:?}", rt[i].0, rt[i].1);
                i += 1;
            }
            while j < pj {
                eprintln!("  + {:<24} {:?}", st[j].0, st[j].1);
                j += 1;
            }
            if pi < rt.len() {
                eprintln!("    {:<24} {:?}", rt[pi].0, rt[pi].1);
            }
            (i, j) = (pi + 1, pj + 1);
        }
    }
    (score, pairs)
}

fn keys(m: &Message) -> Vec<&str> {
    m.fields().iter().map(|(k, _)| k.as_str()).collect()
}

fn describe(m: &Message) -> String {
    m.fields().iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" | ")
}

/// Matched events must carry the same keys in the same order.
fn same_keys(name: &str, real: &[Message], sim: &[Message], pairs: &[(usize, usize)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(i, j)| keys(&real[*i]) != keys(&sim[*j]))
        .map(|(i, j)| format!("{name}: keys differ\n real: {}\n  sim: {}", describe(&real[*i]), describe(&sim[*j])))
        .collect()
}

/// `PJSIP/1001-00000004` → `PJSIP/1001-*`: channel sequence numbers differ between runs;
/// `PJSIP/1002,20` → `PJSIP/1002,*`: Dial's timeout is scaled like the rest of the time.
fn normalize(v: &str) -> String {
    if let Some((target, _)) = v.split_once(',').filter(|(t, _)| t.starts_with("PJSIP/")) {
        return format!("{target},*");
    }
    match v.split_once('-') {
        Some((device, seq)) if device.starts_with("PJSIP/") && seq.len() == 8 => format!("{device}-*"),
        _ => v.to_string(),
    }
}

/// For each (event, key): per leg, the sequence of values in the simulator's events equals the
/// recording's.
fn same_values(name: &str, real: &[Message], sim: &[Message], checks: &[(&str, &[&str])]) -> Vec<String> {
    let mut problems = Vec::new();
    for (event, keys) in checks {
        for l in [Leg::Caller, Leg::Callee, Leg::Neither] {
            for key in *keys {
                let values = |events: &[Message]| -> Vec<Option<String>> {
                    events
                        .iter()
                        .filter(|m| m.event() == Some(event) && leg(m) == l)
                        .map(|m| m.get(key).map(normalize))
                        .collect()
                };
                let (r, s) = (values(real), values(sim));
                if r != s {
                    problems.push(format!("{name}: {event} ({l:?}) {key}: real {r:?}, simulator {s:?}"));
                }
            }
        }
    }
    problems
}

/// The value checks every call transcript gets.
const CALL_CHECKS: &[(&str, &[&str])] = &[
    ("Newchannel", &["Exten", "Context", "CallerIDNum", "CallerIDName", "ConnectedLineNum", "ConnectedLineName"]),
    ("Newexten", &["Exten", "Application", "AppData", "ConnectedLineNum"]),
    ("Newstate", &["ChannelStateDesc", "ConnectedLineNum"]),
    ("NewConnectedLine", &["ConnectedLineNum", "ConnectedLineName"]),
    ("DialBegin", &["Channel", "DestChannel", "DialString", "ConnectedLineNum", "DestConnectedLineNum"]),
    ("DialState", &["Channel", "DestChannel", "DialStatus", "ConnectedLineNum"]),
    ("DialEnd", &["Channel", "DestChannel", "DestExten", "DialStatus"]),
    ("OriginateResponse", &["Response", "Channel", "Context", "Exten", "Reason", "CallerIDNum"]),
    ("VarSet", &["Variable"]),
    ("BridgeCreate", &["BridgeTechnology", "BridgeNumChannels"]),
    ("BridgeEnter", &["BridgeTechnology", "BridgeNumChannels", "Exten", "ConnectedLineNum"]),
    ("BridgeLeave", &["BridgeTechnology", "BridgeNumChannels"]),
    ("BridgeDestroy", &["BridgeTechnology", "BridgeNumChannels"]),
    ("SoftHangupRequest", &["Cause"]),
    ("Hangup", &["Cause", "Cause-txt", "Exten", "ConnectedLineNum", "ConnectedLineName"]),
    ("ExtensionStatus", &["Status", "StatusText"]),
    ("DeviceStateChange", &["State"]),
    (
        "Cdr",
        &[
            "Source",
            "Destination",
            "DestinationContext",
            "CallerID",
            "Channel",
            "DestinationChannel",
            "LastApplication",
            "LastData",
            "Disposition",
        ],
    ),
];

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}

/// Scores the played `session` against the recorded `file`, checks that matched events carry the
/// same keys in the same order and that the values of [`CALL_CHECKS`] agree, leg by leg.
fn conforms(file: &str, originate_id: &str, session: &Session) -> (Vec<Message>, Vec<Message>) {
    let real = call_events(&recorded(file), originate_id);
    let sim = call_events(&session.messages(), originate_id);
    let (score, pairs) = score(file, &real, &sim);
    let mut problems = same_keys(file, &real, &sim, &pairs);
    problems.extend(same_values(file, &real, &sim, CALL_CHECKS));
    if score < BAR {
        problems.push(format!("{file}: score {score:.3} is below {BAR}"));
    }
    assert_none(problems);
    (real, sim)
}

fn first<'a>(events: &'a [Message], event: &str, l: Leg) -> Option<(usize, &'a Message)> {
    events.iter().enumerate().find(|(_, m)| m.event() == Some(event) && leg(m) == l)
}

fn position(events: &[Message], event: &str, l: Leg) -> usize {
    first(events, event, l).unwrap_or_else(|| panic!("no {event} of the {l:?}")).0
}

/// The event order the recordings agree on, in the simulator's events.
fn ordered_like_asterisk(sim: &[Message]) {
    let at = |e, l| position(sim, e, l);
    assert!(
        at("OriginateResponse", Leg::Caller) < at("Newchannel", Leg::Callee),
        "OriginateResponse comes before the callee's channel"
    );
    let hangup = at("Hangup", Leg::Caller);
    assert_eq!(sim[hangup - 1].event(), Some("Cdr"), "the Cdr event comes just before the caller's Hangup");
    // The originated leg's Dial events carry only the `Dest…` block.
    for m in sim.iter().filter(|m| {
        m.event().is_some_and(|e| e.starts_with("Dial"))
            && m.get("DestChannel").is_some_and(|d| d.starts_with("PJSIP/1001"))
    }) {
        assert_eq!(m.get("Channel"), None, "an originated leg's Dial event has no caller block: {}", describe(m));
    }
    // Hints first, then the device.
    for (i, m) in sim.iter().enumerate().filter(|(_, m)| m.event() == Some("DeviceStateChange")) {
        let device = m.get("Device").unwrap();
        let before = sim[..i]
            .iter()
            .rev()
            .find(|m| m.event() == Some("ExtensionStatus") || m.event() == Some("DeviceStateChange"));
        assert_eq!(
            before.and_then(|m| m.get("Hint")),
            Some(device),
            "ExtensionStatus precedes DeviceStateChange of {device}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The transcripts.

#[tokio::test]
async fn s1_a_bridged_call_scores_like_a_real_one() {
    let sim = start(recorded_pbx(true, true, "20")).await;
    let mut s = Session::new(&sim).await;
    s.originate("s1-originate").await;
    s.bridged().await;
    tokio::time::sleep(seconds(3.0)).await;
    s.hang_up_caller("s1-hangup").await;
    let (_, events) = conforms("s1-bridged-pjsip.txt", "s1-originate", &s);
    ordered_like_asterisk(&events);
    assert!(
        position(&events, "BridgeEnter", Leg::Callee) < position(&events, "BridgeEnter", Leg::Caller),
        "the callee enters the bridge first"
    );
    assert!(
        position(&events, "BridgeLeave", Leg::Caller) < position(&events, "SoftHangupRequest", Leg::Caller),
        "the hung-up caller leaves the bridge before its SoftHangupRequest"
    );
    // The CDR's answer time is when the originated leg answered, not when the callee did.
    let cdrs = sim.cdrs();
    assert_eq!(cdrs.len(), 1, "{cdrs:?}");
    let answered = cdrs[0].answer.expect("an answered call has an answer time");
    let caller_up = s.read_at("caller up", |m| {
        m.event() == Some("Newstate") && leg(m) == Leg::Caller && m.get("ChannelState") == Some("6")
    });
    let callee_up = s.read_at("callee up", |m| {
        m.event() == Some("Newstate") && leg(m) == Leg::Callee && m.get("ChannelState") == Some("6")
    });
    assert!(answered <= caller_up && caller_up < callee_up, "AnswerTime is the caller's answer");
    assert_eq!(cdrs[0].billsec, cdrs[0].end.duration_since(answered).unwrap().as_secs());
    sim.stop().await;
}

#[tokio::test]
async fn s2_an_unanswered_dial_scores_like_a_real_one() {
    let sim = start(recorded_pbx(true, false, "0.7")).await;
    let mut s = Session::new(&sim).await;
    s.originate("s2-originate").await;
    s.until("the caller's Hangup", |m| m.event() == Some("Hangup") && leg(m) == Leg::Caller).await;
    s.settle(seconds(3.0)).await;
    let (real, events) = conforms("s2-no-answer-pjsip.txt", "s2-originate", &s);
    ordered_like_asterisk(&events);
    // RTCPSent on the answered leg every 5 s (the recording's spacing), keys as recorded.
    let stamps: Vec<f64> = transcript::read_timed(&transcript::real_calls_dir().join("s2-no-answer-pjsip.txt"))
        .into_iter()
        .filter(|t| t.message.event() == Some("RTCPSent"))
        .map(|t| t.at)
        .collect();
    assert!(stamps.windows(2).all(|w| (w[1] - w[0] - 5.0).abs() < 0.1), "recorded RTCPSent times {stamps:?}");
    let want = first(&real, "RTCPSent", Leg::Caller).expect("the recording has RTCPSent").1;
    let rtcp: Vec<&Message> = events.iter().filter(|m| m.event() == Some("RTCPSent")).collect();
    assert_eq!(rtcp.len(), 3, "one report per 5 s of the 17.5 s the answered caller waited");
    for m in &rtcp {
        assert_eq!(leg(m), Leg::Caller);
        assert_eq!(keys(m), keys(want));
        assert_eq!(m.get("PT"), Some("200(SR)"));
    }
    let sent: Vec<u64> = rtcp.iter().map(|m| m.get("SentPackets").unwrap().parse().unwrap()).collect();
    assert!(sent.windows(2).all(|w| w[0] < w[1]), "packet counts grow: {sent:?}");
    // Two CDR rows: the Dial (NO ANSWER, though the originated caller answered) and the Hangup().
    let cdrs = sim.cdrs();
    let rows: Vec<(&str, &str, bool, bool)> = cdrs
        .iter()
        .map(|c| (c.disposition.as_str(), c.lastapp.as_str(), c.dstchannel.is_empty(), c.answer.is_some()))
        .collect();
    assert_eq!(rows, [("NO ANSWER", "Dial", false, true), ("ANSWERED", "Hangup", true, true)]);
    let caller_up = s.read_at("caller up", |m| {
        m.event() == Some("Newstate") && leg(m) == Leg::Caller && m.get("ChannelState") == Some("6")
    });
    assert!(cdrs[0].answer.unwrap() <= caller_up);
    assert!(cdrs[1].start >= cdrs[0].end && cdrs[1].answer == Some(cdrs[1].start));
    sim.stop().await;
}

/// The recorded answer to `id`'s list, items only.
fn items(messages: &[Message], id: &str) -> Vec<Message> {
    messages
        .iter()
        .filter(|m| m.action_id() == Some(id) && m.event().is_some() && m.get("EventList").is_none())
        .cloned()
        .collect()
}

/// Items of a channel list, by leg: same keys in the same order, same values of `compare`.
fn same_channels(what: &str, real: &[Message], sim: &[Message], compare: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    if real.len() != sim.len() {
        problems.push(format!("{what}: {} items recorded, {} from the simulator", real.len(), sim.len()));
    }
    for r in real {
        let Some(s) = sim.iter().find(|s| leg(s) == leg(r)) else {
            problems.push(format!("{what}: nothing for the {:?}", leg(r)));
            continue;
        };
        let (rk, sk): (Vec<&str>, Vec<&str>) = (
            keys(r).into_iter().filter(|k| *k != "ActionID").collect(),
            keys(s).into_iter().filter(|k| *k != "ActionID").collect(),
        );
        if rk != sk || keys(r).last() != keys(s).last() {
            problems.push(format!(
                "{what} ({:?}): keys differ\n real: {}\n  sim: {}",
                leg(r),
                describe(r),
                describe(s)
            ));
        }
        for key in compare {
            if r.get(key).map(normalize) != s.get(key).map(normalize) {
                problems.push(format!(
                    "{what} ({:?}) {key}: real {:?}, simulator {:?}",
                    leg(r),
                    r.get(key),
                    s.get(key)
                ));
            }
        }
    }
    problems
}

#[tokio::test]
async fn s3_snapshots_during_a_call_answer_like_the_real_ones() {
    let sim = start(recorded_pbx(true, true, "20")).await;
    let mut s = Session::new(&sim).await;
    s.originate("s3-originate").await;
    s.bridged().await;
    tokio::time::sleep(seconds(3.0)).await;
    for (action, id) in [
        ("CoreShowChannels", "s3-coreshowchannels"),
        ("Status", "s3-status"),
        ("DeviceStateList", "s3-devicestatelist"),
        ("PJSIPShowEndpoints", "s3-pjsipshowendpoints"),
        ("ExtensionStateList", "s3-extensionstatelist"),
    ] {
        s.ask(Message::new().with("Action", action).with("ActionID", id)).await;
    }
    s.hang_up_caller("s3-hangup").await;
    let (_, events) = conforms("s3-snapshots-during-call.txt", "s3-originate", &s);
    ordered_like_asterisk(&events);

    let (real, got) = (recorded("s3-snapshots-during-call.txt"), s.messages());
    let answer = |id: &str| (items(&real, id), items(&got, id));
    let mut problems = Vec::new();
    let connected = ["Exten", "Context", "ConnectedLineNum", "ConnectedLineName", "ChannelStateDesc"];
    let (r, g) = answer("s3-coreshowchannels");
    problems.extend(same_channels(
        "CoreShowChannel",
        &r,
        &g,
        &[&connected[..], &["Application", "ApplicationData"]].concat(),
    ));
    let (r, g) = answer("s3-status");
    problems.extend(same_channels(
        "Status",
        &r,
        &g,
        &[
            &connected[..],
            &[
                "Type",
                "EffectiveConnectedLineNum",
                "EffectiveConnectedLineName",
                "Application",
                "Data",
                "Nativeformats",
            ],
        ]
        .concat(),
    ));
    // Both channels name the same bridge, and the call's linkedid is the caller's uniqueid.
    let bridges: BTreeSet<&str> = g.iter().filter_map(|m| m.get("BridgeID")).collect();
    assert_eq!(bridges.len(), 1, "{bridges:?}");
    let caller = g.iter().find(|m| leg(m) == Leg::Caller).expect("the caller's Status");
    assert!(g.iter().all(|m| m.get("Linkedid") == caller.get("Uniqueid")), "{g:?}");
    let (r, g) = answer("s3-pjsipshowendpoints");
    let endpoints = |l: &[Message]| {
        l.iter().filter(|m| m.get("ObjectName").is_some_and(|n| n.starts_with("100"))).cloned().collect::<Vec<_>>()
    };
    let (r, g) = (endpoints(&r), endpoints(&g));
    assert_eq!(r.len(), 2);
    for (r, g) in r.iter().zip(&g) {
        if r.fields() != g.fields() && keys(r) == keys(g) {
            for key in ["ObjectName", "Aor", "Auths", "Contacts", "DeviceState", "ActiveChannels"] {
                if r.get(key) != g.get(key) {
                    problems.push(format!("EndpointList {key}: real {:?}, simulator {:?}", r.get(key), g.get(key)));
                }
            }
        } else if keys(r) != keys(g) {
            problems.push(format!("EndpointList keys differ\n real: {}\n  sim: {}", describe(r), describe(g)));
        }
    }
    let (r, g) = answer("s3-devicestatelist");
    problems.extend(same_set("DeviceStateList during the call", &devices(&r), &devices(&g)));
    let (r, g) = answer("s3-extensionstatelist");
    problems.extend(same_set("ExtensionStateList during the call", &hints(&r), &hints(&g)));
    assert_none(problems);
    sim.stop().await;
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
    let got = s.messages();
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
