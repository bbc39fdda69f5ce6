//! Warm instances: a mount's plugin instances kept between requests, so a request that finds one
//! skips the store set-up, the instantiation and the guest's start-up (about two thirds of what a
//! small plugin request cost with a fresh instance each time; see the README's "Instance reuse").
//!
//! A mount's `limits.reuse` says how many requests one instance may serve; 1 means a fresh instance
//! per request. An instance goes back to its mount's idle list only if its request ended cleanly:
//! - the guest returned (no trap, no deadline, no refused memory growth) and answered;
//! - it holds no host resource at all: no SQL connection (which would pin a pooled connection, and
//!   maybe an open transaction, while the instance sits idle), no body or stream (which may belong
//!   to the finished request's client, whose response would then never end), no file;
//! - it has served fewer than `reuse` requests.
//!
//! The resource rule is strict on purpose: a guest whose C library keeps its standard streams or
//! preopened directories open after first use is simply not reused after such a request.
//!
//! Otherwise it is dropped, and the next request gets a fresh one. What never crosses a mount:
//! every instance's store carries its own mount's context (grants, settings, limits), so a warm
//! instance can only ever serve the mount that created it.
//!
//! Pool slots: an instance is created only when the idle list is empty, so a mount's live
//! instances (busy plus idle) never outnumber its `max_concurrent`, the share of the pooling
//! allocator it was sized for.
//!
//! Idle eviction: an instance idle for the mount's `limits.idle_timeout` is dropped by
//! [`evict_idle`], which hands its pooling-allocator slot back (its memory beyond the slot's
//! kept-resident part goes back to the kernel), so a mount that went quiet stops holding the pages
//! its busy hour touched. Requests take the most recently returned instance, so under light load the
//! oldest ones are the ones left idle, and the idle list shrinks to what the load needs.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::Proxy;

use super::instance::InstanceState;

/// One instance and its store, between requests.
pub(super) struct Warm {
    pub store: Store<InstanceState>,
    pub proxy: Proxy,
    /// Requests served so far.
    pub uses: u32,
}

/// An instance on the idle list, and since when.
struct Idle {
    warm: Warm,
    since: Instant,
}

/// A mount's idle instances.
pub struct WarmPool {
    /// Oldest first: instances are returned at the back and taken from the back.
    idle: Mutex<VecDeque<Idle>>,
    max_uses: u32,
    idle_timeout: Duration,
    /// Set when the mount's version left the live table (`crate::control`): its idle instances
    /// are dropped at once and the ones still busy are not kept, so a replaced plugin gives its
    /// pool slots back as soon as its last request ends.
    retired: AtomicBool,
}

impl WarmPool {
    /// A pool whose instances serve at most `max_uses` requests each (1: no reuse) and are dropped
    /// after `idle_timeout` on the idle list.
    pub fn new(max_uses: u32, idle_timeout: Duration) -> Self {
        WarmPool { idle: Mutex::new(VecDeque::new()), max_uses: max_uses.max(1), idle_timeout, retired: AtomicBool::new(false) }
    }

    /// Drops every idle instance and keeps none from now on: the mount's version was replaced
    /// or removed, and its requests still running finish on instances that are then let go.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::Release);
        let drained: Vec<Idle> = self.lock().drain(..).collect();
        drop(drained);
    }

    /// Instances waiting on the idle list now (for the health endpoint and the admin's figures).
    pub fn idle_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Idle>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops the instances idle for `idle_timeout` or longer at `now`, oldest first; returns how
    /// many went, and when the oldest one left will be due (`None`: the list is empty).
    ///
    /// Each instance is dropped with the list locked, one at a time: its pool slot is free before a
    /// request can find the list short of it and start a new instance, so the mount's live
    /// instances never outnumber its slots, even for a moment, and a request that arrives meanwhile
    /// waits at most one drop (tens of microseconds) for the lock rather than failing for want of a
    /// slot.
    pub fn evict_expired(&self, now: Instant) -> (usize, Option<Instant>) {
        let mut evicted = 0;
        loop {
            let mut idle = self.lock();
            match idle.front() {
                Some(oldest) if oldest.since + self.idle_timeout <= now => {
                    drop(idle.pop_front());
                    evicted += 1;
                }
                Some(oldest) => return (evicted, Some(oldest.since + self.idle_timeout)),
                None => return (evicted, None),
            }
        }
    }

    /// Whether this pool keeps instances at all.
    fn reuses(&self) -> bool {
        self.max_uses > 1
    }

    /// The most recently returned idle instance (its memory is likeliest still in cache).
    pub(super) fn take(&self) -> Option<Warm> {
        if !self.reuses() {
            return None;
        }
        self.lock().pop_back().map(|idle| idle.warm)
    }

    /// Keeps `warm` for a later request if it may serve another one (see the module's rules);
    /// drops it otherwise. The caller gives back only an instance whose guest returned.
    pub(super) fn give_back(&self, mut warm: Warm) {
        if warm.uses >= self.max_uses || warm.store.data().limiter.denied || self.retired.load(Ordering::Acquire) {
            return;
        }
        let held = warm.store.data_mut().live_resources();
        if held > 0 {
            // Naming the kinds walks the resource table again: only when the line is logged.
            if tracing::enabled!(tracing::Level::DEBUG) {
                let kinds = warm.store.data_mut().held_kinds().join(", ");
                let state = warm.store.data();
                tracing::debug!(plugin = &*state.mount.plugin, route = &*state.mount.route, held, kinds,
                    "instance not reused: it still holds host resources after its request");
            }
            return;
        }
        self.lock().push_back(Idle { warm, since: Instant::now() });
    }
}

/// Evicts `pool`'s instances once they have been idle for its `idle_timeout`, until `shutdown`
/// turns true: one task per mount that reuses instances, asleep until the oldest idle instance is
/// due (or, with none idle, for one `idle_timeout`: any instance returned meanwhile is due later).
pub async fn evict_idle(pool: Arc<WarmPool>, route: Arc<str>, mut shutdown: watch::Receiver<bool>) {
    if !pool.reuses() {
        return;
    }
    loop {
        let (evicted, next) = pool.evict_expired(Instant::now());
        if evicted > 0 {
            tracing::debug!(route = &*route, evicted, idle = pool.idle_count(), "idle instances evicted");
        }
        let wake = next.unwrap_or_else(|| Instant::now() + pool.idle_timeout);
        tokio::select! {
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}
