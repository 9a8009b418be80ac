//! `external/command/eval` and the async-job endpoints, on julia-lite.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::RunningServer;
use crate::error::julia_lite_error::CommandError;
use crate::error::{ApiError, ApiJson};
use crate::files::FileStore;
use crate::jobs::{CreateError, JobOutcome};
use crate::lifecycle::Session;
use crate::state::AppState;

/// What julia-lite sees of the mock: its clock and the user's `/user` store.
///
/// The code's view of time: a `sleep` ends at the instant it fell due, even when the
/// mock's clock jumped past it (`advance`), so `time()` after `sleep(60)` reads 60 s
/// later, not whatever the jump made it. The view then runs `behind` the mock's clock.
struct MockHost {
    clock: mock_kit::Clock,
    files: FileStore,
    prefix: String,
    servers: crate::lifecycle::Servers,
    user: String,
    session: Session,
    behind: Arc<Mutex<chrono::Duration>>,
}

impl MockHost {
    fn new(state: &AppState, session: &Session, user: &str, prefix: String) -> Self {
        Self {
            clock: state.clock.clone(),
            files: state.files.clone(),
            prefix,
            servers: state.servers.clone(),
            user: user.to_owned(),
            session: session.clone(),
            behind: Arc::default(),
        }
    }

    /// The instant the code's view of the clock reads.
    fn view(&self) -> DateTime<Utc> {
        let now = self.clock.now();
        now.checked_sub_signed(*lock(&self.behind)).unwrap_or(now)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl julia_lite::Host for MockHost {
    fn sleep(
        &self,
        d: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        let clock = self.clock.clone();
        let behind = self.behind.clone();
        let servers = self.servers.clone();
        let user = self.user.clone();
        let session = self.session.clone();
        let start = self.view();
        let due = chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| start.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Box::pin(async move {
            // A due instant the mock's clock has passed already ends the sleep at once:
            // the code catches up with the clock.
            clock.sleep_until(due).await;
            // Apply the lifecycle transitions the jump went past: a stop that fell due
            // before the sleep did interrupts the code (the session's `ended` fires).
            servers.get(&user, clock.now());
            if session.stopped_at.get().is_some_and(|t| *t <= due) {
                std::future::pending::<()>().await;
            }
            *lock(&behind) = (clock.now() - due).max(chrono::Duration::zero());
        })
    }
    fn now(&self) -> f64 {
        let now = self.view();
        now.timestamp() as f64 + f64::from(now.timestamp_subsec_micros()) / 1e6
    }
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files.read_file(&self.prefix, path)
    }
    fn write_file(&self, path: &str, data: &[u8]) -> Result<(), String> {
        self.files.write_file(&self.prefix, path, data)
    }
    fn trace_frames(&self) -> &'static [(&'static str, &'static str)] {
        SERVER_FRAMES
    }
}

