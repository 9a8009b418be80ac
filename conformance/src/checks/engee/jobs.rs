//! Async jobs: create (202 / 409), result (IN_PROGRESS → DONE, success and error shapes),
//! list, unknown ids, validation, ordering, and jobs sharing the workspace.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, EngeeEnv, UserApi};
use crate::http::Resp;
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "engee.jobs.create",
            Engee,
            Spec,
            "POST external/command/jobs/create {job_id (UUID), job_type EVAL, code, name} → 202 Accepted",
            create
        ),
        check!(
            "engee.jobs.create.body",
            Engee,
            MockDefined,
            "the 202 body is the job as /result shows it (status IN_PROGRESS)",
            create_body
        ),
        check!(
            "engee.jobs.duplicate",
            Engee,
            Spec,
            "creating an existing job_id → 409 Conflict and no duplicate appears in the list",
            duplicate
        ),
        check!(
            "engee.jobs.in_progress",
            Engee,
            Spec,
            "a running job's /result is 200 {job_id, name, job_type EVAL, status IN_PROGRESS, start_time, end_time null, result null}",
            in_progress
        ),
        check!(
            "engee.jobs.done",
            Engee,
            Spec,
            "a finished job is DONE with end_time and result {\"type\":\"success\",\"data\":{\"text\":\"10\"}} for a = 5; sleep(..); a * 2",
            done
        ),
        check!(
            "engee.jobs.error_result",
            Engee,
            Spec,
            "a job that raises is DONE with result {type: error, data: {type, short_description, full_description}}",
            error_result
        ),
        check!(
            "engee.jobs.unknown",
            Engee,
            Spec,
            "GET jobs/{unknown id}/result → 404",
            unknown
        ),
        check!(
            "engee.jobs.list",
            Engee,
            Spec,
            "GET external/command/jobs/list → {\"jobs\": [...]} holding every created job with the /result fields",
            list
        ),
        check!(
            "engee.jobs.validation",
            Engee,
            MockDefined,
            "a non-UUID job_id or a job_type other than EVAL → 400",
            validation
        ),
        check!(
            "engee.jobs.list_order",
            Engee,
            MockDefined,
            "jobs/list is ordered by start time",
            list_order
        ),
        check!(
            "engee.jobs.shares_workspace",
            Engee,
            MockDefined,
            "a job sees variables set by eval in the same server session",
            shares_workspace
        ),
        check!(
            "engee.jobs.concurrent",
            Engee,
            MockDefined,
            "sleeping jobs run concurrently and hold no thread: eval answers at once while several jobs sleep",
            concurrent
        ),
        check!(
            "engee.jobs.stop_interrupts",
            Engee,
            MockDefined,
            "stopping the server ends a running job with an error result",
            stop_interrupts
        ),
    ]
}

pub async fn create_job(
    env: &EngeeEnv,
    api: &UserApi,
    id: &str,
    code: &str,
    name: Option<&str>,
) -> Result<Resp, Fail> {
    let mut body = json!({"job_id": id, "job_type": "EVAL", "code": code});
    if let Some(n) = name {
        body["name"] = Value::from(n);
    }
    env.http
        .post(&api.at("external/command/jobs/create"))
        .bearer(&api.token)
        .json(&body)
        .send()
        .await
}

