//! The heaviest API-shaped queries through a plugin vs the same SQL in a native axum handler,
//! side by side in one run, over a real SQLite file:
//!
//! - a CDR report over 100,000 rows (Elastix `cdrreport` shape: newest first, limit 100), with
//!   default filters and with a date range + field pattern + status;
//! - the list of 1,000 extensions with their endpoints;
//! - creating an extension and applying the change (render + reload over AMI to the simulator).
//!
//! Both sides run the same statements on the same database with the same JSON shape; the plugin
//! goes through the sandbox, the `sqlite` interface and its authorizer. A third line gives the bare
//! SQL rate (one connection, no HTTP) for scale.
//!
//! `cargo bench --bench store -- [--connections 8,32] [--seconds 3] [--rounds 3] [--only cdr]`

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Query, State};
use common::{Target, rss_mib};
use rusqlite::Connection;
use rusqlite::types::Value;
use switchboard::store::Database;

const CDR_SQL: &str = "SELECT calldate, src, dst, channel, dstchannel, disposition, uniqueid, duration, billsec, accountcode, recordingfile \
                       FROM cdr WHERE dst <> 's'";
const EXTENSIONS_SQL: &str = "SELECT e.number, e.name, e.secret, e.technology, e.context, e.voicemail, p.callerid, p.allow \
                              FROM extensions e LEFT JOIN ps_endpoints p ON p.id = e.number ORDER BY e.number";
const NEXT_SQL: &str =
    "SELECT CAST(coalesce(max(CAST(number AS INTEGER)), 9999) + 1 AS TEXT) FROM extensions WHERE CAST(number AS INTEGER) >= 10000";

/// The report's SQL and parameters from the query string, exactly as the store probe builds them.
fn cdr_query(q: &std::collections::HashMap<String, String>) -> (String, Vec<Value>) {
    let mut sql = CDR_SQL.to_string();
    let mut args = Vec::new();
    if let (Some(start), Some(end)) = (q.get("start"), q.get("end")) {
        sql.push_str(" AND calldate BETWEEN ? AND ?");
        args.extend([Value::Text(start.clone()), Value::Text(end.clone())]);
    }
    if let (Some(field), Some(pattern)) = (q.get("field"), q.get("pattern")) {
        assert!(["src", "dst", "channel", "dstchannel", "accountcode"].contains(&field.as_str()));
        sql.push_str(&format!(" AND {field} LIKE '%' || ? || '%'"));
        args.push(Value::Text(pattern.clone()));
    }
    if let Some(status) = q.get("status").filter(|s| *s != "ALL") {
        sql.push_str(" AND disposition = ?");
        args.push(Value::Text(status.clone()));
    }
    sql.push_str(" ORDER BY calldate DESC LIMIT ?");
    args.push(Value::Integer(q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100)));
    (sql, args)
}

/// Rows as JSON objects keyed by column, as the SDK's `QueryResult::to_json` makes them.
fn rows_json(conn: &Connection, sql: &str, args: &[Value]) -> String {
    let mut stmt = conn.prepare_cached(sql).unwrap();
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |row| {
            Ok(columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let v = match row.get::<_, Value>(i).unwrap() {
                        Value::Integer(n) => n.into(),
                        Value::Real(f) => f.into(),
                        Value::Text(s) => s.into(),
                        Value::Blob(b) => b.into(),
                        Value::Null => serde_json::Value::Null,
                    };
                    (c.clone(), v)
                })
                .collect())
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    serde_json::to_string(&rows).unwrap()
}

/// The native side: a small pool of connections used from the blocking pool.
#[derive(Clone)]
struct Native {
    pool: common::Pool,
    applier: Arc<switchboard::apply::Applier>,
}

impl Native {
    async fn with<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> T + Send + 'static) -> T {
        self.pool.with(f).await
    }
}

async fn native_server(native: Native) -> std::net::SocketAddr {
    use axum::routing::{get, post};
    type Q = Query<std::collections::HashMap<String, String>>;
    let json = |body: String| ([(hyper::header::CONTENT_TYPE, "application/json")], body);
    let app = axum::Router::new()
        .route(
            "/cdr",
            get(move |State(n): State<Native>, Query(q): Q| async move {
                json(n.with(move |c| { let (sql, args) = cdr_query(&q); rows_json(c, &sql, &args) }).await)
            }),
        )
        .route("/extensions", get(move |State(n): State<Native>| async move { json(n.with(|c| rows_json(c, EXTENSIONS_SQL, &[])).await) }))
        .route(
            "/extension",
            post(move |State(n): State<Native>| async move {
                let number = n
                    .with(|c| {
                        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
                        let number: String = tx.query_row(NEXT_SQL, [], |r| r.get(0)).unwrap();
                        tx.execute(
                            "INSERT INTO extensions (number, name, secret, voicemail) VALUES (?, ?, ?, 'default')",
                            rusqlite::params![number, format!("Bench {number}"), "bench-secret"],
                        )
                        .unwrap();
                        tx.commit().unwrap();
                        number
                    })
                    .await;
                n.applier.apply().await.unwrap();
                (hyper::StatusCode::CREATED, json(serde_json::json!({ "number": number }).to_string()))
            }),
        )
        .with_state(native);
    common::serve(app).await
}

