//! OpenAPI 3.1 documents for the mocks, served at `GET /__admin/openapi.json`.
//!
//! Each mock builds its API with [`utoipa_axum::router::OpenApiRouter`] and
//! [`utoipa_axum::routes!`]: a route's path and methods come from the handler's
//! `#[utoipa::path]` annotation, so the router and the document are made from the same
//! definition and cannot disagree. [`document`] adds the shared admin API described here
//! (this module documents [`crate::admin`]'s routes) and [`route`] serves the result.
//! [`require_auth`] marks the operations that need credentials.
//! [`router_routes`] lists what a finished router really serves, for the tests that keep
//! the document complete (a route added with plain `.route(...)` fails them).

use std::collections::{BTreeMap, BTreeSet};

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::security::{SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Info, RefOr, Required};

/// The shared admin API under `/__admin` (see [`crate::admin`]); `openapi.json` is served by
/// [`route`], merged into each mock's own admin routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        health,
        ready,
        seed,
        state,
        reset,
        clock_get,
        clock_move,
        requests_get,
        requests_clear,
        requests_count,
        faults_get,
        faults_add,
        faults_clear,
        openapi_json
    ),
    tags((name = "admin", description = "The mock's control plane under /__admin: state, seeding, clock, journal, faults."))
)]
struct AdminApi;

/// The dashboard's two paths, given in full: nested, `/` would be `/__admin` only.
#[derive(OpenApi)]
#[openapi(paths(dashboard_page, dashboard_redirect))]
struct DashboardApi;

/// The document of a mock: its own `api` (paths and schemas from its `OpenApiRouter`) plus
/// the shared admin API, titled, with every `{name}` in a path declared as a string path
/// parameter where the annotation did not (nested prefixes like Engee's `{prefix}`).
pub fn document(
    title: &str,
    description: &str,
    api: utoipa::openapi::OpenApi,
) -> utoipa::openapi::OpenApi {
    let mut doc = api.nest("/__admin", AdminApi::openapi());
    doc.merge(DashboardApi::openapi());
    let mut info = Info::new(title, env!("CARGO_PKG_VERSION"));
    info.description = Some(description.to_owned());
    doc.info = info;
    for (path, item) in doc.paths.paths.iter_mut() {
        declare_path_params(path, item);
    }
    doc
}

/// Declares the security `schemes` and requires `requirement` (any one of its entries) on
/// every operation whose path `applies`; the others stay open.
pub fn require_auth(
    doc: &mut utoipa::openapi::OpenApi,
    schemes: Vec<(&str, SecurityScheme)>,
    requirement: Vec<SecurityRequirement>,
    applies: impl Fn(&str) -> bool,
) {
    let components = doc.components.get_or_insert_default();
    for (name, scheme) in schemes {
        components
            .security_schemes
            .insert(name.to_owned(), RefOr::T(scheme));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        if applies(path) {
            for op in operations_mut(item).into_iter().flatten() {
                op.security = Some(requirement.clone());
            }
        }
    }
}

/// `GET /openapi.json` answering `doc`, to merge into the mock's admin routes (so it is
/// served at `/__admin/openapi.json`, behind the admin guard like every admin route).
pub fn route(doc: &utoipa::openapi::OpenApi) -> Router {
    let json = serde_json::to_value(doc).expect("an OpenAPI document serializes");
    Router::new().route("/openapi.json", get(move || async move { Json(json) }))
}

