//! Live changes through `Server::control()`: hot swaps under load, disable and enable, refusals
//! that leave the old version serving, adds and removes, and all of it written to the config file
//! (comments kept) and the audit, so a restart serves what the admin left.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard::Server;
use switchboard::control::{DataChoice, MountSpec, PluginUpload};

use crate::util::{client, test_plugin, write_config};

/// A server started from the config file `dir/switchboard.toml` written from `body`.
pub(crate) async fn start_file(dir: &Path, body: &str) -> (Server, PathBuf) {
    let path = write_config(dir, body);
    (restart_file(&path).await, path)
}

/// A server started from the config file at `path` as it is now.
pub(crate) async fn restart_file(path: &Path) -> Server {
    let config = switchboard::config::load(path).unwrap_or_else(|e| panic!("{e}"));
    Server::start_with_file(&config, Some(path.to_path_buf())).await.expect("server starts")
}

fn base(server: &Server) -> String {
    crate::util::base(server)
}

/// The `version` a swap plugin answered with.
async fn version(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["version"].as_str().unwrap_or_default().to_string())
}

fn mount(route: &str, plugin: &str, rest: &str) -> String {
    format!("[[mount]]\nroute = {route:?}\nplugin = {plugin:?}\n{rest}\n\n")
}

/// One answer of the load: when its request was sent and answered, and which version answered.
struct Answer {
    sent: Instant,
    answered: Instant,
    version: Result<String, String>,
}

/// A closed loop of clients on `/app/version` and long-polls on `/app/stream` and on another
/// route, while `/app`'s plugin is replaced 20 times, alternating two components (uploads and
/// files both): no request fails, no long-poll is dropped, and once a swap has returned, no
/// request sent after it is answered by the version it replaced. The mount's event stream goes
/// on across the swaps: its sequence numbers continue.
#[tokio::test]
async fn a_hot_swap_under_load_drops_nothing_and_switches_at_once() {
    let _solo = crate::util::solo();
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (test_plugin("swap-one"), test_plugin("swap-two"));
    let body = format!(
        "{}{}",
        mount("/app", &one, "grants = { events = true }\nlimits = { reuse = 100 }"),
        mount("/other", &test_plugin("stream-probe"), "grants = { events = true }"),
    );
    let (server, _) = start_file(dir.path(), &body).await;
    let (base, control, http) = (base(&server), server.control(), client());
    let first: Value = http.post(format!("{base}/app/publish")).body("a\nb").send().await.unwrap().json().await.unwrap();
    assert_eq!(first, json!({ "version": "swap-one", "last": 1 }));

    let stop = Arc::new(AtomicBool::new(false));
    let mut loops = Vec::new();
    for _ in 0..4 {
        let (stop, http, url) = (stop.clone(), client(), format!("{base}/app/version"));
        loops.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let version = version(&http, &url).await;
                answers.push(Answer { sent, answered: Instant::now(), version });
            }
            answers
        }));
    }
    let mut polls = Vec::new();
    for url in [format!("{base}/app/stream?last=1&timeout=300"), format!("{base}/other/stream?timeout=300")] {
        let (stop, http) = (stop.clone(), client());
        polls.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                match http.get(&url).send().await {
                    Ok(r) if r.status() == 200 => ok += 1,
                    Ok(r) => failed.push(format!("{}: {}", r.status(), r.text().await.unwrap_or_default())),
                    Err(e) => failed.push(e.to_string()),
                }
            }
            (ok, failed)
        }));
    }

    // (when the swap started, when it returned, the version it put in)
    let mut swaps = Vec::new();
    let bytes = [std::fs::read(&two).unwrap(), std::fs::read(&one).unwrap()];
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (upload, expected) = match i % 4 {
            0 => (PluginUpload::Bytes(bytes[0].clone()), "swap-two"),
            1 => (PluginUpload::Bytes(bytes[1].clone()), "swap-one"),
            2 => (PluginUpload::File(PathBuf::from(&two)), "swap-two"),
            _ => (PluginUpload::File(PathBuf::from(&one)), "swap-one"),
        };
        let started = Instant::now();
        let status = control.replace("/app", upload, DataChoice::Adopt, "test").await.unwrap_or_else(|e| panic!("swap {i}: {e}"));
        swaps.push((started, Instant::now(), expected));
        assert!(status.enabled && status.event_handler, "{status:?}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);

    let mut answers = Vec::new();
    for l in loops {
        answers.extend(l.await.unwrap());
    }
    let failed: Vec<&String> = answers.iter().filter_map(|a| a.version.as_ref().err()).collect();
    assert!(failed.is_empty(), "{} of {} requests failed: {failed:?}", failed.len(), answers.len());
    assert!(answers.len() > 200, "the load ran: {} answers", answers.len());
    for answer in &answers {
        let version = answer.version.as_ref().unwrap();
        assert!(version == "swap-one" || version == "swap-two", "{version}");
        // Between swap k's return and swap k+1's start, only swap k's version answers.
        for (k, (_, returned, expected)) in swaps.iter().enumerate() {
            let next_started = swaps.get(k + 1).map(|s| s.0);
            if answer.sent > *returned && next_started.is_none_or(|next| answer.answered < next) {
                assert_eq!(version, expected, "request sent after swap {k} returned was answered by the old version");
            }
        }
    }
    for poll in polls {
        let (ok, failed) = poll.await.unwrap();
        assert!(failed.is_empty(), "dropped long-polls: {failed:?}");
        assert!(ok >= 3, "the long-polls ran: {ok}");
    }

    // The stream went on: the next item is 2, whichever version publishes it.
    let next: Value = http.post(format!("{base}/app/publish")).body("c").send().await.unwrap().json().await.unwrap();
    assert_eq!(next, json!({ "version": "swap-one", "last": 2 }));
    let audit = control.audit(100);
    assert_eq!(audit.iter().filter(|e| e.what == "replace" && e.result == "ok").count(), 20);
    server.shutdown().await;
}

