//! The integrator's walkthrough, every command run as the README gives it: `switchboard new` writes
//! a plugin project outside this repository; its own `cargo test` runs the handlers (with their AMI
//! and SQL) against the SDK's test doubles; `cargo build --target wasm32-wasip2` makes the
//! component; `switchboard check` accepts the generated config; `switchboard sim` and
//! `switchboard serve` serve it, and it answers over real HTTP with the simulator's AMI and its own
//! database.
//!
//! Two departures from the README, both the test's own: the project's Cargo target directory is
//! under this build's (so a second run reuses what the first compiled), and the addresses in the
//! generated config are swapped for free ports (tests run side by side).
//!
//! `switchboard new --lang js` and `--lang python` the same way: the build commands are read from
//! the generated README's first `sh` block and run as written (with this build's `switchboard` on
//! the `PATH`), in a directory outside the repository, so the project builds from its own copy of
//! the WIT; then it is served with its generated config against `switchboard sim` and every route
//! answers.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{BIN, client, read_until, served_url, terminate, tools};

/// Runs `program args` in `dir`, panicking with its output when it fails.
fn run(dir: &Path, program: &str, args: &[&str], target_dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        // The outer `cargo test` sets these for its own build; the project's cargo must not inherit them.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`{program} {}` failed in {}:\n{text}", args.join(" "), dir.display());
    text
}

/// `switchboard sim` on a free port, and its AMI address.
fn start_sim() -> (std::process::Child, String) {
    let mut sim = Command::new(BIN).args(["sim", "--ami-listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let sim_line = read_until(&mut sim, "PBX simulator: AMI at", Duration::from_secs(30)).pop().unwrap();
    let ami = sim_line.split("AMI at ").nth(1).unwrap().split(',').next().unwrap().to_string();
    (sim, ami)
}

/// `switchboard check --strict` of the project's config, which must pass with the plugin's declared
/// needs all granted; then `switchboard serve` of it from the project's directory, once it serves
/// `route`: the server and the mount's URL.
fn check_and_serve(project: &Path, config_path: &Path, route: &str) -> (std::process::Child, String) {
    let checked = Command::new(BIN).args(["check", "--strict", "--config"]).arg(config_path).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&checked.stdout), String::from_utf8_lossy(&checked.stderr));
    assert!(checked.status.success(), "{said}");
    assert!(said.contains("declared needs: all granted"), "the project declares its needs: {said}");
    let mut server = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config_path)
        .current_dir(project)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let printed = read_until(&mut server, route, Duration::from_secs(180));
    (server, served_url(printed.last().unwrap()))
}

#[test]
fn a_new_plugin_is_tested_natively_built_checked_and_served_against_the_simulator() {
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("crm-notes");
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-plugin-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    let created = run(work.path(), BIN, &["new", "crm-notes", "--dir", project.to_str().unwrap()], &target_dir);
    assert!(created.contains("cargo test"), "{created}");
    // A second `new` into the same directory refuses and overwrites nothing.
    let again = Command::new(BIN).args(["new", "crm-notes", "--dir"]).arg(&project).output().unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("not empty"));
    let bad = Command::new(BIN).args(["new", "../escape"]).current_dir(work.path()).output().unwrap();
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("not a plugin name"));

    let tested = run(&project, &cargo, &["test"], &target_dir);
    assert!(tested.contains("test result: ok. 3 passed"), "{tested}");
    run(&project, &cargo, &["build", "--release", "--target", "wasm32-wasip2"], &target_dir);
    // The config names the component where Cargo wrote it; point it at the shared target dir.
    let wasm = target_dir.join("wasm32-wasip2/release/crm_notes.wasm");
    assert!(wasm.is_file(), "{} was not built", wasm.display());
    let config_path = project.join("switchboard.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains("plugin = \"target/wasm32-wasip2/release/crm_notes.wasm\""), "{config}");

    let (mut sim, ami) = start_sim();
    let config = config
        .replace("127.0.0.1:5038", &ami)
        .replace("127.0.0.1:8080", "127.0.0.1:0")
        .replace("target/wasm32-wasip2/release/crm_notes.wasm", wasm.to_str().unwrap());
    std::fs::write(&config_path, config).unwrap();

    let (mut server, base) = check_and_serve(&project, &config_path, "/crm-notes");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let greeting = client().get(format!("{base}/")).send().await.unwrap();
        assert_eq!(greeting.text().await.unwrap(), "Hello from crm-notes");
        let calls = client().get(format!("{base}/calls")).send().await.unwrap();
        assert_eq!(calls.status(), 200);
        assert!(calls.json::<serde_json::Value>().await.unwrap().is_array());
        let stored = client().post(format!("{base}/notes")).json(&serde_json::json!({"number": "1001", "text": "call back"})).send().await.unwrap();
        assert_eq!(stored.status(), 201);
        let refused = client().post(format!("{base}/notes")).json(&serde_json::json!({"number": "1001\r\nX", "text": "x"})).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let notes: serde_json::Value = client().get(format!("{base}/notes")).send().await.unwrap().json().await.unwrap();
        assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
        assert_eq!(notes[0]["text"], "call back");
    });
    assert!(terminate(&mut server).success());
    terminate(&mut sim);
    // The note is durable: the plugin's own database is in the store the config names.
    assert!(project.join("data").is_dir());
}

