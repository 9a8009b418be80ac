//! Starting a job: it is stored at once and its engine runs off the request path, on the
//! SQL engine's worker pool; the job's end is filled in when the engine finishes.

use std::time::Duration;

use super::JobRequest;
use crate::auth::Caller;
use crate::engines::{self, EngineRun};
use crate::error::LinkisError;
use crate::joblog::Level;
use crate::state::AppState;

/// Stores the job and starts its engine; returns (taskID, execID) without waiting for it.
pub async fn start(st: &AppState, req: JobRequest) -> Result<(u64, String), LinkisError> {
    let sql = engines::is_sql(&req.run_type);
    let (user, code, run_type) = (
        req.execute_user.clone(),
        req.code.clone(),
        req.run_type.clone(),
    );
    // refused only because jobs the clock says are over still run: let them finish first,
    // the user's own before anyone else's
    let mut created = st.jobs.create(&st.cfg, st.clock.now(), req.clone());
    if created.is_err() {
        let wait = settle_wait(st);
        st.jobs
            .settle(&st.clock, wait, |j| j.req.execute_user == user)
            .await;
        created = st.jobs.create(&st.cfg, st.clock.now(), req.clone());
    }
    if created.is_err() {
        settle_all(st).await;
        created = st.jobs.create(&st.cfg, st.clock.now(), req);
    }
    let (task_id, exec_id, cancel) = created?;
    let now = st.clock.now();
    if sql {
        let st = st.clone();
        tokio::spawn(async move {
            let run = st.sql.run(&user, code, cancel.clone()).await;
            // On a frozen clock the engine's work takes no time: the clock moves only when
            // a test moves it, and a move that lands while the SQL happens to run must not
            // become the query's duration, or the job's end (and its log) would depend on
            // how fast the machine is. A flowing clock counts the time the SQL really took.
            let done_at = if st.clock.is_frozen() {
                now
            } else {
                st.clock.now()
            };
            st.jobs.complete(&st.cfg, task_id, &cancel, done_at, run);
        });
    } else {
        // the text engine only reads the code: nothing to run off the request path
        st.jobs
            .complete(&st.cfg, task_id, &cancel, now, text_run(&run_type, &code));
    }
    Ok((task_id, exec_id))
}

fn text_run(run_type: &str, code: &str) -> EngineRun {
    if code.trim().is_empty() {
        let mut run = EngineRun::default();
        run.log.push((
            Level::Warn,
            "Only source.scriptPath was given; the mock does not read scripts, nothing was run"
                .into(),
        ));
        run
    } else {
        engines::text::run(run_type, code)
    }
}

/// How long a request waits for an engine the clock says should be done: the SQL budget
/// plus a margin (a job queued behind its user's other jobs may take longer; the request
/// then sees it still Running).
fn settle_wait(st: &AppState) -> Duration {
    Duration::from_millis(st.cfg.limits.sql_timeout_ms.saturating_add(1000))
}

/// Before answering about one job: wait for its engine if the clock says it ended.
pub async fn settle_job(st: &AppState, task_id: u64) {
    st.jobs
        .settle(&st.clock, settle_wait(st), |j| j.task_id == task_id)
        .await;
}

/// Before answering about the caller's jobs (lists): as [`settle_job`] for each of them.
pub async fn settle_visible(st: &AppState, caller: &Caller) {
    st.jobs
        .settle(&st.clock, settle_wait(st), |j| j.visible_to(caller))
        .await;
}

/// Before answering about every job (the entrance's metrics).
pub async fn settle_all(st: &AppState) {
    st.jobs.settle(&st.clock, settle_wait(st), |_| true).await;
}
