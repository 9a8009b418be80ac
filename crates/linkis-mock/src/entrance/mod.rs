//! Entrance endpoints: execute, submit, status, log, progress, kill, killJobs, pause,
//! metrics. Thin handlers over [`crate::jobs`] (which job a request names:
//! [`crate::jobs::lookup`]) and [`parse`] (what a submission asks for).

pub mod parse;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::envelope::Envelope;
use crate::error::{LinkisError, Result};
use crate::extract::{LinkisJson, LinkisQuery, header, int_param};
use crate::joblog::split_levels;
use crate::jobs::JobRequest;
use crate::jobs::lookup::{self, StatusSource};
use crate::jobs::runner::{settle_all, settle_job, start};
use crate::profile::Op;
use crate::state::AppState;

/// Most lines one log request returns (`size` above it is refused; negative size means this).
pub const MAX_LOG_PAGE: i64 = 10_000;

async fn create(st: &AppState, op: Op, req: JobRequest) -> Result<Envelope> {
    let p = st.cfg.profile;
    let (task_id, exec_id) = start(st, req).await?;
    tracing::info!(task_id, exec_id = %exec_id, "job accepted");
    Ok(Envelope::ok(None, p.ok_message(op))
        .with("execID", exec_id)
        .with("taskID", p.task_id(task_id)))
}

/// `execute`: the 0.x body, bare or wrapped as in the seed (a 1.x body works too).
#[utoipa::path(post, path = "/execute", tag = "entrance", request_body = crate::openapi::Submit, responses(crate::openapi::LinkisResponsesOf<crate::openapi::Submitted>))]
pub async fn execute(
    State(st): State<AppState>,
    caller: Caller,
    LinkisJson(body): LinkisJson,
) -> Result<Envelope> {
    let b = parse::unwrap_seed(body);
    let req = if b.get("executionContent").is_some() {
        parse::submit(&b, &caller, &st.cfg)?
    } else {
        parse::execute(&b, &caller, &st.cfg)?
    };
    create(&st, Op::Execute, req).await
}

/// `submit`: the 1.x body.
#[utoipa::path(post, path = "/submit", tag = "entrance", request_body = crate::openapi::Submit, responses(crate::openapi::LinkisResponsesOf<crate::openapi::Submitted>))]
pub async fn submit(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    LinkisJson(body): LinkisJson,
) -> Result<Envelope> {
    // upstream reads the token from the header; with both token headers it is also what
    // authenticated the request
    let admin_token = header(&headers, "Token-User").is_some()
        && header(&headers, "Token-Code").is_some_and(|c| parse::is_admin_token(&c));
    let b = parse::unwrap_seed(body);
    // Seeded admins count too.
    let caller = parse::acting_caller(&b, caller, admin_token, |u| st.auth.admin(&st.cfg, u))?;
    let req = parse::submit(&b, &caller, &st.cfg)?;
    create(&st, Op::Submit, req).await
}

#[utoipa::path(get, path = "/{id}/status", tag = "entrance", params(("id" = String, Path, description = "The execID (or the numeric taskID)."), ("taskID" = Option<i64>, Query)), responses(crate::openapi::LinkisResponsesOf<crate::openapi::Status>))]
pub async fn status(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let source = lookup::for_status(&st.jobs, &id, int_param(&q, "taskID")?)?;
    let state = match source {
        StatusSource::Entrance(task) => {
            settle_job(&st, task).await;
            let now = st.clock.now();
            st.jobs
                .with(task, |j| j.state(now))
                .ok_or_else(|| LinkisError::NotFound(lookup::NO_JOB_FOR_STATUS.into()))?
        }
        StatusSource::History(task) => {
            settle_job(&st, task).await;
            let now = st.clock.now();
            st.jobs
                .with(task, |j| j.visible_to(&caller).then(|| j.state(now)))
                .flatten()
                .ok_or_else(|| LinkisError::NotFound(crate::history::NOT_FOUND.into()))?
        }
    };
    Ok(Envelope::ok(None, st.cfg.profile.ok_message(Op::Status))
        .with("execID", id)
        .with("status", state.as_str()))
}

