//! The gateway's own endpoints: `/api/rest_j/v1/user/*` (login, logout, userInfo,
//! heartbeat, proxy, token-login, publicKey, baseinfo, the OAuth entry points) and the
//! client discovery heartbeat `gateway/heartbeat`. The `/user/*` ones answer any HTTP
//! method and need no authentication, as upstream.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use serde_json::Value;

use crate::auth::{Caller, Login, TICKET_COOKIE};
use crate::envelope::Envelope;
use crate::error::{LinkisError, Result};
use crate::extract::{ClientHost, LinkisQuery, RawBody, cookies, header, json_body};
use crate::proxy_file::ProxyCheck;
use crate::state::AppState;

/// Upstream's answer on the OAuth entry points when OAuth is not enabled (the default).
pub const OAUTH_DISABLED: &str = "Gateway 未启用 OAuth 认证，请采用其他认证方式!";

fn session_cookie(ticket: &str) -> String {
    format!("{TICKET_COOKIE}={ticket}; Path=/")
}

fn field(q: &HashMap<String, String>, body: &Value, key: &str) -> Option<String> {
    q.get(key)
        .cloned()
        .or_else(|| body.get(key).and_then(Value::as_str).map(str::to_owned))
}

/// `user/login`: JSON body or query parameters.
#[utoipa::path(method(get, post), path = "/api/rest_j/v1/user/login", tag = "gateway", request_body(content = Option<crate::openapi::Login>, description = "Also accepted as query parameters."), params(("userName" = Option<String>, Query), ("password" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    LinkisQuery(q): LinkisQuery,
    RawBody(body): RawBody,
) -> Result<Envelope> {
    let timeout_ms = st.cfg.session_timeout_secs.saturating_mul(1000);
    let decorate = |e: Envelope| {
        e.with("sessionTimeOut", timeout_ms)
            .with("enableWatermark", false)
    };
    let body = if q.contains_key("userName") {
        Value::Null
    } else {
        match json_body(&body) {
            Ok(b) => b,
            Err(e) => {
                return Ok(decorate(Envelope::error(
                    None,
                    format!("login failed! reason: {e}"),
                )));
            }
        }
    };
    let user = field(&q, &body, "userName").unwrap_or_default();
    let password = field(&q, &body, "password")
        .or_else(|| field(&q, &body, "passwdEncrypt"))
        .unwrap_or_default();
    let cookies = cookies(&headers);
    let ticket = cookies.get(TICKET_COOKIE).map(String::as_str);
    Ok(match st.auth.login(&st.cfg, ticket, &user, &password) {
        Ok(Login::AlreadyLoggedIn(u)) => Envelope::ok(
            None,
            format!("{u} already logged in, please log out before signing in(已经登录，请先退出再进行登录)！"),
        )
        .with("userName", u)
        .without_method(),
        Ok(Login::Ok { user, admin, ticket }) => {
            tracing::info!(user = %user, "login");
            decorate(
                Envelope::ok(None, "login successful(登录成功)！")
                    .with("userName", user)
                    .with("isAdmin", admin)
                    .with_cookie(session_cookie(&ticket))
                    .without_method(),
            )
        }
        Err(e) => {
            tracing::info!(user = %user, reason = %e, "login refused");
            decorate(e.envelope(None))
        }
    })
}

/// `user/logout`: forgets the session and clears the cookies.
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/logout",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Envelope {
    if let Some(t) = cookies(&headers).get(TICKET_COOKIE) {
        st.auth.logout(t);
    }
    Envelope::ok(None, "Logout successful(退出登录成功)！")
        .with_cookie(format!("{TICKET_COOKIE}=; Path=/; Max-Age=0"))
        .with_cookie("linkis_user_session_proxy_ticket_id_v1=; Path=/; Max-Age=0".into())
        .without_method()
}

/// `user/userInfo`.
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/userInfo",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn user_info(caller: std::result::Result<Caller, Envelope>) -> Envelope {
    match caller {
        Ok(c) => Envelope::ok(None, "get user information succeed!")
            .with("userName", c.execute_user)
            .without_method(),
        Err(_) => Envelope::error(
            None,
            "errCode: 11002 ,desc: You are not logged in, please login first(您尚未登录，请先登录!) ,ip: 127.0.0.1 ,port: 9001 ,serviceKind: linkis-mg-gateway",
        ),
    }
}

/// `user/heartbeat`: keeps the session alive.
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/heartbeat",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn heartbeat(_caller: Caller) -> Envelope {
    Envelope::ok(None, "Maintain heartbeat success(维系心跳成功)").without_method()
}

