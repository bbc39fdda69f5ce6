//! From PBX events to CRM events, one call at a time.
//!
//! A call is Asterisk's `Linkedid`: every channel of one call carries it. What the CRM hears of a
//! call, in this order, each at most once:
//!
//! - `call.incoming` — the first `DialBegin` from a calling channel: a phone starts ringing for
//!   the call (`from`: the caller's number, `to`: the dialled one). A `DialBegin` with no calling
//!   channel is the first leg of an originated call ringing its own phone, not an incoming call.
//! - `call.answered` — the first `DialEnd` with `DialStatus: ANSWER` (`answered_by`).
//! - `call.finished` or `call.missed` — the `Hangup` of the call's first channel (`Uniqueid` equal
//!   to `Linkedid`): finished with its talk time when it was answered, missed (with the last dial
//!   status: `NOANSWER`, `BUSY`, `CANCEL`, …) when not.
//!
//! What the call has shown so far lives in the plugin's own database (`calls`), not in memory, so a
//! restart of Switchboard or a fresh instance in the middle of a call still ends it right.

use serde_json::{Value as Json, json};
use switchboard_sdk::events::Event;
use switchboard_sdk::sqlite::{Connection, SqliteError, Value};

use crate::outbox;

/// Takes one PBX event into the calls it changes, queueing what the CRM must hear.
pub fn take(db: &Connection, event: &Event, now_ms: i64) -> Result<(), SqliteError> {
    // Only events of a calling channel: they carry its `Uniqueid` and the call's `Linkedid`.
    let (Some(call), Some(channel)) = (event.field("Linkedid"), event.field("Uniqueid")) else { return Ok(()) };
    if event.name.eq_ignore_ascii_case("DialBegin") {
        dial_begin(db, event, call, now_ms)
    } else if event.name.eq_ignore_ascii_case("DialEnd") {
        dial_end(db, event, call, now_ms)
    } else if event.name.eq_ignore_ascii_case("Hangup") && channel == call {
        hangup(db, event, call, now_ms)
    } else {
        Ok(())
    }
}

fn dial_begin(db: &Connection, event: &Event, call: &str, now_ms: i64) -> Result<(), SqliteError> {
    let from = event.field("CallerIDNum").unwrap_or_default();
    let to = event.field("DestCallerIDNum").filter(|n| !n.is_empty() && *n != "<unknown>").or(event.field("DialString")).unwrap_or_default();
    db.query(
        "INSERT OR IGNORE INTO calls (call_id, from_number, to_number, started_ms) VALUES (?, ?, ?, ?)",
        &[call.into(), from.into(), to.into(), now_ms.into()],
    )?;
    if db.changes() == 1 {
        let data = json!({ "from": from, "to": to, "ringing": event.field("DestChannel") });
        outbox::enqueue(db, call, "call.incoming", &event.timestamp, data, now_ms)?;
    }
    Ok(())
}

fn dial_end(db: &Connection, event: &Event, call: &str, now_ms: i64) -> Result<(), SqliteError> {
    let status = event.field("DialStatus").unwrap_or_default();
    db.query("UPDATE calls SET last_status = ? WHERE call_id = ?", &[status.into(), call.into()])?;
    if status != "ANSWER" {
        return Ok(());
    }
    let by = event.field("DestCallerIDNum").unwrap_or_default();
    db.query(
        "UPDATE calls SET answered_ms = ?, answered_by = ? WHERE call_id = ? AND answered_ms IS NULL",
        &[now_ms.into(), by.into(), call.into()],
    )?;
    if db.changes() == 1 {
        let data = json!({ "answered_by": by, "channel": event.field("DestChannel") });
        outbox::enqueue(db, call, "call.answered", &event.timestamp, data, now_ms)?;
    }
    Ok(())
}

fn hangup(db: &Connection, event: &Event, call: &str, now_ms: i64) -> Result<(), SqliteError> {
    let rows = db.query(
        "SELECT from_number, to_number, started_ms, answered_ms, answered_by, last_status FROM calls WHERE call_id = ?",
        &[call.into()],
    )?;
    // A call that never rang anyone (an originate that failed, a channel alone) is not the CRM's.
    let Some(row) = rows.rows().first() else { return Ok(()) };
    let (from, to) = (row.text(0), row.text(1));
    let started = row.int(2).unwrap_or(now_ms);
    let (kind, data): (&str, Json) = match row.int(3) {
        Some(answered) => (
            "call.finished",
            json!({ "from": from, "to": to, "answered_by": row.text(4), "ring_seconds": (answered - started) / 1000, "talk_seconds": (now_ms - answered) / 1000, "cause": event.field("Cause-txt") }),
        ),
        None => ("call.missed", json!({ "from": from, "to": to, "ring_seconds": (now_ms - started) / 1000, "reason": row.text(5) })),
    };
    outbox::enqueue(db, call, kind, &event.timestamp, data, now_ms)?;
    db.query("DELETE FROM calls WHERE call_id = ?", &[Value::from(call)])?;
    Ok(())
}
