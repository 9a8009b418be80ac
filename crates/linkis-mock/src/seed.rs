//! Seeding and inspection (`POST /__admin/seed`, `GET /__admin/state`, `--seed-file`):
//! one JSON document of users, tokens, proxy entries, SQL for the shared catalog and
//! finished jobs (with their logs and result sets), applied wholly or not at all, and the
//! same schema read back from a running mock. Plain domain code: no HTTP here.
//!
//! Everything is checked before anything changes; the SQL then runs in one transaction
//! (the only step that can still fail, so a failure rolls it back and leaves the mock as
//! it was), and the rest is applied. An item equal to one the mock has already (a
//! configured user or token) is accepted and changes nothing. What the state leaves out:
//! sessions, jobs not yet finished, `proxy.properties` (configuration, re-read from its
//! file), and what jobs' SQL did to the catalog (only the seeds' own `sql` is listed).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::Seeded;
use crate::config::{TokenEntry, UserEntry};
use crate::engines::directives::Directives;
use crate::engines::{Column, ENGINE_TYPES, ResultSet};
use crate::error::LinkisError;
use crate::joblog::Level;
use crate::jobs::{Finished, JobRequest, State};
use crate::state::AppState;

/// A seed document; every list optional. `GET /__admin/state` answers one.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeedDocument {
    /// As in the config's `[[users]]`: `{"name", "password", "admin"}`.
    pub users: Vec<UserEntry>,
    /// As in the config's `[[tokens]]`: `{"name", "users", "hosts", "elapse_days"}`.
    pub tokens: Vec<TokenEntry>,
    /// Proxy tokens (`Validation-Code`) and whom they may act as, tried before
    /// `proxy.properties`.
    pub proxy: Vec<SeedProxy>,
    /// Statements run on the shared SQL catalog, in order, as jobs' SQL runs.
    pub sql: Vec<String>,
    pub jobs: Vec<SeedJob>,
}

/// `{"token": "…", "users": ["alice", "bob"]}` (`["*"]` for anyone).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProxy {
    pub token: String,
    pub users: Vec<String>,
}

/// A finished job.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedJob {
    /// The next free taskID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<u64>,
    /// Assigned by the mock as for a submission; when given, it must be the one the mock
    /// assigns (so a state seeds back to the same ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec_id: Option<String>,
    /// `execute_user` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_user: Option<String>,
    pub execute_user: String,
    #[serde(default = "ide")]
    pub creator: String,
    /// `spark`, `hive`, … (see the README's engine types).
    pub engine_type: String,
    /// The engine's default version when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    pub run_type: String,
    #[serde(default)]
    pub code: String,
    /// `Succeed`, `Failed`, `Cancelled` or `Timeout`.
    pub status: String,
    /// RFC 3339.
    pub start_time: String,
    /// RFC 3339, not before `start_time` and not after the mock's clock.
    pub end_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_desc: Option<String>,
    #[serde(default)]
    pub log: Vec<SeedLogLine>,
    /// `_0.dolphin`, `_1.dolphin`, …; only for `Succeed` and `Failed` jobs.
    #[serde(default)]
    pub result_sets: Vec<SeedResultSet>,
}

fn ide() -> String {
    "IDE".into()
}

/// One log line: `level` `INFO`, `WARN` or `ERROR`; `at` (RFC 3339) defaults to the job's
/// start.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLogLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub level: String,
    pub text: String,
}

/// A TABLE result set (`columns` + `rows`, `null` for SQL NULL) or a TEXT one (`text`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum SeedResultSet {
    Table {
        columns: Vec<SeedColumn>,
        rows: Vec<Vec<Option<String>>>,
    },
    Text {
        text: Vec<String>,
    },
}

/// `{"name": "id", "type": "int"}`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
}

/// Applies seed documents one at a time (a seed and a reset's re-seed never interleave).
#[derive(Clone)]
pub(crate) struct Seeder {
    state: AppState,
    lock: Arc<Mutex<()>>,
}

impl Seeder {
    pub(crate) fn new(state: AppState) -> Self {
        Self {
            state,
            lock: Arc::default(),
        }
    }

