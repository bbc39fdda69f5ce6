//! The PBX simulator over real TCP: it must answer like the Asterisk 22 transcripts, and its calls
//! must produce Asterisk's events and CDRs.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use switchboard::ami::{Decoder, Frame, Kind, Message, encode};
use switchboard_sim::{EndpointSeed, ExtenSeed, MemberSeed, PbxSeed, QueueSeed, Scenario, SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::transcript::{self, Direction};

const WAIT: Duration = Duration::from_secs(3);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The PBX the transcripts were recorded on: context `acceptance` (100 answers and waits, 200
/// echoes, 300 plays, 400 queues, `_100[12]` dials), endpoints 1001 and 1002, queue `acceptance`.
fn acceptance_seed() -> PbxSeed {
    let mut seed = PbxSeed::empty();
    for n in ["1001", "1002"] {
        let mut e = EndpointSeed::phone(n, &format!("Acceptance {n}"));
        e.context = "acceptance".into();
        e.contact = Some(format!("sip:{n}@127.0.0.1:507{}", &n[3..]));
        e.password = Some(format!("acceptance-{n}"));
        e.mailbox = None;
        e.ring = ms(10);
        seed.endpoints.push(e);
    }
    seed.queues.push(QueueSeed {
        name: "acceptance".into(),
        exten: Some("400".into()),
        strategy: "ringall".into(),
        members: vec![MemberSeed::new("PJSIP/1001", ""), MemberSeed::new("PJSIP/1002", "")],
    });
    seed.dialplan = vec![
        ExtenSeed::new("acceptance", "100", &["NoOp(acceptance hold)", "Answer", "Wait(60)"]),
        ExtenSeed::new("acceptance", "200", &["NoOp(acceptance echo)", "Answer", "Echo"]),
        ExtenSeed::new("acceptance", "300", &["Answer", "Playback(demo-congrats)"]),
        ExtenSeed::new("acceptance", "400", &["Answer", "Queue(acceptance)"]),
        ExtenSeed::new("acceptance", "_100[12]", &["Dial(PJSIP/${EXTEN},30)"]),
    ];
    seed.internal_context = "acceptance".into();
    seed
}

async fn acceptance_sim() -> Simulator {
    Simulator::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        username: "acceptance".into(),
        secret: "acceptance-secret".into(),
        pbx: acceptance_seed(),
        config_dir: None,
        cdr_csv: None,
    })
    .await
    .expect("simulator starts")
}

async fn demo_sim() -> Simulator {
    Simulator::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        pbx: PbxSeed::demo().with_ring(ms(10)),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// An AMI client that keeps every message it reads (the real-calls conformance test uses it too).
pub(crate) struct Client {
    stream: TcpStream,
    decoder: Decoder,
    banner: String,
    inbox: VecDeque<Message>,
    closed: bool,
    next_id: u64,
}

impl Client {
    pub(crate) async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connects");
        let mut c = Client {
            stream,
            decoder: Decoder::client(),
            banner: String::new(),
            inbox: VecDeque::new(),
            closed: false,
            next_id: 0,
        };
        let deadline = Instant::now() + WAIT;
        while c.banner.is_empty() {
            assert!(c.fill(deadline).await, "no banner");
        }
        c
    }

    /// Reads more bytes; false on timeout or EOF.
    pub(crate) async fn fill(&mut self, deadline: Instant) -> bool {
        if self.closed {
            return false;
        }
        let mut buf = [0u8; 16384];
        match tokio::time::timeout_at(deadline.into(), self.stream.read(&mut buf)).await {
            Err(_) => false,
            Ok(Ok(0)) | Ok(Err(_)) => {
                self.closed = true;
                false
            }
            Ok(Ok(n)) => {
                self.decoder.extend(&buf[..n]);
                while let Some(frame) = self.decoder.next_frame().unwrap() {
                    match frame {
                        Frame::Banner(b) => self.banner = b,
                        Frame::Message(m) => self.inbox.push_back(m),
                    }
                }
                true
            }
        }
    }

    pub(crate) async fn send(&mut self, m: &Message) {
        let _ = self.stream.write_all(&encode(m).unwrap()).await;
    }

    /// The next message, within `wait`.
    pub(crate) async fn recv(&mut self, wait: Duration) -> Option<Message> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(m) = self.inbox.pop_front() {
                return Some(m);
            }
            if !self.fill(deadline).await {
                return None;
            }
        }
    }

    /// Waits for EOF (true) within `wait`, dropping whatever arrives before.
    pub(crate) async fn closes_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while !self.closed {
            if !self.fill(deadline).await && !self.closed {
                return false;
            }
        }
        true
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("t-{}", self.next_id)
    }

    /// Sends `action` (with a fresh ActionID) and returns its response and, for a list, its items
    /// up to the `…Complete` event. Other messages stay in the inbox.
    pub(crate) async fn request(&mut self, action: Message) -> Vec<Message> {
        let id = self.id();
        let action = action.with("ActionID", id.clone());
        self.send(&action).await;
        let mut out = Vec::new();
        let mut skipped = VecDeque::new();
        let deadline = Instant::now() + WAIT;
        loop {
            let m = match self.inbox.pop_front() {
                Some(m) => m,
                None => {
                    assert!(self.fill(deadline).await, "no complete answer to {action:?}; got {out:?}");
                    continue;
                }
            };
            if m.action_id() != Some(id.as_str()) || (m.kind() == Kind::Event && m.event() == Some("OriginateResponse"))
            {
                skipped.push_back(m);
                continue;
            }
            let list = out.first().is_some_and(|r: &Message| r.get("EventList") == Some("start"));
            let done = if out.is_empty() {
                m.get("EventList") != Some("start")
            } else {
                m.get("EventList") == Some("Complete")
            };
            out.push(m);
            if done && (list || out.len() == 1) {
                break;
            }
        }
        skipped.extend(self.inbox.drain(..));
        self.inbox = skipped;
        out
    }

    pub(crate) async fn login(&mut self, user: &str, secret: &str, events: Option<&str>) -> Vec<Message> {
        let mut m = Message::new().with("Action", "Login").with("Username", user).with("Secret", secret);
        if let Some(e) = events {
            m.push("Events", e);
        }
        self.request(m).await
    }

    /// Waits for the first event named `name` (others are kept).
    pub(crate) async fn event(&mut self, name: &str, wait: Duration) -> Message {
        self.event_where(name, wait, |_| true).await
    }

    pub(crate) async fn event_where(&mut self, name: &str, wait: Duration, pred: impl Fn(&Message) -> bool) -> Message {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(i) = self.inbox.iter().position(|m| m.event() == Some(name) && pred(m)) {
                return self.inbox.remove(i).unwrap();
            }
            assert!(
                self.fill(deadline).await,
                "no {name} event; inbox: {:?}",
                self.inbox.iter().map(|m| m.event()).collect::<Vec<_>>()
            );
        }
    }

    /// Every event that arrives within `quiet` of the last one (up to `max`).
    pub(crate) async fn drain_events(&mut self, quiet: Duration) -> Vec<Message> {
        let mut out: Vec<Message> = self.inbox.drain(..).collect();
        while let Some(m) = self.recv(quiet).await {
            out.push(m);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Conformance with the transcripts.

/// One client action of a transcript and what the server sent back before the next action.
struct Exchange {
    action: Message,
    answers: Vec<Message>,
    closes: bool,
}

/// Splits a transcript into exchanges; also whether it starts with the banner.
fn exchanges(name: &str) -> (bool, Vec<Exchange>) {
    let path = transcript::dir().join(name);
    let chunks = transcript::read(&path);
    // Which chunk a "connection closed" marker follows.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut closed_after = Vec::new();
    let mut seen = 0usize;
    for line in text.lines().filter(|l| l.starts_with("--- ")) {
        if line.contains("connection closed") {
            closed_after.push(seen);
        } else {
            seen += 1;
        }
    }
    let banner = chunks
        .first()
        .is_some_and(|c| c.direction == Direction::ToClient && c.bytes.starts_with(b"Asterisk Call Manager/"));
    let mut server = if banner { Decoder::client() } else { Decoder::server() };
    let mut client = Decoder::server();
    let mut out: Vec<Exchange> = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        match chunk.direction {
            Direction::ToServer => {
                client.extend(&chunk.bytes);
                while let Some(Frame::Message(action)) = client.next_frame().unwrap() {
                    out.push(Exchange { action, answers: Vec::new(), closes: false });
                }
            }
            Direction::ToClient => {
                server.extend(&chunk.bytes);
                while let Some(frame) = server.next_frame().unwrap() {
                    if let Frame::Message(m) = frame {
                        out.last_mut().expect("an answer follows an action").answers.push(m);
                    }
                }
            }
        }
        if closed_after.contains(&(i + 1)) {
            if let Some(last) = out.last_mut() {
                last.closes = true;
            }
        }
    }
    (banner, out)
}

/// Keys whose values are the same on any Asterisk 22 with the same configuration and state.
const STATIC_KEYS: &[&str] = &[
    "Response",
    "Message",
    "EventList",
    "Event",
    "ActionID",
    "Privilege",
    "Ping",
    "AMIversion",
    "AsteriskVersion",
    "CoreCDRenabled",
    "ListItems",
    "Items",
    "ObjectType",
    "ObjectName",
    "Family",
    "Key",
    "Val",
    "Variable",
    "Value",
    "Queue",
    "Strategy",
    "Membership",
    "Location",
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Context",
    "Exten",
    "Priority",
    "Extension",
    "Application",
    "AppData",
    "ApplicationData",
    "DialString",
    "DialStatus",
    "Reason",
    "Cause",
    "Cause-txt",
    "Device",
    "State",
    "Type",
    "RequestType",
    "Severity",
    "Service",
    "AccountID",
    "DestChannel",
    "LocalOneChannel",
    "LocalTwoChannel",
];

fn describe(m: &Message) -> String {
    m.fields().iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" | ")
}

