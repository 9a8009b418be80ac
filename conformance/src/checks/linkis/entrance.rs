//! The entrance: submit and execute (both shapes and the seed's alias), execID/taskID,
//! status, log paging, progress, kill, killJobs, pause, metrics.

use serde_json::{Value, json};

use super::{REST, expect, expect_message, full_log, run_job};
use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, LinkisJob, STATES, TERMINAL, job_from};
use crate::http::Http;
use crate::{check, ensure, ensure_eq, skip};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "linkis.entrance.submit",
            Linkis,
            Upstream,
            "POST entrance/submit (executionContent, params, source, labels) → status 0, method /api/entrance/submit, data {execID, taskID (number)}",
            submit
        ),
        check!(
            "linkis.entrance.exec_id.format",
            Linkis,
            Upstream,
            "execID is exec_id + 3-digit lengths + linkis-cg-entrance + host:port + <creator>_<user>_<engine>_<index>",
            exec_id_format
        ),
        check!(
            "linkis.entrance.task_id.increases",
            Linkis,
            Upstream,
            "taskID increases from one job to the next",
            task_id_increases
        ),
        check!(
            "linkis.entrance.submit.validation",
            Linkis,
            Upstream,
            "submit without labels → status 1 error code 20008; blank code → 20007",
            submit_validation
        ),
        check!(
            "linkis.entrance.execute",
            Linkis,
            Seed,
            "POST entrance/execute with the seed's bare body (executeApplicationName, params, executionCode, runType, source) → status 0 with execID and taskID",
            execute_bare
        ),
        check!(
            "linkis.entrance.execute.wrapped",
            Linkis,
            Seed,
            "the seed's wrapped request {\"method\": …, \"data\": {…}} is accepted as well",
            execute_wrapped
        ),
        check!(
            "linkis.entrance.execute.alias",
            Linkis,
            Seed,
            "the seed's path without v1, /api/rest_j/entrance/execute, is served",
            execute_alias
        ),
        check!(
            "linkis.entrance.ujes_0x_texts",
            Linkis,
            Seed,
            "a target speaking the seed's UJES 0.x dialect answers its texts verbatim: 请求执行成功 / 获取状态成功 / 返回日志信息 / 返回进度信息, methods with /api/rest_j/v1, taskID a string, 2-digit execID lengths (skipped on 1.x targets)",
            ujes_texts
        ),
        check!(
            "linkis.entrance.execute.validation",
            Linkis,
            Upstream,
            "execute with neither executionCode nor source.scriptPath → status 1 error code 20007 \"…cannot be empty at the same time…\"",
            execute_validation
        ),
        check!(
            "linkis.entrance.status",
            Linkis,
            Seed,
            "GET entrance/{execID}/status → data {execID, status}; the job ends Succeed",
            status
        ),
        check!(
            "linkis.entrance.status.values",
            Linkis,
            Upstream,
            "statuses are exactly Inited|WaitForRetry|Scheduled|Running|Succeed|Failed|Cancelled|Timeout and move only forward",
            status_values
        ),
        check!(
            "linkis.entrance.status.unknown",
            Linkis,
            Upstream,
            "status of an unknown execID → status 1 with the upstream text",
            status_unknown
        ),
        check!(
            "linkis.entrance.status.task_fallback",
            Linkis,
            Upstream,
            "status?taskID=N for an execID the entrance no longer holds answers from job history",
            status_task_fallback
        ),
        check!(
            "linkis.entrance.method_field",
            Linkis,
            Upstream,
            "entrance answers set method to /api/entrance/{execID}/<op> (without rest_j/v1)",
            method_field
        ),
        check!(
            "linkis.entrance.malformed_exec_id",
            Linkis,
            Upstream,
            "status/log of a malformed execID → status 1 with the upstream texts",
            malformed_exec_id
        ),
        check!(
            "linkis.entrance.log",
            Linkis,
            Seed,
            "GET entrance/{execID}/log → data {execID, log: [error, warn, info, all], fromLine}",
            log_shape
        ),
        check!(
            "linkis.entrance.log.content",
            Linkis,
            Upstream,
            "log lines are `yyyy-MM-dd HH:mm:ss.SSS LEVEL text` with the accepted/Scheduled/Running milestones and a final \"Congratulations. Your job completed with status Success.\"",
            log_content
        ),
        check!(
            "linkis.entrance.log.paging",
            Linkis,
            Upstream,
            "fromLine_out = fromLine_in + lines returned; pages of any size concatenate to the whole log",
            log_paging
        ),
        check!(
            "linkis.entrance.log.grows",
            Linkis,
            Upstream,
            "the log grows while the job runs: fewer lines mid-run than at the end, the earlier lines a prefix of the later (mock clock)",
            log_grows
        ),
        check!(
            "linkis.entrance.log.default_size",
            Linkis,
            Upstream,
            "without size a log page holds at most 100 lines",
            log_default_size
        ),
        check!(
            "linkis.entrance.log.distinct_level_false",
            Linkis,
            Upstream,
            "distinctLevel=false answers log as one string",
            log_distinct_false
        ),
        check!(
            "linkis.entrance.log.unknown",
            Linkis,
            Upstream,
            "log of an unknown execID → status 1 \"Can't find execID(不能找到execID): <id>Corresponding job, …\"",
            log_unknown
        ),
        check!(
            "linkis.entrance.progress",
            Linkis,
            Seed,
            "GET entrance/{execID}/progress → data {execID, progress (0.0–1.0, 1.0 when finished), progressInfo [...]}",
            progress
        ),
        check!(
            "linkis.entrance.progress.initial",
            Linkis,
            Upstream,
            "before it runs a job's progress is 0.0 with progressInfo [] (mock clock holds it queued)",
            progress_initial
        ),
        check!(
            "linkis.entrance.progress_with_resource",
            Linkis,
            Upstream,
            "GET entrance/{execID}/progressWithResource answers progress data too",
            progress_with_resource
        ),
        check!(
            "linkis.entrance.kill",
            Linkis,
            Upstream,
            "GET entrance/{execID}/kill → status 0, data.execID; the job becomes Cancelled (also in job history)",
            kill_get
        ),
        check!(
            "linkis.entrance.kill.post",
            Linkis,
            Seed,
            "POST entrance/{execID}/kill (as the seed documents) kills the job",
            kill_post
        ),
        check!(
            "linkis.entrance.kill.permission",
            Linkis,
            Upstream,
            "another (non-admin) user cannot kill the job: status 1 \"You have no permission to kill this job, excecute by user:<user>\"",
            kill_permission
        ),
        check!(
            "linkis.entrance.kill_jobs",
            Linkis,
            Upstream,
            "POST entrance/{id}/killJobs {idList, taskIDList} → data.messages, one per job; unequal lengths → status 1",
            kill_jobs
        ),
        check!(
            "linkis.entrance.pause",
            Linkis,
            Upstream,
            "GET entrance/{execID}/pause → status 0 \"success to pause job (成功pause了job)\"",
            pause
        ),
        check!(
            "linkis.entrance.metrics.runningtask",
            Linkis,
            Upstream,
            "GET entrance/operation/metrics/runningtask → data {runningTaskNumber, isCompleted}",
            metrics
        ),
    ]
}

