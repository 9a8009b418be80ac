//! Who is calling: password login and sessions (sliding timeout on the mock's clock),
//! the token table, and proxy users from `proxy.properties`. No HTTP in here.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use mock_kit::{Clock, Entropy};

use crate::config::{Config, TokenEntry, UserEntry};
use crate::error::LinkisError;
use crate::proxy_file::{ProxyCheck, ProxyFile};

/// Name of the session cookie.
pub const TICKET_COOKIE: &str = "linkis_user_session_ticket_id_v1";

pub const NOT_LOGGED_IN: &str = "You are not logged in, please login first(您尚未登录，请先登录)!";
pub const UNKNOWN_TICKET: &str =
    "You are not logged in, please login first!(您尚未登录，请先登录!)";
pub const EXPIRED: &str = "Login has expired, please log in again!(登录已过期，请重新登录！)";

/// An authenticated request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// Who authenticated (job `submitUser` / `umUser`).
    pub submit_user: String,
    /// Who the request acts as (job `executeUser`).
    pub execute_user: String,
    /// Admin rights of the acting user.
    pub admin: bool,
}

struct Session {
    login: String,
    acting: String,
    last_access: DateTime<Utc>,
    /// Creation order, to tell the oldest apart on a frozen clock.
    seq: u64,
}

/// A live session as the dashboard shows it: who, and until when, but not the ticket.
pub(crate) struct SessionView {
    pub(crate) login: String,
    pub(crate) user: String,
    pub(crate) last_access: DateTime<Utc>,
    pub(crate) expires: DateTime<Utc>,
}

/// Users, tokens and proxy entries seeded on top of the config and the proxy file
/// (`POST /__admin/seed`); a reset forgets them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seeded {
    pub(crate) users: Vec<UserEntry>,
    pub(crate) tokens: Vec<TokenEntry>,
    /// Proxy token → allowed users (`*` for anyone), tried before `proxy.properties`.
    pub(crate) proxy: BTreeMap<String, Vec<String>>,
}

/// Sessions and the proxy file, each behind its own lock.
pub struct AuthStore {
    seeded: Mutex<Seeded>,
    clock: Clock,
    started: DateTime<Utc>,
    sessions: Mutex<HashMap<String, Session>>,
    proxy: Mutex<ProxyFile>,
    next_seq: std::sync::atomic::AtomicU64,
    /// Draws session tickets.
    entropy: Entropy,
}

/// Outcome of a password login.
pub enum Login {
    AlreadyLoggedIn(String),
    Ok {
        user: String,
        admin: bool,
        ticket: String,
    },
}

impl AuthStore {
    pub fn new(cfg: &Config, entropy: Entropy) -> Self {
        Self {
            seeded: Mutex::default(),
            entropy,
            clock: cfg.clock.clone(),
            started: cfg.clock.now(),
            sessions: Mutex::new(HashMap::new()),
            next_seq: Default::default(),
            proxy: Mutex::new(ProxyFile::new(
                cfg.proxy_file.clone(),
                crate::config::DEMO_PROXY,
            )),
        }
    }

    /// Forgets every session and everything seeded.
    pub fn reset(&self) {
        lock(&self.sessions).clear();
        *lock(&self.seeded) = Seeded::default();
    }

    /// What has been seeded so far.
    pub(crate) fn seeded(&self) -> Seeded {
        lock(&self.seeded).clone()
    }

    /// Replaces what is seeded (a seed, checked beforehand).
    pub(crate) fn set_seeded(&self, seeded: Seeded) {
        *lock(&self.seeded) = seeded;
    }

    /// The configured users, then the seeded ones.
    pub(crate) fn users(&self, cfg: &Config) -> Vec<UserEntry> {
        let mut users = cfg.users.clone();
        users.extend(lock(&self.seeded).users.iter().cloned());
        users
    }

    /// The configured tokens, then the seeded ones.
    pub(crate) fn tokens(&self, cfg: &Config) -> Vec<TokenEntry> {
        let mut tokens = cfg.tokens.clone();
        tokens.extend(lock(&self.seeded).tokens.iter().cloned());
        tokens
    }

    /// Whether `user` has admin rights (configured or seeded).
    pub fn admin(&self, cfg: &Config, user: &str) -> bool {
        cfg.admin(user)
            || lock(&self.seeded)
                .users
                .iter()
                .any(|u| u.name == user && u.admin)
    }

    fn timeout(cfg: &Config) -> Duration {
        Duration::seconds(i64::try_from(cfg.session_timeout_secs).unwrap_or(i64::MAX / 1000))
    }

