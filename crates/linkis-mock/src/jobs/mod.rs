//! Jobs: the state machine on the mock's clock, the bounded store, kill.
//!
//! A job's timeline (scheduled, running, finished) is fixed when it is created and only
//! shortened by a kill, so its state at any instant is a function of the clock and of
//! whether its engine has finished: a job is never Succeed before its SQL has run. The
//! SQL runs off the request path (see [`runner`]); a request about a job whose planned end
//! has passed waits for its engine ([`JobStore::settle`]), so what a client sees still
//! depends only on the clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::auth::{Caller, lock};
use crate::config::Config;
use crate::engines::directives::Directives;
use crate::engines::sql::Cancel;
use crate::engines::{EngineRun, ResultSet};
use crate::error::LinkisError;
use crate::joblog::{JobLog, Level};

pub mod lookup;
pub mod runner;
mod timeline;

use timeline::{Plan, build, complete, final_line};

/// Scheduler states, in upstream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Inited,
    WaitForRetry,
    Scheduled,
    Running,
    Succeed,
    Failed,
    Cancelled,
    Timeout,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Inited => "Inited",
            State::WaitForRetry => "WaitForRetry",
            State::Scheduled => "Scheduled",
            State::Running => "Running",
            State::Succeed => "Succeed",
            State::Failed => "Failed",
            State::Cancelled => "Cancelled",
            State::Timeout => "Timeout",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        [
            State::Inited,
            State::WaitForRetry,
            State::Scheduled,
            State::Running,
            State::Succeed,
            State::Failed,
            State::Cancelled,
            State::Timeout,
        ]
        .into_iter()
        .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Succeed | State::Failed | State::Cancelled | State::Timeout
        )
    }
}

/// A validated submission.
#[derive(Clone, Debug)]
pub struct JobRequest {
    pub submit_user: String,
    pub execute_user: String,
    pub creator: String,
    pub engine_type: String,
    pub engine_version: String,
    pub run_type: String,
    pub code: String,
    pub params: Value,
    pub source: Value,
    pub labels: Vec<String>,
    /// Came through `/execute` (log text differs).
    pub via_execute: bool,
    pub directives: Directives,
}

/// One job, live or finished.
#[derive(Debug)]
pub struct Job {
    pub task_id: u64,
    pub exec_id: String,
    pub short_id: String,
    pub instance: String,
    pub req: JobRequest,
    pub created: DateTime<Utc>,
    pub scheduled_at: DateTime<Utc>,
    pub running_at: DateTime<Utc>,
    /// Planned end; once the engine finished, the actual end (never before the engine).
    pub finish_at: DateTime<Utc>,
    /// Meaningful once `done`.
    pub end_state: State,
    /// The engine finished (or the job was killed): `end_state` and the results are final.
    pub done: bool,
    plan: Plan,
    /// Stops the job's SQL when it is killed.
    pub cancel: Arc<Cancel>,
    pub err_code: Option<i64>,
    pub err_desc: Option<String>,
    pub tasks: u32,
    pub log: JobLog,
    /// `None` once evicted to stay within `limits.max_total_result_rows`.
    pub results: Option<Vec<Arc<ResultSet>>>,
    pub result_location: String,
    pub log_path: String,
}

