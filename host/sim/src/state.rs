//! The live PBX: endpoints, channels, bridges, queues, device states, astdb, CDRs, and the event
//! bus every logged-in session reads. One mutex guards it all; nothing awaits while holding it, and
//! events are queued to sessions under it, so every session sees the same order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use switchboard_ami_wire::Message;

use super::cdr::{Cdr, CdrDraft};
use super::channel::{Bridge, Channel};
use super::event_format::{self, class};
use super::seed::{EndpointSeed, ExtenSeed, MailboxSeed, PbxSeed};

/// Events a session may have waiting before it counts as a slow reader and is dropped (Asterisk
/// drops sessions whose writes time out).
pub const EVENT_QUEUE: usize = 16 * 1024;

/// A queue member at runtime.
#[derive(Debug, Clone)]
pub struct Member {
    pub interface: String,
    pub name: String,
    pub state_interface: String,
    pub dynamic: bool,
    pub penalty: u32,
    pub paused: bool,
    pub paused_reason: String,
    pub calls_taken: u32,
    pub last_call: u64,
    pub last_pause: u64,
    pub login_time: u64,
    pub in_call: bool,
    pub status: u8,
}

/// A caller waiting in a queue.
#[derive(Debug, Clone)]
pub struct QueueCaller {
    pub uniqueid: String,
    pub joined: Instant,
}

/// A queue at runtime.
#[derive(Debug, Clone)]
pub struct Queue {
    pub name: String,
    pub exten: Option<String>,
    pub strategy: String,
    pub members: Vec<Member>,
    pub callers: Vec<QueueCaller>,
    pub completed: u32,
    pub abandoned: u32,
    pub holdtime: u64,
    pub talktime: u64,
    pub rr_next: usize,
}

/// One logged-in session's event queue.
struct Subscriber {
    id: u64,
    mask: u32,
    tx: mpsc::Sender<Arc<Message>>,
}

/// Device states, Asterisk's `enum ast_device_state` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevState {
    Unknown = 0,
    NotInuse = 1,
    Inuse = 2,
    Busy = 3,
    Invalid = 4,
    Unavailable = 5,
    Ringing = 6,
    RingInuse = 7,
    OnHold = 8,
}

impl DevState {
    /// `NOT_INUSE` (`ast_devstate2str`).
    pub fn token(self) -> &'static str {
        ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"]
            [self as usize]
    }

    /// `Not in use` (`ast_devstate_str`).
    pub fn text(self) -> &'static str {
        ["Unknown", "Not in use", "In use", "Busy", "Invalid", "Unavailable", "Ringing", "Ring+Inuse", "On Hold"]
            [self as usize]
    }

    /// The extension state (`Status:` of `ExtensionStatus`) and its text.
    pub fn extension_state(self) -> (i32, &'static str) {
        match self {
            DevState::NotInuse => (0, "Idle"),
            DevState::Inuse => (1, "InUse"),
            DevState::Busy => (2, "Busy"),
            DevState::Unavailable | DevState::Invalid => (4, "Unavailable"),
            DevState::Ringing => (8, "Ringing"),
            DevState::RingInuse => (9, "InUse&Ringing"),
            DevState::OnHold => (16, "Hold"),
            DevState::Unknown => (-1, "Unknown"),
        }
    }
}

/// A call parked in the `default` lot (res_parking).
#[derive(Debug, Clone)]
pub struct Parked {
    /// The parked channel's uniqueid.
    pub uniqueid: String,
    /// Its space (`701`…).
    pub space: u32,
    /// Who parked it, as a dial string (`PJSIP/1002`).
    pub parker_dial_string: String,
    /// When it was parked.
    pub since: Instant,
    /// How long it may stay (the lot's `parkingtime`, 45 s by default).
    pub time_limit: Duration,
}

impl Parked {
    /// `ParkingTimeout` (seconds left) and `ParkingDuration` (seconds parked), as res_parking
    /// computes them.
    pub fn timing(&self) -> (u64, u64) {
        let parked = self.since.elapsed().as_secs();
        (self.time_limit.as_secs().saturating_sub(parked), parked)
    }
}

