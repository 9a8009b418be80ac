//! The Linkis `Message` envelope: `{"method", "status", "message", "data"}` on every
//! response, with the HTTP status mirroring `status`.
//!
//! `method` is filled in by one layer ([`crate::routes`]): it runs each request inside
//! [`ENDPOINT`], and an envelope without an explicit `method` takes that one when it is
//! turned into a response. Outside the layer (e.g. the admin API's faults) it stays null.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Envelope statuses.
pub const OK: i32 = 0;
pub const ERROR: i32 = 1;
pub const VALIDATION: i32 = 2;
pub const NO_PERMISSION: i32 = 3;
pub const WARNING: i32 = 4;
pub const NOT_LOGGED_IN: i32 = -1;

tokio::task_local! {
    /// The `method` of the endpoint the current request reached (set by the routes layer).
    pub static ENDPOINT: String;
}

/// One response. `data` is always an object.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `None`: the endpoint's method from [`ENDPOINT`] (null outside a request).
    pub method: Option<String>,
    /// Keeps `method` null even inside a request (the gateway's `/user/*` successes).
    pub null_method: bool,
    pub status: i32,
    pub message: String,
    pub data: Map<String, Value>,
    /// Overrides the HTTP status derived from `status` (unknown routes: 404/405).
    pub http: Option<StatusCode>,
    pub cookies: Vec<String>,
}

impl Envelope {
    pub fn new(method: Option<String>, status: i32, message: impl Into<String>) -> Self {
        Self {
            method,
            null_method: false,
            status,
            message: message.into(),
            data: Map::new(),
            http: None,
            cookies: Vec::new(),
        }
    }

    pub fn ok(method: Option<String>, message: impl Into<String>) -> Self {
        Self::new(method, OK, message)
    }

    pub fn error(method: Option<String>, message: impl Into<String>) -> Self {
        Self::new(method, ERROR, message)
    }

    /// Adds one `data` field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// Answers `"method": null`, as the gateway does for its own `/user/*` successes.
    pub fn without_method(mut self) -> Self {
        self.method = None;
        self.null_method = true;
        self
    }

    pub fn with_http(mut self, status: StatusCode) -> Self {
        self.http = Some(status);
        self
    }

    pub fn with_cookie(mut self, cookie: String) -> Self {
        self.cookies.push(cookie);
        self
    }

    /// The HTTP status Linkis sets for an envelope status.
    pub fn http_status(status: i32) -> StatusCode {
        match status {
            OK => StatusCode::OK,
            NOT_LOGGED_IN => StatusCode::UNAUTHORIZED,
            VALIDATION => StatusCode::PRECONDITION_FAILED,
            NO_PERMISSION => StatusCode::FORBIDDEN,
            WARNING => StatusCode::PARTIAL_CONTENT,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `method` this envelope answers with.
    pub fn resolved_method(&self) -> Option<String> {
        if self.null_method {
            return None;
        }
        self.method
            .clone()
            .or_else(|| ENDPOINT.try_with(String::clone).ok())
    }

    pub fn to_json(&self) -> Value {
        json!({
            "method": self.resolved_method(),
            "status": self.status,
            "message": self.message,
            "data": self.data,
        })
    }
}

impl IntoResponse for Envelope {
    fn into_response(self) -> Response {
        let status = self.http.unwrap_or_else(|| Self::http_status(self.status));
        let body = self.to_json().to_string();
        let mut resp = (status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        for c in &self.cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                headers.append(header::SET_COOKIE, v);
            }
        }
        resp
    }
}