/// A well-formed execID no entrance holds.
const GHOST: &str = "exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_conformance_spark_987654";

async fn submit(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let body = json!({
        "executionContent": {"code": "select 1 as n", "runType": env.target.run_type()},
        "params": {"variable": {}, "configuration": {"special": {}, "runtime": {}, "startup": {}}},
        "source": {"scriptPath": "file:///tmp/conformance.sql"},
        "labels": {"engineType": env.target.engine_type(), "userCreator": format!("{user}-IDE")},
    });
    let r = http
        .post(&format!("{REST}/entrance/submit"))
        .json(&body)
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(v["method"].as_str(), Some("/api/entrance/submit"), "method");
    ensure!(
        v["data"]["taskID"].is_u64(),
        "data.taskID should be a JSON number: {v}"
    );
    let job = job_from(&r)?;
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

/// Splits a 1.x execID into (application, instance, short id).
pub fn parse_exec_id(id: &str) -> Option<(String, String, String)> {
    let rest = id.strip_prefix("exec_id")?;
    let app: usize = rest.get(0..3)?.parse().ok()?;
    let inst: usize = rest.get(3..6)?.parse().ok()?;
    let a = rest.get(6..6 + app)?;
    let i = rest.get(6 + app..6 + app + inst)?;
    let s = rest.get(6 + app + inst..)?;
    Some((a.to_owned(), i.to_owned(), s.to_owned()))
}

async fn exec_id_format(ctx: &Ctx) -> CheckResult {
    let (env, _, user, job, _) = run_job(ctx, "select 1 as n").await?;
    let (app, inst, short) = parse_exec_id(&job.exec_id).ok_or_else(|| {
        Fail::Failed(format!(
            "execID {:?} is not exec_id + 3-digit lengths",
            job.exec_id
        ))
    })?;
    ensure_eq!(
        app.as_str(),
        "linkis-cg-entrance",
        "application name in the execID"
    );
    ensure!(inst.contains(':'), "instance {inst:?} should be host:port");
    let parts: Vec<&str> = short.rsplitn(2, '_').collect();
    ensure!(
        parts.len() == 2 && parts[0].bytes().all(|b| b.is_ascii_digit()) && !parts[0].is_empty(),
        "short id {short:?} should end with _<index>"
    );
    let engine = env
        .target
        .engine_type()
        .split('-')
        .next()
        .unwrap_or_default()
        .to_owned();
    ensure_eq!(
        parts[1].to_owned(),
        format!("IDE_{user}_{engine}"),
        "group of the short id (<creator>_<user>_<engine>)"
    );
    Ok(())
}

async fn task_id_increases(ctx: &Ctx) -> CheckResult {
    let (_, _, _, a, _) = run_job(ctx, "select 1 as n").await?;
    let (_, _, _, b, _) = run_job(ctx, "select 2 as n").await?;
    ensure!(
        b.task_id > a.task_id,
        "taskID did not increase: {} then {}",
        a.task_id,
        b.task_id
    );
    Ok(())
}

async fn submit_validation(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .post(&format!("{REST}/entrance/submit"))
        .json(&json!({"executionContent": {"code": "select 1", "runType": "sql"}, "params": {}}))
        .send()
        .await?;
    let m = expect(&r, 1)?["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        m.starts_with("error code(错误码): 20008"),
        "no labels: expected error code 20008, got {m:?}"
    );
    let r = http
        .post(&format!("{REST}/entrance/submit"))
        .json(
            &json!({"executionContent": {"code": "  ", "runType": "sql"}, "params": {},
                      "labels": {"engineType": env.target.engine_type(), "userCreator": "x-IDE"}}),
        )
        .send()
        .await?;
    let m = expect(&r, 1)?["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        m.starts_with("error code(错误码): 20007"),
        "blank code: expected error code 20007, got {m:?}"
    );
    Ok(())
}

fn seed_body(env: &crate::ctx::LinkisEnv) -> Value {
    let engine = env
        .target
        .engine_type()
        .split('-')
        .next()
        .unwrap_or("spark")
        .to_owned();
    json!({
        "params": {"variable": {"k1": "v1"}, "configuration": {"special": {"k2": "v2"}, "runtime": {"k3": "v3"}, "startup": {}}},
        "executeApplicationName": engine,
        "executionCode": "select 1 as n",
        "runType": env.target.run_type(),
        "source": {"scriptPath": "/home/Linkis/Linkis.sql"},
    })
}

async fn execute_at(ctx: &Ctx, path: &str, body: Value) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http.post(path).json(&body).send().await?;
    let job = job_from(&r)?;
    expect(&r, 0)?;
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

async fn execute_bare(ctx: &Ctx) -> CheckResult {
    let body = seed_body(ctx.linkis()?);
    execute_at(ctx, &format!("{REST}/entrance/execute"), body).await
}

async fn execute_wrapped(ctx: &Ctx) -> CheckResult {
    let mut data = seed_body(ctx.linkis()?);
    data["websocketTag"] = Value::from("37fcbd8b762d465a0c870684a0261c6e");
    let body = json!({"method": "/api/rest_j/v1/entrance/execute", "data": data});
    execute_at(ctx, &format!("{REST}/entrance/execute"), body).await
}

async fn execute_alias(ctx: &Ctx) -> CheckResult {
    let body = seed_body(ctx.linkis()?);
    execute_at(ctx, "/api/rest_j/entrance/execute", body).await
}

async fn execute_validation(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let mut body = seed_body(env);
    body["executionCode"] = Value::from("");
    body["source"] = json!({});
    let r = http
        .post(&format!("{REST}/entrance/execute"))
        .json(&body)
        .send()
        .await?;
    let m = expect(&r, 1)?["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        m.contains("20007")
            && m.contains(
                "The param executionCode and scriptPath cannot be empty at the same time"
            ),
        "expected error code 20007 about executionCode and scriptPath, got {m:?}"
    );
    Ok(())
}

async fn status(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, seen) = run_job(ctx, "select 1 as n").await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Succeed"),
        "final status"
    );
    let r = http
        .get(&format!("{REST}/entrance/{}/status", job.exec_id))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(
        v["data"]["execID"].as_str(),
        Some(job.exec_id.as_str()),
        "data.execID"
    );
    ensure_eq!(
        v["data"]["status"].as_str(),
        Some("Succeed"),
        "status of a finished job (still queryable)"
    );
    Ok(())
}

