//! A bounded record of the requests a mock received, for tests that ask "what did my
//! client send?". Recorded by the same middleware that serves the request
//! ([`crate::observe`]), so the journal and what the mock did cannot disagree.
//!
//! Each entry keeps the request's head (credentials redacted), a prefix of its body and of
//! the response body (see [`crate::capture`]), the status, the authenticated user and the
//! time taken. The journal holds at most `max_entries` entries and about `max_bytes` bytes
//! of them; the oldest go first. [`RequestMatcher`] selects entries for
//! `GET /__admin/requests` and `POST /__admin/requests/count`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::Extensions;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};

use crate::capture::CapturedBody;
use crate::clock::iso_millis;

/// The `[journal]` section both mocks' configs accept.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JournalConfig {
    /// At most this many entries are kept (0 turns the journal off).
    pub max_entries: usize,
    /// At most about this many bytes of entries are kept (bodies, headers, paths).
    pub max_bytes: usize,
    /// Keep request and response body prefixes (on by default).
    pub capture_bodies: bool,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self {
            max_entries: 1000,
            max_bytes: 32 * 1024 * 1024,
            capture_bodies: true,
        }
    }
}

/// One request as the mock saw it.
#[derive(Clone, Debug, Serialize)]
pub struct JournalEntry {
    /// Arrival order, from 1, never reused (also across `DELETE /__admin/requests`).
    pub seq: u64,
    /// Arrival time on the mock's clock.
    #[serde(serialize_with = "iso")]
    pub at: DateTime<Utc>,
    #[serde(serialize_with = "display")]
    pub tenant: Arc<str>,
    #[serde(serialize_with = "display")]
    pub method: axum::http::Method,
    pub path: String,
    pub query: Option<String>,
    /// Request headers, credentials redacted.
    pub headers: Headers,
    /// `None` for a request without a body.
    pub body: Option<CapturedBody>,
    pub status: u16,
    /// The first bytes of the response body as sent (`None` when bodies are not captured).
    pub response_body: Option<CapturedBody>,
    /// Who the mock authenticated the request as, when it did.
    pub user: Option<String>,
    /// The fault applied to this request, if any: `latency`, `status`, `reset`,
    /// `body_cut`, `dribble` (joined with `+`).
    pub fault: Option<String>,
    /// From arrival until the response body ended (or was cut).
    pub elapsed_ms: f64,
}

fn display<S: Serializer, T: std::fmt::Display + ?Sized>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn iso<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso_millis(*t))
}

impl JournalEntry {
    /// Roughly what the entry costs in memory, for the `max_bytes` bound.
    fn weight(&self) -> usize {
        const FIXED: usize = 256;
        FIXED
            + self.tenant.len()
            + self.method.as_str().len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + self.headers.0.len()
            + self.body.as_ref().map_or(0, CapturedBody::weight)
            + self.response_body.as_ref().map_or(0, CapturedBody::weight)
            + self.user.as_ref().map_or(0, String::len)
    }
}

/// Request headers as `name: value` lines (one allocation per request), shown as a JSON
/// object; a repeated header's values are joined with `, `.
#[derive(Clone, Debug, Default)]
pub struct Headers(String);

/// Headers whose values are credentials: shown as `[redacted]`.
const REDACTED: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "token-code",
    "validation-code",
    "x-admin-token",
    "x-api-key",
];

impl Headers {
    pub(crate) fn capture(headers: &axum::http::HeaderMap) -> Self {
        let mut out = String::with_capacity(headers.len() * 32);
        for (name, value) in headers {
            out.push_str(name.as_str());
            out.push_str(": ");
            if REDACTED.contains(&name.as_str()) {
                out.push_str("[redacted]");
            } else {
                out.push_str(&String::from_utf8_lossy(value.as_bytes()));
            }
            out.push('\n');
        }
        Self(out)
    }

    /// The value of header `name` (lower case), repeated values joined.
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .pairs()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.lines().filter_map(|l| l.split_once(": "))
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map: Vec<(&str, String)> = Vec::new();
        for (name, value) in self.pairs() {
            match map.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => {
                    v.push_str(", ");
                    v.push_str(value);
                }
                None => map.push((name, value.to_owned())),
            }
        }
        s.collect_map(map)
    }
}

