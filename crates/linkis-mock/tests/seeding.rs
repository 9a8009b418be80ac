//! Seeding and inspection over real HTTP: `POST /__admin/seed`, `GET /__admin/state`,
//! `GET /__admin/ready` and the config's `seed_file`.

mod common;

use common::*;
use linkis_mock::Config;
use serde_json::{Value, json};

/// Everything a seed can hold: a user `dora`, a token, a proxy entry, SQL and a finished
/// job with its log and result sets.
fn document() -> Value {
    json!({
        "users": [{"name": "dora", "password": "explorer"}],
        "tokens": [{"name": "DORA-TOKEN", "users": ["dora"], "hosts": ["*"], "elapse_days": -1}],
        "proxy": [{"token": "DORA-PROXY", "users": ["dora"]}],
        "sql": ["CREATE TABLE default.seeded_maps (id INT, place TEXT)",
                "INSERT INTO default.seeded_maps VALUES (1, 'river'), (2, 'forest')"],
        "jobs": [{
            "task_id": 500, "execute_user": "dora", "creator": "IDE", "engine_type": "spark",
            "run_type": "sql", "code": "select 1 as one", "status": "Succeed",
            "start_time": "2025-06-01T10:00:00.000Z", "end_time": "2025-06-01T10:00:07.000Z",
            "log": [{"level": "INFO", "text": "seeded line one"},
                    {"at": "2025-06-01T10:00:06.000Z", "level": "WARN", "text": "seeded warning"}],
            "result_sets": [
                {"columns": [{"name": "one", "type": "int"}], "rows": [["1"], [null]]},
                {"text": ["hello", "world"]}
            ]
        }]
    })
}

