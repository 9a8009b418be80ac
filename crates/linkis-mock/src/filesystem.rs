//! Result sets and logs as files: `getDirFileTrees`, `openFile`, `openLog`, `isExist`.
//! A job's result directory is its `resultLocation`; its log file is its `logPath`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::engines::ResultSet;
use crate::envelope::Envelope;
use crate::error::LinkisError;
use crate::extract::{int_param, query};
use crate::joblog::{Level, split_levels};
use crate::jobs::Job;
use crate::state::AppState;

/// Most rows per `openFile` page (upstream's default row limit).
pub const MAX_PAGE_SIZE: i64 = 5000;

/// Routes relative to `/api/rest_j/v1/filesystem`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/getDirFileTrees", get(dir_file_trees))
        .route("/openFile", get(open_file))
        .route("/openLog", get(open_log))
        .route("/isExist", get(is_exist))
}

fn method(name: &str) -> Option<String> {
    Some(format!("/api/filesystem/{name}"))
}

fn path_param(q: &HashMap<String, String>) -> Result<String, LinkisError> {
    let p = q
        .get("path")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    if p.is_empty() {
        return Err(LinkisError::coded(80004, "The path: is empty(路径: 为空)!"));
    }
    if p.contains("../") || p.ends_with("/..") {
        return Err(LinkisError::coded(80026, "Relative path not allowed"));
    }
    Ok(p.trim_end_matches('/').to_owned())
}

/// The job whose result directory is `dir` (`.../<taskID>`).
fn job_for_dir<R>(st: &AppState, dir: &str, f: impl FnOnce(&Job) -> R) -> Option<R> {
    let id: u64 = dir.rsplit('/').next()?.parse().ok()?;
    st.jobs
        .with(id, |j| (j.result_location == dir).then(|| f(j)))
        .flatten()
}

