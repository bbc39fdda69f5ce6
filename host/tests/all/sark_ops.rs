//! The `sark` plugin's operational routes against a real store, file areas and the PBX simulator:
//! the AMI bridge on live calls (and with no PBX), originate into the given context, hostile
//! input, backups and snapshots (a restore undoes a change; readers never see half a restore),
//! greetings, call records, firewall rules, and the mount's API key, allow-list and rate limit.

use std::io::{Cursor, Read as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_sim::{Phase, Scenario};

use crate::util::client;

/// The AMI actions the routes use, as a mount grants them.
const AMI: &str = "\"CoreShowChannels\", \"CoreStatus\", \"CoreSettings\", \"Status\", \"DeviceStateList\", \"ExtensionStateList\", \
    \"ExtensionState\", \"QueueStatus\", \"QueueSummary\", \"MailboxCount\", \"MailboxStatus\", \"PJSIPShowEndpoints\", \
    \"PJSIPShowEndpoint\", \"PJSIPShowContacts\", \"SIPpeers\", \"Agents\", \"ConfbridgeList\", \"ConfbridgeListRooms\", \
    \"VoicemailUsersList\", \"IAXpeers\", \"IAXregistry\", \"Ping\", \"Reload\", \"DBGet\", \"DBPut\", \"DBDel\", \"Hangup\", \
    \"Originate Channel=Local/*, Application=\"";

crate::util::local_rig!(
    /// The host with SARK on `/api`, and the API's URL.
    Rig { url: String }
);

/// The rig with the mount's `settings` (the entries of its TOML inline table).
async fn rig_with(settings: &str) -> Rig {
    let settings = settings.to_string();
    let host = crate::util::Rig::builder()
        .prepare(|root| {
            for area in ["greetings", "backups", "firewall", "voicemail/default/1001/INBOX"] {
                std::fs::create_dir_all(root.join(area)).unwrap();
            }
            std::fs::write(root.join("greetings/usergreeting0001.wav"), wav(100)).unwrap();
            std::fs::write(root.join("voicemail/default/1001/INBOX/msg0000.txt"), b"[message]\ncallerid=1002\n").unwrap();
            std::fs::write(root.join("secret.txt"), b"TOP SECRET").unwrap();
        })
        .flavor_pbx()
        .store()
        .toml_with(|env| {
            let area = |name: &str| env.root.join(name).display().to_string();
            format!(
                "[areas]\ngreetings = {:?}\nbackups = {:?}\nfirewall = {:?}\nvoicemail = {:?}\n",
                area("greetings"),
                area("backups"),
                area("firewall"),
                area("voicemail")
            )
        })
        .mount(
            "/api",
            "sark",
            &format!(
                "settings = {{ {settings} }}\n\
                 grants = {{ sqlite = {{ pbx = \"read-write\", own = true }}, apply_changes = true, \
                 files = {{ greetings = \"read-write\", backups = \"read-write\", firewall = \"read-write\", voicemail = \"read-write\" }}, \
                 ami = [{AMI}] }}\n"
            ),
        )
        .start()
        .await;
    let url = format!("{}/api", host.base);
    Rig { host, url }
}

async fn rig() -> Rig {
    rig_with("rate-limit = \"off\"").await
}

/// A WAV file of `samples` 8 kHz 16-bit mono samples of silence.
fn wav(samples: u32) -> Vec<u8> {
    let data = samples * 2;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&[1, 0, 1, 0]);
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 16, 0]);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    out.resize(out.len() + data as usize, 0);
    out
}

/// A multipart form with one file field.
fn form(field: &str, filename: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----switchboard-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A zip of `entries`, as a client would make one.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The entries of a zip, name → bytes.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().unwrap().to_string(), data)
        })
        .collect()
}

impl Rig {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let mut request = client().request(method.parse().unwrap(), format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, String) {
        self.send("GET", path, None).await
    }

    /// A 200 answer's JSON.
    async fn json(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, text) = self.send(method, path, body).await;
        assert_eq!(status, 200, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
    }

