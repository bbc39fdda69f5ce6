// The code both swap plugins share; `VERSION` is the including crate's name.
//
// | route | does |
// |-------|------|
// | `GET /version` | `{"version"}` |
// | `GET /stream?last=&timeout=` | `stream.poll` (a long-poll when `timeout` is set, in ms): `{"version", "seqs":[…]}` with the version that answered when the poll ended |
// | `POST /publish` | publishes each line of the body to the mount's stream: `{"version", "last"}` |
//
// The event handler translates nothing: it exists so the mount has a stream to carry over.

use switchboard_sdk::prelude::*;
use switchboard_sdk::{events, stream};

const VERSION: &str = env!("CARGO_PKG_NAME");

fn on_events(_batch: &[events::Event]) {}

fn version(_: &Request) -> Result<Response, Error> {
    Response::json(&serde_json::json!({ "version": VERSION }))
}

fn poll(req: &Request) -> Result<Response, Error> {
    let number = |key: &str| req.query().get(key).map(|v| v.parse::<u64>()).transpose().map_err(|_| Error::bad_request(format!("bad {key}")));
    let last = number("last")?;
    let timeout = number("timeout")?.unwrap_or(0) as u32;
    let seqs: Vec<u64> = stream::poll(last, timeout, 0)?.iter().map(|item| item.seq).collect();
    Response::json(&serde_json::json!({ "version": VERSION, "seqs": seqs }))
}

fn publish(req: &Request) -> Result<Response, Error> {
    let items: Vec<String> = req.text()?.lines().map(str::to_string).collect();
    let last = stream::publish(&items)?;
    Response::json(&serde_json::json!({ "version": VERSION, "last": last }))
}

fn router() -> Router {
    Router::new().get("/version", version).get("/stream", poll).post("/publish", publish)
}

switchboard_sdk::plugin!(router: router, on_events: on_events);
