//! The gateway's own `/api/rest_j/v1/user/*` endpoints: login, logout, userInfo,
//! heartbeat, proxy, token-login, publicKey, baseinfo. Any HTTP method works, as upstream.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{Method, request::Parts};
use axum::routing::any;
use serde_json::Value;

use crate::auth::{Login, TICKET_COOKIE};
use crate::envelope::Envelope;
use crate::error::LinkisError;
use crate::extract::{authenticate, client_host, cookies, full_path, header, json_body, query};
use crate::proxy_file::ProxyCheck;
use crate::state::AppState;

/// The largest body a gateway endpoint reads (login, proxy): 1 MiB. Over it: HTTP 413.
const MAX_BODY: usize = 1 << 20;

/// Routes relative to `/api/rest_j/v1/user`.
pub fn router() -> Router<AppState> {
    Router::new().route("/{*rest}", any(user_any))
}

fn session_cookie(ticket: &str) -> String {
    format!("{TICKET_COOKIE}={ticket}; Path=/")
}

async fn user_any(
    State(st): State<AppState>,
    Path(rest): Path<String>,
    RawQuery(q): RawQuery,
    req: Request,
) -> Envelope {
    let (parts, body) = req.into_parts();
    let uri = Some(full_path(&parts));
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Envelope::error(
            uri,
            format!("The request body is larger than {MAX_BODY} bytes(请求体过大)"),
        )
        .with_http(axum::http::StatusCode::PAYLOAD_TOO_LARGE);
    };
    let q = query(q.as_deref());
    match rest.trim_end_matches('/') {
        "login" => login(&st, &parts, &q, &body),
        "logout" => {
            if let Some(t) = cookies(&parts.headers).get(TICKET_COOKIE) {
                st.auth.logout(t);
            }
            Envelope::ok(None, "Logout successful(退出登录成功)！")
                .with_cookie(format!("{TICKET_COOKIE}=; Path=/; Max-Age=0"))
                .with_cookie("linkis_user_session_proxy_ticket_id_v1=; Path=/; Max-Age=0".into())
        }
        "userInfo" => match authenticate(&parts, &st) {
            Ok(c) => {
                Envelope::ok(None, "get user information succeed!").with("userName", c.execute_user)
            }
            Err(_) => Envelope::error(
                uri,
                "errCode: 11002 ,desc: You are not logged in, please login first(您尚未登录，请先登录!) ,ip: 127.0.0.1 ,port: 9001 ,serviceKind: linkis-mg-gateway",
            ),
        },
        "heartbeat" => match authenticate(&parts, &st) {
            Ok(_) => Envelope::ok(None, "Maintain heartbeat success(维系心跳成功)"),
            Err(e) => e.envelope(uri),
        },
        "proxy" => proxy(&st, &q, &body, uri),
        "token-login" => {
            if parts.method != Method::POST {
                return Envelope::error(uri, "Only support method POST");
            }
            let code = header(&parts.headers, "Token-Code").unwrap_or_default();
            let user = header(&parts.headers, "Token-User").unwrap_or_default();
            match st.auth.token(&st.cfg, &code, &user, &client_host(&parts)) {
                Ok(c) => {
                    let (ticket, _) = st.auth.create_session(&st.cfg, &c.execute_user);
                    Envelope::ok(None, "login successful(登录成功)！")
                        .with("userName", c.execute_user)
                        .with("isAdmin", false)
                        .with_cookie(session_cookie(&ticket))
                }
                Err(e) => e.envelope(uri),
            }
        }
        "publicKey" => Envelope::ok(None, "Gain success(获取成功)！")
            .with("enableSSL", false)
            .with("enableLoginEncrypt", false),
        "baseinfo" => Envelope::ok(None, "get baseinfo success(获取成功)！")
            .with("resultSetExportEnable", true)
            .with("linkisClusterName", "linkis-mock")
            .with("engineLogOnlyAdminEnable", false),
        "register" => Envelope::error(uri, "请自行实现注册方法！"),
        other => Envelope::error(uri, format!("unknown request URI {other}")),
    }
}

fn field(q: &std::collections::HashMap<String, String>, body: &Value, key: &str) -> Option<String> {
    q.get(key)
        .cloned()
        .or_else(|| body.get(key).and_then(Value::as_str).map(str::to_owned))
}

fn login(
    st: &AppState,
    parts: &Parts,
    q: &std::collections::HashMap<String, String>,
    body: &Bytes,
) -> Envelope {
    let uri = Some(full_path(parts));
    let timeout_ms = st.cfg.session_timeout_secs.saturating_mul(1000);
    let decorate = |e: Envelope| {
        e.with("sessionTimeOut", timeout_ms)
            .with("enableWatermark", false)
    };
    let from_query = q.contains_key("userName");
    let body = if from_query {
        Value::Null
    } else {
        match json_body(body) {
            Ok(b) => b,
            Err(e) => return decorate(Envelope::error(uri, format!("login failed! reason: {e}"))),
        }
    };
    let user = field(q, &body, "userName").unwrap_or_default();
    let password = field(q, &body, "password")
        .or_else(|| field(q, &body, "passwdEncrypt"))
        .unwrap_or_default();
    let cookies = cookies(&parts.headers);
    match st.auth.login(&st.cfg, cookies.get(TICKET_COOKIE).map(String::as_str), &user, &password) {
        Ok(Login::AlreadyLoggedIn(u)) => Envelope::ok(
            None,
            format!("{u} already logged in, please log out before signing in(已经登录，请先退出再进行登录)！"),
        )
        .with("userName", u),
        Ok(Login::Ok { user, admin, ticket }) => {
            tracing::info!(user = %user, "login");
            decorate(
                Envelope::ok(None, "login successful(登录成功)！")
                    .with("userName", user)
                    .with("isAdmin", admin)
                    .with_cookie(session_cookie(&ticket)),
            )
        }
        Err(e) => {
            tracing::info!(user = %user, reason = %e, "login refused");
            decorate(e.envelope(uri))
        }
    }
}

fn proxy(
    st: &AppState,
    q: &std::collections::HashMap<String, String>,
    body: &Bytes,
    uri: Option<String>,
) -> Envelope {
    let body = json_body(body).unwrap_or(Value::Null);
    let user = field(q, &body, "proxyUser").filter(|s| !s.trim().is_empty());
    let code = field(q, &body, "validationCode").filter(|s| !s.trim().is_empty());
    let (Some(user), Some(code)) = (user, code) else {
        return LinkisError::Invalid(
            "login failed! reason: proxyUser and validationCode are both required(proxyUser和validationCode不能为空)".into(),
        )
        .envelope(uri);
    };
    match st.auth.proxy_check(&code, &user) {
        ProxyCheck::Allowed => {
            let (ticket, _) = st.auth.create_session(&st.cfg, &user.to_lowercase());
            Envelope::ok(None, "代理成功")
                .with("proxyUser", user)
                .with_cookie(session_cookie(&ticket))
        }
        why => {
            tracing::info!(proxy_user = %user, reason = ?why, "proxy validation failed");
            Envelope::error(uri, "Validation failed")
        }
    }
}
