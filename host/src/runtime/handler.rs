//! Runs a mount's `event-handler.on-events` export: one background task per mount, fed by the
//! event bus, calling a long-lived instance of the mount's plugin.
//!
//! Why long-lived: a translation often needs state across events (which channel belongs to which
//! call, ids looked up once), and a fresh instance per batch would re-run the plugin's start-up each
//! time. Why one task: each bus event is translated once, however many HTTP clients then read the
//! result from the mount's stream.
//!
//! Isolation is the same as a request's, with a deadline of its own: each call gets the mount's
//! `event_batch_timeout_ms` (epoch deadline; a call longer than a slice continues on the long lane),
//! not its `timeout_ms`, which bounds the mount's requests, long-polls included, and is often a
//! minute; and the instance gets the mount's `memory_mb`. A call that traps, times out or runs out
//! of memory is logged with its mount, route and batch's sequence numbers, the batch is not retried
//! (a poison event would otherwise stop the stream for good), and the instance is thrown away; the
//! next batch gets a fresh one. Waiting for events is a bus long-poll, so an idle handler holds no
//! thread.
//!
//! Besides events, a call may be a wake-up: an empty batch, when the plugin asked for one
//! (`wake.after`, kept in the mount's [`super::Wake`]) and once at start for components that import
//! `wake`. It runs under the same rules as a batch of events.
//!
//! A handler is a bus reader like any poller: while a mount runs one, the bus never resets for want
//! of readers. A handler slower than the bus loses the oldest events like any slow reader; the
//! host logs how many, and the plugin sees the jump in the batch's sequence numbers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use wasmtime::Store;
use wasmtime::component::InstancePre;

use crate::capabilities::bindings::event_handler::{Guest, GuestIndices};
use crate::capabilities::bindings::events::Event;
use crate::capabilities::events::to_wit;
use super::invoke::{GRACE, PluginFailure, arm_deadline, classify};
use super::lane::{BoxRun, LongRuns, Sliced};
use super::{MountContext, InstanceState};
use crate::events::{BusEvent, Cursor, Wait};

/// Most bus events handed to one `on-events` call.
pub const MAX_BATCH: usize = 256;
/// How long one bus long-poll waits before the loop checks in again (it also wakes on shutdown).
const IDLE_POLL: Duration = Duration::from_secs(60);
/// Pause after a failure to instantiate, so a plugin that cannot start does not spin a core.
const RESTART_BACKOFF: Duration = Duration::from_millis(500);

/// After a wake-up call that failed, when the next one comes (the plugin's own ask died with it).
const WAKE_RETRY: Duration = Duration::from_secs(30);

/// What the handler's task does next.
enum Next {
    /// Bus events (none: the long-poll timed out).
    Events(Vec<Arc<BusEvent>>),
    /// A wake-up is due: an empty call.
    Wake,
}

/// What the host needs to call a component's `on-events`.
#[derive(Clone)]
pub struct EventHandler {
    pub(super) pre: InstancePre<InstanceState>,
    pub(super) indices: Arc<GuestIndices>,
    /// Whether the component imports `wake`: such a handler is called once with an empty batch
    /// when its mount starts, to pick up work it kept across a restart.
    pub(super) start_call: bool,
}

/// A live instance and its store.
struct Live {
    store: Store<InstanceState>,
    guest: Guest,
}