/// The frames of Engee's eval server that follow the user's frames in every stack trace
/// (from the documented example, Julia 1.9.3).
const SERVER_FRAMES: &[(&str, &str)] = &[
    ("eval(m::Module, e::Any)", "Core ./boot.jl:370"),
    ("top-level scope", "none:4"),
    ("eval", "./boot.jl:370 [inlined]"),
    (
        "eval_mask_code(code::String)",
        "Main.Masks /app/IJulia/preload_cells/masks.jl:206",
    ),
    (
        "eval_mask_codes(mask_codes::Vector{Main.Masks.MaskCode})",
        "Main.Masks /app/IJulia/preload_cells/masks.jl:197",
    ),
    ("|>", "./operators.jl:907 [inlined]"),
    (
        "evaluate_mask_codes(mask_codes::Vector{Dict{String, String}})",
        "Main.Masks /app/IJulia/preload_cells/masks.jl:272",
    ),
    ("|>", "./operators.jl:907 [inlined]"),
    (
        "(::Workspaces.Servers.var\"#eval_mask_codes#157\"{typeof(Main.Masks.evaluate_mask_codes), Workspaces.Servers.var\"#convert_mask_result#156\"})(blocks::Vector{Dict{String, String}})",
        "Workspaces.Servers /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers.jl:539",
    ),
    (
        "request_pipeline(req::HTTP.Messages.Request, log_func::var\"#13#14\"{String}, req_params_func::Function, log_response_func::Workspaces.Servers.var\"#mask_log_and_response#159\"{Workspaces.Servers.var\"#result_to_response#158\"}, pipeline_stages::Workspaces.Servers.PipelineStages)",
        "Workspaces.Servers /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers_common.jl:282",
    ),
    (
        "required_body_request_pipeline",
        "/usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers_common.jl:289 [inlined]",
    ),
    (
        "eval_mask_code_handler",
        "/usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers.jl:556 [inlined]",
    ),
    (
        "(::Workspaces.Servers.var\"#eval_mask_code#186\"{var\"#13#14\"{String}, typeof(Main.Masks.evaluate_mask_codes)})(req::HTTP.Messages.Request)",
        "Workspaces.Servers /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/Servers.jl:68",
    ),
    (
        "(::HTTP.Handlers.Router{typeof(HTTP.Handlers.default404), typeof(HTTP.Handlers.default405), Nothing})(req::HTTP.Messages.Request)",
        "HTTP.Handlers /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Handlers.jl:439",
    ),
    (
        "(::HTTP.Handlers.var\"#1#2\"{HTTP.Handlers.Router{typeof(HTTP.Handlers.default404), typeof(HTTP.Handlers.default405), Nothing}})(stream::HTTP.Streams.Stream{HTTP.Messages.Request, HTTP.Connections.Connection{Sockets.TCPSocket}})",
        "HTTP.Handlers /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Handlers.jl:58",
    ),
    ("#invokelatest#2", "./essentials.jl:819 [inlined]"),
    ("invokelatest", "./essentials.jl:816 [inlined]"),
    (
        "handle_connection(f::Function, c::HTTP.Connections.Connection{Sockets.TCPSocket}, listener::HTTP.Servers.Listener{Nothing, Sockets.TCPServer}, readtimeout::Int64, access_log::Nothing)",
        "HTTP.Servers /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Servers.jl:469",
    ),
    (
        "macro expansion",
        "/usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Servers.jl:401 [inlined]",
    ),
    (
        "(::HTTP.Servers.var\"#16#17\"{HTTP.Handlers.var\"#1#2\"{HTTP.Handlers.Router{typeof(HTTP.Handlers.default404), typeof(HTTP.Handlers.default405), Nothing}}, HTTP.Servers.Listener{Nothing, Sockets.TCPServer}, Set{HTTP.Connections.Connection}, Int64, Nothing, ReentrantLock, Base.Semaphore, HTTP.Connections.Connection{Sockets.TCPSocket}})()",
        "HTTP.Servers ./task.jl:514",
    ),
];

fn command_error(e: julia_lite::JuliaError) -> CommandError {
    CommandError {
        type_name: e.type_name,
        short_description: e.short_description,
        full_description: e.full_description,
    }
}

/// The error a job or eval gets when its server stops under it.
fn interrupted() -> CommandError {
    CommandError {
        type_name: "InterruptException".into(),
        short_description: "InterruptException()".into(),
        full_description: "InterruptException:\nthe Engee server was stopped while the code ran\n\nStacktrace:\n  [1] top-level scope\n    @ none:1".into(),
    }
}

/// Runs `code` in the session's workspace until it finishes or the server stops. Also
/// returns when that was: on the code's view of the clock, or the server's stop.
async fn run(
    state: &AppState,
    session: &Session,
    user: &str,
    prefix: String,
    code: &str,
) -> (Result<julia_lite::Evaluated, CommandError>, DateTime<Utc>) {
    let host = Arc::new(MockHost::new(state, session, user, prefix));
    tokio::select! {
        biased;
        _ = session.ended.cancelled() => {
            let stopped = session.stopped_at.get().copied().unwrap_or_else(|| host.view());
            (Err(interrupted()), stopped)
        }
        r = julia_lite::eval(&session.workspace, code, host.clone(), &state.config.julia) => {
            (r.map_err(command_error), host.view())
        }
    }
}

#[derive(Deserialize)]
pub struct EvalBody {
    command: String,
}

#[utoipa::path(post, path = "/external/command/eval", tag = "eval",
    request_body = crate::openapi::EvalRequest,
    responses(
        (status = 200, description = "The code ran. (When it fails: 400 with `result_code: command_error`.)", body = crate::openapi::EvalResult),
        (status = 400, description = "Malformed input.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "Another user's prefix, or a missing scope.", body = crate::openapi::Error),
        (status = 404, description = "Unknown prefix, or no such thing.", body = crate::openapi::Error),
        (status = 503, description = "The user's Engee server is not running (as Engee answers).", body = crate::openapi::Error),
        (status = 415, description = "Not JSON.", body = crate::openapi::Error),
    ))]
