//! The web console, end to end: Debian's headless Chromium, driven through chromedriver (WebDriver),
//! uses the page the admin listener serves as an admin would — logs in with the token, reads the
//! mounts, disables and enables a route, hot-swaps a plugin through the file input, watches the PBX
//! event bus and the recent failures — and after each action the test checks the server's state
//! itself, over HTTP on the plugin listener and the admin API, not only what the page shows.
//!
//! Chromium and chromedriver are installed from Debian's packages the first time (see
//! `util::tools`). The browser runs with a fresh profile and no network service besides loopback.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use sha2::Digest as _;
use switchboard_sim::{PbxSeed, Scenario};

use crate::util::{self, Rig, tools};

/// The admin token of the rig (16 bytes at least, as `[admin]` requires).
const TOKEN: &str = "console-test-token-0123456789abcdef";
/// How long the page gets to show what the test waits for: it refreshes every 3 s.
const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_drives_the_console_in_chromium() {
    let rig = Rig::builder()
        .pbx(PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .toml(&format!("[admin]\naddress = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n"))
        .mount("/hostile", &util::test_plugin("hostile"), "grants = { outbound_http = [\"http://127.0.0.1:9\"] }")
        .mount("/swap", &util::test_plugin("hostile"), "")
        .start()
        .await;
    let admin = format!("http://{}", rig.server.admin().expect("the rig has [admin]").address);
    let http = util::client();
    let browser = Browser::start().await;
    let page = &browser.client;

    // Log in: a wrong token is refused on the page, the right one opens the console.
    page.goto(&format!("{admin}/")).await.unwrap();
    browser.wait_for("#login:not([hidden]) #token").await;
    browser.type_into("#token", "not-the-token-at-all-0000").await;
    browser.click("#login-submit").await;
    browser.wait_for("#login-error:not([hidden])").await;
    browser.type_into("#token", TOKEN).await;
    browser.click("#login-submit").await;
    browser.wait_for("#console:not([hidden])").await;

    // The mounts, with state and grants (requested vs granted).
    let hostile = r#"#mounts-body tr[data-route="/hostile"]"#;
    browser.wait_for(&format!(r#"{hostile}[data-state="enabled"]"#)).await;
    browser.wait_for(r#"#mounts-body tr[data-route="/swap"][data-state="enabled"]"#).await;
    browser.wait_for(&format!(r#"{hostile} li[data-grant="outbound_http"][data-granted="true"]"#)).await;
    browser.wait_for(r#"#mounts-body tr[data-route="/swap"] li[data-grant="outbound_http"][data-granted="false"]"#).await;

    // Disable: the route answers 503 mount_disabled, and the API says so.
    browser.click(&format!(r#"{hostile} button[data-action="disable"]"#)).await;
    browser.wait_for(&format!(r#"{hostile}[data-state="disabled"]"#)).await;
    let answer = http.get(format!("{}/hostile/ok", rig.base)).send().await.unwrap();
    assert_eq!(answer.status(), 503);
    assert_eq!(util::error_code(answer).await, "mount_disabled");
    assert_eq!(mount_status(&http, &admin, "/hostile").await["enabled"], false);

    // Enable again: it serves.
    browser.click(&format!(r#"{hostile} button[data-action="enable"]"#)).await;
    browser.wait_for(&format!(r#"{hostile}[data-state="enabled"]"#)).await;
    let answer = http.get(format!("{}/hostile/ok", rig.base)).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "ok");
    assert_eq!(mount_status(&http, &admin, "/hostile").await["enabled"], true);

    // Hot swap /swap to the probe plugin through the file input: the row shows the new version and
    // the route answers from the new plugin.
    let probe = PathBuf::from(util::test_plugin("probe"));
    let version = sha256_hex(&probe);
    let swap = r#"#mounts-body tr[data-route="/swap"]"#;
    browser.type_into(&format!(r#"{swap} input[data-action="swap"]"#), &probe.display().to_string()).await;
    browser.wait_for(&format!(r#"{swap}[data-version="{version}"]"#)).await;
    browser.wait_for_text("#notice", "Hot-swapped /swap").await;
    assert_eq!(mount_status(&http, &admin, "/swap").await["version"], version.as_str());
    let answer = http.get(format!("{}/swap/whoami", rig.base)).send().await.unwrap();
    assert_eq!(answer.status(), 200, "the probe plugin answers /whoami");
    let whoami: Value = answer.json().await.unwrap();
    assert!(whoami.get("host").is_some(), "{whoami}");
    assert_eq!(http.get(format!("{}/swap/ok", rig.base)).send().await.unwrap().status(), 404, "the old plugin is gone");

    // A file that is no plugin: the API's error shows on the page, and the probe keeps serving.
    let junk = rig.path("not-a-plugin.wasm");
    std::fs::write(&junk, b"this is not a wasm component").unwrap();
    browser.type_into(&format!(r#"{swap} input[data-action="swap"]"#), &junk.display().to_string()).await;
    browser.wait_for(r#"#error:not([hidden])[data-code="plugin_rejected"]"#).await;
    assert_eq!(mount_status(&http, &admin, "/swap").await["version"], version.as_str());
    assert_eq!(http.get(format!("{}/swap/whoami", rig.base)).send().await.unwrap().status(), 200);
    browser.click("#error-close").await;

    // The PBX's events arrive in the live view.
    browser.wait_for(r#"#events-state[data-state="live"]"#).await;
    let call = rig
        .sim()
        .run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: false, talk: Duration::from_millis(20) })
        .await
        .unwrap();
    let channel = &call.channels[0];
    browser.wait_for_text(r#"#events li[data-name="Newchannel"]"#, channel).await;

    // Failures: a trap, and a capability the mount does not grant, each with its route and plugin.
    let answer = http.get(format!("{}/hostile/panic", rig.base)).send().await.unwrap();
    assert_eq!(answer.status(), 500);
    assert_eq!(util::error_code(answer).await, "plugin_trap");
    browser.wait_for(r#"#failures-body tr[data-kind="trap"][data-route="/hostile"][data-plugin="hostile"]"#).await;
    let answer = http.get(format!("{}/swap/info", rig.base)).send().await.unwrap();
    assert!(!answer.status().is_success(), "the probe has no grants.ami");
    let plugin = mount_status(&http, &admin, "/swap").await["plugin"].as_str().unwrap().to_string();
    browser.wait_for(&format!(r#"#failures-body tr[data-kind="denied"][data-route="/swap"][data-plugin="{plugin}"]"#)).await;
    let failures: Value = admin_get(&http, &admin, "/admin/api/failures?limit=10").await;
    let kinds: Vec<_> = failures["failures"].as_array().unwrap().iter().map(|f| (f["kind"].clone(), f["route"].clone())).collect();
    assert!(kinds.contains(&(json!("trap"), json!("/hostile"))), "{failures}");
    assert!(kinds.contains(&(json!("denied"), json!("/swap"))), "{failures}");

    // Log out: the token is gone from the tab.
    browser.click("#logout").await;
    browser.wait_for("#login:not([hidden])").await;
    let stored = page.execute("return sessionStorage.getItem('switchboard.adminToken')", vec![]).await.unwrap();
    assert_eq!(stored, Value::Null);

    browser.stop().await;
    rig.stop().await;
}

/// The mount at `route` as `GET /admin/api/mounts` lists it.
async fn mount_status(http: &reqwest::Client, admin: &str, route: &str) -> Value {
    let mounts = admin_get(http, admin, "/admin/api/mounts").await;
    let found = mounts["mounts"].as_array().unwrap().iter().find(|m| m["route"] == route).cloned();
    found.unwrap_or_else(|| panic!("no mount {route} in {mounts}"))
}

async fn admin_get(http: &reqwest::Client, admin: &str, path: &str) -> Value {
    let answer = http.get(format!("{admin}{path}")).bearer_auth(TOKEN).send().await.unwrap();
    assert!(answer.status().is_success(), "GET {path}: {}", answer.status());
    answer.json().await.unwrap()
}

fn sha256_hex(path: &Path) -> String {
    let digest = sha2::Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Headless Chromium under chromedriver, in a process group of their own so that both go when the
/// test ends, however it ends.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let chromium = tools::debian("chromium", "chromium");
        let chromedriver = tools::debian("chromedriver", "chromium-driver");
        let profile = tempfile::tempdir().unwrap();
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), json!({ "binary": chromium, "args": args }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(connector.clone()).capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver on {url}: {e}"),
            }
        };
        Browser { client, driver, _profile: profile }
    }

    /// The element `css` once it is there.
    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.eventually(css, || async { self.client.find(Locator::Css(css)).await.ok() }).await
    }

    /// Waits until an element `css` holds `text`.
    async fn wait_for_text(&self, css: &str, text: &str) {
        self.eventually(&format!("{css} containing {text:?}"), || async {
            for element in self.client.find_all(Locator::Css(css)).await.ok()? {
                if element.text().await.ok()?.contains(text) {
                    return Some(());
                }
            }
            None
        })
        .await
    }

    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Types `text` into the input `css` (for a file input: chooses the file at that path).
    async fn type_into(&self, css: &str, text: &str) {
        let input = self.wait_for(css).await;
        if input.attr("type").await.unwrap().as_deref() != Some("file") {
            input.clear().await.unwrap();
        }
        input.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// `probe`'s answer once it has one, polling for [`PATIENCE`]; then fails with what the page
    /// shows, so a failure says more than "timed out".
    async fn eventually<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            if Instant::now() >= deadline {
                let body = self.client.find(Locator::Css("body")).await;
                let html = match body {
                    Ok(body) => body.html(false).await.unwrap_or_default(),
                    Err(e) => format!("(no page: {e})"),
                };
                panic!("the console did not show {what} within {PATIENCE:?}; the page:\n{html}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        self.kill();
    }

    fn kill(&mut self) {
        // SAFETY: signals the process group this test started (chromedriver and its browser).
        unsafe { util::kill(-(self.driver.id() as i32), 9) };
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if self.driver.try_wait().ok().flatten().is_none() {
            self.kill();
        }
    }
}

/// A loopback port nobody listens on now (chromedriver takes a port number, not a socket).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