/// Disabled, a route answers 503 `mount_disabled` in the host's error format (no Retry-After: it
/// is not transient) instead of falling through to the root mount; enabled again, it answers as
/// before. The config file says `enabled = false` while it is disabled, and nothing afterwards.
#[tokio::test]
async fn disable_then_enable_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!("{}{}", mount("/", "hello", ""), mount("/app", &test_plugin("swap-one"), ""));
    let (server, path) = start_file(dir.path(), &body).await;
    let (base, control, http) = (base(&server), server.control(), client());
    let original = std::fs::read_to_string(&path).unwrap();
    assert_eq!(version(&http, &format!("{base}/app/version")).await.unwrap(), "swap-one");

    let status = control.disable("/app", "test").await.unwrap();
    assert!(!status.enabled);
    assert_eq!(status.health, "disabled");
    let response = http.get(format!("{base}/app/version")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "mount_disabled");
    assert_eq!(body["error"]["route"], "/app");
    assert_eq!(body["error"]["plugin"], "swap_one");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("enabled = false"), "{text}");
    // The root mount still answers its own paths.
    assert_eq!(http.get(format!("{base}/")).send().await.unwrap().status(), 200);

    let status = control.enable("/app", "test").await.unwrap();
    assert!(status.enabled);
    assert_eq!(version(&http, &format!("{base}/app/version")).await.unwrap(), "swap-one");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);

    let audit = control.audit(10);
    let whats: Vec<&str> = audit.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(whats, ["enable", "disable"], "newest first");
    assert_eq!(audit[1].before.as_ref().unwrap()["enabled"], true);
    assert_eq!(audit[1].after.as_ref().unwrap()["enabled"], false);
    server.shutdown().await;
}

/// Bytes that are not a component, and a component that exports no HTTP handler, are refused
/// with 422 `plugin_rejected` and the error chain; the old version goes on serving and the config
/// file is untouched. The refusals are audited.
#[tokio::test]
async fn a_broken_wasm_leaves_the_old_one_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (server, path) = start_file(dir.path(), &mount("/app", &test_plugin("swap-one"), "")).await;
    let (base, control, http) = (base(&server), server.control(), client());
    let original = std::fs::read_to_string(&path).unwrap();

    let mut truncated = std::fs::read(test_plugin("swap-two")).unwrap();
    truncated.truncate(truncated.len() / 2);
    for broken in [b"not wasm at all".to_vec(), truncated] {
        let error = control.replace("/app", PluginUpload::Bytes(broken), DataChoice::Adopt, "test").await.unwrap_err();
        assert_eq!((error.status, error.code), (422, "plugin_rejected"), "{error:?}");
        assert!(error.message.contains("compiling plugin"), "{}", error.message);
        assert_eq!(version(&http, &format!("{base}/app/version")).await.unwrap(), "swap-one");
    }
    let missing = control.replace("/app", PluginUpload::Builtin("nope".into()), DataChoice::Adopt, "test").await.unwrap_err();
    assert_eq!(missing.code, "plugin_rejected");
    let nowhere = control.replace("/nowhere", PluginUpload::Builtin("hello".into()), DataChoice::Adopt, "test").await.unwrap_err();
    assert_eq!((nowhere.status, nowhere.code), (404, "no_mount"));

    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    assert!(!dir.path().join("plugins").exists() || std::fs::read_dir(dir.path().join("plugins")).unwrap().count() == 0);
    let audit = control.audit(10);
    assert_eq!(audit.len(), 4);
    assert!(audit.iter().all(|e| e.result.starts_with("error: ")), "{audit:?}");
    assert_eq!(audit[3].before, audit[3].after, "a refusal changes nothing");
    server.shutdown().await;
}

