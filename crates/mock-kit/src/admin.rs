//! The control plane every mock shares, under the reserved prefix `/__admin`:
//!
//! | route | what it does |
//! |---|---|
//! | `GET /__admin/health` | `{"status":"ok"}` once the server answers |
//! | `POST /__admin/reset` | forgets all state the mock built up (back to its config) |
//! | `GET /__admin/clock` | `{"now": ISO-8601, "frozen": bool}` |
//! | `POST /__admin/clock` | `{"advance_secs": n}`, `{"advance_ms": n}`, `{"set": ISO}`, `{"frozen": b}` |
//! | `GET /__admin/requests?method=&path=&status=&tenant=&since=` / `DELETE` | the request journal, filtered / clear it |
//! | `POST /__admin/requests/count` | `{"count": n}` of the entries a [`MatcherSpec`] selects |
//! | `GET /__admin/faults`, `POST`, `DELETE` | list, add a [`FaultRule`], clear |
//! | `GET /__admin/ready` | 200 `{"ready": true}` once the mock is ready, else 503 |
//! | `POST /__admin/seed` | applies a seed document wholly or not at all ([`Seeding`]) |
//! | `GET /__admin/state` | the mock's state as a seed document ([`Seeding`]) |
//! | `GET /__admin/` (`/__admin` redirects) | the dashboard page ([`crate::dashboard`]) |
//!
//! A mock adds its own admin routes (Engee's PATs) through [`Control::wrap`]; they get the
//! same treatment as the shared ones:
//!
//! - every admin route except `GET /__admin/health` goes through the guard of
//!   [`crate::access`]: the admin token where one is in force (401), no foreign `Origin`
//!   (403), `Content-Type: application/json` on `POST`/`PUT`/`PATCH` (415);
//! - admin routes are never journaled or faulted;
//! - every error (400/401/403/405/415) is answered in the mock's own [`ErrorFormat`].
//!
//! The clock moves within [`Clock::EARLIEST`]..=[`Clock::LATEST`]; a move outside is a 400
//! that names the limit and changes nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::access::{self, AdminAccess};
use crate::clock::{Clock, iso_millis};
use crate::entropy::Entropy;
use crate::errors::{ErrorFormat, Refusal};
use crate::faults::{FaultRule, Faults};
use crate::journal::{Journal, JournalConfig, MatcherSpec};

/// The reserved prefix of the admin API.
pub const ADMIN_PREFIX: &str = "/__admin";

/// A mock's seeding and inspection, behind `POST /__admin/seed` and `GET /__admin/state`.
///
/// Implement it over the mock's own domain code (no HTTP in it) and hand it to
/// [`Control::with_seeding`]. mock-kit only frames the calls: it parses nothing, runs
/// `seed` off the async threads (it may touch files or a database), holds readiness at
/// 503 while it runs and answers a refusal in the mock's [`ErrorFormat`].
pub trait Seeding: Send + Sync + 'static {
    /// Applies one seed document (the request body, JSON) wholly or not at all. A document
    /// that contradicts itself or the mock is a [`Refusal`] (400, saying what to fix) and
    /// changes nothing.
    fn seed(&self, document: &[u8]) -> Result<(), Refusal>;
    /// The mock's state in the schema `seed` takes: seeding it into a fresh mock of the
    /// same config reproduces it. A refusal here is the mock's fault (a 500: say what
    /// could not be read).
    fn state(&self) -> Result<serde_json::Value, Refusal>;
}

/// Whether the mock is ready: set once its configuration and seed file are applied, held
/// back while a seed or a reset runs (a counter, since several may overlap).
#[derive(Default)]
struct Readiness {
    started: AtomicBool,
    busy: AtomicUsize,
}

impl Readiness {
    fn is_ready(&self) -> bool {
        self.started.load(Ordering::Acquire) && self.busy.load(Ordering::Acquire) == 0
    }

    /// Not ready until the guard is dropped (also when the work in between panics).
    fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard(self.clone())
    }
}

