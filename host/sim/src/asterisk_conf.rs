//! An Asterisk `.conf` reader for the switchboard config files, read as Asterisk reads them, on
//! start and on `Reload`.
//!
//! With [`super::SimConfig::config_dir`] set, the simulator behaves like an Asterisk whose
//! `pjsip.conf`, `extensions.conf`, `queues.conf` and `voicemail.conf` `#include` the files
//! the host's apply-changes writes ([`PJSIP_FILE`], [`EXTENSIONS_FILE`], [`QUEUES_FILE`],
//! [`VOICEMAIL_FILE`]): at start and on `Reload` (no `Module:` = every module; `res_pjsip.so`,
//! `pbx_config.so`, `app_queue.so`, `app_voicemail.so`) it parses them and reconciles its live
//! state. Objects a file defined last time and no longer does are removed; objects from the
//! [`super::PbxSeed`] that no file ever defined stay. A missing or unreadable file leaves that
//! module's state as it was (as a failed config load does in Asterisk).
//!
//! What a client sees is what Asterisk publishes: a phone a reload adds registers at once
//! (`ContactStatus: Reachable`; a trunk's static contact likewise), a removed one goes
//! (`ContactStatus: Removed`), device states follow (`DeviceStateChange`, hints, queue members),
//! and every `Reload` ends with `Event: Reload` (`Module`, `Status: 0`), as Asterisk's loader
//! publishes it. An existing endpoint keeps its live state (contact, auto-answer, ring time) and
//! takes the file's caller ID, context, auth, mailbox.
//!
//! The parser covers Asterisk's config syntax as far as these files use it and a bit beyond:
//! `[section]` (with `(!)` templates and `(template)` inheritance), `key=value` and `key => value`,
//! `;` comments with `\;` escapes, `;-- … --;` block comments, `#include`/`#tryinclude` (followed,
//! relative to the including file) and `#exec` (ignored).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::event_format::{self, class};
use super::seed::{EndpointSeed, ExtenSeed, MailboxSeed};
use super::state::{Member, Queue, State};

/// The PJSIP endpoints, AORs and auths file `pjsip.conf` includes.
pub const PJSIP_FILE: &str = "pjsip.switchboard.conf";
/// The dialplan file `extensions.conf` includes.
pub const EXTENSIONS_FILE: &str = "extensions.switchboard.conf";
/// The queues file `queues.conf` includes.
pub const QUEUES_FILE: &str = "queues.switchboard.conf";
/// The mailboxes file `voicemail.conf` includes.
pub const VOICEMAIL_FILE: &str = "voicemail.switchboard.conf";

/// One section of a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<(String, String)>,
}

