//! One request through one plugin instance: a fresh one, or a warm one when the mount reuses
//! instances (see [`super::warm`]).
//!
//! The guest keeps running after the response head went out, to stream the body (the `wasi:http`
//! model): the request's future drives it until the head is set, then the response body does (see
//! [`Guest`]). Its run owns the store and the caller's concurrency permit; it ends when the guest
//! returns, traps, or passes its deadline. Then the instance either goes back to its mount's idle
//! list or is gone — a trapped instance is never reused. Whatever happens inside, the caller gets
//! either the plugin's response or a [`PluginFailure`] that says what went wrong, never a panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame};
use tokio::sync::oneshot;
use tracing::Instrument as _;
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::lane::{BoxRun, Sliced};
use super::warm::{Warm, WarmPool};
use super::{LoadedPlugin, MountContext};

/// Time past the deadline the host waits for a plugin that is parked in a host call (where the
/// epoch cannot interrupt it) before dropping it, and before answering 504 for a run on the long
/// lane that has not been interrupted yet.
pub(super) const GRACE: Duration = Duration::from_millis(5);

/// Why a plugin produced no usable response.
#[derive(Debug, thiserror::Error)]
pub enum PluginFailure {
    /// The plugin ran past its mount's `timeout_ms`.
    #[error("did not finish within its {0} ms deadline")]
    Timeout(u128),
    /// The plugin tried to grow its memory beyond the mount's `memory_mb`.
    #[error("exceeded its memory limit of {limit_mb} MiB")]
    MemoryLimit {
        /// The limit, in MiB.
        limit_mb: u64,
    },
    /// The plugin trapped: a panic, a stack overflow, an invalid operation.
    #[error("crashed: {0}")]
    Trap(String),
    /// The plugin returned without setting a response.
    #[error("returned without sending a response")]
    NoResponse,
    /// The plugin answered with a `wasi:http` error code instead of a response.
    #[error("answered with error code {0}")]
    ErrorCode(String),
    /// The request could not be handed to the plugin.
    #[error("could not be started: {0}")]
    Setup(String),
}

impl PluginFailure {
    /// HTTP status for the client: 504 for a deadline, 500 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            PluginFailure::Timeout(_) => 504,
            _ => 500,
        }
    }

    /// Counts the failure in its mount's metrics: traps, timeouts and memory-limit refusals (the
    /// other kinds are the plugin's own answers, counted by their status alone).
    pub fn count(&self, metrics: &crate::metrics::MountMetrics) {
        match self {
            PluginFailure::Timeout(_) => metrics.timed_out(),
            PluginFailure::MemoryLimit { .. } => metrics.memory_refused(),
            PluginFailure::Trap(_) => metrics.trapped(),
            PluginFailure::NoResponse | PluginFailure::ErrorCode(_) | PluginFailure::Setup(_) => {}
        }
    }

    /// Stable machine-readable code for the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            PluginFailure::Timeout(_) => "plugin_timeout",
            PluginFailure::MemoryLimit { .. } => "plugin_memory_limit",
            PluginFailure::Trap(_) => "plugin_trap",
            PluginFailure::NoResponse => "plugin_no_response",
            PluginFailure::ErrorCode(_) => "plugin_error",
            PluginFailure::Setup(_) => "plugin_setup",
        }
    }
}

