//! Turning `execute` (0.x shape, bare or wrapped in `{"method","data"}`) and `submit`
//! (1.x shape) bodies into a [`JobRequest`], with upstream's validation errors, the
//! admin-token `executeUser` override, and the check that every name that goes into the
//! execID keeps it addressable.

use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::config::Config;
use crate::engines::{ENGINE_TYPES, RUN_TYPES, default_version, directives};
use crate::error::LinkisError;
use crate::jobs::JobRequest;
use crate::profile::Profile;

const CODE_EMPTY: &str = "The param executionCode cannot be empty (参数 executionCode 不能为空)";
const CODE_AND_SCRIPT_EMPTY: &str = "The param executionCode and scriptPath cannot be empty at the same time(参数 executionCode 和 scriptPath 不能同时为空)";
const NEED_RUN_TYPE: &str =
    "Label params invalid You need to specify runType in execution content, such as sql";
const NEED_ENGINE: &str =
    "Label params invalid You need to specify engineTypeLabel in labels,such as spark-3.2.1";

/// Unwraps the seed's `{"method": ..., "data": {...}}` form.
pub fn unwrap_seed(body: Value) -> Value {
    match body {
        Value::Object(mut m)
            if m.contains_key("data")
                && m.get("method").is_some_and(Value::is_string)
                && !m.contains_key("executeApplicationName")
                && !m.contains_key("executionContent") =>
        {
            m.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    }
}

fn object(body: &Value) -> Result<&Map<String, Value>, LinkisError> {
    body.as_object().ok_or_else(|| {
        LinkisError::Invalid("The request body must be a JSON object(请求体必须是JSON对象)".into())
    })
}

/// A string field: `Ok(None)` when absent/null, an error when of another type.
fn string(m: &Map<String, Value>, key: &str) -> Result<Option<String>, LinkisError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(LinkisError::coded(
            20009,
            format!("Label params invalid {key} must be a string, got: {other}"),
        )),
    }
}

fn split_engine(label: &str) -> Result<(String, String), LinkisError> {
    let label = label.trim();
    let (engine, version) = match label.split_once('-') {
        Some((e, v)) if !v.is_empty() => (e.to_ascii_lowercase(), v.to_owned()),
        _ => {
            let e = label.trim_end_matches('-').to_ascii_lowercase();
            let v = default_version(&e).to_owned();
            (e, v)
        }
    };
    if !ENGINE_TYPES.contains(&engine.as_str()) {
        return Err(LinkisError::coded(
            20009,
            format!(
                "Label params invalid engineType {engine} is not supported (supported: {})",
                ENGINE_TYPES.join(", ")
            ),
        ));
    }
    Ok((engine, version))
}

fn check_run_type(rt: Option<String>) -> Result<String, LinkisError> {
    let rt = rt.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let rt = rt.ok_or_else(|| LinkisError::coded(20009, NEED_RUN_TYPE))?;
    if !RUN_TYPES.contains(&rt.to_ascii_lowercase().as_str()) {
        return Err(LinkisError::coded(
            20009,
            format!(
                "Label params invalid runType {rt} is not supported (supported: {})",
                RUN_TYPES.join(", ")
            ),
        ));
    }
    Ok(rt.to_ascii_lowercase())
}

fn params(m: &Map<String, Value>, required: bool) -> Result<Value, LinkisError> {
    match m.get("params") {
        Some(Value::Object(p)) => Ok(Value::Object(p.clone())),
        None | Some(Value::Null) if !required => Ok(json!({})),
        _ => Err(LinkisError::coded(
            20008,
            "params cannot be empty ,  params is null",
        )),
    }
}

fn with_users(mut params: Value, caller: &Caller) -> Value {
    if let Some(p) = params.as_object_mut() {
        let conf = p.entry("configuration").or_insert_with(|| json!({}));
        if let Some(c) = conf.as_object_mut() {
            let rt = c.entry("runtime").or_insert_with(|| json!({}));
            if let Some(r) = rt.as_object_mut() {
                r.insert("submitUser".into(), json!(caller.submit_user));
                r.insert("executeUser".into(), json!(caller.execute_user));
            }
        }
    }
    params
}

