//! The envelope and authentication: password sessions, the session cookie and timeout,
//! token headers, and proxy users (SEED headers, UPSTREAM `/user/proxy`, login mapping).

use serde_json::json;

use super::{REST, envelope, expect, expect_message};
use crate::check::{Check, CheckResult, Fail};
use crate::ctx::Ctx;
use crate::{check, ensure, ensure_eq, skip};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "linkis.envelope.shape",
            Linkis,
            Seed,
            "every answer is {\"method\",\"status\",\"message\",\"data\"} with data an object, errors included",
            envelope_shape
        ),
        check!(
            "linkis.envelope.http_status",
            Linkis,
            Upstream,
            "the HTTP status mirrors the envelope status: 0→200, 1→400, -1→401",
            http_mirror
        ),
        check!(
            "linkis.envelope.unknown_path",
            Linkis,
            MockDefined,
            "unknown paths and wrong methods answer the envelope (status 1, HTTP 404 / 405), never HTML or an empty body",
            unknown_path
        ),
        check!(
            "linkis.envelope.bad_version",
            Linkis,
            Upstream,
            "/api/rest_j/v2/… answers status 1 \"The gatewayv1 not support version v2.\"",
            bad_version
        ),
        check!(
            "linkis.envelope.cors",
            Linkis,
            Upstream,
            "gateway answers carry Access-Control-Allow-Origin and Access-Control-Allow-Credentials: true",
            cors
        ),
        check!(
            "linkis.auth.login",
            Linkis,
            Upstream,
            "POST user/login {userName,password} → status 0 \"login successful(登录成功)！\", data {userName,isAdmin,sessionTimeOut,enableWatermark}, Set-Cookie linkis_user_session_ticket_id_v1 with Path=/, no Max-Age, not HttpOnly",
            login
        ),
        check!(
            "linkis.auth.login.query_params",
            Linkis,
            Upstream,
            "user/login also reads userName and password from query parameters",
            login_query
        ),
        check!(
            "linkis.auth.login.wrong_password",
            Linkis,
            Upstream,
            "a wrong password → status 1 / HTTP 400 \"wrong user name or password(用户名或密码错误)！\" with data.sessionTimeOut",
            login_wrong
        ),
        check!(
            "linkis.auth.login.blank",
            Linkis,
            Upstream,
            "blank userName / password → status 1 \"Username can not be empty(用户名不能为空)！\" / \"Password can not be blank(密码不能为空)！\"",
            login_blank
        ),
        check!(
            "linkis.auth.login.already",
            Linkis,
            Upstream,
            "logging in again with a live session → status 0 \"<user> already logged in, please log out before signing in(已经登录，请先退出再进行登录)！\"",
            login_already
        ),
        check!(
            "linkis.auth.not_logged_in",
            Linkis,
            Upstream,
            "a protected endpoint without credentials → HTTP 401, status -1, \"You are not logged in, please login first(您尚未登录，请先登录)!\", method = the request URI",
            not_logged_in
        ),
        check!(
            "linkis.auth.logout",
            Linkis,
            Upstream,
            "user/logout → status 0 \"Logout successful(退出登录成功)！\", the cookie is cleared, and the session no longer works",
            logout
        ),
        check!(
            "linkis.auth.heartbeat",
            Linkis,
            Upstream,
            "user/heartbeat with a session → status 0 \"Maintain heartbeat success(维系心跳成功)\"",
            heartbeat
        ),
        check!(
            "linkis.auth.user_info",
            Linkis,
            Upstream,
            "user/userInfo with a session → status 0 \"get user information succeed!\" and data.userName",
            user_info
        ),
        check!(
            "linkis.auth.unknown_ticket",
            Linkis,
            Upstream,
            "a session cookie the gateway does not know → 401, status -1, \"You are not logged in, please login first!(您尚未登录，请先登录!)\"",
            unknown_ticket
        ),
        check!(
            "linkis.auth.public_endpoints",
            Linkis,
            Upstream,
            "user/publicKey and user/baseinfo answer without a session (\"Gain success(获取成功)！\", \"get baseinfo success(获取成功)！\")",
            public_endpoints
        ),
        check!(
            "linkis.auth.token_login",
            Linkis,
            Upstream,
            "user/token-login is POST only (\"Only support method POST\"); with Token-Code/Token-User it answers \"login successful(登录成功)！\" and sets the session cookie",
            token_login
        ),
        check!(
            "linkis.auth.session_timeout",
            Linkis,
            Upstream,
            "a session idle longer than sessionTimeOut → 401 \"Login has expired, please log in again!(登录已过期，请重新登录！)\" (mock clock)",
            session_timeout
        ),
        check!(
            "linkis.auth.session_sliding",
            Linkis,
            Upstream,
            "the session timeout slides: use after more than half of it keeps the session alive (mock clock)",
            session_sliding
        ),
        check!(
            "linkis.auth.token",
            Linkis,
            Upstream,
            "Token-Code + Token-User headers authenticate the request as Token-User (jobs record it as umUser/executeUser)",
            token_auth
        ),
        check!(
            "linkis.auth.token.invalid",
            Linkis,
            Upstream,
            "an unknown Token-Code → HTTP 401, status -1, \"Token Authentication Failed, token: …\"",
            token_invalid
        ),
        check!(
            "linkis.auth.token.illegal_user",
            Linkis,
            Upstream,
            "a token used for a user it does not list → 401 with errCode 15202 \"Illegal TokenUser for Token\"",
            token_illegal_user
        ),
        check!(
            "linkis.auth.token.host",
            Linkis,
            Upstream,
            "a token's host list is enforced: ALICE-ONLY-AUTH (alice from 127.0.0.1) is accepted for alice from 127.0.0.1, refused for bob (errCode 15202) and for alice from 127.0.0.2 (status -1 / 401, errCode 15203 \"Illegal Host for Token\")",
            token_host
        ),
        check!(
            "linkis.auth.token.needs_both",
            Linkis,
            Upstream,
            "Token-Code without Token-User is not a token request: 401 not logged in",
            token_needs_both
        ),
        check!(
            "linkis.auth.proxy_headers",
            Linkis,
            Seed,
            "Proxy-User + Validation-Code headers (proxy.properties token=user1,user2) make the request act as Proxy-User",
            proxy_headers
        ),
        check!(
            "linkis.auth.proxy_headers.refused",
            Linkis,
            Seed,
            "a wrong Validation-Code, or a Proxy-User the token does not list, is refused with status -1 / 401",
            proxy_headers_refused
        ),
        check!(
            "linkis.auth.proxy_endpoint",
            Linkis,
            Upstream,
            "user/proxy?proxyUser=&validationCode= → status 0 \"代理成功\" with data.proxyUser and a session; a bad code → status 1 \"Validation failed\"",
            proxy_endpoint
        ),
        check!(
            "linkis.auth.login_mapping",
            Linkis,
            Upstream,
            "proxy.properties login mapping (carol=etl_user) makes carol's session act as etl_user",
            login_mapping
        ),
    ]
}

