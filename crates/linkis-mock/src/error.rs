//! The crate's one error type. Domain modules return [`LinkisError`]; handlers turn it
//! into an [`Envelope`] with the `method` of the endpoint that failed.
//!
//! Which variant to use: a broken request → `Invalid` / `Coded` (status 1); unknown ids →
//! `NotFound` (status 1, the endpoint's upstream text); authentication → `NotLoggedIn`
//! (status -1, HTTP 401); permission → `Forbidden` (status 1 as upstream, unless stated).
//! What the HTTP layer itself refuses keeps its own HTTP status: `NoRoute` (404),
//! `WrongMethod` (405), `TooLarge` (413); a caught panic is `Internal` (status 1, as
//! upstream's `catchIt` answers any unexpected exception).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::envelope::{self, Envelope};

#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkisError {
    /// status -1 / HTTP 401.
    #[error("{0}")]
    NotLoggedIn(String),
    /// status 1 with a plain message.
    #[error("{0}")]
    Invalid(String),
    /// An upstream `ErrorException`: status 1, `error code(错误码): …` and `data.errorMsg`.
    #[error("error code(错误码): {code}, error message(错误信息): {desc}.")]
    Coded { code: i64, desc: String },
    /// Unknown id: status 1 with the endpoint's text.
    #[error("{0}")]
    NotFound(String),
    /// Not the owner: status 1 (upstream uses 1 for these, not 3).
    #[error("{0}")]
    Forbidden(String),
    /// No route for the path: status 1, HTTP 404.
    #[error("{0}")]
    NoRoute(String),
    /// The path exists but not for this HTTP method: status 1, HTTP 405.
    #[error("{0}")]
    WrongMethod(String),
    /// The request body is over the limit: status 1, HTTP 413.
    #[error("{0}")]
    TooLarge(String),
    /// A bug caught by the panic layer: status 1 with upstream's text for any unexpected
    /// exception.
    #[error("operation failed(操作失败)s！the reason(原因)：{0}")]
    Internal(String),
}

impl LinkisError {
    pub fn coded(code: i64, desc: impl Into<String>) -> Self {
        Self::Coded {
            code,
            desc: desc.into(),
        }
    }

    pub fn status(&self) -> i32 {
        match self {
            LinkisError::NotLoggedIn(_) => envelope::NOT_LOGGED_IN,
            _ => envelope::ERROR,
        }
    }

    /// The HTTP status when it does not simply mirror `status`.
    fn http(&self) -> Option<StatusCode> {
        match self {
            LinkisError::NoRoute(_) => Some(StatusCode::NOT_FOUND),
            LinkisError::WrongMethod(_) => Some(StatusCode::METHOD_NOT_ALLOWED),
            LinkisError::TooLarge(_) => Some(StatusCode::PAYLOAD_TOO_LARGE),
            _ => None,
        }
    }

    /// The envelope for this error, answered by the endpoint `method` (`None`: the
    /// endpoint the request reached).
    pub fn envelope(&self, method: Option<String>) -> Envelope {
        let mut env = Envelope::new(method, self.status(), self.to_string());
        env.http = self.http();
        match self {
            LinkisError::Coded { code, desc } => env.with(
                "errorMsg",
                json!({"level": 2, "errCode": code, "desc": desc, "ip": "127.0.0.1",
                       "port": 9104, "serviceKind": "linkis-mock"}),
            ),
            LinkisError::Internal(desc) => env.with(
                "errorMsg",
                json!({"level": 2, "errCode": 0, "desc": desc, "ip": "127.0.0.1",
                       "port": 9104, "serviceKind": "linkis-mock"}),
            ),
            _ => env,
        }
    }
}

impl IntoResponse for LinkisError {
    fn into_response(self) -> Response {
        self.envelope(None).into_response()
    }
}

pub type Result<T, E = LinkisError> = std::result::Result<T, E>;
