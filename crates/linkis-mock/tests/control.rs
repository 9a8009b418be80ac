//! The shared control plane on Linkis: the journal shows the submit body and the user;
//! injected faults answer in the Linkis envelope.

mod common;

use common::{T, V1};
use serde_json::{Value, json};

#[tokio::test]
async fn the_journal_shows_the_submit_body_and_the_authenticated_user() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let (exec, _) = c.submit("select 1", "sql").await;
    c.state(&exec).await;
    let r = c
        .http
        .get(format!(
            "{}/__admin/requests?method=POST&path={V1}/entrance/submit",
            t.url
        ))
        .send()
        .await
        .unwrap();
    let journal: Value = r.json().await.unwrap();
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{journal}");
    let e = &entries[0];
    assert_eq!(e["user"], "alice");
    assert_eq!(e["headers"]["cookie"], "[redacted]");
    let sent: Value = serde_json::from_str(e["body"]["data"].as_str().unwrap()).unwrap();
    assert_eq!(sent["executionContent"]["code"], "select 1");
    assert!(
        e["response_body"]["data"].as_str().unwrap().contains(&exec),
        "{e}"
    );
    // The login itself carries no credentials yet: no user.
    let login = &t.server.control().journal.entries()[0];
    assert_eq!(
        (login.path.as_str(), login.user.as_deref()),
        ("/api/rest_j/v1/user/login", None)
    );
    let r = c
        .http
        .post(format!("{}/__admin/requests/count", t.url))
        .json(&json!({"path": format!("{V1}/entrance/*/status"), "status": 200}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"count": 1}));
}

#[tokio::test]
async fn a_status_fault_sequence_answers_in_the_envelope_then_passes() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let (exec, _) = c.submit("select 1", "sql").await;
    let rule = json!({"path": format!("{V1}/entrance/*/status"),
                      "sequence": [{"status": 503}, {"status": 503}]});
    let r = c
        .http
        .post(format!("{}/__admin/faults", t.url))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let url = format!("{}{V1}/entrance/{exec}/status", t.url);
    for _ in 0..2 {
        let r = c.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 503);
        let envelope: Value = r.json().await.unwrap();
        assert_eq!(envelope["status"], 1, "{envelope}");
        assert!(
            envelope["message"]
                .as_str()
                .unwrap()
                .contains("fault injected")
        );
    }
    let r = c.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let faulted = t
        .server
        .control()
        .journal
        .entries()
        .iter()
        .filter(|e| e.fault.as_deref() == Some("status") && e.user.is_none())
        .count();
    assert_eq!(faulted, 2, "faulted before the handler: no user known");
}

#[tokio::test]
async fn faults_from_the_toml_config_apply_from_the_start() {
    let from_file: linkis_mock::Config = mock_kit::config::parse_toml(&format!(
        "[[faults]]\npath = \"{V1}/user/login\"\nsequence = [{{ status = 503 }}]\n"
    ))
    .expect("config parses");
    let t = T::start(linkis_mock::Config {
        faults: from_file.faults,
        ..linkis_mock::Config::testing()
    })
    .await;
    let http = reqwest::Client::new();
    let login = json!({"userName": "alice", "password": "alice"});
    let url = format!("{}{V1}/user/login", t.url);
    let r = http.post(&url).json(&login).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], 1);
    let r = http.post(&url).json(&login).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
