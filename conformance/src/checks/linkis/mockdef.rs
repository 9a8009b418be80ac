//! What the mock chooses where the documents are silent: the embedded SQL engine, text
//! results for other run types, scenario directives, and job timing on the mock's clock.

use super::{REST, expect, full_log, run_job};
use crate::check::{Check, CheckResult};
use crate::ctx::{Ctx, TERMINAL};
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "linkis.mock.sql_error",
            Linkis,
            MockDefined,
            "SQL that fails ends the job Failed with the engine's message in errDesc, an ERROR log line and the final \"Sorry. Your job completed with a status Failed…\" line",
            sql_error
        ),
        check!(
            "linkis.mock.show_tables",
            Linkis,
            MockDefined,
            "Hive-style `show tables` answers a table result set",
            show_tables
        ),
        check!(
            "linkis.mock.text_result",
            Linkis,
            MockDefined,
            "non-SQL run types (python) produce a TEXT result (type \"1\") and execute nothing",
            text_result
        ),
        check!(
            "linkis.mock.directive_fail",
            Linkis,
            MockDefined,
            "a `-- @mock fail=\"disk full\"` directive fails the job with errDesc \"disk full\"",
            directive_fail
        ),
        check!(
            "linkis.mock.exec_id.unsafe_creator",
            Linkis,
            MockDefined,
            "a creator an execID cannot carry (a '/' or a space: clients could not address the job) is refused at submit: status 1, error code 20009 naming the creator",
            unsafe_creator
        ),
        check!(
            "linkis.mock.clock_timing",
            Linkis,
            MockDefined,
            "job timing follows the mock's clock: a `queue=5s duration=5s` job is not finished until the clock moves",
            clock_timing
        ),
        check!(
            "linkis.mock.seed",
            Linkis,
            MockDefined,
            "POST /__admin/seed adds a user who can log in at once; GET /__admin/state lists them; GET /__admin/ready is 200; seeded SQL that would attach a database is an envelope 400 that adds nothing",
            seed
        ),
    ]
}

async fn seed(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let admin = env.admin()?;
    let (name, password) = ("conformanceseeded", "seeded-password");
    // Seeding an item equal to one the mock has changes nothing: the check can run twice.
    let r = admin
        .post("/__admin/seed")
        .json(&serde_json::json!({"users": [{"name": name, "password": password}]}))
        .send()
        .await?;
    ensure!(r.status < 300, "the seed was refused: {}", r.summary());
    let (_, r) = env.login(name, password).await?;
    expect(&r, 0)?;

    let r = admin.get("/__admin/state").send().await?;
    ensure_eq!(r.status, 200, "GET /__admin/state");
    ensure!(
        r.json()?["users"]
            .as_array()
            .is_some_and(|u| u.iter().any(|u| u["name"] == name)),
        "the state should list the seeded user: {}",
        r.summary()
    );

    let refused = "conformancerefused";
    let r = admin
        .post("/__admin/seed")
        .json(&serde_json::json!({
            "users": [{"name": refused, "password": "x"}],
            "sql": ["ATTACH DATABASE 'conformance.db' AS c"],
        }))
        .send()
        .await?;
    ensure_eq!(r.status, 400, "a seed with ATTACH");
    let v = r.json()?;
    ensure!(
        v["status"].as_i64().is_some_and(|s| s != 0) && v["message"].is_string(),
        "the refusal should be a Linkis envelope: {}",
        r.summary()
    );
    let (_, r) = env.login(refused, "x").await?;
    ensure!(
        r.json()?["status"].as_i64() != Some(0),
        "the refused seed's user should not log in: {}",
        r.summary()
    );

    let r = admin.get("/__admin/ready").send().await?;
    ensure_eq!(r.status, 200, "GET /__admin/ready");
    ensure_eq!(r.json()?["ready"], serde_json::json!(true), "ready");
    Ok(())
}

