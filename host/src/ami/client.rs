//! The AMI client: one long-lived connection to Asterisk, shared by every plugin.
//!
//! - Actions are pipelined: each gets a unique `ActionID` and waits on its own channel, so a
//!   thousand can be in flight on one socket and answers are matched however they interleave
//!   with events.
//! - List actions are collected: a response with `EventList: start` (or an older `… will follow`
//!   message) gathers the events carrying its ActionID until the `…Complete` event
//!   (`EventList: Complete`/`Cancelled`, or the pre-13.2 forms with only `Items:`).
//! - `Command` output in both formats: `Output:` lines (Asterisk ≥ 14) and `Response: Follows` …
//!   `--END COMMAND--` (≤ 13).
//! - Every other event goes to the [`EventSink`] (the event bus).
//! - A supervisor task connects, logs in (MD5 challenge or plain) asking for the configured event
//!   classes, waits for `FullyBooted` (Asterisk answers logins before its modules are loaded),
//!   probes the PBX (version, chan_sip or PJSIP; again on a later `FullyBooted`, should the wait
//!   have given up), pings to detect a dead link, and reconnects: every [`PROBE_INTERVAL`] while the
//!   port is closed, with back-off only after a refused login.
//!   When the link drops, every in-flight action fails at once with [`AmiError::ConnectionLost`] and
//!   is never re-sent: an `Originate` may already have run. While the link is down, new actions fail
//!   at once with [`AmiError::NotConnected`] instead of queueing behind an outage.
//! - Values with CR/LF, bad header names and over-long values are refused before a byte is written.
//!
//! The `asterisk-rs-ami` crate was evaluated first; it completes list actions only on
//! `EventList: Complete`, which hangs on older `Status` answers, and its typed event model would be
//! converted straight back into multimaps for plugins.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};

use super::classes::EventClasses;
use super::codec::{self, Decoder, EncodeError, Frame};
use super::message::{Kind, Message};

/// Where and how to log in.
#[derive(Debug, Clone)]
pub struct AmiConfig {
    /// `host:port` of the manager interface.
    pub address: String,
    /// Manager user.
    pub username: String,
    /// Manager secret.
    pub secret: String,
    /// Log in with the MD5 challenge (the secret never crosses the wire) instead of plain text.
    pub md5: bool,
    /// How long one action may wait for its answer.
    pub action_timeout: Duration,
    /// How often an idle link is checked with `Ping`.
    pub ping_interval: Duration,
    /// Longest pause between login attempts that the PBX refused (a wrong secret, a port that is
    /// not Asterisk's). While the port itself is closed the host probes it every
    /// [`PROBE_INTERVAL`] instead, however long the PBX has been away.
    pub max_backoff: Duration,
    /// The event classes asked for at login and let onto the bus.
    pub events: EventClasses,
}

/// How often a closed or unreachable AMI port is tried again. Trying costs one TCP connect (a
/// refused one is a few microseconds on either side), so the link is back within about this long
/// after Asterisk opens its port, rather than after a back-off that grew during a long outage.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);

/// How long one TCP connect may take. An unreachable host (no answer at all, rather than a
/// refusal) is tried again after this.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long the host waits after logging in for Asterisk's `FullyBooted`. Until it arrives the PBX
/// is still loading modules: actions answer `Invalid/unknown command` and a probe of the SIP
/// driver would be wrong, so the link is not called up. A PBX that never sends it (a manager
/// proxy that filters `system` events) is taken as booted after this long.
pub const BOOT_WAIT: Duration = Duration::from_secs(10);

impl Default for AmiConfig {
    fn default() -> Self {
        AmiConfig {
            address: "127.0.0.1:5038".into(),
            username: String::new(),
            secret: String::new(),
            md5: true,
            action_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
            max_backoff: Duration::from_secs(30),
            events: EventClasses::default(),
        }
    }
}

/// Why an action has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmiError {
    /// There is no connection to the PBX right now; nothing was sent.
    #[error("not connected to the PBX")]
    NotConnected,
    /// The connection dropped after the action was sent; it may or may not have run.
    #[error("the connection to the PBX was lost before the answer arrived")]
    ConnectionLost,
    /// The action was refused before sending.
    #[error("invalid action: {0}")]
    Invalid(String),
    /// No answer in time.
    #[error("no answer from the PBX within {0} ms")]
    Timeout(u128),
}

