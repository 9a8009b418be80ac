//! Entrance endpoints: execute, submit, status, log, progress, kill, killJobs, pause,
//! metrics. Thin handlers over [`crate::jobs`] and [`crate::engines`].

pub mod parse;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::envelope::Envelope;
use crate::error::LinkisError;
use crate::extract::{int_param, json_body, query};
use crate::joblog::split_levels;
use crate::jobs::JobRequest;
use crate::jobs::runner::settle_job;
use crate::profile::{Op, parse_exec_id};
use crate::state::AppState;

/// Routes relative to `/api/rest_j/v1/entrance` (and the seed's `/api/rest_j/entrance`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/execute", post(execute))
        .route("/submit", post(submit))
        .route("/operation/metrics/runningtask", get(running_tasks))
        .route("/{id}/status", get(status))
        .route("/{id}/log", get(log))
        .route("/{id}/progress", get(progress))
        .route("/{id}/progressWithResource", get(progress_with_resource))
        .route("/{id}/kill", get(kill).post(kill))
        .route("/{id}/killJobs", post(kill_jobs))
        .route("/{id}/pause", get(pause))
}

/// Upstream's answer to `status` for a well-formed execID without a job.
const NO_JOB_FOR_STATUS: &str = "ID The corresponding job is empty and cannot obtain the corresponding task status.(ID 对应的job为空，不能获取相应的任务状态)";

/// Upstream's answer to `log` for a well-formed execID without a job.
fn no_job_for_log(id: &str) -> LinkisError {
    LinkisError::NotFound(format!(
        "Can't find execID(不能找到execID): {id}Corresponding job, can not get the corresponding log(对应的job，不能获得对应的日志)"
    ))
}

/// Why an execID does not lead to a job.
enum Miss {
    Malformed,
    Unknown,
}

fn lookup(st: &AppState, exec_id: &str) -> Result<u64, Miss> {
    let parsed = parse_exec_id(exec_id).ok_or(Miss::Malformed)?;
    st.jobs.find_short(&parsed.short).ok_or(Miss::Unknown)
}

async fn create(st: &AppState, op: Op, req: Result<JobRequest, LinkisError>) -> Envelope {
    let p = st.cfg.profile;
    let method = Some(p.method(op, None));
    let req = match req {
        Ok(r) => r,
        Err(e) => return e.envelope(method),
    };
    match crate::jobs::runner::start(st, req).await {
        Ok((task_id, exec_id)) => {
            tracing::info!(task_id, exec_id = %exec_id, "job accepted");
            Envelope::ok(method, p.ok_message(op))
                .with("execID", exec_id)
                .with("taskID", p.task_id(task_id))
        }
        Err(e) => e.envelope(method),
    }
}

async fn execute(State(st): State<AppState>, caller: Caller, body: Bytes) -> Envelope {
    let req = json_body(&body).and_then(|b| {
        let b = parse::unwrap_seed(b);
        if b.get("executionContent").is_some() {
            parse::submit(&b, &caller, &st.cfg)
        } else {
            parse::execute(&b, &caller, &st.cfg)
        }
    });
    create(&st, Op::Execute, req).await
}

