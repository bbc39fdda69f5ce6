//! The client half of the admin API, for `switchboard admin …`: one request per command over
//! hyper's HTTP/1.1 client (HTTPS through rustls, trusting the certificates given), and the
//! answers printed as tables for a terminal or as the API's JSON.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::ACTOR_HEADER;

/// Where the admin API is and how to get in.
pub struct Client {
    base: Uri,
    token: String,
    actor: String,
    tls: Option<tokio_rustls::TlsConnector>,
}

impl Client {
    /// A client of the admin listener at `url` (`http://127.0.0.1:8081`), sending `token`; for an
    /// `https://` URL, `cacert` is the PEM file of the certificates to trust (the listener's own
    /// self-signed one, or its CA).
    pub fn new(url: &str, token: String, cacert: Option<&Path>) -> anyhow::Result<Client> {
        let base: Uri = url.trim_end_matches('/').parse().with_context(|| format!("`{url}` is not a URL"))?;
        let tls = match base.scheme_str() {
            Some("http") => None,
            Some("https") => {
                let cacert = cacert.context("an https:// admin URL needs --cacert: the listener's certificate (or its CA) as a PEM file")?;
                Some(connector(cacert)?)
            }
            _ => bail!("`{url}` is not an http:// or https:// URL"),
        };
        anyhow::ensure!(base.host().is_some(), "`{url}` has no host");
        Ok(Client { base, token, actor: actor(), tls })
    }

    /// Sends one request; answers the status and the JSON body of a 2xx answer, and fails with the
    /// API's error message otherwise.
    pub async fn send(&self, method: Method, path_and_query: &str, content_type: Option<&str>, body: Vec<u8>) -> anyhow::Result<Value> {
        let host = self.base.host().unwrap_or_default();
        let https = self.tls.is_some();
        let port = self.base.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tcp = tokio::net::TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port))
            .await
            .with_context(|| format!("connecting to the admin listener at {}", self.base))?;
        let mut request = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(HOST, self.base.authority().map(|a| a.as_str()).unwrap_or(host))
            .header(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {}", self.token)).context("the admin token is not a valid header value")?)
            .header(USER_AGENT, concat!("switchboard-admin/", env!("CARGO_PKG_VERSION")));
        if let Ok(actor) = HeaderValue::from_str(&self.actor) {
            request = request.header(ACTOR_HEADER, actor);
        }
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let request = request.body(Full::new(Bytes::from(body)))?;
        let response = match &self.tls {
            None => exchange(tcp, request).await?,
            Some(connector) => {
                let name = rustls::pki_types::ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_string())
                    .with_context(|| format!("`{host}` is not a TLS server name"))?;
                let stream = connector.connect(name, tcp).await.context("TLS handshake with the admin listener")?;
                exchange(stream, request).await?
            }
        };
        let status = response.status();
        let body = response.into_body().collect().await.context("reading the admin API's answer")?.to_bytes();
        let value: Value = serde_json::from_slice(&body)
            .with_context(|| format!("the admin API answered {status} with a body that is not JSON: {}", String::from_utf8_lossy(&body)))?;
        if !status.is_success() {
            let code = value["error"]["code"].as_str().unwrap_or("?");
            let message = value["error"]["message"].as_str().unwrap_or("");
            bail!("{} {code}: {message}", status.as_u16());
        }
        Ok(value)
    }
}

async fn exchange<S>(stream: S, request: Request<Full<Bytes>>) -> anyhow::Result<hyper::Response<hyper::body::Incoming>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.context("HTTP handshake")?;
    tokio::spawn(connection);
    sender.send_request(request).await.context("sending the request to the admin API")
}

fn connector(cacert: &Path) -> anyhow::Result<tokio_rustls::TlsConnector> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cacert).with_context(|| format!("reading {}", cacert.display()))? {
        roots.add(cert.with_context(|| format!("reading {}", cacert.display()))?)?;
    }
    anyhow::ensure!(!roots.is_empty(), "{} holds no PEM certificate", cacert.display());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// `$USER@hostname`, for the audit.
