//! `extensions.switchboard.conf`: the dialplan for extensions, follow-me, ring groups, queues,
//! inbound and outbound routes, one context each, chained by `[switchboard-internal]`.
//!
//! ```text
//! [switchboard-internal]          ; an admin's [from-internal] includes this
//! include => switchboard-extensions
//! include => switchboard-ringgroups
//! include => switchboard-queues
//! include => switchboard-outbound
//!
//! [switchboard-outbound]          ; one context per route, included in the routes' order
//! include => switchboard-outrt-1
//! ```
//!
//! `[switchboard-inbound]` (DID → destination) is for the trunks' context (`from-trunk`) to include.
//! Follow-me is reached from the extension (`Goto(switchboard-followme,N,1)`) when it is enabled.
//! Ring-group and follow-me members that are extensions are dialled at their device (`PJSIP/1001`);
//! other numbers go through `Local/…@switchboard-internal`, so the outbound routes place them.
//! Every piece of database text is checked by [`super::syntax`] before it lands in a line: the
//! dialplan evaluates `${…}` and `$[…]`, so a value that could carry them is refused.

use std::collections::BTreeMap;

use anyhow::Context as _;
use rusqlite::Connection;

use super::syntax::{At, Conf, Unrenderable};

/// The context that chains the others (an admin's `[from-internal]` includes it).
pub const INTERNAL: &str = "switchboard-internal";
/// Extensions: `Dial` of the device, then voicemail.
pub const EXTENSIONS: &str = "switchboard-extensions";
/// Follow-me lists.
pub const FOLLOWME: &str = "switchboard-followme";
/// Ring groups.
pub const RINGGROUPS: &str = "switchboard-ringgroups";
/// Queues: `exten => <queue>,1,Queue(<queue>)`.
pub const QUEUES: &str = "switchboard-queues";
/// Inbound routes (an admin's `[from-trunk]` includes it).
pub const INBOUND: &str = "switchboard-inbound";
/// Outbound routes (each route is `switchboard-outrt-<id>`, included here in order).
pub const OUTBOUND: &str = "switchboard-outbound";

/// Ring time when an extension's `ring_time` is 0 (FreePBX's default).
const DEFAULT_RING: i64 = 20;

/// An extension row.
struct Extension {
    number: String,
    technology: String,
    voicemail: String,
    ring_time: i64,
}

impl Extension {
    /// The device to dial (`PJSIP/1001`), for technologies with one named by the number.
    fn device(&self) -> Option<String> {
        let tech = match self.technology.as_str() {
            "pjsip" => "PJSIP",
            "sip" => "SIP",
            "iax2" => "IAX2",
            _ => return None,
        };
        Some(format!("{tech}/{}", self.number))
    }

    /// `VoiceMail(1001@default,…)` with the busy or unavailable greeting, if it has a box.
    fn voicemail(&self, at: At<'_>) -> Result<Option<String>, Unrenderable> {
        if self.voicemail == "novm" || self.voicemail.is_empty() {
            return Ok(None);
        }
        let context = at.name("voicemail", &self.voicemail)?;
        Ok(Some(format!("VoiceMail({}@{context},${{IF($[\"${{DIALSTATUS}}\" = \"BUSY\"]?b:u)}})", self.number)))
    }
}

/// Writes one extension: the first step at priority 1, the rest as `same => n`.
fn exten(conf: &mut Conf, exten: &str, steps: &[String]) {
    for (i, step) in steps.iter().enumerate() {
        if i == 0 {
            conf.line(format_args!("exten => {exten},1,{step}"));
        } else {
            conf.line(format_args!(" same => n,{step}"));
        }
    }
}

/// Where a ring-group or follow-me member is dialled: an extension's device, else a Local
/// channel through the internal context (outbound routes place external numbers). FreePBX
/// marks external numbers with a trailing `#`.
fn member_target(at: At<'_>, column: &'static str, member: &str, extensions: &BTreeMap<String, Extension>) -> Result<String, Unrenderable> {
    let number = at.name(column, member.strip_suffix('#').unwrap_or(member))?;
    Ok(match extensions.get(number).and_then(Extension::device) {
        Some(device) if !member.ends_with('#') => device,
        _ => format!("Local/{number}@{INTERNAL}"),
    })
}

