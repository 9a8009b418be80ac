mod common;

use common::*;
use linkis_mock::Config;
use serde_json::json;

#[tokio::test]
async fn sql_results_history_and_files() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let sql = "show databases;\nshow tables;\ndesc employees;\nselect d.name as dept, count(*) as n, sum(e.salary) as total from employees e join departments d on e.dept_id = d.id group by d.name order by d.name;\nselect * from sales.orders order by order_id;\nselect id, name, salary from default.employees where id = 5";
    let (_, task) = c.submit(sql, "sql").await;
    let h = c.task(task).await;
    assert_eq!(h["status"], "Succeed");
    assert_eq!(h["umUser"], "alice");
    assert_eq!(
        h["labels"],
        json!([
            "engineType:spark-2.4.3",
            "userCreator:alice-IDE",
            "codeType:sql"
        ])
    );
    for k in ["createdTime", "updatedTime", "costTime"] {
        assert!(h[k].is_i64(), "{k}");
    }
    let loc = h["resultLocation"].as_str().unwrap();
    assert!(
        loc.starts_with("hdfs:///tmp/linkis/alice/linkis/")
            && loc.ends_with(&format!("/IDE/{task}")),
        "{loc}"
    );
    let tree = c
        .get(&format!("/filesystem/getDirFileTrees?path={loc}"))
        .await;
    assert_eq!(tree.method, "/api/filesystem/getDirFileTrees");
    let kids = tree.data["dirFileTrees"]["children"].as_array().unwrap();
    assert_eq!(kids.len(), 6);
    assert_eq!(kids[0]["name"], "_0.dolphin");
    assert_eq!(kids[5]["path"], format!("{loc}/_5.dolphin"));
    assert!(kids[0]["isLeaf"].as_bool().unwrap() && kids[0]["properties"]["size"].is_string());

    let open =
        |i: usize, extra: &str| format!("/filesystem/openFile?path={loc}/_{i}.dolphin{extra}");
    let r = c.get(&open(0, "")).await;
    assert_eq!(r.data["fileContent"], json!([["default"], ["sales"]]));
    assert_eq!(r.data["type"], "2");
    let r = c.get(&open(1, "")).await;
    assert_eq!(r.data["metadata"][0]["columnName"], "tab_name");
    assert_eq!(
        r.data["fileContent"],
        json!([["departments"], ["employees"]])
    );
    let r = c.get(&open(2, "")).await;
    assert_eq!(r.data["fileContent"][1], json!(["name", "varchar(64)", ""]));
    let r = c.get(&open(3, "")).await;
    assert_eq!(
        r.data["fileContent"],
        json!([
            ["engineering", "2", "23000.5"],
            ["finance", "1", "9500.25"],
            ["sales", "1", "9000.0"]
        ])
    );
    assert_eq!(
        r.data["metadata"][1],
        json!({"columnName": "n", "comment": "NULL", "dataType": "bigint"})
    );
    let r = c.get(&open(4, "&page=2&pageSize=3")).await;
    assert_eq!(
        (
            r.data["totalLine"].as_i64(),
            r.data["page"].as_i64(),
            r.data["totalPage"].as_i64()
        ),
        (Some(4), Some(2), Some(0))
    );
    assert_eq!(
        r.data["fileContent"],
        json!([["1004", "initech", "700.00", "2024-03-20", "true"]])
    );
    assert_eq!(r.data["metadata"][2]["dataType"], "decimal(10,2)");
    // NULL handling
    assert_eq!(
        c.get(&open(5, "")).await.data["fileContent"],
        json!([["5", "erin", "NULL"]])
    );
    assert_eq!(
        c.get(&open(5, "&nullValue=-")).await.data["fileContent"],
        json!([["5", "erin", "-"]])
    );
    assert_eq!(
        c.get(&open(5, "&nullValue=LINKIS_NULL")).await.data["fileContent"],
        json!([["5", "erin", null]])
    );
    for bad in ["&page=0", "&pageSize=0", "&pageSize=5001", "&page=x"] {
        let r = c.get(&open(0, bad)).await;
        assert_eq!(r.status, 1, "{bad}");
    }
    let r = c.get(&open(9, "")).await;
    assert!(r.message.contains("does not exist"), "{}", r.message);
    let r = c.get("/filesystem/openFile?path=").await;
    assert!(r.message.contains("80004"));
    let r = c
        .get("/filesystem/getDirFileTrees?path=hdfs:///tmp/../etc")
        .await;
    assert!(r.message.contains("80026"));
    let r = c
        .get("/filesystem/getDirFileTrees?path=hdfs:///nowhere/77")
        .await;
    assert_eq!((r.status, r.data["dirFileTrees"].is_null()), (0, true));

    // the log file
    let r = c
        .get(&format!(
            "/filesystem/openLog?path={}",
            h["logPath"].as_str().unwrap()
        ))
        .await;
    let all = r.data["log"][3].as_str().unwrap();
    assert!(all.ends_with("Congratulations. Your job completed with status Success.\n"));
    let r = c
        .get(&format!(
            "/filesystem/openLog?path={}&logLevel=error",
            h["logPath"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.data["log"][3], "");

    // owner checks
    let bob = t.login("bob").await;
    assert!(
        bob.get(&format!("/jobhistory/{task}/get"))
            .await
            .message
            .starts_with("The corresponding job was not found")
    );
    assert!(
        bob.get(&format!("/filesystem/getDirFileTrees?path={loc}"))
            .await
            .message
            .contains("80010")
    );
    assert!(bob.get(&open(0, "")).await.message.contains("80012"));
    assert!(
        bob.get(&format!(
            "/filesystem/openLog?path={}",
            h["logPath"].as_str().unwrap()
        ))
        .await
        .message
        .contains("80018")
    );
    let admin = t.login("hadoop").await;
    assert_eq!(admin.get(&open(0, "")).await.status, 0);
}

#[tokio::test]
async fn sql_errors_fail_the_job() {
    let mut cfg = Config::testing();
    cfg.limits.sql_timeout_ms = 300;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    let (exec, task) = c
        .submit("select 1;\nselect * from no_such_table", "sql")
        .await;
    assert_eq!(c.state(&exec).await, "Failed");
    let h = c.task(task).await;
    assert!(
        h["errDesc"]
            .as_str()
            .unwrap()
            .contains("no such table: no_such_table"),
        "{h}"
    );
    assert!(h["errCode"].is_i64());
    let log = c.full_log(&exec, 100).await;
    assert!(
        log.iter()
            .any(|l| l.contains(" ERROR SQL statement 2 failed: no such table"))
    );
    assert!(log.last().unwrap().ends_with(
        "ERROR Sorry. Your job completed with a status Failed. You can view logs for the reason."
    ));
    let r = c.get(&format!("/entrance/{exec}/log?size=-1")).await;
    assert!(
        r.data["log"][0]
            .as_str()
            .unwrap()
            .contains("Sorry, your job executed failed with reason:")
    );
    // runaway SQL is interrupted
    let (exec, task) = c
        .submit(
            "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c",
            "sql",
        )
        .await;
    assert_eq!(c.state(&exec).await, "Failed");
    assert!(
        c.task(task).await["errDesc"]
            .as_str()
            .unwrap()
            .contains("time budget")
    );
    // hive-style errors
    let (exec, task) = c.submit("desc nope", "hql").await;
    assert_eq!(c.state(&exec).await, "Failed");
    assert!(
        c.task(task).await["errDesc"]
            .as_str()
            .unwrap()
            .contains("Table or view not found: nope")
    );
}

#[tokio::test]
async fn directives_script_outcomes() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let (exec, task) = c
        .submit(
            "-- @mock duration=5s fail=\"disk full\" error_code=12345\nselect 1",
            "sql",
        )
        .await;
    assert_eq!(c.state(&exec).await, "Running");
    t.advance(5.0);
    assert_eq!(c.state(&exec).await, "Failed");
    let h = c.task(task).await;
    assert_eq!(
        (h["errDesc"].as_str(), h["errCode"].as_i64()),
        (Some("disk full"), Some(12345))
    );

    let (exec, task) = c
        .submit("# @mock duration=60s timeout=10s\nprint('x')", "python")
        .await;
    t.advance(9.0);
    assert_eq!(c.state(&exec).await, "Running");
    t.advance(1.0);
    assert_eq!(c.state(&exec).await, "Timeout");
    assert!(
        c.task(task).await["errDesc"]
            .as_str()
            .unwrap()
            .contains("timeout")
    );

    let (exec, _) = c.submit("-- @mock timeout=3s\nselect 1", "sql").await;
    t.advance(3.0);
    assert_eq!(c.state(&exec).await, "Timeout");
    let (exec, _) = c
        .submit("-- @mock timeout=3s duration=1s\nselect 1", "sql")
        .await;
    t.advance(1.0);
    assert_eq!(c.state(&exec).await, "Succeed");

    let (exec, _) = c
        .submit("-- @mock duration=10s progress_tasks=10\nselect 1", "sql")
        .await;
    t.advance(3.5);
    let p = c.get(&format!("/entrance/{exec}/progress")).await;
    assert_eq!(p.data["progress"], 0.35);
    assert_eq!(
        p.data["progressInfo"][0],
        json!({"id": "job-1", "succeedTasks": 3, "failedTasks": 0, "runningTasks": 7, "totalTasks": 10})
    );
    let (exec, _) = c.submit("-- @mock queue=3s\nselect 1", "sql").await;
    t.advance(2.9);
    assert_eq!(c.state(&exec).await, "Inited");
    t.advance(0.1);
    assert_eq!(c.state(&exec).await, "Succeed");
}

