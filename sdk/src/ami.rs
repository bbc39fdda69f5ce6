//! The PBX's manager interface (WIT `switchboard:pbx/ami`), through the host's shared connection.
//!
//! Each action must be listed in the mount's `grants.ami`; the host checks it before sending. An
//! [`AmiError`] converts into an [`Error`](crate::Error) with a fitting status, so a handler can use
//! `?`:
//!
//! ```no_run
//! use switchboard_sdk::{ami, prelude::*};
//! fn channels(_: &Request) -> Result<Response, Error> {
//!     let status = ami::list("CoreShowChannels", &[])?;
//!     let names: Vec<&str> = status.events.iter().filter_map(|e| ami::field(e, "Channel")).collect();
//!     Response::json(&names)
//! }
//! ```
//!
//! # An empty list, or the PBX saying no
//!
//! Asterisk answers some list actions that have nothing to list with `Response: Error` instead of
//! an empty list: `PJSIPShowEndpoints` says `No endpoints found`, `PJSIPShowContacts`
//! `No Contacts found`. The same `Response: Error` also comes back when the PBX cannot answer at
//! all: while it shuts down every action is refused with `Asterisk is shutting down`, and while it
//! starts the manager port is open before the modules are loaded, so `PJSIPShowEndpoints` is
//! `Invalid/unknown command: PJSIPShowEndpoints. …`. [`send`] returns all of these as
//! [`AmiError::Failed`]; reading every `Failed` as "nothing there" turns a restarting PBX into a PBX
//! with no phones. [`list`] tells them apart:
//!
//! - Asterisk's own empty-list answer to that action (the table in [`is_empty_list_answer`]) is
//!   `Ok` with no events;
//! - anything else stays an error, and converts into the right HTTP status (below).
//!
//! ```no_run
//! use switchboard_sdk::{ami, prelude::*};
//! fn endpoints(_: &Request) -> Result<Response, Error> {
//!     // `[]` when Asterisk has no endpoints; 503 `pbx_unavailable` while it starts or stops.
//!     let list = ami::list("PJSIPShowEndpoints", &[])?;
//!     let names: Vec<&str> = list.events.iter().filter_map(|e| ami::field(e, "ObjectName")).collect();
//!     Response::json(&names)
//! }
//! ```
//!
//! [`classify`] names what a `Failed` message means ([`AmiFailure`]), for a plugin that answers in
//! its own error format.
//!
//! # Errors as HTTP
//!
//! | error | status, code | meaning |
//! |-------|--------------|---------|
//! | `Denied` | 403 `ami_denied` | the action is not in the mount's `grants.ami` |
//! | `NotConnected` | 503 `pbx_unavailable` | no PBX link now; nothing was sent |
//! | `Failed`: shutting down, unknown action | 503 `pbx_unavailable` | the PBX is stopping, or starting (or the module behind the action is not loaded): ask again later |
//! | `Failed`: anything else | 502 `ami_failed` | Asterisk ran the action and refused it; the message is Asterisk's |
//! | `ConnectionLost` | 502 `pbx_connection_lost` | the link dropped mid-action; it may have run |
//! | `Invalid` | 400 `ami_invalid` | CR/LF or an over-long value, refused before sending |
//! | `Timeout` | 504 `pbx_timeout` | no answer within the host's action timeout |
//!
//! A PBX that is starting or stopping is 503, not 502: it is the same condition as no link at all
//! (come back later), not a gateway answering wrongly.
//!
//! Off wasm there is no host: [`send`], [`list`], [`command`] and [`info`] answer what the test's
//! [`testing::Host`](crate::testing::Host) scripted; the classification functions are plain code.

pub use crate::bindings::switchboard::pbx::ami::{ActionResult, Error as AmiError, PbxInfo, SipDriver};
#[cfg(target_family = "wasm")]
use crate::bindings::switchboard::pbx::ami as wit;

/// Natively the AMI calls go to the installed [`testing::Host`](crate::testing::Host).
#[cfg(not(target_family = "wasm"))]
mod wit {
    pub(super) use crate::testing::{ami_command as command, ami_info as info, ami_send as send};
}

