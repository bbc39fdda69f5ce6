//! Starting servers from TOML text, and an HTTP client.

use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard::Server;
use switchboard::config;

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

/// A server on an ephemeral loopback port, configured by `mounts` (TOML `[[mount]]` tables).
pub async fn start(mounts: &str) -> Server {
    let text = format!(
        "[[listener]]\naddress = \"127.0.0.1:0\"\n\n[runtime]\ncache_dir = {:?}\n\n{mounts}",
        cache_dir().display().to_string()
    );
    let config = config::parse(&text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"));
    Server::start(&config).await.expect("server starts")
}

/// Base URL of the server's main listener.
pub fn base(server: &Server) -> String {
    format!("http://{}", server.address("main").expect("main listener"))
}

/// A client with a generous timeout (tests assert on deadlines the host enforces, not on this).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// The JSON error code of a host error body.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: serde_json::Value = response.json().await.expect("JSON error body");
    body["error"]["code"].as_str().unwrap_or_default().to_string()
}
