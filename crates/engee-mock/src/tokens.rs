//! Issued credentials: authorization codes, access and refresh tokens, personal access
//! tokens. Plain domain code: takes the time as an argument, knows nothing of HTTP.
//!
//! Memory is bounded by logins, not by requests: access and refresh tokens carry their
//! own signed claims (see [`TokenStore`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use mock_kit::Entropy;
use serde::{Deserialize, Serialize};

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

/// A spent code, remembered until it would have expired (plus [`GRACE`]) so a replay is
/// recognised.
struct SpentCode {
    grant: String,
    expires_at: DateTime<Utc>,
}

/// One code exchange and the tokens descending from it. Tokens carry their own claims
/// (signed), so this is all the store keeps of them: revoking the grant revokes them all,
/// and with rotation only refresh tokens of generation `oldest_valid` or later are good.
struct Grant {
    latest: u64,
    oldest_valid: u64,
    /// When the last token of the grant expires.
    expires_at: DateTime<Utc>,
}

/// How long an expired code or grant is remembered: a replayed code still revokes, an
/// expired token is still told apart from an unknown one.
const GRACE: chrono::Duration = chrono::Duration::days(1);
/// The longest time between two purges of expired entries (on the mock's clock).
const SWEEP_EVERY: chrono::Duration = chrono::Duration::seconds(60);

struct Tables {
    /// The per-start (and per-reset) key that signs access and refresh tokens.
    key: [u8; 32],
    codes: HashMap<String, AuthCode>,
    spent: HashMap<String, SpentCode>,
    grants: HashMap<String, Grant>,
    pats: HashMap<String, PersonalToken>,
    /// When the next purge is due at the latest, and the size that brings it forward
    /// (doubling, so purges stay amortised O(1) per request).
    next_sweep: Option<DateTime<Utc>>,
    sweep_at_len: usize,
}

impl Tables {
    /// Empty tables with a new signing key from `entropy` (the seed's next bytes when the
    /// mock is seeded, so a token issued in one run is issued again, byte for byte, in the
    /// next).
    fn new(entropy: &Entropy) -> Self {
        Self {
            key: entropy.bytes(),
            codes: HashMap::new(),
            spent: HashMap::new(),
            grants: HashMap::new(),
            pats: HashMap::new(),
            next_sweep: None,
            sweep_at_len: MIN_SWEEP_LEN,
        }
    }
}

const MIN_SWEEP_LEN: usize = 1024;

impl Tables {
    fn len(&self) -> usize {
        self.codes.len() + self.spent.len() + self.grants.len() + self.pats.len()
    }

    /// Drops codes and grants that ended before `before`.
    fn sweep(&mut self, before: DateTime<Utc>) {
        self.codes.retain(|_, c| c.expires_at > before);
        self.spent.retain(|_, c| c.expires_at > before);
        self.grants.retain(|_, g| g.expires_at > before);
    }

    /// Purges expired entries when the time or the size for it has come.
    fn sweep_if_due(&mut self, now: DateTime<Utc>) {
        let due = self.next_sweep.is_none_or(|t| now >= t);
        if due || self.len() >= self.sweep_at_len {
            self.sweep(now.checked_sub_signed(GRACE).unwrap_or(now));
            self.next_sweep = now.checked_add_signed(SWEEP_EVERY);
            self.sweep_at_len = (2 * self.len()).max(MIN_SWEEP_LEN);
        }
    }

    fn extend_grant(&mut self, grant: &str, until: DateTime<Utc>) {
        if let Some(g) = self.grants.get_mut(grant) {
            g.expires_at = g.expires_at.max(until);
        }
    }

    fn sign(&self, prefix: &str, claims: &Claims) -> String {
        let json = serde_json::to_vec(claims).expect("claims serialise");
        let payload = B64.encode(json);
        let mac = hmac_sha256(&self.key, format!("{prefix}{payload}").as_bytes());
        format!("{prefix}{payload}.{}", B64.encode(mac))
    }

    /// The claims of a token this store signed (since its last reset) with `prefix`.
    fn verify(&self, prefix: &str, token: &str) -> Option<Claims> {
        let (signed, mac) = token.rsplit_once('.')?;
        let payload = signed.strip_prefix(prefix)?;
        let mac = B64.decode(mac).ok()?;
        let expected = hmac_sha256(&self.key, signed.as_bytes());
        if mac.len() != expected.len()
            || mac.iter().zip(expected).fold(0, |d, (a, b)| d | (a ^ b)) != 0
        {
            return None;
        }
        serde_json::from_slice(&B64.decode(payload).ok()?).ok()
    }
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const ACCESS: &str = "ea_";
const REFRESH: &str = "er_";

/// What an access or refresh token says about itself.
#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(rename = "u")]
    user: String,
    #[serde(rename = "c")]
    client_id: String,
    #[serde(rename = "s")]
    scopes: Vec<String>,
    /// Expiry, Unix milliseconds.
    #[serde(rename = "e")]
    expires_ms: i64,
    #[serde(rename = "g")]
    grant: String,
    /// The refresh token's generation within its grant (0 for access tokens).
    #[serde(rename = "n")]
    generation: u64,
    /// Makes two tokens issued at the same instant differ.
    #[serde(rename = "j")]
    nonce: u64,
}