impl Job {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        if now >= self.finish_at && self.done {
            self.end_state
        } else if now >= self.running_at {
            State::Running
        } else if now >= self.scheduled_at {
            State::Scheduled
        } else {
            State::Inited
        }
    }

    /// Fraction of the run done at `now` (0 before Running, 1 when finished).
    fn fraction(&self, now: DateTime<Utc>) -> f64 {
        if now >= self.finish_at {
            // past its planned end but its engine still works: not quite done
            return if self.done { 1.0 } else { 0.99 };
        }
        if now < self.running_at {
            return 0.0;
        }
        let span = (self.finish_at - self.running_at).num_milliseconds().max(1) as f64;
        let done = (now - self.running_at).num_milliseconds() as f64;
        ((done / span) * 10000.0).floor() / 10000.0
    }

    /// `progress` and `progressInfo` as the entrance reports them.
    pub fn progress(&self, now: DateTime<Utc>) -> (f64, Value) {
        let state = self.state(now);
        let frac = self.fraction(now);
        if state == State::Inited || state == State::Scheduled {
            return (0.0, json!([]));
        }
        let total = self.tasks;
        let (succeed, failed, running) = match state {
            State::Running => {
                let s = ((frac * f64::from(total)).floor() as u32).min(total.saturating_sub(1));
                (s, 0, total - s)
            }
            State::Succeed => (total, 0, 0),
            State::Cancelled => {
                let at_kill = (self.finish_at - self.running_at).num_milliseconds().max(0) as f64;
                let planned = at_kill.max(1.0);
                let s = ((at_kill / planned) * f64::from(total)) as u32;
                (s.min(total), 0, 0)
            }
            _ => (total.saturating_sub(1), 1.min(total), 0),
        };
        let progress = if state.is_terminal() { 1.0 } else { frac };
        let info = json!([{"id": "job-1", "succeedTasks": succeed, "failedTasks": failed,
                           "runningTasks": running, "totalTasks": total}]);
        (progress, info)
    }

    /// Time of the last state change visible at `now`.
    pub fn updated(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        [
            self.finish_at,
            self.running_at,
            self.scheduled_at,
            self.created,
        ]
        .into_iter()
        .skip(usize::from(!self.done))
        .find(|t| *t <= now)
        .unwrap_or(self.created)
    }

    /// The clock says this job ended, but its engine is still working.
    fn awaited(&self, now: DateTime<Utc>) -> bool {
        !self.done && now >= self.finish_at
    }

    /// Result sets, available once the job finished (none for Cancelled).
    pub fn visible_results(&self, now: DateTime<Utc>) -> Option<&[Arc<ResultSet>]> {
        if !self.state(now).is_terminal() {
            return None;
        }
        self.results.as_deref()
    }

    /// Rows this job's result sets hold (what `limits.max_total_result_rows` counts).
    fn result_rows(&self) -> usize {
        self.results
            .as_ref()
            .map_or(0, |r| r.iter().map(|x| x.rows()).sum())
    }

    /// Bytes this job's result sets hold (what `limits.max_total_result_bytes` counts).
    fn result_bytes(&self) -> usize {
        self.results
            .as_ref()
            .map_or(0, |r| r.iter().map(|x| x.approx_size()).sum())
    }

    /// The user whose engine runs the job and whose limits it counts against.
    fn user(&self) -> &str {
        &self.req.execute_user
    }

    /// Is the caller's login or acting user the job's submitter or executor?
    pub fn is_callers(&self, caller: &Caller) -> bool {
        self.owned_by(&caller.submit_user) || self.owned_by(&caller.execute_user)
    }

    /// May the caller see this job (history, status, result files, log file)? Their own
    /// jobs, or any job for an admin.
    pub fn visible_to(&self, caller: &Caller) -> bool {
        caller.admin || self.is_callers(caller)
    }

    fn owned_by(&self, user: &str) -> bool {
        self.req.execute_user == user || self.req.submit_user == user
    }
}

#[derive(Default)]
struct Inner {
    jobs: BTreeMap<u64, Job>,
    by_short: HashMap<String, u64>,
    counters: HashMap<String, u64>,
    next_task: u64,
    total_rows: usize,
    total_bytes: usize,
}

impl Inner {
    /// Jobs not yet finished at `now` (what `limits.max_unfinished_jobs_per_user` caps).
    fn unfinished(&self, now: DateTime<Utc>) -> usize {
        self.jobs
            .values()
            .filter(|j| !j.state(now).is_terminal())
            .count()
    }

    fn forget_results(&mut self, task_id: u64) {
        if let Some(job) = self.jobs.get_mut(&task_id) {
            let (rows, bytes) = (job.result_rows(), job.result_bytes());
            job.results = None;
            self.total_rows -= rows.min(self.total_rows);
            self.total_bytes -= bytes.min(self.total_bytes);
        }
    }

    fn remove(&mut self, task_id: u64) {
        self.forget_results(task_id);
        if let Some(job) = self.jobs.remove(&task_id) {
            self.by_short.remove(&job.short_id);
        }
    }
}

