//! The numbered, bounded, long-polled ring behind both the PBX event bus and each mount's own
//! event stream: one implementation of the Axeos `/events` rules (see the `events` module docs),
//! whatever the items are.
//!
//! Waiting is a `tokio::sync::watch` subscription: a thousand pollers park no threads, and one
//! publish (of one item or a batch) wakes them all.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Ring sizing (the `[events]` section of the config).
#[derive(Debug, Clone, Copy)]
pub struct BusConfig {
    /// Items kept.
    pub capacity: usize,
    /// An overflow with no poll for this long resets the ring.
    pub reset_after: Duration,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig { capacity: 1000, reset_after: Duration::from_secs(300) }
    }
}

/// An item with a sequence number, which the ring assigns.
pub trait Sequenced {
    /// The item's sequence number.
    fn seq(&self) -> u64;
}

/// Where a read starts.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    /// The newest items.
    Newest,
    /// Items after this sequence number (or all, if it is from before a restart or reset).
    After(u64),
    /// Items from this sequence number on (or all, if the ring was reset since it was taken).
    From(u64),
}

struct Inner<T> {
    items: VecDeque<Arc<T>>,
    next_seq: u64,
    gathering: bool,
    last_poll: Instant,
    /// Items dropped because the ring was full (the oldest went).
    overflowed: u64,
    /// Items dropped by a reset (those held, and those pushed until the next poll).
    discarded: u64,
}

/// What a ring holds and has dropped, for the host's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RingStats {
    /// Items held now.
    pub depth: usize,
    /// Items held at most.
    pub capacity: usize,
    /// Items dropped because the ring was full (the oldest went).
    pub overflowed: u64,
    /// Items dropped by a reset: those held then, and those pushed until the next poll.
    pub discarded: u64,
}

/// A numbered ring of `T`. Cheap to share behind an `Arc`.
pub struct SeqRing<T> {
    config: BusConfig,
    inner: Mutex<Inner<T>>,
    /// The next sequence number to be issued; bumps wake the pollers.
    published: watch::Sender<u64>,
}

/// What a poll asks for, whatever the items.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wait {
    /// The last sequence number the caller has, if any.
    pub last: Option<u64>,
    /// How long to wait when there is nothing to return (zero: answer at once).
    pub timeout: Duration,
    /// Most items to return (0 means the capacity).
    pub limit: usize,
}

impl<T> SeqRing<T> {
    /// An empty ring, gathering.
    pub fn new(config: BusConfig) -> Self {
        let config = BusConfig { capacity: config.capacity.max(1), ..config };
        SeqRing {
            config,
            inner: Mutex::new(Inner {
                items: VecDeque::with_capacity(config.capacity.min(4096)),
                next_seq: 0,
                gathering: true,
                last_poll: Instant::now(),
                overflowed: 0,
                discarded: 0,
            }),
            published: watch::channel(0).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends one item built from its sequence number per element of `sources`, in order, under
    /// one lock and with one wake-up. Returns the last sequence number issued, or `None` when the
    /// ring is not gathering (it was reset and nobody has polled since): the rest are dropped.
    pub fn push_all<S>(&self, sources: impl IntoIterator<Item = S>, mut make: impl FnMut(u64, S) -> T) -> Option<u64> {
        let mut inner = self.lock();
        let mut last = None;
        let mut sources = sources.into_iter();
        while let Some(source) = sources.next() {
            if !inner.gathering {
                inner.discarded += 1 + sources.count() as u64;
                break;
            }
            if inner.items.len() >= self.config.capacity {
                if inner.last_poll.elapsed() >= self.config.reset_after {
                    // Nobody is reading: stop gathering until someone polls again.
                    inner.discarded += (inner.items.len() + 1 + sources.count()) as u64;
                    inner.items.clear();
                    inner.gathering = false;
                    inner.next_seq = 0;
                    last = None;
                    tracing::info!("event ring reset: it overflowed with no reader; gathering resumes at the next poll");
                    break;
                }
                inner.items.pop_front();
                inner.overflowed += 1;
            }
            let seq = inner.next_seq;
            inner.next_seq += 1;
            inner.items.push_back(Arc::new(make(seq, source)));
            last = Some(seq);
        }
        let next = inner.next_seq;
        drop(inner);
        if last.is_some() {
            self.published.send_replace(next);
        }
        last
    }

    /// The next sequence number to be issued.
    pub fn next_seq(&self) -> u64 {
        self.lock().next_seq
    }

    /// What it holds and has dropped so far.
    pub fn stats(&self) -> RingStats {
        let inner = self.lock();
        RingStats { depth: inner.items.len(), capacity: self.config.capacity, overflowed: inner.overflowed, discarded: inner.discarded }
    }
}

impl<T: Sequenced> SeqRing<T> {
    /// Long-polls for items that `matches` accepts (see the `events` module docs for the rules).
    pub async fn poll(&self, wait: Wait, matches: impl Fn(&T) -> bool) -> Vec<Arc<T>> {
        let cursor = match wait.last {
            Some(last) => Cursor::After(last),
            None => {
                let limit = self.limit(wait.limit);
                let newest = self.take(Cursor::Newest, limit, &matches);
                if !newest.is_empty() || wait.timeout.is_zero() {
                    return newest;
                }
                // Nothing (matching) yet: wait for whatever is issued from now on.
                Cursor::From(self.next_seq())
            }
        };
        self.poll_at(cursor, wait, matches).await
    }

    /// Long-polls from an explicit cursor (`wait.last` is ignored).
    pub async fn poll_at(&self, cursor: Cursor, wait: Wait, matches: impl Fn(&T) -> bool) -> Vec<Arc<T>> {
        let limit = self.limit(wait.limit);
        let deadline = tokio::time::Instant::now() + wait.timeout;
        let mut changes = self.published.subscribe();
        loop {
            changes.borrow_and_update();
            let found = self.take(cursor, limit, &matches);
            if !found.is_empty() {
                return found;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return Vec::new(),
            }
        }
    }

    fn limit(&self, limit: usize) -> usize {
        if limit == 0 { self.config.capacity } else { limit }
    }

    /// Matching items at `cursor`, at most `limit`; counts as a read (gathering on, reset clock).
    fn take(&self, cursor: Cursor, limit: usize, matches: &impl Fn(&T) -> bool) -> Vec<Arc<T>> {
        let mut inner = self.lock();
        inner.last_poll = Instant::now();
        inner.gathering = true;
        let first = match cursor {
            Cursor::Newest => {
                let mut newest: Vec<_> = inner.items.iter().rev().filter(|e| matches(e)).take(limit).cloned().collect();
                newest.reverse();
                return newest;
            }
            // A `last` from before a restart or reset: everything we have is news.
            Cursor::After(last) if last >= inner.next_seq => 0,
            Cursor::After(last) => last + 1,
            // The ring was reset while this poll waited: numbering started over.
            Cursor::From(first) if first > inner.next_seq => 0,
            Cursor::From(first) => first,
        };
        // Items are in sequence order, so skip straight to the first wanted one.
        let start = inner.items.front().map_or(0, |front| first.saturating_sub(front.seq()) as usize);
        inner.items.iter().skip(start).filter(|e| matches(e)).take(limit).cloned().collect()
    }
}
