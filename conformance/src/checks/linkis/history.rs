//! Job history (`jobhistory/{taskID}/get`, `jobhistory/list`) and result sets
//! (`filesystem/getDirFileTrees`, `openFile`, `openLog`).

use serde_json::Value;

use super::{REST, THREE_ROWS, expect, expect_message, run_job};
use crate::check::{Check, CheckResult, Fail};
use crate::ctx::Ctx;
use crate::http::Http;
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "linkis.history.get",
            Linkis,
            Upstream,
            "jobhistory/{taskID}/get → data.task with status, progress as a string, epoch-ms createdTime/updatedTime, resultLocation, logPath, errCode/errDesc keys, execId, strongerExecId = execID, umUser, executeUser",
            history_get
        ),
        check!(
            "linkis.history.not_found",
            Linkis,
            Upstream,
            "an unknown taskID → status 1 \"The corresponding job was not found, or there may be no permission to view the job(…)\"",
            history_not_found
        ),
        check!(
            "linkis.history.isolation",
            Linkis,
            Upstream,
            "another non-admin user cannot see the task (same not-found answer)",
            history_isolation
        ),
        check!(
            "linkis.history.list",
            Linkis,
            Upstream,
            "jobhistory/list?pageSize=1 → data {tasks: [one task], totalPage: the number of matching records}",
            history_list
        ),
        check!(
            "linkis.history.governance",
            Linkis,
            Upstream,
            "jobhistory/governanceStationAdmin → data.admin (bool)",
            governance
        ),
        check!(
            "linkis.fs.dir_tree",
            Linkis,
            Upstream,
            "filesystem/getDirFileTrees?path=<resultLocation> → data.dirFileTrees.children[] of _N.dolphin files with isLeaf true and properties {size, modifytime} as strings",
            dir_tree
        ),
        check!(
            "linkis.fs.dir_missing",
            Linkis,
            Upstream,
            "getDirFileTrees of a directory that does not exist → status 0 with dirFileTrees null",
            dir_missing
        ),
        check!(
            "linkis.fs.blank_path",
            Linkis,
            Upstream,
            "a blank path → status 1 with error code 80004",
            blank_path
        ),
        check!(
            "linkis.fs.open_file",
            Linkis,
            Upstream,
            "filesystem/openFile of a table result → type \"2\", metadata [{columnName, comment, dataType}], fileContent rows of strings, page, totalLine, totalPage 0",
            open_file
        ),
        check!(
            "linkis.fs.open_file.paging",
            Linkis,
            Upstream,
            "openFile honours page and pageSize (page 2 of size 2 of three rows is one row); totalLine counts every row",
            open_file_paging
        ),
        check!(
            "linkis.fs.is_exist",
            Linkis,
            Upstream,
            "filesystem/isExist?path=<result file> → data.isExist true (false for a missing file)",
            is_exist
        ),
        check!(
            "linkis.fs.open_log",
            Linkis,
            Upstream,
            "filesystem/openLog?path=<logPath> → data.log of 4 strings, lines ending in \\n, log[3] not blank",
            open_log
        ),
    ]
}

const NOT_FOUND: &str = "The corresponding job was not found, or there may be no permission to view the job(没有找到对应的job，也可能是没有查看该job的权限)";

async fn history_get(ctx: &Ctx) -> CheckResult {
    let (env, http, user, job, _) = run_job(ctx, "select 1 as n").await?;
    let t = env.task(&http, job.task_id).await?;
    for k in [
        "taskID",
        "instance",
        "execId",
        "strongerExecId",
        "umUser",
        "executeUser",
        "executionCode",
        "progress",
        "logPath",
        "resultLocation",
        "status",
        "createdTime",
        "updatedTime",
        "engineType",
        "errCode",
        "errDesc",
        "runType",
    ] {
        ensure!(t.get(k).is_some(), "data.task lacks `{k}`: {t}");
    }
    ensure_eq!(t["status"].as_str(), Some("Succeed"), "task.status");
    ensure!(
        t["progress"].is_string(),
        "task.progress should be a string: {}",
        t["progress"]
    );
    ensure!(
        t["createdTime"].is_i64() && t["updatedTime"].is_i64(),
        "createdTime/updatedTime should be epoch ms numbers: {t}"
    );
    ensure_eq!(
        t["strongerExecId"].as_str(),
        Some(job.exec_id.as_str()),
        "strongerExecId"
    );
    let short = super::entrance::parse_exec_id(&job.exec_id).map(|x| x.2);
    ensure_eq!(
        t["execId"].as_str().map(str::to_owned),
        short,
        "execId (the short id)"
    );
    ensure_eq!(
        t["executeUser"].as_str(),
        Some(user.as_str()),
        "executeUser"
    );
    ensure!(
        t["resultLocation"].as_str().is_some_and(|s| !s.is_empty()),
        "resultLocation should be set: {t}"
    );
    let tid = t["taskID"]
        .as_u64()
        .or_else(|| t["taskID"].as_str().and_then(|s| s.parse().ok()));
    ensure_eq!(tid, Some(job.task_id), "taskID");
    Ok(())
}

