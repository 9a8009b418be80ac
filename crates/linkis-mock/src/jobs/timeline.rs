//! Building a job at submission: its timeline on the clock (queue, start, run, timeout),
//! its outcome, and its log lines with their timestamps.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{Job, JobRequest, State};
use crate::config::Config;
use crate::engines::EngineRun;
use crate::joblog::{JobLog, Level};

fn ms(v: u64) -> Duration {
    Duration::milliseconds(i64::try_from(v).unwrap_or(i64::MAX / 4))
}

fn std_dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::days(7))
}

pub(super) fn final_line(state: State) -> String {
    match state {
        State::Succeed => "Congratulations. Your job completed with status Success.".into(),
        s => format!(
            "Sorry. Your job completed with a status {}. You can view logs for the reason.",
            s.as_str()
        ),
    }
}

/// The planned run of a job, fixed at submission.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    /// Planned time from Running to the end.
    run_for: Duration,
    /// Set when the job ends `Timeout` after `run_for` (the directive's limit).
    timeout: Option<Duration>,
}

/// A new job: its timeline on the clock and the milestone lines up to Running. Its end is
/// filled in by [`complete`] once its engine has finished.
pub(super) fn build(
    cfg: &Config,
    now: DateTime<Utc>,
    task_id: u64,
    exec_id: String,
    short: String,
    req: JobRequest,
) -> Job {
    let t = &cfg.timing;
    let d = &req.directives;
    let queue = d.queue.map(std_dur).unwrap_or(if t.fast {
        Duration::zero()
    } else {
        ms(t.queue_ms)
    });
    let start = if t.fast {
        Duration::zero()
    } else {
        ms(t.start_ms)
    };
    let mut run_for = d.duration.map(std_dur).unwrap_or(if t.fast {
        Duration::zero()
    } else {
        ms(t.run_ms)
    });
    let mut timeout = None;
    if let Some(limit) = d.timeout {
        let limit = limit.map(std_dur).unwrap_or(run_for);
        // without a duration, a timeout=… job runs until it times out
        if d.duration.is_none() || limit <= run_for {
            run_for = limit;
            timeout = Some(limit);
        }
    }
    let scheduled_at = now + queue;
    let running_at = scheduled_at + start;
    let finish_at = running_at + run_for;
    let date = now.format("%Y-%m-%d");
    let user = &req.execute_user;
    let creator = &req.creator;
    let result_location = format!(
        "hdfs:///tmp/linkis/{user}/linkis/{date}/{}/{creator}/{task_id}",
        now.format("%H%M%S")
    );
    let log_path = format!("hdfs:///tmp/linkis/log/{date}/{creator}/{user}/{task_id}.log");

    let mut log = JobLog::new(cfg.limits.max_log_lines);
    let accepted = if req.via_execute {
        format!(
            "Your job is accepted,  jobID is {exec_id} and taskID is {task_id} in {}. Please wait it to be scheduled",
            cfg.entrance_instance
        )
    } else {
        format!(
            "Your job is accepted,  jobID is {exec_id} and jobReqId is {task_id} in {}. Please wait it to be scheduled",
            cfg.entrance_instance
        )
    };
    log.push(now, Level::Info, accepted);
    log.push(
        scheduled_at,
        Level::Info,
        "Your job is Scheduled. Please wait it to run.(您的任务已经调度运行中)",
    );
    log.push(
        running_at,
        Level::Info,
        "Your job is Running now. Please wait it to complete.(您的任务已经在运行中)",
    );
    // the directive's output does not depend on the engine: planned now, in the run's
    // second half (the engine's own lines fill the first half when it finishes)
    log.push_synthetic(
        d.log_lines.unwrap_or(0),
        running_at + run_for / 2,
        finish_at,
    );
    Job {
        task_id,
        exec_id,
        short_id: short,
        instance: cfg.entrance_instance.clone(),
        tasks: d.progress_tasks.unwrap_or(1),
        req,
        created: now,
        scheduled_at,
        running_at,
        finish_at,
        end_state: State::Running,
        done: false,
        plan: Plan { run_for, timeout },
        cancel: Default::default(),
        err_code: None,
        err_desc: None,
        log,
        results: Some(Vec::new()),
        result_location,
        log_path,
    }
}

/// Fills in a job's end from what its engine computed, which finished at `done_at` on the
/// clock: the job ends at its planned time, or then if its engine took longer.
pub(super) fn complete(job: &mut Job, done_at: DateTime<Utc>, run: EngineRun) {
    let d = &job.req.directives;
    let finish_at = job.finish_at.max(done_at);
    let (mut end_state, mut err_code, mut err_desc) = (State::Succeed, None, None);
    if let Some(msg) = &run.error {
        (end_state, err_code, err_desc) = (State::Failed, Some(40001), Some(msg.clone()));
    } else if let Some(msg) = &d.fail {
        (end_state, err_code, err_desc) = (
            State::Failed,
            Some(d.error_code.unwrap_or(10001)),
            Some(msg.clone()),
        );
    }
    if let Some(limit) = job.plan.timeout {
        end_state = State::Timeout;
        err_code = Some(10002);
        err_desc = Some(format!(
            "Job run time exceeded the timeout of {}s(任务运行超时)",
            limit.num_milliseconds() as f64 / 1000.0
        ));
    }
    let running_at = job.running_at;
    let log = &mut job.log;
    let synthetic = d.log_lines.unwrap_or(0);
    let engine_end = if synthetic > 0 {
        running_at + job.plan.run_for / 2
    } else {
        finish_at
    };
    let n = run.log.len() as i64;
    let espan = (engine_end - running_at).num_milliseconds().max(0);
    for (i, (level, text)) in run.log.iter().enumerate() {
        let at = running_at + Duration::milliseconds(espan * i as i64 / n.max(1));
        log.push_engine(at, *level, text.clone());
    }
    if let Some(msg) = &d.fail
        && run.error.is_none()
        && end_state == State::Failed
    {
        log.push_engine(engine_end, Level::Error, msg.clone());
    }
    if log.dropped() > 0 {
        log.push(
            finish_at,
            Level::Warn,
            format!(
                "{} engine log lines were dropped (limits.max_log_lines)",
                log.dropped()
            ),
        );
    }
    if let Some(desc) = &err_desc {
        log.push(
            finish_at,
            Level::Error,
            format!("Sorry, your job executed failed with reason: {desc}"),
        );
    }
    log.push(
        finish_at,
        if end_state == State::Succeed {
            Level::Info
        } else {
            Level::Error
        },
        final_line(end_state),
    );
    job.results = Some(
        if end_state == State::Succeed || end_state == State::Failed {
            run.results.into_iter().map(Arc::new).collect()
        } else {
            Vec::new()
        },
    );
    job.finish_at = finish_at;
    job.end_state = end_state;
    job.err_code = err_code;
    job.err_desc = err_desc;
    job.done = true;
}
