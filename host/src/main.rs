//! The `switchboard` command: `serve`, `check`, `demo`, `sim`, `plugins`, `plugin`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use switchboard::ami::AmiConfig;
use switchboard::config::{self, Config, LogFormat};
use switchboard_sim::{CdrCsv, SimConfig, Simulator};
use switchboard::runtime::{MemoryBound, PoolSize, Runtime};
use switchboard::identity::PluginIdentity;
use switchboard::store::registry::{AdoptMode, Conflicts, Decision, Registry, adopt_mount, os_actor, plan_config};
use switchboard::{Server, builtin, demo};

/// Lends an Asterisk PBX's capabilities to sandboxed WebAssembly plugins mounted on URL routes.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// How the log on standard error is written: `text`, or `json` (one object per line, for a log
    /// collector). Overrides the configuration's `[log] format`.
    #[arg(long, global = true, env = "SWITCHBOARD_LOG_FORMAT", value_name = "text|json")]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the mounts of a configuration file.
    Serve {
        /// The configuration file.
        #[arg(long, short, default_value = "switchboard.toml")]
        config: PathBuf,
    },
    /// Validate a configuration file, load every plugin, and report requested vs granted capabilities.
    Check {
        /// The configuration file.
        #[arg(long, short, default_value = "switchboard.toml")]
        config: PathBuf,
    },
    /// Run the demo: the PBX simulator, and every built-in plugin mounted with demo settings.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Address of the HTTPS listener `sark` (self-signed certificate; port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:44300")]
        sark_listen: SocketAddr,
        /// Address of the simulator's AMI port.
        #[arg(long, default_value = "127.0.0.1:5038")]
        ami_listen: SocketAddr,
        /// Where the demo keeps its database, rendered Asterisk configuration and file areas
        /// [default: $XDG_DATA_HOME/switchboard/demo or ~/.local/share/switchboard/demo].
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Run only the PBX simulator: an AMI server that speaks like Asterisk 22.
    Sim {
        /// Address of the AMI port.
        #[arg(long, default_value = "127.0.0.1:5038")]
        ami_listen: SocketAddr,
        /// AMI user clients log in as.
        #[arg(long, default_value = "switchboard")]
        username: String,
        /// AMI secret (plain and MD5 logins both work).
        #[arg(long, default_value = "switchboard-secret")]
        secret: String,
    },
    /// List the plugins built into this binary.
    Plugins,
    /// Plugin identities and their private data in a configuration's store.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