const NOT_LOGGED_IN: &str = "You are not logged in, please login first(您尚未登录，请先登录)!";

fn creds(ctx: &Ctx) -> Result<(String, String), Fail> {
    let t = &ctx.linkis()?.target;
    match (&t.user, &t.password) {
        (Some(u), Some(p)) => Ok((u.clone(), p.clone())),
        _ => Err(Fail::Skipped("needs a Linkis user and password".into())),
    }
}

async fn envelope_shape(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let anon = env.fresh();
    let r = anon
        .get(&format!(
            "{REST}/entrance/exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_x_spark_0/status"
        ))
        .send()
        .await?;
    envelope(r.json()?)?;
    let r = anon
        .post(&format!("{REST}/user/login"))
        .json(&json!({"userName": "conformance-nobody", "password": "x"}))
        .send()
        .await?;
    envelope(r.json()?)?;
    let (user, password) = creds(ctx)?;
    let (http, r) = env.login(&user, &password).await?;
    envelope(r.json()?)?;
    let r = http
        .get(&format!("{REST}/jobhistory/list"))
        .query(&[("pageSize", "1")])
        .send()
        .await?;
    envelope(r.json()?)?;
    Ok(())
}

async fn http_mirror(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let anon = env.fresh();
    let r = anon
        .post(&format!("{REST}/user/login"))
        .json(&json!({"userName": "conformance-nobody", "password": "wrong"}))
        .send()
        .await?;
    expect(&r, 1)?;
    let r = anon.get(&format!("{REST}/jobhistory/list")).send().await?;
    expect(&r, -1)?;
    let (user, password) = creds(ctx)?;
    let (_, r) = env.login(&user, &password).await?;
    expect(&r, 0)?;
    Ok(())
}