pub async fn command_eval(
    State(state): State<AppState>,
    server: RunningServer,
    ApiJson(body): ApiJson<EvalBody>,
) -> Result<Json<Value>, ApiError> {
    let (result, _) = run(
        &state,
        &server.session,
        &server.user.nickname,
        server.user.prefix(),
        &body.command,
    )
    .await;
    let evaluated = result.map_err(ApiError::Command)?;
    let mut answer = json!({ "result": evaluated.result });
    if !evaluated.output.is_empty() {
        answer["output"] = Value::String(evaluated.output);
    }
    Ok(Json(answer))
}

#[derive(Deserialize)]
pub struct CreateJob {
    job_id: String,
    job_type: String,
    code: String,
    #[serde(default)]
    name: Option<String>,
}

#[utoipa::path(post, path = "/external/command/jobs/create", tag = "eval",
    request_body = crate::openapi::JobCreate,
    responses(
        (status = 202, description = "The job runs.", body = crate::openapi::Job),
        (status = 400, description = "Malformed input.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "Another user's prefix, or a missing scope.", body = crate::openapi::Error),
        (status = 404, description = "Unknown prefix, or no such thing.", body = crate::openapi::Error),
        (status = 503, description = "The user's Engee server is not running (as Engee answers).", body = crate::openapi::Error),
        (status = 415, description = "Not JSON.", body = crate::openapi::Error),
        (status = 409, description = "A job with this `job_id` exists.", body = crate::openapi::Error),
        (status = 429, description = "Too many running jobs.", body = crate::openapi::Error),
    ))]
pub async fn job_create(
    State(state): State<AppState>,
    server: RunningServer,
    ApiJson(body): ApiJson<CreateJob>,
) -> Result<Response, ApiError> {
    let job_id = uuid::Uuid::parse_str(&body.job_id)
        .map_err(|_| ApiError::bad_request(format!("job_id {:?} is not a UUID", body.job_id)))?;
    if body.job_type != "EVAL" {
        return Err(ApiError::bad_request(format!(
            "job_type {:?} is not supported; the only job type is \"EVAL\"",
            body.job_type
        )));
    }
    let user = server.user.nickname.clone();
    let job = state
        .jobs
        .create(&user, job_id, body.name, state.clock.now())
        .map_err(|e| match e {
            CreateError::Duplicate => {
                ApiError::Conflict(format!("a job with job_id {job_id} already exists"))
            }
            CreateError::TooManyRunning(n) => ApiError::TooManyRequests(format!(
                "{n} jobs are running already ([jobs] max_running_jobs); \
                 create more when some have finished"
            )),
        })?;
    let answer = job.to_json();
    let task_state = state.clone();
    tokio::spawn(async move {
        let (result, ended) = run(
            &task_state,
            &server.session,
            &user,
            server.user.prefix(),
            &body.code,
        )
        .await;
        let outcome = match result {
            Ok(ev) => JobOutcome::Success(ev.result),
            Err(e) => JobOutcome::Error(e),
        };
        task_state.jobs.finish(&user, &job, outcome, ended);
    });
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

#[utoipa::path(get, path = "/external/command/jobs/{job_id}/result", tag = "eval",
    responses(
        (status = 200, description = "The job.", body = crate::openapi::Job),
        (status = 400, description = "Malformed input.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "Another user's prefix, or a missing scope.", body = crate::openapi::Error),
        (status = 404, description = "Unknown prefix, or no such thing.", body = crate::openapi::Error),
        (status = 503, description = "The user's Engee server is not running (as Engee answers).", body = crate::openapi::Error),
    ))]
pub async fn job_result(
    State(state): State<AppState>,
    server: RunningServer,
    Path((_prefix, job_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = uuid::Uuid::parse_str(&job_id)
        .map_err(|_| ApiError::bad_request(format!("job_id {job_id:?} is not a UUID")))?;
    let job = state
        .jobs
        .get(&server.user.nickname, id)
        .ok_or_else(|| ApiError::NotFound(format!("no job with job_id {job_id}")))?;
    Ok(Json(job.to_json()))
}

#[utoipa::path(get, path = "/external/command/jobs/list", tag = "eval",
    responses(
        (status = 200, description = "The caller's jobs.", body = crate::openapi::JobList),
        (status = 400, description = "Malformed input.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "Another user's prefix, or a missing scope.", body = crate::openapi::Error),
        (status = 404, description = "Unknown prefix, or no such thing.", body = crate::openapi::Error),
        (status = 503, description = "The user's Engee server is not running (as Engee answers).", body = crate::openapi::Error),
    ))]
pub async fn job_list(State(state): State<AppState>, server: RunningServer) -> Json<Value> {
    let jobs: Vec<Value> = state
        .jobs
        .list(&server.user.nickname)
        .iter()
        .map(|j| j.to_json())
        .collect();
    Json(json!({ "jobs": jobs }))
}
