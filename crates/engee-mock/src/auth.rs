//! Bearer-token extractors. Their rejections are [`ApiError`]s, so a missing or expired
//! token answers in RFC 6750's format wherever it happens.

use axum::extract::{FromRequestParts, Path};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::config::User;
use crate::error::ApiError;
use crate::lifecycle::{Session, Status};
use crate::state::AppState;
use crate::tokens::{Principal, TokenRejection};

/// The scope every Engee API (server management and user APIs) requires.
pub const ENGEE_SCOPE: &str = "engee";

/// Any valid bearer token (access token or PAT).
pub struct Bearer(pub Principal);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
        let header = headers.next().ok_or_else(|| {
            ApiError::MissingToken("missing `Authorization: Bearer <token>` header".into())
        })?;
        if headers.next().is_some() {
            return Err(ApiError::InvalidBearerRequest(
                "the request has more than one Authorization header; send exactly one".into(),
            ));
        }
        let value = header
            .to_str()
            .map_err(|_| ApiError::InvalidToken("the Authorization header is not ASCII".into()))?;
        // RFC 6750 §2.1 / RFC 7235: the scheme name is case-insensitive.
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::InvalidToken("the Authorization header must be `Bearer <token>`".into())
            })?;
        match state.tokens.authenticate(token, state.clock.now()) {
            Ok(p) => {
                // For the request journal and user-matched faults.
                mock_kit::AuthenticatedUser::record(&parts.extensions, p.user());
                Ok(Self(p))
            }
            Err(TokenRejection::Expired) => {
                tracing::info!("expired access token presented");
                Err(ApiError::InvalidToken("the access token expired".into()))
            }
            Err(TokenRejection::Unknown) => {
                tracing::info!("unknown bearer token presented");
                Err(ApiError::InvalidToken("unknown access token".into()))
            }
        }
    }
}

/// A token allowed to call the Engee APIs (it has the `engee` scope).
pub struct EngeeUser {
    pub principal: Principal,
    pub user: User,
}

impl FromRequestParts<AppState> for EngeeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Bearer(principal) = Bearer::from_request_parts(parts, state).await?;
        if !principal.has_scope(ENGEE_SCOPE) {
            return Err(ApiError::InsufficientScope(ENGEE_SCOPE));
        }
        let user = state
            .accounts
            .user(principal.user())
            .ok_or_else(|| ApiError::InvalidToken("the token's user no longer exists".into()))?;
        Ok(Self { principal, user })
    }
}

/// A call under `/prod/user/<license>-<nickname>/`: the caller owns the prefix and the
/// server runs. Checked in this order: token (401), prefix exists (404), owner (403),
/// scope (403), server running (503). Every such call counts as activity.
pub struct RunningServer {
    pub user: User,
    pub session: Session,
}

impl FromRequestParts<AppState> for RunningServer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Bearer(principal) = Bearer::from_request_parts(parts, state).await?;
        let Path(params): Path<std::collections::HashMap<String, String>> =
            Path::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let prefix = params.get("prefix").map(String::as_str).unwrap_or_default();
        let owner = state
            .accounts
            .snapshot()
            .user_at(prefix)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("no Engee user at /prod/user/{prefix}/")))?;
        if owner.nickname != principal.user() {
            return Err(ApiError::Forbidden(format!(
                "this token belongs to another user and may not use /prod/user/{prefix}/"
            )));
        }
        if !principal.has_scope(ENGEE_SCOPE) {
            return Err(ApiError::InsufficientScope(ENGEE_SCOPE));
        }
        let now = state.clock.now();
        let rec = state.servers.get(&owner.nickname, now);
        let session = match (rec.status, rec.session) {
            (Status::Running, Some(s)) => s,
            (status, _) => return Err(ApiError::ServerNotRunning(status.as_str())),
        };
        if let Principal::Pat { created_at, .. } = principal
            && created_at >= session.started_at
        {
            return Err(ApiError::InvalidToken(
                "this personal access token was created after the Engee server started; \
                 it takes effect from the next start"
                    .into(),
            ));
        }
        state.servers.touch(&owner.nickname, now);
        Ok(Self {
            user: owner,
            session,
        })
    }
}
