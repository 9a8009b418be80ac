//! Job history: `jobhistory/{taskID}/get` and `jobhistory/list`, owner-checked.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::envelope::Envelope;
use crate::error::LinkisError;
use crate::extract::{int_param, query};
use crate::jobs::{Job, State as JobState};
use crate::state::AppState;

pub const NOT_FOUND: &str = "The corresponding job was not found, or there may be no permission to view the job(没有找到对应的job，也可能是没有查看该job的权限)";

/// Routes relative to `/api/rest_j/v1/jobhistory`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/list", get(list))
        .route("/governanceStationAdmin", get(governance))
        .route("/{task_id}/get", get(task_get))
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The QueryTaskVO of a job as seen at `now`.
pub fn task_json(job: &Job, now: DateTime<Utc>, st: &AppState) -> Value {
    let state = job.state(now);
    let (progress, _) = job.progress(now);
    let running = !state.is_terminal();
    let (err_code, err_desc) = if running {
        (None, None)
    } else {
        (job.err_code, job.err_desc.clone())
    };
    let updated = job.updated(now);
    let r = &job.req;
    let task_id = st.cfg.profile.task_id(job.task_id);
    json!({
        "taskID": task_id,
        "instance": job.instance,
        "execId": job.short_id,
        "strongerExecId": job.exec_id,
        "umUser": r.submit_user,
        "submitUser": r.submit_user,
        "executeUser": r.execute_user,
        "engineInstance": if now >= job.running_at { Value::from("127.0.0.1:9110") } else { Value::Null },
        "executionCode": r.code,
        "progress": format!("{progress:?}"),
        "logPath": job.log_path,
        "resultLocation": job.result_location,
        "status": state.as_str(),
        "createdTime": ms(job.created),
        "updatedTime": ms(updated),
        "engineType": r.engine_type,
        "errCode": err_code,
        "errDesc": err_desc,
        "executeApplicationName": r.engine_type,
        "requestApplicationName": r.creator,
        "runType": r.run_type,
        "paramsJson": r.params.to_string(),
        "costTime": (updated - job.created).num_milliseconds(),
        "sourceJson": r.source.to_string(),
        "sourceTailor": r.code.chars().take(100).collect::<String>(),
        "engineStartTime": if now >= job.running_at { Value::from(ms(job.running_at)) } else { Value::Null },
        "labels": r.labels,
        "canRetry": state == JobState::Failed,
        "observeInfo": Value::Null,
        "isReuse": true,
        "requestStartTime": ms(job.created),
        "requestEndTime": if state.is_terminal() { Value::from(ms(job.finish_at)) } else { Value::Null },
        "requestSpendTime": (updated - job.created).num_milliseconds(),
        "metrics": json!({"scheduleTime": ms(job.scheduled_at), "submitTime": ms(job.created)}).to_string(),
        "engineLogPath": Value::Null,
        "ecmInstance": Value::Null,
        "ticketId": Value::Null,
        "subJobs": Value::Null,
    })
}

async fn task_get(State(st): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Envelope {
    let method = Some(format!("/api/jobhistory/{raw}/get"));
    let Ok(task_id) = raw.trim().parse::<u64>() else {
        return LinkisError::Invalid(format!("taskID must be a positive integer, got: {raw}"))
            .envelope(method);
    };
    crate::jobs::runner::settle_job(&st, task_id).await;
    let now = st.clock.now();
    let found = st
        .jobs
        .with(task_id, |j| {
            j.visible_to(&caller).then(|| task_json(j, now, &st))
        })
        .flatten();
    match found {
        Some(task) => Envelope::ok(method, "OK").with("task", task),
        None => LinkisError::NotFound(NOT_FOUND.into()).envelope(method),
    }
}

async fn list(State(st): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Envelope {
    let method = Some("/api/jobhistory/list".to_string());
    crate::jobs::runner::settle_visible(&st, &caller).await;
    match list_inner(&st, &caller, q.as_deref()) {
        Ok((tasks, total)) => Envelope::ok(method, "OK")
            .with("tasks", tasks)
            .with("totalPage", total),
        Err(e) => e.envelope(method),
    }
}

fn list_inner(
    st: &AppState,
    caller: &Caller,
    raw: Option<&str>,
) -> Result<(Vec<Value>, u64), LinkisError> {
    let q = query(raw);
    let now = st.clock.now();
    let start = int_param(&q, "startDate")?.unwrap_or(0);
    let end = match int_param(&q, "endDate")? {
        // upstream extends the end date to the end of that day
        Some(e) => DateTime::from_timestamp_millis(e)
            .and_then(|d| d.date_naive().and_hms_milli_opt(23, 59, 59, 999))
            .map(|d| d.and_utc().timestamp_millis())
            .unwrap_or(i64::MAX),
        None => i64::MAX,
    };
    let page_now = int_param(&q, "pageNow")?.unwrap_or(1);
    let page_size = int_param(&q, "pageSize")?.unwrap_or(20);
    if page_now < 1 || !(1..=1000).contains(&page_size) {
        return Err(LinkisError::Invalid(format!(
            "pageNow must be >= 1 and pageSize between 1 and 1000, got pageNow={page_now}, pageSize={page_size}"
        )));
    }
    let statuses: Option<Vec<JobState>> = match q.get("status").filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => Some(
            s.split(',')
                .map(|x| {
                    JobState::parse(x)
                        .ok_or_else(|| LinkisError::Invalid(format!("Unknown status: {x}")))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let task_filter = int_param(&q, "taskID")?;
    let text = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let engine = text("executeApplicationName");
    let creator = text("creator");
    let run_type = text("runType");
    let admin_view = caller.admin && text("isAdminView").is_some_and(|v| v == "true");
    let proxy_user = text("proxyUser").filter(|_| admin_view);
    let skip = (page_now as u64 - 1).saturating_mul(page_size as u64);
    let mut total = 0u64;
    let mut tasks = Vec::new();
    st.jobs.scan(|j| {
        let created = j.created.timestamp_millis();
        let ok = (admin_view || j.is_callers(caller))
            && created >= start
            && created <= end
            && statuses.as_ref().is_none_or(|s| s.contains(&j.state(now)))
            && task_filter.is_none_or(|t| t as u64 == j.task_id)
            && engine.as_ref().is_none_or(|e| e == &j.req.engine_type)
            && creator.as_ref().is_none_or(|c| c == &j.req.creator)
            && run_type.as_ref().is_none_or(|r| r == &j.req.run_type)
            && proxy_user.as_ref().is_none_or(|u| u == &j.req.execute_user);
        if ok {
            if total >= skip && tasks.len() < page_size as usize {
                tasks.push(task_json(j, now, st));
            }
            total += 1;
        }
        true
    });
    Ok((tasks, total))
}

async fn governance(State(_st): State<AppState>, caller: Caller) -> Envelope {
    Envelope::ok(Some("/api/jobhistory/governanceStationAdmin".into()), "OK")
        .with("admin", caller.admin)
        .with("historyAdmin", caller.admin)
        .with("deptAdmin", false)
        .with("canResultSet", true)
        .with("errorMsgTip", "")
}
