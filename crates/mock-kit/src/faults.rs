//! Fault injection: rules that make matching requests misbehave on purpose. Set from the
//! config (`[[faults]]`), the admin API (`POST /__admin/faults`) or Rust
//! (`control.faults.add(rule)`).
//!
//! A rule matches by method, path (prefix, or glob with `*`), tenant and authenticated
//! user, then applies with `probability`, at most `times` times. What it does:
//!
//! - `latency_ms`: waits before answering (real time: it simulates the network);
//! - `status`: answers that status with the API's own error body, without running the
//!   handler;
//! - `drop_connection`: resets the connection without a complete response;
//! - `cut_after_bytes`: sends the first N bytes of the real response, then aborts the
//!   connection (the client sees a truncated body);
//! - `dribble`: sends the real response `bytes` at a time, `interval_ms` apart (real time);
//! - `sequence`: a script of the above, one step per matching request (`{}` passes the
//!   request through); the rule retires after the last step.
//!
//! A rule with `user` can only be decided once the handler has authenticated the caller,
//! so it acts on the response: the handler has run (its side effects happened) and the
//! client gets the fault instead of the real answer, like a response lost on the way.
//! Rules are tried in order; the first that matches (and whose dice roll hits) applies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::entropy::Entropy;
use crate::journal::PathPattern;

/// Longest `latency_ms` and dribble `interval_ms` accepted: 10 minutes.
const MAX_DELAY_MS: u64 = 600_000;
const MAX_SEQUENCE: usize = 1000;

/// One fault rule, as the admin API and config take it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path prefix, or whole-path glob with `*` (e.g. `/prod/user/*/external/command/eval`).
    /// Admin routes are never faulted. `path_prefix` is accepted as an older name.
    #[serde(default = "root", alias = "path_prefix")]
    pub path: String,
    /// Tenant to match (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Authenticated user to match; such a rule acts after the handler (see the module doc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Chance in `0.0..=1.0` that a matching request is faulted.
    #[serde(default = "always")]
    pub probability: f64,
    /// Apply at most this many times, then the rule retires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop_connection: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_after_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dribble: Option<Dribble>,
    /// One step per matching request; the remaining steps are what `GET` shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<Vec<FaultStep>>,
}

/// What one faulted request gets. All empty means "pass through".
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultStep {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop_connection: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_after_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dribble: Option<Dribble>,
}

/// Send the response `bytes` at a time, `interval_ms` (real time) apart.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dribble {
    pub bytes: usize,
    pub interval_ms: u64,
}

fn root() -> String {
    "/".into()
}
fn always() -> f64 {
    1.0
}
fn is_zero(n: &u64) -> bool {
    *n == 0
}
fn is_false(b: &bool) -> bool {
    !*b
}

impl FaultRule {
    /// A rule matching every request under `path` that does nothing yet; set its fields.
    pub fn on(path: impl Into<String>) -> Self {
        Self {
            method: None,
            path: path.into(),
            tenant: None,
            user: None,
            probability: 1.0,
            times: None,
            latency_ms: 0,
            status: None,
            drop_connection: false,
            cut_after_bytes: None,
            dribble: None,
            sequence: None,
        }
    }

    fn own_step(&self) -> FaultStep {
        FaultStep {
            latency_ms: self.latency_ms,
            status: self.status,
            drop_connection: self.drop_connection,
            cut_after_bytes: self.cut_after_bytes,
            dribble: self.dribble,
        }
    }