fn source(m: &Map<String, Value>) -> Result<(Value, Option<String>), LinkisError> {
    match m.get("source") {
        None | Some(Value::Null) => Ok((json!({}), None)),
        Some(Value::Object(s)) => {
            let path = string(s, "scriptPath")?.filter(|p| !p.trim().is_empty());
            Ok((Value::Object(s.clone()), path))
        }
        Some(_) => Err(LinkisError::coded(
            20009,
            "Label params invalid source must be a JSON object",
        )),
    }
}

/// Characters a name in an execID may have: they need no escaping in a URL path, and the
/// ids stay parseable (upstream's job-history name pattern, plus `@` for user names).
fn is_id_safe(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
}

/// Longest creator: what the `ujes-0.x` execID's two-digit length field can say (the
/// mock keeps the same bound in `linkis-1.x`, so execIDs stay short).
pub const MAX_CREATOR_BYTES: usize = 99;

/// Longest user name (upstream's `execute_user varchar(50)` job-history column).
pub const MAX_USER_BYTES: usize = 50;

/// Refuses a creator or user that would make an execID that `status`, `log`, `progress`
/// and `kill` cannot be called with: characters a URL path must escape (`/`, spaces, NUL,
/// non-ASCII…), a creator longer than [`MAX_CREATOR_BYTES`] or a user longer than
/// [`MAX_USER_BYTES`].
fn check_addressable(req: &JobRequest, profile: Profile) -> Result<(), LinkisError> {
    let allowed = "only letters, digits, '_', '-', '.' and '@' are allowed";
    if !is_id_safe(&req.creator) {
        return Err(LinkisError::coded(
            20009,
            format!(
                "Label params invalid creator {:?} cannot be part of an execID: {allowed}",
                req.creator
            ),
        ));
    }
    if !is_id_safe(&req.execute_user) {
        return Err(LinkisError::coded(
            20009,
            format!(
                "Label params invalid executeUser {:?} cannot be part of an execID: {allowed}",
                req.execute_user
            ),
        ));
    }
    if req.creator.len() > MAX_CREATOR_BYTES {
        let why = match profile {
            Profile::Ujes0x => "does not fit the execID's two-digit length",
            Profile::Linkis1x => "is too long for an execID",
        };
        return Err(LinkisError::coded(
            20009,
            format!(
                "Label params invalid creator of {} bytes {why} (at most {MAX_CREATOR_BYTES} bytes)",
                req.creator.len()
            ),
        ));
    }
    if req.execute_user.len() > MAX_USER_BYTES {
        return Err(LinkisError::coded(
            20009,
            format!(
                "Label params invalid executeUser of {} bytes is too long (at most {MAX_USER_BYTES} bytes)",
                req.execute_user.len()
            ),
        ));
    }
    Ok(())
}

/// Whether a `Token-Code` is an admin token (upstream's `Configuration.isAdminToken`: its
/// name contains `ADMIN-`, any case).
pub fn is_admin_token(code: &str) -> bool {
    code.to_ascii_uppercase().contains("ADMIN-")
}

