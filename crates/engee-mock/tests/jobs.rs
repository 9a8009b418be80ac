//! Async jobs over HTTP: create (202/409), result (404), list, concurrency, the shared
//! workspace, and the end of jobs when their server stops.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const ID: &str = "550e8400-e29b-41d4-a716-446655440000";

async fn create(app: &TestApp, body: Value) -> (u16, Value) {
    app.post_user_api(DEMO_PAT, "/external/command/jobs/create", body)
        .await
}

async fn result(app: &TestApp, id: &str) -> (u16, Value) {
    app.get_user_api(DEMO_PAT, &format!("/external/command/jobs/{id}/result"))
        .await
}

async fn wait_done(app: &TestApp, id: &str) -> Value {
    eventually(|| async {
        let (_, job) = result(app, id).await;
        (job["status"] == "DONE").then_some(job)
    })
    .await
}

#[tokio::test]
async fn the_spec_example_job_runs_on_the_mock_clock() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let (status, accepted) = create(&app, json!({"job_id": ID, "job_type": "EVAL", "code": "a = 5; sleep(60); a * 2", "name": "My computation"})).await;
    assert_eq!(status, 202);
    assert_eq!(accepted["job_id"], ID);

    let (status, job) = result(&app, ID).await;
    assert_eq!(status, 200);
    assert_eq!(job["status"], "IN_PROGRESS");
    assert_eq!(job["name"], "My computation");
    assert_eq!(job["job_type"], "EVAL");
    assert!(job["end_time"].is_null() && job["result"].is_null());
    assert!(job["start_time"].is_string());

    app.server.advance(Duration::from_secs(59));
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(result(&app, ID).await.1["status"], "IN_PROGRESS");
    app.server.advance(Duration::from_secs(1));
    let job = wait_done(&app, ID).await;
    assert_eq!(
        job["result"],
        json!({"type": "success", "data": {"text": "10"}})
    );
    assert!(job["end_time"].is_string());
}

#[tokio::test]
async fn a_failing_job_reports_the_julia_error() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    assert_eq!(
        create(
            &app,
            json!({"job_id": ID, "job_type": "EVAL", "code": "some_variable"})
        )
        .await
        .0,
        202
    );
    let job = wait_done(&app, ID).await;
    assert_eq!(job["result"]["type"], "error");
    assert_eq!(job["result"]["data"]["type"], "UndefVarError");
    assert_eq!(
        job["result"]["data"]["short_description"],
        "UndefVarError(:some_variable)"
    );
    assert!(
        job["result"]["data"]["full_description"]
            .as_str()
            .unwrap()
            .starts_with("UndefVarError: `some_variable` not defined\n\nStacktrace:\n")
    );
    assert!(job["name"].is_null());
}

