//! Authorization: the OAuth 2.0 code flow (authorize → consent → code → token → session →
//! refresh), its error answers, PKCE, token lifetimes on the mock's clock, bearer errors
//! (RFC 6750) and personal access tokens.

use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;

use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, EngeeEnv};
use crate::http::Resp;
use crate::{check, ensure, ensure_eq, fail, skip};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "engee.oauth.authorize.code_redirect",
            Engee,
            Spec,
            "GET /account/authorize with response_type=code, client_id, redirect_uri, scope, state leads, after consent, to redirect_uri with code, scope and the same state",
            authorize_code_redirect
        ),
        check!(
            "engee.oauth.token.exchange",
            Engee,
            Spec,
            "POST /account/api/oauth2/token (form: grant_type=authorization_code, code, client_id, client_secret, scope, redirect_uri) answers an access token and a refresh token",
            token_exchange
        ),
        check!(
            "engee.oauth.token.response_fields",
            Engee,
            MockDefined,
            "the token response is RFC 6749 §5.1 JSON: token_type Bearer, expires_in 600, scope, with Cache-Control: no-store",
            token_response_fields
        ),
        check!(
            "engee.oauth.session",
            Engee,
            Spec,
            "GET /account/api/oauth2/session with the access token returns {sub, nickname, email}",
            session_shape
        ),
        check!(
            "engee.oauth.token.refresh",
            Engee,
            Spec,
            "grant_type=refresh_token (with client_id, client_secret, scope, redirect_uri) answers a new access token that works",
            token_refresh
        ),
        check!(
            "engee.oauth.refresh.rotation",
            Engee,
            MockDefined,
            "refreshing rotates the refresh token and the old one is refused with invalid_grant (the mock's default)",
            refresh_rotation
        ),
        check!(
            "engee.oauth.code.single_use",
            Engee,
            MockDefined,
            "an authorization code works once; a second exchange is 400 invalid_grant",
            code_single_use
        ),
        check!(
            "engee.oauth.code.bound_to_redirect_uri",
            Engee,
            MockDefined,
            "a code is bound to its redirect_uri: exchanged with another redirect_uri it is invalid_grant",
            code_bound
        ),
        check!(
            "engee.oauth.token.invalid_client",
            Engee,
            MockDefined,
            "a wrong client_secret is HTTP 401 {\"error\":\"invalid_client\"}",
            token_invalid_client
        ),
        check!(
            "engee.oauth.token.basic_auth",
            Engee,
            MockDefined,
            "client authentication by HTTP Basic works like body fields",
            token_basic_auth
        ),
        check!(
            "engee.oauth.token.unsupported_grant",
            Engee,
            MockDefined,
            "an unknown grant_type is 400 unsupported_grant_type in RFC 6749 §5.2 JSON",
            token_unsupported_grant
        ),
        check!(
            "engee.oauth.token.bad_code",
            Engee,
            MockDefined,
            "an unknown code is 400 {\"error\":\"invalid_grant\",\"error_description\":…}",
            token_bad_code
        ),
        check!(
            "engee.oauth.authorize.unknown_client",
            Engee,
            MockDefined,
            "an unknown client_id gets an error page, never a redirect",
            authorize_unknown_client
        ),
        check!(
            "engee.oauth.authorize.unregistered_redirect",
            Engee,
            MockDefined,
            "a redirect_uri that is not registered gets an error page, never a redirect",
            authorize_unregistered_redirect
        ),
        check!(
            "engee.oauth.authorize.error_redirect",
            Engee,
            MockDefined,
            "other authorize errors (response_type=token) redirect to redirect_uri with error, error_description and state",
            authorize_error_redirect
        ),
        check!(
            "engee.oauth.authorize.invalid_scope",
            Engee,
            MockDefined,
            "a scope outside the client's registered scope redirects with error=invalid_scope",
            authorize_invalid_scope
        ),
        check!(
            "engee.oauth.authorize.deny",
            Engee,
            MockDefined,
            "pressing Deny on the consent page redirects with error=access_denied and the state",
            authorize_deny
        ),
        check!(
            "engee.oauth.pkce.s256",
            Engee,
            MockDefined,
            "with code_challenge (S256) the exchange needs the matching code_verifier (else invalid_grant)",
            pkce_s256
        ),
        check!(
            "engee.oauth.pkce.plain",
            Engee,
            MockDefined,
            "code_challenge_method=plain is honoured: the verifier must equal the challenge",
            pkce_plain
        ),
        check!(
            "engee.oauth.code.lifetime",
            Engee,
            MockDefined,
            "an authorization code expires after 60 s: exchanged at 60 s it is invalid_grant (mock clock)",
            code_lifetime
        ),
        check!(
            "engee.oauth.token.lifetime",
            Engee,
            Spec,
            "an access token lives exactly 10 minutes: accepted at 599 s, 401 at 600 s (mock clock)",
            access_lifetime
        ),
        check!(
            "engee.oauth.refresh.lifetime",
            Engee,
            Spec,
            "a refresh token lives 30 days: usable at 30 d − 1 s, invalid_grant at 30 d (mock clock)",
            refresh_lifetime
        ),
        check!(
            "engee.auth.bearer.missing",
            Engee,
            MockDefined,
            "no Authorization header is 401 with WWW-Authenticate: Bearer and no error code (RFC 6750 §3.1) and a JSON body",
            bearer_missing
        ),
        check!(
            "engee.auth.bearer.unknown",
            Engee,
            MockDefined,
            "an unknown bearer token is 401 invalid_token (RFC 6750) with a JSON body",
            bearer_unknown
        ),
        check!(
            "engee.auth.bearer.expired",
            Engee,
            MockDefined,
            "an expired access token is 401 with WWW-Authenticate error=\"invalid_token\" (mock clock)",
            bearer_expired
        ),
        check!(
            "engee.auth.scope.insufficient",
            Engee,
            MockDefined,
            "a token without the `engee` scope gets 403 insufficient_scope from the Engee APIs, while session still works",
            scope_insufficient
        ),
        check!(
            "engee.auth.token.works",
            Engee,
            Spec,
            "the configured bearer token (access token or PAT) authorizes session and info",
            token_works
        ),
        check!(
            "engee.auth.pat.next_start",
            Engee,
            Spec,
            "a PAT created while the server runs is refused by the user APIs until the next start, then accepted (mock admin API)",
            pat_next_start
        ),
    ]
}

