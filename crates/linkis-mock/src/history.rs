//! Job history, owner-checked: `jobhistory/{taskID}/get`, `list` (with upstream's
//! filters), `listundonetasks` / `listundone` (linkis-web's footer), `job-extra-info` and
//! `diagnosis-query` (the history detail tabs), `governanceStationAdmin`.

use std::collections::HashMap;

use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::envelope::Envelope;
use crate::error::{LinkisError, Result};
use crate::extract::{LinkisQuery, int_param};
use crate::jobs::{Job, State as JobState};
use crate::state::AppState;

pub const NOT_FOUND: &str = "The corresponding job was not found, or there may be no permission to view the job(没有找到对应的job，也可能是没有查看该job的权限)";

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The (fake) engine a job runs on, once it has started.
const ENGINE_INSTANCE: &str = "127.0.0.1:9110";

fn engine_instance(job: &Job, now: DateTime<Utc>) -> Option<&'static str> {
    (now >= job.running_at).then_some(ENGINE_INSTANCE)
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
        "engineInstance": engine_instance(job, now),
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

#[utoipa::path(get, path = "/api/rest_j/v1/jobhistory/{task_id}/get", tag = "jobhistory", params(("task_id" = String, Path, description = "The numeric taskID.")), responses(crate::openapi::LinkisResponsesOf<crate::openapi::Task>))]
pub async fn task_get(
    State(st): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Envelope> {
    let task_id = raw.trim().parse::<u64>().map_err(|_| {
        LinkisError::Invalid(format!("taskID must be a positive integer, got: {raw}"))
    })?;
    crate::jobs::runner::settle_job(&st, task_id).await;
    let now = st.clock.now();
    let task = st
        .jobs
        .with(task_id, |j| {
            j.visible_to(&caller).then(|| task_json(j, now, &st))
        })
        .flatten()
        .ok_or_else(|| LinkisError::NotFound(NOT_FOUND.into()))?;
    Ok(Envelope::ok(None, "OK").with("task", task))
}

/// upstream's `QueryUtils` name patterns: what `creator`, engine types and instances may
/// contain (anything else is refused before the query runs).
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_instance(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A `LinkisCommonErrorException` as `list` reports it (its `getMessage`).
fn common_error(desc: String) -> LinkisError {
    LinkisError::Invalid(format!(
        "errCode: 21304 ,desc: {desc} ,ip: 127.0.0.1 ,port: 9105 ,serviceKind: linkis-ps-publicservice"
    ))
}

/// Which jobs a history query selects (every field narrows; `None` = any).
#[derive(Default)]
struct Filter {
    /// Only the caller's own jobs (submitter or executor).
    own: Option<Caller>,
    /// Only jobs submitted by this user (admin view with `proxyUser`).
    submit_user: Option<String>,
    start: i64,
    end: i64,
    statuses: Option<Vec<JobState>>,
    task_id: Option<u64>,
    min_task_id: Option<u64>,
    engine: Option<String>,
    creator: Option<String>,
    run_type_prefix: Option<String>,
    instance: Option<String>,
    engine_instance_prefix: Option<String>,
}

impl Filter {
    fn matches(&self, j: &Job, now: DateTime<Utc>) -> bool {
        let created = j.created.timestamp_millis();
        self.own.as_ref().is_none_or(|c| j.is_callers(c))
            && self
                .submit_user
                .as_ref()
                .is_none_or(|u| u == &j.req.submit_user)
            && created >= self.start
            && created <= self.end
            && self
                .statuses
                .as_ref()
                .is_none_or(|s| s.contains(&j.state(now)))
            && self.task_id.is_none_or(|t| t == j.task_id)
            && self.min_task_id.is_none_or(|t| j.task_id >= t)
            && self.engine.as_ref().is_none_or(|e| e == &j.req.engine_type)
            && self.creator.as_ref().is_none_or(|c| c == &j.req.creator)
            && self
                .run_type_prefix
                .as_ref()
                .is_none_or(|r| j.req.run_type.starts_with(r.as_str()))
            && self
                .instance
                .as_ref()
                .is_none_or(|i| i.eq_ignore_ascii_case(&j.instance))
            && self
                .engine_instance_prefix
                .as_ref()
                .is_none_or(|p| engine_instance(j, now).is_some_and(|e| e.starts_with(p.as_str())))
    }

    /// One page of matching tasks (newest first) and the number of matches.
    fn page(&self, st: &AppState, page_now: i64, page_size: i64) -> (Vec<Value>, u64) {
        let now = st.clock.now();
        let skip = (page_now as u64 - 1).saturating_mul(page_size as u64);
        let mut total = 0u64;
        let mut tasks = Vec::new();
        st.jobs.scan(|j| {
            if self.matches(j, now) {
                if total >= skip && tasks.len() < page_size as usize {
                    tasks.push(task_json(j, now, st));
                }
                total += 1;
            }
            true
        });
        (tasks, total)
    }
}

/// Waits for the engines of the jobs a filter may select (see [`crate::jobs::runner`]).
async fn settle_visible(st: &AppState, filter: &Filter) {
    match &filter.own {
        Some(caller) => crate::jobs::runner::settle_visible(st, caller).await,
        None => crate::jobs::runner::settle_all(st).await,
    }
}

fn text(q: &HashMap<String, String>, k: &str) -> Option<String> {
    q.get(k)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn paging(q: &HashMap<String, String>) -> Result<(i64, i64)> {
    let page_now = int_param(q, "pageNow")?.unwrap_or(1);
    let page_size = int_param(q, "pageSize")?.unwrap_or(20);
    if page_now < 1 || !(1..=1000).contains(&page_size) {
        return Err(LinkisError::Invalid(format!(
            "pageNow must be >= 1 and pageSize between 1 and 1000, got pageNow={page_now}, pageSize={page_size}"
        )));
    }
    Ok((page_now, page_size))
}

fn statuses(q: &HashMap<String, String>, default: Option<&str>) -> Result<Option<Vec<JobState>>> {
    let Some(s) = text(q, "status").or_else(|| default.map(str::to_owned)) else {
        return Ok(None);
    };
    s.split(',')
        .map(|x| {
            JobState::parse(x).ok_or_else(|| {
                LinkisError::Invalid(format!(
                    "Unknown status: {x} (one of Inited, WaitForRetry, Scheduled, Running, Succeed, Failed, Cancelled, Timeout)"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// `jobhistory/list`: every filter upstream's query honours; `totalPage` is the number
/// of matching records, as upstream.
#[utoipa::path(get, path = "/api/rest_j/v1/jobhistory/list", tag = "jobhistory", params(("pageNow" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("startDate" = Option<String>, Query), ("endDate" = Option<String>, Query), ("status" = Option<String>, Query), ("creator" = Option<String>, Query), ("executeApplicationName" = Option<String>, Query), ("instance" = Option<String>, Query), ("engineInstance" = Option<String>, Query), ("isAdminView" = Option<String>, Query), ("proxyUser" = Option<String>, Query), ("taskID" = Option<i64>, Query), ("runType" = Option<String>, Query)), responses(crate::openapi::LinkisResponsesOf<crate::openapi::TaskPage>))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let start = int_param(&q, "startDate")?.unwrap_or(0);
    let end = match int_param(&q, "endDate")? {
        // upstream extends the end date to the end of that day
        Some(e) => DateTime::from_timestamp_millis(e)
            .and_then(|d| d.date_naive().and_hms_milli_opt(23, 59, 59, 999))
            .map(|d| d.and_utc().timestamp_millis())
            .unwrap_or(i64::MAX),
        None => i64::MAX,
    };
    let (page_now, page_size) = paging(&q)?;
    let creator = text(&q, "creator");
    if let Some(c) = creator.as_deref().filter(|c| !is_name(c)) {
        return Err(common_error(format!("Invalid creator : {c}")));
    }
    let engine = text(&q, "executeApplicationName");
    if let Some(e) = engine.as_deref().filter(|e| !is_name(e)) {
        return Err(common_error(format!("Invalid applicationName : {e}")));
    }
    let instance = text(&q, "instance");
    let engine_instance = text(&q, "engineInstance");
    for i in [&instance, &engine_instance].into_iter().flatten() {
        if !is_instance(i) {
            return Err(common_error(format!("Invalid instances : {i}")));
        }
    }
    let admin_view = caller.admin && text(&q, "isAdminView").is_some_and(|v| v == "true");
    let filter = Filter {
        submit_user: text(&q, "proxyUser").filter(|_| admin_view),
        own: (!admin_view).then_some(caller),
        start,
        end,
        statuses: statuses(&q, None)?,
        task_id: int_param(&q, "taskID")?.map(|t| t as u64),
        engine,
        creator,
        run_type_prefix: text(&q, "runType"),
        instance,
        engine_instance_prefix: engine_instance,
        ..Filter::default()
    };
    settle_visible(&st, &filter).await;
    let (tasks, total) = filter.page(&st, page_now, page_size);
    Ok(Envelope::ok(None, "OK")
        .with("tasks", tasks)
        .with("totalPage", total))
}

/// The filter of `listundonetasks` / `listundone`: the caller's unfinished jobs of the
/// last day before `endDate` (default now) unless `startDate` is given.
fn undone_filter(st: &AppState, caller: Caller, q: &HashMap<String, String>) -> Result<Filter> {
    let creator = text(q, "creator");
    if let Some(c) = creator.as_deref().filter(|c| !is_name(c)) {
        return Err(LinkisError::Invalid(format!("Invalid creator : {c}")));
    }
    let engine = text(q, "engineType");
    if let Some(e) = engine.as_deref().filter(|e| !is_name(e)) {
        return Err(LinkisError::Invalid(format!("Invalid engienType: {e}")));
    }
    let mut end = int_param(q, "endDate")?.unwrap_or_else(|| st.clock.now().timestamp_millis());
    let start = match int_param(q, "startDate")?.unwrap_or(0) {
        0 => end.saturating_sub(Duration::days(1).num_milliseconds()),
        s => s,
    };
    if start == end {
        end = end.saturating_add(Duration::days(1).num_milliseconds());
    }
    Ok(Filter {
        own: Some(caller),
        start,
        end,
        statuses: statuses(q, Some("Running,Inited,Scheduled"))?,
        min_task_id: int_param(q, "startTaskID")?.map(|t| t.max(0) as u64),
        engine,
        creator,
        ..Filter::default()
    })
}

/// `jobhistory/listundonetasks` (linkis-web's footer, every console page).
#[utoipa::path(get, path = "/api/rest_j/v1/jobhistory/listundonetasks", tag = "jobhistory", params(("pageNow" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("startDate" = Option<String>, Query), ("endDate" = Option<String>, Query), ("creator" = Option<String>, Query), ("engineType" = Option<String>, Query), ("startTaskID" = Option<i64>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn list_undone_tasks(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let filter = undone_filter(&st, caller, &q)?;
    let (page_now, page_size) = paging(&q)?;
    settle_visible(&st, &filter).await;
    let (tasks, total) = filter.page(&st, page_now, page_size);
    Ok(Envelope::ok(None, "OK")
        .with("tasks", tasks)
        .with("totalPage", total))
}

/// `jobhistory/listundone`: only the count, in `totalPage`.
#[utoipa::path(get, path = "/api/rest_j/v1/jobhistory/listundone", tag = "jobhistory", params(("pageNow" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("startDate" = Option<String>, Query), ("endDate" = Option<String>, Query), ("creator" = Option<String>, Query), ("engineType" = Option<String>, Query), ("startTaskID" = Option<i64>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn list_undone(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let mut q = q;
    q.remove("status");
    let filter = undone_filter(&st, caller, &q)?;
    settle_visible(&st, &filter).await;
    let (_, total) = filter.page(&st, 1, 1);
    Ok(Envelope::ok(None, "OK").with("totalPage", total))
}

/// `f` of the job `id` when the caller may see it; `None` when there is no such job or
/// the caller may not see it.
fn visible_job<R>(
    st: &AppState,
    caller: &Caller,
    id: u64,
    f: impl FnOnce(&Job, DateTime<Utc>) -> R,
) -> Option<R> {
    let now = st.clock.now();
    st.jobs
        .with(id, |j| j.visible_to(caller).then(|| f(j, now)))
        .flatten()
}

/// Upstream's metrics date format (`yyyy-MM-dd'T'HH:mm:ssZ`).
fn metrics_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

/// upstream's `ByteTimeUtils.msDurationToString`.
fn duration_text(ms: i64) -> String {
    const S: i64 = 1000;
    match ms {
        t if t < S => format!("{t} ms"),
        t if t < 60 * S => format!("{:.1} s", t as f64 / S as f64),
        t if t < 3600 * S => format!("{:.1} m", t as f64 / (60 * S) as f64),
        t => format!("{:.2} h", t as f64 / (3600 * S) as f64),
    }
}

/// `jobhistory/job-extra-info?jobId=`: the job's metrics, its code and its run time.
#[utoipa::path(get, path = "/api/rest_j/v1/jobhistory/job-extra-info", tag = "jobhistory", params(("jobId" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn job_extra_info(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let id = int_param(&q, "jobId")?
        .ok_or_else(|| LinkisError::Invalid("Invalid jobId cannot be empty".into()))?;
    let id = u64::try_from(id).unwrap_or(0);
    crate::jobs::runner::settle_job(&st, id).await;
    let metrics = visible_job(&st, &caller, id, metrics_map)
        .ok_or_else(|| LinkisError::NotFound(NOT_FOUND.into()))?;
    Ok(Envelope::ok(None, "OK").with("metricsMap", metrics))
}

fn metrics_map(j: &Job, now: DateTime<Utc>) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, t: DateTime<Utc>| {
        if t <= now {
            m.insert(k.into(), metrics_date(t).into());
        }
    };
    put("submitTime", j.created);
    put("scheduleTime", j.scheduled_at);
    put("runningTime", j.running_at);
    let done = j.state(now).is_terminal();
    if done {
        put("completeTime", j.finish_at);
    }
    if let Some(e) = engine_instance(j, now) {
        m.insert("engineInstance".into(), e.into());
    }
    m.insert("executionCode".into(), j.req.code.clone().into());
    // upstream computes it from the second-precision dates above
    let runtime = if done {
        duration_text((j.finish_at.timestamp() - j.created.timestamp()) * 1000)
    } else {
        "The task did not end normally and the usage time could not be counted.(任务并未正常结束，无法统计使用时间)".into()
    };
    m.insert("runtime".into(), runtime.into());
    Value::Object(m)
}

/// `jobhistory/diagnosis-query?taskID=`: `diagnosisMsg`, empty unless the job failed.
#[utoipa::path(get, path = "/api/rest_j/v1/jobhistory/diagnosis-query", tag = "jobhistory", params(("taskID" = Option<i64>, Query), ("diagnosisSource" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn diagnosis_query(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    let raw = text(&q, "taskID")
        .ok_or_else(|| LinkisError::Invalid("Invalid jobId cannot be empty".into()))?;
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LinkisError::coded(21304, format!("Invalid taskID : {raw}")));
    }
    let source = text(&q, "diagnosisSource").unwrap_or_else(|| "linkis".into());
    let msg = match (source.as_str(), raw.parse::<u64>()) {
        ("doctoris", _) | (_, Err(_)) => None,
        (_, Ok(id)) => {
            crate::jobs::runner::settle_job(&st, id).await;
            visible_job(&st, &caller, id, diagnosis).flatten()
        }
    };
    Ok(Envelope::ok(None, "OK").with("diagnosisMsg", msg.unwrap_or_default()))
}

/// MOCK-DEFINED diagnosis: the failure of a Failed/Timeout job, else nothing.
fn diagnosis(j: &Job, now: DateTime<Utc>) -> Option<String> {
    let state = j.state(now);
    matches!(state, JobState::Failed | JobState::Timeout).then(|| {
        format!(
            "Job {} ended {}: errCode {}, {}",
            j.task_id,
            state.as_str(),
            j.err_code.map_or("null".into(), |c| c.to_string()),
            j.err_desc.as_deref().unwrap_or("no error description")
        )
    })
}

#[utoipa::path(
    get,
    path = "/api/rest_j/v1/jobhistory/governanceStationAdmin",
    tag = "jobhistory",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn governance(caller: Caller) -> Envelope {
    Envelope::ok(None, "OK")
        .with("admin", caller.admin)
        .with("historyAdmin", caller.admin)
        .with("deptAdmin", false)
        .with("canResultSet", true)
        .with("errorMsgTip", "")
}
