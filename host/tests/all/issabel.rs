//! The built-in `issabel` plugin (`/pbxapi/…`) through the real binary's library: real HTTP, a real
//! store, the wasm runtime, and the PBX simulator reading what apply-changes renders. The seed
//! document's curl examples, tokens (issued, renewed, forged expired), every error status,
//! numbering, PUT create/update, partial comma DELETE, cross-flavor visibility and concurrent POSTs.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rusqlite::Connection;
use switchboard::Server;
use switchboard::ami::Message;
use switchboard_sim::Simulator;

use crate::util::{base, client, start};

const SECRET: &str = "test-jwt-secret-0123456789abcdef";
const PASSWORD: &str = "yourpassword";
const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";

struct Rig {
    root: tempfile::TempDir,
    sim: Arc<Simulator>,
    server: Server,
    base: String,
    token: String,
}

/// The extensions and ring group of the seed document's examples (200 and 201 are the group's members).
const SEED_PBX: &str = "
    INSERT INTO extensions (number, name, secret, technology) VALUES
      ('200', 'Reception', 'r-secret', 'pjsip'), ('201', 'Back office', 'b-secret', 'pjsip'),
      ('1000', 'Antonio', '6bs0sPut0079', 'sip'), ('1001', 'Jose', 'Issab3l2018', 'sip'),
      ('1002', 'Maria Granuja', 'eec8ef4d15658f6b167910404d3cbdb0', 'sip'),
      ('1003', 'Pedro Picapiedras', '05c7b12a812d3c1ee6df50794c512451', 'sip');
    INSERT INTO ring_groups (number, name) VALUES ('600', 'Sales');
    INSERT INTO ring_group_members (group_number, position, destination) VALUES ('600', 0, '200'), ('600', 1, '201');";

async fn rig_with(settings: &str, seed: &str) -> Rig {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store");
    let conf = root.path().join("asterisk");
    let sim = crate::util::flavor_sim(&conf).await;
    let toml = format!(
        "[store]\ndir = {store:?}\n\n[asterisk]\nconfig_dir = {conf:?}\n\n\
         {ami}\n\
         [[mount]]\nroute = \"/pbxapi\"\nplugin = \"issabel\"\nsettings = {{ {settings} }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\", \"queues\", \"tenants\"], \
         write = [\"extensions\", \"device_options\", \"follow_me\", \"follow_me_numbers\", \"ring_groups\", \"ring_group_members\"] }} }}, apply_changes = true }}\n\n\
         [[mount]]\nroute = \"/api/api.php\"\nplugin = \"elastix\"\nsettings = {{ api-key = \"{ELASTIX_KEY}\" }}\n\
         grants = {{ sqlite = {{ pbx = \"read-only\" }} }}\n",
        store = store.display().to_string(),
        conf = conf.display().to_string(),
        ami = crate::util::ami_table(&sim),
    );
    let server = start(&toml).await;
    server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("AMI link up");
    Connection::open(store.join("pbx.sqlite")).unwrap().execute_batch(seed).unwrap();
    let base = format!("{}/pbxapi", base(&server));
    Rig { root, sim: Arc::new(sim), server, base, token: String::new() }
}