async fn status_values(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let code = if env.is_mock {
        "-- @mock queue=3s duration=3s\nselect 1 as n"
    } else {
        "select 1 as n"
    };
    let (_, _, _, _, seen) = run_job(ctx, code).await?;
    let mut last = 0usize;
    for s in &seen {
        let i = STATES
            .iter()
            .position(|x| x == s)
            .ok_or_else(|| Fail::Failed(format!("unknown status {s:?} (seen {seen:?})")))?;
        ensure!(
            i >= last || *s == "WaitForRetry",
            "status went backwards: {seen:?}"
        );
        last = i;
    }
    ensure!(
        TERMINAL.contains(&seen.last().map(String::as_str).unwrap_or_default()),
        "ended non-terminal: {seen:?}"
    );
    if env.is_mock {
        ensure!(
            seen.len() >= 3,
            "with queue and run time the mock should show intermediate states, saw {seen:?}"
        );
    }
    Ok(())
}

async fn status_unknown(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/entrance/{GHOST}/status"))
        .send()
        .await?;
    let m = expect(&r, 1)?["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        m == "ID The corresponding job is empty and cannot obtain the corresponding task status.(ID 对应的job为空，不能获取相应的任务状态)"
            || m == "Get job by ID error and cannot obtain the corresponding task status.(获取job时发生异常，不能获取相应的任务状态)",
        "unexpected message {m:?}"
    );
    Ok(())
}

