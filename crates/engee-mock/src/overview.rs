//! `GET /__admin/engee/overview`: what the dashboard shows beside `GET /__admin/state` and
//! the state leaves out (servers in every status with their timestamps, jobs still
//! running). Read-only; a snapshot as of the mock's clock.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::server_api::ts;
use crate::state::AppState;

#[utoipa::path(get, path = "/engee/overview", tag = "admin",
    responses((status = 200, description = "Every server the mock has a record of (status and timestamps) and every job (running ones too), by user. For the dashboard at `/__admin/`; read-only.", body = crate::openapi::Overview)))]
pub async fn overview_get(State(state): State<AppState>) -> Json<Value> {
    let now = state.clock.now();
    let servers: Vec<Value> = state
        .servers
        .all(now)
        .into_iter()
        .map(|(user, rec)| {
            json!({
                "user": user,
                "status": rec.status.as_str(),
                "startingAt": ts(rec.starting_at),
                "startedAt": ts(rec.started_at),
                "stoppingAt": ts(rec.stopping_at),
                "stoppedAt": ts(rec.stopped_at),
                "lastActivityAt": ts(rec.last_activity_at),
                "inactivityTimeout": rec.inactivity_timeout,
                "stopSessionAt": ts(rec.stop_session_at),
            })
        })
        .collect();
    let mut jobs = Vec::new();
    for user in state.jobs.users() {
        for job in state.jobs.list(&user) {
            let mut j = json!({"user": user});
            if let (Value::Object(to), Value::Object(from)) = (&mut j, job.to_json()) {
                to.extend(from);
            }
            jobs.push(j);
        }
    }
    Json(json!({"servers": servers, "jobs": jobs}))
}
