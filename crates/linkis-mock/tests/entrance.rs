mod common;

use common::*;
use serde_json::{Value, json};

fn execute_body() -> Value {
    json!({"executeApplicationName": "hive", "requestApplicationName": "IDE", "executionCode": "show tables",
           "runType": "hql", "params": {"variable": {}, "configuration": {"special": {}, "runtime": {}, "startup": {}}},
           "source": {"scriptPath": "file:///tmp/hadoop/1.hql"}})
}

#[tokio::test]
async fn execute_bare_wrapped_and_without_v1() {
    let t = T::fast().await;
    let c = t.login("hadoop").await;
    let r = c.post("/entrance/execute", execute_body()).await;
    assert_eq!((r.status, r.message.as_str()), (0, "OK"));
    assert_eq!(r.method, "/api/entrance/execute");
    assert_eq!(r.data["taskID"], 1);
    assert_eq!(
        r.data["execID"],
        "exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_hadoop_hive_0"
    );
    let wrapped = json!({"method": "/api/rest_j/v1/entrance/execute", "data": execute_body()});
    let r = c.post("/api/rest_j/entrance/execute", wrapped).await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_eq!(r.data["taskID"], 2);
    assert_eq!(
        r.data["execID"],
        "exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_hadoop_hive_1"
    );
    let exec = r.data["execID"].as_str().unwrap().to_string();
    // the alias serves every entrance endpoint
    let s = c.get(&format!("/api/rest_j/entrance/{exec}/status")).await;
    assert_eq!(s.data["status"], "Succeed");
}

#[tokio::test]
async fn submit_validation_errors() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let ok_labels = json!({"engineType": "spark-2.4.3", "userCreator": "alice-IDE"});
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"executionContent": {"code": "select 1", "runType": "sql"}}),
            "error code(错误码): 20008, error message(错误信息): params cannot be empty ,  labels is null.",
        ),
        (
            json!({"executionContent": {"code": "select 1", "runType": "sql"}, "labels": {}}),
            "error code(错误码): 20008, error message(错误信息): params cannot be empty ,  labels is null.",
        ),
        (
            json!({"executionContent": {"code": "  ", "runType": "sql"}, "labels": ok_labels}),
            "error code(错误码): 20007, error message(错误信息): The param executionCode cannot be empty (参数 executionCode 不能为空).",
        ),
        (
            json!({"executionContent": {"runType": "sql"}, "labels": ok_labels}),
            "error code(错误码): 20010, error message(错误信息): The param executionCode cannot be empty (参数 executionCode 不能为空).",
        ),
        (
            json!({"executionContent": {"code": "select 1"}, "labels": ok_labels}),
            "error code(错误码): 20009, error message(错误信息): Label params invalid You need to specify runType in execution content, such as sql.",
        ),
        (
            json!({"executionContent": {"code": "select 1", "runType": "sql"}, "labels": {"userCreator": "alice-IDE"}}),
            "error code(错误码): 20009, error message(错误信息): Label params invalid You need to specify engineTypeLabel in labels,such as spark-3.2.1.",
        ),
        (
            json!({"executionContent": {"code": "select 1", "runType": "cobol"}, "labels": ok_labels}),
            "runType cobol is not supported",
        ),
        (
            json!({"executionContent": {"code": "select 1", "runType": "sql"}, "labels": {"engineType": "oracle-12"}}),
            "engineType oracle is not supported",
        ),
        (
            json!({"executionContent": {"code": "select 1", "runType": "sql"}, "labels": {"engineType": "spark", "userCreator": "IDE"}}),
            "userCreator must look like <user>-<creator>",
        ),
        (
            json!({"executionContent": {"code": "-- @mock sleep=1\nselect 1", "runType": "sql"}, "labels": ok_labels}),
            "unknown @mock directive `sleep`",
        ),
        (json!([1, 2]), "The request body must be a JSON object"),
    ];
    for (body, msg) in cases {
        let r = c.post("/entrance/submit", body.clone()).await;
        assert_eq!((r.http, r.status), (400, 1), "{body}");
        assert!(r.message.contains(msg), "{body} -> {}", r.message);
        assert_eq!(r.method, "/api/entrance/submit");
        if r.message.starts_with("error code") {
            assert!(r.data["errorMsg"]["errCode"].is_i64());
        }
    }
    let r = c.post_raw("/entrance/submit", "{oops").await;
    assert_eq!(r.status, 1);
    assert!(r.message.contains("not valid JSON"));
}

