//! The configuration `switchboard demo` serves: the built-in PBX simulator as the PBX, a seeded
//! demo PBX in the `pbx` database (50 extensions, ring groups, follow-me, trunks, queues, a month
//! of CDRs with real WAV recordings), and every built-in plugin on its usual route with demo
//! settings and credentials. A built-in plugin that ships adds its demo mount here.
//!
//! [`pbx`] seeds the demo database (and writes the benchmarks' call records), [`wav`] writes its
//! recordings; the office they describe is the simulator's [`switchboard_sim::office`].

pub mod crm;
pub mod evolvex;
pub mod languages;
pub mod pbx;
pub mod wav;

pub use evolvex::{EVOLVEX_ADMIN_KEY, EVOLVEX_KEY};

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;

use crate::ami::AmiConfig;
use crate::config::{
    AdminConfig, AdminToken, AsteriskConfig, Config, FileAccess, Grants, Limits, Listener, ListenerTls, Mount, PbxAccess, PluginSource, RuntimeOptions,
    SqliteGrant, StoreConfig,
};

use self::pbx::DemoSummary;

/// The file areas the demo configures, as a real install would.
pub const AREAS: &[&str] = &["recordings", "voicemail", "greetings", "backups", "uploads", "logs", "firewall"];

/// Where the demo keeps its data: `store/` (databases), `asterisk/` (rendered configuration the
/// simulator reads), `cdr-csv/Master.csv` (the simulator's call records, as Asterisk's cdr_csv
/// writes them), `areas/<name>/` (file areas).
#[derive(Debug, Clone)]
pub struct Layout {
    /// The demo's data directory.
    pub root: PathBuf,
}

impl Layout {
    /// The store directory.
    pub fn store(&self) -> PathBuf {
        self.root.join("store")
    }

    /// The include directory apply-changes renders into and the simulator reads.
    pub fn asterisk(&self) -> PathBuf {
        self.root.join("asterisk")
    }

    /// The Master.csv the simulator appends its call records to and the host reads them from.
    pub fn cdr_csv(&self) -> PathBuf {
        self.root.join("cdr-csv").join("Master.csv")
    }

    /// A file area's directory.
    pub fn area(&self, name: &str) -> PathBuf {
        self.root.join("areas").join(name)
    }

    /// The self-signed certificate and key of HTTPS listener `listener`, where a config's
    /// `tls = { self_signed = true }` keeps them: `store/tls/<listener>.crt` and `.key`.
    pub fn self_signed_tls(&self, listener: &str) -> ListenerTls {
        let dir = self.store().join("tls");
        ListenerTls { cert: dir.join(format!("{listener}.crt")), key: dir.join(format!("{listener}.key")), self_signed: true }
    }

    /// Migrates the demo database, seeds the demo PBX when it has no extensions yet (so a
    /// restarted demo keeps what was changed through the APIs), and renders the Asterisk
    /// configuration so the simulator starts with it. Returns what was seeded, if anything.
    pub async fn prepare(&self) -> anyhow::Result<Option<DemoSummary>> {
        std::fs::create_dir_all(self.store()).with_context(|| format!("creating {}", self.store().display()))?;
        let csv_dir = self.root.join("cdr-csv");
        std::fs::create_dir_all(&csv_dir).with_context(|| format!("creating {}", csv_dir.display()))?;
        let (db, recordings, asterisk) = (self.store().join("pbx.sqlite"), self.area("recordings"), self.asterisk());
        tokio::task::spawn_blocking(move || -> anyhow::Result<Option<DemoSummary>> {
            let mut conn = crate::store::Database::open_connection(&db)?;
            crate::store::migrate::migrate(&mut conn)?;
            let existing: i64 = conn.query_row("SELECT count(*) FROM extensions", [], |r| r.get(0))?;
            let seeded = if existing > 0 { None } else { Some(pbx::seed(&mut conn, &recordings, SystemTime::now())?) };
            drop(conn);
            // The configuration the simulator reads when it starts (as Asterisk reads its files at
            // boot); later changes go through pbx.apply-changes and a reload.
            crate::apply::write_files(&db, &asterisk, &crate::apply::RenderOptions::default()).context("rendering the demo PBX's Asterisk configuration")?;
            Ok(seeded)
        })
        .await?
    }
}

