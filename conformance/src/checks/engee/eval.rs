//! `external/command/eval`: results as Julia's `string(value)`, the error shape, the
//! persistent workspace, malformed bodies and budgets.

use std::time::Instant;

use crate::check::{Check, CheckResult};
use crate::ctx::Ctx;
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "engee.eval.arithmetic",
            Engee,
            Spec,
            "{\"command\": \"3 + 5\"} → 200 {\"result\": \"8\"}",
            arithmetic
        ),
        check!(
            "engee.eval.undef_var",
            Engee,
            Spec,
            "{\"command\": \"unexisting_variable\"} → 400 {result_code: command_error, error: {full_description (with Stacktrace), short_description UndefVarError(:unexisting_variable), type UndefVarError}}",
            undef_var
        ),
        check!(
            "engee.eval.json",
            Engee,
            Spec,
            "using JSON; JSON.json(\"a\"=>1) → 200 {\"result\": \"{\\\"a\\\":1}\"}",
            json_module
        ),
        check!(
            "engee.eval.string_not_repr",
            Engee,
            Spec,
            "result is string(value), not repr: a String comes back without quotes",
            string_not_repr
        ),
        check!(
            "engee.eval.engee_module",
            Engee,
            MockDefined,
            "the `engee` module answers: engee.version() is a String; on a mock, engee.run() without an open model raises NoModelOpenedException",
            engee_module
        ),
        check!(
            "engee.eval.workspace_persists",
            Engee,
            MockDefined,
            "a variable set by one eval is visible to the next",
            workspace_persists
        ),
        check!(
            "engee.eval.bad_body",
            Engee,
            MockDefined,
            "a body that is not JSON, or lacks `command`, is 400 with a JSON message",
            bad_body
        ),
        check!(
            "engee.eval.budget",
            Engee,
            MockDefined,
            "code that never ends is stopped by the evaluator's budget with an error, never a hung request",
            budget,
            120
        ),
        check!(
            "engee.eval.body_too_large",
            Engee,
            MockDefined,
            "an eval body over 2 MiB is 413 {\"error\":\"payload_too_large\",\"message\":…} and its command is not run",
            body_too_large
        ),
    ]
}

async fn arithmetic(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let r = env.eval(&api, "3 + 5").await?;
    r.expect_status(200)?;
    ensure_eq!(r.json()?, &serde_json::json!({"result": "8"}), "eval body");
    Ok(())
}

async fn undef_var(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let r = env.eval(&api, "unexisting_variable").await?;
    r.expect_status(400)?;
    let v = r.json()?;
    ensure_eq!(
        v["result_code"].as_str(),
        Some("command_error"),
        "result_code"
    );
    let e = &v["error"];
    ensure_eq!(e["type"].as_str(), Some("UndefVarError"), "error.type");
    ensure_eq!(
        e["short_description"].as_str(),
        Some("UndefVarError(:unexisting_variable)"),
        "error.short_description"
    );
    let full = e["full_description"].as_str().unwrap_or_default();
    ensure!(
        full.starts_with("UndefVarError: `unexisting_variable` not defined"),
        "full_description should start with the terminal's message, got {full:?}"
    );
    ensure!(
        full.contains("Stacktrace:"),
        "full_description should carry a stack trace: {full:?}"
    );
    Ok(())
}

async fn json_module(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    ensure_eq!(
        env.eval_ok(&api, "using JSON\nJSON.json(\"a\"=>1)").await?,
        "{\"a\":1}",
        "JSON.json result"
    );
    Ok(())
}

async fn string_not_repr(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    ensure_eq!(
        env.eval_ok(&api, "\"con\" * \"formance\"").await?,
        "conformance",
        "a String result"
    );
    ensure_eq!(
        env.eval_ok(&api, "1 / 4").await?,
        "0.25",
        "a Float64 result"
    );
    Ok(())
}

async fn workspace_persists(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let var = format!("conformance_x_{}", ctx.run_id);
    env.eval_ok(&api, &format!("{var} = 41")).await?;
    ensure_eq!(
        env.eval_ok(&api, &format!("{var} + 1")).await?,
        "42",
        "the variable from the previous eval"
    );
    Ok(())
}

async fn bad_body(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let r = env
        .http
        .post(&api.at("external/command/eval"))
        .bearer(&api.token)
        .body("application/json", "{not json")
        .send()
        .await?;
    ensure!(
        r.status == 400,
        "a non-JSON body should be 400, got {}",
        r.summary()
    );
    ensure!(r.json().is_ok(), "the 400 should be JSON: {}", r.summary());
    let r = env
        .http
        .post(&api.at("external/command/eval"))
        .bearer(&api.token)
        .json(&serde_json::json!({"code": "1"}))
        .send()
        .await?;
    ensure!(
        r.status == 400,
        "a body without `command` should be 400, got {}",
        r.summary()
    );
    Ok(())
}

async fn budget(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("runs an endless loop, which a real server would run until its own limit")?;
    let api = env.running(ctx).await?;
    let started = Instant::now();
    let r = env
        .eval(&api, "i = 0\nwhile true\n  global i += 1\nend")
        .await?;
    ensure!(
        r.status == 400,
        "an endless loop should end with a 400 error, got {}",
        r.summary()
    );
    let t = r.json()?["error"]["type"].as_str().map(str::to_owned);
    ensure!(
        t.is_some(),
        "the error should carry error.type: {}",
        r.summary()
    );
    ensure!(
        started.elapsed().as_secs() < 110,
        "the budget took {:?}",
        started.elapsed()
    );
    Ok(())
}

async fn engee_module(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let v = env.eval_ok(&api, "engee.version()").await?;
    ensure!(
        !v.is_empty(),
        "engee.version() should be a non-empty String"
    );
    if env.is_mock {
        let r = env.eval(&api, "engee.run()").await?;
        ensure!(
            r.status == 400,
            "engee.run() without a model should fail, got {}",
            r.summary()
        );
        ensure_eq!(
            r.json()?["error"]["type"].as_str(),
            Some("NoModelOpenedException"),
            "error.type"
        );
    }
    Ok(())
}

/// A little over the mock's 2 MiB bound on JSON bodies (axum's default body limit).
const OVER_JSON_LIMIT: usize = 2 * 1024 * 1024 + 64 * 1024;

async fn body_too_large(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    let var = format!("conformance_big_{}", ctx.run_id);
    // an assignment followed by a long comment: harmless if a server does run it
    let mut command = format!("{var} = 1 # ");
    command.push_str(&"x".repeat(OVER_JSON_LIMIT));
    let r = env.eval(&api, &command).await?;
    ensure_eq!(
        r.status,
        413,
        "HTTP status of a {} byte eval body",
        command.len()
    );
    let v = r.json()?;
    ensure_eq!(
        v["error"].as_str(),
        Some("payload_too_large"),
        "error of the 413 body {v}"
    );
    ensure!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "the 413 body should carry a message: {v}"
    );
    let r = env.eval(&api, &var).await?;
    ensure!(
        r.status == 400,
        "the refused command ran: {var} is defined ({})",
        r.summary()
    );
    ensure_eq!(
        r.json()?["error"]["type"].as_str(),
        Some("UndefVarError"),
        "error.type of reading {var}"
    );
    Ok(())
}
