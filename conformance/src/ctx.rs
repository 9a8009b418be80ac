//! What a check runs against: the targets, their HTTP clients and identities, and
//! helpers for bounded waits (which move a mock's clock instead of sleeping).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::check::Fail;
use crate::http::{Http, Recorder, Resp};
use crate::target::{EngeeTarget, LinkisTarget, TargetConfig};
use crate::{Api, ensure};

/// The context shared by every check of a run.
pub struct Ctx {
    pub cfg: TargetConfig,
    pub rec: Recorder,
    /// Random per run; names the scratch directory and job names.
    pub run_id: String,
    pub engee: Option<EngeeEnv>,
    pub linkis: Option<LinkisEnv>,
}

/// Whether `base` answers the mocks' admin health endpoint.
pub async fn detect_mock(base: &str, timeout: Duration) -> bool {
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(_) => return false,
    };
    let url = format!("{}/__admin/health", base.trim_end_matches('/'));
    match client.get(url).send().await {
        Ok(r) if r.status().is_success() => r
            .json::<Value>()
            .await
            .is_ok_and(|v| v.get("status").and_then(Value::as_str) == Some("ok")),
        _ => false,
    }
}

impl Ctx {
    /// Builds the context: detects mocks (and fills their demo identities).
    pub async fn new(mut cfg: TargetConfig) -> Self {
        let rec = Recorder::default();
        let run_id = format!("{:08x}", rand::random::<u32>());
        let timeout = cfg.request_timeout();
        let mut engee = None;
        if let Some(t) = cfg.engee.as_mut() {
            let is_mock = !cfg.assume_real && detect_mock(&t.base_url, timeout).await;
            if is_mock {
                t.fill_mock_defaults();
            }
            engee = Some(EngeeEnv::new(t.clone(), is_mock, rec.clone(), timeout));
        }
        let mut linkis = None;
        if let Some(t) = cfg.linkis.as_mut() {
            let is_mock = !cfg.assume_real && detect_mock(&t.base_url, timeout).await;
            if is_mock {
                t.fill_mock_defaults();
            }
            linkis = Some(LinkisEnv::new(t.clone(), is_mock, rec.clone(), timeout));
        }
        Self {
            cfg,
            rec,
            run_id,
            engee,
            linkis,
        }
    }

    pub fn engee(&self) -> Result<&EngeeEnv, Fail> {
        self.engee
            .as_ref()
            .ok_or_else(|| Fail::Skipped("no Engee target configured".into()))
    }

    pub fn linkis(&self) -> Result<&LinkisEnv, Fail> {
        self.linkis
            .as_ref()
            .ok_or_else(|| Fail::Skipped("no Linkis target configured".into()))
    }

    pub fn is_mock(&self, api: Api) -> bool {
        match api {
            Api::Engee => self.engee.as_ref().is_some_and(|e| e.is_mock),
            Api::Linkis => self.linkis.as_ref().is_some_and(|l| l.is_mock),
        }
    }

    /// The Engee scratch directory of this run: `/user/conformance-<run id>`.
    pub fn scratch(&self) -> String {
        format!("/user/conformance-{}", self.run_id)
    }

    /// Whether the checks may start and stop the Engee server.
    pub fn lifecycle_allowed(&self) -> bool {
        self.cfg.allow_lifecycle || self.engee.as_ref().is_some_and(|e| e.is_mock)
    }

    pub fn require_lifecycle(&self) -> Result<(), Fail> {
        if self.lifecycle_allowed() {
            Ok(())
        } else {
            Err(Fail::Skipped(
                "starts or stops the Engee server; pass --allow-lifecycle to run it".into(),
            ))
        }
    }

    pub fn wait_limit(&self) -> Duration {
        Duration::from_secs(self.cfg.wait_secs.max(1))
    }
}

/// Moves a mock's clock forward through its admin API.
async fn admin_advance(admin: &Http, secs: f64) -> Result<(), Fail> {
    let r = admin
        .post("/__admin/clock")
        .json(&json!({ "advance_secs": secs }))
        .unrecorded()
        .send()
        .await?;
    ensure!(
        r.status == 200,
        "the mock's admin clock refused to move: {}",
        r.summary()
    );
    Ok(())
}

