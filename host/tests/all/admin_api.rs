//! The admin listener: its token (missing, wrong, throttled, never logged), the mount list's shape,
//! the check both the API and `switchboard check` run, the CLI against a running server, and that no
//! plugin can reach it, whatever its grants.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{BIN, base, client, config_text, read_until, start_config, terminate, test_plugin};

const TOKEN: &str = "test-admin-token-0123456789";

/// A config with an admin listener on an ephemeral port, a quick lock-out (two free failures, then
/// a minute), and `mounts`.
fn admin_config(mounts: &str) -> String {
    config_text(
        None,
        &format!(
            "[admin]\naddress = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n\n\
             [auth_throttle]\nfree_failures = 2\nfirst_lock_ms = 60000\nmax_lock_ms = 60000\n\n{mounts}"
        ),
    )
}

fn mounts() -> String {
    format!(
        "[[mount]]\nroute = \"/hello\"\nplugin = \"hello\"\n\n\
         [[mount]]\nroute = \"/h\"\nplugin = {:?}\ngrants = {{ outbound_http = [\"*\"] }}\nlimits = {{ timeout_ms = 5000 }}\n",
        test_plugin("hostile")
    )
}

fn admin_base(server: &switchboard::Server) -> String {
    format!("http://{}", server.admin().expect("an admin listener").address)
}

