//! The Elastix API plugin (`/api/api.php`) against the same work done natively, side by side in
//! one run, over a real SQLite file and a real recordings directory:
//!
//! - `cdrreport` over 100,000 CDRs: default filters (newest 100), and a date range + field pattern
//!   + status;
//! - `sipextensions` with 500 extensions (one query for the extensions with their PJSIP rows, one
//!   for every `device_options` row, as the plugin does);
//! - `getwavfile` of a 10 MB recording, streamed.
//!
//! The native side is an axum handler running the plugin's SQL with rusqlite and writing the same
//! bytes (the SDK's `php_json`), and streaming the file with tokio in 64 KiB reads. Both answer
//! POSTs with the key in `Authorization`, as Elastix clients send them.
//!
//! `cargo bench --bench elastix -- [--connections 8,32] [--seconds 3] [--rounds 3] [--only cdr]`

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Query, State};
use common::{Target, rss_mib};
use rusqlite::Connection;
use rusqlite::types::Value;
use switchboard::store::Database;
use switchboard_sdk::php_json::Json;

const KEY: &str = "kJBJzUqZ2W9THvW9vrFTEzXN7NNfDv9XyzENAn7teWDsZCcYHj";
const WAV: &str = "/2026/11/01/big-10mb.wav";

// ---- The plugin's SQL (plugins/elastix/src/commands/{cdr,extensions}.rs), run natively. ----

const STORED: [&str; 18] = [
    "calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "duration", "billsec",
    "disposition", "amaflags", "accountcode", "uniqueid", "userfield", "recordingfile", "did",
];
const COLUMNS: [&str; 23] = [
    "calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "duration", "billsec",
    "disposition", "amaflags", "accountcode", "uniqueid", "userfield", "recordingfile", "cnum", "cnam", "outbound_cnum",
    "outbound_cnam", "dst_cnam", "did",
];
const EXTENSIONS: &str = "SELECT e.number, e.name, e.secret, e.technology, e.context, e.callerid, \
    COALESCE(p.dtmf_mode, 'rfc4733'), COALESCE(p.direct_media, 'no'), COALESCE(p.trust_id_inbound, 'yes'), \
    COALESCE(p.send_rpid, 'no'), COALESCE(p.force_rport, 'yes'), COALESCE(a.qualify_frequency, 60), \
    COALESCE(p.transport, ''), COALESCE(p.ice_support, 'no'), COALESCE(p.media_encryption, 'no'), \
    COALESCE(p.call_group, ''), COALESCE(p.pickup_group, ''), COALESCE(p.mailboxes, '') \
    FROM extensions e LEFT JOIN ps_endpoints p ON p.id = e.number LEFT JOIN ps_aors a ON a.id = e.number \
    WHERE e.technology IN ('sip', 'pjsip') ORDER BY e.number";
const ALL_OPTIONS: &str = "SELECT number, key, value FROM device_options ORDER BY number, rowid";

fn text(row: &rusqlite::Row, i: usize) -> String {
    match row.get::<_, Value>(i).unwrap() {
        Value::Text(s) => s,
        Value::Integer(n) => n.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Null => String::new(),
        Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
    }
}

/// `cdr::query` of the plugin.
fn cdr_query(form: &HashMap<String, String>) -> (String, Vec<Value>) {
    let get = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut sql = format!("SELECT {} FROM cdr WHERE dst <> 's'", STORED.map(|c| format!("\"{c}\"")).join(", "));
    let mut params = Vec::new();
    if let (Some(start), Some(end)) = (get("start_date"), get("end_date")) {
        sql.push_str(" AND calldate >= ? AND calldate <= ?");
        params.extend([Value::Text(start.into()), Value::Text(end.into())]);
    }
    if let (Some(field), Some(pattern)) = (get("field_name"), get("field_pattern")) {
        assert!(["src", "dst", "channel", "dstchannel", "accountcode"].contains(&field));
        sql.push_str(&format!(" AND instr(lower(\"{field}\"), lower(?)) > 0"));
        params.push(Value::Text(pattern.into()));
    }
    match get("status") {
        None | Some("ALL") => sql.push_str(" AND disposition IN ('ANSWERED', 'BUSY', 'FAILED', 'NO ANSWER')"),
        Some(status) => {
            sql.push_str(" AND disposition = ?");
            params.push(Value::Text(status.into()));
        }
    }
    sql.push_str(" ORDER BY calldate DESC, id DESC LIMIT ?");
    params.push(Value::Integer(get("limit").and_then(|l| l.parse().ok()).unwrap_or(100)));
    (sql, params)
}

