//! The route table: every endpoint the mock serves, in one place, and the layers that make
//! every answer an envelope — unknown paths (404), wrong methods (405), bodies over the
//! limit (413), caught panics — with `method` filled in from the request URI.

use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::envelope::{ENDPOINT, Envelope};
use crate::error::LinkisError;
use crate::profile::Profile;
use crate::state::AppState;
use crate::{entrance, filesystem, history, user};

/// Every service path starts with this (only `v1` exists upstream).
pub const V1: &str = "/api/rest_j/v1";

/// Every documented route: each one's path and methods come from its handler's
/// `#[utoipa::path]`, so the OpenAPI document cannot drift from the router.
fn api() -> OpenApiRouter<AppState> {
    let v1 = |path: &str| format!("{V1}{path}");
    // gateway: /user/* never needs authentication and answers any HTTP method; GET and
    // POST (what clients send) are documented, the others reach the same handler through
    // the method fallback (`any`).
    let router = OpenApiRouter::new()
        .routes(routes!(user::login))
        .route(&v1("/user/login"), any(user::login))
        .routes(routes!(user::logout))
        .route(&v1("/user/logout"), any(user::logout))
        .routes(routes!(user::user_info))
        .route(&v1("/user/userInfo"), any(user::user_info))
        .routes(routes!(user::heartbeat))
        .route(&v1("/user/heartbeat"), any(user::heartbeat))
        .routes(routes!(user::proxy))
        .route(&v1("/user/proxy"), any(user::proxy))
        .routes(routes!(user::token_login))
        .route(&v1("/user/token-login"), any(user::token_login))
        .routes(routes!(user::public_key))
        .route(&v1("/user/publicKey"), any(user::public_key))
        .routes(routes!(user::baseinfo))
        .route(&v1("/user/baseinfo"), any(user::baseinfo))
        .routes(routes!(user::register))
        .route(&v1("/user/register"), any(user::register))
        .routes(routes!(user::oauth_redirect))
        .route(&v1("/user/oauth-redirect"), any(user::oauth_redirect))
        .routes(routes!(user::oauth_login))
        .route(&v1("/user/oauth-login"), any(user::oauth_login))
        // not an endpoint: the gateway's answer for any other /user/* path (undocumented)
        .route(&v1("/user/{*rest}"), any(user::unknown))
        .routes(routes!(user::gateway_heartbeat))
        .route(&v1("/gateway/heartbeat"), any(user::gateway_heartbeat))
        // job history
        .routes(routes!(history::list))
        .routes(routes!(history::list_undone_tasks))
        .routes(routes!(history::list_undone))
        .routes(routes!(history::job_extra_info))
        .routes(routes!(history::diagnosis_query))
        .routes(routes!(history::governance))
        .routes(routes!(history::task_get))
        // result sets and logs as files
        .routes(routes!(filesystem::dir_file_trees))
        .routes(routes!(filesystem::open_file))
        .routes(routes!(filesystem::open_log))
        .routes(routes!(filesystem::is_exist));
    // the entrance, also under the seed's `/api/rest_j/entrance`
    router
        .nest(&v1("/entrance"), entrance_routes())
        .nest(UNVERSIONED_ENTRANCE, entrance_routes())
}

/// The seed's entrance prefix, without the version.
const UNVERSIONED_ENTRANCE: &str = "/api/rest_j/entrance";

pub fn app(state: AppState) -> Router {
    let (router, _) = api().split_for_parts();
    envelope_layers(router, state)
}

/// The mock's own admin routes (relative to `/__admin`).
fn admin_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(crate::overview::overview_get))
}

/// The mock's own admin routes, mounted under `/__admin` by [`mock_kit::Control::wrap`]
/// behind the shared admin guard (never journaled or faulted), with `openapi.json`.
pub fn admin(state: AppState) -> Router {
    let (router, _) = admin_api().split_for_parts();
    router
        .with_state(state)
        .merge(mock_kit::openapi::route(&openapi()))
}

