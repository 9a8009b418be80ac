//! The dashboard at `/__admin/` over real HTTP: served as a self-contained HTML page,
//! behind the admin guard (a foreign `Origin`, a non-loopback `Host` without a token, a
//! missing token where one is required), and the read-only overview it shows.

mod common;

use common::T;
use linkis_mock::Config;
use reqwest::header;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_page_is_served_self_contained() {
    let t = T::fast().await;
    let r = http()
        .get(format!("{}/__admin/", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("/__admin/linkis/overview"), "the mock's view");
    // No external loads: no absolute or protocol-relative URL anywhere in the page.
    for needle in ["http://", "https://", "src=\"//", "href=\"//", "url(//"] {
        assert!(!html.contains(needle), "the page contains {needle:?}");
    }
    let r = http()
        .get(format!("{}/__admin", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(r.headers()[header::LOCATION], "/__admin/");
}

#[tokio::test]
async fn the_page_is_behind_the_admin_guard() {
    let t = T::fast().await;
    let page = format!("{}/__admin/", t.url);
    let r = http()
        .get(&page)
        .header(header::ORIGIN, &t.url)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "its own origin");
    let r = http()
        .get(&page)
        .header(header::ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], 3, "the Linkis envelope: {body}");
    let port = t.url.rsplit(':').next().unwrap();
    let r = http()
        .get(&page)
        .header(header::HOST, format!("rebound.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no token, not a loopback Host");
}

#[tokio::test]
async fn with_a_token_the_page_takes_it_from_the_query_and_nothing_else_does() {
    let mut cfg = Config::testing();
    cfg.admin.require_token = true;
    let t = T::start(cfg).await;
    let token = t.server.admin_token().expect("a token").to_owned();
    let status = |path: String| {
        let url = format!("{}{path}", t.url);
        async move { http().get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/__admin/".into()).await, 401);
    assert_eq!(status(format!("/__admin/?token={token}")).await, 200);
    assert_eq!(
        status(format!("/__admin/linkis/overview?token={token}")).await,
        401
    );
}

#[tokio::test]
async fn the_overview_lists_sessions_and_jobs_with_progress_and_log() {
    let t = T::fast().await;
    let c = t.login("hadoop").await;
    let (exec, task) = c.submit("select 1 as one", "sql").await;
    let r = http()
        .get(format!("{}/__admin/linkis/overview", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{body}");
    assert_eq!(sessions[0]["user"], "hadoop", "{body}");
    assert!(
        !body.to_string().contains("ticket"),
        "no tickets: they are credentials"
    );
    let jobs = body["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{body}");
    assert_eq!(jobs[0]["task_id"], task, "{body}");
    assert_eq!(jobs[0]["exec_id"], exec.as_str(), "{body}");
    assert!(jobs[0]["progress"].is_number(), "{body}");
    assert!(jobs[0]["log_tail"].is_string(), "{body}");
}