async fn history_not_found(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/jobhistory/987654321/get"))
        .send()
        .await?;
    expect_message(expect(&r, 1)?, NOT_FOUND)
}

async fn history_isolation(ctx: &Ctx) -> CheckResult {
    let (env, _, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let (other, _) = env.second().await?;
    let r = other
        .get(&format!("{REST}/jobhistory/{}/get", job.task_id))
        .send()
        .await?;
    expect_message(expect(&r, 1)?, NOT_FOUND)
}

async fn history_list(ctx: &Ctx) -> CheckResult {
    let (_, http, _, _, _) = run_job(ctx, "select 1 as n").await?;
    let (_, _, _, _, _) = run_job(ctx, "select 2 as n").await?;
    let r = http
        .get(&format!("{REST}/jobhistory/list"))
        .query(&[("pageSize", "1"), ("pageNow", "1")])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let tasks = v["data"]["tasks"]
        .as_array()
        .ok_or_else(|| Fail::Failed(format!("data.tasks should be an array: {v}")))?;
    ensure_eq!(tasks.len(), 1, "tasks on a page of size 1");
    let total = v["data"]["totalPage"]
        .as_u64()
        .ok_or_else(|| Fail::Failed(format!("data.totalPage should be a number: {v}")))?;
    ensure!(
        total >= 2,
        "totalPage is the record count upstream; with two jobs it should be ≥ 2, got {total}"
    );
    Ok(())
}

async fn result_files(http: &Http, location: &str) -> Result<Vec<Value>, Fail> {
    let r = http
        .get(&format!("{REST}/filesystem/getDirFileTrees"))
        .query(&[("path", location)])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    v["data"]["dirFileTrees"]["children"]
        .as_array()
        .cloned()
        .ok_or_else(|| Fail::Failed(format!("dirFileTrees.children should be an array: {v}")))
}

async fn dir_tree(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let t = env.task(&http, job.task_id).await?;
    let loc = t["resultLocation"].as_str().unwrap_or_default().to_owned();
    let children = result_files(&http, &loc).await?;
    ensure!(
        !children.is_empty(),
        "a finished SQL job should have a result file"
    );
    for (i, c) in children.iter().enumerate() {
        ensure_eq!(
            c["name"].as_str().map(str::to_owned),
            Some(format!("_{i}.dolphin")),
            "result file name"
        );
        ensure_eq!(c["isLeaf"].as_bool(), Some(true), "isLeaf");
        ensure!(
            c["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(&format!("_{i}.dolphin"))),
            "path: {c}"
        );
        ensure!(
            c["properties"]["size"].is_string() && c["properties"]["modifytime"].is_string(),
            "properties {{size, modifytime}} as strings: {c}"
        );
    }
    Ok(())
}

async fn dir_missing(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let t = env.task(&http, job.task_id).await?;
    let loc = format!(
        "{}/conformance-no-such-dir",
        t["resultLocation"].as_str().unwrap_or_default()
    );
    let r = http
        .get(&format!("{REST}/filesystem/getDirFileTrees"))
        .query(&[("path", loc.as_str())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure!(
        v["data"]["dirFileTrees"].is_null(),
        "dirFileTrees should be null: {v}"
    );
    Ok(())
}

async fn blank_path(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/filesystem/getDirFileTrees"))
        .query(&[("path", "")])
        .send()
        .await?;
    let m = expect(&r, 1)?["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(m.contains("80004"), "expected error code 80004, got {m:?}");
    Ok(())
}

async fn first_result(ctx: &Ctx, code: &str) -> Result<(Http, String), Fail> {
    let (env, http, _, job, seen) = run_job(ctx, code).await?;
    ensure_eq!(
        seen.last().map(String::as_str),
        Some("Succeed"),
        "status of {code:?}"
    );
    let t = env.task(&http, job.task_id).await?;
    let loc = t["resultLocation"].as_str().unwrap_or_default().to_owned();
    let children = result_files(&http, &loc).await?;
    let path = children
        .first()
        .and_then(|c| c["path"].as_str())
        .ok_or_else(|| Fail::Failed("no result file".into()))?
        .to_owned();
    Ok((http, path))
}

async fn open_file(ctx: &Ctx) -> CheckResult {
    let (http, path) = first_result(ctx, THREE_ROWS).await?;
    let r = http
        .get(&format!("{REST}/filesystem/openFile"))
        .query(&[("path", path.as_str())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let d = &v["data"];
    ensure_eq!(d["type"].as_str(), Some("2"), "type of a table result");
    let meta = d["metadata"]
        .as_array()
        .ok_or_else(|| Fail::Failed(format!("metadata should be a list: {v}")))?;
    ensure_eq!(meta.len(), 1, "columns");
    for k in ["columnName", "comment", "dataType"] {
        ensure!(
            meta[0][k].is_string(),
            "metadata[0].{k} should be a string: {}",
            meta[0]
        );
    }
    ensure_eq!(meta[0]["columnName"].as_str(), Some("n"), "column name");
    ensure_eq!(
        d["fileContent"],
        serde_json::json!([["1"], ["2"], ["3"]]),
        "fileContent (rows of strings)"
    );
    ensure_eq!(d["totalPage"].as_i64(), Some(0), "totalPage");
    ensure_eq!(d["totalLine"].as_i64(), Some(3), "totalLine");
    ensure_eq!(d["page"].as_i64(), Some(1), "page");
    Ok(())
}

async fn open_file_paging(ctx: &Ctx) -> CheckResult {
    let (http, path) = first_result(ctx, THREE_ROWS).await?;
    let r = http
        .get(&format!("{REST}/filesystem/openFile"))
        .query(&[("path", path.as_str()), ("page", "2"), ("pageSize", "2")])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure_eq!(
        v["data"]["fileContent"],
        serde_json::json!([["3"]]),
        "page 2 of size 2"
    );
    ensure_eq!(v["data"]["page"].as_i64(), Some(2), "page echo");
    ensure_eq!(v["data"]["totalLine"].as_i64(), Some(3), "totalLine");
    Ok(())
}

async fn open_log(ctx: &Ctx) -> CheckResult {
    let (env, http, _, job, _) = run_job(ctx, "select 1 as n").await?;
    let t = env.task(&http, job.task_id).await?;
    let path = t["logPath"].as_str().unwrap_or_default().to_owned();
    let r = http
        .get(&format!("{REST}/filesystem/openLog"))
        .query(&[("path", path.as_str())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let log = v["data"]["log"]
        .as_array()
        .ok_or_else(|| Fail::Failed(format!("data.log should be an array: {v}")))?;
    ensure_eq!(log.len(), 4, "data.log length");
    let all = log[3].as_str().unwrap_or_default();
    ensure!(!all.trim().is_empty(), "log[3] should not be blank");
    ensure!(all.ends_with('\n'), "openLog lines end with a newline");
    ensure!(
        all.contains("Congratulations. Your job completed with status Success."),
        "the log lacks the final line"
    );
    Ok(())
}

async fn governance(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/jobhistory/governanceStationAdmin"))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    ensure!(
        v["data"]["admin"].is_boolean(),
        "data.admin should be a bool: {v}"
    );
    Ok(())
}

async fn is_exist(ctx: &Ctx) -> CheckResult {
    let (http, path) = first_result(ctx, "select 1 as n").await?;
    let r = http
        .get(&format!("{REST}/filesystem/isExist"))
        .query(&[("path", path.as_str())])
        .send()
        .await?;
    ensure_eq!(
        expect(&r, 0)?["data"]["isExist"].as_bool(),
        Some(true),
        "isExist of the result file"
    );
    let missing = format!("{path}.conformance-missing");
    let r = http
        .get(&format!("{REST}/filesystem/isExist"))
        .query(&[("path", missing.as_str())])
        .send()
        .await?;
    ensure_eq!(
        expect(&r, 0)?["data"]["isExist"].as_bool(),
        Some(false),
        "isExist of a missing file"
    );
    Ok(())
}
