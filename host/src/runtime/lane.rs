//! CPU fairness: where guest code runs, so that a plugin burning CPU cannot slow the host or its
//! neighbours.
//!
//! A request's guest starts where the request arrived, in the connection's task on the host's I/O
//! threads: most requests finish within microseconds, and a hand-off to another thread would cost
//! them more than their whole run (a cross-thread wake-up each way). A guest still executing after
//! its first slice ([`SLICE`]) is *demoted*: the epoch callback flags it and yields, and
//! [`Sliced`] moves the rest of its run onto the **long lane**, threads of their own that run at a
//! lower OS priority ([`LANE_NICE`]). So:
//!
//! - the host's own work (accepting, routing, health, the AMI link, the event bus, SQLite's
//!   blocking threads) never queues behind guest code for longer than one slice, and the kernel
//!   preempts a long-running guest as soon as any of that is ready to run;
//! - long runs take what CPU is left when nothing else wants it, and never every core: a lane has
//!   one thread fewer than the machine has cores (at least one);
//! - on the long lane, runs take turns a tick at a time ([`super::EPOCH_TICK`]), so a mount's share
//!   of it is its number of long runs, which its `max_concurrent` bounds.
//!
//! A mount that runs long ([`LongRuns::is_long`]: a run of it is on the long lane, or one was
//! demoted within the last [`LONG_MEMORY`]) starts its new requests on the **fresh lane** instead,
//! at normal priority, with a shorter first slice ([`SUSPECT_SLICE`]): a storm of spinning requests then costs the
//! I/O threads nothing, while the mount's short requests still finish at full speed and are not
//! queued behind its long ones.
//!
//! Deadlines hold within one tick for code the epoch can interrupt. Because a lane thread may be
//! kept off the CPU by everything above it, the request's own side does not rely on it: it answers
//! 504 at the deadline (plus [`super::invoke::GRACE`]) whatever the lane is doing, and the run is
//! interrupted the next time the lane gets to it (its instance and mount slot stay taken until
//! then, so a mount's bounds still hold).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::task::{JoinError, JoinHandle};

/// How long a guest may be seen running where its request arrived before it is moved to the long
/// lane: its first slice. Two milliseconds: well above what an ordinary request's guest code takes
/// (tens to hundreds of microseconds), short enough that the host's own work on that thread waits
/// at most about this long. Measured from epoch tick to epoch tick (see
/// [`super::invoke::arm_deadline`]), so time the guest spent preempted or waiting does not count.
pub const SLICE: Duration = Duration::from_millis(2);

/// The first slice of a run of a mount that runs long ([`LongRuns::is_long`]), on the fresh lane.
pub const SUSPECT_SLICE: Duration = Duration::from_millis(1);

/// The OS priority (`nice`) of the long lane's threads. Ten: the kernel gives a nice-10 thread
/// about a tenth of a normal thread's weight when both want the CPU, and all of it when nothing
/// else does.
pub const LANE_NICE: i32 = 10;

/// How long a mount counts as running long after its last run was demoted.
pub const LONG_MEMORY: Duration = Duration::from_secs(1);

/// One mount's record of its long runs: how many are on the long lane now, and when the last one
/// was demoted.
#[derive(Debug, Default)]
pub struct LongRuns {
    in_flight: AtomicU32,
    /// When the last run was demoted, as [`since_process_start_ms`] plus one (0: never).
    last_ms: AtomicU64,
}

impl LongRuns {
    /// Whether this mount runs long: a run of it is on the long lane now, or was demoted within
    /// the last [`LONG_MEMORY`]. Its new runs then start on the fresh lane, with a first slice of
    /// [`SUSPECT_SLICE`].
    pub fn is_long(&self) -> bool {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return true;
        }
        let last = self.last_ms.load(Ordering::Relaxed);
        last > 0 && since_process_start_ms() + 1 < last + LONG_MEMORY.as_millis() as u64
    }

    /// Counts a run onto the lane until the returned guard is dropped.
    fn enter(self: &Arc<Self>) -> OnLane {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.last_ms.store(since_process_start_ms() + 1, Ordering::Relaxed);
        OnLane(self.clone())
    }
}

/// A run on the lane, counted in its mount's [`LongRuns`] while it lasts.
struct OnLane(Arc<LongRuns>);

impl Drop for OnLane {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Milliseconds since this clock was first read, for timestamps that fit an atomic.
fn since_process_start_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// A boxed guest run, as [`Sliced`] holds it.
pub type BoxRun<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A set of threads with a current-thread tokio runtime each, at one OS priority. There are two
/// per process, shared by every server in it and started with the first runtime ([`start`]): the
/// long lane, and the fresh lane where a mount that runs long starts its new requests.
struct Lane {
    threads: Vec<Handle>,
    next: AtomicUsize,
}

static LONG: OnceLock<Lane> = OnceLock::new();
static FRESH: OnceLock<Lane> = OnceLock::new();

/// Starts both lanes now (they are otherwise started on first use), so that the first demotion
/// does not pay for starting threads, and the host's resident memory includes them from the start.
pub fn start() {
    Lane::long();
    Lane::fresh();
}

impl Lane {
    /// Where demoted runs go: [`LANE_NICE`].
    fn long() -> &'static Lane {
        LONG.get_or_init(|| Lane::start("switchboard-long", LANE_NICE))
    }