/// Same kind, same keys in the same order, same values where they are static.
fn assert_alike(file: &str, what: &str, got: &Message, want: &Message) {
    let keys = |m: &Message| m.fields().iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    if want.get("Response") == Some("Success") && keys(want).len() > 100 && want.get("AbsoluteTimeout").is_some() {
        // ListCommands: the simulator lists only the actions it has, each as Asterisk 22 does.
        let mut wanted = want.fields().iter();
        for (k, v) in got.fields() {
            assert!(
                wanted.any(|(wk, wv)| wk == k && (wv == v || k == "ActionID")),
                "{file} {what}: ListCommands entry {k}: {v} is not Asterisk's, or out of order"
            );
        }
        return;
    }
    assert_eq!(keys(got), keys(want), "{file} {what}: keys differ\n got: {}\nwant: {}", describe(got), describe(want));
    let outputs: Vec<&str> = want.get_all("Output").collect();
    for (i, ((k, gv), (_, wv))) in got.fields().iter().zip(want.fields()).enumerate() {
        let compare = STATIC_KEYS.contains(&k.as_str())
            || (k == "Output"
                && (outputs.len() == 1 || i == want.fields().iter().position(|(k, _)| k == "Output").unwrap()));
        if compare {
            assert_eq!(
                gv,
                wv,
                "{file} {what}: value of {k} differs\n got: {}\nwant: {}",
                describe(got),
                describe(want)
            );
        }
    }
}

/// Replays `file`'s actions on `client` and checks every answer.
async fn replay(client: &mut Client, file: &str, exchanges: &[Exchange]) -> usize {
    let mut compared = 0;
    for (n, ex) in exchanges.iter().enumerate() {
        client.send(&ex.action).await;
        let what = format!("exchange {n} ({})", ex.action.get("Action").unwrap_or("?"));
        // The simulator runs cdr_manager; the recorded Asterisk did not.
        let want: Vec<&Message> = ex.answers.iter().filter(|m| m.event() != Some("Cdr")).collect();
        let mut got = Vec::new();
        while got.len() < want.len() {
            match client.recv(WAIT).await {
                Some(m) if m.event() == Some("Cdr") => {}
                Some(m) => got.push(m),
                None => panic!(
                    "{file} {what}: {} of {} answers; got {:?}; want {:?}",
                    got.len(),
                    want.len(),
                    got.iter().map(describe).collect::<Vec<_>>(),
                    want.iter().map(|m| describe(m)).collect::<Vec<_>>()
                ),
            }
        }
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_alike(file, &format!("{what} message {i}"), g, w);
            compared += 1;
        }
        if ex.closes {
            assert!(client.closes_within(WAIT).await, "{file} {what}: the server should close the connection");
        }
    }
    compared
}

#[tokio::test]
async fn a_whole_session_is_answered_like_the_transcript() {
    let sim = acceptance_sim().await;
    let (banner, exchanges) = exchanges("session-full.txt");
    assert!(banner);
    assert!(exchanges.len() >= 25);
    let mut client = Client::connect(sim.address()).await;
    assert_eq!(client.banner, "Asterisk Call Manager/11.0.0");
    let compared = replay(&mut client, "session-full.txt", &exchanges).await;
    let expected: usize = exchanges.iter().map(|e| e.answers.len()).sum();
    assert_eq!(compared, expected);
    assert!(compared > 80, "{compared}");
    assert!(client.closed);
    sim.stop().await;
}