async fn status_task_fallback(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!("{REST}/entrance/{GHOST}/status"))
        .query(&[("taskID", &job.task_id.to_string())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(
        v["data"]["status"].as_str(),
        Some("Succeed"),
        "status from job history"
    );
    Ok(())
}

async fn method_field(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    for op in ["status", "log", "progress"] {
        let r = http
            .get(&format!("{REST}/entrance/{}/{op}", job.exec_id))
            .send()
            .await?;
        let v = expect(&r, 0)?;
        let want = format!("/api/entrance/{}/{op}", job.exec_id);
        ensure_eq!(v["method"].as_str(), Some(want.as_str()), "method of {op}");
    }
    Ok(())
}

fn four(v: &Value) -> Result<Vec<String>, Fail> {
    let a = v["data"]["log"]
        .as_array()
        .ok_or_else(|| Fail::Failed(format!("data.log should be an array: {v}")))?;
    ensure_eq!(a.len(), 4, "data.log length");
    a.iter()
        .map(|s| {
            s.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Fail::Failed(format!("data.log holds a non-string: {v}")))
        })
        .collect()
}

async fn log_shape(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let v = full_log(&http, &job.exec_id).await?;
    ensure_eq!(
        v["data"]["execID"].as_str(),
        Some(job.exec_id.as_str()),
        "data.execID"
    );
    let logs = four(&v)?;
    let n = if logs[3].is_empty() {
        0
    } else {
        logs[3].split('\n').count()
    };
    ensure_eq!(
        v["data"]["fromLine"].as_u64(),
        Some(n as u64),
        "fromLine after reading the whole log from 0"
    );
    Ok(())
}

