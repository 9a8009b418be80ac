//! `GET info`, `POST start`, `DELETE stop` under `/account/api/engee/`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use mock_kit::iso_millis;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::EngeeUser;
use crate::config::User;
use crate::error::ApiError;
use crate::lifecycle::ServerRecord;
use crate::state::AppState;

/// The mock's own base URL as the client reached it (its `Host` header), so `url` works
/// behind port mappings and hostnames.
pub fn base_url(headers: &HeaderMap, state: &AppState) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ']))
        .map(str::to_owned)
        .unwrap_or_else(|| state.config.addr.to_string());
    format!("http://{host}")
}

pub fn user_url(base: &str, user: &User) -> String {
    format!("{base}/prod/user/{}/", user.prefix())
}

pub(crate) fn ts(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(iso_millis(t)))
}

fn info_json(user: &User, rec: &ServerRecord, url: String) -> Value {
    json!({
        "username": user.nickname,
        "serverName": "",
        "serverId": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, user.prefix().as_bytes()).to_string(),
        "url": url,
        "serverStatus": rec.status.as_str(),
        "startingAt": ts(rec.starting_at),
        "startedAt": ts(rec.started_at),
        "stoppingAt": ts(rec.stopping_at),
        "stoppedAt": ts(rec.stopped_at),
        "lastActivityAt": ts(rec.last_activity_at),
        "inactivityTimeout": rec.inactivity_timeout,
        "stopSessionAt": ts(rec.stop_session_at),
        "clusterNamespace": {"minimalMode": true},
    })
}

#[utoipa::path(get, path = "/account/api/engee/info", tag = "server",
    responses(
        (status = 200, description = "The caller's server.", body = crate::openapi::ServerInfo),
        (status = 400, description = "A malformed `Authorization` header.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "The token lacks a needed scope.", body = crate::openapi::Error),
    ))]
pub async fn info_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: EngeeUser,
) -> Json<Value> {
    let rec = state.servers.get(&caller.user.nickname, state.clock.now());
    let url = user_url(&base_url(&headers, &state), &caller.user);
    Json(info_json(&caller.user, &rec, url))
}

/// Engee's Python example sends `{"url": …, "inactivityTimeout": …}`; both are optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    #[allow(dead_code)]
    url: Option<String>,
    inactivity_timeout: Option<u64>,
}

#[utoipa::path(post, path = "/account/api/engee/start", tag = "server",
    request_body(content = crate::openapi::StartRequest, description = "Optional: an empty body is the same as `{}`."),
    responses(
        (status = 200, description = "The server is starting (or running).", body = crate::openapi::Started),
        (status = 400, description = "A malformed body or `Authorization` header.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "The token lacks a needed scope.", body = crate::openapi::Error),
    ))]
pub async fn server_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: EngeeUser,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        StartBody {
            url: None,
            inactivity_timeout: None,
        }
    } else {
        // Through a map first: serde would also read the struct from a JSON array.
        serde_json::from_slice::<serde_json::Map<String, Value>>(&body)
            .and_then(|map| serde_json::from_value::<StartBody>(Value::Object(map)))
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "the start body must be a JSON object like {{\"inactivityTimeout\": 3600}}: {e}"
                ))
            })?
    };
    state.servers.start(
        &caller.user.nickname,
        state.clock.now(),
        body.inactivity_timeout,
    );
    let url = user_url(&base_url(&headers, &state), &caller.user);
    Ok(Json(json!({ "server": url })))
}

#[utoipa::path(delete, path = "/account/api/engee/stop", tag = "server",
    responses(
        (status = 204, description = "The server is stopping (or stopped)."),
        (status = 400, description = "A malformed `Authorization` header.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "The token lacks a needed scope.", body = crate::openapi::Error),
    ))]
pub async fn server_stop(State(state): State<AppState>, caller: EngeeUser) -> StatusCode {
    state.servers.stop(&caller.user.nickname, state.clock.now());
    StatusCode::NO_CONTENT
}