async fn dir_file_trees(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> Envelope {
    let m = method("getDirFileTrees");
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let dir = match path_param(&query(q.as_deref())) {
        Ok(p) => p,
        Err(e) => return e.envelope(m),
    };
    let now = st.clock.now();
    let listing = job_for_dir(&st, &dir, |j| {
        if !j.visible_to(&caller) {
            return Err(LinkisError::coded(
                80010,
                format!(
                    "The user: {u} has no permission to view the contents of the directory:{dir}(该用户:{u}无权限查看该目录:{dir}的内容)",
                    u = caller.execute_user
                ),
            ));
        }
        let modified = j.finish_at.timestamp_millis().to_string();
        Ok(j.visible_results(now).map(|rs| {
            rs.iter()
                .enumerate()
                .map(|(i, r)| {
                    json!({"name": format!("_{i}.dolphin"), "path": format!("{dir}/_{i}.dolphin"),
                           "properties": {"size": r.approx_size().to_string(), "modifytime": modified},
                           "children": null, "isLeaf": true, "parentPath": dir})
                })
                .collect::<Vec<_>>()
        }))
    });
    match listing {
        Some(Err(e)) => e.envelope(m),
        Some(Ok(Some(children))) => {
            let name = dir.rsplit('/').next().unwrap_or_default();
            Envelope::ok(m, "OK").with(
                "dirFileTrees",
                json!({"name": name, "path": dir, "properties": null, "isLeaf": false,
                       "parentPath": null, "children": children}),
            )
        }
        // upstream: a directory that does not exist (yet) lists as null
        _ => Envelope::ok(m, "OK").with("dirFileTrees", Value::Null),
    }
}

/// Upstream's answer for a path that names no result set or log file.
fn no_such_file(path: &str) -> LinkisError {
    LinkisError::coded(
        80003,
        format!("The file: {path} does not exist(文件不存在)"),
    )
}

fn result_file(st: &AppState, caller: &Caller, path: &str) -> Result<Arc<ResultSet>, LinkisError> {
    let missing = || no_such_file(path);
    let (dir, file) = path.rsplit_once('/').ok_or_else(missing)?;
    let index: usize = file
        .strip_prefix('_')
        .and_then(|f| f.strip_suffix(".dolphin"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(missing)?;
    let now = st.clock.now();
    job_for_dir(st, dir, |j| {
        if !j.visible_to(caller) {
            return Err(LinkisError::coded(
                80012,
                "This user has no permission to read this file(该用户无权读取该文件)!",
            ));
        }
        j.visible_results(now)
            .and_then(|r| r.get(index).cloned())
            .ok_or_else(missing)
    })
    .unwrap_or_else(|| Err(missing()))
}

async fn open_file(State(st): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Envelope {
    let m = method("openFile");
    crate::jobs::runner::settle_visible(&st, &caller).await;
    match open_file_inner(&st, &caller, q.as_deref()) {
        Ok(env) => env,
        Err(e) => e.envelope(m),
    }
}

fn open_file_inner(
    st: &AppState,
    caller: &Caller,
    raw: Option<&str>,
) -> Result<Envelope, LinkisError> {
    let q = query(raw);
    let path = path_param(&q)?;
    let page = int_param(&q, "page")?.unwrap_or(1);
    let page_size = int_param(&q, "pageSize")?.unwrap_or(MAX_PAGE_SIZE);
    if page < 1 {
        return Err(LinkisError::Invalid(format!(
            "Parameter page must be >= 1, got: {page}"
        )));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(LinkisError::coded(
            80034,
            format!(
                "The page size must be between 1 and {MAX_PAGE_SIZE}(分页大小必须在1到{MAX_PAGE_SIZE}之间), got: {page_size}"
            ),
        ));
    }
    let null_value = q.get("nullValue").cloned();
    let rs = result_file(st, caller, &path)?;
    let start = usize::try_from((page - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let env = Envelope::ok(method("openFile"), "OK");
    Ok(match rs.as_ref() {
        ResultSet::Table { columns, rows } => {
            let metadata: Vec<Value> = columns
                .iter()
                .map(|c| json!({"columnName": c.name, "comment": "NULL", "dataType": c.data_type}))
                .collect();
            let content: Vec<Value> = rows
                .iter()
                .skip(start)
                .take(page_size as usize)
                .map(|r| {
                    Value::Array(
                        r.iter()
                            .map(|v| match (v, null_value.as_deref()) {
                                (Some(s), _) => Value::from(s.as_str()),
                                (None, Some("LINKIS_NULL")) => Value::Null,
                                (None, Some(n)) if !n.is_empty() => Value::from(n),
                                (None, _) => Value::from("NULL"),
                            })
                            .collect(),
                    )
                })
                .collect();
            env.with("metadata", metadata)
                .with("fileContent", content)
                .with("type", "2")
                .with("totalLine", rows.len())
                .with("page", page)
                .with("totalPage", 0)
                .with("totalColumn", columns.len())
        }
        ResultSet::Text(lines) => {
            let content: Vec<Value> = lines
                .iter()
                .skip(start)
                .take(page_size as usize)
                .map(|l| json!([l]))
                .collect();
            env.with("metadata", "NULL")
                .with("fileContent", content)
                .with("type", "1")
                .with("totalLine", lines.len())
                .with("page", page)
                .with("totalPage", 0)
        }
    })
}

async fn open_log(State(st): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Envelope {
    let m = method("openLog");
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let q = query(q.as_deref());
    let path = match path_param(&q) {
        Ok(p) => p,
        Err(e) => return e.envelope(m),
    };
    let levels = q
        .get("logLevel")
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_else(|| "all".into());
    let want = |l: &str| {
        levels
            .split(',')
            .any(|x| x.trim() == l || x.trim() == "all")
    };
    let id = path
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".log"))
        .and_then(|n| n.parse::<u64>().ok());
    let now = st.clock.now();
    let cap = st.cfg.limits.max_open_log_lines as u64;
    let found = id.and_then(|id| {
        st.jobs
            .with(id, |j| {
                (j.log_path == path).then(|| {
                    if !j.visible_to(&caller) {
                        return Err(LinkisError::coded(80018, "This user has no permission to read this log(该用户无权限读取此日志)!"));
                    }
                    let mut lines = j.log.page(now, 0, cap);
                    if j.log.visible(now) > cap {
                        lines.push((Level::Warn, format!("(linkis-mock: log truncated to {cap} lines; page through entrance/{{execID}}/log for the rest)")));
                    }
                    Ok(lines)
                })
            })
            .flatten()
    });
    match found {
        Some(Ok(lines)) => {
            let mut four = split_levels(&lines, true);
            for (i, name) in ["error", "warn", "info", "all"].iter().enumerate() {
                if !want(name) {
                    four[i].clear();
                }
            }
            Envelope::ok(m, "OK").with("log", json!(four))
        }
        Some(Err(e)) => e.envelope(m),
        None => no_such_file(&path).envelope(m),
    }
}

async fn is_exist(State(st): State<AppState>, caller: Caller, RawQuery(q): RawQuery) -> Envelope {
    let m = method("isExist");
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let path = match path_param(&query(q.as_deref())) {
        Ok(p) => p,
        Err(e) => return e.envelope(m),
    };
    let now = st.clock.now();
    let dir_exists = job_for_dir(&st, &path, |j| {
        j.visible_to(&caller) && j.visible_results(now).is_some()
    })
    .unwrap_or(false);
    let file_exists = dir_exists || result_file(&st, &caller, &path).is_ok();
    Envelope::ok(m, "OK").with("isExist", file_exists)
}