/// `user/proxy?proxyUser=&validationCode=`: a session acting as the proxy user.
#[utoipa::path(method(get, post), path = "/api/rest_j/v1/user/proxy", tag = "gateway", params(("proxyUser" = Option<String>, Query)), responses(crate::openapi::LinkisResponses))]
pub async fn proxy(
    State(st): State<AppState>,
    LinkisQuery(q): LinkisQuery,
    RawBody(body): RawBody,
) -> Result<Envelope> {
    let body = json_body(&body).unwrap_or(Value::Null);
    let user = field(&q, &body, "proxyUser").filter(|s| !s.trim().is_empty());
    let code = field(&q, &body, "validationCode").filter(|s| !s.trim().is_empty());
    let (Some(user), Some(code)) = (user, code) else {
        return Err(LinkisError::Invalid(
            "login failed! reason: proxyUser and validationCode are both required(proxyUser和validationCode不能为空)".into(),
        ));
    };
    match st.auth.proxy_check(&code, &user) {
        ProxyCheck::Allowed => {
            let (ticket, _) = st.auth.create_session(&st.cfg, &user.to_lowercase());
            Ok(Envelope::ok(None, "代理成功")
                .with("proxyUser", user)
                .with_cookie(session_cookie(&ticket))
                .without_method())
        }
        why => {
            tracing::info!(proxy_user = %user, reason = ?why, "proxy validation failed");
            Err(LinkisError::Invalid("Validation failed".into()))
        }
    }
}

/// `user/token-login` (POST only, as upstream): a session from a token pair.
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/token-login",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn token_login(
    State(st): State<AppState>,
    method: Method,
    headers: HeaderMap,
    ClientHost(host): ClientHost,
) -> Result<Envelope> {
    if method != Method::POST {
        return Err(LinkisError::Invalid("Only support method POST".into()));
    }
    let code = header(&headers, "Token-Code").unwrap_or_default();
    let user = header(&headers, "Token-User").unwrap_or_default();
    let c = st.auth.token(&st.cfg, &code, &user, &host)?;
    let (ticket, _) = st.auth.create_session(&st.cfg, &c.execute_user);
    Ok(Envelope::ok(None, "login successful(登录成功)！")
        .with("userName", c.execute_user)
        .with("isAdmin", false)
        .with_cookie(session_cookie(&ticket))
        .without_method())
}

#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/publicKey",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn public_key() -> Envelope {
    Envelope::ok(None, "Gain success(获取成功)！")
        .with("enableSSL", false)
        .with("enableLoginEncrypt", false)
        .without_method()
}

#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/baseinfo",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn baseinfo() -> Envelope {
    Envelope::ok(None, "get baseinfo success(获取成功)！")
        .with("resultSetExportEnable", true)
        .with("linkisClusterName", "linkis-mock")
        .with("engineLogOnlyAdminEnable", false)
        .without_method()
}

#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/register",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn register() -> LinkisError {
    LinkisError::Invalid("请自行实现注册方法！".into())
}

/// `user/oauth-redirect`: OAuth is never enabled in the mock, so upstream's "not enabled"
/// answer (status -1, HTTP 401).
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/oauth-redirect",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn oauth_redirect() -> LinkisError {
    LinkisError::NotLoggedIn(OAUTH_DISABLED.into())
}

/// `user/oauth-login`: "already logged in" for a live session, else OAuth is not enabled.
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/user/oauth-login",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn oauth_login(caller: std::result::Result<Caller, Envelope>) -> Result<Envelope> {
    let c = caller.map_err(|_| LinkisError::NotLoggedIn(OAUTH_DISABLED.into()))?;
    Ok(Envelope::ok(
        None,
        format!(
            "{} already logged in, please log out before signing in(已经登录，请先退出再进行登录)！",
            c.execute_user
        ),
    )
    .with("userName", c.execute_user)
    .without_method())
}

/// Any other `user/*` path (named relative to `user/`, as upstream).
pub async fn unknown(axum::extract::Path(rest): axum::extract::Path<String>) -> LinkisError {
    LinkisError::Invalid(format!("unknown request URI {rest}"))
}

/// `gateway/heartbeat`: what UJESClient's gateway discovery calls (authenticated, any
/// method). `gatewayList` names this gateway as the client reached it.
#[utoipa::path(
    method(get, post),
    path = "/api/rest_j/v1/gateway/heartbeat",
    tag = "gateway",
    responses(crate::openapi::LinkisResponses)
)]
pub async fn gateway_heartbeat(
    State(st): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> Envelope {
    let me = header(&headers, "host")
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| st.cfg.addr.to_string());
    Envelope::ok(None, "Gateway heartbeat ok!")
        .with("gatewayList", vec![me])
        .with("isHealthy", true)
}
