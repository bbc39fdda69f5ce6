//! The CLI behind `Action: Command`, with Asterisk 22's texts and column layouts.

use std::time::SystemTime;

use super::asterisk::{db_in_tree, db_path, md5_key, versions};
use super::clock;
use super::event_format::state_desc;
use super::state::{DevState, PbxRef, State};

/// What a CLI command produced.
pub enum CliOutput {
    /// Success or failure, and the lines.
    Lines(bool, Vec<String>),
    /// `core stop now`: the PBX goes away and comes straight back (the session closes without a
    /// reply; the server restarts the PBX).
    Stop,
}

/// Commands the simulator knows (for `core show help …` hints).
const COMMANDS: &[&str] = &[
    "core show channels",
    "core show channels verbose",
    "core show channels concise",
    "core show channels count",
    "core show version",
    "core show uptime",
    "core stop now",
    "core stop gracefully",
    "core restart now",
    "core restart gracefully",
    "database put",
    "database get",
    "database del",
    "database deltree",
    "database show",
    "pjsip show endpoints",
    "pjsip show contacts",
    "queue show",
    "dialplan reload",
];

/// Channels running dialplan (Asterisk's "active calls").
pub fn active_calls(st: &State) -> usize {
    st.channels.iter().filter(|c| !c.is_peer).count()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn fit(s: &str, width: usize) -> String {
    let s: String = s.chars().take(width).collect();
    format!("{s:<width$}")
}

fn footer(st: &State, out: &mut Vec<String>) {
    out.push(plural(st.channels.len(), "active channel", "active channels"));
    out.push(plural(active_calls(st), "active call", "active calls"));
    out.push(plural(st.processed_calls as usize, "call processed", "calls processed"));
}

fn show_channels(st: &State, mode: &str) -> Vec<String> {
    let mut out = Vec::new();
    match mode {
        "verbose" => {
            out.push(format!(
                "{} {} {} {} {} {} {} {} {} {} {} {}",
                fit("Channel", 80),
                fit("Context", 24),
                fit("Extension", 24),
                fit("Prio", 4),
                fit("State", 7),
                fit("Application", 12),
                fit("Data", 25),
                fit("CallerID", 15),
                fit("Duration", 8),
                fit("Accountcode", 11),
                fit("PeerAccount", 11),
                fit("BridgeID", 20)
            ));
            for c in &st.channels {
                out.push(format!(
                    "{} {} {} {:>4} {} {} {} {} {:>8} {} {} {}",
                    fit(&c.name, 80),
                    fit(&c.context, 24),
                    fit(&c.exten, 24),
                    c.priority,
                    fit(state_desc(c.state), 7),
                    fit(&c.app, 12),
                    fit(if c.data.is_empty() { "(Empty)" } else { &c.data }, 25),
                    fit(&c.cid_num, 15),
                    clock::hms(c.created.elapsed()),
                    fit(&c.accountcode, 11),
                    fit("", 11),
                    fit(c.bridge.as_deref().unwrap_or(""), 20)
                ));
            }
        }
        "concise" => {
            for c in &st.channels {
                out.push(format!(
                    "{}!{}!{}!{}!{}!{}!{}!{}!{}!!3!{}!{}!{}",
                    c.name,
                    c.context,
                    c.exten,
                    c.priority,
                    state_desc(c.state),
                    c.app,
                    c.data,
                    c.cid_num,
                    c.accountcode,
                    c.created.elapsed().as_secs(),
                    c.bridge.as_deref().unwrap_or("(None)"),
                    c.uniqueid
                ));
            }
            return out;
        }
        "count" => {}
        _ => {
            out.push(format!(
                "{} {} {} {}",
                fit("Channel", 20),
                fit("Location", 20),
                fit("State", 7),
                fit("Application(Data)", 30)
            ));
            for c in &st.channels {
                out.push(format!(
                    "{} {} {} {}",
                    fit(&c.name, 20),
                    fit(&format!("{}@{}:{}", c.exten, c.context, c.priority), 20),
                    fit(state_desc(c.state), 7),
                    fit(&format!("{}({})", c.app, c.data), 30)
                ));
            }
        }
    }
    footer(st, &mut out);
    out
}

fn uptime_text(secs: u64) -> String {
    let parts = [(secs / 86_400, "day"), (secs / 3600 % 24, "hour"), (secs / 60 % 60, "minute"), (secs % 60, "second")];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n} {u}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if text.is_empty() { "0 seconds".into() } else { text.join(", ") }
}

