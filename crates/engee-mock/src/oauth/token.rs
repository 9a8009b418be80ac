//! `POST /account/api/oauth2/token` (RFC 6749 §3.2, §4.1.3, §6; RFC 7636 §4.5–§4.6).
//!
//! Body: `application/x-www-form-urlencoded` only. Client authentication: `client_id` +
//! `client_secret` in the body (as Engee's documentation shows) or HTTP Basic
//! (RFC 6749 §2.3.1), never both. Errors: RFC 6749 §5.2 JSON, 400 (`invalid_client` 401).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::params::Params;
use super::pkce::{self, Method};
use super::scope;
use crate::accounts::Directory;
use crate::config::{Client, OAuthConfig};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::{AccessToken, Redeemed, RefreshToken, TokenStore};

/// The largest token request body read (they are a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;

/// Parameters that may appear at most once (RFC 6749 §3.2).
const SINGLE: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "client_secret",
    "scope",
    "refresh_token",
    "code_verifier",
];

/// RFC 6749 §5.1 success body.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    pub scope: String,
}

fn err(error: &'static str, description: impl Into<String>) -> ApiError {
    ApiError::oauth(error, description)
}

fn invalid_client(description: impl Into<String>, basic: bool) -> ApiError {
    ApiError::OAuth {
        error: "invalid_client",
        description: description.into(),
        basic,
    }
}

fn missing(name: &str) -> ApiError {
    err(
        "invalid_request",
        format!("the request has no `{name}` parameter"),
    )
}

fn plus(now: DateTime<Utc>, secs: u64) -> DateTime<Utc> {
    super::after(now, secs)
}

/// `Authorization: Basic` credentials: base64 of `id:secret`, each form-urlencoded
/// (RFC 6749 §2.3.1). `Ok(None)` when the header is absent or another scheme.
pub fn basic_credentials(
    header: Option<&HeaderValue>,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = header else { return Ok(None) };
    let bad = || invalid_client("malformed HTTP Basic credentials", true);
    let value = value.to_str().map_err(|_| bad())?.trim();
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let rest = rest.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(rest))
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad())
    };
    Ok(Some((decode(id)?, decode(secret)?)))
}

/// Authenticates the client (RFC 6749 §2.3.1, §3.2.1). Plain function.
pub fn authenticate_client<'c>(
    config: &'c Directory,
    basic: Option<(String, String)>,
    p: &Params,
) -> Result<&'c Client, ApiError> {
    let is_basic = basic.is_some();
    let (id, secret) = match basic {
        Some((id, secret)) => {
            if p.get("client_secret").is_some() {
                return Err(err(
                    "invalid_request",
                    "the client authenticated twice (HTTP Basic and client_secret in the body); \
                     use one method",
                ));
            }
            if let Some(body_id) = p.get("client_id")
                && body_id != id
            {
                return Err(err(
                    "invalid_request",
                    "client_id in the body differs from the one in HTTP Basic",
                ));
            }
            (id, secret)
        }
        None => {
            let id = p.get("client_id").ok_or_else(|| {
                invalid_client(
                    "no client authentication: send client_id and client_secret in the body \
                     or use HTTP Basic",
                    false,
                )
            })?;
            let secret = p.get("client_secret").ok_or_else(|| {
                invalid_client(
                    "the request has no client_secret (the client is confidential)",
                    false,
                )
            })?;
            (id.to_owned(), secret.to_owned())
        }
    };
    let client = config
        .client(&id)
        .filter(|c| super::constant_time_eq(c.client_secret.as_bytes(), secret.as_bytes()))
        .ok_or_else(|| invalid_client("unknown client or wrong client secret", is_basic))?;
    Ok(client)
}

/// The requested `scope`, which must lie within `granted`; absent means all of `granted`.
fn narrowed(p: &Params, granted: &[String]) -> Result<Vec<String>, ApiError> {
    let Some(value) = p.get("scope") else {
        return Ok(granted.to_vec());
    };
    let requested = scope::parse(value).ok_or_else(|| {
        err(
            "invalid_scope",
            "the scope has characters RFC 6749 §3.3 does not allow",
        )
    })?;
    let outside = scope::outside(&requested, granted);
    if !outside.is_empty() {
        return Err(err(
            "invalid_scope",
            format!(
                "scope beyond what was granted: {} (granted: {})",
                outside.join(" "),
                scope::join(granted)
            ),
        ));
    }
    Ok(if requested.is_empty() {
        granted.to_vec()
    } else {
        requested
    })
}

