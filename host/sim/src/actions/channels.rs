//! Channel actions: Originate, Hangup, Redirect, BlindTransfer, Getvar, Setvar.

use std::time::Duration;

use switchboard_ami_wire::Message;

use super::super::channel::{Control, Pc, Tech};
use super::super::dialplan::{self, Originate, Target};
use super::session::{Reply, Session, ack, error, header, list_complete, list_start, response, truthy, with_id};

/// `"Name" <number>`, `Name <number>`, `<number>`, `number` → (number, name).
pub fn parse_callerid(v: &str) -> (String, String) {
    let v = v.trim();
    if let (Some(l), Some(r)) = (v.find('<'), v.rfind('>')) {
        if l < r {
            let num = v[l + 1..r].trim().to_string();
            let name = v[..l].trim().trim_matches('"').trim().to_string();
            return (num, name);
        }
    }
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || "+*#".contains(c)) {
        (v.to_string(), String::new())
    } else {
        (String::new(), v.trim_matches('"').to_string())
    }
}

/// `Originate`.
pub async fn originate(s: &Session, action: &Message) -> Reply {
    s.pbx.originates.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let channel = header(action, "Channel");
    if channel.is_empty() {
        return Reply::one(error(action, "Channel not specified"));
    }
    if !channel.contains('/') {
        return Reply::one(error(action, "Invalid channel"));
    }
    let priority = header(action, "Priority");
    let priority = if priority.is_empty() {
        1
    } else {
        match priority.parse::<u32>() {
            Ok(p) if p > 0 => p,
            _ => return Reply::one(error(action, "Invalid priority")),
        }
    };
    let timeout = header(action, "Timeout");
    let timeout = if timeout.is_empty() {
        Duration::from_secs(30)
    } else {
        match timeout.parse::<u64>() {
            Ok(ms) => Duration::from_millis(ms),
            Err(_) => return Reply::one(error(action, "Invalid timeout")),
        }
    };
    let application = header(action, "Application");
    let target = if application.is_empty() {
        let context = header(action, "Context");
        let context =
            if context.is_empty() { s.pbx.with(|st| st.internal_context.clone()) } else { context.to_string() };
        let exten = header(action, "Exten");
        Target::Exten(Pc { context, exten: if exten.is_empty() { "s".into() } else { exten.into() }, priority })
    } else {
        Target::App { app: application.into(), data: header(action, "Data").into() }
    };
    let (cid_num, cid_name) = parse_callerid(header(action, "CallerID"));
    let variables = action
        .get_all("Variable")
        .flat_map(|v| v.split(','))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .collect();
    let is_async = truthy(header(action, "Async"));
    let req = Originate {
        channel: channel.into(),
        target,
        cid_num,
        cid_name,
        timeout,
        variables,
        account: header(action, "Account").into(),
        async_action_id: is_async.then(|| header(action, "ActionID").to_string()),
    };
    let pbx = s.pbx.clone();
    if is_async {
        let owner = pbx.clone();
        pbx.spawn(async move {
            dialplan::originate(owner, req).await;
        });
        return Reply::one(ack(action, "Originate successfully queued"));
    }
    let result = dialplan::originate(pbx, req).await;
    if result.success {
        Reply::one(ack(action, "Originate successfully queued"))
    } else {
        Reply::one(error(action, "Originate failed"))
    }
}

