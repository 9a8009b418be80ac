//! Engee server management: info, start, stop, the lifecycle, the per-user prefix, and
//! what happens to user APIs while the server is not running.

use serde_json::{Value, json};

use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, EngeeEnv, UserApi};
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "engee.server.info.shape",
            Engee,
            Spec,
            "GET /account/api/engee/info returns every documented field; serverStatus is starting|running|stopping|stopped; clusterNamespace.minimalMode is a bool",
            info_shape
        ),
        check!(
            "engee.server.info.timestamps",
            Engee,
            Spec,
            "info timestamps are ISO 8601 UTC with milliseconds (2025-02-10T10:24:31.328Z) or null",
            info_timestamps
        ),
        check!(
            "engee.server.prefix",
            Engee,
            Spec,
            "info.url is the user's own prefix /prod/user/<license>-<nickname>/",
            prefix_shape
        ),
        check!(
            "engee.server.stop",
            Engee,
            Spec,
            "DELETE /account/api/engee/stop answers 204 and the server reaches stopped",
            server_stop
        ),
        check!(
            "engee.server.start",
            Engee,
            Spec,
            "POST /account/api/engee/start answers {\"server\": <url>} and the server reaches running",
            server_start
        ),
        check!(
            "engee.server.start.body",
            Engee,
            Spec,
            "start accepts the optional JSON body {\"url\", \"inactivityTimeout\"} of Engee's Python example",
            start_with_body
        ),
        check!(
            "engee.server.start.inactivity_applied",
            Engee,
            MockDefined,
            "the inactivityTimeout given to start shows in info.inactivityTimeout",
            inactivity_applied
        ),
        check!(
            "engee.server.start.idempotent",
            Engee,
            MockDefined,
            "start while running answers the same server URL",
            start_idempotent
        ),
        check!(
            "engee.server.stop.idempotent",
            Engee,
            MockDefined,
            "stop while stopped is 204 as well",
            stop_idempotent
        ),
        check!(
            "engee.server.phases",
            Engee,
            MockDefined,
            "timestamps fill as phases begin: startingAt/startedAt after a start, stoppingAt/stoppedAt after a stop; stopSessionAt is set while running",
            phases
        ),
        check!(
            "engee.server.not_running",
            Engee,
            MockDefined,
            "a user API called while the server is stopped is HTTP 503 with a JSON body",
            not_running
        ),
        check!(
            "engee.server.stop_clears_workspace",
            Engee,
            MockDefined,
            "stopping the server ends its Julia workspace: a variable is gone after the next start",
            stop_clears_workspace
        ),
        check!(
            "engee.server.files_persist",
            Engee,
            MockDefined,
            "files under /user survive a stop and start",
            files_persist
        ),
        check!(
            "engee.server.last_activity",
            Engee,
            MockDefined,
            "lastActivityAt moves forward on a user-API call (mock clock)",
            last_activity
        ),
        check!(
            "engee.server.inactivity_stop",
            Engee,
            MockDefined,
            "after inactivityTimeout seconds without activity the server stops by itself (mock clock)",
            inactivity_stop
        ),
        check!(
            "engee.server.session_end",
            Engee,
            MockDefined,
            "stopSessionAt is the hard end of a session: the server stops there even while in use (mock clock)",
            session_end
        ),
        check!(
            "engee.prefix.other_user",
            Engee,
            MockDefined,
            "user A's token on user B's prefix is 403",
            other_user_prefix
        ),
        check!(
            "engee.prefix.unknown",
            Engee,
            MockDefined,
            "an unknown /prod/user/<prefix>/ is 404",
            unknown_prefix
        ),
    ]
}

const FIELDS: &[&str] = &[
    "username",
    "serverName",
    "serverId",
    "url",
    "serverStatus",
    "startingAt",
    "startedAt",
    "stoppingAt",
    "stoppedAt",
    "lastActivityAt",
    "inactivityTimeout",
    "stopSessionAt",
    "clusterNamespace",
];
const TIMES: &[&str] = &[
    "startingAt",
    "startedAt",
    "stoppingAt",
    "stoppedAt",
    "lastActivityAt",
    "stopSessionAt",
];

/// `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn is_iso_millis(s: &str) -> bool {
    let b = s.as_bytes();
    let d = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    b.len() == 24
        && d(0..4)
        && b[4] == b'-'
        && d(5..7)
        && b[7] == b'-'
        && d(8..10)
        && b[10] == b'T'
        && d(11..13)
        && b[13] == b':'
        && d(14..16)
        && b[16] == b':'
        && d(17..19)
        && b[19] == b'.'
        && d(20..23)
        && b[23] == b'Z'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

