//! Custom apps: `[switchboard-apps]`, each app an extension named after it whose steps are its
//! `custom_app_steps` in order (`exten => night,1,Answer()`, `same => n,Playback(closed)`), what
//! a destination `switchboard-apps,<name>,1` reaches.
//!
//! Only the applications the schema allows (`schema::RULES`: they answer, play, dial, wait or go
//! somewhere, none runs a program or writes a file) are written, their arguments checked by
//! [`At::arguments`]. An app with a step that cannot be rendered is left out whole: half an app
//! would do something else than it says. An app without steps has no extension.

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells;
use super::dialplan::{exten, grouped};
use super::syntax::{At, Conf, Unrenderable};

/// Custom apps by name.
pub const APPS: &str = "switchboard-apps";

/// The applications a step may run (the schema's allow-list for `custom_app_steps.application`).
const APPLICATIONS: &[&str] = &[
    "Answer", "Background", "Busy", "ConfBridge", "Congestion", "Dial", "Echo", "Goto", "Hangup", "MusicOnHold", "NoOp", "Playback",
    "Progress", "Queue", "Ringing", "SayDigits", "SayNumber", "VoiceMail", "VoiceMailMain", "Wait", "WaitExten",
];

/// Renders `[switchboard-apps]`; nothing when there are no apps with steps.
pub fn render(conn: &Connection, conf: &mut Conf, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<()> {
    let mut steps = grouped(
        cells::rows(conn, "SELECT app_name, position, application, arguments FROM custom_app_steps ORDER BY app_name, position", [])
            .context("reading custom_app_steps")?,
    );
    let mut apps = Conf::part();
    let mut any = false;
    for cells in cells::rows(conn, "SELECT name FROM custom_apps ORDER BY name", []).context("reading custom_apps")? {
        let key = cells[0].shown();
        let Some(rows) = steps.remove(&key) else { continue };
        any |= apps.row(skipped, |conf| {
            let at = At::new("custom_apps", &key);
            let name = at.text("name", &cells[0])?;
            let name = at.exten("name", &name)?;
            let mut lines = Vec::new();
            for row in &rows {
                let step_key = format!("{key}/{}", row[1].shown());
                let at = At::new("custom_app_steps", &step_key);
                let application = at.text("application", &row[2])?;
                let Some(application) = APPLICATIONS.iter().find(|a| **a == application) else {
                    return Err(Unrenderable {
                        table: "custom_app_steps",
                        key: step_key,
                        column: "application",
                        value: application,
                        problem: "is not an application custom apps may run",
                    });
                };
                let arguments = at.text("arguments", &row[3])?;
                lines.push(format!("{application}({})", at.arguments("arguments", &arguments)?));
            }
            exten(conf, name, &lines);
            Ok(())
        });
    }
    if any {
        conf.section(APPS);
        conf.append(apps);
    }
    Ok(())
}