#[tokio::test]
async fn a_reused_id_is_409_and_creates_nothing() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    assert_eq!(
        create(
            &app,
            json!({"job_id": ID, "job_type": "EVAL", "code": "1", "name": "first"})
        )
        .await
        .0,
        202
    );
    let (status, body) = create(
        &app,
        json!({"job_id": ID, "job_type": "EVAL", "code": "2", "name": "second"}),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "conflict");
    let job = wait_done(&app, ID).await;
    assert_eq!(job["name"], "first");
    let (_, list) = app
        .get_user_api(DEMO_PAT, "/external/command/jobs/list")
        .await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_creates_of_one_id_make_one_job() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let url = app.url(&format!("{DEMO_PREFIX}/external/command/jobs/create"));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (http, url) = (app.http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(DEMO_PAT)
                .json(&json!({"job_id": ID, "job_type": "EVAL", "code": format!("{i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn bad_job_requests_get_400_and_unknown_ids_404() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let (status, body) = create(
        &app,
        json!({"job_id": "not-a-uuid", "job_type": "EVAL", "code": "1"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("UUID"));
    let (status, body) = create(
        &app,
        json!({"job_id": ID, "job_type": "SHELL", "code": "1"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("EVAL"));
    let (status, _) = create(&app, json!({"job_type": "EVAL", "code": "1"})).await;
    assert_eq!(status, 400);
    let (status, _) = create(&app, json!({"job_id": ID, "job_type": "EVAL"})).await;
    assert_eq!(status, 400);
    let (status, body) = result(&app, "16763be4-6022-406e-a950-fcd5018633ca").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
    let (status, _) = result(&app, "nope").await;
    assert_eq!(status, 400);
    let (_, list) = app
        .get_user_api(DEMO_PAT, "/external/command/jobs/list")
        .await;
    assert_eq!(list, json!({"jobs": []}), "no bad request created a job");
}

#[tokio::test]
async fn jobs_share_the_workspace_with_eval_and_run_concurrently() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    assert_eq!(app.eval("base = 100").await.0, 200);
    let ids: Vec<String> = (0..20).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for (i, id) in ids.iter().enumerate() {
        let code = format!("sleep({}); base + {i}", 10 + i);
        assert_eq!(
            create(
                &app,
                json!({"job_id": id, "job_type": "EVAL", "code": code})
            )
            .await
            .0,
            202
        );
    }
    // A sleeping job holds no thread: eval still answers at once.
    assert_eq!(app.eval("base * 2").await, (200, json!({"result": "200"})));
    app.server.advance(Duration::from_secs(30));
    for (i, id) in ids.iter().enumerate() {
        let job = wait_done(&app, id).await;
        assert_eq!(job["result"]["data"]["text"], format!("{}", 100 + i));
    }
    let (_, list) = app
        .get_user_api(DEMO_PAT, "/external/command/jobs/list")
        .await;
    let listed: Vec<&str> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "listed by start time"
    );
}

#[tokio::test]
async fn stopping_the_server_ends_running_jobs_with_an_error() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    assert_eq!(
        create(
            &app,
            json!({"job_id": ID, "job_type": "EVAL", "code": "sleep(3600); 1"})
        )
        .await
        .0,
        202
    );
    app.stop_engee(DEMO_PAT).await;
    app.start_engee(DEMO_PAT).await;
    let job = wait_done(&app, ID).await;
    assert_eq!(job["result"]["type"], "error");
    assert_eq!(job["result"]["data"]["type"], "InterruptException");
}

#[tokio::test]
async fn finished_jobs_are_bounded() {
    let mut config = engee_mock::Config::for_tests();
    config.jobs.max_finished_jobs = 3;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    let ids: Vec<String> = (0..5).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for id in &ids {
        assert_eq!(
            create(&app, json!({"job_id": id, "job_type": "EVAL", "code": "1"}))
                .await
                .0,
            202
        );
        wait_done(&app, id).await;
        app.server.advance(Duration::from_secs(1));
    }
    let (_, list) = app
        .get_user_api(DEMO_PAT, "/external/command/jobs/list")
        .await;
    let listed: Vec<&str> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ids[2..].iter().map(String::as_str).collect::<Vec<_>>()
    );
}

fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp"))
        .unwrap()
        .to_utc()
}

#[tokio::test]
async fn a_sleep_ends_at_the_instant_it_fell_due_even_after_a_jump() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let code = "t0 = time(); sleep(60); a = time() - t0; sleep(10); b = time() - t0; (a, b)";
    let (status, _) = create(
        &app,
        json!({"job_id": ID, "job_type": "EVAL", "code": code}),
    )
    .await;
    assert_eq!(status, 202);
    app.server.advance(Duration::from_secs(100));
    let job = wait_done(&app, ID).await;
    // The second sleep fell due (t0 + 70) before the clock's reading (t0 + 100) too.
    assert_eq!(
        job["result"],
        json!({"type": "success", "data": {"text": "(60.0, 70.0)"}})
    );
    let took = instant(&job["end_time"]) - instant(&job["start_time"]);
    assert_eq!(took, chrono::Duration::seconds(70));
}

#[tokio::test]
async fn a_job_cut_by_an_inactivity_stop_ends_at_stopped_at() {
    let app = TestApp::start().await;
    let r = app
        .http
        .post(app.url("/account/api/engee/start"))
        .bearer_auth(DEMO_PAT)
        .json(&json!({"inactivityTimeout": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = create(
        &app,
        json!({"job_id": ID, "job_type": "EVAL", "code": "sleep(60); 1"}),
    )
    .await;
    assert_eq!(status, 202);
    app.server.advance(Duration::from_secs(100));
    let info = app.info(DEMO_PAT).await;
    assert_eq!(info["serverStatus"], "stopped", "{info}");
    // Jobs are read through a running server.
    app.start_engee(DEMO_PAT).await;
    let job = wait_done(&app, ID).await;
    assert_eq!(job["result"]["data"]["type"], "InterruptException", "{job}");
    assert_eq!(instant(&job["end_time"]), instant(&info["stoppedAt"]));
    let took = instant(&job["end_time"]) - instant(&job["start_time"]);
    assert_eq!(took, chrono::Duration::seconds(30));
}

#[tokio::test]
async fn running_jobs_are_bounded_per_user() {
    let mut config = engee_mock::Config::for_tests();
    config.jobs.max_running_jobs = 2;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    let ids: Vec<String> = (0..3).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let job = |id: &str| json!({"job_id": id, "job_type": "EVAL", "code": "sleep(60); 1"});
    assert_eq!(create(&app, job(&ids[0])).await.0, 202);
    assert_eq!(create(&app, job(&ids[1])).await.0, 202);
    let (status, body) = create(&app, job(&ids[2])).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "too_many_requests");
    assert_eq!(result(&app, &ids[2]).await.0, 404, "nothing was created");
    app.server.advance(Duration::from_secs(60));
    wait_done(&app, &ids[0]).await;
    wait_done(&app, &ids[1]).await;
    assert_eq!(create(&app, job(&ids[2])).await.0, 202);
}
