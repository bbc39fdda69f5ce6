//! The `pbx-control` interface on the real server, through the probe plugin: a granted, configured
//! command runs exactly the program and arguments of the host's config (a script that records its
//! arguments), a failing one reports its status and output, an ungranted one is denied without
//! running anything, and one the config does not name answers not-configured.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use serde_json::Value;

use crate::util::{Rig, client, test_plugin};

/// A script that appends its arguments to `calls.log` beside it, prints a line, and fails with
/// status 3 when its first argument is `fail`.
fn write_script(root: &Path) {
    let script = root.join("pbxctl.sh");
    let log = root.join("calls.log");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nif [ \"$1\" = fail ]; then echo 'boom' >&2; exit 3; fi\necho \"done $1\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_exactly_the_configured_command_and_refuses_the_rest() {
    let rig = Rig::builder()
        .prepare(write_script)
        .toml_with(|env| {
            let script = env.root.join("pbxctl.sh").display().to_string();
            format!("[pbx_control]\nstart = [\"{script}\", \"start\", \"asterisk; rm -rf /\"]\nreboot = [\"{script}\", \"fail\"]\n")
        })
        .mount("/ctl", &test_plugin("probe"), "grants = { pbx_control = [\"start\", \"stop\", \"reboot\"] }")
        .mount("/start-only", &test_plugin("probe"), "grants = { pbx_control = [\"start\"] }")
        .mount("/none", &test_plugin("probe"), "")
        .start()
        .await;
    let c = client();
    let call = |mount: &str, command: &str| c.post(format!("{}{mount}/pbx/{command}", rig.base)).send();
    let calls = || std::fs::read_to_string(rig.path("calls.log")).unwrap_or_default();

    let started = call("/ctl", "start").await.unwrap();
    assert_eq!(started.status(), 200);
    let body: Value = started.json().await.unwrap();
    assert_eq!(body["output"], "done start");
    assert_eq!(calls(), "start asterisk; rm -rf /\n", "the configured arguments, as they are, no shell");

    let failed = call("/ctl", "reboot").await.unwrap();
    assert_eq!(failed.status(), 502);
    let message = failed.text().await.unwrap();
    assert!(message.contains("exited with status 3") && message.contains("boom"), "{message}");

    assert_eq!(call("/ctl", "stop").await.unwrap().status(), 503, "stop is granted but not configured");
    assert_eq!(crate::util::error_code(call("/ctl", "stop").await.unwrap()).await, "pbx_control_not_configured");
    assert_eq!(crate::util::error_code(call("/start-only", "reboot").await.unwrap()).await, "pbx_control_denied");
    assert_eq!(crate::util::error_code(call("/none", "start").await.unwrap()).await, "pbx_control_denied");
    assert_eq!(calls(), "start asterisk; rm -rf /\nfail\n", "nothing ran for the refused calls");

    // Requested vs granted, as `check` and the start-up log report it.
    let granted = |route: &str| {
        let mount = rig.server.mounts().into_iter().find(|m| m.route == route).unwrap();
        mount.capabilities.iter().find(|c| c.interface == "switchboard:pbx/pbx-control").map(|c| c.granted)
    };
    assert_eq!(granted("/ctl"), Some(true));
    assert_eq!(granted("/none"), Some(false));
    rig.stop().await;
}

#[test]
fn a_relative_program_and_an_unknown_command_are_located_errors() {
    let text = "[pbx_control]\nstart = [\"systemctl\", \"start\", \"asterisk\"]\nstop = []\n\n\
                [[mount]]\nroute = \"/x\"\nplugin = \"hello\"\ngrants = { pbx_control = [\"halt\"] }\n";
    let problems = switchboard::config::parse(text, Path::new("sb.toml")).unwrap_err().0;
    let has = |location: &str, needle: &str| problems.iter().any(|p| p.location == location && p.message.contains(needle));
    assert!(has("sb.toml:2:10", "not an absolute path"), "{problems:#?}");
    assert!(has("sb.toml:3:8", "pbx_control.stop is empty"), "{problems:#?}");
    assert!(has("sb.toml:8:27", "`halt` is not a PBX command"), "{problems:#?}");
}
