//! `switchboard.toml`: listeners, runtime options and mounts.
//!
//! Parsing happens in two passes. `toml` + serde turn the text into [`raw`] structs whose fields keep
//! their byte spans; then [`validate`] checks every rule and collects *every* problem it finds, each
//! with its `file:line:column`, so an admin fixes the whole file in one go instead of one error per
//! run. Only a file that passes becomes a [`Config`], whose values are resolved and typed (settings
//! read from the environment, `.wasm` paths made absolute, limits as durations and bytes).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use ipnet::IpNet;

use crate::ami::{AmiConfig, EventClasses};
use crate::capabilities::auth_throttle::ThrottlePolicy;
pub use crate::capabilities::{AmiGrant, FileAccess, Grants, PbxAccess, SqliteGrant};
use crate::builtin;
use crate::events::BusConfig;

/// The prefix the host keeps for itself (health, later admin): no mount may claim it.
pub const RESERVED_PREFIX: &str = "/_switchboard";

/// A validated configuration, ready to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP listeners bind.
    pub listeners: Vec<Listener>,
    /// Engine-wide options.
    pub runtime: RuntimeOptions,
    /// The mounts, in file order.
    pub mounts: Vec<Mount>,
    /// The PBX's manager interface; `None` when the file has no `[ami]` (AMI calls then answer
    /// `not-connected`). Timeouts and back-off keep the client's defaults.
    pub ami: Option<AmiConfig>,
    /// Event bus sizing (`[events]`).
    pub events: BusConfig,
    /// Where the databases live (`[store]`); `None` when the file has none (database calls then
    /// answer `no-such-database`).
    pub store: Option<StoreConfig>,
    /// Named file areas (`[areas]`): name → directory. Mounts are granted areas by name.
    pub areas: BTreeMap<String, PathBuf>,
    /// Where `pbx.apply-changes` writes Asterisk configuration (`[asterisk] config_dir`).
    pub asterisk: AsteriskConfig,
    /// When repeated authentication failures lock a client or principal out (`[auth_throttle]`).
    pub auth_throttle: ThrottlePolicy,
    /// The programs that start, stop and reboot the PBX (`[pbx_control]`), for mounts granted
    /// `pbx_control`; a command not listed answers `not-configured`.
    pub pbx_control: crate::capabilities::pbx_control::Commands,
    /// How the host writes its log (`[log]`).
    pub log: LogConfig,
    /// The admin listener (`[admin]`): the admin API, the console and `/metrics`; `None` when the
    /// file has no `[admin]`, and then there is no admin listener at all.
    pub admin: Option<AdminConfig>,
}

/// The environment variable that gives the admin token; it wins over `[admin] token`, so the
/// secret can stay out of the configuration file.
pub const ADMIN_TOKEN_ENV: &str = "SWITCHBOARD_ADMIN_TOKEN";

/// The shortest admin token accepted, in bytes: 16 random characters are beyond guessing at the
/// rate the admin throttle allows.
pub const MIN_ADMIN_TOKEN_BYTES: usize = 16;

/// Default `[admin] address`: loopback only, next to the default listener's 8080.
pub const DEFAULT_ADMIN_ADDRESS: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8081);

/// `[admin]`: the admin listener.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// Where it binds (`address`, default [`DEFAULT_ADMIN_ADDRESS`]).
    pub address: SocketAddr,
    /// The bearer token every API call must carry (`token`, or [`ADMIN_TOKEN_ENV`]).
    pub token: AdminToken,
    /// HTTPS instead of plain HTTP (`tls = { … }`, as a listener's; a self-signed one is kept as
    /// `<store dir>/tls/admin.crt`).
    pub tls: Option<ListenerTls>,
}

/// The admin token. Its `Debug` says nothing about it, so that printing a [`Config`] (or logging
/// one, at any level) never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A token from `text`, when it is long enough (see [`MIN_ADMIN_TOKEN_BYTES`]).
    pub fn new(text: impl Into<String>) -> Result<AdminToken, String> {
        let text = text.into();
        if text.len() < MIN_ADMIN_TOKEN_BYTES {
            return Err(format!("the admin token has {} bytes; use at least {MIN_ADMIN_TOKEN_BYTES} (e.g. `openssl rand -hex 32`)", text.len()));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the admin token must be printable ASCII without spaces (it travels in an HTTP header)".into());
        }
        Ok(AdminToken(text))
    }

    /// The secret itself: only for comparing and for the demo's banner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// `[log]`: the host's log on standard error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogConfig {
    /// `format`: lines for people, or one JSON object per line for a log collector.
    pub format: LogFormat,
}

/// `[log] format`; `--log-format` (or `SWITCHBOARD_LOG_FORMAT`) overrides it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-01-01T00:00:00Z  INFO request{request_id=…}: switchboard::http: …`: for reading.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `fields.message` and the other fields,
    /// `target`, and `span`/`spans` with the request's `request_id`: for log collectors.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format `{other}` is not `text` or `json`")),
        }
    }
}

/// `[store]`: the databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Holds `pbx.sqlite`, the plugin registry `registry.sqlite` and the plugins' own databases in `plugins/`.
    pub dir: PathBuf,
}

/// `[asterisk]`: the PBX's configuration files and call records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AsteriskConfig {
    /// The include directory apply-changes renders into (e.g. `/etc/asterisk/switchboard`);
    /// `None` disables apply-changes (it answers `not-configured`).
    pub config_dir: Option<PathBuf>,
    /// The PJSIP transport rendered endpoints and registrations use when their own `transport`
    /// is empty (`[asterisk] transport`, e.g. `transport-udp`); `None` leaves the choice to
    /// res_pjsip (the first transport that fits the address).
    pub transport: Option<String>,
    /// Asterisk's `Master.csv` (cdr_csv), read at start, after every AMI reconnect and every
    /// minute, so calls that ended while the AMI link was down reach the `cdr` table too; `None`:
    /// call records come from `Cdr` events alone.
    pub cdr_csv: Option<PathBuf>,
    /// The time zone Asterisk writes CDR times in (its local time: cdr_manager has no other), as an
    /// IANA name (`Europe/Berlin`), `UTC`, or a POSIX TZ string; `None`: the host's own local time
    /// zone, right when Switchboard runs beside Asterisk. Times are stored in UTC.
    pub cdr_time_zone: Option<String>,
}