async fn seed(t: &T, doc: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/__admin/seed", t.url))
        .json(doc)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn state(t: &T) -> Value {
    let r = reqwest::Client::new()
        .get(format!("{}/__admin/state", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn seeded_things_work_through_the_api() {
    let t = T::fast().await;
    let (status, body) = seed(&t, &document()).await;
    assert_eq!(status, 204, "{body}");

    // The seeded user logs in with the seeded password.
    let dora = t.client();
    let r = dora
        .post(
            "/user/login",
            json!({"userName": "dora", "password": "explorer"}),
        )
        .await;
    assert_eq!(r.status, 0, "{}", r.body);

    // The seeded job: history, status, log and result sets.
    let task = dora.task(500).await;
    assert_eq!(task["status"], "Succeed", "{task}");
    let exec_id = task["strongerExecId"].as_str().unwrap().to_owned();
    let seeded = state(&t).await;
    assert_eq!(seeded["jobs"][0]["exec_id"], exec_id.as_str());
    assert_eq!(dora.state(&exec_id).await, "Succeed");
    let log = dora.full_log(&exec_id, 100).await.join("\n");
    assert!(log.contains("INFO seeded line one"), "{log}");
    assert!(log.contains("WARN seeded warning"), "{log}");
    let loc = task["resultLocation"].as_str().unwrap();
    let r = dora
        .get(&format!("/filesystem/openFile?path={loc}/_0.dolphin"))
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    // As Linkis shows SQL NULL in a result file.
    assert_eq!(
        r.data["fileContent"],
        json!([["1"], ["NULL"]]),
        "{}",
        r.body
    );
    let r = dora
        .get(&format!("/filesystem/openFile?path={loc}/_1.dolphin"))
        .await;
    assert_eq!(r.status, 0, "{}", r.body);
    assert!(r.body.to_string().contains("world"), "{}", r.body);

    // The table the seeded SQL made, queried by a job.
    let rows = dora
        .query("select place from default.seeded_maps order by id")
        .await;
    assert_eq!(rows, json!([["river"], ["forest"]]));

    // The seeded token and proxy entry authenticate.
    let token = t
        .client()
        .with_header("Token-Code", "DORA-TOKEN")
        .with_header("Token-User", "dora");
    assert_eq!(token.task(500).await["status"], "Succeed");
    let proxied = t
        .client()
        .with_header("Proxy-User", "dora")
        .with_header("Validation-Code", "DORA-PROXY");
    assert_eq!(proxied.task(500).await["status"], "Succeed");
}

/// A bad item at the end of a document leaves nothing of the items before it (the SQL
/// included: it runs in a transaction that a later failure never reaches, or rolls back).
#[tokio::test]
async fn a_seed_is_applied_wholly_or_not_at_all() {
    let t = T::fast().await;
    let before = state(&t).await;
    let cases: [(&str, Value, &str); 6] = [
        (
            "jobs",
            json!({"execute_user": "no body", "engine_type": "spark", "run_type": "sql",
                   "status": "Succeed", "start_time": "2025-01-01T00:00:00Z",
                   "end_time": "2025-01-01T00:00:01Z"}),
            "no user \"no body\"",
        ),
        (
            "jobs",
            json!({"task_id": 500, "execute_user": "alice", "engine_type": "spark",
                   "run_type": "sql", "status": "Succeed",
                   "start_time": "2025-01-01T00:00:00Z", "end_time": "2025-01-01T00:00:01Z"}),
            "task_id 500 exists",
        ),
        (
            "jobs",
            json!({"execute_user": "alice", "engine_type": "spark", "run_type": "sql",
                   "status": "Running", "start_time": "2025-01-01T00:00:00Z",
                   "end_time": "2025-01-01T00:00:01Z"}),
            "a seeded job is finished",
        ),
        (
            "sql",
            json!("ATTACH DATABASE ':memory:' AS other"),
            "sql[2]",
        ),
        (
            "sql",
            json!("INSERT INTO no_such_table VALUES (1)"),
            "sql[2]",
        ),
        (
            "users",
            json!({"name": "alice", "password": "other"}),
            "exists with other fields",
        ),
    ];
    for (list, item, says) in cases {
        let mut doc = document();
        doc[list].as_array_mut().unwrap().push(item.clone());
        let (status, body) = seed(&t, &doc).await;
        assert_eq!(status, 400, "{item}: {body}");
        assert_eq!(body["status"], 1, "the Linkis envelope: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{says:?} not in {message:?}");
        assert_eq!(state(&t).await, before, "after {item}");
    }
    // The SQL was rolled back: the table does not exist, so the seed applies afterwards.
    let (status, body) = seed(&t, &document()).await;
    assert_eq!(status, 204, "{body}");
}

/// seed → state → reset → seed(state) → the same state; and into a fresh mock too.
#[tokio::test]
async fn the_state_seeds_a_fresh_mock_into_the_same_state() {
    let t = T::fast().await;
    let empty = state(&t).await;
    let (status, body) = seed(&t, &document()).await;
    assert_eq!(status, 204, "{body}");
    // A job the API ran, not the seed.
    let alice = t.login("alice").await;
    alice.query("select 41 + 1 as answer").await;
    let seeded = state(&t).await;
    assert_eq!(seeded["jobs"].as_array().unwrap().len(), 2, "{seeded}");
    assert_eq!(seeded["sql"].as_array().unwrap().len(), 2, "{seeded}");

    t.server.reset();
    assert_eq!(state(&t).await, empty);
    let (status, body) = seed(&t, &seeded).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(state(&t).await, seeded);

    let fresh = T::fast().await;
    let (status, body) = seed(&fresh, &seeded).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(state(&fresh).await, seeded);
}

#[tokio::test]
async fn a_seed_file_is_applied_at_start_and_after_every_reset() {
    let file = std::env::temp_dir().join(format!("linkis-seed-{}.json", std::process::id()));
    std::fs::write(&file, document().to_string()).unwrap();
    let t = T::start(Config {
        seed_file: Some(file.clone()),
        ..Config::testing()
    })
    .await;
    std::fs::remove_file(&file).ok();
    let r = reqwest::get(format!("{}/__admin/ready", t.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ready": true}));
    let seeded = state(&t).await;
    assert_eq!(seeded["jobs"][0]["task_id"], 500, "{seeded}");
    t.server.reset();
    assert_eq!(state(&t).await, seeded);
}

/// The admin guard covers the new routes, answering in the envelope.
#[tokio::test]
async fn the_admin_guard_covers_seeding() {
    let t = T::fast().await;
    let r = reqwest::Client::new()
        .post(format!("{}/__admin/seed", t.url))
        .body(document().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 1, "{body}");
    assert_eq!(state(&t).await["jobs"], json!([]));
}
