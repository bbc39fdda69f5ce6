//! A histogram of fixed buckets kept in atomics, for the request path.
//!
//! prometheus-client's own `Histogram` takes a mutex on every observation; a mount's requests on
//! every core would queue on it. Here an observation is two relaxed atomic additions (its bucket
//! and the sum) and takes no lock; a scrape reads the buckets one by one, so a scrape that races
//! an observation may see it in the sum and not yet in its bucket, which Prometheus tolerates
//! (the next scrape agrees again).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::MetricEncoder;

/// Upper bounds of request latencies and queue waits, in nanoseconds: 100 µs to 30 s. A warm
/// `hello` answers in tens of microseconds, a plugin's deadline is seconds.
pub const REQUEST_BOUNDS_NS: &[u64] = &[
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
    30_000_000_000,
];

/// Upper bounds of AMI action round trips, in nanoseconds: 1 ms (a loopback `Ping`) to 30 s.
pub const ACTION_BOUNDS_NS: &[u64] = &[
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
    30_000_000_000,
];

/// Upper bounds of lock waits, in nanoseconds: 10 µs (uncontended) to 10 s (past SQLite's 5 s
/// busy timeout).
pub const WAIT_BOUNDS_NS: &[u64] =
    &[10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 5_000_000_000, 10_000_000_000];

/// Durations observed into fixed buckets.
#[derive(Debug)]
pub struct Histogram {
    /// Upper bounds in nanoseconds, ascending; a last bucket (`+Inf`) follows them.
    bounds: &'static [u64],
    /// Observations per bucket (not cumulative), one more than `bounds`.
    buckets: Box<[AtomicU64]>,
    /// Sum of the observations, in nanoseconds (584 years before it wraps).
    sum_ns: AtomicU64,
}

impl Histogram {
    /// An empty histogram with these upper bounds (nanoseconds, ascending).
    pub fn new(bounds: &'static [u64]) -> Self {
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]), "bounds must ascend");
        Histogram { bounds, buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(), sum_ns: AtomicU64::new(0) }
    }

    /// Counts one observation of `elapsed`.
    pub fn observe(&self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        // The first bucket whose bound is at least `ns` (Prometheus' `le`); past all: `+Inf`.
        let bucket = self.bounds.partition_point(|&bound| bound < ns);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// What it holds now.
    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            bounds: self.bounds,
            buckets: self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
        }
    }
}

/// A histogram's buckets and sum at one moment; several (of the same bounds) add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistogramSnapshot {
    bounds: &'static [u64],
    buckets: Vec<u64>,
    sum_ns: u64,
}

impl HistogramSnapshot {
    /// An empty snapshot of histograms with these bounds.
    pub fn empty(bounds: &'static [u64]) -> Self {
        HistogramSnapshot { bounds, buckets: vec![0; bounds.len() + 1], sum_ns: 0 }
    }

    /// Observations counted.
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// Sum of the observations.
    pub fn sum(&self) -> Duration {
        Duration::from_nanos(self.sum_ns)
    }

    /// Adds `other`'s observations (histograms of the same bounds).
    pub fn add(&mut self, other: &HistogramSnapshot) {
        debug_assert_eq!(self.bounds, other.bounds);
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
        self.sum_ns += other.sum_ns;
    }

    /// Writes it as one histogram sample set (`_bucket`s in seconds, `_sum` in seconds, `_count`)
    /// under the family's labels.
    pub(super) fn encode(&self, encoder: &mut MetricEncoder<'_>) -> std::fmt::Result {
        let buckets: Vec<(f64, u64)> = self
            .bounds
            .iter()
            .map(|&ns| ns as f64 / 1e9)
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.buckets.iter().copied())
            .collect();
        encoder.encode_histogram::<NoExemplar>(self.sum_ns as f64 / 1e9, self.count(), &buckets, None)
    }
}

/// The exemplar label set of histograms that keep none.
type NoExemplar = prometheus_client::encoding::NoLabelSet;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_at_least_as_large() {
        let h = Histogram::new(&[10, 20]);
        h.observe(Duration::from_nanos(10)); // le=10
        h.observe(Duration::from_nanos(11)); // le=20
        h.observe(Duration::from_nanos(21)); // +Inf
        h.observe(Duration::ZERO); // le=10
        let s = h.snapshot();
        assert_eq!(s.buckets, vec![2, 1, 1]);
        assert_eq!(s.count(), 4);
        assert_eq!(s.sum(), Duration::from_nanos(42));
        let mut total = HistogramSnapshot::empty(&[10, 20]);
        total.add(&s);
        total.add(&s);
        assert_eq!(total.count(), 8);
    }
}
