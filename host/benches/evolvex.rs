//! The Evolvex API plugin (`/api/index`) against the same work done natively, side by side in one
//! run, over a real SQLite file and a real recordings directory:
//!
//! - `get_log_cdr` with 100,000 CDRs in the table (the demo office's calls, about a month): one
//!   whole day (the last the records cover, UTC) of the calls whose `dcontext` is one of the key's
//!   three contexts (`from-internal`, `ext-group`, `ext-queues`), and a narrower shape, one hour of
//!   that day. Figures: answers/s, rows/s, p50/p99 and bytes an answer.
//! - `get_file_mp3` of a 10-minute 8 kHz 16-bit mono recording that exists only as WAV, so every
//!   request transcodes it on the fly: time to the first byte and the whole answer, and
//!   audio-seconds encoded a second.
//!
//! The native side is an axum handler doing the same work: for the CDRs the same keyset-paged
//! query with rusqlite on the same file, writing the same JSON (checked byte for byte before
//! anything is timed); for the MP3 the same `rusty_mp3` encoder compiled natively, fed the WAV in
//! the same 64 KiB reads, each read's packets sent as one chunk of a streamed body (the MP3s
//! are checked identical too). The native server sets TCP_NODELAY, as the host's listeners do.
//!
//! It is a bench target (`harness = false`), so `cargo test` neither builds nor runs it. It runs
//! in about a minute: `--seconds` and `--rounds` bound the CDR runs, `--mp3-requests`
//! the transcodes (each is about a second of encoding in the plugin).
//!
//! `cargo bench --bench evolvex -- [--connections 1,8] [--seconds 2] [--rounds 3] [--mp3-requests 3] [--only mp3]`

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use axum::extract::{Query, State};
use bytes::Bytes;
use common::{Target, rss_mib};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rusqlite::Connection;
use switchboard::store::Database;

/// The bench user's key, as Evolvex keys are: a v4 UUID.
const KEY: &str = "0b8f2a52-7c1e-4d3a-9f6b-3e2d1c0a9b87";
const ADMIN_KEY: &str = "bench-evolvex-admin-key";
/// The contexts the bench user's group grants.
const CONTEXTS: [&str; 3] = ["from-internal", "ext-group", "ext-queues"];
/// The recorded call: a CDR of its own in `from-internal`, its recording only a WAV.
const UNIQUEID: &str = "1764547200.90001";
const WAV: &str = "2026/12/01/exten-1002-1001-20261201-000000-1764547200.90001.wav";
const WAV_SECONDS: f32 = 600.0;
/// The plugin's default for recordings at ≤ 12 kHz.
const MP3_KBPS: u32 = 32;
/// Rows a keyset page reads.
const PAGE: i64 = 2000;

// ---- get_log_cdr, natively: the plugin's query and JSON. ----

/// Asterisk's CDR columns in the order Evolvex answers them, and where each comes from.
const SELECT: &str = "SELECT id, accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, \
    calldate, answer, end, duration, billsec, disposition, amaflags, userfield, uniqueid, linkedid, peeraccount, sequence \
    FROM cdr WHERE calldate >= ?1 AND calldate <= ?2 AND dcontext IN (?3, ?4, ?5) AND (calldate > ?6 OR (calldate = ?6 AND id > ?7)) \
    ORDER BY calldate, id LIMIT ?8";

/// Column `i` as the plugin reads it: text borrowed from the row, integers as their digits.
enum Field<'a> {
    Text(&'a str),
    Number(i64),
    Null,
}

fn field<'a>(row: &'a rusqlite::Row, i: usize) -> Field<'a> {
    use rusqlite::types::ValueRef;
    match row.get_ref(i).unwrap() {
        ValueRef::Text(t) => Field::Text(std::str::from_utf8(t).unwrap()),
        ValueRef::Integer(n) => Field::Number(n),
        _ => Field::Null,
    }
}

