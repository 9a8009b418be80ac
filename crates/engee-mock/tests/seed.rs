//! Seeding and inspection over real HTTP: `POST /__admin/seed`, `GET /__admin/state`,
//! `GET /__admin/ready` and the config's `seed_file`.

mod common;

use common::TestApp;
use engee_mock::Config;
use serde_json::{Value, json};

const JOB_ID: &str = "6f1c1a52-8a2e-4d4b-9c39-3f8e2f0d2a11";
const ALICE: &str = "/prod/user/pro-alice";

/// Everything a seed can hold, for the user `alice` (license `pro`).
fn document() -> Value {
    json!({
        "users": [{"nickname": "alice", "password": "wonderland", "license": "pro",
                   "email": "alice@example.org"}],
        "oauth_clients": [{"client_id": "seeded-app", "client_secret": "s3cret",
                           "redirect_uris": ["http://127.0.0.1:9999/cb"], "scope": "engee"}],
        "pats": [{"user": "alice", "token": "alice-pat"}],
        "files": [
            {"user": "alice", "path": "/user/data/hello.txt", "content": "hello, seed\n"},
            {"user": "alice", "path": "/user/data/bin/blob.bin", "content_base64": "AAEC/w=="}
        ],
        "servers": [{"user": "alice"}],
        "jobs": [{"user": "alice", "job_id": JOB_ID, "name": "nightly", "status": "DONE",
                  "start_time": "2030-01-01T00:00:00.000Z", "end_time": "2030-01-01T00:00:05.000Z",
                  "result": {"type": "success", "data": {"text": "42"}}}]
    })
}