#[tokio::test]
async fn execute_validation_errors() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let mut no_app = execute_body();
    no_app["executeApplicationName"] = json!("");
    let mut no_code = execute_body();
    no_code["executionCode"] = json!("");
    no_code["source"] = json!({});
    let mut no_run = execute_body();
    no_run.as_object_mut().unwrap().remove("runType");
    let mut no_params = execute_body();
    no_params.as_object_mut().unwrap().remove("params");
    let mut bad_engine = execute_body();
    bad_engine["executeApplicationName"] = json!("mysql");
    let mut bad_type = execute_body();
    bad_type["runType"] = json!(5);
    let cases = [
        (no_app, "You need to specify executeApplicationName"),
        (
            no_code,
            "error code(错误码): 20007, error message(错误信息): The param executionCode and scriptPath cannot be empty at the same time(参数 executionCode 和 scriptPath 不能同时为空).",
        ),
        (no_run, "You need to specify runType"),
        (
            no_params,
            "error code(错误码): 20008, error message(错误信息): params cannot be empty ,  params is null.",
        ),
        (bad_engine, "engineType mysql is not supported"),
        (bad_type, "runType must be a string"),
    ];
    for (body, msg) in cases {
        let r = c.post("/entrance/execute", body).await;
        assert_eq!(r.status, 1);
        assert!(r.message.contains(msg), "{}", r.message);
    }
    // scriptPath alone is accepted (nothing is read)
    let mut script = execute_body();
    script["executionCode"] = json!("");
    assert_eq!(c.post("/entrance/execute", script).await.status, 0);
}

#[tokio::test]
async fn lifecycle_on_the_clock() {
    let t = T::timed().await; // queue 1 s, start 1 s, run 3 s
    let c = t.login("alice").await;
    let (exec, task) = c.submit("select * from employees", "sql").await;
    assert_eq!(c.state(&exec).await, "Inited");
    let p = c.get(&format!("/entrance/{exec}/progress")).await;
    assert_eq!(p.data["progress"], 0.0);
    assert_eq!(p.data["progressInfo"], json!([]));
    assert_eq!(c.task(task).await["status"], "Inited");
    t.advance(1.0);
    assert_eq!(c.state(&exec).await, "Scheduled");
    t.advance(1.0);
    assert_eq!(c.state(&exec).await, "Running");
    t.advance(1.5);
    let p = c.get(&format!("/entrance/{exec}/progress")).await;
    assert_eq!(p.data["progress"], 0.5);
    assert_eq!(p.data["progressInfo"][0]["totalTasks"], 1);
    let h = c.task(task).await;
    assert_eq!(
        (h["status"].as_str(), h["progress"].as_str()),
        (Some("Running"), Some("0.5"))
    );
    assert!(h["errDesc"].is_null() && h.as_object().unwrap().contains_key("errDesc"));
    t.advance(1.5);
    assert_eq!(c.state(&exec).await, "Succeed");
    let p = c.get(&format!("/entrance/{exec}/progress")).await;
    assert_eq!(p.data["progress"], 1.0);
    let log = c.full_log(&exec, 100).await;
    assert!(
        log[0].contains(" INFO Your job is accepted,  jobID is exec_id"),
        "{log:?}"
    );
    assert!(log.iter().any(|l| {
        l.ends_with("INFO Your job is Scheduled. Please wait it to run.(您的任务已经调度运行中)")
    }));
    assert!(log.iter().any(|l| l.ends_with(
        "INFO Your job is Running now. Please wait it to complete.(您的任务已经在运行中)"
    )));
    assert!(
        log.last()
            .unwrap()
            .ends_with("INFO Congratulations. Your job completed with status Success.")
    );
    let re_ts = |l: &str| {
        l.len() > 24
            && l.as_bytes()[4] == b'-'
            && l.as_bytes()[10] == b' '
            && l.as_bytes()[19] == b'.'
    };
    assert!(log.iter().all(|l| re_ts(l)), "{log:?}");
    let p = c
        .get(&format!("/entrance/{exec}/progressWithResource"))
        .await;
    assert_eq!(
        p.method,
        format!("/api/entrance/{exec}/progressWithResource")
    );
    assert!(p.data["yarnResource"].is_null());
}