/// Events held back until a channel's dialplan has taken its first step: an Originate's
/// `OriginateResponse` and the answered channel's device state, which Asterisk's originate thread
/// publishes while the channel's own thread is already running the dialplan (so they arrive after
/// Dial's first variables and before its callee exists).
struct Held {
    uniqueid: String,
    messages: Vec<(u32, Message)>,
    device: String,
}

/// Everything the mutex guards.
pub struct State {
    pub endpoints: Vec<EndpointSeed>,
    pub queues: Vec<Queue>,
    pub dialplan: Vec<ExtenSeed>,
    pub mailboxes: Vec<MailboxSeed>,
    pub internal_context: String,
    pub inbound_context: String,
    pub channels: Vec<Channel>,
    pub bridges: Vec<Bridge>,
    pub astdb: BTreeMap<String, String>,
    pub globals: BTreeMap<String, String>,
    pub devices: BTreeMap<String, DevState>,
    pub cdrs: Vec<Cdr>,
    pub drafts: Vec<CdrDraft>,
    pub processed_calls: u64,
    pub last_reload: SystemTime,
    pub started: SystemTime,
    /// (linkedid, uniqueid, name) of recent channels, oldest first (scenario reports read it).
    pub history: Vec<(String, String, String)>,
    /// `include => …` lines of the dialplan: (context, included context), in order.
    pub includes: Vec<(String, String)>,
    /// Modules named by `Reload` actions, in order (`All` for a reload without `Module:`).
    pub reloads: Vec<String>,
    /// How long phones added by a config reload ring before answering.
    pub reload_ring: Duration,
    /// What the config files defined at their last load.
    pub from_config: Owned,
    /// The SIP channel driver this Asterisk runs.
    pub sip_driver: super::seed::SipDriver,
    /// Calls waiting in the parking lot, oldest first.
    pub parked: Vec<Parked>,
    /// Where finished CDR rows are appended as cdr_csv writes them, if anywhere.
    pub cdr_csv: Option<super::cdr_csv::CdrCsv>,
    /// How often an answered PJSIP channel sends an RTCP sender report (`RTCPSent`).
    pub rtcp_interval: Duration,
    held: Vec<Held>,
    subscribers: Vec<Subscriber>,
    next_unique: u64,
    pjsip_seq: u32,
    local_seq: u32,
    cdr_seq: u64,
    rng: u64,
}

/// Which objects came from the files at the last load (the rest came from the seed or AMI).
#[derive(Debug, Default)]
pub struct Owned {
    pub endpoints: BTreeSet<String>,
    pub queues: BTreeSet<String>,
    pub members: BTreeSet<(String, String)>,
    pub extens: BTreeSet<(String, String)>,
    pub mailboxes: BTreeSet<String>,
}

/// Shared handle type.
pub type PbxRef = Arc<Pbx>;

/// The shared PBX.
pub struct Pbx {
    state: Mutex<State>,
    pub username: String,
    pub secret: String,
    pub sessions: AtomicUsize,
    /// `Originate` actions received since start, valid or not (a client that re-sends one after a
    /// lost link shows up here).
    pub originates: AtomicU64,
    /// Where the switchboard config files are read from on start and `Reload`.
    pub config_dir: Option<PathBuf>,
    next_session: AtomicU64,
    tasks: Mutex<Vec<AbortHandle>>,
    /// Itself, for the call tasks it starts on its own (RTCP reports).
    me: Weak<Pbx>,
}

