//! Endpoints real clients call on their normal path (issue 9, item 5): the gateway
//! heartbeat, the OAuth entry points, linkis-web's `listundonetasks`, the history detail
//! tabs, the `jobhistory/list` filters, `openFile`'s parameters, the run and engine types
//! upstream accepts, and `executeUser`.

mod common;

use common::{C, T};
use serde_json::{Value, json};

/// Submits `code` through the 1.x `submit` as `c` (creator IDE); returns (execID, taskID).
async fn submit_as(c: &C, user: &str, code: &str, run_type: &str, engine: &str) -> (String, u64) {
    let r = c
        .post(
            "/entrance/submit",
            json!({"executionContent": {"code": code, "runType": run_type},
                   "labels": {"engineType": engine, "userCreator": format!("{user}-IDE")}}),
        )
        .await;
    assert_eq!(r.status, 0, "submit: {}", r.body);
    (
        r.data["execID"].as_str().unwrap().to_owned(),
        r.data["taskID"].as_u64().unwrap(),
    )
}

fn token(t: &T, user: &str) -> C {
    t.client()
        .with_header("Token-Code", "LINKIS-AUTH")
        .with_header("Token-User", user)
}

fn task_ids(r: &common::R) -> Vec<u64> {
    r.data["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("no tasks: {}", r.body))
        .iter()
        .map(|t| t["taskID"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn gateway_heartbeat_answers_as_the_gateway() {
    let t = T::fast().await;
    let anon = t.client().get("/api/rest_j/v1/gateway/heartbeat").await;
    assert_eq!((anon.http, anon.status), (401, -1), "{}", anon.body);
    let c = t.login("alice").await;
    let r = c.post("/gateway/heartbeat", json!({})).await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_eq!(r.message, "Gateway heartbeat ok!");
    assert_eq!(r.method, json!("/api/rest_j/v1/gateway/heartbeat"));
    assert_eq!(r.data["isHealthy"], json!(true));
    let host = t.url.trim_start_matches("http://");
    assert_eq!(r.data["gatewayList"], json!([host]));
}

#[tokio::test]
async fn oauth_entry_points_say_oauth_is_not_enabled() {
    let t = T::fast().await;
    for path in ["/user/oauth-redirect", "/user/oauth-login"] {
        let r = t.client().get(path).await;
        assert_eq!((r.http, r.status), (401, -1), "{path}: {}", r.body);
        assert_eq!(r.message, "Gateway 未启用 OAuth 认证，请采用其他认证方式!");
        assert_eq!(r.method, json!(format!("/api/rest_j/v1{path}")));
    }
    let c = t.login("alice").await;
    let r = c.get("/user/oauth-login").await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_eq!(r.data["userName"], json!("alice"));
    let r = c.get("/user/oauth-redirect").await;
    assert_eq!(r.status, -1, "{}", r.body);
}

#[tokio::test]
async fn list_undone_tasks_lists_the_callers_unfinished_jobs_of_the_last_day() {
    let t = T::fast().await;
    // tokens: a session would expire while the clock moves a day
    let alice = token(&t, "alice");
    let bob = token(&t, "bob");
    let (_, old) = submit_as(
        &alice,
        "alice",
        "-- @mock duration=72h\nselect 1",
        "sql",
        "spark",
    )
    .await;
    t.advance(25.0 * 3600.0);
    let (_, running) = submit_as(
        &alice,
        "alice",
        "-- @mock duration=60s\nselect 1",
        "sql",
        "spark",
    )
    .await;
    let (_, _done) = submit_as(&alice, "alice", "select 1", "sql", "spark").await;
    let (_, _bobs) = submit_as(
        &bob,
        "bob",
        "-- @mock duration=60s\nselect 1",
        "sql",
        "spark",
    )
    .await;
    let r = alice
        .get("/jobhistory/listundonetasks?pageSize=100&status=Running,Inited,Scheduled")
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_eq!(task_ids(&r), vec![running], "{}", r.body);
    assert_eq!(r.data["totalPage"], json!(1));
    assert_eq!(r.method, json!("/api/jobhistory/listundonetasks"));
    // without startDate only the last day counts; with one, the old job too
    let r = alice.get("/jobhistory/listundonetasks?startDate=1").await;
    assert_eq!(task_ids(&r), vec![running, old], "{}", r.body);
    let r = alice.get("/jobhistory/listundone").await;
    assert_eq!(r.data["totalPage"], json!(1), "{}", r.body);
    t.advance(61.0);
    let r = alice.get("/jobhistory/listundonetasks").await;
    assert!(task_ids(&r).is_empty(), "{}", r.body);
    for (q, want) in [
        ("creator=a%20b", "Invalid creator : a b"),
        ("engineType=spark%2F1", "Invalid engienType: spark/1"),
    ] {
        let r = alice.get(&format!("/jobhistory/listundonetasks?{q}")).await;
        assert_eq!((r.status, r.message.as_str()), (1, want), "{}", r.body);
    }
    let r = alice.get("/jobhistory/listundonetasks?pageSize=x").await;
    assert_eq!(r.status, 1);
    assert!(r.message.contains("pageSize"), "{}", r.body);
}

#[tokio::test]
async fn job_extra_info_gives_code_metrics_and_runtime() {
    let t = T::fast().await;
    let alice = t.login("alice").await;
    let (_, id) = submit_as(
        &alice,
        "alice",
        "-- @mock duration=5s\nselect 2",
        "sql",
        "spark",
    )
    .await;
    let r = alice
        .get(&format!("/jobhistory/job-extra-info?jobId={id}"))
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    let m = &r.data["metricsMap"];
    assert_eq!(m["executionCode"], json!("-- @mock duration=5s\nselect 2"));
    assert!(
        m["runtime"]
            .as_str()
            .unwrap()
            .starts_with("The task did not end normally"),
        "{m}"
    );
    assert!(m["completeTime"].is_null(), "{m}");
    t.advance(5.0);
    let r = alice
        .get(&format!("/jobhistory/job-extra-info?jobId={id}"))
        .await;
    let m = &r.data["metricsMap"];
    assert_eq!(m["runtime"], json!("5.0 s"), "{m}");
    let submit = m["submitTime"].as_str().unwrap();
    assert!(
        submit.len() == 24 && submit.ends_with("+0000") && &submit[10..11] == "T",
        "{submit}"
    );
    assert!(m["completeTime"].is_string(), "{m}");
    let bob = t.login("bob").await;
    let r = bob
        .get(&format!("/jobhistory/job-extra-info?jobId={id}"))
        .await;
    assert_eq!(r.status, 1);
    assert!(
        r.message.starts_with("The corresponding job was not found"),
        "{}",
        r.body
    );
    let r = alice.get("/jobhistory/job-extra-info").await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (1, "Invalid jobId cannot be empty")
    );
    let r = alice.get("/jobhistory/job-extra-info?jobId=abc").await;
    assert_eq!(r.status, 1);
    assert!(r.message.contains("jobId"), "{}", r.body);
}

#[tokio::test]
async fn diagnosis_query_explains_failures_only() {
    let t = T::fast().await;
    let alice = t.login("alice").await;
    let (_, failed) = submit_as(
        &alice,
        "alice",
        "-- @mock fail=\"disk full\"\nselect 1",
        "sql",
        "spark",
    )
    .await;
    let (_, ok) = submit_as(&alice, "alice", "select 1", "sql", "spark").await;
    let r = alice
        .get(&format!("/jobhistory/diagnosis-query?taskID={failed}"))
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert!(
        r.data["diagnosisMsg"]
            .as_str()
            .unwrap()
            .contains("disk full"),
        "{}",
        r.body
    );
    let r = alice
        .get(&format!(
            "/jobhistory/diagnosis-query?taskID={failed}&diagnosisSource=doctoris"
        ))
        .await;
    assert_eq!(r.data["diagnosisMsg"], json!(""));
    let r = alice
        .get(&format!("/jobhistory/diagnosis-query?taskID={ok}"))
        .await;
    assert_eq!(r.data["diagnosisMsg"], json!(""));
    // not the caller's job: upstream answers an empty diagnosis, not an error
    let bob = t.login("bob").await;
    let r = bob
        .get(&format!("/jobhistory/diagnosis-query?taskID={failed}"))
        .await;
    assert_eq!((r.status, r.data["diagnosisMsg"].clone()), (0, json!("")));
    let r = alice.get("/jobhistory/diagnosis-query?taskID=").await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (1, "Invalid jobId cannot be empty")
    );
    let r = alice.get("/jobhistory/diagnosis-query?taskID=1%3B").await;
    assert_eq!(r.status, 1);
    assert_eq!(r.data["errorMsg"]["errCode"], json!(21304), "{}", r.body);
}

#[tokio::test]
async fn history_list_filters_narrow_the_list() {
    let t = T::fast().await;
    let alice = t.login("alice").await;
    let bob = t.login("bob").await;
    let admin = t.login("hadoop").await;
    let (_, a_sql) = submit_as(&alice, "alice", "select 1", "sql", "spark-3.2.1").await;
    let (_, a_py) = submit_as(&alice, "alice", "print('x')", "python", "python").await;
    let (_, a_run) = submit_as(
        &alice,
        "alice",
        "-- @mock duration=60s\nselect 1",
        "hql",
        "hive",
    )
    .await;
    let (_, b_sql) = submit_as(&bob, "bob", "select 1", "sql", "spark").await;
    let list = |c: &C, q: &str| {
        let c = c.clone();
        let q = q.to_owned();
        async move {
            let r = c.get(&format!("/jobhistory/list?{q}")).await;
            assert_eq!(r.status, 0, "{q}: {}", r.body);
            task_ids(&r)
        }
    };
    assert_eq!(list(&alice, "").await, vec![a_run, a_py, a_sql]);
    assert_eq!(list(&alice, "status=Succeed").await, vec![a_py, a_sql]);
    assert_eq!(list(&alice, "status=Running").await, vec![a_run]);
    assert_eq!(
        list(&alice, "executeApplicationName=python").await,
        vec![a_py]
    );
    assert_eq!(
        list(&alice, "runType=hq").await,
        vec![a_run],
        "runType is a prefix, as upstream's LIKE"
    );
    assert_eq!(
        list(&alice, "instance=127.0.0.1:9104").await,
        vec![a_run, a_py, a_sql]
    );
    assert!(list(&alice, "instance=10.0.0.1:9104").await.is_empty());
    assert_eq!(
        list(&alice, "engineInstance=127.0.0.1").await,
        vec![a_run, a_py, a_sql]
    );
    assert!(list(&alice, "engineInstance=10.0.0.9").await.is_empty());
    assert_eq!(list(&alice, "creator=IDE").await, vec![a_run, a_py, a_sql]);
    assert!(list(&alice, "creator=nodeexecution").await.is_empty());
    assert_eq!(list(&alice, &format!("taskID={a_py}")).await, vec![a_py]);
    assert_eq!(list(&alice, "pageNow=2&pageSize=2").await, vec![a_sql]);
    assert!(
        list(&alice, "startDate=0&endDate=86400000")
            .await
            .is_empty(),
        "1970 holds no jobs"
    );
    // the admin view: everyone, or one submitter with proxyUser; ignored for non-admins
    assert_eq!(
        list(&admin, "isAdminView=true").await,
        vec![b_sql, a_run, a_py, a_sql]
    );
    assert_eq!(
        list(&admin, "isAdminView=true&proxyUser=bob").await,
        vec![b_sql]
    );
    assert_eq!(
        list(&bob, "isAdminView=true&proxyUser=alice").await,
        vec![b_sql]
    );
    for (q, want) in [
        ("creator=a/b", "Invalid creator : a/b"),
        (
            "executeApplicationName=spark%20x",
            "Invalid applicationName : spark x",
        ),
        ("instance=h%20x", "Invalid instances : h x"),
        ("engineInstance=%27", "Invalid instances : '"),
    ] {
        let r = alice.get(&format!("/jobhistory/list?{q}")).await;
        assert_eq!(r.status, 1, "{q}: {}", r.body);
        assert!(r.message.contains(want), "{q}: {}", r.body);
    }
}

/// A finished job's first result file.
async fn result_file(t: &T, c: &C, code: &str) -> String {
    let (_, id) = c.submit(code, "sql").await;
    t.advance(1.0);
    let loc = c.task(id).await["resultLocation"]
        .as_str()
        .unwrap()
        .to_owned();
    format!("{loc}/_0.dolphin")
}

fn open(path: &str, extra: &str) -> String {
    format!("/filesystem/openFile?path={}{extra}", url_escape(path))
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn open_file_column_paging_needs_enable_limit() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let f = result_file(
        &t,
        &c,
        "select 1 as a, 2 as b, 3 as c union all select 4, 5, 6",
    )
    .await;
    let names = |r: &common::R| -> Vec<String> {
        r.data["metadata"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["columnName"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = c
        .get(&open(&f, "&enableLimit=true&columnPage=2&columnPageSize=2"))
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_eq!(names(&r), vec!["c"]);
    assert_eq!(r.data["fileContent"], json!([["3"], ["6"]]));
    assert_eq!(r.data["totalColumn"], json!(3));
    // without enableLimit upstream ignores the column page
    let r = c.get(&open(&f, "&columnPage=2&columnPageSize=2")).await;
    assert_eq!(names(&r), vec!["a", "b", "c"]);
    let r = c
        .get(&open(
            &f,
            "&enableLimit=true&columnPage=1&columnPageSize=2&page=2&pageSize=1",
        ))
        .await;
    assert_eq!(r.data["fileContent"], json!([["4", "5"]]), "{}", r.body);
    assert_eq!(
        (r.data["page"].clone(), r.data["totalLine"].clone()),
        (json!(2), json!(2))
    );
    for bad in [
        "&columnPageSize=501",
        "&columnPage=0",
        "&enableLimit=true&columnPage=3&columnPageSize=2",
    ] {
        let r = c.get(&open(&f, bad)).await;
        assert_eq!(r.status, 1, "{bad}: {}", r.body);
        assert_eq!(
            r.data["errorMsg"]["errCode"],
            json!(80036),
            "{bad}: {}",
            r.body
        );
    }
    let r = c.get(&open(&f, "&pageSize=5001")).await;
    assert_eq!(r.data["errorMsg"]["errCode"], json!(80034), "{}", r.body);
    assert!(
        r.message.contains("The result set exceeds 5000 rows"),
        "{}",
        r.body
    );
    let r = c.get(&open(&f, "&charset=gbk")).await;
    assert_eq!(
        r.status, 0,
        "charset is accepted (and unused, as upstream): {}",
        r.body
    );
}

#[tokio::test]
async fn open_file_null_value_as_upstream() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let f = result_file(&t, &c, "select null as n, '' as e, 'x' as s").await;
    for (extra, want) in [
        ("", json!([["NULL", "", "x"]])),
        ("&nullValue=BLANK", json!([["NULL", "", "x"]])),
        ("&nullValue=-", json!([["-", "-", "x"]])),
        ("&nullValue=LINKIS_NULL", json!([[null, "", "x"]])),
    ] {
        let r = c.get(&open(&f, extra)).await;
        assert_eq!(r.status, 0, "{extra}: {}", r.body);
        assert_eq!(r.data["fileContent"], want, "{extra}");
    }
}

#[tokio::test]
async fn upstream_run_and_engine_types_are_accepted() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    // SQL dialects run on the SQL engine: a table result
    for rt in ["essql", "jdbc", "hql", "isql", "tsql", "psql"] {
        let (_, id) = submit_as(&c, "alice", "select 7 as n", rt, "spark").await;
        let task = c.task(id).await;
        assert_eq!(task["status"], json!("Succeed"), "{rt}: {task}");
        let f = format!("{}/_0.dolphin", task["resultLocation"].as_str().unwrap());
        let r = c.get(&open(&f, "")).await;
        assert_eq!(
            (r.data["type"].clone(), r.data["fileContent"].clone()),
            (json!("2"), json!([["7"]])),
            "{rt}"
        );
    }
    // everything else is the text engine: printed lines, nothing executed
    for rt in ["esjson", "shell", "python", "py", "scala"] {
        let (_, id) = submit_as(&c, "alice", "print(\"hi\")\necho hi", rt, "spark").await;
        let task = c.task(id).await;
        assert_eq!(task["status"], json!("Succeed"), "{rt}: {task}");
        let f = format!("{}/_0.dolphin", task["resultLocation"].as_str().unwrap());
        let r = c.get(&open(&f, "")).await;
        assert_eq!(r.data["type"], json!("1"), "{rt}: {}", r.body);
    }
    for engine in [
        "spark",
        "hive",
        "python",
        "shell",
        "jdbc",
        "elasticsearch",
        "presto",
        "trino",
        "openlookeng",
        "pipeline",
        "io_file",
        "nebula",
        "doris",
        "appconn",
    ] {
        let (_, id) = submit_as(&c, "alice", "select 1", "sql", engine).await;
        assert_eq!(c.task(id).await["engineType"], json!(engine));
    }
}

#[tokio::test]
async fn execute_user_is_honoured_only_for_an_admin_token() {
    let t = T::fast().await;
    let body = |extra: Value| {
        let mut b = json!({"executionContent": {"code": "select 1", "runType": "sql"},
                           "labels": {"engineType": "spark", "userCreator": "hadoop-IDE"}});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let admin_token = t
        .client()
        .with_header("Token-Code", "ADMIN-LINKIS-AUTH")
        .with_header("Token-User", "hadoop");
    let r = admin_token
        .post("/entrance/submit", body(json!({"executeUser": "bob"})))
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    let id = r.data["taskID"].as_u64().unwrap();
    let task = admin_token.task(id).await;
    assert_eq!(
        (task["executeUser"].clone(), task["umUser"].clone()),
        (json!("bob"), json!("hadoop"))
    );
    assert!(
        r.data["execID"]
            .as_str()
            .unwrap()
            .ends_with("IDE_bob_spark_0"),
        "{}",
        r.body
    );
    let bob = t.login("bob").await;
    assert_eq!(
        bob.task(id).await["executeUser"],
        json!("bob"),
        "bob sees the job run as him"
    );
    // an ordinary token, a session, and `execute` ignore it (the job runs as the caller)
    let token = token(&t, "alice");
    let alice = t.login("alice").await;
    for c in [&token, &alice] {
        let r = c
            .post("/entrance/submit", body(json!({"executeUser": "bob"})))
            .await;
        assert_eq!(r.status, 0, "{}", r.body);
        let task = c.task(r.data["taskID"].as_u64().unwrap()).await;
        assert_eq!(task["executeUser"], json!("alice"), "{task}");
    }
    let r = admin_token
        .post(
            "/entrance/execute",
            json!({"executeApplicationName": "spark", "executionCode": "select 1",
                                         "runType": "sql", "params": {}, "executeUser": "bob"}),
        )
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    let task = admin_token.task(r.data["taskID"].as_u64().unwrap()).await;
    assert_eq!(task["executeUser"], json!("hadoop"), "{task}");
    let r = admin_token
        .post("/entrance/submit", body(json!({"executeUser": " "})))
        .await;
    assert_eq!(r.status, 1);
    assert!(r.message.contains("20005"), "{}", r.body);
}

/// Hostile query values on every endpoint above: always an envelope (the helper checks
/// its shape and that HTTP mirrors `status`), never a 5xx, a panic or an empty body.
#[tokio::test]
async fn hostile_parameters_get_envelopes() {
    let t = T::fast().await;
    let c = t.login("hadoop").await;
    let (_, id) = submit_as(&c, "hadoop", "select 1 as a, 2 as b", "sql", "spark").await;
    let loc = c.task(id).await["resultLocation"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = url_escape(&format!("{loc}/_0.dolphin"));
    let values = [
        "",
        "-1",
        "0",
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999",
        "1e3",
        "%FF%FE",
        "%00",
        "a%2Fb",
        "true",
        "%27%22%3B",
        "NaN",
    ];
    let endpoints: Vec<(String, &[&str])> = vec![
        (
            "/jobhistory/list?".into(),
            &[
                "pageNow",
                "pageSize",
                "startDate",
                "endDate",
                "taskID",
                "status",
                "creator",
                "executeApplicationName",
                "instance",
                "engineInstance",
                "runType",
                "isAdminView",
                "proxyUser",
            ],
        ),
        (
            "/jobhistory/listundonetasks?".into(),
            &[
                "pageNow",
                "pageSize",
                "startDate",
                "endDate",
                "startTaskID",
                "status",
                "creator",
                "engineType",
            ],
        ),
        (
            "/jobhistory/listundone?".into(),
            &[
                "startDate",
                "endDate",
                "startTaskID",
                "creator",
                "engineType",
            ],
        ),
        ("/jobhistory/job-extra-info?".into(), &["jobId"]),
        (
            "/jobhistory/diagnosis-query?".into(),
            &["taskID", "diagnosisSource"],
        ),
        (
            format!("/filesystem/openFile?path={file}&"),
            &[
                "page",
                "pageSize",
                "columnPage",
                "columnPageSize",
                "enableLimit",
                "nullValue",
                "charset",
            ],
        ),
        (
            format!("/filesystem/openFile?path={file}&enableLimit=true&"),
            &["columnPage", "columnPageSize", "page", "pageSize"],
        ),
    ];
    for (base, params) in &endpoints {
        for p in *params {
            for v in values {
                let r = c.get(&format!("{base}{p}={v}")).await;
                assert!(r.status == 0 || r.status == 1, "{base}{p}={v}: {}", r.body);
                if r.status == 1 {
                    assert!(
                        !r.message.is_empty(),
                        "{base}{p}={v}: a message says what to fix"
                    );
                    assert!(
                        !r.message.starts_with("operation failed"),
                        "{base}{p}={v}: a caught panic, not an answer: {}",
                        r.body
                    );
                }
            }
        }
    }
    for path in [
        "/gateway/heartbeat",
        "/user/oauth-redirect",
        "/user/oauth-login",
    ] {
        for v in values {
            let r = c.get(&format!("{path}?x={v}")).await;
            assert!(r.http < 500, "{path}: {}", r.body);
        }
    }
}
