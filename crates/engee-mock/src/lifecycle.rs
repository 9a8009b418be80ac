//! The per-user Engee server state machine: `stopped → starting → running → stopping →
//! stopped`, driven by the mock's clock. Transitions that are due (start/stop delays,
//! inactivity, the session's hard end) are applied by [`Servers::refresh`] at the instant
//! they fell due, so the timestamps are exact whenever the clock is read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, Utc};
use tokio_util::sync::CancellationToken;

use crate::config::LifecycleConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Starting,
    Running,
    Stopping,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
        }
    }
}

/// What lives only while a server runs: its Julia workspace and the signal that ends
/// the jobs running in it.
#[derive(Clone)]
pub struct Session {
    pub id: u64,
    pub started_at: DateTime<Utc>,
    pub workspace: julia_lite::Workspace,
    pub ended: CancellationToken,
    /// When the server stopped (set just before `ended` is cancelled): the end time of
    /// the jobs the stop interrupts.
    pub stopped_at: Arc<OnceLock<DateTime<Utc>>>,
}

/// One user's server, as `info` reports it.
#[derive(Clone)]
pub struct ServerRecord {
    pub status: Status,
    pub starting_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub stopping_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Seconds without user-API calls before the server stops itself; 0 = never.
    pub inactivity_timeout: u64,
    pub stop_session_at: Option<DateTime<Utc>>,
    pub session: Option<Session>,
}

impl Default for ServerRecord {
    fn default() -> Self {
        Self {
            status: Status::Stopped,
            starting_at: None,
            started_at: None,
            stopping_at: None,
            stopped_at: None,
            last_activity_at: None,
            inactivity_timeout: 0,
            stop_session_at: None,
            session: None,
        }
    }
}

/// `t` plus `v` milliseconds; `None` when that lies beyond what a date can hold (never).
fn after_ms(t: DateTime<Utc>, v: u64) -> Option<DateTime<Utc>> {
    t.checked_add_signed(Duration::try_milliseconds(i64::try_from(v).ok()?)?)
}

/// `t` plus `v` seconds; `None` when that lies beyond what a date can hold (never). The
/// timeout comes from the client's start body, so any `u64` must be survivable.
fn after_secs(t: DateTime<Utc>, v: u64) -> Option<DateTime<Utc>> {
    t.checked_add_signed(Duration::try_seconds(i64::try_from(v).ok()?)?)
}

