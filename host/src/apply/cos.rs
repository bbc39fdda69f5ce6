//! Class of service: an extension assigned a rule (`cos_assignments`) cannot call the rule's
//! patterns while its tenant is open (`hours = 'open'`) or closed (`'closed'`, holidays
//! included); such a call gets `Congestion()`. Every other call goes on to the outbound routes
//! as before.
//!
//! Each rule with patterns and assignments is one stage, a context searched before the routes:
//!
//! ```text
//! [switchboard-internal]
//! …
//! include => switchboard-cos-intl          ; the first stage, before the routes
//! include => switchboard-outbound
//!
//! [switchboard-cos-intl]
//! exten => _00X.,1,GotoIf($["${CALLERID(num)}" = "1001"]?3)   ; callers the rule bars
//!  same => n,Goto(switchboard-cos-premium,${EXTEN},1)         ; not barred: the next stage
//!  same => n,GotoIfTime(09:00-17:00,mon-fri,*,*?5)            ; tenant 1's hours
//!  same => n,Goto(2)                                          ; closed: not barred
//!  same => n,Congestion()                                     ; open: barred
//! include => switchboard-cos-premium       ; numbers this stage does not bar
//!
//! [switchboard-cos-premium]                ; the last stage
//! …
//! include => switchboard-outbound
//! ```
//!
//! Why stages, and why each includes the next: a dialled number reaches one extension of a
//! context — the best match — so two rules' patterns in one context would let the more specific
//! one hide the other. One context per rule, searched in turn, checks every rule whose patterns
//! match: a stage that matches checks its callers and, when it does not bar, sends the call to
//! the next stage with `Goto(<next>,${EXTEN},1)`; a stage that does not match passes the search
//! on by its `include`. The last stage ends in the outbound routes either way. The stages are
//! included after the extensions, ring groups and queues, so internal numbers never reach them,
//! and before the routes, so every external number does. This is Asterisk's own search order
//! (a context's extensions, then its includes in order, depth first), which the simulator
//! follows too. The caller is told by `${CALLERID(num)}`, which for an internal phone is its
//! extension number.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells;
use super::dialplan::{OUTBOUND, exten, grouped};
use super::hours::{Flow, Hours, State};
use super::syntax::{At, Conf, Unrenderable};

/// The stages' contexts are `switchboard-cos-<rule>`.
pub const COS_PREFIX: &str = "switchboard-cos-";

/// One rule's stage.
struct Stage {
    rule: String,
    patterns: BTreeSet<String>,
    /// Barred callers by (tenant, barred while open, barred while closed).
    groups: BTreeMap<(i64, bool, bool), Vec<String>>,
}

/// The rendered stages and the context `[switchboard-internal]` includes before the routes
/// (`None`: no rule bars anyone, and nothing is written).
pub struct Cos {
    /// The first stage's context.
    pub first: Option<String>,
    /// The stages' contexts.
    pub conf: Conf,
}