struct BusyGuard(Arc<Readiness>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What a mock hands to the shared control plane.
#[derive(Clone)]
pub struct Control {
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    /// The rules from the config, which a reset brings back.
    configured_faults: Arc<Vec<FaultRule>>,
    reset: Arc<dyn Fn() + Send + Sync>,
    entropy: Entropy,
    errors: ErrorFormat,
    access: AdminAccess,
    seeding: Option<Arc<dyn Seeding>>,
    readiness: Arc<Readiness>,
    dashboard_view: Option<&'static str>,
}

impl Control {
    /// `reset` must bring the mock back to its configured initial state. The admin API
    /// starts open (loopback callers need no token) and answers errors as
    /// `{"error", "message"}` JSON until told otherwise.
    pub fn new(clock: Clock, reset: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            clock,
            journal: Journal::new(JournalConfig::default()),
            faults: Faults::default(),
            configured_faults: Arc::default(),
            reset: Arc::new(reset),
            entropy: Entropy::os(),
            errors: ErrorFormat::default(),
            access: AdminAccess::open(),
            seeding: None,
            readiness: Arc::default(),
            dashboard_view: None,
        }
    }

    /// Serves `POST /__admin/seed` and `GET /__admin/state` from `seeding`. Without it
    /// they answer 404.
    pub fn with_seeding(mut self, seeding: impl Seeding) -> Self {
        self.seeding = Some(Arc::new(seeding));
        self
    }

    /// A read-only admin route of the mock's own (`/__admin/engee/overview`) that the
    /// dashboard shows beside `GET /__admin/state`: what the state leaves out (running
    /// jobs, sessions, timestamps). It must answer a JSON object; each list in it is shown
    /// as a table.
    pub fn with_dashboard_view(mut self, path: &'static str) -> Self {
        self.dashboard_view = Some(path);
        self
    }

    pub(crate) fn dashboard_view(&self) -> Option<&'static str> {
        self.dashboard_view
    }

    /// Declares the mock ready (`GET /__admin/ready` answers 200 from now on, except
    /// while a seed or reset runs). Call it once the configuration and the seed file are
    /// applied.
    pub fn mark_ready(&self) {
        self.readiness.started.store(true, Ordering::Release);
    }

    /// Whether `GET /__admin/ready` would answer 200 now.
    pub fn is_ready(&self) -> bool {
        self.readiness.is_ready()
    }

    /// How injected faults and refused admin calls are answered, so they look like the
    /// mock's own API errors (the Linkis envelope, Engee's JSON errors) and clients parse
    /// them as such.
    pub fn with_errors(mut self, errors: ErrorFormat) -> Self {
        self.errors = errors;
        self
    }

    /// The journal's bounds (`[journal]` in the config).
    pub fn with_journal(mut self, config: JournalConfig) -> Self {
        self.journal = Journal::new(config);
        self
    }

    /// Fault rules in force from the start and again after every reset (`[[faults]]` in
    /// the config). An invalid rule is an error naming it and what to fix.
    pub fn with_faults(mut self, rules: Vec<FaultRule>) -> Result<Self, String> {
        self.faults.replace(rules.clone())?;
        self.configured_faults = Arc::new(rules);
        Ok(self)
    }

    /// The mock's entropy: the fault dice draw from it, and [`Control::reset`] restarts
    /// its sequence *before* the mock's own reset runs, so what that reset draws (Engee's
    /// new signing key) and every id after it repeat a fresh start's. Without this, the
    /// dice use OS randomness.
    pub fn with_entropy(mut self, entropy: Entropy) -> Self {
        self.faults.entropy = entropy.clone();
        self.entropy = entropy;
        self
    }

    /// Who may call the admin API (see [`AdminAccess::resolve`]).
    pub fn with_access(mut self, access: AdminAccess) -> Self {
        self.access = access;
        self
    }

    pub fn errors(&self) -> &ErrorFormat {
        &self.errors
    }

    pub fn access(&self) -> &AdminAccess {
        &self.access
    }

    /// Back to the configured state: the entropy's sequence restarted, the mock's own
    /// reset, the journal cleared and the configured faults in force again.
    pub fn reset(&self) {
        // The mock's reset re-applies its seed file: not ready until it is back.
        let _busy = self.readiness.busy();
        self.entropy.restart();
        (self.reset)();
        self.journal.clear();
        // Valid: they were checked when configured.
        let _ = self.faults.replace(self.configured_faults.to_vec());
    }

    /// Wraps `app` in the journal and fault layers and mounts the admin API under
    /// [`ADMIN_PREFIX`]: the shared routes plus the mock's own `admin_routes` (paths
    /// relative to the prefix, e.g. `/engee/pats`), all behind the admin guard.
    pub fn wrap(self, app: Router, admin_routes: Router) -> Router {
        let errors = self.errors.clone();
        let guarded = Router::new()
            // Nested, `/` is `/__admin` exactly; the page itself is mounted below.
            .route("/", get(crate::dashboard::redirect))
            .route("/ready", get(ready))
            .route("/seed", post(seed))
            .route("/state", get(state_get))
            .route("/reset", post(reset))
            .route("/clock", get(clock_get).post(clock_move))
            .route("/requests", get(requests_get).delete(requests_clear))
            .route("/requests/count", post(requests_count))
            .route(
                "/faults",
                get(faults_get).post(faults_add).delete(faults_clear),
            )
            .with_state(self.clone())
            .merge(admin_routes)
            .method_not_allowed_fallback(move |method: Method, uri: Uri| {
                let errors = errors.clone();
                async move {
                    errors.respond(&Refusal::new(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        format!("{method} is not allowed on {ADMIN_PREFIX}{}", uri.path()),
                    ))
                }
            })
            .layer(middleware::from_fn_with_state(
                (self.access.clone(), self.errors.clone()),
                access::guard,
            ));
        let admin = Router::new().route("/health", get(health)).merge(guarded);
        // `/__admin/` is not a path inside the nest (its `/` is `/__admin`), so the page is
        // a route of its own, behind the same guard. Added after the journal and fault
        // layers (not journaled, not faulted) with `route`: a `merge` here would drop the
        // layered fallback, and unrouted requests would go unjournaled.
        let page = get(crate::dashboard::page).with_state(self.clone()).layer(
            middleware::from_fn_with_state(
                (self.access.clone(), self.errors.clone()),
                access::guard,
            ),
        );
        // The state is cloned per request: an Arc keeps that one atomic increment.
        app.layer(middleware::from_fn_with_state(
            Arc::new(self),
            crate::observe::observe,
        ))
        .nest(ADMIN_PREFIX, admin)
        .route(&format!("{ADMIN_PREFIX}/"), page)
    }

    fn no_seeding(&self) -> Response {
        self.errors.respond(&Refusal::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "this mock has no seeding (Control::with_seeding)",
        ))
    }

    fn bad_request(&self, message: impl Into<String>) -> Response {
        self.errors.respond(&Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            message,
        ))
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn ready(State(control): State<Control>) -> Response {
    if control.is_ready() {
        Json(json!({"ready": true})).into_response()
    } else {
        control.errors.respond(&Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the mock is applying its configuration or a seed; ask again shortly",
        ))
    }
}

