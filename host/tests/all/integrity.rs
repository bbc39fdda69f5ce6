//! A bad row can't break the PBX: the `pbx` model refuses what Asterisk cannot take whoever writes
//! (each flavor answering in its own error format, naming the field, having stored nothing), a
//! row written around the rules is skipped by apply-changes while everything else reaches the
//! PBX, an answer that says failure has changed nothing, and random writes through every writer
//! are either refused or rendered into files the simulator loads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use serde_json::{Value, json};
use switchboard::Server;
use switchboard::ami::Message;
use switchboard::apply::Applied;
use switchboard_sim::Simulator;
use switchboard::store::migrate;
use crate::schema_rules::{CRLF, SHELL, random_value};
use crate::util::{base, client, start, stop_with_sim};

const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";
const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef";
const ADMIN_PASSWORD: &str = "yourpassword";
const AXEOS_KEY: &str = "axeos-test-api-key";

/// The schema version before the configuration rules.
const BEFORE_RULES: u32 = 3;

/// Every flavor, the raw `sqlite` capability (the `store-probe` test plugin) and a simulator that
/// reads the rendered files, on one store.
struct Rig {
    root: tempfile::TempDir,
    sim: Arc<Simulator>,
    server: Server,
    base: String,
    token: String,
}

/// A rig whose database `before` may fill (it gets the file's path) before the host opens it.
async fn rig_with(before: impl FnOnce(&Path)) -> Rig {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    before(&store.join("pbx.sqlite"));
    let conf = root.path().join("asterisk");
    let sim = crate::util::flavor_sim(&conf).await;
    let toml = format!(
        "[store]\ndir = {store:?}\n\n[asterisk]\nconfig_dir = {conf:?}\n\n\
         {ami}\n\
         [[mount]]\nroute = \"/api/api.php\"\nplugin = \"elastix\"\nsettings = {{ api-key = \"{ELASTIX_KEY}\" }}\n\
         grants = {{ sqlite = {{ pbx = \"read-write\" }}, apply_changes = true }}\n\n\
         [[mount]]\nroute = \"/pbxapi\"\nplugin = \"issabel\"\n\
         settings = {{ jwt-secret = \"{JWT_SECRET}\", admin-password = \"{ADMIN_PASSWORD}\" }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"queues\", \"tenants\"], write = [\"extensions\", \"device_options\", \"follow_me\", \
         \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\"] }} }}, apply_changes = true }}\n\n\
         [[mount]]\nroute = \"/apis/pbx\"\nplugin = \"axeos\"\nsettings = {{ api-key = \"{AXEOS_KEY}\" }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"voicemail\", \"device_options\", \"trunks\"], write = [\"astdb\", \"day_timers\"] }}, own = true }}, \
         events = true, ami = [\"DBPut\", \"DBDel\", \"DeviceStateList\", \"MailboxCount\", \"QueueStatus\"] }}\n\n\
         [[mount]]\nroute = \"/raw\"\nplugin = {probe:?}\ngrants = {{ sqlite = {{ pbx = \"read-write\" }}, apply_changes = true }}\n",
        store = store.display().to_string(),
        conf = conf.display().to_string(),
        ami = crate::util::ami_table(&sim),
        probe = crate::util::test_plugin("store-probe"),
    );
    let server = start(&toml).await;
    server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("AMI link up");
    let mut rig = Rig { root, sim: Arc::new(sim), base: base(&server), server, token: String::new() };
    rig.sql(
        "INSERT INTO extensions (number, name, secret) VALUES ('1001', 'Alice Smith', 'a-secret'), ('1002', 'Bob Jones', 'b-secret');
         INSERT INTO ring_groups (number, name) VALUES ('600', 'Sales');
         INSERT INTO ring_group_members (group_number, position, destination) VALUES ('600', 0, '1001'), ('600', 1, '1002');",
    );
    rig.token = rig.login().await;
    rig
}

async fn rig() -> Rig {
    rig_with(|_| {}).await
}

/// An HTTP answer: status and body.
type Answer = (u16, Vec<u8>);

impl Rig {
    fn db_path(&self) -> PathBuf {
        self.root.path().join("store/pbx.sqlite")
    }

    fn db(&self) -> Connection {
        Connection::open(self.db_path()).unwrap()
    }

    fn sql(&self, sql: &str) {
        self.db().execute_batch(sql).unwrap();
    }

    fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Every row of every configuration table, as text: equal before and after a request that
    /// changed nothing.
    fn model(&self) -> Vec<String> {
        let db = self.db();
        let mut out = Vec::new();
        for table in migrate::schema_tables().iter().filter(|t| *t != "cdr") {
            let mut stmt = db.prepare(&format!("SELECT * FROM {table} ORDER BY rowid")).unwrap();
            let width = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                let cells: Vec<String> = (0..width).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
                out.push(format!("{table}: {}", cells.join(" | ")));
            }
        }
        out
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.path().join("asterisk").join(name)).unwrap_or_default()
    }

    async fn login(&self) -> String {
        let response = client()
            .post(format!("{}/pbxapi/authenticate", self.base))
            .form(&[("user", "admin"), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
    }

    /// An Elastix command with a raw form body.
    async fn elastix_raw(&self, cmd: &str, body: Vec<u8>) -> Answer {
        let request = client()
            .post(format!("{}/api/api.php?cmd={cmd}", self.base))
            .header("authorization", ELASTIX_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        Self::answer(request).await
    }

    async fn elastix(&self, cmd: &str, form: &[(&str, &str)]) -> Answer {
        let request = client().post(format!("{}/api/api.php?cmd={cmd}", self.base)).header("authorization", ELASTIX_KEY).form(form);
        Self::answer(request).await
    }

    /// An Issabel call with the bearer token and a body of `content_type`.
    async fn issabel_raw(&self, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        let request = client()
            .request(method.parse().unwrap(), format!("{}/pbxapi{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body);
        Self::answer(request).await
    }

    async fn issabel(&self, method: &str, path: &str, body: Value) -> Answer {
        self.issabel_raw(method, path, "application/json", body.to_string().into_bytes()).await
    }

    async fn axeos_raw(&self, method: &str, path: &str, body: Vec<u8>) -> Answer {
        let request = client()
            .request(method.parse().unwrap(), format!("{}/apis/pbx{path}", self.base))
            .basic_auth("apiKey", Some(AXEOS_KEY))
            .header("content-type", "application/json")
            .body(body);
        Self::answer(request).await
    }

    /// The Axeos UUID of user `number`.
    async fn axeos_user(&self, number: &str) -> String {
        let (status, body) = self.axeos_raw("GET", "/users", Vec::new()).await;
        assert_eq!(status, 200);
        let users: Value = serde_json::from_slice(&body).unwrap();
        users.as_array().unwrap().iter().find(|u| u["username"] == number).unwrap()["uuid"].as_str().unwrap().to_string()
    }

    /// One statement through the raw `sqlite` capability.
    async fn raw_sql(&self, sql: &str, params: Value) -> Answer {
        Self::answer(client().post(format!("{}/raw/sql", self.base)).json(&json!({ "sql": sql, "params": params }))).await
    }

    /// Apply-changes as the host runs it for any plugin.
    async fn apply(&self) -> Applied {
        self.server.services().applier.as_ref().unwrap().apply().await.expect("apply-changes succeeds")
    }

    /// The PBX's PJSIP endpoints (`PJSIPShowEndpoints`), as the simulator loaded them.
    async fn endpoints(&self) -> Vec<String> {
        let ami = self.server.services().ami.as_ref().unwrap();
        let list = ami.send(Message::new().with("Action", "PJSIPShowEndpoints")).await.unwrap();
        list.events.iter().filter_map(|e| e.get("ObjectName").map(str::to_string)).collect()
    }

    async fn pbx_db(&self, family: &str, key: &str) -> Option<String> {
        let ami = self.server.services().ami.as_ref().unwrap();
        let answer = ami.send(Message::new().with("Action", "DBGet").with("Family", family).with("Key", key)).await.ok()?;
        answer.events.first().and_then(|e| e.get("Val").map(str::to_string))
    }

    async fn stop(self) {
        stop_with_sim(self.server, self.sim).await;
    }
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// An Elastix refusal: the original's `{"status": "<why>", "code": <status>}` with that status,
/// naming `field`.
fn assert_elastix_refusal((status, body): &Answer, want: u16, field: &str, case: &str) {
    assert_eq!(*status, want, "{case}: {}", text(body));
    let refusal: Value = serde_json::from_slice(body).unwrap_or_else(|e| panic!("{case}: {e}: {}", text(body)));
    assert_eq!(refusal["code"], want, "{case}");
    assert!(refusal["status"].as_str().unwrap().starts_with(&format!("`{field}` ")), "{case}: {refusal}");
    assert!(text(body).starts_with(r#"{"status": ""#), "{case}: PHP's spacing: {}", text(body));
}

/// An Axeos refusal: `{"error":{"code":…,"message":…}}` with `status`, naming `field`.
fn assert_axeos_refusal((status, body): &Answer, want: u16, field: &str, case: &str) {
    assert_eq!(*status, want, "{case}: {}", text(body));
    let error: Value = serde_json::from_slice(body).unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains(&format!("`{field}`")), "{case}: {error}");
}


#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrity_hostile_values_are_refused_by_every_flavor_in_its_format_and_nothing_is_stored() {
    let rig = rig().await;
    rig.apply().await;
    let before = rig.model();
    let huge = "x".repeat(5000);

    // Elastix: the original's error shape, the field named.
    for (form, field, status) in [
        (vec![("account", "2001"), ("callerid", CRLF)], "callerid", 422),
        (vec![("account", "-5"), ("callerid", "Neg <5>")], "account", 422),
        (vec![("account", "2001"), ("context", SHELL)], "context", 422),
        (vec![("account", "2001"), ("context", "from-internal;x")], "context", 422),
        (vec![("account", "[section]")], "account", 422),
        (vec![("account", "2001"), ("context", "[section]")], "context", 422),
        (vec![("account", "2001"), ("callerid", huge.as_str())], "callerid", 422),
        (vec![("account", "2001"), ("nat", "yes\nqualify=no")], "nat", 422),
    ] {
        for cmd in ["addextension", "updateextension"] {
            let answer = rig.elastix(cmd, &form).await;
            assert_elastix_refusal(&answer, status, field, &format!("{cmd} {form:?}"));
        }
    }
    let not_utf8 = rig.elastix_raw("addextension", b"account=2001&callerid=Bob%FF%FE".to_vec()).await;
    assert_elastix_refusal(&not_utf8, 400, "callerid", "invalid UTF-8");
    for (field, value) in [("grppre", "${SHELL(id)}"), ("postdest", "ctx;x,1,1"), ("grplist", "1002,10;01"), ("dring", "a\r\nb")] {
        let answer = rig.elastix("addfollowmeextension", &[("grpnum", "1001"), (field, value)]).await;
        assert_elastix_refusal(&answer, 422, field, &format!("follow-me {field}"));
    }
    assert_eq!(rig.model(), before, "Elastix stored nothing");

    // Issabel 2018: a status and an empty body (the reason goes to the log).
    for (method, path, body, status) in [
        ("PUT", "/extensions/2001", json!({ "name": CRLF }), 422),
        ("POST", "/extensions", json!({ "name": "Eve ${SHELL(id)}" }), 422),
        ("PUT", "/extensions/-5", json!({ "name": "Neg" }), 422),
        ("POST", "/extensions", json!({ "secret": " padded " }), 422),
        ("PUT", "/extensions/2001", json!({ "name": huge }), 422),
        ("POST", "/ringgroups", json!({ "extension_list": ["1001"], "cid_name_prefix": "x;y" }), 422),
        ("POST", "/ringgroups", json!({ "extension_list": ["1001"], "destination_if_no_answer": "[section]" }), 422),
        ("PUT", "/ringgroups/600", json!({ "music_on_hold_ringing": "Ring\nx" }), 422),
        ("POST", "/ringgroups", json!({ "extension_list": ["-5"] }), 422),
    ] {
        let (got, answer) = rig.issabel(method, path, body.clone()).await;
        assert_eq!((got, answer.as_slice()), (status, &b""[..]), "{method} {path} {body}");
    }
    let not_utf8 = rig.issabel_raw("POST", "/extensions", "application/x-www-form-urlencoded", b"name=Ada%FF".to_vec()).await;
    assert_eq!(not_utf8, (400, Vec::new()));
    let not_utf8 = rig.issabel_raw("POST", "/extensions", "application/json", b"{\"name\":\"Ada\xff\"}".to_vec()).await;
    assert_eq!(not_utf8, (400, Vec::new()));
    assert_eq!(rig.model(), before, "Issabel stored nothing");

    // Axeos: its JSON error naming the field; neither the model nor the PBX's astdb changed.
    let alice = rig.axeos_user("1001").await;
    let path = format!("/users/{alice}");
    for value in [CRLF, "-5", SHELL, "10;01", "[section]", huge.as_str()] {
        let answer = rig.axeos_raw("POST", &path, json!({ "call_forward": value }).to_string().into_bytes()).await;
        assert_axeos_refusal(&answer, 422, "call_forward", value);
    }
    let answer = rig.axeos_raw("POST", &path, b"{\"call_forward\":\"10\xff01\"}".to_vec()).await;
    assert_axeos_refusal(&answer, 400, "call_forward", "invalid UTF-8");
    assert_eq!(rig.model(), before, "Axeos stored nothing");
    assert_eq!(rig.pbx_db("CF", "1001").await, None);

    // The raw capability: the database itself refuses, with the table and column.
    for (sql, params, refused) in [
        ("INSERT INTO extensions (number, callerid) VALUES (?, ?)", json!(["2001", CRLF]), "extensions.callerid"),
        ("INSERT INTO extensions (number) VALUES (?)", json!(["-5"]), "extensions.number"),
        ("UPDATE extensions SET context = ? WHERE number = '1001'", json!([SHELL]), "extensions.context"),
        ("INSERT INTO ring_groups (number, cid_name_prefix) VALUES ('601', ?)", json!(["a;b"]), "ring_groups.cid_name_prefix"),
        ("INSERT INTO queues (name) VALUES (?)", json!(["[section]"]), "queues.name"),
    ] {
        let (status, body) = rig.raw_sql(sql, params).await;
        let error: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((status, error["error"]["code"].as_str()), (422, Some("invalid_value")), "{sql}: {error}");
        assert!(error["error"]["message"].as_str().unwrap().starts_with(&format!("{refused}: ")), "{sql}: {error}");
    }
    assert_eq!(rig.model(), before, "the raw capability stored nothing");

    // Apply-changes still works, for everyone.
    let added = rig.elastix("addextension", &[("account", "2001"), ("callerid", "Zed Zulu <2001>"), ("secret", "s;cret")]).await;
    assert_eq!(added, (200, br#"{"status": "INSERT OK", "code": 200}"#.to_vec()));
    assert_eq!(rig.issabel("PUT", "/extensions/2002", json!({ "name": "Yan" })).await.0, 201);
    let (status, body) = rig.axeos_raw("POST", &path, json!({ "call_forward": "2001" }).to_string().into_bytes()).await;
    assert_eq!(status, 200, "{}", text(&body));
    assert_eq!(rig.pbx_db("CF", "1001").await.as_deref(), Some("2001"));
    let endpoints = rig.endpoints().await;
    assert!(endpoints.contains(&"2001".to_string()) && endpoints.contains(&"2002".to_string()), "{endpoints:?}");
    assert!(rig.file("pjsip.switchboard.conf").contains("\n[2001-auth]\ntype=auth\nauth_type=userpass\nusername=2001\npassword=s\\;cret\n"));
    assert!(rig.apply().await.skipped.is_empty());
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrity_rows_written_around_the_rules_are_skipped_and_everything_else_reaches_the_pbx() {
    // Written before the rules existed, into the file the host then opens (and migrates).
    let rig = rig_with(|db| {
        let mut conn = Connection::open(db).unwrap();
        migrate::migrate_to(&mut conn, BEFORE_RULES).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO extensions (number, name, callerid) VALUES ('2990', 'Eve', '{}');
             INSERT INTO ring_groups (number, cid_name_prefix) VALUES ('690', '${{SHELL(id)}}');
             INSERT INTO queues (name) VALUES ('gen]eral');",
            CRLF.replace('\'', "''")
        ))
        .unwrap();
    })
    .await;
    // And one written by hand with the rules dropped, while the host runs.
    rig.sql(&format!(
        "DROP TRIGGER sb_rules_extensions_insert; DROP TRIGGER sb_rules_ps_endpoints_insert;
         INSERT INTO extensions (number, name, context) VALUES ('2991', 'Mallory', '{SHELL}');"
    ));

    // The flavors keep working: the write answers OK and is applied despite the bad rows.
    let added = rig.elastix("addextension", &[("account", "2001"), ("callerid", "Zed <2001>")]).await;
    assert_eq!(added, (200, br#"{"status": "INSERT OK", "code": 200}"#.to_vec()));
    assert_eq!(rig.issabel("POST", "/extensions", json!({ "name": "Next" })).await.0, 201);
    let endpoints = rig.endpoints().await;
    for number in ["1001", "1002", "1003", "2001"] {
        assert!(endpoints.contains(&number.to_string()), "{number} in {endpoints:?}");
    }
    assert!(!endpoints.contains(&"2990".to_string()) && !endpoints.contains(&"2991".to_string()), "{endpoints:?}");

    // The bad rows are reported with table, key and column, and kept out of every file.
    let skipped: Vec<(String, String, String)> =
        rig.apply().await.skipped.iter().map(|u| (u.table.to_string(), u.key.clone(), u.column.to_string())).collect();
    for bad in [("ps_endpoints", "2990", "callerid"), ("ps_endpoints", "2991", "context"), ("ring_groups", "690", "cid_name_prefix"), ("queues", "gen]eral", "name")]
    {
        assert!(skipped.contains(&(bad.0.into(), bad.1.into(), bad.2.into())), "{bad:?} in {skipped:?}");
    }
    let files = rig.file("pjsip.switchboard.conf") + &rig.file("extensions.switchboard.conf") + &rig.file("queues.switchboard.conf");
    for hostile in ["evil", "SHELL", "gen]eral"] {
        assert!(!files.contains(hostile), "{hostile} rendered");
    }
    assert!(files.contains("exten => 600,1,Dial(PJSIP/1001&PJSIP/1002,20)"), "the good ring group still renders");

    // Fixed through a flavor, the row renders again.
    let fixed = rig.elastix("updateextension", &[("account", "2990"), ("callerid", "Eve <2990>")]).await;
    assert_eq!(fixed.0, 200, "{}", text(&fixed.1));
    assert!(rig.endpoints().await.contains(&"2990".to_string()));
    assert!(!rig.apply().await.skipped.iter().any(|u| u.key == "2990"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrity_an_error_answer_changes_nothing_and_a_success_is_durable() {
    let rig = rig().await;
    let extensions = || rig.count("SELECT count(*) FROM extensions");
    let start = extensions();

    // A refused POST changes nothing; the retry, fixed, creates exactly one.
    assert_eq!(rig.issabel("POST", "/extensions", json!({ "name": "Ok", "ringtimer": 301 })).await, (422, Vec::new()));
    assert_eq!(extensions(), start);
    let (status, _) = rig.issabel("POST", "/extensions", json!({ "name": "Ok", "ringtimer": 30 })).await;
    assert_eq!((status, extensions()), (201, start + 1));

    // A rule the flavors do not check first: a number that is a trunk's name. The database
    // refuses, and the flavor answers a client error in its own format, having stored nothing.
    rig.sql("INSERT INTO trunks (name, host) VALUES ('5555', 'sip.example.com');");
    let before = rig.model();
    assert_eq!(rig.issabel("PUT", "/extensions/5555", json!({ "name": "Clash" })).await, (422, Vec::new()));
    let answer = rig.elastix("addextension", &[("account", "5555"), ("callerid", "Clash <5555>")]).await;
    assert_elastix_refusal(&answer, 422, "account", "a trunk's name");
    assert!(text(&answer.1).contains("is already the name of a trunk"), "{}", text(&answer.1));
    let (status, body) = rig.raw_sql("INSERT INTO extensions (number) VALUES ('5555')", json!([])).await;
    assert_eq!(status, 422, "{}", text(&body));
    assert_eq!(rig.model(), before);

    // A multi-statement write refused half-way leaves the first half undone too.
    assert_eq!(rig.issabel("PUT", "/ringgroups/600", json!({ "name": "Renamed", "extension_list": ["1001", "7777"] })).await.0, 422);
    assert_eq!(rig.model(), before);
    let answer = rig.elastix("addfollowmeextension", &[("grpnum", "1001"), ("grplist", "1002,0612345678#,12#34")]).await;
    assert_elastix_refusal(&answer, 422, "grplist", "a bad follow-me number");
    assert_eq!(rig.model(), before);

    // Apply-changes fails after the commit (the config file's place is taken by a directory):
    // the change is durable, so the answer is the success, and a retry makes no duplicate.
    let blocker = rig.root.path().join("asterisk/pjsip.switchboard.conf");
    std::fs::remove_file(&blocker).ok();
    std::fs::create_dir_all(&blocker).unwrap();
    let count = extensions();
    let (status, location) = {
        let response = client()
            .post(format!("{}/pbxapi/extensions", rig.base))
            .bearer_auth(&rig.token)
            .json(&json!({ "name": "Late" }))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.headers().get("location").map(|l| l.to_str().unwrap().to_string()))
    };
    assert_eq!(status, 201);
    let number = location.unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(extensions(), count + 1);
    for expected in [201, 200] {
        // PUT is the retry-safe write: the same request twice is one extension.
        assert_eq!(rig.issabel("PUT", "/extensions/2100", json!({ "name": "Twice" })).await.0, expected);
    }
    assert_eq!(extensions(), count + 2);
    let added = rig.elastix("addextension", &[("account", "2101"), ("callerid", "Also <2101>")]).await;
    assert_eq!(added, (200, br#"{"status": "INSERT OK", "code": 200}"#.to_vec()));
    assert_eq!(extensions(), count + 3);
    // The directory goes; the next apply, whoever asks, renders all three.
    std::fs::remove_dir(&blocker).unwrap();
    let applied = rig.apply().await;
    assert!(applied.changed_files.iter().any(|f| f == "pjsip.switchboard.conf"), "{applied:?}");
    let endpoints = rig.endpoints().await;
    for n in [number.as_str(), "2100", "2101"] {
        assert!(endpoints.contains(&n.to_string()), "{n} in {endpoints:?}");
    }
    rig.stop().await;
}

/// `fields` (name, a good value) with one of them, chosen at random, given a [`random_value`].
fn vary(rng: &mut fastrand::Rng, fields: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut fields = fields.to_vec();
    let i = rng.usize(0..fields.len());
    fields[i].1 = random_value(rng);
    fields
}

fn as_json(fields: &[(&'static str, String)]) -> Value {
    Value::Object(fields.iter().map(|(k, v)| (k.to_string(), Value::from(v.clone()))).collect())
}

/// `INSERT INTO table (…) VALUES (?, …)` of `fields` through the raw capability.
async fn raw_insert(rig: &Rig, table: &str, fields: &[(&'static str, String)]) -> Answer {
    let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    let marks = vec!["?"; names.len()].join(", ");
    let values: Vec<&String> = fields.iter().map(|(_, v)| v).collect();
    rig.raw_sql(&format!("INSERT INTO {table} ({}) VALUES ({marks})", names.join(", ")), json!(values)).await
}

/// Random writes through every writer, each a good row with one field at random, are refused with
/// a client error or stored; whatever is stored renders (nothing skipped) into files the simulator
/// loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrity_random_writes_are_refused_or_rendered_and_loaded() {
    let rig = rig().await;
    rig.sql("INSERT INTO queues (name) VALUES ('q1');");
    let alice = rig.axeos_user("1001").await;
    let seed = 0x5eed_1234_u64;
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut stored, mut refused) = (0, 0);
    let good = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> { pairs.iter().map(|(k, v)| (*k, v.to_string())).collect() };
    for i in 0..40 {
        let n = |base: u32| (base + i).to_string();
        let elastix = vary(&mut rng, &good(&[("account", &n(3000)), ("callerid", "Zed <3000>"), ("context", "from-internal"), ("secret", "s3cret")]));
        let followme = vary(
            &mut rng,
            &good(&[("grpnum", "1002"), ("grppre", "FM: "), ("grplist", "1001-0612345678#"), ("postdest", "ext-local,vmu1002,1"), ("ringing", "Ring")]),
        );
        let update = vary(&mut rng, &good(&[("account", "1001"), ("callerid", "Alice <1001>"), ("context", "from-internal"), ("nat", "yes")]));
        let mut put = as_json(&vary(&mut rng, &good(&[("name", "Bob Jones"), ("secret", "b-secret"), ("ringtimer", "30")])));
        put["reload"] = Value::from(false);
        let mut issabel = as_json(&vary(&mut rng, &good(&[("name", "Ann Other"), ("secret", "an-other-secret")])));
        issabel["reload"] = Value::from(i % 4 == 0);
        let group = vary(
            &mut rng,
            &good(&[("member", "1002"), ("name", "Group"), ("cid_name_prefix", "G: "), ("destination_if_no_answer", "app-blackhole,hangup,1")]),
        );
        let mut ringgroup = as_json(&group[1..]);
        ringgroup["extension_list"] = json!(["1001", group[0].1]);
        ringgroup["reload"] = Value::from(false);
        let tries: Vec<(&str, Answer)> = vec![
            ("elastix", rig.elastix("addextension", &elastix.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await),
            (
                "elastix-followme",
                rig.elastix(
                    if i == 0 { "addfollowmeextension" } else { "updatefollowmeextension" },
                    &followme.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(),
                )
                .await,
            ),
            (
                "elastix-update",
                rig.elastix("updateextension", &update.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await,
            ),
            ("issabel", rig.issabel("POST", "/extensions", issabel).await),
            ("issabel-put", rig.issabel("PUT", "/extensions/1002", put).await),
            ("issabel-ringgroup", rig.issabel("POST", "/ringgroups", ringgroup).await),
            ("axeos", rig.axeos_raw("POST", &format!("/users/{alice}"), json!({ "call_forward": random_value(&mut rng) }).to_string().into_bytes()).await),
            (
                "raw-extension",
                raw_insert(
                    &rig,
                    "extensions",
                    &vary(&mut rng, &good(&[("number", &n(4000)), ("name", "Raw"), ("context", "from-internal"), ("callerid", "\"Raw\" <4000>"), ("voicemail", "default")])),
                )
                .await,
            ),
            (
                "raw-queue",
                raw_insert(&rig, "queues", &vary(&mut rng, &good(&[("name", &format!("q-{i}")), ("musiconhold", "default"), ("announce", "custom/q"), ("joinempty", "yes")])))
                    .await,
            ),
            (
                "raw-member",
                raw_insert(&rig, "queue_members", &vary(&mut rng, &good(&[("queue_name", "q1"), ("interface", &format!("PJSIP/1{i:03}")), ("membername", "Agent")]))).await,
            ),
            (
                "raw-trunk",
                raw_insert(
                    &rig,
                    "trunks",
                    &vary(
                        &mut rng,
                        &good(&[
                            ("name", &format!("trunk-{i}")),
                            ("host", "sip.example.com"),
                            ("username", "acme"),
                            ("secret", "pw;1"),
                            ("context", "from-trunk"),
                            ("codecs", "ulaw"),
                            ("outbound_cid", "\"Acme\" <5550100>"),
                            ("dial_prefix", "9"),
                            ("register", if i % 2 == 0 { "1" } else { "0" }),
                        ]),
                    ),
                )
                .await,
            ),
            (
                "raw-voicemail",
                raw_insert(&rig, "voicemail", &vary(&mut rng, &good(&[("context", "default"), ("mailbox", &n(5000)), ("fullname", "Vee Em"), ("email", "vm@example.com")])))
                    .await,
            ),
            (
                "raw-inbound",
                raw_insert(&rig, "inbound_routes", &vary(&mut rng, &good(&[("did", &n(5550000)), ("cid", ""), ("destination", "ext-local,vmu1001,1")]))).await,
            ),
        ];
        for (writer, (status, body)) in tries {
            match status {
                200 | 201 => stored += 1,
                400 | 409 | 422 => refused += 1,
                _ => panic!("seed {seed:#x}, round {i}, {writer}: {status} {}", text(&body)),
            }
        }
    }
    assert!(stored > 100 && refused > 100, "both outcomes exercised: {stored} stored, {refused} refused");
    eprintln!("{stored} writes stored, {refused} refused");
    // Everything stored renders (nothing skipped), and the simulator loads it.
    let applied = rig.apply().await;
    assert!(applied.skipped.is_empty(), "seed {seed:#x}: admitted rows that do not render: {:#?}", applied.skipped);
    let pjsip_extensions: Vec<String> = rig
        .db()
        .prepare("SELECT number FROM extensions WHERE technology = 'pjsip'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let endpoints = rig.endpoints().await;
    for number in &pjsip_extensions {
        assert!(endpoints.contains(number), "seed {seed:#x}: {number} not loaded");
    }
    let ami = rig.server.services().ami.as_ref().unwrap();
    let summary = ami.send(Message::new().with("Action", "QueueSummary")).await.unwrap();
    let loaded: Vec<&str> = summary.events.iter().filter_map(|e| e.get("Queue")).collect();
    let queues: Vec<String> =
        rig.db().prepare("SELECT name FROM queues").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    for queue in &queues {
        assert!(loaded.contains(&queue.as_str()), "seed {seed:#x}: queue {queue:?} not loaded: {loaded:?}");
    }
    rig.stop().await;
}

