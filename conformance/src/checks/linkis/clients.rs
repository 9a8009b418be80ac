//! Endpoints real clients call on their normal path besides the core job flow: the
//! gateway heartbeat (UJESClient's discovery), the OAuth entry point, linkis-web's footer
//! (`listundonetasks`) and history detail tabs (`job-extra-info`, `diagnosis-query`), the
//! `jobhistory/list` filters, `openFile`'s column paging and `nullValue`, the run and
//! engine types upstream accepts, and the `executeUser` body field.

use serde_json::{Value, json};

use super::{REST, expect, expect_message, run_job};
use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, job_from};
use crate::http::Http;
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "linkis.gateway.heartbeat",
            Linkis,
            Upstream,
            "gateway/heartbeat (UJESClient's gateway discovery) → status 0 \"Gateway heartbeat ok!\", data {isHealthy: true, gatewayList: [host:port]}; without credentials 401 / -1",
            gateway_heartbeat
        ),
        check!(
            "linkis.auth.oauth_redirect",
            Linkis,
            Upstream,
            "user/oauth-redirect with OAuth not enabled (the default) → status -1 / 401 \"Gateway 未启用 OAuth 认证，请采用其他认证方式!\"",
            oauth_redirect
        ),
        check!(
            "linkis.history.listundonetasks",
            Linkis,
            Upstream,
            "jobhistory/listundonetasks (linkis-web's footer) → data {tasks, totalPage}: the caller's unfinished jobs only; an invalid creator → status 1 \"Invalid creator : …\"",
            list_undone_tasks
        ),
        check!(
            "linkis.history.job_extra_info",
            Linkis,
            Upstream,
            "jobhistory/job-extra-info?jobId= → data.metricsMap with executionCode (the job's code) and runtime; no jobId → status 1 \"Invalid jobId cannot be empty\"",
            job_extra_info
        ),
        check!(
            "linkis.history.diagnosis_query",
            Linkis,
            Upstream,
            "jobhistory/diagnosis-query?taskID= → status 0 with data.diagnosisMsg a string; a non-numeric taskID → error code 21304",
            diagnosis_query
        ),
        check!(
            "linkis.history.list.filters",
            Linkis,
            Upstream,
            "jobhistory/list filters narrow the list: taskID, status, creator, executeApplicationName, instance, engineInstance; invalid names → status 1 \"Invalid creator : …\" / \"Invalid instances : …\"",
            list_filters
        ),
        check!(
            "linkis.fs.open_file.columns",
            Linkis,
            Upstream,
            "openFile with enableLimit=true pages columns (columnPage, columnPageSize) keeping totalColumn; columnPageSize over 500 → 80036; nullValue replaces NULLs",
            open_file_columns
        ),
        check!(
            "linkis.entrance.run_types",
            Linkis,
            Upstream,
            "submit accepts upstream's run types (essql, esjson, jdbc, shell, python, py, scala, hql) and engine types (spark, hive, python, shell, jdbc, elasticsearch, presto, trino, openlookeng, pipeline, io_file, nebula, doris, appconn)",
            run_types
        ),
        check!(
            "linkis.entrance.execute_user.ignored",
            Linkis,
            Upstream,
            "a body executeUser from a caller without an admin token is ignored: the job's executeUser is the caller",
            execute_user_ignored
        ),
        check!(
            "linkis.entrance.execute_user.admin_token",
            Linkis,
            Upstream,
            "submit authenticated with an admin token (name containing ADMIN-) runs as the body's executeUser; submitUser stays the token user",
            execute_user_admin_token
        ),
    ]
}

fn tasks_of(v: &Value) -> Result<Vec<Value>, Fail> {
    v["data"]["tasks"]
        .as_array()
        .cloned()
        .ok_or_else(|| Fail::Failed(format!("data.tasks should be an array: {v}")))
}

fn task_id(t: &Value) -> Option<u64> {
    t["taskID"]
        .as_u64()
        .or_else(|| t["taskID"].as_str().and_then(|s| s.parse().ok()))
}

async fn gateway_heartbeat(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/gateway/heartbeat"))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    expect_message(v, "Gateway heartbeat ok!")?;
    ensure_eq!(v["data"]["isHealthy"].as_bool(), Some(true), "isHealthy");
    let list = v["data"]["gatewayList"].as_array();
    ensure!(
        list.is_some_and(|l| !l.is_empty()
            && l.iter()
                .all(|g| g.as_str().is_some_and(|s| s.contains(':')))),
        "gatewayList should name host:port instances: {v}"
    );
    let r = env
        .fresh()
        .get(&format!("{REST}/gateway/heartbeat"))
        .send()
        .await?;
    expect(&r, -1)?;
    Ok(())
}

async fn oauth_redirect(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let r = env
        .fresh()
        .get(&format!("{REST}/user/oauth-redirect"))
        .send()
        .await?;
    expect_message(
        expect(&r, -1)?,
        "Gateway 未启用 OAuth 认证，请采用其他认证方式!",
    )
}

