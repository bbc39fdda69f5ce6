//! The `switchboard` command: `serve`, `check`, `demo`, `sim`, `plugins`, `plugin`, `new`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use switchboard::ami::AmiConfig;
use switchboard::config::{self, Config, LogFormat};
use switchboard_sim::{CdrCsv, SimConfig, Simulator};
use switchboard::store::registry::{AdoptMode, Conflicts, Registry, adopt_mount, os_actor};
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
        /// Print the report as JSON (what the admin API's `POST /admin/api/check` answers).
        #[arg(long)]
        json: bool,
        /// Also fail on each need a plugin declares that its mount does not grant (or, for a plugin
        /// declaring none, each capability it imports and is not granted).
        #[arg(long)]
        strict: bool,
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
        /// Address of the admin listener (API, console, /metrics); its token is printed.
        #[arg(long, default_value = "127.0.0.1:8081")]
        admin_listen: SocketAddr,
        /// Where the demo keeps its database, rendered Asterisk configuration and file areas
        /// [default: $XDG_DATA_HOME/switchboard/demo or ~/.local/share/switchboard/demo].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Do not build and mount the JavaScript and Python examples (`/hello-js`, `/hello-py`),
        /// which needs Node.js with npm and Python 3 with venv, and a minute or two the first time.
        #[arg(long)]
        no_languages: bool,
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
    /// Start a plugin project of your own: a Rust crate depending on the SDK, with handlers that
    /// use a setting, AMI and the plugin's own database, their native tests, and the
    /// `switchboard.toml` that serves it against `switchboard sim`; or, with `--lang js|python`,
    /// the JavaScript or Python example with its pinned toolchain and a copy of the WIT.
    New {
        /// The plugin's name (a Cargo package name and its route): lowercase letters, digits, dashes.
        name: String,
        /// Where to create it [default: ./<name>]; must not exist or be empty.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The language of the plugin.
        #[arg(long, value_enum, default_value_t = switchboard::scaffold::Lang::Rust)]
        lang: switchboard::scaffold::Lang,
        /// The SDK to depend on (Rust only): a directory or a git URL [default: the SDK this binary was built from].
        #[arg(long)]
        sdk: Option<String>,
    },
    /// Plugin identities and their private data in a configuration's store.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// The grants a plugin declares it needs, embedded in its component (`switchboard:needs`).
    #[command(subcommand)]
    Needs(NeedsCommand),
    /// Drive a running server through its admin API (the `[admin]` listener): list mounts, enable,
    /// disable, hot-swap, add and remove them, reload the configuration, read the audit and failures.
    Admin(AdminArgs),
}

#[derive(clap::Args)]
struct AdminArgs {
    /// The admin listener's URL.
    #[arg(long, env = "SWITCHBOARD_ADMIN_URL", default_value = "http://127.0.0.1:8081")]
    url: String,
    /// The admin token. Prefer the environment variable: a command line is visible to every user
    /// of the machine (`ps`).
    #[arg(long, env = "SWITCHBOARD_ADMIN_TOKEN", hide_env_values = true)]
    token: String,
    /// For an https:// URL: the certificate(s) to trust, as PEM (the listener's self-signed
    /// certificate, or its CA's).
    #[arg(long, value_name = "PEM")]
    cacert: Option<PathBuf>,
    #[command(subcommand)]
    command: AdminCommand,
}

/// How an answer is printed.
#[derive(clap::Args)]
struct Output {
    /// Print the API's JSON answer instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Every mount: plugin, version, listeners, enabled, health, counters, grants.
    Mounts {
        #[command(flatten)]
        out: Output,
    },
    /// Serve a disabled route again.
    Enable {
        /// The mount's route.
        route: String,
        #[command(flatten)]
        out: Output,
    },
    /// Stop serving a route: it answers 503 `mount_disabled` until enabled.
    Disable {
        /// The mount's route.
        route: String,
        #[command(flatten)]
        out: Output,
    },
    /// Replace a route's plugin without a restart: a `.wasm` file (uploaded) or a built-in's name.
    Swap {
        /// The mount's route.
        route: String,
        /// The new component (`.wasm`), or a built-in plugin's name.
        plugin: String,
        /// Start the new plugin with empty private data instead of the route's.
        #[arg(long)]
        fresh: bool,
        #[command(flatten)]
        out: Output,
    },
    /// Add a mount described in a JSON file (the `[[mount]]` keys: route, plugin, listener,
    /// settings, grants, limits, enabled); `-` reads standard input.
    Add {
        /// The JSON file.
        #[arg(long = "json", value_name = "FILE")]
        file: PathBuf,
    },
    /// Remove a mount.
    Remove {
        /// The mount's route.
        route: String,
        #[command(flatten)]
        out: Output,
    },
    /// Read the configuration file again and apply what changed.
    Reload {
        #[command(flatten)]
        out: Output,
    },
    /// Check a configuration file with the server's check (the same as `switchboard check`).
    Check {
        /// The configuration file.
        file: PathBuf,
        #[command(flatten)]
        out: Output,
    },
    /// Every change made, newest first: when, who, what, before and after.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        out: Output,
    },
    /// Recent plugin failures (traps, timeouts, memory, denials, overload), newest first.
    Failures {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Subcommand)]
