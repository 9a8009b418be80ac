//! Result sets and logs as files: `getDirFileTrees`, `openFile`, `openLog`, `isExist`.
//! A job's result directory is its `resultLocation`; its log file is its `logPath`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::engines::ResultSet;
use crate::envelope::Envelope;
use crate::error::{LinkisError, Result};
use crate::extract::{LinkisQuery, int_param};
use crate::joblog::{Level, split_levels};
use crate::jobs::Job;
use crate::state::AppState;

/// Most rows per `openFile` page (upstream's default row limit).
pub const MAX_PAGE_SIZE: i64 = 5000;

/// Most columns per `openFile` column page (`columnPageSize`, upstream's limit).
pub const MAX_COLUMN_PAGE_SIZE: i64 = 500;

/// Upstream's `nullValue` that keeps SQL NULLs as JSON nulls.
const LINKIS_NULL: &str = "LINKIS_NULL";

fn path_param(q: &HashMap<String, String>) -> Result<String> {
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

#[utoipa::path(get, path = "/api/rest_j/v1/filesystem/getDirFileTrees", tag = "filesystem", params(("path" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn dir_file_trees(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let dir = path_param(&q)?;
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
    let tree = match listing.transpose()?.flatten() {
        Some(children) => {
            let name = dir.rsplit('/').next().unwrap_or_default();
            json!({"name": name, "path": dir, "properties": null, "isLeaf": false,
                   "parentPath": null, "children": children})
        }
        // upstream: a directory that does not exist (yet) lists as null
        None => Value::Null,
    };
    Ok(Envelope::ok(None, "OK").with("dirFileTrees", tree))
}

/// Upstream's answer for a path that names no result set or log file.
fn no_such_file(path: &str) -> LinkisError {
    LinkisError::coded(
        80003,
        format!("The file: {path} does not exist(文件不存在)"),
    )
}

fn result_file(st: &AppState, caller: &Caller, path: &str) -> Result<Arc<ResultSet>> {
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

/// `openFile`'s parameters, checked as upstream checks them.
struct OpenFile {
    path: String,
    page: i64,
    page_size: i64,
    /// `Some` with `enableLimit=true`: `(columnPage, columnPageSize)`.
    columns: Option<(i64, i64)>,
    /// What a NULL (or empty) value shows as; `None`: "NULL" for NULL, "" for empty.
    null_value: Option<String>,
}

impl OpenFile {
    fn parse(q: &HashMap<String, String>) -> Result<OpenFile> {
        let path = path_param(q)?;
        let page = int_param(q, "page")?.unwrap_or(1);
        let page_size = int_param(q, "pageSize")?.unwrap_or(MAX_PAGE_SIZE);
        let column_page = int_param(q, "columnPage")?.unwrap_or(1);
        let column_page_size = int_param(q, "columnPageSize")?.unwrap_or(MAX_COLUMN_PAGE_SIZE);
        if column_page < 1 || !(1..=MAX_COLUMN_PAGE_SIZE).contains(&column_page_size) {
            return Err(bad_column_page());
        }
        if page < 1 {
            return Err(LinkisError::Invalid(format!(
                "Parameter page must be >= 1, got: {page}"
            )));
        }
        if page_size > MAX_PAGE_SIZE {
            return Err(LinkisError::coded(
                80034,
                format!(
                    "The result set exceeds {MAX_PAGE_SIZE} rows and page viewing is currently not supported. Please download to view or view in the shared directory(结果集行数超过{MAX_PAGE_SIZE}行，暂不支持页面查看。请下载查看或在共享目录中查看)"
                ),
            ));
        }
        if page_size < 1 {
            return Err(LinkisError::Invalid(format!(
                "Parameter pageSize must be between 1 and {MAX_PAGE_SIZE}, got: {page_size}"
            )));
        }
        // upstream parses enableLimit with Boolean.parseBoolean: only "true" turns it on
        let enable_limit = q
            .get("enableLimit")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        // `BLANK` means the default; `charset` is accepted and, as upstream, not used
        let null_value = q
            .get("nullValue")
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("BLANK"))
            .cloned();
        Ok(OpenFile {
            path,
            page,
            page_size,
            columns: enable_limit.then_some((column_page, column_page_size)),
            null_value,
        })
    }

    fn cell(&self, v: &Option<String>) -> Value {
        let blank = match v.as_deref() {
            None | Some("NULL") => "NULL",
            Some("") => "",
            Some(s) => return Value::from(s),
        };
        match self.null_value.as_deref() {
            Some(LINKIS_NULL) if blank == "NULL" => Value::Null,
            Some(LINKIS_NULL) => Value::from(""),
            Some(n) => Value::from(n),
            None => Value::from(blank),
        }
    }
}