/// Reads the rules, patterns and assignments and renders the stages.
pub fn render(conn: &Connection, hours: &Hours, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<Cos> {
    let mut patterns = grouped(
        cells::rows(conn, "SELECT rule_name, pattern FROM cos_rule_patterns ORDER BY rule_name, pattern", []).context("reading cos_rule_patterns")?,
    );
    let mut assignments = grouped(
        cells::rows(
            conn,
            "SELECT a.rule_name, a.extension, a.hours, e.tenant_id FROM cos_assignments a JOIN extensions e ON e.number = a.extension
             ORDER BY a.rule_name, a.extension, a.hours",
            [],
        )
        .context("reading cos_assignments")?,
    );
    let mut stages = Vec::new();
    for cells in cells::rows(conn, "SELECT name FROM cos_rules ORDER BY name", []).context("reading cos_rules")? {
        let key = cells[0].shown();
        let at = At::new("cos_rules", &key);
        let (rows, barred) = (patterns.remove(&key).unwrap_or_default(), assignments.remove(&key).unwrap_or_default());
        if rows.is_empty() || barred.is_empty() {
            continue;
        }
        let rule = match at.text("name", &cells[0]).and_then(|n| context_name(at, n)) {
            Ok(rule) => rule,
            Err(refused) => {
                skipped.push(refused);
                continue;
            }
        };
        let mut stage = Stage { rule, patterns: BTreeSet::new(), groups: BTreeMap::new() };
        for row in &rows {
            let row_key = format!("{key}/{}", row[1].shown());
            let at = At::new("cos_rule_patterns", &row_key);
            let pattern = at.text("pattern", &row[1]).and_then(|p| at.pattern("pattern", &p).map(|p| format!("_{}", p.strip_prefix('_').unwrap_or(p))));
            match pattern {
                Ok(p) => {
                    stage.patterns.insert(p);
                }
                Err(refused) => skipped.push(refused),
            }
        }
        let mut callers: BTreeMap<String, (i64, bool, bool)> = BTreeMap::new();
        for row in &barred {
            let row_key = format!("{}/{key}/{}", row[1].shown(), row[2].shown());
            let at = At::new("cos_assignments", &row_key);
            let assignment = (|| {
                let extension = at.text("extension", &row[1])?;
                at.exten("extension", &extension)?;
                let when = at.text("hours", &row[2])?;
                if when != "open" && when != "closed" {
                    return Err(Unrenderable { table: "cos_assignments", key: row_key.clone(), column: "hours", value: when, problem: "is not open or closed" });
                }
                Ok((extension, when == "open", at.int("tenant_id", &row[3]).unwrap_or(1)))
            })();
            match assignment {
                Ok((extension, open, tenant)) => {
                    let entry = callers.entry(extension).or_insert((tenant, false, false));
                    if open {
                        entry.1 = true;
                    } else {
                        entry.2 = true;
                    }
                }
                Err(refused) => skipped.push(refused),
            }
        }
        for (extension, group) in callers {
            stage.groups.entry(group).or_default().push(extension);
        }
        if !stage.patterns.is_empty() && !stage.groups.is_empty() {
            stages.push(stage);
        }
    }
    let context = |stage: &Stage| format!("{COS_PREFIX}{}", stage.rule);
    let mut conf = Conf::part();
    for (i, stage) in stages.iter().enumerate() {
        let next = stages.get(i + 1).map_or_else(|| OUTBOUND.to_string(), context);
        conf.section(&context(stage));
        let steps = stage_steps(stage, &next, hours);
        for pattern in &stage.patterns {
            exten(&mut conf, pattern, &steps);
        }
        conf.line(format_args!("include => {next}"));
    }
    Ok(Cos { first: stages.first().map(context), conf })
}

/// A rule's name as part of its stage's context: letters, digits, `-` and `_`, not starting with
/// `_` or `-`.
fn context_name(at: At<'_>, name: String) -> Result<String, Unrenderable> {
    if name.is_empty() || name.starts_with(['_', '-']) || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
        return Err(Unrenderable { table: at.table, key: at.key.to_string(), column: "name", value: name, problem: "is not letters, digits, - and _" });
    }
    Ok(name)
}

/// The steps of each of a stage's patterns: which callers the rule bars, and when.
fn stage_steps(stage: &Stage, next: &str, hours: &Hours) -> Vec<String> {
    let mut flow = Flow::default();
    let groups: Vec<(&(i64, bool, bool), &Vec<String>)> = stage.groups.iter().collect();
    for (k, (_, extensions)) in groups.iter().enumerate() {
        let condition: Vec<String> = extensions.iter().map(|e| format!("\"${{CALLERID(num)}}\" = \"{e}\"")).collect();
        flow.jump(format!("GotoIf($[{}]?", condition.join(" | ")), &format!("group-{k}"), ")");
    }
    flow.label("pass");
    flow.push(format!("Goto({next},${{EXTEN}},1)"));
    for (k, ((tenant, open, closed), _)) in groups.iter().enumerate() {
        flow.label(&format!("group-{k}"));
        if *open && *closed {
            flow.jump("Goto(", "barred", ")");
            continue;
        }
        let barred = |b: bool| if b { "barred".to_string() } else { "pass".to_string() };
        hours.tenant(*tenant).decide(&mut flow, |state| match state {
            State::Open => barred(*open),
            State::Closed | State::Holiday(_) => barred(*closed),
        });
    }
    flow.label("barred");
    flow.push("Congestion()");
    flow.finish()
}