impl Section {
    /// The last value of `key` (later lines override earlier ones in Asterisk's option parsing).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

/// Parses `path` and what it includes; `None` when it cannot be read.
pub fn parse_file(path: &Path) -> Option<Vec<Section>> {
    let mut sections = Vec::new();
    read(path, 0, &mut sections).ok()?;
    Some(sections.into_iter().filter(|(_, template)| !template).map(|(s, _)| s).collect())
}

/// Reads `path` into `out`: sections, each with whether it is a `(!)` template.
fn read(path: &Path, depth: usize, out: &mut Vec<(Section, bool)>) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut in_block = false;
    for raw in text.lines() {
        let line = strip_comments(raw, &mut in_block);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(directive) = line.strip_prefix('#') {
            let (word, arg) = directive.split_once(char::is_whitespace).unwrap_or((directive, ""));
            let arg = arg.trim().trim_matches(['"', '<', '>']);
            let required = word.eq_ignore_ascii_case("include");
            if (required || word.eq_ignore_ascii_case("tryinclude")) && depth < 8 {
                let target = path.parent().map_or_else(|| PathBuf::from(arg), |dir| dir.join(arg));
                if let Err(e) = read(&target, depth + 1, out) {
                    if required {
                        return Err(e);
                    }
                }
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some((name, after)) = rest.split_once(']') else { continue };
            let options = after.trim().strip_prefix('(').and_then(|o| o.strip_suffix(')')).unwrap_or("");
            let mut section = Section { name: name.trim().to_string(), entries: Vec::new() };
            let mut template = false;
            for opt in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                match opt {
                    "!" => template = true,
                    "+" => {}
                    base => {
                        if let Some((b, _)) = out.iter().rev().find(|(s, _)| s.name == base) {
                            section.entries.extend(b.entries.iter().cloned());
                        }
                    }
                }
            }
            if options.split(',').any(|o| o.trim() == "+") {
                // `[name](+)` adds to the section defined before.
                if let Some(i) = out.iter().rposition(|(s, _)| s.name == section.name) {
                    let (existing, was_template) = out.remove(i);
                    section.entries = existing.entries;
                    template |= was_template;
                }
            }
            out.push((section, template));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.strip_prefix('>').unwrap_or(value);
        if let Some((section, _)) = out.last_mut() {
            section.entries.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    Ok(())
}

/// The line without its comment (`;` not escaped by `\`), `\;` unescaped; block comments
/// (`;--` … `--;`) tracked across lines.
fn strip_comments(line: &str, in_block: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if *in_block {
            let Some(end) = rest.find("--;") else { return out };
            rest = &rest[end + 3..];
            *in_block = false;
        }
        let bytes = rest.as_bytes();
        let Some(i) = (0..bytes.len()).find(|&i| bytes[i] == b';' && (i == 0 || bytes[i - 1] != b'\\')) else {
            out.push_str(rest);
            return out.replace("\\;", ";");
        };
        out.push_str(&rest[..i].replace("\\;", ";"));
        if rest[i..].starts_with(";--") {
            *in_block = true;
            rest = &rest[i + 3..];
        } else {
            return out;
        }
    }
}

/// What one module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Pjsip,
    Dialplan,
    Queues,
    Voicemail,
}

impl Area {
    /// Every area, in the order a full reload reads them.
    pub const ALL: [Area; 4] = [Area::Pjsip, Area::Dialplan, Area::Queues, Area::Voicemail];

    fn file(self) -> &'static str {
        match self {
            Area::Pjsip => PJSIP_FILE,
            Area::Dialplan => EXTENSIONS_FILE,
            Area::Queues => QUEUES_FILE,
            Area::Voicemail => VOICEMAIL_FILE,
        }
    }

    /// The areas a `Reload` of `module` (with or without `.so`; empty = all) re-reads.
    pub fn of_module(module: &str) -> Vec<Area> {
        let base = module.trim();
        let base = base.strip_suffix(".so").unwrap_or(base);
        match base {
            "" => Area::ALL.to_vec(),
            "res_pjsip" => vec![Area::Pjsip],
            "pbx_config" => vec![Area::Dialplan],
            "app_queue" => vec![Area::Queues],
            "app_voicemail" => vec![Area::Voicemail],
            _ => Vec::new(),
        }
    }
}

/// Parses the files of `areas` in `dir` (blocking: call from the blocking pool); unreadable files
/// are left out.
pub fn load(dir: &Path, areas: &[Area]) -> Vec<(Area, Vec<Section>)> {
    areas
        .iter()
        .filter_map(|&area| {
            let path = dir.join(area.file());
            let sections = parse_file(&path);
            if sections.is_none() {
                tracing::debug!(path = %path.display(), "simulator: config file not read; keeping that module's state");
            }
            Some((area, sections?))
        })
        .collect()
}

/// Reconciles the live state with what was loaded.
pub fn apply(st: &mut State, loaded: Vec<(Area, Vec<Section>)>) {
    for (area, sections) in loaded {
        match area {
            Area::Pjsip => pjsip(st, &sections),
            Area::Dialplan => dialplan(st, &sections),
            Area::Queues => queues(st, &sections),
            Area::Voicemail => voicemail(st, &sections),
        }
    }
}

