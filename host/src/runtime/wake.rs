//! A mount's pending wake-up (`switchboard:pbx/wake`): when its event handler asked to be called
//! again without an event. One instant per mount, the earliest asked for; the handler's task waits
//! for it beside the bus and calls `on-events` with an empty batch when it passes.
//!
//! Kept in host memory only: a wake-up does not outlive the mount. A plugin whose work must
//! survive a restart keeps it in its own database; the start-up call (see [`super::handler`]) is
//! where it looks again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The latest a wake-up may be asked for: a day. A longer delay is kept as a day, and the plugin,
/// called then with nothing due, asks again.
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// The soonest a wake-up comes after it is asked for: a handler that asks for one at once on every
/// call then runs a hundred calls a second, not as many as a core can.
pub const MIN_DELAY: Duration = Duration::from_millis(10);

/// One mount's pending wake-up.
#[derive(Debug, Default)]
pub struct Wake {
    at: Mutex<Option<Instant>>,
    changed: Notify,
}

impl Wake {
    /// Asks for a wake-up `delay` from now (from [`MIN_DELAY`] to [`MAX_DELAY`]), unless an earlier
    /// one is pending.
    pub fn after(&self, delay: Duration) {
        let at = Instant::now() + delay.clamp(MIN_DELAY, MAX_DELAY);
        let mut pending = self.at.lock().unwrap_or_else(|p| p.into_inner());
        if pending.is_none_or(|earlier| at < earlier) {
            *pending = Some(at);
            // A stored permit: the waiter sees it even if it is not waiting at this moment.
            self.changed.notify_one();
        }
    }

    /// When the pending wake-up is due, if there is one.
    pub fn pending(&self) -> Option<Instant> {
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the pending wake-up is due, then clears it, so that whatever the woken call
    /// asks for is the next one. Cancel-safe: dropped before it returns, the wake-up stays pending.
    pub async fn due(&self) {
        loop {
            let changed = self.changed.notified();
            match self.pending() {
                Some(at) if at <= Instant::now() => break,
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at.into()) => {}
                        () = changed => {}
                    }
                }
                None => changed.await,
            }
        }
        *self.at.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_earliest_wake_up_wins_and_is_cleared_when_due() {
        let wake = Wake::default();
        wake.after(Duration::from_secs(60));
        wake.after(Duration::from_millis(30));
        wake.after(Duration::from_secs(120));
        let started = Instant::now();
        tokio::time::timeout(Duration::from_secs(10), wake.due()).await.expect("due after 30 ms, not a minute");
        assert!(started.elapsed() >= Duration::from_millis(29), "{:?}", started.elapsed());
        assert_eq!(wake.pending(), None, "the later asks were folded into the earliest");
    }

    #[tokio::test]
    async fn a_wake_up_asked_while_waiting_is_seen() {
        let wake = std::sync::Arc::new(Wake::default());
        let waiter = tokio::spawn({
            let wake = wake.clone();
            async move { wake.due().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "nothing was asked yet");
        wake.after(Duration::ZERO);
        tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("woken").unwrap();
    }

    #[test]
    fn delays_are_kept_between_ten_milliseconds_and_a_day() {
        let wake = Wake::default();
        wake.after(Duration::from_secs(40 * 24 * 3600));
        let left = wake.pending().unwrap() - Instant::now();
        assert!(left <= MAX_DELAY && left > MAX_DELAY - Duration::from_secs(60), "{left:?}");
        let asked = Instant::now();
        wake.after(Duration::ZERO);
        assert!(wake.pending().unwrap() >= asked + MIN_DELAY);
    }
}