/// The `(METHOD, path)` pairs `router` serves, read from axum's `Debug` output (axum has no
/// other way to list routes). For drift tests only: compare them with a document's
/// operations. Panics if the output no longer has the shape this parser knows, so a
/// changed axum fails the test instead of passing it with nothing compared.
pub fn router_routes(router: &Router) -> BTreeSet<(String, String)> {
    let debug = format!("{router:?}");
    // Only the main path router: the fallback router numbers its routes from 0 too.
    let debug = debug
        .split_once("fallback_router:")
        .map_or(debug.as_str(), |(main, _)| main);
    // `paths: {RouteId(3): "/a", ...}` names each route id's path ...
    let mut paths = BTreeMap::new();
    for (at, _) in debug.match_indices("RouteId(") {
        let rest = &debug[at + "RouteId(".len()..];
        let Some((id, rest)) = rest.split_once(')') else {
            continue;
        };
        if let Some(rest) = rest.strip_prefix(": \"")
            && let Some((path, _)) = rest.split_once('"')
        {
            paths.insert(id.to_owned(), path.to_owned());
        }
    }
    // ... and `RouteId(3): MethodRouter(MethodRouter { get: BoxedHandler, head: None, ...`
    // which of its methods have a handler.
    let mut routes = BTreeSet::new();
    for (at, _) in debug.match_indices("RouteId(") {
        let rest = &debug[at + "RouteId(".len()..];
        let Some((id, rest)) = rest.split_once(')') else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(": MethodRouter(MethodRouter { ") else {
            continue;
        };
        let Some(path) = paths.get(id) else { continue };
        if path.contains("__private__axum") {
            continue;
        }
        let fields = rest.split(", fallback:").next().unwrap_or_default();
        for field in fields.split(", ") {
            if let Some((method, endpoint)) = field.split_once(": ")
                && !endpoint.starts_with("None")
                && method.bytes().all(|b| b.is_ascii_lowercase())
            {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(
        !routes.is_empty(),
        "no routes found in the router's Debug output; axum changed its format?"
    );
    routes
}

/// The `(METHOD, path)` pairs `doc` documents.
pub fn document_routes(doc: &utoipa::openapi::OpenApi) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in operations(item) {
            if op.is_some() {
                routes.insert((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

fn operations(item: &PathItem) -> [(&'static str, &Option<Operation>); 8] {
    [
        ("GET", &item.get),
        ("PUT", &item.put),
        ("POST", &item.post),
        ("DELETE", &item.delete),
        ("OPTIONS", &item.options),
        ("HEAD", &item.head),
        ("PATCH", &item.patch),
        ("TRACE", &item.trace),
    ]
}

fn operations_mut(item: &mut PathItem) -> [&mut Option<Operation>; 8] {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
}

fn declare_path_params(path: &str, item: &mut PathItem) {
    let declared: BTreeSet<String> = operations(item)
        .iter()
        .filter_map(|(_, op)| op.as_ref())
        .flat_map(|op| op.parameters.iter().flatten())
        .chain(item.parameters.iter().flatten())
        .filter_map(|p| match p {
            RefOr::T(p) if p.parameter_in == ParameterIn::Path => Some(p.name.clone()),
            _ => None,
        })
        .collect();
    for name in path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        if !declared.contains(name) {
            let param = ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(Object::with_type(Type::String)))
                .build();
            item.parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(param));
        }
    }
}

// ------------------------------------------------------------------ the shared admin API
// Bodies-only stand-ins for `crate::admin`'s handlers: that module's routes are the truth,
// and the drift tests of each mock compare them with this description.

/// `{"now": ISO-8601, "frozen": bool}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ClockState {
    /// The mock clock, RFC 3339 with milliseconds.
    now: String,
    frozen: bool,
}

/// One move of the clock; every field optional, checked in full before anything changes.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ClockMove {
    #[schema(minimum = 0)]
    advance_secs: Option<f64>,
    #[schema(minimum = 0)]
    advance_ms: Option<u64>,
    /// RFC 3339.
    set: Option<String>,
    frozen: Option<bool>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Health {
    status: String,
}

/// `{"requests": [...]}`: the journal, oldest first.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Requests {
    requests: Vec<serde_json::Value>,
}

/// The journal filters of `POST /__admin/requests/count` (all optional, all must match).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct RequestMatcher {
    /// Case-insensitive.
    method: Option<String>,
    /// A prefix, or a glob over the whole path when it contains `*`.
    path: Option<String>,
    /// A code (`503`) or a class (`5xx`).
    status: Option<String>,
    tenant: Option<String>,
    /// RFC 3339 on the mock's clock: entries that arrived at or after it.
    since: Option<String>,
    /// A substring of the captured request body.
    body_contains: Option<String>,
}

/// `{"count": n}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct RequestCount {
    count: u64,
}

/// `{"faults": [...]}`: the fault rules in the order they are tried.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct FaultList {
    faults: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/health", tag = "admin",
    responses((status = 200, description = "The server answers (never guarded).", body = Health)))]
