//! The one source of time for a mock.
//!
//! Every deadline in the mocks (token expiry, inactivity timeouts, job run times, Julia's
//! `sleep`) is measured on a [`Clock`], never on `SystemTime::now()` directly, so tests and
//! users can move time forward instead of sleeping.
//!
//! Two modes:
//! - **flowing** (the default for `make run`): real time plus an offset that
//!   [`Clock::advance`] grows;
//! - **frozen** (the default for tests): time stands still until [`Clock::advance`] or
//!   [`Clock::set`] moves it.
//!
//! [`Clock::sleep_until`] wakes both when real time passes the deadline (flowing mode) and
//! when the clock is moved past it (either mode), so a task waiting on the mock's clock
//! never holds a thread and never oversleeps a jump.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// A cheap-to-clone handle on the mock's time. All clones share one timeline.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Bumped on every manual move so sleepers re-check their deadline.
    moved: watch::Sender<u64>,
}

#[derive(Clone, Copy)]
enum State {
    Flowing { offset: chrono::Duration },
    Frozen { at: DateTime<Utc> },
}

impl Clock {
    /// Real time; [`advance`](Self::advance) adds an offset on top of it.
    pub fn system() -> Self {
        Self::with_state(State::Flowing {
            offset: chrono::Duration::zero(),
        })
    }

    /// Time that stands still at `at` until moved. Use it in tests for exact expiry checks.
    pub fn frozen(at: DateTime<Utc>) -> Self {
        Self::with_state(State::Frozen { at })
    }

    /// Frozen at the current real time.
    pub fn frozen_now() -> Self {
        Self::frozen(Utc::now())
    }

    fn with_state(state: State) -> Self {
        let (moved, _) = watch::channel(0);
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                moved,
            }),
        }
    }

    /// The mock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        match *self.lock() {
            State::Flowing { offset } => Utc::now() + offset,
            State::Frozen { at } => at,
        }
    }

    /// Whether time stands still between moves.
    pub fn is_frozen(&self) -> bool {
        matches!(*self.lock(), State::Frozen { .. })
    }

    /// Moves time forward by `by` and wakes every sleeper whose deadline has passed.
    pub fn advance(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        {
            let mut state = self.lock();
            *state = match *state {
                State::Flowing { offset } => State::Flowing {
                    offset: offset.checked_add(&by).unwrap_or(offset),
                },
                State::Frozen { at } => State::Frozen {
                    at: at.checked_add_signed(by).unwrap_or(at),
                },
            };
        }
        self.notify();
    }

    /// Sets the time. Moving backwards is allowed (it is the caller's experiment), but
    /// deadlines already passed stay passed.
    pub fn set(&self, to: DateTime<Utc>) {
        {
            let mut state = self.lock();
            *state = match *state {
                State::Flowing { .. } => State::Flowing {
                    offset: to - Utc::now(),
                },
                State::Frozen { .. } => State::Frozen { at: to },
            };
        }
        self.notify();
    }

    /// Freezes at the current time (`true`) or lets time flow from it (`false`).
    pub fn set_frozen(&self, frozen: bool) {
        let now = self.now();
        {
            let mut state = self.lock();
            *state = if frozen {
                State::Frozen { at: now }
            } else {
                State::Flowing {
                    offset: now - Utc::now(),
                }
            };
        }
        self.notify();
    }

    /// Completes once the clock reads `deadline` or later. Holds no thread while waiting.
    pub async fn sleep_until(&self, deadline: DateTime<Utc>) {
        let mut moved = self.inner.moved.subscribe();
        loop {
            let now = self.now();
            if now >= deadline {
                return;
            }
            if self.is_frozen() {
                if moved.changed().await.is_err() {
                    return;
                }
            } else {
                let remaining = (deadline - now).to_std().unwrap_or(Duration::ZERO);
                tokio::select! {
                    _ = tokio::time::sleep(remaining) => {}
                    changed = moved.changed() => if changed.is_err() { return },
                }
            }
        }
    }

    /// Completes after `by` has passed on this clock.
    pub async fn sleep(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let deadline = self
            .now()
            .checked_add_signed(by)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.sleep_until(deadline).await
    }

    fn notify(&self) {
        self.inner.moved.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned clock is still a valid time: keep serving it.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("now", &self.now())
            .field("frozen", &self.is_frozen())
            .finish()
    }
}

/// ISO 8601 UTC with milliseconds, as Engee writes timestamps: `2025-02-10T10:24:31.328Z`.
pub fn iso_millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frozen_clock_wakes_sleepers_on_advance() {
        let clock = Clock::frozen_now();
        let start = clock.now();
        let c = clock.clone();
        let sleeper = tokio::spawn(async move { c.sleep(Duration::from_secs(60)).await });
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(30));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(30));
        sleeper.await.unwrap();
        assert_eq!(clock.now() - start, chrono::Duration::seconds(60));
    }

    #[tokio::test]
    async fn flowing_clock_honours_jumps() {
        let clock = Clock::system();
        let c = clock.clone();
        let sleeper = tokio::spawn(async move { c.sleep(Duration::from_secs(3600)).await });
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(3601));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("sleeper woke")
            .unwrap();
    }

    #[test]
    fn iso_format_has_millis() {
        let t = DateTime::parse_from_rfc3339("2025-02-10T10:24:31.328Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(iso_millis(t), "2025-02-10T10:24:31.328Z");
    }
}
