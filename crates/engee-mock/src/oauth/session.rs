//! `GET /account/api/oauth2/session`: who the bearer token (access token or PAT) speaks for.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::auth::Bearer;
use crate::error::ApiError;
use crate::state::AppState;

/// SPEC shape: `{"sub","nickname","email"}`.
#[derive(Debug, Serialize)]
pub struct Session {
    pub sub: String,
    pub nickname: String,
    pub email: String,
}

#[utoipa::path(get, path = "/account/api/oauth2/session", tag = "oauth",
    responses(
        (status = 200, description = "Who the bearer token speaks for.", body = crate::openapi::Session),
        (status = 400, description = "A malformed `Authorization` header.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
    ))]
pub async fn session_get(
    State(state): State<AppState>,
    Bearer(principal): Bearer,
) -> Result<Json<Session>, ApiError> {
    let user = state
        .accounts
        .user(principal.user())
        .ok_or_else(|| ApiError::InvalidToken("the token's user no longer exists".into()))?;
    Ok(Json(Session {
        sub: user.sub(),
        nickname: user.nickname.clone(),
        email: user.email(),
    }))
}