/// Where a mock's auth code tells the journal (and user-matched faults) who the caller
/// is. The journal layer puts an empty one in every request's extensions; an extractor
/// that authenticates the caller calls [`AuthenticatedUser::record`].
#[derive(Clone, Debug, Default)]
pub struct AuthenticatedUser(Arc<OnceLock<String>>);

impl AuthenticatedUser {
    /// Notes `user` as the caller of the request whose extensions these are. The first
    /// call wins; outside the journal layer (a unit test's bare router) it does nothing.
    pub fn record(extensions: &Extensions, user: &str) {
        if let Some(slot) = extensions.get::<AuthenticatedUser>() {
            let _ = slot.0.set(user.to_owned());
        }
    }

    pub(crate) fn get(&self) -> Option<String> {
        self.0.get().cloned()
    }
}

/// The tenant a request belongs to, when a tenant layer put one in its extensions; the
/// journal and faults use `default` otherwise.
#[derive(Clone, Debug)]
pub struct TenantName(pub Arc<str>);

pub const DEFAULT_TENANT: &str = "default";

/// [`DEFAULT_TENANT`], shared: cloning it costs an atomic increment, not an allocation.
pub(crate) fn default_tenant() -> Arc<str> {
    static DEFAULT: OnceLock<Arc<str>> = OnceLock::new();
    DEFAULT.get_or_init(|| Arc::from(DEFAULT_TENANT)).clone()
}

/// The journal: cheap to clone, all clones share the entries.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Mutex<Entries>>,
    next_seq: Arc<AtomicU64>,
    config: JournalConfig,
}

#[derive(Default)]
struct Entries {
    queue: VecDeque<Arc<JournalEntry>>,
    bytes: usize,
}

impl Journal {
    pub fn new(config: JournalConfig) -> Self {
        Self {
            inner: Arc::default(),
            next_seq: Arc::new(AtomicU64::new(1)),
            config,
        }
    }

    pub fn config(&self) -> &JournalConfig {
        &self.config
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds `entry`, dropping the oldest entries while over `max_entries` or `max_bytes`.
    /// The newest entry is always kept, however large.
    pub fn record(&self, entry: JournalEntry) {
        if self.config.max_entries == 0 {
            return;
        }
        let weight = entry.weight();
        let mut e = self.lock();
        e.queue.push_back(Arc::new(entry));
        e.bytes += weight;
        while e.queue.len() > 1
            && (e.queue.len() > self.config.max_entries || e.bytes > self.config.max_bytes)
        {
            if let Some(old) = e.queue.pop_front() {
                e.bytes -= old.weight();
            }
        }
    }

    /// Oldest first.
    pub fn entries(&self) -> Vec<Arc<JournalEntry>> {
        self.lock().queue.iter().cloned().collect()
    }

    /// The entries `matcher` selects, oldest first.
    pub fn matching(&self, matcher: &RequestMatcher) -> Vec<Arc<JournalEntry>> {
        let e = self.lock();
        e.queue
            .iter()
            .filter(|x| matcher.matches(x))
            .cloned()
            .collect()
    }

    pub fn count(&self, matcher: &RequestMatcher) -> usize {
        self.lock()
            .queue
            .iter()
            .filter(|x| matcher.matches(x))
            .count()
    }

    /// About how many bytes the kept entries weigh (what `max_bytes` bounds).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn clear(&self) {
        let mut e = self.lock();
        e.queue.clear();
        e.bytes = 0;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Which journal entries a query means. Every field that is set must match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherSpec {
    /// `GET`, `post`… (case-insensitive).
    pub method: Option<String>,
    /// A path prefix (`/api/rest_j`), or a glob when it contains `*` (`/jobs/*/result`;
    /// `*` matches any run of characters, `/` included, and the glob must match the
    /// whole path).
    pub path: Option<String>,
    /// `503`, or a class: `5xx`.
    pub status: Option<serde_json::Value>,
    pub tenant: Option<String>,
    /// Entries that arrived at or after this time on the mock's clock (RFC 3339).
    pub since: Option<String>,
    /// A substring of the captured request body (text, decoded base64, or a multipart
    /// part's name, file name or text value).
    pub body_contains: Option<String>,
}

/// A checked [`MatcherSpec`].
#[derive(Clone, Debug, Default)]
pub struct RequestMatcher {
    method: Option<String>,
    path: Option<PathPattern>,
    status: Option<(u16, u16)>,
    tenant: Option<String>,
    since: Option<DateTime<Utc>>,
    body_contains: Option<String>,
}

impl MatcherSpec {
    /// From `GET /__admin/requests` query parameters; an unknown one is an error.
    pub fn from_query(pairs: Vec<(String, String)>) -> Result<Self, String> {
        let mut spec = Self::default();
        for (key, value) in pairs {
            let slot = match key.as_str() {
                "method" => &mut spec.method,
                "path" => &mut spec.path,
                "tenant" => &mut spec.tenant,
                "since" => &mut spec.since,
                "body_contains" => &mut spec.body_contains,
                "status" => {
                    spec.status = Some(serde_json::Value::String(value));
                    continue;
                }
                other => {
                    return Err(format!(
                        "unknown filter `{other}`: use method, path, status, tenant, since, \
                         body_contains"
                    ));
                }
            };
            *slot = Some(value);
        }
        Ok(spec)
    }

    pub fn compile(self) -> Result<RequestMatcher, String> {
        let status = match &self.status {
            None => None,
            Some(v) => Some(status_range(v).ok_or_else(|| {
                format!("`status` must be an HTTP status (100-599) or a class like `5xx`, not {v}")
            })?),
        };
        let since = match self.since.as_deref() {
            None => None,
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|e| format!("`since` must be an RFC 3339 time: {e}"))?
                    .with_timezone(&Utc),
            ),
        };
        let path = match self.path {
            None => None,
            Some(p) if !p.starts_with('/') && !p.starts_with('*') => {
                return Err(format!("`path` must start with `/` (or `*`), not {p:?}"));
            }
            Some(p) => Some(PathPattern::new(p)),
        };
        Ok(RequestMatcher {
            method: self.method.map(|m| m.to_ascii_uppercase()),
            path,
            status,
            tenant: self.tenant,
            since,
            body_contains: self.body_contains,
        })
    }
}