#[tokio::test]
async fn every_transcript_file_is_answered_alike() {
    // Files that are one whole connection, each on a fresh connection.
    let sim = acceptance_sim().await;
    for file in ["banner.txt", "Login.txt", "Login-events-off.txt", "Login-bad-secret.txt", "no-login.txt"] {
        let (_, exchanges) = exchanges(file);
        let mut client = Client::connect(sim.address()).await;
        assert_eq!(client.banner, "Asterisk Call Manager/11.0.0", "{file}");
        replay(&mut client, file, &exchanges).await;
    }
    // The excerpts of the main session, in its order, on one logged-in connection.
    let mut client = Client::connect(sim.address()).await;
    client.login("acceptance", "acceptance-secret", None).await;
    client.drain_events(ms(50)).await;
    let mut covered = vec![
        "session-full.txt",
        "banner.txt",
        "Login.txt",
        "Login-events-off.txt",
        "Login-bad-secret.txt",
        "no-login.txt",
    ];
    for file in [
        "Ping.txt",
        "CoreSettings.txt",
        "CoreStatus.txt",
        "CoreShowChannels-idle.txt",
        "Originate.txt",
        "CoreShowChannels.txt",
        "Status.txt",
        "Status-channel.txt",
        "Command.txt",
        "Command-core-show-version.txt",
        "Command-invalid.txt",
        "PJSIPShowEndpoints.txt",
        "PJSIPShowEndpoint.txt",
        "QueueStatus.txt",
        "QueueSummary.txt",
        "DBPut.txt",
        "DBGet.txt",
        "DBGet-missing.txt",
        "DBGetTree.txt",
        "DBDel.txt",
        "Getvar.txt",
        "ListCommands.txt",
        "unknown-action.txt",
        "Hangup.txt",
        "Hangup-nochannel.txt",
        "CoreShowChannels-after-hangup.txt",
        "Logoff.txt",
    ] {
        let (_, exchanges) = exchanges(file);
        replay(&mut client, file, &exchanges).await;
        covered.push(file);
    }
    // `core stop now` ends the PBX: its own connection closes without a reply.
    let (_, exchanges) = exchanges("Command-core-stop-now.txt");
    let mut client = Client::connect(sim.address()).await;
    replay(&mut client, "Command-core-stop-now.txt", &exchanges).await;
    covered.push("Command-core-stop-now.txt");
    for (name, _) in transcript::all() {
        assert!(covered.contains(&name.as_str()), "{name} is not replayed");
    }
    sim.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

/// Event names of a finished scenario as `client` saw them, without the state-change events and
/// `VarSet` (the real-calls conformance test checks those against Asterisk's own).
fn names(events: &[Message]) -> Vec<String> {
    events
        .iter()
        .filter_map(|m| m.event())
        .filter(|e| !matches!(*e, "DeviceStateChange" | "ExtensionStatus" | "QueueMemberStatus" | "VarSet"))
        .map(str::to_string)
        .collect()
}

pub(crate) async fn logged_in(sim: &Simulator) -> Client {
    let (user, secret) = sim.credentials();
    let (user, secret) = (user.to_string(), secret.to_string());
    let mut c = Client::connect(sim.address()).await;
    let r = c.login(&user, &secret, None).await;
    assert_eq!(r[0].get("Message"), Some("Authentication accepted"));
    c.drain_events(ms(30)).await;
    c
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `(device, state)` of every `DeviceStateChange` for `device`.
fn device_states(events: &[Message], device: &str) -> Vec<String> {
    events
        .iter()
        .filter(|m| m.event() == Some("DeviceStateChange") && m.get("Device") == Some(device))
        .map(|m| m.get("State").unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn an_answered_internal_call_produces_asterisks_events_and_an_answered_cdr() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let report = sim
        .run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: ms(1050) })
        .await
        .unwrap();
    let events = c.drain_events(ms(100)).await;
    assert_eq!(
        names(&events),
        strs(&[
            "Newchannel",
            "Newexten",
            "Newchannel",
            "Newexten",
            "NewConnectedLine",
            "DialBegin",
            "NewConnectedLine",
            "Newstate",
            "DialState",
            "Newstate",
            "Newstate",
            "DialEnd",
            "BridgeCreate",
            "Newexten",
            "BridgeEnter",
            "BridgeEnter",
            "HangupRequest",
            "BridgeLeave",
            "BridgeLeave",
            "BridgeDestroy",
            "Cdr",
            "Hangup",
            "Hangup",
        ])
    );
    assert_eq!(device_states(&events, "PJSIP/1002"), strs(&["RINGING", "INUSE", "NOT_INUSE"]));
    assert_eq!(device_states(&events, "PJSIP/1001"), strs(&["INUSE", "NOT_INUSE"]));
    let hint = events.iter().find(|m| m.event() == Some("ExtensionStatus") && m.get("Exten") == Some("1002")).unwrap();
    assert_eq!(
        (hint.get("Context"), hint.get("Hint"), hint.get("Status"), hint.get("StatusText")),
        (Some("from-internal"), Some("PJSIP/1002"), Some("8"), Some("Ringing"))
    );
    // Every call event carries the call's linkedid; the uniqueids are the report's.
    let linked: Vec<&Message> = events.iter().filter(|m| m.get("Linkedid").is_some()).collect();
    assert!(linked.iter().all(|m| m.get("Linkedid") == Some(report.linkedid.as_str())));
    assert_eq!(report.uniqueids.len(), 2);
    assert_eq!(report.channels[0], "PJSIP/1001-00000000");
    assert_eq!(report.channels[1], "PJSIP/1002-00000001");
    let dial_end = events.iter().find(|m| m.event() == Some("DialEnd")).unwrap();
    assert_eq!(
        (dial_end.get("Channel"), dial_end.get("DestChannel"), dial_end.get("DialStatus")),
        (Some("PJSIP/1001-00000000"), Some("PJSIP/1002-00000001"), Some("ANSWER"))
    );
    let hangup = events.iter().find(|m| m.event() == Some("Hangup")).unwrap();
    assert_eq!((hangup.get("Cause"), hangup.get("Cause-txt")), (Some("16"), Some("Normal Clearing")));
    assert_eq!(report.cdrs.len(), 1);
    let cdr = &report.cdrs[0];
    assert_eq!((cdr.src.as_str(), cdr.dst.as_str(), cdr.dcontext.as_str()), ("1001", "1002", "from-internal"));
    assert_eq!((cdr.channel.as_str(), cdr.dstchannel.as_str()), ("PJSIP/1001-00000000", "PJSIP/1002-00000001"));
    assert_eq!((cdr.lastapp.as_str(), cdr.lastdata.as_str()), ("Dial", "PJSIP/1002,30"));
    assert_eq!((cdr.disposition.as_str(), cdr.billsec), ("ANSWERED", 1));
    assert!(cdr.duration >= 1);
    assert_eq!(cdr.clid, "\"Alice Smith\" <1001>");
    assert_eq!(
        (cdr.uniqueid.as_str(), cdr.linkedid.as_str()),
        (report.uniqueids[0].as_str(), report.linkedid.as_str())
    );
    assert_eq!(sim.cdrs(), report.cdrs);
    // cdr_manager's event, field for field.
    let ev = events.iter().find(|m| m.event() == Some("Cdr")).unwrap();
    let keys: Vec<&str> = ev.fields().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "Event",
            "Privilege",
            "AccountCode",
            "Source",
            "Destination",
            "DestinationContext",
            "CallerID",
            "Channel",
            "DestinationChannel",
            "LastApplication",
            "LastData",
            "StartTime",
            "AnswerTime",
            "EndTime",
            "Duration",
            "BillableSeconds",
            "Disposition",
            "AMAFlags",
            "UniqueID",
            "UserField"
        ]
    );
    assert_eq!(
        (ev.get("Privilege"), ev.get("Disposition"), ev.get("BillableSeconds")),
        (Some("cdr,all"), Some("ANSWERED"), Some("1"))
    );
    assert_eq!(ev.get("StartTime"), Some(cdr.calldate().as_str()));
    assert!(sim.channels().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn unanswered_calls_end_with_cancel_or_noanswer() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let report = sim
        .run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: false, talk: ms(40) })
        .await
        .unwrap();
    let events = c.drain_events(ms(100)).await;
    assert_eq!(
        names(&events),
        strs(&[
            "Newchannel",
            "Newexten",
            "Newchannel",
            "Newexten",
            "NewConnectedLine",
            "DialBegin",
            "NewConnectedLine",
            "Newstate",
            "DialState",
            "HangupRequest",
            "DialEnd",
            "Hangup",
            "Cdr",
            "Hangup",
        ])
    );
    assert_eq!(events.iter().find(|m| m.event() == Some("DialEnd")).unwrap().get("DialStatus"), Some("CANCEL"));
    assert_eq!((report.cdrs[0].disposition.as_str(), report.cdrs[0].billsec), ("NO ANSWER", 0));

    let report = sim.run(Scenario::Unanswered { from: "1003".into(), to: "1004".into(), ring: ms(40) }).await.unwrap();
    let events = c.drain_events(ms(100)).await;
    assert_eq!(
        names(&events),
        strs(&[
            "Newchannel",
            "Newexten",
            "Newchannel",
            "Newexten",
            "NewConnectedLine",
            "DialBegin",
            "NewConnectedLine",
            "Newstate",
            "DialState",
            "DialEnd",
            "Hangup",
            "Newexten",
            "SoftHangupRequest",
            "Cdr",
            "Hangup",
        ])
    );
    assert_eq!(events.iter().find(|m| m.event() == Some("DialEnd")).unwrap().get("DialStatus"), Some("NOANSWER"));
    // The caller's Dial and Hangup, and between them the callee becoming Dial's outgoing line.
    let newexten: Vec<(&str, &str)> = events
        .iter()
        .filter(|m| m.event() == Some("Newexten"))
        .map(|m| (m.get("Channel").unwrap(), m.get("Application").unwrap()))
        .collect();
    assert_eq!(
        newexten,
        [("PJSIP/1003-00000002", "Dial"), ("PJSIP/1004-00000003", "AppDial"), ("PJSIP/1003-00000002", "Hangup")]
    );
    // The unanswered callee goes with cause 0 (Asterisk sets none), the caller with 16.
    let causes: Vec<(&str, &str)> = events
        .iter()
        .filter(|m| m.event() == Some("Hangup"))
        .map(|m| (m.get("Channel").unwrap(), m.get("Cause").unwrap()))
        .collect();
    assert_eq!(causes, [("PJSIP/1004-00000003", "0"), ("PJSIP/1003-00000002", "16")]);
    assert_eq!(device_states(&events, "PJSIP/1004"), strs(&["RINGING", "NOT_INUSE"]));
    assert_eq!(report.cdrs.len(), 1);
    assert_eq!((report.cdrs[0].disposition.as_str(), report.cdrs[0].answer), ("NO ANSWER", None));
    // An unregistered phone cannot be called: the scenario says so.
    assert!(
        sim.run(Scenario::Internal { from: "1009".into(), to: "1001".into(), answer: true, talk: ms(1) })
            .await
            .is_err()
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_queue_call_rings_the_members_and_connects_one() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let report = sim
        .run(Scenario::InboundToQueue {
            from: "+15551234567".into(),
            queue: "support".into(),
            answered_by: Some("1002".into()),
            talk: ms(40),
        })
        .await
        .unwrap();
    let events = c.drain_events(ms(100)).await;
    assert_eq!(
        names(&events),
        strs(&[
            "Newchannel",
            "Newexten",
            "Newstate",
            "Newexten",
            "QueueCallerJoin",
            "Newchannel",
            "DialBegin",
            "AgentCalled",
            "Newstate",
            "Newchannel",
            "DialBegin",
            "AgentCalled",
            "Newstate",
            "Newchannel",
            "DialBegin",
            "AgentCalled",
            "Newstate",
            "Newstate",
            "DialEnd",
            "DialEnd",
            "Hangup",
            "DialEnd",
            "Hangup",
            "QueueCallerLeave",
            "AgentConnect",
            "BridgeCreate",
            "BridgeEnter",
            "BridgeEnter",
            "HangupRequest",
            "AgentComplete",
            "BridgeLeave",
            "BridgeLeave",
            "BridgeDestroy",
            "Cdr",
            "Cdr",
            "Cdr",
            "Hangup",
            "Hangup",
        ])
    );
    let join = events.iter().find(|m| m.event() == Some("QueueCallerJoin")).unwrap();
    assert_eq!(
        (join.get("Channel"), join.get("CallerIDNum"), join.get("Queue"), join.get("Position"), join.get("Count")),
        (Some("PJSIP/trunk-provider-00000000"), Some("+15551234567"), Some("support"), Some("1"), Some("1"))
    );
    let connect = events.iter().find(|m| m.event() == Some("AgentConnect")).unwrap();
    assert_eq!(
        (
            connect.get("Privilege"),
            connect.get("DestChannel"),
            connect.get("Queue"),
            connect.get("Interface"),
            connect.get("MemberName")
        ),
        (Some("agent,all"), Some("PJSIP/1002-00000002"), Some("support"), Some("PJSIP/1002"), Some("Bob Jones"))
    );
    let complete = events.iter().find(|m| m.event() == Some("AgentComplete")).unwrap();
    assert_eq!(complete.get("Reason"), Some("caller"));
    let keys: Vec<&str> = complete.fields().iter().map(|(k, _)| k.as_str()).skip(2 + 14 + 14).collect();
    assert_eq!(keys, ["Queue", "Interface", "MemberName", "HoldTime", "TalkTime", "Reason"]);
    let cancelled: Vec<&str> = events
        .iter()
        .filter(|m| m.event() == Some("Hangup") && m.get("Cause") == Some("26"))
        .map(|m| m.get("Channel").unwrap())
        .collect();
    assert_eq!(cancelled, ["PJSIP/1001-00000001", "PJSIP/1003-00000003"]);
    let dispositions: Vec<(&str, &str)> =
        report.cdrs.iter().map(|c| (c.dstchannel.as_str(), c.disposition.as_str())).collect();
    assert_eq!(
        dispositions,
        [
            ("PJSIP/1001-00000001", "NO ANSWER"),
            ("PJSIP/1002-00000002", "ANSWERED"),
            ("PJSIP/1003-00000003", "NO ANSWER")
        ]
    );
    assert!(
        report
            .cdrs
            .iter()
            .all(|c| c.lastapp == "Queue" && c.lastdata == "support" && c.src == "+15551234567" && c.dst == "7001")
    );
    // The member's statistics moved.
    let status = c
        .request(Message::new().with("Action", "QueueStatus").with("Queue", "support").with("Member", "PJSIP/1002"))
        .await;
    assert_eq!(status[1].get("Completed"), Some("1"));
    assert_eq!(status[2].get("CallsTaken"), Some("1"));

    // Nobody answers: the caller abandons.
    let report = sim
        .run(Scenario::InboundToQueue {
            from: "5550000".into(),
            queue: "sales".into(),
            answered_by: None,
            talk: ms(40),
        })
        .await
        .unwrap();
    let events = c.drain_events(ms(100)).await;
    assert_eq!(
        names(&events),
        strs(&[
            "Newchannel",
            "Newexten",
            "Newstate",
            "Newexten",
            "QueueCallerJoin",
            "Newchannel",
            "DialBegin",
            "AgentCalled",
            "Newstate",
            "HangupRequest",
            "QueueCallerAbandon",
            "DialEnd",
            "Hangup",
            "QueueCallerLeave",
            "Cdr",
            "Hangup",
        ])
    );
    assert_eq!(report.cdrs[0].disposition, "NO ANSWER");
    let summary = c.request(Message::new().with("Action", "QueueSummary").with("Queue", "sales")).await;
    assert_eq!(summary[1].get("Callers"), Some("0"));
    sim.stop().await;
}

