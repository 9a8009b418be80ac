//! README "Use it in CI": the Rust example, compiled and run as written. The second test
//! fails when the README's ```rust ci-example block is no longer a verbatim part of this
//! file, so the two cannot drift.

// ci-example:start
use std::time::Duration;

use engee_mock::{Config, MockServer};
use mock_kit::{FaultRule, FaultStep, MatcherSpec};
use serde_json::json;

#[tokio::test]
async fn my_client_retries_an_eval_and_reads_a_seeded_file() {
    // A fresh mock per test: a free port, a frozen clock, seeded ids (byte-identical runs).
    let server = MockServer::start(Config {
        seed: Some(7),
        ..Config::for_tests()
    })
    .await
    .unwrap();
    server
        .seed(
            &serde_json::from_value(json!({
                "servers": [{"user": "demo"}],
                "files": [{"user": "demo", "path": "/user/in.csv", "content": "x,y\n1,2\n"}],
            }))
            .unwrap(),
        )
        .unwrap();
    // The next eval answers 503 once, then passes: the client under test must retry.
    server
        .control()
        .faults
        .add(FaultRule {
            method: Some("POST".into()),
            sequence: Some(vec![FaultStep {
                status: Some(503),
                ..FaultStep::default()
            }]),
            ..FaultRule::on("/prod/user/*/external/command/eval")
        })
        .unwrap();

    // Your client goes here; this one is reqwest with a retry.
    let http = reqwest::Client::new();
    let user_api = format!("{}/prod/user/personal-demo/external", server.url());
    let eval = format!("{user_api}/command/eval");
    let mut answer = None;
    for _ in 0..2 {
        let r = http
            .post(&eval)
            .bearer_auth("demo-pat")
            .json(&json!({"command": "3 + 5"}))
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            answer = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
    }
    assert_eq!(answer.unwrap()["result"], "8");
    let file = http
        .post(format!("{user_api}/file/download"))
        .bearer_auth("demo-pat")
        .json(&json!({"sources": ["/user/in.csv"]}))
        .send()
        .await
        .unwrap();
    assert!(file.text().await.unwrap().contains("x,y\n1,2\n"));

    // What the client sent: exactly two evals (the faulted one and the retry).
    let evals = MatcherSpec {
        method: Some("POST".into()),
        path: Some("/prod/user/*/external/command/eval".into()),
        ..MatcherSpec::default()
    }
    .compile()
    .unwrap();
    assert_eq!(server.control().journal.count(&evals), 2);

    // Time moves only when the test says so: an hour without user calls stops the server.
    server.advance(Duration::from_secs(3601));
    let r = http
        .post(&eval)
        .bearer_auth("demo-pat")
        .json(&json!({"command": "1"}));
    assert_eq!(r.send().await.unwrap().status(), 503);
    server.shutdown().await;
}
// ci-example:end

#[test]
fn the_readme_shows_this_example_as_it_is() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("```rust ci-example\n")
        .expect("README has a ```rust ci-example block");
    let body = &readme[start + "```rust ci-example\n".len()..];
    let block = &body[..body.find("\n```").expect("the block ends")];
    let source = include_str!("use_in_ci.rs");
    let example = source
        .split("// ci-example:start\n")
        .nth(1)
        .and_then(|s| s.split("// ci-example:end").next())
        .expect("markers");
    assert_eq!(
        block.trim_end(),
        example.trim_end(),
        "README block differs from this file"
    );
}
