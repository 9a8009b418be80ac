//! The one place the router is assembled. Every route answers in the Linkis envelope,
//! including unknown paths (404) and wrong methods (405).

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;

use crate::envelope::Envelope;
use crate::state::AppState;
use crate::{entrance, filesystem, history, user};

/// | prefix | module |
/// |---|---|
/// | `/api/rest_j/v1/user/*` | [`user`] (gateway: login, logout, userInfo, heartbeat, proxy, …) |
/// | `/api/rest_j/v1/entrance/*` and the seed's `/api/rest_j/entrance/*` | [`entrance`] |
/// | `/api/rest_j/v1/jobhistory/*` | [`history`] |
/// | `/api/rest_j/v1/filesystem/*` | [`filesystem`] |
pub fn app(state: AppState) -> Router {
    let part = |r: Router<AppState>| r.method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/api/rest_j/v1/user", part(user::router()))
        .nest("/api/rest_j/v1/entrance", part(entrance::router()))
        .nest("/api/rest_j/entrance", part(entrance::router()))
        .nest("/api/rest_j/v1/jobhistory", part(history::router()))
        .nest("/api/rest_j/v1/filesystem", part(filesystem::router()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(ensure_envelope))
        .layer(axum::middleware::from_fn(preflight))
        .layer(axum::middleware::map_response(cors))
        .with_state(state)
}

async fn not_found(OriginalUri(uri): OriginalUri, method: Method) -> Envelope {
    let path = uri.path().to_owned();
    if let Some(rest) = path.strip_prefix("/api/rest_j/")
        && let Some(version) = rest.split('/').next()
        && version.starts_with('v')
        && version != "v1"
        && version[1..].bytes().all(|b| b.is_ascii_digit())
    {
        return Envelope::error(
            Some(path.clone()),
            format!("The gatewayv1 not support version {version}."),
        );
    }
    Envelope::error(
        Some(path.clone()),
        format!("No handler found for {method} {path}(找不到对应的接口)"),
    )
    .with_http(StatusCode::NOT_FOUND)
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri, method: Method) -> Envelope {
    Envelope::error(
        Some(uri.path().to_owned()),
        format!("Request method '{method}' not supported(不支持的请求方法)"),
    )
    .with_http(StatusCode::METHOD_NOT_ALLOWED)
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

/// Whatever axum answers by itself (extractor rejections: body too large, bad percent-
/// encoding, …) becomes an envelope too, keeping its HTTP status.
async fn ensure_envelope(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
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
    let http = if status.is_success() {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    Envelope::error(Some(path), message)
        .with_http(http)
        .into_response()
}

/// CORS preflight: any `OPTIONS` request succeeds (the CORS headers are added by `cors`).
async fn preflight(req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return Envelope::ok(None, "OK").into_response();
    }
    next.run(req).await
}