impl Claims {
    fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.expires_ms).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// HMAC-SHA256 (RFC 2104) from RustCrypto's `hmac`: signing is not something to hand-write.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// All issued credentials, behind one lock (no lock is held across an await).
///
/// Access and refresh tokens are not stored: they carry their claims, signed with a key
/// drawn at start and at every reset (so a reset forgets them all). What is stored is
/// bounded by logins, not by requests: pending and spent codes (until they expire, plus
/// [`GRACE`]), one entry per grant (until its last token expires, plus [`GRACE`]) and the
/// PATs. Expired entries are purged as requests come (amortised) and by [`Self::sweep`].
///
/// Codes, grant ids, nonces and the key come from the mock's [`Entropy`].
#[derive(Clone)]
pub struct TokenStore {
    inner: Arc<Mutex<Tables>>,
    entropy: Entropy,
}

impl Default for TokenStore {
    /// A store on OS randomness.
    fn default() -> Self {
        Self::new(Entropy::os())
    }
}

/// Random bytes in a credential: 256 bits, hex.
const TOKEN_BYTES: usize = 32;

impl TokenStore {
    /// An empty store drawing its key, codes and nonces from `entropy`.
    pub fn new(entropy: Entropy) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Tables::new(&entropy))),
            entropy,
        }
    }

    /// A random opaque credential with a readable prefix (`ec_` code, `eg_` grant, `ep_`
    /// PAT made by the admin API).
    pub fn random_token(&self, prefix: &str) -> String {
        self.entropy.hex_token(prefix, TOKEN_BYTES)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many entries the store holds (codes, spent codes, grants, PATs): what stays in
    /// memory as requests come.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every credential: a new key, and no grants. With a seed, the admin reset
    /// restarts the sequence first, so the key is the one a fresh start draws and earlier
    /// tokens verify again, but their grants are gone, so they are still refused.
    pub fn clear(&self) {
        *self.lock() = Tables::new(&self.entropy);
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
            || t.verify(ACCESS, &token).is_some()
            || t.verify(REFRESH, &token).is_some()
        {
            return false;
        }
        t.pats.insert(token, PersonalToken { user, created_at });
        true
    }

    pub fn remove_pat(&self, token: &str) -> bool {
        self.lock().pats.remove(token).is_some()
    }

    /// Every PAT as `(token, user)`, by token.
    pub(crate) fn pats(&self) -> Vec<(String, String)> {
        let mut pats: Vec<(String, String)> = self
            .lock()
            .pats
            .iter()
            .map(|(t, p)| (t.clone(), p.user.clone()))
            .collect();
        pats.sort();
        pats
    }

    /// The user of a PAT, if the token is one.
    pub(crate) fn pat_user(&self, token: &str) -> Option<String> {
        self.lock().pats.get(token).map(|p| p.user.clone())
    }

    pub fn pats_of(&self, user: &str) -> Vec<(String, PersonalToken)> {
        self.lock()
            .pats
            .iter()
            .filter(|(_, p)| p.user == user)
            .map(|(t, p)| (t.clone(), p.clone()))
            .collect()
    }

    /// Stores a new code; `None` when `max_pending` codes wait to be redeemed already
    /// (expired ones purged first).
    pub fn insert_code(
        &self,
        code: AuthCode,
        now: DateTime<Utc>,
        max_pending: usize,
    ) -> Option<String> {
        let mut t = self.lock();
        t.sweep_if_due(now);
        if t.codes.len() >= max_pending {
            t.codes.retain(|_, c| c.expires_at > now);
            if t.codes.len() >= max_pending {
                return None;
            }
        }
        let id = self.random_token("ec_");
        t.codes.insert(id.clone(), code);
        Some(id)
    }

    /// Spends a code (usable once, whatever the outcome of the exchange). A replay of a
    /// spent code revokes every token issued from it.
    pub fn redeem_code(&self, code: &str, now: DateTime<Utc>) -> Redeemed {
        let mut t = self.lock();
        t.sweep_if_due(now);
        if let Some(c) = t.codes.remove(code) {
            let grant = self.random_token("eg_");
            t.spent.insert(
                code.to_owned(),
                SpentCode {
                    grant: grant.clone(),
                    expires_at: c.expires_at,
                },
            );
            t.grants.insert(
                grant.clone(),
                Grant {
                    latest: 0,
                    oldest_valid: 0,
                    expires_at: c.expires_at,
                },
            );
            return Redeemed::Fresh { code: c, grant };
        }
        if let Some(spent) = t.spent.get(code) {
            let grant = spent.grant.clone();
            t.grants.remove(&grant);
            return Redeemed::Reused;
        }
        Redeemed::Unknown
    }

    /// Issues the next refresh token of `old`'s grant; unless `keep_old`, every earlier
    /// one (`old` too) stops working. `None` when `old` is no longer good (revoked, or
    /// superseded by a concurrent rotation).
    pub fn rotate_refresh(&self, old: &str, new: RefreshToken, keep_old: bool) -> Option<String> {
        let mut t = self.lock();
        let claims = t.verify(REFRESH, old)?;
        let grant = t.grants.get_mut(&claims.grant)?;
        if claims.generation < grant.oldest_valid {
            return None;
        }
        grant.latest += 1;
        if !keep_old {
            grant.oldest_valid = grant.latest;
        }
        grant.expires_at = grant.expires_at.max(new.expires_at);
        let generation = grant.latest;
        Some(t.sign(
            REFRESH,
            &refresh_claims(new, generation, self.entropy.u64()),
        ))
    }

    pub fn insert_access(&self, token: AccessToken) -> String {
        let mut t = self.lock();
        t.extend_grant(&token.grant, token.expires_at);
        let claims = Claims {
            user: token.user,
            client_id: token.client_id,
            scopes: token.scopes,
            expires_ms: token.expires_at.timestamp_millis(),
            grant: token.grant,
            generation: 0,
            nonce: self.entropy.u64(),
        };
        t.sign(ACCESS, &claims)
    }

    /// The first refresh token of a grant.
    pub fn insert_refresh(&self, token: RefreshToken) -> String {
        let mut t = self.lock();
        t.extend_grant(&token.grant, token.expires_at);
        t.sign(REFRESH, &refresh_claims(token, 0, self.entropy.u64()))
    }

    /// A refresh token that is still good (signed here, grant not revoked, not
    /// superseded), whether expired or not.
    pub fn refresh_token(&self, token: &str) -> Option<RefreshToken> {
        let t = self.lock();
        let claims = t.verify(REFRESH, token)?;
        let grant = t.grants.get(&claims.grant)?;
        if claims.generation < grant.oldest_valid {
            return None;
        }
        Some(RefreshToken {
            expires_at: claims.expires_at(),
            user: claims.user,
            client_id: claims.client_id,
            scopes: claims.scopes,
            grant: claims.grant,
        })
    }

    /// Resolves a bearer token (access token or PAT) at time `now`.
    pub fn authenticate(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Principal, TokenRejection> {
        let t = self.lock();
        if let Some(a) = t.verify(ACCESS, token) {
            if !t.grants.contains_key(&a.grant) {
                return Err(TokenRejection::Unknown);
            }
            if now >= a.expires_at() {
                return Err(TokenRejection::Expired);
            }
            return Ok(Principal::OAuth {
                user: a.user,
                client_id: a.client_id,
                scopes: a.scopes,
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

    /// Drops codes and grants that ended before `before`.
    pub fn sweep(&self, before: DateTime<Utc>) {
        self.lock().sweep(before);
    }
}

fn refresh_claims(token: RefreshToken, generation: u64, nonce: u64) -> Claims {
    Claims {
        user: token.user,
        client_id: token.client_id,
        scopes: token.scopes,
        expires_ms: token.expires_at.timestamp_millis(),
        grant: token.grant,
        generation,
        nonce,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = hmac_sha256(&key, b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_verify_only_untampered_and_until_a_reset() {
        let store = TokenStore::default();
        let now = Utc::now();
        let token = store.insert_access(AccessToken {
            user: "demo".into(),
            client_id: "app".into(),
            scopes: vec!["engee".into()],
            expires_at: now + chrono::Duration::seconds(600),
            grant: "eg_x".into(),
        });
        // No such grant: a token of a revoked (or never made) grant is unknown.
        assert_eq!(
            store.authenticate(&token, now),
            Err(TokenRejection::Unknown)
        );
        store.lock().grants.insert(
            "eg_x".into(),
            Grant {
                latest: 0,
                oldest_valid: 0,
                expires_at: now + chrono::Duration::seconds(600),
            },
        );
        assert!(store.authenticate(&token, now).is_ok());
        let (payload, mac) = token.rsplit_once('.').unwrap();
        let forged = format!("{}A.{mac}", payload);
        assert_eq!(
            store.authenticate(&forged, now),
            Err(TokenRejection::Unknown)
        );
        assert_eq!(
            store.authenticate(&token, now + chrono::Duration::seconds(600)),
            Err(TokenRejection::Expired)
        );
        store.clear();
        assert_eq!(
            store.authenticate(&token, now),
            Err(TokenRejection::Unknown)
        );
    }
}
