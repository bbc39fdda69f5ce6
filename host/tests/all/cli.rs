//! The `switchboard` binary: `check`, `serve` and `demo`, driven as an admin would.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{read_until, terminate};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn write_config(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("switchboard.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_reports_problems_and_exits_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "[[mount]]\nroute = \"/a\"\nplugin = \"nope\"\n\n[[mount]]\nroute = \"b\"\nplugin = \"hello\"\n");
    let out = Command::new(BIN).args(["check", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("switchboard.toml:3:10: unknown plugin `nope`"), "{stderr}");
    assert!(stderr.contains("switchboard.toml:6:9: bad route `b`"), "{stderr}");
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
}

#[test]
fn check_reports_requested_vs_granted() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = crate::util::test_plugin("hostile");
    let text = format!(
        "[[mount]]\nroute = \"/h\"\nplugin = \"hello\"\n\n\
         [[mount]]\nroute = \"/denied\"\nplugin = {hostile:?}\n\n\
         [[mount]]\nroute = \"/granted\"\nplugin = {hostile:?}\ngrants = {{ outbound_http = [\"http://127.0.0.1:9\"] }}\n"
    );
    let path = write_config(dir.path(), &text);
    let out = Command::new(BIN).args(["check", "--config"]).arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let sections: Vec<&str> = stdout.split("\n  /").collect();
    let section = |route: &str| sections.iter().find(|s| s.starts_with(route)).unwrap_or_else(|| panic!("{route} in {stdout}"));
    assert!(section("h ->").contains("requests: nothing that needs a grant"), "{stdout}");
    assert!(
        section("denied ->").contains("requests wasi:http/outgoing-handler (grants.outbound_http): NOT granted"),
        "{stdout}"
    );
    assert!(section("granted ->").contains("requests wasi:http/outgoing-handler (grants.outbound_http): granted"), "{stdout}");
    // The memory bound: 64 instances (default max_concurrent) of 64 MiB + 100,000 table elements
    // of 8 bytes + a 2 MiB stack = 66.76 MiB each, per mount; three mounts.
    assert!(section("h ->").contains("memory: at most 64 instance(s) x 66.8 MiB = 4272.8 MiB"), "{stdout}");
    assert!(stdout.contains("worst-case plugin memory: 12818.5 MiB"), "{stdout}");
    assert!(stdout.trim_end().ends_with("ok"), "{stdout}");
}