/// One step of a bounded wait: a second of mock time (and a moment for the mock's tasks
/// to run), or a real second against a real service.
async fn tick(is_mock: bool, admin: &Http) -> Result<(), Fail> {
    if is_mock {
        admin_advance(admin, 1.0).await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    } else {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

fn need_mock(is_mock: bool, why: &str) -> Result<(), Fail> {
    if is_mock {
        Ok(())
    } else {
        Err(Fail::Skipped(format!("runs only against a mock: {why}")))
    }
}

/// The Engee target.
pub struct EngeeEnv {
    pub target: EngeeTarget,
    pub is_mock: bool,
    /// Records exchanges; no cookies.
    pub http: Http,
    admin: Http,
    token: OnceCell<Result<String, Fail>>,
}

/// The user API of a running Engee server: `<url>` from `info`, e.g.
/// `https://engee.com/prod/user/personal-demo/`.
#[derive(Clone, Debug)]
pub struct UserApi {
    pub url: String,
    pub token: String,
}

impl UserApi {
    /// `url` + `rel` (`rel` without a leading slash, e.g. `external/command/eval`).
    pub fn at(&self, rel: &str) -> String {
        format!(
            "{}/{}",
            self.url.trim_end_matches('/'),
            rel.trim_start_matches('/')
        )
    }
}

impl EngeeEnv {
    fn new(target: EngeeTarget, is_mock: bool, rec: Recorder, timeout: Duration) -> Self {
        let http = Http::new(&target.base_url, Api::Engee, rec.clone(), false, timeout);
        let admin = Http::new(&target.base_url, Api::Engee, rec, false, timeout);
        Self {
            target,
            is_mock,
            http,
            admin,
            token: OnceCell::new(),
        }
    }

    pub fn require_mock(&self, why: &str) -> Result<(), Fail> {
        need_mock(self.is_mock, why)
    }

    /// The mock's admin API (mock only): seeding, state, readiness.
    pub fn admin(&self) -> Result<&Http, Fail> {
        self.require_mock("uses the mock's admin API")?;
        Ok(&self.admin)
    }

    /// Moves the mock's clock (mock only).
    pub async fn advance(&self, secs: f64) -> Result<(), Fail> {
        self.require_mock("moves the clock")?;
        admin_advance(&self.admin, secs).await
    }

    /// One step of a bounded wait: a second of mock time, or a real second.
    pub async fn tick(&self) -> Result<(), Fail> {
        tick(self.is_mock, &self.admin).await
    }

    /// The main user's bearer token: the configured token/PAT, else one from the OAuth flow.
    pub async fn token(&self) -> Result<String, Fail> {
        self.token
            .get_or_init(|| async {
                if let Some(t) = &self.target.token {
                    return Ok(t.clone());
                }
                if self.target.has_oauth_client() {
                    let t = crate::checks::engee::oauth::obtain_tokens(self, None).await?;
                    return Ok(t.access_token);
                }
                Err(Fail::Skipped(
                    "no Engee credentials: give --token (access token or PAT) or OAuth client credentials".into(),
                ))
            })
            .await
            .clone()
    }

    /// A second user's token (isolation checks).
    pub fn token2(&self) -> Result<String, Fail> {
        self.target.token2.clone().ok_or_else(|| {
            Fail::Skipped("needs a second Engee identity (--token2 / ENGEE_TOKEN2)".into())
        })
    }

    /// `GET /account/api/engee/info` with `token`.
    pub async fn info(&self, token: &str) -> Result<Value, Fail> {
        let r = self
            .http
            .get("/account/api/engee/info")
            .bearer(token)
            .send()
            .await?;
        r.expect_status(200)?;
        Ok(r.json()?.clone())
    }

    /// The absolute user-API URL from an `info` answer.
    pub fn user_url(&self, info: &Value) -> Result<String, Fail> {
        let url = info
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| Fail::Failed(format!("info has no string `url`: {info}")))?;
        Ok(if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}/{}", self.http.base(), url.trim_start_matches('/'))
        })
    }

    /// Waits until `info.serverStatus` is `want` (bounded).
    pub async fn wait_status(
        &self,
        token: &str,
        want: &str,
        limit: Duration,
    ) -> Result<Value, Fail> {
        let started = Instant::now();
        loop {
            let info = self.info(token).await?;
            let status = info
                .get("serverStatus")
                .and_then(Value::as_str)
                .unwrap_or("");
            if status == want {
                return Ok(info);
            }
            if started.elapsed() > limit {
                return Err(Fail::Failed(format!(
                    "the Engee server did not become {want} within {limit:?} (still {status:?})"
                )));
            }
            self.tick().await?;
        }
    }

    /// The user API of the main user's running server. Starts it when it is stopped and
    /// lifecycle is allowed; otherwise the check is skipped.
    pub async fn running(&self, ctx: &Ctx) -> Result<UserApi, Fail> {
        let token = self.token().await?;
        self.running_as(ctx, &token).await
    }

    /// Same as [`EngeeEnv::running`] for another token.
    pub async fn running_as(&self, ctx: &Ctx, token: &str) -> Result<UserApi, Fail> {
        let info = self.info(token).await?;
        let status = info
            .get("serverStatus")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let info = match status.as_str() {
            "running" => info,
            "starting" => self.wait_status(token, "running", ctx.wait_limit()).await?,
            _ => {
                if !ctx.lifecycle_allowed() {
                    return Err(Fail::Skipped(format!(
                        "the Engee server is {status}; start it in the web UI or pass --allow-lifecycle"
                    )));
                }
                if status == "stopping" {
                    self.wait_status(token, "stopped", ctx.wait_limit()).await?;
                }
                let r = self
                    .http
                    .post("/account/api/engee/start")
                    .bearer(token)
                    .send()
                    .await?;
                r.expect_status(200)?;
                self.wait_status(token, "running", ctx.wait_limit()).await?
            }
        };
        Ok(UserApi {
            url: self.user_url(&info)?,
            token: token.to_owned(),
        })
    }

    /// `POST external/command/eval`; returns the raw response.
    pub async fn eval(&self, api: &UserApi, code: &str) -> Result<Resp, Fail> {
        self.http
            .post(&api.at("external/command/eval"))
            .bearer(&api.token)
            .json(&json!({ "command": code }))
            .send()
            .await
    }

    /// Evaluates `code` and returns `result`, failing on anything but 200.
    pub async fn eval_ok(&self, api: &UserApi, code: &str) -> Result<String, Fail> {
        let r = self.eval(api, code).await?;
        r.expect_status(200)?;
        r.json()?
            .get("result")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Fail::Failed(format!(
                    "eval of {code:?}: no string `result` in {}",
                    r.summary()
                ))
            })
    }
}

