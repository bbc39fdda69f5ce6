//! The Issabel pbxapi's three read requests through the `issabel` plugin vs the same SQL and the
//! same PHP-style JSON in a native axum + rusqlite handler, side by side in one run:
//!
//! - `GET /pbxapi/extensions` with 500 extensions (about 58 KB of JSON),
//! - `GET /pbxapi/extensions/1002`,
//! - `GET /pbxapi/ringgroups` with 20 groups,
//!
//! each with a real bearer token from `POST /pbxapi/authenticate` (the plugin verifies its HS256
//! signature on every request; the native side verifies nothing, so the ratio includes auth). Only
//! what runs here, side by side, is compared: the PHP original is not part of this bench.
//!
//! `cargo bench --bench issabel -- [--connections 8,32] [--seconds 3] [--rounds 3] [--only ring]`

mod common;


use common::{Target, rss_mib};
use rusqlite::Connection;
use switchboard::store::Database;
use switchboard_sdk::php_json::{Json, write_str};

const EXTENSIONS_SQL: &str = "SELECT number, name, secret, technology FROM extensions";
const ORDER: &str = " ORDER BY CAST(number AS INTEGER), number";
const GROUPS_SQL: &str = "SELECT number, name, strategy, change_callerid, fixed_callerid FROM ring_groups ORDER BY CAST(number AS INTEGER), number";
const MEMBERS_SQL: &str = "SELECT group_number, destination FROM ring_group_members ORDER BY group_number, position";

fn dial(tech: &str, number: &str) -> String {
    format!("{}/{number}", if tech == "sip" { "SIP" } else { "PJSIP" })
}

/// Appends `"key":"text"` (a comma first unless `first`), PHP-escaped.
fn field(out: &mut String, first: bool, key: &str, text: &str) {
    if !first {
        out.push(',');
    }
    write_str(out, key);
    out.push(':');
    write_str(out, text);
}

/// Column `i` of `row` as borrowed text.
fn text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> &'r str {
    row.get_ref(i).unwrap().as_str().unwrap()
}