/// `yyyy-MM-dd HH:mm:ss.SSS LEVEL `.
pub fn log_line_ok(line: &str) -> bool {
    let b = line.as_bytes();
    let d = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    d(0..4)
        && b.get(4) == Some(&b'-')
        && d(5..7)
        && b.get(7) == Some(&b'-')
        && d(8..10)
        && b.get(10) == Some(&b' ')
        && d(11..13)
        && b.get(13) == Some(&b':')
        && d(14..16)
        && b.get(16) == Some(&b':')
        && d(17..19)
        && b.get(19) == Some(&b'.')
        && d(20..23)
        && b.get(23) == Some(&b' ')
        && [
            "INFO ",
            "WARN ",
            "ERROR ",
            "SYSTEM-INFO ",
            "SYSTEM-WARN ",
            "SYSTEM-ERROR ",
        ]
        .iter()
        .any(|l| line[24..].starts_with(l))
}

async fn log_content(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let logs = four(&full_log(&http, &job.exec_id).await?)?;
    let all: Vec<&str> = logs[3].split('\n').collect();
    let framework: Vec<&&str> = all
        .iter()
        .filter(|l| l.len() > 24 && l.as_bytes()[0].is_ascii_digit())
        .collect();
    ensure!(!framework.is_empty(), "no log lines: {:?}", logs[3]);
    for l in &framework {
        ensure!(
            log_line_ok(l),
            "log line not `yyyy-MM-dd HH:mm:ss.SSS LEVEL text`: {l:?}"
        );
    }
    let text = &logs[3];
    for needle in [
        "Your job is accepted",
        "Your job is Scheduled. Please wait it to run.",
        "Your job is Running now. Please wait it to complete.",
    ] {
        ensure!(text.contains(needle), "the log lacks {needle:?}");
    }
    let last = all
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .copied()
        .unwrap_or_default();
    ensure!(
        last.ends_with("Congratulations. Your job completed with status Success."),
        "the last line should be the Congratulations line, got {last:?}"
    );
    for l in logs[2].split('\n').filter(|l| !l.is_empty()) {
        ensure!(
            !(log_line_ok(l) && l[24..].starts_with("ERROR")),
            "an ERROR line in the info string: {l:?}"
        );
    }
    ensure!(
        !logs[3].ends_with('\n'),
        "entrance log strings have no trailing newline"
    );
    Ok(())
}

/// Reads the log in pages of `sizes` (cycled) from 0; returns the concatenated lines.
pub async fn paged_log(http: &Http, exec_id: &str, sizes: &[i64]) -> Result<Vec<String>, Fail> {
    ensure!(
        sizes.iter().any(|s| *s != 0),
        "page sizes must include a non-zero size"
    );
    let mut from = 0u64;
    let mut lines = Vec::new();
    for i in 0..10_000 {
        let size = sizes[i % sizes.len()];
        let r = http
            .get(&format!("{REST}/entrance/{exec_id}/log"))
            .query(&[
                ("fromLine", from.to_string().as_str()),
                ("size", size.to_string().as_str()),
            ])
            .send()
            .await?;
        let v = expect(&r, 0)?;
        let logs = four(v)?;
        let got: Vec<String> = if logs[3].is_empty() {
            vec![]
        } else {
            logs[3].split('\n').map(str::to_owned).collect()
        };
        let next = v["data"]["fromLine"]
            .as_u64()
            .ok_or_else(|| Fail::Failed(format!("no numeric fromLine: {v}")))?;
        ensure_eq!(
            next,
            from + got.len() as u64,
            "fromLine after a page of {} lines from {from}",
            got.len()
        );
        if size > 0 {
            ensure!(
                got.len() as i64 <= size,
                "a page of size {size} returned {} lines",
                got.len()
            );
        }
        if got.is_empty() && size != 0 {
            return Ok(lines);
        }
        lines.extend(got);
        from = next;
    }
    Err(Fail::Failed(
        "the log did not end after 10 000 pages".into(),
    ))
}