pub async fn result(env: &EngeeEnv, api: &UserApi, id: &str) -> Result<Resp, Fail> {
    env.http
        .get(&api.at(&format!("external/command/jobs/{id}/result")))
        .bearer(&api.token)
        .send()
        .await
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// How long sleeping jobs sleep: long on a mock (its clock is moved), short on a real target.
fn sleep_secs(env: &EngeeEnv) -> u64 {
    if env.is_mock { 60 } else { 3 }
}

/// Polls /result until DONE (bounded); on a mock, moves the clock by `hint` first.
pub async fn wait_done(
    ctx: &Ctx,
    env: &EngeeEnv,
    api: &UserApi,
    id: &str,
    hint: f64,
) -> Result<Value, Fail> {
    if env.is_mock && hint > 0.0 {
        env.advance(hint).await?;
    }
    let started = Instant::now();
    loop {
        let r = result(env, api, id).await?;
        r.expect_status(200)?;
        let v = r.json()?.clone();
        if v["status"] == "DONE" {
            return Ok(v);
        }
        if started.elapsed() > ctx.wait_limit() {
            return Err(Fail::Failed(format!(
                "job {id} not DONE within {:?}: {v}",
                ctx.wait_limit()
            )));
        }
        if env.is_mock {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if started.elapsed() > Duration::from_millis(200) {
                env.tick().await?;
            }
        } else {
            env.tick().await?;
        }
    }
}

fn job_fields(v: &Value) -> CheckResult {
    for k in [
        "job_id",
        "name",
        "job_type",
        "status",
        "start_time",
        "end_time",
        "result",
    ] {
        ensure!(v.get(k).is_some(), "job object lacks `{k}`: {v}");
    }
    ensure_eq!(v["job_type"].as_str(), Some("EVAL"), "job_type");
    ensure!(
        matches!(v["status"].as_str(), Some("IN_PROGRESS" | "DONE")),
        "status should be IN_PROGRESS or DONE: {v}"
    );
    Ok(())
}

async fn create(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let r = create_job(env, &api, &new_id(), "1 + 1", Some("conformance create")).await?;
    r.expect_status(202)?;
    Ok(())
}

async fn create_body(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    let r = create_job(
        env,
        &api,
        &id,
        &format!("sleep({})", sleep_secs(env)),
        Some("conformance body"),
    )
    .await?;
    r.expect_status(202)?;
    let v = r.json()?;
    job_fields(v)?;
    ensure_eq!(
        v["job_id"].as_str(),
        Some(id.as_str()),
        "job_id in the 202 body"
    );
    ensure_eq!(
        v["status"].as_str(),
        Some("IN_PROGRESS"),
        "status in the 202 body"
    );
    wait_done(ctx, env, &api, &id, sleep_secs(env) as f64 + 1.0).await?;
    Ok(())
}

async fn duplicate(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    create_job(env, &api, &id, "1 + 1", Some("first"))
        .await?
        .expect_status(202)?;
    let r = create_job(env, &api, &id, "2 + 2", Some("second")).await?;
    ensure!(
        r.status == 409,
        "an existing job_id should be 409, got {}",
        r.summary()
    );
    let l = env
        .http
        .get(&api.at("external/command/jobs/list"))
        .bearer(&api.token)
        .send()
        .await?;
    l.expect_status(200)?;
    let n = l.json()?["jobs"]
        .as_array()
        .map(|a| a.iter().filter(|j| j["job_id"] == id.as_str()).count())
        .unwrap_or(0);
    ensure_eq!(n, 1, "jobs with that id in the list");
    let v = wait_done(ctx, env, &api, &id, 0.0).await?;
    ensure_eq!(
        v["name"].as_str(),
        Some("first"),
        "the job kept its first definition"
    );
    Ok(())
}

async fn in_progress(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    let s = sleep_secs(env);
    create_job(
        env,
        &api,
        &id,
        &format!("a = 5; sleep({s}); a * 2"),
        Some("My computation"),
    )
    .await?
    .expect_status(202)?;
    let r = result(env, &api, &id).await?;
    r.expect_status(200)?;
    let v = r.json()?;
    job_fields(v)?;
    ensure_eq!(
        v["status"].as_str(),
        Some("IN_PROGRESS"),
        "status right after create"
    );
    ensure!(
        v["end_time"].is_null(),
        "end_time should be null while in progress: {v}"
    );
    ensure!(
        v["result"].is_null(),
        "result should be null while in progress: {v}"
    );
    ensure_eq!(v["name"].as_str(), Some("My computation"), "name");
    ensure!(
        v["start_time"].is_string(),
        "start_time should be a time string: {v}"
    );
    wait_done(ctx, env, &api, &id, s as f64 + 1.0).await?;
    Ok(())
}

async fn done(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    let s = sleep_secs(env);
    create_job(env, &api, &id, &format!("a = 5; sleep({s}); a * 2"), None)
        .await?
        .expect_status(202)?;
    let v = wait_done(ctx, env, &api, &id, s as f64 + 1.0).await?;
    job_fields(&v)?;
    ensure!(
        v["end_time"].is_string(),
        "end_time should be set when DONE: {v}"
    );
    ensure_eq!(
        v["result"],
        json!({"type": "success", "data": {"text": "10"}}),
        "result"
    );
    Ok(())
}

async fn error_result(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    create_job(env, &api, &id, "some_variable_conformance", None)
        .await?
        .expect_status(202)?;
    let v = wait_done(ctx, env, &api, &id, 0.0).await?;
    let res = &v["result"];
    ensure_eq!(res["type"].as_str(), Some("error"), "result.type");
    let d = &res["data"];
    ensure_eq!(
        d["type"].as_str(),
        Some("UndefVarError"),
        "result.data.type"
    );
    ensure_eq!(
        d["short_description"].as_str(),
        Some("UndefVarError(:some_variable_conformance)"),
        "result.data.short_description"
    );
    ensure!(
        d["full_description"].as_str().is_some_and(
            |f| f.starts_with("UndefVarError: `some_variable_conformance` not defined")
        ),
        "result.data.full_description: {d}"
    );
    Ok(())
}

async fn unknown(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let r = result(env, &api, &new_id()).await?;
    ensure!(
        r.status == 404,
        "an unknown job id should be 404, got {}",
        r.summary()
    );
    Ok(())
}

async fn list_jobs(env: &EngeeEnv, api: &UserApi) -> Result<Vec<Value>, Fail> {
    let r = env
        .http
        .get(&api.at("external/command/jobs/list"))
        .bearer(&api.token)
        .send()
        .await?;
    r.expect_status(200)?;
    r.json()?["jobs"].as_array().cloned().ok_or_else(|| {
        Fail::Failed(format!(
            "list should be {{\"jobs\": [...]}}, got {}",
            r.summary()
        ))
    })
}

async fn list(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    create_job(env, &api, &id, "2 * 21", Some("listed"))
        .await?
        .expect_status(202)?;
    let done = wait_done(ctx, env, &api, &id, 0.0).await?;
    let jobs = list_jobs(env, &api).await?;
    let mine = jobs
        .iter()
        .find(|j| j["job_id"] == id.as_str())
        .ok_or_else(|| Fail::Failed(format!("job {id} missing from the list")))?;
    for j in &jobs {
        job_fields(j)?;
    }
    ensure_eq!(mine, &done, "the listed job vs its /result");
    Ok(())
}

async fn validation(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let r = create_job(env, &api, "not-a-uuid", "1", None).await?;
    ensure!(
        r.status == 400,
        "a non-UUID job_id should be 400, got {}",
        r.summary()
    );
    let r = env
        .http
        .post(&api.at("external/command/jobs/create"))
        .bearer(&api.token)
        .json(&json!({"job_id": new_id(), "job_type": "SHELL", "code": "1"}))
        .send()
        .await?;
    ensure!(
        r.status == 400,
        "job_type SHELL should be 400, got {}",
        r.summary()
    );
    Ok(())
}

async fn list_order(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    for _ in 0..3 {
        let id = new_id();
        create_job(env, &api, &id, "1", None)
            .await?
            .expect_status(202)?;
        if env.is_mock {
            env.advance(1.0).await?;
        }
    }
    let jobs = list_jobs(env, &api).await?;
    let times: Vec<String> = jobs
        .iter()
        .map(|j| j["start_time"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    ensure_eq!(times, sorted, "start_time order of jobs/list");
    Ok(())
}

async fn shares_workspace(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let var = format!("conformance_job_{}", ctx.run_id);
    env.eval_ok(&api, &format!("{var} = 20")).await?;
    let id = new_id();
    create_job(env, &api, &id, &format!("{var} + 1"), None)
        .await?
        .expect_status(202)?;
    let v = wait_done(ctx, env, &api, &id, 0.0).await?;
    ensure_eq!(
        v["result"]["data"]["text"].as_str(),
        Some("21"),
        "job result using the eval variable"
    );
    Ok(())
}

async fn stop_interrupts(ctx: &Ctx) -> CheckResult {
    ctx.require_lifecycle()?;
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let id = new_id();
    let s = if env.is_mock { 600 } else { 120 };
    create_job(env, &api, &id, &format!("sleep({s}); 1"), None)
        .await?
        .expect_status(202)?;
    env.http
        .delete("/account/api/engee/stop")
        .bearer(&api.token)
        .send()
        .await?
        .expect_status(204)?;
    env.wait_status(&api.token, "stopped", ctx.wait_limit())
        .await?;
    let api = env.running(ctx).await?;
    let v = wait_done(ctx, env, &api, &id, 0.0).await?;
    ensure_eq!(
        v["result"]["type"].as_str(),
        Some("error"),
        "result.type of an interrupted job"
    );
    Ok(())
}

async fn concurrent(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let s = sleep_secs(env);
    let ids: Vec<String> = (0..6).map(|_| new_id()).collect();
    for id in &ids {
        create_job(env, &api, id, &format!("sleep({s}); 7"), Some("concurrent"))
            .await?
            .expect_status(202)?;
    }
    let started = Instant::now();
    ensure_eq!(
        env.eval_ok(&api, "40 + 2").await?,
        "42",
        "eval while jobs sleep"
    );
    ensure!(
        started.elapsed() < Duration::from_secs(5),
        "eval waited {:?} behind sleeping jobs",
        started.elapsed()
    );
    for id in &ids {
        let r = result(env, &api, id).await?;
        ensure_eq!(
            r.json()?["status"].as_str(),
            Some("IN_PROGRESS"),
            "status of a sleeping job"
        );
    }
    if env.is_mock {
        env.advance(s as f64 + 1.0).await?;
    }
    for id in &ids {
        let v = wait_done(ctx, env, &api, id, 0.0).await?;
        ensure_eq!(
            v["result"]["data"]["text"].as_str(),
            Some("7"),
            "result of a concurrent job"
        );
    }
    Ok(())
}
