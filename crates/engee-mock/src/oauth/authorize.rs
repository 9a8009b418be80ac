//! `GET`/`POST /account/authorize`: the authorization endpoint (RFC 6749 §4.1.1–§4.1.2).
//!
//! - An unknown `client_id` or an unregistered `redirect_uri` gets an HTML error page and
//!   never a redirect (§4.1.2.1, §10.15: no open redirector).
//! - Every other problem is a 302 to the `redirect_uri` with `error`, `error_description`
//!   and `state`.
//! - A valid request gets the consent page (sign in, see the app and its scopes, approve or
//!   deny), whose form POSTs back here; `oauth.auto_approve` skips the page.
//! - `POST` re-validates every parameter (hidden fields are not trusted). A `POST` without
//!   `action` is an authorization request sent by POST and is treated like `GET`.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::consent_page::{self, Consent};
use super::params::Params;
use super::pkce::{self, Method};
use super::scope;
use crate::accounts::Directory;
use crate::config::{Client, OAuthConfig, User};
use crate::state::AppState;
use crate::tokens::{AuthCode, TokenStore};

/// The parameters of an authorization request (carried as hidden fields by the page).
pub const REQUEST_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// A validated authorization request.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    pub client: Client,
    /// The effective redirect URI (the registered one when the request omitted it).
    pub redirect_uri: String,
    pub redirect_uri_in_request: bool,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub challenge: Option<(String, Method)>,
}

/// Why an authorization request was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The client or its redirect URI cannot be trusted: show an error page, never redirect.
    Page(String),
    /// Tell the client through its redirect URI (RFC 6749 §4.1.2.1).
    Redirect(ErrorRedirect),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    pub error: &'static str,
    pub description: String,
    pub state: Option<String>,
}

impl ErrorRedirect {
    pub fn location(&self) -> String {
        let mut pairs = vec![
            ("error", self.error),
            ("error_description", &self.description),
        ];
        if let Some(s) = &self.state {
            pairs.push(("state", s));
        }
        with_query(&self.redirect_uri, &pairs)
    }
}

/// `uri` with `pairs` appended to its query (an existing query is kept, RFC 6749 §3.1.2).
/// `uri` was checked to be an absolute URL when the request was validated.
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        // Not reached for validated requests; keep a usable answer anyway.
        Err(_) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let sep = if uri.contains('?') { '&' } else { '?' };
            format!("{uri}{sep}{query}")
        }
    }
}

/// Checks an authorization request against the configuration (RFC 6749 §4.1.1, RFC 7636
/// §4.3). Plain function: no HTTP.
pub fn validate(config: &Directory, p: &Params) -> Result<AuthorizeRequest, Refusal> {
    // 1. Who is asking, and where may we send the answer? Until both are known good,
    //    nothing is redirected.
    if p.repeated(&["client_id"]).is_some() {
        return Err(Refusal::Page("`client_id` is given more than once.".into()));
    }
    let client_id = p
        .get("client_id")
        .ok_or_else(|| Refusal::Page("The request has no `client_id`.".into()))?;
    let client = config.client(client_id).ok_or_else(|| {
        Refusal::Page(format!(
            "Unknown application: no client is registered with client_id \"{client_id}\"."
        ))
    })?;
    if p.repeated(&["redirect_uri"]).is_some() {
        return Err(Refusal::Page(
            "`redirect_uri` is given more than once.".into(),
        ));
    }
    let (redirect_uri, in_request) = match p.get("redirect_uri") {
        Some(uri) => {
            if !client.redirect_uris.iter().any(|r| r == uri) {
                return Err(Refusal::Page(format!(
                    "The redirect_uri \"{uri}\" is not registered for this application \
                     (registered URIs must match exactly)."
                )));
            }
            (uri.to_owned(), true)
        }
        None => match client.redirect_uris.as_slice() {
            [only] => (only.clone(), false),
            _ => {
                return Err(Refusal::Page(
                    "The request has no `redirect_uri` and the application has several \
                     registered; it must name one."
                        .into(),
                ));
            }
        },
    };
    if url::Url::parse(&redirect_uri).is_err() {
        return Err(Refusal::Page(format!(
            "The registered redirect_uri \"{redirect_uri}\" is not an absolute URL."
        )));
    }

    // 2. From here on, errors go back to the client.
    let state = p.get("state").map(str::to_owned);
    let refuse = |error: &'static str, description: String| {
        Refusal::Redirect(ErrorRedirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description,
            state: state.clone(),
        })
    };
    if let Some(name) = p.repeated(REQUEST_PARAMS) {
        return Err(refuse(
            "invalid_request",
            format!("the `{name}` parameter is given more than once"),
        ));
    }
    match p.get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err(refuse(
                "unsupported_response_type",
                format!("response_type \"{other}\" is not supported; use response_type=code"),
            ));
        }
        None => {
            return Err(refuse(
                "unsupported_response_type",
                "the request has no response_type; use response_type=code".into(),
            ));
        }
    }
    let registered = scope::parse(&client.scope).unwrap_or_default();
    let scopes = match p.get("scope") {
        None => registered.clone(),
        Some(value) => {
            let requested = scope::parse(value).ok_or_else(|| {
                refuse(
                    "invalid_scope",
                    "the scope has characters RFC 6749 §3.3 does not allow".into(),
                )
            })?;
            let outside = scope::outside(&requested, &registered);
            if !outside.is_empty() {
                return Err(refuse(
                    "invalid_scope",
                    format!(
                        "scope not granted to this application: {} (it may ask for: {})",
                        outside.join(" "),
                        client.scope
                    ),
                ));
            }
            if requested.is_empty() {
                registered.clone()
            } else {
                requested
            }
        }
    };
    let challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method is given without code_challenge".into(),
            ));
        }
        (Some(challenge), method) => {
            let method = match method {
                None => Method::Plain,
                Some(m) => Method::parse(m).ok_or_else(|| {
                    refuse(
                        "invalid_request",
                        format!(
                            "code_challenge_method \"{m}\" is not supported; use S256 or plain"
                        ),
                    )
                })?,
            };
            if !pkce::well_formed(challenge) {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~] \
                     (RFC 7636 §4.2)"
                        .into(),
                ));
            }
            Some((challenge.to_owned(), method))
        }
    };
    Ok(AuthorizeRequest {
        client: client.clone(),
        redirect_uri,
        redirect_uri_in_request: in_request,
        scopes,
        state,
        challenge,
    })
}

