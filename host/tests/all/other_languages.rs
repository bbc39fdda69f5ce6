//! Plugins in JavaScript and Python, each built the way its README says — `examples/hello-js` with
//! its pinned ComponentizeJS (`npm ci`, `node build.mjs`), `examples/hello-py` with its pinned
//! componentize-py (a venv, `pip install -r requirements.txt`, `componentize-py … componentize`) —
//! copied out of the repository, built against the repository's `wit/`, their needs embedded with
//! `switchboard needs embed`; then each mounted twice on the real server with the simulator as its
//! PBX — once granted what it declares, once granted nothing — and driven over HTTP: a setting, an
//! AMI action, its own database and a click-to-call `Originate` (the simulator sees the call, and
//! none for a hostile number), each denied where not granted; and `check --strict` reports only the
//! declared needs. The two plugins answer alike, so one drive serves both.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use switchboard::ami::Message;
use switchboard_sim::PbxSeed;

use crate::util::{self, Rig, tools};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{command:?} failed: {said}");
    said
}

/// Copies `files` of `examples/<example>` into `dir`.
fn copy_example(example: &str, files: &[&str], dir: &Path) {
    let example = repository().join("examples").join(example);
    for file in files {
        std::fs::copy(example.join(file), dir.join(file)).unwrap_or_else(|e| panic!("copying {file}: {e}"));
    }
}

