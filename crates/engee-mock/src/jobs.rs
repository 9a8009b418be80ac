//! Async jobs: a per-user table of jobs, created at most once per id. Plain domain code;
//! running a job is [`crate::eval::spawn_job`]'s business.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use mock_kit::iso_millis;
use serde_json::{Value, json};

use crate::error::julia_lite_error::CommandError;

#[derive(Clone, Debug)]
pub enum JobOutcome {
    Success(String),
    Error(CommandError),
}

#[derive(Clone, Debug)]
pub struct Job {
    pub job_id: uuid::Uuid,
    pub name: Option<String>,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub outcome: Option<JobOutcome>,
    /// Creation order, the tie-breaker when start times are equal.
    seq: u64,
}

impl Job {
    pub fn to_json(&self) -> Value {
        let result = match &self.outcome {
            None => Value::Null,
            Some(JobOutcome::Success(text)) => json!({"type": "success", "data": {"text": text}}),
            Some(JobOutcome::Error(e)) => json!({"type": "error", "data": e}),
        };
        json!({
            "job_id": self.job_id.to_string(),
            "name": self.name,
            "job_type": "EVAL",
            "status": if self.outcome.is_some() { "DONE" } else { "IN_PROGRESS" },
            "start_time": iso_millis(self.start_time),
            "end_time": self.end_time.map(iso_millis),
            "result": result,
        })
    }
}

#[derive(Default)]
struct UserJobs {
    jobs: HashMap<uuid::Uuid, Job>,
}

/// Jobs of every user. Creation checks and inserts under one lock: a job id can never be
/// created twice, however many requests race for it.
#[derive(Clone)]
pub struct JobStore {
    inner: Arc<Mutex<HashMap<String, UserJobs>>>,
    next_seq: Arc<std::sync::atomic::AtomicU64>,
    max_finished: usize,
    max_running: usize,
}

/// Why a job was not created.
#[derive(Debug, PartialEq)]
pub enum CreateError {
    /// The id is taken already.
    Duplicate,
    /// The user has this many jobs running already.
    TooManyRunning(usize),
}

impl JobStore {
    pub fn new(max_finished: usize, max_running: usize) -> Self {
        Self {
            inner: Arc::default(),
            next_seq: Arc::default(),
            max_finished,
            max_running,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserJobs>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn create(
        &self,
        user: &str,
        job_id: uuid::Uuid,
        name: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Job, CreateError> {
        let mut map = self.lock();
        let jobs = &mut map.entry(user.to_owned()).or_default().jobs;
        if jobs.contains_key(&job_id) {
            return Err(CreateError::Duplicate);
        }
        // Each running job holds a task and an interpreter: their number is bounded.
        if jobs.values().filter(|j| j.outcome.is_none()).count() >= self.max_running {
            return Err(CreateError::TooManyRunning(self.max_running));
        }
        let job = Job {
            job_id,
            name,
            start_time: now,
            end_time: None,
            outcome: None,
            seq: self
                .next_seq
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        jobs.insert(job_id, job.clone());
        Ok(job)
    }

    /// Records the outcome of `job` (the value `create` returned). A job of the same id
    /// created after a reset is another job and is left alone.
    pub fn finish(&self, user: &str, job: &Job, outcome: JobOutcome, now: DateTime<Utc>) {
        let mut map = self.lock();
        let Some(user_jobs) = map.get_mut(user) else {
            return;
        };
        if let Some(job) = user_jobs
            .jobs
            .get_mut(&job.job_id)
            .filter(|j| j.seq == job.seq)
        {
            job.end_time = Some(now);
            job.outcome = Some(outcome);
        }
        Self::evict(&mut user_jobs.jobs, self.max_finished);
    }

    /// Drops the oldest finished jobs beyond the bound; running jobs are never dropped.
    fn evict(jobs: &mut HashMap<uuid::Uuid, Job>, max_finished: usize) {
        let mut finished: Vec<(DateTime<Utc>, u64, uuid::Uuid)> = jobs
            .values()
            .filter_map(|j| j.end_time.map(|t| (t, j.seq, j.job_id)))
            .collect();
        if finished.len() <= max_finished {
            return;
        }
        finished.sort();
        let excess = finished.len() - max_finished;
        for (_, _, id) in finished.into_iter().take(excess) {
            jobs.remove(&id);
        }
    }

    pub fn get(&self, user: &str, job_id: uuid::Uuid) -> Option<Job> {
        self.lock().get(user)?.jobs.get(&job_id).cloned()
    }

    /// Every job of the user, by start time (creation order on ties).
    pub fn list(&self, user: &str) -> Vec<Job> {
        let map = self.lock();
        let mut jobs: Vec<Job> = map
            .get(user)
            .map(|u| u.jobs.values().cloned().collect())
            .unwrap_or_default();
        jobs.sort_by_key(|j| (j.start_time, j.seq));
        jobs
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Whether the user has a job with this id.
    pub(crate) fn contains(&self, user: &str, job_id: uuid::Uuid) -> bool {
        self.lock()
            .get(user)
            .is_some_and(|u| u.jobs.contains_key(&job_id))
    }

    /// Adds a finished job (a seed), after the user's jobs so far in creation order. The
    /// caller has checked that the id is free.
    pub(crate) fn insert_finished(
        &self,
        user: &str,
        job_id: uuid::Uuid,
        name: Option<String>,
        (start_time, end_time): (DateTime<Utc>, DateTime<Utc>),
        outcome: JobOutcome,
    ) {
        let mut map = self.lock();
        let jobs = &mut map.entry(user.to_owned()).or_default().jobs;
        let job = Job {
            job_id,
            name,
            start_time,
            end_time: Some(end_time),
            outcome: Some(outcome),
            seq: self
                .next_seq
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        };
        jobs.insert(job_id, job);
        Self::evict(jobs, self.max_finished);
    }

    /// The users that have jobs, by name.
    pub(crate) fn users(&self) -> Vec<String> {
        let mut users: Vec<String> = self.lock().keys().cloned().collect();
        users.sort();
        users
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_task_cannot_finish_a_newer_job_with_the_same_id() {
        let store = JobStore::new(10, 10);
        let id = uuid::Uuid::new_v4();
        let now = Utc::now();
        let old = store.create("demo", id, None, now).unwrap();
        store.clear();
        store.create("demo", id, None, now).unwrap();
        store.finish("demo", &old, JobOutcome::Success("stale".into()), now);
        assert!(store.get("demo", id).unwrap().outcome.is_none());
    }

    #[test]
    fn the_oldest_finished_jobs_are_evicted_first() {
        let store = JobStore::new(1, 10);
        let t = Utc::now();
        let a = store.create("demo", uuid::Uuid::new_v4(), None, t).unwrap();
        let b = store.create("demo", uuid::Uuid::new_v4(), None, t).unwrap();
        store.finish("demo", &a, JobOutcome::Success("a".into()), t);
        store.finish(
            "demo",
            &b,
            JobOutcome::Success("b".into()),
            t + chrono::Duration::seconds(1),
        );
        let left: Vec<_> = store.list("demo").into_iter().map(|j| j.job_id).collect();
        assert_eq!(left, vec![b.job_id]);
    }
}