    /// Where a mount that runs long starts its new requests: normal priority, so that its short
    /// requests are not held back by its long ones; those move on to the long lane after their
    /// first slice.
    fn fresh() -> &'static Lane {
        FRESH.get_or_init(|| Lane::start("switchboard-fresh", 0))
    }

    /// One fewer thread than the machine has cores (at least one), so that a lane never takes
    /// every core.
    fn start(name: &str, nice: i32) -> Lane {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = (0..cores.saturating_sub(1).max(1)).map(|i| start_thread(format!("{name}-{i}"), nice)).collect();
        Lane { threads, next: AtomicUsize::new(0) }
    }

    fn spawn<T: Send + 'static>(&self, run: impl Future<Output = T> + Send + 'static) -> JoinHandle<T> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.threads.len();
        self.threads[i].spawn(run)
    }
}

/// Starts a lane thread at `nice`, running a current-thread runtime for as long as the process
/// lives. The threads of the runtime's blocking pool (SQLite calls of the runs on it) are put back
/// to normal priority, so that a long run never holds the database's writer at a low priority while
/// others wait for it; that needs the right to raise a thread's priority (root, or `CAP_SYS_NICE`),
/// and without it they keep the lane's.
fn start_thread(name: String, nice: i32) -> Handle {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            // Linux keeps a nice value per thread; `None` (who = 0) names the calling thread.
            if nice != 0
                && let Err(e) = rustix::process::setpriority_process(None, nice)
            {
                tracing::warn!(lane = %name, error = %e, "could not lower a lane's priority; long-running plugins compete with the host as equals");
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .thread_name(format!("{name}-blocking"))
                .on_thread_start(move || {
                    if nice != 0 && rustix::process::setpriority_process(None, 0).is_err() {
                        tracing::debug!("a lane's blocking thread keeps the lane's priority (no right to raise it)");
                    }
                })
                .build()
                .expect("building a lane's runtime");
            let _ = sender.send(runtime.handle().clone());
            runtime.block_on(std::future::pending::<()>());
        })
        .expect("starting a lane thread");
    receiver.recv().expect("the lane thread started")
}

/// A guest run that starts in whichever task polls it and moves itself to the long lane once
/// `demoted` is set (by the epoch callback, see [`super::invoke::arm_deadline`]); or, for a mount
/// that runs long, starts on the fresh lane (and moves on from there the same way).
pub struct Sliced<T> {
    state: State<T>,
    demoted: Arc<AtomicBool>,
    mount: Arc<LongRuns>,
}

enum State<T> {
    Here(BoxRun<T>),
    /// On the fresh lane, as a `Sliced` of its own.
    Fresh(JoinHandle<Result<T, JoinError>>),
    /// On the long lane.
    Long(JoinHandle<T>),
    Done,
}

impl<T: Send + 'static> Sliced<T> {
    /// `run` of a mount whose long runs `mount` counts, to be moved to the long lane when
    /// `demoted` turns true; started on the fresh lane when `suspect` (see [`LongRuns::is_long`]).
    pub fn new(run: BoxRun<T>, demoted: Arc<AtomicBool>, mount: &Arc<LongRuns>, suspect: bool) -> Self {
        let here = Sliced { state: State::Here(run), demoted, mount: mount.clone() };
        if !suspect {
            return here;
        }
        let (demoted, mount) = (here.demoted.clone(), here.mount.clone());
        Sliced { state: State::Fresh(Lane::fresh().spawn(here)), demoted, mount }
    }

    /// Whether the run has left for a lane.
    pub fn on_lane(&self) -> bool {
        matches!(self.state, State::Fresh(_) | State::Long(_))
    }

    /// Lets the run finish on its own, without anyone waiting for it: a run still here goes on in
    /// a task of the current runtime (and moves to the lane from there if it is demoted); one on
    /// a lane simply goes on.
    pub fn detach(self) {
        if let State::Here(_) = self.state
            && let Ok(runtime) = Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = self.await;
            });
        }
    }

    /// Like [`Self::detach`], with `beside` driven alongside the run until both are done (a run
    /// already on a lane is awaited from the task).
    pub fn detach_beside(self, beside: impl Future<Output = ()> + Send + 'static) {
        if let Ok(runtime) = Handle::try_current() {
            runtime.spawn(async move {
                let _ = tokio::join!(self, beside);
            });
        }
    }
}

impl<T: Send + 'static> Future for Sliced<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let State::Here(run) = &mut this.state {
            match run.as_mut().poll(cx) {
                Poll::Ready(output) => {
                    this.state = State::Done;
                    return Poll::Ready(Ok(output));
                }
                Poll::Pending if !this.demoted.load(Ordering::Relaxed) => return Poll::Pending,
                Poll::Pending => {
                    let State::Here(run) = std::mem::replace(&mut this.state, State::Done) else { unreachable!() };
                    let on_lane = this.mount.enter();
                    this.state = State::Long(Lane::long().spawn(async move {
                        let _on_lane = on_lane;
                        run.await
                    }));
                }
            }
        }
        let output = match &mut this.state {
            State::Long(handle) => std::task::ready!(Pin::new(handle).poll(cx)),
            State::Fresh(handle) => std::task::ready!(Pin::new(handle).poll(cx)).and_then(|inner| inner),
            State::Here(_) => unreachable!("handled above"),
            State::Done => panic!("Sliced polled after it finished"),
        };
        this.state = State::Done;
        Poll::Ready(output)
    }
}