/// Sends action `name` with `headers` (in order) and returns its whole answer; list actions come
/// back with their events and closing event collected. Every `Response: Error` is
/// [`AmiError::Failed`]; for list actions use [`list`].
pub fn send(name: &str, headers: &[(&str, &str)]) -> Result<ActionResult, AmiError> {
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    wit::send(name, &headers)
}

/// Sends list action `name` like [`send`], but Asterisk's own answer for "nothing to list" (see
/// [`is_empty_list_answer`]) is `Ok` with no events and no closing event (its `response` then
/// holds `Response: Error` and Asterisk's `Message`). Every other `Response: Error` stays
/// [`AmiError::Failed`].
pub fn list(name: &str, headers: &[(&str, &str)]) -> Result<ActionResult, AmiError> {
    match send(name, headers) {
        Err(AmiError::Failed(message)) if is_empty_list_answer(name, &message) => {
            Ok(ActionResult { response: vec![("Response".into(), "Error".into()), ("Message".into(), message)], events: Vec::new(), complete: None })
        }
        other => other,
    }
}

/// Runs a CLI command (needs `Command`, or a `Command <pattern>` entry the command matches, in
/// `grants.ami`) and returns its output lines.
pub fn command(command: &str) -> Result<Vec<String>, AmiError> {
    wit::command(command)
}

/// The PBX's version and SIP driver.
pub fn info() -> Result<PbxInfo, AmiError> {
    wit::info()
}

/// The first value of `key` in an AMI message's fields (ASCII case-insensitive, as in Asterisk).
pub fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

/// Host and port a PJSIP contact (a `ContactList` or `ContactStatusDetail` event's fields) is
/// reached at: its `ViaAddr`/`ViaPort` when the phone registered through them, else the contact
/// URI's host part (port 5060 when the URI names none). What chan_sip's peer listings showed as
/// a peer's address, for APIs that still answer in that shape.
pub fn contact_address(contact: &[(String, String)]) -> (String, String) {
    let via = field(contact, "ViaAddr").unwrap_or_default();
    let via_port = field(contact, "ViaPort").unwrap_or("0");
    if !via.is_empty() && via_port != "0" {
        return (via.to_string(), via_port.to_string());
    }
    let uri = field(contact, "Uri").unwrap_or_default();
    let rest = uri.strip_prefix("sips:").or_else(|| uri.strip_prefix("sip:")).unwrap_or(uri);
    let hostport = rest.rsplit('@').next().unwrap_or_default().split(';').next().unwrap_or_default();
    match hostport.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => (host.to_string(), port.to_string()),
        _ => (hostport.to_string(), "5060".to_string()),
    }
}

/// What a `Response: Error` ([`AmiError::Failed`]) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmiFailure {
    /// Asterisk's own answer for a list with nothing in it (`No endpoints found` to
    /// `PJSIPShowEndpoints`): the list is empty.
    EmptyList,
    /// `Asterisk is shutting down`: Asterisk refuses every action, even `Ping`, until it is gone.
    ShuttingDown,
    /// `Invalid/unknown command: <action>. …`: no loaded module offers the action. Asterisk opens
    /// its manager port before it loads modules, so this is what a starting PBX answers to
    /// `PJSIPShowEndpoints`, `QueueStatus`, `DeviceStateList`…; also what a PBX without that
    /// module answers for good.
    NotLoaded,
    /// Any other error: Asterisk ran the action and refused it (`No such channel`,
    /// `Permission denied`, …).
    Refused,
}

impl AmiFailure {
    /// Whether the PBX could not answer now (shutting down, starting): ask again later.
    pub fn is_pbx_unavailable(self) -> bool {
        matches!(self, AmiFailure::ShuttingDown | AmiFailure::NotLoaded)
    }
}

/// Asterisk's answers, per list action, that mean "nothing to list" (Asterisk 22). Each is an
/// `astman_send_error` in the module that registers the action; several carry a trailing newline
/// on the wire, which the comparison ignores.
const EMPTY_LIST_ANSWERS: &[(&str, &str)] = &[
    ("PJSIPShowEndpoints", "No endpoints found"),
    ("PJSIPShowContacts", "No Contacts found"),
    ("PJSIPShowAors", "No AORs found"),
    ("PJSIPShowAuths", "No Auths found"),
    ("ExtensionStateList", "No dialplan hints are available"),
    ("DBGetTree", "Database entry not found"),
];