fn first(list: Option<&str>) -> Option<String> {
    list?.split(',').map(str::trim).find(|s| !s.is_empty()).map(str::to_string)
}

/// `"Alice Smith" <1001>` → `Alice Smith`.
fn caller_name(callerid: &str) -> String {
    let name = callerid.split('<').next().unwrap_or("").trim();
    name.trim_matches('"').trim().to_string()
}

fn contact_status(st: &mut State, e: &EndpointSeed, status: &str) {
    let Some(uri) = &e.contact else { return };
    st.emit(
        class::SYSTEM,
        event_format::event("ContactStatus", class::SYSTEM)
            .with("URI", uri.clone())
            .with("ContactStatus", status)
            .with("AOR", e.name.clone())
            .with("EndpointName", e.name.clone())
            .with("RoundtripUsec", if status == "Removed" { "0" } else { "1000" }),
    );
}

/// Endpoints (with their auth, AOR and static contact) from the `type=endpoint` sections.
fn pjsip(st: &mut State, sections: &[Section]) {
    let of_type = |t: &str| -> BTreeMap<&str, &Section> {
        sections.iter().filter(|s| s.get("type").is_some_and(|v| v.eq_ignore_ascii_case(t))).map(|s| (s.name.as_str(), s)).collect()
    };
    let (auths, aors) = (of_type("auth"), of_type("aor"));
    let mut seen = BTreeSet::new();
    for ep in sections.iter().filter(|s| s.get("type").is_some_and(|v| v.eq_ignore_ascii_case("endpoint"))) {
        let name = ep.name.clone();
        if !seen.insert(name.clone()) {
            continue;
        }
        let auth_name = first(ep.get("auth"));
        let password = auth_name.as_ref().map(|a| auths.get(a.as_str()).and_then(|s| s.get("password")).unwrap_or("").to_string());
        let aor = first(ep.get("aors")).and_then(|a| aors.get(a.as_str()).copied());
        let static_contact = aor.and_then(|a| a.get("contact")).filter(|c| !c.is_empty()).map(str::to_string);
        let mailbox = first(ep.get("mailboxes")).or_else(|| first(aor.and_then(|a| a.get("mailboxes"))));
        let caller = caller_name(ep.get("callerid").unwrap_or(""));
        let context = ep.get("context").unwrap_or("default").to_string();
        let outbound_auth = first(ep.get("outbound_auth"));
        let ring = st.reload_ring;
        let added = match st.endpoints.iter_mut().find(|e| e.name == name) {
            Some(e) => {
                e.caller_name = caller;
                e.context = context;
                e.password = password;
                e.auth_name = auth_name.filter(|a| *a != name);
                e.outbound_auth = outbound_auth;
                e.mailbox = mailbox;
                if let Some(c) = static_contact {
                    e.trunk = true;
                    e.contact = Some(c);
                }
                None
            }
            None => {
                let mut e = match static_contact {
                    Some(uri) => EndpointSeed::trunk(&name, &uri),
                    None => EndpointSeed::phone(&name, &caller),
                };
                e.caller_name = caller;
                e.context = context;
                e.password = password;
                e.auth_name = auth_name.filter(|a| *a != name);
                e.outbound_auth = outbound_auth;
                e.mailbox = mailbox;
                e.ring = ring;
                st.endpoints.push(e.clone());
                Some(e)
            }
        };
        if let Some(e) = added {
            // The simulated phone registers at once (a trunk's static contact qualifies).
            contact_status(st, &e, "Reachable");
        }
        st.refresh_device(&format!("PJSIP/{name}"));
    }
    let gone: Vec<String> = st.from_config.endpoints.difference(&seen).cloned().collect();
    for name in gone {
        let Some(i) = st.endpoints.iter().position(|e| e.name == name) else { continue };
        let e = st.endpoints.remove(i);
        contact_status(st, &e, "Removed");
        let device = format!("PJSIP/{name}");
        st.refresh_device(&device);
        st.devices.remove(&device);
    }
    st.from_config.endpoints = seen;
}