impl ServerRecord {
    /// The next instant at which this server changes state by itself, if any.
    pub fn next_deadline(&self, cfg: &LifecycleConfig) -> Option<DateTime<Utc>> {
        match self.status {
            Status::Starting => self
                .starting_at
                .and_then(|t| after_ms(t, cfg.start_delay_ms)),
            Status::Stopping => self
                .stopping_at
                .and_then(|t| after_ms(t, cfg.stop_delay_ms)),
            Status::Running => {
                let idle = (self.inactivity_timeout > 0)
                    .then(|| after_secs(self.last_activity_at?, self.inactivity_timeout))
                    .flatten();
                match (idle, self.stop_session_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
            Status::Stopped => None,
        }
    }

    /// Applies every transition due at or before `now`, each at the instant it fell due.
    fn refresh(&mut self, now: DateTime<Utc>, cfg: &LifecycleConfig) {
        while let Some(due) = self.next_deadline(cfg) {
            if due > now {
                break;
            }
            match self.status {
                Status::Starting => {
                    self.status = Status::Running;
                    self.started_at = Some(due);
                    self.last_activity_at = Some(due);
                }
                Status::Running => self.begin_stop(due),
                Status::Stopping => self.finish_stop(due),
                Status::Stopped => break,
            }
        }
    }

    fn begin_stop(&mut self, at: DateTime<Utc>) {
        self.status = Status::Stopping;
        self.stopping_at = Some(at);
        self.stopped_at = None;
    }

    fn finish_stop(&mut self, at: DateTime<Utc>) {
        self.status = Status::Stopped;
        self.stopped_at = Some(at);
        if let Some(session) = self.session.take() {
            let _ = session.stopped_at.set(at);
            session.ended.cancel();
        }
    }
}

/// Every user's server, keyed by nickname.
#[derive(Clone)]
pub struct Servers {
    inner: Arc<Mutex<HashMap<String, ServerRecord>>>,
    cfg: LifecycleConfig,
    next_session: Arc<std::sync::atomic::AtomicU64>,
    /// Woken when a deadline may have moved earlier, so the reaper re-plans.
    pub changed: Arc<tokio::sync::Notify>,
}

impl Servers {
    pub fn new(cfg: LifecycleConfig) -> Self {
        Self {
            inner: Arc::default(),
            cfg,
            next_session: Arc::new(1.into()),
            changed: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ServerRecord>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user's server as of `now`.
    pub fn get(&self, user: &str, now: DateTime<Utc>) -> ServerRecord {
        let mut map = self.lock();
        let rec = map.entry(user.to_owned()).or_default();
        rec.refresh(now, &self.cfg);
        rec.clone()
    }

    /// Starts the server (idempotent while starting or running). A start during
    /// `stopping` completes the stop at once and starts afresh.
    pub fn start(
        &self,
        user: &str,
        now: DateTime<Utc>,
        inactivity_timeout: Option<u64>,
    ) -> ServerRecord {
        let rec = {
            let mut map = self.lock();
            let rec = map.entry(user.to_owned()).or_default();
            rec.refresh(now, &self.cfg);
            if rec.status == Status::Stopping {
                rec.finish_stop(now);
            }
            if rec.status == Status::Stopped {
                let id = self
                    .next_session
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *rec = ServerRecord {
                    status: Status::Starting,
                    starting_at: Some(now),
                    inactivity_timeout: inactivity_timeout
                        .unwrap_or(self.cfg.default_inactivity_timeout_secs),
                    stop_session_at: (self.cfg.max_session_secs > 0)
                        .then(|| after_secs(now, self.cfg.max_session_secs))
                        .flatten(),
                    session: Some(Session {
                        id,
                        started_at: now,
                        workspace: julia_lite::Workspace::new(),
                        ended: CancellationToken::new(),
                        stopped_at: Arc::default(),
                    }),
                    ..ServerRecord::default()
                };
                rec.refresh(now, &self.cfg);
            } else if let Some(t) = inactivity_timeout {
                rec.inactivity_timeout = t;
            }
            rec.clone()
        };
        self.changed.notify_one();
        rec
    }

    /// Puts the user's server in `running` at once, whatever the start delay (a seed:
    /// "this server is already up"). A server starting or running already is left as it
    /// is; one stopping completes its stop first.
    pub(crate) fn start_running(
        &self,
        user: &str,
        now: DateTime<Utc>,
        inactivity_timeout: Option<u64>,
    ) {
        self.start(user, now, inactivity_timeout);
        {
            let mut map = self.lock();
            if let Some(rec) = map.get_mut(user)
                && rec.status == Status::Starting
            {
                rec.status = Status::Running;
                rec.started_at = Some(now);
                rec.last_activity_at = Some(now);
            }
        }
        self.changed.notify_one();
    }

    /// The users whose server is starting or running, by name, with its inactivity
    /// timeout in seconds.
    pub(crate) fn up(&self, now: DateTime<Utc>) -> Vec<(String, u64)> {
        let mut map = self.lock();
        let mut up: Vec<(String, u64)> = map
            .iter_mut()
            .filter_map(|(user, rec)| {
                rec.refresh(now, &self.cfg);
                matches!(rec.status, Status::Starting | Status::Running)
                    .then(|| (user.clone(), rec.inactivity_timeout))
            })
            .collect();
        up.sort();
        up
    }

    /// Stops the server (a no-op when already stopping or stopped).
    pub fn stop(&self, user: &str, now: DateTime<Utc>) -> ServerRecord {
        let rec = {
            let mut map = self.lock();
            let rec = map.entry(user.to_owned()).or_default();
            rec.refresh(now, &self.cfg);
            if matches!(rec.status, Status::Starting | Status::Running) {
                rec.begin_stop(now);
                rec.refresh(now, &self.cfg);
            }
            rec.clone()
        };
        self.changed.notify_one();
        rec
    }

    /// Records a user-API call: the inactivity timer starts again.
    pub fn touch(&self, user: &str, now: DateTime<Utc>) {
        let mut map = self.lock();
        if let Some(rec) = map.get_mut(user) {
            rec.refresh(now, &self.cfg);
            if rec.status == Status::Running {
                rec.last_activity_at = Some(now);
            }
        }
    }

    /// Applies due transitions to every server; returns the earliest future deadline.
    pub fn refresh_all(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut map = self.lock();
        map.values_mut()
            .filter_map(|rec| {
                rec.refresh(now, &self.cfg);
                rec.next_deadline(&self.cfg)
            })
            .min()
    }

    /// Every server the mock has a record of, as of `now`, by user.
    pub fn all(&self, now: DateTime<Utc>) -> Vec<(String, ServerRecord)> {
        let mut map = self.lock();
        let mut all: Vec<(String, ServerRecord)> = map
            .iter_mut()
            .map(|(user, rec)| {
                rec.refresh(now, &self.cfg);
                (user.clone(), rec.clone())
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Stops every server at once (reset, shutdown): their jobs end.
    pub fn clear(&self, now: DateTime<Utc>) {
        let mut map = self.lock();
        for rec in map.values_mut() {
            if rec.status != Status::Stopped {
                rec.finish_stop(now);
            }
        }
        map.clear();
    }
}
