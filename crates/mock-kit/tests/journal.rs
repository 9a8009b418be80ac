//! The request journal over HTTP: what was sent, filters, count, bounds.

mod common;

use std::time::Duration;

use common::{Tiny, alphabet};
use mock_kit::{AdminAccess, Clock, JournalConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn entries_show_headers_with_credentials_redacted_and_both_bodies() {
    let t = Tiny::open().await;
    let r = t
        .http
        .post(t.url("/echo?x=1"))
        .header("authorization", "Bearer s3cret-token")
        .header("cookie", "linkis_user_session_ticket_id_v1=s3cret-ticket")
        .header("token-code", "s3cret-code")
        .header("validation-code", "s3cret-validation")
        .header("x-admin-token", "s3cret-admin")
        .header("x-trace", "visible")
        .body("héllo body")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "héllo body");
    let entries = t.journal("").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], "/echo");
    assert_eq!(e["query"], "x=1");
    assert_eq!(e["tenant"], "default");
    assert_eq!(e["status"], 200);
    assert_eq!(e["at"], mock_kit::iso_millis(t.clock.now()));
    assert!(e["elapsed_ms"].as_f64().unwrap() >= 0.0);
    assert!(
        !e.to_string().contains("s3cret"),
        "a credential leaked: {e}"
    );
    for h in [
        "authorization",
        "cookie",
        "token-code",
        "validation-code",
        "x-admin-token",
    ] {
        assert_eq!(e["headers"][h], "[redacted]", "{h}");
    }
    assert_eq!(e["headers"]["x-trace"], "visible");
    let body = json!({"size": 11, "truncated": false, "base64": false, "data": "héllo body"});
    assert_eq!(e["body"], body);
    assert_eq!(e["response_body"], body);
    assert_eq!(e["user"], Value::Null);
}

#[tokio::test]
async fn binary_bodies_are_base64_and_long_uploads_stream_with_a_64_kib_prefix() {
    let t = Tiny::open().await;
    let r = t
        .http
        .post(t.url("/upload"))
        .body(vec![0u8, 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "3");
    // 3 MiB, sent as a stream of 64 KiB chunks: the handler reads it all, the journal keeps
    // the first 64 KiB.
    let chunks = (0..48).map(|_| Ok::<_, std::io::Error>(vec![b'z'; 64 * 1024]));
    let r = t
        .http
        .post(t.url("/upload"))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), (3 * 1024 * 1024).to_string());
    let entries = t.journal("path=/upload").await;
    assert_eq!(entries[0]["body"]["base64"], true);
    assert_eq!(entries[0]["body"]["data"], "AP/+");
    let big = &entries[1]["body"];
    assert_eq!(big["size"], 3 * 1024 * 1024);
    assert_eq!(big["truncated"], true);
    assert_eq!(big["data"].as_str().unwrap().len(), 64 * 1024);
}

