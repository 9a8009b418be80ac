//! The OpenAPI document: a snapshot of it, its completeness against what the router
//! really serves, and `GET /__admin/openapi.json` over HTTP.

mod common;

use common::T;
use linkis_mock::{AppState, Config, routes};
use mock_kit::openapi::{document_routes, router_routes};

/// Any change to the document shows up here for review (`cargo insta review`).
#[test]
fn document_snapshot() {
    insta::assert_json_snapshot!("linkis-openapi", routes::openapi());
}

/// Every (method, path) the finished router serves — the Linkis API and the shared admin
/// API — is documented, and nothing else is: a route added with a plain `.route(get(..))`
/// or a new admin route without a description fails here. (The gateway's `any` routes
/// answer other methods through the method fallback, which is not a listed method.)
#[test]
fn every_route_is_documented() {
    let state = AppState::new(Config::testing()).unwrap();
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
    assert!(served.len() >= 50, "{served:?}");
}

/// The served document is OpenAPI 3.1 JSON with the gateway, history, filesystem and both
/// entrance prefixes, every operation answering the one `Envelope` schema.
#[tokio::test]
async fn openapi_json_is_served() {
    let t = T::fast().await;
    let r = reqwest::get(format!("{}/__admin/openapi.json", t.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0", "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/rest_j/v1/user/login",
        "/api/rest_j/v1/jobhistory/{task_id}/get",
        "/api/rest_j/v1/filesystem/openFile",
        "/api/rest_j/v1/entrance/submit",
        "/api/rest_j/entrance/submit",
        "/api/rest_j/v1/entrance/{id}/status",
        "/__admin/requests",
        "/__admin/openapi.json",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing: {:?}",
            paths.keys()
        );
    }
    let envelope = &doc["components"]["schemas"]["Envelope"];
    assert_eq!(
        envelope["required"],
        serde_json::json!(["method", "status", "message", "data"]),
        "{envelope}"
    );
    let schema = |path: &str, code: &str| {
        let answer = &paths[path]["get"]["responses"][code];
        let name = answer["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{path} {code}: {answer}"))
            .trim_start_matches("#/components/schemas/")
            .to_owned();
        let schema = &doc["components"]["schemas"][&name];
        assert!(
            schema.is_object(),
            "{path} {code}: {name} is not in components"
        );
        name
    };
    let status = "/api/rest_j/v1/entrance/{id}/status";
    assert_eq!(schema(status, "default"), "Envelope");
    // a central success names the fields clients read from `data`
    assert_eq!(schema(status, "200"), "OkEnvelope_Status");
    let ok = &doc["components"]["schemas"]["OkEnvelope_Status"];
    assert_eq!(
        ok["properties"]["data"]["$ref"], "#/components/schemas/Status",
        "{ok}"
    );
    let data = &doc["components"]["schemas"]["Status"];
    assert_eq!(
        data["required"],
        serde_json::json!(["execID", "status"]),
        "{data}"
    );
    let governance = "/api/rest_j/v1/jobhistory/governanceStationAdmin";
    assert_eq!(schema(governance, "200"), "Envelope");
}
