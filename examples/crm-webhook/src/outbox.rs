//! The outbox: every CRM event is written to the plugin's own database before anything is sent,
//! and leaves it only when the CRM has answered 2xx — so nothing is lost to a CRM outage, a trap
//! or a restart of Switchboard.
//!
//! - **Order per call**: only a call's oldest queued event is ever sent; the next one waits until
//!   it is delivered. Calls do not wait for each other.
//! - **Retries**: a failed attempt (no connection, a timeout, 408, 425, 429 or 5xx) is tried again
//!   after an exponential back-off with jitter, honouring `Retry-After`; after `max-attempts`, or
//!   at once for any other 4xx (the CRM refuses the event itself), it becomes a dead letter.
//! - **Dead letters** stay in the database with the last error. A call's later events are held
//!   behind its dead one (order again), and `POST /dead-letters/resend` queues them again.
//! - **Exactly once**: each event has an idempotency key, `<call>:<type>`, sent as
//!   `Idempotency-Key`. The outbox sends an event until one attempt succeeds; the one case where it
//!   sends a delivered event again is a crash between the CRM's 2xx and the database's commit, and
//!   the key lets the CRM see that the second copy is the same event.

use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use switchboard_sdk::outbound::{self, OutboundError};
use switchboard_sdk::sqlite::{Connection, SqliteError};

use crate::config::Config;
use crate::signature;

/// The tables, created on first use; `IF NOT EXISTS` makes this the migration too while the
/// schema only grows (a column added later would be an `ALTER TABLE` guarded by `user_version`).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    call_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_call ON outbox (call_id, id);
CREATE TABLE IF NOT EXISTS delivered (
    key TEXT PRIMARY KEY,
    delivered_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    call_id TEXT PRIMARY KEY,
    from_number TEXT,
    to_number TEXT,
    started_ms INTEGER NOT NULL,
    answered_ms INTEGER,
    answered_by TEXT,
    last_status TEXT
);
";

/// How long the record of a delivered key is kept (what stops a replayed event being queued twice).
const KEEP_DELIVERED_MS: i64 = 7 * 24 * 3600 * 1000;

/// A call's oldest queued event, when it is due: the only one of the call that may be sent.
const DUE_HEADS: &str = "SELECT id, key, type, body, attempts FROM outbox o
    WHERE state = 'pending' AND next_attempt_ms <= ?
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.call_id = o.call_id AND p.id < o.id)
    ORDER BY id LIMIT 16";

/// When the next call head falls due.
const NEXT_DUE: &str = "SELECT min(next_attempt_ms) FROM outbox o
    WHERE state = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.call_id = o.call_id AND p.id < o.id)";

/// Queues the CRM event `kind` of `call` (unless that key was already queued or delivered). Behind
/// a dead letter of the same call it is held as dead too, so that a re-send keeps the order.
pub fn enqueue(db: &Connection, call: &str, kind: &str, occurred_at: &str, data: Json, now_ms: i64) -> Result<(), SqliteError> {
    let key = format!("{call}:{kind}");
    let body = json!({ "id": key, "type": kind, "call_id": call, "occurred_at": occurred_at, "data": data }).to_string();
    db.query(
        "INSERT OR IGNORE INTO outbox (key, call_id, type, body, state, last_error, next_attempt_ms, created_ms)
         SELECT ?1, ?2, ?3, ?4, held.state, held.why, ?5, ?5
         FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE call_id = ?2 AND state = 'dead') THEN 'dead' ELSE 'pending' END AS state,
                      CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE call_id = ?2 AND state = 'dead') THEN 'held behind an earlier undeliverable event of this call' END AS why) held
         WHERE NOT EXISTS (SELECT 1 FROM delivered WHERE key = ?1)",
        &[key.into(), call.into(), kind.into(), body.into(), now_ms.into()],
    )?;
    Ok(())
}

/// What one attempt came to.
enum Outcome {
    Delivered,
    /// Try again, no sooner than this (from `Retry-After`).
    Retry(String, Option<Duration>),
    /// The CRM refused the event itself: retrying cannot help.
    Refused(String),
}

