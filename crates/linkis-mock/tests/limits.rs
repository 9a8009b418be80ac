//! Budgets in bytes, and limits per user: one user can never exhaust the mock's memory,
//! log another out, evict another's history or block another's submissions.

mod common;

use common::*;
use linkis_mock::Config;
use serde_json::json;

#[tokio::test]
async fn result_bytes_are_bounded_per_job() {
    let t = T::fast().await; // default limits.max_result_bytes = 64 MiB
    let c = t.login("alice").await;
    // five 200 MB values: the first one cannot even be built
    let col = "printf('%.*c', 200000000, 'x')";
    let err = c
        .query_fails(&format!("select {col}, {col}, {col}, {col}, {col}"))
        .await;
    assert!(
        err.contains(
            "a value longer than limits.max_result_bytes = 67108864 bytes cannot be built"
        ),
        "{err}"
    );
    // many values that each fit, but not together
    let err = c
        .query_fails(
            "select printf('%.*c', 1000000, 'x') from (with recursive c(x) as (select 1 union all select x+1 from c where x < 100) select x from c)",
        )
        .await;
    assert!(
        err.contains("the job's result sets exceed limits.max_result_bytes = 67108864 bytes"),
        "{err}"
    );
    // the budget counts every result set of the job
    let mut cfg = Config::testing();
    cfg.limits.max_result_bytes = 4096;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    let big = "select printf('%.*c', 3000, 'x')";
    assert_eq!(c.query(big).await[0][0].as_str().unwrap().len(), 3000);
    let err = c.query_fails(&format!("{big}; {big}")).await;
    assert!(err.contains("limits.max_result_bytes = 4096"), "{err}");
}

#[tokio::test]
async fn databases_are_bounded_per_session() {
    let mut cfg = Config::testing();
    cfg.limits.max_database_bytes = 1 << 20;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    let fill = "select printf('%.*c', 1000, 'x') from (with recursive c(x) as (select 1 union all select x+1 from c where x < 5000) select x from c)";
    for target in ["temp table big", "table shared_big"] {
        let err = c.query_fails(&format!("create {target} as {fill}")).await;
        assert!(
            err.contains("a database would grow beyond limits.max_database_bytes = 1048576 bytes"),
            "{err}"
        );
    }
    // the failed statements left nothing behind
    assert_eq!(
        c.query("select count(*) from sqlite_master where name = 'shared_big'")
            .await,
        json!([["0"]])
    );
}

#[tokio::test]
async fn retained_result_bytes_are_bounded_in_total() {
    let mut cfg = Config::testing();
    cfg.limits.max_total_result_bytes = 5000;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    let big = "select printf('%.*c', 3000, 'x')";
    let (_, first) = c.submit(big, "sql").await;
    assert_eq!(c.task(first).await["status"], "Succeed");
    let (_, second) = c.submit(big, "sql").await;
    assert_eq!(c.task(second).await["status"], "Succeed");
    let tree = |task: u64| {
        let c = c.clone();
        async move {
            let loc = c.task(task).await["resultLocation"]
                .as_str()
                .unwrap()
                .to_string();
            c.get(&format!("/filesystem/getDirFileTrees?path={loc}"))
                .await
                .data["dirFileTrees"]
                .clone()
        }
    };
    // the oldest finished job's results went first; the newest are kept
    assert!(tree(first).await.is_null());
    assert_eq!(tree(second).await["children"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn one_users_logins_never_log_another_out() {
    let mut cfg = Config::testing();
    cfg.limits.max_sessions = 4;
    let t = T::start(cfg).await;
    let alice = t.login("alice").await;
    for _ in 0..80 {
        t.login("bob").await;
    }
    let r = alice.get("/user/userInfo").await;
    assert_eq!(r.status, 0, "{}", r.body);
    // beyond the table's size it is bob's own oldest sessions that end
    let bob = t.login("bob").await;
    assert_eq!(bob.get("/user/userInfo").await.status, 0);
}

#[tokio::test]
async fn sessions_per_user_are_bounded() {
    let mut cfg = Config::testing();
    cfg.limits.max_sessions_per_user = 2;
    let t = T::start(cfg).await;
    let first = t.login("bob").await;
    let second = t.login("bob").await;
    let alice = t.login("alice").await;
    let third = t.login("bob").await;
    assert_eq!(first.get("/user/heartbeat").await.status, -1);
    for c in [&second, &third, &alice] {
        assert_eq!(c.get("/user/userInfo").await.status, 0);
    }
}

#[tokio::test]
async fn one_users_jobs_never_evict_anothers_history() {
    let mut cfg = Config::testing();
    cfg.limits.max_jobs = 4;
    let t = T::start(cfg).await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    let (_, mine) = alice.submit("select 1", "sql").await;
    assert_eq!(alice.task(mine).await["status"], "Succeed");
    let mut bobs = Vec::new();
    for _ in 0..10 {
        let (exec, task) = bob.submit("select 2", "sql").await;
        assert_eq!(bob.state(&exec).await, "Succeed");
        bobs.push(task);
    }
    assert_eq!(alice.task(mine).await["status"], "Succeed");
    assert_eq!(alice.get("/jobhistory/list").await.data["totalPage"], 1);
    // bob keeps his newest
    assert_eq!(bob.get("/jobhistory/list").await.data["totalPage"], 3);
    assert_eq!(
        bob.get(&format!("/jobhistory/{}/get", bobs[0]))
            .await
            .status,
        1
    );
    // and per user: beyond max_jobs_per_user a user's own oldest go
    let mut cfg = Config::testing();
    cfg.limits.max_jobs_per_user = 2;
    let t = T::start(cfg).await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    let (_, mine) = alice.submit("select 1", "sql").await;
    for _ in 0..5 {
        bob.submit("select 2", "sql").await;
    }
    assert_eq!(bob.get("/jobhistory/list").await.data["totalPage"], 2);
    assert_eq!(alice.task(mine).await["status"], "Succeed");
}

#[tokio::test]
async fn one_users_unfinished_jobs_never_block_another() {
    let mut cfg = Config::testing();
    cfg.limits.max_unfinished_jobs_per_user = 3;
    let t = T::start(cfg).await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    for _ in 0..3 {
        bob.submit("-- @mock duration=1h\nselect 1", "sql").await;
    }
    let body = json!({"executionContent": {"code": "select 1", "runType": "sql"},
                      "labels": {"engineType": "spark", "userCreator": "bob-IDE"}});
    let r = bob.post("/entrance/submit", body).await;
    assert_eq!(r.status, 1);
    assert!(
        r.message.contains(
            "bob already has 3 unfinished jobs (limits.max_unfinished_jobs_per_user = 3)"
        ),
        "{}",
        r.message
    );
    let (exec, _) = alice.submit("select 1", "sql").await;
    assert_eq!(alice.state(&exec).await, "Succeed");
}