/// `Hangup`: one channel by name, or every channel matching `/regex/`.
pub fn hangup(s: &Session, action: &Message) -> Reply {
    let target = header(action, "Channel");
    if target.is_empty() {
        return Reply::one(error(action, "No channel specified"));
    }
    let cause: Option<u16> = header(action, "Cause").parse().ok().filter(|c| *c > 0);
    let default_cause = |tech: Tech| cause.unwrap_or(if tech == Tech::Local { 0 } else { 16 });
    if let Some(pattern) = target.strip_prefix('/').and_then(|t| t.strip_suffix('/')) {
        // Asterisk compiles the pattern with regcomp(REG_EXTENDED); the regex crate's syntax covers
        // what Hangup patterns use (literals, classes, repetition, anchors, alternation).
        let Ok(re) = regex::Regex::new(pattern) else {
            return Reply::one(error(action, &format!("Regex compile failed on: {pattern}")));
        };
        let names: Vec<(String, String, Tech)> = s.pbx.with(|st| {
            st.channels
                .iter()
                .filter(|c| re.is_match(&c.name))
                .map(|c| (c.uniqueid.clone(), c.name.clone(), c.tech))
                .collect()
        });
        let mut out = vec![list_start(action, "Channels hung up will follow")];
        for (uid, name, tech) in &names {
            s.pbx.soft_hangup(uid, default_cause(*tech));
            out.push(with_id(Message::new().with("Event", "ChannelHungup").with("Channel", name.clone()), action));
        }
        out.push(list_complete(action, "ChannelsHungupListComplete", names.len()));
        return Reply::many(out);
    }
    let found = s.pbx.with(|st| st.chan_by_name(target).map(|c| (c.uniqueid.clone(), c.tech)));
    let Some((uid, tech)) = found else { return Reply::one(error(action, "No such channel")) };
    s.pbx.soft_hangup(&uid, default_cause(tech));
    Reply::one(ack(action, "Channel Hungup"))
}

/// `PlayDTMF`: a key on a channel. With `Receive: yes` the channel receives it, as if its caller
/// pressed it (a waiting `Background` or `WaitExten` reads it); without, it is played out to the
/// caller. `Duration` is in milliseconds.
pub fn play_dtmf(s: &Session, action: &Message) -> Reply {
    let (name, digit, duration) = (header(action, "Channel"), header(action, "Digit"), header(action, "Duration"));
    if name.is_empty() {
        return Reply::one(error(action, "Channel not specified"));
    }
    let Some(digit) = digit.chars().next() else { return Reply::one(error(action, "No digit specified")) };
    let duration_ms = match duration {
        "" => 100,
        d => match d.parse::<u32>() {
            Ok(ms) => ms,
            Err(_) => return Reply::one(error(action, "Could not convert Duration parameter")),
        },
    };
    let receive = ["yes", "true", "y", "t", "1", "on"].iter().any(|y| header(action, "Receive").eq_ignore_ascii_case(y));
    let Some(uid) = s.pbx.with(|st| st.chan_by_name(name).map(|c| c.uniqueid.clone())) else {
        return Reply::one(error(action, "Channel not found"));
    };
    match s.pbx.dtmf(&uid, digit, duration_ms, receive) {
        Some(()) => Reply::one(ack(action, "DTMF successfully queued")),
        None => Reply::one(error(action, "Channel not found")),
    }
}

/// `Redirect` (and `ExtraChannel`).
pub fn redirect(s: &Session, action: &Message) -> Reply {
    let name = header(action, "Channel");
    let (context, exten, priority) = (header(action, "Context"), header(action, "Exten"), header(action, "Priority"));
    if name.is_empty() {
        return Reply::one(error(action, "Channel not specified"));
    }
    if context.is_empty() {
        return Reply::one(error(action, "Context not specified"));
    }
    if exten.is_empty() {
        return Reply::one(error(action, "Exten not specified"));
    }
    if priority.is_empty() {
        return Reply::one(error(action, "Priority not specified"));
    }
    let Ok(priority) = priority.parse::<u32>() else { return Reply::one(error(action, "Invalid priority")) };
    let extra = header(action, "ExtraChannel");
    let uids = s.pbx.with(|st| {
        let one = st.chan_by_name(name).map(|c| c.uniqueid.clone());
        let two = if extra.is_empty() { None } else { st.chan_by_name(extra).map(|c| c.uniqueid.clone()) };
        (one, two)
    });
    let Some(uid) = uids.0 else { return Reply::one(error(action, &format!("Channel does not exist: {name}"))) };
    if !extra.is_empty() && uids.1.is_none() {
        return Reply::one(error(action, &format!("Channel does not exist: {extra}")));
    }
    s.pbx.control(&uid, Control::Redirect { context: context.into(), exten: exten.into(), priority });
    if let Some(uid2) = uids.1 {
        let c2 = header(action, "ExtraContext");
        let e2 = header(action, "ExtraExten");
        let p2 = header(action, "ExtraPriority").parse::<u32>().unwrap_or(priority);
        let c2 = if c2.is_empty() { context } else { c2 };
        let e2 = if e2.is_empty() { exten } else { e2 };
        s.pbx.control(&uid2, Control::Redirect { context: c2.into(), exten: e2.into(), priority: p2 });
        return Reply::one(ack(action, "Dual Redirect successful"));
    }
    Reply::one(ack(action, "Redirect successful"))
}