/// One row as the plugin writes it: numbers as strings, empty optional fields and a NULL answer
/// as `null`, Evolvex's own enrichment (`source` … `group_uuid`) always `null`. Written straight
/// from the row's borrowed columns into the page's buffer.
fn write_row(out: &mut Vec<u8>, row: &rusqlite::Row) {
    // (name, column, empty text is null)
    const FIELDS: [(&str, usize, bool); 21] = [
        ("accountcode", 1, true),
        ("src", 2, false),
        ("dst", 3, false),
        ("dcontext", 4, false),
        ("clid", 5, false),
        ("channel", 6, false),
        ("dstchannel", 7, false),
        ("lastapp", 8, false),
        ("lastdata", 9, false),
        ("start", 10, true),
        ("answer", 11, true),
        ("end", 12, true),
        ("duration", 13, false),
        ("billsec", 14, false),
        ("disposition", 15, false),
        ("amaflags", 16, false),
        ("userfield", 17, true),
        ("uniqueid", 18, false),
        ("linkedid", 19, false),
        ("peeraccount", 20, true),
        ("sequence", 21, false),
    ];
    out.push(b'{');
    for (n, (name, column, empty_is_null)) in FIELDS.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        match (name, field(row, column)) {
            ("amaflags", Field::Number(1)) => out.extend_from_slice(b"\"OMIT\""),
            ("amaflags", Field::Number(2)) => out.extend_from_slice(b"\"BILLING\""),
            ("amaflags", Field::Number(3)) => out.extend_from_slice(b"\"DOCUMENTATION\""),
            (_, Field::Number(v)) => {
                out.push(b'"');
                out.extend_from_slice(v.to_string().as_bytes());
                out.push(b'"');
            }
            (_, Field::Text(t)) if !(t.is_empty() && empty_is_null) => serde_json::to_writer(&mut *out, t).unwrap(),
            _ => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b",\"source\":null,\"destination\":null,\"direction\":null,\"group_uuid\":null}");
}

/// One keyset page after (`calldate`, `id`) appended to `out` (rows with a leading comma but for
/// the very first); where the next page starts, `None` after the last.
fn page(conn: &Connection, start: &str, end: &str, after: &(String, i64), first: &mut bool, out: &mut Vec<u8>) -> Option<(String, i64)> {
    let mut stmt = conn.prepare_cached(SELECT).unwrap();
    let mut rows = stmt
        .query(rusqlite::params![start, end, CONTEXTS[0], CONTEXTS[1], CONTEXTS[2], after.0, after.1, PAGE])
        .unwrap();
    let (mut n, mut last) = (0, None);
    while let Some(row) = rows.next().unwrap() {
        if !std::mem::take(first) {
            out.push(b',');
        }
        write_row(out, row);
        last = Some((row.get::<_, String>(10).unwrap(), row.get::<_, i64>(0).unwrap()));
        n += 1;
    }
    if n == PAGE { last } else { None }
}

/// `start`/`end` as the plugin reads them: a bare date is the start (or the end) of that day.
fn bounds(q: &HashMap<String, String>) -> (String, String) {
    let at = |k: &str, time: &str| {
        let v = q.get(k).map(|v| v.replace('T', " ")).unwrap_or_default();
        if v.len() == 10 { format!("{v} {time}") } else { v }
    };
    (at("start", "00:00:00"), at("end", "23:59:59"))
}

// ---- get_file_mp3, natively: the same encoder on the same reads. ----

/// The `fmt ` chunk's channels and rate and where the `data` chunk starts and how long it is
/// (16-bit PCM only: what the bench writes).
fn wav_layout(file: &mut std::fs::File) -> (u16, u32, u64, u64) {
    use std::io::{Read, Seek, SeekFrom};
    let mut riff = [0u8; 12];
    file.read_exact(&mut riff).unwrap();
    assert!(&riff[..4] == b"RIFF" && &riff[8..] == b"WAVE");
    let (mut channels, mut rate) = (0, 0);
    loop {
        let mut head = [0u8; 8];
        file.read_exact(&mut head).unwrap();
        let len = u32::from_le_bytes(head[4..].try_into().unwrap()) as u64;
        match &head[..4] {
            b"fmt " => {
                let mut fmt = vec![0u8; len as usize];
                file.read_exact(&mut fmt).unwrap();
                assert_eq!(u16::from_le_bytes([fmt[0], fmt[1]]), 1, "PCM");
                assert_eq!(u16::from_le_bytes([fmt[14], fmt[15]]), 16, "16-bit");
                channels = u16::from_le_bytes([fmt[2], fmt[3]]);
                rate = u32::from_le_bytes(fmt[4..8].try_into().unwrap());
            }
            b"data" => return (channels, rate, file.stream_position().unwrap(), len),
            _ => {
                file.seek(SeekFrom::Current((len + (len & 1)) as i64)).unwrap();
            }
        }
    }
}

/// Whether an encoder packet is the Info/Xing tag frame: a stream sent as it is encoded cannot
/// go back to complete it, so (as the plugin does) it is left out.
fn is_tag_frame(frame: &[u8]) -> bool {
    frame[..frame.len().min(48)].windows(4).any(|w| w == b"Info" || w == b"Xing")
}

