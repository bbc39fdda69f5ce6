//! AMI event classes: which of Asterisk's events the host asks for and lets onto the bus.
//!
//! Asterisk tags every event with its classes (`Privilege: call,all`) and sends a session only the
//! classes it asked for in its `Login` (`Events: system,call,…`). Asking for everything (`Events:
//! on`) also brings the `security` class: one `SuccessfulAuth` (and with MD5 a `ChallengeSent`) per
//! login of *any* manager client, so a PHP panel that logs in once per page view floods the bus
//! with thousands of events no plugin needs and pushes every reader's position out of the ring.
//! The host therefore logs in with a list of classes ([`EventClasses::DEFAULT`] unless the admin
//! names others in `[ami] events`), and drops any event that arrives tagged only with classes
//! outside that list (an Asterisk that ignores the login's list, or a class changed with an
//! `Events` action).
//!
//! Answers to actions are not events in this sense: the items of a list action (`Status`,
//! `QueueStatus`, `DeviceStateList`, …) reach the plugin that asked whatever the classes.

use std::fmt;

/// The classes Asterisk 22 knows, in the order `manager.conf` lists them.
pub const NAMES: [&str; 19] = [
    "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf", "reporting", "cdr", "dialplan",
    "originate", "agi", "cc", "aoc", "test", "security", "message",
];

/// A set of event classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventClasses {
    names: Vec<&'static str>,
}

/// A class name that Asterisk does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an AMI event class (one of: {list})", list = NAMES.join(", "))]
pub struct UnknownClass(pub String);

impl EventClasses {
    /// What the bus serves unless configured otherwise: everything a flavor or the event handlers
    /// read — channels and bridges (`call`), dialplan steps and variables (`dialplan`), queues
    /// (`agent`), `UserEvent` (`user`), CDRs (`cdr`), boot and reloads (`system`), DTMF (`dtmf`)
    /// and SIP `MESSAGE`s (`message`). Left out: `security` (login noise), `reporting` (RTCP
    /// statistics every few seconds per call leg), and the CLI's `log`, `verbose`, `command`,
    /// `config`, `agi`, `cc`, `aoc`, `test`, `originate`.
    pub const DEFAULT: [&'static str; 8] = ["system", "call", "agent", "user", "cdr", "dialplan", "dtmf", "message"];

    /// The default set.
    pub fn default_set() -> Self {
        Self::parse(&Self::DEFAULT).expect("the default classes are Asterisk's")
    }

    /// The set named by `names` (case-insensitive; `all` means every class). `system` and `cdr`
    /// are always added, as the host itself reads them: it waits for `FullyBooted` before it calls
    /// the link up, and stores every `Cdr` in the `cdr` table.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownClass> {
        let mut set = vec!["system", "cdr"];
        for name in names {
            let name = name.as_ref().trim().to_ascii_lowercase();
            if name == "all" {
                set = NAMES.to_vec();
                continue;
            }
            let known = NAMES.iter().find(|n| **n == name).ok_or_else(|| UnknownClass(name.clone()))?;
            if !set.contains(known) {
                set.push(known);
            }
        }
        set.sort_by_key(|n| NAMES.iter().position(|k| k == n));
        Ok(EventClasses { names: set })
    }

    /// Whether `class` is in the set.
    pub fn contains(&self, class: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(class))
    }

    /// The class names, in `manager.conf` order.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    /// The `Events:` value of the host's `Login`.
    pub fn login_value(&self) -> String {
        self.names.join(",")
    }

    /// Whether an event with this `Privilege:` value belongs on the bus: yes when it names one of
    /// the set's classes, and when it names none Asterisk knows (events without a `Privilege`,
    /// `all` alone) — only an event tagged solely with classes outside the set is dropped.
    pub fn admits(&self, privilege: Option<&str>) -> bool {
        let Some(privilege) = privilege else { return true };
        let mut tagged = false;
        for class in privilege.split(',').map(str::trim) {
            if class.eq_ignore_ascii_case("all") || !NAMES.iter().any(|n| n.eq_ignore_ascii_case(class)) {
                continue;
            }
            if self.contains(class) {
                return true;
            }
            tagged = true;
        }
        !tagged
    }
}

impl Default for EventClasses {
    fn default() -> Self {
        Self::default_set()
    }
}

impl fmt::Display for EventClasses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.login_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_leaves_out_security_and_reporting() {
        let set = EventClasses::default();
        assert_eq!(set.login_value(), "system,call,agent,user,dtmf,cdr,dialplan,message");
        assert!(set.admits(Some("call,all")));
        assert!(set.admits(Some("dialplan,all")));
        assert!(set.admits(Some("cdr,all")));
        assert!(!set.admits(Some("security,all")));
        assert!(!set.admits(Some("reporting,all")));
        assert!(set.admits(None), "an event without classes is not noise we can name");
        assert!(set.admits(Some("all")));
        assert!(set.admits(Some("security,call,all")), "one class in the set is enough");
    }

    #[test]
    fn parsing_adds_system_orders_and_refuses_unknown_names() {
        let set = EventClasses::parse(&["Call", "cdr", "call"]).unwrap();
        assert_eq!(set.names(), ["system", "call", "cdr"]);
        assert_eq!(EventClasses::parse(&["all"]).unwrap().names().len(), NAMES.len());
        let err = EventClasses::parse(&["calls"]).unwrap_err();
        assert!(err.to_string().starts_with("`calls` is not an AMI event class (one of: system, call,"), "{err}");
        assert_eq!(EventClasses::parse::<&str>(&[]).unwrap().names(), ["system", "cdr"]);
    }
}
