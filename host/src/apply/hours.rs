//! Open and closed hours: day timers, holidays and each tenant's override, as dialplan steps that
//! decide at call time (UTC), and `[switchboard-timers]`, one extension per day timer.
//!
//! A tenant is open when its `open_state` is `open` and closed when it is `closed`; when it is
//! `auto`, it is closed during any of its holidays, else open while inside any of its day timers
//! (a timer forced `open` always counts, one forced `closed` never does), and open when it has no
//! day timers at all. The decision is rendered as steps of the extension that needs it, each
//! jumping forward to a step of the same extension:
//!
//! ```text
//! exten => 5550100,1,GotoIf($[${EPOCH} >= 1767225600 & ${EPOCH} <= 1767311999]?6)  ; holiday 2
//!  same => n,GotoIfTime(09:00-17:00,mon-fri,*,*?4)                                  ; day timer 1
//!  same => n,Goto(5)                                                                ; closed
//!  same => n,Goto(switchboard-ivrs,1,1)                                             ; open
//!  same => n,Goto(switchboard-voicemail,1001,1)                                     ; closed
//!  same => n,Goto(switchboard-extensions,1002,1)                                    ; holiday 2
//! ```
//!
//! Holidays are two instants (`YYYY-MM-DD HH:MM:SS`, UTC, both included) compared with `${EPOCH}`;
//! day timers are Asterisk time specs (`begin-end,weekdays,month days,months`), which `GotoIfTime`
//! reads in the PBX's time zone — run Asterisk in UTC, as the model's times are. Priorities are
//! numbers rather than labels so the steps mean the same wherever the extension is found (in its
//! own context or through an include). A timer or holiday whose text is not a time this renderer
//! can read is left out of every decision and reported, like any unrenderable row.

use std::collections::BTreeMap;

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells::{self, Cell};
use super::dialplan::{exten, goto};
use super::syntax::{At, Conf, Unrenderable};

/// Day timers: `exten => <id>,1,…` to the timer's open or closed destination.
pub const TIMERS: &str = "switchboard-timers";

/// Steps of one extension, some jumping forward to labelled ones; [`Flow::finish`] resolves each
/// label to its step's priority.
#[derive(Default)]
pub struct Flow {
    steps: Vec<(String, Option<String>, String)>,
    labels: BTreeMap<String, usize>,
}

impl Flow {
    /// A step.
    pub fn push(&mut self, step: impl Into<String>) {
        self.steps.push((step.into(), None, String::new()));
    }

    /// A step `<before><priority of label><after>` (`GotoIf(…?`, `open`, `)`).
    pub fn jump(&mut self, before: impl Into<String>, label: &str, after: &str) {
        self.steps.push((before.into(), Some(label.to_string()), after.to_string()));
    }

    /// The next step pushed is `label`.
    pub fn label(&mut self, label: &str) {
        self.labels.insert(label.to_string(), self.steps.len());
    }

    /// The steps, labels resolved (a label never set resolves past the end, where the extension
    /// ends: Asterisk hangs up).
    pub fn finish(self) -> Vec<String> {
        let end = self.steps.len();
        self.steps
            .into_iter()
            .map(|(before, label, after)| match label {
                None => before,
                Some(l) => format!("{before}{}{after}", self.labels.get(&l).copied().unwrap_or(end) + 1),
            })
            .collect()
    }
}

/// What a tenant is at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Open.
    Open,
    /// Closed by its timers or its override.
    Closed,
    /// Inside holiday `id`.
    Holiday(i64),
}

/// A holiday, checked.
#[derive(Debug, Clone)]
pub struct Holiday {
    /// Its row id.
    pub id: i64,
    starts: i64,
    ends: i64,
    /// Its destination (`''`: the route's closed destination).
    pub destination: String,
}

/// A day timer, checked.
#[derive(Debug, Clone)]
struct Timer {
    id: i64,
    /// `09:00-17:00,mon-fri,*,*`.
    spec: String,
    state: String,
    destination_open: String,
    destination_closed: String,
}

/// One tenant's hours.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    open_state: String,
    /// Its holidays, by start.
    pub holidays: Vec<Holiday>,
    timers: Vec<Timer>,
}

impl Tenant {
    /// The state its override forces, if it has one (`open_state` `open` or `closed`).
    pub fn forced(&self) -> Option<State> {
        match self.open_state.as_str() {
            "open" => Some(State::Open),
            "closed" => Some(State::Closed),
            _ => None,
        }
    }

    /// Pushes the steps that jump to the label of the tenant's state now (`label(State)`); they
    /// always jump, so nothing after them runs by falling through.
    pub fn decide(&self, flow: &mut Flow, label: impl Fn(State) -> String) {
        if let Some(state) = self.forced() {
            return flow.jump("Goto(", &label(state), ")");
        }
        for h in &self.holidays {
            let condition = format!("GotoIf($[${{EPOCH}} >= {} & ${{EPOCH}} <= {}]?", h.starts, h.ends);
            flow.jump(condition, &label(State::Holiday(h.id)), ")");
        }
        if self.timers.is_empty() {
            return flow.jump("Goto(", &label(State::Open), ")");
        }
        for t in &self.timers {
            match t.state.as_str() {
                "open" => return flow.jump("Goto(", &label(State::Open), ")"),
                "closed" => {}
                _ => flow.jump(format!("GotoIfTime({}?", t.spec), &label(State::Open), ")"),
            }
        }
        flow.jump("Goto(", &label(State::Closed), ")");
    }
}

