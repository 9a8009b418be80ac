//! The mock's configuration: users, tokens, the proxy file, timing, limits, profile.
//!
//! `Config::demo()` parses the embedded `fixtures/linkis.toml`, so a binary or a test
//! works without any file on disk; `Config::load` reads a TOML file of the same shape.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mock_kit::Clock;
use serde::{Deserialize, Serialize};

pub use crate::profile::Profile;

/// The default config, embedded at build time.
pub const DEMO_TOML: &str = include_str!("../../../fixtures/linkis.toml");
/// The default proxy file, used when no file is configured.
pub const DEMO_PROXY: &str = include_str!("../../../fixtures/proxy.properties");
/// The default SQL catalog.
pub const DEMO_CATALOG: &str = include_str!("../../../fixtures/linkis-catalog.sql");

/// Everything the mock needs to start. Build it with [`Config::demo`] or [`Config::load`]
/// and adjust fields; tests usually set `clock: Clock::frozen_now()` and `addr` port 0.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default = "Config::bare")]
pub struct Config {
    /// The clock every deadline is measured on (not in TOML).
    #[serde(skip)]
    pub clock: Clock,
    /// Address to bind; port 0 picks a free port.
    pub addr: SocketAddr,
    pub profile: Profile,
    pub session_timeout_secs: u64,
    /// `host:port` written into execIDs and job history.
    pub entrance_instance: String,
    /// Accept the SEED's `Proxy-User` + `Validation-Code` headers.
    pub header_proxy: bool,
    /// Path of `proxy.properties`; `None` uses the embedded fixture (no hot reload).
    pub proxy_file: Option<PathBuf>,
    /// Path of the SQL catalog; `None` uses the embedded fixture.
    pub catalog_file: Option<PathBuf>,
    pub users: Vec<UserEntry>,
    pub tokens: Vec<TokenEntry>,
    pub timing: Timing,
    pub limits: Limits,
    /// Who may call the admin API (`[admin] token`; see mock_kit::access).
    pub admin: mock_kit::AdminConfig,
    /// The request journal's bounds (`[journal] max_entries`, `max_bytes`).
    pub journal: mock_kit::JournalConfig,
    /// Fault rules in force from the start and after every reset (`[[faults]]`).
    pub faults: Vec<mock_kit::FaultRule>,
    /// Makes every session ticket (the `linkis_user_session_ticket_id_v1` cookie), the
    /// generated admin token and every fault dice roll a function of this number and the
    /// order of requests (`seed = N` at the top of the TOML, `--seed N`); `None` (the
    /// default) draws from OS randomness. taskIDs and execIDs are counters either way.
    /// See [`mock_kit::Entropy`]; freeze the clock at a fixed instant too.
    pub seed: Option<u64>,
    /// A seed document (see [`crate::seed`]) applied at start and after every reset
    /// (`seed_file = "…"` in the TOML, relative to the config file; `--seed-file`).
    pub seed_file: Option<PathBuf>,
}

/// A user who can log in with a password.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub admin: bool,
}

/// One row of the token table (`linkis_mg_gateway_auth_token`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    pub name: String,
    /// Legal users, or `["*"]`.
    #[serde(default = "star")]
    pub users: Vec<String>,
    /// Legal client hosts, or `["*"]`.
    #[serde(default = "star")]
    pub hosts: Vec<String>,
    /// Days after server start until the token expires; -1 never.
    #[serde(default = "never")]
    pub elapse_days: i64,
}

fn star() -> Vec<String> {
    vec!["*".into()]
}
fn never() -> i64 {
    -1
}

/// Lifecycle delays on the mock's clock, in milliseconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default = "Timing::standard")]
pub struct Timing {
    pub queue_ms: u64,
    pub start_ms: u64,
    pub run_ms: u64,
    /// Zero delays unless a directive asks for more (CI).
    pub fast: bool,
}

impl Timing {
    pub fn standard() -> Self {
        Self {
            queue_ms: 1000,
            start_ms: 1000,
            run_ms: 3000,
            fast: false,
        }
    }
    /// Jobs finish as soon as their work is done.
    pub fn fast() -> Self {
        Self {
            fast: true,
            ..Self::standard()
        }
    }
}

