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
const MAX_TABLE_ELEMENTS: usize = 100_000;

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