#[tokio::test]
async fn multipart_uploads_are_listed_by_part() {
    let t = Tiny::open().await;
    let file = vec![7u8; 200_000];
    let form = reqwest::multipart::Form::new()
        .text("path", "/user/data/a.bin")
        .part(
            "file",
            reqwest::multipart::Part::bytes(file)
                .file_name("a.bin")
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    let r = t
        .http
        .post(t.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let entries = t.journal("").await;
    let body = &entries[0]["body"];
    assert_eq!(body["data"], Value::Null, "{body}");
    let parts = body["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{body}");
    assert_eq!(parts[0]["name"], "path");
    assert_eq!(parts[0]["value"], "/user/data/a.bin");
    assert_eq!(parts[1]["name"], "file");
    assert_eq!(parts[1]["filename"], "a.bin");
    assert_eq!(parts[1]["content_type"], "application/octet-stream");
    assert_eq!(parts[1]["size"], 200_000);
    // `body_contains` looks into part names, file names and text values.
    let (_, n) = t
        .post_json("/__admin/requests/count", json!({"body_contains": "a.bin"}))
        .await;
    assert_eq!(n, json!({"count": 1}));
}

#[tokio::test]
async fn streamed_downloads_arrive_whole_and_the_journal_keeps_4_kib() {
    let t = Tiny::open().await;
    let n = 1024 * 1024 + 5;
    let r = t
        .http
        .get(t.url(&format!("/bytes/{n}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), alphabet(n).as_slice());
    let entries = t.journal("").await;
    let shown = &entries[0]["response_body"];
    assert_eq!(shown["size"], n);
    assert_eq!(shown["truncated"], true);
    assert_eq!(
        shown["data"].as_str().unwrap().as_bytes(),
        &alphabet(n)[..4096]
    );
    assert_eq!(entries[0]["body"], Value::Null, "a GET has no body");
}

#[tokio::test]
async fn the_authenticated_user_is_journaled() {
    let t = Tiny::open().await;
    let r = t
        .http
        .get(t.url("/me"))
        .header("x-tiny-user", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    t.http.get(t.url("/me")).send().await.unwrap();
    let entries = t.journal("path=/me").await;
    assert_eq!(entries[0]["user"], "alice");
    assert_eq!(
        (entries[1]["user"].clone(), entries[1]["status"].clone()),
        (Value::Null, json!(401))
    );
}

#[tokio::test]
async fn filters_select_by_method_path_status_tenant_and_time() {
    let t = Tiny::open().await;
    t.http.get(t.url("/hello")).send().await.unwrap();
    t.http
        .post(t.url("/echo"))
        .body("one")
        .send()
        .await
        .unwrap();
    t.clock.advance(Duration::from_secs(60));
    let since = mock_kit::iso_millis(t.clock.now());
    t.http.get(t.url("/bytes/3")).send().await.unwrap();
    t.http.get(t.url("/me")).send().await.unwrap(); // 401
    t.http.get(t.url("/nowhere")).send().await.unwrap(); // 404

    let paths = |entries: Vec<Value>| -> Vec<String> {
        entries
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(paths(t.journal("method=post").await), ["/echo"]);
    assert_eq!(paths(t.journal("path=/bytes").await), ["/bytes/3"]);
    assert_eq!(paths(t.journal("path=/*e*o").await), ["/hello", "/echo"]);
    assert_eq!(paths(t.journal("status=401").await), ["/me"]);
    assert_eq!(paths(t.journal("status=4xx").await), ["/me", "/nowhere"]);
    assert_eq!(
        paths(
            t.journal(&format!("since={}", since.replace('+', "%2B")))
                .await
        ),
        ["/bytes/3", "/me", "/nowhere"]
    );
    assert_eq!(t.journal("tenant=default").await.len(), 5);
    assert_eq!(t.journal("tenant=t1").await.len(), 0);
    assert_eq!(
        paths(t.journal("method=GET&status=2xx").await),
        ["/hello", "/bytes/3"]
    );

    for (query, says) in [
        ("colour=red", "unknown filter `colour`"),
        ("status=abc", "`status`"),
        ("since=yesterday", "`since`"),
        ("path=hello", "`path` must start with `/`"),
    ] {
        let r = t
            .http
            .get(t.url(&format!("/__admin/requests?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["tiny_error"], "bad_request", "{body}");
        let message = body["tiny_message"].as_str().unwrap();
        assert!(message.contains(says), "{query}: {message}");
    }
}

#[tokio::test]
async fn count_verifies_how_often_a_client_sent_something() {
    let t = Tiny::open().await;
    for body in [
        "{\"command\":\"3 + 5\"}",
        "{\"command\":\"sleep(1)\"}",
        "{\"command\":\"3 + 5\"}",
    ] {
        t.http.post(t.url("/echo")).body(body).send().await.unwrap();
    }
    t.http.get(t.url("/hello")).send().await.unwrap();
    for (matcher, n) in [
        (json!({}), 4),
        (json!({"method": "POST", "path": "/echo"}), 3),
        (json!({"method": "POST", "body_contains": "3 + 5"}), 2),
        (json!({"body_contains": "sleep"}), 1),
        (json!({"path": "/hello", "status": 200}), 1),
        (json!({"status": "5xx"}), 0),
        (json!({"tenant": "default", "method": "GET"}), 1),
    ] {
        let (status, answer) = t
            .post_json("/__admin/requests/count", matcher.clone())
            .await;
        assert_eq!((status, answer), (200, json!({"count": n})), "{matcher}");
    }
    let (status, answer) = t
        .post_json("/__admin/requests/count", json!({"verb": "GET"}))
        .await;
    assert_eq!(status, 400);
    assert!(
        answer["tiny_message"]
            .as_str()
            .unwrap()
            .contains("unknown field `verb`"),
        "{answer}"
    );
    let r = t
        .http
        .post(t.url("/__admin/requests/count"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415, "the admin guard applies");
}

#[tokio::test]
async fn the_journal_drops_the_oldest_entries_by_bytes_and_by_count() {
    let by_bytes = JournalConfig {
        max_bytes: 50 * 1024,
        ..JournalConfig::default()
    };
    let t = Tiny::start_with(Clock::frozen_now(), AdminAccess::open(), |c| {
        c.with_journal(by_bytes)
    })
    .await;
    for i in 0..10 {
        let body = format!("{i}{}", "x".repeat(10 * 1024));
        t.http
            .post(t.url("/upload"))
            .body(body)
            .send()
            .await
            .unwrap();
    }
    let entries = t.journal("").await;
    // Each entry weighs a bit over 10 KiB: four fit in 50 KiB, the newest ones.
    let firsts: Vec<String> = entries
        .iter()
        .map(|e| e["body"]["data"].as_str().unwrap()[..1].to_owned())
        .collect();
    assert_eq!(firsts, ["6", "7", "8", "9"]);
    assert!(t.control.journal.bytes() <= 50 * 1024);

    let by_count = JournalConfig {
        max_entries: 3,
        ..JournalConfig::default()
    };
    let t = Tiny::start_with(Clock::frozen_now(), AdminAccess::open(), |c| {
        c.with_journal(by_count)
    })
    .await;
    for _ in 0..5 {
        t.http.get(t.url("/hello")).send().await.unwrap();
    }
    let seqs: Vec<u64> = t
        .journal("")
        .await
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5]);
}