/// `$XDG_DATA_HOME/switchboard/demo`, else `~/.local/share/switchboard/demo`, else `./switchboard-demo`.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))
        .map_or_else(|| PathBuf::from("switchboard-demo"), |d| d.join("switchboard").join("demo"))
}

/// The API key the demo's click-to-call mount expects in `X-Api-Key`.
pub const CLICK_TO_CALL_KEY: &str = "demo-click-to-call-key";

/// The key the demo's Elastix API mount expects as the whole `Authorization` header (50 characters,
/// like the original's `$key`).
pub const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";

/// The API key of the demo's Axeos mount (HTTP Basic `apiKey:<key>` or `?key=`).
pub const AXEOS_KEY: &str = "demo-axeos-api-key";
/// The demo Issabel pbxapi mount's HS256 signing secret.
pub const ISSABEL_JWT_SECRET: &str = "demo-issabel-jwt-secret-change-me";
/// The password of the demo Issabel pbxapi mount's user `admin`.
pub const ISSABEL_ADMIN_PASSWORD: &str = "demo-admin-password";

/// The HTTPS listener the demo serves the SARK V6 API on, as a SARK box does (port 44300 by
/// default), with a self-signed certificate generated on the first run and kept in the store.
pub const SARK_LISTENER: &str = "sark";
/// The API key of the demo's SARK mount (`X-Api-Key` or `Authorization: Bearer`). The original had
/// none; a box reachable from a network wants one.
pub const SARK_KEY: &str = "demo-sark-api-key";

