//! CRM webhooks: the calls of the PBX, as a CRM wants to hear of them — posted to the CRM's URL,
//! signed, retried until delivered, exactly once per event, in order per call.
//!
//! The event handler turns PBX events into `call.incoming`, `call.answered`, `call.finished` and
//! `call.missed` ([`calls`]), writes each to the plugin's own database first ([`outbox`]), then
//! posts what is due, each request signed ([`signature`]). Failed posts wait in the database with
//! an exponential back-off; the host wakes the handler when the next one is due (`wake`), and once
//! when the mount starts, so events kept across a restart of Switchboard go out without waiting
//! for the next call.
//!
//! Routes (header `X-Api-Key: <api-key setting>`; wrong keys are throttled per client):
//! - `GET /outbox` — how many events wait, how many are dead letters, when the next attempt is,
//!   and the oldest waiting event's attempts and last error;
//! - `GET /dead-letters` — the undeliverable events with their last error;
//! - `POST /dead-letters/resend` (`?call=<call id>` for one call) — queue them again, at once.
//!
//! Settings: `crm-url`, `secret` (≥ 16 bytes), `api-key`, and optionally `max-attempts`,
//! `retry-base-ms`, `retry-max-ms`, `timeout-ms`, `send-budget-ms` ([`config`]). Grants:
//! `events = true`, `sqlite = { own = true }`, `outbound_http = ["<the CRM's origin>"]`.

pub mod calls;
pub mod config;
pub mod outbox;
pub mod signature;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use switchboard_sdk::events::Event;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection};
use switchboard_sdk::{auth, log, settings, wake};

use crate::config::Config;

// What `switchboard check` compares with the mount's grants. The CRM's origin is the admin's to
// choose, so `outbound_http` is declared as needed without naming a host.
switchboard_sdk::needs!(
    r#"
events = true
sqlite = { own = true }
"#
);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

/// The plugin's database, its tables created on this instance's first use (an instance serves
/// many requests or batches; the schema need not run again for each).
fn database() -> Result<Connection, Error> {
    thread_local! {
        static MIGRATED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    let db = sqlite::open("own")?;
    if !MIGRATED.get() {
        db.execute_batch(outbox::SCHEMA)?;
        MIGRATED.set(true);
    }
    Ok(db)
}

/// Every handler call — a batch of PBX events, or an empty one when woken — takes the events into
/// the outbox in one transaction, then sends what is due and asks to be woken for what is next.
fn on_events(events: &[Event]) {
    if let Err(error) = handle_events(events) {
        // Nothing here is retried by the host: a batch that failed to enter the outbox is logged
        // with its sequence numbers, and the next call carries on.
        let seqs = events.first().map(|e| format!("{}..={}", e.seq, events[events.len() - 1].seq)).unwrap_or_else(|| "wake-up".into());
        log::error("crm-webhook could not handle a call of its event handler", &[("events", &seqs), ("error", &error.to_string())]);
        let _ = wake::after(Duration::from_secs(30));
    }
}

fn handle_events(events: &[Event]) -> Result<(), Error> {
    let db = database()?;
    // Into the outbox first, whatever the settings say: a mistake in them delays events, never loses them.
    if !events.is_empty() {
        let now = now_ms();
        db.transaction(|tx| {
            for event in events {
                calls::take(tx, event, now)?;
            }
            Ok::<_, Error>(())
        })?;
    }
    let config = Config::from_settings()?;
    if let Some(next) = outbox::deliver_due(&db, &config, now_ms)? {
        wake::after(Duration::from_millis(next.saturating_sub(now_ms()).max(0) as u64))?;
    }
    Ok(())
}

fn check_key(req: &Request) -> Result<(), Error> {
    let key = settings::get("api-key").ok_or_else(|| Error::new(403, "not_configured", "this mount has no api-key setting, so its routes are closed"))?;
    auth::require_api_key(req, "X-Api-Key", &key)
}

fn status(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    let db = database()?;
    let [counts, oldest] = <[_; 2]>::try_from(db.query_snapshot(&[
        (
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'), (SELECT count(*) FROM outbox WHERE state = 'dead'),
                    (SELECT min(next_attempt_ms) FROM outbox WHERE state = 'pending'), (SELECT count(*) FROM delivered)",
            &[],
        ),
        ("SELECT key, attempts, last_error FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1", &[]),
    ])?)
    .expect("one answer per statement");
    let row = &counts.rows()[0];
    let oldest = oldest.rows().first().map(|r| json!({ "key": r.text(0), "attempts": r.int(1), "last_error": r.get(2).map(|v| v.to_json()) }));
    Response::json(&json!({
        "pending": row.int(0), "dead": row.int(1), "next_attempt_ms": row.int(2), "delivered_recently": row.int(3), "oldest_pending": oldest,
    }))
}

fn dead_letters(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    let db = database()?;
    let rows = db.query("SELECT id, key, type, call_id, attempts, last_error, body FROM outbox WHERE state = 'dead' ORDER BY id", &[])?;
    let letters: Vec<_> = rows
        .rows()
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.str(6)).unwrap_or_default();
            json!({ "id": r.int(0), "key": r.text(1), "type": r.text(2), "call_id": r.text(3), "attempts": r.int(4), "last_error": r.text(5), "event": body })
        })
        .collect();
    Response::json(&letters)
}

fn resend(req: &Request) -> Result<Response, Error> {
    check_key(req)?;
    let query = req.query();
    let call = query.get("call");
    let requeued = outbox::resend(&database()?, call, now_ms())?;
    if requeued > 0 {
        // The handler sends them; a request only queues.
        wake::after(Duration::ZERO)?;
    }
    log::info("dead letters queued again", &[("count", &requeued.to_string()), ("call", call.unwrap_or("all"))]);
    Response::json(&json!({ "requeued": requeued }))
}

fn router() -> Router {
    Router::new().get("/outbox", status).get("/dead-letters", dead_letters).post("/dead-letters/resend", resend)
}

switchboard_sdk::plugin!(router: router, on_events: on_events);

#[cfg(test)]
mod tests;