/// The OpenAPI 3.1 document of everything the mock serves: the Linkis API and the shared
/// admin API (served at `GET /__admin/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = api().split_for_parts();
    let (_, admin) = admin_api().split_for_parts();
    let mut doc = mock_kit::openapi::document(
        "linkis-mock",
        "A mock of the Apache Linkis 1.x gateway and entrance REST API. Every answer is the \
         Envelope; its HTTP status mirrors the envelope's status.",
        api.nest("/__admin", admin),
    );
    let schemas = &mut doc.components.get_or_insert_default().schemas;
    schemas.extend(crate::openapi::schemas());
    // Every service wants a caller: the token headers, or the session cookie of a login.
    // The gateway's /user/* endpoints are open (they answer "not logged in" themselves).
    let header = |name: &str, what: &str| {
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(name, what)))
    };
    mock_kit::openapi::require_auth(
        &mut doc,
        vec![
            (
                "tokenCode",
                header(
                    "Token-Code",
                    "A token from linkis-mgs-gateway's token table.",
                ),
            ),
            (
                "tokenUser",
                header("Token-User", "The user the token acts for."),
            ),
            (
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    crate::auth::TICKET_COOKIE,
                    "The session cookie of POST /user/login.",
                ))),
            ),
        ],
        vec![
            SecurityRequirement::new("tokenCode", Vec::<String>::new())
                .add("tokenUser", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ],
        |path| path.starts_with("/api/") && !path.starts_with(&format!("{V1}/user/")),
    );
    // The entrance is documented under both prefixes; operation ids must be unique.
    for (path, item) in doc.paths.paths.iter_mut() {
        if path.starts_with(UNVERSIONED_ENTRANCE) {
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                if let Some(id) = &mut op.operation_id {
                    id.push_str("_unversioned");
                }
            }
        }
    }
    doc
}

/// What makes every answer an envelope: the 404/405 fallbacks, caught panics, axum's own
/// rejections, the `method` of the endpoint, CORS.
fn envelope_layers(router: Router<AppState>, state: AppState) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_envelope,
        ))
        .layer(axum::middleware::from_fn(ensure_envelope))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            endpoint_method,
        ))
        .layer(axum::middleware::from_fn(preflight))
        .layer(axum::middleware::map_response(cors))
        .with_state(state)
}

fn entrance_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(entrance::execute))
        .routes(routes!(entrance::submit))
        .routes(routes!(entrance::running_tasks))
        .routes(routes!(entrance::status))
        .routes(routes!(entrance::log))
        .routes(routes!(entrance::progress))
        .routes(routes!(entrance::progress_with_resource))
        // GET upstream, POST in the seed
        .routes(routes!(entrance::kill))
        .routes(routes!(entrance::kill_jobs))
        .routes(routes!(entrance::pause))
}

/// The envelope's `method` for a request path, as upstream writes it: the entrance its
/// own `/api/entrance/...` (the seed: `/api/rest_j/v1/entrance/...`), other services
/// `/api` + the path after `/api/rest_j/v1`, the gateway the full request URI.
pub fn method_for(profile: Profile, path: &str) -> String {
    let path = percent_decode(path);
    let rest = path
        .strip_prefix("/api/rest_j/v1/")
        .or_else(|| path.strip_prefix("/api/rest_j/"));
    let Some(rest) = rest else { return path };
    match rest.split('/').next() {
        Some("entrance") if profile == Profile::Ujes0x => format!("{V1}/{rest}"),
        Some("entrance" | "jobhistory" | "filesystem") => format!("/api/{rest}"),
        _ => path,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs the request with its endpoint's `method` in scope (see [`crate::envelope`]).
async fn endpoint_method(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let method = method_for(st.cfg.profile, req.uri().path());
    ENDPOINT.scope(method, next.run(req)).await
}

async fn not_found(OriginalUri(uri): OriginalUri, method: Method) -> Envelope {
    let path = uri.path().to_owned();
    if let Some(rest) = path.strip_prefix("/api/rest_j/")
        && let Some(version) = rest.split('/').next()
        && version.starts_with('v')
        && version != "v1"
        && version[1..].bytes().all(|b| b.is_ascii_digit())
    {
        return LinkisError::Invalid(format!("The gatewayv1 not support version {version}."))
            .envelope(Some(path));
    }
    LinkisError::NoRoute(format!(
        "No handler found for {method} {path}(找不到对应的接口)"
    ))
    .envelope(Some(path))
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri, method: Method) -> Envelope {
    LinkisError::WrongMethod(format!(
        "Request method '{method}' not supported(不支持的请求方法)"
    ))
    .envelope(Some(uri.path().to_owned()))
}

/// A handler that panicked: upstream's answer to an unexpected exception, never a 5xx
/// without a body.
fn panic_envelope(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let why = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panic".into());
    tracing::error!(reason = %why, "handler panicked");
    LinkisError::Internal(format!("linkis-mock internal error: {why}")).into_response()
}

async fn cors(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-credentials",
        HeaderValue::from_static("true"),
    );
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("authorization,Content-Type"),
    );
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("POST, GET, OPTIONS, PUT, HEAD, DELETE"),
    );
    resp
}