#[tokio::test]
async fn log_grows_and_pages() {
    let t = T::timed().await;
    let c = t.login("alice").await;
    let (exec, _) = c
        .submit("-- @mock duration=10s log_lines=1000\nselect 1", "sql")
        .await;
    let r = c.get(&format!("/entrance/{exec}/log")).await;
    assert_eq!(r.data["fromLine"], 1);
    assert_eq!(r.method, format!("/api/entrance/{exec}/log"));
    t.advance(2.0 + 5.0 + 2.5); // half of the synthetic block
    let mid = c
        .get(&format!("/entrance/{exec}/log?fromLine=0&size=-1"))
        .await;
    let visible = mid.data["fromLine"].as_u64().unwrap();
    assert!(visible > 400 && visible < 1000, "{visible}");
    t.advance(10.0);
    let all = c.full_log(&exec, 77).await;
    let one = c.get(&format!("/entrance/{exec}/log?size=-1")).await;
    assert_eq!(
        one.data["log"][3].as_str().unwrap().split('\n').count(),
        all.len()
    );
    assert_eq!(one.data["fromLine"].as_u64().unwrap() as usize, all.len());
    assert!(all.len() > 1000);
    // levels: every 100th synthetic line is a WARN
    let warn = one.data["log"][1].as_str().unwrap();
    assert_eq!(warn.split('\n').count(), 10);
    assert!(one.data["log"][0].as_str().unwrap().is_empty());
    // fromLine semantics
    let r = c
        .get(&format!("/entrance/{exec}/log?fromLine=5&size=3"))
        .await;
    assert_eq!(r.data["fromLine"], 8);
    assert_eq!(
        r.data["log"][3]
            .as_str()
            .unwrap()
            .split('\n')
            .collect::<Vec<_>>(),
        all[5..8].to_vec()
    );
    let r = c
        .get(&format!("/entrance/{exec}/log?fromLine=-5&size=2"))
        .await;
    assert_eq!(r.data["fromLine"], 2);
    let r = c
        .get(&format!("/entrance/{exec}/log?fromLine=999999999&size=2"))
        .await;
    assert_eq!(
        (r.status, r.data["fromLine"].as_u64()),
        (0, Some(999999999))
    );
    assert_eq!(r.data["log"], json!(["", "", "", ""]));
    let r = c.get(&format!("/entrance/{exec}/log?size=0")).await;
    assert_eq!(r.data["fromLine"], 0);
    let r = c
        .get(&format!("/entrance/{exec}/log?size=5&distinctLevel=false"))
        .await;
    assert!(r.data["log"].is_string());
    assert_eq!(r.data["log"].as_str().unwrap().split('\n').count(), 5);
    for bad in [
        "fromLine=abc",
        "size=1.5",
        "size=99999999999999999999",
        "size=10001",
        "distinctLevel=maybe",
        "fromLine=1e3",
    ] {
        let r = c.get(&format!("/entrance/{exec}/log?{bad}")).await;
        assert_eq!((r.http, r.status), (400, 1), "{bad}");
        assert!(r.message.contains("Parameter"), "{}", r.message);
    }
}

#[tokio::test]
async fn unknown_and_malformed_exec_ids() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let unknown = "exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_alice_spark_42";
    let malformed = "not-an-exec-id";
    let expect = [
        (
            "status",
            unknown,
            "ID The corresponding job is empty and cannot obtain the corresponding task status.(ID 对应的job为空，不能获取相应的任务状态)",
        ),
        (
            "status",
            malformed,
            "Get job by ID error and cannot obtain the corresponding task status.(获取job时发生异常，不能获取相应的任务状态)",
        ),
        (
            "log",
            unknown,
            "Can't find execID(不能找到execID): exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_alice_spark_42Corresponding job, can not get the corresponding log(对应的job，不能获得对应的日志)",
        ),
        (
            "log",
            malformed,
            "The job you just executed has ended. This interface no longer provides a query.",
        ),
        (
            "progress",
            unknown,
            "The job corresponding to the ID is empty, and the corresponding task progress cannot be obtained.",
        ),
        (
            "progress",
            malformed,
            "The job corresponding to the ID is empty",
        ),
        (
            "kill",
            unknown,
            "Get job by ID error, kill failed.(获取job时发生异常，kill失败)",
        ),
        ("kill", malformed, "Get job by ID error, kill failed."),
        (
            "pause",
            malformed,
            "can not find the job of exexID :not-an-exec-id can not pause (不能找到execID: not-an-exec-id对应的job，不能进行pause)",
        ),
    ];
    for (op, id, msg) in expect {
        let r = c.get(&format!("/entrance/{id}/{op}")).await;
        assert_eq!((r.http, r.status), (400, 1), "{op} {id}");
        assert!(r.message.starts_with(msg), "{op}: {}", r.message);
        assert_eq!(r.method, format!("/api/entrance/{id}/{op}"));
    }
    // status?taskID= falls back to job history
    let (_, task) = c.submit("select 1", "sql").await;
    let r = c
        .get(&format!("/entrance/{malformed}/status?taskID={task}"))
        .await;
    assert_eq!((r.status, r.data["status"].as_str()), (0, Some("Succeed")));
    let r = c
        .get(&format!("/entrance/{malformed}/status?taskID=abc"))
        .await;
    assert_eq!(r.status, 1);
}