/// Sends due events, oldest first per call, for at most the configured budget. Answers when the
/// next one is due (ms since the epoch; `Some(now)` when the budget ran out with work left), or
/// `None` when nothing is queued.
pub fn deliver_due(db: &Connection, config: &Config, now_ms: impl Fn() -> i64) -> Result<Option<i64>, SqliteError> {
    let started = Instant::now();
    // Due by the time this call began: an event retried in this call is due later, so each one is
    // tried at most once per call however short its back-off.
    let due_by = now_ms();
    loop {
        let heads = db.query(DUE_HEADS, &[due_by.into()])?;
        if heads.rows().is_empty() {
            break;
        }
        for row in heads.rows() {
            if started.elapsed() >= config.send_budget {
                return Ok(Some(now_ms()));
            }
            let (id, key, kind, body) = (row.int(0).unwrap_or_default(), row.text(1), row.text(2), row.text(3));
            let attempts = row.int(4).unwrap_or_default() + 1;
            match attempt(config, &key, &kind, &body, attempts) {
                Outcome::Delivered => db.transaction(|tx| {
                    tx.query("DELETE FROM outbox WHERE id = ?", &[id.into()])?;
                    tx.query("INSERT OR REPLACE INTO delivered (key, delivered_ms, attempts) VALUES (?, ?, ?)", &[key.as_str().into(), now_ms().into(), attempts.into()])?;
                    Ok::<_, SqliteError>(())
                })?,
                Outcome::Retry(why, _) if attempts >= config.max_attempts => bury(db, id, attempts, &format!("{why} (attempt {attempts} of {})", config.max_attempts))?,
                Outcome::Refused(why) => bury(db, id, attempts, &why)?,
                Outcome::Retry(why, retry_after) => {
                    let delay = backoff(config, attempts).max(retry_after.unwrap_or_default());
                    db.query(
                        "UPDATE outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE id = ?",
                        &[attempts.into(), (now_ms().max(due_by) + delay.as_millis().max(1) as i64).into(), why.into(), id.into()],
                    )?;
                }
            }
        }
    }
    db.query("DELETE FROM delivered WHERE delivered_ms < ?", &[(now_ms() - KEEP_DELIVERED_MS).into()])?;
    let next = db.query(NEXT_DUE, &[])?;
    Ok(next.rows().first().and_then(|r| r.int(0)))
}

/// One signed POST of an event.
fn attempt(config: &Config, key: &str, kind: &str, body: &str, attempt: i64) -> Outcome {
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    let request = outbound::Request::post(&config.crm_url)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .header("x-switchboard-event", kind)
        .header("x-switchboard-delivery-attempt", &attempt.to_string())
        .header("x-switchboard-timestamp", &timestamp.to_string())
        .header("x-switchboard-signature", &signature::header(&config.secret, timestamp, body.as_bytes()))
        .body(body)
        .timeout(config.timeout)
        .max_response(64 * 1024);
    match request.send() {
        Ok(response) if (200..300).contains(&response.status) => Outcome::Delivered,
        Ok(response) => {
            let why = format!("the CRM answered {}", response.status);
            match response.status {
                408 | 425 | 429 | 500..=599 => {
                    let retry_after = response.header("retry-after").and_then(|s| s.trim().parse().ok()).map(Duration::from_secs);
                    Outcome::Retry(why, retry_after)
                }
                _ => Outcome::Refused(why),
            }
        }
        Err(error @ OutboundError::Denied(_)) => Outcome::Refused(format!("{error}: grant the CRM's URL in the mount's outbound_http")),
        Err(error @ OutboundError::Invalid(_)) => Outcome::Refused(error.to_string()),
        Err(error) => Outcome::Retry(error.to_string(), None),
    }
}

/// Makes event `id` a dead letter, and holds its call's later events behind it.
fn bury(db: &Connection, id: i64, attempts: i64, why: &str) -> Result<(), SqliteError> {
    db.transaction(|tx| {
        tx.query("UPDATE outbox SET state = 'dead', attempts = ?, last_error = ? WHERE id = ?", &[attempts.into(), why.into(), id.into()])?;
        tx.query(
            "UPDATE outbox SET state = 'dead', last_error = 'held behind an earlier undeliverable event of this call'
             WHERE state = 'pending' AND call_id = (SELECT call_id FROM outbox WHERE id = ?)",
            &[id.into()],
        )?;
        Ok(())
    })
}

/// The wait before attempt `attempts + 1`: `retry-base` doubled per attempt, at most `retry-max`,
/// of which a random half or more ("equal jitter"), so that many events refused together do not
/// come back together.
pub fn backoff(config: &Config, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(30);
    let full = config.retry_base.saturating_mul(1 << doublings).min(config.retry_max);
    let half = full / 2;
    half + half.mul_f64(random_fraction())
}

/// A random number in [0, 1). Std's hash keys are seeded from the platform's randomness (the
/// host's `wasi:random` inside the component), which is all jitter needs.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Queues dead letters again (all, or one call's), from a fresh count of attempts. Answers how many.
pub fn resend(db: &Connection, call: Option<&str>, now_ms: i64) -> Result<u64, SqliteError> {
    let filter = if call.is_some() { " AND call_id = ?" } else { "" };
    let mut parameters = vec![now_ms.into()];
    parameters.extend(call.map(Into::into));
    db.query(
        &format!("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?, last_error = NULL WHERE state = 'dead'{filter}"),
        &parameters,
    )?;
    Ok(db.changes())
}
