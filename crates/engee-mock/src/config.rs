//! engee-mock's configuration: who exists (users, OAuth clients, PATs) and how the mock
//! behaves (token lifetimes, server start/stop delays, limits). Loaded from TOML; the
//! defaults in `fixtures/engee.toml` are embedded so `Config::demo()` (and the binary
//! without `--config`) reads no file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mock_kit::Clock;
use serde::{Deserialize, Serialize};

/// The demo configuration shipped in `fixtures/engee.toml`.
pub const DEMO_CONFIG: &str = include_str!("../../../fixtures/engee.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen. Tests use `127.0.0.1:0`.
    #[serde(default = "default_addr")]
    pub addr: SocketAddr,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub pats: Vec<Pat>,
    #[serde(default)]
    pub oauth: OAuthConfig,
    #[serde(default)]
    pub lifecycle: LifecycleConfig,
    #[serde(default)]
    pub files: FilesConfig,
    #[serde(default)]
    pub jobs: JobsConfig,
    #[serde(default)]
    /// Budgets for evaluated code (every eval and job is untrusted).
    pub julia: julia_lite::Limits,
    /// Who may call the admin API (`[admin] token`; see mock_kit::access).
    #[serde(default)]
    pub admin: mock_kit::AdminConfig,
    /// The request journal's bounds (`[journal] max_entries`, `max_bytes`).
    #[serde(default)]
    pub journal: mock_kit::JournalConfig,
    /// Fault rules in force from the start and after every reset (`[[faults]]`).
    #[serde(default)]
    pub faults: Vec<mock_kit::FaultRule>,
    /// Makes every generated token, code, PAT, multipart boundary, generated admin token
    /// and fault dice roll a function of this number and the order of requests
    /// (`seed = N` at the top of the TOML, `--seed N`); `None` (the default) draws from
    /// OS randomness. For tests that compare whole answers across runs: see
    /// [`mock_kit::Entropy`], and freeze the clock at a fixed instant too.
    #[serde(default)]
    pub seed: Option<u64>,
    /// A seed document (see [`crate::seed`]) applied at start and after every reset
    /// (`seed_file = "…"` in the TOML, relative to the config file; `--seed-file`).
    #[serde(default)]
    pub seed_file: Option<PathBuf>,
    /// The clock every deadline is measured on. Not in TOML: `Clock::system()` for the
    /// binary, a frozen clock for tests that want exact expiry.
    #[serde(skip)]
    pub clock: Clock,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub nickname: String,
    pub password: String,
    #[serde(default = "default_license")]
    pub license: String,
    /// The stable subject id `session` reports; derived from the nickname when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl User {
    /// The per-user path segment: `<license>-<nickname>`.
    pub fn prefix(&self) -> String {
        format!("{}-{}", self.license, self.nickname)
    }
    pub fn sub(&self) -> String {
        self.sub.clone().unwrap_or_else(|| {
            uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, self.nickname.as_bytes()).to_string()
        })
    }
    pub fn email(&self) -> String {
        self.email
            .clone()
            .unwrap_or_else(|| format!("{}@example.com", self.nickname))
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub client_id: String,
    pub client_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub redirect_uris: Vec<String>,
    /// Space-separated scopes the client may ask for.
    pub scope: String,
}

/// A personal access token from the config (admin API can add more at run time).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pat {
    pub token: String,
    pub user: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthConfig {
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub code_ttl_secs: u64,
    /// Issue a new refresh token on every refresh.
    pub rotate_refresh_tokens: bool,
    /// With rotation, whether the refresh token just used keeps working.
    pub old_refresh_token_stays_valid: bool,
    /// Approve the consent step as this user without showing the page (headless use).
    pub auto_approve: Option<String>,
    /// Issued codes not yet redeemed nor expired, at most; beyond, an authorization is
    /// answered `temporarily_unavailable` (a frozen clock never expires codes).
    pub max_pending_codes: usize,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            access_token_ttl_secs: 600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            code_ttl_secs: 60,
            rotate_refresh_tokens: true,
            old_refresh_token_stays_valid: false,
            auto_approve: None,
            max_pending_codes: 100_000,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleConfig {
    pub start_delay_ms: u64,
    pub stop_delay_ms: u64,
    /// Used when `start` gives no `inactivityTimeout`. 0 disables the auto-stop.
    pub default_inactivity_timeout_secs: u64,
    /// `stopSessionAt` = start + this. 0 means no hard end (`stopSessionAt` is null).
    pub max_session_secs: u64,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        Self {
            start_delay_ms: 0,
            stop_delay_ms: 0,
            default_inactivity_timeout_secs: 3600,
            max_session_secs: 86400,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilesConfig {
    pub max_upload_bytes: usize,
    /// The data directory (`D/.engee-mock` marker, `D/users/<prefix>/` trees; see
    /// [`crate::files::FileStore`]); a fresh temp dir (removed on exit) when absent.
    pub data_dir: Option<PathBuf>,
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 100 * 1024 * 1024,
            data_dir: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Finished jobs kept per user; the oldest finished are dropped first.
    pub max_finished_jobs: usize,
    /// Jobs running at once per user; more are refused (429) until some finish.
    pub max_running_jobs: usize,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            max_finished_jobs: 1000,
            max_running_jobs: 1000,
        }
    }
}

fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
fn default_license() -> String {
    "personal".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] mock_kit::config::ConfigError),
    #[error("invalid config: {0}")]
    Invalid(String),
}

impl Config {
    /// The demo identities from `fixtures/engee.toml`, on `127.0.0.1:0` and the system clock.
    pub fn demo() -> Self {
        let mut config = Self::parse(DEMO_CONFIG).expect("the embedded demo config is valid");
        config.addr = default_addr();
        config
    }

    /// The demo config for tests: free port, a frozen clock, no delays.
    pub fn for_tests() -> Self {
        let mut config = Self::demo();
        config.clock = Clock::frozen_now();
        config.lifecycle.start_delay_ms = 0;
        config.lifecycle.stop_delay_ms = 0;
        config
    }

    /// Reads a TOML config; a relative `[files] data_dir` counts from the file's folder
    /// (not from wherever the binary was started).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config: Self = mock_kit::config::load_toml(path)?;
        let folder = path.parent().unwrap_or(Path::new(""));
        config.files.data_dir = config.files.data_dir.map(|d| folder.join(d));
        config.seed_file = config.seed_file.map(|f| folder.join(f));
        config.validate()?;
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = mock_kit::config::parse_toml(text).map_err(ConfigError::Invalid)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for u in &self.users {
            if u.nickname.is_empty() || u.nickname.contains('/') {
                return Err(ConfigError::Invalid(format!(
                    "user nickname {:?} must be non-empty and contain no '/'",
                    u.nickname
                )));
            }
            if !seen.insert(u.prefix()) {
                return Err(ConfigError::Invalid(format!(
                    "duplicate user {}",
                    u.prefix()
                )));
            }
        }
        for p in &self.pats {
            if !self.users.iter().any(|u| u.nickname == p.user) {
                return Err(ConfigError::Invalid(format!(
                    "PAT for unknown user {:?}",
                    p.user
                )));
            }
        }
        if let Some(a) = &self.oauth.auto_approve
            && !self.users.iter().any(|u| &u.nickname == a)
        {
            return Err(ConfigError::Invalid(format!(
                "oauth.auto_approve names unknown user {a:?}"
            )));
        }
        Ok(())
    }

    pub fn user(&self, nickname: &str) -> Option<&User> {
        self.users.iter().find(|u| u.nickname == nickname)
    }

    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}