#[tokio::test]
async fn kill_rules() {
    let t = T::timed().await;
    let alice = t.login("alice").await;
    let bob = t.login("bob").await;
    let admin = t.login("hadoop").await;
    let (exec, task) = alice
        .submit("-- @mock duration=60s log_lines=600\nselect 1", "sql")
        .await;
    t.advance(2.0 + 30.0);
    let r = bob.get(&format!("/entrance/{exec}/kill")).await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (
            1,
            "You have no permission to kill this job, excecute by user:alice"
        )
    );
    let r = alice.get(&format!("/entrance/{exec}/kill")).await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (0, "Successfully killed the job(成功kill了job)")
    );
    assert_eq!(r.data, json!({"execID": exec}));
    assert_eq!(r.method, format!("/api/entrance/{exec}/kill"));
    assert_eq!(alice.state(&exec).await, "Cancelled");
    t.advance(100.0);
    assert_eq!(
        alice.state(&exec).await,
        "Cancelled",
        "transitions only forward"
    );
    let log = alice.full_log(&exec, 1000).await;
    assert!(
        log.len() < 400,
        "synthetic lines stop at the kill: {}",
        log.len()
    );
    assert!(log.last().unwrap().ends_with(
        "ERROR Sorry. Your job completed with a status Cancelled. You can view logs for the reason."
    ));
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("Job {task} was kill by user successfully")))
    );
    let h = alice.task(task).await;
    assert_eq!(
        (h["status"].as_str(), h["progress"].as_str()),
        (Some("Cancelled"), Some("1.0"))
    );
    // killing a finished job
    let r = alice
        .post(&format!("/entrance/{exec}/kill"), json!({}))
        .await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (
            1,
            "The job already completed. Do not support kill.(任务已经结束，不支持kill)"
        )
    );
    // POST (seed) works, admin may kill anyone's job
    let (exec2, _) = bob.submit("-- @mock duration=60s\nselect 1", "sql").await;
    let r = admin
        .post(&format!("/entrance/{exec2}/kill"), json!({}))
        .await;
    assert_eq!(r.status, 0);
    // killJobs
    let (e3, t3) = alice.submit("-- @mock duration=60s\nselect 1", "sql").await;
    let (e4, t4) = bob.submit("-- @mock duration=60s\nselect 1", "sql").await;
    let r = alice
        .post(
            &format!("/entrance/{e3}/killJobs"),
            json!({"idList": [e3, e4], "taskIDList": [t3, t4]}),
        )
        .await;
    assert_eq!((r.status, r.message.as_str()), (0, "success"));
    let msgs = r.data["messages"].as_array().unwrap();
    assert_eq!(
        (msgs[0]["status"].as_i64(), msgs[1]["status"].as_i64()),
        (Some(0), Some(1))
    );
    let r = alice
        .post(
            &format!("/entrance/{e3}/killJobs"),
            json!({"idList": [e3], "taskIDList": []}),
        )
        .await;
    assert!(
        r.message
            .starts_with("The length of the ID list does not match")
    );
    let r = alice
        .post(&format!("/entrance/{e3}/killJobs"), json!({"idList": "x"}))
        .await;
    assert_eq!(
        r.message,
        "Request parameter error, please use array(请求参数错误，请使用数组)"
    );
}

#[tokio::test]
async fn pause_and_metrics() {
    let t = T::timed().await;
    let c = t.login("alice").await;
    let (exec, _) = c.submit("select 1", "sql").await;
    let r = c.get(&format!("/entrance/{exec}/pause")).await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (0, "success to pause job (成功pause了job)")
    );
    let r = c.get("/entrance/operation/metrics/runningtask").await;
    assert_eq!(
        r.data,
        json!({"runningTaskNumber": 1, "isCompleted": false})
    );
    t.advance(10.0);
    let r = c.get("/entrance/operation/metrics/runningtask").await;
    assert_eq!(r.data, json!({"runningTaskNumber": 0, "isCompleted": true}));
}

#[tokio::test]
async fn admin_api_moves_the_clock() {
    let t = T::timed().await;
    let c = t.login("alice").await;
    let (exec, _) = c.submit("select 1", "sql").await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/__admin/clock", t.url))
        .json(&json!({"advance_secs": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(c.state(&exec).await, "Succeed");
    let r = http
        .post(format!("{}/__admin/reset", t.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.get("/jobhistory/list").await.status,
        -1,
        "sessions are gone after reset"
    );
}