async fn main_info(ctx: &Ctx) -> Result<(&EngeeEnv, String, Value), Fail> {
    let env = ctx.engee()?;
    let token = env.token().await?;
    let info = env.info(&token).await?;
    Ok((env, token, info))
}

async fn info_shape(ctx: &Ctx) -> CheckResult {
    let (_, _, info) = main_info(ctx).await?;
    for f in FIELDS {
        ensure!(info.get(*f).is_some(), "info lacks `{f}`: {info}");
    }
    for f in ["username", "serverName", "serverId", "url"] {
        ensure!(
            info[f].is_string(),
            "info.{f} should be a string: {}",
            info[f]
        );
    }
    let st = info["serverStatus"].as_str().unwrap_or_default();
    ensure!(
        ["starting", "running", "stopping", "stopped"].contains(&st),
        "serverStatus {st:?} is not one of starting|running|stopping|stopped"
    );
    ensure!(
        info["inactivityTimeout"].is_number(),
        "inactivityTimeout should be a number: {}",
        info["inactivityTimeout"]
    );
    ensure!(
        info["clusterNamespace"]["minimalMode"].is_boolean(),
        "clusterNamespace.minimalMode should be a bool: {}",
        info["clusterNamespace"]
    );
    Ok(())
}

fn check_times(info: &Value) -> CheckResult {
    for f in TIMES {
        match &info[*f] {
            Value::Null => {}
            Value::String(s) => ensure!(
                is_iso_millis(s),
                "info.{f} = {s:?} is not ISO 8601 UTC with milliseconds"
            ),
            other => ensure!(false, "info.{f} should be a string or null: {other}"),
        }
    }
    Ok(())
}

async fn info_timestamps(ctx: &Ctx) -> CheckResult {
    let (env, token, info) = main_info(ctx).await?;
    check_times(&info)?;
    if ctx.lifecycle_allowed() {
        env.running(ctx).await?;
        check_times(&env.info(&token).await?)?;
    }
    Ok(())
}