impl Pbx {
    /// A PBX seeded from `seed`.
    pub fn new(seed: PbxSeed, username: String, secret: String, config_dir: Option<PathBuf>) -> Arc<Pbx> {
        let now = SystemTime::now();
        let (secs, micros) = super::clock::epoch(now);
        let mut state = State {
            endpoints: seed.endpoints,
            queues: Vec::new(),
            dialplan: seed.dialplan,
            mailboxes: seed.mailboxes,
            internal_context: seed.internal_context,
            inbound_context: seed.inbound_context,
            channels: Vec::new(),
            bridges: Vec::new(),
            astdb: seed.astdb.into_iter().map(|(f, k, v)| (format!("/{f}/{k}"), v)).collect(),
            globals: BTreeMap::new(),
            devices: BTreeMap::new(),
            cdrs: Vec::new(),
            drafts: Vec::new(),
            processed_calls: 0,
            last_reload: now,
            started: now,
            history: Vec::new(),
            includes: Vec::new(),
            reloads: Vec::new(),
            reload_ring: seed.reload_ring,
            sip_driver: seed.sip_driver,
            parked: Vec::new(),
            rtcp_interval: seed.rtcp_interval,
            held: Vec::new(),
            from_config: Default::default(),
            cdr_csv: None,
            subscribers: Vec::new(),
            next_unique: 0,
            pjsip_seq: 0,
            local_seq: 0,
            cdr_seq: 0,
            rng: secs ^ (u64::from(micros) << 20) ^ 0x9E37_79B9_7F4A_7C15,
        };
        state.queues = seed
            .queues
            .into_iter()
            .map(|q| Queue {
                name: q.name,
                exten: q.exten,
                strategy: q.strategy,
                members: q
                    .members
                    .into_iter()
                    .map(|m| Member {
                        name: if m.name.is_empty() { m.interface.clone() } else { m.name },
                        state_interface: m.interface.clone(),
                        interface: m.interface,
                        dynamic: false,
                        penalty: m.penalty,
                        paused: m.paused,
                        paused_reason: String::new(),
                        calls_taken: 0,
                        last_call: 0,
                        last_pause: 0,
                        login_time: secs,
                        in_call: false,
                        status: 0,
                    })
                    .collect(),
                callers: Vec::new(),
                completed: 0,
                abandoned: 0,
                holdtime: 0,
                talktime: 0,
                rr_next: 0,
            })
            .collect();
        // Registered phones have published their state by the time anyone asks; one that never
        // registered has not (it is missing from DeviceStateList, UNAVAILABLE when looked up).
        let devices: Vec<String> = state.endpoints.iter().map(|e| format!("PJSIP/{}", e.name)).collect();
        for d in devices {
            let s = state.compute_device(&d);
            if s != DevState::Unavailable {
                state.devices.insert(d.clone(), s);
            }
            state.update_members(&d, s, false);
        }
        state.refresh_queue_devices();
        Arc::new_cyclic(|me| Pbx {
            state: Mutex::new(state),
            username,
            secret,
            sessions: AtomicUsize::new(0),
            originates: AtomicU64::new(0),
            config_dir,
            next_session: AtomicU64::new(1),
            tasks: Mutex::new(Vec::new()),
            me: me.clone(),
        })
    }

    /// Locks the state.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the locked state.
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.lock())
    }

    /// A new session id (also shown as `SessionID: 0x…`).
    pub fn session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// Spawns a call task that `stop` aborts.
    pub fn spawn<F>(&self, fut: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = tokio::spawn(fut);
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle.abort_handle());
    }

    /// This PBX as a shared handle (`None` only while it is being dropped).
    pub fn handle(&self) -> Option<Arc<Pbx>> {
        self.me.upgrade()
    }

    /// Aborts every call task.
    pub fn abort_calls(&self) {
        for t in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            t.abort();
        }
    }
}

impl State {
    /// Queues `msg` (an event of `class`) to every session whose mask allows it. A session whose
    /// queue is full is dropped, as Asterisk drops a session it cannot write to.
    pub fn emit(&mut self, class: u32, msg: Message) {
        let msg = Arc::new(msg);
        self.subscribers.retain(|s| {
            if s.mask & class == 0 {
                return !s.tx.is_closed();
            }
            s.tx.try_send(msg.clone()).is_ok()
        });
    }

    /// Adds a session's event queue.
    pub fn subscribe(&mut self, id: u64, mask: u32, tx: mpsc::Sender<Arc<Message>>) {
        self.subscribers.retain(|s| s.id != id);
        self.subscribers.push(Subscriber { id, mask, tx });
    }

