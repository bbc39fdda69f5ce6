//! Evolvex beside the other flavors on one host and one PBX: a call originated through Evolvex is
//! an ordinary call of the PBX, so Axeos's event stream reports it, Elastix's `activecall` lists
//! its channels, and Evolvex's own `status` shows the channel with the variables the originate set
//! (and those the dialplan added since) flattened into it.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard::ami::Message;
use switchboard_sim::{PbxSeed, office};

use crate::util::client;

const EVOLVEX_KEY: &str = "5d0c6a3e-96b1-4c1f-8f0e-2a7d4b9c1e55";
const ADMIN_KEY: &str = "cross-evolvex-admin-key";
const AXEOS_KEY: &str = "cross-axeos-api-key";
const ELASTIX_KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";

crate::util::local_rig!(
    /// The host with Evolvex on `/api/index`, Axeos on `/apis/pbx` and Elastix on `/api/api.php`.
    Rig {}
);

/// The simulator's demo office and its phones in the model (Axeos names the users it reports).
async fn rig() -> Rig {
    let mut sql = String::new();
    for (number, name) in office::phones() {
        sql.push_str(&format!("INSERT INTO extensions (number, name, secret, voicemail) VALUES ('{number}', '{name}', 's', 'default');\n"));
    }
    let host = crate::util::Rig::builder()
        .pbx(PbxSeed::demo().with_ring(Duration::from_millis(10)))
        .store()
        .mount(
            "/api/index",
            "evolvex",
            &format!(
                "settings = {{ admin-key = \"{ADMIN_KEY}\" }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"cdr\"] }}, own = true }}, ami = [\"Status\", \"Originate Application=\"] }}\n"
            ),
        )
        .mount(
            "/apis/pbx",
            "axeos",
            &format!(
                "settings = {{ api-key = \"{AXEOS_KEY}\" }}\n\
                 limits = {{ timeout_ms = 60000 }}\n\
                 grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"voicemail\", \"device_options\", \"trunks\"], write = [\"astdb\"] }}, own = true }}, \
                 events = true, ami = [\"DeviceStateList\", \"Status\"] }}\n"
            ),
        )
        .mount_with("/api/api.php", "elastix", |env| {
            let (user, secret) = env.sim().credentials();
            format!(
                "settings = {{ api-key = \"{ELASTIX_KEY}\", ami-username = \"{user}\", ami-secret = \"{secret}\" }}\n\
                 grants = {{ ami = [\"Command core show channels verbose\"] }}\n"
            )
        })
        .seed(&sql)
        .start()
        .await;
    let rig = Rig { host };
    // The Evolvex user: a group granting `from-internal`, and a key in it.
    let group = rig.admin("groups", json!({"name": "office"})).await;
    let group = group["uuid"].as_str().unwrap().to_string();
    rig.admin("access", json!({"name": "from-internal", "group_uuid": group})).await;
    rig.admin("users", json!({"name": "crm", "api_key": EVOLVEX_KEY, "group_uuid": group})).await;
    rig
}

impl Rig {
    /// Creates a record through Evolvex's admin resource; its `data`.
    async fn admin(&self, what: &str, body: Value) -> Value {
        let r = client()
            .post(format!("{}/api/index/admin/{what}", self.base))
            .header("x-admin-key", ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "admin {what}: {body}");
        body["data"].clone()
    }

    /// An Evolvex method with the key and `params`; status and body.
    async fn evolvex(&self, method: &str, params: &[(&str, &str)]) -> (u16, Value) {
        let mut query = vec![("api_key", EVOLVEX_KEY)];
        query.extend_from_slice(params);
        let r = client().get(format!("{}/api/index/{method}", self.base)).query(&query).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method}: {e}: {text}")))
    }

    /// Axeos's event stream after `last`, or from its first event still buffered (at most a 5 s
    /// wait for something new).
    async fn axeos_events(&self, last: Option<u64>) -> Vec<Value> {
        self.axeos_stream(&last.map_or("limit=0&timeout=5".to_string(), |l| format!("last={l}&timeout=5"))).await
    }

    /// The `seq` of the newest event, without replaying the past (`limit=1`, `timeout=0`).
    async fn axeos_newest(&self) -> Option<u64> {
        self.axeos_stream("limit=1&timeout=0").await.last().and_then(|e| e["seq"].as_u64())
    }

    async fn axeos_stream(&self, query: &str) -> Vec<Value> {
        let r = client().get(format!("{}/apis/pbx/events?{query}", self.base)).basic_auth("apiKey", Some(AXEOS_KEY)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json().await.unwrap()
    }

    /// Reads Axeos's stream from `last` until an event `wanted` accepts; every event read.
    async fn axeos_until(&self, mut last: Option<u64>, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen: Vec<Value> = Vec::new();
        for _ in 0..50 {
            let batch = self.axeos_events(last).await;
            if let Some(newest) = batch.last() {
                last = newest["seq"].as_u64();
            }
            seen.extend(batch);
            if seen.iter().any(&wanted) {
                return seen;
            }
        }
        panic!("not the wanted event in {seen:#?}");
    }

    /// Elastix's `activecall`: the channel objects.
    async fn activecall(&self) -> Vec<Value> {
        let r = client().post(format!("{}/api/api.php?cmd=activecall", self.base)).header("authorization", ELASTIX_KEY).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let list: Value = r.json().await.unwrap();
        list.as_array().unwrap().iter().filter(|v| v.is_object()).cloned().collect()
    }
}