/// Runs `request` through an instance of `plugin`: an idle one from `warm` when the mount reuses
/// instances and one is free, a fresh one otherwise. `permit` (the mount's concurrency slot) is held
/// until the instance is done, including while it streams the response body; then the instance goes
/// back to `warm` if it ended cleanly (see [`super::warm`]), or is dropped.
pub async fn invoke<B, P>(
    plugin: &LoadedPlugin,
    warm: &Arc<WarmPool>,
    mount: Arc<MountContext>,
    request: hyper::Request<B>,
    permit: P,
) -> Result<hyper::Response<HyperOutgoingBody>, PluginFailure>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
    P: Send + 'static,
{
    let timeout = mount.limits.timeout;
    let deadline = Instant::now() + timeout;
    let head_request = request.method() == hyper::Method::HEAD;
    let client = request.extensions().get::<super::ClientAddr>().map(|c| c.0);
    let request_id = request.extensions().get::<super::RequestId>().map(|id| id.0.clone());
    let (mut store, ready) = match warm.take() {
        Some(Warm { store, proxy, uses }) => {
            mount.metrics.reused();
            (store, Some((proxy, uses)))
        }
        None => {
            mount.metrics.instantiated();
            (super::InstanceState::new_store(plugin.pre.engine(), mount.clone()), None)
        }
    };
    store.data_mut().begin_call(deadline, None, client, request_id);
    let sse = super::SseSlot::default();
    store.data_mut().sse = Some(sse.clone());
    let suspect = mount.long_runs.is_long();
    arm_deadline(&mut store, deadline, suspect);
    let demoted = store.data().demoted.clone();

    let (sender, mut receiver) = oneshot::channel();
    let request = store.data_mut().http().new_incoming_request(Scheme::Http, request).map_err(|e| PluginFailure::Setup(e.to_string()))?;
    let out = store.data_mut().http().new_response_outparam(sender).map_err(|e| PluginFailure::Setup(e.to_string()))?;

    let pre = plugin.pre.clone();
    let warm = warm.clone();
    let run = async move {
        let _permit = permit;
        let run = async {
            let (proxy, uses) = match ready {
                Some(ready) => ready,
                None => (pre.instantiate_async(&mut store).await?, 0),
            };
            proxy.wasi_http_incoming_handler().call_handle(&mut store, request, out).await?;
            wasmtime::Result::Ok((proxy, uses + 1))
        };
        let result = match tokio::time::timeout_at((deadline + GRACE).into(), run).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(error)) => Err(classify(&error, store.data(), timeout)),
            Err(_elapsed) => Err(PluginFailure::Timeout(timeout.as_millis())),
        };
        let state = store.data();
        state.finish();
        if let Err(failure) = &result {
            let (plugin, route) = (&*state.mount.plugin, &*state.mount.route);
            tracing::error!(plugin, route, code = failure.code(), peak_memory = state.limiter.peak_bytes, "plugin {failure}");
            failure.count(&state.mount.metrics);
            let id = state.request_id.as_ref().and_then(|id| id.to_str().ok());
            state.mount.services.failures.record(route, plugin, failure.into(), &format!("plugin `{plugin}` {failure}"), id);
        }
        // Back to the idle list before the response may end (see `GuestBody`), so a client's next
        // request already finds the instance.
        result.map(|(proxy, uses)| warm.give_back(Warm { store, proxy, uses }))
    };
    // The request's span (its id) goes with the run wherever it is polled: here, in the response
    // body after `invoke` has returned, or on a lane; so the plugin's own log lines carry it too.
    let run: BoxRun<Result<(), PluginFailure>> = Box::pin(run.in_current_span());
    let mut guest = Guest { run: Some(Sliced::new(run, demoted, &mount.long_runs, suspect)), outcome: None, deadline, timeout, overdue: None };

    // Run the guest here until it has set the response (or ended without one).
    let head = std::future::poll_fn(|cx| {
        let _ = guest.poll_run(cx);
        match Pin::new(&mut receiver).poll(cx) {
            Poll::Ready(head) => Poll::Ready(Some(head)),
            // Ended, and its outparam is gone with its resources: no response is coming.
            Poll::Pending if guest.run.is_none() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
    match head {
        Some(Ok(Ok(response))) => {
            let asked = sse.lock().unwrap_or_else(|p| p.into_inner()).take();
            match asked {
                Some(asked) if response.status().is_success() => Ok(event_stream(response, guest, asked, &mount)),
                _ => {
                    let unsent = GuestBody::unsent(&response, head_request);
                    Ok(response.map(|body| GuestBody { body, guest, unsent }.boxed_unsync()))
                }
            }
        }
        Some(Ok(Err(code))) => Err(PluginFailure::ErrorCode(format!("{code:?}"))),
        // The sender went with the request's resources: the plugin ended, or is ending, without
        // setting a response. Its outcome says why.
        Some(Err(_)) | None => {
            std::future::poll_fn(|cx| guest.poll_run(cx)).await;
            match guest.outcome.take() {
                Some(Err(failure)) => Err(failure),
                _ => Err(PluginFailure::NoResponse),
            }
        }
    }
}

/// The answer of a handler that called `sse.serve`: its status and headers, and as its body the
/// stream the host writes (`crate::sse`). What the plugin writes to its own body is read and
/// dropped while its run ends; the stream starts once the run has ended cleanly, and a run that
/// failed ends the body before any event is sent. From then on no instance is involved.
fn event_stream(
    response: hyper::Response<HyperOutgoingBody>,
    guest: Guest,
    asked: super::SseRequest,
    mount: &MountContext,
) -> hyper::Response<HyperOutgoingBody> {
    let (mut head, body) = response.into_parts();
    crate::sse::set_headers(&mut head.headers);
    let mut plugin_body = GuestBody { body, guest, unsent: None };
    let ready = async move {
        while let Some(frame) = plugin_body.frame().await {
            frame?;
        }
        Ok(())
    };
    let shutdown = mount.services.shutdown.clone();
    let body = crate::sse::body(ready, "switchboard event stream", asked.source, asked.last_event_id, 0, shutdown);
    hyper::Response::from_parts(head, body)
}

/// One request's run of the guest (instantiate or reuse, `handle`, then back to the idle list),
/// polled by whoever holds it: the request until the response head is set, then the response body.
///
/// Why not its own task: handing every request to a spawned task, and its result back, cost cross-
/// thread wake-ups that showed as the largest kernel item of a small request's profile; running the
/// guest in the connection's own task avoids them. What a task gave, this keeps: if the holder goes
/// away before the guest is done (the client disconnected, or hyper dropped a HEAD response's body),
/// the rest of the run goes on by itself, so a plugin always finishes what it started. A run that
/// outlasts its first slice moves to the long lane (see [`super::lane`]); from then on the holder
/// keeps the deadline itself, so the client hears of a timeout in time however busy the lane is.
struct Guest {
    run: Option<Sliced<Result<(), PluginFailure>>>,
    outcome: Option<Result<(), PluginFailure>>,
    deadline: Instant,
    timeout: Duration,
    /// Armed once the run is on the long lane: fires at the deadline plus [`GRACE`].
    overdue: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Guest {
    /// Polls the run if it is still going; `Ready` once it has ended (its outcome kept), or once it
    /// is on the long lane and past its deadline (then the outcome is a timeout and the run is left
    /// to be interrupted there).
    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(run) = self.run.as_mut() else { return Poll::Ready(()) };
        let outcome = match Pin::new(&mut *run).poll(cx) {
            Poll::Ready(Ok(outcome)) => outcome,
            // A panic of the host's own code during the run: answered like a trap, but not counted
            // as the plugin's (`PluginFailure::count` counts what the run itself saw).
            Poll::Ready(Err(join)) => Err(PluginFailure::Trap(format!("the plugin's run ended abnormally: {join}"))),
            Poll::Pending if !run.on_lane() => return Poll::Pending,
            Poll::Pending => {
                let deadline = self.deadline + GRACE;
                let overdue = self.overdue.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
                std::task::ready!(overdue.as_mut().poll(cx));
                self.run.take().expect("checked above").detach();
                Err(PluginFailure::Timeout(self.timeout.as_millis()))
            }
        };
        self.run = None;
        self.outcome = Some(outcome);
        Poll::Ready(())
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        if let Some(run) = self.run.take() {
            run.detach();
        }
    }
}

/// A plugin's response body, which also drives the plugin's run, and ends cleanly only if the
/// plugin returned without failing.
///
/// wasmtime-wasi-http ends the body stream the same way whether the guest called
/// `outgoing-body.finish` or simply vanished (a trap drops the body unfinished), so a client would
/// take a response cut short by a crash for a complete one. This wrapper holds the last step of the
/// body until the plugin's handler has returned, and turns a failure into a body error, which hyper
/// turns into an aborted chunked response the client can see. The cost: a plugin that keeps working
/// after finishing its body delays the end of the response until it returns.
///
/// hyper drops a body as soon as the client has the whole response as announced — every byte of
/// its `Content-Length`, or at once for an answer that has no body (`HEAD`, 204, 304) — typically
/// between the guest's last write and its flush or `finish`. The body's stream would then be
/// closed under the guest, and a runtime that treats a failed write as fatal (JavaScript's,
/// Python's) aborts — a trap, and an instance lost, after a request that succeeded. So a body
/// dropped complete is drained beside the rest of the run (see `Drop`); a body dropped early (the
/// client went away) is not, and the guest sees its stream closed.
struct GuestBody {
    body: HyperOutgoingBody,
    guest: Guest,
    /// Bytes the client is still owed: the `Content-Length` less what has been sent, zero for an
    /// answer without a body, `None` when the length is not announced (chunked).
    unsent: Option<u64>,
}

impl GuestBody {
    /// What the client is owed of `response` before it has a complete answer.
    fn unsent(response: &hyper::Response<HyperOutgoingBody>, head_request: bool) -> Option<u64> {
        let status = response.status();
        if head_request || status.is_informational() || status == 204 || status == 304 {
            return Some(0);
        }
        let length = response.headers().get(hyper::header::CONTENT_LENGTH)?;
        length.to_str().ok()?.trim().parse().ok()
    }
}

impl Drop for GuestBody {
    fn drop(&mut self) {
        if self.unsent != Some(0) {
            return; // `Guest`'s own drop lets the run go on, its stream closed.
        }
        let Some(run) = self.guest.run.take() else { return };
        let empty = http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync();
        let mut body = std::mem::replace(&mut self.body, empty);
        run.detach_beside(async move { while let Some(Ok(_)) = body.frame().await {} });
    }
}

impl Body for GuestBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let ended = this.guest.poll_run(cx).is_ready();
        // A run that failed (or was given up at its deadline while still on a lane, where it may
        // hold the body open until the lane gets to it) ends the response now.
        if ended && matches!(this.guest.outcome, Some(Err(_))) {
            return Poll::Ready(Some(Err(body_failed())));
        }
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(None) => {}
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(unsent), Some(data)) = (this.unsent.as_mut(), frame.data_ref()) {
                    *unsent = unsent.saturating_sub(data.len() as u64);
                }
                return Poll::Ready(Some(Ok(frame)));
            }
            other => return other,
        }
        if !ended {
            return Poll::Pending;
        }
        Poll::Ready(None)
    }
}