fn cdrreport(conn: &Connection, form: &HashMap<String, String>) -> String {
    let (sql, params) = cdr_query(form);
    let mut stmt = conn.prepare_cached(&sql).unwrap();
    let rows: Vec<Json> = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |row| {
            Ok(Json::Obj(
                COLUMNS
                    .iter()
                    .map(|c| {
                        let value = STORED.iter().position(|s| s == c).map(|i| text(row, i)).unwrap_or_default();
                        (c.to_string(), Json::Str(value))
                    })
                    .collect(),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    Json::Arr(rows).encode()
}

/// `extensions::sipextensions` of the plugin (the extension part; the bench PBX has no trunks).
fn sipextensions(conn: &Connection) -> String {
    let mut options: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut all = conn.prepare_cached(ALL_OPTIONS).unwrap();
    for (number, key, value) in all.query_map([], |r| Ok((text(r, 0), text(r, 1), text(r, 2)))).unwrap().map(Result::unwrap) {
        options.entry(number).or_default().push((key, value));
    }
    let mut stmt = conn.prepare_cached(EXTENSIONS).unwrap();
    let rows: Vec<Vec<String>> = stmt.query_map([], |row| Ok((0..18).map(|i| text(row, i)).collect())).unwrap().map(Result::unwrap).collect();
    let mut out = Vec::new();
    for t in rows {
        let number = t[0].clone();
        let tech = if t[3] == "sip" { "SIP" } else { "PJSIP" };
        let callerid = if t[5].is_empty() { format!("{} <{}>", t[1], number) } else { t[5].clone() };
        let mailbox = if t[17].is_empty() { format!("{number}@device") } else { t[17].clone() };
        let qualify: i64 = t[11].parse().unwrap_or(0);
        let transport = t[12].strip_prefix("transport-").unwrap_or(&t[12]);
        let mut pairs: Vec<(String, String)> = [
            ("deny", "0.0.0.0/0.0.0.0".to_string()),
            ("secret", t[2].clone()),
            ("dtmfmode", if t[6] == "rfc4733" { "rfc2833".into() } else { t[6].clone() }),
            ("canreinvite", t[7].clone()),
            ("context", t[4].clone()),
            ("host", "dynamic".into()),
            ("trustrpid", t[8].clone()),
            ("sendrpid", t[9].clone()),
            ("type", "friend".into()),
            ("nat", t[10].clone()),
            ("port", "5060".into()),
            ("qualify", if qualify > 0 { "yes" } else { "no" }.into()),
            ("qualifyfreq", qualify.to_string()),
            ("transport", if transport.is_empty() { "udp".into() } else { transport.into() }),
            ("avpf", "no".into()),
            ("icesupport", t[13].clone()),
            ("encryption", if t[14] == "no" || t[14].is_empty() { "no" } else { "yes" }.into()),
            ("callgroup", t[15].clone()),
            ("pickupgroup", t[16].clone()),
            ("dial", format!("{tech}/{number}")),
            ("mailbox", mailbox),
            ("permit", "0.0.0.0/0.0.0.0".into()),
            ("callerid", callerid),
            ("callcounter", "yes".into()),
            ("faxdetect", "no".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (key, value) in options.remove(&number).unwrap_or_default() {
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some(pair) => pair.1 = value,
                None => pairs.push((key, value)),
            }
        }
        out.push((number, Json::Obj(pairs.into_iter().map(|(k, v)| (k, Json::Str(v))).collect())));
    }
    Json::Obj(out).encode()
}

// ---- The native server. ----

#[derive(Clone)]
struct Native {
    pool: common::Pool,
    recordings: PathBuf,
}

impl Native {
    async fn with<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> T + Send + 'static) -> T {
        self.pool.with(move |conn| f(conn)).await
    }
}

/// A file answer streamed in 64 KiB reads with its `Content-Length`, as the plugin's `Response::file`.
async fn stream_file(path: PathBuf) -> axum::response::Response {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(&path).await.unwrap();
    let len = file.metadata().await.unwrap().len();
    let chunks = futures::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), file))
            }
        }
    });
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    axum::response::Response::builder()
        .header("content-type", "application/octet-stream")
        .header("content-length", len)
        .header("content-disposition", format!("attachment; filename=\"{name}\""))
        .body(axum::body::Body::from_stream(chunks))
        .unwrap()
}

async fn native_server(native: Native) -> std::net::SocketAddr {
    use axum::response::IntoResponse;
    type Q = Query<HashMap<String, String>>;
    type F = axum::Form<HashMap<String, String>>;
    let handler = |State(n): State<Native>, headers: hyper::HeaderMap, Query(q): Q, axum::Form(form): F| async move {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(KEY) {
            return "key not matched".into_response();
        }
        let json = |body: String| ([(hyper::header::CONTENT_TYPE, "application/json")], body).into_response();
        match q.get("cmd").map(String::as_str) {
            Some("cdrreport") => json(n.with(move |c| cdrreport(c, &form)).await),
            Some("sipextensions") => json(n.with(sipextensions).await),
            Some("getwavfile") => stream_file(n.recordings.join(q["name"].trim_start_matches('/'))).await,
            _ => "cmd not matched".into_response(),
        }
    };
    let app = axum::Router::new().route("/api/api.php", axum::routing::post(handler)).with_state(native);
    common::serve(app).await
}