async fn seed(State(control): State<Control>, body: axum::body::Bytes) -> Response {
    let Some(seeding) = control.seeding.clone() else {
        return control.no_seeding();
    };
    let busy = control.readiness.busy();
    // A seed may write files or run SQL: off the async threads.
    let outcome = tokio::task::spawn_blocking(move || {
        let _busy = busy;
        seeding.seed(&body)
    })
    .await;
    match outcome {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(refusal)) => control.errors.respond(&refusal),
        Err(e) => control.errors.respond(&Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("the seed failed: {e}"),
        )),
    }
}

async fn state_get(State(control): State<Control>) -> Response {
    let Some(seeding) = control.seeding.clone() else {
        return control.no_seeding();
    };
    match tokio::task::spawn_blocking(move || seeding.state()).await {
        Ok(Ok(state)) => Json(state).into_response(),
        Ok(Err(refusal)) => control.errors.respond(&refusal),
        Err(e) => control.errors.respond(&Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("reading the state failed: {e}"),
        )),
    }
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

async fn clock_move(State(control): State<Control>, body: axum::body::Bytes) -> Response {
    let mv: ClockMove = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return control.bad_request(format!("invalid clock request: {e}")),
    };
    match plan_clock_move(&control.clock, &mv) {
        Err(message) => control.bad_request(message),
        Ok(plan) => {
            if let Some(f) = mv.frozen {
                control.clock.set_frozen(f);
            }
            let moved = match plan.set {
                Some(t) => control.clock.try_set(t),
                None => Ok(()),
            }
            .and_then(|()| control.clock.try_advance(plan.advance));
            match moved {
                Ok(()) => clock_json(&control.clock).into_response(),
                // Only a flowing clock a hair from the end can get here after the plan.
                Err(e) => control.bad_request(e.to_string()),
            }
        }
    }
}