fn body_failed() -> wasmtime_wasi_http::Error {
    wasmtime_wasi_http::Error::InternalError(Some("the plugin failed before finishing the response body".into()))
}

/// Interrupts the guest running in `store` at `deadline`. For its first slice
/// ([`super::lane::SLICE`], or [`super::lane::SUSPECT_SLICE`] when its mount runs long) it runs
/// undisturbed; after that, every epoch tick flags it `demoted` (for its caller to move it to the
/// long lane) and yields, so long runs take turns.
///
/// The slice is time the guest was seen running: the time from one tick it was running at to the
/// next counts only when the second came within two ticks of the first. A longer gap means it was
/// not running all along (the kernel preempted its thread, or it waited in a host call or for a
/// lane thread), so a short request that merely had to wait is not taken for a long one.
pub(super) fn arm_deadline(store: &mut Store<super::InstanceState>, deadline: Instant, suspect: bool) {
    let demoted = store.data().demoted.clone();
    let slice = if suspect { super::lane::SUSPECT_SLICE } else { super::lane::SLICE };
    let (mut last, mut ran): (Option<Instant>, Duration) = (None, Duration::ZERO);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        let now = Instant::now();
        if now >= deadline {
            return Err(Trap::Interrupt.into());
        }
        // The first tick says only that the guest is running now, not since when (it may have
        // waited for a thread until just before).
        if let Some(gap) = last.map(|last| now.duration_since(last))
            && gap <= 2 * super::EPOCH_TICK
        {
            ran += gap;
        }
        last = Some(now);
        if ran < slice {
            Ok(UpdateDeadline::Continue(1))
        } else {
            demoted.store(true, std::sync::atomic::Ordering::Relaxed);
            Ok(UpdateDeadline::Yield(1))
        }
    });
}

/// Says why a call into the guest failed, using what the limiter saw.
pub(super) fn classify(error: &wasmtime::Error, state: &super::InstanceState, timeout: Duration) -> PluginFailure {
    if state.limiter.denied {
        return PluginFailure::MemoryLimit { limit_mb: state.mount.limits.memory_bytes >> 20 };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginFailure::Timeout(timeout.as_millis()),
        Some(Trap::StackOverflow) => PluginFailure::Trap("stack overflow".into()),
        Some(Trap::UnreachableCodeReached) => {
            PluginFailure::Trap("the plugin aborted (a Rust panic or abort; its message is in the host log)".into())
        }
        Some(trap) => PluginFailure::Trap(trap.to_string()),
        None => PluginFailure::Trap(format!("{error:#}")),
    }
}
