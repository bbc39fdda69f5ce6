//! Reads of the shared `pbx` model (see `wit/pbx-schema.md`): extensions are the API's users and
//! phones, `voicemail` rows its mailboxes, `day_timers` its switches, and the astdb rows FreePBX
//! keeps (`CF`, `CW`, `DND`) plus `HOTDESK/<user>` = the phone a hot-desk user is logged in at.

use std::collections::HashMap;

use switchboard_sdk::Error;
use switchboard_sdk::sqlite::{self, Connection, Row};

/// The astdb family of hot-desk logins: key = the user's extension, value = the phone's.
pub const HOTDESK: &str = "HOTDESK";

/// Technologies whose extensions are phones (the rest — `virtual`, `custom` — are users only).
const PHONE_TECHNOLOGIES: [&str; 4] = ["pjsip", "sip", "iax2", "dahdi"];

/// One `extensions` row, the columns the API uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub number: String,
    pub name: String,
    pub technology: String,
    pub outbound_cid: String,
}

impl Extension {
    fn from_row(r: &Row) -> Extension {
        Extension { number: r.text(0), name: r.text(1), technology: r.text(2), outbound_cid: r.text(3) }
    }

    /// The Asterisk device of the phone (`PJSIP/1001`).
    pub fn device(&self) -> String {
        let tech = match self.technology.as_str() {
            "pjsip" => "PJSIP",
            "sip" => "SIP",
            "iax2" => "IAX2",
            "dahdi" => "DAHDI",
            other => other,
        };
        format!("{tech}/{}", self.number)
    }

    /// Whether the extension is also a phone.
    pub fn is_phone(&self) -> bool {
        PHONE_TECHNOLOGIES.contains(&self.technology.as_str())
    }
}

const EXTENSION_COLUMNS: &str = "SELECT number, name, technology, outbound_cid FROM extensions";

pub fn pbx() -> Result<Connection, Error> {
    Ok(sqlite::open("pbx")?)
}

/// Every extension, by number.
pub fn extensions(db: &Connection) -> Result<Vec<Extension>, Error> {
    let rows = db.query(&format!("{EXTENSION_COLUMNS} ORDER BY number"), &[])?;
    Ok(rows.rows().iter().map(Extension::from_row).collect())
}

/// One extension.
pub fn extension(db: &Connection, number: &str) -> Result<Option<Extension>, Error> {
    let rows = db.query(&format!("{EXTENSION_COLUMNS} WHERE number = ?"), &[number.into()])?;
    Ok(rows.rows().first().map(Extension::from_row))
}

/// A user's password: the PIN of the voicemail box numbered like the extension (the box in the
/// extension's own voicemail context first). `None` when there is no such user or box.
pub fn user_pin(number: &str) -> Result<Option<String>, Error> {
    let rows = pbx()?.query(
        "SELECT v.password FROM voicemail v JOIN extensions e ON e.number = v.mailbox \
         WHERE v.mailbox = ? ORDER BY (v.context = e.voicemail) DESC, v.uniqueid LIMIT 1",
        &[number.into()],
    )?;
    Ok(rows.rows().first().map(|r| r.text(0)))
}

/// Every astdb row of `family`, key → value.
pub fn astdb_family(db: &Connection, family: &str) -> Result<HashMap<String, String>, Error> {
    let rows = db.query("SELECT key, value FROM astdb WHERE family = ?", &[family.into()])?;
    Ok(rows.rows().iter().map(|r| (r.text(0), r.text(1))).collect())
}

/// The phones hot-desk users may log in at: `device_options` key `hot_desk` = `yes`.
pub fn hot_desk_phones(db: &Connection) -> Result<Vec<String>, Error> {
    let rows = db.query("SELECT number FROM device_options WHERE key = 'hot_desk' AND lower(value) IN ('yes', '1', 'true')", &[])?;
    Ok(rows.rows().iter().map(|r| r.text(0)).collect())
}

/// A user's astdb settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSettings {
    pub call_forward: Option<String>,
    pub cw: bool,
    pub dnd: bool,
    /// The phone (extension number) the user is logged in at.
    pub hot_desk: Option<String>,
}

/// The settings of every user (one query per family).
pub struct AllSettings {
    cf: HashMap<String, String>,
    cw: HashMap<String, String>,
    dnd: HashMap<String, String>,
    pub hot_desk: HashMap<String, String>,
}

impl AllSettings {
    pub fn load(db: &Connection) -> Result<AllSettings, Error> {
        Ok(AllSettings {
            cf: astdb_family(db, "CF")?,
            cw: astdb_family(db, "CW")?,
            dnd: astdb_family(db, "DND")?,
            hot_desk: astdb_family(db, HOTDESK)?,
        })
    }

    pub fn of(&self, number: &str) -> UserSettings {
        let non_empty = |v: Option<&String>| v.filter(|v| !v.is_empty()).cloned();
        UserSettings {
            call_forward: non_empty(self.cf.get(number)),
            cw: self.cw.get(number).is_some_and(|v| v.eq_ignore_ascii_case("ENABLED")),
            dnd: self.dnd.get(number).is_some_and(|v| v.eq_ignore_ascii_case("YES")),
            hot_desk: non_empty(self.hot_desk.get(number)),
        }
    }

    /// The user logged in at `phone`, if any.
    pub fn hot_desk_user(&self, phone: &str) -> Option<String> {
        let mut users: Vec<&String> = self.hot_desk.iter().filter(|(_, p)| *p == phone).map(|(u, _)| u).collect();
        users.sort();
        users.first().map(|u| u.to_string())
    }
}

/// One `voicemail` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub mailbox: String,
    pub context: String,
    pub password: String,
}

impl Mailbox {
    /// `1001@default`: the natural key, and what `MailboxCount` takes.
    pub fn key(&self) -> String {
        format!("{}@{}", self.mailbox, self.context)
    }
}

pub fn mailboxes(db: &Connection) -> Result<Vec<Mailbox>, Error> {
    let rows = db.query("SELECT mailbox, context, password FROM voicemail ORDER BY mailbox, context", &[])?;
    Ok(rows.rows().iter().map(|r| Mailbox { mailbox: r.text(0), context: r.text(1), password: r.text(2) }).collect())
}

/// The names of the trunks (`trunks` rows).
pub fn trunk_names(db: &Connection) -> Result<std::collections::HashSet<String>, Error> {
    let rows = db.query("SELECT name FROM trunks", &[])?;
    Ok(rows.rows().iter().map(|r| r.text(0)).collect())
}

/// One `day_timers` row: a switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTimer {
    pub id: i64,
    pub name: String,
    pub state: String,
}

pub fn day_timers(db: &Connection) -> Result<Vec<DayTimer>, Error> {
    let rows = db.query("SELECT id, name, state FROM day_timers ORDER BY id", &[])?;
    Ok(rows.rows().iter().map(|r| DayTimer { id: r.int(0).unwrap_or_default(), name: r.text(1), state: r.text(2) }).collect())
}