async fn prefix_shape(ctx: &Ctx) -> CheckResult {
    let (env, token, info) = main_info(ctx).await?;
    let url = env.user_url(&info)?;
    let path = url::Url::parse(&url)
        .map(|u| u.path().to_owned())
        .unwrap_or(url.clone());
    let seg = path
        .strip_prefix("/prod/user/")
        .ok_or_else(|| Fail::Failed(format!("info.url {url} is not under /prod/user/")))?;
    ensure!(
        seg.ends_with('/') && seg.matches('/').count() == 1,
        "info.url {url} should be /prod/user/<license>-<nickname>/"
    );
    let r = env
        .http
        .get("/account/api/oauth2/session")
        .bearer(&token)
        .send()
        .await?;
    if r.status == 200 {
        let nick = r.json()?["nickname"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        ensure!(
            seg.trim_end_matches('/').ends_with(&format!("-{nick}")),
            "prefix {seg:?} should end with -<nickname> ({nick})"
        );
    }
    Ok(())
}

async fn stop(env: &EngeeEnv, token: &str) -> CheckResult {
    env.http
        .delete("/account/api/engee/stop")
        .bearer(token)
        .send()
        .await?
        .expect_status(204)?;
    Ok(())
}

async fn stopped(ctx: &Ctx) -> Result<(&EngeeEnv, String), Fail> {
    ctx.require_lifecycle()?;
    let env = ctx.engee()?;
    let token = env.token().await?;
    let info = env.info(&token).await?;
    if info["serverStatus"] != "stopped" {
        if info["serverStatus"] == "starting" {
            env.wait_status(&token, "running", ctx.wait_limit()).await?;
        }
        if info["serverStatus"] != "stopping" {
            stop(env, &token).await?;
        }
        env.wait_status(&token, "stopped", ctx.wait_limit()).await?;
    }
    Ok((env, token))
}

async fn server_stop(ctx: &Ctx) -> CheckResult {
    ctx.require_lifecycle()?;
    let env = ctx.engee()?;
    env.running(ctx).await?;
    let token = env.token().await?;
    stop(env, &token).await?;
    env.wait_status(&token, "stopped", ctx.wait_limit()).await?;
    Ok(())
}

async fn start(env: &EngeeEnv, token: &str, body: Option<Value>) -> Result<String, Fail> {
    let mut req = env.http.post("/account/api/engee/start").bearer(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await?;
    r.expect_status(200)?;
    r.json()?["server"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| {
            Fail::Failed(format!(
                "start should answer {{\"server\": <url>}}, got {}",
                r.summary()
            ))
        })
}

async fn server_start(ctx: &Ctx) -> CheckResult {
    let (env, token) = stopped(ctx).await?;
    let server = start(env, &token, None).await?;
    let info = env.wait_status(&token, "running", ctx.wait_limit()).await?;
    ensure_eq!(
        Some(server.as_str()),
        info["url"].as_str(),
        "start's server URL vs info.url"
    );
    Ok(())
}

async fn start_with_body(ctx: &Ctx) -> CheckResult {
    let (env, token) = stopped(ctx).await?;
    let info = env.info(&token).await?;
    let url = info["url"].clone();
    start(
        env,
        &token,
        Some(json!({"url": url, "inactivityTimeout": 1800})),
    )
    .await?;
    env.wait_status(&token, "running", ctx.wait_limit()).await?;
    Ok(())
}

async fn inactivity_applied(ctx: &Ctx) -> CheckResult {
    let (env, token) = stopped(ctx).await?;
    start(env, &token, Some(json!({"inactivityTimeout": 1234}))).await?;
    let info = env.wait_status(&token, "running", ctx.wait_limit()).await?;
    ensure_eq!(
        info["inactivityTimeout"].as_i64(),
        Some(1234),
        "info.inactivityTimeout after start with 1234"
    );
    Ok(())
}

async fn start_idempotent(ctx: &Ctx) -> CheckResult {
    ctx.require_lifecycle()?;
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let a = start(env, &api.token, None).await?;
    let b = start(env, &api.token, None).await?;
    ensure_eq!(a, b, "server URL of two starts");
    ensure_eq!(
        env.info(&api.token).await?["serverStatus"].as_str(),
        Some("running"),
        "status after a second start"
    );
    Ok(())
}

async fn stop_idempotent(ctx: &Ctx) -> CheckResult {
    let (env, token) = stopped(ctx).await?;
    stop(env, &token).await?;
    Ok(())
}

async fn phases(ctx: &Ctx) -> CheckResult {
    let (env, token) = stopped(ctx).await?;
    start(env, &token, None).await?;
    let info = env.wait_status(&token, "running", ctx.wait_limit()).await?;
    for f in ["startingAt", "startedAt", "stopSessionAt"] {
        ensure!(
            info[f].is_string(),
            "after a start {f} should be set: {info}"
        );
    }
    let started = info["startedAt"].as_str().unwrap_or_default().to_owned();
    stop(env, &token).await?;
    let info = env.wait_status(&token, "stopped", ctx.wait_limit()).await?;
    for f in ["stoppingAt", "stoppedAt"] {
        ensure!(
            info[f].is_string(),
            "after a stop {f} should be set: {info}"
        );
    }
    ensure!(
        info["stoppedAt"].as_str().unwrap_or_default() >= started.as_str(),
        "stoppedAt precedes startedAt: {info}"
    );
    Ok(())
}

async fn not_running(ctx: &Ctx) -> CheckResult {
    let (env, token) = stopped(ctx).await?;
    let info = env.info(&token).await?;
    let api = UserApi {
        url: env.user_url(&info)?,
        token,
    };
    let r = env.eval(&api, "1 + 1").await?;
    ensure!(
        r.status == 503,
        "eval on a stopped server should be 503, got {}",
        r.summary()
    );
    ensure!(
        r.json().is_ok(),
        "the 503 body should be JSON: {}",
        r.summary()
    );
    Ok(())
}

async fn stop_clears_workspace(ctx: &Ctx) -> CheckResult {
    ctx.require_lifecycle()?;
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let var = format!("conformance_ws_{}", ctx.run_id);
    ensure_eq!(
        env.eval_ok(&api, &format!("{var} = 41")).await?,
        "41",
        "assignment result"
    );
    stop(env, &api.token).await?;
    env.wait_status(&api.token, "stopped", ctx.wait_limit())
        .await?;
    let api = env.running(ctx).await?;
    let r = env.eval(&api, &var).await?;
    ensure!(
        r.status == 400,
        "after a restart `{var}` should be undefined (400), got {}",
        r.summary()
    );
    ensure_eq!(
        r.json()?["error"]["type"].as_str(),
        Some("UndefVarError"),
        "error type"
    );
    Ok(())
}

async fn files_persist(ctx: &Ctx) -> CheckResult {
    ctx.require_lifecycle()?;
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let dir = format!("{}/persist", ctx.scratch());
    let data = b"survives a restart\n".to_vec();
    super::files::upload(env, &api, &[(&dir, "keep.txt", data.clone())])
        .await?
        .expect_status(200)?;
    stop(env, &api.token).await?;
    env.wait_status(&api.token, "stopped", ctx.wait_limit())
        .await?;
    let api = env.running(ctx).await?;
    let got = super::files::download_one(env, &api, &format!("{dir}/keep.txt")).await?;
    ensure!(got == data, "the file changed across a restart");
    Ok(())
}

async fn last_activity(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock between calls")?;
    let api = env.running(ctx).await?;
    env.eval_ok(&api, "1 + 1").await?;
    let before = env.info(&api.token).await?["lastActivityAt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    env.advance(5.0).await?;
    env.eval_ok(&api, "1 + 1").await?;
    let after = env.info(&api.token).await?["lastActivityAt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        after > before,
        "lastActivityAt did not move: {before:?} → {after:?}"
    );
    Ok(())
}

async fn inactivity_stop(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock past the inactivity timeout")?;
    let (env, token) = stopped(ctx).await.map(|(_, t)| (env, t))?;
    start(env, &token, Some(json!({"inactivityTimeout": 60}))).await?;
    env.wait_status(&token, "running", ctx.wait_limit()).await?;
    env.advance(59.0).await?;
    ensure_eq!(
        env.info(&token).await?["serverStatus"].as_str(),
        Some("running"),
        "status at 59 s idle"
    );
    env.advance(2.0).await?;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let info = env
        .wait_status(&token, "stopped", std::time::Duration::from_secs(10))
        .await?;
    ensure!(
        info["stoppedAt"].is_string(),
        "stoppedAt should be set: {info}"
    );
    Ok(())
}

async fn other_user_prefix(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let token2 = env.token2()?;
    let info2 = env.info(&token2).await?;
    let api = env.running(ctx).await?;
    let theirs = UserApi {
        url: env.user_url(&info2)?,
        token: api.token.clone(),
    };
    ensure!(
        theirs.url != api.url,
        "both tokens map to the same prefix {}",
        api.url
    );
    let r = env.eval(&theirs, "1 + 1").await?;
    ensure!(
        r.status == 403,
        "user A's token on user B's prefix should be 403, got {}",
        r.summary()
    );
    Ok(())
}

async fn unknown_prefix(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let other = UserApi {
        url: format!(
            "{}/prod/user/conformance-nobody-{}/",
            env.http.base(),
            ctx.run_id
        ),
        token: api.token.clone(),
    };
    let r = env.eval(&other, "1 + 1").await?;
    ensure!(
        r.status == 404,
        "an unknown prefix should be 404, got {}",
        r.summary()
    );
    Ok(())
}

async fn session_end(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock to the end of the session")?;
    let (env, token) = stopped(ctx).await.map(|(_, t)| (env, t))?;
    start(env, &token, None).await?;
    let info = env.wait_status(&token, "running", ctx.wait_limit()).await?;
    let t = |k: &str| {
        info[k]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    let (Some(started), Some(end)) = (t("startedAt"), t("stopSessionAt")) else {
        return Err(Fail::Failed(format!(
            "startedAt/stopSessionAt should be set: {info}"
        )));
    };
    let total = (end - started).num_seconds();
    ensure!(total > 0, "stopSessionAt is not after startedAt: {info}");
    let idle = info["inactivityTimeout"].as_i64().unwrap_or(0).max(1);
    // keep the server busy (below the inactivity timeout) until just before the hard end
    let api = UserApi {
        url: env.user_url(&info)?,
        token: token.clone(),
    };
    let step = (idle / 2).max(1);
    let mut at = 0;
    while at + step < total {
        env.advance(step as f64).await?;
        at += step;
        env.eval_ok(&api, "1").await?;
    }
    ensure_eq!(
        env.info(&token).await?["serverStatus"].as_str(),
        Some("running"),
        "status just before stopSessionAt"
    );
    env.advance((total - at) as f64 + 1.0).await?;
    env.wait_status(&token, "stopped", std::time::Duration::from_secs(10))
        .await?;
    Ok(())
}
