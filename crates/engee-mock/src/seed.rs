//! Seeding and inspection (`POST /__admin/seed`, `GET /__admin/state`, `--seed-file`):
//! one JSON document that says who and what exists — users, OAuth clients, PATs, files,
//! running servers and finished jobs — applied wholly or not at all, and the same schema
//! read back from a running mock. Plain domain code: no HTTP here.
//!
//! A seed is checked in full against itself and the mock before anything changes, so a
//! refusal (a [`ApiError::BadRequest`] naming the item and what to fix) leaves the mock
//! as it was. An item equal to one the mock has already (a configured user, a PAT) is
//! accepted and changes nothing, so the state of a mock seeds a fresh mock of the same
//! config. What the state leaves out: OAuth codes, access and refresh tokens (they are
//! signed with a key drawn at start and cannot be reproduced), jobs still running,
//! servers that are stopped or stopping, empty folders and symbolic links.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::Directory;
use crate::config::{Client, Pat, User};
use crate::error::ApiError;
use crate::error::julia_lite_error::CommandError;
use crate::files::store::UserPath;
use crate::jobs::JobOutcome;
use crate::state::AppState;

/// A seed document; every list optional. `GET /__admin/state` answers one.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeedDocument {
    /// As in the config's `[[users]]`.
    pub users: Vec<User>,
    /// As in the config's `[[clients]]`.
    pub oauth_clients: Vec<Client>,
    /// `{"user", "token"}`: they work from the user's next server start, like configured
    /// PATs (and with a server of `servers`, which starts after them).
    pub pats: Vec<Pat>,
    pub files: Vec<SeedFile>,
    pub servers: Vec<SeedServer>,
    pub jobs: Vec<SeedJob>,
}

/// A file in a user's `/user` tree; its folders are created. Exactly one of `content`
/// (text) and `content_base64`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub user: String,
    /// `/user/…`, without `.` or `..`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
}

/// A user's server, running from the moment of the seed (no start delay).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedServer {
    pub user: String,
    /// Seconds without user-API calls before it stops; the config's default when absent,
    /// 0 for never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_timeout: Option<u64>,
}

/// A finished job, in the JSON the jobs API answers plus its `user`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedJob {
    pub user: String,
    #[serde(alias = "id")]
    pub job_id: uuid::Uuid,
    #[serde(default)]
    pub name: Option<String>,
    /// `"EVAL"` when given (the only kind there is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_type: Option<String>,
    /// `"DONE"` when given: a finished job is `DONE` whether it succeeded or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// RFC 3339.
    pub start_time: String,
    /// RFC 3339, not before `start_time`.
    pub end_time: String,
    pub result: SeedResult,
}

/// `{"type": "success", "data": {"text": …}}` or `{"type": "error", "data": {"type",
/// "short_description", "full_description"}}`, as the jobs API answers.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
pub enum SeedResult {
    Success(SuccessText),
    Error(CommandError),
}

/// A successful job's text.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuccessText {
    pub text: String,
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
    pub(crate) fn apply(&self, doc: &SeedDocument) -> Result<(), ApiError> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let plan = plan(&self.state, doc)?;
        execute(&self.state, plan)
    }

    /// The mock's state as a seed document (`GET /__admin/state`).
    pub(crate) fn document(&self) -> Result<SeedDocument, ApiError> {
        state_of(&self.state)
    }
}

impl mock_kit::Seeding for Seeder {
    fn seed(&self, document: &[u8]) -> Result<(), mock_kit::Refusal> {
        parse(document)
            .and_then(|doc| self.apply(&doc))
            .map_err(refusal)
    }

    fn state(&self) -> Result<serde_json::Value, mock_kit::Refusal> {
        // Only an unreadable data directory fails here.
        self.document()
            .map(|doc| serde_json::to_value(doc).expect("a seed document serializes"))
            .map_err(refusal)
    }
}

