//! The SARK API's two hottest reads through the `sark` plugin vs the same work done natively in an
//! axum handler, side by side in one run:
//!
//! - `GET /api/extensions` with 500 extensions: the plugin's three queries (extensions, tenants,
//!   the plugin's own fields) and its PHP-style JSON; natively the same queries with rusqlite (the
//!   own fields from a database of the same schema) and the same JSON from the SDK's `php_json`;
//! - `GET /api/astamis/CoreShowChannels` with 3 live calls (6 channels: two talking, one ringing)
//!   in the PBX simulator: the plugin's AMI action through the host's link and SARK's list shape;
//!   natively the same action through a second `AmiClient` to the same simulator and the same JSON.
//!
//! The AMI route answers 2 KB: the figure is mostly the host's per-request cost (the `http`
//! bench's `hello` plugin, which does nothing, runs at about 0.4× native).
//!
//! Only what runs here, side by side, is compared: the Laravel original is not part of this bench.
//!
//! `cargo bench --bench sark -- [--connections 8,32] [--seconds 3] [--rounds 3] [--only Channels]`

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Target, rss_mib};
use rusqlite::Connection;
use switchboard::ami::{AmiClient, AmiConfig, EventSink, Message};
use switchboard::events::{BusConfig, EventBus};
use switchboard::store::Database;
use switchboard_sdk::php_json::Json;
use switchboard_sim::{PbxSeed, Scenario, SimConfig, Simulator};

/// The extension columns SARK answers, with the defaults of the ones the model has no place for.
const COLUMNS: &[(&str, Option<&str>)] = &[
    ("pkey", None),
    ("active", Some("YES")),
    ("callbackto", Some("desk")),
    ("callerid", None),
    ("cellphone", None),
    ("celltwin", Some("OFF")),
    ("cluster", Some("default")),
    ("desc", None),
    ("device", Some("General SIP")),
    ("devicerec", Some("default")),
    ("dvrvmail", None),
    ("location", Some("local")),
    ("macaddr", None),
    ("passwd", None),
    ("protocol", Some("IPV4")),
    ("provision", None),
    ("provisionwith", Some("IP")),
    ("sndcreds", Some("Always")),
    ("technology", Some("SIP")),
    ("transport", Some("udp")),
    ("vmailfwd", None),
];

/// The plugin's own fields of every extension: pkey → field → value.
type OwnFields = std::collections::HashMap<String, std::collections::HashMap<String, Option<String>>>;

fn own_fields(own: &Connection) -> OwnFields {
    let mut fields = OwnFields::default();
    let mut stmt = own.prepare_cached("SELECT pkey, field, value FROM sark_fields WHERE resource = ?").unwrap();
    for row in stmt.query_map(["extensions"], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))).unwrap() {
        let (pkey, field, value) = row.unwrap();
        fields.entry(pkey).or_default().insert(field, value);
    }
    fields
}

/// The extension list as the plugin builds it: the model's rows, tenant names, the own fields.
fn extensions_json(pbx: &Connection, fields: &OwnFields) -> String {
    let tenants: std::collections::HashMap<i64, String> = pbx
        .prepare_cached("SELECT id, name FROM tenants")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut stmt = pbx.prepare_cached("SELECT number, name, secret, technology, callerid, tenant_id FROM extensions ORDER BY number").unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut records = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        let pkey: String = r.get(0).unwrap();
        let tech: String = r.get(3).unwrap();
        let callerid: String = r.get(4).unwrap();
        let shared = [
            ("pkey", Some(pkey.clone())),
            ("desc", Some(r.get::<_, String>(1).unwrap())),
            ("passwd", Some(r.get::<_, String>(2).unwrap())),
            ("technology", Some(if tech == "pjsip" || tech == "sip" { "SIP".to_string() } else { tech.to_ascii_uppercase() })),
            ("callerid", (!callerid.is_empty()).then_some(callerid)),
            ("cluster", r.get::<_, i64>(5).ok().and_then(|id| tenants.get(&id).cloned())),
        ];
        let own = fields.get(&pkey);
        records.push(Json::Obj(
            COLUMNS
                .iter()
                .map(|(name, default)| {
                    let value = match shared.iter().find(|(n, _)| n == name) {
                        Some((_, v)) => v.clone(),
                        None => match own.and_then(|o| o.get(*name)) {
                            Some(v) => v.clone(),
                            None => default.map(str::to_string),
                        },
                    };
                    (name.to_string(), value.map_or(Json::Null, Json::Str))
                })
                .collect(),
        ));
    }
    Json::Arr(records).encode()
}

/// SARK's list shape: the response's headers, then each event's, without `ActionID`,
/// `EventList` and `ListItems`.
fn channels_json(response: &Message, events: &[Message]) -> String {
    let flat = |m: &Message| {
        Json::Obj(
            m.fields()
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "ActionID" | "EventList" | "ListItems"))
                .map(|(k, v)| (k.clone(), Json::Str(v.clone())))
                .collect(),
        )
    };
    let mut items = vec![flat(response)];
    items.extend(events.iter().map(flat));
    Json::Arr(items).encode()
}

#[derive(Clone)]
struct Native {
    pbx: common::Pool,
    own: common::Pool,
    ami: AmiClient,
}