async fn log_paging(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let code = if env.is_mock {
        "-- @mock log_lines=37\nselect 1 as n"
    } else {
        "select 1 as n"
    };
    let (_, http, _, job, _) = run_job(ctx, code).await?;
    let whole = four(&full_log(&http, &job.exec_id).await?)?[3].clone();
    let whole: Vec<String> = whole.split('\n').map(str::to_owned).collect();
    for sizes in [&[1i64][..], &[2, 5, 3], &[7, 0, 100]] {
        let got = paged_log(&http, &job.exec_id, sizes).await?;
        ensure_eq!(got, whole, "pages of sizes {sizes:?} concatenated");
    }
    Ok(())
}

async fn log_default_size(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    if !env.is_mock {
        skip!("needs a job with more than 100 log lines, which cheap SQL does not produce");
    }
    let (_, http, _, job, _) = run_job(ctx, "-- @mock log_lines=250\nselect 1 as n").await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/log", job.exec_id))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(
        v["data"]["fromLine"].as_u64(),
        Some(100),
        "fromLine after a page with the default size"
    );
    ensure_eq!(
        four(v)?[3].split('\n').count(),
        100,
        "lines in the default page"
    );
    Ok(())
}

async fn log_distinct_false(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/log", job.exec_id))
        .query(&[
            ("fromLine", "0"),
            ("size", "-1"),
            ("distinctLevel", "false"),
        ])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure!(
        v["data"]["log"].is_string(),
        "distinctLevel=false should give one string: {v}"
    );
    Ok(())
}

async fn log_unknown(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/entrance/{GHOST}/log"))
        .send()
        .await?;
    expect_message(
        expect(&r, 1)?,
        &format!(
            "Can't find execID(不能找到execID): {GHOST}Corresponding job, can not get the corresponding log(对应的job，不能获得对应的日志)"
        ),
    )
}

async fn progress(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/progress", job.exec_id))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let d = &v["data"];
    ensure_eq!(
        d["execID"].as_str(),
        Some(job.exec_id.as_str()),
        "data.execID"
    );
    ensure_eq!(
        d["progress"].as_f64(),
        Some(1.0),
        "progress of a finished job"
    );
    let info = d["progressInfo"]
        .as_array()
        .ok_or_else(|| Fail::Failed(format!("progressInfo should be an array: {v}")))?;
    for i in info {
        for k in [
            "id",
            "succeedTasks",
            "failedTasks",
            "runningTasks",
            "totalTasks",
        ] {
            ensure!(i.get(k).is_some(), "progressInfo entry lacks {k}: {i}");
        }
    }
    Ok(())
}

async fn progress_with_resource(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!(
            "{REST}/entrance/{}/progressWithResource",
            job.exec_id
        ))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure!(v["data"]["progress"].is_number(), "data.progress: {v}");
    ensure!(
        v["data"]["progressInfo"].is_array(),
        "data.progressInfo: {v}"
    );
    Ok(())
}

/// Submits a job that should still run when killed (mock: a long duration directive).
async fn long_job(ctx: &Ctx, http: &Http, user: &str) -> Result<LinkisJob, Fail> {
    let env = ctx.linkis()?;
    let code = if env.is_mock {
        "-- @mock duration=600s\nselect 1 as n"
    } else {
        "select 1 as n"
    };
    env.submit(http, user, code).await
}