/// Tokens from one code exchange.
#[derive(Clone, Debug)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: String,
    pub body: Value,
    pub resp: Resp,
}

/// Optional parts of an authorization request.
#[derive(Clone, Debug, Default)]
pub struct AuthOpts {
    pub scope: Option<String>,
    pub challenge: Option<(String, &'static str)>,
}

fn client(env: &EngeeEnv) -> Result<(String, String, String), Fail> {
    let t = &env.target;
    match (&t.client_id, &t.client_secret, &t.redirect_uri) {
        (Some(a), Some(b), Some(c)) => Ok((a.clone(), b.clone(), c.clone())),
        _ => Err(Fail::Skipped(
            "needs an OAuth client (--client-id, --client-secret, --redirect-uri)".into(),
        )),
    }
}

fn random_state() -> String {
    format!("st{:016x}", rand::random::<u64>())
}

/// The query pairs of a URL.
pub fn query_of(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn param(pairs: &[(String, String)], k: &str) -> Option<String> {
    pairs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone())
}

/// Sends the browser's authorization request and drives the consent step (auto-approval
/// redirect, or the consent form with the configured user login). Returns the final
/// `Location`.
pub async fn consent(
    env: &EngeeEnv,
    params: &[(String, String)],
    decision: &str,
) -> Result<String, Fail> {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = env
        .http
        .get("/account/authorize")
        .query(&pairs)
        .send()
        .await?;
    if (300..400).contains(&r.status) && decision == "approve" {
        return r.header("location").map(str::to_owned).ok_or_else(|| {
            Fail::Failed(format!(
                "authorize redirected without Location: {}",
                r.summary()
            ))
        });
    }
    if r.status != 200 && !(300..400).contains(&r.status) {
        fail!("authorize answered {}", r.summary());
    }
    let body = r.text();
    let is_form = body.contains("<form") && body.contains("action");
    let (Some(user), Some(password)) = (&env.target.user, &env.target.password) else {
        skip!("the consent step needs a user login (--user/--password) or a browser");
    };
    if !is_form && !(300..400).contains(&r.status) {
        skip!("the target's consent page is not a form this suite can drive");
    }
    let mut form: Vec<(&str, &str)> = pairs.clone();
    form.push(("action", decision));
    if decision == "approve" {
        form.push(("nickname", user));
        form.push(("password", password));
    }
    let r = env
        .http
        .post("/account/authorize")
        .form(&form)
        .send()
        .await?;
    if !(300..400).contains(&r.status) {
        if env.is_mock {
            fail!("the consent form post did not redirect: {}", r.summary());
        }
        skip!(
            "the target's consent step cannot be automated (answered {})",
            r.summary()
        );
    }
    r.header("location")
        .map(str::to_owned)
        .ok_or_else(|| Fail::Failed("consent redirect without Location".into()))
}

/// The standard authorization request parameters.
pub fn auth_params(
    env: &EngeeEnv,
    state: &str,
    opts: &AuthOpts,
) -> Result<Vec<(String, String)>, Fail> {
    let (client_id, _, redirect) = client(env)?;
    let mut p = vec![
        ("response_type".to_owned(), "code".to_owned()),
        ("client_id".to_owned(), client_id),
        ("redirect_uri".to_owned(), redirect),
        (
            "scope".to_owned(),
            opts.scope
                .clone()
                .unwrap_or_else(|| env.target.scope().to_owned()),
        ),
        ("state".to_owned(), state.to_owned()),
    ];
    if let Some((c, m)) = &opts.challenge {
        p.push(("code_challenge".into(), c.clone()));
        p.push(("code_challenge_method".into(), (*m).to_owned()));
    }
    Ok(p)
}

/// Runs authorize + consent and returns the code (and the whole redirect query).
pub async fn get_code(
    env: &EngeeEnv,
    opts: &AuthOpts,
) -> Result<(String, Vec<(String, String)>, String), Fail> {
    let state = random_state();
    let params = auth_params(env, &state, opts)?;
    let loc = consent(env, &params, "approve").await?;
    let (_, _, redirect) = client(env)?;
    if !loc.starts_with(&redirect) {
        if env.is_mock {
            fail!("consent redirected to {loc}, not to the redirect_uri {redirect}");
        }
        skip!(
            "the target sent the browser to {loc} (a login page?); the consent step needs a browser"
        );
    }
    let q = query_of(&loc);
    let code = param(&q, "code")
        .ok_or_else(|| Fail::Failed(format!("the redirect has no code: {loc}")))?;
    Ok((code, q, state))
}

/// POST token with `pairs` (client credentials added in the body).
pub async fn token_post(env: &EngeeEnv, pairs: &[(&str, &str)]) -> Result<Resp, Fail> {
    let (client_id, secret, _) = client(env)?;
    let mut form: Vec<(&str, &str)> = pairs.to_vec();
    form.push(("client_id", &client_id));
    form.push(("client_secret", &secret));
    env.http
        .post("/account/api/oauth2/token")
        .form(&form)
        .send()
        .await
}

/// Exchanges a code with every field the documentation lists.
pub async fn exchange(env: &EngeeEnv, code: &str, extra: &[(&str, &str)]) -> Result<Resp, Fail> {
    exchange_scoped(env, code, env.target.scope(), extra).await
}

/// [`exchange`] with the scope of the authorization request.
pub async fn exchange_scoped(
    env: &EngeeEnv,
    code: &str,
    scope: &str,
    extra: &[(&str, &str)],
) -> Result<Resp, Fail> {
    let (_, _, redirect) = client(env)?;
    let scope = scope.to_owned();
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("scope", scope.as_str()),
        ("redirect_uri", redirect.as_str()),
    ];
    pairs.extend_from_slice(extra);
    token_post(env, &pairs).await
}