    /// Changes a session's mask.
    pub fn set_mask(&mut self, id: u64, mask: u32) {
        for s in &mut self.subscribers {
            if s.id == id {
                s.mask = mask;
            }
        }
    }

    /// Removes a session's event queue.
    pub fn unsubscribe(&mut self, id: u64) {
        self.subscribers.retain(|s| s.id != id);
    }

    /// A restart: no sessions, calls, bridges or globals; uptime and counters start again. The
    /// astdb, endpoints, queue members and CDRs stay (Asterisk keeps them on disk).
    pub fn reset(&mut self) {
        self.subscribers.clear();
        self.channels.clear();
        self.bridges.clear();
        self.drafts.clear();
        self.held.clear();
        self.globals.clear();
        self.processed_calls = 0;
        let now = SystemTime::now();
        self.started = now;
        self.last_reload = now;
        for q in &mut self.queues {
            q.callers.clear();
            for m in &mut q.members {
                m.in_call = false;
            }
        }
        let devices: Vec<String> = self.devices.keys().filter(|d| d.starts_with("PJSIP/")).cloned().collect();
        for d in devices {
            let s = self.compute_device(&d);
            self.devices.insert(d.clone(), s);
            self.update_members(&d, s, false);
        }
        self.refresh_queue_devices();
    }

    /// A fresh uniqueid (`1795321750.0`).
    pub fn uniqueid(&mut self) -> String {
        let (secs, _) = super::clock::epoch(SystemTime::now());
        let n = self.next_unique;
        self.next_unique += 1;
        format!("{secs}.{n}")
    }

    /// The next PJSIP channel suffix.
    pub fn pjsip_seq(&mut self) -> u32 {
        let n = self.pjsip_seq;
        self.pjsip_seq = self.pjsip_seq.wrapping_add(1);
        n
    }

    /// The next Local channel suffix.
    pub fn local_seq(&mut self) -> u32 {
        let n = self.local_seq;
        self.local_seq = self.local_seq.wrapping_add(1);
        n
    }

    /// The next CDR sequence number.
    pub fn cdr_seq(&mut self) -> u64 {
        let n = self.cdr_seq;
        self.cdr_seq += 1;
        n
    }

    /// A pseudo-random number (xorshift; for ids, not security).
    pub fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// A UUID-shaped id for bridges.
    pub fn uuid(&mut self) -> String {
        let a = self.random();
        let b = self.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The channel with this uniqueid.
    pub fn chan(&self, uniqueid: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.uniqueid == uniqueid)
    }

    /// The channel with this uniqueid, mutably.
    pub fn chan_mut(&mut self, uniqueid: &str) -> Option<&mut Channel> {
        self.channels.iter_mut().find(|c| c.uniqueid == uniqueid)
    }