/// Every tenant's hours (a tenant without a row of its own is `auto`, without timers: open).
pub struct Hours {
    tenants: BTreeMap<i64, Tenant>,
    default: Tenant,
}

impl Hours {
    /// Reads tenants, day timers and holidays; rows that cannot be read go to `skipped` and are
    /// left out of every decision.
    pub fn read(conn: &Connection, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<Hours> {
        let mut tenants: BTreeMap<i64, Tenant> = BTreeMap::new();
        for cells in cells::rows(conn, "SELECT id, open_state FROM tenants ORDER BY id", []).context("reading tenants")? {
            let key = cells[0].shown();
            let at = At::new("tenants", &key);
            let Ok(id) = at.int("id", &cells[0]) else { continue };
            // An override that is not one of the three words is no override.
            let open_state = match at.text("open_state", &cells[1]) {
                Ok(s) if ["auto", "open", "closed"].contains(&s.as_str()) => s,
                Ok(s) => {
                    skipped.push(Unrenderable { table: "tenants", key, column: "open_state", value: s, problem: "is not auto, open or closed" });
                    "auto".into()
                }
                Err(refused) => {
                    skipped.push(refused);
                    "auto".into()
                }
            };
            tenants.insert(id, Tenant { open_state, ..Tenant::default() });
        }
        fn tenant(tenants: &mut BTreeMap<i64, Tenant>, id: i64) -> &mut Tenant {
            tenants.entry(id).or_insert_with(|| Tenant { open_state: "auto".into(), ..Tenant::default() })
        }
        for cells in cells::rows(
            conn,
            "SELECT id, weekdays, begin_time, end_time, month_days, months, state, destination_open, destination_closed, tenant_id
             FROM day_timers ORDER BY id",
            [],
        )
        .context("reading day_timers")?
        {
            let key = cells[0].shown();
            match read_timer(At::new("day_timers", &key), &cells) {
                Ok((tenant_id, timer)) => tenant(&mut tenants, tenant_id).timers.push(timer),
                Err(refused) => skipped.push(refused),
            }
        }
        for cells in cells::rows(conn, "SELECT id, starts, ends, destination, tenant_id FROM holiday_timers ORDER BY starts, id", [])
            .context("reading holiday_timers")?
        {
            let key = cells[0].shown();
            let at = At::new("holiday_timers", &key);
            let holiday = (|| {
                let id = at.int("id", &cells[0])?;
                let starts = instant(at, "starts", &at.text("starts", &cells[1])?)?;
                let ends = instant(at, "ends", &at.text("ends", &cells[2])?)?;
                let destination = at.text("destination", &cells[3])?;
                if !destination.is_empty() {
                    at.destination("destination", &destination)?;
                }
                Ok((at.int("tenant_id", &cells[4])?, Holiday { id, starts, ends, destination }))
            })();
            match holiday {
                Ok((tenant_id, h)) => tenant(&mut tenants, tenant_id).holidays.push(h),
                Err(refused) => skipped.push(refused),
            }
        }
        Ok(Hours { tenants, default: Tenant { open_state: "auto".into(), ..Tenant::default() } })
    }

    /// Tenant `id`'s hours.
    pub fn tenant(&self, id: i64) -> &Tenant {
        self.tenants.get(&id).unwrap_or(&self.default)
    }

    /// `[switchboard-timers]`: each day timer's extension, to its open destination while inside
    /// its window (or forced open), else its closed destination. Empty: not written.
    pub fn render_timers(&self, conf: &mut Conf, skipped: &mut Vec<Unrenderable>) {
        let mut timers: Vec<&Timer> = self.tenants.values().flat_map(|t| &t.timers).collect();
        if timers.is_empty() {
            return;
        }
        timers.sort_by_key(|t| t.id);
        conf.section(TIMERS);
        for t in timers {
            let key = t.id.to_string();
            let at = At::new("day_timers", &key);
            conf.row(skipped, |conf| {
                let (open, closed) = (goto(at, "destination_open", &t.destination_open)?, goto(at, "destination_closed", &t.destination_closed)?);
                let mut flow = Flow::default();
                match t.state.as_str() {
                    "open" => flow.push(open),
                    "closed" => flow.push(closed),
                    _ => {
                        flow.jump(format!("GotoIfTime({}?", t.spec), "open", ")");
                        flow.push(closed);
                        flow.label("open");
                        flow.push(open);
                    }
                }
                exten(conf, &key, &flow.finish());
                Ok(())
            });
        }
    }
}

/// A timer row from `id, weekdays, begin_time, end_time, month_days, months, state,
/// destination_open, destination_closed, tenant_id`, and its tenant.
fn read_timer(at: At<'_>, cells: &[Cell]) -> Result<(i64, Timer), Unrenderable> {
    let id = at.int("id", &cells[0])?;
    let weekdays = list(at, "weekdays", &at.text("weekdays", &cells[1])?, |v| WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(v)).map(|_| ()))?;
    let begin = clock_time(at, "begin_time", &at.text("begin_time", &cells[2])?)?;
    let end = clock_time(at, "end_time", &at.text("end_time", &cells[3])?)?;
    let month_days = list(at, "month_days", &at.text("month_days", &cells[4])?, |v| {
        v.parse::<u32>().ok().filter(|d| (1..=31).contains(d) && !v.starts_with('0')).map(|_| ())
    })?;
    let months = list(at, "months", &at.text("months", &cells[5])?, |v| MONTHS.iter().position(|m| m.eq_ignore_ascii_case(v)).map(|_| ()))?;
    let state = at.text("state", &cells[6])?;
    let destination_open = at.text("destination_open", &cells[7])?;
    let destination_closed = at.text("destination_closed", &cells[8])?;
    // Checked here too, so a timer that cannot be written is out of every tenant's decision.
    goto(at, "destination_open", &destination_open)?;
    goto(at, "destination_closed", &destination_closed)?;
    let tenant_id = at.int("tenant_id", &cells[9])?;
    let spec = format!("{begin}-{end},{weekdays},{month_days},{months}");
    Ok((tenant_id, Timer { id, spec, state, destination_open, destination_closed }))
}