/// A seed document from JSON text, or a 400 saying what is wrong with it.
pub fn parse(document: &[u8]) -> Result<SeedDocument, ApiError> {
    serde_json::from_slice(document)
        .map_err(|e| ApiError::bad_request(format!("invalid seed document: {e}")))
}

fn refusal(e: ApiError) -> mock_kit::Refusal {
    mock_kit::Refusal::new(e.status(), e.code(), e.to_string())
}

/// A seeded job, checked: its user, id, name, start and end, outcome.
struct PlannedJob {
    user: String,
    id: uuid::Uuid,
    name: Option<String>,
    times: (DateTime<Utc>, DateTime<Utc>),
    outcome: JobOutcome,
}

/// What a checked seed changes.
struct Plan {
    directory: Option<Directory>,
    pats: Vec<Pat>,
    files: Vec<(String, UserPath, Vec<u8>)>,
    servers: Vec<SeedServer>,
    jobs: Vec<PlannedJob>,
}

fn bad(message: String) -> ApiError {
    ApiError::BadRequest(message)
}

/// Everything `doc` would change, or the first contradiction in it.
fn plan(state: &AppState, doc: &SeedDocument) -> Result<Plan, ApiError> {
    let mut directory = state.accounts.snapshot().as_ref().clone();
    let mut changed = false;
    for (i, user) in doc.users.iter().enumerate() {
        let at = format!("users[{i}] ({:?})", user.nickname);
        if user.nickname.is_empty() || user.nickname.contains('/') {
            return Err(bad(format!(
                "{at}: a nickname must be non-empty and contain no '/'"
            )));
        }
        if user.license.is_empty() || user.license.contains('/') {
            return Err(bad(format!(
                "{at}: a license must be non-empty and contain no '/'"
            )));
        }
        match directory.user(&user.nickname) {
            Some(known) if known == user => continue,
            Some(_) => {
                return Err(bad(format!(
                    "{at}: a user with this nickname exists with other fields; seed it as \
                     GET /__admin/state shows it, or pick another nickname"
                )));
            }
            None => {}
        }
        if directory.user_at(&user.prefix()).is_some() {
            return Err(bad(format!(
                "{at}: another user has the prefix {}",
                user.prefix()
            )));
        }
        directory.users.push(user.clone());
        changed = true;
    }
    for (i, client) in doc.oauth_clients.iter().enumerate() {
        let at = format!("oauth_clients[{i}] ({:?})", client.client_id);
        if client.client_id.is_empty() || client.redirect_uris.is_empty() {
            return Err(bad(format!(
                "{at}: a client needs a client_id and at least one redirect URI"
            )));
        }
        if let Some(uri) = client
            .redirect_uris
            .iter()
            .find(|u| url::Url::parse(u).is_err())
        {
            return Err(bad(format!(
                "{at}: the redirect URI {uri:?} is not an absolute URL"
            )));
        }
        match directory.client(&client.client_id) {
            Some(known) if known == client => continue,
            Some(_) => {
                return Err(bad(format!(
                    "{at}: a client with this client_id exists with other fields"
                )));
            }
            None => {}
        }
        directory.clients.push(client.clone());
        changed = true;
    }
    let user_exists = |user: &str, at: &str| match directory.user(user) {
        Some(u) => Ok(u.prefix()),
        None => Err(bad(format!(
            "{at}: no user {user:?}; add it to `users` or name a configured user"
        ))),
    };

    let mut pats = Vec::new();
    let mut seen_pats: HashMap<&str, &str> = HashMap::new();
    for (i, pat) in doc.pats.iter().enumerate() {
        let at = format!("pats[{i}]");
        user_exists(&pat.user, &at)?;
        if pat.token.is_empty() || !pat.token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad(format!(
                "{at}: a PAT must be non-empty printable ASCII without spaces"
            )));
        }
        let owner = state
            .tokens
            .pat_user(&pat.token)
            .or_else(|| seen_pats.get(pat.token.as_str()).map(|u| (*u).to_owned()));
        match owner {
            Some(owner) if owner == pat.user => {}
            Some(_) => {
                return Err(bad(format!("{at}: this token is another user's PAT")));
            }
            None => {
                seen_pats.insert(&pat.token, &pat.user);
                pats.push(pat.clone());
            }
        }
    }

    let mut files = Vec::new();
    let mut seen_files: HashSet<(String, Vec<String>)> = HashSet::new();
    for (i, file) in doc.files.iter().enumerate() {
        let at = format!("files[{i}] ({:?})", file.path);
        let prefix = user_exists(&file.user, &at)?;
        if file.path.split('/').any(|c| c == "..") {
            return Err(bad(format!("{at}: a seeded path may not contain `..`")));
        }
        let path = UserPath::parse(&file.path).map_err(|e| bad(format!("{at}: {e}")))?;
        if path.is_root() {
            return Err(bad(format!("{at}: name a file below /user")));
        }
        let data = match (&file.content, &file.content_base64) {
            (Some(text), None) => text.clone().into_bytes(),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| bad(format!("{at}: content_base64 is not base64: {e}")))?,
            _ => {
                return Err(bad(format!(
                    "{at}: give exactly one of `content` (text) and `content_base64`"
                )));
            }
        };
        if let Some(why) = state.files.seed_conflict(&prefix, &path) {
            return Err(bad(format!("{at}: {why}")));
        }
        let parts = path.parts().to_vec();
        if !seen_files.insert((prefix.clone(), parts.clone())) {
            return Err(bad(format!("{at}: the document seeds this path twice")));
        }
        files.push((prefix, path, data));
    }
    // One seeded file may not be a folder of another.
    for (prefix, path, _) in &files {
        for n in 1..path.parts().len() {
            if seen_files.contains(&(prefix.clone(), path.parts()[..n].to_vec())) {
                return Err(bad(format!(
                    "files: /user/{} is seeded as a file and as a folder of {path}",
                    path.parts()[..n].join("/")
                )));
            }
        }
    }

    let mut servers = Vec::new();
    for (i, server) in doc.servers.iter().enumerate() {
        user_exists(&server.user, &format!("servers[{i}]"))?;
        servers.push(server.clone());
    }

    let mut jobs = Vec::new();
    let mut seen_jobs = HashSet::new();
    for (i, job) in doc.jobs.iter().enumerate() {
        let at = format!("jobs[{i}] ({})", job.job_id);
        user_exists(&job.user, &at)?;
        if job.job_type.as_deref().is_some_and(|t| t != "EVAL") {
            return Err(bad(format!("{at}: job_type is \"EVAL\" (or absent)")));
        }
        if job.status.as_deref().is_some_and(|s| s != "DONE") {
            return Err(bad(format!(
                "{at}: a seeded job is finished, status \"DONE\" (or absent); a failed job \
                 is DONE with a result of type \"error\""
            )));
        }
        let time = |field: &str, value: &str| {
            DateTime::parse_from_rfc3339(value)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| bad(format!("{at}: {field} must be RFC 3339: {e}")))
                .and_then(|t| {
                    if (mock_kit::Clock::EARLIEST..=mock_kit::Clock::LATEST).contains(&t) {
                        Ok(t)
                    } else {
                        Err(bad(format!("{at}: {field} is outside the clock's range")))
                    }
                })
        };
        let start = time("start_time", &job.start_time)?;
        let end = time("end_time", &job.end_time)?;
        if end < start {
            return Err(bad(format!("{at}: end_time is before start_time")));
        }
        if state.jobs.contains(&job.user, job.job_id) {
            return Err(bad(format!(
                "{at}: the user has a job with this id already"
            )));
        }
        if !seen_jobs.insert((job.user.as_str(), job.job_id)) {
            return Err(bad(format!("{at}: the document seeds this job twice")));
        }
        let outcome = match &job.result {
            SeedResult::Success(s) => JobOutcome::Success(s.text.clone()),
            SeedResult::Error(e) => JobOutcome::Error(e.clone()),
        };
        jobs.push(PlannedJob {
            user: job.user.clone(),
            id: job.job_id,
            name: job.name.clone(),
            times: (start, end),
            outcome,
        });
    }
    Ok(Plan {
        directory: changed.then_some(directory),
        pats,
        files,
        servers,
        jobs,
    })
}

