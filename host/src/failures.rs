//! Recent plugin failures — traps, timeouts, memory-limit refusals, capability denials, overload
//! refusals — kept in memory for the admin console and `GET /admin/api/failures`.
//!
//! The log already has every one of them; this ring exists so an admin can see, without reading
//! logs, which plugin on which route failed lately and how. It is bounded ([`CAPACITY`]) and
//! lost on restart: it is a view of now, not a record (the log and the audit file are those).
//! Recording is one short lock per failure; nothing on the success path touches it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How many failures the ring keeps: enough for the console's page and an admin's look back over
/// a bad minute, small enough (a few hundred KiB at most) never to matter.
pub const CAPACITY: usize = 500;

/// The longest message kept, in bytes: a trap's message is a backtrace at worst.
const MAX_MESSAGE: usize = 2048;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// The plugin crashed: a panic, a stack overflow, an invalid operation.
    Trap,
    /// The plugin ran past its mount's deadline.
    Timeout,
    /// The plugin tried to grow its memory beyond its mount's `memory_mb`.
    Memory,
    /// The plugin called a capability its mount does not grant (or not with these arguments).
    Denied,
    /// A request was refused with 503 because the mount's queue was full or waited too long.
    Overloaded,
    /// The plugin ended without a usable response (no response set, a `wasi:http` error code, or
    /// the request could not be handed to it).
    Error,
}

/// One recorded failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// When, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// The mount's route.
    pub route: String,
    /// The plugin's name.
    pub plugin: String,
    /// What went wrong.
    pub kind: FailureKind,
    /// The host's description (the same text the log line and the client's error carry).
    pub message: String,
    /// The request's id (`X-Request-Id`), when it happened while serving one; `None` in an event
    /// handler.
    pub request_id: Option<String>,
}

/// The ring of recent failures. Cheap to share behind an `Arc`.
pub struct Failures {
    /// Each failure with when it was recorded on the monotonic clock (for [`Failures::failing`]).
    ring: Mutex<VecDeque<(Instant, Failure)>>,
    capacity: usize,
}

impl Default for Failures {
    fn default() -> Self {
        Failures::with_capacity(CAPACITY)
    }
}

impl Failures {
    /// An empty ring keeping the last `capacity` failures (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Failures { ring: Mutex::new(VecDeque::with_capacity(capacity.min(64))), capacity }
    }

    /// Records one failure of `plugin` on `route`; the oldest is dropped when the ring is full.
    pub fn record(&self, route: &str, plugin: &str, kind: FailureKind, message: &str, request_id: Option<&str>) {
        let failure = Failure {
            at: crate::events::timestamp_now(),
            route: route.to_string(),
            plugin: plugin.to_string(),
            kind,
            message: truncate(message),
            request_id: request_id.map(str::to_string),
        };
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        if ring.len() >= self.capacity {
            ring.pop_front();
        }
        ring.push_back((Instant::now(), failure));
    }

    /// The newest `limit` failures, newest first (`limit` 0: all that are kept).
    pub fn recent(&self, limit: usize) -> Vec<Failure> {
        let ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        let limit = if limit == 0 { ring.len() } else { limit };
        ring.iter().rev().take(limit).map(|(_, failure)| failure.clone()).collect()
    }

    /// Whether `route`'s plugin trapped or timed out within the last `within`: what a mount's
    /// `health: "failing"` means (the admin API uses one minute).
    pub fn failing(&self, route: &str, within: Duration) -> bool {
        let ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        ring.iter()
            .rev()
            .take_while(|(when, _)| when.elapsed() <= within)
            .any(|(_, f)| f.route == route && matches!(f.kind, FailureKind::Trap | FailureKind::Timeout))
    }
}

#[cfg(feature = "engine")]
impl From<&crate::runtime::PluginFailure> for FailureKind {
    fn from(failure: &crate::runtime::PluginFailure) -> Self {
        use crate::runtime::PluginFailure as F;
        match failure {
            F::Trap(_) => FailureKind::Trap,
            F::Timeout(_) => FailureKind::Timeout,
            F::MemoryLimit { .. } => FailureKind::Memory,
            F::NoResponse | F::ErrorCode(_) | F::Setup(_) => FailureKind::Error,
        }
    }
}

fn truncate(message: &str) -> String {
    if message.len() <= MAX_MESSAGE {
        return message.to_string();
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

/// Where one plugin instance reports capability denials: its mount, and the id of the request it is
/// serving. The outbound HTTP policy holds one, since `wasi:http` hands its hook nothing else of the
/// instance.
#[cfg(feature = "engine")]
#[derive(Clone)]
pub struct Reporter {
    mount: std::sync::Arc<crate::capabilities::MountContext>,
    /// The request being served (`X-Request-Id`), `None` in an event handler.
    pub request_id: Option<http::HeaderValue>,
}

#[cfg(feature = "engine")]
impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter").field("route", &self.mount.route).field("request_id", &self.request_id).finish()
    }
}

#[cfg(feature = "engine")]
impl Reporter {
    /// A reporter for `mount`'s instances.
    pub fn new(mount: std::sync::Arc<crate::capabilities::MountContext>) -> Self {
        Reporter { mount, request_id: None }
    }

    /// The plugin was refused `capability`, `why`: counted and recorded
    /// ([`crate::capabilities::MountContext::denied`]).
    pub fn denied(&self, capability: crate::metrics::Denial, why: &str) {
        self.mount.denied(capability, why, self.request_id.as_ref().and_then(|id| id.to_str().ok()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_first_and_drops_the_oldest() {
        let failures = Failures::with_capacity(3);
        for i in 0..5 {
            failures.record("/x", "p", FailureKind::Trap, &format!("n{i}"), Some("id"));
        }
        let recent: Vec<_> = failures.recent(0).into_iter().map(|f| f.message).collect();
        assert_eq!(recent, ["n4", "n3", "n2"]);
        assert_eq!(failures.recent(1)[0].message, "n4");
    }

    #[test]
    fn a_route_is_failing_after_a_recent_trap_or_timeout_only() {
        let failures = Failures::default();
        failures.record("/x", "p", FailureKind::Denied, "no", None);
        failures.record("/y", "q", FailureKind::Timeout, "slow", None);
        let minute = Duration::from_secs(60);
        assert!(!failures.failing("/x", minute), "a denial is the plugin's caller's problem, not its health");
        assert!(failures.failing("/y", minute));
    }

    #[test]
    fn serializes_as_the_api_says() {
        let failures = Failures::default();
        failures.record("/x", "p", FailureKind::Overloaded, "full", None);
        let json = serde_json::to_value(&failures.recent(1)[0]).unwrap();
        assert_eq!(json["kind"], "overloaded");
        assert_eq!(json["route"], "/x");
        assert!(json["request_id"].is_null());
        assert!(json["at"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_MESSAGE);
        let cut = truncate(&long);
        assert!(cut.len() <= MAX_MESSAGE + "…".len());
        assert!(cut.ends_with('…'));
    }
}