fn token_set(r: Resp) -> Result<TokenSet, Fail> {
    r.expect_status(200)?;
    let body = r.json()?.clone();
    let access = body["access_token"].as_str().filter(|s| !s.is_empty());
    let refresh = body["refresh_token"].as_str().filter(|s| !s.is_empty());
    match (access, refresh) {
        (Some(a), Some(f)) => Ok(TokenSet {
            access_token: a.to_owned(),
            refresh_token: f.to_owned(),
            body: body.clone(),
            resp: r,
        }),
        _ => Err(Fail::Failed(format!(
            "the token response lacks access_token/refresh_token: {body}"
        ))),
    }
}

/// The whole flow: authorize, consent, exchange.
pub async fn obtain_tokens(env: &EngeeEnv, opts: Option<AuthOpts>) -> Result<TokenSet, Fail> {
    let opts = opts.unwrap_or_default();
    let (code, _, _) = get_code(env, &opts).await?;
    let verifier_pair;
    let extra: Vec<(&str, &str)> = match &opts.challenge {
        Some((_, _)) => {
            verifier_pair = PKCE_VERIFIER.to_owned();
            vec![("code_verifier", verifier_pair.as_str())]
        }
        None => vec![],
    };
    let scope = opts
        .scope
        .clone()
        .unwrap_or_else(|| env.target.scope().to_owned());
    token_set(exchange_scoped(env, &code, &scope, &extra).await?)
}