/// Memory, time and fairness bounds. The `_per_user` keys make sure one user can never
/// log out, evict or block another.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default = "Limits::standard")]
pub struct Limits {
    /// Jobs kept in total (the hard memory bound).
    pub max_jobs: usize,
    /// Jobs kept per user; beyond it that user's oldest finished jobs are evicted.
    pub max_jobs_per_user: usize,
    /// Unfinished jobs per user; beyond it that user's submissions are refused.
    pub max_unfinished_jobs_per_user: usize,
    pub max_log_lines: usize,
    pub max_result_rows: usize,
    pub max_total_result_rows: usize,
    /// Bytes of result sets one job may produce (also the longest value SQL may build).
    pub max_result_bytes: usize,
    /// Bytes of result sets kept across jobs; the oldest finished jobs' results go first.
    pub max_total_result_bytes: usize,
    pub max_sessions: usize,
    /// Login sessions per user; beyond it that user's oldest session ends.
    pub max_sessions_per_user: usize,
    /// Wall-clock budget of one SQL statement.
    pub sql_timeout_ms: u64,
    /// SQL statements running at once across all users (the worker pool).
    pub sql_workers: usize,
    /// SQL jobs one user runs at once, each on its own engine session (upstream's
    /// `wds.linkis.rm.instance`); further jobs of that user wait for a free session.
    pub engines_per_user: usize,
    /// Idle engine sessions kept across users; the least recently used is closed first.
    pub max_idle_engines: usize,
    /// Size one engine session may grow each database to (shared catalog and its temp tables).
    pub max_database_bytes: u64,
    pub max_open_log_lines: usize,
    pub max_synthetic_log_lines: u64,
}

