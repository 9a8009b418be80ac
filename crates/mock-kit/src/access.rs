//! Who may use the admin API, and the guard every admin route except `GET /__admin/health`
//! goes through.
//!
//! The admin API can reset the mock, move its clock, inject faults and (Engee) add PATs,
//! so it is protected against two kinds of caller:
//!
//! - **other machines.** On a non-loopback address an admin token is required; when none
//!   is configured (`--admin-token`, `MOCK_ADMIN_TOKEN`, `[admin] token`), the mock makes
//!   a random one at start and prints it on stdout (`admin token: …`, after the `listening
//!   on` line). A configured token is required on any address. It is sent as
//!   `Authorization: Bearer <token>` or `X-Admin-Token: <token>`; without it: 401. The
//!   dashboard page alone (`GET /__admin/`, `GET /__admin`) also takes it as `?token=`,
//!   since a browser navigation cannot carry a header ([`crate::dashboard`]).
//! - **web pages in the developer's browser.** A page may send "simple" cross-site requests
//!   (a form POST, `fetch` with `text/plain`) that need no CORS preflight. So:
//!   - a request whose `Origin` is not the mock's own (`Host`) is refused: 403;
//!   - `POST`, `PUT` and `PATCH` must carry `Content-Type: application/json` (send `{}`
//!     when there is nothing to say): 415 otherwise. A page cannot send that content type
//!     cross-site without a preflight, which the admin API never grants. `DELETE` needs no
//!     body and no content type: browsers always preflight a cross-site `DELETE`;
//!   - without a token (loopback), the `Host` must name a loopback address (`localhost`,
//!     `127.x.x.x`, `[::1]`): 403 otherwise. This stops DNS rebinding, where a page's own
//!     host name is made to resolve to 127.0.0.1 so that it becomes "same-origin".
//!
//! Scripts and tests that send JSON without an `Origin` keep working on loopback.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;

use crate::entropy::Entropy;
use crate::errors::{ErrorFormat, Refusal};

/// The `[admin]` section both mocks' configs accept.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// The admin token. When set, it is required on every address.
    pub token: Option<String>,
    /// Require a token even on loopback; one is generated when none is configured. Set by
    /// itself for a non-loopback address.
    pub require_token: bool,
}

/// The admin access in force, decided once at start by [`AdminAccess::resolve`].
#[derive(Clone, Debug, Default)]
pub struct AdminAccess {
    token: Option<String>,
    generated: bool,
}

impl AdminAccess {
    /// No token: anyone on loopback may call the admin API (tests, `make run`).
    pub fn open() -> Self {
        Self::default()
    }

    /// The configured token; else, when the mock listens on a non-loopback address or
    /// `require_token` is set, a random one. It is drawn from its own sequence of the
    /// mock's `entropy` ([`Entropy::derive`]), so a seeded mock generates the same token
    /// every run without moving the ids its requests get.
    pub fn resolve(config: &AdminConfig, bind: SocketAddr, entropy: &Entropy) -> Self {
        match config.token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => Self {
                token: Some(token.to_owned()),
                generated: false,
            },
            None if config.require_token || !bind.ip().is_loopback() => Self {
                token: Some(entropy.derive("admin token").hex_token("adm_", 24)),
                generated: true,
            },
            None => Self::open(),
        }
    }

    /// The token callers must present, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A token the mock made up at start (which the binary prints), not a configured one.
    pub fn generated_token(&self) -> Option<&str> {
        self.token.as_deref().filter(|_| self.generated)
    }

    /// Why `req` may not use the admin API, or `None` when it may.
    /// `page_token` is a token the request carries elsewhere than in a header (the
    /// dashboard's `?token=`, see [`crate::dashboard`]).
    fn refuse(
        &self,
        method: &Method,
        headers: &HeaderMap,
        page_token: Option<&str>,
    ) -> Option<Refusal> {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("?");
            if !same_origin(origin, host) {
                return Some(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!(
                        "the admin API refuses cross-origin requests: Origin {origin} is not \
                         this mock (Host {host})"
                    ),
                ));
            }
        }
        match &self.token {
            None if !is_loopback_host(host) => {
                return Some(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!(
                        "without an admin token the admin API answers only requests addressed to \
                         a loopback host (localhost, 127.0.0.1, [::1]), not Host {host:?}; \
                         configure one with --admin-token or MOCK_ADMIN_TOKEN"
                    ),
                ));
            }
            Some(token)
                if !presented(headers)
                    .or(page_token)
                    .is_some_and(|t| constant_time_eq(t, token)) =>
            {
                return Some(Refusal::new(
                    StatusCode::UNAUTHORIZED,
                    "admin_token_required",
                    "the admin API needs the admin token: send `Authorization: Bearer <token>` \
                     or `X-Admin-Token: <token>` (the token printed at start, or the one given \
                     with --admin-token / MOCK_ADMIN_TOKEN / [admin] token); in a browser, \
                     open the dashboard as /__admin/?token=<token>",
                ));
            }
            _ => {}
        }
        let needs_json = [Method::POST, Method::PUT, Method::PATCH].contains(method);
        if needs_json && !is_json(headers) {
            return Some(Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "admin calls that change state must send `Content-Type: application/json` \
                 (with a body of `{}` when there is nothing to say)",
            ));
        }
        None
    }
}

/// The middleware: state is the access in force and the mock's error format.
pub(crate) async fn guard(
    State((access, errors)): State<(AdminAccess, ErrorFormat)>,
    req: Request,
    next: Next,
) -> Response {
    // Nested under the prefix, the request's own URI has lost it: the original has it.
    let uri = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let page_token = crate::dashboard::page_token(req.method(), &uri);
    match access.refuse(req.method(), req.headers(), page_token.as_deref()) {
        Some(refusal) => {
            tracing::info!(path = %req.uri().path(), status = refusal.status.as_u16(),
                reason = %refusal.message, "admin call refused");
            errors.respond(&refusal)
        }
        None => next.run(req).await,
    }
}

fn presented(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    bearer.or_else(|| {
        headers
            .get("x-admin-token")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// `host[:port]` split, with the port the scheme implies when absent.
fn host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    let authority: axum::http::uri::Authority = authority.parse().ok()?;
    let host = authority
        .host()
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    Some((host, authority.port_u16().unwrap_or(default_port)))
}

/// Whether `origin` (`scheme://host[:port]`) names the server the request was sent to.
fn same_origin(origin: &str, host: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false; // includes `Origin: null` (sandboxed frames, file:// pages)
    };
    // The mocks serve plain HTTP only, so an https page is another origin.
    if !scheme.eq_ignore_ascii_case("http") {
        return false;
    }
    match (host_port(rest, 80), host_port(host, 80)) {
        (Some(o), Some(h)) => o == h,
        _ => false,
    }
}

fn is_loopback_host(host: &str) -> bool {
    let Some((name, _)) = host_port(host, 80) else {
        return false;
    };
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_host_and_effective_port() {
        assert!(same_origin("http://127.0.0.1:8088", "127.0.0.1:8088"));
        assert!(same_origin("http://LOCALHOST", "localhost:80"));
        assert!(same_origin("http://[::1]:9", "[::1]:9"));
        assert!(!same_origin("http://evil.example", "127.0.0.1:8088"));
        assert!(!same_origin("http://127.0.0.1:8089", "127.0.0.1:8088"));
        assert!(!same_origin("https://127.0.0.1:8088", "127.0.0.1:8088"));
        assert!(!same_origin("null", "127.0.0.1:8088"));
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost:1", "127.0.0.2:5", "[::1]:8", "app.localhost"] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in ["evil.example:8088", "10.0.0.1", ""] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