    /// What is wrong with the rule, in words that say what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err("probability must be between 0.0 and 1.0".into());
        }
        if self.times == Some(0) {
            return Err("times must be at least 1 (omit it for a rule that never retires)".into());
        }
        if !self.path.starts_with('/') && !self.path.starts_with('*') {
            return Err(format!(
                "path must start with `/` (or `*`), not {:?}",
                self.path
            ));
        }
        if let Some(m) = &self.method
            && axum::http::Method::from_bytes(m.as_bytes()).is_err()
        {
            return Err(format!("method {m:?} is not an HTTP method"));
        }
        let own = self.own_step();
        match &self.sequence {
            None => {
                own.validate("")?;
                if own == FaultStep::default() {
                    return Err("the rule does nothing: give latency_ms, status, \
                                drop_connection, cut_after_bytes, dribble or sequence"
                        .into());
                }
            }
            Some(steps) => {
                if own != FaultStep::default() || self.times.is_some() {
                    return Err("a rule with a sequence takes its actions from the steps: \
                                move latency_ms/status/drop_connection/cut_after_bytes/dribble \
                                into the steps and drop `times` (the sequence's length is the count)"
                        .into());
                }
                if steps.is_empty() || steps.len() > MAX_SEQUENCE {
                    return Err(format!(
                        "sequence must have 1 to {MAX_SEQUENCE} steps, not {}",
                        steps.len()
                    ));
                }
                for (i, step) in steps.iter().enumerate() {
                    step.validate(&format!("sequence[{i}]: "))?;
                }
            }
        }
        Ok(())
    }

    fn matches(&self, req: &FaultRequest<'_>) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(req.method))
            && PathPattern::new(self.path.as_str()).matches(req.path)
            && self.tenant.as_deref().is_none_or(|t| t == req.tenant)
            && match (&self.user, req.user) {
                (None, _) => true,
                (Some(want), Some(got)) => want == got,
                (Some(_), None) => false,
            }
    }
}

impl FaultStep {
    fn validate(&self, at: &str) -> Result<(), String> {
        // 1xx are not final answers and hyper cannot send them as one.
        if let Some(s) = self.status
            && !(200..=599).contains(&s)
        {
            return Err(format!(
                "{at}status must be a final HTTP status code (200-599), not {s}"
            ));
        }
        if self.latency_ms > MAX_DELAY_MS {
            return Err(format!("{at}latency_ms must be at most {MAX_DELAY_MS}"));
        }
        if let Some(d) = self.dribble
            && (d.bytes == 0 || d.interval_ms > MAX_DELAY_MS)
        {
            return Err(format!(
                "{at}dribble needs bytes ≥ 1 and interval_ms ≤ {MAX_DELAY_MS}"
            ));
        }
        if self.drop_connection
            && (self.status.is_some() || self.cut_after_bytes.is_some() || self.dribble.is_some())
        {
            return Err(format!(
                "{at}drop_connection sends no response, so it cannot go with status, \
                 cut_after_bytes or dribble"
            ));
        }
        Ok(())
    }

    /// What the journal's `fault` field says about this step.
    pub(crate) fn label(&self) -> Option<String> {
        let mut kinds = Vec::new();
        if self.latency_ms > 0 {
            kinds.push("latency");
        }
        if self.status.is_some() {
            kinds.push("status");
        }
        if self.drop_connection {
            kinds.push("reset");
        }
        if self.cut_after_bytes.is_some() {
            kinds.push("body_cut");
        }
        if self.dribble.is_some() {
            kinds.push("dribble");
        }
        (!kinds.is_empty()).then(|| kinds.join("+"))
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }
}

/// What a rule is matched against.
pub(crate) struct FaultRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub tenant: &'a str,
    /// `None` before the handler ran: only rules without `user` are tried then.
    pub user: Option<&'a str>,
}

/// The rules in force. Cheap to clone; all clones share them.
#[derive(Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
    /// How many rules there are, and how many of them match on a user, read without the
    /// lock so requests pay nothing when no rule is set.
    count: Arc<AtomicUsize>,
    user_rules: Arc<AtomicUsize>,
    /// Rolls the `probability` dice: the mock's own entropy (see
    /// [`crate::Control::with_entropy`]), so a seeded mock faults the same requests every run.
    pub(crate) entropy: Entropy,
}

impl Faults {
    /// Adds a rule after the others, or says what is wrong with it.
    pub fn add(&self, rule: FaultRule) -> Result<(), String> {
        rule.validate()?;
        let mut rules = self.lock();
        rules.push(rule);
        self.recount(&rules);
        Ok(())
    }

