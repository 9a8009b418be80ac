//! The dashboard at `/__admin/` over real HTTP: served as a self-contained HTML page,
//! behind the admin guard (a foreign `Origin`, a non-loopback `Host` without a token, a
//! missing token where one is required), and the read-only overview it shows.

mod common;

use common::{DEMO_PAT, TestApp};
use engee_mock::Config;
use reqwest::header;

/// No `http://` or `https://` anywhere in the page (so no external `src`/`href`, no CDN),
/// and no protocol-relative `//host` load either.
fn assert_self_contained(html: &str) {
    for needle in ["http://", "https://", "src=\"//", "href=\"//", "url(//"] {
        assert!(!html.contains(needle), "the page contains {needle:?}");
    }
}

#[tokio::test]
async fn the_page_is_served_self_contained() {
    let app = TestApp::start().await;
    let r = app.http.get(app.url("/__admin/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html:.80}");
    assert!(html.contains("/__admin/engee/overview"), "the mock's view");
    assert!(!html.contains("/*SCRIPT*/") && !html.contains("__MOCK_VIEW__"));
    assert_self_contained(&html);
    // `/__admin` sends the browser to the page, a token in the query kept.
    for (from, to) in [
        ("/__admin", "/__admin/"),
        ("/__admin?token=abc", "/__admin/?token=abc"),
    ] {
        let r = app.http.get(app.url(from)).send().await.unwrap();
        assert_eq!(r.status(), 307, "{from}");
        assert_eq!(r.headers()[header::LOCATION], to, "{from}");
    }
}

#[tokio::test]
async fn the_page_is_behind_the_admin_guard() {
    let app = TestApp::start().await;
    let own = app.server.url();
    let r = app
        .http
        .get(app.url("/__admin/"))
        .header(header::ORIGIN, &own)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "its own origin");
    let r = app
        .http
        .get(app.url("/__admin/"))
        .header(header::ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "forbidden", "{body}");
    // DNS rebinding: no token, and a Host that is not a loopback name.
    let port = own.rsplit(':').next().unwrap();
    let r = app
        .http
        .get(app.url("/__admin/"))
        .header(header::HOST, format!("rebound.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn with_a_token_the_page_takes_it_from_the_query_and_nothing_else_does() {
    let mut config = Config::for_tests();
    config.admin.require_token = true;
    let app = TestApp::with_config(config).await;
    let token = app.server.admin_token().expect("a token").to_owned();
    let get = |path: String| app.http.get(app.url(&path)).send();
    assert_eq!(get("/__admin/".into()).await.unwrap().status(), 401);
    assert_eq!(
        get("/__admin/?token=wrong".into()).await.unwrap().status(),
        401
    );
    let r = get(format!("/__admin/?token={token}")).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = get(format!("/__admin?token={token}")).await.unwrap();
    assert_eq!(r.status(), 307);
    let r = app
        .http
        .get(app.url("/__admin/"))
        .header("x-admin-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Only the page, which a browser opens without headers, takes a token in the URL.
    for path in [
        "/__admin/state",
        "/__admin/requests",
        "/__admin/engee/overview",
    ] {
        let r = get(format!("{path}?token={token}")).await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn the_overview_lists_servers_and_jobs() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let r = app
        .http
        .get(app.url("/__admin/engee/overview"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let servers = body["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1, "{body}");
    assert_eq!(servers[0]["user"], "demo", "{body}");
    assert!(servers[0]["startingAt"].is_string(), "{body}");
    assert!(body["jobs"].as_array().unwrap().is_empty(), "{body}");
}
