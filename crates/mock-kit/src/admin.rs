//! The control plane every mock shares, under the reserved prefix `/__admin`:
//!
//! | route | what it does |
//! |---|---|
//! | `GET /__admin/health` | `{"status":"ok"}` once the server answers |
//! | `POST /__admin/reset` | forgets all state the mock built up (back to its config) |
//! | `GET /__admin/clock` | `{"now": ISO-8601, "frozen": bool}` |
//! | `POST /__admin/clock` | `{"advance_secs": n}`, `{"advance_ms": n}`, `{"set": ISO}`, `{"frozen": b}` |
//! | `GET /__admin/requests` / `DELETE` | the request journal / clear it |
//! | `GET /__admin/faults`, `POST`, `DELETE` | list, add a [`FaultRule`], clear |
//!
//! Admin routes are never journaled or faulted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::{Clock, iso_millis};
use crate::faults::{FaultRule, Faults};
use crate::journal::{Journal, JournalEntry};

/// The reserved prefix of the admin API.
pub const ADMIN_PREFIX: &str = "/__admin";

/// What a mock hands to the shared control plane.
#[derive(Clone)]
pub struct Control {
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    reset: Arc<dyn Fn() + Send + Sync>,
    fault_response: Arc<dyn Fn(StatusCode) -> Response + Send + Sync>,
}

impl Control {
    /// `reset` must bring the mock back to its configured initial state.
    pub fn new(clock: Clock, reset: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            clock,
            journal: Journal::new(1000),
            faults: Faults::default(),
            reset: Arc::new(reset),
            fault_response: Arc::new(|status| {
                (
                    status,
                    Json(json!({"error": "fault injected by the mock's admin API"})),
                )
                    .into_response()
            }),
        }
    }

    /// How an injected error status is answered, so faults look like the mock's own API
    /// errors (the Linkis envelope, Engee's JSON errors) and clients parse them as such.
    pub fn with_fault_response(
        mut self,
        respond: impl Fn(StatusCode) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.fault_response = Arc::new(respond);
        self
    }

    pub fn reset(&self) {
        (self.reset)();
        self.journal.clear();
        self.faults.clear();
    }

    /// Adds the admin routes and wraps `app` in the journal and fault layers.
    pub fn wrap(self, app: Router) -> Router {
        let admin = Router::new()
            .route("/health", get(health))
            .route("/reset", axum::routing::post(reset))
            .route("/clock", get(clock_get).post(clock_move))
            .route("/requests", get(requests_get).delete(requests_clear))
            .route(
                "/faults",
                get(faults_get).post(faults_add).delete(faults_clear),
            )
            .with_state(self.clone());
        app.layer(middleware::from_fn_with_state(self, observe))
            .nest(ADMIN_PREFIX, admin)
            // One structured log line per request (method, path, status, latency) at DEBUG;
            // `RUST_LOG=tower_http=debug` shows them.
            .layer(tower_http::trace::TraceLayer::new_for_http())
    }
}

async fn observe(State(control): State<Control>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let at = iso_millis(control.clock.now());
    let started = Instant::now();
    let fault = control.faults.decide(&method, &path);
    let response = match fault {
        Some(action) => {
            if !action.latency.is_zero() {
                tokio::time::sleep(action.latency).await;
            }
            if action.drop_connection {
                dropped_connection()
            } else if let Some(status) = action.status {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                (control.fault_response)(status)
            } else {
                next.run(req).await
            }
        }
        None => next.run(req).await,
    };
    control.journal.record(JournalEntry {
        at,
        method,
        path,
        query,
        status: response.status().as_u16(),
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    });
    response
}

/// A response whose body fails at once, so the server aborts the connection mid-response.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("connection dropped by fault rule"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-length", "1024")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn reset(State(control): State<Control>) -> StatusCode {
    control.reset();
    StatusCode::NO_CONTENT
}

fn clock_json(clock: &Clock) -> Json<serde_json::Value> {
    Json(json!({"now": iso_millis(clock.now()), "frozen": clock.is_frozen()}))
}

async fn clock_get(State(control): State<Control>) -> Json<serde_json::Value> {
    clock_json(&control.clock)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockMove {
    advance_secs: Option<f64>,
    advance_ms: Option<u64>,
    set: Option<String>,
    frozen: Option<bool>,
}

fn admin_error(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": message.into()})),
    )
        .into_response()
}

async fn clock_move(State(control): State<Control>, body: axum::body::Bytes) -> Response {
    let mv: ClockMove = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return admin_error(format!("invalid clock request: {e}")),
    };
    // Everything is checked before anything is applied, so a rejected request leaves the
    // clock as it was.
    let set = match mv.set.as_deref().map(chrono::DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&chrono::Utc)),
        Some(Err(e)) => return admin_error(format!("`set` must be RFC 3339: {e}")),
    };
    if let Some(secs) = mv.advance_secs
        && (!secs.is_finite() || secs < 0.0)
    {
        return admin_error("`advance_secs` must be a non-negative number");
    }
    if let Some(f) = mv.frozen {
        control.clock.set_frozen(f);
    }
    if let Some(t) = set {
        control.clock.set(t);
    }
    if let Some(secs) = mv.advance_secs {
        control
            .clock
            .advance(Duration::from_secs_f64(secs.min(1e12)));
    }
    if let Some(ms) = mv.advance_ms {
        control.clock.advance(Duration::from_millis(ms));
    }
    clock_json(&control.clock).into_response()
}

async fn requests_get(State(control): State<Control>) -> Json<serde_json::Value> {
    Json(json!({"requests": control.journal.entries()}))
}

async fn requests_clear(State(control): State<Control>) -> StatusCode {
    control.journal.clear();
    StatusCode::NO_CONTENT
}

async fn faults_get(State(control): State<Control>) -> Json<serde_json::Value> {
    Json(json!({"faults": control.faults.rules()}))
}

async fn faults_add(State(control): State<Control>, body: axum::body::Bytes) -> Response {
    let rule: FaultRule = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return admin_error(format!("invalid fault rule: {e}")),
    };
    match control.faults.add(rule) {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => admin_error(e),
    }
}

async fn faults_clear(State(control): State<Control>) -> StatusCode {
    control.faults.clear();
    StatusCode::NO_CONTENT
}
