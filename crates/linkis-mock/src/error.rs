//! The crate's one error type. Domain modules return [`LinkisError`]; handlers turn it
//! into an [`Envelope`] with the `method` of the endpoint that failed.
//!
//! Which variant to use: a broken request → `Invalid` / `Coded` (status 1); unknown ids →
//! `NotFound` (status 1, the endpoint's upstream text); authentication → `NotLoggedIn`
//! (status -1, HTTP 401); permission → `Forbidden` (status 1 as upstream, unless stated).

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

    /// The envelope for this error, answered by the endpoint `method`.
    pub fn envelope(&self, method: Option<String>) -> Envelope {
        let env = Envelope::new(method, self.status(), self.to_string());
        match self {
            LinkisError::Coded { code, desc } => env.with(
                "errorMsg",
                json!({"level": 2, "errCode": code, "desc": desc, "ip": "127.0.0.1",
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
