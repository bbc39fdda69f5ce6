//! What every action handler works with: the AMI session it answers on, the [`Reply`] it gives,
//! and the helpers that write Asterisk's response and list messages.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;

use switchboard_ami_wire::Message;

use super::super::clock;
use super::super::event_format::{self, class};
use super::super::state::PbxRef;

/// One AMI connection.
pub struct Session {
    pub pbx: PbxRef,
    pub id: u64,
    pub authed: bool,
    pub username: String,
    pub mask: u32,
    pub challenge: Option<String>,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub connected: SystemTime,
}

impl Session {
    /// `0x7f04fc001720`-style session id of the security events.
    pub fn session_id(&self) -> String {
        format!("{:#x}", 0x7f04_fc00_0000u64 + self.id * 0x1720)
    }

    pub(super) fn addr(a: &SocketAddr) -> String {
        format!("{}/TCP/{}/{}", if a.is_ipv4() { "IPV4" } else { "IPV6" }, a.ip(), a.port())
    }

    /// A security event about this session (`SuccessfulAuth`, `RequestBadFormat`).
    pub(super) fn security_event(&self, name: &str, severity: &str) -> Message {
        event_format::event(name, class::SECURITY)
            .with("EventTV", clock::event_tv(SystemTime::now()))
            .with("Severity", severity)
            .with("Service", "AMI")
            .with("EventVersion", "1")
    }
}

/// What the session does after writing a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Continue,
    Close,
    /// `core stop`/`core restart`: the PBX goes away and comes straight back (every session is
    /// closed), then this session closes.
    Restart,
}

/// The messages answering one action.
pub struct Reply {
    pub messages: Vec<Message>,
    pub after: After,
    /// The session's event queue, from a successful Login.
    pub subscribe: Option<mpsc::Receiver<Arc<Message>>>,
}

impl Reply {
    /// One message.
    pub fn one(m: Message) -> Reply {
        Reply { messages: vec![m], after: After::Continue, subscribe: None }
    }

    /// Several messages.
    pub fn many(messages: Vec<Message>) -> Reply {
        Reply { messages, after: After::Continue, subscribe: None }
    }

    /// Messages, then the socket closes.
    pub fn close(messages: Vec<Message>) -> Reply {
        Reply { messages, after: After::Close, subscribe: None }
    }
}

/// The action's `ActionID`, if it has a non-empty one.
pub fn action_id(action: &Message) -> Option<&str> {
    action.get("ActionID").filter(|a| !a.is_empty())
}

/// A header's value, trimmed; empty when missing.
pub fn header<'a>(action: &'a Message, key: &str) -> &'a str {
    action.get(key).map(str::trim).unwrap_or("")
}

/// Asterisk's `ast_true`: a header that says yes (`Async: true`, `AllVariables: on`, `Paused: 1`).
pub fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "y" | "t" | "1" | "on")
}

/// `Response: kind` and the ActionID.
pub fn response(action: &Message, kind: &str) -> Message {
    let mut m = Message::new().with("Response", kind);
    if let Some(id) = action_id(action) {
        m.push("ActionID", id);
    }
    m
}

/// `astman_send_ack`.
pub fn ack(action: &Message, message: &str) -> Message {
    response(action, "Success").with("Message", message)
}

/// `astman_send_error`.
pub fn error(action: &Message, message: &str) -> Message {
    response(action, "Error").with("Message", message)
}

/// `astman_send_listack`: `EventList: start`.
pub fn list_start(action: &Message, message: &str) -> Message {
    response(action, "Success").with("EventList", "start").with("Message", message)
}

/// A list item event: `Event:` then the ActionID.
pub fn item(action: &Message, name: &str) -> Message {
    let mut m = Message::new().with("Event", name);
    if let Some(id) = action_id(action) {
        m.push("ActionID", id);
    }
    m
}

/// Appends the ActionID (list items that carry it last).
pub fn with_id(mut m: Message, action: &Message) -> Message {
    if let Some(id) = action_id(action) {
        m.push("ActionID", id);
    }
    m
}

/// `astman_send_list_complete_start`: `EventList: Complete`, `ListItems`.
pub fn list_complete(action: &Message, name: &str, items: usize) -> Message {
    item(action, name).with("EventList", "Complete").with("ListItems", items.to_string())
}