async fn list_undone_tasks(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let code = if env.is_mock {
        "-- @mock duration=600s\nselect 1 as n"
    } else {
        "select 1 as n"
    };
    let job = env.submit(&http, &user, code).await?;
    let r = http
        .get(&format!("{REST}/jobhistory/listundonetasks"))
        .query(&[("pageSize", "100"), ("status", "Running,Inited,Scheduled")])
        .send()
        .await?;
    let v = expect(&r, 0)?.clone();
    ensure!(
        v["data"]["totalPage"].is_u64(),
        "totalPage should be a number: {v}"
    );
    let tasks = tasks_of(&v)?;
    for t in &tasks {
        ensure!(
            ["Running", "Inited", "Scheduled"].contains(&t["status"].as_str().unwrap_or_default()),
            "an unfinished task was expected: {t}"
        );
        ensure!(
            t["umUser"].as_str() == Some(user.as_str())
                || t["executeUser"].as_str() == Some(user.as_str()),
            "only the caller's tasks: {t}"
        );
    }
    if env.is_mock {
        ensure!(
            tasks.iter().any(|t| task_id(t) == Some(job.task_id)),
            "the running job {} should be listed: {v}",
            job.task_id
        );
    }
    let _ = http
        .get(&format!("{REST}/entrance/{}/kill", job.exec_id))
        .send()
        .await?;
    let r = http
        .get(&format!("{REST}/jobhistory/listundonetasks"))
        .query(&[("creator", "conformance bad")])
        .send()
        .await?;
    expect_message(expect(&r, 1)?, "Invalid creator : conformance bad")
}