#[tokio::test]
async fn a_blind_transfer_moves_the_caller_to_the_third_party() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let report = sim
        .run(Scenario::BlindTransfer {
            from: "1001".into(),
            to: "1002".into(),
            transfer_to: "1003".into(),
            talk: ms(30),
        })
        .await
        .unwrap();
    let events = c.drain_events(ms(100)).await;
    assert_eq!(
        names(&events),
        strs(&[
            "Newchannel",
            "Newexten",
            "Newchannel",
            "Newexten",
            "NewConnectedLine",
            "DialBegin",
            "NewConnectedLine",
            "Newstate",
            "DialState",
            "Newstate",
            "Newstate",
            "DialEnd",
            "BridgeCreate",
            "Newexten",
            "BridgeEnter",
            "BridgeEnter",
            "BlindTransfer",
            "BridgeLeave",
            "BridgeLeave",
            "BridgeDestroy",
            "Hangup",
            "Newexten",
            "Newchannel",
            "Newexten",
            "NewConnectedLine",
            "DialBegin",
            "NewConnectedLine",
            "Newstate",
            "DialState",
            "Newstate",
            "DialEnd",
            "BridgeCreate",
            "Newexten",
            "BridgeEnter",
            "BridgeEnter",
            "HangupRequest",
            "BridgeLeave",
            "BridgeLeave",
            "BridgeDestroy",
            "Cdr",
            "Cdr",
            "Hangup",
            "Hangup",
        ])
    );
    let t = events.iter().find(|m| m.event() == Some("BlindTransfer")).unwrap();
    assert_eq!(
        (
            t.get("Result"),
            t.get("TransfererChannel"),
            t.get("TransfereeChannel"),
            t.get("IsExternal"),
            t.get("Context"),
            t.get("Extension")
        ),
        (
            Some("Success"),
            Some("PJSIP/1002-00000001"),
            Some("PJSIP/1001-00000000"),
            Some("Yes"),
            Some("from-internal"),
            Some("1003")
        )
    );
    assert!(t.get("BridgeUniqueid").is_some());
    let rows: Vec<(&str, &str)> = report.cdrs.iter().map(|c| (c.dst.as_str(), c.disposition.as_str())).collect();
    assert_eq!(rows, [("1002", "ANSWERED"), ("1003", "ANSWERED")]);
    assert_eq!(report.channels, ["PJSIP/1001-00000000", "PJSIP/1002-00000001", "PJSIP/1003-00000002"]);
    sim.stop().await;
}