    /// Checks `doc` in full, then applies it.
    pub(crate) fn apply(&self, doc: &SeedDocument) -> Result<(), LinkisError> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let plan = plan(&self.state, doc)?;
        self.state
            .sql
            .seed(&doc.sql)
            .map_err(LinkisError::Invalid)?;
        self.state.auth.set_seeded(plan.seeded);
        for job in plan.jobs {
            self.state.jobs.insert_finished(&self.state.cfg, job);
        }
        Ok(())
    }

    /// The mock's state as a seed document (`GET /__admin/state`).
    pub(crate) fn document(&self) -> SeedDocument {
        state_of(&self.state)
    }
}

impl mock_kit::Seeding for Seeder {
    fn seed(&self, document: &[u8]) -> Result<(), mock_kit::Refusal> {
        parse(document)
            .and_then(|doc| self.apply(&doc))
            .map_err(|e| {
                mock_kit::Refusal::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "bad_request",
                    e.to_string(),
                )
            })
    }

    fn state(&self) -> Result<serde_json::Value, mock_kit::Refusal> {
        Ok(serde_json::to_value(self.document()).expect("a seed document serializes"))
    }
}

/// A seed document from JSON text, or an error saying what is wrong with it.
pub fn parse(document: &[u8]) -> Result<SeedDocument, LinkisError> {
    serde_json::from_slice(document)
        .map_err(|e| LinkisError::Invalid(format!("invalid seed document: {e}")))
}

struct Plan {
    seeded: Seeded,
    jobs: Vec<Finished>,
}

fn bad(message: String) -> LinkisError {
    LinkisError::Invalid(message)
}

fn time(at: &str, field: &str, value: &str) -> Result<DateTime<Utc>, LinkisError> {
    let t = DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| bad(format!("{at}: {field} must be RFC 3339: {e}")))?;
    if (mock_kit::Clock::EARLIEST..=mock_kit::Clock::LATEST).contains(&t) {
        Ok(t)
    } else {
        Err(bad(format!("{at}: {field} is outside the clock's range")))
    }
}

