//! The host the integration tests run against: a temporary directory, optionally a PBX simulator,
//! a `switchboard.toml` written from one skeleton, the server started on loopback and ready.
//!
//! ```ignore
//! let rig = Rig::builder()
//!     .flavor_pbx()
//!     .store()
//!     .mount("/api/api.php", "elastix", "settings = { api-key = \"…\" }\ngrants = { … }")
//!     .seed("INSERT INTO extensions …")
//!     .start()
//!     .await;
//! rig.sql("…");
//! rig.stop().await;
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use switchboard::Server;
use switchboard::ami::{AmiClient, Message};
use switchboard_sim::{PbxSeed, SimConfig, Simulator};

/// What a TOML fragment may refer to: the rig's directory and its simulator.
pub struct Env<'a> {
    pub root: &'a Path,
    pub sim: Option<&'a Simulator>,
}

impl Env<'_> {
    /// The simulator; a fragment that asks for it belongs to a rig with a PBX.
    pub fn sim(&self) -> &Simulator {
        self.sim.expect("the rig has a PBX")
    }
}

type Fragment = Box<dyn FnOnce(&Env) -> String>;

/// Builds a [`Rig`]: each call adds one part of the host's world.
#[derive(Default)]
pub struct RigBuilder {
    pbx: Option<PbxSeed>,
    pbx_reads_conf: bool,
    listeners: Option<String>,
    store: bool,
    asterisk: Option<String>,
    sections: Vec<Fragment>,
    mounts: Vec<Fragment>,
    prepare: Vec<Box<dyn FnOnce(&Path)>>,
    seed: Vec<String>,
}

impl RigBuilder {
    /// A simulator playing `pbx`; the config's `[ami]` logs in to it and the rig starts once the
    /// host's AMI link is up.
    pub fn pbx(mut self, pbx: PbxSeed) -> Self {
        self.pbx = Some(pbx);
        self
    }

    /// The simulator reads `<root>/asterisk`, where apply-changes renders (as an Asterisk that
    /// `#include`s the files would).
    pub fn pbx_reads_conf(mut self) -> Self {
        self.pbx_reads_conf = true;
        self
    }

    /// The PBX the flavor tests run against: the demo office with 10 ms rings, reading the
    /// configuration apply-changes renders into `<root>/asterisk`.
    pub fn flavor_pbx(self) -> Self {
        self.pbx(PbxSeed::demo().with_ring(Duration::from_millis(10))).pbx_reads_conf().asterisk("")
    }

    /// `[store]` in `<root>/store`.
    pub fn store(mut self) -> Self {
        self.store = true;
        self
    }

    /// `[asterisk]` with `config_dir = <root>/asterisk`, then `more` (further keys of the table).
    pub fn asterisk(mut self, more: &str) -> Self {
        self.asterisk = Some(more.to_string());
        self
    }

    /// `[[listener]]` tables instead of the one unnamed loopback listener.
    pub fn listeners(mut self, tables: &str) -> Self {
        self.listeners = Some(tables.to_string());
        self
    }

    /// More TOML (whole tables: `[events]`, `[auth_throttle]`, …), written before the mounts.
    pub fn toml(self, text: &str) -> Self {
        let text = text.to_string();
        self.toml_with(move |_| text)
    }

    /// More TOML that names paths under the rig's directory or the simulator's credentials.
    pub fn toml_with(mut self, text: impl FnOnce(&Env) -> String + 'static) -> Self {
        self.sections.push(Box::new(text));
        self
    }

    /// A `[[mount]]` of `plugin` (a built-in's name or a `.wasm` path) on `route`; `rest` holds the
    /// table's other keys (`settings`, `grants`, `limits`), one per line.
    pub fn mount(self, route: &str, plugin: &str, rest: &str) -> Self {
        let rest = rest.to_string();
        self.mount_with(route, plugin, move |_| rest)
    }

    /// [`mount`](Self::mount) whose other keys name paths or the simulator's credentials.
    pub fn mount_with(mut self, route: &str, plugin: &str, rest: impl FnOnce(&Env) -> String + 'static) -> Self {
        let head = format!("[[mount]]\nroute = {route:?}\nplugin = {plugin:?}\n");
        self.mounts.push(Box::new(move |env| {
            let rest = rest(env);
            let sep = if rest.is_empty() || rest.ends_with('\n') { "" } else { "\n" };
            format!("{head}{rest}{sep}")
        }));
        self
    }

    /// Runs `f` on the rig's directory before the simulator and the host start (files the host
    /// should find, a database it should open).
    pub fn prepare(mut self, f: impl FnOnce(&Path) + 'static) -> Self {
        self.prepare.push(Box::new(f));
        self
    }

    /// SQL run on the store's `pbx.sqlite` once the host has started (and migrated it).
    pub fn seed(mut self, sql: &str) -> Self {
        self.seed.push(sql.to_string());
        self
    }