/// Encodes `path` on a blocking thread, 64 KiB of PCM at a time, sending each read's packets as
/// one chunk as soon as they are out of the encoder.
fn transcode(path: PathBuf, tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>) {
    use std::io::Read;
    let mut file = std::io::BufReader::with_capacity(16 * 1024, std::fs::File::open(&path).unwrap());
    let (channels, rate, _, mut left) = wav_layout(file.get_mut());
    let mut encoder = rusty_mp3::Mp3Encoder::new(rusty_mp3::Mp3EncoderConfig { bitrate_kbps: MP3_KBPS, vbr_quality: None });
    let mut buf = vec![0u8; 64 * 1024];
    let mut tag_pending = true;
    let mut drain = |encoder: &mut rusty_mp3::Mp3Encoder| {
        let mut out = Vec::new();
        while let Ok(packet) = encoder.next_packet() {
            if std::mem::take(&mut tag_pending) && is_tag_frame(&packet) {
                continue;
            }
            out.extend_from_slice(&packet);
        }
        out
    };
    while left > 0 {
        let want = buf.len().min(left as usize);
        file.read_exact(&mut buf[..want]).unwrap();
        left -= want as u64;
        let samples: Vec<i16> = buf[..want].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        encoder.push_pcm_s16(&samples, channels, rate).unwrap();
        let out = drain(&mut encoder);
        if !out.is_empty() && tx.blocking_send(Ok(Bytes::from(out))).is_err() {
            return;
        }
    }
    encoder.finish();
    let out = drain(&mut encoder);
    if !out.is_empty() {
        let _ = tx.blocking_send(Ok(Bytes::from(out)));
    }
}

// ---- The native server. ----

#[derive(Clone)]
struct Native {
    pool: common::Pool,
    recordings: PathBuf,
}

