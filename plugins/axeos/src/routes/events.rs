//! `GET /events?last=&timeout=&limit=`: long-polls the mount's stream (filled by the event
//! handler and by hot-desk changes) and answers the API document's event objects.
//!
//! The administrator (API key) sees every event. A PBX user sees only their own: calls they take
//! part in, their phones' and their own status, their mailbox. Their `seq` numbers then have gaps,
//! which the API document tells clients to expect; and a poll that finds only other people's events goes on
//! waiting past them, so an empty answer still means the timeout passed with nothing new *for
//! them* (answering early with nothing would have the client poll again with the same `last`, for
//! ever).

use std::time::{Duration, Instant};

use switchboard_sdk::prelude::*;
use switchboard_sdk::stream::{self, StreamEvent};

use crate::auth::{self, Caller};
use crate::events::answer::{self, Item};
use crate::ids::{self, Kind};
use crate::model::{self, AllSettings};

pub fn poll(req: &Request) -> Result<Response, Error> {
    let caller = auth::caller(req)?;
    let query = req.query();
    let q = answer::query(query.get("last"), query.get("timeout"), query.get("limit"))?;
    let batch = match &caller {
        Caller::Admin => stream::poll(q.last, q.timeout_ms, q.limit)?,
        Caller::User(number) => own_events(&own_uuids(number)?, q)?,
    };
    let items: Vec<Item> = batch.iter().map(|e| Item { seq: e.seq, timestamp: &e.timestamp, data: &e.data }).collect();
    Ok(Response::bytes("application/json", answer::render(&items)))
}

/// The UUIDs that make an event user `number`'s: their user, their own phone and the hot-desk
/// phone they are logged in at, their mailbox.
fn own_uuids(number: &str) -> Result<Vec<String>, Error> {
    let db = model::pbx()?;
    let hot_desk = AllSettings::load(&db)?.of(number).hot_desk;
    let phones: Vec<String> = [Some(number.to_string()), hot_desk].into_iter().flatten().collect();
    let boxes: Vec<String> = model::mailboxes(&db)?.iter().filter(|m| m.mailbox == number).map(|m| m.key()).collect();
    // `ids::uuids` answers every UUID of a kind it knows; keep the ones asked for.
    let mut mine = Vec::new();
    for (kind, keys) in [(Kind::Phone, &phones), (Kind::Mailbox, &boxes)] {
        let mut known = ids::uuids(kind, keys)?;
        mine.extend(keys.iter().filter_map(|k| known.remove(k)));
    }
    mine.push(ids::uuid(Kind::User, number)?);
    Ok(mine)
}

/// The next events that concern `mine`, polling on past other people's until one does or the
/// timeout passes.
fn own_events(mine: &[String], q: answer::Query) -> Result<Vec<StreamEvent>, Error> {
    let deadline = Instant::now() + Duration::from_millis(u64::from(q.timeout_ms));
    let mut last = q.last;
    loop {
        let left = deadline.saturating_duration_since(Instant::now()).as_millis() as u32;
        let batch = stream::poll(last, left, q.limit)?;
        let Some(newest) = batch.last().map(|e| e.seq) else { return Ok(Vec::new()) };
        let own: Vec<StreamEvent> = batch.into_iter().filter(|e| answer::concerns(&e.data, mine)).collect();
        if !own.is_empty() || left == 0 {
            return Ok(own);
        }
        last = Some(newest);
    }
}