/// The demo's mounts on `listen` (plain HTTP, listener `main`), its HTTPS listener on
/// `sark_listen`, talking to the PBX at `ami`.
pub fn config(listen: SocketAddr, sark_listen: SocketAddr, cache_dir: Option<PathBuf>, ami: Option<AmiConfig>, layout: &Layout) -> Config {
    let hello = Mount {
        route: "/hello".into(),
        plugin: PluginSource::Builtin("hello".into()),
        listeners: vec!["main".into()],
        settings: BTreeMap::from([("greeting".to_string(), "Hello from the Switchboard demo".to_string())]),
        grants: Grants::default(),
        limits: Limits::default(),
        enabled: true,
    };
    let click_to_call = Mount {
        route: "/click-to-call".into(),
        plugin: PluginSource::Builtin("click-to-call".into()),
        listeners: vec!["main".into()],
        settings: BTreeMap::from([
            ("api-key".to_string(), CLICK_TO_CALL_KEY.to_string()),
            ("context".to_string(), "from-internal".to_string()),
        ]),
        grants: Grants {
            ami: grants(&["Originate Context=from-internal, Application=", "CoreShowChannels"]),
            events: true,
            ..Grants::default()
        },
        // Its event long-polls wait up to 55 s.
        limits: Limits { timeout: Duration::from_secs(60), ..Limits::default() },
        enabled: true,
    };
    let defaults = switchboard_sim::SimConfig::default();
    let elastix = Mount {
        route: "/api/api.php".into(),
        plugin: PluginSource::Builtin("elastix".into()),
        listeners: vec!["main".into()],
        settings: BTreeMap::from([
            ("api-key".to_string(), ELASTIX_KEY.to_string()),
            ("ami-username".to_string(), defaults.username.clone()),
            ("ami-secret".to_string(), defaults.secret.clone()),
        ]),
        grants: Grants {
            ami: grants(&[
                "SIPpeers",
                "PJSIPShowEndpoints",
                "PJSIPShowContacts",
                "Command core show channels verbose",
                "ParkedCalls",
                "Status",
            ]),
            // Extension and follow-me writes (an extension row's foreign key reads `tenants`);
            // sipextensions joins the PJSIP rows and lists trunks; cdrreport reads the call records.
            sqlite: SqliteGrant {
                pbx: Some(PbxAccess::Tables {
                    read: ["ps_endpoints", "ps_aors", "trunks", "cdr", "tenants"].map(String::from).to_vec(),
                    write: ["extensions", "device_options", "follow_me", "follow_me_numbers"].map(String::from).to_vec(),
                }),
                own: false,
            },
            files: BTreeMap::from([("recordings".to_string(), FileAccess::ReadOnly)]),
            system: true,
            apply_changes: true,
            ..Grants::default()
        },
        limits: Limits::default(),
        enabled: true,
    };
    let axeos = Mount {
        route: "/apis/pbx".into(),
        plugin: PluginSource::Builtin("axeos".into()),
        listeners: vec!["main".into()],
        settings: BTreeMap::from([("api-key".to_string(), AXEOS_KEY.to_string())]),
        grants: Grants {
            // astdb: call forwarding, call waiting, do-not-disturb and hot-desk keys of users,
            // and the day/night overrides of switches; nothing else.
            ami: grants(&[
                "DBPut Family=CF",
                "DBPut Family=CW",
                "DBPut Family=DND",
                "DBPut Family=HOTDESK",
                "DBPut Family=DAYNIGHT",
                "DBDel Family=CF",
                "DBDel Family=CW",
                "DBDel Family=DND",
                "DBDel Family=HOTDESK",
                "DBDel Family=DAYNIGHT",
                "DeviceStateList",
                "MailboxCount",
                "QueueStatus",
                "Originate Context=from-internal, Application=",
                "Status",
                "Hangup",
            ]),
            events: true,
            sqlite: SqliteGrant {
                pbx: Some(PbxAccess::Tables {
                    read: ["extensions", "voicemail", "device_options", "trunks"].map(String::from).to_vec(),
                    write: ["astdb", "day_timers"].map(String::from).to_vec(),
                }),
                own: true,
            },
            ..Grants::default()
        },
        // `POST /call` waits for the caller's phone to answer (up to 20 s); `/events` polls wait up
        // to 50 s, many at once.
        limits: Limits { timeout: Duration::from_secs(60), max_concurrent: 1100, ..Limits::default() },
        enabled: true,
    };
    let issabel = Mount {
        route: "/pbxapi".into(),
        plugin: PluginSource::Builtin("issabel".into()),
        listeners: vec!["main".into()],
        settings: BTreeMap::from([
            ("jwt-secret".to_string(), ISSABEL_JWT_SECRET.to_string()),
            ("admin-password".to_string(), ISSABEL_ADMIN_PASSWORD.to_string()),
        ]),
        grants: Grants {
            // Writing implies reading; deleting an extension cascades to its options and follow-me.
            sqlite: SqliteGrant {
                pbx: Some(PbxAccess::Tables {
                    read: ["queues", "tenants"].map(String::from).to_vec(),
                    write: ["extensions", "device_options", "follow_me", "follow_me_numbers", "ring_groups", "ring_group_members"]
                        .map(String::from)
                        .to_vec(),
                }),
                own: false,
            },
            apply_changes: true,
            ..Grants::default()
        },
        limits: Limits::default(),
        enabled: true,
    };
    // Everything the SARK API offers but the PBX's start/stop/reboot: the demo has no command for
    // them (`[pbx_control]`), so those answer that they are not granted. The whole `pbx` database
    // read-write, because a snapshot or backup restore rewrites every configuration table.
    let sark = Mount {
        route: "/api".into(),
        plugin: PluginSource::Builtin("sark".into()),
        listeners: vec![SARK_LISTENER.into()],
        settings: BTreeMap::from([("api-key".to_string(), SARK_KEY.to_string())]),
        grants: Grants {
            ami: grants(&[
                "CoreShowChannels", "CoreStatus", "CoreSettings", "Status", "DeviceStateList", "ExtensionStateList",
                "ExtensionState", "QueueStatus", "QueueSummary", "MailboxCount", "MailboxStatus", "PJSIPShowEndpoints",
                "PJSIPShowEndpoint", "PJSIPShowContacts", "PJSIPShowRegistrationsOutbound", "SIPpeers", "SIPshowpeer",
                "SIPshowregistry", "Agents", "ConfbridgeList", "ConfbridgeListRooms", "VoicemailUsersList", "IAXpeers",
                "IAXregistry", "Ping", "Reload", "DBGet", "DBPut", "DBDel", "Hangup",
                "Originate Channel=Local/*, Application=",
            ]),
            sqlite: SqliteGrant { pbx: Some(PbxAccess::ReadWrite), own: true },
            files: ["greetings", "backups", "voicemail", "firewall"]
                .into_iter()
                .map(|area| (area.to_string(), FileAccess::ReadWrite))
                .collect(),
            apply_changes: true,
            ..Grants::default()
        },
        // A backup or a snapshot restore reads and writes the whole configuration.
        limits: Limits { timeout: Duration::from_secs(60), ..Limits::default() },
        enabled: true,
    };
    Config {
        listeners: vec![
            Listener { name: "main".into(), address: listen, trusted_proxies: Vec::new(), tls: None },
            Listener {
                name: SARK_LISTENER.into(),
                address: sark_listen,
                trusted_proxies: Vec::new(),
                tls: Some(layout.self_signed_tls(SARK_LISTENER)),
            },
        ],
        runtime: RuntimeOptions { cache_dir },
        mounts: [vec![hello, click_to_call, elastix, issabel, axeos, sark], evolvex::mounts()].concat(),
        ami,
        events: Default::default(),
        store: Some(StoreConfig { dir: layout.store() }),
        areas: AREAS.iter().map(|a| (a.to_string(), layout.area(a))).collect(),
        // The demo's calls reach the `cdr` table as a real PBX's do: `Cdr` events, and the
        // simulator's Master.csv for calls that ended while the host was not connected. The
        // simulator writes UTC.
        asterisk: AsteriskConfig {
            config_dir: Some(layout.asterisk()),
            cdr_csv: Some(layout.cdr_csv()),
            cdr_time_zone: Some("UTC".into()),
            ..AsteriskConfig::default()
        },
        auth_throttle: Default::default(),
        pbx_control: Vec::new(),
        log: Default::default(),
        admin: None,
    }
}

