//! The envelope on everything: unknown routes, wrong methods, bad bodies, other versions.
mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let r = c.get("/api/rest_j/v1/nothing/here").await;
    assert_eq!((r.http, r.status), (404, 1));
    assert_eq!(r.method, "/api/rest_j/v1/nothing/here");
    let r = c.get("/").await;
    assert_eq!(r.http, 404);
    let r = c.get("/entrance/submit").await;
    assert_eq!((r.http, r.status), (405, 1));
    assert!(r.message.contains("'GET' not supported"));
    assert_eq!(r.method, "/api/rest_j/v1/entrance/submit");
    let r = c.post("/entrance/x/status", json!({})).await;
    assert_eq!(r.http, 405);
    let r = c.get("/api/rest_j/v2/entrance/submit").await;
    assert_eq!(
        (r.http, r.status, r.message.as_str()),
        (400, 1, "The gatewayv1 not support version v2.")
    );
    let r = c.get("/user/whatever").await;
    assert_eq!(r.message, "unknown request URI whatever");
    let r = c.get("/user/register").await;
    assert_eq!(r.message, "请自行实现注册方法！");
    let r = c
        .send(c.http.request(
            reqwest::Method::OPTIONS,
            format!("{}/api/rest_j/v1/entrance/submit", t.url),
        ))
        .await;
    assert_eq!(r.http, 200);
    let r = c.get("/user/publicKey").await;
    assert_eq!(r.status, 0);
}

#[tokio::test]
async fn gateway_bodies_over_the_limit_get_413() {
    let t = T::fast().await;
    let c = t.client();
    let big = format!(
        "{{\"userName\":\"alice\",\"password\":\"alice\",\"pad\":\"{}\"}}",
        "x".repeat(3 * 1024 * 1024)
    );
    for path in ["/user/login", "/user/proxy"] {
        let r = c.post_raw(path, &big).await;
        assert_eq!((r.http, r.status), (413, 1), "{path}: {}", r.body);
        assert!(r.message.contains("too large"), "{path}: {}", r.body);
    }
    // just under the limit is an ordinary login
    let ok = format!(
        "{{\"userName\":\"alice\",\"password\":\"alice\",\"pad\":\"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let r = c.post_raw("/user/login", &ok).await;
    assert_eq!(r.status, 0, "{}", r.message);
}

#[tokio::test]
async fn method_is_the_endpoint_the_request_reached() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    let (exec, _) = c.submit("select 1", "sql").await;
    let r = c.get(&format!("/api/rest_j/entrance/{exec}/status")).await;
    assert_eq!(r.method, json!(format!("/api/entrance/{exec}/status")));
    let r = c.get("/jobhistory/list?pageSize=0").await;
    assert_eq!(
        (r.status, r.method.clone()),
        (1, json!("/api/jobhistory/list"))
    );
    let r = c.get("/filesystem/openFile?path=").await;
    assert_eq!(r.method, json!("/api/filesystem/openFile"));
    let r = c.get("/user/heartbeat").await;
    assert_eq!((r.status, r.method.clone()), (0, json!(null)));
    let r = t.client().get("/entrance/x/status").await;
    assert_eq!(
        (r.status, r.method.clone()),
        (-1, json!("/api/rest_j/v1/entrance/x/status"))
    );
    let r = c.get("/jobhistory/%FF/get").await;
    assert_eq!(r.status, 1, "{}", r.body);
}

#[tokio::test]
async fn bad_bodies_never_500() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    for body in [
        "",
        "null",
        "[]",
        "\"x\"",
        "{\"executionContent\": 5, \"labels\": {\"engineType\": \"spark\"}}",
        "{",
        "\u{0}",
    ] {
        let r = c.post_raw("/entrance/submit", body).await;
        assert_eq!(r.status, 1, "{body:?}");
        let r = c.post_raw("/entrance/execute", body).await;
        assert_eq!(r.status, 1, "{body:?}");
    }
    let r = c
        .send(
            c.http
                .post(format!("{}/api/rest_j/v1/entrance/submit", t.url))
                .body(vec![0xff, 0xfe]),
        )
        .await;
    assert_eq!(r.status, 1);
    // a body over axum's limit and a broken percent-encoding still get the envelope
    let big = "x".repeat(3 * 1024 * 1024);
    let r = c
        .send(
            c.http
                .post(format!("{}/api/rest_j/v1/entrance/submit", t.url))
                .body(big),
        )
        .await;
    assert_eq!((r.http, r.status), (413, 1));
    let r = c.get("/api/rest_j/v1/entrance/%FF%FE/status").await;
    assert_eq!(r.status, 1);
}

#[tokio::test]
async fn journal_records_requests() {
    let t = T::fast().await;
    let c = t.login("alice").await;
    c.get("/jobhistory/list").await;
    let j = t.server.control().journal.entries();
    assert!(
        j.iter()
            .any(|e| e.path == "/api/rest_j/v1/jobhistory/list" && e.status == 200)
    );
}