    /// The channel called `name` (exact, as Asterisk's `ast_channel_get_by_name`; case-insensitive).
    pub fn chan_by_name(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name.eq_ignore_ascii_case(name)).or_else(|| self.chan(name))
    }

    /// The endpoint called `name`.
    pub fn endpoint(&self, name: &str) -> Option<&EndpointSeed> {
        self.endpoints.iter().find(|e| e.name == name)
    }

    /// The queue called `name`.
    pub fn queue_mut(&mut self, name: &str) -> Option<&mut Queue> {
        self.queues.iter_mut().find(|q| q.name == name)
    }

    /// The bridge `id`.
    pub fn bridge(&self, id: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|b| b.id == id)
    }

    /// What the device's state is now: from its channels, else its registration.
    pub fn compute_device(&self, device: &str) -> DevState {
        let (mut inuse, mut ringing) = (false, false);
        // ast_state_chan2dev: Down counts for nothing, Ringing/Pre-ring ring, the rest is in use.
        for c in self.channels.iter().filter(|c| c.device == device) {
            match c.state {
                0 => {}
                5 | 9 => ringing = true,
                _ => inuse = true,
            }
        }
        match (inuse, ringing) {
            (true, true) => return DevState::RingInuse,
            (false, true) => return DevState::Ringing,
            (true, false) => return DevState::Inuse,
            _ => {}
        }
        match device.strip_prefix("PJSIP/").and_then(|n| self.endpoint(n)) {
            Some(e) if e.contact.is_some() => DevState::NotInuse,
            Some(_) => DevState::Unavailable,
            None => DevState::Invalid,
        }
    }

    /// A device's state as Asterisk would answer a lookup: the published one, else computed
    /// (`UNAVAILABLE` for a phone that never registered).
    pub fn device_state(&self, device: &str) -> DevState {
        self.devices.get(device).copied().unwrap_or_else(|| self.compute_device(device))
    }

    /// Recomputes a PJSIP device's state and publishes it if it changed; queue members watching
    /// it follow (`QueueMemberStatus`). A phone that has never published a state and is still
    /// unreachable stays unpublished, as on Asterisk, where only registrations and calls publish.
    pub fn refresh_device(&mut self, device: &str) {
        if !device.starts_with("PJSIP/") {
            return;
        }
        let new = self.compute_device(device);
        if !self.devices.contains_key(device) && new == DevState::Unavailable {
            return;
        }
        if !self.publish_device(device, new) {
            return;
        }
        self.update_members(device, new, true);
        self.refresh_queue_devices();
    }

    /// Sets a device's state; on a change publishes the `ExtensionStatus` of every hint on it,
    /// then `DeviceStateChange` (Asterisk's order). Returns whether it changed.
    pub fn publish_device(&mut self, device: &str, new: DevState) -> bool {
        if self.devices.get(device) == Some(&new) {
            return false;
        }
        self.devices.insert(device.to_string(), new);
        let hints: Vec<(String, String)> = self
            .dialplan
            .iter()
            .filter(|e| e.hint.as_deref().is_some_and(|h| h.split('&').any(|d| d.eq_ignore_ascii_case(device))))
            .map(|e| (e.exten.clone(), e.context.clone()))
            .collect();
        for (exten, context) in hints {
            let (status, text) = self.hint_state(&exten, &context);
            let hint = self.hint_of(&exten, &context).unwrap_or_default();
            self.emit(
                class::CALL,
                event_format::event("ExtensionStatus", class::CALL)
                    .with("Exten", exten)
                    .with("Context", context)
                    .with("Hint", hint)
                    .with("Status", status.to_string())
                    .with("StatusText", text),
            );
        }
        self.emit(
            class::CALL,
            event_format::event("DeviceStateChange", class::CALL).with("Device", device).with("State", new.token()),
        );
        true
    }

    /// Publishes app_queue's pseudo-devices of every queue where they changed: `Queue:NAME`
    /// (RINGING while callers wait, else NOT_INUSE), `Queue:NAME_avail` (NOT_INUSE while a member
    /// could take a call, else INUSE) and `Queue:NAME_pause_INTERFACE` per member (INUSE while
    /// paused). Hints can watch them, and DeviceStateList lists them.
    pub fn refresh_queue_devices(&mut self) {
        let mut states = Vec::new();
        for q in &self.queues {
            let waiting = if q.callers.is_empty() { DevState::NotInuse } else { DevState::Ringing };
            states.push((format!("Queue:{}", q.name), waiting));
            let avail = q.members.iter().any(member_available);
            states.push((format!("Queue:{}_avail", q.name), if avail { DevState::NotInuse } else { DevState::Inuse }));
            for m in &q.members {
                let paused = if m.paused { DevState::Inuse } else { DevState::NotInuse };
                states.push((format!("Queue:{}_pause_{}", q.name, m.interface), paused));
            }
        }
        for (device, state) in states {
            self.publish_device(&device, state);
        }
    }

    /// Publishes events held for the channel (see [`Held`]) and its device's state, once.
    pub fn release_held(&mut self, uniqueid: &str) {
        let Some(i) = self.held.iter().position(|h| h.uniqueid == uniqueid) else { return };
        let held = self.held.remove(i);
        for (class, m) in held.messages {
            self.emit(class, m);
        }
        self.refresh_device(&held.device);
    }

    /// Holds `messages` and the device state of the channel until [`State::release_held`].
    pub fn hold(&mut self, uniqueid: &str, messages: Vec<(u32, Message)>) {
        let Some(device) = self.chan(uniqueid).map(|c| c.device.clone()) else {
            for (class, m) in messages {
                self.emit(class, m);
            }
            return;
        };
        self.held.push(Held { uniqueid: uniqueid.to_string(), messages, device });
    }

    /// Updates the status of queue members whose state interface is `device`.
    pub fn update_members(&mut self, device: &str, s: DevState, publish: bool) {
        let mut changed = Vec::new();
        for q in &mut self.queues {
            for m in &mut q.members {
                if m.state_interface.eq_ignore_ascii_case(device) && m.status != s as u8 {
                    m.status = s as u8;
                    changed.push((q.name.clone(), m.interface.clone()));
                }
            }
        }
        if publish {
            for (q, i) in changed {
                if let Some(msg) = self.member_event("QueueMemberStatus", &q, &i) {
                    self.emit(class::AGENT, msg);
                }
            }
        }
    }

    /// A `QueueMember*` event about one member (the member blob of app_queue).
    pub fn member_event(&self, name: &str, queue: &str, interface: &str) -> Option<Message> {
        let q = self.queues.iter().find(|q| q.name == queue)?;
        let m = q.members.iter().find(|m| m.interface.eq_ignore_ascii_case(interface))?;
        Some(
            event_format::event(name, class::AGENT)
                .with("Queue", q.name.clone())
                .with("MemberName", m.name.clone())
                .with("Interface", m.interface.clone())
                .with("StateInterface", m.state_interface.clone())
                .with("Membership", if m.dynamic { "dynamic" } else { "static" })
                .with("Penalty", m.penalty.to_string())
                .with("CallsTaken", m.calls_taken.to_string())
                .with("LastCall", m.last_call.to_string())
                .with("LastPause", m.last_pause.to_string())
                .with("LoginTime", m.login_time.to_string())
                .with("InCall", u8::from(m.in_call).to_string())
                .with("Status", m.status.to_string())
                .with("Paused", u8::from(m.paused).to_string())
                .with("PausedReason", m.paused_reason.clone())
                .with("Ringinuse", "0")
                .with("Wrapuptime", "0"),
        )
    }

    /// The hint of `exten@context`.
    pub fn hint_of(&self, exten: &str, context: &str) -> Option<String> {
        self.dialplan.iter().find(|e| e.exten == exten && e.context == context).and_then(|e| e.hint.clone())
    }

    /// The extension state of `exten@context` from its hint (`-1`, `Unknown` without one).
    pub fn hint_state(&self, exten: &str, context: &str) -> (i32, &'static str) {
        let Some(hint) = self.hint_of(exten, context) else { return (-1, "Unknown") };
        // Several devices: in use wins over ringing over idle over unavailable.
        let states: Vec<DevState> = hint.split('&').map(|d| self.device_state(d)).collect();
        let pick = [DevState::RingInuse, DevState::Inuse, DevState::Ringing, DevState::Busy, DevState::NotInuse]
            .into_iter()
            .find(|s| states.contains(s))
            .unwrap_or(DevState::Unavailable);
        pick.extension_state()
    }

    /// Records a finished CDR, appends it to Master.csv (cdr_csv) when one is configured, and
    /// publishes it as `Event: Cdr` (cdr_manager).
    pub fn post_cdr(&mut self, cdr: Cdr) {
        if let Some(csv) = &self.cdr_csv {
            // One short append, under the lock so the file's order is the rows' order.
            csv.append(&cdr);
        }
        self.emit(class::CDR, cdr.event());
        self.cdrs.push(cdr);
    }
}

/// app_queue's `is_member_available`: reachable (or of unknown state, as a Local member is) and
/// not paused.
fn member_available(m: &Member) -> bool {
    !m.paused && (m.status == DevState::NotInuse as u8 || m.status == DevState::Unknown as u8)
}