async fn killed(ctx: &Ctx, post: bool) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let job = long_job(ctx, &http, &user).await?;
    let path = format!("{REST}/entrance/{}/kill", job.exec_id);
    let r = if post {
        http.post(&path).send().await?
    } else {
        http.get(&path).send().await?
    };
    let v = r.json()?.clone();
    if !env.is_mock {
        let st = env
            .wait_terminal(&http, &job.exec_id, ctx.wait_limit())
            .await?;
        if st.last().map(String::as_str) == Some("Succeed") {
            skip!("the job finished before the kill reached it");
        }
    }
    let v = expect(&r, 0).map(|_| v)?;
    ensure_eq!(
        v["data"]["execID"].as_str(),
        Some(job.exec_id.as_str()),
        "data.execID"
    );
    let seen = env
        .wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Cancelled"),
        "status after kill"
    );
    let task = env.task(&http, job.task_id).await?;
    ensure_eq!(
        task["status"].as_str(),
        Some("Cancelled"),
        "job history status after kill"
    );
    Ok(())
}

async fn kill_get(ctx: &Ctx) -> CheckResult {
    killed(ctx, false).await
}

async fn kill_post(ctx: &Ctx) -> CheckResult {
    killed(ctx, true).await
}

async fn kill_permission(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let (other, _) = env.second().await?;
    let job = long_job(ctx, &http, &user).await?;
    let r = other
        .get(&format!("{REST}/entrance/{}/kill", job.exec_id))
        .send()
        .await?;
    let v = expect(&r, 1)?;
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.starts_with("You have no permission to kill this job, excecute by user:"),
        "unexpected refusal text {m:?}"
    );
    let _ = http
        .get(&format!("{REST}/entrance/{}/kill", job.exec_id))
        .send()
        .await?;
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

async fn kill_jobs(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let job = long_job(ctx, &http, &user).await?;
    let r = http
        .post(&format!("{REST}/entrance/{}/killJobs", job.exec_id))
        .json(&json!({"idList": [job.exec_id], "taskIDList": [job.task_id]}))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let msgs = v["data"]["messages"]
        .as_array()
        .ok_or_else(|| Fail::Failed(format!("data.messages should be an array: {v}")))?;
    ensure_eq!(msgs.len(), 1, "messages for one job");
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    let r = http
        .post(&format!("{REST}/entrance/{}/killJobs", job.exec_id))
        .json(&json!({"idList": [job.exec_id], "taskIDList": []}))
        .send()
        .await?;
    expect_message(
        expect(&r, 1)?,
        "The length of the ID list does not match the length of the TASKID list(id列表的长度与taskId列表的长度不一致)",
    )
}

async fn pause(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/pause", job.exec_id))
        .send()
        .await?;
    expect_message(expect(&r, 0)?, "success to pause job (成功pause了job)")
}

async fn metrics(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/entrance/operation/metrics/runningtask"))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure!(
        v["data"]["runningTaskNumber"].is_i64(),
        "data.runningTaskNumber: {v}"
    );
    ensure!(
        v["data"]["isCompleted"].is_boolean(),
        "data.isCompleted: {v}"
    );
    Ok(())
}

/// Splits a 0.x execID (`CC EE II creator engine instance short`) into its parts.
pub fn parse_old_exec_id(id: &str) -> Option<(String, String, String, String)> {
    let n = |r: std::ops::Range<usize>| id.get(r).and_then(|s| s.parse::<usize>().ok());
    let (c, e, i) = (n(0..2)?, n(2..4)?, n(4..6)?);
    let creator = id.get(6..6 + c)?;
    let engine = id.get(6 + c..6 + c + e)?;
    let inst = id.get(6 + c + e..6 + c + e + i)?;
    let short = id.get(6 + c + e + i..)?;
    Some((
        creator.to_owned(),
        engine.to_owned(),
        inst.to_owned(),
        short.to_owned(),
    ))
}