/// upstream's `submit`: a body `executeUser` makes the job run as that user only when the
/// request authenticated with an admin token; from anyone else it is silently ignored
/// (the job runs as the caller), and `execute` always ignores it.
pub fn acting_caller(
    body: &Value,
    caller: Caller,
    admin_token: bool,
    is_admin: impl Fn(&str) -> bool,
) -> Result<Caller, LinkisError> {
    let wanted = body.get("executeUser").filter(|v| !v.is_null());
    let Some(wanted) = wanted.filter(|_| admin_token) else {
        return Ok(caller);
    };
    let user = match wanted {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    if user.is_empty() {
        return Err(LinkisError::coded(
            20005,
            "The execute user cannot be null(执行用户不能为空)",
        ));
    }
    tracing::info!(from = %caller.execute_user, to = %user, "executeUser replaced (admin token)");
    Ok(Caller {
        admin: is_admin(&user),
        execute_user: user,
        submit_user: caller.submit_user,
    })
}

fn finish(caller: &Caller, cfg: &Config, mut req: JobRequest) -> Result<JobRequest, LinkisError> {
    check_addressable(&req, cfg.profile)?;
    req.directives = directives::parse(&req.code, cfg.limits.max_synthetic_log_lines)
        .map_err(|e| LinkisError::coded(20009, e))?;
    req.labels = vec![
        format!("engineType:{}-{}", req.engine_type, req.engine_version),
        format!("userCreator:{}-{}", caller.execute_user, req.creator),
        format!("codeType:{}", req.run_type),
    ];
    Ok(req)
}

/// The 0.x `/execute` body (also what `/submit` falls back to without `executionContent`).
pub fn execute(body: &Value, caller: &Caller, cfg: &Config) -> Result<JobRequest, LinkisError> {
    let m = object(body)?;
    let app = string(m, "executeApplicationName")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            LinkisError::coded(
                20009,
                "Label params invalid You need to specify executeApplicationName, such as spark",
            )
        })?;
    let (engine_type, engine_version) = split_engine(&app)?;
    let creator = string(m, "requestApplicationName")?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "IDE".into());
    let code = string(m, "executionCode")?.unwrap_or_default();
    let (src, script) = source(m)?;
    if code.trim().is_empty() && script.is_none() {
        return Err(LinkisError::coded(20007, CODE_AND_SCRIPT_EMPTY));
    }
    let run_type = check_run_type(string(m, "runType")?)?;
    let params = with_users(params(m, true)?, caller);
    finish(
        caller,
        cfg,
        JobRequest {
            submit_user: caller.submit_user.clone(),
            execute_user: caller.execute_user.clone(),
            creator,
            engine_type,
            engine_version,
            run_type,
            code,
            params,
            source: src,
            labels: Vec::new(),
            via_execute: true,
            directives: Default::default(),
        },
    )
}

/// The 1.x `/submit` body.
pub fn submit(body: &Value, caller: &Caller, cfg: &Config) -> Result<JobRequest, LinkisError> {
    let m = object(body)?;
    let Some(content) = m.get("executionContent") else {
        let mut req = execute(body, caller, cfg)?;
        req.via_execute = false;
        return Ok(req);
    };
    let content = content
        .as_object()
        .ok_or_else(|| LinkisError::coded(20010, CODE_EMPTY))?;
    let labels = match m.get("labels") {
        Some(Value::Object(l)) if !l.is_empty() => l,
        _ => {
            return Err(LinkisError::coded(
                20008,
                "params cannot be empty ,  labels is null",
            ));
        }
    };
    let code = match content.get("code") {
        None | Some(Value::Null) => return Err(LinkisError::coded(20010, CODE_EMPTY)),
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(LinkisError::coded(20007, CODE_EMPTY)),
        Some(_) => return Err(LinkisError::coded(20007, CODE_EMPTY)),
    };
    let engine_label = string(labels, "engineType")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| LinkisError::coded(20009, NEED_ENGINE))?;
    let (engine_type, engine_version) = split_engine(&engine_label)?;
    let run_type = check_run_type(string(content, "runType")?.or(string(labels, "codeType")?))?;
    let creator = match string(labels, "userCreator")?.map(|s| s.trim().to_owned()) {
        None => "IDE".to_owned(),
        Some(uc) => match uc.split_once('-') {
            Some((u, c)) if !u.is_empty() && !c.is_empty() => c.to_owned(),
            _ => {
                return Err(LinkisError::coded(
                    20009,
                    format!(
                        "Label params invalid userCreator must look like <user>-<creator>, such as hadoop-IDE, got: {uc}"
                    ),
                ));
            }
        },
    };
    let (src, _) = source(m)?;
    let params = with_users(params(m, false)?, caller);
    finish(
        caller,
        cfg,
        JobRequest {
            submit_user: caller.submit_user.clone(),
            execute_user: caller.execute_user.clone(),
            creator,
            engine_type,
            engine_version,
            run_type,
            code,
            params,
            source: src,
            labels: Vec::new(),
            via_execute: false,
            directives: Default::default(),
        },
    )
}