async fn unknown_path(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http
        .get(&format!("{REST}/entrance/conformance/no/such/endpoint"))
        .send()
        .await?;
    let v = r.json()?;
    envelope(v)?;
    ensure!(
        v["status"] == 1 && r.status == 404,
        "unknown path: expected status 1 / HTTP 404, got {}",
        r.summary()
    );
    let r = http
        .delete(&format!("{REST}/entrance/submit"))
        .send()
        .await?;
    let v = r.json()?;
    envelope(v)?;
    ensure!(
        v["status"] == 1 && r.status == 405,
        "wrong method: expected status 1 / HTTP 405, got {}",
        r.summary()
    );
    Ok(())
}

async fn bad_version(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (http, _) = env.main().await?;
    let r = http.get("/api/rest_j/v2/jobhistory/list").send().await?;
    let v = r.json()?;
    envelope(v)?;
    ensure_eq!(v["status"].as_i64(), Some(1), "status");
    expect_message(v, "The gatewayv1 not support version v2.")
}

async fn cors(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let r = env
        .fresh()
        .get(&format!("{REST}/jobhistory/list"))
        .send()
        .await?;
    ensure!(
        r.header("access-control-allow-origin").is_some(),
        "no Access-Control-Allow-Origin header"
    );
    ensure_eq!(
        r.header("access-control-allow-credentials"),
        Some("true"),
        "Access-Control-Allow-Credentials"
    );
    Ok(())
}

fn ticket_cookie(r: &crate::http::Resp) -> Option<String> {
    r.header_all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("linkis_user_session_ticket_id_v1="))
}

async fn login(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, password) = creds(ctx)?;
    let (_, r) = env.login(&user, &password).await?;
    let v = expect(&r, 0)?;
    expect_message(v, "login successful(登录成功)！")?;
    ensure!(
        v["method"].is_null(),
        "gateway /user/* successes answer method null: {v}"
    );
    let d = &v["data"];
    ensure!(d["userName"].is_string(), "data.userName: {v}");
    ensure!(
        d["isAdmin"].is_boolean(),
        "data.isAdmin should be a bool: {v}"
    );
    ensure!(
        d["sessionTimeOut"].is_i64(),
        "data.sessionTimeOut should be ms: {v}"
    );
    ensure!(
        d["enableWatermark"].is_boolean(),
        "data.enableWatermark should be a bool: {v}"
    );
    let cookie = ticket_cookie(&r).ok_or_else(|| {
        Fail::Failed(format!(
            "no linkis_user_session_ticket_id_v1 cookie: {:?}",
            r.header_all("set-cookie")
        ))
    })?;
    let lower = cookie.to_ascii_lowercase();
    ensure!(
        lower.contains("path=/"),
        "the cookie should have Path=/: {cookie}"
    );
    ensure!(
        !lower.contains("max-age") && !lower.contains("expires"),
        "the cookie should be a session cookie: {cookie}"
    );
    ensure!(
        !lower.contains("httponly"),
        "the cookie is not HttpOnly upstream: {cookie}"
    );
    let value = cookie
        .split(';')
        .next()
        .unwrap_or_default()
        .split_once('=')
        .map(|x| x.1)
        .unwrap_or_default();
    ensure!(
        value.len() >= 16,
        "the ticket should be opaque and unguessable, got {value:?}"
    );
    Ok(())
}

async fn login_query(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, password) = creds(ctx)?;
    let http = env.fresh();
    let r = http
        .post(&format!("{REST}/user/login"))
        .query(&[("userName", user.as_str()), ("password", password.as_str())])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    expect_message(v, "login successful(登录成功)！")?;
    let r = http.get(&format!("{REST}/user/heartbeat")).send().await?;
    expect(&r, 0)?;
    Ok(())
}

async fn login_wrong(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, _) = creds(ctx)?;
    let (_, r) = env.login(&user, "conformance-wrong-password").await?;
    let v = expect(&r, 1)?;
    expect_message(v, "wrong user name or password(用户名或密码错误)！")?;
    ensure!(
        v["data"]["sessionTimeOut"].is_i64(),
        "failures carry data.sessionTimeOut too: {v}"
    );
    Ok(())
}

async fn login_blank(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (_, r) = env.login("", "x").await?;
    expect_message(
        expect(&r, 1)?,
        "Username can not be empty(用户名不能为空)！",
    )?;
    let (user, _) = creds(ctx)?;
    let (_, r) = env.login(&user, "").await?;
    expect_message(expect(&r, 1)?, "Password can not be blank(密码不能为空)！")
}