#[allow(dead_code)]
fn health() {}

/// `{"ready": true}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Ready {
    ready: bool,
}

#[utoipa::path(get, path = "/ready", tag = "admin",
    responses(
        (status = 200, description = "The configuration and the seed file are applied, and no seed or reset is running.", body = Ready),
        (status = 503, description = "Not ready yet (a seed or reset is being applied), in the mock's error format."),
    ))]
#[allow(dead_code)]
fn ready() {}

#[utoipa::path(post, path = "/seed", tag = "admin",
    request_body(content = serde_json::Value, description = "A seed document in the mock's schema (see the README's \"Seeding and state\"); the same schema `GET /__admin/state` answers."),
    responses(
        (status = 204, description = "Everything in the document is applied."),
        (status = 400, description = "The document is malformed or contradicts itself or the mock, in the mock's error format; nothing is applied."),
        (status = 415, description = "Not `Content-Type: application/json` (the admin guard against cross-site requests), in the mock's error format."),
    ))]
#[allow(dead_code)]
fn seed() {}

#[utoipa::path(get, path = "/state", tag = "admin",
    responses((status = 200, description = "The mock's state as a seed document: seeding it into a fresh mock of the same config reproduces it.", body = serde_json::Value)))]
#[allow(dead_code)]
fn state() {}

#[utoipa::path(post, path = "/reset", tag = "admin",
    responses(
        (status = 204, description = "All state the mock built up is forgotten."),
        (status = 415, description = "Not `Content-Type: application/json` (the admin guard against cross-site requests), in the mock's error format."),
    ))]
#[allow(dead_code)]
fn reset() {}

#[utoipa::path(get, path = "/clock", tag = "admin",
    responses((status = 200, description = "The mock clock.", body = ClockState)))]
#[allow(dead_code)]
fn clock_get() {}

#[utoipa::path(post, path = "/clock", tag = "admin", request_body = ClockMove,
    responses(
        (status = 200, description = "The clock after the move.", body = ClockState),
        (status = 400, description = "A move outside the supported range or a malformed body, in the mock's error format; nothing changed."),
        (status = 415, description = "Not `Content-Type: application/json` (the admin guard against cross-site requests), in the mock's error format."),
    ))]
#[allow(dead_code)]
fn clock_move() {}

#[utoipa::path(get, path = "/requests", tag = "admin",
    params(
        ("method" = Option<String>, Query, description = "Case-insensitive method."),
        ("path" = Option<String>, Query, description = "A path prefix, or a glob over the whole path when it contains `*`."),
        ("status" = Option<String>, Query, description = "A code (`503`) or a class (`5xx`)."),
        ("tenant" = Option<String>, Query),
        ("since" = Option<String>, Query, description = "RFC 3339 on the mock's clock."),
        ("body_contains" = Option<String>, Query, description = "A substring of the captured request body."),
    ),
    responses(
        (status = 200, description = "The request journal, oldest first, filtered.", body = Requests),
        (status = 400, description = "An unknown filter or a bad value, in the mock's error format."),
    ))]
#[allow(dead_code)]
fn requests_get() {}

#[utoipa::path(delete, path = "/requests", tag = "admin",
    responses((status = 204, description = "The journal is empty.")))]
#[allow(dead_code)]
fn requests_clear() {}

#[utoipa::path(post, path = "/requests/count", tag = "admin", request_body = RequestMatcher,
    responses(
        (status = 200, description = "How many journal entries match.", body = RequestCount),
        (status = 400, description = "A malformed matcher, in the mock's error format."),
        (status = 415, description = "Not `Content-Type: application/json` (the admin guard against cross-site requests), in the mock's error format."),
    ))]
#[allow(dead_code)]
fn requests_count() {}

#[utoipa::path(get, path = "/faults", tag = "admin",
    responses((status = 200, description = "The fault rules.", body = FaultList)))]
#[allow(dead_code)]
fn faults_get() {}