/// Applies a checked plan. Files go first: a write is the one step that can still fail
/// (a full disk), and nothing else has changed yet when it does. Files written before
/// such a failure stay (MOCK-DEFINED: a 500 says the seed is incomplete).
fn execute(state: &AppState, plan: Plan) -> Result<(), ApiError> {
    for (prefix, path, data) in &plan.files {
        state
            .files
            .put(prefix, path, data)
            .map_err(|e| ApiError::Internal(format!("cannot write the seeded file {path}: {e}")))?;
    }
    if let Some(directory) = plan.directory {
        state.accounts.replace(directory);
    }
    // As old as configured PATs: they work with any server, seeded or started later.
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    for pat in plan.pats {
        state.tokens.add_pat(pat.token, pat.user, epoch);
    }
    let now = state.clock.now();
    for server in plan.servers {
        state
            .servers
            .start_running(&server.user, now, server.inactivity_timeout);
    }
    for job in plan.jobs {
        state
            .jobs
            .insert_finished(&job.user, job.id, job.name, job.times, job.outcome);
    }
    Ok(())
}

/// The mock's state as a seed document (see the module docs for what it leaves out).
fn state_of(state: &AppState) -> Result<SeedDocument, ApiError> {
    let directory = state.accounts.snapshot();
    let mut users: BTreeMap<&str, &User> = BTreeMap::new();
    for u in &directory.users {
        users.insert(&u.nickname, u);
    }
    let mut files = Vec::new();
    for user in users.values() {
        let found = state.files.files_of(&user.prefix()).map_err(|e| {
            ApiError::Internal(format!("cannot read {}'s files: {e}", user.nickname))
        })?;
        for (path, data) in found {
            // Text where it is text, so the state reads well.
            let (content, content_base64) = match String::from_utf8(data) {
                Ok(text) => (Some(text), None),
                Err(e) => (
                    None,
                    Some(base64::engine::general_purpose::STANDARD.encode(e.into_bytes())),
                ),
            };
            files.push(SeedFile {
                user: user.nickname.clone(),
                path: path.to_string(),
                content,
                content_base64,
            });
        }
    }
    let now = state.clock.now();
    let servers = state
        .servers
        .up(now)
        .into_iter()
        .map(|(user, timeout)| SeedServer {
            user,
            inactivity_timeout: Some(timeout),
        })
        .collect();
    let mut jobs = Vec::new();
    for user in state.jobs.users() {
        for job in state.jobs.list(&user) {
            let (Some(end), Some(outcome)) = (job.end_time, job.outcome) else {
                continue;
            };
            jobs.push(SeedJob {
                user: user.clone(),
                job_id: job.job_id,
                name: job.name,
                job_type: Some("EVAL".into()),
                status: Some("DONE".into()),
                start_time: mock_kit::iso_millis(job.start_time),
                end_time: mock_kit::iso_millis(end),
                result: match outcome {
                    JobOutcome::Success(text) => SeedResult::Success(SuccessText { text }),
                    JobOutcome::Error(e) => SeedResult::Error(e),
                },
            });
        }
    }
    Ok(SeedDocument {
        users: directory.users.clone(),
        oauth_clients: directory.clients.clone(),
        pats: state
            .tokens
            .pats()
            .into_iter()
            .map(|(token, user)| Pat { token, user })
            .collect(),
        files,
        servers,
        jobs,
    })
}