impl From<EncodeError> for AmiError {
    fn from(e: EncodeError) -> Self {
        AmiError::Invalid(e.to_string())
    }
}

/// The answer to an action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionResult {
    /// The `Response:` message.
    pub response: Message,
    /// A list action's items, in order.
    pub events: Vec<Message>,
    /// A list action's closing `…Complete` event.
    pub complete: Option<Message>,
}

impl ActionResult {
    /// Whether Asterisk answered `Response: Success` (or `Follows`/`Goodbye`).
    pub fn is_success(&self) -> bool {
        !matches!(self.response.get("Response"), Some(r) if r.eq_ignore_ascii_case("Error"))
    }

    /// CLI output lines of a `Command` answer, in either format.
    pub fn output_lines(&self) -> Vec<String> {
        match &self.response.legacy_output {
            Some(text) => text.lines().map(str::to_string).collect(),
            None => self.response.get_all("Output").map(str::to_string).collect(),
        }
    }
}

/// What we learned about the PBX right after logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbxInfo {
    /// `AsteriskVersion` from `CoreSettings`, e.g. `22.10.1`.
    pub version: String,
    /// `AMIversion`, e.g. `11.0.0`.
    pub ami_version: String,
    /// Whether chan_sip answers (`SIPpeers`); Asterisk 21+ has only PJSIP.
    pub chan_sip: bool,
    /// Whether PJSIP answers (`PJSIPShowEndpoints`).
    pub pjsip: bool,
}

/// The link's state, for health reports and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// Connecting or waiting to reconnect.
    Down {
        /// Why the last attempt ended, if there was one.
        last_error: Option<String>,
    },
    /// Logged in and probed.
    Up(PbxInfo),
}

/// Receives every event that is not part of a list answer. Called on the reader task: keep it quick.
pub trait EventSink: Send + Sync + 'static {
    /// One event from the PBX.
    fn event(&self, event: Message);
    /// The link came back after being down: events in between were lost.
    fn reconnected(&self, downtime: Duration);
}

/// A pending action.
struct Pending {
    answer: oneshot::Sender<Result<ActionResult, AmiError>>,
    result: ActionResult,
    /// The response said a list follows; collect events until its completion.
    listing: bool,
}

/// One live connection's shared parts.
struct Link {
    writer: mpsc::UnboundedSender<Vec<u8>>,
    pending: Arc<Mutex<HashMap<String, Pending>>>,
}

struct Shared {
    config: AmiConfig,
    link: Mutex<Option<Link>>,
    next_id: AtomicU64,
    state: watch::Sender<LinkState>,
    sink: Arc<dyn EventSink>,
    stats: AmiStats,
}

/// What the link has done, for the host's metrics (`switchboard_ami_*`).
#[derive(Debug)]
pub struct AmiStats {
    reconnects: AtomicU64,
    actions: crate::metrics::Histogram,
}

impl AmiStats {
    fn new() -> Self {
        AmiStats { reconnects: AtomicU64::new(0), actions: crate::metrics::Histogram::new(crate::metrics::ACTION_BOUNDS_NS) }
    }

    /// Times the link came back after it had been up.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    /// Round trips of the actions sent: to the whole answer, or to the failure (a timeout, the
    /// link lost).
    pub fn action_durations(&self) -> crate::metrics::HistogramSnapshot {
        self.actions.snapshot()
    }
}

/// A handle on the shared AMI connection. Cheap to clone.
#[derive(Clone)]
pub struct AmiClient {
    shared: Arc<Shared>,
    stop: Arc<watch::Sender<bool>>,
}

impl AmiClient {
    /// Starts the supervisor, which connects and keeps reconnecting until [`AmiClient::stop`].
    pub fn start(config: AmiConfig, sink: Arc<dyn EventSink>) -> AmiClient {
        let (state, _) = watch::channel(LinkState::Down { last_error: None });
        let shared = Arc::new(Shared { config, link: Mutex::new(None), next_id: AtomicU64::new(1), state, sink, stats: AmiStats::new() });
        let (stop, stop_rx) = watch::channel(false);
        tokio::spawn(supervise(shared.clone(), stop_rx));
        AmiClient { shared, stop: Arc::new(stop) }
    }