async fn refresh(env: &EngeeEnv, refresh_token: &str) -> Result<Resp, Fail> {
    let (_, _, redirect) = client(env)?;
    let scope = env.target.scope().to_owned();
    token_post(
        env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", &scope),
            ("redirect_uri", &redirect),
        ],
    )
    .await
}

async fn session(env: &EngeeEnv, token: &str) -> Result<Resp, Fail> {
    env.http
        .get("/account/api/oauth2/session")
        .bearer(token)
        .send()
        .await
}

fn oauth_error(r: &Resp, status: u16, error: &str) -> CheckResult {
    ensure!(
        r.status == status,
        "expected HTTP {status} {error}, got {}",
        r.summary()
    );
    let v = r.json()?;
    ensure_eq!(v["error"].as_str(), Some(error), "`error` field");
    ensure!(
        v.get("error_description").is_none_or(Value::is_string),
        "error_description must be a string when present: {v}"
    );
    Ok(())
}

async fn authorize_code_redirect(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (_, q, state) = get_code(env, &AuthOpts::default()).await?;
    ensure_eq!(param(&q, "state"), Some(state), "state in the redirect");
    ensure!(
        param(&q, "scope").is_some(),
        "the redirect carries no scope: {q:?}"
    );
    Ok(())
}

async fn token_exchange(ctx: &Ctx) -> CheckResult {
    obtain_tokens(ctx.engee()?, None).await.map(|_| ())
}

async fn token_response_fields(ctx: &Ctx) -> CheckResult {
    let t = obtain_tokens(ctx.engee()?, None).await?;
    let b = &t.body;
    ensure!(
        b["token_type"]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer")),
        "token_type should be Bearer: {b}"
    );
    ensure_eq!(b["expires_in"].as_i64(), Some(600), "expires_in");
    ensure!(b["scope"].is_string(), "scope should be a string: {b}");
    let cc = t
        .resp
        .header("cache-control")
        .unwrap_or_default()
        .to_ascii_lowercase();
    ensure!(
        cc.contains("no-store"),
        "Cache-Control should be no-store, got {cc:?}"
    );
    Ok(())
}

async fn session_shape(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let token = if env.target.has_oauth_client() && env.is_mock {
        obtain_tokens(env, None).await?.access_token
    } else {
        env.token().await?
    };
    let r = session(env, &token).await?;
    r.expect_status(200)?;
    let v = r.json()?;
    for k in ["sub", "nickname", "email"] {
        ensure!(v[k].is_string(), "session.{k} should be a string: {v}");
    }
    if env.is_mock {
        ensure_eq!(
            v["nickname"].as_str(),
            env.target.user.as_deref(),
            "nickname of the consenting user"
        );
    }
    Ok(())
}

async fn token_refresh(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let rt = match &env.target.refresh_token {
        Some(rt) if !env.is_mock => rt.clone(),
        _ => obtain_tokens(env, None).await?.refresh_token,
    };
    let t = token_set(refresh(env, &rt).await?)?;
    let r = session(env, &t.access_token).await?;
    r.expect_status(200)?;
    Ok(())
}

