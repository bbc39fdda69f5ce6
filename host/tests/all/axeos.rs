//! The built-in `axeos` plugin (`/apis/pbx/…`) against a real store and the PBX simulator: auth
//! (API key, `?key=`, PBX users), JSON and XML, users/phones/voicemail/switches, user settings
//! written to the model and the PBX, ACD statistics with reset, originate/status/hangup.

use std::time::Duration;

use serde_json::Value;
use switchboard_sim::{PbxSeed, office};

use crate::util::client;

const KEY: &str = "axeos-test-api-key";

crate::util::local_rig!(
    /// The host with Axeos on `/apis/pbx`, and the API's URL.
    Rig { url: String }
);

/// The simulator's demo office (1006 answers every call busy) and the same phones in the model.
async fn rig() -> Rig {
    rig_with("").await
}

/// [`rig`] with `extra` appended to the host's config (e.g. an `[events]` section).
async fn rig_with(extra: &str) -> Rig {
    let mut seed = PbxSeed::demo().with_ring(Duration::from_millis(10));
    seed.endpoint_mut("1006").unwrap().busy = true;
    let mut sql = String::new();
    for (number, name) in office::phones() {
        sql.push_str(&format!("INSERT INTO extensions (number, name, secret, voicemail) VALUES ('{number}', '{name}', 's', 'default');\n"));
    }
    sql.push_str(
        "INSERT INTO extensions (number, name, technology) VALUES ('2000', '', 'virtual');\n\
         INSERT INTO voicemail (mailbox, password, email) VALUES ('1001', '1234', 'alice@example.org'), ('1002', '4321', '');\n\
         INSERT INTO astdb (family, key, value) VALUES ('DND', '1006', 'YES'), ('CF', '1007', '1002');\n\
         INSERT INTO device_options (number, key, value) VALUES ('1007', 'hot_desk', 'yes');\n\
         INSERT INTO day_timers (name) VALUES ('Office hours');\n\
         INSERT INTO trunks (name) VALUES ('trunk-provider');\n",
    );
    let host = crate::util::Rig::builder()
        .pbx(seed)
        .store()
        .mount(
            "/apis/pbx",
            "axeos",
            &format!(
                "settings = {{ api-key = \"{KEY}\", number = \"+31201234567\", hostname = \"pbx.example.org\", ring-timeout = \"1\" }}\n\
                 limits = {{ timeout_ms = 60000, max_concurrent = 600 }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"voicemail\", \"device_options\", \"trunks\"], write = [\"astdb\", \"day_timers\"] }}, own = true }}, \
                 events = true, ami = [\"DBPut\", \"DBDel\", \"DeviceStateList\", \"MailboxCount\", \"QueueStatus\", \"Originate\", \"Status\", \"Hangup\"] }}\n"
            ),
        )
        .toml(extra)
        .seed(&sql)
        .start()
        .await;
    let url = format!("{}/apis/pbx", host.base);
    Rig { host, url }
}