async fn unsafe_creator(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("upstream accepts such creators and hands out execIDs clients cannot use")?;
    let (http, user) = env.main().await?;
    for creator in ["conformance/bad", "conformance bad"] {
        let body = serde_json::json!({
            "executionContent": {"code": "select 1", "runType": "sql"},
            "labels": {"engineType": "spark", "userCreator": format!("{user}-{creator}")},
        });
        let r = http
            .post(&format!("{REST}/entrance/submit"))
            .json(&body)
            .send()
            .await?;
        let v = expect(&r, 1)?;
        ensure_eq!(
            v["data"]["errorMsg"]["errCode"].as_i64(),
            Some(20009),
            "errCode"
        );
        ensure!(
            v["message"].as_str().is_some_and(|m| m.contains("creator")),
            "the message should name the creator: {v}"
        );
    }
    Ok(())
}

async fn sql_error(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, seen) = run_job(ctx, "select * from conformance_no_such_table").await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Failed"),
        "final status"
    );
    let t = env.task(&http, job.task_id).await?;
    ensure!(
        t["errDesc"].as_str().is_some_and(|s| !s.is_empty()),
        "errDesc should carry the engine message: {t}"
    );
    let v = full_log(&http, &job.exec_id).await?;
    let logs = v["data"]["log"].as_array().cloned().unwrap_or_default();
    ensure!(
        logs.first()
            .and_then(|e| e.as_str())
            .is_some_and(|e| !e.is_empty()),
        "no ERROR line in the log"
    );
    let all = logs.get(3).and_then(|a| a.as_str()).unwrap_or_default();
    ensure!(
        all.contains(
            "Sorry. Your job completed with a status Failed. You can view logs for the reason."
        ),
        "the log lacks the Sorry line"
    );
    Ok(())
}

async fn show_tables(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, seen) = run_job(ctx, "show tables").await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Succeed"),
        "final status"
    );
    let t = env.task(&http, job.task_id).await?;
    let loc = t["resultLocation"].as_str().unwrap_or_default();
    let r = http
        .get(&format!("{REST}/filesystem/openFile"))
        .query(&[("path", format!("{loc}/_0.dolphin").as_str())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(v["data"]["type"].as_str(), Some("2"), "type");
    ensure!(
        v["data"]["fileContent"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "show tables should list tables: {v}"
    );
    Ok(())
}

async fn text_result(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("would run python on a real cluster")?;
    let (http, user) = env.main().await?;
    let body = serde_json::json!({
        "executionContent": {"code": "print('conformance')", "runType": "python"},
        "labels": {"engineType": "python-python3", "userCreator": format!("{user}-IDE")},
    });
    let r = http
        .post(&format!("{REST}/entrance/submit"))
        .json(&body)
        .send()
        .await?;
    let job = crate::ctx::job_from(&r)?;
    let seen = env
        .wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Succeed"),
        "final status"
    );
    let t = env.task(&http, job.task_id).await?;
    let loc = t["resultLocation"].as_str().unwrap_or_default();
    let r = http
        .get(&format!("{REST}/filesystem/openFile"))
        .query(&[("path", format!("{loc}/_0.dolphin").as_str())])
        .send()
        .await?;
    ensure_eq!(
        expect(&r, 0)?["data"]["type"].as_str(),
        Some("1"),
        "type of a text result"
    );
    Ok(())
}

async fn directive_fail(ctx: &Ctx) -> CheckResult {
    ctx.linkis()?
        .require_mock("uses the mock's scenario directives")?;
    let (env, http, _, job, seen) =
        run_job(ctx, "-- @mock fail=\"disk full\"\nselect 1 as n").await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Failed"),
        "final status"
    );
    ensure_eq!(
        env.task(&http, job.task_id).await?["errDesc"].as_str(),
        Some("disk full"),
        "errDesc"
    );
    Ok(())
}

async fn clock_timing(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("moves the mock's clock")?;
    let (http, user) = env.main().await?;
    let job = env
        .submit(&http, &user, "-- @mock queue=5s duration=5s\nselect 1 as n")
        .await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/status", job.exec_id))
        .send()
        .await?;
    let s = expect(&r, 0)?["data"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        !TERMINAL.contains(&s.as_str()),
        "the job finished before the clock moved: {s}"
    );
    env.advance(30.0).await?;
    let r = http
        .get(&format!("{REST}/entrance/{}/status", job.exec_id))
        .send()
        .await?;
    ensure_eq!(
        expect(&r, 0)?["data"]["status"].as_str(),
        Some("Succeed"),
        "status after 30 s of mock time"
    );
    Ok(())
}
