//! Structured logs of the real binary: with `[log] format = "json"` every line on standard error is
//! one JSON object, every answer (a plugin's, a host error, health) carries an `X-Request-Id`, and
//! the lines written while a request was handled — the host's own and the plugin's, including one
//! the plugin logs from inside its streamed body — carry that id. An id a client sends is ignored;
//! one from a trusted proxy is kept.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{BIN, client, config_text, read_until, served_url, terminate, test_plugin};

/// The request id of a response.
fn id_of(response: &reqwest::Response) -> String {
    response.headers().get("x-request-id").expect("every answer has an X-Request-Id").to_str().unwrap().to_string()
}

#[test]
fn json_logs_carry_each_requests_id_which_every_answer_echoes() {
    let dir = tempfile::tempdir().unwrap();
    let listeners = "[[listener]]\nname = \"main\"\naddress = \"127.0.0.1:0\"\n\n\
                     [[listener]]\nname = \"proxied\"\naddress = \"127.0.0.1:0\"\ntrusted_proxies = [\"127.0.0.1\"]\n\n\
                     [log]\nformat = \"json\"\n";
    let mounts = format!(
        "[[mount]]\nroute = \"/probe\"\nplugin = {:?}\n\n[[mount]]\nroute = \"/hostile\"\nplugin = {:?}\nlistener = \"main\"\n",
        test_plugin("probe"),
        test_plugin("hostile")
    );
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, config_text(Some(listeners), &mounts)).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&path)
        .env_remove("RUST_LOG")
        .env_remove("SWITCHBOARD_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let printed = read_until(&mut child, "/hostile", Duration::from_secs(60));
    let url = |listener_port_of: &str| {
        printed.iter().find(|l| l.contains(listener_port_of)).map(|l| served_url(l)).unwrap_or_else(|| panic!("{printed:#?}"))
    };
    // `mounted probe -> URL/probe` is printed once per listener, main first.
    let probe_urls: Vec<String> = printed.iter().filter(|l| l.contains("/probe")).map(|l| served_url(l)).collect();
    assert_eq!(probe_urls.len(), 2, "{printed:#?}");
    let (main_probe, proxied_probe) = (&probe_urls[0], &probe_urls[1]);
    let main = main_probe.trim_end_matches("/probe").to_string();
    let hostile = url("/hostile");

    let (streamed, failed, missing, health, forged, kept) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let streamed = client().get(format!("{main_probe}/log?n=2")).send().await.unwrap();
        assert_eq!(streamed.status(), 200);
        let streamed_id = id_of(&streamed);
        assert_eq!(streamed.text().await.unwrap(), "chunk 0\nchunk 1\n");
        let failed = client().get(format!("{hostile}/panic")).send().await.unwrap();
        assert_eq!(failed.status(), 500);
        let missing = client().get(format!("{main}/nowhere")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let health = client().get(format!("{main}/_switchboard/health")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        // A client that is no trusted proxy cannot choose its id; a trusted proxy's is kept.
        let forged = client().get(format!("{main_probe}/log?n=1")).header("x-request-id", "forged-1").send().await.unwrap();
        let kept = client().get(format!("{proxied_probe}/log?n=1")).header("x-request-id", "proxy-7f3a").send().await.unwrap();
        (streamed_id, id_of(&failed), id_of(&missing), id_of(&health), id_of(&forged), id_of(&kept))
    });
    assert_ne!(forged, "forged-1");
    assert_eq!(kept, "proxy-7f3a");
    let ids = [&streamed, &failed, &missing, &health, &forged];
    for (i, a) in ids.iter().enumerate() {
        assert!(ids[i + 1..].iter().all(|b| a != b), "ids are distinct: {ids:?}");
    }

    assert!(terminate(&mut child).success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect();
    assert!(lines.iter().any(|l| l["fields"]["message"] == "listening"), "{stderr}");
    let of = |id: &str| -> Vec<&serde_json::Value> { lines.iter().filter(|l| l["span"]["request_id"] == id).collect() };
    let message = |line: &serde_json::Value| line["fields"]["message"].as_str().unwrap_or_default().to_string();

    // The plugin's own lines: one from its handler, one from inside the body the host streamed
    // after the response head had gone out.
    let streamed_lines: Vec<String> = of(&streamed).iter().map(|l| message(l)).collect();
    assert!(streamed_lines.contains(&"probe: answering".to_string()), "{streamed_lines:?}\n{stderr}");
    assert!(streamed_lines.contains(&"probe: streamed".to_string()), "{streamed_lines:?}\n{stderr}");
    let answering = of(&streamed).into_iter().find(|l| message(l) == "probe: answering").unwrap().clone();
    assert_eq!(answering["target"], "plugin");
    assert_eq!(answering["fields"]["plugin"], "probe");
    // The host's own line about the plugin's failure.
    let failure = of(&failed);
    assert!(failure.iter().any(|l| l["level"] == "ERROR" && message(l).contains("plugin") && l["fields"]["route"] == "/hostile"), "{failure:?}\n{stderr}");
    // No line of one request carries another's id, and the kept id tags the proxied request's lines.
    assert!(of(&kept).iter().any(|l| message(l) == "probe: streamed"), "{stderr}");
    assert!(!of(&forged).is_empty() && of("forged-1").is_empty(), "{stderr}");
    for line in of(&streamed) {
        assert!(!message(line).contains("panic"), "{line}");
    }
}

#[test]
fn log_format_is_checked_and_the_command_line_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, config_text(None, "[log]\nformat = \"yaml\"\n")).unwrap();
    let out = Command::new(BIN).args(["check", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("switchboard.toml:") && stderr.contains("log.format") && stderr.contains("`yaml`"), "{stderr}");

    // `--log-format json` on a file that says nothing: the start-up lines are JSON.
    std::fs::write(&path, config_text(None, "[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n")).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--log-format", "json", "--config"])
        .arg(&path)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    read_until(&mut child, "/hello", Duration::from_secs(60));
    assert!(terminate(&mut child).success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!stderr.is_empty());
    for line in stderr.lines() {
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed["level"].is_string(), "{line}");
    }
}