#[test]
fn a_new_javascript_plugin_is_built_as_its_readme_says_and_served_against_the_simulator() {
    tools::debian("npm", "npm");
    a_new_component_project_builds_and_serves("js", "crm-js");
}

#[test]
fn a_new_python_plugin_is_built_as_its_readme_says_and_served_against_the_simulator() {
    a_new_component_project_builds_and_serves("python", "crm-py");
}

/// The commands of the first ```sh block of `readme`, comments and blank lines left out.
fn first_sh_block(readme: &str) -> Vec<String> {
    let block = readme.split("```sh\n").nth(1).expect("the README has a ```sh block").split("```").next().unwrap();
    block.lines().map(|line| line.split(" #").next().unwrap().trim().to_string()).filter(|line| !line.is_empty()).collect()
}

/// `switchboard new NAME --lang LANG` outside the repository, built with its README's commands,
/// checked, served with its own config against `switchboard sim`, and every route asked.
fn a_new_component_project_builds_and_serves(lang: &str, name: &str) {
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join(name);
    let created = Command::new(BIN).args(["new", name, "--lang", lang, "--dir"]).arg(&project).output().unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(project.join("wit/world.wit").is_file(), "the project has its own WIT");
    let with_sdk = Command::new(BIN).args(["new", "other", "--lang", lang, "--sdk", "/nowhere"]).current_dir(work.path()).output().unwrap();
    assert!(!with_sdk.status.success() && String::from_utf8_lossy(&with_sdk.stderr).contains("--sdk is for Rust projects"));

    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    let path = std::env::join_paths(
        std::iter::once(Path::new(BIN).parent().unwrap().to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    for command in first_sh_block(&readme) {
        let out = Command::new("sh").args(["-c", &command]).current_dir(&project).env("PATH", &path).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "`{command}` failed in {}:\n{said}", project.display());
    }
    assert!(project.join(format!("{name}.wasm")).is_file(), "the README's commands built {name}.wasm");

    let (mut sim, ami) = start_sim();
    let config_path = project.join("switchboard.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(&config_path, config.replace("127.0.0.1:5038", &ami).replace("127.0.0.1:8080", "127.0.0.1:0")).unwrap();

    let (mut server, base) = check_and_serve(&project, &config_path, &format!("/{name}"));
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let http = client();
        let greeting = http.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(greeting.text().await.unwrap(), format!("Hello from {name}\n"));
        let ping: serde_json::Value = http.get(format!("{base}/ping")).send().await.unwrap().json().await.unwrap();
        assert_eq!(ping["response"]["Ping"], "Pong", "{ping}");
        let hit: serde_json::Value = http.post(format!("{base}/hits")).send().await.unwrap().json().await.unwrap();
        assert_eq!(hit["hits"], 1, "{hit}");
        let call = http.post(format!("{base}/call")).form(&[("from", "1001"), ("to", "1002")]).send().await.unwrap();
        assert_eq!(call.status(), 202);
        assert_eq!(call.json::<serde_json::Value>().await.unwrap()["status"], "queued");
        let refused = http.post(format!("{base}/call")).form(&[("from", "1001"), ("to", "1002&PJSIP/666")]).send().await.unwrap();
        assert_eq!(refused.status(), 422);
    });
    assert!(terminate(&mut server).success());
    terminate(&mut sim);
    assert!(project.join("data").is_dir(), "the own database is in the store the config names");
}