/// Embeds `dir/needs.toml` in `wasm`.
fn embed_needs(wasm: &Path, dir: &Path) {
    run(Command::new(BIN).args(["needs", "embed"]).arg(wasm).arg("--needs").arg(dir.join("needs.toml")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_plugin_uses_settings_ami_and_its_database_and_is_denied_where_not_granted() {
    let dir = tempfile::tempdir().unwrap();
    let npm = tools::debian("npm", "npm");
    copy_example("hello-js", &["package.json", "package-lock.json", "app.js", "build.mjs", "needs.toml"], dir.path());
    run(Command::new(&npm).args(["ci", "--no-audit", "--no-fund"]).current_dir(dir.path()));
    let wasm = dir.path().join("hello-js.wasm");
    run(Command::new("node").arg("build.mjs").arg(repository().join("wit")).arg(&wasm).current_dir(dir.path()));
    embed_needs(&wasm, dir.path());
    drive(&wasm).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_plugin_uses_settings_ami_and_its_database_and_is_denied_where_not_granted() {
    let dir = tempfile::tempdir().unwrap();
    copy_example("hello-py", &["requirements.txt", "app.py", "needs.toml"], dir.path());
    let venv = dir.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/pip")).args(["install", "-q", "-r", "requirements.txt"]).current_dir(dir.path()));
    let wasm = dir.path().join("hello-py.wasm");
    run(Command::new(venv.join("bin/componentize-py"))
        .arg("-d")
        .arg(repository().join("wit"))
        .args(["-w", "plugin", "componentize", "app", "-o"])
        .arg(&wasm)
        .current_dir(dir.path()));
    embed_needs(&wasm, dir.path());
    drive(&wasm).await;
}

/// Mounts `wasm` at `/granted` with what it declares and at `/bare` with nothing, and drives both;
/// checks that one instance served every request on `/granted`.
async fn drive(wasm: &Path) {
    let plugin = wasm.display().to_string();

    let rig = Rig::builder()
        .pbx(PbxSeed::demo())
        .store()
        .mount("/granted", &plugin, "settings = { greeting = \"Hello from a mount setting\" }\ngrants = { ami = [\"Ping\", \"Originate\"], sqlite = { own = true } }\nlimits = { timeout_ms = 20000, reuse = 1000 }")
        .mount("/bare", &plugin, "limits = { timeout_ms = 20000 }")
        .start()
        .await;
    let http = util::client();
    let get = |path: &str| http.get(format!("{}{path}", rig.base)).timeout(Duration::from_secs(60)).send();

    let greeting = get("/granted/").await.unwrap();
    assert_eq!(greeting.status(), 200);
    assert_eq!(greeting.text().await.unwrap(), "Hello from a mount setting\n");

    let ping = get("/granted/ping").await.unwrap();
    assert_eq!(ping.status(), 200);
    let ping: serde_json::Value = ping.json().await.unwrap();
    assert_eq!(ping["response"]["Response"], "Success", "{ping}");
    assert_eq!(ping["response"]["Ping"], "Pong", "{ping}");

    for expected in [1, 2] {
        let hit = http.post(format!("{}/granted/hits", rig.base)).send().await.unwrap();
        assert_eq!(hit.status(), 200);
        let hit: serde_json::Value = hit.json().await.unwrap();
        assert_eq!(hit["hits"], expected, "{hit}");
    }

    originate(&rig).await;
    one_instance(&rig, "/granted").await;
    hang_ups(&rig).await;

    let denied = get("/bare/ping").await.unwrap();
    assert_eq!(denied.status(), 403);
    assert_eq!(util::error_code(denied).await, "denied");
    let denied = http.post(format!("{}/bare/hits", rig.base)).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    assert_eq!(util::error_code(denied).await, "no-such-database");

    // The runtime imports every interface; the declaration keeps the report to what it uses, and
    // `--strict` fails on the needs /bare lacks, nothing else.
    let config = rig.path("checked.toml");
    std::fs::write(&config, rig.config_text()).unwrap();
    let output = Command::new(BIN).args(["check", "--strict", "--config"]).arg(&config).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "{said}");
    assert!(said.contains("requests switchboard:pbx/ami (grants.ami): granted"), "{said}");
    assert!(said.contains("also imports, without declaring a need:"), "{said}");
    assert!(said.contains("mount /bare: the plugin needs grants.ami: Ping, which the mount does not grant"), "{said}");
    assert!(said.contains("mount /bare: the plugin needs grants.ami: Originate, which the mount does not grant"), "{said}");
    assert!(said.contains("mount /bare: the plugin needs grants.sqlite.own, which the mount does not grant"), "{said}");
    assert!(!said.contains("mount /granted:"), "what /granted is granted covers what it declares: {said}");
    assert!(said.contains("requests switchboard:pbx/ami (grants.ami): NOT granted"), "a declared need /bare lacks is shown: {said}");
    assert!(!said.contains("requests switchboard:pbx/events"), "undeclared imports are folded into one line: {said}");
    rig.stop().await;
}

/// Every request so far on `route` (one at a time, each ending cleanly) was served by a kept
/// instance: the plugin releases each host resource (the request, its body and headers, a database
/// connection) before it returns, rather than when its garbage collector gets to it, so the host
/// may keep the instance (`limits.reuse`) and it is back on the idle list. One more instance may be
/// started on a loaded machine: the client has the whole answer (its `Content-Length`) while the
/// guest is still releasing its handles, so its next request can come before the instance is back.
/// Without reuse every request would start one.
async fn one_instance(rig: &Rig, route: &str) {
    let status = || rig.server.control().list().into_iter().find(|m| m.route == route).expect("the mount");
    let counted = status().counters.counted;
    assert!(counted.requests > 20, "{counted:?}");
    let failures = rig.server.services().failures.recent(0);
    assert!(counted.instantiations <= 2, "kept instances served them: {counted:?}; failures: {failures:#?}");
    assert_eq!(counted.traps, 0, "none trapped: {failures:#?}");
    assert_eq!(counted.reuse_hits, counted.requests - counted.instantiations, "{counted:?}");
    // The instance goes back to the idle list just after its answer is sent.
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while status().counters.idle_instances != counted.instantiations && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status().counters.idle_instances, counted.instantiations, "every instance is back on the idle list: {:?}; failures: {:#?}", status().counters, rig.server.services().failures.recent(0));
}

/// Clients that read only the status and hang up: the plugin's write of the answer then fails
/// (`closed`), which it must take as the end of the request — an exception escaping `handle` would
/// crash the instance. None traps, and the mount answers on.
async fn hang_ups(rig: &Rig) {
    let http = util::client();
    for _ in 0..10 {
        let refused = http.post(format!("{}/granted/call", rig.base)).form(&[("from", "1001"), ("to", "1\r\nAction: Command")]).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        drop(refused);
    }
    // Every run has ended once every instance started is back on the idle list; a crashed one
    // never comes back.
    let status = || rig.server.control().list().into_iter().find(|m| m.route == "/granted").expect("the mount").counters;
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while status().idle_instances != status().counted.instantiations && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (failures, now) = (rig.server.services().failures.recent(0), status());
    assert_eq!(now.counted.traps, 0, "no hang-up crashed the plugin: {failures:#?}");
    assert_eq!(now.idle_instances, now.counted.instantiations, "every instance is back: {now:?}");
    let greeting = http.get(format!("{}/granted/", rig.base)).send().await.unwrap();
    assert_eq!(greeting.status(), 200);
}

/// `POST /call` as the Rust click-to-call answers it: hostile numbers are refused with 422 before
/// any AMI action (the simulator counts no `Originate`), 1001 → 1002 is queued and the simulator
/// has the call with the headers the plugin built, and the mount granted nothing is denied.
async fn originate(rig: &Rig) {
    let http = util::client();
    let call = |route: &str| http.post(format!("{}{route}/call", rig.base)).timeout(Duration::from_secs(60));
    let before = rig.sim().originates();
    for hostile in ["5550100&PJSIP/666", "1\r\nAction: Command", "${SHELL(id)}", "", "+", &"1".repeat(33)] {
        for (from, to) in [("1001", hostile), (hostile, "1002")] {
            let refused = call("/granted").json(&serde_json::json!({ "from": from, "to": to })).send().await.unwrap();
            assert_eq!(refused.status(), 422, "{from:?} → {to:?}");
            assert_eq!(util::error_code(refused).await, "unprocessable_entity");
            let refused = call("/granted").form(&[("from", from), ("to", to)]).send().await.unwrap();
            assert_eq!(refused.status(), 422, "as a form: {from:?} → {to:?}");
            assert_eq!(util::error_code(refused).await, "unprocessable_entity");
        }
    }
    let refused = call("/granted").header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(util::error_code(refused).await, "bad_request");
    assert_eq!(rig.sim().originates(), before, "no hostile number reached the PBX");

    let queued = call("/granted").form(&[("from", "1001"), ("to", "1002")]).send().await.unwrap();
    assert_eq!(queued.status(), 202);
    let queued: serde_json::Value = queued.json().await.unwrap();
    assert_eq!(queued, serde_json::json!({ "status": "queued", "from": "1001", "to": "1002" }));
    assert_eq!(rig.sim().originates(), before + 1);
    // The PBX places it: phone 1001 rings with the caller ID the plugin set (at extension `s`, as
    // Asterisk shows an originated channel until it answers), answers, and the dialplan the
    // plugin named (`1002` in `from-internal`) rings phone 1002.
    let status = Message::new().with("Action", "Status");
    let on = |events: &[Message], prefix: &str| events.iter().find(|e| e.get("Channel").is_some_and(|c| c.starts_with(prefix))).cloned();
    let until = std::time::Instant::now() + Duration::from_secs(30);
    let (caller, callee) = loop {
        let seen = rig.ami().send(status.clone()).await.unwrap().events;
        if let (Some(caller), Some(callee)) = (on(&seen, "PJSIP/1001-"), on(&seen, "PJSIP/1002-")) {
            break (caller, callee);
        }
        assert!(std::time::Instant::now() < until, "no call from 1001 to 1002: {seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!((caller.get("CallerIDName"), caller.get("CallerIDNum")), (Some("Click to call"), Some("1002")), "{caller:?}");
    assert_eq!(caller.get("Context"), Some("from-internal"), "{caller:?}");
    assert_eq!(caller.get("Linkedid"), callee.get("Linkedid"), "one call: {caller:?} {callee:?}");

    let denied = call("/bare").json(&serde_json::json!({ "from": "1001", "to": "1002" })).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    assert_eq!(util::error_code(denied).await, "denied");
    assert_eq!(rig.sim().originates(), before + 1, "the denied Originate never reached the PBX");
}
