//! Per-mount admission: `max_concurrent` requests run, up to `queue` more wait, the rest get 503.
//!
//! The pooling allocator fails instantiation when it runs out of slots instead of waiting, so this
//! gate is what turns overload into orderly back-pressure (as `wasmtime serve`'s
//! `--max-concurrent-requests` does), and keeps one busy mount from taking every slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// `queue` requests are already waiting.
    QueueFull,
    /// A slot did not free up within the mount's timeout.
    WaitedTooLong,
}

/// One mount's slots and queue.
#[derive(Debug)]
pub struct Gate {
    slots: Arc<Semaphore>,
    size: u32,
    waiting: AtomicU32,
    queue: u32,
    max_wait: Duration,
}

/// Decrements the waiting count however the wait ends (admitted, timed out, client gone).
struct Waiting<'a>(&'a AtomicU32);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    /// A gate with `slots` concurrent requests and `queue` waiting ones, each waiting at most `max_wait`.
    pub fn new(slots: u32, queue: u32, max_wait: Duration) -> Self {
        Gate { slots: Arc::new(Semaphore::new(slots as usize)), size: slots, waiting: AtomicU32::new(0), queue, max_wait }
    }

    /// Waits for a slot; the permit frees it when dropped.
    pub async fn enter(&self) -> Result<OwnedSemaphorePermit, Rejected> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Rejected::QueueFull);
        }
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout(self.max_wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; treat it like a timeout if it ever is.
            Ok(Err(_)) | Err(_) => Err(Rejected::WaitedTooLong),
        }
    }

    /// Requests holding a slot now (for the admin's figures).
    pub fn in_flight(&self) -> u32 {
        self.size.saturating_sub(u32::try_from(self.slots.available_permits()).unwrap_or(u32::MAX))
    }

    /// Whether this gate admits as a new one built from `limits` would: a hot swap then hands the
    /// same gate to the new version, so requests still running on the old one keep counting
    /// against the route's `max_concurrent` and the pool slots it was sized for.
    pub fn same_limits(&self, limits: &crate::config::Limits) -> bool {
        self.size == limits.max_concurrent && self.queue == limits.queue && self.max_wait == limits.queue_timeout
    }

}
