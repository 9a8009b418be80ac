//! Serving over real HTTP: the limits answered in the mock's format, the client address,
//! graceful shutdown.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::Tiny;
use serde_json::Value;

/// Sends `request` on a fresh connection and returns everything the server answers.
async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let request = request.to_vec();
    tokio::task::spawn_blocking(move || blocking_exchange(addr, &request))
        .await
        .unwrap()
}

fn blocking_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may answer (and close) before reading everything: ignore write errors.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_and_body(answer: &str) -> (u16, Value) {
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Issue 8.10: a huge query string got hyper's bare 414 with an empty body.
#[tokio::test]
async fn long_uris_get_414_in_the_mocks_format() {
    let t = Tiny::open().await;
    // 20 KB: past the mock's limit, answered by the service.
    let url = t.url(&format!("/hello?q={}", "a".repeat(20_000)));
    let r = t.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 414);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "uri_too_long", "{body}");
    assert!(
        body["tiny_message"].as_str().unwrap().contains("16384"),
        "{body}"
    );
    // 70 KB: past hyper's own limit (reqwest cannot even send it).
    let addr = t.server.addr();
    let huge = format!(
        "GET /hello?q={} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
        "a".repeat(70_000)
    );
    let (status, body) = status_and_body(&raw_exchange(addr, huge.as_bytes()).await);
    assert_eq!(status, 414);
    assert_eq!(body["tiny_error"], "uri_too_long", "{body}");
    let ok = t.url(&format!("/hello?q={}", "a".repeat(16_000)));
    assert_eq!(t.http.get(&ok).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn oversized_heads_and_malformed_requests_get_the_mocks_format() {
    let t = Tiny::open().await;
    let addr = t.server.addr();
    // Over 100 headers. (A head over 256 KiB gets the same answer, but the client may see
    // a reset instead: the mock closes with the rest of the head unread.)
    let mut many = format!("GET /hello HTTP/1.1\r\nHost: {addr}\r\n");
    for i in 0..150 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let (status, body) = status_and_body(&raw_exchange(addr, many.as_bytes()).await);
    assert_eq!(status, 431);
    assert_eq!(
        body["tiny_error"], "request_header_fields_too_large",
        "{body}"
    );
    let (status, body) =
        status_and_body(&raw_exchange(addr, b"GET /he llo HTTP/1.1\r\n\r\n").await);
    assert_eq!(status, 400);
    assert_eq!(body["tiny_error"], "bad_request", "{body}");
    // The server still serves.
    assert_eq!(
        t.http.get(t.url("/hello")).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn axum_body_limit_rejections_get_413_in_the_mocks_format() {
    let t = Tiny::open().await;
    let r = t
        .http
        .post(t.url("/echo"))
        .body("x".repeat(3 * 1024 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["tiny_error"], "payload_too_large", "{body}");
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    let t = Tiny::open().await;
    let who = t
        .http
        .get(t.url("/whoami"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(who.starts_with("127.0.0.1:"), "{who}");
}

#[tokio::test]
async fn shutdown_waits_for_in_flight_requests_and_then_refuses() {
    let t = Tiny::open().await;
    let url = t.url("/slow");
    let http = t.http.clone();
    let in_flight = tokio::spawn(async move { http.get(url).send().await.unwrap().text().await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let addr = t.server.addr();
    tokio::time::timeout(Duration::from_secs(5), t.server.shutdown())
        .await
        .expect("shutdown completes");
    assert_eq!(in_flight.await.unwrap().unwrap(), "done");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "no longer listening"
    );
}
