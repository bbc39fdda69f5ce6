//! `GET /events?last=&timeout=&limit=`: long-polls the mount's stream (filled by the event
//! handler and by hot-desk changes) and answers the seed's event objects.

use switchboard_sdk::prelude::*;
use switchboard_sdk::stream;

use crate::auth;
use crate::events::answer::{self, Item};

pub fn poll(req: &Request) -> Result<Response, Error> {
    auth::caller(req)?;
    let query = req.query();
    let q = answer::query(query.get("last"), query.get("timeout"), query.get("limit"))?;
    let batch = stream::poll(q.last, q.timeout_ms, q.limit)?;
    let items: Vec<Item> = batch.iter().map(|e| Item { seq: e.seq, timestamp: &e.timestamp, data: &e.data }).collect();
    Ok(Response::bytes("application/json", answer::render(&items)))
}
