//! Stable UUIDs for users, phones, mailboxes, queues and switches, kept in the plugin's own
//! database. The shared model keys these by natural keys (an extension number, `1001@default`, a
//! queue name) that an admin may reuse; the API promises "unique immutable" ids, so each natural
//! key gets a random v4 UUID the first time it is seen, and keeps it.
//!
//! `INSERT OR IGNORE` then `SELECT` makes concurrent first requests agree on one UUID.

use std::collections::HashMap;

use switchboard_sdk::Error;
use switchboard_sdk::sqlite::{self, Connection, Value};

/// What a UUID names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The PBX itself (`system_information.uuid`), key `pbx`.
    Pbx,
    /// A user: an extension number.
    User,
    /// A phone: an extension number (its SIP username).
    Phone,
    /// A voice mailbox: `mailbox@context`.
    Mailbox,
    /// An ACD queue: its name.
    Queue,
    /// A switch: a `day_timers` id.
    Switch,
    /// A trunk: its name (events' `trunk_uuid`).
    Trunk,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Pbx => "pbx",
            Kind::User => "user",
            Kind::Phone => "phone",
            Kind::Mailbox => "mailbox",
            Kind::Queue => "queue",
            Kind::Switch => "switch",
            Kind::Trunk => "trunk",
        }
    }
}

fn open() -> Result<Connection, Error> {
    let db = sqlite::open("own")?;
    db.query(
        "CREATE TABLE IF NOT EXISTS uuids (kind TEXT NOT NULL, natural_key TEXT NOT NULL, uuid TEXT NOT NULL UNIQUE, \
         PRIMARY KEY (kind, natural_key))",
        &[],
    )?;
    Ok(db)
}

/// A fresh random (v4) UUID from the host's `wasi:random`.
fn fresh() -> String {
    let bytes = switchboard_sdk::bindings::wasi::random::random::get_random_bytes(16);
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&bytes[..16]);
    uuid::Builder::from_random_bytes(raw).into_uuid().to_string()
}

/// The UUIDs of `keys`, creating the missing ones.
pub fn uuids(kind: Kind, keys: &[String]) -> Result<HashMap<String, String>, Error> {
    let db = open()?;
    let select = |db: &Connection| -> Result<HashMap<String, String>, Error> {
        let rows = db.query("SELECT natural_key, uuid FROM uuids WHERE kind = ?", &[kind.name().into()])?;
        Ok(rows.rows().iter().map(|r| (r.text(0), r.text(1))).collect())
    };
    let mut known = select(&db)?;
    let missing: Vec<&String> = keys.iter().filter(|k| !known.contains_key(*k)).collect();
    if missing.is_empty() {
        return Ok(known);
    }
    db.transaction(|tx| {
        for key in &missing {
            tx.query(
                "INSERT OR IGNORE INTO uuids (kind, natural_key, uuid) VALUES (?, ?, ?)",
                &[kind.name().into(), Value::from(key.as_str()), fresh().into()],
            )?;
        }
        Ok::<_, Error>(())
    })?;
    known = select(&db)?;
    Ok(known)
}

/// The UUID of one natural key.
pub fn uuid(kind: Kind, key: &str) -> Result<String, Error> {
    let key = key.to_string();
    uuids(kind, std::slice::from_ref(&key))?.remove(&key).ok_or_else(|| Error::internal("UUID not stored"))
}

/// The natural key a UUID names, if it is of `kind`.
pub fn key_of(kind: Kind, uuid: &str) -> Result<Option<String>, Error> {
    let db = open()?;
    let rows =
        db.query("SELECT natural_key FROM uuids WHERE kind = ? AND uuid = ?", &[kind.name().into(), uuid.to_ascii_lowercase().into()])?;
    Ok(rows.rows().first().map(|r| r.text(0)))
}