    async fn upload(&self, path: &str, field: &str, filename: &str, data: &[u8]) -> (u16, String) {
        let (content_type, body) = form(field, filename, data);
        let response = client().post(format!("{}{path}", self.url)).header("content-type", content_type).body(body).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let response = client().get(format!("{}{path}", self.url)).send().await.unwrap();
        (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
    }

    /// The extension numbers `GET /api/extensions` lists.
    async fn extensions(&self) -> Vec<String> {
        let list = self.json("GET", "/extensions", None).await;
        let mut numbers: Vec<String> = list.as_array().unwrap().iter().map(|e| e["pkey"].as_str().unwrap_or_default().to_string()).collect();
        numbers.sort();
        numbers
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_astamis_answers_from_live_pbx_state() {
    let rig = rig().await;
    // The index, as SARK listed it.
    let index = rig.json("GET", "/astamis", None).await;
    assert_eq!(index["GetEventList"][0], "Agents");
    assert_eq!(index["PutItem"], json!({"Reload": null}));
    // No calls: an empty list is SARK's 404.
    assert_eq!(rig.get("/astamis/Status").await, (404, r#"{"message":"Empty Object set returned from AMI"}"#.into()));

    let sim = rig.sim_arc();
    let call = tokio::spawn(async move {
        sim.run(Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: Duration::from_secs(4) }).await
    });
    let mut channels = Value::Null;
    for _ in 0..100 {
        let (status, body) = rig.get("/astamis/CoreShowChannels").await;
        if status == 200 {
            channels = serde_json::from_str(&body).unwrap();
            if channels.as_array().unwrap().len() >= 3 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let list = channels.as_array().expect("CoreShowChannels lists the call");
    // SARK's shape: the response's headers first, then one object per channel, no ActionID.
    assert_eq!(list[0]["Response"], "Success", "{channels}");
    assert!(list[0].get("ActionID").is_none() && list[0].get("EventList").is_none(), "{channels}");
    let names: Vec<&str> = list[1..].iter().map(|c| c["Channel"].as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.starts_with("PJSIP/1001-")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("PJSIP/1002-")), "{names:?}");
    assert!(list[1..].iter().all(|c| c["Event"] == "CoreShowChannel"), "{channels}");
    // Instance actions: one flat object.
    let status = rig.json("GET", "/astamis/CoreStatus", None).await;
    assert_eq!(status["Response"], "Success");
    assert!(status["CoreCurrentCalls"].as_str().is_some(), "{status}");
    let settings = rig.json("GET", "/astamis/CoreSettings", None).await;
    assert!(settings["AsteriskVersion"].as_str().unwrap().starts_with("22"), "{settings}");
    let state = rig.json("GET", "/astamis/ExtensionState/1001", None).await;
    assert_eq!((state["Exten"].clone(), state["Context"].clone()), (json!("1001"), json!("switchboard-extensions")));
    let state = rig.json("GET", "/astamis/ExtensionState/1001/from-internal", None).await;
    assert_eq!(state["Context"], "from-internal");
    // On Asterisk 22 `SIPpeers` answers from the PJSIP endpoints.
    let peers = rig.json("GET", "/astamis/SIPpeers", None).await;
    assert!(peers.as_array().unwrap()[1..].iter().any(|p| p["ObjectName"] == "1001" && p["Event"] == "PeerEntry"), "{peers}");

    // Case-sensitive names; unknown actions.
    for path in ["/astamis/coreshowchannels", "/astamis/CORESTATUS", "/astamis/Command", "/astamis/Originate", "/astamis/Login"] {
        assert_eq!(rig.get(path).await, (404, r#"{"message":"AMI Action invalid or unsupported"}"#.into()), "{path}");
    }

    // Hang one leg up by its name (which holds a `/`).
    let target = names.iter().find(|n| n.starts_with("PJSIP/1002-")).unwrap().to_string();
    let (status, body) = rig.send("DELETE", &format!("/astamis/Hangup/{target}"), None).await;
    assert_eq!(status, 200, "{body}");
    let key = target.trim_start_matches("PJSIP/");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert!(answer[key].as_str().unwrap().contains("Response: Success"), "{body}");
    let mut gone = false;
    for _ in 0..100 {
        if !rig.sim().channels().iter().any(|c| c == &target) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "{target} was hung up");
    assert_eq!(rig.send("DELETE", &format!("/astamis/Hangup/{target}"), None).await, (404, r#"{"message":"No such channel"}"#.into()));
    call.await.unwrap().ok();

    // The astdb, through AMI.
    assert_eq!(rig.json("PUT", "/astamis/DBput/sarktest/color/blue", None).await, json!({"color": true}));
    assert_eq!(rig.pbx_db("sarktest", "color").await.as_deref(), Some("blue"));
    assert_eq!(rig.json("GET", "/astamis/DBget/sarktest/color", None).await, json!({"color": "blue"}));
    assert_eq!(rig.json("DELETE", "/astamis/DBdel/sarktest/color", None).await, json!({"color": true}));
    assert_eq!(rig.json("GET", "/astamis/DBget/sarktest/color", None).await, json!({"color": ""}));
    assert_eq!(rig.json("DELETE", "/astamis/DBdel/sarktest/color", None).await, json!({"color": false}));
    assert_eq!(rig.json("GET", "/astamis/Reload", None).await, json!({"Response": "Reload sent"}));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_astamis_never_reads_an_error_as_an_empty_list() {
    let rig = rig().await;
    rig.sim().set_phase(Phase::ShuttingDown);
    for path in ["/astamis/Status", "/astamis/ExtensionStateList", "/astamis/CoreShowChannels", "/astamis/PJSIPShowEndpoints", "/astamis/SIPpeers"] {
        assert_eq!(rig.get(path).await, (503, r#"{"message":"PBX not running"}"#.into()), "{path}");
    }
    assert_eq!(rig.json("GET", "/syscommands/pbxrunstate", None).await, json!({"pbxrunstate": false}));
    // Starting: the core answers, the modules' actions are not there yet.
    rig.sim().set_phase(Phase::Booting);
    let (status, body) = rig.get("/astamis/QueueStatus").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("not available now"), "{body}");
    rig.sim().set_phase(Phase::Running);
    assert_eq!(rig.get("/astamis/Status").await, (404, r#"{"message":"Empty Object set returned from AMI"}"#.into()));
    assert_eq!(rig.get("/astamis/QueueStatus").await.0, 200);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_originate_uses_the_given_context_and_checks_its_fields() {
    let rig = rig().await;
    let body = json!({"target": 1002, "caller": "1001", "context": "from-internal", "clid": "5551234"});
    assert_eq!(rig.json("POST", "/astamis/originate", Some(body)).await, json!({"message": "Request Sent"}));
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = rig.sim().channels();
        if seen.iter().any(|c| c.starts_with("Local/1001@from-internal-")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen.iter().any(|c| c.starts_with("Local/1001@from-internal-")), "the caller's leg runs in the given context: {seen:?}");

    let (status, body) = rig.send("POST", "/astamis/originate", Some(json!({}))).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        r#"{"target":["The target field is required."],"caller":["The caller field is required."],"context":["The context field is required."],"clid":["The clid field is required."]}"#
    );
    for (field, value) in [
        ("context", json!("from-internal\r\nApplication: System")),
        ("context", json!("from internal")),
        ("context", json!("a,b")),
        ("caller", json!("1001\r\nChannel: x")),
        ("caller", json!("1001@evil")),
        ("target", json!("1002&PJSIP/1003")),
        ("clid", json!("555\n1234")),
    ] {
        let mut body = json!({"target": "1002", "caller": "1001", "context": "from-internal", "clid": "5551234"});
        body[field] = value.clone();
        let (status, answer) = rig.send("POST", "/astamis/originate", Some(body)).await;
        assert_eq!(status, 422, "{field} = {value}: {answer}");
        assert!(answer.contains(&format!("\"{field}\"")), "{answer}");
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_hostile_path_segments_never_reach_ami_or_the_disk() {
    let rig = rig().await;
    let before = rig.sim().originates();
    for (method, path) in [
        ("GET", "/astamis/DBget/a%0D%0AAction:%20Originate/key"),
        ("GET", "/astamis/DBget/fam/k%0Aey"),
        ("PUT", "/astamis/DBput/fam/key/v%0D%0AAction:%20Originate"),
        ("PUT", "/astamis/DBput/fam%2F..%2Fx/key/v"),
        ("DELETE", "/astamis/DBdel/fam/k%00"),
        ("GET", "/astamis/MailboxCount/1001%0D%0AAction:%20Originate"),
        ("GET", "/astamis/QueueStatus/support%0D%0A"),
        ("GET", "/astamis/ExtensionState/1001?Context=a%0D%0Ab"),
        ("GET", "/astamis/ConfbridgeList/1%0A2"),
        ("DELETE", "/astamis/Hangup//.*/"),
        ("DELETE", "/astamis/Hangup/PJSIP/1001%0D%0AAction:%20Originate"),
        ("DELETE", "/astamis/Hangup/PJSIP"),
    ] {
        let (status, body) = rig.send(method, path, None).await;
        assert_eq!(status, 422, "{method} {path}: {body}");
    }
    assert_eq!(rig.sim().originates(), before, "nothing was originated");
    // Names of files: never a path.
    for path in [
        "/greetings/..%2F..%2Fsecret.txt",
        "/greetings/..",
        "/greetings/usergreeting0001.wav%00",
        "/greetings/%2Fetc%2Fpasswd",
        "/backups/..%2Fsecret.txt",
        "/backups/sarkbak.1.zip%2F..%2F..%2Fsecret.txt",
        "/snapshots/..%2F..%2Fsecret.txt",
        "/snapshots/sark.db.1%0A",
    ] {
        let (status, body) = rig.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("TOP SECRET"), "{path}");
    }
    for path in ["/greetings/..%2Fsecret.txt", "/backups/..%2Fsecret.txt", "/snapshots/..%2F..%2Fsecret.txt"] {
        assert_eq!(rig.send("DELETE", path, None).await.0, 404, "{path}");
    }
    assert!(rig.path("secret.txt").exists());
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_astamis_with_the_pbx_down_is_503() {
    let host = crate::util::Rig::builder()
        .store()
        .toml("[ami]\naddress = \"127.0.0.1:9\"\nusername = \"nobody\"\nsecret = \"nothing\"\n")
        .mount("/api", "sark", &format!("settings = {{ rate-limit = \"off\" }}\ngrants = {{ sqlite = {{ pbx = \"read-write\", own = true }}, ami = [{AMI}] }}\n"))
        .start()
        .await;
    let url = format!("{}/api", host.base);
    let rig = Rig { host, url };
    for path in ["/astamis/CoreShowChannels", "/astamis/CoreStatus", "/astamis/DBget/a/b", "/astamis/SIPpeers", "/astamis/Reload"] {
        assert_eq!(rig.get(path).await, (503, r#"{"message":"AMI connect failed"}"#.into()), "{path}");
    }
    // An unknown action is still unknown.
    assert_eq!(rig.get("/astamis/Nope").await.0, 404);
    assert_eq!(rig.json("GET", "/syscommands/pbxrunstate", None).await, json!({"pbxrunstate": false}));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_syscommands_commit_and_report_the_pbx() {
    let rig = rig().await;
    let index = rig.json("GET", "/syscommands", None).await;
    assert_eq!(index["pbxrunstate"], "returns PBX state (boolean)");
    let reloads = rig.sim().reloads().len();
    assert_eq!(rig.json("GET", "/syscommands/commit", None).await, json!({"message": "System Commit issued"}));
    assert!(rig.path("asterisk").read_dir().unwrap().next().is_some(), "apply-changes rendered the configuration");
    assert!(rig.sim().reloads().len() >= reloads);
    assert_eq!(rig.json("GET", "/syscommands/pbxrunstate", None).await, json!({"pbxrunstate": true}));
    for path in ["/syscommands/pbxstart", "/syscommands/start"] {
        assert_eq!(rig.get(path).await, (503, r#"{"message":"PBX already running"}"#.into()), "{path}");
    }
    // Stopping and rebooting go through the host's pbx-control, which this host does not offer.
    for path in ["/syscommands/pbxstop", "/syscommands/stop", "/syscommands/reboot"] {
        let (status, body) = rig.get(path).await;
        assert!(status == 403 || status == 503, "{path}: {status} {body}");
    }
    assert_eq!(rig.get("/syscommands/Commit").await.0, 404);
    rig.stop().await;

    // With the host's commands configured and granted: what they say, never a shell.
    let host = crate::util::Rig::builder()
        .flavor_pbx()
        .store()
        .toml("[pbx_control]\nreboot = [\"/bin/true\"]\nstop = [\"/bin/false\"]\n")
        .mount("/api", "sark", "settings = { rate-limit = \"off\" }\ngrants = { ami = [\"Ping\"], pbx_control = [\"reboot\", \"stop\"] }\n")
        .start()
        .await;
    let url = format!("{}/api", host.base);
    let rig = Rig { host, url };
    assert_eq!(rig.json("GET", "/syscommands/reboot", None).await, json!({"message": "Reboot issued"}));
    let (status, body) = rig.get("/syscommands/pbxstop").await;
    assert_eq!(status, 500, "{body}");
    assert!(body.starts_with(r#"{"message":"Could not stop the PBX: "#), "{body}");
    let (status, body) = rig.get("/syscommands/start").await;
    assert_eq!((status, body.as_str()), (503, r#"{"message":"PBX already running"}"#));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_backup_change_restore_round_trip() {
    let rig = rig().await;
    rig.sql("INSERT INTO extensions (number, name, secret) VALUES ('2001', 'Backed Up', 'pw2001')");
    let before = rig.extensions().await;
    assert!(before.contains(&"2001".to_string()));

    let made = rig.json("GET", "/backups/new", None).await;
    let name = made["newbackupname"].as_str().unwrap().to_string();
    assert!(name.starts_with("sarkbak.") && name.ends_with(".zip"), "{name}");
    let list = rig.json("GET", "/backups", None).await;
    assert!(list[&name]["filesize"].as_i64().unwrap() > 0, "{list}");
    assert!(list[&name]["date"].as_str().unwrap().len() > 20, "{list}");
    let (status, zip) = rig.bytes(&format!("/backups/{name}")).await;
    assert_eq!(status, 200);
    let entries: Vec<String> = unzip(&zip).into_iter().map(|(n, _)| n).collect();
    for expected in ["model.json", "greetings/usergreeting0001.wav", "voicemail/default/1001/INBOX/msg0000.txt"] {
        assert!(entries.iter().any(|e| e == expected), "{expected} in {entries:?}");
    }

    // Change everything the backup holds.
    rig.sql("DELETE FROM extensions WHERE number = '2001'; INSERT INTO extensions (number, name) VALUES ('2002', 'After');");
    std::fs::remove_file(rig.path("greetings/usergreeting0001.wav")).unwrap();
    std::fs::write(rig.path("greetings/usergreeting0002.wav"), wav(10)).unwrap();
    std::fs::remove_dir_all(rig.path("voicemail/default/1001")).unwrap();
    assert_ne!(rig.extensions().await, before);

    let body = json!({"restoredb": true, "restoreusergreeting": "1", "restorevmail": 1, "restoreasterisk": true, "restoreldap": true});
    let answer = rig.json("PUT", &format!("/backups/{name}"), Some(body)).await;
    assert_eq!(answer["restored"], name.as_str());
    assert!(answer["restoreldap"].as_str().unwrap().starts_with("not supported"), "{answer}");
    assert_eq!(rig.extensions().await, before, "the change is undone");
    assert_eq!(rig.count("SELECT COUNT(*) FROM ps_endpoints WHERE id = '2001'"), 1, "the extension's endpoint is back");
    assert!(rig.path("greetings/usergreeting0001.wav").exists());
    assert!(!rig.path("greetings/usergreeting0002.wav").exists(), "greetings are replaced by the backup's");
    assert!(rig.path("voicemail/default/1001/INBOX/msg0000.txt").exists());

    // Parts not asked for stay as they are.
    rig.sql("INSERT INTO extensions (number, name) VALUES ('2003', 'Kept')");
    rig.json("PUT", &format!("/backups/{name}"), Some(json!({"restorevmail": false}))).await;
    assert!(rig.extensions().await.contains(&"2003".to_string()));
    let (status, body) = rig.send("PUT", &format!("/backups/{name}"), Some(json!({"restoredb": "yes"}))).await;
    assert_eq!((status, body.as_str()), (422, r#"{"restoredb":["The restoredb field must be true or false."]}"#));

    // Upload: a zip under a name of its own, anything else refused.
    let (status, body) = rig.upload("/backups", "uploadzip", "mine.zip", &zip).await;
    assert_eq!(status, 200, "{body}");
    let uploaded: Value = serde_json::from_str(&body).unwrap();
    let stored = uploaded[0].as_str().unwrap().trim_start_matches("Uploaded bkups/").to_string();
    assert!(stored.starts_with("sarkbak.") && stored != name, "{body}");
    assert_eq!(rig.bytes(&format!("/backups/{stored}")).await.1, zip);
    let (status, body) = rig.upload("/backups", "uploadzip", "x.zip", b"not a zip at all").await;
    assert_eq!((status, body.as_str()), (422, r#"{"uploadzip":["The uploadzip must be a file of type: application\/zip."]}"#));
    let (status, body) = rig.send("POST", "/backups", Some(json!({}))).await;
    assert_eq!((status, body.as_str()), (422, r#"{"uploadzip":["The uploadzip field is required."]}"#));
    // A zip with an entry that climbs out is refused before anything changes.
    let evil = zip_of(&[("greetings/../../secret.txt", b"pwned"), ("model.json", b"{}")]);
    let (status, body) = rig.upload("/backups", "uploadzip", "sarkbak.1.zip", &evil).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = rig.send("PUT", "/backups/sarkbak.1.zip", Some(json!({"restoreusergreeting": true}))).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(std::fs::read(rig.path("secret.txt")).unwrap(), b"TOP SECRET");

    assert_eq!(rig.send("DELETE", &format!("/backups/{stored}"), None).await.0, 204);
    assert_eq!(
        rig.send("DELETE", &format!("/backups/{stored}"), None).await,
        (404, format!(r#"{{"Error":"{stored} not found in backup set"}}"#))
    );
    assert_eq!(rig.send("PUT", "/backups/sarkbak.9.zip", Some(json!({"restoredb": true}))).await, (404, r#"{"Error":"backup file not found"}"#.into()));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_snapshot_restore_is_one_transaction_under_concurrent_reads() {
    let rig = rig().await;
    let mut seed = String::new();
    for n in 3000..3200 {
        seed.push_str(&format!("INSERT INTO extensions (number, name, secret) VALUES ('{n}', 'Snap {n}', 'pw{n}');"));
    }
    rig.sql(&seed);
    let state_a = rig.extensions().await;
    let a = rig.json("GET", "/snapshots/new", None).await["newsnapshotname"].as_str().unwrap().to_string();
    rig.sql("DELETE FROM extensions WHERE number >= '3100' AND number < '3200'; INSERT INTO extensions (number, name) VALUES ('4000', 'Only in B');");
    let state_b = rig.extensions().await;
    let b = rig.json("GET", "/snapshots/new", None).await["newsnapshotname"].as_str().unwrap().to_string();
    assert_ne!(a, b);
    assert_ne!(state_a.len(), state_b.len());
    let list = rig.json("GET", "/snapshots", None).await;
    assert!(list.get(&a).is_some() && list.get(&b).is_some(), "{list}");

    // Readers hammer the list while snapshots are restored back and forth.
    let stop = Arc::new(AtomicBool::new(false));
    let url = rig.url.clone();
    let (len_a, len_b) = (state_a.len(), state_b.len());
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, url) = (stop.clone(), url.clone());
            tokio::spawn(async move {
                let mut reads = 0;
                while !stop.load(Ordering::Relaxed) {
                    let list: Value = client().get(format!("{url}/extensions")).send().await.unwrap().json().await.unwrap();
                    let n = list.as_array().unwrap().len();
                    assert!(n == len_a || n == len_b, "a reader saw {n} extensions, neither {len_a} nor {len_b}");
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for round in 0..6 {
        let (name, want) = if round % 2 == 0 { (&a, &state_a) } else { (&b, &state_b) };
        assert_eq!(rig.json("PUT", &format!("/snapshots/{name}"), None).await, json!({"restored": name}));
        assert_eq!(&rig.extensions().await, want, "after restoring {name}");
    }
    stop.store(true, Ordering::Relaxed);
    let mut reads = 0;
    for reader in readers {
        reads += reader.await.unwrap();
    }
    assert!(reads > 6, "the readers ran ({reads} reads)");

    // A snapshot with a row the schema refuses changes nothing.
    let (_, zip) = rig.bytes(&format!("/snapshots/{a}")).await;
    let mut model: Value = serde_json::from_slice(&unzip(&zip).into_iter().find(|(n, _)| n == "model.json").unwrap().1).unwrap();
    let extensions = model["pbx"].as_array_mut().unwrap().iter_mut().find(|t| t["table"] == "extensions").unwrap();
    let width = extensions["columns"].as_array().unwrap().len();
    let mut bad = extensions["rows"][0].clone();
    bad[0] = json!("not-a-number");
    extensions["rows"].as_array_mut().unwrap().push(bad);
    assert_eq!(width, extensions["rows"][0].as_array().unwrap().len());
    let broken = zip_of(&[("model.json", &serde_json::to_vec(&model).unwrap())]);
    let (status, body) = rig.upload("/snapshots", "uploadsnap", "sark.db.42", &broken).await;
    assert_eq!((status, body.as_str()), (200, r#"["Uploaded snaps\/sark.db.42"]"#));
    let now = rig.extensions().await;
    let (status, body) = rig.send("PUT", "/snapshots/sark.db.42", None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("extensions"), "{body}");
    assert_eq!(rig.extensions().await, now, "nothing changed");
    // Uploads must be snapshots.
    let (status, body) = rig.upload("/snapshots", "uploadsnap", "sark.db.43", &zip_of(&[("other.txt", b"x")])).await;
    assert_eq!((status, body.as_str()), (422, r#"{"uploadsnap":["The uploadsnap holds no model.json."]}"#));
    assert_eq!(rig.send("DELETE", "/snapshots/sark.db.42", None).await.0, 204);
    assert_eq!(rig.send("PUT", "/snapshots/sark.db.42", None).await, (404, r#"{"Error":"snapshot file not found"}"#.into()));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_greetings_are_checked_by_name_content_and_size() {
    let rig = rig().await;
    assert_eq!(rig.json("GET", "/greetings", None).await, json!(["usergreeting0001.wav"]));
    let sound = wav(400);
    assert_eq!(rig.upload("/greetings", "greeting", "usergreeting1234.wav", &sound).await, (200, r#"["Uploaded usergreeting1234.wav"]"#.into()));
    assert_eq!(std::fs::read(rig.path("greetings/usergreeting1234.wav")).unwrap(), sound);
    assert_eq!(rig.json("GET", "/greetings", None).await, json!(["usergreeting1234.wav", "usergreeting0001.wav"]));
    let response = client().get(format!("{}/greetings/usergreeting1234.wav", rig.url)).send().await.unwrap();
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=usergreeting1234.wav");
    assert_eq!(response.bytes().await.unwrap().to_vec(), sound);

    let mp3 = [&[0xff, 0xfb, 0x90, 0x64][..], &[0u8; 400]].concat();
    assert_eq!(rig.upload("/greetings", "greeting", "C:\\Users\\me\\usergreeting0042.mp3", &mp3).await.0, 200);
    assert!(rig.path("greetings/usergreeting0042.mp3").exists());

    let exists = (422, r#"{"Message":"UserGreeting Already exists"}"#.to_string());
    assert_eq!(rig.upload("/greetings", "greeting", "usergreeting1234.wav", &sound).await, exists);
    let bad_name = (422, r#"{"Message":"File name must be of the form usergreetingxxxx.{mp3|wav}"}"#.to_string());
    for name in ["greeting.wav", "usergreeting12.wav", "usergreeting1234.ogg", "usergreeting1234.wav.php"] {
        assert_eq!(rig.upload("/greetings", "greeting", name, &sound).await, bad_name, "{name}");
    }
    let bad_type = (422, r#"{"greeting":["The greeting must be a file of type: wav, mpeg."]}"#.to_string());
    assert_eq!(rig.upload("/greetings", "greeting", "usergreeting2000.wav", b"<?php system($_GET['c']); ?>").await, bad_type);
    assert_eq!(rig.upload("/greetings", "greeting", "usergreeting2000.wav", &mp3).await, bad_type, "an MP3 named .wav");
    assert_eq!(rig.upload("/greetings", "greeting", "usergreeting2000.mp3", &sound).await, bad_type, "a WAV named .mp3");
    let big = wav(6 * 1024 * 1024);
    assert_eq!(
        rig.upload("/greetings", "greeting", "usergreeting2000.wav", &big).await,
        (422, r#"{"greeting":["The greeting may not be greater than 10240 kilobytes."]}"#.into())
    );
    assert_eq!(rig.upload("/greetings", "other", "usergreeting2000.wav", &sound).await, (422, r#"{"greeting":["The greeting field is required."]}"#.into()));
    assert!(!rig.path("greetings/usergreeting2000.wav").exists() && !rig.path("greetings/usergreeting2000.mp3").exists());

    assert_eq!(rig.send("DELETE", "/greetings/usergreeting1234.wav", None).await.0, 204);
    assert!(!rig.path("greetings/usergreeting1234.wav").exists());
    assert_eq!(
        rig.send("DELETE", "/greetings/usergreeting1234.wav", None).await,
        (404, r#"{"Error":"usergreeting1234.wav not found in sounds set"}"#.into())
    );
    assert_eq!(rig.get("/greetings/usergreeting1234.wav").await, (404, r#"{"reason":"Not Found!"}"#.into()));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_cdrs_with_and_without_a_limit() {
    let rig = rig().await;
    rig.sql(
        "INSERT INTO cdr (calldate, answer, end, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, uniqueid) VALUES
         ('2024-05-01 10:00:00', '2024-05-01 10:00:05', '2024-05-01 10:01:00', '\"Alice\" <1001>', '1001', '1002', 'from-internal', 'PJSIP/1001-01', 'PJSIP/1002-02', 'Dial', 'PJSIP/1002,30', 60, 55, 'ANSWERED', 'u1'),
         ('2024-05-01 11:00:00', NULL, '2024-05-01 11:00:20', '', '1002', '1003', 'from-internal', 'PJSIP/1002-03', '', 'Dial', '', 20, 0, 'NO ANSWER', 'u2'),
         ('2024-05-01 12:00:00', NULL, '2024-05-01 12:00:01', '', '1003', '1001', 'from-internal', 'PJSIP/1003-04', '', 'Dial', '', 1, 0, 'BUSY', 'u3');",
    );
    assert_eq!(rig.json("GET", "/logs", None).await, json!({"Log": "Master.csv"}));
    let response = client().get(format!("{}/logs/cdrs", rig.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=Master."));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert_eq!(
        lines[0],
        r#""","1001","1002","from-internal","""Alice"" <1001>","PJSIP/1001-01","PJSIP/1002-02","Dial","PJSIP/1002,30","2024-05-01 10:00:00","2024-05-01 10:00:05","2024-05-01 10:01:00",60,55,"ANSWERED","DOCUMENTATION","u1","""#
    );
    assert!(lines[1].contains(r#""2024-05-01 11:00:00",,"2024-05-01 11:00:20",20,0,"NO ANSWER""#), "{}", lines[1]);
    // The last rows, as `tail -n` would give them.
    let (status, last_two) = rig.get("/logs/cdrs/2").await;
    assert_eq!(status, 200);
    assert_eq!(last_two.lines().collect::<Vec<_>>(), lines[1..]);
    assert_eq!(rig.get("/logs/cdrs/100").await.1, csv);
    let json: Value = client().get(format!("{}/logs/cdrs/1", rig.url)).header("accept", "application/json").send().await.unwrap().json().await.unwrap();
    assert_eq!(json[0]["src"], "1003");
    assert_eq!(json[0]["disposition"], "BUSY");
    for (limit, message) in [("0", "The limit must be at least 1."), ("-1", "The limit must be at least 1."), ("abc", "The limit must be an integer."), ("1000001", "The limit may not be greater than 100000.")] {
        assert_eq!(rig.get(&format!("/logs/cdrs/{limit}")).await, (422, format!(r#"{{"limit":["{message}"]}}"#)), "{limit}");
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_firewall_rules_are_checked_stored_and_rendered() {
    let rig = rig().await;
    assert_eq!(rig.json("GET", "/firewalls/ipv4", None).await, json!([]));
    let rules = json!(["#ACTION SOURCE DEST PROTO DPORT", "ACCEPT net:192.168.1.0/24 $FW tcp 22", "SIP/ACCEPT net fw", "Ping(ACCEPT) net fw"]);
    assert_eq!(rig.json("POST", "/firewalls/ipv4", Some(json!({"rules": rules}))).await, json!({"message": "saved sark_rules"}));
    assert_eq!(rig.json("GET", "/firewalls/ipv4", None).await, json!({"rules": rules}));
    let rendered = std::fs::read_to_string(rig.path("firewall/sark_rules")).unwrap();
    assert!(rendered.ends_with("ACCEPT net:192.168.1.0/24 $FW tcp 22\nSIP/ACCEPT net fw\nPing(ACCEPT) net fw\n"), "{rendered}");
    assert_eq!(rig.json("GET", "/firewalls/ipv6", None).await, json!([]), "the IPv6 rules are their own");

    for (line, index) in [("?SHELL rm -rf /", 1), ("ACCEPT net fw tcp 22; reboot", 1), ("INCLUDE /etc/passwd", 1), ("ACCEPT net", 1), ("ACCEPT net fw tcp `id`", 1)] {
        let (status, body) = rig.send("POST", "/firewalls/ipv4", Some(json!({"rules": ["ACCEPT net fw tcp 80", line]}))).await;
        assert_eq!(status, 422, "{line}: {body}");
        assert!(body.starts_with(&format!(r#"{{"rules.{index}":["Line 2 is not a Shorewall rule"#)), "{body}");
    }
    assert_eq!(std::fs::read_to_string(rig.path("firewall/sark_rules")).unwrap(), rendered, "a refused set changes nothing");
    assert_eq!(rig.send("POST", "/firewalls/ipv4", Some(json!({}))).await, (422, r#"{"rules":["The rules field is required."]}"#.into()));

    let (status, body) = rig.send("PUT", "/firewalls/ipv4", None).await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("sark_rules"), "{body}");
    assert_eq!(rig.json("POST", "/firewalls/ipv6", Some(json!({"rules": ["ACCEPT net fw tcp 443"]}))).await, json!({"message": "saved sark_rules"}));
    assert_eq!(std::fs::read_to_string(rig.path("firewall/sark_rules6")).unwrap().lines().last(), Some("ACCEPT net fw tcp 443"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_api_key_and_allow_list() {
    let rig = rig_with("rate-limit = \"off\", api-key = \"sark-test-key\"").await;
    let c = client();
    let r = c.get(format!("{}/tenants", rig.url)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.text().await.unwrap(), r#"{"message":"Unauthenticated."}"#);
    assert_eq!(c.get(format!("{}/tenants", rig.url)).header("x-api-key", "wrong").send().await.unwrap().status(), 401);
    assert_eq!(c.get(format!("{}/tenants", rig.url)).header("x-api-key", "sark-test-key").send().await.unwrap().status(), 200);
    assert_eq!(c.get(format!("{}/astamis", rig.url)).bearer_auth("sark-test-key").send().await.unwrap().status(), 200);
    rig.stop().await;

    let rig = rig_with("rate-limit = \"off\", allow-from = \"10.0.0.0/8, 2001:db8::/32\"").await;
    let r = client().get(format!("{}/tenants", rig.url)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.text().await.unwrap(), r#"{"message":"This action is unauthorized."}"#);
    rig.stop().await;
    let rig = rig_with("allow-from = \"10.0.0.0/8, 127.0.0.0/8\"").await;
    assert_eq!(rig.get("/tenants").await.0, 200);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sark_rate_limit_answers_429_with_laravels_headers() {
    let rig = rig_with("rate-limit = \"3/60\"").await;
    let c = client();
    for remaining in ["2", "1", "0"] {
        let r = c.get(format!("{}/astamis", rig.url)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        assert_eq!(r.headers()["x-ratelimit-remaining"], remaining);
    }
    // Errors count and carry the headers too.
    let r = c.get(format!("{}/nothing", rig.url)).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let reset: u64 = r.headers()["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(reset >= now && reset <= now + 61, "X-RateLimit-Reset is a time: {reset} vs {now}");
    assert_eq!(r.headers()["x-ratelimit-limit"], "3");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(r.text().await.unwrap(), r#"{"message":"Too Many Attempts."}"#);
    rig.stop().await;

    // The default is Laravel's 60 a minute.
    let rig = rig_with("").await;
    let r = client().get(format!("{}/astamis", rig.url)).send().await.unwrap();
    assert_eq!((r.headers()["x-ratelimit-limit"].to_str().unwrap(), r.headers()["x-ratelimit-remaining"].to_str().unwrap()), ("60", "59"));
    rig.stop().await;
}
