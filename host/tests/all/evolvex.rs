//! The built-in `evolvex` plugin (`/api/index/…` and `/pbx/api/index/…`) against a real store,
//! real recordings on disk and the PBX simulator: API keys (missing, wrong, disabled user, the
//! lock-out), contexts outside the user's groups, `check`, `status`, `originate` (what AMI
//! actually received), `get_log_cdr` (window, offset, contexts, columns, paging) and the admin
//! resource (auth, CRUD, conflicts, keys stored only as SHA-256).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use switchboard::ami::Message;
use switchboard_sim::{ExtenSeed, PbxSeed, Phase};

use crate::util::client;

const ADMIN: &str = "evolvex-test-admin-key";
/// Alice: group `office`, context `from-internal`.
const ALICE: &str = "11111111-2222-3333-4444-555555555555";
/// Bob: group `office`, disabled.
const BOB: &str = "22222222-3333-4444-5555-666666666666";
/// Carol: group `sales`, contexts `sales` and `sales-2`.
const CAROL: &str = "33333333-4444-5555-6666-777777777777";
const OFFICE: &str = "4c343af6-4a91-469a-a717-f682e52c830f";
const SALES: &str = "5d454bf7-5b02-47ab-b828-0793f63d9410";
/// The mounts' `utc-offset`: Moscow, as the seed's Evolvex box ran.
const OFFSET: i64 = 3 * 3600;

crate::util::local_rig!(
    /// The host with Evolvex on `/api/index` and `/pbx/api/index` (sharing users), and one more
    /// mount without `admin-key` on `/noadmin/api/index`.
    Rig { url: String, pbx_url: String, noadmin_url: String }
);

/// The mount's keys: the admin key, the offset, and every grant the methods use.
fn mount(admin: bool) -> String {
    let admin = if admin { format!("admin-key = \"{ADMIN}\", ") } else { String::new() };
    format!(
        "settings = {{ {admin}utc-offset = \"+03:00\" }}\n\
         limits = {{ timeout_ms = 60000 }}\n\
         grants = {{ ami = [\"Status\", \"Originate Application=\"], sqlite = {{ pbx = {{ read = [\"cdr\"] }}, own = true }}, \
         files = {{ recordings = \"read-only\" }} }}\n"
    )
}

/// Recordings on disk: a MixMonitor default name at the area's root, one under a date folder
/// (named by `recordingfile`), one in the sales context, and a secret outside the area.
fn recordings(root: &Path) {
    let rec = root.join("recordings");
    std::fs::create_dir_all(rec.join("2024/10/30")).unwrap();
    std::fs::write(rec.join("1730267955.2409.wav"), b"RIFF-default-name").unwrap();
    std::fs::write(rec.join("2024/10/30/out-1001.wav"), b"RIFF-dated").unwrap();
    std::fs::write(rec.join("2024/10/30/sales.wav"), b"RIFF-sales").unwrap();
    std::fs::write(root.join("secret.wav"), b"TOP SECRET").unwrap();
}

/// One `cdr` row: `calldate` and `end` the same UTC text, the rest named.
fn cdr_row(calldate: &str, dcontext: &str, uniqueid: &str, linkedid: &str, recordingfile: &str) -> String {
    format!(
        "INSERT INTO cdr (calldate, answer, \"end\", clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, \
         disposition, amaflags, accountcode, uniqueid, linkedid, peeraccount, sequence, userfield, recordingfile) VALUES \
         ('{calldate}', NULL, '{calldate}', '\"Сергей\" <79123456789>', '79123456789', '110', '{dcontext}', 'Local/110@{dcontext}-00000167;2', \
         'PJSIP/1001-000002a0', 'Dial', 'PJSIP/1001,60,t', 7, 0, 'NO ANSWER', 3, '', '{uniqueid}', '{linkedid}', '', 1923, '', '{recordingfile}');\n"
    )
}

/// Calls with recordings, for `check`: by MixMonitor's name, by `recordingfile`, in sales, one
/// whose `recordingfile` leaves the area, one without a file.
fn recording_cdrs() -> String {
    [
        cdr_row("2024-10-30 06:59:15", "from-internal", "1730267955.2409", "1730267935.2405", ""),
        cdr_row("2024-10-30 07:00:00", "from-internal", "1730268000.1", "1730268000.1", "2024/10/30/out-1001.wav"),
        cdr_row("2024-10-30 07:00:00", "from-internal", "1730268000.2", "1730268000.1", ""),
        cdr_row("2024-10-30 08:00:00", "sales", "1730271600.5", "1730271600.5", "2024/10/30/sales.wav"),
        cdr_row("2024-10-30 09:00:00", "from-internal", "1730275200.9", "1730275200.9", "../secret.wav"),
        cdr_row("2024-10-30 09:30:00", "from-internal", "1730277000.3", "1730277000.3", ""),
    ]
    .concat()
}

async fn rig() -> Rig {
    rig_with("[auth_throttle]\nfree_failures = 1000\n").await
}

