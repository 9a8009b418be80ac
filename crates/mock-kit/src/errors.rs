//! How a mock answers the errors mock-kit produces by itself: injected faults, refused
//! admin calls (400/401/403/415) and requests over the transport limits (413/414/431).
//!
//! Each mock supplies one [`ErrorFormat`], so these answers look like the mock's own API
//! errors (Engee's `{"error", "message"}` JSON, the Linkis envelope) and clients parse
//! them as such.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One error mock-kit answers by itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    /// A stable machine-readable code: `fault_injected`, `bad_request`,
    /// `admin_token_required`, `forbidden`, `unsupported_media_type`, `payload_too_large`,
    /// `uri_too_long`, `request_header_fields_too_large`, `method_not_allowed`.
    pub code: &'static str,
    /// What happened and what to do about it, for a human.
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

/// Renders a [`Refusal`] in a mock's own error format. Cheap to clone.
#[derive(Clone)]
pub struct ErrorFormat(Arc<dyn Fn(&Refusal) -> Response + Send + Sync>);

impl ErrorFormat {
    pub fn new(render: impl Fn(&Refusal) -> Response + Send + Sync + 'static) -> Self {
        Self(Arc::new(render))
    }

    pub fn respond(&self, refusal: &Refusal) -> Response {
        let mut response = (self.0)(refusal);
        // The status is the refusal's whatever the renderer chose: callers rely on it.
        *response.status_mut() = refusal.status;
        response
    }
}

impl Default for ErrorFormat {
    /// `{"error": code, "message": message}` JSON.
    fn default() -> Self {
        Self::new(|r| {
            (
                r.status,
                Json(json!({"error": r.code, "message": r.message})),
            )
                .into_response()
        })
    }
}

impl std::fmt::Debug for ErrorFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErrorFormat(..)")
    }
}
