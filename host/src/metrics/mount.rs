//! One mount's figures: counted on the request path with relaxed atomics (no lock, no label
//! look-up: the mount's context holds its [`MountMetrics`]), labelled only when a scrape encodes
//! them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::histogram::{Histogram, REQUEST_BOUNDS_NS};

/// A capability the capability layer refused a plugin, by the `grants` key that would lend it
/// (the `capability` label of `switchboard_capability_denials_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// `grants.ami`: an action not granted, or one only the host sends.
    Ami,
    /// `grants.apply_changes`.
    ApplyChanges,
    /// `grants.events`: the bus or the mount's stream.
    Events,
    /// `grants.outbound_http`: a destination not granted.
    OutboundHttp,
    /// `grants.pbx_control`: a command not granted.
    PbxControl,
    /// `grants.sqlite`: a database not granted, or a statement its access refuses.
    Sqlite,
    /// `grants.system`.
    System,
}

impl Denial {
    /// Every kind, in label order.
    pub const ALL: [Denial; 7] =
        [Denial::Ami, Denial::ApplyChanges, Denial::Events, Denial::OutboundHttp, Denial::PbxControl, Denial::Sqlite, Denial::System];

    /// The label value: the grant's key in `[[mount]] grants`.
    pub fn label(self) -> &'static str {
        match self {
            Denial::Ami => "ami",
            Denial::ApplyChanges => "apply_changes",
            Denial::Events => "events",
            Denial::OutboundHttp => "outbound_http",
            Denial::PbxControl => "pbx_control",
            Denial::Sqlite => "sqlite",
            Denial::System => "system",
        }
    }
}

/// Why the gate turned a request away with 503 (the `reason` label of
/// `switchboard_http_overloaded_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    /// The mount's queue was full.
    QueueFull,
    /// It waited `queue_timeout_ms` without a slot freeing up.
    QueueTimeout,
}

impl Overload {
    pub(super) const ALL: [Overload; 2] = [Overload::QueueFull, Overload::QueueTimeout];

    pub(super) fn label(self) -> &'static str {
        match self {
            Overload::QueueFull => "queue_full",
            Overload::QueueTimeout => "queue_timeout",
        }
    }
}

/// Status class labels, index = first digit - 1.
pub(super) const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// One mount's counters, the same value for its route across hot swaps (see
/// [`super::Metrics::mount`]).
#[derive(Debug)]
pub struct MountMetrics {
    pub(super) route: Arc<str>,
    /// The plugin most recently mounted on the route: the `plugin` label.
    pub(super) plugin: Mutex<Arc<str>>,
    pub(super) responses: [AtomicU64; 5],
    pub(super) abandoned: AtomicU64,
    pub(super) in_flight: AtomicU64,
    pub(super) latency: Histogram,
    pub(super) queue_wait: Histogram,
    pub(super) overloaded: [AtomicU64; 2],
    pub(super) instantiations: AtomicU64,
    pub(super) reuse_hits: AtomicU64,
    pub(super) traps: AtomicU64,
    pub(super) timeouts: AtomicU64,
    pub(super) memory_refusals: AtomicU64,
    pub(super) memory_high_water: AtomicU64,
    pub(super) denials: [AtomicU64; Denial::ALL.len()],
}

/// What the admin API shows of a mount's counters (`MountStatus.counters`, without
/// `idle_instances`, which the mount's warm pool knows: `WarmPool::idle_count`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MountCounters {
    /// Requests answered (any status; the client may still be reading a streamed body).
    pub requests: u64,
    /// Requests admitted or queued whose response head has not gone out yet.
    pub in_flight: u64,
    /// Requests answered with a 5xx status (plugin failures, overload 503s, the plugin's own 5xx).
    pub errors_5xx: u64,
    /// Fresh plugin instances started for requests.
    pub instantiations: u64,
    /// Requests served by a warm instance.
    pub reuse_hits: u64,
    /// Runs (requests and event batches) that trapped: a panic, a stack overflow, a bad operation.
    pub traps: u64,
    /// Runs that passed their deadline.
    pub timeouts: u64,
}

impl MountMetrics {
    pub(super) fn new(route: &str, plugin: &str) -> Self {
        MountMetrics {
            route: route.into(),
            plugin: Mutex::new(plugin.into()),
            responses: Default::default(),
            abandoned: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            latency: Histogram::new(REQUEST_BOUNDS_NS),
            queue_wait: Histogram::new(REQUEST_BOUNDS_NS),
            overloaded: Default::default(),
            instantiations: AtomicU64::new(0),
            reuse_hits: AtomicU64::new(0),
            traps: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            memory_refusals: AtomicU64::new(0),
            memory_high_water: AtomicU64::new(0),
            denials: Default::default(),
        }
    }

