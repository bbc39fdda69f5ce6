//! The data of one request's `Store`: WASI contexts, the resource table, limits, and the mount's
//! context. A fresh one per request, so requests never share guest-visible state.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::MountContext;
use super::limits::MemoryLimiter;
use super::outbound::OutboundPolicy;
use super::stdio::{LogOutput, Stream};

/// Resources (streams, fields, requests…) one request may hold at once.
const MAX_RESOURCES: usize = 10_000;

/// Per-request store data.
pub struct RequestState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outbound: OutboundPolicy,
    stdout: LogOutput,
    stderr: LogOutput,
    /// Caps and records memory growth.
    pub limiter: MemoryLimiter,
    /// Who is running and with which settings and grants.
    pub mount: Arc<MountContext>,
    /// Lines written through `log` in this request.
    pub log_lines: u32,
    /// Lines dropped past the per-request cap.
    pub log_dropped: u32,
}

impl RequestState {
    /// State for one request of `mount`.
    pub fn new(mount: Arc<MountContext>) -> Self {
        let stdout = LogOutput::new(mount.clone(), Stream::Stdout);
        let stderr = LogOutput::new(mount.clone(), Stream::Stderr);
        // No args, no environment, no preopened directories, no sockets: a plugin reaches the
        // world only through wasi:http (its request, and granted outbound calls) and our imports.
        let wasi = WasiCtx::builder().stdout(stdout.clone()).stderr(stderr.clone()).build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        RequestState {
            table,
            wasi,
            http: WasiHttpCtx::new(),
            outbound: mount.outbound.clone(),
            stdout,
            stderr,
            limiter: MemoryLimiter::new(mount.limits.memory_bytes),
            mount,
            log_lines: 0,
            log_dropped: 0,
        }
    }

    /// Flushes buffered plugin output and drop counts to the log; call once the request is over.
    pub fn finish(&self) {
        self.stdout.finish();
        self.stderr.finish();
        if self.log_dropped > 0 {
            let (plugin, route) = (&*self.mount.plugin, &*self.mount.route);
            tracing::warn!(target: "plugin", plugin, route, dropped = self.log_dropped,
                "plugin logged more than {} lines in one request; the rest were dropped", super::log::MAX_LINES);
        }
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.outbound }
    }
}
