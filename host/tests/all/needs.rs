//! Declared needs, through the real binary: a Rust plugin's `needs!` survives componentization,
//! `check` lists what a mount lacks and `check --strict` fails on it, `needs embed` declares a
//! component built by another toolchain, and a declaration quiets the interfaces a plugin imports
//! but does not use.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::{cache_dir, test_plugin};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn run(args: &[&str], config: Option<&Path>) -> (bool, String, String) {
    let mut command = Command::new(BIN);
    command.args(args);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let Output { status, stdout, stderr } = command.output().unwrap();
    (status.success(), String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

/// A config with one mount of `plugin` at `/p` and `grants`.
fn config(dir: &Path, plugin: &str, grants: &str) -> std::path::PathBuf {
    let path = dir.join("switchboard.toml");
    let text = format!(
        "[[listener]]\naddress = \"127.0.0.1:0\"\n\n[runtime]\ncache_dir = {:?}\n\n[ami]\naddress = \"127.0.0.1:5038\"\nusername = \"u\"\nsecret = \"s\"\n\n[[mount]]\nroute = \"/p\"\nplugin = {plugin:?}\ngrants = {{ {grants} }}\n",
        cache_dir().display().to_string()
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_rust_plugins_declared_needs_are_checked_against_its_mount() {
    let dir = tempfile::tempdir().unwrap();
    // The built-in click-to-call declares `ami = ["Originate", "CoreShowChannels"]`, `events = true`.
    let wasm = dir.path().join("click-to-call.wasm");
    std::fs::write(&wasm, switchboard::builtin::find("click-to-call").unwrap().wasm).unwrap();
    let (ok, shown, _) = run(&["needs", "show", wasm.to_str().unwrap()], None);
    assert!(ok);
    assert!(shown.contains(r#"ami = ["Originate", "CoreShowChannels"]"#) && shown.contains("events = true"), "{shown}");

    // A mount lending only part: `check` says what is missing and passes; `--strict` fails on it.
    let partial = config(dir.path(), "click-to-call", r#"ami = ["CoreShowChannels", "Originate Context=from-internal"]"#);
    let (ok, out, err) = run(&["check"], Some(&partial));
    assert!(ok, "{out}{err}");
    assert!(out.contains("needs grants.ami: Originate: NOT granted"), "{out}");
    assert!(out.contains("needs grants.events: NOT granted"), "{out}");
    let (ok, out, err) = run(&["check", "--strict"], Some(&partial));
    assert!(!ok, "{out}");
    assert!(err.contains("mount /p: the plugin needs grants.ami: Originate, which the mount does not grant"), "{err}");
    assert!(err.contains("mount /p: the plugin needs grants.events, which the mount does not grant"), "{err}");
    let (ok, json, _) = run(&["check", "--strict", "--json"], Some(&partial));
    assert!(!ok);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["mounts"][0]["missing"], serde_json::json!(["grants.ami: Originate", "grants.events"]), "{report}");

    // Everything lent: strict passes.
    let full = config(dir.path(), "click-to-call", r#"ami = ["Originate", "CoreShowChannels"], events = true"#);
    let (ok, out, err) = run(&["check", "--strict"], Some(&full));
    assert!(ok, "{out}{err}");
    assert!(out.contains("declared needs: all granted"), "{out}");
}

#[test]
fn an_embedded_declaration_quiets_the_imports_a_plugin_does_not_use() {
    let dir = tempfile::tempdir().unwrap();
    // The probe imports ami, events, event-stream and pbx-control, as a JS or Python runtime
    // imports everything. Undeclared, each ungranted import is a strict failure.
    let probe = dir.path().join("probe.wasm");
    std::fs::copy(test_plugin("probe"), &probe).unwrap();
    let only_ami = config(dir.path(), probe.to_str().unwrap(), r#"ami = ["Status"]"#);
    let (ok, out, err) = run(&["check", "--strict"], Some(&only_ami));
    assert!(!ok, "{out}");
    assert!(err.contains("imports switchboard:pbx/events and declares no needs"), "{err}");
    assert!(out.contains("requests switchboard:pbx/pbx-control (grants.pbx_control): NOT granted"), "{out}");

    // A declaration that is no grants table is refused with its place in the file; the
    // component is left as it was.
    let before = std::fs::read(&probe).unwrap();
    let bad = dir.path().join("bad-needs.toml");
    std::fs::write(&bad, "ami = [\"Status\"]\nevents = \"yes\"\n").unwrap();
    let (ok, _, err) = run(&["needs", "embed", probe.to_str().unwrap(), "--needs", bad.to_str().unwrap()], None);
    assert!(!ok);
    assert!(err.contains("bad-needs.toml#switchboard:needs:2:"), "{err}");
    assert_eq!(std::fs::read(&probe).unwrap(), before);

    // Declared: only AMI is a need; the rest is one line, and strict passes.
    let needs = dir.path().join("needs.toml");
    std::fs::write(&needs, "ami = [\"Status\"]\n").unwrap();
    let (ok, out, err) = run(&["needs", "embed", probe.to_str().unwrap(), "--needs", needs.to_str().unwrap()], None);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = run(&["check", "--strict"], Some(&only_ami));
    assert!(ok, "{out}{err}");
    assert!(out.contains("requests switchboard:pbx/ami (grants.ami): granted"), "{out}");
    assert!(!out.contains("NOT granted"), "{out}");
    assert!(out.contains("also imports, without declaring a need: ") && out.contains("switchboard:pbx/pbx-control"), "{out}");
    assert!(out.contains("declared needs: all granted"), "{out}");

    // `serve` logs the same way: the declared need, and the rest folded into one line.
    let mut server = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&only_ami)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(server.stderr.take().unwrap())) {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("listening") {
            break;
        }
    }
    crate::util::terminate(&mut server);
    assert!(log.contains("imported without a declared need"), "{log}");
    assert!(!log.contains("capability requested but not granted"), "no warning per undeclared import: {log}");
    assert!(log.contains("capability requested and granted"), "{log}");

    // Declaring twice is refused: the declaration belongs to the build.
    let (ok, _, err) = run(&["needs", "embed", probe.to_str().unwrap(), "--needs", needs.to_str().unwrap()], None);
    assert!(!ok);
    assert!(err.contains("already declares its needs"), "{err}");
}