fn pjsip_endpoints(st: &State) -> Vec<String> {
    let mut out = vec![
        String::new(),
        " Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>".into(),
        "    I/OAuth:  <AuthId/UserName...........................................................>".into(),
        "        Aor:  <Aor............................................>  <MaxContact>".into(),
        "      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>".into(),
        "  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>".into(),
        "   Identify:  <Identify/Endpoint.........................................................>".into(),
        "        Match:  <criteria.........................>".into(),
        "    Channel:  <ChannelId......................................>  <State.....>  <Time.....>".into(),
        "        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>".into(),
        "==========================================================================================".into(),
        String::new(),
    ];
    for e in &st.endpoints {
        let device = format!("PJSIP/{}", e.name);
        let state = st.device_state(&device);
        let channels = st.channels.iter().filter(|c| c.device == device).count();
        let cid = if e.caller_name.is_empty() { e.name.clone() } else { format!("{}/{}", e.name, e.name) };
        out.push(format!(" Endpoint:  {:<53}  {:<12}  {} of inf", cid, state.text(), channels));
        if e.password.is_some() {
            out.push(format!("     InAuth:  {}/{}", e.name, e.name));
        }
        if let Some(a) = &e.outbound_auth {
            out.push(format!("    OutAuth:  {a}/{}", e.name));
        }
        out.push(format!("        Aor:  {:<49}  {}", e.name, if e.trunk { 0 } else { 1 }));
        if let Some(uri) = &e.contact {
            let hash: String = md5_key("", uri).chars().take(10).collect();
            out.push(format!("      Contact:  {:<40} {} Avail    {:>10.3}", format!("{}/{uri}", e.name), hash, 1.5));
        }
        for c in st.channels.iter().filter(|c| c.device == device) {
            out.push(format!(
                "    Channel:  {:<49}  {:<12}  {}",
                c.name,
                state_desc(c.state),
                clock::hms(c.created.elapsed())
            ));
            out.push(format!("        Exten: {:<24}  CLCID: \"{}\" <{}>", c.exten, c.conn_name, c.conn_num));
        }
        out.push(String::new());
    }
    out.push(format!("Objects found: {}", st.endpoints.len()));
    out
}

fn queue_show(st: &State, only: &str) -> Vec<String> {
    let mut out = Vec::new();
    for q in st.queues.iter().filter(|q| only.is_empty() || q.name == only) {
        out.push(format!(
            "{} has {} calls (max unlimited) in '{}' strategy ({}s holdtime, {}s talktime), W:0, C:{}, A:{}, SL:0.0%, SL2:0.0% within 0s",
            q.name,
            q.callers.len(),
            q.strategy,
            q.holdtime,
            q.talktime,
            q.completed,
            q.abandoned
        ));
        if q.members.is_empty() {
            out.push("   No Members".into());
        } else {
            out.push("   Members: ".into());
            for m in &q.members {
                let state = [
                    DevState::Unknown,
                    DevState::NotInuse,
                    DevState::Inuse,
                    DevState::Busy,
                    DevState::Invalid,
                    DevState::Unavailable,
                    DevState::Ringing,
                    DevState::RingInuse,
                    DevState::OnHold,
                ]
                .get(m.status as usize)
                .copied()
                .unwrap_or(DevState::Unknown);
                out.push(format!(
                    "      {} ({}) (ringinuse disabled) ({}){}{} ({}) has taken {}",
                    m.name,
                    m.interface,
                    if m.dynamic { "dynamic" } else { "static" },
                    if m.paused { " (paused)" } else { "" },
                    if m.in_call { " (in call)" } else { "" },
                    state.text(),
                    if m.calls_taken == 0 { "no calls yet".to_string() } else { format!("{} calls", m.calls_taken) }
                ));
            }
        }
        if q.callers.is_empty() {
            out.push("   No Callers".into());
        } else {
            out.push("   Callers: ".into());
            for (i, c) in q.callers.iter().enumerate() {
                let name = st.chan(&c.uniqueid).map(|c| c.name.clone()).unwrap_or_default();
                out.push(format!("      {}. {} (wait: {}, prio: 0)", i + 1, name, clock::hms(c.joined.elapsed())));
            }
        }
        out.push(String::new());
    }
    if out.is_empty() {
        out.push(if only.is_empty() { "No queues.".into() } else { format!("No such queue: {only}.") });
    }
    out
}