/// The rig with `toml` (an `[auth_throttle]` policy) and the users created through the admin
/// resource.
async fn rig_with(toml: &str) -> Rig {
    let mut pbx = PbxSeed::demo().with_ring(Duration::from_millis(10));
    pbx.dialplan.push(ExtenSeed::new("sales", "100", &["NoOp(sales hold)", "Answer", "Wait(60)", "Hangup"]));
    let host = crate::util::Rig::builder()
        .prepare(recordings)
        .pbx(pbx)
        .store()
        .toml(toml)
        .toml_with(|env| format!("[areas]\nrecordings = {:?}\n", env.root.join("recordings").display().to_string()))
        .mount("/api/index", "evolvex", &mount(true))
        .mount("/pbx/api/index", "evolvex", &mount(true))
        .mount("/noadmin/api/index", "evolvex", &mount(false))
        .seed(&recording_cdrs())
        .start()
        .await;
    let rig = Rig {
        url: format!("{}/api/index", host.base),
        pbx_url: format!("{}/pbx/api/index", host.base),
        noadmin_url: format!("{}/noadmin/api/index", host.base),
        host,
    };
    for (uuid, name) in [(OFFICE, "office"), (SALES, "sales")] {
        rig.admin_ok(Method::POST, "/groups", json!({"uuid": uuid, "name": name, "description": "Группа"}), 201).await;
    }
    for (context, group) in [("from-internal", OFFICE), ("sales", SALES), ("sales-2", SALES)] {
        rig.admin_ok(Method::POST, "/access", json!({"name": context, "description": "Маршрутизация", "group_uuid": group}), 201).await;
    }
    for (name, key, group, enable) in [("alice", ALICE, OFFICE, "yes"), ("bob", BOB, OFFICE, "no"), ("carol", CAROL, SALES, "yes")] {
        rig.admin_ok(Method::POST, "/users", json!({"name": name, "api_key": key, "group_uuid": group, "enable": enable}), 201).await;
    }
    rig
}

impl Rig {
    /// GET `url/<method>` with `query`; status and JSON body.
    async fn get_at(&self, url: &str, method: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let r = client().get(format!("{url}/{method}")).query(query).send().await.unwrap();
        json_of(r).await
    }

    async fn get(&self, method: &str, query: &[(&str, &str)]) -> (u16, Value) {
        self.get_at(&self.url, method, query).await
    }

    /// POST `url/<method>` with a urlencoded form.
    async fn post_form(&self, method: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let r = client().post(format!("{}/{method}", self.url)).form(form).send().await.unwrap();
        json_of(r).await
    }

    /// `data` of a 200 answer.
    async fn data(&self, method: &str, query: &[(&str, &str)]) -> Value {
        let (status, body) = self.get(method, query).await;
        assert_eq!(status, 200, "{method} {query:?}: {body}");
        body["data"].clone()
    }

    /// An admin request with the right key (`X-Admin-Key`).
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = client().request(method, format!("{}/admin{path}", self.url)).header("x-admin-key", ADMIN);
        if let Some(body) = body {
            req = req.json(&body);
        }
        json_of(req.send().await.unwrap()).await
    }

    async fn admin_ok(&self, method: Method, path: &str, body: Value, status: u16) -> Value {
        let (got, answer) = self.admin(method.clone(), path, Some(body)).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer["data"].clone()
    }

    /// Status of the PBX as the test's own AMI connection sees it, with `variables` read.
    async fn ami_status(&self, variables: &str) -> Vec<Message> {
        let action = Message::new().with("Action", "Status").with("Variables", variables);
        self.ami().send(action).await.unwrap().events
    }

    /// The simulator's channels, once `wanted` of them exist (a poll, not a deadline).
    async fn channels(&self, wanted: usize) -> Vec<String> {
        for _ in 0..500 {
            let channels = self.sim().channels();
            if channels.len() >= wanted {
                return channels;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{wanted} channels never appeared: {:?}", self.sim().channels());
    }
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}")))
}