/// `exten => N,prio,App(data)`, `same => n,…`, `include => ctx`; hints. Extensions matched on
/// caller ID (`N/cid`) are not simulated and left out.
fn dialplan(st: &mut State, sections: &[Section]) {
    let mut extens: BTreeMap<(String, String), (Vec<(u32, String)>, Option<String>)> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    let mut includes = Vec::new();
    for s in sections {
        let mut current: Option<(String, u32)> = None;
        for (key, value) in &s.entries {
            let (exten, rest) = match key.to_ascii_lowercase().as_str() {
                "include" => {
                    includes.push((s.name.clone(), value.clone()));
                    continue;
                }
                "exten" => match value.split_once(',') {
                    Some((e, rest)) => (e.trim().to_string(), rest),
                    None => continue,
                },
                "same" => match &current {
                    Some((e, _)) => (e.clone(), value.as_str()),
                    None => continue,
                },
                _ => continue,
            };
            if exten.contains('/') {
                current = None;
                continue;
            }
            let Some((priority, app)) = rest.split_once(',') else { continue };
            let priority = priority.trim();
            let key = (s.name.clone(), exten.clone());
            if !extens.contains_key(&key) {
                order.push(key.clone());
            }
            let entry = extens.entry(key).or_default();
            if priority.eq_ignore_ascii_case("hint") {
                entry.1 = Some(app.trim().to_string());
                continue;
            }
            // `n`, `n(label)`, `2`, `2(label)`.
            let number = priority.split('(').next().unwrap_or("").trim();
            let last = current.as_ref().filter(|(e, _)| *e == exten).map_or(0, |(_, p)| *p);
            let p = if number.eq_ignore_ascii_case("n") { last + 1 } else { number.parse().unwrap_or(last + 1) };
            entry.0.push((p, app.trim().to_string()));
            current = Some((exten, p));
        }
    }
    let now: BTreeSet<(String, String)> = order.iter().cloned().collect();
    let drop: BTreeSet<(String, String)> = st.from_config.extens.union(&now).cloned().collect();
    st.dialplan.retain(|e| !drop.contains(&(e.context.clone(), e.exten.clone())));
    for key in order {
        let Some((mut steps, hint)) = extens.remove(&key) else { continue };
        steps.sort_by_key(|(p, _)| *p);
        let apps: Vec<&str> = steps.iter().map(|(_, a)| a.as_str()).collect();
        let mut seed = ExtenSeed::new(&key.0, &key.1, &apps);
        seed.hint = hint;
        st.dialplan.push(seed);
    }
    st.includes = includes;
    st.from_config.extens = now;
}