fn plan(state: &AppState, doc: &SeedDocument) -> Result<Plan, LinkisError> {
    let cfg = &state.cfg;
    let mut seeded = state.auth.seeded();
    let mut users = state.auth.users(cfg);
    for (i, user) in doc.users.iter().enumerate() {
        let at = format!("users[{i}] ({:?})", user.name);
        if user.name.trim().is_empty() || user.password.trim().is_empty() {
            return Err(bad(format!("{at}: a user needs a name and a password")));
        }
        // Login lower-cases the name it looks up for non-admins, as upstream does.
        if !user.admin && user.name != user.name.to_lowercase() {
            return Err(bad(format!(
                "{at}: a user who is not an admin logs in lower-cased; give the name in lower case"
            )));
        }
        match users.iter().find(|u| u.name == user.name) {
            Some(known) if known == user => continue,
            Some(_) => {
                return Err(bad(format!(
                    "{at}: a user with this name exists with other fields; seed it as \
                     GET /__admin/state shows it, or pick another name"
                )));
            }
            None => {}
        }
        users.push(user.clone());
        seeded.users.push(user.clone());
    }
    let tokens = state.auth.tokens(cfg);
    for (i, token) in doc.tokens.iter().enumerate() {
        let at = format!("tokens[{i}] ({:?})", token.name);
        if token.name.trim().is_empty() || token.users.is_empty() || token.hosts.is_empty() {
            return Err(bad(format!(
                "{at}: a token needs a name, users and hosts (`[\"*\"]` for any)"
            )));
        }
        let known = tokens
            .iter()
            .chain(seeded.tokens.iter())
            .find(|t| t.name == token.name);
        match known {
            Some(known) if known == token => continue,
            Some(_) => {
                return Err(bad(format!(
                    "{at}: a token with this name exists with other fields"
                )));
            }
            None => seeded.tokens.push(token.clone()),
        }
    }
    for (i, entry) in doc.proxy.iter().enumerate() {
        let at = format!("proxy[{i}] ({:?})", entry.token);
        if entry.token.trim().is_empty() || entry.users.is_empty() {
            return Err(bad(format!(
                "{at}: a proxy entry needs a token and users (`[\"*\"]` for any)"
            )));
        }
        match seeded.proxy.get(&entry.token) {
            Some(known) if *known == entry.users => {}
            Some(_) => {
                return Err(bad(format!(
                    "{at}: this proxy token is seeded already with other users"
                )));
            }
            None => {
                seeded
                    .proxy
                    .insert(entry.token.clone(), entry.users.clone());
            }
        }
    }

    // A job's user is one the mock knows: a user, or one a token or proxy entry may act
    // as (`*`: anyone), as the API would have accepted.
    let all_tokens: Vec<&TokenEntry> = tokens.iter().chain(seeded.tokens.iter()).collect();
    let known = |name: &str| {
        users.iter().any(|u| u.name == name)
            || all_tokens
                .iter()
                .flat_map(|t| t.users.iter())
                .chain(seeded.proxy.values().flatten())
                .any(|u| u == "*" || u == name)
            || state.auth.proxy_check_any(name)
    };
    let now = state.clock.now();
    let mut jobs = Vec::new();
    let mut taken = HashSet::new();
    let mut next_id = state.jobs.next_task_id();
    for (i, job) in doc.jobs.iter().enumerate() {
        let at = format!("jobs[{i}]");
        let submit_user = job.submit_user.clone().unwrap_or(job.execute_user.clone());
        for name in [&job.execute_user, &submit_user] {
            if name.trim().is_empty() || name.contains(char::is_whitespace) || !known(name) {
                return Err(bad(format!(
                    "{at}: no user {name:?}; add it to `users`, or name a user the config, a \
                     token or a proxy entry knows"
                )));
            }
        }
        let engine = job.engine_type.to_ascii_lowercase();
        if !ENGINE_TYPES.contains(&engine.as_str()) {
            return Err(bad(format!(
                "{at}: engine_type {:?} is not one of {}",
                job.engine_type,
                ENGINE_TYPES.join(", ")
            )));
        }
        if job.run_type.trim().is_empty() || job.creator.trim().is_empty() {
            return Err(bad(format!("{at}: run_type and creator must be non-empty")));
        }
        let end_state = State::parse(&job.status)
            .filter(|s| s.is_terminal())
            .ok_or_else(|| {
                bad(format!(
                    "{at}: a seeded job is finished: status is Succeed, Failed, Cancelled or \
                     Timeout, not {:?}",
                    job.status
                ))
            })?;
        let start = time(&at, "start_time", &job.start_time)?;
        let end = time(&at, "end_time", &job.end_time)?;
        if end < start {
            return Err(bad(format!("{at}: end_time is before start_time")));
        }
        if end > now {
            return Err(bad(format!(
                "{at}: end_time is after the mock's clock ({}); a seeded job has finished",
                mock_kit::iso_millis(now)
            )));
        }
        let task_id = match job.task_id {
            Some(0) => return Err(bad(format!("{at}: task_id counts from 1"))),
            Some(id) => id,
            None => next_id,
        };
        if state.jobs.contains(task_id) || !taken.insert(task_id) {
            return Err(bad(format!("{at}: a job with task_id {task_id} exists")));
        }
        next_id = next_id.max(task_id + 1);
        let mut log = Vec::new();
        for (n, line) in job.log.iter().enumerate() {
            let level = match line.level.to_ascii_uppercase().as_str() {
                "INFO" => Level::Info,
                "WARN" => Level::Warn,
                "ERROR" => Level::Error,
                _ => {
                    return Err(bad(format!(
                        "{at}: log[{n}].level is INFO, WARN or ERROR, not {:?}",
                        line.level
                    )));
                }
            };
            let when = match &line.at {
                Some(t) => time(&at, &format!("log[{n}].at"), t)?,
                None => start,
            };
            log.push((when, level, line.text.clone()));
        }
        if !job.result_sets.is_empty() && !matches!(end_state, State::Succeed | State::Failed) {
            return Err(bad(format!(
                "{at}: only Succeed and Failed jobs have result sets"
            )));
        }
        let mut results = Vec::new();
        for (n, set) in job.result_sets.iter().enumerate() {
            results.push(match set {
                SeedResultSet::Table { columns, rows } => {
                    if let Some(r) = rows.iter().position(|r| r.len() != columns.len()) {
                        return Err(bad(format!(
                            "{at}: result_sets[{n}].rows[{r}] has {} values for {} columns",
                            rows[r].len(),
                            columns.len()
                        )));
                    }
                    ResultSet::Table {
                        columns: columns
                            .iter()
                            .map(|c| Column {
                                name: c.name.clone(),
                                data_type: c.data_type.clone(),
                            })
                            .collect(),
                        rows: rows.clone(),
                    }
                }
                SeedResultSet::Text { text } => ResultSet::Text(text.clone()),
            });
        }
        let engine_version = job
            .engine_version
            .clone()
            .unwrap_or_else(|| crate::engines::default_version(&engine).to_owned());
        let req = JobRequest {
            submit_user,
            execute_user: job.execute_user.clone(),
            creator: job.creator.clone(),
            engine_type: engine.clone(),
            engine_version,
            run_type: job.run_type.clone(),
            code: job.code.clone(),
            params: serde_json::json!({}),
            source: serde_json::json!({}),
            labels: Vec::new(),
            via_execute: false,
            directives: Directives::default(),
        };
        jobs.push(Finished {
            task_id,
            req,
            start,
            end,
            state: end_state,
            err_code: job.error_code,
            err_desc: job.error_desc.clone(),
            log,
            results,
        });
    }
    let reqs: Vec<&JobRequest> = jobs.iter().map(|j| &j.req).collect();
    let exec_ids = state.jobs.next_exec_ids(cfg, &reqs);
    for (i, (job, exec_id)) in doc.jobs.iter().zip(&exec_ids).enumerate() {
        if let Some(given) = &job.exec_id
            && given != exec_id
        {
            return Err(bad(format!(
                "jobs[{i}]: exec_id is assigned by the mock, and this job gets {exec_id:?}, \
                 not {given:?}; leave exec_id out"
            )));
        }
    }
    Ok(Plan { seeded, jobs })
}

