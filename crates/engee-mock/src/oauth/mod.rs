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

/// `now + secs`, saturating (lifetimes come from the config and may be huge).
pub(crate) fn after(
    now: chrono::DateTime<chrono::Utc>,
    secs: u64,
) -> chrono::DateTime<chrono::Utc> {
    i64::try_from(secs)
        .ok()
        .and_then(chrono::Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_saturates() {
        let now = chrono::Utc::now();
        assert_eq!(after(now, 60), now + chrono::Duration::seconds(60));
        assert_eq!(
            after(now, u64::MAX),
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        );
        assert_eq!(
            after(now, i64::MAX as u64 / 10),
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        );
    }

    #[test]
    fn form_content_types() {
        use axum::http::HeaderValue;
        let ok = HeaderValue::from_static("Application/X-WWW-Form-Urlencoded; charset=utf-8");
        assert!(is_form_content_type(Some(&ok)));
        assert!(!is_form_content_type(Some(&HeaderValue::from_static(
            "application/json"
        ))));
        assert!(!is_form_content_type(None));
    }
}
