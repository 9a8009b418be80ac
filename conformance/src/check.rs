//! What a check is: an id, the API it covers, its tier (where the rule it asserts comes
//! from), one sentence saying what it asserts, and an async function run against a
//! [`Ctx`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use crate::ctx::Ctx;

/// Which API a check covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    Engee,
    Linkis,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::Engee => "engee",
            Api::Linkis => "linkis",
        }
    }
}

/// Where the asserted rule comes from (see `engee.md` / `linkis.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Tier {
    /// Stated by Engee's documentation (engee.md "SPEC").
    #[serde(rename = "SPEC")]
    Spec,
    /// Stated by the seed UJES document (linkis.md "SEED").
    #[serde(rename = "SEED")]
    Seed,
    /// How real Apache Linkis 1.x behaves (linkis-upstream.md).
    #[serde(rename = "UPSTREAM")]
    Upstream,
    /// The documentation is silent and the mock chose; against a real target the answer
    /// is recorded ("observed") instead of judged.
    #[serde(rename = "MOCK-DEFINED")]
    MockDefined,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Spec => "SPEC",
            Tier::Seed => "SEED",
            Tier::Upstream => "UPSTREAM",
            Tier::MockDefined => "MOCK-DEFINED",
        }
    }
    pub const ALL: [Tier; 4] = [Tier::Spec, Tier::Seed, Tier::Upstream, Tier::MockDefined];
}

/// What a check function returns when it does not pass.
#[derive(Debug, Clone, PartialEq)]
pub enum Fail {
    /// The target broke the rule; the text says what was expected and what came back.
    Failed(String),
    /// The check could not run here (no second identity, not a mock, lifecycle not allowed…).
    Skipped(String),
    /// Recorded, not judged.
    Observed(String),
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Failed(s) => write!(f, "failed: {s}"),
            Fail::Skipped(s) => write!(f, "skipped: {s}"),
            Fail::Observed(s) => write!(f, "observed: {s}"),
        }
    }
}

impl From<String> for Fail {
    fn from(s: String) -> Self {
        Fail::Failed(s)
    }
}

impl From<&str> for Fail {
    fn from(s: &str) -> Self {
        Fail::Failed(s.to_owned())
    }
}

/// The result type of a check body: `Ok(())` is a pass.
pub type CheckResult = Result<(), Fail>;

/// A boxed check future.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckResult> + Send + 'a>>;

/// The signature of a check body.
pub type CheckFn = for<'a> fn(&'a Ctx) -> CheckFuture<'a>;

/// One check.
#[derive(Clone)]
pub struct Check {
    /// Dotted id, e.g. `engee.oauth.token.refresh`; stable (expected-failure files name it).
    pub id: &'static str,
    pub api: Api,
    pub tier: Tier,
    /// What the check asserts, in one sentence.
    pub asserts: &'static str,
    /// Seconds before the runner gives up on it (0: the run's default).
    pub timeout_secs: u64,
    pub run: CheckFn,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("id", &self.id)
            .field("api", &self.api)
            .field("tier", &self.tier)
            .finish()
    }
}

/// The outcome of one check in one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed(String),
    /// A MOCK-DEFINED point on a real target: what the target answered.
    Observed(String),
    Skipped(String),
    /// Failed, but listed in the expected-failures file (with its reason).
    ExpectedFailure(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "PASS",
            Outcome::Failed(_) => "FAIL",
            Outcome::Observed(_) => "OBSERVED",
            Outcome::Skipped(_) => "SKIP",
            Outcome::ExpectedFailure(_) => "XFAIL",
        }
    }
    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Passed => None,
            Outcome::Failed(s)
            | Outcome::Observed(s)
            | Outcome::Skipped(s)
            | Outcome::ExpectedFailure(s) => Some(s),
        }
    }
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }
}

/// Builds a [`Check`] from an `async fn(&Ctx) -> CheckResult`.
#[macro_export]
macro_rules! check {
    ($id:literal, $api:ident, $tier:ident, $asserts:literal, $f:path) => {
        $crate::check!($id, $api, $tier, $asserts, $f, 0)
    };
    ($id:literal, $api:ident, $tier:ident, $asserts:literal, $f:path, $timeout:expr) => {
        $crate::check::Check {
            id: $id,
            api: $crate::check::Api::$api,
            tier: $crate::check::Tier::$tier,
            asserts: $asserts,
            timeout_secs: $timeout,
            run: |ctx| Box::pin($f(ctx)),
        }
    };
}

/// Fails the check with a formatted message unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::check::Fail::Failed(format!($($arg)+)));
        }
    };
}

/// Fails the check unless both sides are equal; the message shows both.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($arg:tt)+) => {
        match (&$left, &$right) {
            (l, r) => {
                if l != r {
                    return Err($crate::check::Fail::Failed(format!(
                        "{}: expected {:?}, got {:?}",
                        format!($($arg)+),
                        r,
                        l
                    )));
                }
            }
        }
    };
}

/// Returns `Fail::Skipped` with a formatted reason.
#[macro_export]
macro_rules! skip {
    ($($arg:tt)+) => {
        return Err($crate::check::Fail::Skipped(format!($($arg)+)))
    };
}

/// Returns `Fail::Failed` with a formatted reason.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)+) => {
        return Err($crate::check::Fail::Failed(format!($($arg)+)))
    };
}
