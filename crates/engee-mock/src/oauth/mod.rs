//! OAuth 2.0 authorization-code flow: the authorize endpoint with its consent page, the
//! token endpoint (both grants, PKCE), `session`, and the admin API for personal access
//! tokens.
//!
//! The domain rules live in plain functions (`authorize::validate`, `token::*_grant`,
//! [`pkce`], [`scope`]); the handlers only move bytes in and out.

pub mod authorize;
pub mod consent_page;
pub mod params;
pub mod pats;
pub mod pkce;
pub mod scope;
pub mod session;
pub mod token;

pub use authorize::{authorize_get, authorize_post};
pub use pats::{pat_create, pat_delete};
pub use session::session_get;
pub use token::token_post;

/// Byte-wise equality whose time does not depend on where the inputs differ (only on
/// their lengths), for secrets and PKCE.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a `Content-Type` value is `application/x-www-form-urlencoded` (parameters such
/// as `charset` allowed, case-insensitive).
pub(crate) fn is_form_content_type(value: Option<&axum::http::HeaderValue>) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}
