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
//! The clock reads only times in [`Clock::EARLIEST`]..=[`Clock::LATEST`] (1970 to the end of
//! year 9999), so every timestamp has a four-digit year and callers can add lifetimes to
//! `now()` without overflowing. [`Clock::try_advance`] and [`Clock::try_set`] refuse a
//! move outside that range with a [`ClockError`] naming the limit (the admin API answers
//! it as 400); [`Clock::advance`] stops at the limit instead. Nothing here panics.
//!
//! [`Clock::sleep_until`] wakes both when real time passes the deadline (flowing mode) and
//! when the clock is moved past it (either mode), so a task waiting on the mock's clock
//! never holds a thread and never oversleeps a jump.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// A clock move that would leave the supported range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error(
        "the clock cannot move past {} (the latest time the mock supports); it reads {}",
        iso_millis(Clock::LATEST),
        iso_millis(*now)
    )]
    PastLatest { now: DateTime<Utc> },
    #[error(
        "the clock cannot be set before {} (the earliest time the mock supports)",
        iso_millis(Clock::EARLIEST)
    )]
    BeforeEarliest,
}

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
    /// The earliest time the clock reads: 1970-01-01T00:00:00Z.
    pub const EARLIEST: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;
    /// The latest time the clock reads: 9999-12-31T23:59:59.999Z.
    pub const LATEST: DateTime<Utc> =
        match DateTime::<Utc>::from_timestamp_millis(253_402_300_799_999) {
            Some(t) => t,
            None => DateTime::<Utc>::MAX_UTC,
        };

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

    /// The mock's current time, always within [`EARLIEST`](Self::EARLIEST)..=
    /// [`LATEST`](Self::LATEST) (a flowing clock stops at the end).
    pub fn now(&self) -> DateTime<Utc> {
        Self::read(*self.lock(), Utc::now())
    }

    /// Whether time stands still between moves.
    pub fn is_frozen(&self) -> bool {
        matches!(*self.lock(), State::Frozen { .. })
    }

    /// Moves time forward by `by` and wakes every sleeper whose deadline has passed; stops
    /// at [`LATEST`](Self::LATEST). Use [`try_advance`](Self::try_advance) to be told.
    pub fn advance(&self, by: Duration) {
        if self.try_advance(by).is_err() {
            // Only a move past the end fails: go to the end.
            let _ = self.try_set(Self::LATEST);
        }
    }

    /// Moves time forward by `by`, or refuses (changing nothing) when the clock would
    /// read past [`LATEST`](Self::LATEST).
    pub fn try_advance(&self, by: Duration) -> Result<(), ClockError> {
        {
            let mut state = self.lock();
            let real_now = Utc::now();
            let now = Self::read(*state, real_now);
            let target = chrono::Duration::from_std(by)
                .ok()
                .and_then(|by| now.checked_add_signed(by))
                .filter(|t| *t <= Self::LATEST)
                .ok_or(ClockError::PastLatest { now })?;
            *state = match *state {
                State::Flowing { .. } => State::Flowing {
                    offset: target - real_now,
                },
                State::Frozen { .. } => State::Frozen { at: target },
            };
        }
        self.notify();
        Ok(())
    }

    /// Sets the time. Moving backwards is allowed (it is the caller's experiment), but
    /// deadlines already passed stay passed. Refused (changing nothing) outside
    /// [`EARLIEST`](Self::EARLIEST)..=[`LATEST`](Self::LATEST).
    pub fn try_set(&self, to: DateTime<Utc>) -> Result<(), ClockError> {
        if to < Self::EARLIEST {
            return Err(ClockError::BeforeEarliest);
        }
        if to > Self::LATEST {
            return Err(ClockError::PastLatest { now: self.now() });
        }
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
        Ok(())
    }

    /// [`try_set`](Self::try_set), clamping `to` into the supported range.
    pub fn set(&self, to: DateTime<Utc>) {
        let _ = self.try_set(to.clamp(Self::EARLIEST, Self::LATEST));
    }

    fn read(state: State, real_now: DateTime<Utc>) -> DateTime<Utc> {
        let t = match state {
            State::Flowing { offset } => {
                real_now.checked_add_signed(offset).unwrap_or(Self::LATEST)
            }
            State::Frozen { at } => at,
        };
        t.clamp(Self::EARLIEST, Self::LATEST)
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
        self.sleep_until(self.after(by)).await
    }

    /// The instant `by` from now, for deadlines. Saturates at `DateTime::MAX_UTC`, a
    /// deadline the clock never reaches (it stops at [`LATEST`](Self::LATEST)).
    pub fn after(&self, by: Duration) -> DateTime<Utc> {
        chrono::Duration::from_std(by)
            .ok()
            .and_then(|by| self.now().checked_add_signed(by))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
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
    fn moves_past_the_end_are_refused_in_both_modes() {
        for clock in [Clock::system(), Clock::frozen_now()] {
            let huge = Duration::from_secs(1_000_000_000_000);
            let before = clock.now();
            assert!(matches!(
                clock.try_advance(huge),
                Err(ClockError::PastLatest { .. })
            ));
            assert!(clock.now() - before < chrono::Duration::seconds(5));
            assert!(clock.try_set(DateTime::<Utc>::MAX_UTC).is_err());
            assert_eq!(
                clock.try_set(DateTime::<Utc>::MIN_UTC),
                Err(ClockError::BeforeEarliest)
            );
            for _ in 0..9 {
                clock.advance(huge);
            }
            assert_eq!(clock.now(), Clock::LATEST);
            assert!(
                clock.after(huge) > Clock::LATEST,
                "a deadline never reached"
            );
            assert_eq!(clock.after(Duration::MAX), DateTime::<Utc>::MAX_UTC);
        }
    }

    #[test]
    fn iso_format_has_millis() {
        let t = DateTime::parse_from_rfc3339("2025-02-10T10:24:31.328Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(iso_millis(t), "2025-02-10T10:24:31.328Z");
    }
}
