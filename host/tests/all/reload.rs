//! Reloading the config file (SIGHUP to `switchboard serve`, or `Control::reload`): only the
//! difference is applied. An unchanged mount keeps its very handle (its warm instance, its event
//! stream's sequence numbers), a changed one gets the new settings at once, and what cannot change
//! live (listeners) is reported as needing a restart while the rest is applied.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{client, kill, serve, served_url, terminate, test_plugin, write_config};

fn mounts(greeting: &str, extra: &str) -> String {
    format!(
        "# Reloaded by SIGHUP.\n\
         [[mount]]\nroute = \"/keep\"\nplugin = {:?}\ngrants = {{ events = true }}\nlimits = {{ reuse = 100 }}\n\n\
         [[mount]]\nroute = \"/change\"\nplugin = \"hello\"\nsettings = {{ greeting = {greeting:?} }}\n\n{extra}",
        test_plugin("stream-probe")
    )
}

/// The idle instances the health endpoint reports for `route`.
async fn idle(http: &reqwest::Client, base: &str, route: &str) -> u64 {
    let health: Value = http.get(format!("{base}/_switchboard/health")).send().await.unwrap().json().await.unwrap();
    let mount = health["mounts"].as_array().unwrap().iter().find(|m| m["route"] == route).unwrap_or_else(|| panic!("{route} in {health}"));
    mount["idle_instances"].as_u64().unwrap()
}

async fn publish(http: &reqwest::Client, base: &str, items: &str) -> Value {
    http.post(format!("{base}/keep/publish")).body(items.to_string()).send().await.unwrap().json().await.unwrap()
}

/// Polls `url` until its body is `want`, for up to 10 s.
async fn eventually(http: &reqwest::Client, url: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = http.get(url).send().await.unwrap().text().await.unwrap();
        if body == want {
            return;
        }
        assert!(Instant::now() < deadline, "{url} still answers {body:?}, not {want:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn audit(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("switchboard-audit.jsonl")).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The real binary, reloaded by SIGHUP with one mount changed and one added: the changed mount
/// answers with its new settings, the added one serves, and the unchanged mount is untouched — its
/// warm instance is still idle (a new handle would have none) and its stream's next item follows
/// the last one. A file that no longer parses is refused and changes nothing. Both are audited.
#[tokio::test]
async fn sighup_applies_the_difference_and_keeps_unchanged_mounts_warm() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &mounts("Hello", ""));
    let (mut child, lines) = serve(&path, "/keep");
    let http = client();
    let keep = served_url(lines.iter().find(|l| l.ends_with("/keep")).unwrap());
    let base = keep.trim_end_matches("/keep").to_string();
    eventually(&http, &format!("{base}/change/"), "Hello").await;
    assert_eq!(publish(&http, &base, "a\nb").await, json!({ "last": 1 }));
    assert_eq!(idle(&http, &base, "/keep").await, 1, "the publishing instance went back to the idle list");

    std::fs::write(&path, crate::util::config_text(None, &mounts("Howdy", "[[mount]]\nroute = \"/new\"\nplugin = \"hello\"\n"))).unwrap();
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { kill(child.id() as i32, 1) }, 0);
    eventually(&http, &format!("{base}/change/"), "Howdy").await;
    eventually(&http, &format!("{base}/new/"), "Hello from Switchboard!").await;
    assert_eq!(idle(&http, &base, "/keep").await, 1, "the unchanged mount kept its warm instance");
    assert_eq!(publish(&http, &base, "c").await, json!({ "last": 2 }), "the unchanged mount's stream continued");

    // A broken file: refused, nothing changes.
    std::fs::write(&path, "[[mount]\nroute = ").unwrap();
    assert_eq!(unsafe { kill(child.id() as i32, 1) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while audit(dir.path()).len() < 2 {
        assert!(Instant::now() < deadline, "the second reload was not audited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(http.get(format!("{base}/change/")).send().await.unwrap().text().await.unwrap(), "Howdy");
    let entries = audit(dir.path());
    assert_eq!((entries[0]["who"].as_str(), entries[0]["what"].as_str(), entries[0]["result"].as_str()), (Some("SIGHUP"), Some("reload"), Some("ok")));
    assert!(entries[1]["result"].as_str().unwrap().starts_with("error: "), "{}", entries[1]);
    assert!(terminate(&mut child).success());
}

/// Through the library: a reload that also changes a listener's address applies the mounts and
/// says the listener needs a restart; the changes list every route's fate.
#[tokio::test]
async fn a_reload_reports_what_needs_a_restart_and_applies_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (server, path) = crate::hot_swap::start_file(dir.path(), &mounts("Hello", "[[mount]]\nroute = \"/gone\"\nplugin = \"hello\"\n")).await;
    let control = server.control();
    let base = crate::util::base(&server);
    let http = client();

    let listeners = "[[listener]]\naddress = \"127.0.0.1:1\"\n";
    std::fs::write(&path, crate::util::config_text(Some(listeners), &mounts("Hi", "[[mount]]\nroute = \"/new\"\nplugin = \"hello\"\n"))).unwrap();
    let reload = control.reload("test").await.unwrap();
    let fate = |route: &str| reload.changes.iter().find(|c| c.route == route).map(|c| c.what);
    assert_eq!((fate("/keep"), fate("/change"), fate("/new"), fate("/gone")), (Some("unchanged"), Some("changed"), Some("added"), Some("removed")));
    assert_eq!(reload.restart.len(), 1, "{:?}", reload.restart);
    assert!(reload.restart[0].contains("[[listener]]"), "{:?}", reload.restart);

    // An [admin] section added after start waits for a restart too; the mounts still apply.
    let admin = "\n[admin]\naddress = \"127.0.0.1:0\"\ntoken = \"reload-test-token-0123456789abcdef\"\n";
    std::fs::write(&path, crate::util::config_text(Some(listeners), &mounts("Hi", "[[mount]]\nroute = \"/new\"\nplugin = \"hello\"\n")) + admin).unwrap();
    let with_admin = control.reload("test").await.unwrap();
    assert!(with_admin.restart.iter().any(|r| r.starts_with("[admin] changed")), "{:?}", with_admin.restart);
    assert!(!with_admin.restart.iter().any(|r| r.contains("reload-test-token")), "the token is never shown: {:?}", with_admin.restart);
    std::fs::write(&path, crate::util::config_text(Some(listeners), &mounts("Hi", "[[mount]]\nroute = \"/new\"\nplugin = \"hello\"\n"))).unwrap();
    assert_eq!(http.get(format!("{base}/change/")).send().await.unwrap().text().await.unwrap(), "Hi");
    assert_eq!(crate::util::error_code(http.get(format!("{base}/gone/")).send().await.unwrap()).await, "no_mount");

    // Reloading the same file again changes nothing.
    let again = control.reload("test").await.unwrap();
    assert!(again.changes.iter().all(|c| c.what == "unchanged"), "{:?}", again.changes);
    server.shutdown().await;
}