async fn job_extra_info(ctx: &Ctx) -> CheckResult {
    let code = "select 3 as n";
    let (_, http, _, job, _) = run_job(ctx, code).await?;
    let r = http
        .get(&format!("{REST}/jobhistory/job-extra-info"))
        .query(&[("jobId", &job.task_id.to_string())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let m = &v["data"]["metricsMap"];
    ensure_eq!(
        m["executionCode"].as_str(),
        Some(code),
        "metricsMap.executionCode"
    );
    ensure!(
        m["runtime"].is_string(),
        "metricsMap.runtime should be a string: {v}"
    );
    let r = http
        .get(&format!("{REST}/jobhistory/job-extra-info"))
        .send()
        .await?;
    expect_message(expect(&r, 1)?, "Invalid jobId cannot be empty")
}

async fn diagnosis_query(ctx: &Ctx) -> CheckResult {
    let (_, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!("{REST}/jobhistory/diagnosis-query"))
        .query(&[("taskID", &job.task_id.to_string())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure!(
        v["data"]["diagnosisMsg"].is_string(),
        "diagnosisMsg should be a string: {v}"
    );
    let r = http
        .get(&format!("{REST}/jobhistory/diagnosis-query"))
        .query(&[("taskID", "12x")])
        .send()
        .await?;
    let v = expect(&r, 1)?;
    ensure_eq!(
        v["data"]["errorMsg"]["errCode"].as_i64(),
        Some(21304),
        "errCode"
    );
    Ok(())
}

async fn listed(http: &Http, q: &[(&str, &str)]) -> Result<Vec<u64>, Fail> {
    let r = http
        .get(&format!("{REST}/jobhistory/list"))
        .query(q)
        .send()
        .await?;
    Ok(tasks_of(expect(&r, 0)?)?
        .iter()
        .filter_map(task_id)
        .collect())
}

async fn list_filters(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let t = env.task(&http, job.task_id).await?;
    let id = job.task_id.to_string();
    let instance = t["instance"].as_str().unwrap_or_default().to_owned();
    let engine = t["engineType"].as_str().unwrap_or_default().to_owned();
    let creator = t["requestApplicationName"]
        .as_str()
        .unwrap_or("IDE")
        .to_owned();
    let one = vec![job.task_id];
    let base = [("taskID", id.as_str()), ("pageSize", "5")];
    let with = |k: &'static str, v: &str| {
        let mut q: Vec<(&str, String)> = base.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        q.push((k, v.to_owned()));
        q
    };
    for (k, v, want) in [
        ("status", "Succeed", &one),
        ("status", "Failed", &vec![]),
        ("creator", creator.as_str(), &one),
        ("creator", "conformanceNoSuchCreator", &vec![]),
        ("executeApplicationName", engine.as_str(), &one),
        ("instance", instance.as_str(), &one),
        ("instance", "conformance-no-such-host:1", &vec![]),
        ("engineInstance", "conformance-no-such-engine:1", &vec![]),
    ] {
        let q = with(k, v);
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ensure_eq!(&listed(&http, &q).await?, want, "list with {k}={v}");
    }
    for (k, v, msg) in [
        ("creator", "a b", "Invalid creator : a b"),
        ("instance", "a b", "Invalid instances : a b"),
    ] {
        let r = http
            .get(&format!("{REST}/jobhistory/list"))
            .query(&[(k, v)])
            .send()
            .await?;
        let v = expect(&r, 1)?;
        ensure!(
            v["message"].as_str().is_some_and(|m| m.contains(msg)),
            "the message should contain {msg:?}: {v}"
        );
    }
    Ok(())
}

async fn open_file_columns(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, _) = run_job(ctx, "select 1 as a, 2 as b, null as c").await?;
    let t = env.task(&http, job.task_id).await?;
    let path = format!(
        "{}/_0.dolphin",
        t["resultLocation"].as_str().unwrap_or_default()
    );
    let open = |q: &'static [(&'static str, &'static str)]| {
        let mut all = vec![("path", path.clone())];
        all.extend(q.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let http = http.clone();
        async move {
            let q: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            http.get(&format!("{REST}/filesystem/openFile"))
                .query(&q)
                .send()
                .await
        }
    };
    let r = open(&[
        ("enableLimit", "true"),
        ("columnPage", "2"),
        ("columnPageSize", "2"),
        ("nullValue", "-"),
    ])
    .await?;
    let v = expect(&r, 0)?;
    let names: Vec<&str> = v["data"]["metadata"]
        .as_array()
        .map(|m| m.iter().filter_map(|c| c["columnName"].as_str()).collect())
        .unwrap_or_default();
    ensure_eq!(names, vec!["c"], "the second page of two columns");
    ensure_eq!(v["data"]["totalColumn"].as_u64(), Some(3), "totalColumn");
    ensure_eq!(
        v["data"]["fileContent"],
        json!([["-"]]),
        "fileContent with nullValue=-"
    );
    let r = open(&[("columnPageSize", "501")]).await?;
    let v = expect(&r, 1)?;
    ensure_eq!(
        v["data"]["errorMsg"]["errCode"].as_i64(),
        Some(80036),
        "errCode"
    );
    Ok(())
}

async fn run_types(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let pairs = [
        ("essql", "elasticsearch"),
        ("esjson", "elasticsearch"),
        ("jdbc", "jdbc"),
        ("shell", "shell"),
        ("python", "python"),
        ("py", "spark"),
        ("scala", "spark"),
        ("hql", "hive"),
        ("sql", "presto"),
        ("sql", "trino"),
        ("sql", "openlookeng"),
        ("pipeline", "pipeline"),
        ("io_file", "io_file"),
        ("ngql", "nebula"),
        ("sql", "doris"),
        ("appconn", "appconn"),
    ];
    for (run_type, engine) in pairs {
        let body = json!({
            "executionContent": {"code": "select 1", "runType": run_type},
            "labels": {"engineType": engine, "userCreator": format!("{user}-IDE")},
        });
        let r = http
            .post(&format!("{REST}/entrance/submit"))
            .json(&body)
            .send()
            .await?;
        let job = job_from(&r)
            .map_err(|e| Fail::Failed(format!("runType {run_type} on {engine}: {e}")))?;
        let _ = http
            .get(&format!("{REST}/entrance/{}/kill", job.exec_id))
            .send()
            .await?;
    }
    Ok(())
}

async fn execute_user_ignored(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let other = if user == "conformance-other" {
        "conformance-x"
    } else {
        "conformance-other"
    };
    let body = json!({
        "executionContent": {"code": "select 1 as n", "runType": env.target.run_type()},
        "labels": {"engineType": env.target.engine_type(), "userCreator": format!("{user}-IDE")},
        "executeUser": other,
    });
    let r = http
        .post(&format!("{REST}/entrance/submit"))
        .json(&body)
        .send()
        .await?;
    let job = job_from(&r)?;
    let t = env.task(&http, job.task_id).await?;
    ensure_eq!(
        t["executeUser"].as_str(),
        Some(user.as_str()),
        "executeUser"
    );
    Ok(())
}

async fn execute_user_admin_token(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("uses the fixture's ADMIN-LINKIS-AUTH token")?;
    let http = env
        .fresh()
        .with_header("Token-Code", "ADMIN-LINKIS-AUTH")
        .with_header("Token-User", "hadoop");
    let body = json!({
        "executionContent": {"code": "select 1 as n", "runType": "sql"},
        "labels": {"engineType": "spark", "userCreator": "hadoop-IDE"},
        "executeUser": "alice",
    });
    let r = http
        .post(&format!("{REST}/entrance/submit"))
        .json(&body)
        .send()
        .await?;
    let job = job_from(&r)?;
    let t = env.task(&http, job.task_id).await?;
    ensure_eq!(t["executeUser"].as_str(), Some("alice"), "executeUser");
    ensure_eq!(t["umUser"].as_str(), Some("hadoop"), "umUser (submitUser)");
    Ok(())
}
