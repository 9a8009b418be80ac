//! Linkis checks: the envelope, authentication (sessions, tokens, proxy users), the
//! entrance (submit/execute → status → log → progress → kill), job history and result
//! sets, and the mock's own choices. Only cheap SQL is submitted to real gateways.

pub mod auth;
pub mod clients;
pub mod entrance;
pub mod history;
pub mod mockdef;

use serde_json::Value;

use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, LinkisEnv, LinkisJob};
use crate::http::{Http, Resp};
use crate::{ensure, ensure_eq};

pub use crate::ctx::REST;

/// The Linkis suite in run order. Checks that move the clock past the session timeout
/// run last: they end every session, the cached main session included.
pub fn all() -> Vec<Check> {
    let (mut late, mut v): (Vec<Check>, Vec<Check>) = auth::all()
        .into_iter()
        .partition(|c| c.id.starts_with("linkis.auth.session_"));
    v.extend(entrance::all());
    v.extend(history::all());
    v.extend(clients::all());
    v.extend(mockdef::all());
    v.append(&mut late);
    v
}

/// Fails unless `v` is the envelope: exactly `method`, `status`, `message`, `data`, with
/// `data` an object and `status` an integer.
pub fn envelope(v: &Value) -> CheckResult {
    let m = v
        .as_object()
        .ok_or_else(|| Fail::Failed(format!("the body is not a JSON object: {v}")))?;
    let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
    keys.sort_unstable();
    ensure_eq!(
        keys,
        vec!["data", "message", "method", "status"],
        "envelope keys"
    );
    ensure!(v["data"].is_object(), "data must be an object: {v}");
    ensure!(v["status"].is_i64(), "status must be an integer: {v}");
    ensure!(
        v["method"].is_string() || v["method"].is_null(),
        "method must be a string or null: {v}"
    );
    Ok(())
}

/// The HTTP status Linkis pairs with an envelope status.
pub fn http_for(status: i64) -> u16 {
    match status {
        0 => 200,
        -1 => 401,
        2 => 412,
        3 => 403,
        4 => 206,
        _ => 400,
    }
}

/// Checks the envelope, its status, the mirrored HTTP status, and returns the body.
pub fn expect(r: &Resp, status: i64) -> Result<&Value, Fail> {
    let v = r.json()?;
    envelope(v)?;
    ensure!(
        v["status"].as_i64() == Some(status),
        "{}: expected envelope status {status}, got {}",
        r.what,
        r.summary()
    );
    ensure_eq!(
        r.status,
        http_for(status),
        "{}: HTTP status for envelope status {status}",
        r.what
    );
    Ok(v)
}

/// Checks the exact `message`.
pub fn expect_message(v: &Value, want: &str) -> CheckResult {
    ensure_eq!(v["message"].as_str(), Some(want), "message");
    Ok(())
}

/// Submits `code` as the main identity and waits for the end. Returns the client, the
/// acting user, the job and the statuses seen.
pub async fn run_job<'a>(
    ctx: &'a Ctx,
    code: &str,
) -> Result<(&'a LinkisEnv, Http, String, LinkisJob, Vec<String>), Fail> {
    let env = ctx.linkis()?;
    let (http, user) = env.main().await?;
    let job = env.submit(&http, &user, code).await?;
    let seen = env
        .wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok((env, http, user, job, seen))
}

/// A cheap query with three rows.
pub const THREE_ROWS: &str = "select 1 as n union all select 2 as n union all select 3 as n";

/// Fetches the whole log (size=-1) of a job.
pub async fn full_log(http: &Http, exec_id: &str) -> Result<Value, Fail> {
    let r = http
        .get(&format!("{REST}/entrance/{exec_id}/log"))
        .query(&[("fromLine", "0"), ("size", "-1")])
        .send()
        .await?;
    Ok(expect(&r, 0)?.clone())
}
