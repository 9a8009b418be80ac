//! Where the checks run and as whom. Built from (highest precedence first) command-line
//! flags, environment variables, a TOML file per deployment (`--target-file`), and, when
//! the target turns out to be one of our mocks, the mocks' demo identities.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// Engee credentials and options.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngeeTarget {
    /// e.g. `https://engee.com` or `http://127.0.0.1:8088`.
    pub base_url: String,
    /// An OAuth access token or a personal access token (PAT) of the main user.
    pub token: Option<String>,
    /// A token of a second user, for isolation checks (optional).
    pub token2: Option<String>,
    /// OAuth client registered with the target (for the OAuth flow checks).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    /// A user login for the consent step, when the target's consent page can be driven by
    /// a form post (the mocks' page can; engee.com's cannot).
    pub user: Option<String>,
    pub password: Option<String>,
    /// A refresh token obtained out of band (lets refresh be checked on real targets).
    pub refresh_token: Option<String>,
}

/// Linkis credentials and options.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LinkisTarget {
    /// The gateway, e.g. `http://gateway:9001` (no `/api/rest_j/v1`).
    pub base_url: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// A second user for isolation checks.
    pub user2: Option<String>,
    pub password2: Option<String>,
    /// Token authentication (`Token-Code` + `Token-User`).
    pub token: Option<String>,
    pub token_user: Option<String>,
    /// Proxy token (`Validation-Code`) and the user it acts as (`Proxy-User`).
    pub proxy_token: Option<String>,
    pub proxy_user: Option<String>,
    /// The engine label for submits (default `spark-2.4.3` → `sql`).
    pub engine_type: Option<String>,
    pub run_type: Option<String>,
}

/// Everything a run needs to know about its targets.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TargetConfig {
    pub engee: Option<EngeeTarget>,
    pub linkis: Option<LinkisTarget>,
    /// Start/stop the user's Engee server when needed (always allowed on a mock).
    pub allow_lifecycle: bool,
    /// Per-check timeout in seconds.
    pub check_timeout_secs: u64,
    /// Longest wait for a job/server state, in seconds.
    pub wait_secs: u64,
    /// Per-request timeout in seconds.
    pub request_timeout_secs: u64,
    /// Treat the targets as real even when they answer `/__admin/health`.
    pub assume_real: bool,
    /// Remove the Engee scratch directory at the end (default true on real targets).
    pub cleanup: bool,
}

impl Default for TargetConfig {
    fn default() -> Self {
        Self {
            engee: None,
            linkis: None,
            allow_lifecycle: false,
            check_timeout_secs: 60,
            wait_secs: 120,
            // longer than the Engee mock's 30 s evaluation budget, which the budget check waits out
            request_timeout_secs: 45,
            assume_real: false,
            cleanup: true,
        }
    }
}

impl TargetConfig {
    /// Reads a deployment file (`deployments/x.toml`).
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Both mocks' demo identities (fixtures/engee.toml, fixtures/linkis.toml).
    pub fn mocks(engee_url: Option<&str>, linkis_url: Option<&str>) -> Self {
        let mut cfg = Self {
            allow_lifecycle: true,
            ..Self::default()
        };
        if let Some(u) = engee_url {
            let mut e = EngeeTarget {
                base_url: u.to_owned(),
                ..EngeeTarget::default()
            };
            e.fill_mock_defaults();
            cfg.engee = Some(e);
        }
        if let Some(u) = linkis_url {
            let mut l = LinkisTarget {
                base_url: u.to_owned(),
                ..LinkisTarget::default()
            };
            l.fill_mock_defaults();
            cfg.linkis = Some(l);
        }
        cfg
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }
}

impl EngeeTarget {
    /// Fills unset credentials with the engee mock's demo identities.
    pub fn fill_mock_defaults(&mut self) {
        let set = |f: &mut Option<String>, v: &str| {
            if f.is_none() {
                *f = Some(v.to_owned());
            }
        };
        set(&mut self.token, "demo-pat");
        set(&mut self.token2, "other-pat");
        set(&mut self.client_id, "demo-app");
        set(&mut self.client_secret, "demo-secret");
        set(&mut self.redirect_uri, "http://127.0.0.1:8765/callback");
        set(
            &mut self.scope,
            "user:id user:username profile:name profile:primary_email engee",
        );
        set(&mut self.user, "demo");
        set(&mut self.password, "demo");
    }

    /// Whether the OAuth flow checks have what they need.
    pub fn has_oauth_client(&self) -> bool {
        self.client_id.is_some() && self.client_secret.is_some() && self.redirect_uri.is_some()
    }

    pub fn scope(&self) -> &str {
        self.scope
            .as_deref()
            .unwrap_or("user:id user:username profile:name profile:primary_email engee")
    }
}

impl LinkisTarget {
    /// Fills unset credentials with the linkis mock's demo identities.
    pub fn fill_mock_defaults(&mut self) {
        let set = |f: &mut Option<String>, v: &str| {
            if f.is_none() {
                *f = Some(v.to_owned());
            }
        };
        set(&mut self.user, "alice");
        set(&mut self.password, "alice");
        set(&mut self.user2, "bob");
        set(&mut self.password2, "bob");
        set(&mut self.token, "LINKIS-AUTH");
        set(&mut self.token_user, "alice");
        set(&mut self.proxy_token, "LINKIS-PROXY-AB");
        set(&mut self.proxy_user, "bob");
    }