/// "core show help …" hint for an unknown command (Asterisk's `find_best`).
fn find_best(words: &[&str]) -> String {
    let mut taken: Vec<&str> = Vec::new();
    for (x, w) in words.iter().enumerate() {
        taken.push(w);
        let prefix = taken.join(" ");
        let known = COMMANDS
            .iter()
            .any(|c| c.starts_with(&prefix) && (c.len() == prefix.len() || c.as_bytes()[prefix.len()] == b' '));
        if !known && x > 0 {
            break;
        }
    }
    taken.join(" ")
}

/// Runs one CLI command.
pub fn run(pbx: &PbxRef, text: &str) -> CliOutput {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let ok = |lines: Vec<String>| CliOutput::Lines(true, lines);
    match l.as_slice() {
        ["core", "show", "channels"] => ok(pbx.with(|st| show_channels(st, ""))),
        ["core", "show", "channels", mode] if ["verbose", "concise", "count"].contains(mode) => {
            ok(pbx.with(|st| show_channels(st, mode)))
        }
        ["core", "show", "version"] => {
            let (version, _) = versions(pbx.with(|st| st.sip_driver));
            ok(vec![format!("Asterisk {version} built by root @ vm on a x86_64 running Linux on 2026-11-22 04:13:02 UTC")])
        }
        ["core", "show", "uptime", rest @ ..] => {
            let (started, reloaded) = pbx.with(|st| (st.started, st.last_reload));
            let secs = |t: SystemTime| SystemTime::now().duration_since(t).map(|d| d.as_secs()).unwrap_or(0);
            if rest.first() == Some(&"seconds") {
                ok(vec![format!("System uptime: {}", secs(started)), format!("Last reload: {}", secs(reloaded))])
            } else {
                ok(vec![
                    format!("System uptime: {}", uptime_text(secs(started))),
                    format!("Last reload: {}", uptime_text(secs(reloaded))),
                ])
            }
        }
        ["core", "stop" | "restart", "now" | "gracefully" | "when"]
        | ["core", "stop" | "restart", "when", "convenient"] => {
            CliOutput::Stop
        }
        ["database", "put", _, _, _, ..] => {
            let value = words[4..].join(" ");
            pbx.with(|st| st.astdb.insert(db_path(words[2], words[3]), value));
            ok(vec!["Updated database successfully".into()])
        }
        ["database", "get", _, _] => {
            match pbx.with(|st| st.astdb.get(&db_path(words[2], words[3])).cloned()) {
                Some(v) => ok(vec![format!("Value: {v}")]),
                None => ok(vec!["Database entry not found.".into()]),
            }
        }
        ["database", "del", _, _] => match pbx.with(|st| st.astdb.remove(&db_path(words[2], words[3])))
        {
            Some(_) => ok(vec!["Database entry removed.".into()]),
            None => ok(vec!["Database entry does not exist.".into()]),
        },
        ["database", "deltree", _, ..] if l.len() <= 4 => {
            let prefix = db_path(words[2], words.get(3).copied().unwrap_or(""));
            let n = pbx.with(|st| {
                let before = st.astdb.len();
                st.astdb.retain(|k, _| !db_in_tree(k, &prefix));
                before - st.astdb.len()
            });
            if n == 0 {
                ok(vec!["Database entries do not exist.".into()])
            } else {
                ok(vec![format!("{n} database entries removed.")])
            }
        }
        ["database", "show", ..] if l.len() <= 4 => {
            let prefix = match words.len() {
                2 => "/".to_string(),
                n => db_path(words[2], if n == 4 { words[3] } else { "" }),
            };
            let mut lines: Vec<String> = pbx.with(|st| {
                st.astdb
                    .iter()
                    .filter(|(k, _)| db_in_tree(k, &prefix))
                    .map(|(k, v)| format!("{k:<50}: {v:<25}"))
                    .collect()
            });
            let n = lines.len();
            lines.push(format!("{} found.", plural(n, "result", "results")));
            ok(lines)
        }
        ["pjsip", "show", "endpoints"] => ok(pbx.with(|st| pjsip_endpoints(st))),
        ["queue", "show"] => ok(pbx.with(|st| queue_show(st, ""))),
        ["queue", "show", _] => ok(pbx.with(|st| queue_show(st, words[2]))),
        ["dialplan", "reload"] => {
            pbx.with(|st| st.last_reload = SystemTime::now());
            ok(vec!["Dialplan reloaded.".into()])
        }
        _ => CliOutput::Lines(
            false,
            vec![format!(
                "No such command '{text}' (type 'core show help {}' for other possible commands)",
                find_best(&words)
            )],
        ),
    }
}
