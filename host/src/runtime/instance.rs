//! The data of one instance's `Store`: WASI contexts, the resource table, limits, the mount's
//! context, and what the current call is. An instance serves one request, several in turn when its
//! mount allows reuse (`warm`), or a mount's event batches (`handler`); [`InstanceState::begin_call`]
//! starts each call's accounting afresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::limits::MemoryLimiter;
use super::stdio::{LogOutput, Stream};
use crate::capabilities::MountContext;
use crate::capabilities::outbound_http::OutboundPolicy;

/// Resources (streams, fields, requests…) one request may hold at once.
const MAX_RESOURCES: usize = 10_000;

/// The store data of one plugin instance, whether it serves requests or event batches.
pub struct InstanceState {
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
    /// When the request's time is up: host calls that can block (SQL) stop here too.
    pub deadline: Instant,
    /// While an event handler runs `on-events`: the timestamp of the batch's last bus event, which
    /// items it publishes carry. `None` in a request (items carry the time of publishing).
    pub source_timestamp: Option<String>,
    /// Set by the epoch callback when the current call has run longer than one slice, for the
    /// caller to move the rest of it to the long lane (see `lane`).
    pub demoted: Arc<AtomicBool>,
    /// The client address of the request being served (`None` in an event handler).
    pub client_addr: Option<std::net::IpAddr>,
    /// The id of the request being served (`None` in an event handler), for recorded failures.
    pub request_id: Option<hyper::header::HeaderValue>,
    /// While a request is served: where `sse.serve` leaves the stream the host is to send as the
    /// response's body (`None` in an event handler, which has no client).
    pub sse: Option<SseSlot>,
}

/// The server-sent event stream a request's handler asked for (see `crate::sse`), read by the
/// runtime once the response head is set.
pub type SseSlot = Arc<std::sync::Mutex<Option<SseRequest>>>;

/// What `sse.serve` asked for.
pub struct SseRequest {
    /// The events.
    pub source: crate::sse::Source,
    /// The client's `Last-Event-ID`.
    pub last_event_id: Option<u64>,
}

impl InstanceState {
    /// State for a new instance of `mount`'s plugin.
    pub fn new(mount: Arc<MountContext>) -> Self {
        let stdout = LogOutput::new(mount.clone(), Stream::Stdout);
        let stderr = LogOutput::new(mount.clone(), Stream::Stderr);
        // No args, no environment, no sockets: a plugin reaches the world only through wasi:http
        // (its request, and granted outbound calls), our imports, and the file areas its mount
        // grants.
        let mut wasi = WasiCtx::builder();
        wasi.stdout(stdout.clone()).stderr(stderr.clone());
        crate::capabilities::files::preopen(&mut wasi, &mount);
        let wasi = wasi.build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        InstanceState {
            table,
            wasi,
            http: WasiHttpCtx::new(),
            outbound: mount.outbound.clone().reporting(crate::failures::Reporter::new(mount.clone())),
            stdout,
            stderr,
            limiter: MemoryLimiter::new(mount.limits.memory_bytes),
            deadline: Instant::now() + mount.limits.timeout,
            mount,
            log_lines: 0,
            log_dropped: 0,
            source_timestamp: None,
            client_addr: None,
            request_id: None,
            sse: None,
            demoted: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A store for a new instance of `mount`'s plugin, its memory capped by the mount's limiter.
    pub fn new_store(engine: &wasmtime::Engine, mount: Arc<MountContext>) -> wasmtime::Store<Self> {
        let mut store = wasmtime::Store::new(engine, InstanceState::new(mount));
        store.limiter(|state| &mut state.limiter);
        store
    }

    /// Readies a long-lived instance (an event handler's, or a warm request instance) for its next
    /// call: a new deadline, the log caps and memory-refusal flag counted afresh, and the batch's
    /// source timestamp (`None` for a request), or the request's client address and id.
    pub fn begin_call(
        &mut self,
        deadline: Instant,
        source_timestamp: Option<String>,
        client_addr: Option<std::net::IpAddr>,
        request_id: Option<hyper::header::HeaderValue>,
    ) {
        self.deadline = deadline;
        self.client_addr = client_addr;
        self.outbound.set_request_id(request_id.clone());
        self.request_id = request_id;
        self.sse = None;
        self.source_timestamp = source_timestamp;
        self.log_lines = 0;
        self.log_dropped = 0;
        self.limiter.denied = false;
        self.demoted.store(false, Ordering::Relaxed);
    }

    /// The request's resource table (streams, SQL connections, …).
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// How many host resources (streams, bodies, SQL connections, files, …) the guest still holds,
    /// for deciding whether its instance may be reused.
    pub fn live_resources(&mut self) -> usize {
        self.table.iter_mut().count()
    }

    /// What kinds of host resource the guest still holds (`incoming-request`, `fields`, …), for the
    /// log line that says why an instance was not reused.
    pub fn held_kinds(&mut self) -> Vec<&'static str> {
        use wasmtime_wasi_http::p2::body::{HostIncomingBody, HostOutgoingBody};
        use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostOutgoingResponse, HostResponseOutparam};
        self.table
            .iter_mut()
            .map(|entry| {
                let entry: &dyn std::any::Any = entry;
                if entry.is::<HostIncomingRequest>() {
                    "incoming-request"
                } else if entry.is::<HostIncomingBody>() {
                    "incoming-body"
                } else if entry.is::<HostOutgoingBody>() {
                    "outgoing-body"
                } else if entry.is::<HostOutgoingResponse>() {
                    "outgoing-response"
                } else if entry.is::<HostResponseOutparam>() {
                    "response-outparam"
                } else if entry.is::<wasmtime_wasi_http::FieldMap>() {
                    "fields"
                } else if entry.is::<wasmtime_wasi::p2::DynInputStream>() {
                    "input-stream"
                } else if entry.is::<wasmtime_wasi::p2::DynOutputStream>() {
                    "output-stream"
                } else if entry.is::<wasmtime_wasi::p2::DynPollable>() {
                    "pollable"
                } else {
                    "other"
                }
            })
            .collect()
    }

    /// The plugin was refused `capability`, `why`: counted in its mount's metrics and kept among the
    /// recent failures with the request's id ([`crate::capabilities::MountContext::denied`]). The
    /// caller logs it.
    pub fn denied(&self, capability: crate::metrics::Denial, why: &str) {
        let id = self.request_id.as_ref().and_then(|id| id.to_str().ok());
        self.mount.denied(capability, why, id);
    }

    /// Flushes buffered plugin output and drop counts to the log, and notes the instance's memory
    /// in its mount's high-water mark; call once the request (or event batch) is over.
    pub fn finish(&self) {
        self.stdout.finish();
        self.stderr.finish();
        self.mount.metrics.memory_seen(self.limiter.peak_bytes);
        if self.log_dropped > 0 {
            let (plugin, route) = (&*self.mount.plugin, &*self.mount.route);
            tracing::warn!(target: "plugin", plugin, route, dropped = self.log_dropped,
                "plugin logged more than {} lines in one request; the rest were dropped", crate::capabilities::log::MAX_LINES);
        }
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.outbound }
    }
}