async fn login_already(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, password) = creds(ctx)?;
    let (http, r) = env.login(&user, &password).await?;
    expect(&r, 0)?;
    let r = http
        .post(&format!("{REST}/user/login"))
        .json(&json!({"userName": user, "password": password}))
        .send()
        .await?;
    let v = expect(&r, 0)?;
    let acting = v["data"]["userName"].as_str().unwrap_or(&user).to_owned();
    expect_message(
        v,
        &format!(
            "{acting} already logged in, please log out before signing in(已经登录，请先退出再进行登录)！"
        ),
    )
}

async fn not_logged_in(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let path = format!(
        "{REST}/entrance/exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_x_spark_0/status"
    );
    let r = env.fresh().get(&path).send().await?;
    let v = expect(&r, -1)?;
    expect_message(v, NOT_LOGGED_IN)?;
    ensure_eq!(
        v["method"].as_str(),
        Some(path.as_str()),
        "method of a gateway error"
    );
    Ok(())
}

async fn logout(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, password) = creds(ctx)?;
    let (http, r) = env.login(&user, &password).await?;
    expect(&r, 0)?;
    let r = http.post(&format!("{REST}/user/logout")).send().await?;
    expect_message(expect(&r, 0)?, "Logout successful(退出登录成功)！")?;
    let cleared = ticket_cookie(&r).is_some_and(|c| c.to_ascii_lowercase().contains("max-age=0"));
    ensure!(
        cleared,
        "logout should reset the cookie with Max-Age=0: {:?}",
        r.header_all("set-cookie")
    );
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    expect(&r, -1)?;
    let r = env
        .fresh()
        .post(&format!("{REST}/user/logout"))
        .send()
        .await?;
    expect(&r, 0)?;
    Ok(())
}

async fn heartbeat(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, password) = creds(ctx)?;
    let (http, _) = env.login(&user, &password).await?;
    let r = http.get(&format!("{REST}/user/heartbeat")).send().await?;
    expect_message(expect(&r, 0)?, "Maintain heartbeat success(维系心跳成功)")?;
    let r = env
        .fresh()
        .get(&format!("{REST}/user/heartbeat"))
        .send()
        .await?;
    expect(&r, -1)?;
    Ok(())
}

async fn user_info(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (user, password) = creds(ctx)?;
    let (http, _) = env.login(&user, &password).await?;
    let r = http.get(&format!("{REST}/user/userInfo")).send().await?;
    let v = expect(&r, 0)?;
    expect_message(v, "get user information succeed!")?;
    ensure!(v["data"]["userName"].is_string(), "data.userName: {v}");
    let r = env
        .fresh()
        .get(&format!("{REST}/user/userInfo"))
        .send()
        .await?;
    let v = expect(&r, 1)?;
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.contains("11002"),
        "userInfo without a session: status 1 with errCode 11002, got {m:?}"
    );
    Ok(())
}

async fn session_timeout(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("moves the clock past the session timeout")?;
    let (user, password) = creds(ctx)?;
    let (http, r) = env.login(&user, &password).await?;
    let ms = expect(&r, 0)?["data"]["sessionTimeOut"]
        .as_i64()
        .unwrap_or(7_200_000);
    env.advance(ms as f64 / 1000.0 + 1.0).await?;
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    expect_message(
        expect(&r, -1)?,
        "Login has expired, please log in again!(登录已过期，请重新登录！)",
    )
}

async fn session_sliding(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("moves the clock across the session timeout")?;
    let (user, password) = creds(ctx)?;
    let (http, r) = env.login(&user, &password).await?;
    let secs = expect(&r, 0)?["data"]["sessionTimeOut"]
        .as_i64()
        .unwrap_or(7_200_000) as f64
        / 1000.0;
    env.advance(secs * 0.6).await?;
    expect(
        &http.get(&format!("{REST}/jobhistory/list")).send().await?,
        0,
    )?;
    env.advance(secs * 0.6).await?;
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    ensure!(
        r.status == 200,
        "a session used after 60 % of its timeout should live another full timeout, got {}",
        r.summary()
    );
    Ok(())
}

fn token_pair(ctx: &Ctx) -> Result<(String, String), Fail> {
    let t = &ctx.linkis()?.target;
    match (&t.token, &t.token_user) {
        (Some(c), Some(u)) => Ok((c.clone(), u.clone())),
        _ => Err(Fail::Skipped(
            "needs a token pair (--token / --token-user)".into(),
        )),
    }
}

