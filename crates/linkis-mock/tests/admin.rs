//! The admin API's protections and the HTTP limits, as Linkis answers them: the envelope,
//! its HTTP status mirroring `status` (issue 8, items 3, 4 and 10).

mod common;

use common::*;
use linkis_mock::Config;
use serde_json::json;

#[tokio::test]
async fn cross_site_admin_calls_are_refused_in_the_envelope() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let before = t.server.clock().now();
    let admin = t.client();
    let r = admin
        .send(
            admin
                .http
                .post(format!("{}/__admin/clock", t.url))
                .header("content-type", "text/plain")
                .header("origin", "http://evil.example")
                .body(r#"{"advance_secs": 100000}"#),
        )
        .await;
    assert_eq!((r.http, r.status), (403, 3), "{:?}", r.body);
    assert!(r.message.contains("evil.example"), "{}", r.message);
    let r = admin
        .send(admin.http.post(format!("{}/__admin/reset", t.url)))
        .await;
    assert_eq!((r.http, r.status), (415, 1), "{:?}", r.body);
    assert!(r.message.contains("application/json"), "{}", r.message);
    assert_eq!(t.server.clock().now(), before);
    assert_eq!(
        c.get("/jobhistory/list").await.status,
        0,
        "still logged in: no reset"
    );
}

#[tokio::test]
async fn a_required_admin_token_guards_the_admin_api() {
    let mut cfg = Config::testing();
    // What a non-loopback address sets (the binary's tests bind 0.0.0.0).
    cfg.admin.require_token = true;
    let t = T::start(cfg).await;
    let token = t
        .server
        .admin_token()
        .expect("a generated token")
        .to_owned();
    let admin = t.client();
    let r = admin.post("/__admin/reset", json!({})).await;
    assert_eq!((r.http, r.status), (401, -1), "{:?}", r.body);
    let r = admin
        .http
        .post(format!("{}/__admin/clock", t.url))
        .bearer_auth(&token)
        .json(&json!({"advance_secs": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let health = reqwest::get(format!("{}/__admin/health", t.url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

/// Issue 8.4: nine of these panicked the server.
#[tokio::test]
async fn huge_clock_advances_are_400_and_the_server_keeps_answering() {
    let t = T::start(Config {
        clock: mock_kit::Clock::system(), // the binary's flowing clock
        ..Config::testing()
    })
    .await;
    let admin = t.client();
    for _ in 0..9 {
        let r = admin
            .post("/__admin/clock", json!({"advance_secs": 1e12}))
            .await;
        assert_eq!((r.http, r.status), (400, 1), "{:?}", r.body);
        assert!(r.message.contains("9999-12-31"), "{}", r.message);
    }
    t.login("alice").await;
}

/// Issue 8.10: an oversized login body was read as empty ("Username can not be empty").
#[tokio::test]
async fn oversized_bodies_and_uris_get_413_and_414_in_the_envelope() {
    let t = T::fast().await;
    let c = t.client();
    let padding = "p".repeat(2 << 20);
    let r = c
        .post(
            "/user/login",
            json!({"userName": "alice", "password": "alice", "padding": padding}),
        )
        .await;
    assert_eq!((r.http, r.status), (413, 1), "{}", r.message);
    assert!(r.message.contains("2097152"), "{}", r.message);
    let alice = t.login("alice").await;
    let r = alice
        .post_raw("/entrance/submit", &"x".repeat(3 * 1024 * 1024))
        .await;
    assert_eq!((r.http, r.status), (413, 1), "{}", r.message);
    let r = c
        .get(&format!("/jobhistory/list?pageSize={}", "9".repeat(20_000)))
        .await;
    assert_eq!((r.http, r.status), (414, 1), "{}", r.message);
    assert!(r.message.contains("16384"), "{}", r.message);
}

#[tokio::test]
async fn a_token_from_the_config_file_is_required_on_loopback() {
    let text = "[admin]\ntoken = \"from-file\"\n";
    let dir = std::env::temp_dir().join(format!("linkis-admin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("linkis.toml");
    std::fs::write(&path, text).unwrap();
    let cfg = Config::load(&path);
    std::fs::remove_dir_all(&dir).unwrap();
    let t = T::start(Config {
        addr: ([127, 0, 0, 1], 0).into(),
        ..cfg.unwrap()
    })
    .await;
    let admin = t.client();
    let r = admin.post("/__admin/reset", json!({})).await;
    assert_eq!((r.http, r.status), (401, -1), "{:?}", r.body);
    let r = admin
        .http
        .post(format!("{}/__admin/reset", t.url))
        .header("x-admin-token", "from-file")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}