async fn native_server(native: Native) -> std::net::SocketAddr {
    use axum::extract::State;
    use axum::routing::get;
    let json = |body: String| ([(hyper::header::CONTENT_TYPE, "application/json")], body);
    let app = axum::Router::new()
        .route(
            "/api/extensions",
            get(move |State(n): State<Native>| async move {
                let fields = n.own.with(|own| own_fields(own)).await;
                json(n.pbx.with(move |pbx| extensions_json(pbx, &fields)).await)
            }),
        )
        .route(
            "/api/astamis/CoreShowChannels",
            get(move |State(n): State<Native>| async move {
                let answer = n.ami.send(Message::new().with("Action", "CoreShowChannels")).await.unwrap();
                json(channels_json(&answer.response, &answer.events))
            }),
        )
        .with_state(native);
    common::serve(app).await
}

/// The demo office's phone that rings and is never picked up.
fn sim_office_never_answers() -> String {
    switchboard_sim::office::NEVER_ANSWERS.to_string()
}

/// 500 extensions (2000–2499) with names and 32-character secrets, in the default tenant.
fn seed(db: &std::path::Path) {
    let mut conn = Database::open_connection(db).unwrap();
    switchboard::store::migrate::migrate(&mut conn).unwrap();
    let tx = conn.transaction().unwrap();
    for n in 2000..2500 {
        tx.execute(
            "INSERT INTO extensions (number, name, secret) VALUES (?, ?, ?)",
            rusqlite::params![n.to_string(), format!("User Number {n}"), format!("{:032x}", (n as u128) * 0x9e37_79b9_7f4a_7c15)],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// A database of the plugin's own schema, with nothing in it (as the bench's plugin has).
fn own_database(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE sark_records (resource TEXT NOT NULL, pkey TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (resource, pkey));
         CREATE TABLE sark_fields (resource TEXT NOT NULL, pkey TEXT NOT NULL, field TEXT NOT NULL, value TEXT, PRIMARY KEY (resource, pkey, field));",
    )
    .unwrap();
}

fn main() {
    let options = common::options(&[8, 32]);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let db = store.join("pbx.sqlite");
    seed(&db);
    let own = dir.path().join("native-own.sqlite");
    own_database(&own);

    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let sim = servers.block_on(async {
        let config = SimConfig { listen: "127.0.0.1:0".parse().unwrap(), pbx: PbxSeed::demo(), ..SimConfig::default() };
        Arc::new(Simulator::start(config).await.unwrap())
    });
    let (user, secret) = sim.credentials();
    let (server, plugin) = servers.block_on(common::start_host(&format!(
        "{store}\
         [ami]\naddress = \"{address}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n\
         [[mount]]\nroute = \"/api\"\nplugin = \"sark\"\n\
         settings = {{ rate-limit = \"off\" }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"tenants\"] }}, own = true }}, ami = [\"CoreShowChannels\"] }}\n\
         limits = {{ max_concurrent = 64 }}\n",
        store = common::store_table(&store),
        address = sim.address(),
    )));
    let ami = servers.block_on(async {
        server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10)).await.expect("the host's AMI link is up");
        let bus: Arc<dyn EventSink> = EventBus::new(BusConfig::default());
        let client = AmiClient::start(AmiConfig { address: sim.address().to_string(), username: user.into(), secret: secret.into(), ..Default::default() }, bus);
        client.wait_up(Duration::from_secs(10)).await.expect("the native AMI link is up");
        client
    });
    let native = servers.block_on(native_server(Native { pbx: common::Pool::new(&db), own: common::Pool::new(&own), ami }));

    // Live calls for the whole run: their channels are what CoreShowChannels lists.
    let hour = Duration::from_secs(3600);
    let calls = [
        Scenario::Internal { from: "1001".into(), to: "1002".into(), answer: true, talk: hour },
        Scenario::Internal { from: "1003".into(), to: "1004".into(), answer: true, talk: hour },
        Scenario::Unanswered { from: "1005".into(), to: sim_office_never_answers(), ring: hour },
    ];
    for call in calls {
        let sim = sim.clone();
        servers.spawn(async move {
            let _ = sim.run(call).await;
        });
    }
    servers.block_on(async {
        for _ in 0..200 {
            if sim.channels().len() >= 6 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    println!("{} live channels in the simulator", sim.channels().len());

    let list: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.starts_with(b"[{");
    let shapes = [("extensions (500)", "/api/extensions"), ("astamis CoreShowChannels", "/api/astamis/CoreShowChannels")];
    // Both sides answer the same JSON (channel durations aside, which tick between the two reads).
    servers.block_on(async {
        for (label, path) in shapes {
            let get = |addr: std::net::SocketAddr| async move { reqwest::get(format!("http://{addr}{path}")).await.unwrap().text().await.unwrap() };
            let (p, n) = (get(plugin).await, get(native).await);
            if path.ends_with("extensions") {
                assert_eq!(p, n, "{label}: plugin and native answer the same JSON");
            } else {
                let shape = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap().as_array().unwrap().len();
                assert_eq!(shape(&p), shape(&n), "{label}: plugin and native list the same channels");
            }
            println!("{label}: {} bytes of JSON", p.len());
        }
    });

    common::announce("sark plugin vs native axum + rusqlite / AmiClient", &options, "");
    let mut ratios = Vec::new();
    for (label, path) in &shapes {
        if options.skips(label) {
            continue;
        }
        for &connections in &options.connections {
            let (n, p) = common::compare(label, &Target::get(native, *path, list), &Target::get(plugin, *path, list), connections, &options);
            if n.rps > 0.0 {
                ratios.push((label.to_string(), connections, p.rps / n.rps));
            }
        }
    }
    for (label, connections, ratio) in ratios {
        println!("ratio plugin/native  {label:<28} {connections:>3} connections: {ratio:.2}x");
    }
    println!("process RSS after the runs: {:.0} MiB", rss_mib());
    drop(server);
}