async fn refresh_rotation(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let first = obtain_tokens(env, None).await?;
    let second = token_set(refresh(env, &first.refresh_token).await?)?;
    ensure!(
        second.refresh_token != first.refresh_token,
        "the refresh token was not rotated"
    );
    let again = refresh(env, &first.refresh_token).await?;
    oauth_error(&again, 400, "invalid_grant")
}

async fn code_single_use(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (code, _, _) = get_code(env, &AuthOpts::default()).await?;
    token_set(exchange(env, &code, &[]).await?)?;
    let r = exchange(env, &code, &[]).await?;
    oauth_error(&r, 400, "invalid_grant")
}

async fn token_invalid_client(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (client_id, _, redirect) = client(env)?;
    let r = env
        .http
        .post("/account/api/oauth2/token")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "conformance-no-such-code"),
            ("client_id", &client_id),
            ("client_secret", "conformance-wrong-secret"),
            ("redirect_uri", &redirect),
        ])
        .send()
        .await?;
    oauth_error(&r, 401, "invalid_client")
}

async fn token_basic_auth(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (client_id, secret, redirect) = client(env)?;
    let (code, _, _) = get_code(env, &AuthOpts::default()).await?;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let r = env
        .http
        .post("/account/api/oauth2/token")
        .basic_auth(&enc(&client_id), &enc(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect),
        ])
        .send()
        .await?;
    token_set(r).map(|_| ())
}

async fn token_unsupported_grant(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let r = token_post(
        env,
        &[
            ("grant_type", "password"),
            ("username", "x"),
            ("password", "y"),
        ],
    )
    .await?;
    oauth_error(&r, 400, "unsupported_grant_type")
}

async fn token_bad_code(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let r = exchange(env, "conformance-no-such-code", &[]).await?;
    oauth_error(&r, 400, "invalid_grant")
}

fn not_a_redirect_to(r: &Resp, redirect: &str) -> CheckResult {
    let loc = r.header("location").unwrap_or_default();
    ensure!(
        !((300..400).contains(&r.status) && loc.starts_with(redirect)),
        "expected an error page, got a redirect to {loc}"
    );
    ensure!(
        r.status >= 400,
        "expected an error status for the error page, got {}",
        r.summary()
    );
    Ok(())
}

async fn authorize_unknown_client(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (_, _, redirect) = client(env)?;
    let r = env
        .http
        .get("/account/authorize")
        .query(&[
            ("response_type", "code"),
            ("client_id", "conformance-unknown-client"),
            ("redirect_uri", &redirect),
            ("state", "s"),
        ])
        .send()
        .await?;
    not_a_redirect_to(&r, &redirect)
}

async fn authorize_unregistered_redirect(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (client_id, _, _) = client(env)?;
    let evil = "https://conformance.invalid/callback";
    let r = env
        .http
        .get("/account/authorize")
        .query(&[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", evil),
            ("state", "s"),
        ])
        .send()
        .await?;
    not_a_redirect_to(&r, evil)
}

async fn error_redirect(ctx: &Ctx, tweak: &[(&str, &str)], want: &str) -> CheckResult {
    let env = ctx.engee()?;
    let (_, _, redirect) = client(env)?;
    let state = random_state();
    let mut params = auth_params(env, &state, &AuthOpts::default())?;
    for (k, v) in tweak {
        params.retain(|(a, _)| a != k);
        params.push(((*k).to_owned(), (*v).to_owned()));
    }
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = env
        .http
        .get("/account/authorize")
        .query(&pairs)
        .send()
        .await?;
    ensure!(
        (300..400).contains(&r.status),
        "expected a redirect with error={want}, got {}",
        r.summary()
    );
    let loc = r.header("location").unwrap_or_default().to_owned();
    ensure!(
        loc.starts_with(&redirect),
        "redirected to {loc}, not the redirect_uri"
    );
    let q = query_of(&loc);
    ensure_eq!(
        param(&q, "error"),
        Some(want.to_owned()),
        "error in the redirect"
    );
    ensure!(
        param(&q, "error_description").is_some(),
        "no error_description in {loc}"
    );
    ensure_eq!(
        param(&q, "state"),
        Some(state),
        "state in the error redirect"
    );
    ensure!(
        param(&q, "code").is_none(),
        "an error redirect carries a code: {loc}"
    );
    Ok(())
}