/// One HTTP listener.
#[derive(Debug, Clone)]
pub struct Listener {
    /// Name mounts use to pick listeners (`listener = "sark"`); defaults to `main`.
    pub name: String,
    /// Address to bind; port 0 picks a free port (tests use that).
    pub address: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` this listener believes (`trusted_proxies`, addresses
    /// or CIDR blocks); empty: the peer is always the client.
    pub trusted_proxies: Vec<IpNet>,
    /// HTTPS instead of plain HTTP (`tls = { … }`); `None`: plain HTTP.
    pub tls: Option<ListenerTls>,
}

/// A listener's `tls` table: where its certificate chain and private key are, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerTls {
    /// The certificate chain, leaf first (`tls.cert`, or `<store dir>/tls/<listener>.crt`).
    pub cert: PathBuf,
    /// The private key (`tls.key`, or `<store dir>/tls/<listener>.key`).
    pub key: PathBuf,
    /// `tls = { self_signed = true }`: the host generates both files on first start, when they
    /// are not there yet, and serves the same certificate on every later start, so that a client
    /// told to trust it once keeps trusting it.
    pub self_signed: bool,
}

/// Engine-wide options.
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    /// Where compiled plugins are cached; `None` disables the on-disk cache.
    pub cache_dir: Option<PathBuf>,
}

/// One route prefix served by one plugin. Two mounts that compare equal (and load components with
/// the same bytes) are the same mount to a live reload, which keeps it running untouched.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    /// Route prefix, normalised: starts with `/`, no trailing `/` (except the root route `/`).
    pub route: String,
    /// Which plugin answers.
    pub plugin: PluginSource,
    /// Listener names this mount is served on; empty means every listener.
    pub listeners: Vec<String>,
    /// Settings handed to the plugin through the `settings` interface, values resolved.
    pub settings: BTreeMap<String, String>,
    /// What the plugin may use beyond its own request.
    pub grants: Grants,
    /// Per-request and per-mount limits.
    pub limits: Limits,
    /// `enabled = false`: the route stays mounted but answers 503 `mount_disabled` (default true).
    pub enabled: bool,
}

/// Where a mount's plugin comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// One of the plugins compiled into the binary (see `switchboard plugins`).
    Builtin(String),
    /// A component file on disk.
    File(PathBuf),
}

impl PluginSource {
    /// A short name for logs and errors: the built-in's name or the file's stem.
    pub fn name(&self) -> String {
        match self {
            PluginSource::Builtin(name) => name.clone(),
            PluginSource::File(path) => path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned()),
        }
    }
}

impl fmt::Display for PluginSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginSource::Builtin(name) => write!(f, "{name} (built-in)"),
            PluginSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Limits that keep one plugin from hurting the host or other mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget of one request, from instantiation to the last body byte the plugin writes.
    pub timeout: Duration,
    /// Linear memory one request's instance may grow to.
    pub memory_bytes: u64,
    /// Requests of this mount running at once.
    pub max_concurrent: u32,
    /// Requests allowed to wait for a slot; one more is answered 503 at once.
    pub queue: u32,
    /// How long a request may wait in the queue before it is answered 503.
    pub queue_timeout: Duration,
    /// Requests one instance serves, one after another, before it is replaced; 1 gives every
    /// request a fresh instance. Default [`BUILTIN_REUSE`] for built-in plugins, 1 for files.
    pub reuse: u32,
    /// How long a reused instance may sit idle before it is dropped and its pool slot handed back
    /// (see [`DEFAULT_IDLE_TIMEOUT`]). Matters only when `reuse` is above 1.
    pub idle_timeout: Duration,
    /// Wall-clock budget of one `on-events` call of the mount's event handler, its own rather than
    /// `timeout` (see [`DEFAULT_EVENT_BATCH_TIMEOUT`]).
    pub event_batch_timeout: Duration,
}

/// Default `limits.idle_timeout_ms`: one minute. An idle instance keeps the pages its requests
/// touched (a built-in's heap, its SQLite page cache) resident; a mount that went quiet should give
/// them back. What eviction costs is one fresh instance on the next request (about a third of a
/// small request's cost, once), which is nothing next to a minute of quiet; a mount under steady
/// load, or a client polling more often than once a minute, keeps its instances and never pays it.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Default `limits.event_batch_timeout_ms`: five seconds. A batch is at most 256 events, and a
/// healthy handler translates one in microseconds to a few SQL look-ups; five seconds is far beyond
/// that even on a loaded machine (the first batch also starts the instance), while a handler stuck
/// on one batch holds up the mount's stream for at most that long, instead of for the mount's
/// `timeout_ms`, which mounts that serve long-polls set to a minute.
pub const DEFAULT_EVENT_BATCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Default `limits.reuse` of a built-in plugin: ours keep no request's data in memory between
/// requests, so their instances are reused (see `runtime::warm`). A plugin file gets a fresh
/// instance per request unless its mount says otherwise.
pub const BUILTIN_REUSE: u32 = 1000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            memory_bytes: 64 << 20,
            max_concurrent: 64,
            queue: 256,
            queue_timeout: Duration::from_secs(10),
            reuse: 1,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            event_batch_timeout: DEFAULT_EVENT_BATCH_TIMEOUT,
        }
    }
}

/// One problem in a configuration file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `file:line:column` (or just `file` when no position applies).
    pub location: String,
    /// What is wrong and, where we can tell, how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every problem found in a configuration file.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) in the configuration:\n{}", .0.len(), render_problems(.0))]
pub struct ConfigError(pub Vec<Problem>);

fn render_problems(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

/// The file's shape as written, spans kept for error locations.
mod raw {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct File {
        #[serde(default, rename = "listener")]
        pub listeners: Vec<Spanned<Listener>>,
        #[serde(default)]
        pub runtime: Runtime,
        #[serde(default, rename = "mount")]
        pub mounts: Vec<Spanned<Mount>>,
        pub ami: Option<Spanned<Ami>>,
        #[serde(default)]
        pub events: Events,
        pub store: Option<Spanned<Store>>,
        #[serde(default)]
        pub areas: BTreeMap<String, Spanned<String>>,
        #[serde(default)]
        pub asterisk: Asterisk,
        #[serde(default)]
        pub auth_throttle: AuthThrottle,
        #[serde(default)]
        pub pbx_control: PbxControl,
        #[serde(default)]
        pub log: Log,
        pub admin: Option<Spanned<Admin>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Admin {
        pub address: Option<Spanned<String>>,
        pub token: Option<Spanned<String>>,
        pub tls: Option<Spanned<Tls>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Log {
        pub format: Option<Spanned<String>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct PbxControl {
        pub start: Option<Spanned<Vec<Spanned<String>>>>,
        pub stop: Option<Spanned<Vec<Spanned<String>>>>,
        pub reboot: Option<Spanned<Vec<Spanned<String>>>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct AuthThrottle {
        pub free_failures: Option<Spanned<i64>>,
        pub first_lock_ms: Option<Spanned<i64>>,
        pub max_lock_ms: Option<Spanned<i64>>,
        pub forget_after_s: Option<Spanned<i64>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Store {
        pub dir: Spanned<String>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Asterisk {
        pub config_dir: Option<Spanned<String>>,
        pub transport: Option<Spanned<String>>,
        pub cdr_csv: Option<Spanned<String>>,
        pub cdr_time_zone: Option<Spanned<String>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Ami {
        pub address: Spanned<String>,
        pub username: Spanned<String>,
        pub secret: Spanned<SettingValue>,
        pub auth: Option<Spanned<String>>,
        pub events: Option<Spanned<Vec<Spanned<String>>>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Events {
        pub buffer: Option<Spanned<i64>>,
        pub reset_after_s: Option<Spanned<i64>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Listener {
        pub name: Option<Spanned<String>>,
        pub address: Spanned<String>,
        #[serde(default)]
        pub trusted_proxies: Vec<Spanned<String>>,
        pub tls: Option<Spanned<Tls>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Tls {
        pub cert: Option<Spanned<String>>,
        pub key: Option<Spanned<String>>,
        pub self_signed: Option<Spanned<bool>>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Runtime {
        pub cache_dir: Option<Spanned<String>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Mount {
        pub route: Spanned<String>,
        pub plugin: Spanned<String>,
        pub listener: Option<Spanned<ListenerRef>>,
        #[serde(default)]
        pub settings: BTreeMap<String, Spanned<SettingValue>>,
        #[serde(default)]
        pub grants: crate::capabilities::RawGrants,
        #[serde(default)]
        pub limits: Limits,
        pub enabled: Option<bool>,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    pub enum ListenerRef {
        One(String),
        Many(Vec<String>),
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    pub enum SettingValue {
        Plain(String),
        Env {
            env: String,
            #[serde(default)]
            default: Option<String>,
        },
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    pub struct Limits {
        pub timeout_ms: Option<Spanned<i64>>,
        pub memory_mb: Option<Spanned<i64>>,
        pub max_concurrent: Option<Spanned<i64>>,
        pub queue: Option<Spanned<i64>>,
        pub queue_timeout_ms: Option<Spanned<i64>>,
        pub reuse: Option<Spanned<i64>>,
        pub idle_timeout_ms: Option<Spanned<i64>>,
        pub event_batch_timeout_ms: Option<Spanned<i64>>,
    }
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(vec![Problem {
            location: path.display().to_string(),
            message: format!("cannot read the file: {e}"),
        }])
    })?;
    parse(&text, path)
}

/// Parses and validates configuration text; `path` names it in messages and anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let locator = Locator::new(text, path);
    let file: raw::File = toml::from_str(text).map_err(|e| {
        let location = match e.span() {
            Some(span) => locator.at(span.start),
            None => path.display().to_string(),
        };
        // toml's message repeats the position and a source excerpt; the first line is the point.
        let message = e.message().lines().next().unwrap_or("invalid TOML").to_string();
        ConfigError(vec![Problem { location, message }])
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    validate(file, &locator, &base)
}

/// A `grants` table written on its own (a plugin's declared needs, see `crate::needs`), checked
/// exactly as a mount's `grants` is; `origin` names it in the problems.
pub fn parse_grants(text: &str, origin: &Path) -> Result<Grants, ConfigError> {
    let locator = Locator::new(text, origin);
    let raw: crate::capabilities::RawGrants = toml::from_str(text).map_err(|e| {
        let location = e.span().map_or_else(|| origin.display().to_string(), |span| locator.at(span.start));
        let message = e.message().lines().next().unwrap_or("invalid TOML").to_string();
        ConfigError(vec![Problem { location, message }])
    })?;
    let mut problems = Problems { locator: &locator, found: Vec::new() };
    let grants = raw.validate(&mut problems);
    if problems.found.is_empty() { Ok(grants) } else { Err(ConfigError(problems.found)) }
}

/// Turns byte offsets into `file:line:column`.
struct Locator<'a> {
    path: &'a Path,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(text: &str, path: &'a Path) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Locator { path, line_starts }
    }

    fn at(&self, offset: usize) -> String {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let column = offset - self.line_starts[line - 1] + 1;
        format!("{}:{line}:{column}", self.path.display())
    }
}

/// Collects problems while validating.
pub(crate) struct Problems<'a> {
    locator: &'a Locator<'a>,
    found: Vec<Problem>,
}

impl Problems<'_> {
    pub(crate) fn add(&mut self, offset: usize, message: impl Into<String>) {
        self.found.push(Problem { location: self.locator.at(offset), message: message.into() });
    }
}

fn validate(file: raw::File, locator: &Locator<'_>, base: &Path) -> Result<Config, ConfigError> {
    let mut problems = Problems { locator, found: Vec::new() };

    let store = file.store.as_ref().map(|store| StoreConfig { dir: base.join(store.get_ref().dir.get_ref()) });
    let listeners = validate_listeners(&file.listeners, store.as_ref(), base, &mut problems);
    let runtime = RuntimeOptions {
        cache_dir: file.runtime.cache_dir.as_ref().map(|dir| base.join(dir.get_ref())),
    };

    let mut mounts = Vec::new();
    // (listener name or "" for all, route) → offset of the first mount that claimed it.
    let mut claimed: HashMap<(String, String), usize> = HashMap::new();
    for spanned in &file.mounts {
        let mount = spanned.get_ref();
        // Duplicates are checked on the raw route and listener names, so a duplicate is reported
        // even when one of the two mounts has other problems too.
        if let Ok(route) = normalize_route(mount.route.get_ref()) {
            let targets: Vec<String> = match mount.listener.as_ref().map(|l| l.get_ref()) {
                None => listeners.iter().map(|l| l.name.clone()).collect(),
                Some(raw::ListenerRef::One(one)) => vec![one.clone()],
                Some(raw::ListenerRef::Many(many)) => many.clone(),
            };
            for listener in targets {
                let at = mount.route.span().start;
                match claimed.get(&(listener.clone(), route.clone())) {
                    Some(&first) => problems.add(
                        at,
                        format!(
                            "route `{route}` is already mounted on listener `{listener}` at {}; \
                             each route may be mounted once per listener",
                            locator.at(first)
                        ),
                    ),
                    None => {
                        claimed.insert((listener, route.clone()), at);
                    }
                }
            }
        }
        if let Some(validated) = validate_mount(mount, &listeners, base, &mut problems) {
            mounts.push(validated);
        }
    }

    let ami = file.ami.as_ref().and_then(|ami| validate_ami(ami.get_ref(), &mut problems));
    let events = validate_events(&file.events, &mut problems);
    let auth_throttle = validate_auth_throttle(&file.auth_throttle, &mut problems);
    let pbx_control = validate_pbx_control(&file.pbx_control, &mut problems);
    let log = validate_log(&file.log, &mut problems);
    let admin = file.admin.as_ref().and_then(|admin| validate_admin(admin, &listeners, store.as_ref(), base, &mut problems));
    let asterisk = validate_asterisk(&file.asterisk, store.is_some(), base, &mut problems);
    let mut areas = BTreeMap::new();
    for (name, dir) in &file.areas {
        if let Err(why) = check_area_name(name) {
            problems.add(dir.span().start, format!("bad area name `{name}`: {why}"));
        }
        areas.insert(name.clone(), base.join(dir.get_ref()));
    }
    // Checked on every mount as written, valid or not, so all problems show up in one run.
    for spanned in &file.mounts {
        let mount = spanned.get_ref();
        let route = mount.route.get_ref();
        for (area, access) in &mount.grants.files {
            if !areas.contains_key(area) {
                let known: Vec<&str> = areas.keys().map(String::as_str).collect();
                problems.add(
                    access.span().start,
                    format!(
                        "mount {route} is granted file area `{area}`, which `[areas]` does not define (defined: {})",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                );
            }
        }
        if mount.grants.sqlite.requested() && store.is_none() {
            problems.add(spanned.span().start, format!("mount {route} is granted sqlite, but the file has no `[store]` with a `dir`"));
        }
    }

    if problems.found.is_empty() {
        Ok(Config { listeners, runtime, mounts, ami, events, store, areas, asterisk, auth_throttle, pbx_control, log, admin })
    } else {
        Err(ConfigError(problems.found))
    }
}

fn validate_ami(raw: &raw::Ami, problems: &mut Problems<'_>) -> Option<AmiConfig> {
    let before = problems.found.len();
    let address = raw.address.get_ref();
    let port_ok = address.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !port_ok {
        problems.add(raw.address.span().start, format!("ami.address `{address}` is not HOST:PORT, e.g. `127.0.0.1:5038`"));
    }
    let secret = resolve_setting("ami.secret", &raw.secret, problems);
    let md5 = match raw.auth.as_ref().map(|a| a.get_ref().as_str()) {
        None | Some("md5") => true,
        Some("plain") => false,
        Some(other) => {
            let at = raw.auth.as_ref().map_or(0, |a| a.span().start);
            problems.add(at, format!("ami.auth `{other}` is not `md5` or `plain`"));
            true
        }
    };
    let mut events = EventClasses::default();
    if let Some(names) = &raw.events {
        let mut good = Vec::new();
        for name in names.get_ref() {
            match EventClasses::parse(&[name.get_ref()]) {
                Ok(_) => good.push(name.get_ref().clone()),
                Err(e) => problems.add(name.span().start, format!("ami.events: {e}")),
            }
        }
        events = EventClasses::parse(&good).unwrap_or_default();
    }
    (problems.found.len() == before).then(|| AmiConfig {
        address: address.clone(),
        username: raw.username.get_ref().clone(),
        secret: secret.unwrap_or_default(),
        md5,
        events,
        ..AmiConfig::default()
    })
}

/// `[asterisk] transport`: a PJSIP transport's section name, as the schema admits one in
/// `ps_endpoints.transport` (it is written into pjsip.conf as it is).
fn validate_transport(raw: &Spanned<String>, problems: &mut Problems<'_>) -> Option<String> {
    let name = raw.get_ref();
    let ok = (1..=80).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.starts_with(['-', '_']);
    if ok {
        Some(name.clone())
    } else {
        problems.add(
            raw.span().start,
            format!("asterisk.transport {name:?} is not a PJSIP transport name: 1 to 80 letters, digits, - and _, starting with a letter or digit (e.g. `transport-udp`)"),
        );
        None
    }
}

fn validate_asterisk(raw: &raw::Asterisk, has_store: bool, base: &Path, problems: &mut Problems<'_>) -> AsteriskConfig {
    let cdr_csv = raw.cdr_csv.as_ref().and_then(|spanned| {
        let (text, at) = (spanned.get_ref(), spanned.span().start);
        let path = base.join(text);
        let problem = if text.trim().is_empty() {
            Some(format!(
                "asterisk.cdr_csv is empty: give the path of Asterisk's Master.csv, e.g. \"/var/log/asterisk/cdr-csv/Master.csv\""
            ))
        } else if path.is_dir() {
            Some(format!("asterisk.cdr_csv `{}` is a directory: give the path of the Master.csv file in it", path.display()))
        } else if !path.parent().is_some_and(Path::is_dir) {
            // Asterisk creates Master.csv with its first call record, but not its directory: a
            // missing directory is a wrong path, not a quiet PBX.
            Some(format!(
                "asterisk.cdr_csv `{}`: the directory {} does not exist (cdr_csv writes Master.csv into /var/log/asterisk/cdr-csv/)",
                path.display(),
                path.parent().map_or_else(String::new, |p| p.display().to_string())
            ))
        } else if !has_store {
            Some("asterisk.cdr_csv needs a `[store]` with a `dir`, where the call records are kept".to_string())
        } else {
            None
        };
        match problem {
            Some(message) => {
                problems.add(at, message);
                None
            }
            None => Some(path),
        }
    });
    let cdr_time_zone = raw.cdr_time_zone.as_ref().and_then(|spanned| match crate::cdr::time_zone(spanned.get_ref()) {
        Ok(_) => Some(spanned.get_ref().clone()),
        Err(why) => {
            problems.add(spanned.span().start, format!("asterisk.cdr_time_zone `{}` {why}", spanned.get_ref()));
            None
        }
    });
    let transport = raw.transport.as_ref().and_then(|t| validate_transport(t, problems));
    AsteriskConfig { config_dir: raw.config_dir.as_ref().map(|dir| base.join(dir.get_ref())), transport, cdr_csv, cdr_time_zone }
}

/// `[admin]`: its address (not one a listener binds), its token ([`ADMIN_TOKEN_ENV`] first, then
/// `token`; at least [`MIN_ADMIN_TOKEN_BYTES`]), its optional `tls`.
fn validate_admin(
    raw: &Spanned<raw::Admin>,
    listeners: &[Listener],
    store: Option<&StoreConfig>,
    base: &Path,
    problems: &mut Problems<'_>,
) -> Option<AdminConfig> {
    let before = problems.found.len();
    let admin = raw.get_ref();
    let address = match &admin.address {
        None => DEFAULT_ADMIN_ADDRESS,
        Some(text) => match text.get_ref().parse::<SocketAddr>() {
            Ok(address) => address,
            Err(_) => {
                problems.add(text.span().start, format!(
                    "admin.address `{}` is not an address to listen on; write IP:PORT, e.g. `127.0.0.1:8081`", text.get_ref()));
                DEFAULT_ADMIN_ADDRESS
            }
        },
    };
    if address.port() != 0 {
        if let Some(listener) = listeners.iter().find(|l| l.address == address) {
            let at = admin.address.as_ref().map_or(raw.span().start, |a| a.span().start);
            problems.add(at, format!(
                "admin.address {address} is listener `{}`'s address too; the admin listener needs its own port", listener.name));
        }
    }
    let token = match (std::env::var(ADMIN_TOKEN_ENV), &admin.token) {
        (Ok(env), _) => AdminToken::new(env).map_err(|why| {
            let at = admin.token.as_ref().map_or(raw.span().start, |t| t.span().start);
            problems.add(at, format!("{ADMIN_TOKEN_ENV}: {why}"));
        }),
        (Err(_), Some(token)) => AdminToken::new(token.get_ref().clone()).map_err(|why| problems.add(token.span().start, format!("admin.token: {why}"))),
        (Err(_), None) => {
            problems.add(raw.span().start, format!(
                "[admin] needs a bearer token: set `token = \"…\"` ({MIN_ADMIN_TOKEN_BYTES} bytes or more), or the environment variable {ADMIN_TOKEN_ENV}"));
            Err(())
        }
    };
    if let Some(listener) = listeners.iter().find(|l| l.name == ADMIN_LISTENER) {
        problems.add(raw.span().start, format!(
            "a [[listener]] is named `{}`, the admin listener's own name (its certificate files are named after it): rename that listener",
            listener.name));
    }
    let tls = admin.tls.as_ref().and_then(|tls| validate_tls(ADMIN_LISTENER, tls, store, base, problems));
    match token {
        Ok(token) if problems.found.len() == before => Some(AdminConfig { address, token, tls }),
        _ => None,
    }
}

