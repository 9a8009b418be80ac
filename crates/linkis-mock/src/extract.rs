//! Request helpers: the authenticated [`Caller`] extractor, [`LinkisQuery`] and
//! [`LinkisJson`] (all three reject with the Linkis envelope), cookies and headers.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::auth::{Caller, NOT_LOGGED_IN, TICKET_COOKIE};
use crate::envelope::Envelope;
use crate::error::LinkisError;
use crate::state::AppState;

impl FromRequestParts<AppState> for Caller {
    type Rejection = Envelope;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Envelope> {
        authenticate(parts, st).map_err(|e| {
            let path = full_path(parts);
            tracing::info!(path = %path, reason = %e, "request refused: not authenticated");
            e.envelope(Some(path))
        })
    }
}

pub(crate) fn authenticate(parts: &Parts, st: &AppState) -> Result<Caller, LinkisError> {
    let cfg = &st.cfg;
    let cookies = cookies(&parts.headers);
    let value = |name: &str| header(&parts.headers, name).or_else(|| cookies.get(name).cloned());
    let host = client_host(parts);
    let proxy_user = header(&parts.headers, "Proxy-User");
    let code = header(&parts.headers, "Validation-Code");
    let header_proxy = cfg.header_proxy && (proxy_user.is_some() || code.is_some());
    let base = match (value("Token-Code"), value("Token-User")) {
        (Some(code), Some(user)) => Some(st.auth.token(cfg, &code, &user, &host)?),
        _ => match cookies.get(TICKET_COOKIE).filter(|t| !t.is_empty()) {
            // with the seed's proxy headers a stale cookie does not matter: the
            // Validation-Code is the credential
            Some(ticket) if header_proxy => st.auth.session(cfg, ticket).ok(),
            Some(ticket) => Some(st.auth.session(cfg, ticket)?),
            None => None,
        },
    };
    let caller = if header_proxy {
        st.auth.header_proxy(
            cfg,
            base,
            proxy_user.as_deref().unwrap_or(""),
            code.as_deref().unwrap_or(""),
        )?
    } else {
        base.ok_or_else(|| LinkisError::NotLoggedIn(NOT_LOGGED_IN.into()))?
    };
    // The request journal and user-matched faults name the user who authenticated.
    mock_kit::AuthenticatedUser::record(&parts.extensions, &caller.submit_user);
    Ok(caller)
}

/// The client's IP address, which a token's `hosts` must name (every way of presenting a
/// token checks it: headers, cookies and `token-login`).
pub fn client_host(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into())
}

/// The request path as the client sent it (nested routers see only their suffix).
pub fn full_path(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|u| u.0.path().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned())
}

pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
}

/// All cookies of the request (later duplicates win).
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The query string, decoded into `T` (by default a map of every parameter, last value
/// wins). A parameter `T` cannot take is an envelope naming it.
pub struct LinkisQuery<T = HashMap<String, String>>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for LinkisQuery<T> {
    type Rejection = LinkisError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, LinkisError> {
        let map: Map<String, Value> = query(parts.uri.query())
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        serde_json::from_value(Value::Object(map))
            .map(LinkisQuery)
            .map_err(|e| {
                LinkisError::Invalid(format!("Invalid query parameters(请求参数错误): {e}"))
            })
    }
}

/// A JSON body decoded into `T` (by default any JSON value); an empty body is `{}`.
/// A body over the limit is a 413 envelope, one that is not JSON a 400 envelope.
pub struct LinkisJson<T = Value>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for LinkisJson<T> {
    type Rejection = LinkisError;

    async fn from_request(req: Request, state: &S) -> Result<Self, LinkisError> {
        let RawBody(body) = RawBody::from_request(req, state).await?;
        let value = json_body(&body)?;
        serde_json::from_value(value).map(LinkisJson).map_err(|e| {
            LinkisError::Invalid(format!(
                "The request body has the wrong shape(请求体格式错误): {e}"
            ))
        })
    }
}

/// The raw request body; only a body over the limit is refused (413 envelope).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = LinkisError;

    async fn from_request(req: Request, state: &S) -> Result<Self, LinkisError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(body_rejection)
    }
}

fn body_rejection(e: axum::extract::rejection::BytesRejection) -> LinkisError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        LinkisError::TooLarge(format!(
            "The request body is too large(请求体过大): at most {MAX_BODY_BYTES} bytes are accepted"
        ))
    } else {
        LinkisError::Invalid(format!(
            "The request body cannot be read(无法读取请求体): {e}"
        ))
    }
}

/// The client's IP address (see [`client_host`]).
pub struct ClientHost(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientHost {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientHost(client_host(parts)))
    }
}

/// The most a request body may hold (axum's default body limit).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The query string as a map (last value wins).
pub fn query(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// A JSON body; empty means `{}`. Anything else that is not JSON is a client error.
pub fn json_body(body: &[u8]) -> Result<Value, LinkisError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body).map_err(|e| {
        LinkisError::Invalid(format!(
            "The request body is not valid JSON(请求体不是合法的JSON): {e}"
        ))
    })
}

/// Parses an integer query parameter, with a clear message when it is not one.
pub fn int_param(q: &HashMap<String, String>, name: &str) -> Result<Option<i64>, LinkisError> {
    match q.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            LinkisError::Invalid(format!(
                "Parameter {name} must be an integer between {} and {}, got: {s}",
                i64::MIN,
                i64::MAX
            ))
        }),
    }
}
