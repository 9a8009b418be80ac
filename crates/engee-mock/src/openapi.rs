//! The wire shapes of Engee's API for the OpenAPI document (`GET /__admin/openapi.json`).
//!
//! Paths and methods come from the handlers' `#[utoipa::path]` annotations through
//! [`crate::routes`], so they cannot drift from the router. The bodies here describe what
//! the handlers build with `json!` or read with serde; schemathesis (`make test`) checks
//! every answer against them, and `tests/openapi.rs` snapshots the document.

#![allow(dead_code)] // schema-only types: never built, only described

use utoipa::ToSchema;

/// Every Engee error: `error` is a code (`invalid_token`, `not_found`, …) with
/// `error_description` (OAuth, bearer) or `message` beside it; eval's command errors carry
/// `result_code: "command_error"` and the error object.
#[derive(ToSchema)]
pub struct Error {
    error: serde_json::Value,
    error_description: Option<String>,
    message: Option<String>,
    result_code: Option<String>,
}

/// `GET /account/api/engee/info`.
#[derive(ToSchema)]
#[schema(as = ServerInfo)]
#[allow(non_snake_case)]
pub struct ServerInfo {
    username: String,
    serverName: String,
    serverId: String,
    /// The user's server base URL, `http://HOST/prod/user/{prefix}/`.
    url: String,
    /// `stopped`, `starting`, `running`, `stopping`.
    serverStatus: String,
    startingAt: Option<String>,
    startedAt: Option<String>,
    stoppingAt: Option<String>,
    stoppedAt: Option<String>,
    lastActivityAt: Option<String>,
    inactivityTimeout: Option<u64>,
    stopSessionAt: Option<String>,
    clusterNamespace: serde_json::Map<String, serde_json::Value>,
}

/// `POST /account/api/engee/start` body; empty or absent is fine.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct StartRequest {
    url: Option<String>,
    #[schema(minimum = 0)]
    inactivityTimeout: Option<u64>,
}

#[derive(ToSchema)]
pub struct Started {
    /// The user's server base URL.
    server: String,
}

#[derive(ToSchema)]
pub struct Session {
    sub: String,
    nickname: String,
    email: String,
}

/// RFC 6749 §5.1.
#[derive(ToSchema)]
pub struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: u64,
    refresh_token: String,
    scope: String,
}

/// RFC 6749 §4.1.3 / §6 form fields (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The consent form (`application/x-www-form-urlencoded`): the authorize parameters plus
/// `action` (`approve`/`deny`) and the sign-in.
#[derive(ToSchema)]
pub struct ConsentForm {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    action: Option<String>,
    nickname: Option<String>,
    password: Option<String>,
}

#[derive(ToSchema)]
pub struct EvalRequest {
    /// Julia code, run by julia-lite in the user's session.
    command: String,
}

#[derive(ToSchema)]
pub struct EvalResult {
    /// What the last expression shows as.
    result: String,
    /// What the code printed, when anything.
    output: Option<String>,
}

#[derive(ToSchema)]
pub struct JobCreate {
    /// A UUID chosen by the client.
    #[schema(format = "uuid")]
    job_id: String,
    /// Only `EVAL`.
    #[schema(pattern = "^EVAL$")]
    job_type: String,
    code: String,
    name: Option<String>,
}

#[derive(ToSchema)]
pub struct Job {
    job_id: String,
    name: Option<String>,
    job_type: String,
    /// `IN_PROGRESS` or `DONE`.
    status: String,
    start_time: String,
    end_time: Option<String>,
    /// `null` while running, then `{"type": "success"|"error", "data": …}`.
    result: Option<serde_json::Value>,
}

#[derive(ToSchema)]
pub struct JobList {
    jobs: Vec<Job>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
pub struct UploadForm {
    /// JSON `{"sources": ["/user/dir", …]}`: the directory of each file, in order.
    paths: String,
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    upload_files: Vec<String>,
}

#[derive(ToSchema)]
pub struct StoredFile {
    source: String,
    path: String,
    name: String,
    size: u64,
}

#[derive(ToSchema)]
pub struct Uploaded {
    files: Vec<StoredFile>,
}

#[derive(ToSchema)]
pub struct DownloadRequest {
    /// Files or directories under `/user`.
    sources: Vec<String>,
}

/// `POST /__admin/engee/pats`.
#[derive(ToSchema)]
pub struct NewPat {
    /// Printable ASCII without spaces; random when absent.
    token: Option<String>,
    /// A configured user's nickname.
    user: String,
}

#[derive(ToSchema)]
pub struct CreatedPat {
    token: String,
    user: String,
}

/// `GET /__admin/engee/overview`.
#[derive(ToSchema)]
pub struct Overview {
    /// `{"user", "status", "startingAt", "startedAt", "stoppingAt", "stoppedAt",
    /// "lastActivityAt", "inactivityTimeout", "stopSessionAt"}`, as `info` answers them.
    servers: Vec<serde_json::Value>,
    /// `{"user"}` plus a job as `GET …/jobs/{job_id}/result` answers it (`IN_PROGRESS`
    /// ones too).
    jobs: Vec<serde_json::Value>,
}