/// All jobs, behind one lock.
pub struct JobStore {
    inner: Mutex<Inner>,
    /// Woken whenever a job's engine finishes.
    finished: tokio::sync::Notify,
}

impl Default for JobStore {
    fn default() -> Self {
        Self::new()
    }
}

impl JobStore {
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                next_task: 1,
                ..Inner::default()
            }),
            finished: tokio::sync::Notify::new(),
        }
    }

    pub fn reset(&self) {
        let old = std::mem::replace(
            &mut *lock(&self.inner),
            Inner {
                next_task: 1,
                ..Inner::default()
            },
        );
        for job in old.jobs.values() {
            job.cancel.cancel();
        }
    }

    /// Creates a job from a validated request; its engine is started by the caller.
    /// Refused when the user already has `limits.max_unfinished_jobs_per_user` unfinished
    /// jobs, or when the store is full of unfinished jobs.
    pub fn create(
        &self,
        cfg: &Config,
        now: DateTime<Utc>,
        req: JobRequest,
    ) -> Result<(u64, String, Arc<Cancel>), LinkisError> {
        let mut inner = lock(&self.inner);
        let cap = cfg.limits.max_unfinished_jobs_per_user;
        let mine = inner
            .jobs
            .values()
            .filter(|j| j.user() == req.execute_user && !j.state(now).is_terminal())
            .count();
        if mine >= cap {
            return Err(LinkisError::Invalid(format!(
                "{} already has {mine} unfinished jobs (limits.max_unfinished_jobs_per_user = {cap}); wait for some to finish or kill them",
                req.execute_user
            )));
        }
        if inner.jobs.len() >= cfg.limits.max_jobs {
            evict(&mut inner, cfg, now, cfg.limits.max_jobs - 1);
        }
        if inner.jobs.len() >= cfg.limits.max_jobs {
            let live = inner.unfinished(now);
            return Err(LinkisError::Invalid(format!(
                "The mock already holds {live} unfinished jobs (limits.max_jobs = {}); wait for some to finish or kill them",
                cfg.limits.max_jobs
            )));
        }
        let task_id = inner.next_task;
        inner.next_task += 1;
        let (short, exec_id) = exec_ids(cfg, &mut inner.counters, &req);
        let job = build(cfg, now, task_id, exec_id.clone(), short.clone(), req);
        let cancel = job.cancel.clone();
        inner.by_short.insert(short, task_id);
        inner.jobs.insert(task_id, job);
        Ok((task_id, exec_id, cancel))
    }

    /// Records what a job's engine computed (ignored if the job was killed, evicted or
    /// reset away: `cancel` identifies the run).
    pub fn complete(
        &self,
        cfg: &Config,
        task_id: u64,
        cancel: &Arc<Cancel>,
        done_at: DateTime<Utc>,
        run: EngineRun,
    ) {
        {
            let mut inner = lock(&self.inner);
            let Some(job) = inner.jobs.get_mut(&task_id) else {
                return;
            };
            if job.done || !Arc::ptr_eq(&job.cancel, cancel) {
                return;
            }
            complete(job, done_at, run);
            let (rows, bytes) = (job.result_rows(), job.result_bytes());
            inner.total_rows += rows;
            inner.total_bytes += bytes;
            evict(&mut inner, cfg, done_at, cfg.limits.max_jobs);
        }
        self.finished.notify_waiters();
    }

    /// Waits (at most `max_wait`) until no job `select`s at the clock's `now` is past its
    /// planned end with its engine still working, so answers about those jobs depend only
    /// on the clock. Never waits for jobs the caller did not select.
    pub async fn settle(
        &self,
        clock: &mock_kit::Clock,
        max_wait: StdDuration,
        select: impl Fn(&Job) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + max_wait;
        loop {
            let finished = self.finished.notified();
            let now = clock.now();
            let waiting = lock(&self.inner)
                .jobs
                .values()
                .any(|j| j.awaited(now) && select(j));
            if !waiting || tokio::time::timeout_at(deadline, finished).await.is_err() {
                return;
            }
        }
    }

    /// The taskID behind a short exec id.
    pub fn find_short(&self, short: &str) -> Option<u64> {
        lock(&self.inner).by_short.get(short).copied()
    }

    /// Runs `f` on a job.
    pub fn with<R>(&self, task_id: u64, f: impl FnOnce(&Job) -> R) -> Option<R> {
        lock(&self.inner).jobs.get(&task_id).map(f)
    }

    /// Runs `f` on every job, newest first, until it returns false.
    pub fn scan(&self, mut f: impl FnMut(&Job) -> bool) {
        let inner = lock(&self.inner);
        for job in inner.jobs.values().rev() {
            if !f(job) {
                break;
            }
        }
    }

    /// Cancels a job that has not finished, interrupting its SQL: the running statement is
    /// rolled back and no later statement runs. `who` is the acting user; admins may kill any.
    pub fn kill(
        &self,
        task_id: u64,
        now: DateTime<Utc>,
        who: &str,
        admin: bool,
    ) -> Result<(), LinkisError> {
        let mut inner = lock(&self.inner);
        let Some(job) = inner.jobs.get_mut(&task_id) else {
            return Err(LinkisError::NotFound(
                "Get job by ID error, kill failed.(获取job时发生异常，kill失败)".into(),
            ));
        };
        if !admin && job.req.execute_user != who {
            return Err(LinkisError::Forbidden(format!(
                "You have no permission to kill this job, excecute by user:{}",
                job.req.execute_user
            )));
        }
        if job.state(now).is_terminal() {
            return Err(LinkisError::Invalid(
                "The job already completed. Do not support kill.(任务已经结束，不支持kill)".into(),
            ));
        }
        job.cancel.cancel();
        job.finish_at = now;
        job.scheduled_at = job.scheduled_at.min(now);
        job.running_at = job.running_at.min(now);
        job.end_state = State::Cancelled;
        job.done = true;
        job.err_code = None;
        job.err_desc = None;
        job.log.truncate_after(now);
        job.log.push(
            now,
            Level::Info,
            format!("Job {task_id} was kill by user successfully(任务{task_id}已成功取消)"),
        );
        job.log
            .push(now, Level::Error, final_line(State::Cancelled));
        inner.forget_results(task_id);
        if let Some(job) = inner.jobs.get_mut(&task_id) {
            job.results = Some(Vec::new());
        }
        drop(inner);
        self.finished.notify_waiters();
        Ok(())
    }

    /// Whether a job has this taskID.
    pub(crate) fn contains(&self, task_id: u64) -> bool {
        lock(&self.inner).jobs.contains_key(&task_id)
    }

    /// The taskID the next submission gets.
    pub(crate) fn next_task_id(&self) -> u64 {
        lock(&self.inner).next_task
    }

    /// The short and full exec ids the next jobs of `reqs` would get, in order (without
    /// taking them).
    pub(crate) fn next_exec_ids(&self, cfg: &Config, reqs: &[&JobRequest]) -> Vec<String> {
        let inner = lock(&self.inner);
        let mut counters = inner.counters.clone();
        reqs.iter()
            .map(|req| exec_ids(cfg, &mut counters, req).1)
            .collect()
    }

    /// Adds a finished job (a seed, checked beforehand: the taskID is free). Its timeline
    /// is `start` (created, scheduled and running at once) to `end`.
    pub(crate) fn insert_finished(&self, cfg: &Config, job: Finished) {
        let mut inner = lock(&self.inner);
        let (short, exec_id) = exec_ids(cfg, &mut inner.counters, &job.req);
        let mut built = build(cfg, job.start, job.task_id, exec_id, short.clone(), job.req);
        built.scheduled_at = job.start;
        built.running_at = job.start;
        built.finish_at = job.end;
        built.end_state = job.state;
        built.done = true;
        built.err_code = job.err_code;
        built.err_desc = job.err_desc;
        let mut log = JobLog::new(cfg.limits.max_log_lines.max(job.log.len()));
        for (at, level, text) in job.log {
            log.push(at, level, text);
        }
        built.log = log;
        built.results = Some(job.results.into_iter().map(Arc::new).collect());
        let (rows, bytes) = (built.result_rows(), built.result_bytes());
        inner.total_rows += rows;
        inner.total_bytes += bytes;
        inner.next_task = inner.next_task.max(job.task_id + 1);
        inner.by_short.insert(short, job.task_id);
        inner.jobs.insert(job.task_id, built);
        evict(&mut inner, cfg, job.end, cfg.limits.max_jobs);
    }

    /// Every job, by taskID, to read them whole (`GET /__admin/state`).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Job)) {
        for job in lock(&self.inner).jobs.values() {
            f(job);
        }
    }

    /// Number of jobs not yet finished.
    pub fn running(&self, now: DateTime<Utc>) -> usize {
        lock(&self.inner).unfinished(now)
    }
}

