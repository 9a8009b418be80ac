//! The one place the router is assembled: every route of the mock in one table.

use axum::Router;
use axum::http::{Method, Uri};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{eval, files, oauth, server_api};

/// The user APIs, mounted under `/prod/user/{prefix}`. Each route's path and methods come
/// from its handler's `#[utoipa::path]`, so the OpenAPI document cannot drift from them.
fn user_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(eval::command_eval))
        .routes(routes!(eval::job_create))
        .routes(routes!(eval::job_list))
        .routes(routes!(eval::job_result))
        // The upload handler enforces `files.max_upload_bytes` itself while streaming.
        .routes(routes!(files::upload::upload_post))
        .routes(routes!(files::download::download_post))
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            oauth::authorize::authorize_get,
            oauth::authorize::authorize_post
        ))
        .routes(routes!(oauth::token::token_post))
        .routes(routes!(oauth::session::session_get))
        .routes(routes!(server_api::info_get))
        .routes(routes!(server_api::server_start))
        .routes(routes!(server_api::server_stop))
        .nest("/prod/user/{prefix}", user_api())
}

/// Engee's own admin routes (relative to `/__admin`).
fn admin_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(oauth::pats::pat_create))
        .routes(routes!(oauth::pats::pat_delete))
        .routes(routes!(crate::overview::overview_get))
}

/// The OpenAPI 3.1 document of everything the mock serves: the API, Engee's admin routes
/// and the shared admin API (served at `GET /__admin/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = api().split_for_parts();
    let (_, admin) = admin_api().split_for_parts();
    let mut doc = mock_kit::openapi::document(
        "engee-mock",
        "A mock of Engee's external HTTP API: OAuth, server lifecycle, eval, files, jobs.",
        api.nest("/__admin", admin),
    );
    // Everything but the OAuth endpoints a browser and a client use to get a token, and the
    // admin API (open on loopback; see the README for its token), wants a bearer token.
    mock_kit::openapi::require_auth(
        &mut doc,
        vec![(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An OAuth access token or a personal access token (PAT).",
                    ))
                    .build(),
            ),
        )],
        vec![SecurityRequirement::new("bearer", Vec::<String>::new())],
        |path| {
            path.starts_with("/account/api/engee/")
                || path.starts_with("/prod/user/")
                || path == "/account/api/oauth2/session"
        },
    );
    // utoipa has no "optional body" short of a nullable one, and `null` is refused.
    if let Some(utoipa::openapi::RefOr::T(body)) = doc
        .paths
        .paths
        .get_mut("/account/api/engee/start")
        .and_then(|item| item.post.as_mut())
        .and_then(|op| op.request_body.as_mut())
    {
        body.required = Some(utoipa::openapi::Required::False);
    }
    doc
}

pub fn app(state: AppState) -> Router {
    let (router, _) = api().split_for_parts();
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Engee's own admin routes, mounted under `/__admin` by [`mock_kit::Control::wrap`]
/// behind the shared admin guard (never journaled or faulted), with `openapi.json`.
pub fn admin(state: AppState) -> Router {
    let (router, _) = admin_api().split_for_parts();
    router
        .with_state(state)
        .merge(mock_kit::openapi::route(&openapi()))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no such endpoint: {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}
