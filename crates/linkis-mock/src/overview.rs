//! `GET /__admin/linkis/overview`: what the dashboard shows beside `GET /__admin/state` and
//! the state leaves out (live sessions, jobs still running with their progress, the tail
//! of each log as a client would see it now). Read-only; a snapshot as of the mock's clock.

use axum::Json;
use axum::extract::State;
use mock_kit::iso_millis;
use serde_json::{Value, json};

use crate::state::AppState;

/// Log lines shown per job: enough to see where a job is, short enough for a table cell.
const LOG_TAIL: u64 = 5;

#[utoipa::path(get, path = "/linkis/overview", tag = "admin",
    responses((status = 200, description = "Live sessions (without tickets) and every job with its status, progress and the tail of its visible log, by taskID. For the dashboard at `/__admin/`; read-only.", body = crate::openapi::Overview)))]
pub async fn overview_get(State(state): State<AppState>) -> Json<Value> {
    let now = state.clock.now();
    let sessions: Vec<Value> = state
        .auth
        .sessions(&state.cfg)
        .into_iter()
        .map(|s| {
            json!({"login": s.login, "user": s.user, "last_access": iso_millis(s.last_access),
                   "expires": iso_millis(s.expires)})
        })
        .collect();
    let mut jobs = Vec::new();
    state.jobs.for_each(|job| {
        let (progress, _) = job.progress(now);
        let visible = job.log.visible(now);
        let from = visible.saturating_sub(LOG_TAIL);
        let tail: Vec<String> = job
            .log
            .page(now, from, LOG_TAIL)
            .into_iter()
            .map(|(_, line)| line)
            .collect();
        jobs.push(json!({
            "task_id": job.task_id,
            "exec_id": job.exec_id,
            "user": job.req.execute_user,
            "creator": job.req.creator,
            "engine": job.req.engine_type,
            "status": job.state(now).as_str(),
            "progress": progress,
            "created": iso_millis(job.created),
            "updated": iso_millis(job.updated(now)),
            "code": job.req.code,
            "log_tail": tail.join("\n"),
        }));
    });
    jobs.sort_by_key(|j| j["task_id"].as_u64());
    Json(json!({"sessions": sessions, "jobs": jobs}))
}