#[tokio::test]
async fn every_client_sees_the_same_events_in_the_same_order() {
    let sim = demo_sim().await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(logged_in(&sim).await);
    }
    for c in &mut clients {
        c.drain_events(ms(50)).await; // the others' SuccessfulAuth
    }
    assert_eq!(sim.sessions(), 3);
    sim.run(Scenario::Internal { from: "1004".into(), to: "1005".into(), answer: true, talk: ms(20) }).await.unwrap();
    let mut seen = Vec::new();
    for c in &mut clients {
        seen.push(c.drain_events(ms(100)).await);
    }
    assert!(seen[0].len() > 20, "{}", seen[0].len());
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
    // A client with events off sees none; one with `cdr` only the CDR.
    let (user, secret) = (sim.credentials().0.to_string(), sim.credentials().1.to_string());
    let mut off = Client::connect(sim.address()).await;
    let r = off.login(&user, &secret, Some("off")).await;
    assert_eq!(r.len(), 1, "no FullyBooted with events off");
    let mut cdr_only = Client::connect(sim.address()).await;
    cdr_only.login(&user, &secret, Some("cdr")).await;
    sim.run(Scenario::Internal { from: "1004".into(), to: "1005".into(), answer: true, talk: ms(10) }).await.unwrap();
    assert!(off.drain_events(ms(100)).await.is_empty());
    let only: Vec<String> =
        cdr_only.drain_events(ms(100)).await.iter().map(|m| m.event().unwrap().to_string()).collect();
    assert_eq!(only, ["Cdr"]);
    // `Events: on` later turns them back on.
    let r = off.request(Message::new().with("Action", "Events").with("EventMask", "on")).await;
    assert_eq!(r[0].get("Events"), Some("On"));
    sim.run(Scenario::Internal { from: "1004".into(), to: "1005".into(), answer: true, talk: ms(10) }).await.unwrap();
    assert!(off.drain_events(ms(100)).await.len() > 20);
    sim.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Sessions and actions.

#[tokio::test]
async fn login_plain_md5_and_a_bad_secret() {
    let sim = demo_sim().await;
    // Plain.
    let mut c = Client::connect(sim.address()).await;
    let r = c.login("switchboard", "switchboard-secret", None).await;
    assert_eq!((r[0].get("Response"), r[0].get("Message")), (Some("Success"), Some("Authentication accepted")));
    let booted = c.event("FullyBooted", WAIT).await;
    assert_eq!((booted.get("Privilege"), booted.get("Status")), (Some("system,all"), Some("Fully Booted")));
    let auth = c.event("SuccessfulAuth", WAIT).await;
    assert_eq!(auth.get("AccountID"), Some("switchboard"));
    assert_eq!(
        c.login("switchboard", "switchboard-secret", None).await[0].get("Message"),
        Some("Already authenticated")
    );
    // MD5: Challenge, then Key = md5(challenge + secret).
    let mut c = Client::connect(sim.address()).await;
    let r = c.request(Message::new().with("Action", "Challenge").with("AuthType", "MD5")).await;
    let challenge = r[0].get("Challenge").expect("a challenge").to_string();
    assert!(!challenge.is_empty());
    let key: String = {
        use md5::{Digest, Md5};
        Md5::digest(format!("{challenge}switchboard-secret")).iter().map(|b| format!("{b:02x}")).collect()
    };
    let r = c
        .request(
            Message::new()
                .with("Action", "Login")
                .with("AuthType", "MD5")
                .with("Username", "switchboard")
                .with("Key", key),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Authentication accepted"));
    assert_eq!(c.request(Message::new().with("Action", "Ping")).await[0].get("Ping"), Some("Pong"));
    // A wrong MD5 key, a wrong secret, an unknown user: an error after about a second, then the
    // socket closes.
    let bad = [
        Message::new()
            .with("Action", "Login")
            .with("AuthType", "MD5")
            .with("Username", "switchboard")
            .with("Key", "00"),
        Message::new().with("Action", "Login").with("Username", "switchboard").with("Secret", "wrong"),
        Message::new().with("Action", "Login").with("Username", "nobody").with("Secret", "switchboard-secret"),
    ];
    let addr = sim.address();
    let attempts = bad.into_iter().map(|login| async move {
        let mut c = Client::connect(addr).await;
        if login.get("AuthType").is_some() {
            c.request(Message::new().with("Action", "Challenge").with("AuthType", "MD5")).await;
        }
        let started = Instant::now();
        let r = c.request(login).await;
        let took = started.elapsed();
        assert_eq!((r[0].get("Response"), r[0].get("Message")), (Some("Error"), Some("Authentication failed")));
        assert!(took >= ms(900) && took < ms(2000), "{took:?}");
        assert!(c.closes_within(WAIT).await);
    });
    futures::future::join_all(attempts).await;
    sim.stop().await;
}

#[tokio::test]
async fn actions_before_login_are_denied() {
    let sim = demo_sim().await;
    let mut c = Client::connect(sim.address()).await;
    for action in ["Ping", "CoreStatus", "Originate", "Command", "NoSuchAction"] {
        let r = c.request(Message::new().with("Action", action)).await;
        assert_eq!((r[0].get("Response"), r[0].get("Message")), (Some("Error"), Some("Permission denied")), "{action}");
    }
    let r = c.request(Message::new().with("Action", "Logoff")).await;
    assert_eq!(r[0].get("Response"), Some("Goodbye"));
    assert!(c.closes_within(WAIT).await);
    sim.stop().await;
}

#[tokio::test]
async fn a_thousand_pipelined_pings_are_answered_in_order() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let mut bytes = Vec::new();
    for i in 0..1000 {
        bytes.extend(encode(&Message::new().with("Action", "Ping").with("ActionID", format!("p{i}"))).unwrap());
    }
    c.stream.write_all(&bytes).await.unwrap();
    for i in 0..1000 {
        let m = c.recv(WAIT).await.unwrap_or_else(|| panic!("answer {i} missing"));
        assert_eq!(
            (m.get("Response"), m.action_id(), m.get("Ping")),
            (Some("Success"), Some(format!("p{i}").as_str()), Some("Pong"))
        );
        let keys: Vec<&str> = m.fields().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["Response", "ActionID", "Ping", "Timestamp"]);
        let (secs, micros) = m.get("Timestamp").unwrap().split_once('.').unwrap();
        assert!(secs.parse::<u64>().unwrap() > 1_700_000_000 && micros.len() == 6);
    }
    sim.stop().await;
}

/// Checks a list answer: `EventList: start`, items with the ActionID, `…Complete` counting them.
fn check_list(answer: &[Message], complete: &str, item: &str) -> usize {
    let id = answer[0].action_id().unwrap();
    assert_eq!((answer[0].get("Response"), answer[0].get("EventList")), (Some("Success"), Some("start")), "{answer:?}");
    let last = answer.last().unwrap();
    assert_eq!((last.event(), last.get("EventList"), last.action_id()), (Some(complete), Some("Complete"), Some(id)));
    let items = &answer[1..answer.len() - 1];
    assert_eq!(last.get("ListItems"), Some(items.len().to_string().as_str()));
    assert!(items.iter().all(|m| m.action_id() == Some(id)));
    items.iter().filter(|m| m.event() == Some(item)).count()
}