    /// Stops reconnecting and closes the link.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// What the link has done (reconnects, action round trips).
    pub fn stats(&self) -> &AmiStats {
        &self.shared.stats
    }

    /// The link's state now.
    pub fn state(&self) -> LinkState {
        self.shared.state.borrow().clone()
    }

    /// Waits until the link is up (or `timeout` passes) and returns the PBX info.
    pub async fn wait_up(&self, timeout: Duration) -> Option<PbxInfo> {
        let mut rx = self.shared.state.subscribe();
        let wait = rx.wait_for(|s| matches!(s, LinkState::Up(_)));
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(state)) => match &*state {
                LinkState::Up(info) => Some(info.clone()),
                LinkState::Down { .. } => None,
            },
            _ => None,
        }
    }

    /// Sends `action` (an `Action:` header first, then the rest; any `ActionID` is replaced) and
    /// waits for its whole answer.
    pub async fn send(&self, action: Message) -> Result<ActionResult, AmiError> {
        self.shared.send(action).await
    }

    /// Runs a CLI command and returns its output lines.
    pub async fn command(&self, command: &str) -> Result<ActionResult, AmiError> {
        self.send(Message::new().with("Action", "Command").with("Command", command)).await
    }
}

impl Shared {
    /// Hands an event to the sink, unless it is tagged only with classes the host did not ask for.
    fn deliver(&self, event: Message) {
        if self.config.events.admits(event.get("Privilege")) {
            self.sink.event(event);
        }
    }

    async fn send(&self, action: Message) -> Result<ActionResult, AmiError> {
        let id = format!("sb-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut message = Message::new();
        let mut fields = action.into_fields().into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("ActionID"));
        let first = fields.next().ok_or_else(|| AmiError::Invalid("an action needs an `Action` header".into()))?;
        if !first.0.eq_ignore_ascii_case("Action") {
            return Err(AmiError::Invalid("the first header of an action must be `Action`".into()));
        }
        message.push(first.0, first.1);
        message.push("ActionID", id.clone());
        for (k, v) in fields {
            message.push(k, v);
        }
        let bytes = codec::encode(&message)?;

        let (answer, receiver) = oneshot::channel();
        {
            let link = self.link.lock().unwrap_or_else(|p| p.into_inner());
            let Some(link) = link.as_ref() else { return Err(AmiError::NotConnected) };
            link.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.clone(), Pending { answer, result: ActionResult::default(), listing: false });
            if link.writer.send(bytes).is_err() {
                link.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                return Err(AmiError::NotConnected);
            }
        }
        let sent = std::time::Instant::now();
        let answer = tokio::time::timeout(self.config.action_timeout, receiver).await;
        self.stats.actions.observe(sent.elapsed());
        match answer {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AmiError::ConnectionLost),
            Err(_) => {
                if let Some(link) = self.link.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    link.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                }
                Err(AmiError::Timeout(self.config.action_timeout.as_millis()))
            }
        }
    }
}

