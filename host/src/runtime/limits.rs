//! The per-request memory limiter.
//!
//! A guest that runs out of memory traps like any bug (`memory.grow` returns -1, Rust's allocator
//! aborts with `unreachable`). The limiter remembers that it refused a growth, so the host can tell
//! the client and the admin "over its memory limit" instead of a bare trap — Spin's
//! `memory_limit_exceeded`, made visible.

use wasmtime::ResourceLimiter;

/// Caps one request's linear memory and table growth and records refusals.
#[derive(Debug)]
pub struct MemoryLimiter {
    max_bytes: usize,
    /// Set when a growth was refused.
    pub denied: bool,
    /// The largest linear memory size seen, for diagnostics.
    pub peak_bytes: usize,
}

/// Table growth is capped too: a runaway `table.grow` costs host memory (8 bytes an element).
pub(super) const MAX_TABLE_ELEMENTS: usize = 100_000;

/// The stack wasmtime gives each running instance for its async calls (its default, 2 MiB).
const ASYNC_STACK_BYTES: u64 = 2 << 20;

/// The most memory one mount's plugin instances can hold at once, worked out from its config.
///
/// A mount never has more live instances than its `max_concurrent` (busy and idle warm ones alike;
/// a request that outlived its client or its deadline keeps its slot until its instance is gone),
/// plus one for its event handler when it is granted `events`. Each instance holds at most its
/// linear memory limit, its tables (capped at [`MAX_TABLE_ELEMENTS`]) and one async stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBound {
    /// Live instances at most.
    pub instances: u64,
    /// Bytes one instance may hold at most.
    pub per_instance: u64,
}

impl MemoryBound {
    /// The bound of `mount`.
    pub fn for_mount(mount: &crate::config::Mount) -> Self {
        let instances = u64::from(mount.limits.max_concurrent) + u64::from(crate::capabilities::events::granted(&mount.grants));
        let per_instance = mount.limits.memory_bytes + (MAX_TABLE_ELEMENTS as u64) * 8 + ASYNC_STACK_BYTES;
        MemoryBound { instances, per_instance }
    }

    /// Bytes all of them may hold together.
    pub fn total(&self) -> u64 {
        self.instances.saturating_mul(self.per_instance)
    }
}

impl MemoryLimiter {
    /// A limiter allowing `max_bytes` of linear memory.
    pub fn new(max_bytes: u64) -> Self {
        MemoryLimiter { max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX), denied: false, peak_bytes: 0 }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_bytes && maximum.is_none_or(|max| desired <= max);
        if allowed {
            self.peak_bytes = self.peak_bytes.max(desired);
        } else {
            self.denied = true;
        }
        Ok(allowed)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max);
        if !allowed {
            self.denied = true;
        }
        Ok(allowed)
    }
}