#[tokio::test]
async fn list_actions_complete_with_their_item_counts() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let req = |a: &str| Message::new().with("Action", a);
    assert_eq!(check_list(&c.request(req("CoreShowChannels")).await, "CoreShowChannelsComplete", "CoreShowChannel"), 0);
    assert_eq!(check_list(&c.request(req("PJSIPShowEndpoints")).await, "EndpointListComplete", "EndpointList"), 11);
    assert_eq!(check_list(&c.request(req("PJSIPShowContacts")).await, "ContactListComplete", "ContactList"), 9);
    let detail = c.request(req("PJSIPShowEndpoint").with("Endpoint", "1001")).await;
    assert_eq!(check_list(&detail, "EndpointDetailComplete", "EndpointDetail"), 1);
    assert_eq!(detail[1].get("Callerid"), Some("\"Alice Smith\" <1001>"));
    assert_eq!(detail[1].get("DeviceState"), Some("Not in use"));
    let missing = c.request(req("PJSIPShowEndpoint").with("Endpoint", "4711")).await;
    assert_eq!(missing[0].get("Message"), Some("Unable to retrieve endpoint 4711"));
    assert_eq!(check_list(&c.request(req("QueueStatus")).await, "QueueStatusComplete", "QueueMember"), 5);
    assert_eq!(check_list(&c.request(req("QueueSummary")).await, "QueueSummaryComplete", "QueueSummary"), 2);
    // Only published states: the 9 registered endpoints (1009 and 1010 never registered), and
    // each queue's pseudo-devices (`Queue:NAME`, `…_avail`, one `…_pause_…` per member): 4 + 5.
    let devices = c.request(req("DeviceStateList")).await;
    assert_eq!(check_list(&devices, "DeviceStateListComplete", "DeviceStateChange"), 18);
    let states: Vec<(&str, &str)> =
        devices[1..devices.len() - 1].iter().map(|m| (m.get("Device").unwrap(), m.get("State").unwrap())).collect();
    assert!(states.contains(&("PJSIP/1001", "NOT_INUSE")) && !states.iter().any(|(d, _)| *d == "PJSIP/1010"));
    assert!(states.contains(&("Queue:support_avail", "NOT_INUSE")));
    assert!(states.contains(&("Queue:sales_pause_PJSIP/1005", "NOT_INUSE")));
    let hints = c.request(req("ExtensionStateList")).await;
    assert_eq!(check_list(&hints, "ExtensionStateListComplete", "ExtensionStatus"), 10);
    assert_eq!(hints[10].get("StatusText"), Some("Unavailable"));
    assert_eq!(check_list(&c.request(req("DBGetTree")).await, "DBGetTreeComplete", "DBGetTreeResponse"), 2);
    assert_eq!(check_list(&c.request(req("Status")).await, "StatusComplete", "Status"), 0);
    let status = c.request(req("Status").with("Channel", "PJSIP/1001-0000ffff")).await;
    assert_eq!((status[0].get("Response"), status[0].get("Message")), (Some("Error"), Some("No such channel")));
    // Single answers.
    let state = c.request(req("ExtensionState").with("Exten", "1002").with("Context", "from-internal")).await;
    assert_eq!(
        (state[0].get("Message"), state[0].get("Hint"), state[0].get("Status"), state[0].get("StatusText")),
        (Some("Extension Status"), Some("PJSIP/1002"), Some("0"), Some("Idle"))
    );
    let count = c.request(req("MailboxCount").with("Mailbox", "1001@default")).await;
    assert_eq!((count[0].get("NewMessages"), count[0].get("OldMessages")), (Some("2"), Some("5")));
    let status = c.request(req("MailboxStatus").with("Mailbox", "1002")).await;
    assert_eq!(status[0].get("Waiting"), Some("1"));
    let reload = c.request(req("Reload").with("Module", "res_pjsip.so")).await;
    assert_eq!(reload[0].get("Message"), Some("Module Reloaded"));
    let reload = c.request(req("Reload").with("Module", "no_such")).await;
    assert_eq!(reload[0].get("Message"), Some("No such module"));
    let check = c.request(req("ModuleCheck").with("Module", "res_pjsip.so")).await;
    assert_eq!((check[0].get("Response"), check[0].get("Version")), (Some("Success"), Some("")));
    let check = c.request(req("ModuleCheck").with("Module", "chan_sip")).await;
    assert_eq!((check[0].get("Response"), check[0].get("Message")), (Some("Error"), Some("Module not loaded")));
    let commands = c.request(req("ListCommands")).await;
    assert_eq!(commands[0].get("Originate"), Some("Originate a call.  (Priv: originate,all)"));
    assert!(commands[0].get("SIPpeers").is_none());
    sim.stop().await;
}