/// The demo's admin listener on `address`: its token from [`crate::config::ADMIN_TOKEN_ENV`] when
/// that is set, else a new random one each run (printed in the banner), so that no token is known
/// to every copy of the demo.
pub fn admin(address: SocketAddr) -> anyhow::Result<AdminConfig> {
    let token = match std::env::var(crate::config::ADMIN_TOKEN_ENV) {
        Ok(token) => AdminToken::new(token).map_err(|why| anyhow::anyhow!("{}: {why}", crate::config::ADMIN_TOKEN_ENV))?,
        Err(_) => {
            let mut bytes = [0u8; 16];
            rustls::crypto::ring::default_provider()
                .secure_random
                .fill(&mut bytes)
                .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
            AdminToken::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()).map_err(anyhow::Error::msg)?
        }
    };
    Ok(AdminConfig { address, token, tls: None })
}

/// What the demo does once its server is listening: creates the Evolvex API user (through the
/// plugin's admin resource, so only with the server up), unless a previous run did.
pub async fn after_start(server: &crate::Server) -> anyhow::Result<()> {
    let main = server.address("main").context("the demo has a `main` listener")?;
    evolvex::seed(main, evolvex::EVOLVEX_ROUTES[0]).await.context("creating the demo's Evolvex API user")
}

