//! Each user's SQL runs on their own engine session over the shared catalog, off the
//! request path: what one user does never reaches the host or another user's session.

mod common;

use common::*;
use linkis_mock::Config;
use serde_json::json;

/// A file path no job may create.
fn host_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("linkis-mock-{}-{name}", std::process::id()))
}

#[tokio::test]
async fn sql_cannot_touch_host_files() {
    let t = T::fast().await;
    let alice = t.login("alice").await;
    let evil = host_path("evil.db");
    let vacuumed = host_path("v.db");
    let cases = [
        (
            format!("ATTACH DATABASE '{}' AS evil", evil.display()),
            "ATTACH DATABASE is not supported",
        ),
        (
            format!("VACUUM INTO '{}'", vacuumed.display()),
            "VACUUM is not supported",
        ),
        (
            format!("select 1; vacuum main into '{}'", vacuumed.display()),
            "VACUUM is not supported",
        ),
        (
            "select load_extension('/tmp/x.so')".to_string(),
            "load_extension() is not supported",
        ),
        (
            "PRAGMA temp_store_directory = '/tmp'".to_string(),
            "PRAGMA temp_store_directory is not supported",
        ),
        (
            "DETACH DATABASE sales".to_string(),
            "DETACH DATABASE is not supported",
        ),
    ];
    for (sql, why) in &cases {
        let err = alice.query_fails(sql).await;
        assert!(
            err.contains("refused") || err.contains("not supported"),
            "{sql}: {err}"
        );
        assert!(err.contains(why), "{sql}: {err}");
    }
    assert!(!evil.exists() && !vacuumed.exists());
    // the shared catalog is intact for everybody
    let bob = t.login("bob").await;
    assert_eq!(
        bob.query("select count(*) from sales.orders").await,
        json!([["4"]])
    );
}

#[tokio::test]
async fn temp_tables_and_pragmas_are_private_to_a_session() {
    let t = T::fast().await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    let (a, b) = tokio::join!(
        alice.query("create temp table secret as select 42 as x; select x from secret"),
        bob.query("select count(*) from employees"),
    );
    assert_eq!((a, b), (json!([["42"]]), json!([["5"]])));
    // alice's session keeps its temp table; bob's never sees it
    let (a, b) = tokio::join!(
        alice.query("select x from secret"),
        bob.query_fails("select x from secret"),
    );
    assert_eq!(a, json!([["42"]]));
    assert!(b.contains("no such table: secret"), "{b}");
    // a pragma that would change the engine is refused; bob's writes still work
    let err = alice.query_fails("PRAGMA query_only = 1").await;
    assert!(err.contains("PRAGMA query_only is not supported"), "{err}");
    let (exec, _) = bob.submit("create table bobs(x int)", "sql").await;
    assert_eq!(bob.state(&exec).await, "Succeed");
    // read-only pragmas the Hive translation needs are allowed
    let cols = alice.query("PRAGMA table_info(employees)").await;
    assert_eq!(cols[1][1], "name");
}

#[tokio::test]
async fn one_users_transaction_never_changes_what_another_sees() {
    let t = T::fast().await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    let (a, b) = tokio::join!(
        alice.query_fails("BEGIN; DELETE FROM employees"),
        bob.query("select count(*) from employees"),
    );
    assert!(
        a.contains("transactions (BEGIN/COMMIT/ROLLBACK/SAVEPOINT) are not supported"),
        "{a}"
    );
    assert_eq!(b, json!([["5"]]));
    for sql in ["SAVEPOINT s1; DELETE FROM employees", "begin transaction"] {
        alice.query_fails(sql).await;
    }
    assert_eq!(
        bob.query("select count(*) from employees").await,
        json!([["5"]])
    );
    // statements commit on their own: shared tables are shared, as in a metastore
    alice
        .query("delete from employees where id = 5; select 1")
        .await;
    assert_eq!(
        bob.query("select count(*) from employees").await,
        json!([["4"]])
    );
}

