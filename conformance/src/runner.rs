//! Runs checks one after another, each under its own timeout; a failing or panicking check
//! never stops the run. MOCK-DEFINED failures on a real target become "observed", and
//! failures listed in the expected-failures file become "expected failures".

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::FutureExt;
use serde::Serialize;

use crate::check::{Api, Check, Fail, Outcome, Tier};
use crate::ctx::Ctx;
use crate::expected::Expected;

/// One check's result.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub id: String,
    pub api: Api,
    pub tier: Tier,
    pub asserts: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Whether the target was one of our mocks.
    pub mock: bool,
}

/// A whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    pub checks: Vec<CheckReport>,
    pub duration_ms: u64,
    /// Checks listed as expected failures that passed (the file may be out of date).
    pub unexpected_passes: Vec<String>,
}

/// Counts by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub observed: usize,
    pub skipped: usize,
    pub expected_failures: usize,
}

impl RunReport {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.checks {
            match c.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed(_) => s.failed += 1,
                Outcome::Observed(_) => s.observed += 1,
                Outcome::Skipped(_) => s.skipped += 1,
                Outcome::ExpectedFailure(_) => s.expected_failures += 1,
            }
        }
        s
    }

    /// True when no check failed (observed, skipped and expected failures do not count).
    pub fn ok(&self) -> bool {
        !self.checks.iter().any(|c| c.outcome.is_failure())
    }
}

/// Whether `id` matches `pattern`: a glob with `*`, else a prefix or substring.
pub fn matches(pattern: &str, id: &str) -> bool {
    if pattern.contains('*') {
        glob(pattern.as_bytes(), id.as_bytes())
    } else {
        id.contains(pattern)
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| glob(&p[1..], &s[i..])),
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..]),
    }
}

/// The checks of `apis` whose id matches any of `only` (all when `only` is empty).
pub fn select(all: Vec<Check>, apis: &[Api], only: &[String]) -> Vec<Check> {
    all.into_iter()
        .filter(|c| apis.contains(&c.api))
        .filter(|c| only.is_empty() || only.iter().any(|p| matches(p, c.id)))
        .collect()
}

/// Runs `checks` against `ctx`, then the clean-up (scratch directory removal).
pub async fn run(ctx: &Ctx, checks: &[Check], expected: &Expected) -> RunReport {
    run_with(ctx, checks, expected, |_| {}).await
}

/// [`run`], calling `progress` after each check (the CLI prints lines as they come).
pub async fn run_with(
    ctx: &Ctx,
    checks: &[Check],
    expected: &Expected,
    mut progress: impl FnMut(&CheckReport),
) -> RunReport {
    let started = Instant::now();
    let mut report = RunReport::default();
    for check in checks {
        let c_started = Instant::now();
        ctx.rec.set_current(check.id);
        let secs = if check.timeout_secs > 0 {
            check.timeout_secs.max(ctx.cfg.check_timeout_secs)
        } else {
            ctx.cfg.check_timeout_secs
        };
        let fut = AssertUnwindSafe((check.run)(ctx)).catch_unwind();
        let result = tokio::time::timeout(Duration::from_secs(secs.max(1)), fut).await;
        let mock = ctx.is_mock(check.api);
        let mut outcome = match result {
            Err(_) => Outcome::Failed(format!("timed out after {secs} s")),
            Ok(Err(panic)) => {
                Outcome::Failed(format!("the check panicked: {}", panic_text(&panic)))
            }
            Ok(Ok(Ok(()))) => Outcome::Passed,
            Ok(Ok(Err(Fail::Skipped(m)))) => Outcome::Skipped(m),
            Ok(Ok(Err(Fail::Observed(m)))) => Outcome::Observed(m),
            Ok(Ok(Err(Fail::Failed(m)))) => {
                if check.tier == Tier::MockDefined && !mock {
                    Outcome::Observed(m)
                } else {
                    Outcome::Failed(m)
                }
            }
        };
        if let Some(reason) = expected.reason(check.id) {
            match &outcome {
                Outcome::Failed(m) => {
                    outcome = Outcome::ExpectedFailure(if reason.is_empty() {
                        m.clone()
                    } else {
                        format!("{reason} — {m}")
                    });
                }
                Outcome::Passed => report.unexpected_passes.push(check.id.to_owned()),
                _ => {}
            }
        }
        let r = CheckReport {
            id: check.id.to_owned(),
            api: check.api,
            tier: check.tier,
            asserts: check.asserts.to_owned(),
            outcome,
            duration_ms: c_started.elapsed().as_millis() as u64,
            mock,
        };
        progress(&r);
        report.checks.push(r);
    }
    ctx.rec.set_current("teardown");
    crate::checks::teardown(ctx).await;
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns() {
        assert!(matches("engee.oauth", "engee.oauth.token.refresh"));
        assert!(matches("engee.*.refresh", "engee.oauth.token.refresh"));
        assert!(!matches("linkis.*", "engee.oauth.token.refresh"));
        assert!(matches("*refresh", "engee.oauth.token.refresh"));
    }
}