/// A submitted Linkis job.
#[derive(Clone, Debug)]
pub struct LinkisJob {
    pub exec_id: String,
    pub task_id: u64,
}

/// The Linkis target.
pub struct LinkisEnv {
    pub target: LinkisTarget,
    pub is_mock: bool,
    rec: Recorder,
    timeout: Duration,
    admin: Http,
    main: OnceCell<Result<(Http, String), Fail>>,
    second: OnceCell<Result<(Http, String), Fail>>,
}

/// Prefix of every Linkis REST path.
pub const REST: &str = "/api/rest_j/v1";

impl LinkisEnv {
    fn new(target: LinkisTarget, is_mock: bool, rec: Recorder, timeout: Duration) -> Self {
        let admin = Http::new(&target.base_url, Api::Linkis, rec.clone(), false, timeout);
        Self {
            target,
            is_mock,
            rec,
            timeout,
            admin,
            main: OnceCell::new(),
            second: OnceCell::new(),
        }
    }

    pub fn require_mock(&self, why: &str) -> Result<(), Fail> {
        need_mock(self.is_mock, why)
    }

    pub async fn advance(&self, secs: f64) -> Result<(), Fail> {
        self.require_mock("moves the clock")?;
        admin_advance(&self.admin, secs).await
    }

    /// The mock's admin API (mock only): seeding, state, readiness.
    pub fn admin(&self) -> Result<&Http, Fail> {
        self.require_mock("uses the mock's admin API")?;
        Ok(&self.admin)
    }

    pub async fn tick(&self) -> Result<(), Fail> {
        tick(self.is_mock, &self.admin).await
    }

    /// A fresh client with its own cookie jar, not logged in.
    pub fn fresh(&self) -> Http {
        Http::new(
            &self.target.base_url,
            Api::Linkis,
            self.rec.clone(),
            true,
            self.timeout,
        )
    }

    /// A fresh client like [`LinkisEnv::fresh`], connecting from the local address `ip`.
    pub fn fresh_from(&self, ip: std::net::IpAddr) -> Http {
        Http::with_local_address(
            &self.target.base_url,
            Api::Linkis,
            self.rec.clone(),
            true,
            self.timeout,
            Some(ip),
        )
    }

    /// Logs in with a password on a fresh client; returns it and the login response.
    pub async fn login(&self, user: &str, password: &str) -> Result<(Http, Resp), Fail> {
        let http = self.fresh();
        let r = http
            .post(&format!("{REST}/user/login"))
            .json(&json!({ "userName": user, "password": password }))
            .send()
            .await?;
        Ok((http, r))
    }

    async fn login_ok(&self, user: &str, password: &str) -> Result<(Http, String), Fail> {
        let (http, r) = self.login(user, password).await?;
        let status = r.json()?.get("status").and_then(Value::as_i64);
        ensure!(status == Some(0), "login as {user} failed: {}", r.summary());
        Ok((http, user.to_owned()))
    }