/// Queues and their static `member => interface,penalty,membername,state_interface` lines.
fn queues(st: &mut State, sections: &[Section]) {
    let mut seen = BTreeSet::new();
    let mut seen_members = BTreeSet::new();
    let now = super::clock::epoch(std::time::SystemTime::now()).0;
    for s in sections.iter().filter(|s| !s.name.eq_ignore_ascii_case("general")) {
        if !seen.insert(s.name.clone()) {
            continue;
        }
        let strategy = s.get("strategy").unwrap_or("ringall").to_string();
        if st.queue_mut(&s.name).is_none() {
            st.queues.push(Queue {
                name: s.name.clone(),
                exten: None,
                strategy: strategy.clone(),
                members: Vec::new(),
                callers: Vec::new(),
                completed: 0,
                abandoned: 0,
                holdtime: 0,
                talktime: 0,
                rr_next: 0,
            });
        }
        for (_, line) in s.entries.iter().filter(|(k, _)| k.eq_ignore_ascii_case("member")) {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let interface = fields[0].to_string();
            if interface.is_empty() {
                continue;
            }
            let penalty = fields.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
            let name = fields.get(2).filter(|n| !n.is_empty()).map_or_else(|| interface.clone(), |n| n.to_string());
            let state_interface = fields.get(3).filter(|n| !n.is_empty()).map_or_else(|| interface.clone(), |n| n.to_string());
            let status = st.device_state(&state_interface) as u8;
            seen_members.insert((s.name.clone(), interface.to_ascii_lowercase()));
            let q = st.queue_mut(&s.name).expect("added above");
            match q.members.iter_mut().find(|m| m.interface.eq_ignore_ascii_case(&interface)) {
                Some(m) => {
                    m.name = name;
                    m.penalty = penalty;
                    m.state_interface = state_interface;
                    m.dynamic = false;
                    m.status = status;
                }
                None => q.members.push(Member {
                    interface,
                    name,
                    state_interface,
                    dynamic: false,
                    penalty,
                    paused: false,
                    paused_reason: String::new(),
                    calls_taken: 0,
                    last_call: 0,
                    last_pause: 0,
                    login_time: now,
                    in_call: false,
                    status,
                }),
            }
        }
        let q = st.queue_mut(&s.name).expect("added above");
        q.strategy = strategy;
    }
    let owned_members = std::mem::take(&mut st.from_config.members);
    for (queue, interface) in owned_members.difference(&seen_members) {
        if let Some(q) = st.queue_mut(queue) {
            q.members.retain(|m| m.dynamic || !m.interface.eq_ignore_ascii_case(interface));
        }
    }
    let gone: BTreeSet<String> = st.from_config.queues.difference(&seen).cloned().collect();
    st.queues.retain(|q| !gone.contains(&q.name));
    st.from_config.queues = seen;
    st.from_config.members = seen_members;
    st.refresh_queue_devices();
}

/// Mailboxes (`1001 => password,name,…` under `[context]`); message counts of existing boxes stay.
fn voicemail(st: &mut State, sections: &[Section]) {
    let mut seen = BTreeSet::new();
    for s in sections.iter().filter(|s| !["general", "zonemessages"].iter().any(|g| s.name.eq_ignore_ascii_case(g))) {
        for (mailbox, _) in &s.entries {
            let id = format!("{mailbox}@{}", s.name);
            if !st.mailboxes.iter().any(|m| m.mailbox == id) {
                st.mailboxes.push(MailboxSeed { mailbox: id.clone(), urgent: 0, new: 0, old: 0 });
            }
            seen.insert(id);
        }
    }
    let gone: BTreeSet<String> = st.from_config.mailboxes.difference(&seen).cloned().collect();
    st.mailboxes.retain(|m| !gone.contains(&m.mailbox));
    st.from_config.mailboxes = seen;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_asterisk_syntax() {
        let dir = std::env::temp_dir().join(format!("switchboard-simconf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("inc.conf"), "[included]\nkey = v\n").unwrap();
        std::fs::write(
            dir.join("main.conf"),
            "; header\n[tpl](!)\ncontext=from-tpl\n\n[1001](tpl)\ntype=endpoint ; trailing\npassword=a\\;b\n\
             ;-- a block\n[hidden]\n--;\nexten => 1,1,NoOp(x)\n#include inc.conf\n#tryinclude missing.conf\n[1001](+)\nallow=ulaw\n",
        )
        .unwrap();
        let sections = parse_file(&dir.join("main.conf")).unwrap();
        let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["included", "1001"]);
        let ep = &sections[1];
        assert_eq!(ep.get("context"), Some("from-tpl"));
        assert_eq!(ep.get("type"), Some("endpoint"));
        assert_eq!(ep.get("password"), Some("a;b"));
        assert_eq!(ep.get("exten"), Some("1,1,NoOp(x)"));
        assert_eq!(ep.get("allow"), Some("ulaw"));
        assert_eq!(sections[0].get("key"), Some("v"));
        std::fs::write(dir.join("bad.conf"), "#include nowhere.conf\n").unwrap();
        assert_eq!(parse_file(&dir.join("bad.conf")), None, "a missing #include fails the load");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