/// Whether `message`, a `Response: Error` to list action `action`, is Asterisk's own way of saying
/// the list is empty. Action names compare as Asterisk compares them (ASCII case-insensitive);
/// the message must be the whole answer (surrounding whitespace aside).
///
/// | action | empty-list answer |
/// |--------|-------------------|
/// | `PJSIPShowEndpoints` | `No endpoints found` |
/// | `PJSIPShowContacts` | `No Contacts found` |
/// | `PJSIPShowAors` | `No AORs found` |
/// | `PJSIPShowAuths` | `No Auths found` |
/// | `ExtensionStateList` | `No dialplan hints are available` |
/// | `DBGetTree` | `Database entry not found` |
///
/// Other list actions (`Status`, `CoreShowChannels`, `QueueStatus`, `DeviceStateList`,
/// `ParkedCalls`, `SIPpeers`, …) answer an empty list as a list with no items, never as an error.
pub fn is_empty_list_answer(action: &str, message: &str) -> bool {
    let message = message.trim();
    EMPTY_LIST_ANSWERS.iter().any(|(a, m)| a.eq_ignore_ascii_case(action.trim()) && m.eq_ignore_ascii_case(message))
}

/// What Asterisk's `message` (the text of [`AmiError::Failed`]) means as the answer to `action`.
pub fn classify(action: &str, message: &str) -> AmiFailure {
    if is_empty_list_answer(action, message) {
        return AmiFailure::EmptyList;
    }
    unavailable(message).unwrap_or(AmiFailure::Refused)
}

/// [`AmiFailure::ShuttingDown`] or [`AmiFailure::NotLoaded`] when `message` says so, whatever the
/// action: these two answers come from Asterisk's manager core, before any action runs.
fn unavailable(message: &str) -> Option<AmiFailure> {
    let message = message.trim();
    if message.eq_ignore_ascii_case("Asterisk is shutting down") {
        Some(AmiFailure::ShuttingDown)
    } else if message.get(..24).is_some_and(|p| p.eq_ignore_ascii_case("Invalid/unknown command:")) {
        Some(AmiFailure::NotLoaded)
    } else {
        None
    }
}

/// The action named in an `Invalid/unknown command: <action>. …` answer.
fn unknown_action(message: &str) -> &str {
    let rest = message.trim().get(24..).unwrap_or_default().trim_start();
    rest.split(". Use Action").next().unwrap_or(rest).trim_end_matches('.')
}