    /// The live sessions, oldest first, without their tickets (credentials). For the
    /// dashboard; touches nothing.
    pub(crate) fn sessions(&self, cfg: &Config) -> Vec<SessionView> {
        let now = self.clock.now();
        let timeout = Self::timeout(cfg);
        let sessions = lock(&self.sessions);
        let mut live: Vec<&Session> = sessions
            .values()
            .filter(|s| now - s.last_access <= timeout)
            .collect();
        live.sort_by_key(|s| s.seq);
        live.into_iter()
            .map(|s| SessionView {
                login: s.login.clone(),
                user: s.acting.clone(),
                last_access: s.last_access,
                expires: s
                    .last_access
                    .checked_add_signed(timeout)
                    .unwrap_or(s.last_access),
            })
            .collect()
    }

    /// The caller behind a session ticket, refreshing the sliding timeout.
    pub fn session(&self, cfg: &Config, ticket: &str) -> Result<Caller, LinkisError> {
        let now = self.clock.now();
        let timeout = Self::timeout(cfg);
        let mut sessions = lock(&self.sessions);
        let Some(s) = sessions.get_mut(ticket) else {
            return Err(LinkisError::NotLoggedIn(UNKNOWN_TICKET.into()));
        };
        let idle = now - s.last_access;
        if idle > timeout {
            sessions.remove(ticket);
            return Err(LinkisError::NotLoggedIn(EXPIRED.into()));
        }
        if idle > timeout / 2 {
            s.last_access = now;
        }
        Ok(Caller {
            submit_user: s.login.clone(),
            execute_user: s.acting.clone(),
            admin: self.admin(cfg, &s.acting),
        })
    }

    /// Whether the ticket names a live session (no refresh).
    pub fn live_user(&self, cfg: &Config, ticket: &str) -> Option<String> {
        let now = self.clock.now();
        let sessions = lock(&self.sessions);
        let s = sessions.get(ticket)?;
        (now - s.last_access <= Self::timeout(cfg)).then(|| s.acting.clone())
    }

    /// Creates a session for `login`, applying the login-name mapping of the proxy file.
    pub fn create_session(&self, cfg: &Config, login: &str) -> (String, String) {
        let acting = {
            let mut proxy = lock(&self.proxy);
            proxy.refresh();
            proxy.mapped_user(login)
        };
        let acting = match acting {
            Some(mapped) => {
                tracing::info!(login, mapped = %mapped, "switched to proxy user for login user");
                mapped
            }
            None => login.to_owned(),
        };
        let ticket = self.entropy.hex_token("", TICKET_BYTES);
        let now = self.clock.now();
        let mut sessions = lock(&self.sessions);
        make_room(&mut sessions, cfg, now, login);
        sessions.insert(
            ticket.clone(),
            Session {
                login: login.to_owned(),
                acting: acting.clone(),
                last_access: now,
                seq: self
                    .next_seq
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            },
        );
        (ticket, acting)
    }

    pub fn logout(&self, ticket: &str) {
        lock(&self.sessions).remove(ticket);
    }

    /// The upstream login checks, in upstream order.
    pub fn login(
        &self,
        cfg: &Config,
        current_ticket: Option<&str>,
        user: &str,
        password: &str,
    ) -> Result<Login, LinkisError> {
        if let Some(u) = current_ticket.and_then(|t| self.live_user(cfg, t)) {
            return Ok(Login::AlreadyLoggedIn(u));
        }
        if user.trim().is_empty() {
            return Err(LinkisError::Invalid(
                "Username can not be empty(用户名不能为空)！".into(),
            ));
        }
        if password.trim().is_empty() {
            return Err(LinkisError::Invalid(
                "Password can not be blank(密码不能为空)！".into(),
            ));
        }
        let users = self.users(cfg);
        let exact = users.iter().find(|u| u.name == user && u.admin);
        let lower = user.to_lowercase();
        let found = exact.or_else(|| users.iter().find(|u| u.name == lower));
        match found {
            Some(u) if u.password == password => {
                let (ticket, acting) = self.create_session(cfg, &u.name);
                Ok(Login::Ok {
                    admin: self.admin(cfg, &acting),
                    user: if u.admin {
                        user.to_owned()
                    } else {
                        u.name.clone()
                    },
                    ticket,
                })
            }
            _ => Err(LinkisError::Invalid(
                "wrong user name or password(用户名或密码错误)！".into(),
            )),
        }
    }

