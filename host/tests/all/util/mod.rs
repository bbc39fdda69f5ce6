//! Starting servers from TOML text (the [`rig`] for a whole host), and an HTTP client.

mod rig;
pub mod tools;
pub use rig::Rig;

/// A test file's own rig type: the shared [`Rig`] as `host` (its fields and methods reached
/// through `Deref`, and `stop`) beside the file's own fields, so that the file can add the methods
/// of the API it tests.
macro_rules! local_rig {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        struct $name {
            host: $crate::util::Rig,
            $($field: $ty,)*
        }

        impl std::ops::Deref for $name {
            type Target = $crate::util::Rig;
            fn deref(&self) -> &$crate::util::Rig {
                &self.host
            }
        }

        impl $name {
            async fn stop(self) {
                self.host.stop().await;
            }
        }
    };
}
pub(crate) use local_rig;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use switchboard::Server;
use switchboard::config;

/// Held by the tests that load the machine on purpose (dozens of servers at once, a disk filled)
/// and by the tests that check deadlines of a few hundred milliseconds, so that neither runs beside
/// the other: the harness runs as many tests at once as there are cores, and on two cores a heavy
/// neighbour is enough to push a 400 ms deadline past itself.
static SOLO: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the rest of the calling test alone among the tests that call this.
pub fn solo() -> std::sync::MutexGuard<'static, ()> {
    SOLO.lock().unwrap_or_else(|e| e.into_inner())
}

/// A compile cache shared by every test in this run (entries are written atomically).
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache")
}

/// The `.wasm` file of a test-only plugin from `host/test-plugins/`.
pub fn test_plugin(name: &str) -> String {
    switchboard::builtin::test_plugin_path(name)
        .unwrap_or_else(|| panic!("no test plugin {name}"))
        .display()
        .to_string()
}

/// The skeleton every test config shares: `listeners` (one unnamed loopback listener on an
/// ephemeral port when `None`), the run's compile cache, then `body`.
pub fn config_text(listeners: Option<&str>, body: &str) -> String {
    let listeners = listeners.unwrap_or("[[listener]]\naddress = \"127.0.0.1:0\"\n");
    format!("{listeners}\n[runtime]\ncache_dir = {:?}\n\n{body}", cache_dir().display().to_string())
}

/// A server started from the whole config `text`.
pub async fn start_config(text: &str) -> Server {
    let config = config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    Server::start(&config).await.expect("server starts")
}

/// A server on an ephemeral loopback port, configured by `mounts` (TOML `[[mount]]` tables).
pub async fn start(mounts: &str) -> Server {
    start_config(&config_text(None, mounts)).await
}

/// Base URL of the server's main listener.
pub fn base(server: &Server) -> String {
    format!("http://{}", server.address("main").expect("main listener"))
}

/// A client with a generous timeout (tests assert on deadlines the host enforces, not on this).
///
/// Idle pooled connections are dropped after 20 s, before the host's 30 s header-read timeout
/// closes them: a request sent on a connection the host is closing at that moment fails with
/// `IncompleteMessage` (the likely cause of one seen in CI, in a test whose slow step left the
/// pool idle for about that long).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).pool_idle_timeout(Duration::from_secs(20)).build().unwrap()
}

/// The JSON error code of a host error body.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.expect("JSON error body");
    body["error"]["code"].as_str().unwrap_or_default().to_string()
}

/// Reads the child's stdout until a line contains `needle`, returning all lines read.
pub fn read_until(child: &mut std::process::Child, needle: &str, within: Duration) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + within;
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = line.contains(needle);
        lines.push(line);
        if done {
            return lines;
        }
    }
    panic!("`{needle}` not printed within {within:?}; got {lines:#?}");
}

pub fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    // SAFETY: sending SIGTERM to our own child process.
    let pid = child.id() as i32;
    assert_eq!(unsafe { kill(pid, 15) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "switchboard did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

unsafe extern "C" {
    /// libc's kill(2).
    pub fn kill(pid: i32, sig: i32) -> i32;
}

/// The switchboard binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// Writes `dir/switchboard.toml`: the config skeleton (see [`config_text`]), then `body`.
pub fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, config_text(None, body)).unwrap();
    path
}

/// Runs `switchboard serve --config <config>` (stdout read here, stderr dropped) until it prints
/// a line containing `ready` (`"-> http://"`: the first mount served); returns the child and the
/// lines it printed.
pub fn serve(config: &Path, ready: &str) -> (std::process::Child, Vec<String>) {
    let mut child = std::process::Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lines = read_until(&mut child, ready, Duration::from_secs(60));
    (child, lines)
}

/// The URL of a `mounted … -> URL` line.
pub fn served_url(line: &str) -> String {
    line.split(" -> ").nth(1).unwrap_or_else(|| panic!("no URL in {line:?}")).to_string()
}

/// Peak resident memory (`VmHWM`) of process `pid`, in KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

/// One kB figure of process `pid`'s /proc status (`VmRSS:`, `VmHWM:`), in KiB.
pub fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap()
}

/// Shuts the server down, then the simulator (once no test task holds it any more).
pub async fn stop_with_sim(server: Server, sim: std::sync::Arc<switchboard_sim::Simulator>) {
    server.shutdown().await;
    if let Ok(sim) = std::sync::Arc::try_unwrap(sim) {
        sim.stop().await;
    }
}

/// The `[ami]` table of a config that logs in to `sim`.
pub fn ami_table(sim: &switchboard_sim::Simulator) -> String {
    let (user, secret) = sim.credentials();
    format!("[ami]\naddress = \"{}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n", sim.address())
}