fn actor() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    if host.is_empty() { user } else { format!("{user}@{host}") }
}

/// A route (or any text) for a query string: everything but unreserved characters and `/`
/// percent-encoded.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Rows as a table: a header line, then each row, columns padded to their widest cell (the last
/// one unpadded).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A JSON value as a table cell.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        other => other.to_string(),
    }
}

/// Mounts (`MountStatus` objects) as a table.
pub fn mounts_table(mounts: &[Value]) -> String {
    let rows: Vec<Vec<String>> = mounts
        .iter()
        .map(|m| {
            let grants = m["grants"].as_array().map_or(0, Vec::len);
            let granted = m["grants"].as_array().map_or(0, |g| g.iter().filter(|g| g["granted"] == true).count());
            let version = cell(&m["version"]);
            vec![
                cell(&m["route"]),
                cell(&m["plugin"]),
                version.chars().take(12).collect(),
                cell(&m["enabled"]),
                cell(&m["health"]),
                m["listeners"].as_array().map_or_else(String::new, |l| l.iter().map(cell).collect::<Vec<_>>().join(",")),
                cell(&m["counters"]["requests"]),
                cell(&m["counters"]["errors_5xx"]),
                format!("{granted}/{grants}"),
            ]
        })
        .collect();
    table(&["ROUTE", "PLUGIN", "VERSION", "ENABLED", "HEALTH", "LISTENERS", "REQUESTS", "5XX", "GRANTED"], &rows)
}

/// An answer of `command` printed for a terminal.
pub fn render(command: &str, answer: &Value) -> String {
    let list = |key: &str| answer[key].as_array().cloned().unwrap_or_default();
    match command {
        "mounts" => {
            let mut out = mounts_table(&list("mounts"));
            match (answer["persisted"].as_bool(), answer["config"].as_str()) {
                (Some(true), Some(config)) => out.push_str(&format!("changes are written to {config}\n")),
                _ => out.push_str("changes last until the server stops (it runs without a configuration file)\n"),
            }
            out
        }
        "enable" | "disable" | "swap" | "add" => mounts_table(std::slice::from_ref(&answer["mount"])),
        "remove" => format!("removed {}\n", cell(&answer["removed"])),
        "reload" => {
            let rows: Vec<Vec<String>> = list("changes").iter().map(|c| vec![cell(&c["route"]), cell(&c["what"])]).collect();
            let mut out = table(&["ROUTE", "CHANGE"], &rows);
            for part in list("restart") {
                out.push_str(&format!("needs a restart: {}\n", cell(&part)));
            }
            out
        }
        "audit" => {
            let rows: Vec<Vec<String>> = list("entries")
                .iter()
                .map(|e| vec![cell(&e["at"]), cell(&e["what"]), cell(&e["route"]), cell(&e["result"]), cell(&e["who"])])
                .collect();
            table(&["AT", "WHAT", "ROUTE", "RESULT", "WHO"], &rows)
        }
        "failures" => {
            let rows: Vec<Vec<String>> = list("failures")
                .iter()
                .map(|f| vec![cell(&f["at"]), cell(&f["kind"]), cell(&f["route"]), cell(&f["plugin"]), cell(&f["request_id"]), cell(&f["message"])])
                .collect();
            table(&["AT", "KIND", "ROUTE", "PLUGIN", "REQUEST", "MESSAGE"], &rows)
        }
        "check" => {
            let mut out = String::new();
            for error in list("errors") {
                out.push_str(&format!("{}\n", cell(&error)));
            }
            out.push_str(if answer["ok"] == true { "ok\n" } else { "not ok\n" });
            out
        }
        _ => format!("{answer:#}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_all_but_the_last_column() {
        let out = table(&["A", "BB", "C"], &[vec!["xyz".into(), "1".into(), "last".into()]]);
        assert_eq!(out, "A    BB  C\nxyz  1   last\n");
        assert_eq!(encode("/api/index x&y"), "/api/index%20x%26y");
    }
}
