//! The mock's control plane where it is the mock's own (MOCK-DEFINED): seeding, the
//! state that seeding reproduces, readiness. Real Engee has none of it.

use serde_json::json;

use crate::check::{Check, CheckResult};
use crate::ctx::Ctx;
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![check!(
        "engee.mock.seed",
        Engee,
        MockDefined,
        "POST /__admin/seed adds a PAT that authenticates at once; GET /__admin/state lists it; GET /__admin/ready is 200; a PAT for an unknown user is a 400 that adds nothing",
        seed
    )]
}

async fn seed(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let admin = env.admin()?;
    let user = env.target.user.clone().unwrap_or_else(|| "demo".into());
    let token = "conformance-seeded-pat";
    // Seeding an item equal to one the mock has changes nothing: the check can run twice.
    let r = admin
        .post("/__admin/seed")
        .json(&json!({"pats": [{"user": user, "token": token}]}))
        .send()
        .await?;
    ensure!(r.status < 300, "the seed was refused: {}", r.summary());
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer(token)
        .send()
        .await?;
    ensure_eq!(r.status, 200, "info with the seeded PAT");

    let r = admin.get("/__admin/state").send().await?;
    ensure_eq!(r.status, 200, "GET /__admin/state");
    let state = r.json()?;
    ensure!(
        state["pats"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["token"] == token && p["user"] == user)),
        "the state should list the seeded PAT: {}",
        r.summary()
    );

    let bad = "conformance-orphan-pat";
    let r = admin
        .post("/__admin/seed")
        .json(&json!({"pats": [{"user": "conformance-nobody", "token": bad}]}))
        .send()
        .await?;
    ensure_eq!(r.status, 400, "a PAT for a user that does not exist");
    ensure!(
        r.json()?["error"].is_string() || r.json()?["error"].is_object(),
        "the refusal should be an Engee JSON error: {}",
        r.summary()
    );
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer(bad)
        .send()
        .await?;
    ensure_eq!(r.status, 401, "the refused seed's PAT");

    let r = admin.get("/__admin/ready").send().await?;
    ensure_eq!(r.status, 200, "GET /__admin/ready");
    ensure_eq!(r.json()?["ready"], json!(true), "ready");
    Ok(())
}
