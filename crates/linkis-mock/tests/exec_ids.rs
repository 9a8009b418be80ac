//! execIDs that always work (issue 9, item 6): whatever `submit`/`execute` hand out,
//! `status`, `log`, `progress` and `kill` accept; names that cannot be part of an execID
//! are refused at submit with a 20009 envelope naming them.

mod common;

use common::{C, T};
use linkis_mock::{Config, Profile};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::json;

async fn ujes() -> T {
    let mut cfg = Config::testing();
    cfg.profile = Profile::Ujes0x;
    T::start(cfg).await
}

fn execute_body(creator: &str, engine: &str, code: &str) -> serde_json::Value {
    json!({"executeApplicationName": engine, "requestApplicationName": creator,
           "executionCode": code, "runType": "sql", "params": {}})
}

/// Every endpoint that takes an execID answers it (status 0); kill of a finished job is
/// the only status-1 answer allowed, with upstream's "already completed" text.
async fn assert_addressable(c: &C, exec: &str) {
    let url = |op: &str| format!("/entrance/{}/{op}", exec.replace('%', "%25"));
    for op in ["status", "log", "progress", "progressWithResource"] {
        let r = c.get(&url(op)).await;
        assert_eq!(r.status, 0, "{op} of {exec}: {}", r.body);
        assert_eq!(r.data["execID"], json!(exec), "{op}");
    }
    let r = c.get(&url("kill")).await;
    assert!(
        r.status == 0 || r.message.starts_with("The job already completed"),
        "kill of {exec}: {}",
        r.body
    );
}

#[tokio::test]
async fn ujes_exec_ids_of_two_engines_address_their_own_jobs() {
    let t = ujes().await;
    let c = t.login("hadoop").await;
    let spark = c
        .post(
            "/entrance/execute",
            execute_body("IDE", "spark", "-- @mock fail=\"first\"\nselect 1"),
        )
        .await;
    let hive = c
        .post("/entrance/execute", execute_body("IDE", "hive", "select 1"))
        .await;
    let (spark, hive) = (
        spark.data["execID"].as_str().unwrap(),
        hive.data["execID"].as_str().unwrap(),
    );
    assert_ne!(spark, hive);
    assert_eq!(
        c.state(spark).await,
        "Failed",
        "{spark} is the failing spark job"
    );
    assert_eq!(c.state(hive).await, "Succeed", "{hive} is the hive job");
}

#[tokio::test]
async fn ujes_creator_must_fit_the_two_digit_length() {
    let t = ujes().await;
    let c = t.login("hadoop").await;
    let r = c
        .post(
            "/entrance/execute",
            execute_body(&"c".repeat(100), "spark", "select 1"),
        )
        .await;
    assert_eq!(r.status, 1, "{}", r.body);
    assert_eq!(r.data["errorMsg"]["errCode"], json!(20009), "{}", r.body);
    assert!(
        r.message.contains("99"),
        "the message names the limit: {}",
        r.body
    );
    let r = c
        .post(
            "/entrance/execute",
            execute_body(&"c".repeat(99), "spark", "-- @mock duration=9s\nselect 1"),
        )
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert_addressable(&c, r.data["execID"].as_str().unwrap()).await;
}

#[tokio::test]
async fn names_that_are_not_url_safe_are_refused_at_submit() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    for creator in ["a/b", "a b", "a\u{0}b", "é", "a?b", "a%2Fb", "a#b"] {
        let r = c
            .post(
                "/entrance/submit",
                json!({"executionContent": {"code": "select 1", "runType": "sql"},
                       "labels": {"engineType": "spark", "userCreator": format!("alice-{creator}")}}),
            )
            .await;
        assert_eq!(r.status, 1, "{creator:?}: {}", r.body);
        assert!(r.message.contains("creator"), "{creator:?}: {}", r.body);
        let r = c
            .post(
                "/entrance/execute",
                execute_body(creator, "spark", "select 1"),
            )
            .await;
        assert_eq!(r.status, 1, "{creator:?}: {}", r.body);
    }
    // a token user is whatever the header says: it must fit an execID too
    for user in ["a/b", "a b", &"u".repeat(51)] {
        let tok = t
            .client()
            .with_header("Token-Code", "LINKIS-AUTH")
            .with_header("Token-User", user);
        let r = tok
            .post(
                "/entrance/execute",
                execute_body("IDE", "spark", "select 1"),
            )
            .await;
        assert_eq!(r.status, 1, "{user:?}: {}", r.body);
        assert!(r.message.contains("executeUser"), "{user:?}: {}", r.body);
    }
}

/// Random creators (any printable ASCII, `/`, NUL, non-ASCII, up to 120 bytes) in both
/// profiles: each is either refused with an envelope naming the creator, or its execID
/// works with status, log, progress and kill.
#[tokio::test]
async fn every_exec_id_handed_out_is_addressable() {
    let mut runner = TestRunner::deterministic();
    let names = proptest::string::string_regex("[ -~/\u{0}é]{1,120}").unwrap();
    for profile in [Profile::Linkis1x, Profile::Ujes0x] {
        let mut cfg = Config::testing();
        cfg.profile = profile;
        let t = T::start(cfg).await;
        let c = t.login("alice").await;
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..48 {
            let creator = names.new_tree(&mut runner).unwrap().current();
            let r = c
                .post(
                    "/entrance/execute",
                    execute_body(&creator, "spark", "select 1"),
                )
                .await;
            if r.status == 0 {
                accepted += 1;
                assert_addressable(&c, r.data["execID"].as_str().unwrap()).await;
            } else {
                refused += 1;
                assert!(r.message.contains("creator"), "{creator:?}: {}", r.body);
            }
        }
        // the short alphabet-only names must get through too
        for creator in ["IDE", "nodeexecution", "LINKISCLI", "a.b-c_d@e"] {
            let r = c
                .post(
                    "/entrance/execute",
                    execute_body(creator, "spark", "select 1"),
                )
                .await;
            assert_eq!(r.status, 0, "{creator}: {}", r.body);
            assert_addressable(&c, r.data["execID"].as_str().unwrap()).await;
        }
        assert!(
            refused > 0,
            "{profile:?}: the generator should produce unsafe names"
        );
        let _ = accepted;
    }
}