fn bad_column_page() -> LinkisError {
    LinkisError::coded(
        80036,
        "Parameter error, page size is incorrect, please pass in a number within [1-500] (分页参数错误，页码从1开始，页大小需在[1-500]范围内，获取的列索引需在实际结果集列数范围内)",
    )
}

/// `openFile?path=&page=&pageSize=&nullValue=&enableLimit=&columnPage=&columnPageSize=&charset=`.
#[utoipa::path(get, path = "/api/rest_j/v1/filesystem/openFile", tag = "filesystem", params(("path" = Option<String>, Query), ("page" = Option<i64>, Query), ("pageSize" = Option<i64>, Query), ("charset" = Option<String>, Query), ("columnPage" = Option<i64>, Query), ("columnPageSize" = Option<i64>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn open_file(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let req = OpenFile::parse(&q)?;
    let rs = result_file(&st, &caller, &req.path)?;
    let start = usize::try_from((req.page - 1).saturating_mul(req.page_size)).unwrap_or(usize::MAX);
    let rows = req.page_size as usize;
    let env = Envelope::ok(None, "OK");
    Ok(match rs.as_ref() {
        ResultSet::Table { columns, rows: all } => {
            let total = columns.len();
            let (from, to) = match req.columns {
                None => (0, total),
                Some((page, size)) => {
                    let from =
                        usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
                    if from > total {
                        return Err(bad_column_page());
                    }
                    (from, (from + size as usize).min(total))
                }
            };
            let metadata: Vec<Value> = columns[from..to]
                .iter()
                .map(|c| json!({"columnName": c.name, "comment": "NULL", "dataType": c.data_type}))
                .collect();
            let content: Vec<Value> = all
                .iter()
                .skip(start)
                .take(rows)
                .map(|r| {
                    Value::Array(
                        r[from..to.min(r.len())]
                            .iter()
                            .map(|v| req.cell(v))
                            .collect(),
                    )
                })
                .collect();
            env.with("metadata", metadata)
                .with("fileContent", content)
                .with("type", "2")
                .with("totalLine", all.len())
                .with("page", req.page)
                .with("totalPage", 0)
                .with("totalColumn", total)
        }
        ResultSet::Text(lines) => {
            let content: Vec<Value> = lines
                .iter()
                .skip(start)
                .take(rows)
                .map(|l| json!([l]))
                .collect();
            env.with("metadata", "NULL")
                .with("fileContent", content)
                .with("type", "1")
                .with("totalLine", lines.len())
                .with("page", req.page)
                .with("totalPage", 0)
        }
    })
}

#[utoipa::path(get, path = "/api/rest_j/v1/filesystem/openLog", tag = "filesystem", params(("path" = Option<String>, Query), ("proxyUser" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn open_log(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let path = path_param(&q)?;
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
    let lines = found.ok_or_else(|| no_such_file(&path))??;
    let mut four = split_levels(&lines, true);
    for (i, name) in ["error", "warn", "info", "all"].iter().enumerate() {
        if !want(name) {
            four[i].clear();
        }
    }
    Ok(Envelope::ok(None, "OK").with("log", json!(four)))
}

#[utoipa::path(get, path = "/api/rest_j/v1/filesystem/isExist", tag = "filesystem", params(("path" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn is_exist(
    State(st): State<AppState>,
    caller: Caller,
    LinkisQuery(q): LinkisQuery,
) -> Result<Envelope> {
    crate::jobs::runner::settle_visible(&st, &caller).await;
    let path = path_param(&q)?;
    let now = st.clock.now();
    let dir_exists = job_for_dir(&st, &path, |j| {
        j.visible_to(&caller) && j.visible_results(now).is_some()
    })
    .unwrap_or(false);
    let file_exists = dir_exists || result_file(&st, &caller, &path).is_ok();
    Ok(Envelope::ok(None, "OK").with("isExist", file_exists))
}