async fn seed(app: &TestApp, doc: &Value) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/__admin/seed"))
        .json(doc)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn state(app: &TestApp) -> Value {
    let r = app
        .http
        .get(app.url("/__admin/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn seeded_things_work_through_the_api() {
    let app = TestApp::start().await;
    let (status, body) = seed(&app, &document()).await;
    assert_eq!(status, 204, "{body}");

    // The seeded PAT speaks for the seeded user.
    let session: Value = app
        .http
        .get(app.url("/account/api/oauth2/session"))
        .bearer_auth("alice-pat")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["nickname"], "alice", "{session}");
    assert_eq!(session["email"], "alice@example.org", "{session}");

    // The seeded server runs, so the user API answers at once: the seeded job ...
    let job: Value = app
        .http
        .get(app.url(&format!("{ALICE}/external/command/jobs/{JOB_ID}/result")))
        .bearer_auth("alice-pat")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        job,
        json!({"job_id": JOB_ID, "name": "nightly", "job_type": "EVAL", "status": "DONE",
               "start_time": "2030-01-01T00:00:00.000Z", "end_time": "2030-01-01T00:00:05.000Z",
               "result": {"type": "success", "data": {"text": "42"}}})
    );
    // ... and the seeded files.
    let r = app
        .http
        .post(app.url(&format!("{ALICE}/external/file/download")))
        .bearer_auth("alice-pat")
        .json(&json!({"sources": ["/user/data/bin/blob.bin"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    assert!(body.windows(4).any(|w| w == [0, 1, 2, 255]), "{body:?}");
    let r = app
        .http
        .post(app.url(&format!("{ALICE}/external/file/download")))
        .bearer_auth("alice-pat")
        .json(&json!({"sources": ["/user/data/hello.txt"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("hello, seed\n"), "{body}");

    // The seeded client and user go through the consent page.
    let r = app
        .http
        .post(app.url("/account/authorize"))
        .form(&[
            ("response_type", "code"),
            ("client_id", "seeded-app"),
            ("nickname", "alice"),
            ("password", "wonderland"),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9999/cb?code="),
        "{location}"
    );
}

/// A bad item at the end of a document leaves nothing of the items before it.
#[tokio::test]
async fn a_seed_is_applied_wholly_or_not_at_all() {
    let app = TestApp::start().await;
    let before = state(&app).await;
    let mut taken = document();
    taken["users"] = json!([]);
    taken["oauth_clients"] = json!([]);
    taken["pats"] = json!([]);
    taken["files"] = json!([]);
    taken["servers"] = json!([]);
    taken["jobs"][0]["user"] = json!("demo");
    let (status, body) = seed(&app, &taken).await;
    assert_eq!(status, 204, "{body}");
    let before_bad = state(&app).await;
    assert_ne!(before, before_bad);

    let cases: [(&str, Value, &str); 8] = [
        (
            "pats",
            json!({"user": "nobody", "token": "t"}),
            "no user \"nobody\"",
        ),
        (
            "files",
            json!({"user": "alice", "path": "/user/a/../../etc/passwd", "content": "x"}),
            "`..`",
        ),
        (
            "files",
            json!({"user": "alice", "path": "/etc/passwd", "content": "x"}),
            "outside /user",
        ),
        (
            "files",
            json!({"user": "alice", "path": "/user/x.bin", "content_base64": "not base64!"}),
            "not base64",
        ),
        (
            "files",
            json!({"user": "alice", "path": "/user/data/hello.txt/inner", "content": "x"}),
            "as a file and as a folder",
        ),
        (
            "jobs",
            json!({"user": "demo", "job_id": JOB_ID, "start_time": "2030-01-01T00:00:00Z",
                   "end_time": "2030-01-01T00:00:01Z",
                   "result": {"type": "success", "data": {"text": "1"}}}),
            "has a job with this id already",
        ),
        (
            "jobs",
            json!({"user": "alice", "job_id": JOB_ID, "status": "FAILED",
                   "start_time": "2030-01-01T00:00:00Z", "end_time": "2030-01-01T00:00:01Z",
                   "result": {"type": "success", "data": {"text": "1"}}}),
            "status \"DONE\"",
        ),
        (
            "users",
            json!({"nickname": "demo", "password": "other"}),
            "exists with other fields",
        ),
    ];
    for (list, item, says) in cases {
        let mut doc = document();
        doc[list].as_array_mut().unwrap().push(item.clone());
        let (status, body) = seed(&app, &doc).await;
        assert_eq!(status, 400, "{item}: {body}");
        assert_eq!(body["error"], "bad_request", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{says:?} not in {message:?}");
        assert_eq!(state(&app).await, before_bad, "after {item}");
    }
    // Not JSON of the schema at all.
    let (status, body) = seed(&app, &json!({"users": [], "tokens": []})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("tokens"),
        "{body}"
    );
}

/// seed → state → reset → seed(state) → the same state; and into a fresh mock too.
#[tokio::test]
async fn the_state_seeds_a_fresh_mock_into_the_same_state() {
    let app = TestApp::start().await;
    let empty = state(&app).await;
    assert_eq!(empty["users"].as_array().unwrap().len(), 2, "{empty}");
    assert_eq!(empty["pats"].as_array().unwrap().len(), 2, "{empty}");
    let (status, body) = seed(&app, &document()).await;
    assert_eq!(status, 204, "{body}");
    // Something the API made, not the seed: the demo user's server.
    app.start_engee(common::DEMO_PAT).await;
    let seeded = state(&app).await;
    assert_eq!(seeded["files"].as_array().unwrap().len(), 2, "{seeded}");
    assert_eq!(seeded["servers"].as_array().unwrap().len(), 2, "{seeded}");
    assert_eq!(
        seeded["files"][0],
        json!({"user": "alice", "path": "/user/data/bin/blob.bin", "content_base64": "AAEC/w=="})
    );

    app.admin_reset().await;
    assert_eq!(state(&app).await, empty);
    let (status, body) = seed(&app, &seeded).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(state(&app).await, seeded);

    let fresh = TestApp::start().await;
    let (status, body) = seed(&fresh, &seeded).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(state(&fresh).await, seeded);
    // Seeding it again is refused: the jobs exist now.
    let (status, body) = seed(&fresh, &seeded).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_seed_file_is_applied_at_start_and_after_every_reset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed.json");
    std::fs::write(&file, document().to_string()).unwrap();
    let app = TestApp::with_config(Config {
        seed_file: Some(file),
        ..Config::for_tests()
    })
    .await;
    let r = app
        .http
        .get(app.url("/__admin/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"ready": true}));
    let seeded = state(&app).await;
    assert_eq!(seeded["jobs"][0]["job_id"], JOB_ID, "{seeded}");
    app.admin_reset().await;
    assert_eq!(state(&app).await, seeded);
    let r = app
        .http
        .get(app.url("/__admin/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_bad_seed_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed.json");
    std::fs::write(
        &file,
        json!({"pats": [{"user": "nobody", "token": "t"}]}).to_string(),
    )
    .unwrap();
    let Err(e) = engee_mock::MockServer::start(Config {
        seed_file: Some(file),
        ..Config::for_tests()
    })
    .await
    else {
        panic!("started with a bad seed file");
    };
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("no user \"nobody\""), "{e}");
}

/// The admin guard covers the new routes, answering in Engee's format.
#[tokio::test]
async fn the_admin_guard_covers_seeding() {
    let app = TestApp::start().await;
    let r = app
        .http
        .post(app.url("/__admin/seed"))
        .body(document().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_media_type", "{body}");
    let r = app
        .http
        .get(app.url("/__admin/state"))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Nothing was seeded by the refused call.
    assert_eq!(state(&app).await["jobs"], json!([]));
}