/// `Goto(destination)`, or `Hangup()` for none (and for FreePBX's `app-blackhole,hangup,1`,
/// which plain Asterisk does not have).
fn goto(at: At<'_>, column: &'static str, destination: &str) -> Result<String, Unrenderable> {
    if destination.is_empty() || destination == "app-blackhole,hangup,1" {
        return Ok("Hangup()".into());
    }
    Ok(format!("Goto({})", at.destination(column, destination)?))
}

/// Renders the file.
pub fn render(conn: &Connection) -> anyhow::Result<String> {
    let mut conf = Conf::new("Dialplan: extensions, follow-me, ring groups, queues, inbound and outbound routes.");
    let extensions: BTreeMap<String, Extension> = conn
        .prepare("SELECT number, technology, voicemail, ring_time FROM extensions ORDER BY number")?
        .query_map([], |r| {
            Ok(Extension { number: r.get(0)?, technology: r.get(1)?, voicemail: r.get(2)?, ring_time: r.get(3)? })
        })
        .context("reading extensions")?
        .map(|r| r.map(|e| (e.number.clone(), e)))
        .collect::<Result<_, _>>()?;

    conf.section(INTERNAL);
    for c in [EXTENSIONS, RINGGROUPS, QUEUES, OUTBOUND] {
        conf.line(format_args!("include => {c}"));
    }

    // Follow-me first: the extensions context sends calls there when it is enabled.
    let mut followme: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in conn
        .prepare(
            "SELECT n.extension, n.number FROM follow_me_numbers n JOIN follow_me f ON f.extension = n.extension
             WHERE f.enabled = 1 ORDER BY n.extension, n.position",
        )?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
    {
        let (ext, number) = r?;
        followme.entry(ext).or_default().push(number);
    }
    struct FollowMe {
        extension: String,
        strategy: String,
        ring_time: i64,
        prefix: String,
        post_destination: String,
        pre_ring: i64,
    }
    let follow: Vec<FollowMe> = conn
        .prepare(
            "SELECT extension, strategy, ring_time, prefix, post_destination, pre_ring FROM follow_me
             WHERE enabled = 1 ORDER BY extension",
        )?
        .query_map([], |r| {
            Ok(FollowMe {
                extension: r.get(0)?,
                strategy: r.get(1)?,
                ring_time: r.get(2)?,
                prefix: r.get(3)?,
                post_destination: r.get(4)?,
                pre_ring: r.get(5)?,
            })
        })
        .context("reading follow_me")?
        .collect::<Result<_, _>>()?;

    conf.section(EXTENSIONS);
    for e in extensions.values() {
        let at = At::new("extensions", &e.number);
        let number = at.exten("number", &e.number)?;
        let device = e.device();
        if let Some(d) = &device {
            conf.line(format_args!("exten => {number},hint,{d}"));
        }
        let mut steps = Vec::new();
        if follow.iter().any(|f| f.extension == e.number) {
            steps.push(format!("Goto({FOLLOWME},{number},1)"));
        } else {
            if let Some(d) = &device {
                let ring = if e.ring_time > 0 { e.ring_time } else { DEFAULT_RING };
                steps.push(format!("Dial({d},{ring})"));
            }
            steps.extend(e.voicemail(at)?);
            steps.push("Hangup()".into());
        }
        exten(&mut conf, number, &steps);
    }

    conf.section(FOLLOWME);
    for f in &follow {
        let at = At::new("follow_me", &f.extension);
        let number = at.exten("extension", &f.extension)?;
        let Some(ext) = extensions.get(&f.extension) else { continue };
        let mut steps = Vec::new();
        if !f.prefix.is_empty() {
            steps.push(format!("Set(CALLERID(name)={}${{CALLERID(name)}})", at.arg("prefix", &f.prefix)?));
        }
        if let (Some(d), true) = (ext.device(), f.pre_ring > 0) {
            steps.push(format!("Dial({d},{})", f.pre_ring));
        }
        let members = followme.get(&f.extension).map(Vec::as_slice).unwrap_or_default();
        let at_numbers = At::new("follow_me_numbers", &f.extension);
        let targets =
            members.iter().map(|m| member_target(at_numbers, "number", m, &extensions)).collect::<Result<Vec<_>, _>>()?;
        if !targets.is_empty() {
            if f.strategy.starts_with("ringall") {
                steps.push(format!("Dial({},{})", targets.join("&"), f.ring_time));
            } else {
                steps.extend(targets.iter().map(|t| format!("Dial({t},{})", f.ring_time)));
            }
        }
        if !f.post_destination.is_empty() {
            steps.push(goto(at, "post_destination", &f.post_destination)?);
        } else {
            steps.extend(ext.voicemail(At::new("extensions", &ext.number))?);
            steps.push("Hangup()".into());
        }
        exten(&mut conf, number, &steps);
    }

    conf.section(RINGGROUPS);
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in conn
        .prepare("SELECT group_number, destination FROM ring_group_members ORDER BY group_number, position")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
    {
        let (group, destination) = r?;
        members.entry(group).or_default().push(destination);
    }
    let groups: Vec<(String, String, i64, String, String)> = conn
        .prepare(
            "SELECT number, strategy, ring_time, cid_name_prefix, destination_if_no_answer FROM ring_groups ORDER BY number",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .context("reading ring_groups")?
        .collect::<Result<_, _>>()?;
    for (number, strategy, ring_time, prefix, no_answer) in &groups {
        let at = At::new("ring_groups", number);
        let exten_name = at.exten("number", number)?;
        let mut steps = Vec::new();
        if !prefix.is_empty() {
            steps.push(format!("Set(CALLERID(name)={}${{CALLERID(name)}})", at.arg("cid_name_prefix", prefix)?));
        }
        let at_members = At::new("ring_group_members", number);
        let targets = members
            .get(number)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|m| member_target(at_members, "destination", m, &extensions))
            .collect::<Result<Vec<_>, _>>()?;
        if !targets.is_empty() {
            if strategy.contains("hunt") {
                steps.extend(targets.iter().map(|t| format!("Dial({t},{ring_time})")));
            } else {
                // ringall, firstavailable, firstnotonphone: every member at once.
                steps.push(format!("Dial({},{ring_time})", targets.join("&")));
            }
        }
        steps.push(goto(at, "destination_if_no_answer", no_answer)?);
        exten(&mut conf, exten_name, &steps);
    }

    conf.section(QUEUES);
    let queues: Vec<String> = conn
        .prepare("SELECT name FROM queues ORDER BY name")?
        .query_map([], |r| r.get(0))
        .context("reading queues")?
        .collect::<Result<_, _>>()?;
    for q in &queues {
        let name = At::new("queues", q).exten("name", q)?;
        exten(&mut conf, name, &[format!("Queue({name})"), "Hangup()".into()]);
    }

    conf.section(INBOUND);
    let inbound: Vec<(i64, String, String, String)> = conn
        .prepare("SELECT id, did, cid, destination FROM inbound_routes ORDER BY did, cid, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .context("reading inbound_routes")?
        .collect::<Result<_, _>>()?;
    for (id, did, cid, destination) in &inbound {
        let key = id.to_string();
        let at = At::new("inbound_routes", &key);
        let step = goto(at, "destination", destination)?;
        // No DID: any number the trunk sends, and calls that come without one (`s`).
        let dids: Vec<&str> = if did.is_empty() { vec!["_X.", "s"] } else { vec![at.pattern("did", did)?] };
        for d in dids {
            let matched = if cid.is_empty() { d.to_string() } else { format!("{d}/{}", at.pattern("cid", cid)?) };
            exten(&mut conf, &matched, std::slice::from_ref(&step));
        }
    }

    render_outbound(conn, &mut conf)?;
    Ok(conf.finish())
}

/// `Set(CALLERID(all)=…)` for `"Name" <number>`, `Set(CALLERID(num)=…)` for a bare number.
fn set_callerid(cid: &str) -> String {
    let which = if cid.contains('<') { "all" } else { "num" };
    format!("Set(CALLERID({which})={cid})")
}

/// `[switchboard-outbound]` including one context per route, in the routes' order (an included
/// context is searched in order, so the first route whose pattern matches wins).
fn render_outbound(conn: &Connection, conf: &mut Conf) -> anyhow::Result<()> {
    let routes: Vec<(i64, String)> = conn
        .prepare("SELECT id, outbound_cid FROM outbound_routes ORDER BY position, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .context("reading outbound_routes")?
        .collect::<Result<_, _>>()?;
    conf.section(OUTBOUND);
    for (id, _) in &routes {
        conf.line(format_args!("include => switchboard-outrt-{id}"));
    }
    let mut patterns = conn.prepare(
        "SELECT match, prefix, prepend FROM outbound_route_patterns WHERE route_id = ?1 ORDER BY match, prefix",
    )?;
    let mut trunks = conn.prepare(
        "SELECT t.name, t.technology, t.dial_prefix, t.outbound_cid FROM outbound_route_trunks r
         JOIN trunks t ON t.name = r.trunk_name
         WHERE r.route_id = ?1 AND t.enabled = 1 ORDER BY r.position",
    )?;
    for (id, route_cid) in &routes {
        let key = id.to_string();
        let at = At::new("outbound_routes", &key);
        conf.section(&format!("switchboard-outrt-{id}"));
        let route_trunks: Vec<(String, String, String, String)> = trunks
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let route_patterns: Vec<(String, String, String)> =
            patterns.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
        let at_pattern = At::new("outbound_route_patterns", &key);
        for (matched, prefix, prepend) in &route_patterns {
            let matched = at_pattern.pattern("match", matched)?;
            let prefix = at_pattern.digits("prefix", prefix)?;
            let prepend = at_pattern.digits("prepend", prepend)?;
            let number = if prefix.is_empty() { "${EXTEN}".to_string() } else { format!("${{EXTEN:{}}}", prefix.len()) };
            // The route's caller ID wins over the trunks' own.
            let mut steps = Vec::new();
            if !route_cid.is_empty() {
                steps.push(set_callerid(at.callerid("outbound_cid", route_cid)?));
            }
            for (trunk, technology, dial_prefix, trunk_cid) in &route_trunks {
                let at_trunk = At::new("trunks", trunk);
                let trunk = at_trunk.name("name", trunk)?;
                let outnum = format!("{prepend}{}{number}", at_trunk.digits("dial_prefix", dial_prefix)?);
                let dial = match technology.as_str() {
                    "pjsip" => format!("PJSIP/{outnum}@{trunk}"),
                    "sip" => format!("SIP/{trunk}/{outnum}"),
                    "iax2" => format!("IAX2/{trunk}/{outnum}"),
                    "dahdi" => format!("DAHDI/{trunk}/{outnum}"),
                    _ => continue, // custom trunks have no dial string of their own
                };
                if route_cid.is_empty() && !trunk_cid.is_empty() {
                    steps.push(set_callerid(at_trunk.callerid("outbound_cid", trunk_cid)?));
                }
                steps.push(format!("Dial({dial})"));
            }
            steps.push("Congestion()".into());
            let pattern = format!("_{prefix}{}", matched.strip_prefix('_').unwrap_or(matched));
            exten(conf, &pattern, &steps);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::test_db as db;


    #[test]
    fn a_small_pbx() {
        let conn = db(
            "INSERT INTO extensions (number, name, voicemail, ring_time) VALUES ('1001', 'Ada', 'default', 30);
             INSERT INTO extensions (number, name) VALUES ('1002', 'Bob');
             INSERT INTO extensions (number, name, technology) VALUES ('1003', 'Cy', 'virtual');
             INSERT INTO follow_me (extension, strategy, ring_time, prefix, pre_ring) VALUES ('1002', 'ringallv2', 25, 'FM:', 5);
             INSERT INTO follow_me_numbers VALUES ('1002', 1, '1002'), ('1002', 2, '5551234#');
             INSERT INTO ring_groups (number, strategy, ring_time) VALUES ('600', 'ringall', 15);
             INSERT INTO ring_group_members VALUES ('600', 1, '1001'), ('600', 2, '1002');
             INSERT INTO ring_groups (number, strategy, ring_time, destination_if_no_answer)
               VALUES ('601', 'hunt', 10, 'switchboard-extensions,1001,1');
             INSERT INTO ring_group_members VALUES ('601', 1, '1002'), ('601', 2, '1001');
             INSERT INTO queues (name) VALUES ('support');
             INSERT INTO inbound_routes (did, destination) VALUES ('5550100', 'switchboard-queues,support,1');
             INSERT INTO inbound_routes (did, destination) VALUES ('', 'switchboard-extensions,1001,1');
             INSERT INTO trunks (name, host, dial_prefix) VALUES ('provider', 'sip.example.com', '');
             INSERT INTO trunks (name, host) VALUES ('backup', 'sip2.example.com');
             INSERT INTO outbound_routes (id, name, position, outbound_cid) VALUES (7, 'national', 1, '\"Acme\" <5550100>');
             INSERT INTO outbound_route_patterns VALUES (7, 'NXXNXXXXXX', '9', '1');
             INSERT INTO outbound_route_trunks VALUES (7, 1, 'provider'), (7, 2, 'backup');",
        );
        let expected = r#"; Generated by Switchboard from the pbx database — edits here are overwritten.
; Dialplan: extensions, follow-me, ring groups, queues, inbound and outbound routes.

[switchboard-internal]
include => switchboard-extensions
include => switchboard-ringgroups
include => switchboard-queues
include => switchboard-outbound

[switchboard-extensions]
exten => 1001,hint,PJSIP/1001
exten => 1001,1,Dial(PJSIP/1001,30)
 same => n,VoiceMail(1001@default,${IF($["${DIALSTATUS}" = "BUSY"]?b:u)})
 same => n,Hangup()
exten => 1002,hint,PJSIP/1002
exten => 1002,1,Goto(switchboard-followme,1002,1)
exten => 1003,1,Hangup()

[switchboard-followme]
exten => 1002,1,Set(CALLERID(name)=FM:${CALLERID(name)})
 same => n,Dial(PJSIP/1002,5)
 same => n,Dial(PJSIP/1002&Local/5551234@switchboard-internal,25)
 same => n,Hangup()

[switchboard-ringgroups]
exten => 600,1,Dial(PJSIP/1001&PJSIP/1002,15)
 same => n,Hangup()
exten => 601,1,Dial(PJSIP/1002,10)
 same => n,Dial(PJSIP/1001,10)
 same => n,Goto(switchboard-extensions,1001,1)

[switchboard-queues]
exten => support,1,Queue(support)
 same => n,Hangup()

[switchboard-inbound]
exten => _X.,1,Goto(switchboard-extensions,1001,1)
exten => s,1,Goto(switchboard-extensions,1001,1)
exten => 5550100,1,Goto(switchboard-queues,support,1)

[switchboard-outbound]
include => switchboard-outrt-7

[switchboard-outrt-7]
exten => _9NXXNXXXXXX,1,Set(CALLERID(all)="Acme" <5550100>)
 same => n,Dial(PJSIP/1${EXTEN:1}@provider)
 same => n,Dial(PJSIP/1${EXTEN:1}@backup)
 same => n,Congestion()
"#;
        assert_eq!(render(&conn).unwrap(), expected);
    }

    #[test]
    fn database_text_never_becomes_dialplan() {
        let cases = [
            // A new line would add an extension that runs a shell command.
            ("INSERT INTO ring_groups (number) VALUES ('600');
              INSERT INTO ring_group_members VALUES ('600', 1, '1001)\nexten => 666,1,System(id)');",
             "ring_group_members", "destination"),
            // `${SHELL(…)}` is evaluated when the line runs.
            ("INSERT INTO ring_groups (number, cid_name_prefix) VALUES ('600', '${SHELL(id)}');", "ring_groups", "cid_name_prefix"),
            // A `,` would add Dial options, a `;` would cut the line.
            ("INSERT INTO ring_groups (number, destination_if_no_answer) VALUES ('600', 'ctx,1;x,1');", "ring_groups", "destination_if_no_answer"),
            ("INSERT INTO queues (name) VALUES ('sup]port');", "queues", "name"),
            ("INSERT INTO inbound_routes (did, destination) VALUES ('555,1,System(id)', 'a,b,1');", "inbound_routes", "did"),
            ("INSERT INTO ring_groups (number) VALUES ('[600]');", "ring_groups", "number"),
            // A leading `_` would turn extension 1XX into a pattern catching 100–199.
            ("INSERT INTO extensions (number) VALUES ('_1XX');", "extensions", "number"),
            ("INSERT INTO outbound_routes (id, name, outbound_cid) VALUES (1, 'r', '$[1]');
              INSERT INTO trunks (name, host) VALUES ('t', 'h');
              INSERT INTO outbound_route_trunks VALUES (1, 1, 't');
              INSERT INTO outbound_route_patterns VALUES (1, 'X.', '', '');", "outbound_routes", "outbound_cid"),
            ("INSERT INTO outbound_routes (id, name) VALUES (1, 'r');
              INSERT INTO outbound_route_patterns VALUES (1, 'X.', '9X', '');", "outbound_route_patterns", "prefix"),
        ];
        for (sql, table, column) in cases {
            let err = render(&db(sql)).unwrap_err();
            let u = err.downcast_ref::<Unrenderable>().unwrap_or_else(|| panic!("{sql}: {err:#}"));
            assert_eq!((u.table, u.column), (table, column), "{sql}");
        }
    }
}