/// The admin listener's name, in logs and for its self-signed certificate's files
/// (`<store dir>/tls/switchboard-admin.crt`); no `[[listener]]` may take it.
pub const ADMIN_LISTENER: &str = "switchboard-admin";

fn validate_log(raw: &raw::Log, problems: &mut Problems<'_>) -> LogConfig {
    let format = match &raw.format {
        None => LogFormat::default(),
        Some(format) => format.get_ref().parse().unwrap_or_else(|why: String| {
            problems.add(format.span().start, format!("log.format: {why}"));
            LogFormat::default()
        }),
    };
    LogConfig { format }
}

fn validate_events(raw: &raw::Events, problems: &mut Problems<'_>) -> BusConfig {
    let defaults = BusConfig::default();
    BusConfig {
        capacity: in_range(&raw.buffer, "events.buffer", 1, 1_000_000, "events", problems)
            .map_or(defaults.capacity, |n| n as usize),
        reset_after: in_range(&raw.reset_after_s, "events.reset_after_s", 1, 86_400, "seconds", problems)
            .map_or(defaults.reset_after, |s| Duration::from_secs(s as u64)),
    }
}

fn validate_auth_throttle(raw: &raw::AuthThrottle, problems: &mut Problems<'_>) -> ThrottlePolicy {
    let defaults = ThrottlePolicy::default();
    let free_failures = in_range(&raw.free_failures, "auth_throttle.free_failures", 1, 1000, "failures", problems)
        .map_or(defaults.free_failures, |n| n as u32);
    let first_lock = in_range(&raw.first_lock_ms, "auth_throttle.first_lock_ms", 1, 86_400_000, "milliseconds", problems)
        .map_or(defaults.first_lock, |ms| Duration::from_millis(ms as u64));
    let max_lock = in_range(&raw.max_lock_ms, "auth_throttle.max_lock_ms", 1, 86_400_000, "milliseconds", problems)
        .map_or(defaults.max_lock, |ms| Duration::from_millis(ms as u64));
    let forget_after = in_range(&raw.forget_after_s, "auth_throttle.forget_after_s", 1, 86_400 * 7, "seconds", problems)
        .map_or(defaults.forget_after, |s| Duration::from_secs(s as u64));
    if max_lock < first_lock {
        if let Some(at) = raw.max_lock_ms.as_ref().or(raw.first_lock_ms.as_ref()) {
            problems.add(at.span().start, format!(
                "auth_throttle.max_lock_ms ({} ms) is shorter than auth_throttle.first_lock_ms ({} ms)",
                max_lock.as_millis(), first_lock.as_millis()));
        }
    }
    ThrottlePolicy { free_failures, first_lock, max_lock, forget_after }
}

