//! `extensions.switchboard.conf`: the dialplan for extensions, follow-me, ring groups, queues,
//! inbound and outbound routes, one context each, chained by `[switchboard-internal]`; then what
//! SARK configures, each in its own module: classes of service ([`super::cos`]), IVR menus
//! ([`super::ivr`]), day timers ([`super::hours`]), custom apps ([`super::apps`]), and
//! `[switchboard-voicemail]`.
//!
//! ```text
//! [switchboard-internal]          ; an admin's [from-internal] includes this
//! include => switchboard-extensions
//! include => switchboard-ringgroups
//! include => switchboard-queues
//! include => switchboard-cos-intl  ; only with classes of service: searched before the routes
//! include => switchboard-outbound
//!
//! [switchboard-outbound]          ; one context per route, included in the routes' order
//! include => switchboard-outrt-1
//! ```
//!
//! `[switchboard-inbound]` (DID → destination) is for the trunks' context (`from-trunk`) to include;
//! a route with a `destination_closed` decides by its tenant's hours at call time
//! ([`super::hours`]), and a route with `enabled = 0` is not written. Follow-me is reached from the
//! extension (`Goto(switchboard-followme,N,1)`) when it is enabled.
//! Ring-group and follow-me members that are extensions are dialled at their device (`PJSIP/1001`);
//! other numbers go through `Local/…@switchboard-internal`, so the outbound routes place them.
//! Every piece of database text is checked by [`super::syntax`] before it lands in a line: the
//! dialplan evaluates `${…}` and `$[…]`, so a value that could carry them is refused.
//!
//! A database without IVRs, day timers, custom apps, classes of service or routes with a closed
//! destination renders exactly as before these existed: their contexts are written only when
//! they have something in them.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells::{self, Cell};
use super::hours::{Flow, Hours, State};
use super::syntax::{At, Conf, Unrenderable};
use super::{apps, cos, ivr};

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
/// Voicemail boxes by extension: `exten => 1001,1,VoiceMail(1001@default,u)`.
pub const VOICEMAIL: &str = "switchboard-voicemail";

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
    /// The row from the cells of `number, technology, voicemail, ring_time`.
    fn read(at: At<'_>, cells: &[Cell]) -> Result<Extension, Unrenderable> {
        let number = at.text("number", &cells[0])?;
        at.exten("number", &number)?;
        Ok(Extension {
            number,
            technology: at.text("technology", &cells[1])?,
            voicemail: at.text("voicemail", &cells[2])?,
            ring_time: at.int("ring_time", &cells[3])?,
        })
    }

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
pub(super) fn exten(conf: &mut Conf, exten: &str, steps: &[String]) {
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

/// The dial targets of a group's or follow-me's member rows (`owner, position, number` cells),
/// in order; a member that cannot be dialled is left out and reported, the others still ring.
fn members(
    table: &'static str,
    column: &'static str,
    rows: &[Vec<Cell>],
    extensions: &BTreeMap<String, Extension>,
    skipped: &mut Vec<Unrenderable>,
) -> Vec<String> {
    rows.iter()
        .filter_map(|cells| {
            let key = format!("{}/{}", cells[0].shown(), cells[1].shown());
            let at = At::new(table, &key);
            let target = at.text(column, &cells[2]).and_then(|m| member_target(at, column, &m, extensions));
            target.map_err(|refused| skipped.push(refused)).ok()
        })
        .collect()
}

/// `Goto(destination)`, or `Hangup()` for none (and for FreePBX's `app-blackhole,hangup,1`,
/// which plain Asterisk does not have).
pub(super) fn goto(at: At<'_>, column: &'static str, destination: &str) -> Result<String, Unrenderable> {
    if destination.is_empty() || destination == "app-blackhole,hangup,1" {
        return Ok("Hangup()".into());
    }
    Ok(format!("Goto({})", at.destination(column, destination)?))
}

/// Rows grouped by their first cell (member rows by their group), each group in query order.
pub(super) fn grouped(rows: Vec<Vec<Cell>>) -> BTreeMap<String, Vec<Vec<Cell>>> {
    let mut groups: BTreeMap<String, Vec<Vec<Cell>>> = BTreeMap::new();
    for row in rows {
        groups.entry(row[0].shown()).or_default().push(row);
    }
    groups
}

/// Renders the file; rows that cannot be rendered are left out and added to `skipped`.
pub fn render(conn: &Connection, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<String> {
    let mut conf = Conf::new("Dialplan: extensions, follow-me, ring groups, queues, inbound and outbound routes.");
    let mut extensions: BTreeMap<String, Extension> = BTreeMap::new();
    for cells in cells::rows(conn, "SELECT number, technology, voicemail, ring_time FROM extensions ORDER BY number", [])
        .context("reading extensions")?
    {
        let key = cells[0].shown();
        match Extension::read(At::new("extensions", &key), &cells) {
            Ok(e) => {
                extensions.insert(e.number.clone(), e);
            }
            Err(refused) => skipped.push(refused),
        }
    }

    let hours = Hours::read(conn, skipped)?;
    let cos = cos::render(conn, &hours, skipped)?;
    conf.section(INTERNAL);
    for c in [EXTENSIONS, RINGGROUPS, QUEUES] {
        conf.line(format_args!("include => {c}"));
    }
    if let Some(first) = &cos.first {
        conf.line(format_args!("include => {first}"));
    }
    conf.line(format_args!("include => {OUTBOUND}"));

    // Follow-me first: an extension sends its calls there only when its follow-me rendered.
    let followme = render_followme(conn, &extensions, skipped)?;
    conf.section(EXTENSIONS);
    for e in extensions.values() {
        let at = At::new("extensions", &e.number);
        conf.row(skipped, |conf| {
            let number = at.exten("number", &e.number)?;
            let device = e.device();
            let mut steps = Vec::new();
            if followme.numbers.contains(&e.number) {
                steps.push(format!("Goto({FOLLOWME},{number},1)"));
            } else {
                if let Some(d) = &device {
                    let ring = if e.ring_time > 0 { e.ring_time } else { DEFAULT_RING };
                    steps.push(format!("Dial({d},{ring})"));
                }
                steps.extend(e.voicemail(at)?);
                steps.push("Hangup()".into());
            }
            if let Some(d) = &device {
                conf.line(format_args!("exten => {number},hint,{d}"));
            }
            exten(conf, number, &steps);
            Ok(())
        });
    }
    conf.section(FOLLOWME);
    conf.append(followme.conf);

    render_ringgroups(conn, &mut conf, &extensions, skipped)?;

    conf.section(QUEUES);
    for cells in cells::rows(conn, "SELECT name FROM queues ORDER BY name", []).context("reading queues")? {
        let key = cells[0].shown();
        let at = At::new("queues", &key);
        conf.row(skipped, |conf| {
            let name = at.text("name", &cells[0])?;
            let name = at.exten("name", &name)?;
            exten(conf, name, &[format!("Queue({name})"), "Hangup()".into()]);
            Ok(())
        });
    }

    render_inbound(conn, &mut conf, &hours, skipped)?;
    render_outbound(conn, &mut conf, skipped)?;
    conf.append(cos.conf);
    ivr::render(conn, &mut conf, skipped)?;
    hours.render_timers(&mut conf, skipped);
    apps::render(conn, &mut conf, skipped)?;
    render_voicemail(conn, &mut conf, &extensions, skipped)?;
    Ok(conf.finish())
}

/// `[switchboard-inbound]`: each enabled route's DID (and caller ID) to its destination, or, with
/// a `destination_closed`, to one of its destinations by its tenant's hours now (see
/// [`super::hours`]).
fn render_inbound(conn: &Connection, conf: &mut Conf, hours: &Hours, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<()> {
    conf.section(INBOUND);
    for cells in cells::rows(
        conn,
        "SELECT id, did, cid, destination, destination_closed, tenant_id, enabled FROM inbound_routes ORDER BY did, cid, id",
        [],
    )
    .context("reading inbound_routes")?
    {
        let key = cells[0].shown();
        let at = At::new("inbound_routes", &key);
        conf.row(skipped, |conf| {
            if at.int("enabled", &cells[6])? == 0 {
                return Ok(());
            }
            let (did, cid) = (at.text("did", &cells[1])?, at.text("cid", &cells[2])?);
            let open = goto(at, "destination", &at.text("destination", &cells[3])?)?;
            let closed = at.text("destination_closed", &cells[4])?;
            let tenant = hours.tenant(at.int("tenant_id", &cells[5])?);
            let steps = if closed.is_empty() || tenant.forced() == Some(State::Open) {
                vec![open]
            } else if tenant.forced() == Some(State::Closed) {
                vec![goto(at, "destination_closed", &closed)?]
            } else {
                let closed = goto(at, "destination_closed", &closed)?;
                let mut flow = Flow::default();
                // A holiday with no destination of its own closes the route like any closed hour.
                tenant.decide(&mut flow, |state| match state {
                    State::Open => "open".into(),
                    State::Holiday(id) if tenant.holidays.iter().any(|h| h.id == id && !h.destination.is_empty()) => format!("holiday-{id}"),
                    State::Closed | State::Holiday(_) => "closed".into(),
                });
                flow.label("open");
                flow.push(open);
                flow.label("closed");
                flow.push(closed);
                for h in tenant.holidays.iter().filter(|h| !h.destination.is_empty()) {
                    flow.label(&format!("holiday-{}", h.id));
                    flow.push(goto(At::new("holiday_timers", &h.id.to_string()), "destination", &h.destination)?);
                }
                flow.finish()
            };
            // No DID: any number the trunk sends, and calls that come without one (`s`).
            let dids: Vec<&str> = if did.is_empty() { vec!["_X.", "s"] } else { vec![at.pattern("did", &did)?] };
            let cid = if cid.is_empty() { None } else { Some(at.pattern("cid", &cid)?) };
            for d in dids {
                let matched = match cid {
                    None => d.to_string(),
                    Some(cid) => format!("{d}/{cid}"),
                };
                exten(conf, &matched, &steps);
            }
            Ok(())
        });
    }
    Ok(())
}

/// `[switchboard-voicemail]`: `exten => <extension>,1,VoiceMail(<extension>@<box context>,u)`
/// for each extension with a box, what a destination `switchboard-voicemail,<extension>,1`
/// reaches. Written only when some destination names it, so a PBX that never sends calls
/// straight to voicemail renders as it did before this context existed.
fn render_voicemail(
    conn: &Connection,
    conf: &mut Conf,
    extensions: &BTreeMap<String, Extension>,
    skipped: &mut Vec<Unrenderable>,
) -> anyhow::Result<()> {
    let named: bool = conn
        .query_row(
            "SELECT EXISTS (
               SELECT 1 FROM inbound_routes WHERE destination LIKE ?1 OR destination_closed LIKE ?1
               UNION ALL SELECT 1 FROM ivrs WHERE invalid_destination LIKE ?1 OR timeout_destination LIKE ?1
               UNION ALL SELECT 1 FROM ivr_entries WHERE destination LIKE ?1
               UNION ALL SELECT 1 FROM day_timers WHERE destination_open LIKE ?1 OR destination_closed LIKE ?1
               UNION ALL SELECT 1 FROM holiday_timers WHERE destination LIKE ?1
               UNION ALL SELECT 1 FROM ring_groups WHERE destination_if_no_answer LIKE ?1
               UNION ALL SELECT 1 FROM follow_me WHERE post_destination LIKE ?1
               UNION ALL SELECT 1 FROM custom_app_steps WHERE application = 'Goto' AND arguments LIKE ?1)",
            [format!("{VOICEMAIL},%")],
            |r| r.get(0),
        )
        .context("looking for destinations in switchboard-voicemail")?;
    if !named {
        return Ok(());
    }
    conf.section(VOICEMAIL);
    for e in extensions.values().filter(|e| !e.voicemail.is_empty() && e.voicemail != "novm") {
        let at = At::new("extensions", &e.number);
        conf.row(skipped, |conf| {
            let context = at.name("voicemail", &e.voicemail)?;
            exten(conf, at.exten("number", &e.number)?, &[format!("VoiceMail({}@{context},u)", e.number), "Hangup()".into()]);
            Ok(())
        });
    }
    Ok(())
}

/// The `[switchboard-followme]` entries, and the extensions whose entry was written.
struct FollowMe {
    conf: Conf,
    numbers: BTreeSet<String>,
}

fn render_followme(conn: &Connection, extensions: &BTreeMap<String, Extension>, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<FollowMe> {
    let mut numbers = grouped(
        cells::rows(
            conn,
            "SELECT n.extension, n.position, n.number FROM follow_me_numbers n JOIN follow_me f ON f.extension = n.extension
             WHERE f.enabled = 1 ORDER BY n.extension, n.position",
            [],
        )
        .context("reading follow_me_numbers")?,
    );
    let mut out = FollowMe { conf: Conf::part(), numbers: BTreeSet::new() };
    for cells in cells::rows(
        conn,
        "SELECT extension, strategy, ring_time, prefix, post_destination, pre_ring FROM follow_me
         WHERE enabled = 1 ORDER BY extension",
        [],
    )
    .context("reading follow_me")?
    {
        let key = cells[0].shown();
        let at = At::new("follow_me", &key);
        let Some(ext) = extensions.get(&key) else { continue };
        let targets = members("follow_me_numbers", "number", &numbers.remove(&key).unwrap_or_default(), extensions, skipped);
        let written = out.conf.row(skipped, |conf| {
            let number = at.exten("extension", &at.text("extension", &cells[0])?)?.to_string();
            let (strategy, ring_time) = (at.text("strategy", &cells[1])?, at.int("ring_time", &cells[2])?);
            let (prefix, post_destination) = (at.text("prefix", &cells[3])?, at.text("post_destination", &cells[4])?);
            let pre_ring = at.int("pre_ring", &cells[5])?;
            let mut steps = Vec::new();
            if !prefix.is_empty() {
                steps.push(format!("Set(CALLERID(name)={}${{CALLERID(name)}})", at.arg("prefix", &prefix)?));
            }
            if let (Some(d), true) = (ext.device(), pre_ring > 0) {
                steps.push(format!("Dial({d},{pre_ring})"));
            }
            let after = if !post_destination.is_empty() {
                vec![goto(at, "post_destination", &post_destination)?]
            } else {
                let mut after: Vec<String> = ext.voicemail(At::new("extensions", &ext.number))?.into_iter().collect();
                after.push("Hangup()".into());
                after
            };
            if !targets.is_empty() {
                if strategy.starts_with("ringall") {
                    steps.push(format!("Dial({},{ring_time})", targets.join("&")));
                } else {
                    steps.extend(targets.iter().map(|t| format!("Dial({t},{ring_time})")));
                }
            }
            steps.extend(after);
            exten(conf, &number, &steps);
            Ok(())
        });
        if written {
            out.numbers.insert(key);
        }
    }
    Ok(out)
}

fn render_ringgroups(
    conn: &Connection,
    conf: &mut Conf,
    extensions: &BTreeMap<String, Extension>,
    skipped: &mut Vec<Unrenderable>,
) -> anyhow::Result<()> {
    conf.section(RINGGROUPS);
    let mut all_members = grouped(
        cells::rows(conn, "SELECT group_number, position, destination FROM ring_group_members ORDER BY group_number, position", [])
            .context("reading ring_group_members")?,
    );
    for cells in cells::rows(
        conn,
        "SELECT number, strategy, ring_time, cid_name_prefix, destination_if_no_answer FROM ring_groups ORDER BY number",
        [],
    )
    .context("reading ring_groups")?
    {
        let key = cells[0].shown();
        let at = At::new("ring_groups", &key);
        let targets = members("ring_group_members", "destination", &all_members.remove(&key).unwrap_or_default(), extensions, skipped);
        conf.row(skipped, |conf| {
            let number = at.text("number", &cells[0])?;
            let exten_name = at.exten("number", &number)?;
            let (strategy, ring_time) = (at.text("strategy", &cells[1])?, at.int("ring_time", &cells[2])?);
            let prefix = at.text("cid_name_prefix", &cells[3])?;
            let no_answer = goto(at, "destination_if_no_answer", &at.text("destination_if_no_answer", &cells[4])?)?;
            let mut steps = Vec::new();
            if !prefix.is_empty() {
                steps.push(format!("Set(CALLERID(name)={}${{CALLERID(name)}})", at.arg("cid_name_prefix", &prefix)?));
            }
            if !targets.is_empty() {
                if strategy.contains("hunt") {
                    steps.extend(targets.iter().map(|t| format!("Dial({t},{ring_time})")));
                } else {
                    // ringall, firstavailable, firstnotonphone: every member at once.
                    steps.push(format!("Dial({},{ring_time})", targets.join("&")));
                }
            }
            steps.push(no_answer);
            exten(conf, exten_name, &steps);
            Ok(())
        });
    }
    Ok(())
}

/// `Set(CALLERID(all)=…)` for `"Name" <number>`, `Set(CALLERID(num)=…)` for a bare number.
fn set_callerid(cid: &str) -> String {
    let which = if cid.contains('<') { "all" } else { "num" };
    format!("Set(CALLERID({which})={cid})")
}

/// A trunk as a route dials it, checked.
struct RouteTrunk {
    name: String,
    /// The channel driver; `None` for a custom trunk, which has no dial string of its own.
    driver: Option<&'static str>,
    dial_prefix: String,
    /// `Set(CALLERID(…)=…)` of its caller ID, if it has one.
    callerid: Option<String>,
}

impl RouteTrunk {
    /// The row from the cells of `name, technology, dial_prefix, outbound_cid`.
    fn read(at: At<'_>, cells: &[Cell]) -> Result<RouteTrunk, Unrenderable> {
        let name = at.text("name", &cells[0])?;
        at.name("name", &name)?;
        let driver = match at.text("technology", &cells[1])?.as_str() {
            "pjsip" => Some("PJSIP"),
            "sip" => Some("SIP"),
            "iax2" => Some("IAX2"),
            "dahdi" => Some("DAHDI"),
            _ => None,
        };
        let dial_prefix = at.text("dial_prefix", &cells[2])?;
        at.digits("dial_prefix", &dial_prefix)?;
        let cid = at.text("outbound_cid", &cells[3])?;
        let callerid = if cid.is_empty() { None } else { Some(set_callerid(at.callerid("outbound_cid", &cid)?)) };
        Ok(RouteTrunk { name, driver, dial_prefix, callerid })
    }

    /// `Dial(…)` of `number` through this trunk: the route's `prepend`, the trunk's dial prefix,
    /// then the number.
    fn dial(&self, prepend: &str, number: &str) -> Option<String> {
        let (driver, trunk, outnum) = (self.driver?, &self.name, format!("{prepend}{}{number}", self.dial_prefix));
        Some(match driver {
            "PJSIP" => format!("Dial(PJSIP/{outnum}@{trunk})"),
            _ => format!("Dial({driver}/{trunk}/{outnum})"),
        })
    }
}

/// `[switchboard-outbound]` including one context per route, in the routes' order (an included
/// context is searched in order, so the first route whose pattern matches wins).
fn render_outbound(conn: &Connection, conf: &mut Conf, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<()> {
    let mut includes = Conf::part();
    let mut routes = Conf::part();
    for cells in cells::rows(conn, "SELECT id, outbound_cid FROM outbound_routes ORDER BY position, id", []).context("reading outbound_routes")? {
        let key = cells[0].shown();
        let at = At::new("outbound_routes", &key);
        let patterns = cells::rows(
            conn,
            "SELECT match, prefix, prepend FROM outbound_route_patterns WHERE route_id = ?1 ORDER BY match, prefix",
            [&cells[0].shown()],
        )
        .context("reading outbound_route_patterns")?;
        let trunks = cells::rows(
            conn,
            "SELECT t.name, t.technology, t.dial_prefix, t.outbound_cid FROM outbound_route_trunks r
             JOIN trunks t ON t.name = r.trunk_name
             WHERE r.route_id = ?1 AND t.enabled = 1 ORDER BY r.position",
            [&cells[0].shown()],
        )
        .context("reading outbound_route_trunks")?;
        // A route whose own columns are refused is left out whole (its include too).
        let route = (|| {
            let id = at.int("id", &cells[0])?;
            let cid = at.text("outbound_cid", &cells[1])?;
            let cid = if cid.is_empty() { None } else { Some(set_callerid(at.callerid("outbound_cid", &cid)?)) };
            Ok((id, cid))
        })();
        let (id, route_cid) = match route {
            Ok(route) => route,
            Err(refused) => {
                skipped.push(refused);
                continue;
            }
        };
        // A trunk that cannot be dialled is left out of the route; the route's other trunks stay.
        let route_trunks: Vec<RouteTrunk> = trunks
            .iter()
            .filter_map(|t| {
                let key = t[0].shown();
                RouteTrunk::read(At::new("trunks", &key), t).map_err(|refused| skipped.push(refused)).ok()
            })
            .filter(|t| t.driver.is_some())
            .collect();
        includes.line(format_args!("include => switchboard-outrt-{id}"));
        routes.section(&format!("switchboard-outrt-{id}"));
        for p in &patterns {
            let key = format!("{id}/{}/{}", p[0].shown(), p[1].shown());
            let at_pattern = At::new("outbound_route_patterns", &key);
            routes.row(skipped, |conf| {
                let matched = at_pattern.text("match", &p[0])?;
                let matched = at_pattern.pattern("match", &matched)?;
                let prefix = at_pattern.text("prefix", &p[1])?;
                let prefix = at_pattern.digits("prefix", &prefix)?;
                let prepend = at_pattern.text("prepend", &p[2])?;
                let prepend = at_pattern.digits("prepend", &prepend)?;
                let number = if prefix.is_empty() { "${EXTEN}".to_string() } else { format!("${{EXTEN:{}}}", prefix.len()) };
                // The route's caller ID wins over the trunks' own.
                let mut steps: Vec<String> = route_cid.iter().cloned().collect();
                for trunk in &route_trunks {
                    if route_cid.is_none() {
                        steps.extend(trunk.callerid.clone());
                    }
                    steps.extend(trunk.dial(prepend, &number));
                }
                steps.push("Congestion()".into());
                let pattern = format!("_{prefix}{}", matched.strip_prefix('_').unwrap_or(matched));
                exten(conf, &pattern, &steps);
                Ok(())
            });
        }
    }
    conf.section(OUTBOUND);
    conf.append(includes);
    conf.append(routes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::{legacy_db, test_db as db};

    /// The file and what was skipped.
    fn rendered(conn: &Connection) -> (String, Vec<Unrenderable>) {
        let mut skipped = Vec::new();
        let text = render(conn, &mut skipped).unwrap();
        (text, skipped)
    }

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
        assert_eq!(rendered(&conn), (expected.to_string(), Vec::new()));
    }

    #[test]
    fn database_text_never_becomes_dialplan() {
        // Rows written before the schema's rules: each is left out and reported with its table
        // and column, and the good row beside it still renders.
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
            ("INSERT INTO extensions (number, voicemail) VALUES ('1002', 'default,x');", "extensions", "voicemail"),
            ("INSERT INTO extensions (number, ring_time) VALUES ('1002', 5.5);", "extensions", "ring_time"),
            ("INSERT INTO outbound_routes (id, name, outbound_cid) VALUES (1, 'r', '$[1]');
              INSERT INTO trunks (name, host) VALUES ('t', 'h');
              INSERT INTO outbound_route_trunks VALUES (1, 1, 't');
              INSERT INTO outbound_route_patterns VALUES (1, 'X.', '', '');", "outbound_routes", "outbound_cid"),
            ("INSERT INTO outbound_routes (id, name) VALUES (1, 'r');
              INSERT INTO outbound_route_patterns VALUES (1, 'X.', '9X', '');", "outbound_route_patterns", "prefix"),
            ("INSERT INTO outbound_routes (id, name) VALUES (1, 'r');
              INSERT INTO trunks (name, host, dial_prefix) VALUES ('t', 'h', '9;');
              INSERT INTO outbound_route_trunks VALUES (1, 1, 't');
              INSERT INTO outbound_route_patterns VALUES (1, 'X.', '', '');", "trunks", "dial_prefix"),
            ("INSERT INTO follow_me (extension, prefix) VALUES ('1001', 'a,b');", "follow_me", "prefix"),
            ("INSERT INTO follow_me (extension) VALUES ('1001');
              INSERT INTO follow_me_numbers VALUES ('1001', 0, '10;01');", "follow_me_numbers", "number"),
        ];
        for (sql, table, column) in cases {
            let conn = legacy_db(&format!("INSERT INTO extensions (number, name) VALUES ('1001', 'Ada'); {sql}"));
            let (text, skipped) = rendered(&conn);
            assert_eq!(skipped.iter().map(|u| (u.table, u.column)).collect::<Vec<_>>(), [(table, column)], "{sql}");
            assert!(text.contains("\nexten => 1001,hint,PJSIP/1001\n"), "{sql}: {text}");
            for hostile in ["System(", "SHELL", "$[1]", "sup]port", "[600]", "_1XX", "9;", "a,b", "10;01", "default,x"] {
                assert!(!text.contains(hostile), "{sql}: {text}");
            }
        }
    }

    #[test]
    fn a_follow_me_that_cannot_render_leaves_its_extension_dialling_directly() {
        let conn = legacy_db(
            "INSERT INTO extensions (number, name, voicemail) VALUES ('1001', 'Ada', 'default');
             INSERT INTO follow_me (extension, post_destination) VALUES ('1001', 'ctx;x,1,1');",
        );
        let (text, skipped) = rendered(&conn);
        assert_eq!((skipped[0].table, skipped[0].column), ("follow_me", "post_destination"));
        assert!(text.contains("exten => 1001,1,Dial(PJSIP/1001,20)\n"), "{text}");
        assert!(!text.contains("Goto(switchboard-followme"), "{text}");
    }

    #[test]
    fn a_bad_member_is_left_out_and_the_others_still_ring() {
        let conn = legacy_db(
            "INSERT INTO extensions (number, name) VALUES ('1001', 'Ada'), ('1002', 'Bob');
             INSERT INTO ring_groups (number, ring_time) VALUES ('600', 15);
             INSERT INTO ring_group_members VALUES ('600', 0, '1001'), ('600', 1, '1002&DAHDI/g1'), ('600', 2, '1002');",
        );
        let (text, skipped) = rendered(&conn);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!((skipped[0].table, skipped[0].key.as_str(), skipped[0].column), ("ring_group_members", "600/1", "destination"));
        assert!(text.contains("exten => 600,1,Dial(PJSIP/1001&PJSIP/1002,15)\n"), "{text}");
    }

    /// SARK's model as it renders: an IVR, a day timer and a holiday deciding an inbound route, a
    /// custom app, a class of service, voicemail as a destination.
    #[test]
    fn a_sark_pbx() {
        let conn = db(
            "INSERT INTO extensions (number, name, voicemail) VALUES ('1001', 'Ada', 'default'), ('1002', 'Bob', 'default');
             INSERT INTO trunks (name, host) VALUES ('provider', 'sip.example.com');
             INSERT INTO outbound_routes (id, name) VALUES (1, 'all');
             INSERT INTO outbound_route_patterns VALUES (1, 'X.', '', '');
             INSERT INTO outbound_route_trunks VALUES (1, 0, 'provider');
             INSERT INTO ivrs (id, name, announcement, timeout, direct_dial, invalid_destination, timeout_destination)
               VALUES (1, 'main', 'custom/welcome', 5, 1, 'app-blackhole,hangup,1', 'switchboard-voicemail,1001,1');
             INSERT INTO ivr_entries VALUES (1, '1', 'switchboard-extensions,1001,1'), (1, '2', 'switchboard-extensions,1002,1');
             INSERT INTO day_timers (id, name, weekdays, begin_time, end_time, destination_open, destination_closed)
               VALUES (5, 'office', 'mon-fri', '09:00', '17:00', 'switchboard-ivrs,1,1', 'switchboard-apps,night,1');
             INSERT INTO holiday_timers (id, name, starts, ends, destination)
               VALUES (2, 'new year', '2026-01-01 00:00:00', '2026-01-01 23:59:59', 'switchboard-extensions,1002,1');
             INSERT INTO inbound_routes (did, destination, destination_closed)
               VALUES ('5550100', 'switchboard-ivrs,1,1', 'switchboard-voicemail,1001,1');
             INSERT INTO custom_apps (name) VALUES ('night');
             INSERT INTO custom_app_steps VALUES ('night', 0, 'Answer', ''), ('night', 1, 'Playback', 'custom/closed'),
               ('night', 2, 'VoiceMail', '1001@default,u');
             INSERT INTO cos_rules (name) VALUES ('intl');
             INSERT INTO cos_rule_patterns VALUES ('intl', '_00X.');
             INSERT INTO cos_assignments VALUES ('1002', 'intl', 'closed');",
        );
        let expected = r#"; Generated by Switchboard from the pbx database — edits here are overwritten.
; Dialplan: extensions, follow-me, ring groups, queues, inbound and outbound routes.

[switchboard-internal]
include => switchboard-extensions
include => switchboard-ringgroups
include => switchboard-queues
include => switchboard-cos-intl
include => switchboard-outbound

[switchboard-extensions]
exten => 1001,hint,PJSIP/1001
exten => 1001,1,Dial(PJSIP/1001,20)
 same => n,VoiceMail(1001@default,${IF($["${DIALSTATUS}" = "BUSY"]?b:u)})
 same => n,Hangup()
exten => 1002,hint,PJSIP/1002
exten => 1002,1,Dial(PJSIP/1002,20)
 same => n,VoiceMail(1002@default,${IF($["${DIALSTATUS}" = "BUSY"]?b:u)})
 same => n,Hangup()

[switchboard-followme]

[switchboard-ringgroups]

[switchboard-queues]

[switchboard-inbound]
exten => 5550100,1,GotoIf($[${EPOCH} >= 1767225600 & ${EPOCH} <= 1767311999]?6)
 same => n,GotoIfTime(09:00-17:00,mon-fri,*,*?4)
 same => n,Goto(5)
 same => n,Goto(switchboard-ivrs,1,1)
 same => n,Goto(switchboard-voicemail,1001,1)
 same => n,Goto(switchboard-extensions,1002,1)

[switchboard-outbound]
include => switchboard-outrt-1

[switchboard-outrt-1]
exten => _X.,1,Dial(PJSIP/${EXTEN}@provider)
 same => n,Congestion()

[switchboard-cos-intl]
exten => _00X.,1,GotoIf($["${CALLERID(num)}" = "1002"]?3)
 same => n,Goto(switchboard-outbound,${EXTEN},1)
 same => n,GotoIf($[${EPOCH} >= 1767225600 & ${EPOCH} <= 1767311999]?6)
 same => n,GotoIfTime(09:00-17:00,mon-fri,*,*?2)
 same => n,Goto(6)
 same => n,Congestion()
include => switchboard-outbound

[switchboard-ivrs]
exten => 1,1,Goto(switchboard-ivr-1,s,1)

[switchboard-ivr-1]
exten => s,1,Answer()
 same => n,Background(custom/welcome)
 same => n,WaitExten(5)
exten => 1,1,Goto(switchboard-extensions,1001,1)
exten => 2,1,Goto(switchboard-extensions,1002,1)
exten => t,1,Goto(switchboard-voicemail,1001,1)
exten => i,1,Hangup()
include => switchboard-extensions

[switchboard-timers]
exten => 5,1,GotoIfTime(09:00-17:00,mon-fri,*,*?3)
 same => n,Goto(switchboard-apps,night,1)
 same => n,Goto(switchboard-ivrs,1,1)

[switchboard-apps]
exten => night,1,Answer()
 same => n,Playback(custom/closed)
 same => n,VoiceMail(1001@default,u)

[switchboard-voicemail]
exten => 1001,1,VoiceMail(1001@default,u)
 same => n,Hangup()
exten => 1002,1,VoiceMail(1002@default,u)
 same => n,Hangup()
"#;
        assert_eq!(rendered(&conn), (expected.to_string(), Vec::new()));
    }

    #[test]
    fn sark_rows_that_cannot_render_are_left_out_and_reported() {
        // Rows the rules refuse today, written with the rules bypassed (or, for the older
        // tables, before them): each is left out and reported, and what is beside it renders.
        let conn = db(
            "DROP TRIGGER sb_rules_custom_app_steps_insert; DROP TRIGGER sb_rules_cos_rule_patterns_insert;
             INSERT INTO extensions (number, name) VALUES ('1001', 'Ada');
             INSERT INTO custom_apps (name) VALUES ('evil'), ('good');
             INSERT INTO custom_app_steps VALUES ('evil', 0, 'Playback', '${SHELL(id)}'), ('good', 0, 'Answer', '');
             INSERT INTO cos_rules (name) VALUES ('intl');
             INSERT INTO cos_rule_patterns VALUES ('intl', '_00X.,1,System(id)'), ('intl', '_011X.');
             INSERT INTO cos_assignments VALUES ('1001', 'intl', 'open');
             INSERT INTO tenants (id, name) VALUES (2, 'night shift');
             INSERT INTO day_timers (id, name, begin_time, tenant_id) VALUES (7, 'typo', '9am', 2), (8, 'ok', '09:00', 2);
             INSERT INTO holiday_timers (id, name, starts, ends, tenant_id) VALUES (4, 'someday', 'next week', 'tomorrow', 2);
             INSERT INTO inbound_routes (did, destination, destination_closed, tenant_id)
               VALUES ('5550100', 'switchboard-extensions,1001,1', 'app-blackhole,hangup,1', 2);",
        );
        let (text, skipped) = rendered(&conn);
        let mut reported: Vec<(&str, &str, &str)> = skipped.iter().map(|u| (u.table, u.key.as_str(), u.column)).collect();
        reported.sort();
        assert_eq!(
            reported,
            [
                ("cos_rule_patterns", "intl/_00X.,1,System(id)", "pattern"),
                ("custom_app_steps", "evil/0", "arguments"),
                ("day_timers", "7", "begin_time"),
                ("holiday_timers", "4", "starts"),
            ]
        );
        for hostile in ["SHELL", "System", "9am", "evil"] {
            assert!(!text.contains(hostile), "{hostile}: {text}");
        }
        assert!(text.contains("\n[switchboard-apps]\nexten => good,1,Answer()\n"), "{text}");
        assert!(text.contains("\n[switchboard-cos-intl]\nexten => _011X.,1,"), "{text}");
        // The route decides by the timer it can read; the one it cannot is out of the decision.
        assert!(text.contains("exten => 5550100,1,GotoIfTime(09:00-17:00,mon-fri,*,*?3)\n same => n,Goto(4)\n"), "{text}");
        assert!(text.contains("[switchboard-timers]\nexten => 8,1,"), "{text}");
    }

    #[test]
    fn ivr_keys_from_before_the_rules_are_left_out_alone() {
        let conn = legacy_db(
            "INSERT INTO ivrs (id, name, timeout) VALUES (1, 'main', 7);
             INSERT INTO ivr_entries VALUES (1, '1,1,System(id)', 'a,b,1'), (1, '2', 'switchboard-queues,support,1');",
        );
        let (text, skipped) = rendered(&conn);
        assert_eq!(skipped.iter().map(|u| (u.table, u.column)).collect::<Vec<_>>(), [("ivr_entries", "digits")]);
        assert!(!text.contains("System"), "{text}");
        assert!(text.contains("exten => s,1,Answer()\n same => n,WaitExten(7)\nexten => 2,1,Goto(switchboard-queues,support,1)\n"), "{text}");
    }
}