enum NeedsCommand {
    /// Embed a declaration (a TOML file written like a mount's `grants`) into a component built
    /// by any toolchain — what a JavaScript or Python plugin does after componentizing; a Rust
    /// plugin uses the SDK's `needs!` macro instead.
    Embed {
        /// The component.
        component: PathBuf,
        /// The declaration, e.g. `needs.toml` with `ami = ["Originate"]`.
        #[arg(long)]
        needs: PathBuf,
        /// Where to write the result [default: over the component].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the needs a component declares.
    Show {
        /// The component.
        component: PathBuf,
    },
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
            Command::Check { config, json, strict } => check(&config, json, strict),
            Command::Needs(command) => needs(command),
            Command::Demo { listen, sark_listen, ami_listen, admin_listen, data, no_languages } => {
                let layout = demo::Layout { root: data.unwrap_or_else(demo::default_data_dir) };
                serve_demo(listen, sark_listen, ami_listen, admin_listen, layout, !no_languages).await
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
            Command::New { name, dir, lang, sdk } => {
                use switchboard::scaffold::{Lang, Project, SdkSource};
                let project = match (lang, sdk) {
                    (Lang::Rust, Some(text)) => Project::Rust(SdkSource::parse(&text)),
                    (Lang::Rust, None) => Project::Rust(
                        SdkSource::built_with()
                            .context("this binary was built elsewhere, so say where the SDK is: --sdk <directory or git URL>")?,
                    ),
                    (_, Some(_)) => anyhow::bail!("--sdk is for Rust projects; a JavaScript or Python project carries the WIT instead"),
                    (Lang::Js, None) => Project::Js,
                    (Lang::Python, None) => Project::Python,
                };
                let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
                switchboard::scaffold::write(&dir, &name, &project)?;
                println!("Created plugin `{name}` in {}. Next:", dir.display());
                println!("  cd {}", dir.display());
                match lang {
                    Lang::Rust => {
                        println!("  cargo test                                    # its handlers, against the SDK's test doubles");
                        println!("  cargo build --release --target wasm32-wasip2 # the component");
                    }
                    Lang::Js => println!("  npm ci && node build.mjs wit {name}.wasm && switchboard needs embed {name}.wasm --needs needs.toml"),
                    Lang::Python => {
                        println!("  python3 -m venv venv && venv/bin/pip install -r requirements.txt");
                        println!("  venv/bin/componentize-py -d wit -w plugin componentize app -o {name}.wasm");
                        println!("  switchboard needs embed {name}.wasm --needs needs.toml");
                    }
                }
                println!("  switchboard sim &                             # a PBX simulator");
                println!("  switchboard serve --config switchboard.toml   # http://127.0.0.1:8080/{name}/");
                Ok(())
            }
            Command::Admin(args) => admin(args).await,
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

/// `admin …`: one request to the admin API, its answer printed.
async fn admin(args: AdminArgs) -> anyhow::Result<()> {
    use hyper::Method;
    use switchboard::admin::client::{self, Client};

    let client = Client::new(&args.url, args.token, args.cacert.as_deref())?;
    let json = |value: serde_json::Value| -> Vec<u8> { value.to_string().into_bytes() };
    let (name, method, path, content_type, body, out) = match args.command {
        AdminCommand::Mounts { out } => ("mounts", Method::GET, "/admin/api/mounts".to_string(), None, Vec::new(), out),
        AdminCommand::Enable { route, out } => {
            ("enable", Method::POST, "/admin/api/mounts/enable".into(), Some("application/json"), json(serde_json::json!({ "route": route })), out)
        }
        AdminCommand::Disable { route, out } => {
            ("disable", Method::POST, "/admin/api/mounts/disable".into(), Some("application/json"), json(serde_json::json!({ "route": route })), out)
        }
        AdminCommand::Swap { route, plugin, fresh, out } => {
            let mut path = format!("/admin/api/mounts/plugin?route={}", client::encode(&route));
            if fresh {
                path.push_str("&data=fresh");
            }
            // A name without a path or `.wasm` is a built-in, as in the configuration file.
            if !plugin.ends_with(".wasm") && !plugin.contains('/') {
                ("swap", Method::PUT, path, Some("application/json"), json(serde_json::json!({ "builtin": plugin })), out)
            } else {
                let bytes = std::fs::read(&plugin).with_context(|| format!("reading {plugin}"))?;
                ("swap", Method::PUT, path, Some("application/wasm"), bytes, out)
            }
        }
        AdminCommand::Add { file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading the mount from standard input")?
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
            };
            let _: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
            ("add", Method::POST, "/admin/api/mounts".into(), Some("application/json"), text.into_bytes(), Output { json: false })
        }
        AdminCommand::Remove { route, out } => {
            ("remove", Method::DELETE, format!("/admin/api/mounts?route={}", client::encode(&route)), None, Vec::new(), out)
        }
        AdminCommand::Reload { out } => ("reload", Method::POST, "/admin/api/reload".into(), None, Vec::new(), out),
        AdminCommand::Check { file, out } => {
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let absolute = std::path::absolute(&file).unwrap_or(file);
            let path = format!("/admin/api/check?path={}", client::encode(&absolute.display().to_string()));
            ("check", Method::POST, path, Some("text/plain; charset=utf-8"), text, out)
        }
        AdminCommand::Audit { limit, out } => ("audit", Method::GET, format!("/admin/api/audit?limit={limit}"), None, Vec::new(), out),
        AdminCommand::Failures { limit, out } => ("failures", Method::GET, format!("/admin/api/failures?limit={limit}"), None, Vec::new(), out),
    };
    let answer = client.send(method, &path, content_type, body).await?;
    if out.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", client::render(name, &answer));
    }
    if name == "check" && answer["ok"] != true {
        anyhow::bail!("the configuration has problems");
    }
    Ok(())
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
    if let Some(admin) = server.admin() {
        let scheme = if admin.fingerprint.is_some() { "https" } else { "http" };
        println!("admin API, console and metrics -> {scheme}://{}", admin.address);
    }
    shutdown.await?;
    reloads.abort();
    server.shutdown().await;
    Ok(())
}

async fn serve_demo(
    listen: SocketAddr,
    sark_listen: SocketAddr,
    ami_listen: SocketAddr,
    admin_listen: SocketAddr,
    layout: demo::Layout,
    languages: bool,
) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
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
    let mut config = demo::config(listen, sark_listen, default_cache_dir(), Some(ami), &layout);
    config.admin = Some(demo::admin(admin_listen)?);
    // The CRM the crm-webhook example posts to: on an ephemeral port, so its mount is added here.
    let crm = demo::crm::start().await?;
    config.mounts.push(crm.mount());
    let server = Server::start(&config).await?;
    if let Some(ami) = &server.services().ami {
        if ami.wait_up(std::time::Duration::from_secs(10)).await.is_none() {
            eprintln!("warning: the AMI link to the simulator is not up yet: {:?}", ami.state());
        }
    }
    if let Err(e) = demo::after_start(&server).await {
        eprintln!("warning: {e:#}");
    }
    // The JavaScript and Python examples build in the background and mount themselves when ready.
    let languages_cache = languages.then(|| config.runtime.cache_dir.clone().unwrap_or_else(|| layout.root.join("cache")));
    let builds = languages_cache.clone().map(|cache| demo::languages::spawn(server.control(), cache)).unwrap_or_default();
    let token = config.admin.as_ref().map(|admin| &admin.token);
    let sim_login = Some((sim.address(), sim_config.username.as_str(), sim_config.secret.as_str()));
    println!("{}", demo::banner(&server, sim_login, &layout, seeded.as_ref(), token, languages_cache.as_deref(), Some(&crm)));
    shutdown.await?;
    eprintln!("shutting down");
    // A build still running stops here (its child process is killed with its task).
    for build in builds {
        build.abort();
    }
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

/// Validates the file, then loads every plugin and reports requested vs granted: the library's
/// one check (the admin API's too), printed for a terminal or, with `--json`, as the API answers.
fn needs(command: NeedsCommand) -> anyhow::Result<()> {
    use switchboard::needs;
    match command {
        NeedsCommand::Embed { component, needs: declaration, out } => {
            let bytes = std::fs::read(&component).with_context(|| format!("reading {}", component.display()))?;
            let text = std::fs::read_to_string(&declaration).with_context(|| format!("reading {}", declaration.display()))?;
            // Checked as the file it is, so that a problem points into it.
            needs::parse(&text, &declaration)?;
            let declared = needs::embed(&bytes, &text, &component)?;
            let out = out.unwrap_or(component);
            // Written beside and renamed: a plugin file is never left half written.
            let partial = out.with_extension("wasm.partial");
            std::fs::write(&partial, &declared).with_context(|| format!("writing {}", partial.display()))?;
            std::fs::rename(&partial, &out).with_context(|| format!("renaming {} to {}", partial.display(), out.display()))?;
            println!("{}: needs declared ({} bytes)", out.display(), text.len());
            Ok(())
        }
        NeedsCommand::Show { component } => {
            let bytes = std::fs::read(&component).with_context(|| format!("reading {}", component.display()))?;
            match needs::read(&bytes, &component)? {
                Some(needs) => print!("{}{}", needs.text, if needs.text.ends_with('\n') { "" } else { "\n" }),
                None => println!("# {} declares no needs", component.display()),
            }
            Ok(())
        }
    }
}

fn check(path: &std::path::Path, json: bool, strict: bool) -> anyhow::Result<()> {
    let report = switchboard::check::check_file(path);
    let report = if strict { report.strict() } else { report };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        anyhow::ensure!(report.ok, "{} problem(s) found in {}", report.errors.len(), path.display());
        return Ok(());
    }
    let (out, err, failure) = report.render(path);
    eprint!("{err}");
    print!("{out}");
    match failure {
        Some(failure) => Err(anyhow::anyhow!(failure)),
        None => Ok(()),
    }
}
