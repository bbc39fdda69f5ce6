//! `addextension`, `updateextension`, `deleteextension`: a SIP extension in the `pbx` model (an
//! `extensions` row; the chan_sip peer fields the API speaks in `device_options`), then
//! apply-changes — where the original wrote FreePBX's tables and ran `module_admin reload`.

use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{Connection, Value};

use super::{checked, form, number_field, write_then_apply};

/// The peer fields kept as `device_options` (the rest — `name`, `secret`, `context`, `callerid`,
/// `account` — have columns of their own or are the key).
const OPTIONS: [&str; 22] = [
    "deny", "dtmfmode", "canreinvite", "host", "trustrpid", "sendrpid", "type", "nat", "port", "qualify", "qualifyfreq",
    "transport", "avpf", "icesupport", "encryption", "callgroup", "pickupgroup", "dial", "mailbox", "permit",
    "callcounter", "faxdetect",
];

/// `John <104>` → `John`; a bare value is the name itself.
fn display_name(callerid: &str) -> String {
    let name = callerid.split('<').next().unwrap_or_default().trim().trim_matches('"').trim();
    name.to_string()
}

fn exists(db: &Connection, number: &str) -> Result<bool, Error> {
    Ok(!db.query("SELECT 1 FROM extensions WHERE number = ?", &[number.into()])?.rows().is_empty())
}

/// Checks every posted field this command stores against the schema's rules, so a refusal names
/// the field and nothing is written: `secret`, `context`, `callerid` (and the name taken from it),
/// and each peer option.
pub(crate) fn check_fields(form: &Params) -> Result<(), Error> {
    if let Some(secret) = form.get("secret") {
        checked("secret", "extensions", "secret", secret)?;
    }
    if let Some(context) = form.get("context").filter(|c| !c.is_empty()) {
        checked("context", "extensions", "context", context)?;
    }
    if let Some(callerid) = form.get("callerid") {
        checked("callerid", "extensions", "callerid", callerid)?;
        checked("callerid", "extensions", "name", &display_name(callerid))?;
    }
    for key in OPTIONS {
        if let Some(value) = form.get(key) {
            checked(key, "device_options", "value", value)?;
        }
    }
    Ok(())
}

/// Writes the posted peer fields of `number` into `device_options` (only those posted).
fn write_options(tx: &Connection, number: &str, form: &Params) -> Result<(), Error> {
    for key in OPTIONS {
        if let Some(value) = form.get(key) {
            tx.query(
                "INSERT INTO device_options (number, key, value) VALUES (?, ?, ?) \
                 ON CONFLICT (number, key) DO UPDATE SET value = excluded.value",
                &[number.into(), key.into(), value.into()],
            )?;
        }
    }
    Ok(())
}

/// Creates the extension unless it exists (the original answered `INSERT OK` either way).
pub fn add(req: &Request) -> Result<Response, Error> {
    let form = form(req)?;
    let number = number_field(&form, "account")?;
    check_fields(&form)?;
    let callerid = form.get("callerid").unwrap_or_default().to_string();
    let name = display_name(&callerid);
    write_then_apply("INSERT OK", |tx| {
        if exists(tx, &number)? {
            return Ok(false);
        }
        let context = form.get("context").filter(|c| !c.is_empty()).unwrap_or("from-internal");
        tx.query(
            "INSERT INTO extensions (number, name, secret, context, callerid) VALUES (?, ?, ?, ?, ?)",
            &[number.as_str().into(), name.into(), form.get("secret").unwrap_or_default().into(), context.into(), callerid.into()],
        )?;
        write_options(tx, &number, &form)?;
        Ok(true)
    })
}

/// Updates the named extension only (nothing else is touched; an unknown one changes nothing).
pub fn update(req: &Request) -> Result<Response, Error> {
    let form = form(req)?;
    let number = number_field(&form, "account")?;
    check_fields(&form)?;
    write_then_apply("UPDATE OK", |tx| {
        if !exists(tx, &number)? {
            return Ok(false);
        }
        let mut sets: Vec<&str> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if let Some(secret) = form.get("secret") {
            sets.push("secret = ?");
            params.push(secret.into());
        }
        if let Some(context) = form.get("context").filter(|c| !c.is_empty()) {
            sets.push("context = ?");
            params.push(context.into());
        }
        if let Some(callerid) = form.get("callerid") {
            sets.push("callerid = ?");
            params.push(callerid.into());
            sets.push("name = ?");
            params.push(display_name(callerid).into());
        }
        if !sets.is_empty() {
            params.push(number.as_str().into());
            tx.query(&format!("UPDATE extensions SET {} WHERE number = ?", sets.join(", ")), &params)?;
        }
        write_options(tx, &number, &form)?;
        Ok(true)
    })
}

/// Deletes the extension (its options go with it).
pub fn delete(req: &Request) -> Result<Response, Error> {
    let form = form(req)?;
    let number = number_field(&form, "account")?;
    write_then_apply("DELETE OK", |tx| {
        let existed = exists(tx, &number)?;
        tx.query("DELETE FROM device_options WHERE number = ?", &[number.as_str().into()])?;
        tx.query("DELETE FROM extensions WHERE number = ?", &[number.as_str().into()])?;
        Ok(existed)
    })
}
