//! The event bus: every PBX event, numbered, in a bounded ring that plugins long-poll.
//!
//! The semantics are those of the Axeos `/events` API, so a flavor plugin can expose
//! the bus as-is:
//! - Sequence numbers are a `u64` that starts at 0 when the host starts; readers pass the last
//!   number they saw and get what came after.
//! - The ring holds `capacity` events. When it is full the oldest is dropped (**overflow**): a reader
//!   that falls behind sees its next event with `seq > last + 1`.
//! - If the ring overflows while nobody has polled for `reset_after`, gathering stops and the ring
//!   is emptied (**reset**) instead of churning for no reader; the next poll turns gathering on again
//!   and numbering restarts at 0.
//! - A `last` greater than anything issued (the host restarted, or the bus was reset) is answered
//!   from the oldest event, which is how a reader learns that numbering started over.
//! - Without `last`, a poll returns the newest `limit` events (so `limit=1` gives a starting point
//!   without replaying the past), or waits for the next one.
//! - After the AMI link comes back, a `SwitchboardGap` event marks that events may have been missed.
//!
//! The ring itself ([`SeqRing`]) is shared with each mount's own event stream ([`stream`]).

mod ring;
pub mod stream;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

pub use self::ring::{BusConfig, Cursor, RingStats, SeqRing, Sequenced, Wait};
pub use self::stream::{EventStream, StreamItem};

use crate::ami::{EventSink, Message};

/// The name of the marker event published after the AMI link comes back.
pub const GAP_EVENT: &str = "SwitchboardGap";

/// Now, as the bus and streams write timestamps: RFC 3339 UTC with milliseconds.
pub fn timestamp_now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// One event on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusEvent {
    /// Sequence number.
    pub seq: u64,
    /// When the host received it, RFC 3339 UTC with milliseconds.
    pub timestamp: String,
    /// The AMI event name (`Newchannel`, `Hangup`, …) or a Switchboard event name.
    pub name: String,
    /// The event's fields in order, `Event:` itself left out.
    pub fields: Vec<(String, String)>,
}

impl Sequenced for BusEvent {
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// The bus. Cheap to share behind an `Arc`.
pub struct EventBus {
    ring: SeqRing<BusEvent>,
    /// [`GAP_EVENT`]s published.
    gaps: AtomicU64,
}

/// What the bus holds and has dropped, for the host's metrics (`switchboard_event_bus_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BusStats {
    /// Events held now.
    pub depth: usize,
    /// Events held at most.
    pub capacity: usize,
    /// Events dropped because the bus was full (the oldest went).
    pub overflowed: u64,
    /// Events dropped by a reset (no reader polled for `reset_after`).
    pub discarded: u64,
    /// [`GAP_EVENT`]s published: the AMI link came back, and events in between were lost.
    pub gaps: u64,
}

/// What a poll asks for.
#[derive(Debug, Clone, Default)]
pub struct Poll {
    /// The last sequence number the caller has, if any.
    pub last: Option<u64>,
    /// How long to wait for events when there are none (zero: answer at once).
    pub timeout: Duration,
    /// Most events to return (0 means the bus capacity).
    pub limit: usize,
    /// Event names to return; empty means all.
    pub filter: Vec<String>,
}

impl EventBus {
    /// An empty bus, gathering.
    pub fn new(config: BusConfig) -> Arc<Self> {
        Arc::new(EventBus { ring: SeqRing::new(config), gaps: AtomicU64::new(0) })
    }

    /// Adds an event; returns its sequence number, or `None` while gathering is off.
    pub fn publish(&self, name: &str, fields: Vec<(String, String)>) -> Option<u64> {
        let timestamp = timestamp_now();
        self.ring.push_all([(timestamp, fields)], |seq, (timestamp, fields)| BusEvent { seq, timestamp, name: name.to_string(), fields })
    }

    /// Long-polls the bus (see the module docs for the rules).
    pub async fn poll(&self, request: &Poll) -> Vec<Arc<BusEvent>> {
        let wait = Wait { last: request.last, timeout: request.timeout, limit: request.limit };
        self.ring.poll(wait, |e| matches_filter(&request.filter, e)).await
    }

    /// Long-polls every event from `cursor` on, for a consumer that tracks its own position (the
    /// mounts' event handlers). `wait.last` is ignored.
    pub async fn poll_at(&self, cursor: Cursor, wait: Wait) -> Vec<Arc<BusEvent>> {
        self.ring.poll_at(cursor, wait, |_| true).await
    }

    /// The next sequence number to be issued.
    pub fn next_seq(&self) -> u64 {
        self.ring.next_seq()
    }

    /// What it holds and has dropped so far.
    pub fn stats(&self) -> BusStats {
        let ring = self.ring.stats();
        BusStats {
            depth: ring.depth,
            capacity: ring.capacity,
            overflowed: ring.overflowed,
            discarded: ring.discarded,
            gaps: self.gaps.load(Ordering::Relaxed),
        }
    }
}

/// Whether `event` is one of the names in `filter` (all, when it is empty).
fn matches_filter(filter: &[String], event: &BusEvent) -> bool {
    filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(&event.name))
}

impl EventSink for EventBus {
    fn event(&self, event: Message) {
        let mut fields = event.into_fields();
        let name = match fields.iter().position(|(k, _)| k.eq_ignore_ascii_case("Event")) {
            Some(i) => fields.remove(i).1,
            None => return,
        };
        self.publish(&name, fields);
    }

    fn reconnected(&self, downtime: Duration) {
        let fields = vec![
            ("Reason".to_string(), "ami-reconnected".to_string()),
            ("DowntimeMs".to_string(), downtime.as_millis().to_string()),
        ];
        self.gaps.fetch_add(1, Ordering::Relaxed);
        self.publish(GAP_EVENT, fields);
    }
}