/// `[pbx_control]`: each command an argument vector whose program is an absolute path to a file.
/// Commands run without a shell, so there is no `PATH` look-up, quoting or expansion to rely on.
fn validate_pbx_control(raw: &raw::PbxControl, problems: &mut Problems<'_>) -> crate::capabilities::pbx_control::Commands {
    use crate::capabilities::pbx_control::Command;

    let mut commands = Vec::new();
    for (command, argv) in [(Command::Start, &raw.start), (Command::Stop, &raw.stop), (Command::Reboot, &raw.reboot)] {
        let Some(argv) = argv else { continue };
        let Some(program) = argv.get_ref().first() else {
            problems.add(argv.span().start, format!(
                "pbx_control.{command} is empty: give the program's absolute path and its arguments, e.g. [\"/usr/bin/systemctl\", \"{command}\", \"asterisk\"]"));
            continue;
        };
        let path = Path::new(program.get_ref());
        if !path.is_absolute() {
            problems.add(program.span().start, format!(
                "pbx_control.{command} program `{}` is not an absolute path (commands run without a shell or a PATH look-up), e.g. \"/usr/bin/systemctl\"",
                program.get_ref()));
        } else if !path.is_file() {
            problems.add(program.span().start, format!("pbx_control.{command} program `{}` does not exist or is not a file", path.display()));
        } else {
            commands.push((command, argv.get_ref().iter().map(|a| a.get_ref().clone()).collect()));
        }
    }
    commands
}