/// Issues a code for `user` and returns where to send the browser:
/// `redirect_uri?code=…&scope=…&state=…` (or `error=temporarily_unavailable` when too
/// many codes wait to be redeemed).
pub fn approve(
    tokens: &TokenStore,
    now: chrono::DateTime<chrono::Utc>,
    oauth: &OAuthConfig,
    req: &AuthorizeRequest,
    user: &User,
) -> String {
    let code = tokens.insert_code(
        AuthCode {
            user: user.nickname.clone(),
            client_id: req.client.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            redirect_uri_in_request: req.redirect_uri_in_request,
            scopes: req.scopes.clone(),
            expires_at: super::after(now, oauth.code_ttl_secs),
            code_challenge: req.challenge.as_ref().map(|(c, _)| c.clone()),
            code_challenge_method: req.challenge.as_ref().map(|(_, m)| m.as_str().to_owned()),
        },
        now,
        oauth.max_pending_codes,
    );
    let Some(code) = code else {
        tracing::warn!("authorization refused: too many codes wait to be redeemed");
        return ErrorRedirect {
            redirect_uri: req.redirect_uri.clone(),
            error: "temporarily_unavailable",
            description: format!(
                "{} authorization codes wait to be redeemed ([oauth] max_pending_codes); \
                 redeem them or let them expire",
                oauth.max_pending_codes
            ),
            state: req.state.clone(),
        }
        .location();
    };
    let scope = scope::join(&req.scopes);
    let mut pairs = vec![("code", code.as_str()), ("scope", scope.as_str())];
    if let Some(s) = &req.state {
        pairs.push(("state", s));
    }
    with_query(&req.redirect_uri, &pairs)
}

/// The consent decision the page's form sends.
#[derive(Debug, PartialEq)]
pub enum Decision<'a> {
    Approve {
        nickname: &'a str,
        password: &'a str,
    },
    Deny,
}

/// Checks a sign-in against the configured users (the password compared in constant time).
pub fn sign_in<'c>(config: &'c Directory, nickname: &str, password: &str) -> Option<&'c User> {
    let user = config.user(nickname)?;
    super::constant_time_eq(user.password.as_bytes(), password.as_bytes()).then_some(user)
}

// ---------------------------------------------------------------------------- handlers

#[utoipa::path(get, path = "/account/authorize", tag = "oauth",
    params(
        ("response_type" = Option<String>, Query, description = "`code`"),
        ("client_id" = Option<String>, Query),
        ("redirect_uri" = Option<String>, Query),
        ("scope" = Option<String>, Query),
        ("state" = Option<String>, Query),
        ("code_challenge" = Option<String>, Query),
        ("code_challenge_method" = Option<String>, Query, description = "`S256` or `plain`"),
    ),
    responses(
        (status = 200, description = "The consent page.", content_type = "text/html", body = String),
        (status = 302, description = "Back to the client's `redirect_uri` with an error."),
        (status = 400, description = "An error page: the client or its `redirect_uri` is unknown.", content_type = "text/html", body = String),
    ))]
pub async fn authorize_get(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    start(&state, &params)
}

#[utoipa::path(post, path = "/account/authorize", tag = "oauth",
    request_body(content = crate::openapi::ConsentForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The consent page again (a failed sign-in or no `action`).", content_type = "text/html", body = String),
        (status = 302, description = "Back to the client's `redirect_uri` with `code` or `error`."),
        (status = 400, description = "An error page.", content_type = "text/html", body = String),
    ))]