fn status_range(v: &serde_json::Value) -> Option<(u16, u16)> {
    let text = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_ascii_lowercase(),
        _ => return None,
    };
    if let Some(class) = text.strip_suffix("xx") {
        let c: u16 = class.parse().ok().filter(|c| (1..=5).contains(c))?;
        return Some((c * 100, c * 100 + 99));
    }
    let s: u16 = text.parse().ok().filter(|s| (100..=599).contains(s))?;
    Some((s, s))
}

impl RequestMatcher {
    pub fn matches(&self, e: &JournalEntry) -> bool {
        self.method.as_ref().is_none_or(|m| m == e.method.as_str())
            && self.path.as_ref().is_none_or(|p| p.matches(&e.path))
            && self
                .status
                .is_none_or(|(lo, hi)| (lo..=hi).contains(&e.status))
            && self.tenant.as_deref().is_none_or(|t| t == &*e.tenant)
            && self.since.is_none_or(|t| e.at >= t)
            && self.body_contains.as_ref().is_none_or(|needle| {
                e.body
                    .as_ref()
                    .is_some_and(|b| b.contains(needle.as_bytes()))
            })
    }
}

/// A path prefix, or a whole-path glob when it contains `*`.
#[derive(Clone, Debug, PartialEq)]
pub struct PathPattern(String);

impl PathPattern {
    pub fn new(pattern: impl Into<String>) -> Self {
        Self(pattern.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, path: &str) -> bool {
        if self.0.contains('*') {
            glob(self.0.as_bytes(), path.as_bytes())
        } else {
            path.starts_with(&self.0)
        }
    }
}

/// `*` matches any run of bytes; everything else matches itself. Linear backtracking on
/// the last `*` (the classic wildcard algorithm): O(pattern × text) at worst.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_paths_and_plain_patterns_are_prefixes() {
        let g = PathPattern::new("/jobs/*/result");
        assert!(g.matches("/jobs/42/result"));
        assert!(g.matches("/jobs/a/b/result"));
        assert!(!g.matches("/jobs/42/result/x"));
        assert!(!g.matches("/jobs/42"));
        assert!(PathPattern::new("*").matches("/anything"));
        assert!(PathPattern::new("/api").matches("/api/x"));
        assert!(!PathPattern::new("/api").matches("/ap"));
    }

    #[test]
    fn status_classes() {
        assert_eq!(status_range(&serde_json::json!(503)), Some((503, 503)));
        assert_eq!(status_range(&serde_json::json!("5xx")), Some((500, 599)));
        assert_eq!(status_range(&serde_json::json!("9xx")), None);
        assert_eq!(status_range(&serde_json::json!(42)), None);
    }
}