/// What the demo prints once it is listening: every URL to try, and the credentials.
pub fn banner(
    server: &crate::Server,
    ami: Option<(SocketAddr, &str, &str)>,
    layout: &Layout,
    seeded: Option<&DemoSummary>,
    admin_token: Option<&AdminToken>,
    languages_cache: Option<&Path>,
    crm: Option<&crm::DemoCrm>,
) -> String {
    let base = server.address("main").map(|a| format!("http://{a}")).unwrap_or_default();
    let mut out = String::from("Switchboard demo is running.\n\n");
    match seeded {
        Some(s) => out.push_str(&format!(
            "Demo PBX seeded: {} extensions, {} ring groups, {} follow-me, {} trunks, {} queues, {} CDRs, {} recordings.\n",
            s.extensions, s.ring_groups, s.follow_me, s.trunks, s.queues, s.cdrs, s.recordings
        )),
        None => out.push_str("Demo PBX: kept from the previous run (delete the data directory to start over).\n"),
    }
    out.push_str(&format!("Data in {} (database store/pbx.sqlite, Asterisk config asterisk/, file areas areas/).\n\n", layout.root.display()));
    out.push_str(&format!("  health           {base}/_switchboard/health\n"));
    let recorded = evolvex::recorded_call(&layout.store().join("pbx.sqlite"));
    // The JavaScript and Python examples have their own section: they may or may not be mounted yet.
    let own_section = |route: &str| languages_cache.is_some() && languages::EXAMPLES.iter().any(|e| e.route() == route);
    for mount in server.mounts().iter().filter(|m| m.listeners.iter().any(|l| l == "main") && !own_section(&m.route)) {
        out.push_str(&format!("  {:<16} {base}{}   (plugin `{}`)\n", mount.route, mount.route, mount.plugin));
        match mount.plugin.as_str() {
            "hello" => {
                out.push_str(&format!("  {:<16} {base}{}/Ada\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl -d 'any body' '{base}{}/echo?x=1'\n", "", mount.route));
            }
            "click-to-call" => {
                let key = format!("-H 'X-Api-Key: {CLICK_TO_CALL_KEY}'");
                out.push_str(&format!("  {:<16} curl {key} -d from=1001 -d to=1002 {base}{}/call\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl {key} {base}{}/calls\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl {key} '{base}{}/events?timeout=20'\n", "", mount.route));
            }
            "elastix" => {
                let key = format!("-H 'Authorization: {ELASTIX_KEY}'");
                for cmd in ["auth", "sippeers", "sipextensions", "systemresources", "getharddrivers", "getiptablesstatus", "activecall"] {
                    out.push_str(&format!("  {:<16} curl {key} '{base}{}?cmd={cmd}'\n", "", mount.route));
                }
                out.push_str(&format!(
                    "  {:<16} curl {key} -d status=ANSWERED -d limit=5 -d recordings=only '{base}{}?cmd=cdrreport'\n",
                    "", mount.route
                ));
                out.push_str(&format!("  {:<16} curl -OJ {key} '{base}{}?cmd=getwavfile&name=/<recordingfile from cdrreport>'\n", "", mount.route));
            }
            "axeos" => {
                let key = format!("-u 'apiKey:{AXEOS_KEY}'");
                for path in ["system_information", "users?status=1", "phones?status=1", "voicemail?status=1", "switches?status=1", "acd/stats?agents=1"] {
                    out.push_str(&format!("  {:<16} curl {key} '{base}{}/{path}'\n", "", mount.route));
                }
                out.push_str(&format!("  {:<16} curl '{base}{}/users.xml?key={AXEOS_KEY}'\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl {key} '{base}{}/events?limit=1&timeout=20'\n", "", mount.route));
                out.push_str(&format!(
                    "  {:<16} curl {key} -H 'Content-Type: application/json' -d '{{\"user_name\":\"1001\",\"number\":\"1002\"}}' {base}{}/call\n",
                    "", mount.route
                ));
            }
            "issabel" => {
                out.push_str(&format!("  {:<16} curl -d user=admin -d password={ISSABEL_ADMIN_PASSWORD} {base}{}/authenticate\n", "", mount.route));
                out.push_str(&format!("  {:<16} export TOKEN=<access_token from that answer>\n", ""));
                out.push_str(&format!("  {:<16} curl -H \"Authorization: Bearer $TOKEN\" {base}{}/extensions\n", "", mount.route));
                out.push_str(&format!("  {:<16} curl -H \"Authorization: Bearer $TOKEN\" '{base}{}/ringgroups?fields=*'\n", "", mount.route));
                out.push_str(&format!(
                    "  {:<16} curl -i -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"name\":\"Some Name\"}}' {base}{}/extensions\n",
                    "", mount.route
                ));
            }
            "evolvex" => out.push_str(&evolvex::banner(&base, &mount.route, recorded.as_deref())),
            "crm-webhook" => out.push_str(&crm.map(|crm| crm.banner(&base, &mount.route)).unwrap_or_default()),
            _ => {}
        }
    }
    if let Some(cache) = languages_cache {
        out.push_str(&languages::banner(&base, cache));
    }
    out.push_str(&sark_section(server, layout));
    if let (Some(admin), Some(token)) = (server.admin(), admin_token) {
        out.push_str(&admin_section(admin.address, token.expose()));
    }
    out.push_str("\nCredentials:\n");
    out.push_str(&format!("  click-to-call    header X-Api-Key: {CLICK_TO_CALL_KEY}\n"));
    out.push_str(&format!("  crm-webhook      header X-Api-Key: {}; webhooks signed with secret {}\n", crm::CRM_WEBHOOK_KEY, crm::CRM_SECRET));
    out.push_str(&format!("  elastix          header Authorization: {ELASTIX_KEY}\n"));
    out.push_str(&format!("  axeos            HTTP Basic apiKey:{AXEOS_KEY} (or ?key=); PBX users: extension number and voicemail PIN\n"));
    out.push_str(&format!("  issabel          user admin, password {ISSABEL_ADMIN_PASSWORD} (POST /pbxapi/authenticate)\n"));
    out.push_str(&format!("  sark             X-Api-Key: {SARK_KEY} (or Authorization: Bearer); 60 requests a minute per client\n"));
    out.push_str(&format!("  evolvex          api_key={EVOLVEX_KEY} (query or form; user `demo`); admin resource X-Admin-Key: {EVOLVEX_ADMIN_KEY}\n"));
    if let Some((address, user, secret)) = ami {
        out.push_str(&format!("  PBX simulator    AMI at {address}, user `{user}`, secret `{secret}`\n"));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}

/// The admin listener: the console, the token, `/metrics` and the CLI.
fn admin_section(address: SocketAddr, token: &str) -> String {
    let base = format!("http://{address}");
    let mut out = format!("\n  {:<16} {base}/   (the web console; paste the admin token when it asks)\n", "admin console");
    out.push_str(&format!("  {:<16} {token}   (a new one each run; set {} to choose it)\n", "admin token", crate::config::ADMIN_TOKEN_ENV));
    out.push_str(&format!("  {:<16} {base}/metrics\n", "metrics"));
    out.push_str(&format!("  {:<16} curl -H 'Authorization: Bearer {token}' {base}/metrics\n", ""));
    out.push_str(&format!("  {:<16} curl -H 'Authorization: Bearer {token}' {base}/admin/api/mounts\n", "admin API"));
    out.push_str(&format!("  {:<16} {}={token} switchboard admin --url {base} mounts\n", "admin CLI", crate::config::ADMIN_TOKEN_ENV));
    out.push_str(&format!("  {:<16} (changes made through the admin API last until the demo stops: it has no configuration file)\n", ""));
    out
}

/// The HTTPS listener: its URL, its certificate (where it is kept and its fingerprint), and how to
/// reach it with curl trusting that certificate alone.
fn sark_section(server: &crate::Server, layout: &Layout) -> String {
    let Some(address) = server.address(SARK_LISTENER) else { return String::new() };
    let cert = layout.self_signed_tls(SARK_LISTENER).cert;
    let base = format!("https://localhost:{}", address.port());
    let curl = format!("curl --cacert {}", cert.display());
    let mut out = format!("\n  {:<16} {base}   (listener `{SARK_LISTENER}` on {address}, HTTPS, self-signed certificate)\n", "sark (HTTPS)");
    out.push_str(&format!("  {:<16} {}\n", "certificate", cert.display()));
    out.push_str(&format!("  {:<16} SHA-256 {}\n", "", server.fingerprint(SARK_LISTENER).unwrap_or("?")));
    out.push_str(&format!("  {:<16} {curl} {base}/_switchboard/health\n", ""));
    let mounts: Vec<_> = server.mounts().into_iter().filter(|m| m.listeners.iter().any(|l| l == SARK_LISTENER)).collect();
    for mount in &mounts {
        let route = mount.route.trim_end_matches('/');
        out.push_str(&format!("  {:<16} {base}{route}   (plugin `{}`)\n", route, mount.plugin));
        if mount.plugin == "sark" {
            let key = format!("-H 'X-Api-Key: {SARK_KEY}'");
            for path in ["extensions", "tenants", "destinations", "astamis/CoreShowChannels", "astamis/CoreStatus", "logs/cdrs/5", "snapshots"] {
                out.push_str(&format!("  {:<16} {curl} {key} {base}{route}/{path}\n", ""));
            }
            out.push_str(&format!(
                "  {:<16} {curl} {key} -H 'Content-Type: application/json' -d '{{\"pkey\":\"1099\",\"cluster\":\"default\"}}' {base}{route}/extensions/unprovisioned\n",
                ""
            ));
            out.push_str(&format!("  {:<16} {curl} {key} {base}{route}/syscommands/commit\n", ""));
        }
    }
    if mounts.is_empty() {
        out.push_str(&format!("  {:<16} (nothing is mounted on it yet; the SARK V6 API will answer at {base}/api/...)\n", ""));
    }
    out
}

/// `grants.ami` entries written in this file; they are known to parse.
fn grants(entries: &[&str]) -> Vec<crate::capabilities::AmiGrant> {
    entries.iter().map(|e| crate::capabilities::AmiGrant::parse(e).expect("the demo's AMI grants parse")).collect()
}