/// `BlindTransfer`: the channel's bridge peer goes to `Exten@Context`.
pub fn blind_transfer(s: &Session, action: &Message) -> Reply {
    let name = header(action, "Channel");
    let exten = header(action, "Exten");
    if name.is_empty() {
        return Reply::one(error(action, "No channel specified"));
    }
    if exten.is_empty() {
        return Reply::one(error(action, "No extension specified"));
    }
    let found =
        s.pbx.with(|st| st.chan_by_name(name).map(|c| (c.uniqueid.clone(), c.context.clone(), c.bridge.is_some())));
    let Some((uid, own_context, bridged)) = found else {
        return Reply::one(error(action, "Channel specified does not exist"));
    };
    if !bridged {
        return Reply::one(error(action, "Transfer invalid"));
    }
    let context = header(action, "Context");
    let context = if context.is_empty() { own_context } else { context.to_string() };
    s.pbx.control(&uid, Control::BlindTransfer { context, exten: exten.into() });
    Reply::one(ack(action, "Transfer succeeded"))
}

/// `Getvar`: a channel variable/function, or a global one without `Channel:`.
pub fn getvar(s: &Session, action: &Message) -> Reply {
    let var = header(action, "Variable");
    if var.is_empty() {
        return Reply::one(error(action, "No variable specified"));
    }
    let name = header(action, "Channel");
    let value = s.pbx.with(|st| {
        if name.is_empty() {
            return Some(dialplan::variable(st, "", var).unwrap_or_default());
        }
        let uid = st.chan_by_name(name)?.uniqueid.clone();
        Some(dialplan::variable(st, &uid, var).unwrap_or_default())
    });
    let Some(value) = value else { return Reply::one(error(action, "No such channel")) };
    Reply::one(response(action, "Success").with("Variable", var).with("Value", value))
}

/// `Setvar`: a channel variable, `CDR(userfield)`, `DB(family/key)`, or a global.
pub fn setvar(s: &Session, action: &Message) -> Reply {
    let var = header(action, "Variable");
    if var.is_empty() {
        return Reply::one(error(action, "No variable specified"));
    }
    let value = action.get("Value").unwrap_or("");
    let name = header(action, "Channel");
    let upper = var.to_ascii_uppercase();
    if let Some(key) = upper.strip_prefix("DB(").and_then(|k| k.strip_suffix(')')) {
        let key = &var[3..3 + key.len()];
        s.pbx.with(|st| st.astdb.insert(format!("/{}", key.trim_start_matches('/')), value.to_string()));
        return Reply::one(ack(action, "Variable Set"));
    }
    if name.is_empty() {
        let var = var.strip_prefix("GLOBAL(").and_then(|g| g.strip_suffix(')')).unwrap_or(var);
        s.pbx.with(|st| st.globals.insert(var.to_string(), value.to_string()));
        return Reply::one(ack(action, "Variable Set"));
    }
    let Some(uid) = s.pbx.with(|st| st.chan_by_name(name).map(|c| c.uniqueid.clone())) else {
        return Reply::one(error(action, "No such channel"));
    };
    if upper == "CDR(USERFIELD)" {
        s.pbx.with(|st| st.chan_mut(&uid).map(|c| c.set_var("CDR(userfield)", value)));
    } else {
        s.pbx.var_set(&uid, var, value);
    }
    Reply::one(ack(action, "Variable Set"))
}