fn main() {
    let options = common::options(&[8, 32]);
    let dir = tempfile::tempdir().unwrap();
    let (store, recordings) = (dir.path().join("store"), dir.path().join("recordings"));
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(recordings.join("2026/11/01")).unwrap();
    let wav_bytes = switchboard::demo::wav::write_silence_sized(&recordings.join(WAV.trim_start_matches('/')), 10 * 1024 * 1024).unwrap();

    // 500 extensions (the host's triggers give each its PJSIP rows) with a few chan_sip options
    // each, and 100,000 CDRs over 30 days.
    let db = store.join("pbx.sqlite");
    let seeding = Instant::now();
    {
        let mut conn = Database::open_connection(&db).unwrap();
        switchboard::store::migrate::migrate(&mut conn).unwrap();
        let tx = conn.transaction().unwrap();
        for n in 2000..2500 {
            let number = n.to_string();
            tx.execute(
                "INSERT INTO extensions (number, name, secret, voicemail) VALUES (?, ?, ?, 'default')",
                rusqlite::params![number, format!("User {n}"), format!("pw-{n}")],
            )
            .unwrap();
            for (key, value) in [("nat", "no"), ("qualify", "yes")] {
                tx.execute("INSERT INTO device_options (number, key, value) VALUES (?, ?, ?)", rusqlite::params![number, key, value]).unwrap();
            }
        }
        tx.commit().unwrap();
        switchboard::demo::pbx::insert_cdrs(&mut conn, 100_000, 30, SystemTime::now(), 0.1, 7).unwrap();
    }
    println!("seeded 500 extensions, 100,000 CDRs and a {wav_bytes}-byte recording in {:.1} s", seeding.elapsed().as_secs_f64());

    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let (server, plugin) = servers.block_on(common::start_host(&format!(
        "{store}[areas]\nrecordings = {recordings:?}\n\
         [[mount]]\nroute = \"/api/api.php\"\nplugin = \"elastix\"\nsettings = {{ api-key = \"{KEY}\" }}\n\
         grants = {{ sqlite = {{ pbx = \"read-only\" }}, files = {{ recordings = \"read-only\" }} }}\nlimits = {{ max_concurrent = 64 }}\n",
        store = common::store_table(&store),
        recordings = recordings.display().to_string(),
    )));
    let native = servers.block_on(native_server(Native { pool: common::Pool::new(&db), recordings }));

    let stamp = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string()[..19].replace('T', " ");
    let filtered = format!(
        "start_date={}&end_date={}&field_name=src&field_pattern=10&status=ANSWERED&limit=100",
        stamp(SystemTime::now() - Duration::from_secs(7 * 86_400)),
        stamp(SystemTime::now())
    );
    let json_array: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.first() == Some(&b'[') && body.len() > 2;
    let json_object: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.starts_with(b"{\"2000\":{");
    let whole_file: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.len() == 10 * 1024 * 1024;
    let shapes: Vec<(&str, String, String, fn(u16, &[u8]) -> bool)> = vec![
        ("cdrreport (default, 100 of 100k)", "cmd=cdrreport".into(), String::new(), json_array),
        ("cdrreport (date+pattern+status)", "cmd=cdrreport".into(), filtered, json_array),
        ("sipextensions (500)", "cmd=sipextensions".into(), String::new(), json_object),
        ("getwavfile (10 MB)", format!("cmd=getwavfile&name={WAV}"), String::new(), whole_file),
    ];

    // Both sides must give the same bytes before anything is timed.
    for (label, query, body, _) in &shapes[..3] {
        let fetch = |addr: std::net::SocketAddr| {
            let (url, body) = (format!("http://{addr}/api/api.php?{query}"), body.clone());
            servers.block_on(async move {
                reqwest::Client::new()
                    .post(url)
                    .header("authorization", KEY)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            })
        };
        let (n, p) = (fetch(native), fetch(plugin));
        assert!(n == p, "{label}: native and plugin answers differ ({} vs {} bytes)", n.len(), p.len());
        println!("{label}: {} bytes, identical on both sides", n.len());
    }

    common::announce("elastix plugin vs native axum + rusqlite", &options, &format!(", {workers} server workers"));
    for (label, query, body, check) in &shapes {
        if options.skips(label) {
            continue;
        }
        for &connections in &options.connections {
            let target = |addr| {
                Target {
                    addr,
                    method: "POST",
                    path: format!("/api/api.php?{query}"),
                    body: body.clone().into(),
                    headers: Vec::new(),
                    check: *check,
                }
                .header("authorization", KEY)
                .header("content-type", "application/x-www-form-urlencoded")
            };
            common::compare(label, &target(native), &target(plugin), connections, &options);
        }
    }
    println!("process RSS after the runs: {:.0} MiB", rss_mib());
    drop(server);
}