/// The value, when it is set and within `min..=max`; a located problem when it is out of range.
fn in_range(value: &Option<Spanned<i64>>, name: &str, min: i64, max: i64, unit: &str, problems: &mut Problems<'_>) -> Option<i64> {
    let value = value.as_ref()?;
    let v = *value.get_ref();
    if (min..=max).contains(&v) {
        Some(v)
    } else {
        problems.add(value.span().start, format!("{name} = {v} is out of range: allowed {min}..={max} {unit}"));
        None
    }
}

/// A plain string, or `{ env = "NAME", default = "…" }` read from the environment.
fn resolve_setting(name: &str, value: &Spanned<raw::SettingValue>, problems: &mut Problems<'_>) -> Option<String> {
    match value.get_ref() {
        raw::SettingValue::Plain(v) => Some(v.clone()),
        raw::SettingValue::Env { env, default } => match (std::env::var(env), default) {
            (Ok(v), _) => Some(v),
            (Err(_), Some(d)) => Some(d.clone()),
            (Err(_), None) => {
                problems.add(
                    value.span().start,
                    format!("{name} reads environment variable `{env}`, which is not set (add `default = \"…\"` to make it optional)"),
                );
                None
            }
        },
    }
}

fn validate_listeners(
    raw: &[Spanned<raw::Listener>],
    store: Option<&StoreConfig>,
    base: &Path,
    problems: &mut Problems<'_>,
) -> Vec<Listener> {
    let mut listeners: Vec<Listener> = Vec::new();
    if raw.is_empty() {
        listeners.push(Listener { name: "main".into(), address: ([127, 0, 0, 1], 8080).into(), trusted_proxies: Vec::new(), tls: None });
    }
    for spanned in raw {
        let listener = spanned.get_ref();
        let name = listener.name.as_ref().map(|n| n.get_ref().clone()).unwrap_or_else(|| "main".into());
        let name_at = listener.name.as_ref().map_or(spanned.span().start, |n| n.span().start);
        if listeners.iter().any(|l| l.name == name) {
            problems.add(name_at, format!("listener name `{name}` is used twice; give each listener its own `name`"));
        }
        let mut trusted_proxies = Vec::new();
        for proxy in &listener.trusted_proxies {
            // A bare address is a block of one.
            let parsed = proxy.get_ref().parse::<IpNet>().or_else(|_| proxy.get_ref().parse::<std::net::IpAddr>().map(IpNet::from));
            match parsed {
                Ok(net) => trusted_proxies.push(net.trunc()),
                Err(_) => problems.add(
                    proxy.span().start,
                    format!("trusted_proxies entry `{}` is not an IP address or CIDR block (e.g. `10.0.0.0/8`, `::1`)", proxy.get_ref()),
                ),
            }
        }
        let tls = listener.tls.as_ref().and_then(|tls| validate_tls(&name, tls, store, base, problems));
        match listener.address.get_ref().parse::<SocketAddr>() {
            Ok(address) => listeners.push(Listener { name, address, trusted_proxies, tls }),
            Err(_) => problems.add(
                listener.address.span().start,
                format!("`{}` is not an address to listen on; write IP:PORT, e.g. `127.0.0.1:8080`", listener.address.get_ref()),
            ),
        }
    }
    listeners
}

