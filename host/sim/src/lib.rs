//! The built-in PBX simulator: an AMI server that speaks like Asterisk 22 (AMI 11.0.0), byte for
//! byte where the real Asterisk 22 transcripts show how, over a live simulated PBX — PJSIP
//! endpoints and contacts, channels, bridges, queues, a parking lot, device and extension states,
//! the astdb, a small dialplan — that produces the events real calls produce and writes CDRs.
//! [`PbxSeed::with_chan_sip`] makes it an Asterisk 13 with chan_sip instead (`SIPpeers`), for
//! clients of older PBXs.
//!
//! The demo and every test talk to it instead of an Asterisk:
//!
//! ```ignore
//! # async fn demo() -> anyhow::Result<()> {
//! use std::time::Duration;
//! use switchboard_sim::{PbxSeed, Scenario, SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig {
//!     listen: "127.0.0.1:0".parse()?,
//!     pbx: PbxSeed::demo().with_ring(Duration::from_millis(20)),
//!     ..SimConfig::default()
//! })
//! .await?;
//! println!("AMI on {}", sim.address());
//! let report = sim
//!     .run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_millis(50) })
//!     .await?;
//! assert_eq!(report.cdrs[0].disposition, "ANSWERED");
//! sim.stop().await;
//! # Ok(()) }
//! ```
//!
//! Inside, each module using only those listed after it: `server` (sessions, login, dispatch),
//! `lifecycle` (start-up and shut-down phases), `actions/` (one file per area), `cli` (`Command`
//! texts), `scenarios`, `dialplan` (interpreter, Originate), `queue` (Queue), `dial` (Dial and its
//! variables), `park` (Park and the `default` lot), `bridge` (ringing and bridging, shared by Dial
//! and Queue), `calls` (call primitives and their events), `rtcp` (`RTCPSent`, `RTPAUDIOQOS`),
//! `asterisk_conf` (an Asterisk `.conf` reader for the switchboard config files, read on start and
//! `Reload` when [`SimConfig::config_dir`] is set), `state` (the live PBX, its device states and
//! the event bus), `cdr_csv` (Master.csv as cdr_csv writes it), `cdr`, `timing` (`GotoIfTime` specs and `$[…]`
//! expressions), `event_format` (event
//! classes and the header blocks events share), `channel` (channels, bridges, dialplan places),
//! `asterisk` (versions, MD5 keys, astdb paths), `seed`, [`office`] (the demo office's people,
//! phones, trunk and queues, which [`PbxSeed::demo`] and the host's demo database share),
//! [`clock`].
//!
//! How close: on the real Asterisk 22 call transcripts (an originated PJSIP call bridged and hung
//! up over AMI; one whose Dial times out into `Hangup()`; snapshots during a call) the
//! simulator's call events score 0.99, 0.86 and 0.92 — the longest common subsequence of
//! (event, leg) over the longer list, `VarSet` included — where real calls of the same kind score
//! 0.74–0.88 against each other; before this was measured they scored 0.24, 0.30 and 0.26. The
//! `real_calls` integration test holds them above 0.74, with the header keys of every matched
//! event, the values that matter (connected lines, causes, bridge technology, CDR rows) and the
//! state lists of a fresh PBX.
//!
//! Deliberate differences from a real Asterisk: `ListCommands` lists only the actions the
//! simulator answers; `cdr_manager` is on (every finished CDR row is also an `Event: Cdr`);
//! `core stop now` closes every session and the PBX comes straight back (as under a supervisor);
//! times are UTC. Where Asterisk's threads race (device states against channel events, a
//! cancelled callee's `Hangup` against the caller's next dialplan step) the simulator publishes
//! one fixed order: an unanswered callee hangs up right after its `DialEnd`, where Asterisk's
//! `Hangup` lands after the caller's next `Newexten`. It carries no media: `RTCPSent` and
//! `RTPAUDIOQOS` figures are those of a G.711 stream that receives nothing. `DeviceStateList`
//! lists each queue's `Queue:NAME` pseudo-device from the start (app_queue publishes it as
//! callers join and leave; the transcripts' PBX, which had taken queue calls, listed it). A phone
//! registering through [`Simulator::upsert_endpoint`] publishes its `ExtensionStatus` and
//! `DeviceStateChange` only, without the `ChallengeSent`, `SuccessfulAuth`, `ContactStatus` and
//! `PeerStatus` around them. `CoreShowChannels` and `Status` list channels oldest first
//! (Asterisk's order follows its channel container's hashing). `PlayDTMF` (which no transcript
//! covers) answers as Asterisk 22's manager does and publishes `DTMFBegin` and `DTMFEnd` at once,
//! one after the other (Asterisk's are a digit's duration apart); a key received (`Receive: yes`)
//! waits in the channel until `Background`, `WaitExten` or the collecting of a number reads it,
//! where Asterisk drops a key that comes while the channel runs an application that does not read
//! keys. The dialplan's `$[…]` covers what the rendered dialplan uses (comparisons, `&`, `|`, `!`,
//! parentheses), and `GotoIfTime` ignores its time-zone argument: the simulator's clock is the
//! real one, in UTC.