/// Adds and removes, with their refusals: a route taken (409), a listener that does not exist or
/// a plugin that is not there (422, located like the config file's own errors).
#[tokio::test]
async fn adds_and_removes_and_their_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (server, path) = start_file(dir.path(), &mount("/app", &test_plugin("swap-one"), "")).await;
    let (base, control, http) = (base(&server), server.control(), client());
    let spec = |value: Value| -> MountSpec { serde_json::from_value(value).unwrap() };

    let added = control.add(spec(json!({ "route": "/hi/", "plugin": "hello", "settings": { "greeting": "Hoi" } })), "test").await.unwrap();
    assert_eq!((added.route.as_str(), added.source.as_str(), added.enabled), ("/hi", "builtin:hello", true));
    assert_eq!(http.get(format!("{base}/hi/Ada")).send().await.unwrap().text().await.unwrap(), r#"{"greeting":"Hoi, Ada!"}"#);
    assert!(std::fs::read_to_string(&path).unwrap().contains("route = \"/hi/\""));

    let taken = control.add(spec(json!({ "route": "/app", "plugin": "hello" })), "test").await.unwrap_err();
    assert_eq!((taken.status, taken.code), (409, "route_exists"), "{taken:?}");
    let nowhere = control.add(spec(json!({ "route": "/x", "plugin": "hello", "listener": "nope" })), "test").await.unwrap_err();
    assert_eq!((nowhere.status, nowhere.code), (422, "invalid_mount"));
    assert!(nowhere.message.contains("unknown listener `nope`"), "{}", nowhere.message);
    let missing = control.add(spec(json!({ "route": "/x", "plugin": "/no/such.wasm" })), "test").await.unwrap_err();
    assert!(missing.message.contains("does not exist"), "{}", missing.message);
    assert!(serde_json::from_value::<MountSpec>(json!({ "route": "/x", "plugin": "hello", "typo": 1 })).is_err());

    control.remove("/hi", "test").await.unwrap();
    assert_eq!(crate::util::error_code(http.get(format!("{base}/hi/Ada")).send().await.unwrap()).await, "no_mount");
    assert!(!std::fs::read_to_string(&path).unwrap().contains("/hi"));
    assert_eq!(control.remove("/hi", "test").await.unwrap_err().code, "no_mount");
    assert_eq!(control.list().len(), 1);
    server.shutdown().await;
}

/// Changes made live are in the config file (its comments kept) and the audit file, and a restart
/// from the file serves what the admin left: the uploaded component (stored by its hash under the
/// config's directory), the added mount, the disabled one.
#[tokio::test]
async fn live_changes_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!("# Our office.\n\n# The app, v1 for now.\n{}", mount("/app", &test_plugin("swap-one"), "limits = { reuse = 10 } # warm"));
    let (server, path) = start_file(dir.path(), &body).await;
    let control = server.control();
    assert!(control.persisted());
    let two = std::fs::read(test_plugin("swap-two")).unwrap();
    control.replace("/app", PluginUpload::Bytes(two.clone()), DataChoice::Adopt, "admin token (peer 127.0.0.1) ada@desk").await.unwrap();
    control.add(serde_json::from_value(json!({ "route": "/hi", "plugin": "hello", "enabled": false })).unwrap(), "test").await.unwrap();
    server.shutdown().await;

    let text = std::fs::read_to_string(&path).unwrap();
    let digest: String = <sha2::Sha256 as sha2::Digest>::digest(&two).iter().map(|b| format!("{b:02x}")).collect();
    let stored = format!("plugins/sha256-{digest}.wasm");
    for needle in ["# Our office.", "# The app, v1 for now.", "limits = { reuse = 10 } # warm", &format!("plugin = \"{stored}\""), "route = \"/hi\"", "enabled = false"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert_eq!(std::fs::read(dir.path().join(&stored)).unwrap(), two);
    let audit: Vec<Value> =
        std::fs::read_to_string(dir.path().join("switchboard-audit.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0]["who"], "admin token (peer 127.0.0.1) ada@desk");
    assert_eq!((audit[0]["what"].as_str(), audit[0]["route"].as_str(), audit[0]["result"].as_str()), (Some("replace"), Some("/app"), Some("ok")));
    assert_eq!(audit[0]["after"]["version"], digest.as_str());
    assert!(audit[0]["at"].as_str().unwrap().ends_with('Z'));

    let server = restart_file(&path).await;
    let (base, http) = (base(&server), client());
    assert_eq!(version(&http, &format!("{base}/app/version")).await.unwrap(), "swap-two");
    assert_eq!(crate::util::error_code(http.get(format!("{base}/hi/Ada")).send().await.unwrap()).await, "mount_disabled");
    let listed = server.control().list();
    assert_eq!(listed.iter().find(|m| m.route == "/app").unwrap().version, digest);
    assert_eq!(server.control().audit(10).len(), 2, "the audit of earlier runs is read back from the file");
    server.shutdown().await;
}
