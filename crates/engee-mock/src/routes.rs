//! The one place the router is assembled: every route of the mock in one table.

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::{delete, get, post};

use crate::error::ApiError;
use crate::state::AppState;
use crate::{eval, files, oauth, server_api};

/// The user APIs, mounted under `/prod/user/{prefix}`.
fn user_api() -> Router<AppState> {
    Router::new()
        .route("/external/command/eval", post(eval::command_eval))
        .route("/external/command/jobs/create", post(eval::job_create))
        .route("/external/command/jobs/list", get(eval::job_list))
        .route(
            "/external/command/jobs/{job_id}/result",
            get(eval::job_result),
        )
        // The upload handler enforces `files.max_upload_bytes` itself while streaming.
        .route("/external/file/upload", post(files::upload_post))
        .route("/external/file/download", post(files::download_post))
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/account/authorize",
            get(oauth::authorize_get).post(oauth::authorize_post),
        )
        .route("/account/api/oauth2/token", post(oauth::token_post))
        .route("/account/api/oauth2/session", get(oauth::session_get))
        .route("/account/api/engee/info", get(server_api::info_get))
        .route("/account/api/engee/start", post(server_api::server_start))
        .route("/account/api/engee/stop", delete(server_api::server_stop))
        .nest("/prod/user/{prefix}", user_api())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Engee's own admin routes, mounted under `/__admin` by [`mock_kit::Control::wrap`]
/// behind the shared admin guard (never journaled or faulted).
pub fn admin(state: AppState) -> Router {
    Router::new()
        .route("/engee/pats", post(oauth::pat_create))
        .route("/engee/pats/{token}", delete(oauth::pat_delete))
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no such endpoint: {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}