/// The default view of extensions, as the plugin writes it: straight into one buffer from borrowed
/// column text (the fastest native way, so the ratio is against the best baseline).
fn extensions_json(conn: &Connection, id: Option<&str>) -> String {
    let sql = match id {
        Some(_) => format!("{EXTENSIONS_SQL} WHERE number = ?"),
        None => format!("{EXTENSIONS_SQL}{ORDER}"),
    };
    let mut stmt = conn.prepare_cached(&sql).unwrap();
    let params: Vec<&dyn rusqlite::ToSql> = id.iter().map(|i| i as &dyn rusqlite::ToSql).collect();
    let mut rows = stmt.query(params.as_slice()).unwrap();
    let mut out = String::from(r#"{"results":["#);
    let mut first = true;
    while let Some(r) = rows.next().unwrap() {
        out.push_str(if first { "{" } else { ",{" });
        first = false;
        let (number, tech) = (text(r, 0), text(r, 3));
        field(&mut out, true, "dial", &dial(tech, number));
        field(&mut out, false, "extension", number);
        field(&mut out, false, "name", text(r, 1));
        field(&mut out, false, "secret", text(r, 2));
        field(&mut out, false, "tech", tech);
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// The default view of ring groups, members from a second query, as the plugin does.
fn ringgroups_json(conn: &Connection) -> String {
    let mut members: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut stmt = conn.prepare_cached(MEMBERS_SQL).unwrap();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap() {
        let (group, member) = row.unwrap();
        members.entry(group).or_default().push(member);
    }
    let mut stmt = conn.prepare_cached(GROUPS_SQL).unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut out = String::from(r#"{"results":["#);
    let mut first = true;
    while let Some(r) = rows.next().unwrap() {
        out.push_str(if first { "{" } else { ",{" });
        first = false;
        let number = text(r, 0);
        field(&mut out, true, "change_callerid", text(r, 3));
        field(&mut out, false, "destination", &format!("from-internal,{number},1"));
        field(&mut out, false, "extension", number);
        out.push_str(r#","extension_list":"#);
        out.push_str(&Json::from(members.remove(number).unwrap_or_default()).encode());
        field(&mut out, false, "fixed_callerid", text(r, 4));
        field(&mut out, false, "id", number);
        field(&mut out, false, "name", text(r, 1));
        field(&mut out, false, "strategy", text(r, 2));
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// The native side: a small pool of connections used from the blocking pool.
#[derive(Clone)]
struct Native {
    pool: common::Pool,
}

impl Native {
    async fn with(&self, f: impl FnOnce(&Connection) -> String + Send + 'static) -> ([(hyper::header::HeaderName, &'static str); 1], String) {
        let body = self.pool.with(move |conn| f(conn)).await;
        ([(hyper::header::CONTENT_TYPE, "application/json")], body)
    }
}

async fn native_server(native: Native) -> std::net::SocketAddr {
    use axum::extract::{Path, State};
    use axum::routing::get;
    let app = axum::Router::new()
        .route("/pbxapi/extensions", get(|State(n): State<Native>| async move { n.with(|c| extensions_json(c, None)).await }))
        .route(
            "/pbxapi/extensions/{id}",
            get(|State(n): State<Native>, Path(id): Path<String>| async move { n.with(move |c| extensions_json(c, Some(&id))).await }),
        )
        .route("/pbxapi/ringgroups", get(|State(n): State<Native>| async move { n.with(ringgroups_json).await }))
        .with_state(native);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// 500 extensions (1000–1499, names and 32-character secrets like the seed's) and 20 ring groups
/// of 5 members each.
fn seed(db: &std::path::Path) {
    let mut conn = Database::open_connection(db).unwrap();
    switchboard::store::migrate::migrate(&mut conn).unwrap();
    let tx = conn.transaction().unwrap();
    for n in 1000..1500 {
        tx.execute(
            "INSERT INTO extensions (number, name, secret, technology) VALUES (?, ?, ?, 'sip')",
            rusqlite::params![n.to_string(), format!("User Number {n}"), format!("{:032x}", (n as u128) * 0x9e37_79b9_7f4a_7c15)],
        )
        .unwrap();
    }
    for g in 0..20 {
        let number = (600 + g).to_string();
        tx.execute("INSERT INTO ring_groups (number, name) VALUES (?, ?)", rusqlite::params![number, format!("Group {g}")]).unwrap();
        for p in 0..5 {
            tx.execute(
                "INSERT INTO ring_group_members (group_number, position, destination) VALUES (?, ?, ?)",
                rusqlite::params![number, p, (1000 + g * 5 + p).to_string()],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn main() {
    let options = common::options(&[8, 32]);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let db = store.join("pbx.sqlite");
    seed(&db);

    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let (server, plugin) = servers.block_on(common::start_host(&format!(
        "{store}\
         [[mount]]\nroute = \"/pbxapi\"\nplugin = \"issabel\"\n\
         settings = {{ jwt-secret = \"bench-secret-0123456789abcdef\", admin-password = \"bench\" }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"extensions\", \"ring_groups\", \"ring_group_members\", \"queues\"] }} }} }}\n\
         limits = {{ max_concurrent = 64 }}\n",
        store = common::store_table(&store),
    )));
    let native = servers.block_on(native_server(Native { pool: common::Pool::new(&db) }));

    // A real token from the plugin.
    let token = servers.block_on(async {
        let body = reqwest::Client::new()
            .post(format!("http://{plugin}/pbxapi/authenticate"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("user=admin&password=bench")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["access_token"].as_str().unwrap().to_string()
    });
    let headers = [("authorization", format!("Bearer {token}"))];

    let results: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.starts_with(b"{\"results\":[{");
    let shapes = [
        ("extensions (500)", "/pbxapi/extensions"),
        ("extension 1002", "/pbxapi/extensions/1002"),
        ("ringgroups (20)", "/pbxapi/ringgroups"),
    ];
    // Both sides answer the same bytes.
    servers.block_on(async {
        for (label, path) in shapes {
            let get = |addr: std::net::SocketAddr| {
                reqwest::Client::new().get(format!("http://{addr}{path}")).bearer_auth(&token).send()
            };
            let (p, n) = (get(plugin).await.unwrap().text().await.unwrap(), get(native).await.unwrap().text().await.unwrap());
            assert_eq!(p, n, "{label}: plugin and native answer the same JSON");
            println!("{label}: {} bytes of JSON", p.len());
        }
    });

    common::announce("issabel plugin vs native axum + rusqlite", &options, "");
    for (label, path) in &shapes {
        if options.skips(label) {
            continue;
        }
        for &connections in &options.connections {
            let target = |addr| headers.iter().fold(Target::get(addr, *path, results), |t, (name, value)| t.header(name, value.clone()));
            common::compare(label, &target(native), &target(plugin), connections, &options);
        }
    }
    println!("process RSS after the runs: {:.0} MiB", rss_mib());
    drop(server);
}