/// `log`'s paging parameters: (fromLine, size, distinctLevel).
fn log_params(q: &std::collections::HashMap<String, String>) -> Result<(u64, u64, bool)> {
    let from = int_param(q, "fromLine")?.unwrap_or(0).max(0);
    let size = match int_param(q, "size")?.unwrap_or(100) {
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
}

#[utoipa::path(get, path = "/{id}/log", tag = "entrance", params(("id" = String, Path, description = "The execID (or the numeric taskID)."), ("fromLine" = Option<i64>, Query), ("size" = Option<i64>, Query), ("distinctLevel" = Option<String>, Query)), responses(crate::openapi::LinkisResponsesOf<crate::openapi::Log>))]
pub async fn log(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let (from, size, distinct) = log_params(&q)?;
    let task = lookup::for_log(&st.jobs, &id)?;
    settle_job(&st, task).await;
    let now = st.clock.now();
    let lines = st
        .jobs
        .with(task, |j| j.log.page(now, from, size))
        .ok_or_else(|| lookup::no_job_for_log(&id))?;
    let next = from + lines.len() as u64;
    let levels = split_levels(&lines, false);
    let log = if distinct {
        json!(levels)
    } else {
        let [_, _, _, all] = levels;
        json!(all)
    };
    Ok(Envelope::ok(None, st.cfg.profile.ok_message(Op::Log))
        .with("execID", id)
        .with("log", log)
        .with("fromLine", next))
}

async fn progress_data(st: &AppState, id: &str, op: Op) -> Result<Envelope> {
    let task = lookup::for_progress(&st.jobs, id)?;
    settle_job(st, task).await;
    let now = st.clock.now();
    let (p, info) = st
        .jobs
        .with(task, |j| j.progress(now))
        .ok_or_else(lookup::no_job_for_progress)?;
    Ok(Envelope::ok(None, st.cfg.profile.ok_message(op))
        .with("execID", id)
        .with("progress", p)
        .with("progressInfo", info))
}

#[utoipa::path(get, path = "/{id}/progress", tag = "entrance", params(("id" = String, Path, description = "The execID (or the numeric taskID).")), responses(crate::openapi::LinkisResponses))]
pub async fn progress(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Envelope> {
    progress_data(&st, &id, Op::Progress).await
}

#[utoipa::path(get, path = "/{id}/progressWithResource", tag = "entrance", params(("id" = String, Path, description = "The execID (or the numeric taskID).")), responses(crate::openapi::LinkisResponses))]
pub async fn progress_with_resource(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Envelope> {
    Ok(progress_data(&st, &id, Op::ProgressWithResource)
        .await?
        .with("yarnResource", Value::Null))
}

/// Kills the job `id` (or `task`) names.
fn kill_one(st: &AppState, caller: &Caller, id: &str, task: Option<i64>) -> Result<Envelope> {
    let task = lookup::for_kill(&st.jobs, id, task)?;
    st.jobs
        .kill(task, st.clock.now(), &caller.execute_user, caller.admin)?;
    tracing::info!(task_id = task, by = %caller.execute_user, "job killed");
    Ok(Envelope::ok(None, st.cfg.profile.ok_message(Op::Kill)).with("execID", id))
}

#[utoipa::path(method(get, post), path = "/{id}/kill", tag = "entrance", params(("id" = String, Path, description = "The execID (or the numeric taskID)."), ("taskID" = Option<i64>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn kill(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    kill_one(&st, &caller, &id, int_param(&q, "taskID")?)
}

#[utoipa::path(post, path = "/{id}/killJobs", tag = "entrance", params(("id" = String, Path)), request_body = crate::openapi::KillJobs, responses(crate::openapi::LinkisResponses))]
pub async fn kill_jobs(
    State(st): State<AppState>,
    caller: Caller,
    LinkisJson(body): LinkisJson,
) -> Result<Envelope> {
    let (Some(ids), Some(tasks)) = (
        body.get("idList").and_then(Value::as_array),
        body.get("taskIDList").and_then(Value::as_array),
    ) else {
        return Err(LinkisError::Invalid(
            "Request parameter error, please use array(请求参数错误，请使用数组)".into(),
        ));
    };
    if ids.len() != tasks.len() {
        return Err(LinkisError::Invalid("The length of the ID list does not match the length of the TASKID list(id列表的长度与taskId列表的长度不一致)".into()));
    }
    let p = st.cfg.profile;
    let messages: Vec<Value> = ids
        .iter()
        .zip(tasks)
        .map(|(i, t)| {
            let exec = i.as_str().unwrap_or_default();
            let task = t
                .as_i64()
                .or_else(|| t.as_str().and_then(|s| s.parse().ok()));
            // each answer names the kill of its own execID
            let method = Some(p.method(Op::Kill, Some(exec)));
            let mut env = kill_one(&st, &caller, exec, task).unwrap_or_else(|e| e.envelope(None));
            env.method = method;
            env.to_json()
        })
        .collect();
    Ok(Envelope::ok(None, p.ok_message(Op::KillJobs)).with("messages", messages))
}

#[utoipa::path(get, path = "/{id}/pause", tag = "entrance", params(("id" = String, Path, description = "The execID (or the numeric taskID).")), responses(crate::openapi::LinkisResponses))]
pub async fn pause(
    State(st): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Envelope> {
    lookup::for_pause(&st.jobs, &id)?;
    Ok(Envelope::ok(None, st.cfg.profile.ok_message(Op::Pause)).with("execID", id))
}

#[utoipa::path(
    get,
    path = "/operation/metrics/runningtask",
    tag = "entrance",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn running_tasks(State(st): State<AppState>, _caller: Caller) -> Envelope {
    // the entrance-wide count depends on every job
    settle_all(&st).await;
    let n = st.jobs.running(st.clock.now());
    Envelope::ok(None, "success")
        .with("runningTaskNumber", n)
        .with("isCompleted", n == 0)
}