/// Connect, log in, serve, and start over, until stopped.
///
/// The pause before the next attempt depends on how far the last one got: a port that is closed
/// or unreachable is probed every [`PROBE_INTERVAL`] however long the outage lasts; a login the PBX
/// refused backs off up to `max_backoff` (a wrong secret does not improve with hammering); a
/// connection that failed on the way up (closed during login) retries within a second.
async fn supervise(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(100);
    let mut was_up = false;
    let mut down_since = std::time::Instant::now();
    loop {
        let attempt = tokio::select! {
            result = session(&shared, was_up, down_since) => result,
            _ = stop.changed() => return,
        };
        // The session ended: fail whatever was in flight, at once.
        let link = shared.link.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(link) = link {
            let pending: Vec<Pending> = link.pending.lock().unwrap_or_else(|p| p.into_inner()).drain().map(|(_, p)| p).collect();
            for p in pending {
                let _ = p.answer.send(Err(AmiError::ConnectionLost));
            }
        }
        let SessionError { message: error, reached } = match attempt {
            Ok(()) => SessionError { message: "the PBX closed the connection".to_string(), reached: Reached::Up },
            Err(e) => e,
        };
        let pause = match reached {
            Reached::Up => {
                was_up = true;
                down_since = std::time::Instant::now();
                backoff = Duration::from_millis(100);
                jitter(Duration::from_millis(100))
            }
            Reached::Nothing => PROBE_INTERVAL + jitter(PROBE_INTERVAL),
            Reached::Refused => {
                let pause = backoff + jitter(backoff / 2);
                backoff = (backoff * 2).min(shared.config.max_backoff);
                pause
            }
            Reached::Port => {
                let pause = backoff.min(Duration::from_secs(1)) + jitter(Duration::from_millis(100));
                backoff = (backoff * 2).min(shared.config.max_backoff);
                pause
            }
        };
        tracing::warn!(address = %shared.config.address, error = %error, retry_in_ms = pause.as_millis() as u64, "AMI link down");
        shared.state.send_replace(LinkState::Down { last_error: Some(error) });
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Up to `max`, from the clock's low bits (no need for a cryptographic source to spread retries).
fn jitter(max: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let max_ms = max.as_millis().max(1) as u64;
    Duration::from_millis(u64::from(nanos) % max_ms)
}

/// How far a session got before it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// No TCP connection: the port is closed or the host unreachable.
    Nothing,
    /// Connected, but the session ended before it was up.
    Port,
    /// Connected, and the PBX refused the login (or is not an Asterisk manager port).
    Refused,
    /// Logged in and up.
    Up,
}

struct SessionError {
    message: String,
    reached: Reached,
}

fn fail(message: impl Into<String>) -> SessionError {
    SessionError { message: message.into(), reached: Reached::Port }
}

fn refused(message: impl Into<String>) -> SessionError {
    SessionError { message: message.into(), reached: Reached::Refused }
}

fn unreachable(message: impl Into<String>) -> SessionError {
    SessionError { message: message.into(), reached: Reached::Nothing }
}

/// One connection's life.
async fn session(shared: &Arc<Shared>, was_up: bool, down_since: std::time::Instant) -> Result<(), SessionError> {
    let config = &shared.config;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&config.address))
        .await
        .map_err(|_| unreachable(format!("connecting to {} timed out", config.address)))?
        .map_err(|e| unreachable(format!("cannot connect to {}: {e}", config.address)))?;
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let mut decoder = Decoder::client();
    let mut buf = vec![0u8; 64 * 1024];

    // Read frames until one satisfies `want`; events that arrive meanwhile go to the sink.
    macro_rules! read_frame {
        () => {{
            loop {
                match decoder.next_frame() {
                    Ok(Some(frame)) => break frame,
                    Ok(None) => {}
                    Err(e) => return Err(fail(e.to_string())),
                }
                let n = tokio::time::timeout(Duration::from_secs(10), reader.read(&mut buf))
                    .await
                    .map_err(|_| fail("the PBX did not answer the login in time"))?
                    .map_err(|e| fail(e.to_string()))?;
                if n == 0 {
                    return Err(fail("the PBX closed the connection during login"));
                }
                decoder.extend(&buf[..n]);
            }
        }};
    }
    macro_rules! request {
        ($message:expr) => {{
            let bytes = codec::encode(&$message).map_err(|e| fail(e.to_string()))?;
            writer.write_all(&bytes).await.map_err(|e| fail(e.to_string()))?;
            loop {
                match read_frame!() {
                    Frame::Message(m) if m.kind() == Kind::Response => break m,
                    Frame::Message(m) => shared.deliver(m),
                    Frame::Banner(_) => {}
                }
            }
        }};
    }

    let Frame::Banner(banner) = read_frame!() else { return Err(fail("the PBX sent no banner")) };
    if !banner.starts_with("Asterisk Call Manager/") {
        return Err(refused(format!("unexpected banner `{banner}`: is this an Asterisk manager port?")));
    }
    let login = if config.md5 {
        let challenge = request!(Message::new().with("Action", "Challenge").with("ActionID", "sb-login-0").with("AuthType", "MD5"));
        let Some(challenge) = challenge.get("Challenge") else {
            return Err(refused(format!("MD5 challenge refused: {}", challenge.get("Message").unwrap_or("no challenge"))));
        };
        use md5::Digest;
        let key: String = md5::Md5::digest(format!("{challenge}{}", config.secret)).iter().map(|b| format!("{b:02x}")).collect();
        Message::new()
            .with("Action", "Login")
            .with("ActionID", "sb-login-1")
            .with("AuthType", "MD5")
            .with("Username", config.username.clone())
            .with("Key", key)
            .with("Events", config.events.login_value())
    } else {
        Message::new()
            .with("Action", "Login")
            .with("ActionID", "sb-login-1")
            .with("Username", config.username.clone())
            .with("Secret", config.secret.clone())
            .with("Events", config.events.login_value())
    };
    let answer = request!(login);
    if answer.get("Response") != Some("Success") {
        return Err(refused(format!("login refused: {}", answer.get("Message").unwrap_or("no reason given"))));
    }

    // Asterisk answers logins while it is still loading modules; it is ready once `FullyBooted`
    // arrives (at once after the login when it already is).
    let booted_by = tokio::time::Instant::now() + BOOT_WAIT;
    let mut booted = false;
    while !booted {
        loop {
            match decoder.next_frame() {
                Ok(Some(Frame::Message(m))) => {
                    booted |= m.event().is_some_and(|e| e.eq_ignore_ascii_case("FullyBooted"));
                    shared.deliver(m);
                }
                Ok(Some(Frame::Banner(_))) => {}
                Ok(None) => break,
                Err(e) => return Err(fail(e.to_string())),
            }
        }
        if booted {
            break;
        }
        shared.state.send_replace(LinkState::Down { last_error: Some("logged in; the PBX is still starting (no FullyBooted yet)".into()) });
        match tokio::time::timeout_at(booted_by, reader.read(&mut buf)).await {
            Err(_) => {
                tracing::warn!(address = %config.address, waited_s = BOOT_WAIT.as_secs(),
                    "AMI: no FullyBooted after logging in; taking the PBX as started (does the manager user read `system` events?)");
                break;
            }
            Ok(Ok(0)) => return Err(fail("the PBX closed the connection while starting")),
            Ok(Ok(n)) => decoder.extend(&buf[..n]),
            Ok(Err(e)) => return Err(fail(e.to_string())),
        }
    }

    // Probe what this PBX is.
    let settings = request!(probe_action(0));
    let chan_sip = request!(probe_action(1));
    let pjsip = request!(probe_action(2));
    let info = probe_answers(&settings, &chan_sip, &pjsip);

    // Serve: a writer task drains the queue; this task reads.
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let pending: Arc<Mutex<HashMap<String, Pending>>> = Arc::new(Mutex::new(HashMap::new()));
    *shared.link.lock().unwrap_or_else(|p| p.into_inner()) = Some(Link { writer: tx, pending: pending.clone() });
    tracing::info!(address = %config.address, version = %info.version, chan_sip = info.chan_sip, pjsip = info.pjsip, "AMI link up");
    // The gap marker goes on the bus before the link is called up, so whoever sees it up (and
    // polls the bus then) sees the marker too.
    if was_up {
        shared.stats.reconnects.fetch_add(1, Ordering::Relaxed);
        shared.sink.reconnected(down_since.elapsed());
    }
    shared.state.send_replace(LinkState::Up(info));

    // Under load many actions are queued at once: send what is waiting in one write, not one
    // syscall per action.
    let writing = async {
        let mut batch = Vec::with_capacity(64 * 1024);
        while let Some(bytes) = rx.recv().await {
            batch.extend_from_slice(&bytes);
            while batch.len() < 64 * 1024 {
                match rx.try_recv() {
                    Ok(more) => batch.extend_from_slice(&more),
                    Err(_) => break,
                }
            }
            if writer.write_all(&batch).await.is_err() {
                break;
            }
            batch.clear();
        }
    };
    let reading = async {
        loop {
            loop {
                match decoder.next_frame() {
                    Ok(Some(Frame::Message(m))) => {
                        if m.kind() == Kind::Event && m.event().is_some_and(|e| e.eq_ignore_ascii_case("FullyBooted")) {
                            tokio::spawn(reprobe(shared.clone()));
                        }
                        route(m, &pending, shared)
                    }
                    Ok(Some(Frame::Banner(_))) => {}
                    Ok(None) => break,
                    Err(e) => return SessionError { message: e.to_string(), reached: Reached::Up },
                }
            }
            match reader.read(&mut buf).await {
                Ok(0) => return SessionError { message: "the PBX closed the connection".into(), reached: Reached::Up },
                Ok(n) => decoder.extend(&buf[..n]),
                Err(e) => return SessionError { message: e.to_string(), reached: Reached::Up },
            }
        }
    };
    let pinging = async {
        loop {
            tokio::time::sleep(config.ping_interval).await;
            let ping = shared.send(Message::new().with("Action", "Ping"));
            match tokio::time::timeout(config.ping_interval, ping).await {
                Ok(Ok(_)) => {}
                _ => return SessionError { message: "the PBX stopped answering Ping".into(), reached: Reached::Up },
            }
        }
    };
    let error = tokio::select! {
        _ = writing => SessionError { message: "writing to the PBX failed".into(), reached: Reached::Up },
        e = reading => e,
        e = pinging => e,
    };
    Err(error)
}