impl From<AmiError> for crate::Error {
    fn from(error: AmiError) -> Self {
        match error {
            AmiError::Denied(why) => crate::Error::new(403, "ami_denied", why),
            AmiError::NotConnected => crate::Error::new(503, "pbx_unavailable", "not connected to the PBX"),
            AmiError::ConnectionLost => {
                crate::Error::new(502, "pbx_connection_lost", "the connection to the PBX was lost; the action may have run")
            }
            AmiError::Failed(message) => match unavailable(&message) {
                Some(AmiFailure::ShuttingDown) => crate::Error::new(503, "pbx_unavailable", "the PBX is shutting down"),
                Some(_) => crate::Error::new(
                    503,
                    "pbx_unavailable",
                    format!(
                        "the PBX does not offer `{}` now: it is still starting, or the module behind it is not loaded",
                        unknown_action(&message)
                    ),
                ),
                None => crate::Error::new(502, "ami_failed", message.trim().to_string()),
            },
            AmiError::Invalid(why) => crate::Error::new(400, "ami_invalid", why),
            AmiError::Timeout => crate::Error::new(504, "pbx_timeout", "the PBX did not answer in time"),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_contact_is_reached_at_its_via_address_else_its_uri_host() {
        let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let via = fields(&[("Uri", "sip:1001@10.0.0.5:5062"), ("ViaAddr", "192.0.2.7"), ("ViaPort", "5070")]);
        assert_eq!(super::contact_address(&via), ("192.0.2.7".into(), "5070".into()));
        let uri = fields(&[("Uri", "sip:1001@10.0.0.5:5062;ob"), ("ViaAddr", ""), ("ViaPort", "0")]);
        assert_eq!(super::contact_address(&uri), ("10.0.0.5".into(), "5062".into()));
        let no_port = fields(&[("Uri", "sips:1001@pbx.example.com")]);
        assert_eq!(super::contact_address(&no_port), ("pbx.example.com".into(), "5060".into()));
    }

    use super::*;

    const UNKNOWN: &str = "Invalid/unknown command: PJSIPShowEndpoints. Use Action: ListCommands to show available commands.";

    #[test]
    fn asterisks_empty_list_answers_are_empty_lists_only_for_their_action() {
        assert_eq!(classify("PJSIPShowEndpoints", "No endpoints found"), AmiFailure::EmptyList);
        // As res_pjsip writes it: with a newline, which the wire carries.
        assert_eq!(classify("PJSIPShowEndpoints", "No endpoints found\n"), AmiFailure::EmptyList);
        assert_eq!(classify("pjsipshowcontacts", "No Contacts found"), AmiFailure::EmptyList);
        assert_eq!(classify("PJSIPShowAors", "No AORs found"), AmiFailure::EmptyList);
        assert_eq!(classify("PJSIPShowAuths", "No Auths found"), AmiFailure::EmptyList);
        assert_eq!(classify("ExtensionStateList", "No dialplan hints are available"), AmiFailure::EmptyList);
        assert_eq!(classify("DBGetTree", "Database entry not found"), AmiFailure::EmptyList);
        // The same words to another action are a refusal.
        assert_eq!(classify("PJSIPShowContacts", "No endpoints found"), AmiFailure::Refused);
        assert_eq!(classify("DBDel", "Database entry not found"), AmiFailure::Refused);
        // Only the whole answer counts.
        assert_eq!(classify("PJSIPShowEndpoints", "No endpoints found, and the database is broken"), AmiFailure::Refused);
        assert!(!is_empty_list_answer("PJSIPShowEndpoints", ""));
    }

    #[test]
    fn shutting_down_and_unknown_actions_mean_the_pbx_is_unavailable() {
        assert_eq!(classify("PJSIPShowEndpoints", "Asterisk is shutting down"), AmiFailure::ShuttingDown);
        assert_eq!(classify("Ping", "Asterisk is shutting down"), AmiFailure::ShuttingDown);
        assert_eq!(classify("PJSIPShowEndpoints", UNKNOWN), AmiFailure::NotLoaded);
        assert_eq!(classify("QueueStatus", "Invalid/unknown command: QueueStatus. Use Action: ListCommands to show available commands."), AmiFailure::NotLoaded);
        assert!(AmiFailure::ShuttingDown.is_pbx_unavailable());
        assert!(AmiFailure::NotLoaded.is_pbx_unavailable());
        assert!(!AmiFailure::EmptyList.is_pbx_unavailable());
        assert!(!AmiFailure::Refused.is_pbx_unavailable());
    }

    #[test]
    fn every_other_error_is_a_refusal() {
        for m in ["No such channel", "Permission denied", "Originate failed", "Module not loaded", "", "Invalid/unknown"] {
            assert_eq!(classify("Status", m), AmiFailure::Refused, "{m:?}");
        }
    }

    #[test]
    fn errors_convert_to_http_statuses() {
        let http = |e: AmiError| {
            let e = crate::Error::from(e);
            (e.status(), e.code().to_string(), e.message().to_string())
        };
        assert_eq!(http(AmiError::Failed("Asterisk is shutting down".into())), (503, "pbx_unavailable".into(), "the PBX is shutting down".into()));
        let (status, code, message) = http(AmiError::Failed(UNKNOWN.into()));
        assert_eq!((status, code.as_str()), (503, "pbx_unavailable"));
        assert!(message.contains("`PJSIPShowEndpoints`"), "{message}");
        assert_eq!(http(AmiError::Failed("No such channel".into())), (502, "ami_failed".into(), "No such channel".into()));
        assert_eq!(http(AmiError::NotConnected).0, 503);
        assert_eq!(http(AmiError::Timeout).0, 504);
        assert_eq!(http(AmiError::Denied("x".into())).0, 403);
    }
}