    /// Replaces every rule (all are checked first; on an error nothing changes).
    pub fn replace(&self, new: Vec<FaultRule>) -> Result<(), String> {
        for (i, r) in new.iter().enumerate() {
            r.validate()
                .map_err(|e| format!("fault rule #{}: {e}", i + 1))?;
        }
        let mut rules = self.lock();
        *rules = new;
        self.recount(&rules);
        Ok(())
    }

    /// The rules in force (a sequence shows its remaining steps, `times` the uses left).
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.clear();
        self.recount(&rules);
    }

    pub(crate) fn any_for_users(&self) -> bool {
        self.user_rules.load(Ordering::Relaxed) > 0
    }

    /// Picks the step for a request, consuming one use of a rule with `times` or one step
    /// of a sequence. Before the handler (`req.user` is `None`) only rules without `user`
    /// are tried; after it, only rules with one.
    pub(crate) fn decide(&self, req: &FaultRequest<'_>) -> Option<FaultStep> {
        if self.count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut rules = self.lock();
        let idx = rules.iter().position(|r| {
            r.user.is_some() == req.user.is_some()
                && r.matches(req)
                && self.entropy.chance(r.probability)
        })?;
        let rule = &mut rules[idx];
        let (step, retire) = match rule.sequence.as_mut() {
            Some(steps) => {
                let step = steps.remove(0);
                (step, steps.is_empty())
            }
            None => {
                let retire = rule.times.as_mut().is_some_and(|t| {
                    *t = t.saturating_sub(1);
                    *t == 0
                });
                (rule.own_step(), retire)
            }
        };
        if retire {
            rules.remove(idx);
            self.recount(&rules);
        }
        Some(step)
    }

    fn recount(&self, rules: &[FaultRule]) {
        self.count.store(rules.len(), Ordering::Relaxed);
        let users = rules.iter().filter(|r| r.user.is_some()).count();
        self.user_rules.store(users, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str) -> FaultRequest<'_> {
        FaultRequest {
            method: "GET",
            path,
            tenant: "default",
            user: None,
        }
    }

    fn rule(prefix: &str, probability: f64, status: u16) -> FaultRule {
        FaultRule {
            probability,
            status: Some(status),
            ..FaultRule::on(prefix)
        }
    }

    #[test]
    fn a_rule_that_misses_falls_through_to_the_next() {
        let faults = Faults::default();
        faults.add(rule("/a", 0.0, 500)).unwrap();
        faults.add(rule("/a", 1.0, 503)).unwrap();
        assert_eq!(faults.decide(&req("/a/b")).unwrap().status, Some(503));
        assert!(faults.decide(&req("/other")).is_none());
    }

    #[test]
    fn times_zero_is_refused_and_times_retires_the_rule() {
        let faults = Faults::default();
        let zero = FaultRule {
            times: Some(0),
            ..rule("/", 1.0, 500)
        };
        assert!(faults.add(zero).is_err());
        faults
            .add(FaultRule {
                times: Some(2),
                ..rule("/", 1.0, 500)
            })
            .unwrap();
        assert!(faults.decide(&req("/")).is_some());
        assert!(faults.decide(&req("/")).is_some());
        assert!(faults.decide(&req("/")).is_none());
    }

    #[test]
    fn user_rules_are_decided_only_once_the_user_is_known() {
        let faults = Faults::default();
        faults
            .add(FaultRule {
                user: Some("alice".into()),
                ..rule("/", 1.0, 500)
            })
            .unwrap();
        assert!(faults.decide(&req("/x")).is_none());
        let as_bob = FaultRequest {
            user: Some("bob"),
            ..req("/x")
        };
        assert!(faults.decide(&as_bob).is_none());
        let as_alice = FaultRequest {
            user: Some("alice"),
            ..req("/x")
        };
        assert_eq!(faults.decide(&as_alice).unwrap().status, Some(500));
    }

    #[test]
    fn seeded_dice_fault_the_same_requests_every_run() {
        let run = |seed| {
            let faults = Faults {
                entropy: Entropy::new(Some(seed)),
                ..Faults::default()
            };
            faults.add(rule("/", 0.5, 503)).unwrap();
            (0..64)
                .map(|_| faults.decide(&req("/x")).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