async fn native_server(native: Native) -> SocketAddr {
    use axum::response::IntoResponse;
    type Q = Query<HashMap<String, String>>;
    let cdr = |State(n): State<Native>, Query(q): Q| async move {
        if q.get("api_key").map(String::as_str) != Some(KEY) {
            return (hyper::StatusCode::UNAUTHORIZED, "").into_response();
        }
        let (start, end) = bounds(&q);
        // One blocking thread reads the pages in turn and sends each as it is written, as the
        // plugin's handler does: the whole day never sits in memory.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
        let pool = n.pool.clone();
        tokio::spawn(async move {
            pool.with(move |c| {
            let mut out = b"{\"data\":[".to_vec();
            let (mut after, mut first) = ((String::new(), 0i64), true);
            loop {
                let next = page(c, &start, &end, &after, &mut first, &mut out);
                if tx.blocking_send(Ok(Bytes::from(std::mem::take(&mut out)))).is_err() {
                    return;
                }
                match next {
                    Some(next) => after = next,
                    None => break,
                }
            }
            let _ = tx.blocking_send(Ok(Bytes::from_static(b"]}")));
            })
            .await
        });
        let body = axum::body::Body::from_stream(tokio_stream(rx));
        ([(hyper::header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let mp3 = |State(n): State<Native>, Query(q): Q| async move {
        if q.get("api_key").map(String::as_str) != Some(KEY) || q.get("uniqueid").map(String::as_str) != Some(UNIQUEID) {
            return (hyper::StatusCode::NOT_FOUND, "").into_response();
        }
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let path = n.recordings.join(WAV);
        tokio::task::spawn_blocking(move || transcode(path, tx));
        axum::response::Response::builder()
            .header("content-type", "audio/mpeg")
            .header("accept-ranges", "none")
            .header("content-disposition", format!("inline; filename=\"{UNIQUEID}.mp3\""))
            .body(axum::body::Body::from_stream(tokio_stream(rx)))
            .unwrap()
    };
    let app = axum::Router::new()
        .route("/api/index/get_log_cdr", axum::routing::get(cdr))
        .route("/api/index/get_file_mp3", axum::routing::get(mp3))
        .with_state(native);
    // With TCP_NODELAY, as the host's listeners: a streamed answer ends in small writes (the
    // closing `]}`, the last chunk) that Nagle's algorithm would hold back until the client's
    // delayed ACK, adding tens of milliseconds to every answer of this side alone.
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A channel's receiving end as a body stream.
fn tokio_stream<T: Send + 'static>(rx: tokio::sync::mpsc::Receiver<T>) -> impl futures::Stream<Item = T> + Send + 'static {
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}

// ---- Time to the first byte. ----

/// What the transcoding runs measured.
#[derive(Debug, Clone, Copy, Default)]
struct Stream {
    ttfb_ms: f64,
    total_ms: f64,
    bytes: usize,
}

/// One GET on a fresh connection: when the head and the first body bytes arrived, when the last did.
async fn timed_get(addr: SocketAddr, path: &str) -> Stream {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let request =
        hyper::Request::get(path).header(hyper::header::HOST, addr.to_string()).body(Empty::<Bytes>::new()).unwrap();
    let sent = Instant::now();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let mut body = response.into_body();
    let (mut first, mut bytes) = (None, 0);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data()
            && !data.is_empty()
        {
            first.get_or_insert_with(|| sent.elapsed());
            bytes += data.len();
        }
    }
    let total = sent.elapsed();
    Stream { ttfb_ms: first.unwrap_or(total).as_secs_f64() * 1e3, total_ms: total.as_secs_f64() * 1e3, bytes }
}

fn median_stream(runs: &mut [Stream]) -> Stream {
    let pick = |runs: &mut [Stream], key: fn(&Stream) -> f64| {
        runs.sort_by(|a, b| key(a).partial_cmp(&key(b)).unwrap());
        key(&runs[runs.len() / 2])
    };
    Stream { ttfb_ms: pick(runs, |s| s.ttfb_ms), total_ms: pick(runs, |s| s.total_ms), bytes: runs[0].bytes }
}

fn print_stream(label: &str, s: &Stream) {
    println!(
        "  {label:<8} first byte {:>7.1} ms   whole answer {:>8.1} ms   {:>6.1} audio-s/s   {} bytes",
        s.ttfb_ms,
        s.total_ms,
        f64::from(WAV_SECONDS) / (s.total_ms / 1e3),
        s.bytes
    );
}

// ---- Seeding the plugin's users through its admin resource. ----

async fn admin(addr: SocketAddr, path: &str, body: serde_json::Value) -> serde_json::Value {
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/api/index/admin/{path}"))
        .header("x-admin-key", ADMIN_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201, "admin {path}");
    answer.json().await.unwrap()
}

fn main() {
    let mut options = common::options(&[1, 8]);
    let args: Vec<String> = std::env::args().collect();
    // Two-second runs unless asked otherwise: the whole bench stays under two minutes.
    if !args.iter().any(|a| a == "--seconds") {
        options.seconds = 2;
    }
    let mp3_requests: usize =
        args.windows(2).find(|p| p[0] == "--mp3-requests").and_then(|p| p[1].parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let (store, recordings) = (dir.path().join("store"), dir.path().join("recordings"));
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(recordings.join(WAV).parent().unwrap()).unwrap();

    // 100,000 CDRs over the 30 days before now, the recorded call's own row, its 10-minute WAV.
    let db = store.join("pbx.sqlite");
    let now = SystemTime::now();
    let seeding = Instant::now();
    {
        let mut conn = Database::open_connection(&db).unwrap();
        switchboard::store::migrate::migrate(&mut conn).unwrap();
        switchboard::demo::pbx::insert_cdrs(&mut conn, 100_000, 30, now, 0.1, 7).unwrap();
        conn.execute(
            "INSERT INTO cdr (calldate, answer, end, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, \
             duration, billsec, disposition, uniqueid, linkedid, recordingfile) VALUES \
             ('2026-12-01 00:00:00', '2026-12-01 00:00:04', '2026-12-01 00:10:04', '\"Ada\" <1001>', '1001', '1002', \
             'from-internal', 'PJSIP/1001-00000001', 'PJSIP/1002-00000002', 'Dial', 'PJSIP/1002,30', 604, 600, \
             'ANSWERED', ?1, ?1, ?2)",
            rusqlite::params![UNIQUEID, WAV],
        )
        .unwrap();
    }
    let wav_bytes = switchboard::demo::wav::write_tone(&recordings.join(WAV), WAV_SECONDS, 440.0, 8000).unwrap();
    println!("seeded 100,000 CDRs and a {wav_bytes}-byte 10-minute WAV in {:.1} s", seeding.elapsed().as_secs_f64());

    let workers = std::env::var("BENCH_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let servers = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let (server, plugin) = servers.block_on(common::start_host(&format!(
        "{store}[areas]\nrecordings = {recordings:?}\n\
         [[mount]]\nroute = \"/api/index\"\nplugin = \"evolvex\"\nsettings = {{ admin-key = \"{ADMIN_KEY}\" }}\n\
         grants = {{ sqlite = {{ pbx = {{ read = [\"cdr\"] }}, own = true }}, files = {{ recordings = \"read-only\" }} }}\n\
         limits = {{ max_concurrent = 64, timeout_ms = 300000 }}\n",
        store = common::store_table(&store),
        recordings = recordings.display().to_string(),
    )));
    servers.block_on(async {
        let group = admin(plugin, "groups", serde_json::json!({"name": "bench"})).await;
        let group = group["data"]["uuid"].as_str().unwrap().to_string();
        for context in CONTEXTS {
            admin(plugin, "access", serde_json::json!({"name": context, "group_uuid": group})).await;
        }
        admin(plugin, "users", serde_json::json!({"name": "bench", "api_key": KEY, "group_uuid": group})).await;
    });
    let native = servers.block_on(native_server(Native { pool: common::Pool::new(&db), recordings }));

    // The last whole day the records cover (the generator fills its 30 days from the first, so the
    // 100,000th call may come before today), and one hour of it.
    let day: String = Connection::open(&db)
        .unwrap()
        .query_row("SELECT DISTINCT substr(calldate, 1, 10) AS d FROM cdr ORDER BY d DESC LIMIT 1 OFFSET 1", [], |r| r.get(0))
        .unwrap();
    let shapes: Vec<(String, String)> = vec![
        (format!("get_log_cdr (one day of 100k, {} contexts)", CONTEXTS.len()), format!("start={day}&end={day}")),
        ("get_log_cdr (one hour of it)".into(), format!("start={day}%2010:00:00&end={day}%2010:59:59")),
    ];

    // Both sides must give the same bytes before anything is timed.
    let fetch = |addr: SocketAddr, query: &str| {
        let url = format!("http://{addr}/api/index/get_log_cdr?api_key={KEY}&{query}");
        servers.block_on(async move { reqwest::get(url).await.unwrap().bytes().await.unwrap() })
    };
    let mut answers = Vec::new();
    for (label, query) in &shapes {
        let (n, p) = (fetch(native, query), fetch(plugin, query));
        if n != p {
            let at = n.iter().zip(p.iter()).position(|(a, b)| a != b).unwrap_or(n.len().min(p.len()));
            let around = |b: &Bytes| String::from_utf8_lossy(&b[at.saturating_sub(120)..(at + 120).min(b.len())]).into_owned();
            panic!("{label}: native and plugin answers differ at byte {at}:\n native {}\n plugin {}", around(&n), around(&p));
        }
        let value: serde_json::Value = serde_json::from_slice(&n).unwrap();
        let rows = value["data"].as_array().unwrap().len();
        assert!(rows > 0, "{label}: no rows");
        println!("{label}: {rows} rows, {} bytes, identical on both sides", n.len());
        answers.push((rows, n.len()));
    }

    common::announce("evolvex plugin vs native axum + rusqlite", &options, &format!(", {workers} server workers"));
    for ((label, query), (rows, bytes)) in shapes.iter().zip(&answers) {
        if options.skips(label) {
            continue;
        }
        let check: fn(u16, &[u8]) -> bool = |status, body| status == 200 && body.starts_with(b"{\"data\":[{");
        for &connections in &options.connections {
            let target = |addr| Target::get(addr, format!("/api/index/get_log_cdr?api_key={KEY}&{query}"), check);
            let (n, p) = common::compare(label, &target(native), &target(plugin), connections, &options);
            println!(
                "  rows/s: native {:.0}, plugin {:.0}; {rows} rows and {bytes} bytes an answer",
                n.rps * *rows as f64,
                p.rps * *rows as f64
            );
        }
    }

    let label = "get_file_mp3 (10-minute 8 kHz WAV, transcoded)";
    if !options.skips(label) {
        let path = format!("/api/index/get_file_mp3?api_key={KEY}&uniqueid={UNIQUEID}");
        // A warm-up each (the plugin's first instance, the page cache), then alternating runs.
        let (mut natives, mut plugins) = (Vec::new(), Vec::new());
        servers.block_on(async {
            let fetch = |addr: SocketAddr| {
                let url = format!("http://{addr}{path}");
                async move { reqwest::get(url).await.unwrap().bytes().await.unwrap() }
            };
            let (n, p) = (fetch(native).await, fetch(plugin).await);
            assert!(n.starts_with(&[0xFF]) && n == p, "{label}: native and plugin MP3s differ ({} vs {} bytes)", n.len(), p.len());
            println!("{label}: {} bytes of MP3, identical on both sides", n.len());
            for _ in 0..mp3_requests {
                natives.push(timed_get(native, &path).await);
                plugins.push(timed_get(plugin, &path).await);
            }
        });
        let (n, p) = (median_stream(&mut natives), median_stream(&mut plugins));
        println!("{label}, one request at a time (median of {mp3_requests}):");
        print_stream("native", &n);
        print_stream("plugin", &p);
        println!("  ratio plugin/native (audio-s/s): {:.2}", n.total_ms / p.total_ms);
    }
    println!("process RSS after the runs: {:.0} MiB", rss_mib());
    drop(server);
}
