//! The demo's Evolvex API: its two mounts, the API user it creates through the plugin's own admin
//! resource once the server is listening, and the call with a recording the banner's examples use.
//!
//! Why through the admin resource rather than by writing the plugin's database: the users, groups
//! and access rows are the plugin's own data, in its own database whose schema only the plugin
//! knows; the admin resource is the one way in that the plugin promises to keep, and seeding through
//! it is what an administrator migrating from Evolvex does too.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::config::{FileAccess, Grants, Limits, Mount, PbxAccess, PluginSource, SqliteGrant};

/// The API key of the demo's Evolvex user `demo` (the example key of Evolvex's own documentation).
pub const EVOLVEX_KEY: &str = "11111111-2222-3333-4444-555555555555";
/// The key of the Evolvex mounts' admin resource (`X-Admin-Key`).
pub const EVOLVEX_ADMIN_KEY: &str = "demo-evolvex-admin-key";
/// The routes Evolvex clients call: the plain one and the one behind a `/pbx` prefix.
pub const EVOLVEX_ROUTES: [&str; 2] = ["/api/index", "/pbx/api/index"];
/// The contexts the demo user's group grants: every `dcontext` the demo's call records use (the
/// office's internal calls, its ring groups and queues, the IVR, direct inward dialling and
/// transfers).
pub const EVOLVEX_CONTEXTS: [&str; 6] =
    ["from-internal", "from-internal-xfer", "from-did-direct", "ext-group", "ext-queues", "ivr-1"];

/// The group, and the user in it, that the demo creates.
const GROUP: &str = "demo";
const USER: &str = "demo";

/// Both mounts of the built-in plugin. They share one plugin identity, so one own database: a
/// user created through either is known to both.
pub fn mounts() -> Vec<Mount> {
    EVOLVEX_ROUTES
        .iter()
        .map(|route| Mount {
            route: (*route).into(),
            plugin: PluginSource::Builtin("evolvex".into()),
            listeners: vec!["main".into()],
            settings: BTreeMap::from([("admin-key".to_string(), EVOLVEX_ADMIN_KEY.to_string())]),
            grants: Grants {
                // Live channels, and originates into the dialplan (never an application): which
                // contexts a key may call into is the plugin's own per-user check.
                ami: super::grants(&["Status", "Originate Application="]),
                sqlite: SqliteGrant {
                    pbx: Some(PbxAccess::Tables { read: vec!["cdr".into()], write: Vec::new() }),
                    own: true,
                },
                files: BTreeMap::from([
                    ("recordings".to_string(), FileAccess::ReadOnly),
                    ("uploads".to_string(), FileAccess::ReadWrite),
                ]),
                ..Grants::default()
            },
            // An hour-long call's MP3 is encoded while it streams, which takes a while.
            limits: Limits { timeout: Duration::from_secs(300), ..Limits::default() },
            enabled: true,
        })
        .collect()
}

/// Creates group `demo` granting [`EVOLVEX_CONTEXTS`] and user `demo` with [`EVOLVEX_KEY`] through
/// the admin resource of the mount at `route` on `addr`, each only when it is not there yet: a
/// restarted demo finds them and leaves them (and whatever was changed through the API) alone.
pub async fn seed(addr: SocketAddr, route: &str) -> anyhow::Result<()> {
    let admin = Admin { addr, base: format!("{route}/admin") };
    let group = match admin.list("groups").await?.into_iter().find(|g| g["name"] == GROUP) {
        Some(group) => group,
        None => admin.create("groups", json!({"name": GROUP, "description": "The demo office's API users"})).await?,
    };
    let group = group["uuid"].as_str().context("a group without a uuid")?.to_string();
    let access = admin.list("access").await?;
    for context in EVOLVEX_CONTEXTS {
        if !access.iter().any(|a| a["group_uuid"] == group.as_str() && a["name"] == context) {
            admin.create("access", json!({"name": context, "group_uuid": group})).await?;
        }
    }
    if !admin.list("users").await?.iter().any(|u| u["name"] == USER) {
        let user = json!({"name": USER, "description": "The demo's API user", "enable": "yes", "api_key": EVOLVEX_KEY, "group_uuid": group});
        admin.create("users", user).await?;
    }
    Ok(())
}

