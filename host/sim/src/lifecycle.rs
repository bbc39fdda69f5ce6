//! Start-up and shut-down, as a manager client sees them: [`Phase`], set with
//! [`Simulator::set_phase`](super::Simulator::set_phase).
//!
//! Asterisk opens its manager port early in start-up, before it loads its modules, and keeps it
//! open while it shuts down. Asterisk 22's manager core answers in those two phases:
//!
//! - **Shutting down**: `process_message` checks `ast_shutting_down()` before it looks at the
//!   action or the session, so *every* action — `Login`, `Challenge`, `Logoff` and `Ping`
//!   included — answers `Response: Error` / `Message: Asterisk is shutting down`. Logged-in
//!   sessions keep their events.
//! - **Booting**: the actions Asterisk's core registers (`manager.c`, `db.c`, `pbx.c`: `Login`,
//!   `Ping`, `Command`, `Status`, `CoreShowChannels`, `CoreSettings`, `DBPut`, `Originate`,
//!   `Reload`, `MailboxCount`, `ExtensionState`, …) answer as usual. An action of a module that is
//!   not loaded yet is not registered, so `PJSIPShowEndpoints` (res_pjsip), `QueueStatus`
//!   (app_queue), `ParkedCalls` (res_parking), `DeviceStateList` (res_manager_devicestate) and
//!   `SIPpeers` (chan_sip) answer `Invalid/unknown command: <Action>. Use Action: ListCommands to
//!   show available commands.`; `ModuleCheck` answers `Module not loaded` for every module. A
//!   `Login` is accepted but not followed by `FullyBooted` (Asterisk sends it at login only once
//!   fully booted); when start-up ends, every logged-in session gets `FullyBooted`.
//!
//! [`Phase::Running`] after [`Phase::ShuttingDown`] is `core abort shutdown`; after
//! [`Phase::Booting`] it is the end of start-up.
//!
//! Differences from a real Asterisk: while booting, the core actions answer from the simulated PBX
//! as it is (a real Asterisk still loading its modules has no channels, endpoints, dialplan or
//! mailboxes yet, so its `Status` is empty and its `MailboxCount` zero); an unknown action raises
//! no `RequestBadFormat` security event; `ListCommands` lists every action.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::SystemTime;

use switchboard_ami_wire::Message;

use super::actions::{self, Reply};
use super::state::PbxRef;
use super::event_format::{self, class};

/// Where the simulated Asterisk is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Fully booted: every action answers.
    #[default]
    Running,
    /// Started, modules not loaded yet: only the core's actions answer.
    Booting,
    /// Shutting down: every action answers `Asterisk is shutting down`.
    ShuttingDown,
}

/// The phase, shared by every session.
#[derive(Debug, Default)]
pub struct PhaseCell(AtomicU8);

impl PhaseCell {
    pub fn get(&self) -> Phase {
        match self.0.load(Ordering::SeqCst) {
            1 => Phase::Booting,
            2 => Phase::ShuttingDown,
            _ => Phase::Running,
        }
    }

    /// Sets `phase`; returns the one before.
    pub fn replace(&self, phase: Phase) -> Phase {
        let n = match phase {
            Phase::Running => 0,
            Phase::Booting => 1,
            Phase::ShuttingDown => 2,
        };
        match self.0.swap(n, Ordering::SeqCst) {
            1 => Phase::Booting,
            2 => Phase::ShuttingDown,
            _ => Phase::Running,
        }
    }
}

/// Name prefixes (ASCII case-insensitive) of the actions that modules register, with the module:
/// not there while Asterisk boots.
const MODULE_ACTIONS: &[(&str, &str)] = &[
    ("PJSIP", "res_pjsip"),
    ("Queue", "app_queue"),
    ("SIPpeers", "chan_sip"),
    ("SIPshowpeer", "chan_sip"),
    ("SIPqualifypeer", "chan_sip"),
    ("SIPshowregistry", "chan_sip"),
    ("Park", "res_parking"),
    ("DeviceStateList", "res_manager_devicestate"),
    ("PresenceStateList", "res_manager_presencestate"),
    ("Confbridge", "app_confbridge"),
    ("Agent", "app_agent_pool"),
    ("VoicemailUsersList", "app_voicemail"),
];

/// Whether action `name` comes from a module (see [`MODULE_ACTIONS`]).
fn from_module(name: &str) -> bool {
    MODULE_ACTIONS.iter().any(|(prefix, _)| name.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix)))
}