/// A clock move checked in full before anything is applied, so a rejected request leaves
/// the clock as it was.
struct ClockPlan {
    set: Option<chrono::DateTime<chrono::Utc>>,
    advance: Duration,
}

fn plan_clock_move(clock: &Clock, mv: &ClockMove) -> Result<ClockPlan, String> {
    let set = match mv.set.as_deref().map(chrono::DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&chrono::Utc)),
        Some(Err(e)) => return Err(format!("`set` must be RFC 3339: {e}")),
    };
    let secs = match mv.advance_secs {
        None => Duration::ZERO,
        Some(s) if !s.is_finite() || s < 0.0 => {
            return Err("`advance_secs` must be a non-negative number".into());
        }
        Some(s) => Duration::try_from_secs_f64(s).map_err(|_| {
            format!(
                "`advance_secs` {s} is out of range: the clock cannot move past {}",
                iso_millis(Clock::LATEST)
            )
        })?,
    };
    let advance = secs + Duration::from_millis(mv.advance_ms.unwrap_or(0));
    let start = set.unwrap_or_else(|| clock.now());
    if let Some(t) = set
        && t < Clock::EARLIEST
    {
        return Err(crate::clock::ClockError::BeforeEarliest.to_string());
    }
    let end = chrono::Duration::from_std(advance)
        .ok()
        .and_then(|d| start.checked_add_signed(d))
        .filter(|t| *t <= Clock::LATEST);
    if end.is_none() {
        return Err(format!(
            "the clock cannot move past {} (the latest time the mock supports); this move \
             would take it from {} by {} s",
            iso_millis(Clock::LATEST),
            iso_millis(start.min(Clock::LATEST)),
            advance.as_secs_f64()
        ));
    }
    Ok(ClockPlan { set, advance })
}

async fn requests_get(
    State(control): State<Control>,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let matcher = query
        .map_err(|e| format!("invalid query string: {e}"))
        .and_then(|Query(pairs)| MatcherSpec::from_query(pairs))
        .and_then(MatcherSpec::compile);
    match matcher {
        Ok(m) => {
            let entries = control.journal.matching(&m);
            let entries: Vec<&crate::journal::JournalEntry> =
                entries.iter().map(|e| &**e).collect();
            Json(json!({"requests": entries})).into_response()
        }
        Err(message) => control.bad_request(message),
    }
}

async fn requests_count(State(control): State<Control>, body: axum::body::Bytes) -> Response {
    let matcher = serde_json::from_slice::<MatcherSpec>(&body)
        .map_err(|e| format!("invalid request matcher: {e}"))
        .and_then(MatcherSpec::compile);
    match matcher {
        Ok(m) => Json(json!({"count": control.journal.count(&m)})).into_response(),
        Err(message) => control.bad_request(message),
    }
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
        Err(e) => return control.bad_request(format!("invalid fault rule: {e}")),
    };
    match control.faults.add(rule) {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => control.bad_request(e),
    }
}

async fn faults_clear(State(control): State<Control>) -> StatusCode {
    control.faults.clear();
    StatusCode::NO_CONTENT
}