/// A listener's `tls` table: either `cert` and `key` (PEM files that exist and hold a certificate
/// and a private key), or `self_signed = true` (the files then live in the store directory, named
/// after the listener, so the name must be a plain file name).
fn validate_tls(
    listener: &str,
    raw: &Spanned<raw::Tls>,
    store: Option<&StoreConfig>,
    base: &Path,
    problems: &mut Problems<'_>,
) -> Option<ListenerTls> {
    let at = raw.span().start;
    let tls = raw.get_ref();
    let self_signed = tls.self_signed.as_ref().is_some_and(|s| *s.get_ref());
    match (&tls.cert, &tls.key, self_signed) {
        (None, None, true) => {
            let Some(store) = store else {
                problems.add(at, format!(
                    "listener `{listener}` has tls.self_signed = true, which keeps the certificate it generates in the store: \
                     add `[store]` with a `dir`, or give `tls = {{ cert = \"…\", key = \"…\" }}`"));
                return None;
            };
            let plain = !listener.is_empty()
                && listener.len() <= 64
                && listener.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !plain {
                problems.add(at, format!(
                    "listener `{listener}` has tls.self_signed = true, which names its certificate file after the listener: \
                     use letters, digits, `-` and `_` in its `name` (at most 64)"));
                return None;
            }
            let dir = store.dir.join("tls");
            Some(ListenerTls { cert: dir.join(format!("{listener}.crt")), key: dir.join(format!("{listener}.key")), self_signed: true })
        }
        (Some(cert), Some(key), false) => {
            let before = problems.found.len();
            let cert_path = check_pem(cert, "tls.cert", Pem::Certificate, base, problems);
            let key_path = check_pem(key, "tls.key", Pem::PrivateKey, base, problems);
            (problems.found.len() == before).then(|| ListenerTls { cert: cert_path, key: key_path, self_signed: false })
        }
        (_, _, true) => {
            problems.add(at, format!(
                "listener `{listener}`: tls has both `self_signed = true` and a certificate file; give either `cert` and `key`, or `self_signed = true`"));
            None
        }
        (Some(_), None, false) => {
            problems.add(at, format!("listener `{listener}`: tls.cert is given without tls.key (the certificate's private key, a PEM file)"));
            None
        }
        (None, Some(_), false) => {
            problems.add(at, format!("listener `{listener}`: tls.key is given without tls.cert (the certificate chain, a PEM file)"));
            None
        }
        (None, None, false) => {
            problems.add(at, format!(
                "listener `{listener}`: tls needs `cert` and `key` (PEM files) or `self_signed = true`"));
            None
        }
    }
}

