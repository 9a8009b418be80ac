//! Engee checks: OAuth and tokens, server lifecycle, eval, files, async jobs.

pub mod eval;
pub mod files;
pub mod jobs;
pub mod mockdef;
pub mod oauth;
pub mod server;

use crate::check::Check;
use crate::ctx::Ctx;

/// The Engee suite in run order. Clock-moving checks (token lifetimes, inactivity) run
/// last so the 30-day jump does not disturb the others.
pub fn all() -> Vec<Check> {
    let mut v = Vec::new();
    let (mut late, early): (Vec<Check>, Vec<Check>) = oauth::all()
        .into_iter()
        .partition(|c| c.id.ends_with(".lifetime") || c.id == "engee.auth.bearer.expired");
    v.extend(early);
    v.extend(eval::all());
    v.extend(files::all());
    v.extend(jobs::all());
    v.extend(server::all());
    v.extend(mockdef::all());
    v.append(&mut late);
    v
}

/// Removes the scratch directory on real targets (through eval, if the server runs).
pub async fn teardown(ctx: &Ctx) {
    let Some(env) = ctx.engee.as_ref() else {
        return;
    };
    if env.is_mock || !ctx.cfg.cleanup {
        return;
    }
    let Ok(token) = env.token().await else { return };
    let Ok(info) = env.info(&token).await else {
        return;
    };
    if info["serverStatus"] != "running" {
        return;
    }
    let Ok(url) = env.user_url(&info) else { return };
    let api = crate::ctx::UserApi { url, token };
    let dir = ctx.scratch();
    let _ = env
        .eval(
            &api,
            &format!("isdir(\"{dir}\") && rm(\"{dir}\"; recursive=true); nothing"),
        )
        .await;
}