/// The probe's actions: `CoreSettings`, then `ModuleCheck` of chan_sip and of res_pjsip.
fn probe_action(n: u8) -> Message {
    let action = Message::new();
    match n {
        0 => action.with("Action", "CoreSettings").with("ActionID", "sb-probe-0"),
        1 => action.with("Action", "ModuleCheck").with("ActionID", "sb-probe-1").with("Module", "chan_sip"),
        _ => action.with("Action", "ModuleCheck").with("ActionID", "sb-probe-2").with("Module", "res_pjsip"),
    }
}

/// What the probe's answers say about the PBX. `ModuleCheck` answers Error for a module that is
/// not loaded.
fn probe_answers(settings: &Message, chan_sip: &Message, pjsip: &Message) -> PbxInfo {
    let loaded = |m: &Message| m.get("Response") == Some("Success");
    PbxInfo {
        version: settings.get("AsteriskVersion").unwrap_or("unknown").to_string(),
        ami_version: settings.get("AMIversion").unwrap_or("unknown").to_string(),
        chan_sip: loaded(chan_sip),
        pjsip: loaded(pjsip),
    }
}

/// Probes again once Asterisk reports `FullyBooted` on a live link. Asterisk opens its manager
/// port before it loads its modules, so a login while it boots probes a PBX with neither SIP
/// driver loaded; `FullyBooted` arrives when the modules are in, and the info is corrected then.
async fn reprobe(shared: Arc<Shared>) {
    let mut answers = Vec::new();
    for n in 0..3 {
        match shared.send(probe_action(n)).await {
            Ok(answer) => answers.push(answer.response),
            Err(_) => return,
        }
    }
    let info = probe_answers(&answers[0], &answers[1], &answers[2]);
    shared.state.send_if_modified(|state| match state {
        LinkState::Up(old) if *old != info => {
            tracing::info!(version = %info.version, chan_sip = info.chan_sip, pjsip = info.pjsip, "AMI: the PBX finished booting");
            *old = info;
            true
        }
        _ => false,
    });
}