#[utoipa::path(post, path = "/faults", tag = "admin",
    request_body(content = serde_json::Value, description = "A fault rule: `method`, `path` (prefix or glob; `path_prefix` is an older name), `tenant`, `user`, `probability`, `times`, and actions `latency_ms`, `status`, `drop_connection`, `cut_after_bytes`, `dribble` `{bytes, interval_ms}` or a `sequence` of steps."),
    responses(
        (status = 201, description = "The rule is added after the others."),
        (status = 400, description = "A malformed rule, in the mock's error format."),
        (status = 415, description = "Not `Content-Type: application/json` (the admin guard against cross-site requests), in the mock's error format."),
    ))]
#[allow(dead_code)]
fn faults_add() {}

#[utoipa::path(delete, path = "/faults", tag = "admin",
    responses((status = 204, description = "No fault rules remain.")))]
#[allow(dead_code)]
fn faults_clear() {}

#[utoipa::path(get, path = "/__admin/", tag = "admin",
    params(("token" = Option<String>, Query, description = "The admin token, for a browser that cannot send a header on a navigation; only this page takes it here. The page keeps it in sessionStorage and drops it from the address.")),
    responses(
        (status = 200, description = "The dashboard: one self-contained HTML page (no external assets) showing the mock's state, clock, faults and request journal, live; it calls the admin API like a script.", content_type = "text/html"),
        (status = 401, description = "An admin token is in force and was not sent, in the mock's error format."),
        (status = 403, description = "A foreign `Origin`, or a non-loopback `Host` without a token, in the mock's error format."),
    ))]
#[allow(dead_code)]
fn dashboard_page() {}

#[utoipa::path(get, path = "/__admin", tag = "admin",
    responses((status = 307, description = "To `/__admin/`, the query string kept.")))]
#[allow(dead_code)]
fn dashboard_redirect() {}

#[utoipa::path(get, path = "/openapi.json", tag = "admin",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = serde_json::Value)))]
#[allow(dead_code)]
fn openapi_json() {}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;

    #[utoipa::path(get, path = "/items/{id}", responses((status = 200)))]
    async fn item() {}

    /// What the drift tests rely on: a documented route is in both lists, a route added
    /// with a plain `.route` only in the router's; nested and layered routes keep their
    /// full paths; a `{name}` the annotation left out is declared.
    #[test]
    fn router_and_document_routes() {
        let (documented, api) = utoipa_axum::router::OpenApiRouter::<()>::new()
            .routes(utoipa_axum::routes!(item))
            .split_for_parts();
        let nested = Router::new().nest("/v1/{tenant}", documented);
        let router = Router::new()
            .merge(nested)
            .route("/undocumented", post(|| async {}))
            .layer(axum::middleware::map_request(
                |r: axum::extract::Request| async { r },
            ));
        let doc = document("t", "d", api);
        let served = router_routes(&router);
        let pair = |m: &str, p: &str| (m.to_owned(), p.to_owned());
        assert!(
            served.contains(&pair("POST", "/undocumented")),
            "{served:?}"
        );
        assert!(
            served.contains(&pair("GET", "/v1/{tenant}/items/{id}")),
            "{served:?}"
        );
        let listed = document_routes(&doc);
        assert!(listed.contains(&pair("GET", "/items/{id}")), "{listed:?}");
        assert!(
            listed.contains(&pair("GET", "/__admin/clock")),
            "{listed:?}"
        );
        assert!(
            !listed.contains(&pair("POST", "/undocumented")),
            "{listed:?}"
        );
    }

    #[test]
    fn undeclared_path_params_are_declared() {
        let (_, api) = utoipa_axum::router::OpenApiRouter::<()>::new()
            .nest(
                "/t/{tenant}",
                utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(item)),
            )
            .split_for_parts();
        let doc = document("t", "d", api);
        let json = serde_json::to_value(&doc).unwrap();
        let item = &json["paths"]["/t/{tenant}/items/{id}"];
        let names: Vec<_> = item["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].clone(), p["in"].clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("tenant".into(), "path".into()),
                ("id".into(), "path".into())
            ],
            "{item}"
        );
    }
}
