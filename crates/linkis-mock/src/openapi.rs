//! The wire shapes of the Linkis API for the OpenAPI document (`GET /__admin/openapi.json`).
//!
//! Paths and methods come from the handlers' `#[utoipa::path]` annotations through
//! [`crate::routes`]. Every answer is the [`Envelope`], described once here and reused by
//! every operation (`LinkisResponses`): its HTTP status mirrors `status` (0 → 200, -1 →
//! 401, 2 → 412, 3 → 403, 4 → 206, other → 400; unknown routes 404/405), so any non-200
//! answer is documented as `default`. schemathesis (`make test`) checks every answer
//! against it; `tests/openapi.rs` snapshots the document.

#![allow(dead_code)] // schema-only types: never built, only described

use utoipa::{IntoResponses, PartialSchema, ToSchema};

/// Linkis's `Message`: every response of the mock, success or error.
#[derive(ToSchema)]
pub struct Envelope {
    /// The endpoint (`/api/entrance/submit`, …); null for the gateway's own `/user/*`
    /// successes and for answers outside an endpoint.
    #[schema(required)]
    method: Option<String>,
    /// 0 success, 1 error, 2 validation, 3 no permission, 4 warning, -1 not logged in.
    status: i32,
    message: String,
    /// Always an object; its fields depend on the endpoint.
    data: serde_json::Map<String, serde_json::Value>,
}

/// The responses of every Linkis operation: the envelope, at 200 or another 4xx.
#[derive(IntoResponses)]
pub enum LinkisResponses {
    /// `status` 0.
    #[response(status = 200)]
    Ok(Envelope),
    /// Any other `status` (see the module docs for the HTTP status of each).
    #[response(status = "default")]
    Other(Envelope),
}

/// `POST /user/login` body (also accepted as query parameters).
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Login {
    userName: String,
    password: String,
}

/// `POST /entrance/submit` (and `execute`) body.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Submit {
    /// `{"code": "..."}` (`runType` optional).
    executionContent: serde_json::Map<String, serde_json::Value>,
    /// `variable`, `configuration.startup`/`runtime`, …
    params: Option<serde_json::Map<String, serde_json::Value>>,
    /// `engineType` (`hive-2.3.3`, `spark-2.4.3`, …), `userCreator` (`hadoop-IDE`), …
    labels: Option<serde_json::Map<String, serde_json::Value>>,
    source: Option<serde_json::Map<String, serde_json::Value>>,
    executeUser: Option<String>,
}

/// `POST /entrance/{id}/killJobs` body.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct KillJobs {
    idList: Vec<String>,
    taskIDList: Vec<i64>,
}

// ------------------------------------------------------ the `data` of central successes
// What a client reads from a 200; each its own envelope (`OkEnvelope<T>`) so schemathesis
// checks the fields clients depend on, not only the envelope around them.

/// The envelope of a success whose `data` is `T`.
#[derive(ToSchema)]
pub struct OkEnvelope<T> {
    #[schema(required)]
    method: Option<String>,
    /// 0.
    status: i32,
    message: String,
    data: T,
}

/// The responses of an operation whose success carries `data` of shape `T`.
#[derive(IntoResponses)]
pub enum LinkisResponsesOf<T: ToSchema> {
    /// `status` 0.
    #[response(status = 200)]
    Ok(OkEnvelope<T>),
    /// Any other `status` (see the module docs for the HTTP status of each).
    #[response(status = "default")]
    Other(Envelope),
}

#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Submitted {
    execID: String,
    /// A number (Linkis 1.x) or its decimal text (UJES 0.x).
    taskID: serde_json::Value,
}

#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Status {
    execID: String,
    /// `Inited`, `Scheduled`, `Running`, `Succeed`, `Failed`, `Cancelled`, `Timeout`.
    status: String,
}

#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Log {
    execID: String,
    /// `[error, warn, info, all]` text, or one text with `distinctLevel=false`.
    log: serde_json::Value,
    fromLine: i64,
}

#[derive(ToSchema)]
pub struct Task {
    task: serde_json::Map<String, serde_json::Value>,
}

#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct TaskPage {
    tasks: Vec<serde_json::Map<String, serde_json::Value>>,
    totalPage: i64,
}

type Schemas = Vec<(
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
)>;

/// The schemas the operations refer to by name, for the document's `components` (an
/// `IntoResponses` does not register what it refers to).
pub fn schemas() -> Schemas {
    /// `OkEnvelope<T>` under the name utoipa's references use, and `T` it refers to.
    fn ok<T: ToSchema>(out: &mut Schemas) {
        out.push((
            format!("OkEnvelope_{}", T::name()),
            OkEnvelope::<T>::schema(),
        ));
        out.push((T::name().into_owned(), T::schema()));
        T::schemas(out);
    }
    let mut out = vec![("Envelope".to_owned(), Envelope::schema())];
    ok::<Submitted>(&mut out);
    ok::<Status>(&mut out);
    ok::<Log>(&mut out);
    ok::<Task>(&mut out);
    ok::<TaskPage>(&mut out);
    out
}

/// `GET /__admin/linkis/overview`.
#[derive(ToSchema)]
pub struct Overview {
    /// `{"login", "user", "last_access", "expires"}`, oldest first; no tickets.
    sessions: Vec<serde_json::Value>,
    /// `{"task_id", "exec_id", "user", "creator", "engine", "status", "progress",
    /// "created", "updated", "code", "log_tail"}`, by taskID.
    jobs: Vec<serde_json::Value>,
}
