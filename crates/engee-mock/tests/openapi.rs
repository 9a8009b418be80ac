//! The OpenAPI document: a snapshot of it, its completeness against what the router
//! really serves, and `GET /__admin/openapi.json` over HTTP.

mod common;

use common::TestApp;
use engee_mock::files::FileStore;
use engee_mock::{AppState, Config, routes};
use mock_kit::openapi::{document_routes, router_routes};

/// Any change to the document shows up here for review (`cargo insta review`).
#[test]
fn document_snapshot() {
    insta::assert_json_snapshot!("engee-openapi", routes::openapi());
}

/// Every (method, path) the finished router serves — API, Engee's admin routes and the
/// shared admin API — is documented, and nothing else is: a route added with a plain
/// `.route(...)` or a new admin route without a description fails here.
#[test]
fn every_route_is_documented() {
    let state = AppState::new(Config::for_tests(), FileStore::temporary().unwrap());
    let control = mock_kit::Control::new(state.clock.clone(), || {});
    let router = control.wrap(routes::app(state.clone()), routes::admin(state));
    let served = router_routes(&router);
    let documented = document_routes(&routes::openapi());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not documented: {undocumented:?}\ndocumented but not served: {unserved:?}"
    );
    assert!(served.len() >= 20, "{served:?}");
}

/// The served document is OpenAPI 3.1 JSON with the mock's paths, the user API under its
/// `{prefix}` (declared as a path parameter) and the admin API.
#[tokio::test]
async fn openapi_json_is_served() {
    let app = TestApp::start().await;
    let r = app
        .http
        .get(app.url("/__admin/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0", "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/account/api/oauth2/token",
        "/account/api/engee/info",
        "/prod/user/{prefix}/external/command/eval",
        "/prod/user/{prefix}/external/file/upload",
        "/__admin/engee/pats/{token}",
        "/__admin/clock",
        "/__admin/openapi.json",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing: {:?}",
            paths.keys()
        );
    }
    let eval = &paths["/prod/user/{prefix}/external/command/eval"];
    assert_eq!(eval["parameters"][0]["name"], "prefix", "{eval}");
    assert_eq!(eval["parameters"][0]["in"], "path", "{eval}");
    assert!(eval["post"]["requestBody"].is_object(), "{eval}");
}

/// Found by schemathesis: `[null, null]` was taken for a start body (serde reads a struct
/// from a JSON array too) and started the server. The body is a JSON object or nothing.
#[tokio::test]
async fn start_refuses_a_json_body_that_is_not_an_object() {
    let app = TestApp::start().await;
    for body in ["[null, null]", "[]", "null", "3"] {
        let r = app
            .http
            .post(app.url("/account/api/engee/start"))
            .bearer_auth(common::DEMO_PAT)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let answer: serde_json::Value = r.json().await.unwrap();
        assert_eq!(answer["error"], "bad_request", "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("JSON object"),
            "{body}: {answer}"
        );
    }
    assert_eq!(app.info(common::DEMO_PAT).await["serverStatus"], "stopped");
}