/// Whatever axum answers by itself (an extractor's rejection, e.g. a path parameter that
/// is not valid percent-encoded UTF-8) becomes an envelope too, keeping its HTTP status.
async fn ensure_envelope(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_owned();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let mut env = Envelope::error(None, message);
    if !status.is_success() && status.as_u16() != 400 {
        env = env.with_http(status);
    }
    env.into_response()
}

/// CORS preflight: any `OPTIONS` request succeeds (the CORS headers are added by `cors`).
async fn preflight(req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return Envelope::ok(None, "OK").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    #[test]
    fn methods_follow_upstream() {
        let m = |p, path| method_for(p, path);
        assert_eq!(
            m(Profile::Linkis1x, "/api/rest_j/v1/entrance/a%20b/status"),
            "/api/entrance/a b/status"
        );
        assert_eq!(
            m(Profile::Linkis1x, "/api/rest_j/entrance/submit"),
            "/api/entrance/submit"
        );
        assert_eq!(
            m(Profile::Ujes0x, "/api/rest_j/entrance/x/log"),
            "/api/rest_j/v1/entrance/x/log"
        );
        assert_eq!(
            m(Profile::Ujes0x, "/api/rest_j/v1/jobhistory/1/get"),
            "/api/jobhistory/1/get"
        );
        assert_eq!(
            m(Profile::Linkis1x, "/api/rest_j/v1/filesystem/openFile"),
            "/api/filesystem/openFile"
        );
        assert_eq!(
            m(Profile::Linkis1x, "/api/rest_j/v1/user/login"),
            "/api/rest_j/v1/user/login"
        );
        assert_eq!(m(Profile::Linkis1x, "/x%ZZ%e4%b8%ad"), "/x%ZZ中");
    }

    /// A handler that panics answers the envelope (status 1, upstream's text for an
    /// unexpected exception) with the endpoint's method, over real HTTP.
    #[tokio::test]
    async fn a_panic_is_an_envelope() {
        let state = AppState::new(crate::Config::testing()).unwrap();
        let router = Router::new().route(
            "/api/rest_j/v1/jobhistory/boom",
            get(|| async {
                if true {
                    panic!("boom");
                }
                "unreachable"
            }),
        );
        let app = envelope_layers(router, state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let resp = reqwest::get(format!("http://{addr}/api/rest_j/v1/jobhistory/boom"))
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400);
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["status"], 1, "{v}");
        assert_eq!(v["method"], "/api/jobhistory/boom", "{v}");
        let msg = v["message"].as_str().unwrap();
        assert!(
            msg.starts_with("operation failed(操作失败)s！the reason(原因)：")
                && msg.contains("boom"),
            "{v}"
        );
        assert_eq!(v["data"]["errorMsg"]["errCode"], 0, "{v}");
        server.abort();
    }
}
