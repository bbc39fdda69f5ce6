//! A mount's own event stream: the items its plugin publishes (its translation of PBX events),
//! numbered densely with the bus's rules, so clients of a translated API see `seq = last + 1`
//! unless something really was dropped.

use std::sync::Arc;
use std::time::Duration;

use super::ring::{BusConfig, SeqRing, Sequenced, Wait};

/// One published item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamItem {
    /// Sequence number, dense per stream.
    pub seq: u64,
    /// RFC 3339 UTC with milliseconds: the source event's time, or the time of publishing.
    pub timestamp: String,
    /// The plugin's payload, opaque to the host.
    pub data: String,
}

impl Sequenced for StreamItem {
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// One mount's stream. Cheap to share behind an `Arc`.
pub struct EventStream {
    ring: SeqRing<StreamItem>,
}

impl EventStream {
    /// An empty stream, gathering, sized like the bus (`[events]`).
    pub fn new(config: BusConfig) -> Arc<Self> {
        Arc::new(EventStream { ring: SeqRing::new(config) })
    }

    /// Appends `items` in order, all stamped `timestamp`; returns the last sequence number, or
    /// `None` while gathering is off (the stream was reset and nobody has polled since).
    pub fn publish(&self, timestamp: &str, items: Vec<String>) -> Option<u64> {
        self.ring.push_all(items, |seq, data| StreamItem { seq, timestamp: timestamp.to_string(), data })
    }

    /// Long-polls the stream: `last`, `timeout` and `limit` as for the bus.
    pub async fn poll(&self, last: Option<u64>, timeout: Duration, limit: usize) -> Vec<Arc<StreamItem>> {
        self.ring.poll(Wait { last, timeout, limit }, |_| true).await
    }

    /// The next sequence number to be issued.
    pub fn next_seq(&self) -> u64 {
        self.ring.next_seq()
    }
}