async fn authorize_error_redirect(ctx: &Ctx) -> CheckResult {
    error_redirect(
        ctx,
        &[("response_type", "token")],
        "unsupported_response_type",
    )
    .await
}

async fn authorize_invalid_scope(ctx: &Ctx) -> CheckResult {
    error_redirect(
        ctx,
        &[("scope", "engee conformance:not-granted")],
        "invalid_scope",
    )
    .await
}

async fn authorize_deny(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("posts the mock's consent form")?;
    let state = random_state();
    let params = auth_params(env, &state, &AuthOpts::default())?;
    let loc = consent(env, &params, "deny").await?;
    let q = query_of(&loc);
    ensure_eq!(
        param(&q, "error"),
        Some("access_denied".to_owned()),
        "error after Deny"
    );
    ensure_eq!(param(&q, "state"), Some(state), "state after Deny");
    Ok(())
}

/// A fixed RFC 7636 verifier (43+ unreserved characters).
const PKCE_VERIFIER: &str = "conformance-pkce-verifier-0123456789-abcdefghijklmnop";

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

async fn pkce_s256(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let opts = AuthOpts {
        scope: None,
        challenge: Some((s256(PKCE_VERIFIER), "S256")),
    };
    let (code, _, _) = get_code(env, &opts).await?;
    let r = exchange(env, &code, &[]).await?;
    oauth_error(&r, 400, "invalid_grant")?;
    let (code, _, _) = get_code(env, &opts).await?;
    let r = exchange(
        env,
        &code,
        &[(
            "code_verifier",
            "conformance-wrong-verifier-0123456789-abcdefghijklm",
        )],
    )
    .await?;
    oauth_error(&r, 400, "invalid_grant")?;
    let (code, _, _) = get_code(env, &opts).await?;
    token_set(exchange(env, &code, &[("code_verifier", PKCE_VERIFIER)]).await?).map(|_| ())
}

async fn pkce_plain(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let opts = AuthOpts {
        scope: None,
        challenge: Some((PKCE_VERIFIER.to_owned(), "plain")),
    };
    let (code, _, _) = get_code(env, &opts).await?;
    let r = exchange(
        env,
        &code,
        &[(
            "code_verifier",
            "conformance-wrong-verifier-0123456789-abcdefghijklm",
        )],
    )
    .await?;
    oauth_error(&r, 400, "invalid_grant")?;
    let (code, _, _) = get_code(env, &opts).await?;
    token_set(exchange(env, &code, &[("code_verifier", PKCE_VERIFIER)]).await?).map(|_| ())
}

async fn code_lifetime(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock past the code lifetime")?;
    let (fresh, _, _) = get_code(env, &AuthOpts::default()).await?;
    let (stale, _, _) = get_code(env, &AuthOpts::default()).await?;
    env.advance(59.0).await?;
    token_set(exchange(env, &fresh, &[]).await?)
        .map_err(|e| Fail::Failed(format!("a 59 s old code should still work: {e}")))?;
    env.advance(1.0).await?;
    oauth_error(&exchange(env, &stale, &[]).await?, 400, "invalid_grant")
}

async fn access_lifetime(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock 10 minutes")?;
    let t = obtain_tokens(env, None).await?;
    env.advance(599.0).await?;
    session(env, &t.access_token).await?.expect_status(200)?;
    env.advance(1.0).await?;
    let r = session(env, &t.access_token).await?;
    ensure!(
        r.status == 401,
        "at 600 s the access token should be refused with 401, got {}",
        r.summary()
    );
    Ok(())
}

async fn refresh_lifetime(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock 30 days")?;
    let a = obtain_tokens(env, None).await?;
    let b = obtain_tokens(env, None).await?;
    env.advance(30.0 * 86400.0 - 1.0).await?;
    token_set(refresh(env, &a.refresh_token).await?)
        .map_err(|e| Fail::Failed(format!("at 30 d − 1 s the refresh token should work: {e}")))?;
    env.advance(1.0).await?;
    let r = refresh(env, &b.refresh_token).await?;
    oauth_error(&r, 400, "invalid_grant")
}