async fn token_auth(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (code, user) = token_pair(ctx)?;
    let http = env
        .fresh()
        .with_header("Token-Code", &code)
        .with_header("Token-User", &user);
    let r = http
        .get(&format!("{REST}/jobhistory/list"))
        .query(&[("pageSize", "1")])
        .send()
        .await?;
    expect(&r, 0)?;
    ensure!(
        ticket_cookie(&r).is_none(),
        "token requests get no Set-Cookie upstream"
    );
    let job = env.submit(&http, &user, "select 1 as n").await?;
    let task = env.task(&http, job.task_id).await?;
    ensure_eq!(
        task["umUser"].as_str(),
        Some(user.as_str()),
        "umUser of a token-authenticated job"
    );
    ensure_eq!(
        task["executeUser"].as_str(),
        Some(user.as_str()),
        "executeUser of a token-authenticated job"
    );
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

async fn token_invalid(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let user = ctx
        .linkis()?
        .target
        .user
        .clone()
        .unwrap_or_else(|| "hadoop".into());
    let http = env
        .fresh()
        .with_header("Token-Code", "CONFORMANCE-NO-SUCH-TOKEN")
        .with_header("Token-User", &user);
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    let v = expect(&r, -1)?;
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.starts_with("Token Authentication Failed, token: CONFORMANCE-NO-SUCH-TOKEN"),
        "message should start with \"Token Authentication Failed, token: …\", got {m:?}"
    );
    Ok(())
}

async fn token_illegal_user(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("uses the fixture's ALICE-ONLY-AUTH token")?;
    let http = env
        .fresh()
        .with_header("Token-Code", "ALICE-ONLY-AUTH")
        .with_header("Token-User", "bob");
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    let v = expect(&r, -1)?;
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.contains("15202") && m.contains("Illegal TokenUser for Token"),
        "expected errCode 15202 Illegal TokenUser, got {m:?}"
    );
    Ok(())
}

async fn token_host(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    env.require_mock("uses the fixture's ALICE-ONLY-AUTH token (alice from 127.0.0.1)")?;
    let host = url::Url::parse(&env.target.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    if host.as_deref() != Some("127.0.0.1") {
        skip!("the token's host is 127.0.0.1: needs a target at http://127.0.0.1:…, got {host:?}");
    }
    let token = |http: crate::http::Http, user: &str| {
        http.with_header("Token-Code", "ALICE-ONLY-AUTH")
            .with_header("Token-User", user)
    };
    let list = format!("{REST}/jobhistory/list");
    let r = token(env.fresh(), "alice")
        .get(&list)
        .query(&[("pageSize", "1")])
        .send()
        .await?;
    expect(&r, 0)?;
    let r = token(env.fresh(), "bob").get(&list).send().await?;
    let v = expect(&r, -1)?;
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.contains("errCode: 15202") && m.contains("Illegal TokenUser for Token"),
        "bob with alice's token: expected errCode 15202 Illegal TokenUser, got {m:?}"
    );
    let other = std::net::IpAddr::from([127, 0, 0, 2]);
    let r = token(env.fresh_from(other), "alice")
        .get(&list)
        .send()
        .await?;
    let v = expect(&r, -1)?;
    let m = v["message"].as_str().unwrap_or_default();
    ensure!(
        m.contains("errCode: 15203") && m.contains("Illegal Host for Token(非法ip: 127.0.0.2)"),
        "alice from 127.0.0.2: expected errCode 15203 Illegal Host for Token, got {m:?}"
    );
    Ok(())
}

async fn token_needs_both(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (code, _) = token_pair(ctx)?;
    let http = env.fresh().with_header("Token-Code", &code);
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    expect(&r, -1)?;
    Ok(())
}

fn proxy_pair(ctx: &Ctx) -> Result<(String, String), Fail> {
    let t = &ctx.linkis()?.target;
    match (&t.proxy_token, &t.proxy_user) {
        (Some(c), Some(u)) => Ok((c.clone(), u.clone())),
        _ => Err(Fail::Skipped(
            "needs a proxy token and user (--proxy-token / --proxy-user)".into(),
        )),
    }
}

async fn proxy_headers(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (code, user) = proxy_pair(ctx)?;
    let http = env
        .fresh()
        .with_header("Validation-Code", &code)
        .with_header("Proxy-User", &user);
    let job = env.submit(&http, &user, "select 1 as n").await?;
    let task = env.task(&http, job.task_id).await?;
    ensure_eq!(
        task["executeUser"].as_str(),
        Some(user.as_str()),
        "executeUser of a proxied job"
    );
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await?;
    Ok(())
}