    /// `Token-Code` + `Token-User` against the token table.
    pub fn token(
        &self,
        cfg: &Config,
        code: &str,
        user: &str,
        host: &str,
    ) -> Result<Caller, LinkisError> {
        if code.trim().is_empty() || user.trim().is_empty() {
            return Err(LinkisError::NotLoggedIn(
                "请在Header或Cookie中同时指定Token-Code 和 Token-User，以便完成token认证！".into(),
            ));
        }
        let fail = |errcode: u32, desc: String| {
            LinkisError::NotLoggedIn(format!(
                "Token Authentication Failed, token: {code}，tokenUser: {user}, reason: errCode: {errcode} ,desc: {desc} ,ip: 127.0.0.1 ,port: 9001 ,serviceKind: linkis-mg-gateway"
            ))
        };
        let tokens = self.tokens(cfg);
        let Some(t) = tokens.iter().find(|t| t.name == code) else {
            return Err(fail(
                15204,
                "Invalid Token(数据库中未配置的无效令牌)".into(),
            ));
        };
        if t.elapse_days >= 0 && self.clock.now() > self.started + Duration::days(t.elapse_days) {
            return Err(fail(
                15201,
                format!("Token is not valid or stale({code} 令牌已过期)!"),
            ));
        }
        if !t.users.iter().any(|u| u == "*" || u == user) {
            return Err(fail(
                15202,
                format!("Illegal TokenUser for Token(Token非法用户: {user})!"),
            ));
        }
        if !t.hosts.iter().any(|h| h == "*" || h == host) {
            return Err(fail(
                15203,
                format!("Illegal Host for Token(非法ip: {host})!"),
            ));
        }
        Ok(Caller {
            submit_user: user.to_owned(),
            execute_user: user.to_owned(),
            admin: self.admin(cfg, user),
        })
    }

    /// Checks a proxy token against `proxy.properties` (re-read if it changed).
    pub fn proxy_check(&self, code: &str, user: &str) -> ProxyCheck {
        if let Some(allowed) = lock(&self.seeded).proxy.get(code) {
            return if allowed.iter().any(|u| u == "*" || u == user) {
                ProxyCheck::Allowed
            } else {
                ProxyCheck::UserNotAllowed
            };
        }
        let mut proxy = lock(&self.proxy);
        proxy.refresh();
        proxy.validate(code, user)
    }

    /// Whether `proxy.properties` lets some token act as `user`.
    pub(crate) fn proxy_check_any(&self, user: &str) -> bool {
        let mut proxy = lock(&self.proxy);
        proxy.refresh();
        proxy.allows_anywhere(user)
    }

    /// The SEED headers `Proxy-User` + `Validation-Code`: act as `user`.
    pub fn header_proxy(
        &self,
        cfg: &Config,
        base: Option<Caller>,
        user: &str,
        code: &str,
    ) -> Result<Caller, LinkisError> {
        if user.trim().is_empty() || code.trim().is_empty() {
            return Err(LinkisError::NotLoggedIn(
                "Proxy-User and Validation-Code must both be non-blank(请同时指定Proxy-User和Validation-Code)".into(),
            ));
        }
        match self.proxy_check(code, user) {
            ProxyCheck::Allowed => Ok(Caller {
                submit_user: base
                    .map(|b| b.submit_user)
                    .unwrap_or_else(|| user.to_owned()),
                execute_user: user.to_owned(),
                admin: self.admin(cfg, user),
            }),
            ProxyCheck::UnknownToken => Err(LinkisError::NotLoggedIn(format!(
                "Validation-Code {code} is not configured in proxy.properties(代理token无效)"
            ))),
            ProxyCheck::UserNotAllowed => Err(LinkisError::NotLoggedIn(format!(
                "Proxy-User {user} is not allowed for this Validation-Code(该token无权代理用户{user})"
            ))),
        }
    }
}

/// Frees a place for a new session of `login`: expired sessions go first; then, beyond
/// `limits.max_sessions_per_user`, that user's own oldest session; and when the table is
/// full, the oldest session of the user holding the most. So one user's logins never end
/// another user's session while the other holds fewer.
fn make_room(
    sessions: &mut HashMap<String, Session>,
    cfg: &Config,
    now: DateTime<Utc>,
    login: &str,
) {
    let timeout = AuthStore::timeout(cfg);
    sessions.retain(|_, s| now - s.last_access <= timeout);
    let oldest_of = |sessions: &HashMap<String, Session>, user: &str| {
        sessions
            .iter()
            .filter(|(_, s)| s.login == user)
            .min_by_key(|(_, s)| (s.last_access, s.seq))
            .map(|(k, _)| k.clone())
    };
    let mine = sessions.values().filter(|s| s.login == login).count();
    if mine >= cfg.limits.max_sessions_per_user.max(1)
        && let Some(k) = oldest_of(sessions, login)
    {
        sessions.remove(&k);
    }
    if sessions.len() >= cfg.limits.max_sessions.max(1) {
        let mut held: HashMap<&str, usize> = HashMap::new();
        for s in sessions.values() {
            *held.entry(s.login.as_str()).or_default() += 1;
        }
        let heaviest = held
            .into_iter()
            .max_by_key(|(u, n)| (*n, std::cmp::Reverse(*u)))
            .map(|(u, _)| u.to_owned());
        if let Some(k) = heaviest.and_then(|u| oldest_of(sessions, &u)) {
            sessions.remove(&k);
        }
    }
}

/// A session ticket: 256 random bits as 64 hex digits (the length of two simple UUIDs,
/// what the mock used before tickets could be seeded).
const TICKET_BYTES: usize = 32;

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