#![deny(missing_docs)]

mod actions;
mod asterisk;
mod asterisk_conf;
mod bridge;
mod calls;
mod cdr;
mod cdr_csv;
mod channel;
mod cli;
pub mod clock;
mod dial;
mod dialplan;
mod event_format;
mod lifecycle;
pub mod office;
mod park;
mod queue;
mod rtcp;
mod scenarios;
mod seed;
mod server;
mod state;
mod timing;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use cdr::Cdr;
pub use asterisk_conf::{EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE, VOICEMAIL_FILE};
pub use lifecycle::Phase;
pub use cdr_csv::CdrCsv;
pub use scenarios::{Scenario, ScenarioReport};
pub use seed::{EndpointSeed, ExtenSeed, MailboxSeed, MemberSeed, PbxSeed, QueueSeed, SipDriver};

use state::PbxRef;
use server::Server;
use state::Pbx;

/// How to start the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where AMI listens (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The AMI user (read=all, write=all).
    pub username: String,
    /// Its secret (plain `Secret:` or MD5 challenge).
    pub secret: String,
    /// The PBX it starts with.
    pub pbx: PbxSeed,
    /// A directory of switchboard config files (the host's apply-changes writes them: [`PJSIP_FILE`]
    /// and the others) to read at start and on `Reload`, as an Asterisk that `#include`s them
    /// would; `None` (the default): the seed is all there is, and `Reload` re-reads nothing.
    pub config_dir: Option<PathBuf>,
    /// Appends every finished CDR row to a Master.csv, as Asterisk's `cdr_csv` does; `None` (the
    /// default): the rows are only published as `Event: Cdr`.
    pub cdr_csv: Option<CdrCsv>,
}

impl Default for SimConfig {
    /// `127.0.0.1:5038`, `switchboard` / `switchboard-secret`, [`PbxSeed::demo`], no config directory.
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 5038)),
            username: "switchboard".into(),
            secret: "switchboard-secret".into(),
            pbx: PbxSeed::demo(),
            config_dir: None,
            cdr_csv: None,
        }
    }
}

/// A running simulator.
pub struct Simulator {
    server: Arc<Server>,
    pbx: PbxRef,
}

impl Simulator {
    /// Binds the AMI listener and starts serving.
    pub async fn start(config: SimConfig) -> anyhow::Result<Simulator> {
        let pbx = Pbx::new(config.pbx, config.username, config.secret, config.config_dir);
        pbx.with(|st| st.cdr_csv = config.cdr_csv);
        if let Some(dir) = pbx.config_dir.clone() {
            let loaded = tokio::task::spawn_blocking(move || asterisk_conf::load(&dir, &asterisk_conf::Area::ALL)).await?;
            pbx.with(|st| asterisk_conf::apply(st, loaded));
        }
        let server = Server::start(pbx.clone(), config.listen).await?;
        Ok(Simulator { server, pbx })
    }

    /// The address AMI listens on.
    pub fn address(&self) -> SocketAddr {
        self.server.address
    }

    /// The AMI user and secret.
    pub fn credentials(&self) -> (&str, &str) {
        (&self.pbx.username, &self.pbx.secret)
    }