/// `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is spent
/// whatever the outcome; a replay revokes the tokens issued from it.
pub fn authorization_code_grant(
    tokens: &TokenStore,
    oauth: &OAuthConfig,
    now: DateTime<Utc>,
    client: &Client,
    p: &Params,
) -> Result<TokenResponse, ApiError> {
    let code = p.get("code").ok_or_else(|| missing("code"))?;
    let (code, grant) = match tokens.redeem_code(code, now) {
        Redeemed::Fresh { code, grant } => (code, grant),
        Redeemed::Reused => {
            tracing::warn!(client_id = %client.client_id, "authorization code replayed; its tokens are revoked");
            return Err(err(
                "invalid_grant",
                "the authorization code was already used; the tokens issued from it are revoked",
            ));
        }
        Redeemed::Unknown => return Err(err("invalid_grant", "unknown authorization code")),
    };
    if code.client_id != client.client_id {
        return Err(err(
            "invalid_grant",
            "the authorization code was issued to another client",
        ));
    }
    if now >= code.expires_at {
        return Err(err("invalid_grant", "the authorization code expired"));
    }
    match p.get("redirect_uri") {
        Some(uri) if uri != code.redirect_uri => {
            return Err(err(
                "invalid_grant",
                "redirect_uri differs from the one in the authorization request",
            ));
        }
        None if code.redirect_uri_in_request => return Err(missing("redirect_uri")),
        _ => {}
    }
    let verifier = p.get("code_verifier");
    match (&code.code_challenge, verifier) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(err(
                "invalid_grant",
                "code_verifier sent, but the authorization request had no code_challenge",
            ));
        }
        (Some(_), None) => {
            return Err(err(
                "invalid_grant",
                "code_verifier is required: the authorization request had a code_challenge",
            ));
        }
        (Some(challenge), Some(verifier)) => {
            if !pkce::well_formed(verifier) {
                return Err(err(
                    "invalid_request",
                    "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1)",
                ));
            }
            let method = code
                .code_challenge_method
                .as_deref()
                .and_then(Method::parse)
                .unwrap_or(Method::Plain);
            if !pkce::verify(method, challenge, verifier) {
                return Err(err(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
    }
    let scopes = narrowed(p, &code.scopes)?;
    let access_token = tokens.insert_access(AccessToken {
        user: code.user.clone(),
        client_id: client.client_id.clone(),
        scopes: scopes.clone(),
        expires_at: plus(now, oauth.access_token_ttl_secs),
        grant: grant.clone(),
    });
    let refresh_token = tokens.insert_refresh(RefreshToken {
        user: code.user,
        client_id: client.client_id.clone(),
        scopes: code.scopes,
        expires_at: plus(now, oauth.refresh_token_ttl_secs),
        grant,
    });
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: oauth.access_token_ttl_secs,
        refresh_token,
        scope: scope::join(&scopes),
    })
}

/// `grant_type=refresh_token` (RFC 6749 §6). `redirect_uri`, which Engee's documentation
/// sends here too, is accepted and ignored.
pub fn refresh_token_grant(
    tokens: &TokenStore,
    oauth: &OAuthConfig,
    now: DateTime<Utc>,
    client: &Client,
    p: &Params,
) -> Result<TokenResponse, ApiError> {
    let presented = p
        .get("refresh_token")
        .ok_or_else(|| missing("refresh_token"))?;
    let rt = tokens
        .refresh_token(presented)
        .ok_or_else(|| err("invalid_grant", "unknown or revoked refresh token"))?;
    if rt.client_id != client.client_id {
        return Err(err(
            "invalid_grant",
            "the refresh token was issued to another client",
        ));
    }
    if now >= rt.expires_at {
        return Err(err("invalid_grant", "the refresh token expired"));
    }
    let scopes = narrowed(p, &rt.scopes)?;
    let refresh_token = if oauth.rotate_refresh_tokens {
        tokens
            .rotate_refresh(
                presented,
                RefreshToken {
                    expires_at: plus(now, oauth.refresh_token_ttl_secs),
                    ..rt.clone()
                },
                oauth.old_refresh_token_stays_valid,
            )
            .ok_or_else(|| err("invalid_grant", "unknown or revoked refresh token"))?
    } else {
        presented.to_owned()
    };
    let access_token = tokens.insert_access(AccessToken {
        user: rt.user,
        client_id: client.client_id.clone(),
        scopes: scopes.clone(),
        expires_at: plus(now, oauth.access_token_ttl_secs),
        grant: rt.grant,
    });
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: oauth.access_token_ttl_secs,
        refresh_token,
        scope: scope::join(&scopes),
    })
}