#[tokio::test]
async fn originate_async_answers_then_reports_and_the_call_lives_until_hung_up() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let r = c
        .request(
            Message::new()
                .with("Action", "Originate")
                .with("Channel", "PJSIP/1001")
                .with("Context", "from-internal")
                .with("Exten", "200")
                .with("Priority", "1")
                .with("CallerID", "\"Click\" <5550100>")
                .with("Variable", "CDR(userfield)=crm-42")
                .with("Async", "true"),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Originate successfully queued"));
    let id = r[0].action_id().unwrap().to_string();
    let resp = c.event("OriginateResponse", WAIT).await;
    assert_eq!(
        (resp.action_id(), resp.get("Response"), resp.get("Reason"), resp.get("Exten")),
        (Some(id.as_str()), Some("Success"), Some("4"), Some("200"))
    );
    let channel = resp.get("Channel").unwrap().to_string();
    assert!(channel.starts_with("PJSIP/1001-"), "{channel}");
    assert_eq!(resp.get("CallerIDNum"), Some("5550100"));
    // The channel runs 200: NoOp, Answer, Echo.
    c.event_where("Newexten", WAIT, |m| m.get("Application") == Some("Echo")).await;
    let live = c.request(Message::new().with("Action", "CoreShowChannels")).await;
    assert_eq!(check_list(&live, "CoreShowChannelsComplete", "CoreShowChannel"), 1);
    assert_eq!(
        (live[1].get("Channel"), live[1].get("Application"), live[1].get("ChannelStateDesc")),
        (Some(channel.as_str()), Some("Echo"), Some("Up"))
    );
    let var = c
        .request(
            Message::new()
                .with("Action", "Getvar")
                .with("Channel", channel.as_str())
                .with("Variable", "CDR(userfield)"),
        )
        .await;
    assert_eq!(var[0].get("Value"), Some("crm-42"));
    let set = c
        .request(
            Message::new()
                .with("Action", "Setvar")
                .with("Channel", channel.as_str())
                .with("Variable", "CRM_ID")
                .with("Value", "7"),
        )
        .await;
    assert_eq!(set[0].get("Message"), Some("Variable Set"));
    assert_eq!(c.event("VarSet", WAIT).await.get("Value"), Some("7"));
    let var = c
        .request(Message::new().with("Action", "Getvar").with("Channel", channel.as_str()).with("Variable", "CRM_ID"))
        .await;
    assert_eq!(var[0].get("Value"), Some("7"));
    // Hang it up by regex.
    let hung = c.request(Message::new().with("Action", "Hangup").with("Channel", "/^PJSIP/100[1]-/")).await;
    assert_eq!(check_list(&hung, "ChannelsHungupListComplete", "ChannelHungup"), 1);
    let cdr = c.event("Cdr", WAIT).await;
    assert_eq!(
        (cdr.get("UserField"), cdr.get("Disposition"), cdr.get("LastApplication")),
        (Some("crm-42"), Some("ANSWERED"), Some("Echo"))
    );
    assert!(sim.channels().is_empty());

    // Unregistered endpoint: Reason 0 at once; a phone nobody picks up: Reason 3 after Timeout.
    for (target, reason) in [("PJSIP/1009", "0"), ("PJSIP/1008", "3"), ("PJSIP/4711", "0"), ("SIP/1001", "0")] {
        let r = c
            .request(
                Message::new()
                    .with("Action", "Originate")
                    .with("Channel", target)
                    .with("Exten", "200")
                    .with("Timeout", "100")
                    .with("Async", "yes"),
            )
            .await;
        let id = r[0].action_id().unwrap().to_string();
        let resp = c.event_where("OriginateResponse", WAIT, |m| m.action_id() == Some(id.as_str())).await;
        assert_eq!(
            (resp.get("Response"), resp.get("Reason"), resp.get("Channel"), resp.get("Uniqueid")),
            (Some("Failure"), Some(reason), Some(target), Some("<null>")),
            "{target}"
        );
    }
    // Synchronous: the answer waits for the outcome.
    let r =
        c.request(Message::new().with("Action", "Originate").with("Channel", "PJSIP/1010").with("Exten", "200")).await;
    assert_eq!((r[0].get("Response"), r[0].get("Message")), (Some("Error"), Some("Originate failed")));
    let r = c
        .request(
            Message::new().with("Action", "Originate").with("Channel", "Local/100@from-internal").with("Exten", "200"),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Originate successfully queued"));
    assert_eq!(sim.channels().len(), 2);
    let r = c.request(Message::new().with("Action", "Originate")).await;
    assert_eq!(r[0].get("Message"), Some("Channel not specified"));
    // `_0X.` dials out through the trunk without the leading 0.
    let r = c
        .request(
            Message::new()
                .with("Action", "Originate")
                .with("Channel", "Local/05551234@from-internal")
                .with("Application", "Echo"),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Originate successfully queued"));
    let begin = c
        .event_where("DialBegin", WAIT, |m| {
            m.get("DestChannel").is_some_and(|d| d.starts_with("PJSIP/trunk-provider-"))
        })
        .await;
    assert_eq!((begin.get("DialString"), begin.get("DestCallerIDNum")), (Some("5551234"), Some("5551234")));
    sim.stop().await;
}

#[tokio::test]
async fn click_to_call_bridges_two_phones_and_redirect_moves_a_channel() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    // Ring 1001; when it answers it dials 1002 through the dialplan.
    let r = c
        .request(
            Message::new()
                .with("Action", "Originate")
                .with("Channel", "PJSIP/1001")
                .with("Context", "from-internal")
                .with("Exten", "1002")
                .with("Async", "1"),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Originate successfully queued"));
    let enter =
        c.event_where("BridgeEnter", WAIT, |m| m.get("Channel").is_some_and(|ch| ch.starts_with("PJSIP/1002-"))).await;
    let bridge = enter.get("BridgeUniqueid").unwrap().to_string();
    let status = c.request(Message::new().with("Action", "Status")).await;
    assert_eq!(check_list(&status, "StatusComplete", "Status"), 2);
    assert!(status[1..3].iter().all(|m| m.get("BridgeID") == Some(bridge.as_str())));
    let peer = status[1..3]
        .iter()
        .find(|m| m.get("Channel").unwrap().starts_with("PJSIP/1002-"))
        .unwrap()
        .get("Channel")
        .unwrap()
        .to_string();
    let caller = status[1..3]
        .iter()
        .find(|m| m.get("Channel").unwrap().starts_with("PJSIP/1001-"))
        .unwrap()
        .get("Channel")
        .unwrap()
        .to_string();
    let var = c
        .request(
            Message::new().with("Action", "Getvar").with("Channel", caller.as_str()).with("Variable", "BRIDGEPEER"),
        )
        .await;
    assert_eq!(var[0].get("Value"), Some(peer.as_str()));
    // Redirect the caller to the echo test: it leaves the bridge, the callee hangs up.
    let r = c
        .request(
            Message::new()
                .with("Action", "Redirect")
                .with("Channel", caller.as_str())
                .with("Context", "from-internal")
                .with("Exten", "200")
                .with("Priority", "1"),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Redirect successful"));
    c.event_where("Hangup", WAIT, |m| m.get("Channel") == Some(peer.as_str())).await;
    c.event_where("Newexten", WAIT, |m| {
        m.get("Channel") == Some(caller.as_str()) && m.get("Application") == Some("Echo")
    })
    .await;
    assert_eq!(sim.channels(), [caller.clone()]);
    let r = c
        .request(
            Message::new()
                .with("Action", "Redirect")
                .with("Channel", "PJSIP/9-1")
                .with("Context", "x")
                .with("Exten", "1")
                .with("Priority", "1"),
        )
        .await;
    assert_eq!(r[0].get("Message"), Some("Channel does not exist: PJSIP/9-1"));
    let r = c.request(Message::new().with("Action", "Hangup").with("Channel", caller.as_str())).await;
    assert_eq!(r[0].get("Message"), Some("Channel Hungup"));
    c.event_where("Hangup", WAIT, |m| m.get("Channel") == Some(caller.as_str())).await;
    assert!(sim.channels().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn command_database_and_queue_actions() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    let cmd = |text: &str| Message::new().with("Action", "Command").with("Command", text);
    let out = |m: &[Message]| m[0].get_all("Output").map(str::to_string).collect::<Vec<_>>();
    let r = c.request(cmd("core show channels verbose")).await;
    let header = "Channel                                                                          Context                  Extension                Prio State   Application  Data                      CallerID        Duration Accountcode PeerAccount BridgeID            ";
    assert_eq!(out(&r), [header, "0 active channels", "0 active calls", "0 calls processed"]);
    assert_eq!(out(&c.request(cmd("database put cidname 1001 Alice")).await), ["Updated database successfully"]);
    assert_eq!(out(&c.request(cmd("database get cidname 1001")).await), ["Value: Alice"]);
    let shown = out(&c.request(cmd("database show cidname")).await);
    assert_eq!(shown, [format!("{:<50}: {:<25}", "/cidname/1001", "Alice"), "1 result found.".to_string()]);
    assert_eq!(out(&c.request(cmd("database del cidname 1001")).await), ["Database entry removed."]);
    assert_eq!(out(&c.request(cmd("database get cidname 1001")).await), ["Database entry not found."]);
    let db = c.request(Message::new().with("Action", "DBGet").with("Family", "DND").with("Key", "1006")).await;
    assert_eq!(db[1].get("Val"), Some("YES"));
    let r = c.request(Message::new().with("Action", "DBDelTree").with("Family", "DND")).await;
    assert_eq!(r[0].get("Message"), Some("Key tree deleted successfully"));
    let endpoints = out(&c.request(cmd("pjsip show endpoints")).await);
    assert_eq!(endpoints.last().map(String::as_str), Some("Objects found: 11"));
    assert!(endpoints.iter().any(|l| l.starts_with(" Endpoint:  1009/1009") && l.contains("Unavailable")));
    let bad = c.request(cmd("core show nothing")).await;
    assert_eq!(bad[0].get("Response"), Some("Error"));
    assert_eq!(
        out(&bad),
        ["No such command 'core show nothing' (type 'core show help core show nothing' for other possible commands)"]
    );
    // Queue members: dynamic ones come and go, static ones stay.
    let q = |a: &str| Message::new().with("Action", a).with("Queue", "support");
    let r = c.request(q("QueueAdd").with("Interface", "PJSIP/1004").with("MemberName", "Dave Brown")).await;
    assert_eq!(r[0].get("Message"), Some("Added interface to queue"));
    let added = c.event("QueueMemberAdded", WAIT).await;
    assert_eq!((added.get("Membership"), added.get("Status")), (Some("dynamic"), Some("1")));
    let r = c.request(q("QueueAdd").with("Interface", "PJSIP/1004")).await;
    assert_eq!(r[0].get("Message"), Some("Unable to add interface: Already there"));
    let r =
        c.request(q("QueuePause").with("Interface", "PJSIP/1004").with("Paused", "true").with("Reason", "lunch")).await;
    assert_eq!(r[0].get("Message"), Some("Interface paused successfully"));
    assert_eq!(c.event("QueueMemberPause", WAIT).await.get("PausedReason"), Some("lunch"));
    let r = c.request(q("QueueRemove").with("Interface", "PJSIP/1001")).await;
    assert_eq!(r[0].get("Message"), Some("Member not dynamic"));
    let r = c.request(q("QueueRemove").with("Interface", "PJSIP/1004")).await;
    assert_eq!(r[0].get("Message"), Some("Removed interface from queue"));
    let r = c
        .request(Message::new().with("Action", "QueueAdd").with("Queue", "nope").with("Interface", "PJSIP/1004"))
        .await;
    assert_eq!(r[0].get("Message"), Some("Unable to add interface to queue: No such queue"));
    sim.stop().await;
}

#[tokio::test]
async fn endpoints_can_be_added_and_removed_at_runtime() {
    let sim = demo_sim().await;
    let mut c = logged_in(&sim).await;
    sim.upsert_endpoint(EndpointSeed::phone("1011", "Kim Lee"));
    let change = c.event_where("DeviceStateChange", WAIT, |m| m.get("Device") == Some("PJSIP/1011")).await;
    assert_eq!(change.get("State"), Some("NOT_INUSE"));
    let r = c.request(Message::new().with("Action", "Reload").with("Module", "res_pjsip.so")).await;
    assert_eq!(r[0].get("Response"), Some("Success"));
    let list = c.request(Message::new().with("Action", "PJSIPShowEndpoints")).await;
    assert_eq!(check_list(&list, "EndpointListComplete", "EndpointList"), 12);
    sim.upsert_extension(ExtenSeed::new("from-internal", "1011", &["Dial(PJSIP/1011,20)"]));
    sim.run(Scenario::Internal { from: "1001".into(), to: "1011".into(), answer: true, talk: ms(10) }).await.unwrap();
    assert!(sim.remove_endpoint("1011"));
    assert!(!sim.remove_endpoint("1011"));
    let r = c.request(Message::new().with("Action", "PJSIPShowEndpoint").with("Endpoint", "1011")).await;
    assert_eq!(r[0].get("Response"), Some("Error"));
    sim.stop().await;
}

#[tokio::test]
async fn stop_closes_every_session_and_the_port_can_be_reused() {
    let sim = demo_sim().await;
    let addr = sim.address();
    let mut a = logged_in(&sim).await;
    let mut b = Client::connect(addr).await;
    assert_eq!(sim.sessions(), 2);
    let started = Instant::now();
    sim.stop().await;
    assert!(a.closes_within(ms(1000)).await);
    assert!(b.closes_within(ms(1000)).await);
    assert!(started.elapsed() < ms(2000));
    let sim =
        Simulator::start(SimConfig { listen: addr, pbx: PbxSeed::demo().with_ring(ms(10)), ..SimConfig::default() })
            .await
            .expect("restarts on the same port");
    assert_eq!(sim.address(), addr);
    let mut c = logged_in(&sim).await;
    assert_eq!(c.request(Message::new().with("Action", "Ping")).await[0].get("Ping"), Some("Pong"));
    assert_eq!(sim.sessions(), 1);
    sim.stop().await;
}

#[tokio::test]
async fn core_stop_now_drops_every_client_and_the_pbx_comes_back() {
    let sim = demo_sim().await;
    let mut watcher = logged_in(&sim).await;
    let mut unauthenticated = Client::connect(sim.address()).await;
    let mut c = logged_in(&sim).await;
    c.send(&Message::new().with("Action", "Command").with("Command", "core stop now")).await;
    assert!(c.closes_within(WAIT).await);
    let shutdown = watcher.event("Shutdown", WAIT).await;
    assert_eq!((shutdown.get("Shutdown"), shutdown.get("Restart")), (Some("Cleanly"), Some("False")));
    assert!(watcher.closes_within(WAIT).await);
    assert!(unauthenticated.closes_within(WAIT).await);
    // Back at once, with a fresh uptime.
    let mut again = Client::connect(sim.address()).await;
    again.login("switchboard", "switchboard-secret", None).await;
    let booted = again.event("FullyBooted", WAIT).await;
    assert_eq!(booted.get("Uptime"), Some("0"));
    sim.stop().await;
}

#[tokio::test]
async fn chan_sip_mode_lists_peers_like_asterisk_13_and_has_no_pjsip() {
    let sim = Simulator::start(SimConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        pbx: PbxSeed::demo().with_chan_sip(),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut c = logged_in(&sim).await;
    let req = |a: &str| Message::new().with("Action", a);
    let check = c.request(req("ModuleCheck").with("Module", "chan_sip.so")).await;
    assert_eq!(check[0].get("Response"), Some("Success"));
    let check = c.request(req("ModuleCheck").with("Module", "res_pjsip")).await;
    assert_eq!((check[0].get("Response"), check[0].get("Message")), (Some("Error"), Some("Module not loaded")));
    let settings = c.request(req("CoreSettings")).await;
    assert_eq!((settings[0].get("AsteriskVersion"), settings[0].get("AMIversion")), (Some("13.38.3"), Some("2.10.6")));
    let unknown = c.request(req("PJSIPShowEndpoints")).await;
    assert!(unknown[0].get("Message").unwrap().starts_with("Invalid/unknown command: PJSIPShowEndpoints."), "{unknown:?}");
    let commands = c.request(req("ListCommands")).await;
    assert!(commands[0].get("SIPpeers").is_some() && commands[0].get("PJSIPShowEndpoints").is_none());

    let peers = c.request(req("SIPpeers")).await;
    let id = peers[0].action_id().unwrap().to_string();
    assert_eq!(
        (peers[0].get("Response"), peers[0].get("EventList"), peers[0].get("Message")),
        (Some("Success"), Some("start"), Some("Peer status list will follow"))
    );
    let last = peers.last().unwrap();
    // chan_sip writes the ActionID last in the closing event.
    assert_eq!(
        last.fields().iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        strs(&["Event", "EventList", "ListItems", "ActionID"])
    );
    assert_eq!((last.event(), last.get("ListItems")), (Some("PeerlistComplete"), Some("11")));
    let first = &peers[1];
    let fields: Vec<(String, String)> = first.fields().to_vec();
    let want: Vec<(String, String)> = [
        ("Event", "PeerEntry"),
        ("ActionID", id.as_str()),
        ("Channeltype", "SIP"),
        ("ObjectName", "1001"),
        ("ChanObjectType", "peer"),
        ("IPaddress", "192.0.2.11"),
        ("IPport", "5060"),
        ("Dynamic", "yes"),
        ("AutoForcerport", "no"),
        ("Forcerport", "no"),
        ("AutoComedia", "no"),
        ("Comedia", "no"),
        ("VideoSupport", "no"),
        ("TextSupport", "no"),
        ("ACL", "yes"),
        ("Status", "OK (2 ms)"),
        ("RealtimeDevice", "no"),
        ("Description", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(fields, want);
    let by_name = |n: &str| peers.iter().find(|m| m.get("ObjectName") == Some(n)).unwrap();
    assert_eq!((by_name("1010").get("IPaddress"), by_name("1010").get("Status")), (Some("-none-"), Some("UNKNOWN")));
    assert_eq!((by_name("trunk-provider").get("Dynamic"), by_name("trunk-provider").get("ACL")), (Some("no"), Some("no")));
    sim.stop().await;
}

#[tokio::test]
async fn a_parked_call_is_listed_by_parkedcalls_until_the_caller_gives_up() {
    let sim = std::sync::Arc::new(demo_sim().await);
    let mut c = logged_in(&sim).await;
    let req = |a: &str| Message::new().with("Action", a);
    assert_eq!(check_list(&c.request(req("ParkedCalls")).await, "ParkedCallsComplete", "ParkedCall"), 0);
    let missing = c.request(req("ParkedCalls").with("ParkingLot", "vip")).await;
    assert_eq!((missing[0].get("Response"), missing[0].get("Message")), (Some("Error"), Some("Requested parking lot could not be found.")));

    let runner = sim.clone();
    let call = tokio::spawn(async move {
        runner.run(Scenario::Park { from: "1001".into(), to: "1002".into(), talk: ms(30), parked: ms(1500) }).await
    });
    let parked = c.event("ParkedCall", WAIT).await;
    assert_eq!(
        (
            parked.get("ParkeeChannel").map(|c| c.starts_with("PJSIP/1001-")),
            parked.get("ParkeeCallerIDNum"),
            parked.get("ParkerDialString"),
            parked.get("Parkinglot"),
            parked.get("ParkingSpace"),
            parked.get("ParkingTimeout"),
            parked.get("ParkingDuration"),
        ),
        (Some(true), Some("1001"), Some("PJSIP/1002"), Some("default"), Some("701"), Some("45"), Some("0"))
    );
    let list = c.request(req("ParkedCalls")).await;
    assert_eq!(list[0].get("Message"), Some("Parked calls will follow"));
    assert_eq!(check_list(&list, "ParkedCallsComplete", "ParkedCall"), 1);
    let item = &list[1];
    let keys: Vec<String> = item.fields().iter().map(|(k, _)| k.clone()).collect();
    // res_parking: Parkee block, the parking fields, and the ActionID last.
    assert_eq!(keys.first().map(String::as_str), Some("Event"));
    assert_eq!(keys[1..3], strs(&["ParkeeChannel", "ParkeeChannelState"]));
    assert_eq!(
        keys[keys.len() - 6..],
        strs(&["ParkerDialString", "Parkinglot", "ParkingSpace", "ParkingTimeout", "ParkingDuration", "ActionID"])
    );
    assert_eq!(item.get("ParkeeUniqueid"), parked.get("ParkeeUniqueid"));
    assert_eq!(check_list(&c.request(req("ParkedCalls").with("ParkingLot", "default")).await, "ParkedCallsComplete", "ParkedCall"), 1);

    let gave_up = c.event("ParkedCallGiveUp", WAIT).await;
    assert_eq!(gave_up.get("ParkingSpace"), Some("701"));
    call.await.unwrap().unwrap();
    assert_eq!(check_list(&c.request(req("ParkedCalls")).await, "ParkedCallsComplete", "ParkedCall"), 0);
    drop(c);
    if let Ok(sim) = std::sync::Arc::try_unwrap(sim) {
        sim.stop().await;
    }
}