    /// Stops listening, closes every session and ends every call at once (a PBX crash, as far
    /// as clients can tell). The address is free again when this returns.
    pub async fn stop(self) {
        self.server.stop().await;
        self.pbx.abort_calls();
        self.pbx.with(|st| st.reset());
    }

    /// Puts the PBX into `phase`, as every manager session sees it from its next action on:
    /// [`Phase::Booting`] (the manager port is open but no module is loaded: module actions such
    /// as `PJSIPShowEndpoints` are unknown commands, a login is not `FullyBooted`),
    /// [`Phase::ShuttingDown`] (every action answers `Asterisk is shutting down`) or
    /// [`Phase::Running`] (from booting, every logged-in session gets `FullyBooted`). Sessions stay
    /// connected throughout; see the `lifecycle` module for what real Asterisk does.
    pub fn set_phase(&self, phase: Phase) {
        let before = self.server.phase.replace(phase);
        if before == Phase::Booting && phase == Phase::Running {
            lifecycle::fully_booted(&self.pbx);
        }
    }

    /// The phase [`Simulator::set_phase`] set last ([`Phase::Running`] from the start).
    pub fn phase(&self) -> Phase {
        self.server.phase.get()
    }

    /// `Originate` actions received since start, answered or not.
    pub fn originates(&self) -> u64 {
        self.pbx.originates.load(Ordering::SeqCst)
    }

    /// Connected AMI clients (logged in or not).
    pub fn sessions(&self) -> usize {
        self.pbx.sessions.load(Ordering::SeqCst)
    }

    /// Plays a scripted call to its end.
    pub async fn run(&self, scenario: Scenario) -> anyhow::Result<ScenarioReport> {
        scenarios::run(&self.pbx, scenario).await
    }

    /// CDR rows of finished calls, oldest first.
    pub fn cdrs(&self) -> Vec<Cdr> {
        self.pbx.with(|st| st.cdrs.clone())
    }

    /// The module of every `Reload` action answered, in order (`All` for one without `Module:`).
    pub fn reloads(&self) -> Vec<String> {
        self.pbx.with(|st| st.reloads.clone())
    }

    /// Names of the live channels, oldest first.
    pub fn channels(&self) -> Vec<String> {
        self.pbx.with(|st| st.channels.iter().map(|c| c.name.clone()).collect())
    }

    /// Adds or replaces a PJSIP endpoint (what a `res_pjsip` reload would pick up); its device
    /// state follows (`DeviceStateChange` when it changes).
    pub fn upsert_endpoint(&self, endpoint: EndpointSeed) {
        self.pbx.with(|st| {
            let device = format!("PJSIP/{}", endpoint.name);
            match st.endpoints.iter_mut().find(|e| e.name == endpoint.name) {
                Some(e) => *e = endpoint,
                None => st.endpoints.push(endpoint),
            }
            st.refresh_device(&device);
        });
    }

    /// Removes a PJSIP endpoint; returns whether it existed.
    pub fn remove_endpoint(&self, name: &str) -> bool {
        self.pbx.with(|st| {
            let before = st.endpoints.len();
            st.endpoints.retain(|e| e.name != name);
            if st.endpoints.len() == before {
                return false;
            }
            let device = format!("PJSIP/{name}");
            st.refresh_device(&device);
            st.devices.remove(&device);
            true
        })
    }

    /// Adds or replaces a dialplan extension (matched by context and extension).
    pub fn upsert_extension(&self, exten: ExtenSeed) {
        self.pbx.with(|st| {
            match st.dialplan.iter_mut().find(|e| e.context == exten.context && e.exten == exten.exten) {
                Some(e) => *e = exten,
                None => st.dialplan.push(exten),
            }
        });
    }

    /// Removes a dialplan extension; returns whether it existed.
    pub fn remove_extension(&self, context: &str, exten: &str) -> bool {
        self.pbx.with(|st| {
            let before = st.dialplan.len();
            st.dialplan.retain(|e| !(e.context == context && e.exten == exten));
            st.dialplan.len() != before
        })
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
        self.pbx.abort_calls();
    }
}