/// A rig with the seed's PBX, logged in.
async fn rig() -> Rig {
    let mut rig = rig_with(&format!("jwt-secret = \"{SECRET}\", admin-password = \"{PASSWORD}\""), SEED_PBX).await;
    rig.token = rig.login().await;
    rig
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An HS256 token with the original's header over `payload`, signed with `secret`.
fn forge(secret: &str, payload: &str) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#), URL_SAFE_NO_PAD.encode(payload));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The payload of a token, as text.
fn payload(token: &str) -> String {
    String::from_utf8(URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

/// Status, `Location` and body of an answer.
async fn answer(response: reqwest::Response) -> (u16, Option<String>, String) {
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    (status, location, response.text().await.unwrap())
}

impl Rig {
    async fn login(&self) -> String {
        let response = client().post(format!("{}/authenticate", self.base)).body(format!("user=admin&password={PASSWORD}"))
            .header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// `method path` with the bearer token and an optional JSON body (the seed's curl calls).
    async fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Option<String>, String) {
        let mut request = client().request(method.parse().unwrap(), format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        answer(request.send().await.unwrap()).await
    }

    async fn json(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = self.call("GET", path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }

    /// The numbers `GET path` lists.
    async fn numbers(&self, path: &str) -> Vec<String> {
        self.json(path).await["results"].as_array().unwrap().iter().map(|r| r["extension"].as_str().unwrap().to_string()).collect()
    }

    fn pjsip_conf(&self) -> String {
        std::fs::read_to_string(self.root.path().join("asterisk/pjsip.switchboard.conf")).unwrap_or_default()
    }

    /// The endpoints the PBX (the simulator, reading the rendered files) lists.
    async fn endpoints(&self) -> Vec<String> {
        let ami = self.server.services().ami.as_ref().unwrap();
        let list = ami.send(Message::new().with("Action", "PJSIPShowEndpoints")).await.unwrap();
        list.events.iter().filter_map(|e| e.get("ObjectName").map(str::to_string)).collect()
    }

    async fn stop(self) {
        crate::util::stop_with_sim(self.server, self.sim).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_seed_examples_for_extensions() {
    let rig = rig().await;
    // RETRIEVE ALL: the seed's four extensions, byte for byte as json_encode wrote them.
    let (status, _, body) = rig.call("GET", "/extensions", None).await;
    assert_eq!(status, 200);
    let seed_items = r#"{"dial":"SIP\/1000","extension":"1000","name":"Antonio","secret":"6bs0sPut0079","tech":"sip"},{"dial":"SIP\/1001","extension":"1001","name":"Jose","secret":"Issab3l2018","tech":"sip"},{"dial":"SIP\/1002","extension":"1002","name":"Maria Granuja","secret":"eec8ef4d15658f6b167910404d3cbdb0","tech":"sip"},{"dial":"SIP\/1003","extension":"1003","name":"Pedro Picapiedras","secret":"05c7b12a812d3c1ee6df50794c512451","tech":"sip"}"#;
    let members = r#"{"dial":"PJSIP\/200","extension":"200","name":"Reception","secret":"r-secret","tech":"pjsip"},{"dial":"PJSIP\/201","extension":"201","name":"Back office","secret":"b-secret","tech":"pjsip"}"#;
    assert_eq!(body, format!(r#"{{"results":[{members},{seed_items}]}}"#));

    // RETRIEVE ONE.
    let (status, _, body) = rig.call("GET", "/extensions/1002", None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"results":[{"dial":"SIP\/1002","extension":"1002","name":"Maria Granuja","secret":"eec8ef4d15658f6b167910404d3cbdb0","tech":"sip"}]}"#));

    // CREATE without a number: 201, Location of the next free number (after 1003), no body.
    let (status, location, body) = rig.call("POST", "/extensions", Some(r#"{"name":"Some Name","voicemail":"novm","ringtimer":"30"}"#)).await;
    assert_eq!((status, body.as_str()), (201, ""));
    let location = location.unwrap();
    assert!(location.ends_with("/pbxapi/extensions/202") && location.starts_with("http://127.0.0.1:"), "{location}");
    let created = &rig.json("/extensions/202?fields=*").await["results"][0];
    assert_eq!((created["name"].as_str(), created["voicemail"].as_str(), created["ringtimer"].as_str()), (Some("Some Name"), Some("novm"), Some("30")));
    assert_eq!(created["secret"].as_str().unwrap().len(), 32, "a generated password: {created}");
    assert!(rig.pjsip_conf().contains("[202]"), "applied: {}", rig.pjsip_conf());

    // CREATE with a number (PUT on an unknown one): 201 + Location.
    let (status, location, body) = rig.call("PUT", "/extensions/1005", Some(r#"{"name":"Daniel","secret":"unaclave"}"#)).await;
    assert_eq!((status, body.as_str()), (201, ""));
    assert!(location.unwrap().ends_with("/pbxapi/extensions/1005"));
    assert!(rig.pjsip_conf().contains("password=unaclave"), "{}", rig.pjsip_conf());

    // UPDATE: only the fields sent; 200, no Location.
    let (status, location, body) = rig.call("PUT", "/extensions/1005", Some(r#"{"secret":"otraclave"}"#)).await;
    assert_eq!((status, location, body.as_str()), (200, None, ""));
    let one = &rig.json("/extensions/1005").await["results"][0];
    assert_eq!((one["name"].as_str(), one["secret"].as_str()), (Some("Daniel"), Some("otraclave")));
    assert!(rig.pjsip_conf().contains("password=otraclave"));

    // DELETE one, then two.
    assert_eq!(rig.call("PUT", "/extensions/1006", Some(r#"{"name":"Six"}"#)).await.0, 201);
    assert_eq!(rig.call("DELETE", "/extensions/1005", None).await, (200, None, String::new()));
    assert_eq!(rig.call("PUT", "/extensions/1005", Some(r#"{"name":"Again"}"#)).await.0, 201);
    assert_eq!(rig.call("DELETE", "/extensions/1005,1006", None).await, (200, None, String::new()));
    assert_eq!(rig.numbers("/extensions").await, ["200", "201", "202", "1000", "1001", "1002", "1003"]);
    assert!(!rig.pjsip_conf().contains("[1005]") && !rig.pjsip_conf().contains("[1006]"));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_seed_examples_for_ring_groups() {
    let rig = rig().await;
    let (status, _, body) = rig.call("GET", "/ringgroups", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"results":[{"change_callerid":"default","destination":"from-internal,600,1","extension":"600","extension_list":["200","201"],"fixed_callerid":"","id":"600","name":"Sales","strategy":"ringall"}]}"#
    );
    // fields=*: every field, as the seed shows them.
    let (_, _, body) = rig.call("GET", "/ringgroups/600?fields=*", None).await;
    assert_eq!(
        body,
        r#"{"results":[{"alert_info":"","announce_id":0,"change_callerid":"default","cid_name_prefix":"","confirm_calls":"off","destination":"from-internal,600,1","destination_if_no_answer":"app-blackhole,hangup,1","enable_call_pickup":"off","extension":"600","extension_list":["200","201"],"fixed_callerid":"","id":"600","ignore_call_forward_settings":"off","music_on_hold_ringing":"Ring","name":"Sales","recording":"dontcare","remote_announce_id":0,"ring_time":20,"skip_busy_agent":"off","strategy":"ringall","too_late_announce_id":0}]}"#
    );
    // fields=a,b adds to the default view; unknown names are ignored.
    let one = &rig.json("/ringgroups/600?fields=ring_time,nope").await["results"][0];
    assert_eq!(one.as_object().unwrap().keys().cloned().collect::<Vec<_>>(), ["change_callerid", "destination", "extension", "extension_list", "fixed_callerid", "id", "name", "ring_time", "strategy"]);

    // CREATE without a number: after 600 comes 601.
    let (status, location, body) = rig.call("POST", "/ringgroups", Some(r#"{"name":"Sales","strategy":"ringall","ring_time":"120","extension_list":["200","201"]}"#)).await;
    assert_eq!((status, body.as_str()), (201, ""));
    assert!(location.unwrap().ends_with("/pbxapi/ringgroups/601"));
    let g = &rig.json("/ringgroups/601?fields=*").await["results"][0];
    assert_eq!((g["ring_time"].as_i64(), g["extension_list"].clone()), (Some(120), serde_json::json!(["200", "201"])));
    let dialplan = std::fs::read_to_string(rig.root.path().join("asterisk/extensions.switchboard.conf")).unwrap_or_default();
    assert!(dialplan.contains("601"), "ring group rendered: {dialplan}");

    // CREATE with a number, then UPDATE its name only.
    let (status, location, _) = rig.call("PUT", "/ringgroups/610", Some(r#"{"name":"Sales","strategy":"hunt","extension_list":["201","0612345678#"]}"#)).await;
    assert_eq!(status, 201);
    assert!(location.unwrap().ends_with("/pbxapi/ringgroups/610"));
    assert_eq!(rig.call("PUT", "/ringgroups/610", Some(r#"{"name":"NewName"}"#)).await, (200, None, String::new()));
    let g = &rig.json("/ringgroups/610").await["results"][0];
    assert_eq!((g["name"].as_str(), g["strategy"].as_str(), g["extension_list"].clone()), (Some("NewName"), Some("hunt"), serde_json::json!(["201", "0612345678#"])));

    // DELETE one, then two.
    assert_eq!(rig.call("DELETE", "/ringgroups/601", None).await, (200, None, String::new()));
    assert_eq!(rig.call("DELETE", "/ringgroups/600,610", None).await, (200, None, String::new()));
    assert_eq!(rig.call("GET", "/ringgroups", None).await.2, r#"{"results":[]}"#);
    let members: i64 = Connection::open(rig.root.path().join("store/pbx.sqlite")).unwrap().query_row("SELECT count(*) FROM ring_group_members", [], |r| r.get(0)).unwrap();
    assert_eq!(members, 0, "members go with their group");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_tokens_are_issued_renewed_and_expire() {
    let rig = rig().await;
    let c = client();
    let auth = |form: &'static str| c.post(format!("{}/authenticate", rig.base)).header("content-type", "application/x-www-form-urlencoded").body(form).send();

    // Login: the original's answer shape and lifetimes.
    let before = now();
    let (status, _, body) = answer(auth("username=admin&password=yourpassword").await.unwrap()).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let (access, refresh) = (v["access_token"].as_str().unwrap(), v["refresh_token"].as_str().unwrap());
    assert_eq!(body, format!(r#"{{"access_token":"{access}","expires_in":3600,"refresh_token":"{refresh}","token_type":"Bearer"}}"#));
    let iat: i64 = serde_json::from_str::<serde_json::Value>(&payload(access)).unwrap()["iat"].as_i64().unwrap();
    assert!((before..=now()).contains(&iat));
    assert_eq!(payload(access), format!(r#"{{"iat":{iat},"exp":{},"data":{{"name":"admin"}}}}"#, iat + 3600));
    assert_eq!(payload(refresh), format!(r#"{{"iat":{iat},"exp":{},"data":[]}}"#, iat + 7200));
    assert!(access.starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."), "the original's header");
    // The same bytes the plugin signed, signed here with the mount's secret.
    assert_eq!(forge(SECRET, &payload(access)), access);

    // Wrong credentials: 403, empty.
    for form in ["user=admin&password=nope", "user=root&password=yourpassword", "password=yourpassword", ""] {
        assert_eq!(answer(auth(form).await.unwrap()).await, (403, None, String::new()), "{form}");
    }

    // Renew with an expired access token and a valid refresh token.
    let t = now();
    let old_access = forge(SECRET, &format!(r#"{{"iat":{},"exp":{},"data":{{"name":"admin"}}}}"#, t - 5000, t - 1400));
    let good_refresh = forge(SECRET, &format!(r#"{{"iat":{},"exp":{},"data":[]}}"#, t - 5000, t + 2200));
    let renew = |r: String, a: String| c.get(format!("{}/authenticate/renewtoken?refresh_token={r}&access_token={a}", rig.base)).send();
    let (status, _, body) = answer(renew(good_refresh.clone(), old_access.clone()).await.unwrap()).await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "authorized");
    let (new_access, new_refresh) = (v["access_token"].as_str().unwrap(), v["refresh_token"].as_str().unwrap());
    assert!(body.ends_with(r#","token_type":"Bearer","status":"authorized"}"#), "{body}");
    let iat = serde_json::from_str::<serde_json::Value>(&payload(new_access)).unwrap()["iat"].as_i64().unwrap();
    assert_eq!(payload(new_refresh), format!(r#"{{"iat":{iat},"exp":{},"data":[]}}"#, iat + 86400));
    let fresh = client().get(format!("{}/extensions/1000", rig.base)).bearer_auth(new_access).send().await.unwrap();
    assert_eq!(fresh.status(), 200);

    // An expired refresh token: the original's answer.
    let old_refresh = forge(SECRET, &format!(r#"{{"iat":{},"exp":{},"data":[]}}"#, t - 9000, t - 1800));
    assert_eq!(answer(renew(old_refresh, old_access.clone()).await.unwrap()).await, (200, None, r#"{"status": "expired", "type": "refresh"}"#.into()));
    // A refresh token signed with another key: refused.
    let forged = forge("another-secret-another-secret", &format!(r#"{{"iat":{t},"exp":{},"data":[]}}"#, t + 100));
    assert_eq!(answer(renew(forged, old_access.clone()).await.unwrap()).await.2, r#"{"status": "unauthorized"}"#);

    // Resources: expired → 200 {"status": "expired"}; missing, bad, or a refresh token → 403 empty.
    let get = |token: Option<String>| {
        let mut r = c.get(format!("{}/extensions", rig.base));
        if let Some(token) = token {
            r = r.bearer_auth(token);
        }
        r.send()
    };
    assert_eq!(answer(get(Some(old_access)).await.unwrap()).await, (200, None, r#"{"status": "expired"}"#.into()));
    assert_eq!(answer(get(None).await.unwrap()).await, (403, None, String::new()));
    assert_eq!(answer(get(Some("not.a.token".into())).await.unwrap()).await, (403, None, String::new()));
    assert_eq!(answer(get(Some(good_refresh)).await.unwrap()).await, (403, None, String::new()));
    let other_key = forge("another-secret-another-secret", &format!(r#"{{"iat":{t},"exp":{},"data":{{"name":"admin"}}}}"#, t + 100));
    assert_eq!(answer(get(Some(other_key)).await.unwrap()).await, (403, None, String::new()));
    // Every verb of every resource is behind the token.
    for (method, path) in [("POST", "/extensions"), ("PUT", "/extensions/1000"), ("DELETE", "/extensions/1000"), ("DELETE", "/ringgroups/600")] {
        let r = c.request(method.parse().unwrap(), format!("{}{path}", rig.base)).body("{}").send().await.unwrap();
        assert_eq!(answer(r).await, (403, None, String::new()), "{method} {path}");
    }
    assert_eq!(rig.numbers("/extensions").await.len(), 6, "nothing was deleted");
    // The index needs no token.
    assert_eq!(answer(c.get(format!("{}/", rig.base)).send().await.unwrap()).await.2, r#"{"results":["authenticate","extensions","ringgroups"]}"#);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_errors_are_bare_status_codes() {
    let rig = rig().await;
    let cases: [(&str, &str, Option<&str>, u16); 17] = [
        ("POST", "/extensions", Some("{not json"), 400),
        ("POST", "/extensions", Some("[1,2]"), 400),
        ("PUT", "/ringgroups/600", Some("\"x\""), 400),
        ("POST", "/extensions/1000", Some("{}"), 404),
        ("GET", "/trunks", None, 404),
        ("PUT", "/extensions", Some("{}"), 405),
        ("DELETE", "/ringgroups", None, 405),
        ("PUT", "/extensions/600", Some(r#"{"name":"Clash"}"#), 409),
        ("PUT", "/ringgroups/1000", Some(r#"{"extension_list":["200"]}"#), 409),
        ("POST", "/extensions", Some(r#"{"voicemail":"yes"}"#), 422),
        ("POST", "/extensions", Some(r#"{"ringtimer":"301"}"#), 422),
        ("POST", "/extensions", Some(r#"{"recording_out_external":"sometimes"}"#), 422),
        ("PUT", "/extensions/10a5", Some(r#"{"name":"x"}"#), 422),
        ("POST", "/ringgroups", Some(r#"{"name":"No members"}"#), 422),
        ("POST", "/ringgroups", Some(r#"{"strategy":"random","extension_list":["200"]}"#), 422),
        ("PUT", "/ringgroups/600", Some(r#"{"ring_time":0}"#), 422),
        ("POST", "/ringgroups", Some(r#"{"extension_list":["7777"]}"#), 422),
    ];
    for (method, path, body, want) in cases {
        assert_eq!(rig.call(method, path, body).await, (want, None, String::new()), "{method} {path} {body:?}");
    }
    // Nothing was written by any of them.
    assert_eq!(rig.numbers("/extensions").await, ["200", "201", "1000", "1001", "1002", "1003"]);
    assert_eq!(rig.numbers("/ringgroups").await, ["600"]);
    // GET of an unknown item: 200 with an empty list. SQL-looking ids are plain values.
    assert_eq!(rig.call("GET", "/extensions/4242", None).await.2, r#"{"results":[]}"#);
    assert_eq!(rig.call("GET", "/extensions/1000'%20OR%20'1'='1", None).await.2, r#"{"results":[]}"#);
    assert_eq!(rig.call("GET", "/ringgroups/999", None).await.2, r#"{"results":[]}"#);
    // A name with CR/LF cannot reach the rendered config.
    assert_eq!(rig.call("PUT", "/extensions/1000", Some("{\"name\":\"x\\r\\n[evil]\"}")).await.0, 422);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_numbering_fills_gaps_and_delete_stops_at_the_first_unknown() {
    let mut rig = rig_with(&format!("jwt-secret = \"{SECRET}\", admin-password = \"{PASSWORD}\""), "
        INSERT INTO extensions (number, name) VALUES ('100', 'a'), ('101', 'b'), ('103', 'c'), ('105', 'd');
        INSERT INTO queues (name) VALUES ('104');").await;
    rig.token = rig.login().await;
    let post = |body: &'static str| rig.call("POST", "/extensions", Some(body));
    let number = |location: Option<String>| location.unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(number(post(r#"{"reload":0}"#).await.1), "102");
    // 103 taken, 104 a queue, 105 taken: next is 106.
    assert_eq!(number(post(r#"{"reload":"false"}"#).await.1), "106");
    // Ring groups start at 600 when there are none; an extension 600 pushes them on.
    assert_eq!(rig.call("PUT", "/extensions/600", Some(r#"{"reload":false}"#)).await.0, 201);
    let (status, location, _) = rig.call("POST", "/ringgroups", Some(r#"{"extension_list":["100"],"reload":0}"#)).await;
    assert_eq!((status, number(location)), (201, "601".to_string()));
    // reload 0: written, not applied yet.
    assert!(!rig.pjsip_conf().contains("[102]"));
    assert_eq!(number(post("{}").await.1), "107");
    assert!(rig.pjsip_conf().contains("[102]") && rig.pjsip_conf().contains("[107]"), "the next apply renders them all");

    // Partial DELETE: in order, stopping at the first unknown with 404; the ones before stay deleted.
    assert_eq!(rig.call("DELETE", "/extensions/100,9999,101", None).await, (404, None, String::new()));
    assert_eq!(rig.numbers("/extensions").await, ["101", "102", "103", "105", "106", "107", "600"]);
    assert!(!rig.pjsip_conf().contains("[100]"), "the deletion that happened was applied");
    assert_eq!(rig.call("DELETE", "/ringgroups/601,601", None).await.0, 404, "the second 601 is gone by then");
    assert_eq!(rig.numbers("/ringgroups").await, Vec::<String>::new());
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_extensions_are_seen_by_elastix_and_the_pbx() {
    let rig = rig().await;
    assert!(!rig.endpoints().await.contains(&"4321".to_string()));
    let (status, _, _) = rig.call("PUT", "/extensions/4321", Some(r#"{"name":"Cross Flavor","secret":"xf-secret"}"#)).await;
    assert_eq!(status, 201);
    // Elastix's sipextensions lists it from the same model.
    let elastix: serde_json::Value = client()
        .get(format!("{}/api/api.php?cmd=sipextensions", base(&rig.server)))
        .header("authorization", ELASTIX_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(elastix["4321"]["secret"], "xf-secret", "{elastix}");
    assert_eq!(elastix["4321"]["dial"], "PJSIP/4321");
    // The PBX lists the endpoint after apply-changes.
    assert!(rig.endpoints().await.contains(&"4321".to_string()), "{:?}", rig.endpoints().await);
    assert_eq!(rig.call("DELETE", "/extensions/4321", None).await.0, 200);
    assert!(!rig.endpoints().await.contains(&"4321".to_string()));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_concurrent_posts_never_share_a_number() {
    let rig = Arc::new(rig().await);
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let rig = rig.clone();
            tokio::spawn(async move {
                let body = format!(r#"{{"name":"Concurrent {i}","reload":0}}"#);
                let (status, location, _) = rig.call("POST", if i % 3 == 0 { "/ringgroups" } else { "/extensions" }, Some(&if i % 3 == 0 {
                    format!(r#"{{"extension_list":["200"],"reload":0,"name":"G{i}"}}"#)
                } else {
                    body
                }))
                .await;
                assert_eq!(status, 201);
                location.unwrap().rsplit('/').next().unwrap().to_string()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), numbers.len(), "{numbers:?}");
    assert_eq!(rig.numbers("/extensions").await.len(), 6 + 16);
    assert_eq!(rig.numbers("/ringgroups").await.len(), 1 + 8);
    // The extensions fill 202.. (after 201, before the seed's 1000), the groups 601..608.
    let rig = Arc::try_unwrap(rig).ok().unwrap();
    let groups = rig.numbers("/ringgroups").await;
    assert_eq!(groups, ["600", "601", "602", "603", "604", "605", "606", "607", "608"]);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issabel_without_its_settings_says_which_are_missing() {
    let rig = rig_with("admin-password = \"x\"", "").await;
    let login = client().post(format!("{}/authenticate", rig.base)).body("user=admin&password=x").send().await.unwrap();
    let (status, _, body) = answer(login).await;
    assert_eq!(status, 500);
    assert!(body.contains("jwt-secret"), "{body}");
    let (status, _, body) = answer(client().get(format!("{}/extensions", rig.base)).bearer_auth("x").send().await.unwrap()).await;
    assert!(status == 500 && body.contains("jwt-secret"), "{status} {body}");
    rig.stop().await;
}