#[test]
fn demo_prints_its_urls_serves_them_and_exits_cleanly_on_sigterm() {
    let cache = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        // The JavaScript and Python builds have a test of their own (below); here they would only
        // load the machine.
        .args(["demo", "--no-languages", "--listen", "127.0.0.1:0", "--sark-listen", "127.0.0.1:0", "--ami-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env("XDG_CACHE_HOME", cache.path())
        .env_remove("SWITCHBOARD_ADMIN_TOKEN")
        // Everything the host says, for the no-secrets check at the end.
        .env("RUST_LOG", "info,switchboard=trace")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = read_until(&mut child, "Press Ctrl-C", Duration::from_secs(60));
    let seeded = lines.iter().find(|l| l.starts_with("Demo PBX seeded:")).expect("seeding reported");
    assert!(seeded.contains("50 extensions, 3 ring groups") && seeded.contains("2 trunks, 2 queues, 2000 CDRs"), "{seeded}");
    // The seeded PBX is in the database, rendered for Asterisk, and its recordings are real files.
    let db = rusqlite::Connection::open(data.path().join("store/pbx.sqlite")).unwrap();
    let recording: String = db
        .query_row("SELECT recordingfile FROM cdr WHERE recordingfile <> '' ORDER BY calldate DESC LIMIT 1", [], |r| r.get(0))
        .unwrap();
    let wav = std::fs::read(data.path().join("areas/recordings").join(&recording)).unwrap();
    assert_eq!(&wav[..4], b"RIFF", "{recording}");
    let pjsip = std::fs::read_to_string(data.path().join("asterisk/pjsip.switchboard.conf")).unwrap();
    assert!(pjsip.contains("[1050]") && pjsip.contains("type=registration"), "rendered endpoints and the trunk registration");
    let health_line = lines.iter().find(|l| l.contains("/_switchboard/health")).expect("health URL printed");
    let health_url = health_line.split_whitespace().last().unwrap().to_string();
    let hello_url = health_url.replace("/_switchboard/health", "/hello");
    assert!(lines.iter().any(|l| l.contains(&hello_url)), "{lines:#?}");

    // The HTTPS listener, its persisted self-signed certificate and that certificate's fingerprint.
    let cert = data.path().join("store/tls/sark.crt");
    let pem = std::fs::read(&cert).expect("the demo's certificate is kept in its store");
    let der = <rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::from_pem_slice(&pem).unwrap();
    let fingerprint = switchboard::http::fingerprint(&der);
    assert!(lines.iter().any(|l| l.contains("sark (HTTPS)") && l.contains("https://localhost:")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(&format!("SHA-256 {fingerprint}"))), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(&format!("curl --cacert {} https://localhost:", cert.display()))), "{lines:#?}");

    // The SARK V6 API on that listener, with the printed key: the demo PBX's extensions.
    let sark_line = lines.iter().find(|l| l.contains("sark (HTTPS)")).unwrap();
    let port: u16 = sark_line.split("https://localhost:").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!(lines.iter().any(|l| l.contains("X-Api-Key: demo-sark-api-key") && l.contains("/api/extensions")), "{lines:#?}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (extensions, refused) = rt.block_on(async {
        let client = crate::tls::trusting(&pem);
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let key = [("x-api-key", switchboard::demo::SARK_KEY)];
        let extensions = crate::tls::get_with(client.clone(), address, "localhost", "/api/extensions", &key).await.unwrap();
        let refused = crate::tls::get_with(client, address, "localhost", "/api/extensions", &[]).await.unwrap();
        (extensions, refused)
    });
    assert_eq!(extensions.status, 200, "{}", extensions.body);
    let listed: serde_json::Value = serde_json::from_str(&extensions.body).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 50, "the seeded PBX's extensions");
    assert!(listed.as_array().unwrap().iter().any(|e| e["pkey"] == "1050"), "{listed}");
    assert_eq!((refused.status, refused.body.as_str()), (401, r#"{"message":"Unauthenticated."}"#));

    // The admin listener: the console, a token made for this run, and /metrics behind it.
    let console = lines.iter().find(|l| l.trim_start().starts_with("admin console")).expect("the console URL printed");
    let admin_url = console.split_whitespace().nth(2).unwrap().trim_end_matches('/').to_string();
    assert!(admin_url.starts_with("http://127.0.0.1:"), "{console}");
    let token_line = lines.iter().find(|l| l.trim_start().starts_with("admin token")).expect("the admin token printed");
    let admin_token = token_line.split_whitespace().nth(2).unwrap().to_string();
    assert!(admin_token.len() >= 32 && admin_token.bytes().all(|b| b.is_ascii_hexdigit()), "{token_line}");
    assert!(lines.iter().any(|l| l.trim_start().starts_with("metrics") && l.contains(&format!("{admin_url}/metrics"))), "{lines:#?}");
    let (metrics_status, page_status, refused_status) = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let client = ::reqwest::Client::new();
        let metrics = client.get(format!("{admin_url}/metrics")).bearer_auth(&admin_token).send().await.unwrap().status().as_u16();
        let page = client.get(format!("{admin_url}/")).send().await.unwrap().status().as_u16();
        let refused = client.get(format!("{admin_url}/metrics")).send().await.unwrap().status().as_u16();
        (metrics, page, refused)
    });
    assert_eq!((metrics_status, page_status, refused_status), (200, 200, 401));

    let body = reqwest::blocking_get(&health_url);
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    let greeting = reqwest::blocking_get(&hello_url);
    assert_eq!(greeting, "Hello from the Switchboard demo");

    // Click-to-call through the embedded simulator, with the printed credentials.
    assert!(lines.iter().any(|l| l.contains("X-Api-Key: demo-click-to-call-key")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("PBX simulator") && l.contains("AMI at 127.0.0.1:")), "{lines:#?}");
    let calls_url = health_url.replace("/_switchboard/health", "/click-to-call");
    let (status, body) = reqwest::blocking_request("POST", &format!("{calls_url}/call"), Some("from=1001&to=1002"));
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("\"status\":\"queued\""), "{body}");
    let (status, body) = reqwest::blocking_request("GET", &format!("{calls_url}/calls"), None);
    assert_eq!(status, 200, "{body}");
    // Its call events name a channel even for the originated leg, whose Dial events carry only
    // the `Dest*` fields on a real Asterisk.
    let dials = (0..50)
        .find_map(|_| {
            let (status, body) = reqwest::blocking_request("GET", &format!("{calls_url}/events?timeout=1"), None);
            assert_eq!(status, 200, "{body}");
            let events: serde_json::Value = serde_json::from_str(&body).unwrap();
            let dials: Vec<serde_json::Value> = events.as_array().unwrap().iter().filter(|e| e["event"] == "DialBegin").cloned().collect();
            (!dials.is_empty()).then_some(dials)
        })
        .expect("the call's DialBegin arrives");
    for dial in &dials {
        assert!(dial["channel"].as_str().is_some_and(|c| c.starts_with("PJSIP/")), "{dial}");
        assert!(dial["dest_channel"].as_str().is_some_and(|c| c.starts_with("PJSIP/")), "{dial}");
    }
    let unauthorized = reqwest::blocking_get(&format!("{calls_url}/calls"));
    assert!(unauthorized.contains("missing or wrong X-Api-Key"), "{unauthorized}");

    // That call reaches the demo CRM through the crm-webhook mount, signed.
    let crm_line = lines.iter().find(|l| l.contains("(what the demo CRM received)")).expect("the demo CRM's URL printed");
    let crm_url = crm_line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    let incoming = (0..100)
        .find_map(|_| {
            let received: serde_json::Value = serde_json::from_str(&reqwest::blocking_get(&crm_url)).unwrap();
            let found = received.as_array().unwrap().iter().find(|e| e["type"] == "call.incoming").cloned();
            if found.is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
            found
        })
        .expect("the click-to-call call reaches the demo CRM");
    assert_eq!((incoming["signed"].as_bool(), incoming["data"]["to"].as_str()), (Some(true), Some("1002")), "{incoming}");
    assert!(lines.iter().any(|l| l.contains("X-Api-Key: demo-crm-webhook-key") && l.contains("/crm-webhook/outbox")), "{lines:#?}");

    // The Axeos API on its usual route, with the printed key.
    assert!(lines.iter().any(|l| l.contains("apiKey:demo-axeos-api-key")), "{lines:#?}");
    let axeos = health_url.replace("/_switchboard/health", "/apis/pbx/users?key=demo-axeos-api-key");
    let users = reqwest::blocking_get(&axeos);
    assert!(users.starts_with("[{\"uuid\":") && users.contains("\"username\":\"1050\""), "{users}");
    // The Issabel pbxapi with the printed credentials: a token, then the demo PBX's 50 extensions.
    assert!(lines.iter().any(|l| l.contains(switchboard::demo::ISSABEL_ADMIN_PASSWORD)), "{lines:#?}");
    let pbxapi = health_url.replace("/_switchboard/health", "/pbxapi");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listed: serde_json::Value = rt.block_on(async {
        let client = ::reqwest::Client::new();
        let login = format!("user=admin&password={}", switchboard::demo::ISSABEL_ADMIN_PASSWORD);
        let tokens: serde_json::Value = client.post(format!("{pbxapi}/authenticate")).body(login).send().await.unwrap().json().await.unwrap();
        let token = tokens["access_token"].as_str().expect("a token").to_string();
        client.get(format!("{pbxapi}/extensions")).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    });
    assert_eq!(listed["results"].as_array().map(Vec::len), Some(50), "{listed}");

    // The Evolvex API with the printed key, on both routes (one user database): the user and its
    // access, and the call records of the last month in its contexts — the printed uniqueid's
    // among them, with its recording found.
    let key = switchboard::demo::EVOLVEX_KEY;
    assert!(lines.iter().any(|l| l.contains(&format!("api_key={key}")) && l.contains("/api/index/check?")), "{lines:#?}");
    let mp3_line = lines.iter().find(|l| l.contains("/api/index/get_file_mp3?")).expect("an MP3 example");
    let uniqueid = mp3_line.split("uniqueid=").nth(1).unwrap().split('\'').next().unwrap().to_string();
    assert!(uniqueid.split_once('.').is_some_and(|(a, b)| !a.is_empty() && b.chars().all(|c| c.is_ascii_digit())), "{mp3_line}");
    let evolvex = health_url.replace("/_switchboard/health", "/api/index");
    let check = reqwest::json(&format!("{evolvex}/check?api_key={key}&context=from-internal&uniqueid={uniqueid}"));
    assert_eq!(check["data"]["api_user"]["name"], "demo", "{check}");
    assert_eq!(check["data"]["api_user"]["api_key"], key, "{check}");
    assert_eq!(check["data"]["access"]["name"], "from-internal", "{check}");
    assert_eq!(check["data"]["file"], true, "the printed call has a recording: {check}");
    let month_ago = humantime::format_rfc3339_seconds(std::time::SystemTime::now() - Duration::from_secs(31 * 86_400)).to_string();
    let behind = health_url.replace("/_switchboard/health", "/pbx/api/index");
    let cdrs = reqwest::json(&format!("{behind}/get_log_cdr?api_key={key}&start={}&end=2100-01-01", &month_ago[..10]));
    let rows = cdrs["data"].as_array().unwrap_or_else(|| panic!("{cdrs}"));
    // The seeded month is in the user's contexts whole (the calls made above may add a few).
    assert!(rows.len() >= switchboard::demo::pbx::DEMO_CDRS, "{} rows", rows.len());
    let contexts = switchboard::demo::evolvex::EVOLVEX_CONTEXTS;
    assert!(rows.iter().all(|r| contexts.contains(&r["dcontext"].as_str().unwrap())), "only the user's contexts");
    let call = rows.iter().find(|r| r["uniqueid"] == uniqueid.as_str()).unwrap_or_else(|| panic!("{uniqueid} in get_log_cdr"));
    assert_eq!(call["disposition"], "ANSWERED", "{call}");
    let (status, mp3) = reqwest::bytes(&format!("{evolvex}/get_file_mp3?api_key={key}&uniqueid={uniqueid}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&mp3));
    assert!(mp3.len() > 1000 && (mp3.starts_with(b"ID3") || mp3[0] == 0xFF), "an MP3 stream: {} bytes", mp3.len());

    // Wrong secrets of every kind, sent the ways clients send them.
    let wrong = ["wrong-elastix-key-5150", "wrong-issabel-password-5150", "wrong-axeos-key-5150", "918273"];
    let base = health_url.replace("/_switchboard/health", "");
    let access_token = rt.block_on(async {
        let client = ::reqwest::Client::new();
        client.post(format!("{base}/api/api.php?cmd=channels")).header("authorization", wrong[0]).send().await.unwrap();
        client.post(format!("{base}/api/api.php?cmd=channels")).header("authorization", switchboard::demo::ELASTIX_KEY).send().await.unwrap();
        client.post(format!("{base}/pbxapi/authenticate")).body(format!("user=admin&password={}", wrong[1])).send().await.unwrap();
        client.get(format!("{base}/apis/pbx/users?key={}", wrong[2])).send().await.unwrap();
        client.get(format!("{base}/apis/pbx/users")).basic_auth("1001", Some(wrong[3])).send().await.unwrap();
        client.get(format!("{base}/apis/pbx/users")).basic_auth("apiKey", Some(switchboard::demo::AXEOS_KEY)).send().await.unwrap();
        let login = format!("user=admin&password={}", switchboard::demo::ISSABEL_ADMIN_PASSWORD);
        let tokens: serde_json::Value = client.post(format!("{pbxapi}/authenticate")).body(login).send().await.unwrap().json().await.unwrap();
        tokens["access_token"].as_str().unwrap().to_string()
    });

    let status = terminate(&mut child);
    assert!(status.success(), "exit status {status:?}");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("shutting down"), "{stderr}");
    // No secret, token or PIN in any log line, right or wrong, even at trace level. (The banner on
    // stdout prints the demo's credentials; that is what it is for.)
    let ami_secret = switchboard_sim::SimConfig::default().secret;
    let secrets = [
        switchboard::demo::ELASTIX_KEY,
        switchboard::demo::AXEOS_KEY,
        switchboard::demo::ISSABEL_ADMIN_PASSWORD,
        switchboard::demo::ISSABEL_JWT_SECRET,
        switchboard::demo::CLICK_TO_CALL_KEY,
        switchboard::demo::EVOLVEX_KEY,
        switchboard::demo::EVOLVEX_ADMIN_KEY,
        ami_secret.as_str(),
        access_token.as_str(),
        admin_token.as_str(),
    ];
    assert!(stderr.lines().count() > 20, "the log was written: {stderr}");
    for secret in secrets.iter().chain(&wrong) {
        let leaks: Vec<&str> = stderr.lines().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret:?} logged: {leaks:#?}");
    }
    assert!(!stderr.contains("Evolvex API user"), "{stderr}");

    // A second run on the same data keeps the PBX and finds the Evolvex user it made: the same
    // key still answers, and nothing was created twice.
    let mut again = Command::new(BIN)
        // The JavaScript and Python builds have a test of their own (below); here they would only
        // load the machine.
        .args(["demo", "--no-languages", "--listen", "127.0.0.1:0", "--sark-listen", "127.0.0.1:0", "--ami-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env("XDG_CACHE_HOME", cache.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = read_until(&mut again, "Press Ctrl-C", Duration::from_secs(60));
    assert!(lines.iter().any(|l| l.starts_with("Demo PBX: kept from the previous run")), "{lines:#?}");
    let health_line = lines.iter().find(|l| l.contains("/_switchboard/health")).expect("health URL printed");
    let evolvex = health_line.split_whitespace().last().unwrap().replace("/_switchboard/health", "/api/index");
    let check = reqwest::json(&format!("{evolvex}/check?api_key={key}"));
    assert_eq!(check["data"]["api_user"]["name"], "demo", "{check}");
    let admin = |what: &str| {
        let url = format!("{evolvex}/admin/{what}");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let listed: serde_json::Value = rt.block_on(async {
            let r = ::reqwest::Client::new().get(url).header("x-admin-key", switchboard::demo::EVOLVEX_ADMIN_KEY).send().await.unwrap();
            r.json().await.unwrap()
        });
        listed["data"].as_array().unwrap_or_else(|| panic!("{listed}")).clone()
    };
    assert_eq!(admin("users").len(), 1);
    assert_eq!(admin("groups").len(), 1);
    assert_eq!(admin("access").len(), switchboard::demo::evolvex::EVOLVEX_CONTEXTS.len());
    let status = terminate(&mut again);
    assert!(status.success(), "exit status {status:?}");
    let mut stderr = String::new();
    again.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!stderr.contains("Evolvex API user"), "{stderr}");
}

/// The demo builds `hello-js` and `hello-py` in the background (npm, a Python venv) into its cache
/// directory, says so in its banner, and mounts each when built: polled, not waited for. A second
/// start with the same cache mounts them from the earlier build without building again.
#[test]
fn the_demo_builds_its_javascript_and_python_plugins_in_the_background_and_mounts_them() {
    crate::util::tools::debian("npm", "npm");
    let cache = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    for run in ["first", "second"] {
        let log = data.path().join(format!("{run}.log"));
        let mut child = Command::new(BIN)
            .args(["demo", "--listen", "127.0.0.1:0", "--sark-listen", "127.0.0.1:0", "--ami-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .env("XDG_CACHE_HOME", cache.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let lines = read_until(&mut child, "Press Ctrl-C", Duration::from_secs(60));
        let building = lines.iter().find(|l| l.starts_with("JavaScript and Python plugins: building in the background")).unwrap_or_else(|| panic!("{lines:#?}"));
        assert!(building.contains(&cache.path().join("switchboard/languages").display().to_string()), "{building}");
        let mut urls = Vec::new();
        for (route, language) in [("/hello-js", "JavaScript"), ("/hello-py", "Python")] {
            let line = lines.iter().find(|l| l.trim_start().starts_with(route) && l.contains(language)).unwrap_or_else(|| panic!("{route} in {lines:#?}"));
            urls.push((line.split_whitespace().nth(1).unwrap().to_string(), language));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        for (url, language) in &urls {
            let greeting = loop {
                let (status, body) = reqwest::blocking_request("GET", &format!("{url}/"), None);
                if status == 200 {
                    break body;
                }
                assert_eq!(status, 404, "{url}: not mounted yet, or answering: {body}");
                let said = std::fs::read_to_string(&log).unwrap();
                assert!(!said.contains("example is not mounted"), "{said}");
                assert!(std::time::Instant::now() < deadline, "{url} was never mounted: {said}");
                std::thread::sleep(Duration::from_millis(500));
            };
            assert_eq!(greeting, format!("Hello from {language} in the Switchboard demo\n"));
            let (status, body) = reqwest::blocking_request("POST", &format!("{url}/call"), Some("from=1001&to=1002"));
            assert_eq!(status, 202, "{url}: {body}");
            let (status, body) = reqwest::blocking_request("POST", &format!("{url}/call"), Some("from=1001&to=1002%26PJSIP/666"));
            assert_eq!(status, 422, "{url}: {body}");
        }
        assert!(terminate(&mut child).success());
        let said = std::fs::read_to_string(&log).unwrap();
        assert_eq!(said.matches("example is mounted").count(), 2, "{said}");
        let built_before = said.matches("was built before, from the same sources").count();
        assert_eq!(built_before, if run == "first" { 0 } else { 2 }, "{run} run: {said}");
    }
}

#[test]
fn serve_logs_plugin_output_attributed_to_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = crate::util::test_plugin("hostile");
    let text = crate::util::config_text(None, &format!("[[mount]]\nroute = \"/h\"\nplugin = {hostile:?}\n"));
    let path = write_config(dir.path(), &text);
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&path)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = read_until(&mut child, "mounted hostile", Duration::from_secs(60));
    let url = lines.last().unwrap().split(" -> ").nth(1).unwrap().to_string();
    assert_eq!(reqwest::blocking_get(&format!("{url}/stderr")), "ok");
    let status = terminate(&mut child);
    assert!(status.success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let plugin_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("plugin=\"hostile\"") || l.contains("plugin=hostile")).collect();
    assert!(plugin_lines.iter().any(|l| l.contains("WARN") && l.contains("hostile: first stderr line")), "{stderr}");
    assert!(plugin_lines.iter().any(|l| l.contains("WARN") && l.contains("hostile: second stderr line")), "{stderr}");
    assert!(plugin_lines.iter().any(|l| l.contains("INFO") && l.contains("hostile: one stdout line")), "{stderr}");
    assert!(plugin_lines.iter().all(|l| l.contains("route=\"/h\"") || l.contains("route=/h")), "{plugin_lines:#?}");
}

/// Tiny blocking requests (reqwest's blocking client is a feature we don't build).
mod reqwest {
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }

    /// A GET's JSON answer, whatever its status.
    pub fn json(url: &str) -> serde_json::Value {
        let text = blocking_get(url);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
    }

    /// A GET's status and body bytes.
    pub fn bytes(url: &str) -> (u16, Vec<u8>) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let response = ::reqwest::get(url).await.unwrap();
            (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
        })
    }

    /// A request with the demo's click-to-call key; a form body when given.
    pub fn blocking_request(method: &str, url: &str, form: Option<&str>) -> (u16, String) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = ::reqwest::Client::new();
            let mut request = client
                .request(method.parse().unwrap(), url)
                .header("X-Api-Key", switchboard::demo::CLICK_TO_CALL_KEY);
            if let Some(form) = form {
                request = request.header("content-type", "application/x-www-form-urlencoded").body(form.to_string());
            }
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        })
    }
}