/// Feeds every bus event to `handler` on behalf of `mount`, from bus sequence number `from` on
/// (`None`: from the moment it is called), until `shutdown` turns true; returns the sequence
/// number of the first event it did not take. A hot swap starts the new version's handler there,
/// so the hand-over neither skips nor repeats an event (see `crate::control`).
pub async fn run_event_handler(
    handler: EventHandler,
    mount: Arc<MountContext>,
    from: Option<u64>,
    mut shutdown: watch::Receiver<bool>,
) -> u64 {
    let bus = mount.services.bus.clone();
    let mut cursor = Cursor::From(from.unwrap_or_else(|| bus.next_seq()));
    let mut live: Option<Live> = None;
    // The handler's own record of long calls, apart from the mount's requests: a handler that runs
    // long does not make the mount's HTTP requests start on the fresh lane.
    let long_runs = Arc::new(LongRuns::default());
    let (plugin, route) = (mount.plugin.clone(), mount.route.clone());
    tracing::info!(plugin = &*plugin, route = &*route, "event handler started");
    if handler.start_call {
        mount.wake.after(Duration::ZERO);
    }
    loop {
        let wait = Wait { last: None, timeout: IDLE_POLL, limit: MAX_BATCH };
        let next = tokio::select! {
            batch = bus.poll_at(cursor, wait) => Next::Events(batch),
            () = mount.wake.due() => Next::Wake,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let (batch, range) = match next {
            // A bus poll that timed out.
            Next::Events(batch) if batch.is_empty() => continue,
            Next::Events(batch) => {
                let (first, newest) = (batch[0].seq, batch[batch.len() - 1].seq);
                if let Cursor::After(previous) = cursor {
                    let dropped = first.saturating_sub(previous + 1);
                    if dropped > 0 {
                        tracing::warn!(plugin = &*plugin, route = &*route, dropped,
                            "event handler fell behind the bus buffer; the oldest events were dropped before it saw them");
                    }
                }
                cursor = Cursor::After(newest);
                (batch, Some((first, newest)))
            }
            Next::Wake => (Vec::new(), None),
        };
        match call(&handler, &mount, &long_runs, &mut live, &batch).await {
            Ok(()) => {}
            Err(failure) => {
                let what = match range {
                    Some((first, last)) => format!("bus events {first}..={last}, dropped"),
                    None => {
                        // The work it was woken for is still the plugin's to do: ask again later.
                        mount.wake.after(WAKE_RETRY);
                        format!("a wake-up, asked again in {} s", WAKE_RETRY.as_secs())
                    }
                };
                tracing::error!(plugin = &*plugin, route = &*route, code = failure.code(), what = %what,
                    "event handler {failure}; the next call gets a fresh instance");
                failure.count(&mount.metrics);
                let message = format!("event handler {failure} ({what})");
                mount.services.failures.record(&route, &plugin, (&failure).into(), &message, None);
                let failed_to_start = live.is_none();
                live = None;
                if failed_to_start {
                    tokio::time::sleep(RESTART_BACKOFF).await;
                }
            }
        }
    }
    tracing::info!(plugin = &*plugin, route = &*route, "event handler stopped");
    match cursor {
        Cursor::After(seq) => seq + 1,
        Cursor::From(seq) => seq,
        Cursor::Newest => bus.next_seq(),
    }
}

/// One `on-events` call with the mount's limits (its deadline: `event_batch_timeout`),
/// instantiating first when there is no live instance. Afterwards `live` holds the instance if
/// there is one (the caller drops it on failure). The call starts in the handler's task and moves
/// to the long lane if it runs longer than a slice, as a request's does (see [`super::lane`]).
async fn call(
    handler: &EventHandler,
    mount: &Arc<MountContext>,
    long_runs: &Arc<LongRuns>,
    live: &mut Option<Live>,
    batch: &[Arc<BusEvent>],
) -> Result<(), PluginFailure> {
    let (store, guest) = match live.take() {
        Some(Live { store, guest }) => (store, Some(guest)),
        None => (InstanceState::new_store(handler.pre.engine(), mount.clone()), None),
    };
    let demoted = store.data().demoted.clone();
    let suspect = long_runs.is_long();
    let events: Vec<Event> = batch.iter().map(|e| to_wit(e)).collect();
    let source_timestamp = batch.last().map(|e| e.timestamp.clone());
    let run: BoxRun<(Option<Live>, Result<(), PluginFailure>)> =
        Box::pin(call_on(handler.clone(), store, guest, events, source_timestamp, suspect));
    let (kept, result) = Sliced::new(run, demoted, long_runs, suspect)
        .await
        .unwrap_or_else(|join| (None, Err(PluginFailure::Trap(format!("the handler's run ended abnormally: {join}")))));
    *live = kept;
    result
}

/// The body of [`call`], owning what it uses so that it can move between threads.
async fn call_on(
    handler: EventHandler,
    mut store: Store<InstanceState>,
    guest: Option<Guest>,
    events: Vec<Event>,
    source_timestamp: Option<String>,
    suspect: bool,
) -> (Option<Live>, Result<(), PluginFailure>) {
    let timeout = store.data().mount.limits.event_batch_timeout;
    let deadline = Instant::now() + timeout;
    let guest = match guest {
        Some(guest) => guest,
        None => {
            arm_deadline(&mut store, deadline, suspect);
            let started = async {
                let instance = handler.pre.instantiate_async(&mut store).await?;
                handler.indices.load(&mut store, &instance)
            };
            match tokio::time::timeout_at((deadline + GRACE).into(), started).await {
                Ok(Ok(guest)) => guest,
                Ok(Err(error)) => return (None, Err(classify(&error, store.data(), timeout))),
                Err(_elapsed) => return (None, Err(PluginFailure::Timeout(timeout.as_millis()))),
            }
        }
    };
    store.data_mut().begin_call(deadline, source_timestamp, None, None);
    arm_deadline(&mut store, deadline, suspect);
    let result = match tokio::time::timeout_at((deadline + GRACE).into(), guest.call_on_events(&mut store, &events)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(classify(&error, store.data(), timeout)),
        Err(_elapsed) => Err(PluginFailure::Timeout(timeout.as_millis())),
    };
    store.data().finish();
    (Some(Live { store, guest }), result)
}