/// Delivers one message: an answer, a list item, a list's end, or an event for the bus.
fn route(message: Message, pending: &Mutex<HashMap<String, Pending>>, shared: &Shared) {
    let Some(id) = message.action_id().map(str::to_string) else {
        shared.deliver(message);
        return;
    };
    let mut table = pending.lock().unwrap_or_else(|p| p.into_inner());
    let Some(entry) = table.get_mut(&id) else {
        drop(table);
        // e.g. OriginateResponse, which carries the ActionID after the action was answered.
        shared.deliver(message);
        return;
    };
    match message.kind() {
        Kind::Response => {
            let listing = message.get("EventList").is_some_and(|v| v.eq_ignore_ascii_case("start"))
                || message.get("Message").is_some_and(|m| m.to_ascii_lowercase().contains("will follow"));
            let success = message.get("Response").is_some_and(|r| !r.eq_ignore_ascii_case("Error"));
            entry.result.response = message;
            if listing && success {
                entry.listing = true;
            } else if let Some(done) = table.remove(&id) {
                let _ = done.answer.send(Ok(done.result));
            }
        }
        Kind::Event if entry.listing => {
            let ends = message.get("EventList").is_some_and(|v| v.eq_ignore_ascii_case("Complete") || v.eq_ignore_ascii_case("Cancelled"))
                || message.event().is_some_and(|e| e.ends_with("Complete"));
            if ends {
                if let Some(mut done) = table.remove(&id) {
                    done.result.complete = Some(message);
                    let _ = done.answer.send(Ok(done.result));
                }
            } else {
                entry.result.events.push(message);
            }
        }
        _ => {
            drop(table);
            shared.deliver(message);
        }
    }
}