/// The Evolvex `status` entry of the channel whose originate set `CRM_ID=cross-42`, once its call
/// is answered (Dial has reported its peer), polled as a client would.
async fn originated_channel(rig: &Rig) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, body) = rig.evolvex("status", &[]).await;
        assert_eq!(status, 200, "{body}");
        last = body;
        let found = last["data"].as_array().unwrap().iter().find(|c| c["CRM_ID"] == "cross-42" && c["DIALSTATUS"] == "ANSWER");
        if let Some(found) = found {
            return found.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the originated channel never showed answered: {last:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolvex_originate_shows_in_axeos_events_elastix_activecall_and_evolvex_status() {
    let rig = rig().await;
    let start = rig.axeos_newest().await;
    assert!(rig.activecall().await.is_empty(), "no call yet");

    // Alice's phone (1001) rings and answers, then the dialplan dials Bob (1002), who answers.
    let (status, body) = rig
        .evolvex(
            "originate",
            &[
                ("channel", "PJSIP/1001"),
                ("exten", "1002"),
                ("context", "from-internal"),
                ("priority", "1"),
                ("callerid", "\"CRM\" <5550142>"),
                // `Context` is a legal variable name: it must not pass for the channel's context.
                ("variable", "CRM_ID=cross-42,__ORIGIN=a=b,Context=spoofed"),
                ("async", "true"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["response"], "Success", "{body}");

    // Evolvex's status: the channel's headers as Asterisk sent them, every variable flattened in
    // (the originate's — without the inheritance prefix, as Asterisk names it — and Dial's).
    let caller = originated_channel(&rig).await;
    let channel = caller["Channel"].as_str().unwrap().to_string();
    assert!(channel.starts_with("PJSIP/1001-"), "{caller:#}");
    assert_eq!((caller["Context"].as_str(), caller["Exten"].as_str()), (Some("from-internal"), Some("1002")), "{caller:#}");
    assert_eq!(caller["CallerIDNum"], "5550142", "{caller:#}");
    assert_eq!(caller["ORIGIN"], "a=b", "a value keeps its `=`: {caller:#}");
    assert_eq!(caller["DIALEDPEERNUMBER"], "1002", "{caller:#}");
    assert!(caller["BRIDGEPEER"].as_str().is_some_and(|p| p.starts_with("PJSIP/1002-")), "{caller:#}");
    assert!(caller["Variable"].as_str().is_some_and(|v| v.contains('=')), "the first Variable line kept: {caller:#}");
    // In wire order: the headers, then the variables (read from the text: JSON objects have no order).
    let text = client().get(format!("{}/api/index/status?api_key={EVOLVEX_KEY}", rig.base)).send().await.unwrap().text().await.unwrap();
    let object = text.split("{\"Event\"").find(|o| o.contains(&format!("\"Channel\":\"{channel}\""))).unwrap_or_else(|| panic!("{text}"));
    let at = |k: &str| object.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} in {object}"));
    assert!(at("Seconds") < at("Variable") && at("Variable") < at("CRM_ID") && at("Variable") < at("DIALSTATUS"), "{object}");
    assert_eq!(object.matches("\"Context\":").count(), 1, "the header alone, never the variable: {object}");
    let uniqueid = caller["Uniqueid"].as_str().unwrap().to_string();
    let linkedid = caller["Linkedid"].as_str().unwrap().to_string();

    // Elastix's activecall lists both legs, the originated one by the same name.
    let legs = rig.activecall().await;
    assert!(legs.iter().any(|l| l["Channel"] == channel.as_str() && l["Context"] == "from-internal"), "{legs:#?}");
    assert!(legs.iter().any(|l| l["Channel"].as_str().is_some_and(|c| c.starts_with("PJSIP/1002-"))), "{legs:#?}");

    // Axeos's stream reports the call under the originated channel's id: the originate rang
    // Alice's phone, then the dialplan dialled Bob's, and Bob answered.
    let ours = |e: &Value| e["unique_id"] == uniqueid.as_str() || e["unique_id"] == linkedid.as_str();
    let bob_answered = |e: &Value| e["event_type"] == "call answered" && ours(e) && e["target"]["unique_id"] != uniqueid.as_str();
    let seen = rig.axeos_until(start, bob_answered).await;
    let bob = seen.iter().find(|e| bob_answered(e)).unwrap()["target"].clone();
    assert_eq!(bob["user_phone_type"], "phone", "{bob:#}");
    let dialled: Vec<&Value> = seen.iter().filter(|e| e["event_type"] == "internal dial" && ours(e)).collect();
    assert!(dialled.iter().any(|d| d["targets"][0]["unique_id"] == bob["unique_id"]), "{seen:#?}");
    assert!(dialled.iter().any(|d| d["targets"][0]["unique_id"] == uniqueid.as_str()), "Alice's phone rang first: {seen:#?}");

    // Hung up on the PBX: Axeos reports the end, and the channel leaves Evolvex's status.
    let hung = rig.ami().send(Message::new().with("Action", "Hangup").with("Channel", channel.clone())).await.unwrap();
    assert_eq!(hung.response.get("Response"), Some("Success"), "{hung:?}");
    let last = seen.last().and_then(|e| e["seq"].as_u64());
    rig.axeos_until(last, |e| e["event_type"] == "call finished" && ours(e)).await;
    let (_, after) = rig.evolvex("status", &[]).await;
    assert!(after["data"].as_array().unwrap().iter().all(|c| c["Channel"] != channel.as_str()), "{after:#}");
    rig.stop().await;
}