/// The newest call the demo user may hear that has a recording: a real `uniqueid` for the
/// banner's `get_file_mp3` example.
pub fn recorded_call(db: &Path) -> Option<String> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    let contexts = EVOLVEX_CONTEXTS.map(|c| format!("'{c}'")).join(", ");
    conn.query_row(
        &format!(
            "SELECT uniqueid FROM cdr WHERE recordingfile <> '' AND dcontext IN ({contexts}) ORDER BY calldate DESC, id DESC LIMIT 1"
        ),
        [],
        |r| r.get(0),
    )
    .ok()
}

/// The banner's lines for the mount at `route` (the first carries the examples).
pub fn banner(base: &str, route: &str, recorded: Option<&str>) -> String {
    let pad = "";
    if route != EVOLVEX_ROUTES[0] {
        return format!("  {pad:<16} the same API and users as {}\n", EVOLVEX_ROUTES[0]);
    }
    let url = format!("{base}{route}");
    let key = format!("api_key={EVOLVEX_KEY}");
    let uniqueid = recorded.unwrap_or("<uniqueid of a recorded call from get_log_cdr>");
    let day = |days_ago: u64| {
        let at = SystemTime::now() - Duration::from_secs(days_ago * 86_400);
        humantime::format_rfc3339_seconds(at).to_string()[..10].to_string()
    };
    let (week_ago, today) = (day(7), day(0));
    let mut out = String::new();
    for example in [
        format!("curl '{url}/check?{key}&context=from-internal&uniqueid={uniqueid}'"),
        format!("curl '{url}/status?{key}'"),
        format!(
            "curl '{url}/originate?{key}&channel=PJSIP/1001&exten=1002&context=from-internal&priority=1&callerid=1001&variable=crm_id=42,source=demo&async=true'"
        ),
        format!("curl '{url}/get_log_cdr?{key}'"),
        format!("curl '{url}/get_log_cdr?{key}&start={week_ago}&end={today}'"),
        format!("curl -o call.mp3 '{url}/get_file_mp3?{key}&uniqueid={uniqueid}'"),
        format!("curl -o call.wav '{url}/get_file_wav?{key}&uniqueid={uniqueid}'"),
        format!("curl -F file=@greeting.wav '{url}/uploads?{key}'"),
        format!("curl -H 'X-Admin-Key: {EVOLVEX_ADMIN_KEY}' {url}/admin/users"),
    ] {
        out.push_str(&format!("  {pad:<16} {example}\n"));
    }
    out
}

/// The admin resource of one mount, spoken to over loopback HTTP/1.1 as any client would.
struct Admin {
    addr: SocketAddr,
    base: String,
}

impl Admin {
    /// `GET <base>/<what>`: the `data` array.
    async fn list(&self, what: &str) -> anyhow::Result<Vec<Value>> {
        let (status, body) = self.request("GET", what, None).await?;
        if status != 200 {
            bail!("GET {}/{what} answered {status}: {body}", self.base);
        }
        Ok(body["data"].as_array().cloned().unwrap_or_default())
    }

    /// `POST <base>/<what>`: the created record (`data`).
    async fn create(&self, what: &str, record: Value) -> anyhow::Result<Value> {
        let (status, body) = self.request("POST", what, Some(record)).await?;
        if status != 201 {
            bail!("POST {}/{what} answered {status}: {body}", self.base);
        }
        Ok(body["data"].clone())
    }

    async fn request(&self, method: &str, what: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
        let stream = tokio::net::TcpStream::connect(self.addr).await.with_context(|| format!("connecting to {}", self.addr))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}/{what}", self.base))
            .header(hyper::header::HOST, self.addr.to_string())
            .header("x-admin-key", EVOLVEX_ADMIN_KEY)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))?;
        let response = sender.send_request(request).await.with_context(|| format!("{method} {}/{what}", self.base))?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok((status, value))
    }
}