/// Runs until the statement budget interrupts it.
const RUNAWAY: &str = "select count(*) from (with recursive c(x) as (select 1 union all select x+1 from c) select x from c)";

#[tokio::test]
async fn long_jobs_never_delay_other_users() {
    let mut cfg = Config::testing();
    cfg.limits.sql_timeout_ms = 5_000;
    let t = T::start(cfg).await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    // eight long jobs of alice submitted at once: every submit answers before her
    // (one-at-a-time) engine got through them
    let mut submits = tokio::task::JoinSet::new();
    for i in 0..8 {
        let alice = alice.clone();
        submits.spawn(async move {
            let code =
                format!("-- @mock duration=1h\ncreate table sales.started_{i}(x int);\n{RUNAWAY}");
            alice.submit(&code, "sql").await
        });
    }
    let jobs = submits.join_all().await;
    let started = bob
        .query("select count(*) from sales.sqlite_master where name like 'started_%'")
        .await;
    let started: u32 = started[0][0].as_str().unwrap().parse().unwrap();
    assert!(started < 8, "all eight ran inside their submits");
    // bob's job runs on his own engine while alice's are still running
    let (exec, _) = bob.submit("select 1", "sql").await;
    assert_eq!(bob.state(&exec).await, "Succeed");
    let log = bob.full_log(&exec, 100).await;
    assert!(log.last().unwrap().contains("Congratulations"));
    for (exec, _) in &jobs {
        assert_eq!(alice.state(exec).await, "Running");
    }
    // killing them (queued ones first) stops the running statement and every queued one
    let mut jobs = jobs;
    jobs.sort_by_key(|(_, task)| std::cmp::Reverse(*task));
    for (exec, _) in &jobs {
        assert_eq!(alice.kill(exec).await.status, 0);
    }
    let (exec, _) = alice.submit("select 2", "sql").await;
    assert_eq!(alice.state(&exec).await, "Succeed");
    let after = bob
        .query("select count(*) from sales.sqlite_master where name like 'started_%'")
        .await;
    let after: u32 = after[0][0].as_str().unwrap().parse().unwrap();
    assert!(after < 8, "{started} then {after}: killed jobs still ran");
}

/// Takes seconds, but ends within the statement budget if nothing stops it.
const LONG: &str = "select count(*) from (with recursive c(x) as (select 1 union all select x+1 from c where x < 10000000) select x from c)";

#[tokio::test]
async fn kill_interrupts_the_running_statement() {
    let mut cfg = Config::testing();
    // without the interrupt, the statement would hold alice's only engine for a minute
    cfg.limits.sql_timeout_ms = 60_000;
    let t = T::start(cfg).await;
    let (alice, bob) = tokio::join!(t.login("alice"), t.login("bob"));
    // bob's session is open before alice writes (opening one reads the catalog's schemas)
    bob.query("select 1").await;
    let code = format!(
        "-- @mock duration=1h\ncreate table sales.kill_marker(x int);\n\
         update employees set name = 'killed' where id = 1 or ({LONG}) > 0;\n\
         create table sales.after_kill(x int)"
    );
    let (exec, task) = alice.submit(&code, "sql").await;
    // the marker (its own committed statement) shows the long statement has started
    let mut seen = false;
    for _ in 0..500 {
        let n = bob
            .query("select count(*) from sales.sqlite_master where name = 'kill_marker'")
            .await;
        if n == json!([["1"]]) {
            seen = true;
            break;
        }
    }
    assert!(seen, "the job never started");
    let r = alice.kill(&exec).await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_eq!(alice.state(&exec).await, "Cancelled");
    // alice's engine is free at once, the statement was rolled back, nothing later ran
    let (next, _) = alice.submit("select 1", "sql").await;
    assert_eq!(alice.state(&next).await, "Succeed");
    assert_eq!(
        bob.query("select name from employees where id = 1").await,
        json!([["alice"]])
    );
    assert_eq!(
        bob.query("select count(*) from sales.sqlite_master where name = 'after_kill'")
            .await,
        json!([["0"]])
    );
    assert_eq!(alice.task(task).await["status"], "Cancelled");
}