/// The answer `phase` gives instead of running `action`, if it does not let the action run.
pub fn refuse(phase: Phase, action: &Message) -> Option<Reply> {
    let name = action.get("Action").map(str::trim).unwrap_or_default();
    match phase {
        Phase::Running => None,
        // Checked once the message has an action, before the session's login or the action's name.
        Phase::ShuttingDown if !name.is_empty() => Some(Reply::one(actions::error(action, "Asterisk is shutting down"))),
        Phase::ShuttingDown => None,
        Phase::Booting if name.eq_ignore_ascii_case("ModuleCheck") => Some(Reply::one(actions::error(action, "Module not loaded"))),
        Phase::Booting if from_module(name) => Some(Reply::one(actions::error(
            action,
            &format!("Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."),
        ))),
        Phase::Booting => None,
    }
}

/// `reply` to `action` as `phase` sends it: while booting, a `Login` is not followed by
/// `FullyBooted`.
pub fn adjust(phase: Phase, action: &Message, mut reply: Reply) -> Reply {
    let login = action.get("Action").is_some_and(|a| a.trim().eq_ignore_ascii_case("Login"));
    if phase == Phase::Booting && login {
        reply.messages.retain(|m| m.get("Event") != Some("FullyBooted"));
    }
    reply
}

/// Start-up has ended: `FullyBooted` to every session that takes system events, as Asterisk
/// publishes it.
pub fn fully_booted(pbx: &PbxRef) {
    pbx.with(|st| {
        let now = SystemTime::now();
        let secs = |t: SystemTime| now.duration_since(t).map(|d| d.as_secs()).unwrap_or(0);
        let m: Message = event_format::event("FullyBooted", class::SYSTEM)
            .with("Uptime", secs(st.started).to_string())
            .with("LastReload", secs(st.last_reload).to_string())
            .with("Status", "Fully Booted");
        st.emit(class::SYSTEM, m);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(name: &str) -> Message {
        Message::new().with("Action", name).with("ActionID", "7")
    }

    fn answer(reply: Option<Reply>) -> Option<(String, String)> {
        reply.map(|r| {
            let m = &r.messages[0];
            (m.get("Response").unwrap().to_string(), m.get("Message").unwrap().to_string())
        })
    }

    #[test]
    fn shutting_down_refuses_every_action() {
        for name in ["Login", "Challenge", "Logoff", "Ping", "Status", "PJSIPShowEndpoints", "NoSuchAction"] {
            let refused = answer(refuse(Phase::ShuttingDown, &action(name)));
            assert_eq!(refused, Some(("Error".into(), "Asterisk is shutting down".into())), "{name}");
        }
        assert!(refuse(Phase::Running, &action("PJSIPShowEndpoints")).is_none());
    }

    #[test]
    fn booting_refuses_only_module_actions() {
        for name in ["Login", "Challenge", "Ping", "Command", "Status", "CoreShowChannels", "CoreSettings", "DBPut", "Originate", "Reload", "MailboxCount"] {
            assert!(refuse(Phase::Booting, &action(name)).is_none(), "{name}");
        }
        for name in ["PJSIPShowEndpoints", "pjsipshowcontacts", "QueueStatus", "ParkedCalls", "DeviceStateList", "SIPpeers"] {
            let refused = answer(refuse(Phase::Booting, &action(name))).unwrap();
            assert_eq!(refused.1, format!("Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."));
        }
        assert_eq!(answer(refuse(Phase::Booting, &action("ModuleCheck"))).unwrap().1, "Module not loaded");
        // The ActionID is kept, as astman_send_error keeps it.
        let reply = refuse(Phase::Booting, &action("QueueStatus")).unwrap();
        assert_eq!(reply.messages[0].get("ActionID"), Some("7"));
    }

    #[test]
    fn a_login_while_booting_is_not_fully_booted() {
        let reply = || {
            Reply::many(vec![
                actions::ack(&action("Login"), "Authentication accepted"),
                event_format::event("FullyBooted", class::SYSTEM).with("Status", "Fully Booted"),
            ])
        };
        assert_eq!(adjust(Phase::Booting, &action("Login"), reply()).messages.len(), 1);
        assert_eq!(adjust(Phase::Running, &action("Login"), reply()).messages.len(), 2);
    }

    #[test]
    fn the_phase_is_kept() {
        let cell = PhaseCell::default();
        assert_eq!(cell.get(), Phase::Running);
        assert_eq!(cell.replace(Phase::Booting), Phase::Running);
        assert_eq!(cell.replace(Phase::ShuttingDown), Phase::Booting);
        assert_eq!(cell.get(), Phase::ShuttingDown);
    }
}