fn bearer_error(r: &Resp, status: u16, error: &str) -> CheckResult {
    ensure!(
        r.status == status,
        "expected HTTP {status}, got {}",
        r.summary()
    );
    let www = r.header("www-authenticate").unwrap_or_default();
    ensure!(
        www.starts_with("Bearer") && www.contains(&format!("error=\"{error}\"")),
        "WWW-Authenticate should be Bearer error=\"{error}\", got {www:?}"
    );
    ensure!(r.json().is_ok(), "the body should be JSON: {}", r.summary());
    Ok(())
}

async fn bearer_missing(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let r = env.http.get("/account/api/engee/info").send().await?;
    ensure!(r.status == 401, "expected HTTP 401, got {}", r.summary());
    let www = r.header("www-authenticate").unwrap_or_default();
    ensure!(
        www.starts_with("Bearer") && !www.contains("error="),
        "WWW-Authenticate should be a Bearer challenge without an error code, got {www:?}"
    );
    ensure!(r.json().is_ok(), "the body should be JSON: {}", r.summary());
    Ok(())
}

async fn bearer_unknown(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer("conformance-not-a-token")
        .send()
        .await?;
    bearer_error(&r, 401, "invalid_token")?;
    let r = session(env, "conformance-not-a-token").await?;
    bearer_error(&r, 401, "invalid_token")
}

async fn bearer_expired(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("moves the clock past the token lifetime")?;
    let t = obtain_tokens(env, None).await?;
    env.advance(601.0).await?;
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer(&t.access_token)
        .send()
        .await?;
    bearer_error(&r, 401, "invalid_token")
}

async fn scope_insufficient(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let t = obtain_tokens(
        env,
        Some(AuthOpts {
            scope: Some("user:id user:username".into()),
            challenge: None,
        }),
    )
    .await?;
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer(&t.access_token)
        .send()
        .await?;
    bearer_error(&r, 403, "insufficient_scope")?;
    session(env, &t.access_token).await?.expect_status(200)?;
    Ok(())
}

async fn token_works(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let token = env.token().await?;
    session(env, &token).await?.expect_status(200)?;
    env.info(&token).await?;
    Ok(())
}

async fn pat_next_start(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    env.require_mock("creates a PAT through the mock's admin API")?;
    ctx.require_lifecycle()?;
    let api = env.running(ctx).await?;
    // the PAT must be created strictly after the server started (the test clock is frozen)
    env.advance(1.0).await?;
    let nickname = env.target.user.clone().unwrap_or_else(|| "demo".into());
    let pat = format!("conformance-pat-{}", ctx.run_id);
    let r = env
        .http
        .post("/__admin/engee/pats")
        .json(&serde_json::json!({"token": pat, "user": nickname}))
        .unrecorded()
        .send()
        .await?;
    ensure!(
        r.status == 201,
        "the admin API refused the PAT: {}",
        r.summary()
    );
    let new_api = crate::ctx::UserApi {
        url: api.url.clone(),
        token: pat.clone(),
    };
    let r = env.eval(&new_api, "1 + 1").await?;
    ensure!(
        !(200..300).contains(&r.status),
        "a PAT created while the server runs must not work before the next start, got {}",
        r.summary()
    );
    env.http
        .delete("/account/api/engee/stop")
        .bearer(&pat)
        .send()
        .await?
        .expect_status(204)?;
    env.wait_status(&pat, "stopped", ctx.wait_limit()).await?;
    // and the next start strictly after the PAT was made: one at the PAT's own instant
    // still counts as the server it was made under
    env.advance(1.0).await?;
    let api2 = env.running_as(ctx, &pat).await?;
    let r = env.eval(&api2, "1 + 1").await?;
    ensure!(
        r.status == 200,
        "after the restart the PAT should work, got {}",
        r.summary()
    );
    let _ = env
        .http
        .delete(&format!("/__admin/engee/pats/{pat}"))
        .unrecorded()
        .send()
        .await;
    Ok(())
}

async fn code_bound(ctx: &Ctx) -> CheckResult {
    let env = ctx.engee()?;
    let (code, _, _) = get_code(env, &AuthOpts::default()).await?;
    let scope = env.target.scope().to_owned();
    let r = token_post(
        env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("scope", &scope),
            ("redirect_uri", "https://conformance.invalid/other-callback"),
        ],
    )
    .await?;
    oauth_error(&r, 400, "invalid_grant")
}
