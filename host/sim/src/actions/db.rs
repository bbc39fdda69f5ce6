//! astdb actions: DBGet, DBPut, DBDel, DBDelTree, DBGetTree.

use switchboard_ami_wire::Message;

use super::super::asterisk::{db_in_tree as in_tree, db_path as path};
use super::session::{Reply, Session, ack, error, header, list_complete, list_start, with_id};

fn family_key<'a>(action: &'a Message) -> Result<(&'a str, &'a str), &'static str> {
    let family = header(action, "Family");
    if family.is_empty() {
        return Err("No family specified.");
    }
    let key = header(action, "Key");
    if key.is_empty() {
        return Err("No key specified.");
    }
    Ok((family, key))
}

/// `DBGet`: a one-item list in Asterisk 22.
pub fn get(s: &Session, action: &Message) -> Reply {
    let (family, key) = match family_key(action) {
        Ok(fk) => fk,
        Err(e) => return Reply::one(error(action, e)),
    };
    let Some(value) = s.pbx.with(|st| st.astdb.get(&path(family, key)).cloned()) else {
        return Reply::one(error(action, "Database entry not found"));
    };
    Reply::many(vec![
        list_start(action, "Result will follow"),
        with_id(
            Message::new().with("Event", "DBGetResponse").with("Family", family).with("Key", key).with("Val", value),
            action,
        ),
        list_complete(action, "DBGetComplete", 1),
    ])
}

/// `DBPut`.
pub fn put(s: &Session, action: &Message) -> Reply {
    let (family, key) = match family_key(action) {
        Ok(fk) => fk,
        Err(e) => return Reply::one(error(action, e)),
    };
    let value = action.get("Val").unwrap_or("").to_string();
    s.pbx.with(|st| st.astdb.insert(path(family, key), value));
    Reply::one(ack(action, "Updated database successfully"))
}

/// `DBDel`.
pub fn del(s: &Session, action: &Message) -> Reply {
    let (family, key) = match family_key(action) {
        Ok(fk) => fk,
        Err(e) => return Reply::one(error(action, e)),
    };
    match s.pbx.with(|st| st.astdb.remove(&path(family, key))) {
        Some(_) => Reply::one(ack(action, "Key deleted successfully")),
        None => Reply::one(error(action, "Database entry not found")),
    }
}

/// `DBDelTree`: the family, or one key tree in it.
pub fn deltree(s: &Session, action: &Message) -> Reply {
    let family = header(action, "Family");
    if family.is_empty() {
        return Reply::one(error(action, "No family specified."));
    }
    let prefix = path(family, header(action, "Key"));
    let removed = s.pbx.with(|st| {
        let before = st.astdb.len();
        st.astdb.retain(|k, _| !in_tree(k, &prefix));
        before - st.astdb.len()
    });
    if removed == 0 {
        return Reply::one(error(action, "Database entry not found"));
    }
    Reply::one(ack(action, "Key tree deleted successfully"))
}

/// `DBGetTree`: every entry under the family (and key), or the whole database.
pub fn gettree(s: &Session, action: &Message) -> Reply {
    let family = header(action, "Family");
    let prefix = if family.is_empty() { "/".to_string() } else { path(family, header(action, "Key")) };
    let entries: Vec<(String, String)> = s
        .pbx
        .with(|st| st.astdb.iter().filter(|(k, _)| in_tree(k, &prefix)).map(|(k, v)| (k.clone(), v.clone())).collect());
    if entries.is_empty() {
        return Reply::one(error(action, "Database entry not found"));
    }
    let n = entries.len();
    let mut out = vec![list_start(action, "Result will follow")];
    for (k, v) in entries {
        out.push(with_id(Message::new().with("Event", "DBGetTreeResponse").with("Key", k).with("Val", v), action));
    }
    out.push(list_complete(action, "DBGetTreeComplete", n));
    Reply::many(out)
}