/// What a PEM file given in a `tls` table must hold.
#[derive(Clone, Copy)]
enum Pem {
    Certificate,
    PrivateKey,
}

/// The file's path, after a located problem if it cannot be read or holds no `what`.
fn check_pem(raw: &Spanned<String>, name: &str, what: Pem, base: &Path, problems: &mut Problems<'_>) -> PathBuf {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};

    let path = base.join(raw.get_ref());
    let at = raw.span().start;
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            problems.add(at, format!("{name} `{}` cannot be read: {e}", path.display()));
            return path;
        }
    };
    let found = match what {
        Pem::Certificate => CertificateDer::pem_slice_iter(&bytes).next().is_some_and(|c| c.is_ok()),
        Pem::PrivateKey => PrivateKeyDer::from_pem_slice(&bytes).is_ok(),
    };
    if !found {
        let wanted = match what {
            Pem::Certificate => "PEM certificate (`-----BEGIN CERTIFICATE-----`)",
            Pem::PrivateKey => "PEM private key (`-----BEGIN PRIVATE KEY-----`: PKCS#8, PKCS#1 or SEC1)",
        };
        problems.add(at, format!("{name} `{}` holds no {wanted}", path.display()));
    }
    path
}

fn validate_mount(
    mount: &raw::Mount,
    listeners: &[Listener],
    base: &Path,
    problems: &mut Problems<'_>,
) -> Option<Mount> {
    let before = problems.found.len();

    let route = match normalize_route(mount.route.get_ref()) {
        Ok(route) => route,
        Err(why) => {
            problems.add(mount.route.span().start, format!("bad route `{}`: {why}", mount.route.get_ref()));
            String::new()
        }
    };

    let plugin = resolve_plugin(mount.plugin.get_ref(), base);
    match &plugin {
        PluginSource::Builtin(name) if builtin::find(name).is_none() => problems.add(
            mount.plugin.span().start,
            format!(
                "unknown plugin `{name}`: not a built-in ({}) and not a path to a `.wasm` file",
                builtin::names().join(", ")
            ),
        ),
        PluginSource::File(path) if !path.is_file() => problems.add(
            mount.plugin.span().start,
            format!("plugin file `{}` does not exist or is not a file", path.display()),
        ),
        _ => {}
    }

    // Serde's untagged enums lose inner spans, so a listener list is located as a whole.
    let (mount_listeners, listeners_at): (Vec<String>, usize) = match &mount.listener {
        None => (Vec::new(), 0),
        Some(spanned) => match spanned.get_ref() {
            raw::ListenerRef::One(one) => (vec![one.clone()], spanned.span().start),
            raw::ListenerRef::Many(many) => (many.clone(), spanned.span().start),
        },
    };
    for name in &mount_listeners {
        if !listeners.iter().any(|l| &l.name == name) {
            let known: Vec<_> = listeners.iter().map(|l| l.name.as_str()).collect();
            problems.add(listeners_at, format!("unknown listener `{name}`; listeners are: {}", known.join(", ")));
        }
    }

    let mut settings = BTreeMap::new();
    for (key, value) in &mount.settings {
        if let Some(v) = resolve_setting(&format!("setting `{key}`"), value, problems) {
            settings.insert(key.clone(), v);
        }
    }

    let grants = mount.grants.validate(problems);
    let limits = validate_limits(&mount.limits, matches!(plugin, PluginSource::Builtin(_)), problems);

    (problems.found.len() == before).then(|| Mount {
        route,
        plugin,
        listeners: mount_listeners,
        settings,
        grants,
        limits,
        enabled: mount.enabled.unwrap_or(true),
    })
}