    /// The route these counters belong to.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The plugin label: the plugin most recently mounted on the route.
    pub fn plugin(&self) -> Arc<str> {
        self.plugin.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The counters the admin API shows.
    pub fn snapshot(&self) -> MountCounters {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        MountCounters {
            requests: self.responses.iter().map(load).sum(),
            in_flight: load(&self.in_flight),
            errors_5xx: load(&self.responses[4]),
            instantiations: load(&self.instantiations),
            reuse_hits: load(&self.reuse_hits),
            traps: load(&self.traps),
            timeouts: load(&self.timeouts),
        }
    }

    /// A request routed to this mount starts: in flight until [`Tracked::answered`] or until it
    /// is dropped (the client went away first: counted as abandoned).
    pub fn request(&self) -> Tracked<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Tracked { metrics: self, started: Instant::now(), answered: false }
    }

    /// A request waited `waited` in the mount's queue (admitted or not).
    pub fn queued(&self, waited: Duration) {
        self.queue_wait.observe(waited);
    }

    /// The gate answered 503.
    pub fn overloaded(&self, why: Overload) {
        self.overloaded[why as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A fresh instance was started for a request.
    pub fn instantiated(&self) {
        self.instantiations.fetch_add(1, Ordering::Relaxed);
    }

    /// A request found a warm instance.
    pub fn reused(&self) {
        self.reuse_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// A run (request or event batch) trapped.
    pub fn trapped(&self) {
        self.traps.fetch_add(1, Ordering::Relaxed);
    }

    /// A run passed its deadline.
    pub fn timed_out(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// A run failed because its memory (or table) growth was refused by the mount's limit.
    pub fn memory_refused(&self) {
        self.memory_refusals.fetch_add(1, Ordering::Relaxed);
    }

    /// An instance's linear memory has reached `bytes` (its largest so far).
    pub fn memory_seen(&self, bytes: usize) {
        let bytes = bytes as u64;
        // Read first: the common case (no new high) then writes nothing, and the cache line stays
        // shared between the cores.
        if bytes > self.memory_high_water.load(Ordering::Relaxed) {
            self.memory_high_water.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// The capability layer refused the plugin `capability`.
    pub fn denied(&self, capability: Denial) {
        self.denials[capability as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// A request in flight on a mount (see [`MountMetrics::request`]).
#[must_use = "a request is counted when it is answered"]
pub struct Tracked<'a> {
    metrics: &'a MountMetrics,
    started: Instant,
    answered: bool,
}

impl Tracked<'_> {
    /// The response head with `status` is going out: counted by status class, its latency
    /// observed.
    pub fn answered(mut self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.metrics.responses[class].fetch_add(1, Ordering::Relaxed);
        self.metrics.latency.observe(self.started.elapsed());
        self.answered = true;
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        if !self.answered {
            self.metrics.abandoned.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_counts_by_class_and_leaves_flight() {
        let m = MountMetrics::new("/x", "p");
        let one = m.request();
        assert_eq!(m.snapshot().in_flight, 1);
        one.answered(503);
        drop(m.request()); // the client went away
        m.request().answered(204);
        let s = m.snapshot();
        assert_eq!((s.requests, s.errors_5xx, s.in_flight), (2, 1, 0));
        assert_eq!(m.abandoned.load(Ordering::Relaxed), 1);
        m.memory_seen(10);
        m.memory_seen(5);
        assert_eq!(m.memory_high_water.load(Ordering::Relaxed), 10);
    }
}

/// What counting costs a request: `cargo test --release -p switchboard --lib metrics::mount::cost
/// -- --ignored --nocapture`. Measured, not asserted (the machine's load decides the figure).
#[cfg(test)]
mod cost {
    use super::*;

    #[test]
    #[ignore = "a measurement: run it by name"]
    fn counting_one_request() {
        let metrics = Arc::new(MountMetrics::new("/x", "p"));
        for threads in [1, 2] {
            let requests = 5_000_000u32;
            let started = Instant::now();
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let metrics = metrics.clone();
                    // What the request path does for a warm request: in flight, a reuse hit, the
                    // memory high-water check, the answer (status class and latency).
                    std::thread::spawn(move || {
                        for _ in 0..requests {
                            let tracked = metrics.request();
                            metrics.reused();
                            metrics.memory_seen(1 << 20);
                            tracked.answered(200);
                        }
                    })
                })
                .collect();
            workers.into_iter().for_each(|w| w.join().unwrap());
            let each = started.elapsed().as_nanos() as f64 / f64::from(requests);
            println!("{threads} thread(s) counting into one mount: {each:.0} ns per request");
        }
    }
}
