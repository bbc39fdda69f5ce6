//! The demo's CRM: a webhook receiver on loopback that the demo's `crm-webhook` mount posts to, so
//! the example can be watched at work. It answers every `POST /hooks` 200 and keeps the newest
//! [`KEPT`] events it got (type, call, idempotency key, attempt, whether it was signed), which
//! `GET /hooks` lists, newest last. It checks nothing: a real CRM verifies the signature (the
//! example's README shows how, and the `crm_webhook` test does).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode};

/// Events the demo CRM keeps.
pub const KEPT: usize = 100;

/// The HMAC secret the demo's crm-webhook mount signs with.
pub const CRM_SECRET: &str = "demo-crm-webhook-secret";
/// The API key of the demo crm-webhook mount's routes (`X-Api-Key`).
pub const CRM_WEBHOOK_KEY: &str = "demo-crm-webhook-key";

/// The running receiver.
#[derive(Debug, Clone)]
pub struct DemoCrm {
    /// Where it listens.
    pub address: SocketAddr,
}

impl DemoCrm {
    /// The demo's `crm-webhook` mount on `/crm-webhook`, posting to this receiver: the grants it
    /// needs and no more (its events, its own database, this one origin).
    pub fn mount(&self) -> crate::config::Mount {
        use crate::config::{Grants, Limits, Mount, PluginSource, SqliteGrant};
        Mount {
            route: "/crm-webhook".into(),
            plugin: PluginSource::Builtin("crm-webhook".into()),
            listeners: vec!["main".into()],
            settings: [("crm-url", self.url()), ("secret", CRM_SECRET.to_string()), ("api-key", CRM_WEBHOOK_KEY.to_string())]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            grants: Grants {
                events: true,
                sqlite: SqliteGrant { own: true, ..SqliteGrant::default() },
                outbound_http: vec![self.origin()],
                ..Grants::default()
            },
            limits: Limits::default(),
            enabled: true,
        }
    }

    /// The banner's lines for the mount and the receiver.
    pub fn banner(&self, base: &str, route: &str) -> String {
        let key = format!("-H 'X-Api-Key: {CRM_WEBHOOK_KEY}'");
        let mut out = String::new();
        out.push_str(&format!("  {:<16} calls placed on the PBX (click-to-call above) are posted, signed, to the demo CRM:
", ""));
        out.push_str(&format!("  {:<16} curl {}   (what the demo CRM received)
", "", self.url()));
        out.push_str(&format!("  {:<16} curl {key} {base}{route}/outbox
", ""));
        out.push_str(&format!("  {:<16} curl {key} {base}{route}/dead-letters
", ""));
        out
    }

    /// The URL the crm-webhook mount posts to, and that lists what arrived.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.address)
    }

    /// The origin to grant in `outbound_http`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }
}

/// Binds an ephemeral loopback port and serves the receiver there until the process ends.
pub async fn start() -> anyhow::Result<DemoCrm> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the demo CRM on loopback")?;
    let address = listener.local_addr()?;
    let kept: Arc<Mutex<VecDeque<serde_json::Value>>> = Arc::default();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let kept = kept.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| answer(request, kept.clone()));
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    Ok(DemoCrm { address })
}

async fn answer(request: Request<hyper::body::Incoming>, kept: Arc<Mutex<VecDeque<serde_json::Value>>>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let json = |status: StatusCode, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
        response
    };
    if request.uri().path() != "/hooks" {
        return Ok(json(StatusCode::NOT_FOUND, r#"{"error":"only /hooks"}"#.into()));
    }
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    match *request.method() {
        Method::GET => {
            let events: Vec<_> = kept.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
            Ok(json(StatusCode::OK, serde_json::Value::from(events).to_string()))
        }
        Method::POST => {
            let (key, attempt, signed) = (header("idempotency-key"), header("x-switchboard-delivery-attempt"), header("x-switchboard-signature"));
            let body = request.into_body().collect().await?.to_bytes();
            let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let record = serde_json::json!({
                "type": event["type"], "call_id": event["call_id"], "key": key, "attempt": attempt,
                "signed": signed.starts_with("t="), "data": event["data"],
            });
            tracing::info!(event = %event["type"], call = %event["call_id"], "demo CRM got a webhook");
            let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
            if kept.len() == KEPT {
                kept.pop_front();
            }
            kept.push_back(record);
            Ok(json(StatusCode::OK, "{}".into()))
        }
        _ => Ok(json(StatusCode::METHOD_NOT_ALLOWED, r#"{"error":"GET or POST"}"#.into())),
    }
}