    /// Starts the simulator and the host; returns once the host listens (and its AMI link is up
    /// when there is a PBX).
    pub async fn start(self) -> Rig {
        let root = tempfile::tempdir().unwrap();
        for f in self.prepare {
            f(root.path());
        }
        let sim = match self.pbx {
            Some(pbx) => Some(
                Simulator::start(SimConfig {
                    listen: "127.0.0.1:0".parse().unwrap(),
                    pbx,
                    config_dir: self.pbx_reads_conf.then(|| root.path().join("asterisk")),
                    ..SimConfig::default()
                })
                .await
                .expect("the simulator starts"),
            ),
            None => None,
        };
        let env = Env { root: root.path(), sim: sim.as_ref() };
        let mut body = String::new();
        if self.store {
            body.push_str(&format!("[store]\ndir = {:?}\n\n", path_text(&root.path().join("store"))));
        }
        if let Some(more) = &self.asterisk {
            body.push_str(&format!("[asterisk]\nconfig_dir = {:?}\n{more}\n", path_text(&root.path().join("asterisk"))));
        }
        if let Some(sim) = &sim {
            body.push_str(&super::ami_table(sim));
            body.push('\n');
        }
        for section in self.sections {
            body.push_str(&section(&env));
            body.push('\n');
        }
        for mount in self.mounts {
            body.push_str(&mount(&env));
            body.push('\n');
        }
        let config = super::config_text(self.listeners.as_deref(), &body);
        let server = start_host(&config, sim.is_some()).await;
        let rig = Rig { base: super::base(&server), root, sim: sim.map(Arc::new), server, config };
        for sql in &self.seed {
            rig.sql(sql);
        }
        rig
    }
}

/// The host of `config`, once it listens and (with `ami`) its AMI link is up.
async fn start_host(config: &str, ami: bool) -> Server {
    let server = super::start_config(config).await;
    if ami {
        server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("AMI link up");
    }
    server
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

/// A started host and what it runs on.
pub struct Rig {
    pub root: tempfile::TempDir,
    pub server: Server,
    /// Base URL of the main listener (`http://127.0.0.1:port`).
    pub base: String,
    sim: Option<Arc<Simulator>>,
    /// The config text the host was started from.
    config: String,
}

impl Rig {
    pub fn builder() -> RigBuilder {
        RigBuilder::default()
    }

    /// The simulator the host's AMI link is logged in to.
    pub fn sim(&self) -> &Simulator {
        self.sim.as_deref().expect("the rig has a PBX")
    }

    /// Another handle on the simulator, for a task that outlives a borrow of the rig.
    pub fn sim_arc(&self) -> Arc<Simulator> {
        self.sim.clone().expect("the rig has a PBX")
    }

    /// The config text the host was started from (to hand to `switchboard check`, say).
    pub fn config_text(&self) -> &str {
        &self.config
    }

    /// A path under the rig's directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    /// `http://<listener address>` of the named listener.
    pub fn listener(&self, name: &str) -> String {
        format!("http://{}", self.server.address(name).unwrap_or_else(|| panic!("listener {name}")))
    }

    /// The host's own AMI connection.
    pub fn ami(&self) -> &AmiClient {
        self.server.services().ami.as_ref().expect("the host has [ami]")
    }

    /// The store's `pbx.sqlite`.
    pub fn db_path(&self) -> PathBuf {
        self.path("store/pbx.sqlite")
    }

    /// A connection to the store's `pbx.sqlite`, beside the host's own.
    pub fn db(&self) -> Connection {
        Connection::open(self.db_path()).unwrap()
    }

    /// Runs `sql` (any number of statements) on `pbx.sqlite`.
    pub fn sql(&self, sql: &str) {
        self.db().execute_batch(sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    }

    /// The single integer `sql` selects.
    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{e}: {sql}"))
    }

    /// The model's astdb value (the `astdb` table).
    pub fn astdb(&self, family: &str, key: &str) -> Option<String> {
        self.db().query_row("SELECT value FROM astdb WHERE family = ?1 AND key = ?2", [family, key], |r| r.get(0)).ok()
    }

    /// The PBX's own astdb value (AMI `DBGet`).
    pub async fn pbx_db(&self, family: &str, key: &str) -> Option<String> {
        let answer = self.ami().send(Message::new().with("Action", "DBGet").with("Family", family).with("Key", key)).await.ok()?;
        answer.events.first().and_then(|e| e.get("Val").map(str::to_string))
    }

    /// The endpoints the PBX lists (AMI `PJSIPShowEndpoints`).
    pub async fn endpoints(&self) -> Vec<String> {
        let list = self.ami().send(Message::new().with("Action", "PJSIPShowEndpoints")).await.unwrap();
        list.events.iter().filter_map(|e| e.get("ObjectName").map(str::to_string)).collect()
    }

    /// Shuts the host down and starts it again from the same config, on the same directory and
    /// simulator (a new base URL: the listener's port is ephemeral).
    pub async fn restart(self) -> Rig {
        let Rig { root, server, sim, config, .. } = self;
        server.shutdown().await;
        let server = start_host(&config, sim.is_some()).await;
        Rig { base: super::base(&server), root, server, sim, config }
    }

    /// The parts, for a test that stops and restarts the simulator itself.
    pub fn into_parts(self) -> (tempfile::TempDir, Option<Arc<Simulator>>, Server) {
        (self.root, self.sim, self.server)
    }

    /// Shuts the host down, then the simulator; the directory goes last.
    pub async fn stop(self) {
        self.server.shutdown().await;
        if let Some(sim) = self.sim.and_then(|sim| Arc::try_unwrap(sim).ok()) {
            sim.stop().await;
        }
        drop(self.root);
    }
}
