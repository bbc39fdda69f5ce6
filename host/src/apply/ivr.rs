//! IVR menus: `[switchboard-ivrs]` (`exten => <id>,1,Goto(switchboard-ivr-<id>,s,1)`, what a
//! destination `switchboard-ivrs,<id>,1` reaches) and one `[switchboard-ivr-<id>]` per menu:
//!
//! ```text
//! [switchboard-ivr-1]
//! exten => s,1,Answer()
//!  same => n,Background(custom/welcome)   ; a key pressed meanwhile stops it
//!  same => n,WaitExten(10)
//! exten => 1,1,Goto(switchboard-queues,support,1)
//! exten => t,1,Goto(…timeout_destination…)  ; no key within the timeout
//! exten => i,1,Goto(…invalid_destination…)  ; a key no entry has
//! include => switchboard-extensions        ; only with direct_dial: callers may dial extensions
//! ```
//!
//! The menu's own context is what makes `WaitExten` work: Asterisk collects the keys against the
//! extensions of the context the call is in, and goes to `t` or `i` there. A menu whose own
//! columns cannot be rendered is left out whole (its `switchboard-ivrs` entry too); an entry that
//! cannot is left out alone, and its keys then reach `i`.

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells::{self, Cell};
use super::dialplan::{EXTENSIONS, exten, goto, grouped};
use super::syntax::{At, Conf, Unrenderable};

/// IVR menus by id.
pub const IVRS: &str = "switchboard-ivrs";

/// A menu's own columns, checked.
struct Menu {
    id: i64,
    /// The `s` extension's steps.
    steps: Vec<String>,
    on_timeout: String,
    invalid: String,
    direct_dial: bool,
}

impl Menu {
    /// The menu from the cells of `id, announcement, timeout, direct_dial, invalid_destination,
    /// timeout_destination`.
    fn read(at: At<'_>, cells: &[Cell]) -> Result<Menu, Unrenderable> {
        let id = at.int("id", &cells[0])?;
        let announcement = at.text("announcement", &cells[1])?;
        let timeout = at.int("timeout", &cells[2])?;
        let direct_dial = at.int("direct_dial", &cells[3])? == 1;
        let invalid = goto(at, "invalid_destination", &at.text("invalid_destination", &cells[4])?)?;
        let on_timeout = goto(at, "timeout_destination", &at.text("timeout_destination", &cells[5])?)?;
        let mut steps = vec!["Answer()".to_string()];
        if !announcement.is_empty() {
            steps.push(format!("Background({})", at.sound("announcement", &announcement)?));
        }
        steps.push(format!("WaitExten({})", timeout.max(0)));
        Ok(Menu { id, steps, on_timeout, invalid, direct_dial })
    }
}

/// Renders the IVR contexts; nothing when there are no IVRs.
pub fn render(conn: &Connection, conf: &mut Conf, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<()> {
    let mut entries = grouped(
        cells::rows(conn, "SELECT ivr_id, digits, destination FROM ivr_entries ORDER BY ivr_id, digits", []).context("reading ivr_entries")?,
    );
    let ivrs = cells::rows(
        conn,
        "SELECT id, announcement, timeout, direct_dial, invalid_destination, timeout_destination FROM ivrs ORDER BY id",
        [],
    )
    .context("reading ivrs")?;
    if ivrs.is_empty() {
        return Ok(());
    }
    let mut index = Conf::part();
    let mut menus = Conf::part();
    for cells in ivrs {
        let key = cells[0].shown();
        let rows = entries.remove(&key).unwrap_or_default();
        let menu = match Menu::read(At::new("ivrs", &key), &cells) {
            Ok(menu) => menu,
            Err(refused) => {
                skipped.push(refused);
                continue;
            }
        };
        let id = menu.id;
        index.line(format_args!("exten => {id},1,Goto(switchboard-ivr-{id},s,1)"));
        menus.section(&format!("switchboard-ivr-{id}"));
        exten(&mut menus, "s", &menu.steps);
        for row in &rows {
            let entry_key = format!("{id}/{}", row[1].shown());
            let at = At::new("ivr_entries", &entry_key);
            menus.row(skipped, |conf| {
                let digits = at.text("digits", &row[1])?;
                let step = goto(at, "destination", &at.text("destination", &row[2])?)?;
                exten(conf, at.keys("digits", &digits)?, &[step]);
                Ok(())
            });
        }
        exten(&mut menus, "t", &[menu.on_timeout]);
        exten(&mut menus, "i", &[menu.invalid]);
        if menu.direct_dial {
            menus.line(format_args!("include => {EXTENSIONS}"));
        }
    }
    conf.section(IVRS);
    conf.append(index);
    conf.append(menus);
    Ok(())
}
