//! Issued credentials: authorization codes, access and refresh tokens, personal access
//! tokens. Plain domain code: takes the time as an argument, knows nothing of HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rand::Rng;

/// A random opaque credential with a readable prefix (`ea_` access, `er_` refresh, `ec_` code).
pub fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub user: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    /// The grant (one code exchange) this token descends from; revoking it revokes the token.
    pub grant: String,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub user: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    /// The grant (one code exchange) this token descends from; rotation keeps it.
    pub grant: String,
}

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub user: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the authorization request carried `redirect_uri` (RFC 6749 §4.1.3: then the
    /// token request must carry the same value).
    pub redirect_uri_in_request: bool,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PersonalToken {
    pub user: String,
    pub created_at: DateTime<Utc>,
}

/// Who a bearer token speaks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    OAuth {
        user: String,
        client_id: String,
        scopes: Vec<String>,
    },
    /// PATs carry every scope of their user.
    Pat {
        user: String,
        created_at: DateTime<Utc>,
    },
}

impl Principal {
    pub fn user(&self) -> &str {
        match self {
            Self::OAuth { user, .. } | Self::Pat { user, .. } => user,
        }
    }
    pub fn has_scope(&self, scope: &str) -> bool {
        match self {
            Self::OAuth { scopes, .. } => scopes.iter().any(|s| s == scope),
            Self::Pat { .. } => true,
        }
    }
}

/// Why a bearer token was refused.
#[derive(Debug, PartialEq)]
pub enum TokenRejection {
    Unknown,
    Expired,
}

/// What redeeming an authorization code found.
#[derive(Debug)]
pub enum Redeemed {
    /// First use: the code (now spent) and the id of the grant its tokens belong to.
    Fresh {
        code: AuthCode,
        grant: String,
    },
    /// The code was spent before; every token issued from it has just been revoked
    /// (RFC 6749 §4.1.2).
    Reused,
    Unknown,
}

/// A spent code, remembered until it would have expired (plus the sweep's grace) so a
/// replay is recognised.
struct SpentCode {
    grant: String,
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
struct Tables {
    codes: HashMap<String, AuthCode>,
    spent: HashMap<String, SpentCode>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    pats: HashMap<String, PersonalToken>,
}

/// All issued credentials, behind one lock (no lock is held across an await).
#[derive(Clone, Default)]
pub struct TokenStore {
    inner: Arc<Mutex<Tables>>,
}

impl TokenStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clear(&self) {
        *self.lock() = Tables::default();
    }

    pub fn add_pat(&self, token: String, user: String, created_at: DateTime<Utc>) {
        self.lock()
            .pats
            .insert(token, PersonalToken { user, created_at });
    }

    /// Adds a PAT unless the string is already a credential (PAT, access or refresh
    /// token); the check and the insert happen under one lock.
    pub fn add_pat_if_new(&self, token: String, user: String, created_at: DateTime<Utc>) -> bool {
        let mut t = self.lock();
        if t.pats.contains_key(&token)
            || t.access.contains_key(&token)
            || t.refresh.contains_key(&token)
        {
            return false;
        }
        t.pats.insert(token, PersonalToken { user, created_at });
        true
    }

    pub fn remove_pat(&self, token: &str) -> bool {
        self.lock().pats.remove(token).is_some()
    }

    pub fn pats_of(&self, user: &str) -> Vec<(String, PersonalToken)> {
        self.lock()
            .pats
            .iter()
            .filter(|(_, p)| p.user == user)
            .map(|(t, p)| (t.clone(), p.clone()))
            .collect()
    }

    pub fn insert_code(&self, code: AuthCode) -> String {
        let id = random_token("ec_");
        self.lock().codes.insert(id.clone(), code);
        id
    }

    /// Removes and returns the code: a code is usable once, whatever the outcome.
    pub fn take_code(&self, code: &str) -> Option<AuthCode> {
        self.lock().codes.remove(code)
    }

    /// Spends a code (usable once, whatever the outcome of the exchange). A replay of a
    /// spent code revokes every token issued from it.
    pub fn redeem_code(&self, code: &str) -> Redeemed {
        let mut t = self.lock();
        if let Some(c) = t.codes.remove(code) {
            let grant = random_token("eg_");
            t.spent.insert(
                code.to_owned(),
                SpentCode {
                    grant: grant.clone(),
                    expires_at: c.expires_at,
                },
            );
            return Redeemed::Fresh { code: c, grant };
        }
        if let Some(spent) = t.spent.get(code) {
            let grant = spent.grant.clone();
            t.access.retain(|_, a| a.grant != grant);
            t.refresh.retain(|_, r| r.grant != grant);
            return Redeemed::Reused;
        }
        Redeemed::Unknown
    }

    /// Replaces refresh token `old` by a new one with the same grant; `keep_old` leaves
    /// `old` usable too. Returns the new token.
    pub fn rotate_refresh(&self, old: &str, new: RefreshToken, keep_old: bool) -> String {
        let id = random_token("er_");
        let mut t = self.lock();
        if !keep_old {
            t.refresh.remove(old);
        }
        t.refresh.insert(id.clone(), new);
        id
    }

    pub fn insert_access(&self, token: AccessToken) -> String {
        let id = random_token("ea_");
        self.lock().access.insert(id.clone(), token);
        id
    }

    pub fn insert_refresh(&self, token: RefreshToken) -> String {
        let id = random_token("er_");
        self.lock().refresh.insert(id.clone(), token);
        id
    }

    pub fn refresh_token(&self, token: &str) -> Option<RefreshToken> {
        self.lock().refresh.get(token).cloned()
    }

    pub fn revoke_refresh(&self, token: &str) {
        self.lock().refresh.remove(token);
    }

    /// Resolves a bearer token (access token or PAT) at time `now`.
    pub fn authenticate(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Principal, TokenRejection> {
        let t = self.lock();
        if let Some(a) = t.access.get(token) {
            if now >= a.expires_at {
                return Err(TokenRejection::Expired);
            }
            return Ok(Principal::OAuth {
                user: a.user.clone(),
                client_id: a.client_id.clone(),
                scopes: a.scopes.clone(),
            });
        }
        if let Some(p) = t.pats.get(token) {
            return Ok(Principal::Pat {
                user: p.user.clone(),
                created_at: p.created_at,
            });
        }
        Err(TokenRejection::Unknown)
    }

    /// Drops expired codes and tokens so a long-running mock stays small.
    pub fn sweep(&self, now: DateTime<Utc>) {
        let mut t = self.lock();
        t.codes.retain(|_, c| c.expires_at > now);
        t.spent.retain(|_, c| c.expires_at > now);
        t.access.retain(|_, a| a.expires_at > now);
        t.refresh.retain(|_, r| r.expires_at > now);
    }
}