/// The keys of each object of `{"data": [ … ]}` in the order the text has them.
fn data_keys(text: &str) -> Vec<Vec<String>> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some((key, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                        keys.push(key);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    #[derive(serde::Deserialize)]
    struct Data {
        data: Vec<Keys>,
    }
    serde_json::from_str::<Data>(text).unwrap().data.into_iter().map(|k| k.0).collect()
}

/// GET `url/<method>` with `query`: the body's text.
async fn text_of(url: &str, method: &str, query: &[(&str, &str)]) -> String {
    let r = client().get(format!("{url}/{method}")).query(query).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// Every method (the file routes and uploads are tested in depth in `evolvex_media`).
const METHODS: [&str; 7] = ["check", "status", "originate", "get_log_cdr", "get_file_wav", "get_file_mp3", "uploads"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_every_method_needs_the_key_of_an_enabled_user() {
    let rig = rig().await;
    for url in [&rig.url, &rig.pbx_url] {
        for method in METHODS {
            for query in [vec![], vec![("api_key", "")], vec![("api_key", "not-a-key")], vec![("api_key", "11111111-2222-3333-4444-555555555556")]] {
                let (status, body) = rig.get_at(url, method, &query).await;
                assert_eq!((status, code(&body)), (401, "unauthorized"), "{url}/{method} {query:?}: {body}");
            }
            // Bob's key is right, but Bob is disabled: 403 on every method, before anything else.
            let (status, body) = rig.get_at(url, method, &[("api_key", BOB), ("context", "from-internal")]).await;
            assert_eq!((status, code(&body)), (403, "user_disabled"), "{url}/{method}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains("bob"), "{body}");
        }
    }
    // The key in a POST form works like the query; the query wins over the form.
    let (status, body) = rig.post_form("check", &[("api_key", ALICE)]).await;
    assert_eq!((status, body["data"]["api_user"]["name"].as_str()), (200, Some("alice")));
    let r = client().post(format!("{}/check?api_key={ALICE}", rig.url)).form(&[("api_key", BOB)]).send().await.unwrap();
    assert_eq!(json_of(r).await.1["data"]["api_user"]["name"], "alice");
    let r = client().post(format!("{}/check?api_key=wrong", rig.url)).form(&[("api_key", ALICE)]).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A multipart form's text fields count too; its files do not.
    let form = switchboard_sdk::multipart::form("b0undary", &[("api_key", None, ALICE.as_bytes()), ("context", None, b"from-internal"), ("uniqueid", Some("x.wav"), b"1.2")]);
    let r = client().post(format!("{}/check", rig.url)).header("content-type", "multipart/form-data; boundary=b0undary").body(form).send().await.unwrap();
    let (status, body) = json_of(r).await;
    assert_eq!((status, body["data"]["access"]["name"].as_str(), &body["data"]["file"]), (200, Some("from-internal"), &json!(false)), "{body}");
    // Other methods and routes: the API's error shape.
    let r = client().delete(format!("{}/check", rig.url)).send().await.unwrap();
    assert_eq!(r.headers()["allow"], "GET, HEAD, POST");
    assert_eq!(json_of(r).await, (405, json!({"error": {"code": "method_not_allowed", "message": "DELETE is not allowed on /check"}})));
    let (status, body) = rig.get("nothing", &[("api_key", ALICE)]).await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_wrong_keys_lock_the_client_out() {
    let rig = rig_with("[auth_throttle]\nfree_failures = 2\nfirst_lock_ms = 600000\nmax_lock_ms = 600000\n").await;
    for _ in 0..2 {
        assert_eq!(rig.get("check", &[("api_key", "wrong-key")]).await.0, 401);
    }
    let r = client().get(format!("{}/check?api_key=wrong-key", rig.url)).send().await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0);
    assert_eq!(code(&json_of(r).await.1), "too_many_attempts");
    // While locked, even the right key gets nothing.
    let (status, body) = rig.get("status", &[("api_key", ALICE)]).await;
    assert_eq!((status, code(&body)), (429, "too_many_attempts"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_check_shows_the_user_the_context_and_whether_a_recording_exists() {
    let rig = rig().await;
    let data = rig.data("check", &[("api_key", ALICE), ("context", "from-internal")]).await;
    let access_uuid = data["access"]["uuid"].as_str().unwrap().to_string();
    let user_uuid = data["api_user"]["uuid"].as_str().unwrap().to_string();
    assert_eq!(
        data,
        json!({
            "api_user": {"uuid": user_uuid, "name": "alice", "description": "", "enable": "yes", "api_key": ALICE, "group_uuid": OFFICE},
            "access": {"uuid": access_uuid, "name": "from-internal", "description": "Маршрутизация", "group_uuid": OFFICE},
            "file": false
        })
    );
    // Keys are the same on both mounts: one plugin, one own database.
    let (status, body) = rig.get_at(&rig.pbx_url, "check", &[("api_key", ALICE)]).await;
    assert_eq!((status, &body["data"]["api_user"]["uuid"]), (200, &json!(user_uuid)));
    assert_eq!(body["data"]["access"], Value::Null);
    // A context outside the user's groups: no access (check says so, it does not refuse).
    for context in ["sales", "From-Internal", "from-internal ", "nothing"] {
        let data = rig.data("check", &[("api_key", ALICE), ("context", context)]).await;
        assert_eq!(data["access"], Value::Null, "{context}");
    }
    assert_eq!(rig.data("check", &[("api_key", CAROL), ("context", "sales-2")]).await["access"]["name"], "sales-2");

    // Recordings: by MixMonitor's default name, by recordingfile (for every leg, and by linkedid).
    let file = |key: &'static str, uniqueid: &'static str| {
        let rig = &rig;
        async move { rig.data("check", &[("api_key", key), ("uniqueid", uniqueid)]).await["file"].clone() }
    };
    assert_eq!(file(ALICE, "1730267955.2409").await, true);
    assert_eq!(file(ALICE, "1730267935.2405").await, true, "the call's linkedid");
    assert_eq!(file(ALICE, "1730268000.1").await, true);
    assert_eq!(file(ALICE, "1730268000.2").await, true, "the other leg of the same call");
    // Sales' call: not Alice's (a `false`, not a refusal), Carol's.
    assert_eq!(file(ALICE, "1730271600.5").await, false);
    assert_eq!(file(CAROL, "1730271600.5").await, true);
    assert_eq!(file(CAROL, "1730267955.2409").await, false);
    // A recordingfile that leaves the area, a call without a file, no such call.
    assert_eq!(file(ALICE, "1730275200.9").await, false);
    assert_eq!(file(ALICE, "1730277000.3").await, false);
    assert_eq!(file(ALICE, "1.2").await, false);
    // A uniqueid that is not one is refused, naming it: never a path.
    for bad in ["../secret", "1730267955.2409/../../secret", "1730267955", "x.1", "1.2\n"] {
        let (status, body) = rig.get("check", &[("api_key", ALICE), ("uniqueid", bad)]).await;
        assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{bad:?}");
        assert!(body["error"]["message"].as_str().unwrap().contains("`uniqueid`"));
    }
    rig.stop().await;
}

/// Places a call from `phone` into `exten`@`context` through the test's own AMI connection.
async fn call_through_ami(rig: &Rig, phone: &str, context: &str) {
    let action = Message::new()
        .with("Action", "Originate")
        .with("Channel", format!("PJSIP/{phone}"))
        .with("Context", context)
        .with("Exten", "100")
        .with("Priority", "1")
        .with("Variable", "Context=spoofed")
        .with("Variable", "SIPDOMAIN=pbx1.example");
    let answer = rig.ami().send(action).await.unwrap();
    assert_eq!(answer.response.get("Response"), Some("Success"), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_status_lists_only_the_users_channels_and_refuses_on_pbx_errors() {
    let rig = rig().await;
    call_through_ami(&rig, "1001", "from-internal").await;
    call_through_ami(&rig, "1002", "sales").await;
    rig.channels(2).await;

    let alice = rig.data("status", &[("api_key", ALICE)]).await;
    let alice = alice.as_array().unwrap();
    assert_eq!(alice.len(), 1, "{alice:?}");
    let channel = alice[0].as_object().unwrap();
    let keys = data_keys(&text_of(&rig.url, "status", &[("api_key", ALICE)]).await).remove(0);
    assert_eq!((channel["Event"].as_str(), channel["Context"].as_str(), channel["CallerIDNum"].as_str()), (Some("Status"), Some("from-internal"), Some("1001")));
    // The headers in the order Asterisk sent them.
    let wire = rig.ami_status("").await;
    let event = wire.iter().find(|e| e.get("Channel") == channel["Channel"].as_str()).unwrap();
    let wire_keys: Vec<&str> = event.fields().iter().map(|(k, _)| k.as_str()).filter(|k| *k != "Variable").collect();
    let answer_keys: Vec<&str> = keys.iter().map(String::as_str).filter(|k| wire_keys.contains(k)).collect();
    assert_eq!(answer_keys, wire_keys);
    // Every variable is flattened in right after its `Variable` line, the first line kept too;
    // the variable called `Context` replaces nothing.
    let variables: Vec<&str> = event.get_all("Variable").collect();
    assert!(variables.is_empty(), "named Variables only: {variables:?}");
    let all = rig.ami().send(Message::new().with("Action", "Status").with("AllVariables", "true")).await.unwrap().events;
    let all = all.iter().find(|e| e.get("Channel") == channel["Channel"].as_str()).unwrap();
    let lines: Vec<&str> = all.get_all("Variable").collect();
    assert!(lines.contains(&"SIPDOMAIN=pbx1.example") && lines.contains(&"Context=spoofed"), "{lines:?}");
    assert_eq!(channel["Variable"], lines[0]);
    assert_eq!((channel["SIPDOMAIN"].as_str(), channel["Context"].as_str()), (Some("pbx1.example"), Some("from-internal")));
    let first = lines[0].split_once('=').unwrap().0;
    if !wire_keys.contains(&first) {
        let at = |key: &str| keys.iter().position(|k| k == key).unwrap();
        assert_eq!(at("Variable") + 1, at(first), "{keys:?}");
    }

    let carol = rig.data("status", &[("api_key", CAROL)]).await;
    assert_eq!(carol.as_array().unwrap().iter().map(|c| c["Context"].as_str().unwrap()).collect::<Vec<_>>(), ["sales"]);

    // Filters match exactly.
    let count = |query: Vec<(&'static str, &'static str)>| {
        let rig = &rig;
        async move {
            let mut query = query;
            query.push(("api_key", ALICE));
            rig.data("status", &query).await.as_array().unwrap().len()
        }
    };
    assert_eq!(count(vec![("calleridnum", "1001")]).await, 1);
    assert_eq!(count(vec![("calleridnum", "100")]).await, 0);
    assert_eq!(count(vec![("calleridnum", "1002")]).await, 0, "Carol's channel, not Alice's");
    assert_eq!(count(vec![("context", "from-internal"), ("exten", "100")]).await, 1);
    assert_eq!(count(vec![("exten", "1000")]).await, 0);
    assert_eq!(count(vec![("connectedlinenum", "nobody")]).await, 0);
    // A context outside the user's groups is refused, not answered empty.
    let (status, body) = rig.get("status", &[("api_key", ALICE), ("context", "sales")]).await;
    assert_eq!((status, code(&body)), (403, "context_denied"), "{body}");

    // A PBX that cannot answer is an error, never an empty list.
    rig.sim().set_phase(Phase::ShuttingDown);
    let (status, body) = rig.get("status", &[("api_key", ALICE)]).await;
    rig.sim().set_phase(Phase::Running);
    assert_eq!((status, code(&body)), (503, "pbx_unavailable"), "{body}");
    assert!(body.get("data").is_none());
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_originate_sends_checked_headers_and_one_variable_each() {
    let rig = rig().await;
    let base = [("api_key", ALICE), ("channel", "PJSIP/1001"), ("exten", "100"), ("context", "from-internal"), ("priority", "1")];
    let mut query = base.to_vec();
    query.extend([("callerid", "\"Продажи\" <555>"), ("variable", "file=123,idcall=a=b=c,note=x y")]);
    let data = rig.data("originate", &query).await;
    assert_eq!(data, json!({"response": "Success", "message": "Originate successfully queued", "uniqueid": null}));
    let channels = rig.channels(1).await;
    assert!(channels.iter().any(|c| c.starts_with("PJSIP/1001-")), "{channels:?}");
    // What Asterisk made of it: three variables with their values (`=` kept in the value), the
    // caller ID, the context and extension asked for.
    let status = rig.ami_status("file,idcall,note,EVIL").await;
    let call = status.iter().find(|e| e.get("Channel").is_some_and(|c| c.starts_with("PJSIP/1001-"))).unwrap();
    let vars: Vec<&str> = call.get_all("Variable").collect();
    assert_eq!(vars, ["file=123", "idcall=a=b=c", "note=x y", "EVIL="]);
    assert_eq!((call.get("CallerIDNum"), call.get("CallerIDName")), (Some("555"), Some("Продажи")));
    assert_eq!((call.get("Context"), call.get("Exten")), (Some("from-internal"), Some("100")));
    // … and `status` shows them flattened in.
    let listed = rig.data("status", &[("api_key", ALICE), ("calleridnum", "555")]).await;
    assert_eq!((listed[0]["file"].as_str(), listed[0]["idcall"].as_str(), listed[0]["note"].as_str()), (Some("123"), Some("a=b=c"), Some("x y")));

    // Async: queued, and the call is made.
    let mut query = base.to_vec();
    query[1] = ("channel", "PJSIP/1003");
    query.push(("async", "true"));
    assert_eq!(rig.data("originate", &query).await["response"], "Success");
    let channels = rig.channels(2).await;
    assert!(channels.iter().any(|c| c.starts_with("PJSIP/1003-")), "{channels:?}");

    // Injection attempts: refused before anything is sent, naming the field.
    let huge = format!("a={}", "x".repeat(100_000));
    let hostile: Vec<(&str, &str)> = vec![
        ("callerid", "x\r\nAction: Hangup\r\nChannel: PJSIP/1002"),
        ("callerid", "x\nVariable: EVIL=1"),
        ("variable", "a=1\r\nChannel: PJSIP/1002"),
        ("variable", "a=1\rb=2"),
        ("variable", "a=1\0"),
        ("variable", "a=1,b"),
        ("variable", "a=1,,b=2"),
        ("variable", "a=${SHELL(id)}"),
        ("variable", "a=$[1+1]"),
        ("variable", "Bad-Name=1"),
        ("variable", &huge),
        ("channel", "PJSIP/1001\r\nAction: Originate"),
        ("channel", "PJSIP/1001&PJSIP/1002"),
        ("channel", "PJSIP/1001,60"),
        ("channel", "Console/dsp"),
        ("exten", "100\r\nContext: sales"),
        ("exten", "100@sales"),
        ("context", "from-internal\r\nContext: sales"),
        ("priority", "1\r\n"),
        ("priority", "0"),
        ("priority", "hint"),
        ("async", "sometimes"),
    ];
    let before = rig.sim().originates();
    for (field, value) in hostile {
        // As a form: the way a 100 KB value can be sent at all.
        let mut form: Vec<(&str, &str)> = base.iter().filter(|(k, _)| *k != field).cloned().collect();
        form.push((field, value));
        let (status, body) = rig.post_form("originate", &form).await;
        let shown = &value[..value.len().min(60)];
        assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{field}={shown:?}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(&format!("`{field}`")), "{body}");
    }
    // Contexts outside the user's groups, directly or through a Local channel.
    for (field, value) in [("context", "sales"), ("channel", "Local/100@sales"), ("channel", "Local/100@sales/n"), ("channel", "Local/100")] {
        let mut query: Vec<(&str, &str)> = base.iter().filter(|(k, _)| *k != field).cloned().collect();
        query.push((field, value));
        let (status, body) = rig.get("originate", &query).await;
        assert_eq!((status, code(&body)), (403, "context_denied"), "{field}={value}: {body}");
    }
    for missing in ["channel", "exten", "context", "priority"] {
        let query: Vec<(&str, &str)> = base.iter().filter(|(k, _)| *k != missing).cloned().collect();
        let (status, body) = rig.get("originate", &query).await;
        assert_eq!((status, code(&body)), (400, "missing_parameter"), "{missing}");
    }
    assert_eq!(rig.sim().originates(), before, "nothing hostile reached the PBX");
    assert_eq!(rig.sim().channels().len(), 2);

    // A Local channel into the user's own context is fine; Asterisk's refusal is a 502 with its words.
    let mut query = base.to_vec();
    query[1] = ("channel", "PJSIP/1009");
    let (status, body) = rig.get("originate", &query).await;
    assert_eq!((status, code(&body), body["error"]["message"].as_str()), (502, "pbx_error", Some("Originate failed")), "{body}");
    rig.stop().await;
}

/// `YYYY-MM-DD HH:MM:SS` of Unix seconds `t`.
fn utc_text(t: i64) -> String {
    switchboard_sim::clock::cdr_time(UNIX_EPOCH + Duration::from_secs(t as u64))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_get_log_cdr_is_today_in_the_offset_for_the_users_contexts() {
    let rig = rig().await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let local_now = now + OFFSET;
    // Midnight of today in Moscow, as UTC seconds.
    let midnight = local_now - local_now.rem_euclid(86_400) - OFFSET;
    let rows = [
        (midnight + 10, "from-internal", "1.1"),        // today's first seconds: yesterday in UTC
        (midnight - 10, "from-internal", "1.2"),        // yesterday, Moscow time
        (midnight + 86_394, "from-internal", "1.3"),    // today's last seconds
        (midnight + 3600, "sales", "1.4"),              // Carol's context
        (midnight + 3600, "from-internal", "1.5"),      // two calls in the same second:
        (midnight + 3600, "from-internal", "1.6"),      // ordered by id
        (midnight + 86_400 + 5, "from-internal", "1.7"), // tomorrow
    ];
    let mut sql = String::new();
    for (t, context, uniqueid) in rows {
        sql.push_str(&cdr_row(&utc_text(t), context, uniqueid, uniqueid, ""));
    }
    rig.sql(&sql);
    rig.sql("UPDATE cdr SET answer = calldate, accountcode = 'acc', userfield = 'uf', peeraccount = 'peer', amaflags = 2 WHERE uniqueid = '1.6'");

    let today = rig.data("get_log_cdr", &[("api_key", ALICE)]).await;
    let ids: Vec<&str> = today.as_array().unwrap().iter().map(|r| r["uniqueid"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1.1", "1.5", "1.6", "1.3"]);
    // Columns in the seed's order, numbers as strings, times in the offset, empty → null.
    let local = |t: i64| utc_text(t + OFFSET);
    let first = &today[0];
    let keys = data_keys(&text_of(&rig.url, "get_log_cdr", &[("api_key", ALICE)]).await).remove(0);
    assert_eq!(
        keys,
        [
            "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer", "end",
            "duration", "billsec", "disposition", "amaflags", "userfield", "uniqueid", "linkedid", "peeraccount", "sequence", "source",
            "destination", "direction", "group_uuid"
        ]
    );
    assert_eq!(
        *first,
        json!({
            "accountcode": null, "src": "79123456789", "dst": "110", "dcontext": "from-internal", "clid": "\"Сергей\" <79123456789>",
            "channel": "Local/110@from-internal-00000167;2", "dstchannel": "PJSIP/1001-000002a0", "lastapp": "Dial",
            "lastdata": "PJSIP/1001,60,t", "start": local(midnight + 10), "answer": null, "end": local(midnight + 10),
            "duration": "7", "billsec": "0", "disposition": "NO ANSWER", "amaflags": "DOCUMENTATION", "userfield": null,
            "uniqueid": "1.1", "linkedid": "1.1", "peeraccount": null, "sequence": "1923", "source": null, "destination": null,
            "direction": null, "group_uuid": null
        })
    );
    assert!(first["start"].as_str().unwrap().ends_with(" 00:00:10"), "{first}");
    let filled = &today[2];
    assert_eq!(
        (&filled["accountcode"], &filled["userfield"], &filled["peeraccount"], &filled["amaflags"], &filled["answer"]),
        (&json!("acc"), &json!("uf"), &json!("peer"), &json!("BILLING"), &json!(local(midnight + 3600)))
    );

    // Carol sees only her context.
    let carol = rig.data("get_log_cdr", &[("api_key", CAROL)]).await;
    assert_eq!(carol.as_array().unwrap().iter().map(|r| r["uniqueid"].as_str().unwrap()).collect::<Vec<_>>(), ["1.4"]);

    // An explicit window, in the offset: yesterday's last minute and today's first.
    let (from, to) = (local(midnight - 60), local(midnight + 60));
    let window = rig.data("get_log_cdr", &[("api_key", ALICE), ("start", &from), ("end", &to)]).await;
    assert_eq!(window.as_array().unwrap().iter().map(|r| r["uniqueid"].as_str().unwrap()).collect::<Vec<_>>(), ["1.2", "1.1"]);
    // The `T` spelling, and a date alone as `end` meaning that whole day.
    let tomorrow = &local(midnight + 86_400)[..10];
    let t_from = from.replace(' ', "T");
    let days = rig.data("get_log_cdr", &[("api_key", ALICE), ("start", &t_from), ("end", tomorrow)]).await;
    assert_eq!(days.as_array().unwrap().len(), 6);
    // The old calls of `check`'s rows are there for their date, Moscow time.
    let old = rig.data("get_log_cdr", &[("api_key", ALICE), ("start", "2024-10-30"), ("end", "2024-10-30")]).await;
    assert_eq!(old.as_array().unwrap().len(), 5);
    assert_eq!(old[0]["start"], "2024-10-30 09:59:15");

    for (field, bad) in [("start", "yesterday"), ("end", "2024-02-30"), ("start", "2024-10-30 25:00:00"), ("end", "2024-10-29")] {
        let mut query = vec![("api_key", ALICE), (field, bad)];
        if field == "end" {
            query.push(("start", "2024-10-30"));
        }
        let (status, body) = rig.get("get_log_cdr", &query).await;
        assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{field}={bad}: {body}");
    }
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_get_log_cdr_streams_every_row_across_pages_in_order() {
    let rig = rig().await;
    // 4500 calls on one day (over two page boundaries), 50 per second, so pages end inside a
    // second; every fifth in a context Alice may not see.
    rig.sql(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4499) \
         INSERT INTO cdr (calldate, \"end\", dcontext, uniqueid, linkedid, sequence) \
         SELECT printf('2024-05-01 10:%02d:%02d', (i / 50) / 60, (i / 50) % 60), '2024-05-01 11:00:00', \
                CASE WHEN i % 5 = 4 THEN 'sales' ELSE 'from-internal' END, '1714557600.' || i, '1714557600.' || i, i FROM n",
    );
    let r = client().get(format!("{}/get_log_cdr", rig.url)).query(&[("api_key", ALICE), ("start", "2024-05-01"), ("end", "2024-05-01")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-length").is_none(), "streamed, not one buffer");
    let body: Value = r.json().await.unwrap();
    let sequences: Vec<i64> = body["data"].as_array().unwrap().iter().map(|r| r["sequence"].as_str().unwrap().parse().unwrap()).collect();
    let expected: Vec<i64> = (0..4500).filter(|i| i % 5 != 4).collect();
    assert_eq!(sequences, expected);
    assert_eq!(body["data"][0]["start"], "2024-05-01 13:00:00");
    rig.stop().await;
}

/// Every file under `dir`, read whole (the own database, its WAL and journal included).
fn all_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
    out
}

/// Whether `text` is a lowercase hyphenated v4 UUID.
fn is_v4(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_digit() || (b'a'..=b'f').contains(c) })
        && b[14] == b'4'
        && b"89ab".contains(&b[19])
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_admin_resource_manages_users_and_stores_only_key_hashes() {
    let rig = rig().await;
    let c = client();
    // Without `admin-key` the resource does not exist, whatever is sent.
    for (method, path) in [(Method::GET, "/admin/users"), (Method::POST, "/admin/groups"), (Method::DELETE, "/admin/users/x"), (Method::GET, "/admin")] {
        let r = c.request(method.clone(), format!("{}{path}", rig.noadmin_url)).header("x-admin-key", ADMIN).send().await.unwrap();
        assert_eq!(json_of(r).await.0, 404, "{method} {path}");
    }
    // A wrong or missing key: 401. Both header spellings work.
    for req in [
        c.get(format!("{}/admin/users", rig.url)),
        c.get(format!("{}/admin/users", rig.url)).header("x-admin-key", "wrong"),
        c.get(format!("{}/admin/users", rig.url)).bearer_auth("wrong"),
        c.get(format!("{}/admin/users?api_key={ALICE}", rig.url)),
    ] {
        let (status, body) = json_of(req.send().await.unwrap()).await;
        assert_eq!((status, code(&body)), (401, "unauthorized"));
    }
    let r = c.get(format!("{}/admin/users", rig.url)).bearer_auth(ADMIN).send().await.unwrap();
    let (status, users) = json_of(r).await;
    assert_eq!(status, 200);
    // The list never shows keys.
    let names: Vec<&str> = users["data"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert!(users["data"].as_array().unwrap().iter().all(|u| u.get("api_key").is_none()), "{users}");

    // Groups: create with a generated v4 UUID, show, change, conflicts.
    let group = rig.admin_ok(Method::POST, "/groups", json!({"name": "support"}), 201).await;
    let group_uuid = group["uuid"].as_str().unwrap().to_string();
    assert!(is_v4(&group_uuid), "{group_uuid}");
    assert_eq!(group, json!({"uuid": group_uuid, "name": "support", "description": ""}));
    let (status, body) = rig.admin(Method::POST, "/groups", Some(json!({"uuid": OFFICE, "name": "again"}))).await;
    assert_eq!((status, code(&body)), (409, "conflict"));
    let changed = rig.admin_ok(Method::PUT, &format!("/groups/{group_uuid}"), json!({"description": "Поддержка"}), 200).await;
    assert_eq!(changed, json!({"uuid": group_uuid, "name": "support", "description": "Поддержка"}));
    assert_eq!(rig.admin(Method::GET, &format!("/groups/{group_uuid}"), None).await.1["data"], changed);
    for (body, field) in [
        (json!({"name": ""}), "missing_parameter"),
        (json!({"name": "a\r\nb"}), "invalid_parameter"),
        (json!({"name": "x", "uuid": "not-a-uuid"}), "invalid_parameter"),
        (json!({"name": "x", "colour": "red"}), "invalid_parameter"),
        (json!("not an object"), "invalid_parameter"),
    ] {
        let (status, answer) = rig.admin(Method::POST, "/groups", Some(body.clone())).await;
        assert_eq!((status, code(&answer)), (400, field), "{body}: {answer}");
    }
    assert_eq!(rig.admin(Method::GET, "/groups/00000000-0000-4000-8000-000000000000", None).await.0, 404);

    // Access: a context per group once; a context name is checked.
    let access = rig.admin_ok(Method::POST, "/access", json!({"name": "support-in", "group_uuid": group_uuid}), 201).await;
    let (status, body) = rig.admin(Method::POST, "/access", Some(json!({"name": "support-in", "group_uuid": group_uuid}))).await;
    assert_eq!((status, code(&body)), (409, "conflict"));
    for bad in ["", "a b", "ctx\n", "${EVIL}", "a,b"] {
        let (status, body) = rig.admin(Method::POST, "/access", Some(json!({"name": bad, "group_uuid": group_uuid}))).await;
        assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{bad:?}");
    }
    let (status, body) = rig.admin(Method::POST, "/access", Some(json!({"name": "x", "group_uuid": "00000000-0000-4000-8000-000000000000"}))).await;
    assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{body}");
    let listed = rig.admin(Method::GET, &format!("/access?group_uuid={group_uuid}"), None).await.1;
    assert_eq!(listed["data"], json!([access]));

    // Users: a generated key, shown once; a migrated user keeps their UUID and key.
    let dave = rig.admin_ok(Method::POST, "/users", json!({"name": "dave", "group_uuid": group_uuid}), 201).await;
    let dave_uuid = dave["uuid"].as_str().unwrap().to_string();
    let dave_key = dave["api_key"].as_str().unwrap().to_string();
    assert!(is_v4(&dave_key), "{dave_key}");
    assert_eq!(dave["enable"], "yes");
    let shown = rig.admin(Method::GET, &format!("/users/{dave_uuid}"), None).await.1;
    assert_eq!(shown["data"], json!({"uuid": dave_uuid, "name": "dave", "description": "", "enable": "yes", "group_uuid": group_uuid}));
    let check = rig.data("check", &[("api_key", &dave_key), ("context", "support-in")]).await;
    assert_eq!((&check["api_user"]["uuid"], &check["access"]["name"]), (&json!(dave_uuid), &json!("support-in")));
    let migrated = "5485137a-3c6d-454e-9801-d3b875f7a5e0";
    let old_key = "84f8fc34-82ad-46b0-b5f3-3cfd0462beeb";
    let erin = rig.admin_ok(Method::POST, "/users", json!({"uuid": migrated, "name": "API", "api_key": old_key, "group_uuid": OFFICE}), 201).await;
    assert_eq!((erin["uuid"].as_str(), erin["api_key"].as_str()), (Some(migrated), Some(old_key)));
    for (body, status, want) in [
        (json!({"uuid": migrated, "name": "x", "group_uuid": OFFICE}), 409, "conflict"),
        (json!({"name": "x", "api_key": old_key, "group_uuid": OFFICE}), 409, "conflict"),
        (json!({"name": "x", "api_key": "short", "group_uuid": OFFICE}), 400, "invalid_parameter"),
        (json!({"name": "x", "enable": "maybe", "group_uuid": OFFICE}), 400, "invalid_parameter"),
        (json!({"name": "x", "group_uuid": "00000000-0000-4000-8000-000000000000"}), 400, "invalid_parameter"),
        (json!({"name": "x"}), 400, "invalid_parameter"),
    ] {
        let (got, answer) = rig.admin(Method::POST, "/users", Some(body.clone())).await;
        assert_eq!((got, code(&answer)), (status, want), "{body}: {answer}");
    }

    // A new key: the old one stops working at once, the new one works; disabling refuses it.
    let renewed = rig.admin_ok(Method::PUT, &format!("/users/{dave_uuid}"), json!({"api_key": "new"}), 200).await;
    let new_key = renewed["api_key"].as_str().unwrap().to_string();
    assert_ne!(new_key, dave_key);
    assert_eq!(rig.get("check", &[("api_key", &dave_key)]).await.0, 401);
    assert_eq!(rig.get("check", &[("api_key", &new_key)]).await.0, 200);
    let disabled = rig.admin_ok(Method::PUT, &format!("/users/{dave_uuid}"), json!({"enable": "no"}), 200).await;
    assert!(disabled.get("api_key").is_none(), "a key is shown only when it is set: {disabled}");
    assert_eq!(code(&rig.get("check", &[("api_key", &new_key)]).await.1), "user_disabled");
    let (status, body) = rig.admin(Method::PUT, &format!("/users/{dave_uuid}"), Some(json!({"api_key": ALICE}))).await;
    assert_eq!((status, code(&body)), (409, "conflict"), "Alice's key is taken");

    // Keys are stored as SHA-256 only: no file of the store holds a plain key.
    let files = all_bytes(&rig.path("store"));
    let hex = |key: &str| Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    for key in [ALICE, BOB, CAROL, old_key, &new_key, &dave_key] {
        for (path, bytes) in &files {
            assert!(!contains(bytes, key.as_bytes()), "{path} holds the plain key {key}");
        }
    }
    assert!(files.iter().any(|(_, bytes)| contains(bytes, hex(&new_key).as_bytes())), "the key's hash is stored");

    // A group with users cannot go; without them it goes with its contexts.
    let (status, body) = rig.admin(Method::DELETE, &format!("/groups/{group_uuid}"), None).await;
    assert_eq!((status, code(&body)), (409, "conflict"), "{body}");
    let gone = rig.admin(Method::DELETE, &format!("/users/{dave_uuid}"), None).await;
    assert_eq!(gone, (200, json!({"data": {"uuid": dave_uuid, "deleted": true}})));
    assert_eq!(rig.admin(Method::GET, &format!("/users/{dave_uuid}"), None).await.0, 404);
    assert_eq!(rig.admin(Method::DELETE, &format!("/groups/{group_uuid}"), None).await.0, 200);
    assert_eq!(rig.admin(Method::GET, &format!("/access/{}", access["uuid"].as_str().unwrap()), None).await.0, 404);
    // Deleting a context takes it from the group's users at once.
    let office_access = rig.admin(Method::GET, &format!("/access?group_uuid={OFFICE}"), None).await.1;
    let from_internal = office_access["data"][0]["uuid"].as_str().unwrap().to_string();
    assert_eq!(rig.admin(Method::DELETE, &format!("/access/{from_internal}"), None).await.0, 200);
    let (status, body) = rig.get("status", &[("api_key", ALICE), ("context", "from-internal")]).await;
    assert_eq!((status, code(&body)), (403, "context_denied"));
    rig.stop().await;
}
