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

use std::sync::Mutex;

use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::Proxy;

use super::state::RequestState;

/// One instance and its store, between requests.
pub(super) struct Warm {
    pub store: Store<RequestState>,
    pub proxy: Proxy,
    /// Requests served so far.
    pub uses: u32,
}

/// A mount's idle instances.
pub struct WarmPool {
    idle: Mutex<Vec<Warm>>,
    max_uses: u32,
}

impl WarmPool {
    /// A pool whose instances serve at most `max_uses` requests each (1: no reuse).
    pub fn new(max_uses: u32) -> Self {
        WarmPool { idle: Mutex::new(Vec::new()), max_uses: max_uses.max(1) }
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
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    /// Keeps `warm` for a later request if it may serve another one (see the module's rules);
    /// drops it otherwise. The caller gives back only an instance whose guest returned.
    pub(super) fn give_back(&self, mut warm: Warm) {
        if warm.uses >= self.max_uses || warm.store.data().limiter.denied {
            return;
        }
        let held = warm.store.data_mut().live_resources();
        if held > 0 {
            let state = warm.store.data();
            tracing::debug!(plugin = &*state.mount.plugin, route = &*state.mount.route, held,
                "instance not reused: it still holds host resources after its request");
            return;
        }
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(warm);
    }
}
