//! The one error type of engee-mock, answered in the format the client expects where it
//! arises:
//!
//! - Engee API errors: JSON `{"error": "<code>", "message": "<what to fix>"}` (MOCK-DEFINED
//!   shape; real Engee documents only the eval error shape);
//! - eval errors: the SPEC shape `{"result_code": "command_error", "error": {...}}`;
//! - bearer-token errors: RFC 6750 (`WWW-Authenticate: Bearer error="..."`);
//! - token-endpoint errors: RFC 6749 §5.2 `{"error", "error_description"}`.
//!
//! Handlers return `Result<_, ApiError>`; a 500 here means a bug in the mock.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// No bearer token at all: RFC 6750 §3.1 says the challenge then carries no error code.
    #[error("{0}")]
    MissingToken(String),
    /// RFC 6750 `invalid_token`: unknown or expired bearer token.
    #[error("{0}")]
    InvalidToken(String),
    /// RFC 6750 `invalid_request`: the credentials are malformed (e.g. two `Authorization`
    /// headers).
    #[error("{0}")]
    InvalidBearerRequest(String),
    /// RFC 6750 `insufficient_scope`: the token lacks the scope the API needs.
    #[error("token lacks the `{0}` scope")]
    InsufficientScope(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The user's Engee server is not running (its status is given).
    #[error("the Engee server is {0}; start it with POST /account/api/engee/start")]
    ServerNotRunning(&'static str),
    /// Julia code raised an exception (eval's SPEC error shape).
    #[error("{}", .0.short_description)]
    Command(julia_lite_error::CommandError),
    /// An RFC 6749 token-endpoint error.
    #[error("{error}: {description}")]
    OAuth {
        error: &'static str,
        description: String,
        /// Client authentication was attempted with HTTP Basic (RFC 6749 §5.2: answer with
        /// `WWW-Authenticate`).
        basic: bool,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

/// The eval error payload, kept independent of the evaluator's own type.
pub mod julia_lite_error {
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct CommandError {
        #[serde(rename = "type")]
        pub type_name: String,
        pub short_description: String,
        pub full_description: String,
    }
}

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::BadRequest(m.into())
    }
    pub fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        Self::OAuth {
            error,
            description: description.into(),
            basic: false,
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::Command(_) | Self::InvalidBearerRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::MissingToken(_) | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope(_) | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::ServerNotRunning(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::OAuth { error, .. } if *error == "invalid_client" => StatusCode::UNAUTHORIZED,
            Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::MissingToken(_) => "unauthorized",
            Self::InvalidToken(_) => "invalid_token",
            Self::InvalidBearerRequest(_) => "invalid_request",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::ServerNotRunning(_) => "server_not_running",
            Self::Command(_) => "command_error",
            Self::OAuth { error, .. } => error,
            Self::Internal(_) => "internal_error",
        }
    }
}

fn quote(s: &str) -> String {
    s.replace(['"', '\\'], "'")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(m) => tracing::error!(error = %m, "internal error"),
            _ => tracing::debug!(status = status.as_u16(), error = %self, "request refused"),
        }
        let mut response = match &self {
            Self::Command(e) => (
                status,
                Json(json!({"result_code": "command_error", "error": e})),
            )
                .into_response(),
            Self::OAuth {
                error, description, ..
            } => (
                status,
                Json(json!({"error": error, "error_description": description})),
            )
                .into_response(),
            Self::MissingToken(m) | Self::InvalidToken(m) | Self::InvalidBearerRequest(m) => (
                status,
                Json(json!({"error": self.code(), "error_description": m})),
            )
                .into_response(),
            Self::InsufficientScope(scope) => (
                status,
                Json(json!({"error": "insufficient_scope",
                    "error_description": format!("the token lacks the `{scope}` scope"),
                    "scope": scope})),
            )
                .into_response(),
            other => (
                status,
                Json(json!({"error": other.code(), "message": other.to_string()})),
            )
                .into_response(),
        };
        let headers = response.headers_mut();
        let www = match &self {
            Self::MissingToken(_) => Some("Bearer realm=\"engee\"".to_owned()),
            Self::InvalidToken(m) | Self::InvalidBearerRequest(m) => Some(format!(
                "Bearer realm=\"engee\", error=\"{}\", error_description=\"{}\"",
                self.code(),
                quote(m)
            )),
            Self::InsufficientScope(scope) => Some(format!(
                "Bearer realm=\"engee\", error=\"insufficient_scope\", scope=\"{scope}\""
            )),
            Self::OAuth { basic: true, .. } => Some("Basic realm=\"engee\"".to_owned()),
            _ => None,
        };
        if let Some(v) = www.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, v);
        }
        if matches!(self, Self::OAuth { .. }) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        }
        response
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        Self::Internal(e.to_string())
    }
}

/// `Json<T>` whose rejection answers in Engee's error format instead of axum's plain text.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "expected a JSON body with `Content-Type: application/json`".into(),
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::bad_request(format!("the body is not valid JSON: {}", e.body_text()))
        }
        JsonRejection::JsonDataError(e) => ApiError::bad_request(format!(
            "the JSON body has the wrong shape: {}",
            e.body_text()
        )),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the request body is larger than the mock accepts".into())
        }
        other => ApiError::bad_request(other.body_text()),
    }
}