async fn get(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn error(response: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("a JSON error");
    (status, body["error"]["code"].as_str().unwrap_or_default().to_string(), body)
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_and_a_guesser_is_locked_out() {
    let server = start_config(&admin_config(&mounts())).await;
    let admin = admin_base(&server);
    let mounts = format!("{admin}/admin/api/mounts");

    // The console's shell needs no token; everything else does, in the host's error format.
    let page = get(&format!("{admin}/"), None).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    for path in ["/admin/api/mounts", "/metrics", "/admin/api/audit", "/admin/api/nothing-here"] {
        let (status, code, body) = error(get(&format!("{admin}{path}"), None).await).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("Bearer"), "{body}");
    }
    // Missing tokens tried no secret: they lock nobody out.
    assert_eq!(get(&mounts, Some(TOKEN)).await.status(), 200);

    // Two free failures, then the third wrong token locks the address for a minute...
    for _ in 0..3 {
        let (status, code, body) = error(get(&mounts, Some("wrong-token-0123456789")).await).await;
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{body}");
        assert_eq!(body["error"]["message"], "wrong admin token");
    }
    // ...during which even the right token is refused before it is looked at, so a guesser cannot
    // tell a right guess from a wrong one.
    let refused = get(&mounts, Some(TOKEN)).await;
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((50..=60).contains(&retry_after), "Retry-After {retry_after}");
    let (status, code, body) = error(refused).await;
    assert_eq!((status, code.as_str()), (429, "too_many_attempts"), "{body}");
    assert_eq!(error(get(&format!("{admin}/metrics"), Some(TOKEN)).await).await.0, 429);
    // The plugin listeners are not the admin's business: they keep serving that address.
    assert_eq!(get(&format!("{}/hello", base(&server)), None).await.status(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn the_mount_list_has_the_admin_shape() {
    let server = start_config(&admin_config(&mounts())).await;
    let admin = admin_base(&server);
    let answer = get(&format!("{admin}/admin/api/mounts"), Some(TOKEN)).await;
    let id = answer.headers().get("x-request-id").expect("every admin answer has an X-Request-Id").to_str().unwrap().to_string();
    let again = get(&format!("{admin}/admin/api/mounts"), None).await;
    let other = again.headers().get("x-request-id").expect("a refused one too").to_str().unwrap();
    assert!(!id.is_empty() && id != other, "{id} {other}");
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert!(answer["persisted"].is_boolean(), "{answer}");
    assert!(answer["config"].is_null() || answer["config"].is_string(), "{answer}");
    let mounts = answer["mounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 2, "{answer}");
    let hostile = mounts.iter().find(|m| m["route"] == "/h").expect("/h listed");
    assert_eq!(hostile["plugin"], "hostile");
    assert_eq!(hostile["source"], test_plugin("hostile"));
    let version = hostile["version"].as_str().unwrap();
    assert!(version.len() == 64 && version.bytes().all(|b| b.is_ascii_hexdigit()), "{version}");
    assert_eq!(hostile["identity"], format!("sha256:{version}"));
    assert_eq!(hostile["listeners"], serde_json::json!(["main"]));
    assert_eq!(hostile["enabled"], true);
    assert_eq!(hostile["event_handler"], false);
    assert_eq!(hostile["limits"]["timeout_ms"], 5000);
    let http = hostile["grants"].as_array().unwrap().iter().find(|g| g["interface"] == "wasi:http/outgoing-handler").expect("{hostile}");
    assert_eq!((&http["grant"], &http["requested"], &http["granted"]), (&"outbound_http".into(), &true.into(), &true.into()));
    for counter in ["requests", "in_flight", "errors_5xx", "instantiations", "reuse_hits", "traps", "timeouts", "idle_instances"] {
        assert!(hostile["counters"][counter].is_u64(), "{counter} in {hostile}");
    }
    assert!(["ok", "disabled", "failing"].contains(&hostile["health"].as_str().unwrap()), "{hostile}");
    let hello = mounts.iter().find(|m| m["route"] == "/hello").expect("/hello listed");
    assert_eq!((&hello["source"], &hello["identity"]), (&"builtin:hello".into(), &"builtin:hello".into()));

    // Changes to a route that is not mounted say so; wrong methods and paths are told apart.
    let missing = client().post(format!("{admin}/admin/api/mounts/disable")).bearer_auth(TOKEN).json(&serde_json::json!({ "route": "/nope" }));
    let (status, code, _) = error(missing.send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (404, "no_mount"));
    let (status, code, _) = error(client().put(format!("{admin}/admin/api/mounts")).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
    let (status, code, _) = error(get(&format!("{admin}/admin/api/nothing-here"), Some(TOKEN)).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let metrics = get(&format!("{admin}/metrics"), Some(TOKEN)).await;
    assert_eq!(metrics.status(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn the_check_endpoint_answers_what_switchboard_check_says() {
    let server = start_config(&admin_config("")).await;
    let admin = admin_base(&server);
    let dir = tempfile::tempdir().unwrap();
    let hostile = test_plugin("hostile");
    let files = [
        // Fine, with a capability requested and not granted.
        format!("[[mount]]\nroute = \"/h\"\nplugin = {hostile:?}\n"),
        // Two located problems.
        "[[mount]]\nroute = \"/a\"\nplugin = \"nope\"\n\n[[mount]]\nroute = \"b\"\nplugin = \"hello\"\n".to_string(),
        // Valid TOML, but the plugin is not a component.
        "[[mount]]\nroute = \"/x\"\nplugin = \"./not-a-component.wasm\"\n".to_string(),
    ];
    std::fs::write(dir.path().join("not-a-component.wasm"), b"\0asm junk").unwrap();
    for (i, text) in files.iter().enumerate() {
        let path = dir.path().join(format!("switchboard-{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = Command::new(BIN).args(["check", "--json", "--config"]).arg(&path).output().unwrap();
        let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(out.status.success(), cli["ok"] == true, "{cli}");
        let api: serde_json::Value = client()
            .post(format!("{admin}/admin/api/check?path={}", path.display()))
            .bearer_auth(TOKEN)
            .body(text.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(api, cli, "file {i}");
        match i {
            0 => {
                assert_eq!(api["ok"], true, "{api}");
                assert_eq!(api["mounts"][0]["capabilities"][0]["granted"], false, "{api}");
            }
            1 => {
                let errors: Vec<&str> = api["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
                assert!(errors.iter().any(|e| e.contains("switchboard-1.toml:3:10: unknown plugin `nope`")), "{errors:#?}");
                assert!(errors.iter().any(|e| e.contains("switchboard-1.toml:6:9: bad route `b`")), "{errors:#?}");
            }
            _ => {
                assert_eq!(api["ok"], false, "{api}");
                assert!(api["mounts"][0]["load_error"].is_string(), "{api}");
            }
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn plugins_cannot_reach_the_admin_listener_whatever_their_grants() {
    let server = start_config(&admin_config(&mounts())).await;
    let port = server.admin().unwrap().address.port();
    let fetch = |url: String| {
        let url = format!("{}/h/fetch?url={url}", base(&server));
        async move { client().get(url).send().await.unwrap() }
    };
    // `outbound_http = ["*"]` reaches the plugin listener's health...
    let health = fetch(format!("{}/_switchboard/health", base(&server))).await;
    assert_eq!(health.status(), 200);
    assert!(health.text().await.unwrap().contains("\"status\":\"ok\""));
    // ...but never the admin listener, by any name for it.
    for host in ["127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]"] {
        let denied = fetch(format!("http://{host}:{port}/admin/api/mounts")).await;
        let (status, _, body) = error(denied).await;
        assert_eq!(status, 502, "{host}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("HttpRequestDenied"), "{host}: {body}");
    }
    server.shutdown().await;
}

#[test]
fn the_admin_section_is_validated_with_locations() {
    let parse = |text: &str| switchboard::config::parse(text, std::path::Path::new("admin.toml"));
    let problems = |text: &str| parse(text).unwrap_err().0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    assert!(problems("[admin]\ntoken = \"short\"\n").contains("admin.toml:2:9: admin.token: the admin token has 5 bytes; use at least 16"));
    assert!(problems("[admin]\naddress = \"localhost\"\ntoken = \"0123456789abcdef\"\n").contains("admin.toml:2:11: admin.address `localhost`"));
    let clash = "[[listener]]\naddress = \"127.0.0.1:8081\"\n\n[admin]\ntoken = \"0123456789abcdef\"\n";
    assert!(problems(clash).contains("admin.toml:4:1: admin.address 127.0.0.1:8081 is listener `main`'s address too"), "{}", problems(clash));
    let config = parse("[admin]\ntoken = \"0123456789abcdef\"\n").unwrap();
    let admin = config.admin.expect("an admin listener");
    assert_eq!(admin.address.to_string(), "127.0.0.1:8081");
    assert!(!format!("{admin:?}").contains("0123456789abcdef"), "Debug hides the token");
    assert!(parse("").unwrap().admin.is_none(), "no [admin], no admin listener");
}

#[test]
fn the_cli_drives_a_running_server_and_the_token_is_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.toml");
    std::fs::write(&path, admin_config(&mounts())).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .env_remove("SWITCHBOARD_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain stderr as it comes: at trace level it outgrows a pipe's buffer.
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let lines = read_until(&mut child, "admin API, console and metrics -> ", Duration::from_secs(60));
    let url = lines.last().unwrap().split(" -> ").nth(1).unwrap().to_string();
    let admin = |args: &[&str], token: &str| {
        Command::new(BIN).arg("admin").arg("--url").arg(&url).args(args).env("SWITCHBOARD_ADMIN_TOKEN", token).env("USER", "ada").output().unwrap()
    };

    let out = admin(&["mounts", "--json"], TOKEN);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let routes: Vec<&str> = listed["mounts"].as_array().unwrap().iter().map(|m| m["route"].as_str().unwrap()).collect();
    assert_eq!(routes.len(), 2, "{listed}");
    assert!(routes.contains(&"/hello") && routes.contains(&"/h"), "{listed}");

    let out = admin(&["mounts"], TOKEN);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("ROUTE "), "{table}");
    assert!(table.lines().any(|l| l.starts_with("/hello ") && l.contains("hello") && l.contains("yes")), "{table}");

    let wrong = "wrong-admin-token-for-the-log-check";
    let out = admin(&["mounts"], wrong);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("401 unauthorized: wrong admin token"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = admin(&["failures", "--json"], TOKEN);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["failures"].is_array());

    assert!(terminate(&mut child).success());
    let log = log.join().unwrap();
    assert!(log.lines().count() > 10, "the log was written: {log}");
    assert!(log.contains("admin API: wrong token"), "the failure is logged: {log}");
    for secret in [TOKEN, wrong] {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret:?} logged: {leaks:#?}");
    }
}
