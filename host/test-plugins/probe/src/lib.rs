//! Test-only plugin: the `ami`, `events`, `rate-limit` and `pbx-control` interfaces over HTTP.
//!
//! | path | does |
//! |------|------|
//! | `GET /send?action=A&Key=Value…` | `ami.send(A, [(Key, Value)…])`, answered as JSON `{response, events, complete}` |
//! | `GET /command?cmd=…` | `ami.command`, answered as a JSON list of lines |
//! | `GET /info` | `ami.info` |
//! | `GET /poll?last=&timeout=&limit=&filter=a,b` | `events.poll`, answered as a JSON list of `{seq, timestamp, name, fields}` |
//! | `GET /sse?filter=a,b` | `sse.serve(bus(filter), Last-Event-ID)`: the bus as server-sent events, served by the host |
//! | `GET /stream` | `event-stream.poll(None, 0, 0)`: this plugin exports no event handler, so its mounts have no stream |
//! | `GET /wake` | `wake.after(0)`: this plugin exports no event handler, so it is refused (`no-handler`, or `denied` without `events`) |
//! | `GET /whoami` | the request's client address: `{header, host}` from `x-switchboard-client-addr` and `auth-throttle.client-address` |
//! | `GET /rate?name=&limit=&window=` | `rate-limit.hit`, answered as JSON `{allowed, limit, remaining, reset}` (always 200) |
//! | `POST /pbx/{start,stop,reboot}` | `pbx-control.run`, answered as JSON `{output}` |
//! | `GET /log?n=N` | logs `probe: answering` (info), streams `chunk 0`…`chunk N-1` lines, then logs `probe: streamed` with `chunks=N` |
//!
//! Errors from the interfaces come back through the SDK's conversions (403 denied, 503 not
//! connected, 502 failed, …) so tests see exactly what a plugin author would.

use switchboard_sdk::prelude::*;
use switchboard_sdk::pbx_control::{self, PbxCommand};
use switchboard_sdk::{ami, auth_throttle, events, rate_limit, sse, stream, wake};

fn pairs(fields: &[(String, String)]) -> serde_json::Value {
    fields.iter().map(|(k, v)| serde_json::json!([k, v])).collect()
}

fn send(req: &Request) -> Result<Response, Error> {
    let query = req.query();
    let action = query.get("action").ok_or_else(|| Error::bad_request("need ?action="))?.to_string();
    let headers: Vec<(&str, &str)> = query.iter().filter(|(k, _)| *k != "action").collect();
    let result = ami::send(&action, &headers)?;
    Response::json(&serde_json::json!({
        "response": pairs(&result.response),
        "events": result.events.iter().map(|e| pairs(e)).collect::<Vec<_>>(),
        "complete": result.complete.as_deref().map(pairs),
    }))
}

fn command(req: &Request) -> Result<Response, Error> {
    let cmd = req.query().get("cmd").ok_or_else(|| Error::bad_request("need ?cmd="))?.to_string();
    Response::json(&ami::command(&cmd)?)
}

fn whoami(req: &Request) -> Result<Response, Error> {
    let header = req.client_addr().map(|a| a.to_string());
    Response::json(&serde_json::json!({ "header": header, "host": auth_throttle::client_address() }))
}

fn info(_: &Request) -> Result<Response, Error> {
    let info = ami::info()?;
    let sip = match info.sip {
        ami::SipDriver::Pjsip => "pjsip",
        ami::SipDriver::ChanSip => "chan_sip",
        ami::SipDriver::Both => "both",
        ami::SipDriver::None => "none",
    };
    Response::json(&serde_json::json!({ "version": info.version, "ami_version": info.ami_version, "sip": sip }))
}

fn poll(req: &Request) -> Result<Response, Error> {
    let query = req.query();
    let last = query.get("last").map(|v| v.parse::<u64>()).transpose().map_err(|_| Error::bad_request("bad last"))?;
    let timeout = query.get("timeout").map_or(Ok(0), |v| v.parse::<u32>()).map_err(|_| Error::bad_request("bad timeout"))?;
    let limit = query.get("limit").map_or(Ok(0), |v| v.parse::<u32>()).map_err(|_| Error::bad_request("bad limit"))?;
    let filter: Vec<&str> = query.get("filter").map(|f| f.split(',').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let batch = events::poll(last, timeout, limit, &filter)?;
    let body: Vec<_> = batch
        .iter()
        .map(|e| serde_json::json!({ "seq": e.seq, "timestamp": e.timestamp, "name": e.name, "fields": pairs(&e.fields) }))
        .collect();
    Response::json(&body)
}

/// The bus as server-sent events, served by the host (`sse.serve`).
fn sse_bus(req: &Request) -> Result<Response, Error> {
    let query = req.query();
    let filter: Vec<&str> = query.get("filter").map(|f| f.split(',').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    sse::bus(req, &filter)
}

fn no_stream(_: &Request) -> Result<Response, Error> {
    let batch = stream::poll(None, 0, 0)?;
    Response::json(&batch.iter().map(|e| e.seq).collect::<Vec<_>>())
}

fn no_handler(_: &Request) -> Result<Response, Error> {
    wake::after(std::time::Duration::ZERO)?;
    Ok(Response::empty(204))
}

fn rate(req: &Request) -> Result<Response, Error> {
    let query = req.query();
    let number = |key: &str| query.get(key).unwrap_or("0").parse::<u32>().map_err(|_| Error::bad_request(format!("bad {key}")));
    let decision = rate_limit::hit(query.get("name").unwrap_or("default"), number("limit")?, number("window")?);
    Response::json(&serde_json::json!({
        "allowed": decision.allowed, "limit": decision.limit, "remaining": decision.remaining, "reset": decision.reset_seconds,
    }))
}

fn pbx(req: &Request) -> Result<Response, Error> {
    let command = match req.param("command").unwrap_or_default() {
        "start" => PbxCommand::Start,
        "stop" => PbxCommand::Stop,
        "reboot" => PbxCommand::Reboot,
        other => return Err(Error::bad_request(format!("no PBX command {other}"))),
    };
    Response::json(&serde_json::json!({ "output": pbx_control::run(command)? }))
}

/// Log lines from the handler and from inside the streamed body, which the host writes after the
/// response head has gone out.
fn log(req: &Request) -> Result<Response, Error> {
    let n = req.query().get("n").map_or(Ok(3), |v| v.parse::<u32>()).map_err(|_| Error::bad_request("bad n"))?;
    switchboard_sdk::log::info("probe: answering", &[("n", &n.to_string())]);
    Ok(Response::stream(200, move |w: &mut BodyWriter| {
        for i in 0..n {
            w.write(format!("chunk {i}\n").as_bytes())?;
            w.flush()?;
        }
        switchboard_sdk::log::info("probe: streamed", &[("chunks", &n.to_string())]);
        Ok(())
    })
    .header("content-type", "text/plain"))
}

fn router() -> Router {
    Router::new()
        .get("/log", log)
        .get("/send", send)
        .get("/command", command)
        .get("/info", info)
        .get("/poll", poll)
        .get("/stream", no_stream)
        .get("/sse", sse_bus)
        .get("/wake", no_handler)
        .get("/whoami", whoami)
        .get("/rate", rate)
        .post("/pbx/{command}", pbx)
}

switchboard_sdk::plugin!(router: router);