    /// The main identity: password login, else a token pair, else a proxy token. Returns
    /// the client and the user it acts as.
    pub async fn main(&self) -> Result<(Http, String), Fail> {
        self.main
            .get_or_init(|| async {
                let t = &self.target;
                if let (Some(u), Some(p)) = (&t.user, &t.password) {
                    return self.login_ok(u, p).await;
                }
                if let (Some(code), Some(u)) = (&t.token, &t.token_user) {
                    let http = self
                        .fresh()
                        .with_header("Token-Code", code)
                        .with_header("Token-User", u);
                    return Ok((http, u.clone()));
                }
                if let (Some(code), Some(u)) = (&t.proxy_token, &t.proxy_user) {
                    let http = self
                        .fresh()
                        .with_header("Validation-Code", code)
                        .with_header("Proxy-User", u);
                    return Ok((http, u.clone()));
                }
                Err(Fail::Skipped(
                    "no Linkis credentials: give --user/--password, a token pair or a proxy token"
                        .into(),
                ))
            })
            .await
            .clone()
    }

    /// A second password identity for isolation checks.
    pub async fn second(&self) -> Result<(Http, String), Fail> {
        self.second
            .get_or_init(|| async {
                match (&self.target.user2, &self.target.password2) {
                    (Some(u), Some(p)) => self.login_ok(u, p).await,
                    _ => Err(Fail::Skipped(
                        "needs a second Linkis user (--user2/--password2)".into(),
                    )),
                }
            })
            .await
            .clone()
    }

    /// Submits `code` through `entrance/submit` (1.x shape) as `http`.
    pub async fn submit(&self, http: &Http, user: &str, code: &str) -> Result<LinkisJob, Fail> {
        let body = json!({
            "executionContent": {"code": code, "runType": self.target.run_type()},
            "params": {"variable": {}, "configuration": {}},
            "source": {"scriptPath": "conformance.sql"},
            "labels": {"engineType": self.target.engine_type(), "userCreator": format!("{user}-IDE")},
        });
        let r = http
            .post(&format!("{REST}/entrance/submit"))
            .json(&body)
            .send()
            .await?;
        job_from(&r)
    }

    /// Polls `status` until a terminal state (bounded); returns every status seen in order.
    pub async fn wait_terminal(
        &self,
        http: &Http,
        exec_id: &str,
        limit: Duration,
    ) -> Result<Vec<String>, Fail> {
        let started = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let r = http
                .get(&format!("{REST}/entrance/{exec_id}/status"))
                .send()
                .await?;
            let v = r.json()?;
            let s = v["data"]["status"].as_str().ok_or_else(|| {
                Fail::Failed(format!(
                    "status of {exec_id}: no data.status in {}",
                    r.summary()
                ))
            })?;
            if seen.last().map(String::as_str) != Some(s) {
                seen.push(s.to_owned());
            }
            if TERMINAL.contains(&s) {
                return Ok(seen);
            }
            if started.elapsed() > limit {
                return Err(Fail::Failed(format!(
                    "job {exec_id} did not finish within {limit:?}; statuses seen: {seen:?}"
                )));
            }
            self.tick().await?;
        }
    }

    /// `jobhistory/{taskID}/get` → `data.task`.
    pub async fn task(&self, http: &Http, task_id: u64) -> Result<Value, Fail> {
        let r = http
            .get(&format!("{REST}/jobhistory/{task_id}/get"))
            .send()
            .await?;
        let v = r.json()?;
        ensure!(
            v["status"] == 0,
            "jobhistory/{task_id}/get: {}",
            r.summary()
        );
        Ok(v["data"]["task"].clone())
    }
}

/// Linkis job states in enum order.
pub const STATES: [&str; 8] = [
    "Inited",
    "WaitForRetry",
    "Scheduled",
    "Running",
    "Succeed",
    "Failed",
    "Cancelled",
    "Timeout",
];
/// The terminal ones.
pub const TERMINAL: [&str; 4] = ["Succeed", "Failed", "Cancelled", "Timeout"];

/// Reads `data.execID` / `data.taskID` (number or numeric string) from a submit/execute answer.
pub fn job_from(r: &Resp) -> Result<LinkisJob, Fail> {
    let v = r.json()?;
    ensure!(v["status"] == 0, "{}: job refused: {}", r.what, r.summary());
    let exec_id = v["data"]["execID"]
        .as_str()
        .ok_or_else(|| Fail::Failed(format!("no string data.execID in {}", r.summary())))?
        .to_owned();
    let task = &v["data"]["taskID"];
    let task_id = task
        .as_u64()
        .or_else(|| task.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| Fail::Failed(format!("data.taskID is not a number: {task}")))?;
    Ok(LinkisJob { exec_id, task_id })
}
