//! SARK's call targets (`openroute`, `outcome`, IVR options: an extension number, a ring group,
//! queue, IVR or custom app name, `Hangup`, `Operator`, `None`) and the shared model's
//! `context,exten,priority` destinations, both ways.

use std::collections::HashMap;

use switchboard_sdk::Error;
use switchboard_sdk::sqlite::Connection;

/// Where a SARK target leads in the shared model: `Some("")` for none, `None` when it names
/// nothing that exists (SARK's "could not be resolved").
pub fn resolve(db: &Connection, target: &str, operator: &str) -> Result<Option<String>, Error> {
    let target = target.trim();
    match target {
        "" | "None" => return Ok(Some(String::new())),
        "Hangup" => return Ok(Some("app-blackhole,hangup,1".into())),
        "Operator" => return resolve_number(db, operator),
        _ => {}
    }
    if let Some(mailbox) = target.strip_prefix('*') {
        if is_number(mailbox) && found(db, "SELECT 1 FROM extensions WHERE number = ?", mailbox)? {
            return Ok(Some(format!("switchboard-voicemail,{mailbox},1")));
        }
        return Ok(None);
    }
    if let Some(found) = resolve_number(db, target)? {
        return Ok(Some(found));
    }
    if found(db, "SELECT 1 FROM queues WHERE name = ?", target)? {
        return Ok(Some(format!("switchboard-queues,{target},1")));
    }
    let ivr = db.query("SELECT id FROM ivrs WHERE name = ?", &[target.into()])?;
    if let Some(id) = ivr.rows().first().and_then(|r| r.int(0)) {
        return Ok(Some(format!("switchboard-ivrs,{id},1")));
    }
    if found(db, "SELECT 1 FROM custom_apps WHERE name = ?", target)? {
        return Ok(Some(format!("switchboard-apps,{target},1")));
    }
    Ok(None)
}

/// An extension or ring group number.
fn resolve_number(db: &Connection, target: &str) -> Result<Option<String>, Error> {
    if !is_number(target) {
        return Ok(None);
    }
    if found(db, "SELECT 1 FROM extensions WHERE number = ?", target)? {
        return Ok(Some(format!("switchboard-extensions,{target},1")));
    }
    if found(db, "SELECT 1 FROM ring_groups WHERE number = ?", target)? {
        return Ok(Some(format!("switchboard-ringgroups,{target},1")));
    }
    Ok(None)
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

fn found(db: &Connection, sql: &str, value: &str) -> Result<bool, Error> {
    Ok(!db.query(sql, &[value.into()])?.rows().is_empty())
}

/// IVR names by id, for showing destinations that lead to an IVR.
pub fn ivr_names(db: &Connection) -> Result<HashMap<String, String>, Error> {
    let rows = db.query("SELECT id, name FROM ivrs", &[])?;
    Ok(rows.rows().iter().map(|r| (r.text(0), r.text(1))).collect())
}

/// The SARK target a destination shows as: the name of what it leads to, `None` for no
/// destination, `Hangup`; a destination another flavor wrote that SARK has no name for, as is.
pub fn show(destination: &str, ivrs: &HashMap<String, String>) -> String {
    let mut parts = destination.splitn(3, ',');
    let (context, exten) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    match context {
        "" => "None".into(),
        "switchboard-extensions" | "switchboard-ringgroups" | "switchboard-queues" | "switchboard-apps" => exten.into(),
        "switchboard-voicemail" => format!("*{exten}"),
        "switchboard-ivrs" => ivrs.get(exten).cloned().unwrap_or_else(|| destination.into()),
        "app-blackhole" => "Hangup".into(),
        _ => destination.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_show_as_sark_targets() {
        let ivrs = HashMap::from([("3".to_string(), "main".to_string())]);
        assert_eq!(show("", &ivrs), "None");
        assert_eq!(show("switchboard-extensions,1001,1", &ivrs), "1001");
        assert_eq!(show("switchboard-ivrs,3,1", &ivrs), "main");
        assert_eq!(show("switchboard-voicemail,1001,1", &ivrs), "*1001");
        assert_eq!(show("app-blackhole,hangup,1", &ivrs), "Hangup");
        assert_eq!(show("from-internal,1001,1", &ivrs), "from-internal,1001,1");
    }
}