/// A finished job as a seed states it (see [`JobStore::insert_finished`]).
pub(crate) struct Finished {
    pub(crate) task_id: u64,
    pub(crate) req: JobRequest,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) state: State,
    pub(crate) err_code: Option<i64>,
    pub(crate) err_desc: Option<String>,
    pub(crate) log: Vec<(DateTime<Utc>, Level, String)>,
    pub(crate) results: Vec<crate::engines::ResultSet>,
}

/// The next short and full exec ids of `req`'s group, counted in `counters`.
fn exec_ids(
    cfg: &Config,
    counters: &mut HashMap<String, u64>,
    req: &JobRequest,
) -> (String, String) {
    let p = cfg.profile;
    // counted per short-id group, so no two jobs share a short id in either profile
    let group = p.exec_group(&req.creator, &req.execute_user, &req.engine_type);
    let index = {
        let c = counters.entry(group).or_insert(0);
        let i = *c;
        *c += 1;
        i
    };
    let short = p.short_exec_id(&req.creator, &req.execute_user, &req.engine_type, index);
    let exec_id = p.exec_id(
        &req.creator,
        &req.engine_type,
        &cfg.entrance_instance,
        &short,
    );
    (short, exec_id)
}

/// Keeps the store within its bounds, evicting only finished jobs and results, oldest
/// first: a user beyond `limits.max_jobs_per_user` loses their own oldest finished job;
/// when the store is beyond `max_jobs`, the user holding the most jobs does. So one user's
/// jobs never evict another's history while the other holds fewer.
fn evict(inner: &mut Inner, cfg: &Config, now: DateTime<Utc>, max_jobs: usize) {
    let l = &cfg.limits;
    loop {
        let mut held: HashMap<&str, usize> = HashMap::new();
        let mut evictable: HashMap<&str, usize> = HashMap::new();
        for j in inner.jobs.values() {
            *held.entry(j.user()).or_default() += 1;
            if j.state(now).is_terminal() {
                *evictable.entry(j.user()).or_default() += 1;
            }
        }
        let heaviest = (inner.jobs.len() > max_jobs)
            .then(|| {
                evictable
                    .keys()
                    .max_by_key(|u| (held[*u], std::cmp::Reverse(**u)))
                    .copied()
            })
            .flatten();
        let victim = inner
            .jobs
            .iter()
            .filter(|(_, j)| j.state(now).is_terminal())
            .find(|(_, j)| held[j.user()] > l.max_jobs_per_user || Some(j.user()) == heaviest)
            .map(|(id, _)| *id);
        let Some(id) = victim else { break };
        inner.remove(id);
        tracing::debug!(
            task_id = id,
            "evicted finished job (limits.max_jobs / max_jobs_per_user)"
        );
    }
    while inner.total_rows > l.max_total_result_rows || inner.total_bytes > l.max_total_result_bytes
    {
        let victim = inner
            .jobs
            .iter()
            .find(|(_, j)| j.done && j.results.as_ref().is_some_and(|r| !r.is_empty()))
            .map(|(id, _)| *id);
        let Some(id) = victim else { break };
        inner.forget_results(id);
        tracing::debug!(
            task_id = id,
            "evicted result sets (limits.max_total_result_rows / max_total_result_bytes)"
        );
    }
}