fn main() {
    let options = common::options(&[8, 32]);
    let dir = tempfile::tempdir().unwrap();
    let (store, conf) = (dir.path().join("store"), dir.path().join("asterisk"));
    std::fs::create_dir_all(&store).unwrap();

    // 1,000 extensions and 100,000 CDRs over 30 days.
    let db = store.join("pbx.sqlite");
    let seeding = Instant::now();
    {
        let mut conn = Database::open_connection(&db).unwrap();
        switchboard::store::migrate::migrate(&mut conn).unwrap();
        let tx = conn.transaction().unwrap();
        for n in 2000..3000 {
            tx.execute("INSERT INTO extensions (number, name, secret, voicemail) VALUES (?, ?, ?, 'default')", rusqlite::params![n.to_string(), format!("User {n}"), format!("pw-{n}")]).unwrap();
        }
        tx.commit().unwrap();
        switchboard::demo::pbx::insert_cdrs(&mut conn, 100_000, 30, SystemTime::now(), 0.1, 7).unwrap();
    }
    println!("seeded 1,000 extensions and 100,000 CDRs in {:.1} s", seeding.elapsed().as_secs_f64());

    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let sim = servers
        .block_on(switchboard_sim::Simulator::start(switchboard_sim::SimConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            config_dir: Some(conf.clone()),
            ..Default::default()
        }))
        .unwrap();
    let (user, secret) = sim.credentials();
    let plugin = switchboard::builtin::test_plugin_path("store-probe").unwrap();
    let (server, plugin) = servers.block_on(common::start_host(&format!(
        "{store}[asterisk]\nconfig_dir = {conf:?}\n\
         [ami]\naddress = \"{ami}\"\nusername = \"{user}\"\nsecret = \"{secret}\"\n\
         [[mount]]\nroute = \"/s\"\nplugin = {plugin:?}\ngrants = {{ sqlite = {{ pbx = \"read-write\" }}, apply_changes = true }}\nlimits = {{ max_concurrent = 64 }}\n",
        store = common::store_table(&store),
        conf = conf.display().to_string(),
        ami = sim.address(),
        plugin = plugin.display().to_string(),
    )));
    servers.block_on(server.services().ami.as_ref().unwrap().wait_up(Duration::from_secs(10))).expect("AMI up");
    let applier = server.services().applier.clone().unwrap();
    servers.block_on(applier.apply()).unwrap(); // the first apply of a process reloads everything
    let native = servers.block_on(native_server(Native { pool: common::Pool::new(&db), applier }));

    let week_ago = humantime::format_rfc3339_seconds(SystemTime::now() - Duration::from_secs(7 * 86_400)).to_string();
    let (start, end) = (week_ago[..19].replace('T', "%20"), humantime::format_rfc3339_seconds(SystemTime::now()).to_string()[..19].replace('T', "%20"));
    let filtered = format!("/cdr?start={start}&end={end}&field=src&pattern=10&status=ANSWERED&limit=100");
    let json_array: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.first() == Some(&b'[') && body.len() > 2;
    let created: fn(u16, &[u8]) -> bool = |status, body| status == 201 && body.starts_with(b"{\"number\":");
    let shapes: Vec<(&str, String, &'static str, fn(u16, &[u8]) -> bool)> = vec![
        ("cdr report (default)", "/cdr?limit=100".to_string(), "GET", json_array),
        ("cdr report (filtered)", filtered.clone(), "GET", json_array),
        ("extension list (1,000)", "/extensions".to_string(), "GET", json_array),
        ("extension create + apply", "/extension".to_string(), "POST", created),
    ];

    // Bare SQL for scale: one connection, no HTTP, no JSON.
    {
        let conn = Database::open_connection(&db).unwrap();
        let q = |s: &str| s.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.replace("%20", " "))).collect();
        for (label, path) in [("cdr report (default)", "limit=100".to_string()), ("cdr report (filtered)", filtered[5..].to_string())] {
            let (sql, args) = cdr_query(&q(&path));
            let started = Instant::now();
            let mut n = 0;
            while started.elapsed() < Duration::from_secs(1) {
                let mut stmt = conn.prepare_cached(&sql).unwrap();
                let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |_| Ok(())).unwrap().count();
                assert!(rows > 0, "{label} returns rows");
                n += 1;
            }
            println!("bare SQL, one connection, {label}: {:.0} queries/s", n as f64 / started.elapsed().as_secs_f64());
        }
    }

    common::announce("plugin (sqlite interface) vs native axum + rusqlite", &options, "");
    for (label, path, method, check) in &shapes {
        if options.skips(label) {
            continue;
        }
        for &connections in &options.connections {
            let target = |addr, path: String| Target { addr, method, path, body: Default::default(), headers: Vec::new(), check: *check };
            common::compare(label, &target(native, path.clone()), &target(plugin, format!("/s{path}")), connections, &options);
        }
    }
    println!("process RSS after the runs: {:.0} MiB", rss_mib());
    drop(server);
    servers.block_on(sim.stop());
}
