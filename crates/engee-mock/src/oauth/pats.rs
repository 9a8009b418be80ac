//! Admin API for personal access tokens:
//!
//! - `POST /__admin/engee/pats` `{"token"?: string, "user": nickname}` → 201 `{"token", "user"}`
//!   (a random token when absent). Created now on the mock's clock, so, as in Engee, it
//!   works for Engee APIs only from the user's next server start.
//! - `DELETE /__admin/engee/pats/{token}` → 204, or 404 when there is no such PAT.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPat {
    #[serde(default)]
    pub token: Option<String>,
    pub user: String,
}

#[derive(Debug, Serialize)]
pub struct CreatedPat {
    pub token: String,
    pub user: String,
}

#[utoipa::path(post, path = "/engee/pats", tag = "admin",
    request_body = crate::openapi::NewPat,
    responses(
        (status = 201, description = "The PAT exists now.", body = crate::openapi::CreatedPat),
        (status = 400, description = "No such user, or a malformed token or body.", body = crate::openapi::Error),
        (status = 409, description = "The token exists already.", body = crate::openapi::Error),
        (status = 415, description = "Not JSON.", body = crate::openapi::Error),
    ))]
pub async fn pat_create(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<NewPat>,
) -> Result<(StatusCode, Json<CreatedPat>), ApiError> {
    if state.accounts.user(&req.user).is_none() {
        return Err(ApiError::bad_request(format!(
            "no user with nickname {:?}",
            req.user
        )));
    }
    let token = match req.token {
        Some(t) if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err(ApiError::bad_request(
                "a PAT must be non-empty printable ASCII without spaces",
            ));
        }
        Some(t) => t,
        None => state.tokens.random_token("ep_"),
    };
    let now = state.clock.now();
    if !state
        .tokens
        .add_pat_if_new(token.clone(), req.user.clone(), now)
    {
        return Err(ApiError::Conflict("this token already exists".into()));
    }
    tracing::info!(user = %req.user, "PAT created via the admin API");
    Ok((
        StatusCode::CREATED,
        Json(CreatedPat {
            token,
            user: req.user,
        }),
    ))
}

#[utoipa::path(delete, path = "/engee/pats/{token}", tag = "admin",
    params(("token" = String, Path)),
    responses(
        (status = 204, description = "The PAT is gone."),
        (status = 404, description = "No such PAT.", body = crate::openapi::Error),
    ))]
pub async fn pat_delete(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.tokens.remove_pat(&token) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("no such personal access token".into()))
    }
}