    pub fn engine_type(&self) -> &str {
        self.engine_type.as_deref().unwrap_or("spark-2.4.3")
    }
    pub fn run_type(&self) -> &str {
        self.run_type.as_deref().unwrap_or("sql")
    }
}

/// Environment variables read by [`apply_env`], with what each sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("ENGEE_BASE_URL", "Engee base URL"),
    ("ENGEE_TOKEN", "Engee access token or PAT (main user)"),
    ("ENGEE_TOKEN2", "Engee token of a second user"),
    ("ENGEE_CLIENT_ID", "OAuth client id"),
    ("ENGEE_CLIENT_SECRET", "OAuth client secret"),
    ("ENGEE_REDIRECT_URI", "OAuth redirect URI"),
    ("ENGEE_SCOPE", "OAuth scope"),
    ("ENGEE_USER", "user for the consent step"),
    ("ENGEE_PASSWORD", "password for the consent step"),
    (
        "ENGEE_REFRESH_TOKEN",
        "a refresh token obtained out of band",
    ),
    ("LINKIS_BASE_URL", "Linkis gateway URL"),
    ("LINKIS_USER", "Linkis user"),
    ("LINKIS_PASSWORD", "Linkis password"),
    ("LINKIS_USER2", "second Linkis user"),
    ("LINKIS_PASSWORD2", "second Linkis user's password"),
    ("LINKIS_TOKEN", "Token-Code"),
    ("LINKIS_TOKEN_USER", "Token-User"),
    ("LINKIS_PROXY_TOKEN", "Validation-Code (proxy token)"),
    ("LINKIS_PROXY_USER", "Proxy-User"),
];

/// Overlays values from `get` (normally `std::env::var`) on `cfg`.
pub fn apply_env(cfg: &mut TargetConfig, get: impl Fn(&str) -> Option<String>) {
    let g = |k: &str| get(k).filter(|v| !v.is_empty());
    if let Some(url) = g("ENGEE_BASE_URL") {
        cfg.engee.get_or_insert_with(Default::default).base_url = url;
    }
    if let Some(e) = cfg.engee.as_mut() {
        let pairs: [(&str, &mut Option<String>); 9] = [
            ("ENGEE_TOKEN", &mut e.token),
            ("ENGEE_TOKEN2", &mut e.token2),
            ("ENGEE_CLIENT_ID", &mut e.client_id),
            ("ENGEE_CLIENT_SECRET", &mut e.client_secret),
            ("ENGEE_REDIRECT_URI", &mut e.redirect_uri),
            ("ENGEE_SCOPE", &mut e.scope),
            ("ENGEE_USER", &mut e.user),
            ("ENGEE_PASSWORD", &mut e.password),
            ("ENGEE_REFRESH_TOKEN", &mut e.refresh_token),
        ];
        for (k, f) in pairs {
            if let Some(v) = g(k) {
                *f = Some(v);
            }
        }
    }
    if let Some(url) = g("LINKIS_BASE_URL") {
        cfg.linkis.get_or_insert_with(Default::default).base_url = url;
    }
    if let Some(l) = cfg.linkis.as_mut() {
        let pairs: [(&str, &mut Option<String>); 8] = [
            ("LINKIS_USER", &mut l.user),
            ("LINKIS_PASSWORD", &mut l.password),
            ("LINKIS_USER2", &mut l.user2),
            ("LINKIS_PASSWORD2", &mut l.password2),
            ("LINKIS_TOKEN", &mut l.token),
            ("LINKIS_TOKEN_USER", &mut l.token_user),
            ("LINKIS_PROXY_TOKEN", &mut l.proxy_token),
            ("LINKIS_PROXY_USER", &mut l.proxy_user),
        ];
        for (k, f) in pairs {
            if let Some(v) = g(k) {
                *f = Some(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_file_shape() {
        let cfg: TargetConfig = toml::from_str(
            r#"
            allow_lifecycle = false
            [engee]
            base_url = "https://engee.com"
            token = "t"
            [linkis]
            base_url = "http://gw:9001"
            user = "u"
            password = "p"
            "#,
        )
        .unwrap();
        assert_eq!(cfg.engee.unwrap().token.as_deref(), Some("t"));
        assert_eq!(cfg.linkis.unwrap().user.as_deref(), Some("u"));
        assert_eq!(cfg.wait_secs, 120);
    }

    #[test]
    fn env_overrides() {
        let mut cfg = TargetConfig::default();
        apply_env(&mut cfg, |k| match k {
            "ENGEE_BASE_URL" => Some("https://e".into()),
            "ENGEE_TOKEN" => Some("tok".into()),
            "LINKIS_USER" => Some("ignored-without-url".into()),
            _ => None,
        });
        let e = cfg.engee.unwrap();
        assert_eq!(
            (e.base_url.as_str(), e.token.as_deref()),
            ("https://e", Some("tok"))
        );
        assert!(cfg.linkis.is_none());
    }
}
