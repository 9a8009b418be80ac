//! Fault injection: latency, an error status, or a dropped connection, chosen by method,
//! path prefix and probability. Rules are set through the admin API or from Rust.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What to do to a matching request. Rules are tried in order; the first match applies.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Path prefix to match, e.g. `/account/api/engee`. Admin routes are never faulted.
    #[serde(default = "root")]
    pub path_prefix: String,
    /// Chance in `0.0..=1.0` that a matching request is faulted.
    #[serde(default = "always")]
    pub probability: f64,
    /// Delay added before the request is handled (real time: it simulates the network).
    #[serde(default)]
    pub latency_ms: u64,
    /// Answer with this status instead of handling the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// Close the connection without a complete response.
    #[serde(default)]
    pub drop_connection: bool,
    /// Apply at most this many times, then the rule retires.
    #[serde(default)]
    pub times: Option<u32>,
}

fn root() -> String {
    "/".into()
}
fn always() -> f64 {
    1.0
}

/// What the middleware must do for one request.
#[derive(Debug, Default, PartialEq)]
pub struct FaultAction {
    pub latency: Duration,
    pub status: Option<u16>,
    pub drop_connection: bool,
}

#[derive(Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<FaultRule>>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) -> Result<(), String> {
        if !(0.0..=1.0).contains(&rule.probability) {
            return Err("probability must be between 0.0 and 1.0".into());
        }
        if let Some(s) = rule.status
            && !(100..=599).contains(&s)
        {
            return Err("status must be an HTTP status code (100-599)".into());
        }
        if rule.times == Some(0) {
            return Err("times must be at least 1 (omit it for a rule that never retires)".into());
        }
        self.lock().push(rule);
        Ok(())
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Picks the action for a request, consuming one use of a rule with `times`.
    pub fn decide(&self, method: &str, path: &str) -> Option<FaultAction> {
        let mut rules = self.lock();
        // The first matching rule whose dice roll hits applies; a miss falls through.
        let idx = rules.iter().position(|r| {
            r.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.starts_with(&r.path_prefix)
                && (r.probability >= 1.0 || rand::random::<f64>() < r.probability)
        })?;
        let rule = &mut rules[idx];
        let action = FaultAction {
            latency: Duration::from_millis(rule.latency_ms),
            status: rule.status,
            drop_connection: rule.drop_connection,
        };
        if let Some(t) = rule.times.as_mut() {
            *t = t.saturating_sub(1);
            if *t == 0 {
                rules.remove(idx);
            }
        }
        Some(action)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(prefix: &str, probability: f64, status: u16) -> FaultRule {
        FaultRule {
            method: None,
            path_prefix: prefix.into(),
            probability,
            latency_ms: 0,
            status: Some(status),
            drop_connection: false,
            times: None,
        }
    }

    #[test]
    fn a_rule_that_misses_falls_through_to_the_next() {
        let faults = Faults::default();
        faults.add(rule("/a", 0.0, 500)).unwrap();
        faults.add(rule("/a", 1.0, 503)).unwrap();
        assert_eq!(faults.decide("GET", "/a/b").unwrap().status, Some(503));
        assert!(faults.decide("GET", "/other").is_none());
    }

    #[test]
    fn times_zero_is_refused_and_times_retires_the_rule() {
        let faults = Faults::default();
        assert!(
            faults
                .add(FaultRule {
                    times: Some(0),
                    ..rule("/", 1.0, 500)
                })
                .is_err()
        );
        faults
            .add(FaultRule {
                times: Some(2),
                ..rule("/", 1.0, 500)
            })
            .unwrap();
        assert!(faults.decide("GET", "/").is_some());
        assert!(faults.decide("GET", "/").is_some());
        assert!(faults.decide("GET", "/").is_none());
    }
}