impl Limits {
    pub fn standard() -> Self {
        Self {
            max_jobs: 1000,
            max_jobs_per_user: 200,
            max_unfinished_jobs_per_user: 100,
            max_log_lines: 20_000,
            max_result_rows: 50_000,
            max_total_result_rows: 500_000,
            max_result_bytes: 64 << 20,
            max_total_result_bytes: 256 << 20,
            max_sessions: 10_000,
            max_sessions_per_user: 100,
            sql_timeout_ms: 2000,
            sql_workers: 4,
            engines_per_user: 1,
            max_idle_engines: 64,
            max_database_bytes: 64 << 20,
            max_open_log_lines: 200_000,
            max_synthetic_log_lines: 100_000_000,
        }
    }
}

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] mock_kit::config::ConfigError),
    #[error("invalid config: {0}")]
    Invalid(String),
    /// A file the config (or `--proxy-file`) names cannot be read: an error, never a
    /// silent fallback to the embedded default.
    #[error(
        "cannot read {key} {}: {source}; name a readable file (a relative path in a config \
         file counts from that file's folder) or leave `{key}` out to use the built-in one",
        path.display()
    )]
    MissingFile {
        key: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Built-in values for every key, with no users and no tokens.
    pub fn bare() -> Self {
        Self {
            clock: Clock::system(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            profile: Profile::Linkis1x,
            session_timeout_secs: 7200,
            entrance_instance: "127.0.0.1:9104".into(),
            header_proxy: true,
            proxy_file: None,
            catalog_file: None,
            users: Vec::new(),
            tokens: Vec::new(),
            timing: Timing::standard(),
            limits: Limits::standard(),
            admin: mock_kit::AdminConfig::default(),
            journal: mock_kit::JournalConfig::default(),
            faults: Vec::new(),
            seed: None,
            seed_file: None,
        }
    }

    /// The fixtures' defaults (users hadoop/alice/bob/carol, token `LINKIS-AUTH`, the
    /// proxy file and SQL catalog of `fixtures/`), bound to `127.0.0.1:0`. Reads no file:
    /// the TOML, the proxy file and the catalog are all embedded, so a binary copied away
    /// from the repository behaves the same (the embedded proxy file is not hot-reloaded;
    /// name a file with `proxy_file` or `--proxy-file` for that).
    pub fn demo() -> Self {
        let mut cfg: Config = mock_kit::config::parse_toml(DEMO_TOML)
            .unwrap_or_else(|e| panic!("embedded fixtures/linkis.toml is invalid: {e}"));
        cfg.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        // The TOML names its sibling files, which are embedded as DEMO_PROXY / DEMO_CATALOG.
        cfg.proxy_file = None;
        cfg.catalog_file = None;
        cfg
    }

    /// The demo config in fast mode on a frozen clock: what most tests want.
    pub fn testing() -> Self {
        Self {
            clock: Clock::frozen_now(),
            timing: Timing::fast(),
            ..Self::demo()
        }
    }

    /// Reads a TOML config; relative file paths are resolved against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut cfg: Config = mock_kit::config::load_toml(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        cfg.proxy_file = cfg.proxy_file.map(|p| dir.join(p));
        cfg.catalog_file = cfg.catalog_file.map(|p| dir.join(p));
        cfg.seed_file = cfg.seed_file.map(|p| dir.join(p));
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.session_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "session_timeout_secs must be > 0".into(),
            ));
        }
        let l = &self.limits;
        for (key, v) in [
            ("max_jobs", l.max_jobs),
            ("max_jobs_per_user", l.max_jobs_per_user),
            (
                "max_unfinished_jobs_per_user",
                l.max_unfinished_jobs_per_user,
            ),
            ("max_sessions", l.max_sessions),
            ("max_sessions_per_user", l.max_sessions_per_user),
            ("sql_workers", l.sql_workers),
            ("engines_per_user", l.engines_per_user),
            ("max_result_bytes", l.max_result_bytes),
        ] {
            if v == 0 {
                return Err(ConfigError::Invalid(format!("limits.{key} must be > 0")));
            }
        }
        if l.sql_workers > 256 || l.engines_per_user > 256 {
            return Err(ConfigError::Invalid(
                "limits.sql_workers and limits.engines_per_user must be at most 256".into(),
            ));
        }
        if l.max_result_bytes > 1 << 30 {
            return Err(ConfigError::Invalid(
                "limits.max_result_bytes must be at most 1 GiB (SQLite's longest value)".into(),
            ));
        }
        const WEEK_MS: u64 = 7 * 24 * 3600 * 1000;
        let t = &self.timing;
        if t.queue_ms > WEEK_MS || t.start_ms > WEEK_MS || t.run_ms > WEEK_MS {
            return Err(ConfigError::Invalid(
                "timing values must be at most 7 days".into(),
            ));
        }
        if self.session_timeout_secs > 365 * 24 * 3600 {
            return Err(ConfigError::Invalid(
                "session_timeout_secs must be at most a year".into(),
            ));
        }
        for u in &self.users {
            if u.name.trim().is_empty() {
                return Err(ConfigError::Invalid("a user has an empty name".into()));
            }
        }
        Ok(())
    }

    /// Checks that every file the config names (`proxy_file`, `catalog_file`) can be read.
    pub fn check_files(&self) -> Result<(), ConfigError> {
        for (key, path) in [
            ("proxy_file", &self.proxy_file),
            ("catalog_file", &self.catalog_file),
        ] {
            if let Some(path) = path {
                std::fs::read(path).map_err(|source| ConfigError::MissingFile {
                    key,
                    path: path.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// True when the config still holds the fixtures' well-known passwords.
    pub fn has_demo_credentials(&self) -> bool {
        self.users.iter().any(|u| u.name == u.password)
            || self.tokens.iter().any(|t| t.name == "LINKIS-AUTH")
    }

    pub fn admin(&self, user: &str) -> bool {
        self.users.iter().any(|u| u.name == user && u.admin)
    }
}

impl Default for Config {
    /// Same as [`Config::demo`].
    fn default() -> Self {
        Self::demo()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fixtures_parse() {
        let c = Config::demo();
        assert!(c.admin("hadoop") && !c.admin("alice"));
        assert_eq!(c.addr.port(), 0);
        assert!(c.tokens.iter().any(|t| t.name == "LINKIS-AUTH"));
        assert!(c.has_demo_credentials());
        c.validate().unwrap();
    }

    #[test]
    fn load_resolves_relative_paths_and_validates() {
        let dir = std::env::temp_dir().join(format!("linkis-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("c.toml");
        std::fs::write(&f, "proxy_file = \"p.properties\"\n[timing]\nfast = true\n").unwrap();
        let c = Config::load(&f).unwrap();
        assert_eq!(c.proxy_file, Some(dir.join("p.properties")));
        assert!(c.timing.fast && c.users.is_empty());
        std::fs::write(&f, "nope = 1\n").unwrap();
        assert!(Config::load(&f).is_err());
        std::fs::write(&f, "[timing]\nrun_ms = 999999999999\n").unwrap();
        assert!(Config::load(&f).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