/// Area names become directory names in the plugin's filesystem (`/recordings`).
fn check_area_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() => {}
        _ => return Err("start with a lowercase letter".into()),
    }
    if chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') && name.len() <= 64 {
        Ok(())
    } else {
        Err("use lowercase letters, digits, `-` and `_` (at most 64)".into())
    }
}

fn validate_limits(raw: &raw::Limits, builtin: bool, problems: &mut Problems<'_>) -> Limits {
    let defaults = Limits { reuse: if builtin { BUILTIN_REUSE } else { 1 }, ..Limits::default() };
    let timeout = in_range(&raw.timeout_ms, "limits.timeout_ms", 1, 3_600_000, "milliseconds", problems)
        .map_or(defaults.timeout, |ms| Duration::from_millis(ms as u64));
    Limits {
        timeout,
        memory_bytes: in_range(&raw.memory_mb, "limits.memory_mb", 1, 4096, "MiB", problems)
            .map_or(defaults.memory_bytes, |mb| (mb as u64) << 20),
        max_concurrent: in_range(&raw.max_concurrent, "limits.max_concurrent", 1, 10_000, "requests", problems)
            .map_or(defaults.max_concurrent, |n| n as u32),
        queue: in_range(&raw.queue, "limits.queue", 0, 1_000_000, "requests", problems).map_or(defaults.queue, |n| n as u32),
        // Waiting longer than a whole request may run helps nobody; default to the request timeout.
        queue_timeout: in_range(&raw.queue_timeout_ms, "limits.queue_timeout_ms", 0, 3_600_000, "milliseconds", problems)
            .map_or(timeout, |ms| Duration::from_millis(ms as u64)),
        reuse: in_range(&raw.reuse, "limits.reuse", 1, 1_000_000, "requests", problems).map_or(defaults.reuse, |n| n as u32),
        idle_timeout: in_range(&raw.idle_timeout_ms, "limits.idle_timeout_ms", 1, 86_400_000, "milliseconds", problems)
            .map_or(defaults.idle_timeout, |ms| Duration::from_millis(ms as u64)),
        event_batch_timeout: in_range(&raw.event_batch_timeout_ms, "limits.event_batch_timeout_ms", 1, 3_600_000, "milliseconds", problems)
            .map_or(defaults.event_batch_timeout, |ms| Duration::from_millis(ms as u64)),
    }
}

/// `hello` is a built-in; anything that looks like a path (`./x.wasm`, `/opt/p.wasm`) is a file.
fn resolve_plugin(text: &str, base: &Path) -> PluginSource {
    if text.ends_with(".wasm") || text.contains('/') {
        PluginSource::File(base.join(text))
    } else {
        PluginSource::Builtin(text.to_string())
    }
}

/// Checks a route prefix and returns its normal form.
///
/// Routes match whole path segments: `/api` serves `/api` and `/api/x`, never `/apix`. A route may
/// name a file-like last segment (`/api/api.php`, as Elastix clients call it).
pub fn normalize_route(route: &str) -> Result<String, String> {
    if !route.starts_with('/') {
        return Err("a route starts with `/`".into());
    }
    if let Some(bad) = route.chars().find(|c| matches!(c, '?' | '#' | '%' | '\\' | '*' | '{' | '}') || c.is_whitespace() || c.is_control()) {
        return Err(format!("`{}` may not appear in a route (routes are plain path prefixes)", bad.escape_default()));
    }
    let trimmed = if route.len() > 1 { route.trim_end_matches('/') } else { route };
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    if trimmed.split('/').skip(1).any(|seg| seg.is_empty() && trimmed != "/") {
        return Err("empty path segment (`//`)".into());
    }
    if trimmed.split('/').any(|seg| seg == "." || seg == "..") {
        return Err("`.` and `..` segments are not allowed".into());
    }
    if trimmed == RESERVED_PREFIX || trimmed.starts_with(&format!("{RESERVED_PREFIX}/")) {
        return Err(format!("`{RESERVED_PREFIX}` is reserved for the host (health and admin)"));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_normalise_and_reject_traversal() {
        assert_eq!(normalize_route("/api/").unwrap(), "/api");
        assert_eq!(normalize_route("/").unwrap(), "/");
        assert_eq!(normalize_route("/api/api.php").unwrap(), "/api/api.php");
        assert!(normalize_route("api").is_err());
        assert!(normalize_route("/a/../b").is_err());
        assert!(normalize_route("/a//b").is_err());
        assert!(normalize_route("/a?x=1").is_err());
        assert!(normalize_route("/_switchboard/x").is_err());
    }

    #[test]
    fn locator_counts_lines_and_columns() {
        let loc = Locator::new("a\nbc\n", Path::new("f.toml"));
        assert_eq!(loc.at(0), "f.toml:1:1");
        assert_eq!(loc.at(3), "f.toml:2:2");
    }
}