async fn ujes_texts(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .post(&format!("{REST}/entrance/execute"))
        .json(&seed_body(env))
        .send()
        .await?;
    let v = expect(&r, 0)?.clone();
    if v["message"] != "请求执行成功" {
        skip!(
            "the target speaks Linkis 1.x (execute answered {}); these are the ujes-0.x texts",
            v["message"]
        );
    }
    ensure_eq!(
        v["method"].as_str(),
        Some("/api/rest_j/v1/entrance/execute"),
        "method"
    );
    ensure!(
        v["data"]["taskID"].is_string(),
        "taskID should be a string in 0.x: {v}"
    );
    let exec_id = v["data"]["execID"].as_str().unwrap_or_default().to_owned();
    let (creator, engine, inst, short) = parse_old_exec_id(&exec_id)
        .ok_or_else(|| Fail::Failed(format!("execID {exec_id:?} is not the 0.x layout")))?;
    ensure!(inst.contains(':'), "instance {inst:?} should be host:port");
    ensure!(
        short.starts_with(&format!("{creator}_")),
        "short id {short:?} should start with the creator"
    );
    ensure!(!engine.is_empty(), "no engine in {exec_id:?}");
    env.wait_terminal(&http, &exec_id, ctx.wait_limit()).await?;
    for (op, msg) in [
        ("status", "获取状态成功"),
        ("log", "返回日志信息"),
        ("progress", "返回进度信息"),
    ] {
        let r = http
            .get(&format!("{REST}/entrance/{exec_id}/{op}"))
            .send()
            .await?;
        let v = expect(&r, 0)?;
        expect_message(v, msg)?;
        let want = format!("/api/rest_j/v1/entrance/{exec_id}/{op}");
        ensure_eq!(v["method"].as_str(), Some(want.as_str()), "method of {op}");
    }
    let mut long = seed_body(env);
    if env.is_mock {
        long["executionCode"] = Value::from("-- @mock duration=600s\nselect 1 as n");
    }
    let r = http
        .post(&format!("{REST}/entrance/execute"))
        .json(&long)
        .send()
        .await?;
    let job = job_from(&r)?;
    let r = http
        .post(&format!("{REST}/entrance/{}/kill", job.exec_id))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    expect_message(v, "OK")?;
    ensure_eq!(
        v["data"]["execID"].as_str(),
        Some(job.exec_id.as_str()),
        "data.execID of kill"
    );
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

async fn malformed_exec_id(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!(
            "{REST}/entrance/conformance-not-an-exec-id/status"
        ))
        .send()
        .await?;
    let v = r.json()?;
    super::envelope(v)?;
    ensure_eq!(
        v["status"].as_i64(),
        Some(1),
        "status of a malformed execID"
    );
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.starts_with("Get job by ID error") || m.starts_with("ID The corresponding job is empty"),
        "unexpected status text {m:?}"
    );
    let r = http
        .get(&format!("{REST}/entrance/conformance-not-an-exec-id/log"))
        .send()
        .await?;
    let v = r.json()?;
    super::envelope(v)?;
    ensure_eq!(v["status"].as_i64(), Some(1), "log of a malformed execID");
    Ok(())
}

async fn progress_initial(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("holds a job queued on the mock's clock")?;
    let (http, user) = env.main().await?;
    let job = env
        .submit(&http, &user, "-- @mock queue=60s\nselect 1 as n")
        .await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/progress", job.exec_id))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(
        v["data"]["progress"].as_f64(),
        Some(0.0),
        "progress of a queued job"
    );
    ensure_eq!(
        v["data"]["progressInfo"],
        serde_json::json!([]),
        "progressInfo of a queued job"
    );
    env.advance(61.0).await?;
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

async fn log_grows(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("holds a job mid-run on the mock's clock")?;
    let (http, user) = env.main().await?;
    let job = env
        .submit(
            &http,
            &user,
            "-- @mock duration=20s log_lines=40\nselect 1 as n",
        )
        .await?;
    env.advance(10.0).await?;
    let mid = four(&full_log(&http, &job.exec_id).await?)?[3].clone();
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    let end = four(&full_log(&http, &job.exec_id).await?)?[3].clone();
    let (m, e) = (mid.split('\n').count(), end.split('\n').count());
    ensure!(
        m < e,
        "the log did not grow: {m} lines mid-run, {e} at the end"
    );
    ensure!(
        end.starts_with(&mid),
        "the mid-run log is not a prefix of the final log"
    );
    Ok(())
}
