//! Asterisk starting and stopping — the simulator's `Phase::Booting` and `Phase::ShuttingDown` — as
//! the manager interface shows them, and what the host makes of them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::ami::{AmiClient, AmiConfig, Decoder, Frame, LinkState, Message, encode};
use switchboard::events::{BusConfig, EventBus};
use switchboard::sim::{Phase, PbxSeed, SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
async fn the_host_probes_again_once_a_pbx_it_met_booting_is_fully_booted() {
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
    let info = client.wait_up(Duration::from_secs(10)).await.expect("the link comes up while Asterisk boots");
    assert!(!info.pjsip && !info.chan_sip, "no module is loaded yet: {info:?}");
    sim.set_phase(Phase::Running);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.state() {
            LinkState::Up(info) if info.pjsip => break,
            state => assert!(Instant::now() < deadline, "still {state:?} after FullyBooted"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.stop();
    sim.stop().await;
}