const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// `HH:MM`, 00:00 to 23:59.
fn clock_time(at: At<'_>, column: &'static str, value: &str) -> Result<String, Unrenderable> {
    let ok = value.len() == 5
        && value.as_bytes()[2] == b':'
        && value[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && value[3..].parse::<u32>().is_ok_and(|m| m < 60)
        && value.bytes().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit());
    if !ok {
        return Err(Unrenderable { table: at.table, key: at.key.to_string(), column, value: value.into(), problem: "is not a time HH:MM" });
    }
    Ok(value.to_string())
}

/// `*`, or items and `a-b` ranges joined by `&`, each item as `item` reads it; lowercased.
fn list(at: At<'_>, column: &'static str, value: &str, item: impl Fn(&str) -> Option<()>) -> Result<String, Unrenderable> {
    let value = value.to_ascii_lowercase();
    if value == "*" {
        return Ok(value);
    }
    let ok = !value.is_empty()
        && value.split('&').all(|range| {
            let mut ends = range.split('-');
            let (a, b, rest) = (ends.next(), ends.next(), ends.next());
            rest.is_none() && a.is_some_and(|a| item(a).is_some()) && b.is_none_or(|b| item(b).is_some())
        });
    if !ok {
        return Err(Unrenderable {
            table: at.table,
            key: at.key.to_string(),
            column,
            value,
            problem: "is not `*` or items and ranges joined by `&` (mon-fri, 1-15, jan-mar)",
        });
    }
    Ok(value)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) as seconds since the epoch.
fn instant(at: At<'_>, column: &'static str, value: &str) -> Result<i64, Unrenderable> {
    let bad = || Unrenderable { table: at.table, key: at.key.to_string(), column, value: value.into(), problem: "is not a time YYYY-MM-DD HH:MM:SS" };
    let b = value.as_bytes();
    let shape = b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| value[r].parse::<i64>().unwrap_or(-1);
    let (y, m, d, hh, mm, ss) = (n(0..4), n(5..7), n(8..10), n(11..13), n(14..16), n(17..19));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59 {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_resolve_to_priorities() {
        let mut flow = Flow::default();
        flow.jump("GotoIf(x?", "b", ")");
        flow.push("A");
        flow.label("b");
        flow.push("B");
        flow.jump("Goto(", "nowhere", ")");
        assert_eq!(flow.finish(), ["GotoIf(x?3)", "A", "B", "Goto(5)"]);
    }

    #[test]
    fn times_are_read_strictly() {
        let at = At::new("holiday_timers", "1");
        assert_eq!(instant(at, "starts", "1970-01-02 00:00:01").unwrap(), 86_401);
        assert_eq!(instant(at, "starts", "2026-01-01 00:00:00").unwrap(), 1_767_225_600);
        for bad in ["2026-13-01 00:00:00", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 24:00:00"] {
            assert!(instant(at, "starts", bad).is_err(), "{bad}");
        }
        let at = At::new("day_timers", "1");
        assert!(clock_time(at, "begin_time", "23:59").is_ok());
        for bad in ["24:00", "9:00", "09:60", "09:0a", "09-00"] {
            assert!(clock_time(at, "begin_time", bad).is_err(), "{bad}");
        }
        let day = |v: &str| WEEKDAYS.contains(&v).then_some(());
        assert_eq!(list(at, "weekdays", "Mon-Fri&sun", day).unwrap(), "mon-fri&sun");
        assert_eq!(list(at, "weekdays", "*", day).unwrap(), "*");
        for bad in ["", "mon-", "mon,tue", "mon?x", "funday", "mon-tue-wed"] {
            assert!(list(at, "weekdays", bad, day).is_err(), "{bad}");
        }
    }
}