#[utoipa::path(post, path = "/account/api/oauth2/token", tag = "oauth",
    request_body(content = crate::openapi::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens (RFC 6749 §5.1).", body = crate::openapi::TokenResponse),
        (status = 400, description = "RFC 6749 §5.2 error.", body = crate::openapi::Error),
        (status = 401, description = "RFC 6749 §5.2 `invalid_client`.", body = crate::openapi::Error),
        (status = 413, description = "The body is too large.", body = crate::openapi::Error),
        (status = 415, description = "Not a form.", body = crate::openapi::Error),
        (status = 429, description = "Too many live tokens.", body = crate::openapi::Error),
    ))]
pub async fn token_post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match token(&state, &headers, body).await {
        Ok(t) => (
            [
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::PRAGMA, HeaderValue::from_static("no-cache")),
            ],
            Json(t),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn token(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<TokenResponse, ApiError> {
    if !super::is_form_content_type(headers.get(header::CONTENT_TYPE)) {
        let got = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or_else(
                || "no Content-Type".to_owned(),
                |v| format!("Content-Type \"{v}\""),
            );
        return Err(err(
            "invalid_request",
            format!(
                "the token request must be application/x-www-form-urlencoded (got {got}); \
                 e.g. curl -d grant_type=... -d code=..."
            ),
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::PayloadTooLarge(format!("the token request body is over {MAX_BODY} bytes"))
    })?;
    let p = Params::parse(&bytes);
    if headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .nth(1)
        .is_some()
    {
        return Err(err(
            "invalid_request",
            "the request has more than one Authorization header; send at most one",
        ));
    }
    let basic = basic_credentials(headers.get(header::AUTHORIZATION))?;
    if let Some(name) = p.repeated(SINGLE) {
        return Err(err(
            "invalid_request",
            format!("the `{name}` parameter is given more than once"),
        ));
    }
    let directory = state.accounts.snapshot();
    let client = authenticate_client(&directory, basic, &p)?;
    let now = state.clock.now();
    let oauth = &state.config.oauth;
    let result = match p.get("grant_type") {
        None => Err(missing("grant_type")),
        Some("authorization_code") => {
            authorization_code_grant(&state.tokens, oauth, now, client, &p)
        }
        Some("refresh_token") => refresh_token_grant(&state.tokens, oauth, now, client, &p),
        Some(other) => Err(err(
            "unsupported_grant_type",
            format!(
                "grant_type \"{other}\" is not supported; use authorization_code or refresh_token"
            ),
        )),
    };
    match &result {
        Ok(t) => tracing::info!(client_id = %client.client_id, scope = %t.scope, "tokens issued"),
        Err(e) => {
            tracing::info!(client_id = %client.client_id, error = %e, "token request refused")
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_is_form_decoded() {
        let enc = base64::engine::general_purpose::STANDARD.encode("my%20app:s%3Acr+t");
        let h = HeaderValue::from_str(&format!("Basic {enc}")).unwrap();
        assert_eq!(
            basic_credentials(Some(&h)).unwrap(),
            Some(("my app".to_owned(), "s:cr t".to_owned()))
        );
        let bearer = HeaderValue::from_static("Bearer x");
        assert_eq!(basic_credentials(Some(&bearer)).unwrap(), None);
        let junk = HeaderValue::from_static("Basic !!!");
        assert!(basic_credentials(Some(&junk)).is_err());
    }
}