fn state_of(state: &AppState) -> SeedDocument {
    let cfg = &state.cfg;
    let seeded = state.auth.seeded();
    let now = state.clock.now();
    let mut jobs = Vec::new();
    state.jobs.for_each(|job| {
        if !job.done || !job.state(now).is_terminal() {
            return;
        }
        let results = job.results.as_deref().unwrap_or_default();
        jobs.push(SeedJob {
            task_id: Some(job.task_id),
            exec_id: Some(job.exec_id.clone()),
            submit_user: Some(job.req.submit_user.clone()),
            execute_user: job.req.execute_user.clone(),
            creator: job.req.creator.clone(),
            engine_type: job.req.engine_type.clone(),
            engine_version: Some(job.req.engine_version.clone()),
            run_type: job.req.run_type.clone(),
            code: job.req.code.clone(),
            status: job.end_state.as_str().to_owned(),
            start_time: mock_kit::iso_millis(job.created),
            end_time: mock_kit::iso_millis(job.finish_at),
            error_code: job.err_code,
            error_desc: job.err_desc.clone(),
            log: job
                .log
                .raw()
                .into_iter()
                .map(|(at, level, text)| SeedLogLine {
                    at: Some(mock_kit::iso_millis(at)),
                    level: level.as_str().to_owned(),
                    text,
                })
                .collect(),
            result_sets: results
                .iter()
                .map(|set| match set.as_ref() {
                    ResultSet::Table { columns, rows } => SeedResultSet::Table {
                        columns: columns
                            .iter()
                            .map(|c| SeedColumn {
                                name: c.name.clone(),
                                data_type: c.data_type.clone(),
                            })
                            .collect(),
                        rows: rows.clone(),
                    },
                    ResultSet::Text(text) => SeedResultSet::Text { text: text.clone() },
                })
                .collect(),
        });
    });
    SeedDocument {
        users: state.auth.users(cfg),
        tokens: state.auth.tokens(cfg),
        proxy: seeded
            .proxy
            .into_iter()
            .map(|(token, users)| SeedProxy { token, users })
            .collect(),
        sql: state.sql.seeded(),
        jobs,
    }
}