impl Rig {
    /// GET as the admin (HTTP Basic `apiKey:<key>`).
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = client().get(format!("{}{path}", self.url)).basic_auth("apiKey", Some(KEY)).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}")))
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn post(&self, path: &str, user: (&str, &str), body: Value) -> (u16, Value, Option<String>) {
        let r = client().post(format!("{}{path}", self.url)).basic_auth(user.0, Some(user.1)).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        (status, r.json().await.unwrap(), location)
    }

    /// The UUID of user (or phone) `number` from the lists.
    async fn uuid_of(&self, list: &str, key: &str, number: &str) -> String {
        let all = self.ok(list).await;
        all.as_array().unwrap().iter().find(|u| u[key] == number).unwrap_or_else(|| panic!("{number} in {list}"))["uuid"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_auth_api_key_query_key_and_pbx_users() {
    let rig = rig().await;
    let c = client();
    let users = format!("{}/users", rig.url);
    // Nothing, a wrong key, a wrong password: 401 with a Basic challenge and a JSON body.
    for r in [
        c.get(&users).send().await.unwrap(),
        c.get(&users).basic_auth("apiKey", Some("nope")).send().await.unwrap(),
        c.get(format!("{users}?key=nope")).send().await.unwrap(),
        c.get(&users).basic_auth("1001", Some("0000")).send().await.unwrap(),
        c.get(&users).basic_auth("1003", Some("")).send().await.unwrap(),
        c.get(&users).basic_auth("9999", Some("1234")).send().await.unwrap(),
    ] {
        assert_eq!(r.status(), 401);
        assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    // The key in the query string, and as HTTP Basic: every user.
    let all: Value = c.get(format!("{users}?key={KEY}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 11);
    assert_eq!(rig.ok("/users").await, all);
    // A PBX user with their voicemail PIN sees only themself.
    let own: Value = c.get(&users).basic_auth("1001", Some("1234")).send().await.unwrap().json().await.unwrap();
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["username"], "1001");
    // … and no ACD statistics, and no switch changes.
    let r = c.get(format!("{}/acd/stats", rig.url)).basic_auth("1001", Some("1234")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_lists_users_phones_voicemail_and_switches_with_stable_uuids() {
    let rig = rig().await;
    let info = rig.ok("/system_information").await;
    assert_eq!(info["hostname"], "pbx.example.org");
    assert_eq!(info["number"], "+31201234567");
    assert_eq!(info["language"], "en");
    assert!(!info["version"].as_str().unwrap().is_empty());
    let keys: Vec<&str> = info.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["uuid", "version", "language", "time_zone", "hostname", "external_ipaddr", "number"] {
        assert!(keys.contains(&k), "{k}");
    }
    assert_eq!(rig.ok("/system_information").await["uuid"], info["uuid"]);

    // Users: the shape, and UUIDs that stay.
    let users = rig.ok("/users").await;
    let alice = users.as_array().unwrap().iter().find(|u| u["username"] == "1001").unwrap().clone();
    assert_eq!(alice["full_name"], "Alice Smith");
    assert_eq!(alice["phones"][0]["type"], "phone");
    assert_eq!(alice["phones"][0]["personal"], true);
    assert_eq!(alice["primary_phone"], alice["phones"][0]["phone"]);
    assert!(alice.get("dnd").is_none(), "no status without ?status");
    let virtual_user = users.as_array().unwrap().iter().find(|u| u["username"] == "2000").unwrap();
    assert_eq!(virtual_user["full_name"], Value::Null);
    assert_eq!(virtual_user["phones"], serde_json::json!([]));
    assert_eq!(rig.ok("/users").await, users);
    let with_status = rig.ok("/users?status=1").await;
    let frank = with_status.as_array().unwrap().iter().find(|u| u["username"] == "1006").unwrap();
    assert_eq!((frank["dnd"].clone(), frank["cw"].clone(), frank["call_forward"].clone()), (Value::Bool(true), Value::Bool(false), Value::Null));
    let grace = rig.ok(&format!("/users/{}", rig.uuid_of("/users", "username", "1007").await)).await;
    assert_eq!(grace["call_forward"], "1002");
    assert_eq!(grace["hot_desk"], Value::Null);
    let app = rig.ok(&format!("/users/{}?appid=crm", alice["uuid"].as_str().unwrap())).await;
    assert_eq!(app["app_data"]["email"], "alice@example.org");
    assert_eq!(rig.get("/users/00000000-0000-4000-8000-000000000000").await.0, 404);

    // Phones with live device states from the simulator.
    let phones = rig.ok("/phones?status").await;
    let by = |n: &str| phones.as_array().unwrap().iter().find(|p| p["phone_username"] == n).unwrap().clone();
    assert_eq!(phones.as_array().unwrap().len(), 10, "the virtual extension is no phone");
    assert_eq!((by("1001")["status_code"].clone(), by("1001")["status"].clone()), (0.into(), "Idle".into()));
    // 1009 never registered: like a real Asterisk, the simulator has published no state for it,
    // so DeviceStateList leaves it out, and a phone of the model that Asterisk does not list is
    // Unavailable.
    assert_eq!((by("1009")["status_code"].clone(), by("1009")["status"].clone()), (4.into(), "Unavailable".into()));
    assert_eq!(by("1007")["hot_desk"], true);
    assert_eq!(by("1001")["hot_desk"], false);
    assert_eq!(by("1001")["uuid"], alice["primary_phone"]);
    let one = rig.ok(&format!("/phones/{}", by("1002")["uuid"].as_str().unwrap())).await;
    assert_eq!(one["status_code"], 0);
    assert_eq!(one["name"], "Bob Jones");

    // Voicemail with the simulator's counts; a user sees their own box, another only with its PIN.
    let boxes = rig.ok("/voicemail?status").await;
    assert_eq!(boxes.as_array().unwrap().len(), 2);
    assert_eq!(boxes[0]["mailbox_number"], "1001");
    assert_eq!((boxes[0]["new_messages"].clone(), boxes[0]["old_messages"].clone()), (2.into(), 5.into()));
    assert_eq!(boxes[1]["urgent_messages"], 1);
    let c = client();
    let own: Value = c.get(format!("{}/voicemail", rig.url)).basic_auth("1001", Some("1234")).send().await.unwrap().json().await.unwrap();
    assert_eq!(own.as_array().unwrap().len(), 1);
    let bobs = format!("{}/voicemail/{}", rig.url, boxes[1]["uuid"].as_str().unwrap());
    assert_eq!(c.get(&bobs).basic_auth("1001", Some("1234")).send().await.unwrap().status(), 403);
    let r = c.get(format!("{bobs}?password=4321")).basic_auth("1001", Some("1234")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["new_messages"], 1);

    // Switches: a day/night timer, forced and back to its schedule, in the model and on the PBX.
    let switches = rig.ok("/switches?status").await;
    assert_eq!(switches[0]["name"], "Office hours");
    assert_eq!((switches[0]["default"].clone(), switches[0]["value"].clone()), (Value::Bool(true), Value::Null));
    let path = format!("/switches/{}", switches[0]["uuid"].as_str().unwrap());
    let (status, body, _) = rig.post(&path, ("apiKey", KEY), serde_json::json!({"value": "closed"})).await;
    assert_eq!((status, body["value"].clone(), body["default"].clone()), (200, "closed".into(), false.into()));
    assert_eq!(rig.pbx_db("DAYNIGHT", "C1").await.as_deref(), Some("NIGHT"));
    assert_eq!(rig.astdb("DAYNIGHT", "C1").as_deref(), Some("NIGHT"));
    let (status, body, _) = rig.post(&path, ("apiKey", KEY), serde_json::json!({"value": "sideways"})).await;
    assert_eq!((status, body["error"]["code"].clone()), (422, "unprocessable_entity".into()));
    assert_eq!(rig.post(&path, ("1001", "1234"), serde_json::json!({"value": null})).await.0, 403);
    let (status, body, _) = rig.post(&path, ("apiKey", KEY), serde_json::json!({"value": null})).await;
    assert_eq!((status, body["value"].clone()), (200, Value::Null));
    assert_eq!(rig.pbx_db("DAYNIGHT", "C1").await, None);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_xml_by_suffix_or_accept_with_nulls_empty() {
    let rig = rig().await;
    let c = client();
    let r = c.get(format!("{}/users.xml?key={KEY}", rig.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    let xml = r.text().await.unwrap();
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><users><item><uuid>"#), "{xml}");
    assert!(xml.contains("<username>2000</username><full_name></full_name><phones></phones><primary_phone></primary_phone>"), "{xml}");
    let r = c.get(format!("{}/system_information?key={KEY}", rig.url)).header("accept", "application/xml").send().await.unwrap();
    let xml = r.text().await.unwrap();
    assert!(xml.contains("<system_information><uuid>") && xml.contains("<hostname>pbx.example.org</hostname>"), "{xml}");
    // JSON by suffix, by Accept, and for types we do not know.
    for (path, accept) in [("/users.json", "application/xml"), ("/users", "application/json"), ("/users", "image/png")] {
        let r = c.get(format!("{}{path}?key={KEY}", rig.url)).header("accept", accept).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "application/json", "{path} {accept}");
    }
    // POSTs answer JSON even when XML is asked for.
    let uuid = rig.uuid_of("/users", "username", "1003").await;
    let r = c.post(format!("{}/users/{uuid}.xml", rig.url)).basic_auth("apiKey", Some(KEY)).json(&serde_json::json!({"cw": true})).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_user_settings_go_to_the_model_and_the_pbx() {
    let rig = rig().await;
    let alice = rig.uuid_of("/users", "username", "1001").await;
    let path = format!("/users/{alice}");
    let (status, body, _) =
        rig.post(&path, ("1001", "1234"), serde_json::json!({"call_forward": "+31612345678", "cw": true, "dnd": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["call_forward"].clone(), body["cw"].clone(), body["dnd"].clone()), ("+31612345678".into(), true.into(), true.into()));
    assert_eq!(rig.astdb("CF", "1001").as_deref(), Some("+31612345678"));
    assert_eq!(rig.astdb("CW", "1001").as_deref(), Some("ENABLED"));
    assert_eq!(rig.astdb("DND", "1001").as_deref(), Some("YES"));
    assert_eq!(rig.pbx_db("CF", "1001").await.as_deref(), Some("+31612345678"));
    assert_eq!(rig.pbx_db("DND", "1001").await.as_deref(), Some("YES"));
    // Clearing: null forward, false flags; absent properties stay as they are.
    let (status, body, _) = rig.post(&path, ("1001", "1234"), serde_json::json!({"call_forward": null, "dnd": false})).await;
    assert_eq!((status, body["call_forward"].clone(), body["dnd"].clone(), body["cw"].clone()), (200, Value::Null, false.into(), true.into()));
    assert_eq!((rig.astdb("CF", "1001"), rig.pbx_db("CF", "1001").await), (None, None));
    assert_eq!(rig.pbx_db("DND", "1001").await, None);

    // Bad input: a number with dial-string syntax, an unknown property, broken JSON, someone else.
    for bad in [serde_json::json!({"call_forward": "1002&PJSIP/1003"}), serde_json::json!({"call_forward": "1\r\nAction: Hangup"})] {
        let (status, body, _) = rig.post(&path, ("1001", "1234"), bad).await;
        assert_eq!((status, body["error"]["code"].clone()), (422, "unprocessable_entity".into()));
    }
    assert_eq!(rig.post(&path, ("1001", "1234"), serde_json::json!({"colour": "red"})).await.0, 400);
    let r = client().post(format!("{}{path}", rig.url)).basic_auth("1001", Some("1234")).body("{").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let bob = rig.uuid_of("/users", "username", "1002").await;
    assert_eq!(rig.post(&format!("/users/{bob}"), ("1001", "1234"), serde_json::json!({"cw": true})).await.0, 403);

    // Hot desk: only the API key logs a user in, only at a hot-desk phone; one user per phone.
    let desk = rig.uuid_of("/phones", "phone_username", "1007").await;
    let other = rig.uuid_of("/phones", "phone_username", "1003").await;
    assert_eq!(rig.post(&path, ("1001", "1234"), serde_json::json!({"hot_desk": desk})).await.0, 403);
    assert_eq!(rig.post(&path, ("apiKey", KEY), serde_json::json!({"hot_desk": other})).await.0, 422);
    let (status, body, _) = rig.post(&path, ("apiKey", KEY), serde_json::json!({"hot_desk": desk})).await;
    assert_eq!((status, body["hot_desk"].clone(), body["phone"].clone()), (200, desk.clone().into(), desk.clone().into()));
    assert_eq!(body["phones"][1], serde_json::json!({"type": "hot-desk", "phone": desk, "personal": false}));
    assert_eq!(rig.pbx_db("HOTDESK", "1001").await.as_deref(), Some("1007"));
    let phone = rig.ok(&format!("/phones/{desk}")).await;
    assert_eq!(phone["hot_desk_user"], alice);
    let (status, body, _) = rig.post(&format!("/users/{bob}"), ("apiKey", KEY), serde_json::json!({"hot_desk": desk})).await;
    assert_eq!((status, body["hot_desk"].clone()), (200, desk.clone().into()));
    assert_eq!(rig.ok(&path).await["hot_desk"], Value::Null, "Alice was logged out");
    // A user may log themself out.
    let (status, body, _) = rig.post(&format!("/users/{bob}"), ("1002", "4321"), serde_json::json!({"hot_desk": null})).await;
    assert_eq!((status, body["hot_desk"].clone()), (200, Value::Null));
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_acd_stats_from_live_queues_with_reset() {
    let rig = rig().await;
    let stats = rig.ok("/acd/stats?agents&calls").await;
    let queues = stats["queues"].as_array().unwrap();
    assert_eq!(queues.len(), 2);
    let support = queues.iter().find(|q| q["name"] == "support").unwrap();
    assert_eq!((support["all_agents"].clone(), support["free_agents"].clone(), support["calls_waiting"].clone()), (3.into(), 3.into(), 0.into()));
    assert_eq!(support["agents"].as_array().unwrap().len(), 3);
    assert_eq!(support["agents"][0]["name"], "1001");
    assert_eq!(support["agents"][0]["user_uuid"], rig.uuid_of("/users", "username", "1001").await);
    assert_eq!(support["calls"], serde_json::json!([]));
    assert_eq!((support["relative"].clone(), support["last_reset"].clone()), (false.into(), Value::Null));

    // One answered call through the queue, then a reset: relative counters start again from 0.
    rig.sim()
        .run(switchboard_sim::Scenario::InboundToQueue {
            from: "+15551234567".into(),
            queue: "support".into(),
            answered_by: Some("1002".into()),
            talk: Duration::from_millis(50),
        })
        .await
        .unwrap();
    let uuid = support["uuid"].as_str().unwrap();
    let one = rig.ok(&format!("/acd/{uuid}/stats?agents")).await;
    assert_eq!(one["queues"].as_array().unwrap().len(), 1);
    assert_eq!(one["queues"][0]["answered"], 1);
    assert_eq!(one["queues"][0]["calls_taken"], 1);
    let r = client().post(format!("{}/acd/{uuid}/stats?reset=1&agents", rig.url)).basic_auth("apiKey", Some(KEY)).send().await.unwrap();
    let reset: Value = r.json().await.unwrap();
    let q = &reset["queues"][0];
    assert_eq!((q["relative"].clone(), q["answered"].clone(), q["calls_taken"].clone()), (true.into(), 0.into(), 0.into()));
    assert!(q["last_reset"].as_str().unwrap().ends_with('Z'));
    // A caller waiting with nobody answering shows in `calls`.
    let sim = rig.sim_arc();
    let waiting = tokio::spawn(async move {
        sim.run(switchboard_sim::Scenario::InboundToQueue {
            from: "+15557654321".into(),
            queue: "support".into(),
            answered_by: None,
            talk: Duration::from_millis(1500),
        })
        .await
        .unwrap()
    });
    let mut seen = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        seen = rig.ok(&format!("/acd/{uuid}/stats?calls")).await["queues"][0].clone();
        if seen["calls_waiting"] == 1 {
            break;
        }
    }
    assert_eq!(seen["calls_waiting"], 1, "{seen}");
    assert_eq!((seen["calls"][0]["callerid_num"].clone(), seen["calls"][0]["position"].clone()), ("+15557654321".into(), 1.into()));
    waiting.await.unwrap();
    assert_eq!(rig.ok(&format!("/acd/{uuid}/stats?relative")).await["queues"][0]["aborted"], 1, "the caller gave up");
    let absolute = rig.ok(&format!("/acd/{uuid}/stats")).await;
    assert_eq!(absolute["queues"][0]["answered"], 1, "absolute values stay");
    assert_eq!(rig.get("/acd/00000000-0000-4000-8000-000000000000/stats").await.0, 404);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_originate_status_and_hangup() {
    let rig = rig().await;
    // Success: 201, a unique_id and a Location to control the call.
    let (status, body, location) = rig.post("/call", ("1001", "1234"), serde_json::json!({"number": "100"})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "success");
    let uid = body["unique_id"].as_str().unwrap().to_string();
    assert_eq!(location.as_deref(), Some(format!("/apis/pbx/call/{uid}").as_str()));
    let call = rig.ok(&format!("/call/{uid}")).await;
    assert_eq!(call["unique_id"], uid.as_str());
    assert_eq!(call["caller"]["phone_uuid"], rig.uuid_of("/phones", "phone_username", "1001").await);
    assert_eq!(call["called_extension"], "100");
    // Another user may not see or end it.
    let c = client();
    let r = c.get(format!("{}/call/{uid}", rig.url)).basic_auth("1002", Some("4321")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c.delete(format!("{}/call/{uid}", rig.url)).basic_auth("1001", Some("1234")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "success");
    let mut gone = false;
    for _ in 0..100 {
        if rig.get(&format!("/call/{uid}")).await.0 == 404 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "the call was hung up");

    // Form bodies, as the admin naming the user: a busy phone is a 200 with status busy.
    let r = c.post(format!("{}/call", rig.url)).basic_auth("apiKey", Some(KEY)).form(&[("user_name", "1006"), ("number", "1002")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "busy");
    // A phone that rings and is never picked up (1008): no answer, after the ring timeout.
    let (status, body, _) = rig.post("/call", ("apiKey", KEY), serde_json::json!({"user_name": "1008", "number": "1002"})).await;
    assert_eq!((status, body["status"].clone()), (200, "no answer".into()));
    // An unregistered phone: 503.
    let (status, body, _) = rig.post("/call", ("apiKey", KEY), serde_json::json!({"user_name": "1009", "number": "1002"})).await;
    assert_eq!((status, body["error"]["code"].clone()), (503, "phone_unavailable".into()));
    // Bad input.
    let (status, _, _) = rig.post("/call", ("apiKey", KEY), serde_json::json!({"user_name": "1001", "number": "1002,PJSIP/1003"})).await;
    assert_eq!(status, 422);
    let (status, _, _) = rig.post("/call", ("apiKey", KEY), serde_json::json!({"number": "1002"})).await;
    assert_eq!(status, 422);
    let (status, _, _) = rig.post("/call", ("1001", "1234"), serde_json::json!({"user_name": "1002", "number": "100"})).await;
    assert_eq!(status, 403);
    assert_eq!(rig.get("/call/1234567890.99").await.0, 404);
    rig.stop().await;
}

/// Records the bus events of scripted simulator calls as JSON lines, for the native unit tests of
/// the plugin's event translator (`plugins/axeos/src/events/fixtures/`). Run by hand after the
/// simulator's events change: `cargo test --release --test all record_axeos -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes the translator's fixtures"]
async fn record_axeos_event_fixtures() {
    use switchboard::events::Poll;
    use switchboard_sim::Scenario;
    let rig = rig().await;
    let bus = rig.server.services().bus.clone();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/axeos/src/events/fixtures");
    let ms = Duration::from_millis;
    let scenarios = [
        ("inbound_queue_answered", Scenario::InboundToQueue { from: "+15551234567".into(), queue: "support".into(), answered_by: Some("1002".into()), talk: ms(50) }),
        ("internal_blind_transfer", Scenario::BlindTransfer { from: "1001".into(), to: "1002".into(), transfer_to: "1003".into(), talk: ms(50) }),
    ];
    for (name, scenario) in scenarios {
        tokio::time::sleep(ms(300)).await;
        let last = bus.next_seq().checked_sub(1);
        rig.sim().run(scenario).await.unwrap();
        tokio::time::sleep(ms(300)).await;
        let events = bus.poll(&Poll { last, timeout: Duration::ZERO, limit: 0, filter: Vec::new() }).await;
        let lines: Vec<String> =
            events.iter().map(|e| serde_json::json!({"name": e.name, "fields": e.fields}).to_string()).collect();
        std::fs::write(dir.join(format!("{name}.jsonl")), lines.join("\n") + "\n").unwrap();
    }
    rig.stop().await;
}

/// `GET /events` with `query`, as the admin: the events, each checked to carry `seq` and
/// `timestamp` right after `event_type`, as the seed lists them.
async fn events(rig: &Rig, query: &str) -> Vec<Value> {
    let r = client().get(format!("{}/events?{query}", rig.url)).basic_auth("apiKey", Some(KEY)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    let list: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    for e in &list {
        let head = format!("{{\"event_type\":{},\"seq\":{},\"timestamp\":{}", e["event_type"], e["seq"], e["timestamp"]);
        assert!(text.contains(&head), "{head} in {text}");
        assert!(e["timestamp"].as_str().unwrap().ends_with('Z'), "{e}");
    }
    list
}

/// Polls from `last` until an event of type `until` arrives; every event in between.
async fn events_until(rig: &Rig, last: Option<u64>, until: &str) -> Vec<Value> {
    events_until_one(rig, last, |e| e["event_type"] == until).await
}

/// Polls from `last` until an event `wanted` accepts arrives; every event in between.
async fn events_until_one(rig: &Rig, mut last: Option<u64>, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut all: Vec<Value> = Vec::new();
    for _ in 0..50 {
        let query = last.map_or("timeout=5".to_string(), |l| format!("last={l}&timeout=5"));
        let batch = events(rig, &query).await;
        for e in &batch {
            let seq = e["seq"].as_u64().unwrap();
            if let Some(l) = last {
                assert_eq!(seq, l + 1, "dense numbering: {e}");
            }
            last = Some(seq);
        }
        all.extend(batch);
        if all.iter().any(&wanted) {
            return all;
        }
    }
    panic!("not the wanted event in {all:?}");
}

/// The `seq` of the newest event, without replaying the past (`limit=1`, `timeout=0`).
async fn newest(rig: &Rig) -> Option<u64> {
    events(rig, "limit=1&timeout=0").await.last().map(|e| e["seq"].as_u64().unwrap())
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["event_type"].as_str().unwrap()).filter(|t| *t != "phone status update").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_events_follow_a_queued_call_and_a_blind_transfer() {
    use switchboard_sim::Scenario;
    let rig = rig().await;
    let agent_phone = rig.uuid_of("/phones", "phone_username", "1002").await;
    let agent_user = rig.uuid_of("/users", "username", "1002").await;
    let ms = Duration::from_millis;

    // Inbound on the trunk → queue `support` → answered by 1002 → caller hangs up.
    let start = newest(&rig).await;
    let call = Scenario::InboundToQueue { from: "+15551234567".into(), queue: "support".into(), answered_by: Some("1002".into()), talk: ms(50) };
    rig.sim().run(call).await.unwrap();
    let got = events_until(&rig, start, "call finished").await;
    let kinds = types(&got);
    assert_eq!(kinds.first(), Some(&"incoming call"), "{kinds:?}");
    assert!(kinds.contains(&"internal dial"), "{kinds:?}");
    let answered = kinds.iter().position(|k| *k == "call answered").expect("answered");
    assert!(answered < kinds.iter().position(|k| *k == "call finished").unwrap(), "{kinds:?}");
    let incoming = &got.iter().find(|e| e["event_type"] == "incoming call").unwrap();
    assert_eq!((incoming["event_tag"].as_str(), incoming["caller"]["number"].as_str()), (Some("inbound"), Some("+15551234567")));
    assert!(incoming["caller"]["trunk_uuid"].as_str().is_some_and(|u| u.len() == 36), "{incoming}");
    let answer = got.iter().find(|e| e["event_type"] == "call answered").unwrap();
    assert_eq!(answer["target"]["phone_uuid"], agent_phone.as_str(), "{answer}");
    assert_eq!(answer["target"]["user_uuid"], agent_user.as_str(), "{answer}");
    assert_eq!(answer["unique_id"], incoming["unique_id"]);
    let finished = got.iter().find(|e| e["event_type"] == "call finished").unwrap();
    assert_eq!((finished["reason"].as_str(), &finished["unique_id"]), (Some("hangup"), &incoming["unique_id"]));
    // The agent's phone rang and went in use: status updates with the phone's UUID.
    let statuses: Vec<i64> = got
        .iter()
        .filter(|e| e["event_type"] == "phone status update" && e["phone_uuid"] == agent_phone.as_str())
        .map(|e| e["status_code"].as_i64().unwrap())
        .collect();
    assert!(statuses.contains(&1), "agent phone statuses {statuses:?}");

    // 1001 calls 1002, who blind-transfers to 1003.
    let start = got.last().and_then(|e| e["seq"].as_u64());
    let transfer = Scenario::BlindTransfer { from: "1001".into(), to: "1002".into(), transfer_to: "1003".into(), talk: ms(50) };
    rig.sim().run(transfer).await.unwrap();
    let got = events_until(&rig, start, "call finished").await;
    let kinds = types(&got);
    assert_eq!(kinds.first(), Some(&"incoming call"), "{kinds:?}");
    let blind = got.iter().find(|e| e["event_type"] == "blind transfer").unwrap_or_else(|| panic!("{kinds:?}"));
    assert_eq!((blind["status"].as_str(), blind["transfer_extension"].as_str(), blind["event_tag"].as_str()), (Some("success"), Some("1003"), Some("internal")));

    // `last` resumes exactly after an event; `limit` bounds the answer.
    let first = got[0]["seq"].as_u64().unwrap();
    let resumed = events(&rig, &format!("last={first}&limit=2&timeout=0")).await;
    assert_eq!(resumed.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(), vec![first + 1, first + 2]);
    assert_eq!(resumed[0], got[1]);
    // `limit=1` without `last`: only the newest, a starting point without the past (phone status
    // updates may still follow the call's end).
    let newest_one = events(&rig, "limit=1&timeout=0").await;
    assert_eq!(newest_one.len(), 1);
    assert!(newest_one[0]["seq"].as_u64() >= got.last().unwrap()["seq"].as_u64(), "{newest_one:?} after {:?}", got.last());
    rig.stop().await;
}

/// `GET /events` as PBX user `user`: the events, none carrying the plugin's own bookkeeping.
async fn user_events(rig: &Rig, user: (&str, &str), query: &str) -> Vec<Value> {
    let r = client().get(format!("{}/events?{query}", rig.url)).basic_auth(user.0, Some(user.1)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains("_parties"), "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_a_pbx_user_sees_only_their_own_events() {
    use switchboard_sim::Scenario;
    let rig = rig().await;
    let alice = ("1001", "1234");
    let alice_phone = rig.uuid_of("/phones", "phone_username", "1001").await;
    let alice_user = rig.uuid_of("/users", "username", "1001").await;
    let ms = Duration::from_millis;
    let start = newest(&rig).await;

    // Bob calls Carol: nothing of Alice's. A poll of hers waits it out and answers nothing.
    let others = Scenario::Internal { from: "1002".into(), to: "1003".into(), answer: true, talk: ms(50) };
    rig.sim().run(others).await.unwrap();
    let admin_saw = events_until(&rig, start, "call finished").await;
    let after_others = admin_saw.last().and_then(|e| e["seq"].as_u64());
    let query = start.map_or("timeout=1".to_string(), |s| format!("last={s}&timeout=1"));
    let waited = std::time::Instant::now();
    let theirs = user_events(&rig, alice, &query).await;
    assert!(theirs.is_empty(), "none of it is hers: {theirs:?}");
    assert!(waited.elapsed() >= Duration::from_millis(900), "a poll that finds only others' events waits for her own");

    // Then Carol calls Alice, who answers; Carol hangs up. Alice learns of the call when it rings
    // her phone (`internal dial`); its `incoming call` named Carol alone.
    let hers = Scenario::Internal { from: "1003".into(), to: "1001".into(), answer: true, talk: ms(50) };
    rig.sim().run(hers).await.unwrap();
    let mut seen: Vec<Value> = Vec::new();
    let mut last = start;
    for _ in 0..20 {
        let query = last.map_or("timeout=5".to_string(), |l| format!("last={l}&timeout=5"));
        let batch = user_events(&rig, alice, &query).await;
        if let Some(newest) = batch.last() {
            last = newest["seq"].as_u64();
        }
        seen.extend(batch);
        if seen.iter().any(|e| e["event_type"] == "call finished") {
            break;
        }
    }
    let kinds = types(&seen);
    assert_eq!(kinds, ["internal dial", "call answered", "call finished"], "{seen:?}");
    let call = seen[0]["unique_id"].clone();
    assert!(seen.iter().filter(|e| e["event_type"] != "phone status update").all(|e| e["unique_id"] == call), "one call: {seen:?}");
    assert!(seen.iter().all(|e| e["seq"].as_u64() > after_others), "Bob and Carol's call is not hers: {seen:?}");
    let dial = seen.iter().find(|e| e["event_type"] == "internal dial").unwrap();
    assert_eq!(dial["targets"][0]["user_uuid"], alice_user.as_str());
    for status in seen.iter().filter(|e| e["event_type"] == "phone status update") {
        assert_eq!(status["phone_uuid"], alice_phone.as_str(), "only her phone's status: {status}");
    }
    // Numbers rise, with gaps where others' events were.
    let seqs: Vec<u64> = seen.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // The administrator saw Bob and Carol's call too.
    assert!(types(&admin_saw).contains(&"call answered"), "{admin_saw:?}");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_events_timeout_errors_xml_and_hot_desk_logins_wake_500_pollers() {
    let rig = rig().await;
    let start = newest(&rig).await;
    // Nothing new: `timeout=0` answers an empty list at once.
    let began = std::time::Instant::now();
    let query = start.map_or("timeout=0".to_string(), |l| format!("last={l}&timeout=0"));
    assert_eq!(events(&rig, &query).await, Vec::<Value>::new());
    assert!(began.elapsed() < Duration::from_secs(5));
    // Bad options: 400 in the API's error format.
    for bad in ["last=-1", "timeout=soon", "limit=x"] {
        let (status, body) = rig.get(&format!("/events?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"]["message"].as_str().is_some(), "{body}");
    }
    let r = client().get(format!("{}/events", rig.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // 500 clients wait after the newest event; one hot-desk login wakes them all with it.
    let last = newest(&rig).await;
    let query = last.map_or("timeout=30".to_string(), |l| format!("last={l}&timeout=30"));
    let url = format!("{}/events?{query}", rig.url);
    let http = client();
    let pollers: Vec<_> = (0..500)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let r = http.get(url).basic_auth("apiKey", Some(KEY)).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
                r.json::<Value>().await.unwrap()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let bob = rig.uuid_of("/users", "username", "1002").await;
    let desk = rig.uuid_of("/phones", "phone_username", "1007").await;
    let (status, body, _) = rig.post(&format!("/users/{bob}"), ("apiKey", KEY), serde_json::json!({"hot_desk": desk})).await;
    assert_eq!(status, 200, "{body}");
    let began = std::time::Instant::now();
    for poller in pollers {
        let got = poller.await.unwrap();
        let login = got.as_array().unwrap().iter().find(|e| e["event_type"] == "user logged in").unwrap_or_else(|| panic!("{got}"));
        assert_eq!((login["user_uuid"].as_str(), login["phone_uuid"].as_str()), (Some(bob.as_str()), Some(desk.as_str())));
    }
    assert!(began.elapsed() < Duration::from_secs(25), "woken by the event, not the timeout");

    // Carol takes over the desk: Bob is logged out first, then Carol in.
    let carol = rig.uuid_of("/users", "username", "1003").await;
    let before = newest(&rig).await;
    let (status, _, _) = rig.post(&format!("/users/{carol}"), ("apiKey", KEY), serde_json::json!({"hot_desk": desk})).await;
    assert_eq!(status, 200);
    let got = events_until(&rig, before, "user logged in").await;
    let logins: Vec<(&str, &str)> = got
        .iter()
        .filter(|e| e["event_type"].as_str().unwrap().starts_with("user logged"))
        .map(|e| (e["event_type"].as_str().unwrap(), e["user_uuid"].as_str().unwrap()))
        .collect();
    assert_eq!(logins, vec![("user logged out", bob.as_str()), ("user logged in", carol.as_str())]);

    // XML: `<events>` with an `<item>` per event.
    let r = client().get(format!("{}/events.xml?limit=1&timeout=0", rig.url)).basic_auth("apiKey", Some(KEY)).send().await.unwrap();
    let xml = r.text().await.unwrap();
    assert!(xml.contains("<events>") && xml.contains("<event_type>user logged in</event_type>"), "{xml}");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_events_report_phone_status_changes_with_the_code_phones_reports() {
    use switchboard_sim::{EndpointSeed, Scenario};
    let rig = rig().await;
    let carol = rig.uuid_of("/phones", "phone_username", "1003").await;
    let phone_status = |e: &Value| e["event_type"] == "phone status update" && e["phone_uuid"] == carol.as_str();
    let listed = || async { rig.ok(&format!("/phones/{carol}")).await };
    let mut endpoint = EndpointSeed::phone("1003", "Carol White");
    endpoint.ring = Duration::from_millis(10);

    // The phone loses its registration: one update, Unavailable (4), as GET /phones then says.
    let start = newest(&rig).await;
    rig.sim().upsert_endpoint(endpoint.clone().unregistered());
    let got = events_until_one(&rig, start, phone_status).await;
    assert_eq!(got.len(), 1, "exactly the one update: {got:?}");
    assert_eq!((got[0]["status_code"].clone(), got[0]["status"].clone()), (4.into(), "Unavailable".into()), "{got:?}");
    let phone = listed().await;
    assert_eq!((phone["status_code"].clone(), phone["status"].clone()), (4.into(), "Unavailable".into()));

    // Registered again: Idle (0).
    let start = got.last().and_then(|e| e["seq"].as_u64());
    rig.sim().upsert_endpoint(endpoint);
    let got = events_until_one(&rig, start, phone_status).await;
    assert_eq!(got.len(), 1, "exactly the one update: {got:?}");
    assert_eq!((got[0]["status_code"].clone(), got[0]["status"].clone()), (0.into(), "Idle".into()));
    assert_eq!(listed().await["status_code"], 0);

    // 1001 calls Carol, who answers: her phone rings (8), is in use (1) while the call lasts —
    // what GET /phones says then too — and is idle (0) again after the hangup.
    let start = got.last().and_then(|e| e["seq"].as_u64());
    let call = tokio::spawn({
        let sim = rig.sim_arc();
        async move { sim.run(Scenario::Internal { from: "1001".into(), to: "1003".into(), answer: true, talk: Duration::from_secs(3) }).await }
    });
    let got = events_until_one(&rig, start, |e| phone_status(e) && e["status_code"] == 1).await;
    let codes: Vec<i64> = got.iter().filter(|e| phone_status(e)).map(|e| e["status_code"].as_i64().unwrap()).collect();
    assert_eq!(codes, vec![8, 1], "ringing, then in use: {got:?}");
    let in_use = got.iter().rfind(|e| phone_status(e)).unwrap();
    assert_eq!(in_use["status"], "In Use");
    let phone = listed().await;
    assert_eq!((phone["status_code"].clone(), phone["status"].clone()), (1.into(), "In Use".into()), "GET /phones agrees during the call");
    call.await.unwrap().unwrap();
    let after = got.last().and_then(|e| e["seq"].as_u64());
    let got = events_until_one(&rig, after, phone_status).await;
    let idle = got.iter().rfind(|e| phone_status(e)).unwrap();
    assert_eq!((idle["status_code"].clone(), idle["status"].clone()), (0.into(), "Idle".into()), "{got:?}");
    assert_eq!(listed().await["status_code"], 0);
    rig.stop().await;
}

/// The seed's overflow and reset rules through `/events`, on a host whose `[events] buffer` holds
/// five: a reader that falls behind sees `seq` jump past `last + 1`; an overflow while nobody reads
/// for `reset_after_s` drops everything, and the next events start again from `seq = 0`, which a
/// reader with an older (now too high) `last` gets. Hot-desk logins are the events: each settings
/// POST publishes exactly one, with no PBX event in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axeos_events_pass_overflow_gaps_and_resets_through() {
    let rig = rig_with("[events]\nbuffer = 5\nreset_after_s = 1\n").await;
    let bob = rig.uuid_of("/users", "username", "1002").await;
    let desk = rig.uuid_of("/phones", "phone_username", "1007").await;
    // Even steps log Bob in at the desk, odd ones out: one event each.
    let step = |i: usize| {
        let (rig, path, desk) = (&rig, format!("/users/{bob}"), desk.clone());
        async move {
            let hot_desk = if i % 2 == 0 { Value::from(desk) } else { Value::Null };
            let (status, body, _) = rig.post(&path, ("apiKey", KEY), serde_json::json!({ "hot_desk": hot_desk })).await;
            assert_eq!(status, 200, "step {i}: {body}");
        }
    };
    let seqs = |events: &[Value]| events.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>();
    let kind = |seq: u64| if seq % 2 == 0 { "user logged in" } else { "user logged out" };
    assert_eq!(events(&rig, "timeout=0").await, Vec::<Value>::new(), "nothing published yet");

    step(0).await;
    let first = events(&rig, "timeout=0").await;
    assert_eq!(seqs(&first), [0]);
    assert_eq!((first[0]["event_type"].as_str(), first[0]["user_uuid"].as_str()), (Some("user logged in"), Some(bob.as_str())));

    // Overflow with a reader: 1..=8 published, the buffer keeps 4..=8; `last=0` jumps to 4. A
    // glance at the newest before each step keeps the reader recent however slow the machine is
    // (an overflow a second after the last read would be a reset instead).
    for i in 1..=8 {
        events(&rig, "limit=1&timeout=0").await;
        step(i).await;
    }
    let batch = events(&rig, "last=0&timeout=0").await;
    assert_eq!(seqs(&batch), [4, 5, 6, 7, 8], "seq > last + 1: 1..=3 were dropped");
    for e in &batch {
        assert_eq!(e["event_type"], kind(e["seq"].as_u64().unwrap()), "{e}");
    }

    // Reset: nobody polls for over a second while the full buffer overflows again.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    step(9).await;
    step(10).await;
    assert_eq!(events(&rig, "last=8&timeout=0").await, Vec::<Value>::new(), "both dropped; this poll turns gathering on again");
    step(11).await;
    let restarted = events(&rig, "last=8&timeout=0").await;
    assert_eq!(seqs(&restarted), [0], "after a reset the next batch starts from seq = 0, even for last=8");
    assert_eq!(restarted[0]["event_type"], "user logged out");
    let next = events(&rig, "last=0&timeout=0").await;
    assert_eq!(next, Vec::<Value>::new(), "and continues from the new numbering");
    rig.stop().await;
}