#[tokio::test]
async fn text_engines_never_touch_the_host() {
    let t = T::fast().await;
    let c = t.login("bob").await;
    let r = c
        .post("/entrance/submit", json!({"executionContent": {"code": "import os\nos.system('touch /tmp/pwned')\nprint(\"hello\")", "runType": "python"},
                                        "labels": {"engineType": "python-python3"}}))
        .await;
    let task = r.data["taskID"].as_u64().unwrap();
    let h = c.task(task).await;
    assert_eq!(h["status"], "Succeed");
    let loc = h["resultLocation"].as_str().unwrap();
    let f = c
        .get(&format!("/filesystem/openFile?path={loc}/_0.dolphin"))
        .await;
    assert_eq!(
        (f.data["type"].as_str(), &f.data["fileContent"]),
        (Some("1"), &json!([["hello"]]))
    );
    assert!(!std::path::Path::new("/tmp/pwned").exists());
    let (_, task) = c.submit("echo done", "shell").await;
    let loc = c.task(task).await["resultLocation"]
        .as_str()
        .unwrap()
        .to_string();
    let f = c
        .get(&format!("/filesystem/openFile?path={loc}/_0.dolphin"))
        .await;
    assert_eq!(f.data["fileContent"], json!([["done"]]));
}

#[tokio::test]
async fn history_list_filters_and_paging() {
    let t = T::fast().await;
    let alice = t.login("alice").await;
    let bob = t.login("bob").await;
    for _ in 0..5 {
        alice.submit("select 1", "sql").await;
    }
    alice.submit("select * from nope", "sql").await;
    bob.submit("select 1", "sql").await;
    let r = alice.get("/jobhistory/list").await;
    assert_eq!(r.method, "/api/jobhistory/list");
    assert_eq!(r.data["totalPage"], 6, "totalPage is the record count");
    assert_eq!(r.data["tasks"][0]["taskID"], 6, "newest first");
    let r = alice.get("/jobhistory/list?pageNow=2&pageSize=4").await;
    assert_eq!(r.data["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(r.data["totalPage"], 6);
    let r = alice.get("/jobhistory/list?status=Failed").await;
    assert_eq!(r.data["totalPage"], 1);
    let r = alice
        .get("/jobhistory/list?status=Succeed,Failed&taskID=3")
        .await;
    assert_eq!(r.data["tasks"][0]["taskID"], 3);
    let r = alice
        .get("/jobhistory/list?creator=IDE&executeApplicationName=spark&runType=sql")
        .await;
    assert_eq!(r.data["totalPage"], 6);
    let r = alice
        .get("/jobhistory/list?executeApplicationName=hive")
        .await;
    assert_eq!(r.data["totalPage"], 0);
    let far = chrono::Utc::now().timestamp_millis() + 3 * 86_400_000;
    let r = alice
        .get(&format!("/jobhistory/list?startDate={far}"))
        .await;
    assert_eq!(r.data["totalPage"], 0);
    let admin = t.login("hadoop").await;
    assert_eq!(admin.get("/jobhistory/list").await.data["totalPage"], 0);
    assert_eq!(
        admin.get("/jobhistory/list?isAdminView=true").await.data["totalPage"],
        7
    );
    assert_eq!(
        admin
            .get("/jobhistory/list?isAdminView=true&proxyUser=bob")
            .await
            .data["totalPage"],
        1
    );
    for bad in ["pageNow=0", "pageSize=-1", "pageSize=x", "status=Bogus"] {
        assert_eq!(
            alice.get(&format!("/jobhistory/list?{bad}")).await.status,
            1,
            "{bad}"
        );
    }
    let r = alice.get("/jobhistory/abc/get").await;
    assert_eq!(r.status, 1);
    let r = alice.get("/jobhistory/999/get").await;
    assert_eq!(
        r.message,
        "The corresponding job was not found, or there may be no permission to view the job(没有找到对应的job，也可能是没有查看该job的权限)"
    );
}

#[tokio::test]
async fn memory_stays_bounded() {
    let mut cfg = Config::testing();
    cfg.limits.max_jobs = 3;
    cfg.limits.max_total_result_rows = 10;
    cfg.limits.max_result_rows = 4;
    cfg.limits.max_log_lines = 4;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(c.submit("select * from employees", "sql").await);
    }
    // oldest finished jobs evicted first
    assert_eq!(
        c.get(&format!("/jobhistory/{}/get", ids[0].1)).await.status,
        1
    );
    assert_eq!(
        c.get(&format!("/entrance/{}/status", ids[1].0))
            .await
            .status,
        1
    );
    assert_eq!(c.get("/jobhistory/list").await.data["totalPage"], 3);
    // rows capped per result set (4) and in total (10): the oldest kept job lost its results
    let h = c.task(ids[4].1).await;
    let loc = h["resultLocation"].as_str().unwrap();
    let f = c
        .get(&format!("/filesystem/openFile?path={loc}/_0.dolphin"))
        .await;
    assert_eq!(f.data["totalLine"], 4);
    let h = c.task(ids[2].1).await;
    let tree = c
        .get(&format!(
            "/filesystem/getDirFileTrees?path={}",
            h["resultLocation"].as_str().unwrap()
        ))
        .await;
    assert!(tree.data["dirFileTrees"].is_null());
    // engine log lines capped, milestones kept
    let log = c.full_log(&ids[4].0, 100).await;
    assert!(
        log.iter()
            .any(|l| l.contains("engine log lines were dropped"))
    );
    assert!(log.last().unwrap().contains("Congratulations"));
    // unfinished jobs are never evicted; beyond the bound submissions are refused
    let mut cfg = Config::testing();
    cfg.limits.max_jobs = 2;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    c.submit("-- @mock duration=1h\nselect 1", "sql").await;
    c.submit("-- @mock duration=1h\nselect 1", "sql").await;
    let r = c.post("/entrance/submit", json!({"executionContent": {"code": "select 1", "runType": "sql"}, "labels": {"engineType": "spark"}})).await;
    assert_eq!(r.status, 1);
    assert!(r.message.contains("limits.max_jobs"));
}

#[tokio::test]
async fn reset_reseeds_the_catalog() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let (exec, _) = c
        .submit(
            "create table scratch(x int); insert into scratch values (1)",
            "sql",
        )
        .await;
    assert_eq!(c.state(&exec).await, "Succeed");
    let (exec, _) = c.submit("select * from scratch", "sql").await;
    assert_eq!(c.state(&exec).await, "Succeed");
    t.server.reset();
    let c = t.login("alice").await;
    let (exec, _) = c.submit("select * from scratch", "sql").await;
    assert_eq!(c.state(&exec).await, "Failed");
    assert!(exec.ends_with("_0"), "counters reset: {exec}");
}