async fn proxy_headers_refused(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (_, user) = proxy_pair(ctx)?;
    let http = env
        .fresh()
        .with_header("Validation-Code", "CONFORMANCE-WRONG-CODE")
        .with_header("Proxy-User", &user);
    let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
    let v = expect(&r, -1)?;
    ensure!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        "the refusal should say why: {v}"
    );
    if env.is_mock {
        let http = env
            .fresh()
            .with_header("Validation-Code", "LINKIS-PROXY-AB")
            .with_header("Proxy-User", "carol");
        let r = http.get(&format!("{REST}/jobhistory/list")).send().await?;
        expect(&r, -1)?;
    }
    Ok(())
}

async fn proxy_endpoint(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (code, user) = proxy_pair(ctx)?;
    let http = env.fresh();
    let r = http
        .get(&format!("{REST}/user/proxy"))
        .query(&[
            ("proxyUser", user.as_str()),
            ("validationCode", code.as_str()),
        ])
        .send()
        .await?;
    let v = expect(&r, 0)?;
    expect_message(v, "代理成功")?;
    ensure_eq!(
        v["data"]["proxyUser"].as_str(),
        Some(user.as_str()),
        "data.proxyUser"
    );
    expect(
        &http.get(&format!("{REST}/jobhistory/list")).send().await?,
        0,
    )?;
    let r = env
        .fresh()
        .get(&format!("{REST}/user/proxy"))
        .query(&[
            ("proxyUser", user.as_str()),
            ("validationCode", "CONFORMANCE-WRONG-CODE"),
        ])
        .send()
        .await?;
    expect_message(expect(&r, 1)?, "Validation failed")
}

async fn login_mapping(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    if !env.is_mock {
        skip!(
            "depends on the deployment's proxy.properties (the mock's fixture maps carol=etl_user)"
        );
    }
    let (http, r) = env.login("carol", "carol").await?;
    expect(&r, 0)?;
    let job = env.submit(&http, "etl_user", "select 1 as n").await?;
    let task = env.task(&http, job.task_id).await?;
    ensure_eq!(
        task["executeUser"].as_str(),
        Some("etl_user"),
        "executeUser of carol's job"
    );
    Ok(())
}

async fn unknown_ticket(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let r = env
        .fresh()
        .get(&format!("{REST}/jobhistory/list"))
        .header(
            "Cookie",
            "linkis_user_session_ticket_id_v1=conformance-unknown-ticket-0123456789",
        )
        .send()
        .await?;
    expect_message(
        expect(&r, -1)?,
        "You are not logged in, please login first!(您尚未登录，请先登录!)",
    )
}

async fn public_endpoints(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let anon = env.fresh();
    let r = anon.get(&format!("{REST}/user/publicKey")).send().await?;
    let v = expect(&r, 0)?;
    expect_message(v, "Gain success(获取成功)！")?;
    ensure!(v["data"]["enableSSL"].is_boolean(), "data.enableSSL: {v}");
    let r = anon.get(&format!("{REST}/user/baseinfo")).send().await?;
    let v = expect(&r, 0)?;
    expect_message(v, "get baseinfo success(获取成功)！")?;
    ensure!(
        v["data"].get("resultSetExportEnable").is_some(),
        "data.resultSetExportEnable: {v}"
    );
    Ok(())
}

async fn token_login(ctx: &Ctx) -> CheckResult {
    let env = ctx.linkis()?;
    let (code, user) = token_pair(ctx)?;
    let http = env.fresh();
    let r = http
        .get(&format!("{REST}/user/token-login"))
        .header("Token-Code", &code)
        .header("Token-User", &user)
        .send()
        .await?;
    expect_message(expect(&r, 1)?, "Only support method POST")?;
    let r = http
        .post(&format!("{REST}/user/token-login"))
        .header("Token-Code", &code)
        .header("Token-User", &user)
        .send()
        .await?;
    let v = expect(&r, 0)?;
    expect_message(v, "login successful(登录成功)！")?;
    ensure_eq!(
        v["data"]["userName"].as_str(),
        Some(user.as_str()),
        "data.userName"
    );
    ensure!(
        ticket_cookie(&r).is_some(),
        "token-login should set the session cookie"
    );
    expect(
        &http.get(&format!("{REST}/jobhistory/list")).send().await?,
        0,
    )?;
    Ok(())
}