#[derive(Subcommand)]
enum PluginCommand {
    /// After an upgrade: bind the component a route mounts now to the data of the component that
    /// ran there before (recorded in the store's audit, with your OS user).
    Adopt {
        /// The configuration file.
        #[arg(long, short, default_value = "switchboard.toml")]
        config: PathBuf,
        /// The mount's route, as in the configuration.
        #[arg(long)]
        route: String,
        /// Start the new component with an empty database instead; the old one stays on disk,
        /// still bound to the old component.
        #[arg(long)]
        fresh: bool,
    },
    /// List identities, the database each opens, the routes they last ran at, and the audit.
    List {
        /// The configuration file.
        #[arg(long, short, default_value = "switchboard.toml")]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` reads its configuration before the log starts, since `[log]` says how to write it.
    let mut loaded = match &cli.command {
        Command::Serve { config } => Some(load(config)),
        _ => None,
    };
    let configured = loaded.as_ref().and_then(|config| config.as_ref().ok()).map(|config| config.log.format);
    start_log(cli.log_format.or(configured).unwrap_or_default());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { config: path } => {
                let config = loaded.take().expect("loaded above")?;
                serve(config, path.clone()).await.map_err(|e| locate_conflicts(e, &path))
            }
            Command::Check { config } => check(&config),
            Command::Demo { listen, sark_listen, ami_listen, data } => {
                serve_demo(listen, sark_listen, ami_listen, data.unwrap_or_else(demo::default_data_dir)).await
            }
            Command::Sim { ami_listen, username, secret } => serve_sim(ami_listen, username, secret).await,
            Command::Plugin(PluginCommand::Adopt { config, route, fresh }) => {
                let mode = if fresh { AdoptMode::Fresh } else { AdoptMode::Keep };
                let entry = adopt_mount(&config::load(&config)?, &route, mode, &os_actor())?;
                println!(
                    "{}: route {} now runs {} with {} (before: {} with {}); recorded in the audit",
                    entry.action,
                    route,
                    entry.after,
                    entry.data_after,
                    entry.before.as_deref().unwrap_or("-"),
                    entry.data_before.as_deref().unwrap_or("-")
                );
                Ok(())
            }
            Command::Plugin(PluginCommand::List { config }) => list_plugins(&config::load(&config)?),
            Command::Plugins => {
                for b in builtin::BUILTINS {
                    println!("{:<14} {:<8} {}", b.name, b.kind, b.description);
                }
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The log on standard error, filtered by `RUST_LOG` (default: `info`, with the wasm compiler's
/// chatter at `warn`), written as `format` says.
fn start_log(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,cranelift=warn,wasmtime=warn".into());
    let log = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => log.init(),
        LogFormat::Json => log.json().init(),
    }
}

/// A server refused to start over routes that would lose data: say so with the commands spelled
/// for the configuration file at `path`.
fn locate_conflicts(error: anyhow::Error, path: &std::path::Path) -> anyhow::Error {
    match error.downcast_ref::<Conflicts>() {
        Some(conflicts) => anyhow::anyhow!("{}: {}", path.display(), conflicts.explain(path)),
        None => error,
    }
}

/// `plugin list`: the registry of the configuration's store.
fn list_plugins(config: &Config) -> anyhow::Result<()> {
    let store = config.store.as_ref().context("the configuration has no [store], so plugins have no private data")?;
    let registry = Registry::open_read_only(&store.dir)?;
    println!("identities (private database under {}):", store.dir.display());
    for (identity, file) in registry.bindings()? {
        println!("  {identity}  {file}");
    }
    println!("routes (what last ran there):");
    for (route, identity) in registry.routes()? {
        println!("  {route}  {identity}");
    }
    println!("audit:");
    for e in registry.audit()? {
        println!(
            "  {} {} {} route={} before={} after={} data {} -> {} {}",
            e.at,
            e.actor,
            e.action,
            e.route.as_deref().unwrap_or("-"),
            e.before.as_deref().unwrap_or("-"),
            e.after,
            e.data_before.as_deref().unwrap_or("-"),
            e.data_after,
            e.note
        );
    }
    Ok(())
}

fn load(path: &std::path::Path) -> anyhow::Result<Config> {
    let mut config = config::load(path)?;
    if config.runtime.cache_dir.is_none() {
        config.runtime.cache_dir = default_cache_dir();
    }
    Ok(config)
}

/// `$XDG_CACHE_HOME/switchboard`, else `~/.cache/switchboard`.
fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|dir| dir.join("switchboard"))
}

async fn serve(config: Config, path: PathBuf) -> anyhow::Result<()> {
    // Handlers first: a SIGTERM right after the URLs are printed must shut down cleanly, and a
    // SIGHUP must reload rather than kill the process (its default action).
    let shutdown = shutdown_signal()?;
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let server = Server::start_with_file(&config, Some(path)).await?;
    for mount in server.mounts() {
        for (name, address) in server.addresses() {
            if mount.listeners.contains(name) {
                let scheme = if server.fingerprint(name).is_some() { "https" } else { "http" };
                println!("mounted {} -> {scheme}://{address}{}", mount.plugin, mount.route);
            }
        }
    }
    // SIGHUP: read the config file again and apply what changed to the mounts; listeners and the
    // other sections wait for a restart (the log says which).
    let control = server.control();
    let reloads = tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match control.reload("SIGHUP").await {
                Ok(reload) => {
                    let changed: Vec<String> =
                        reload.changes.iter().filter(|c| c.what != "unchanged").map(|c| format!("{} {}", c.route, c.what)).collect();
                    tracing::info!(changes = %changed.join(", "), unchanged = reload.changes.len() - changed.len(), "SIGHUP: configuration reloaded");
                    for part in &reload.restart {
                        tracing::warn!("SIGHUP: {part}");
                    }
                }
                Err(e) => tracing::error!(code = e.code, "SIGHUP: reload refused, the running mounts are unchanged: {}", e.message),
            }
        }
    });
    shutdown.await?;
    reloads.abort();
    server.shutdown().await;
    Ok(())
}

async fn serve_demo(listen: SocketAddr, sark_listen: SocketAddr, ami_listen: SocketAddr, data: PathBuf) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let layout = demo::Layout { root: data };
    let seeded = layout.prepare().await.with_context(|| format!("preparing the demo PBX in {}", layout.root.display()))?;
    let sim_config = SimConfig {
        listen: ami_listen,
        config_dir: Some(layout.asterisk()),
        // As an Asterisk with cdr_csv (loguniqueid, loguserfield) and cdr_manager on: the host
        // takes new calls' records from both, as it would from a real PBX.
        cdr_csv: Some(CdrCsv::new(layout.cdr_csv()).with_uniqueid_and_userfield()),
        ..SimConfig::default()
    };
    let sim = Simulator::start(sim_config.clone())
        .await
        .with_context(|| format!("starting the PBX simulator on {ami_listen} (use --ami-listen to pick another address)"))?;
    let ami = AmiConfig {
        address: sim.address().to_string(),
        username: sim_config.username.clone(),
        secret: sim_config.secret.clone(),
        ..AmiConfig::default()
    };
    let config = demo::config(listen, sark_listen, default_cache_dir(), Some(ami), &layout);
    let server = Server::start(&config).await?;
    if let Some(ami) = &server.services().ami {
        if ami.wait_up(std::time::Duration::from_secs(10)).await.is_none() {
            eprintln!("warning: the AMI link to the simulator is not up yet: {:?}", ami.state());
        }
    }
    if let Err(e) = demo::after_start(&server).await {
        eprintln!("warning: {e:#}");
    }
    println!("{}", demo::banner(&server, Some((sim.address(), &sim_config.username, &sim_config.secret)), &layout, seeded.as_ref()));
    shutdown.await?;
    eprintln!("shutting down");
    server.shutdown().await;
    sim.stop().await;
    Ok(())
}

