//! The `conformance` binary end to end against an in-process mock over the network: exit
//! statuses (0 ok, 1 failures, 2 usage), expected failures, "observed" on real targets,
//! per-check timeouts, and the report files.

use std::process::Output;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_conformance");

async fn conformance(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(BIN)
            .args(&args)
            .env_remove("ENGEE_BASE_URL")
            .env_remove("LINKIS_BASE_URL")
            .output()
            .expect("the conformance binary runs")
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

async fn fault(base: &str, rule: Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/__admin/faults"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn engee() -> engee_mock::MockServer {
    let mut c = engee_mock::Config::for_tests();
    c.oauth.auto_approve = Some("demo".into());
    engee_mock::MockServer::start(c).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_usage_errors() {
    let out = conformance(args(&["list"])).await;
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("engee.oauth.token.refresh") && text.contains("linkis.entrance.log.paging")
    );
    let out = conformance(args(&["engee"])).await;
    assert_eq!(out.status.code(), Some(2), "no base URL is a usage error");
    let out = conformance(args(&["linkis", "--base-url", "not a url"])).await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_expected_failures_and_reports() {
    let mock = engee().await;
    let url = mock.url();
    fault(
        &url,
        serde_json::json!({"path_prefix": "/account/api/oauth2/session", "status": 500}),
    )
    .await;
    let dir = std::env::temp_dir().join(format!("conformance-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("junit.xml");
    let jsonl = dir.join("report.jsonl");
    let base = args(&[
        "engee",
        "--base-url",
        &url,
        "--color",
        "never",
        "--only",
        "engee.auth.token.works",
        "--only",
        "engee.eval.arithmetic",
        "--junit",
        junit.to_str().unwrap(),
        "--jsonl",
        jsonl.to_str().unwrap(),
    ]);
    let out = conformance(base.clone()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed check exits 1:\n{stdout}"
    );
    assert!(
        stdout.contains("FAIL     engee.auth.token.works"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PASS     engee.eval.arithmetic"),
        "{stdout}"
    );
    let lines: Vec<Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["outcome"], "failed");
    assert_eq!(lines[2]["summary"]["failed"], 1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuites") && xml.contains("<failure"));

    let expected = dir.join("engee.expected");
    std::fs::write(
        &expected,
        "# known\nengee.auth.token.works  # session faulted on purpose\n",
    )
    .unwrap();
    let mut with = base.clone();
    with.extend(args(&["--expected-failures", expected.to_str().unwrap()]));
    let out = conformance(with).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected failures do not fail the run:\n{stdout}"
    );
    assert!(
        stdout.contains("XFAIL    engee.auth.token.works"),
        "{stdout}"
    );
    assert!(stdout.contains("session faulted on purpose"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_defined_drift_on_a_real_target_is_observed_not_failed() {
    let mock = engee().await;
    let url = mock.url();
    fault(
        &url,
        serde_json::json!({"path_prefix": "/account/api/oauth2/token", "status": 502}),
    )
    .await;
    let out = conformance(args(&[
        "engee",
        "--base-url",
        &url,
        "--assume-real",
        "--color",
        "never",
        "--token",
        "demo-pat",
        "--client-id",
        "demo-app",
        "--client-secret",
        "demo-secret",
        "--redirect-uri",
        "http://127.0.0.1:8765/callback",
        "--only",
        "engee.oauth.token.bad_code",
        "--only",
        "engee.oauth.token.invalid_client",
    ]))
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("(real deployment)"), "{stdout}");
    assert!(
        stdout.contains("OBSERVED engee.oauth.token.bad_code"),
        "{stdout}"
    );
    assert!(stdout.contains("2 observed"), "{stdout}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_target_times_out_per_check() {
    let mock = engee().await;
    let url = mock.url();
    fault(
        &url,
        serde_json::json!({"path_prefix": "/account/api/engee/info", "latency_ms": 20000}),
    )
    .await;
    let started = std::time::Instant::now();
    let out = conformance(args(&[
        "engee",
        "--base-url",
        &url,
        "--color",
        "never",
        "--timeout",
        "1",
        "--only",
        "engee.server.info.shape",
    ]))
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("timed out after 1 s"), "{stdout}");
    assert!(
        started.elapsed().as_secs() < 15,
        "took {:?}",
        started.elapsed()
    );
    mock.shutdown().await;
}
