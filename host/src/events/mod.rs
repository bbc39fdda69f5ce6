//! The event bus: every PBX event, numbered, in a bounded ring that plugins long-poll.
//!
//! The semantics are those of the Axeos `/events` API (seed `004_…`), so a flavor plugin can expose
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
//! Waiting is a `tokio::sync::watch` subscription: a thousand pollers park no threads, and one
//! publish wakes them all.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use crate::ami::{EventSink, Message};

/// The name of the marker event published after the AMI link comes back.
pub const GAP_EVENT: &str = "SwitchboardGap";

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

/// Bus sizing.
#[derive(Debug, Clone, Copy)]
pub struct BusConfig {
    /// Events kept.
    pub capacity: usize,
    /// An overflow with no poll for this long resets the bus.
    pub reset_after: Duration,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig { capacity: 1000, reset_after: Duration::from_secs(300) }
    }
}

/// Where a read starts.
#[derive(Debug, Clone, Copy)]
enum Cursor {
    /// The newest events.
    Newest,
    /// Events after this sequence number (or all, if it is from before a restart or reset).
    After(u64),
    /// Events from this sequence number on.
    From(u64),
}

struct Ring {
    events: VecDeque<Arc<BusEvent>>,
    next_seq: u64,
    gathering: bool,
    last_poll: Instant,
}

/// The bus. Cheap to share behind an `Arc`.
pub struct EventBus {
    config: BusConfig,
    ring: Mutex<Ring>,
    /// The next sequence number to be issued; bumps wake the pollers.
    published: watch::Sender<u64>,
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
        let config = BusConfig { capacity: config.capacity.max(1), ..config };
        Arc::new(EventBus {
            config,
            ring: Mutex::new(Ring { events: VecDeque::with_capacity(config.capacity), next_seq: 0, gathering: true, last_poll: Instant::now() }),
            published: watch::channel(0).0,
        })
    }

    /// Adds an event; returns its sequence number, or `None` while gathering is off.
    pub fn publish(&self, name: &str, fields: Vec<(String, String)>) -> Option<u64> {
        let timestamp = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        if !ring.gathering {
            return None;
        }
        if ring.events.len() >= self.config.capacity {
            if ring.last_poll.elapsed() >= self.config.reset_after {
                // Nobody is reading: stop gathering until someone polls again.
                ring.events.clear();
                ring.gathering = false;
                ring.next_seq = 0;
                tracing::info!("event bus reset: it overflowed with no reader; gathering resumes at the next poll");
                return None;
            }
            ring.events.pop_front();
        }
        let seq = ring.next_seq;
        ring.next_seq += 1;
        ring.events.push_back(Arc::new(BusEvent { seq, timestamp, name: name.to_string(), fields }));
        drop(ring);
        self.published.send_replace(seq + 1);
        Some(seq)
    }

    /// Long-polls the bus (see the module docs for the rules).
    pub async fn poll(&self, request: &Poll) -> Vec<Arc<BusEvent>> {
        let limit = if request.limit == 0 { self.config.capacity } else { request.limit };
        let deadline = tokio::time::Instant::now() + request.timeout;
        let mut changes = self.published.subscribe();
        let cursor = match request.last {
            Some(last) => Cursor::After(last),
            None => {
                let newest = self.take(Cursor::Newest, limit, &request.filter);
                if !newest.is_empty() || request.timeout.is_zero() {
                    return newest;
                }
                // Nothing (matching) yet: wait for whatever is issued from now on.
                Cursor::From(self.next_seq())
            }
        };
        loop {
            changes.borrow_and_update();
            let found = self.take(cursor, limit, &request.filter);
            if !found.is_empty() {
                return found;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return Vec::new(),
            }
        }
    }

    /// Matching events at `cursor`, at most `limit`; counts as a read (gathering on, reset clock).
    fn take(&self, cursor: Cursor, limit: usize, filter: &[String]) -> Vec<Arc<BusEvent>> {
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        ring.last_poll = Instant::now();
        ring.gathering = true;
        let matches = |e: &&Arc<BusEvent>| filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(&e.name));
        let first = match cursor {
            Cursor::Newest => {
                let mut newest: Vec<_> = ring.events.iter().rev().filter(matches).take(limit).cloned().collect();
                newest.reverse();
                return newest;
            }
            // A `last` from before a restart or reset: everything we have is news.
            Cursor::After(last) if last >= ring.next_seq => 0,
            Cursor::After(last) => last + 1,
            // The bus was reset while this poll waited: numbering started over.
            Cursor::From(first) if first > ring.next_seq => 0,
            Cursor::From(first) => first,
        };
        ring.events.iter().filter(|e| e.seq >= first).filter(matches).take(limit).cloned().collect()
    }

    /// The next sequence number to be issued.
    pub fn next_seq(&self) -> u64 {
        self.ring.lock().unwrap_or_else(|p| p.into_inner()).next_seq
    }
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
        self.publish(GAP_EVENT, fields);
    }
}