async fn serve_sim(ami_listen: SocketAddr, username: String, secret: String) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let sim = Simulator::start(SimConfig { listen: ami_listen, username: username.clone(), secret: secret.clone(), ..SimConfig::default() })
        .await
        .with_context(|| format!("starting the PBX simulator on {ami_listen}"))?;
    println!("PBX simulator: AMI at {}, user `{username}`, secret `{secret}`. Press Ctrl-C to stop.", sim.address());
    shutdown.await?;
    sim.stop().await;
    Ok(())
}

/// Installs the SIGINT and SIGTERM handlers now and returns a future that resolves on either.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = anyhow::Result<()>>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        Ok(())
    })
}

/// Validates the file, then loads every plugin and reports requested vs granted.
fn check(path: &std::path::Path) -> anyhow::Result<()> {
    let config = match config::load(path) {
        Ok(config) => config,
        Err(error) => {
            for problem in &error.0 {
                eprintln!("{problem}");
            }
            anyhow::bail!("{} problem(s) found in {}", error.0.len(), path.display());
        }
    };
    // Compile without touching the admin's cache directory: `check` must not need write access.
    let options = config::RuntimeOptions { cache_dir: None };
    let runtime = Runtime::new(&options, PoolSize::for_mounts(&config.mounts))?;
    let mut failures = 0;
    let mut worst_case = 0u64;
    // Identities first: a route that would lose data fails the check like it fails `serve`.
    let identities: Vec<Option<PluginIdentity>> = config.mounts.iter().map(|m| PluginIdentity::read(&m.plugin).ok()).collect();
    let decisions = match identities.iter().cloned().collect::<Option<Vec<_>>>() {
        Some(known) if config.store.is_some() => {
            let (decisions, conflicts) = plan_config(&config, &known)?;
            failures += conflicts.len();
            if !conflicts.is_empty() {
                for line in Conflicts(conflicts).explain(path).lines() {
                    eprintln!("{}: {line}", path.display());
                }
            }
            decisions
        }
        _ => Vec::new(),
    };
    println!("{}: {} listener(s), {} mount(s)", path.display(), config.listeners.len(), config.mounts.len());
    for listener in &config.listeners {
        match &listener.tls {
            None => println!("  listener {}: http://{}", listener.name, listener.address),
            Some(tls) if tls.self_signed => println!(
                "  listener {}: https://{} (self-signed certificate {}, generated on first start if missing)",
                listener.name,
                listener.address,
                tls.cert.display()
            ),
            Some(tls) => println!("  listener {}: https://{} (certificate {})", listener.name, listener.address, tls.cert.display()),
        }
    }
    for (i, mount) in config.mounts.iter().enumerate() {
        println!("  {} -> {}", mount.route, mount.plugin);
        if let Some(identity) = &identities[i] {
            let data = match decisions.get(i) {
                Some(Decision::Bound(file)) => format!(", private data {file}"),
                Some(Decision::New) => ", private data: new (empty)".into(),
                Some(Decision::Migrated(file)) => format!(", private data {file} (migrated from its file-name key on first serve)"),
                None => String::new(),
            };
            println!("      identity: {identity}{data}");
        }
        let bound = MemoryBound::for_mount(mount);
        worst_case = worst_case.saturating_add(bound.total());
        println!(
            "      memory: at most {} instance(s) x {} = {}",
            bound.instances,
            mib(bound.per_instance),
            mib(bound.total())
        );
        match runtime.load(&mount.plugin) {
            Ok(plugin) => {
                let uses = plugin.capabilities(&mount.grants);
                if uses.is_empty() {
                    println!("      requests: nothing that needs a grant");
                }
                for cap in uses {
                    let verdict = if cap.granted { "granted" } else { "NOT granted: calls will be denied" };
                    println!("      requests {} (grants.{}): {verdict}", cap.interface, cap.grant);
                }
                if plugin.event_handler.is_some() {
                    let verdict = if switchboard::capabilities::events::granted(&mount.grants) { "runs on every bus event" } else { "NOT run: needs grants.events = true" };
                    println!("      exports {}: {verdict}", switchboard::runtime::EVENT_HANDLER_EXPORT);
                }
            }
            Err(e) => {
                failures += 1;
                println!("      cannot load: {e:#}");
            }
        }
    }
    println!(
        "worst-case plugin memory: {} (each mount's live instances x (memory_mb + tables + stack)); the host's own memory comes on top",
        mib(worst_case)
    );
    if failures > 0 {
        anyhow::bail!("{failures} problem(s): plugins that could not be loaded, or routes that would lose their private data");
    }
    println!("ok");
    Ok(())
}

/// Bytes as MiB, for the admin.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}