async fn submit(
    State(st): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Envelope {
    // upstream reads the token from the header; with both token headers it is also what
    // authenticated the request
    let admin_token = crate::extract::header(&headers, "Token-User").is_some()
        && crate::extract::header(&headers, "Token-Code")
            .is_some_and(|c| parse::is_admin_token(&c));
    let req = json_body(&body).map(parse::unwrap_seed).and_then(|b| {
        let caller = parse::acting_caller(&b, caller, admin_token, &st.cfg)?;
        parse::submit(&b, &caller, &st.cfg)
    });
    create(&st, Op::Submit, req).await
}

async fn status(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Envelope {
    let method = Some(st.cfg.profile.method(Op::Status, Some(&id)));
    let q = query(q.as_deref());
    let found = lookup(&st, &id);
    let task = match (found, int_param(&q, "taskID")) {
        (Ok(t), _) => t,
        (Err(_), Err(e)) => return e.envelope(method),
        (Err(_), Ok(Some(t))) if t > 0 => {
            // upstream falls back to job history when a taskID is given
            settle_job(&st, t as u64).await;
            let now = st.clock.now();
            let seen = st
                .jobs
                .with(t as u64, |j| j.visible_to(&caller).then(|| j.state(now)));
            return match seen.flatten() {
                Some(s) => Envelope::ok(method, st.cfg.profile.ok_message(Op::Status))
                    .with("status", s.as_str())
                    .with("execID", id),
                None => LinkisError::NotFound(crate::history::NOT_FOUND.into()).envelope(method),
            };
        }
        (Err(Miss::Malformed), _) => {
            return LinkisError::NotFound("Get job by ID error and cannot obtain the corresponding task status.(获取job时发生异常，不能获取相应的任务状态)".into()).envelope(method);
        }
        (Err(Miss::Unknown), _) => {
            return LinkisError::NotFound(NO_JOB_FOR_STATUS.into()).envelope(method);
        }
    };
    settle_job(&st, task).await;
    let now = st.clock.now();
    match st.jobs.with(task, |j| j.state(now)) {
        Some(s) => Envelope::ok(method, st.cfg.profile.ok_message(Op::Status))
            .with("execID", id)
            .with("status", s.as_str()),
        None => LinkisError::NotFound(NO_JOB_FOR_STATUS.into()).envelope(method),
    }
}

/// Most lines one log request returns (`size` above it is refused; negative size means this).
pub const MAX_LOG_PAGE: i64 = 10_000;

async fn log(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Envelope {
    let method = Some(st.cfg.profile.method(Op::Log, Some(&id)));
    let q = query(q.as_deref());
    let parsed = (|| {
        let from = int_param(&q, "fromLine")?.unwrap_or(0).max(0);
        let size = match int_param(&q, "size")?.unwrap_or(100) {
            s if s < 0 => MAX_LOG_PAGE,
            s if s > MAX_LOG_PAGE => {
                return Err(LinkisError::Invalid(format!(
                    "Parameter size must be at most {MAX_LOG_PAGE} lines per request (negative means {MAX_LOG_PAGE}), got: {s}"
                )));
            }
            s => s,
        };
        let distinct = match q
            .get("distinctLevel")
            .map(|s| s.trim().to_ascii_lowercase())
        {
            None => true,
            Some(s) if s.is_empty() || s == "true" => true,
            Some(s) if s == "false" => false,
            Some(s) => {
                return Err(LinkisError::Invalid(format!(
                    "Parameter distinctLevel must be true or false, got: {s}"
                )));
            }
        };
        Ok((from as u64, size as u64, distinct))
    })();
    let (from, size, distinct) = match parsed {
        Ok(v) => v,
        Err(e) => return e.envelope(method),
    };
    let task = match lookup(&st, &id) {
        Ok(t) => t,
        Err(Miss::Malformed) => {
            return LinkisError::NotFound("The job you just executed has ended. This interface no longer provides a query. It is recommended that you download the log file for viewing.(您刚刚执行的job已经结束，本接口不再提供查询，建议您下载日志文件进行查看)".into()).envelope(method);
        }
        Err(Miss::Unknown) => {
            return no_job_for_log(&id).envelope(method);
        }
    };
    settle_job(&st, task).await;
    let now = st.clock.now();
    let Some(lines) = st.jobs.with(task, |j| j.log.page(now, from, size)) else {
        return no_job_for_log(&id).envelope(method);
    };
    let next = from + lines.len() as u64;
    let levels = split_levels(&lines, false);
    let log = if distinct {
        json!(levels)
    } else {
        let [_, _, _, all] = levels;
        json!(all)
    };
    Envelope::ok(method, st.cfg.profile.ok_message(Op::Log))
        .with("execID", id)
        .with("log", log)
        .with("fromLine", next)
}

async fn progress_data(st: &AppState, id: &str, op: Op) -> Envelope {
    let method = Some(st.cfg.profile.method(op, Some(id)));
    let not_found = || {
        LinkisError::NotFound("The job corresponding to the ID is empty, and the corresponding task progress cannot be obtained.(ID 对应的job为空，不能获取相应的任务进度)".into())
            .envelope(method.clone())
    };
    let Ok(task) = lookup(st, id) else {
        return not_found();
    };
    settle_job(st, task).await;
    let now = st.clock.now();
    match st.jobs.with(task, |j| j.progress(now)) {
        Some((p, info)) => Envelope::ok(method, st.cfg.profile.ok_message(op))
            .with("execID", id)
            .with("progress", p)
            .with("progressInfo", info),
        None => not_found(),
    }
}

async fn progress(State(st): State<AppState>, _caller: Caller, Path(id): Path<String>) -> Envelope {
    progress_data(&st, &id, Op::Progress).await
}

async fn progress_with_resource(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Envelope {
    let mut env = progress_data(&st, &id, Op::ProgressWithResource).await;
    if env.status == 0 {
        env = env.with("yarnResource", Value::Null);
    }
    env
}

/// Kills one job; the envelope is the kill answer for `id`.
fn kill_one(st: &AppState, caller: &Caller, id: &str, task_param: Option<i64>) -> Envelope {
    let method = Some(st.cfg.profile.method(Op::Kill, Some(id)));
    let task = match (lookup(st, id), task_param) {
        (Ok(t), _) => t,
        (Err(_), Some(t)) if t > 0 => t as u64,
        _ => {
            return LinkisError::NotFound(
                "Get job by ID error, kill failed.(获取job时发生异常，kill失败)".into(),
            )
            .envelope(method);
        }
    };
    match st
        .jobs
        .kill(task, st.clock.now(), &caller.execute_user, caller.admin)
    {
        Ok(()) => {
            tracing::info!(task_id = task, by = %caller.execute_user, "job killed");
            Envelope::ok(method, st.cfg.profile.ok_message(Op::Kill)).with("execID", id)
        }
        Err(e) => e.envelope(method),
    }
}

async fn kill(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Envelope {
    let q = query(q.as_deref());
    match int_param(&q, "taskID") {
        Ok(t) => kill_one(&st, &caller, &id, t),
        Err(e) => e.envelope(Some(st.cfg.profile.method(Op::Kill, Some(&id)))),
    }
}

async fn kill_jobs(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Envelope {
    let method = Some(st.cfg.profile.method(Op::KillJobs, Some(&id)));
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(e) => return e.envelope(method),
    };
    let (Some(ids), Some(tasks)) = (
        body.get("idList").and_then(Value::as_array),
        body.get("taskIDList").and_then(Value::as_array),
    ) else {
        return LinkisError::Invalid(
            "Request parameter error, please use array(请求参数错误，请使用数组)".into(),
        )
        .envelope(method);
    };
    if ids.len() != tasks.len() {
        return LinkisError::Invalid("The length of the ID list does not match the length of the TASKID list(id列表的长度与taskId列表的长度不一致)".into()).envelope(method);
    }
    let messages: Vec<Value> = ids
        .iter()
        .zip(tasks)
        .map(|(i, t)| {
            let exec = i.as_str().unwrap_or_default();
            let task = t
                .as_i64()
                .or_else(|| t.as_str().and_then(|s| s.parse().ok()));
            kill_one(&st, &caller, exec, task).to_json()
        })
        .collect();
    Envelope::ok(method, st.cfg.profile.ok_message(Op::KillJobs)).with("messages", messages)
}

async fn pause(State(st): State<AppState>, _caller: Caller, Path(id): Path<String>) -> Envelope {
    let method = Some(st.cfg.profile.method(Op::Pause, Some(&id)));
    match lookup(&st, &id) {
        Ok(_) => Envelope::ok(method, st.cfg.profile.ok_message(Op::Pause)).with("execID", id),
        Err(_) => LinkisError::NotFound(format!(
            "can not find the job of exexID :{id} can not pause (不能找到execID: {id}对应的job，不能进行pause)"
        ))
        .envelope(method),
    }
}

async fn running_tasks(State(st): State<AppState>, _caller: Caller) -> Envelope {
    // the entrance-wide count depends on every job
    crate::jobs::runner::settle_all(&st).await;
    let n = st.jobs.running(st.clock.now());
    Envelope::ok(
        Some("/api/entrance/operation/metrics/runningtask".into()),
        "success",
    )
    .with("runningTaskNumber", n)
    .with("isCompleted", n == 0)
}