pub async fn authorize_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !super::is_form_content_type(headers.get(header::CONTENT_TYPE)) {
        return html(
            StatusCode::BAD_REQUEST,
            consent_page::error_page("The form must be sent as application/x-www-form-urlencoded."),
        );
    }
    let params = Params::parse(&body);
    let decision = match params.get("action") {
        None => return start(&state, &params),
        Some("deny") => Decision::Deny,
        Some("approve") => Decision::Approve {
            nickname: params.get("nickname").unwrap_or_default(),
            password: params.get("password").unwrap_or_default(),
        },
        Some(other) => {
            return html(
                StatusCode::BAD_REQUEST,
                consent_page::error_page(&format!(
                    "Unknown action \"{other}\": the form sends action=approve or action=deny."
                )),
            );
        }
    };
    let directory = state.accounts.snapshot();
    let req = match validate(&directory, &params) {
        Ok(r) => r,
        Err(refusal) => return refused(refusal),
    };
    match decision {
        Decision::Deny => {
            tracing::info!(client_id = %req.client.client_id, "consent denied");
            redirect(
                &ErrorRedirect {
                    redirect_uri: req.redirect_uri.clone(),
                    error: "access_denied",
                    description: "the user denied the request".into(),
                    state: req.state.clone(),
                }
                .location(),
            )
        }
        Decision::Approve { nickname, password } => match sign_in(&directory, nickname, password) {
            Some(user) => {
                tracing::info!(client_id = %req.client.client_id, user = %user.nickname, "consent approved");
                redirect(&approve(
                    &state.tokens,
                    state.clock.now(),
                    &state.config.oauth,
                    &req,
                    user,
                ))
            }
            None => html(
                StatusCode::UNAUTHORIZED,
                consent_page::render(&Consent {
                    request: &req,
                    hidden: params.only(REQUEST_PARAMS),
                    error: Some("Wrong nickname or password."),
                    nickname,
                }),
            ),
        },
    }
}

/// An authorization request (GET, or POST without a decision): the consent page, or the
/// auto-approval redirect.
fn start(state: &AppState, params: &Params) -> Response {
    let directory = state.accounts.snapshot();
    let req = match validate(&directory, params) {
        Ok(r) => r,
        Err(refusal) => return refused(refusal),
    };
    if let Some(nickname) = &state.config.oauth.auto_approve
        && let Some(user) = directory.user(nickname)
    {
        tracing::info!(client_id = %req.client.client_id, user = %user.nickname, "consent auto-approved");
        return redirect(&approve(
            &state.tokens,
            state.clock.now(),
            &state.config.oauth,
            &req,
            user,
        ));
    }
    html(
        StatusCode::OK,
        consent_page::render(&Consent {
            request: &req,
            hidden: params.only(REQUEST_PARAMS),
            error: None,
            nickname: "",
        }),
    )
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(message) => {
            tracing::info!(%message, "authorization request refused with an error page");
            html(StatusCode::BAD_REQUEST, consent_page::error_page(&message))
        }
        Refusal::Redirect(r) => {
            tracing::info!(error = r.error, description = %r.description, "authorization request refused");
            redirect(&r.location())
        }
    }
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, v),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        // `Url` serialises to ASCII, so this is not reached; still no panic.
        Err(_) => html(
            StatusCode::BAD_REQUEST,
            consent_page::error_page("The redirect URI cannot be put in a Location header."),
        ),
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                ),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::parse(q.as_bytes())
    }

    #[test]
    fn untrusted_client_or_uri_is_a_page() {
        let c = Directory::from_config(&crate::config::Config::demo());
        assert!(matches!(
            validate(&c, &params("response_type=code")),
            Err(Refusal::Page(_))
        ));
        assert!(matches!(
            validate(&c, &params("client_id=nope&response_type=code")),
            Err(Refusal::Page(_))
        ));
        assert!(matches!(
            validate(
                &c,
                &params("client_id=demo-app&redirect_uri=http://evil/cb")
            ),
            Err(Refusal::Page(_))
        ));
    }

    #[test]
    fn other_errors_redirect_with_state() {
        let c = Directory::from_config(&crate::config::Config::demo());
        let Err(Refusal::Redirect(r)) = validate(
            &c,
            &params("client_id=demo-app&response_type=token&state=s1"),
        ) else {
            panic!("expected a redirect")
        };
        assert_eq!(r.error, "unsupported_response_type");
        assert_eq!(r.state.as_deref(), Some("s1"));
        let loc = r.location();
        assert!(loc.starts_with("http://127.0.0.1:8765/callback?error=unsupported_response_type&"));
        assert!(loc.ends_with("&state=s1"));
    }

    #[test]
    fn missing_scope_is_the_registered_one() {
        let c = Directory::from_config(&crate::config::Config::demo());
        let r = validate(&c, &params("client_id=demo-app&response_type=code")).unwrap();
        assert_eq!(scope::join(&r.scopes), c.clients[0].scope);
        assert!(!r.redirect_uri_in_request);
    }

    #[test]
    fn with_query_keeps_an_existing_query() {
        assert_eq!(
            with_query(
                "https://a.example/cb?x=1",
                &[("code", "c d"), ("state", "&")]
            ),
            "https://a.example/cb?x=1&code=c+d&state=%26"
        );
    }
}
