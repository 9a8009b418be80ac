//! The OAuth 2.0 authorization-code flow over real HTTP: the consent page, the token
//! endpoint (both grants, client authentication, PKCE), `session`, expiry on the mock
//! clock, and the PAT admin API.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use engee_mock::Config;
use engee_mock::config::Client;
use reqwest::StatusCode;
use reqwest::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, WWW_AUTHENTICATE,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "demo-app";
const SECRET: &str = "demo-secret";
const CB: &str = "http://127.0.0.1:8765/callback";
const SCOPE: &str = "user:id user:username profile:name profile:primary_email engee";
const DEMO_SUB: &str = "1d592c69-9664-4eb5-9166-447c421a02df";

/// A token endpoint answer.
struct TokenAnswer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl TokenAnswer {
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("<none>")
    }
    fn description(&self) -> &str {
        self.body["error_description"].as_str().unwrap_or("")
    }
    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "token request failed: {}", self.body);
        &self.body
    }
    fn access(&self) -> String {
        self.ok()["access_token"].as_str().unwrap().to_owned()
    }
    fn refresh(&self) -> String {
        self.ok()["refresh_token"].as_str().unwrap().to_owned()
    }
}

/// The standard authorization request parameters, plus `extra`.
fn authz<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", CB),
        ("scope", SCOPE),
        ("state", "st-123"),
    ];
    for (k, v) in extra {
        p.retain(|(name, _)| name != k);
        if !v.is_empty() {
            p.push((k, v));
        }
    }
    p
}

fn location(r: &reqwest::Response) -> url::Url {
    assert_eq!(r.status(), StatusCode::FOUND, "expected a redirect");
    let loc = r.headers()[LOCATION].to_str().unwrap();
    url::Url::parse(loc).unwrap()
}

fn param(u: &url::Url, name: &str) -> Option<String> {
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The `<input type="hidden">` fields of a page (the mock writes them one per line).
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.lines()
        .filter(|l| l.starts_with("<input type=\"hidden\""))
        .map(|l| {
            let attr = |name: &str| {
                let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = start + l[start..].find('"').unwrap();
                unescape(&l[start..end])
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

impl TestApp {
    async fn authorize_get(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.url("/account/authorize"))
            .query(params)
            .send()
            .await
            .unwrap()
    }

    async fn authorize_post(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/account/authorize"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Signs in as demo/demo and approves; returns the redirect.
    async fn approve(&self, params: &[(&str, &str)]) -> url::Url {
        let mut form = params.to_vec();
        form.extend([
            ("nickname", "demo"),
            ("password", "demo"),
            ("action", "approve"),
        ]);
        location(&self.authorize_post(&form).await)
    }

    async fn code_for(&self, params: &[(&str, &str)]) -> String {
        let u = self.approve(params).await;
        param(&u, "code").unwrap_or_else(|| panic!("no code in {u}"))
    }

    async fn code(&self) -> String {
        self.code_for(&authz(&[])).await
    }

    async fn token(&self, form: &[(&str, &str)]) -> TokenAnswer {
        answer(
            self.http
                .post(self.url("/account/api/oauth2/token"))
                .form(form),
        )
        .await
    }

    /// The doc's exchange: body credentials, scope and redirect_uri.
    async fn exchange(&self, code: &str) -> TokenAnswer {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", SCOPE),
            ("redirect_uri", CB),
        ])
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> TokenAnswer {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", SCOPE),
            ("redirect_uri", CB),
        ])
        .await
    }

    async fn session(&self, token: &str) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let r = self
            .http
            .get(self.url("/account/api/oauth2/session"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        (status, r.json().await.unwrap_or(Value::Null), headers)
    }
}

async fn answer(req: reqwest::RequestBuilder) -> TokenAnswer {
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    TokenAnswer {
        status,
        headers,
        body,
    }
}

fn assert_no_store(headers: &reqwest::header::HeaderMap) {
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers[PRAGMA], "no-cache");
}

// ------------------------------------------------------------------- the full flow

#[tokio::test]
async fn full_flow_through_the_consent_page() {
    let app = TestApp::start().await;

    // 1. The consent page.
    let r = app.authorize_get(&authz(&[])).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Demo App") && html.contains("demo-app"),
        "{html}"
    );
    for s in SCOPE.split(' ') {
        assert!(
            html.contains(&format!("<code>{s}</code>")),
            "scope {s} not listed"
        );
    }
    assert!(html.contains("<form method=\"post\" action=\"/account/authorize\">"));
    assert!(html.contains("name=\"nickname\"") && html.contains("name=\"password\""));
    assert!(html.contains("value=\"approve\"") && html.contains("value=\"deny\""));

    // 2. Submit the form as a browser would: hidden fields + sign-in + Approve.
    let mut form = hidden_fields(&html);
    assert!(form.iter().any(|(k, v)| k == "state" && v == "st-123"));
    form.extend([
        ("nickname".into(), "demo".into()),
        ("password".into(), "demo".into()),
        ("action".into(), "approve".into()),
    ]);
    let r = app
        .http
        .post(app.url("/account/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let back = location(&r);
    assert_eq!(
        format!("{}://{}{}", back.scheme(), back.authority(), back.path()),
        CB
    );
    assert_eq!(param(&back, "scope").as_deref(), Some(SCOPE));
    assert_eq!(param(&back, "state").as_deref(), Some("st-123"));
    let code = param(&back, "code").unwrap();

    // 3. Code → tokens.
    let t = app.exchange(&code).await;
    let body = t.ok().clone();
    assert_no_store(&t.headers);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], SCOPE);
    let obj = body.as_object().unwrap();
    for k in [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
    ] {
        assert!(obj.contains_key(k), "{k} missing from {body}");
    }

    // 4. Session.
    let (status, s, _) = app.session(&t.access()).await;
    assert_eq!(status, 200);
    assert_eq!(
        s,
        json!({"sub": DEMO_SUB, "nickname": "demo", "email": "demo@example.com"})
    );

    // 5. Refresh: new tokens; rotation (default) retires the old refresh token.
    let r1 = app.refresh(&t.refresh()).await;
    assert_no_store(&r1.headers);
    assert_eq!(r1.ok()["scope"], SCOPE);
    assert_ne!(r1.access(), t.access());
    assert_ne!(r1.refresh(), t.refresh());
    assert_eq!(app.session(&r1.access()).await.0, 200);
    let again = app.refresh(&t.refresh()).await;
    assert_eq!(
        (again.status, again.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert_eq!(app.refresh(&r1.refresh()).await.status, 200);
}

#[tokio::test]
async fn the_seed_curl_lines_work_with_only_the_host_changed() {
    let app = TestApp::start().await;
    let code = app.code().await;
    // curl -d a -d b joins the fields with '&' and sends them as they are (spaces too).
    let body = format!(
        "grant_type=authorization_code&code={code}&client_id={CLIENT_ID}&client_secret={SECRET}\
         &scope={SCOPE}&redirect_uri={CB}"
    );
    let post = |body: String| {
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
    };
    let t = answer(post(body)).await;
    assert_eq!(t.ok()["scope"], SCOPE);
    let refresh = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={CLIENT_ID}&client_secret={SECRET}\
         &scope={SCOPE}&redirect_uri={CB}",
        t.refresh()
    );
    let r = answer(post(refresh)).await;
    assert_eq!(r.ok()["token_type"], "Bearer");
    // curl -H "Authorization: Bearer $token" .../session
    let s = app
        .http
        .get(app.url("/account/api/oauth2/session"))
        .header(AUTHORIZATION, format!("Bearer {}", r.access()))
        .send()
        .await
        .unwrap();
    assert_eq!(s.status(), 200);
    let s: Value = s.json().await.unwrap();
    assert_eq!(s["nickname"], "demo");
}

// ------------------------------------------------------------ client authentication

#[tokio::test]
async fn http_basic_client_authentication() {
    let app = TestApp::start().await;
    let code = app.code().await;
    let t = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .basic_auth(CLIENT_ID, Some(SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CB),
            ]),
    )
    .await;
    assert_eq!(t.ok()["token_type"], "Bearer");
    assert_eq!(app.session(&t.access()).await.0, 200);

    // Basic plus client_secret in the body: two methods at once.
    let both = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .basic_auth(CLIENT_ID, Some(SECRET))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", t.refresh().as_str()),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
            ]),
    )
    .await;
    assert_eq!(
        (both.status, both.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    // Wrong secret with Basic: 401 and a Basic challenge.
    let bad = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .basic_auth(CLIENT_ID, Some("nope"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", t.refresh().as_str()),
            ]),
    )
    .await;
    assert_eq!(
        (bad.status, bad.error()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    assert!(
        bad.headers[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_no_store(&bad.headers);

    // Basic with client_id also in the body (allowed when equal).
    let r = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .basic_auth(CLIENT_ID, Some(SECRET))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", t.refresh().as_str()),
                ("client_id", CLIENT_ID),
            ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn wrong_or_missing_client_credentials_are_invalid_client() {
    let app = TestApp::start().await;
    let code = app.code().await;
    for form in [
        vec![("client_id", CLIENT_ID), ("client_secret", "wrong")],
        vec![("client_id", "nobody"), ("client_secret", SECRET)],
        vec![("client_id", CLIENT_ID)],
        vec![],
    ] {
        let mut f = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ];
        f.extend(form.clone());
        let t = app.token(&f).await;
        assert_eq!(
            (t.status, t.error()),
            (StatusCode::UNAUTHORIZED, "invalid_client"),
            "{form:?}"
        );
        assert!(
            !t.headers.contains_key(WWW_AUTHENTICATE),
            "no Basic attempted: no challenge"
        );
    }
    // A failed client authentication does not spend the code.
    assert_eq!(app.exchange(&code).await.status, 200);
}

// ----------------------------------------------------------------- token endpoint

#[tokio::test]
async fn codes_are_single_use_and_a_replay_revokes_the_tokens() {
    let app = TestApp::start().await;
    let code = app.code().await;
    let t = app.exchange(&code).await;
    let access = t.access();
    assert_eq!(app.session(&access).await.0, 200);

    let replay = app.exchange(&code).await;
    assert_eq!(
        (replay.status, replay.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(
        replay.description().contains("already used"),
        "{}",
        replay.body
    );
    assert_no_store(&replay.headers);

    // RFC 6749 §4.1.2: the tokens issued from the code are revoked.
    assert_eq!(app.session(&access).await.0, 401);
    assert_eq!(app.refresh(&t.refresh()).await.error(), "invalid_grant");

    let unknown = app.exchange("ec_nonsense").await;
    assert_eq!(unknown.error(), "invalid_grant");
}

#[tokio::test]
async fn codes_expire_after_60_seconds_of_mock_time() {
    let app = TestApp::start().await;
    let late = app.code().await;
    let in_time = app.code().await;
    app.server.advance(Duration::from_secs(59));
    assert_eq!(app.exchange(&in_time).await.status, 200);
    app.server.advance(Duration::from_secs(1));
    let t = app.exchange(&late).await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(t.description().contains("expired"), "{}", t.body);
}

#[tokio::test]
async fn access_tokens_expire_at_exactly_600_seconds() {
    let app = TestApp::start().await;
    let t = app.exchange(&app.code().await).await;
    app.server.advance(Duration::from_secs(599));
    assert_eq!(app.session(&t.access()).await.0, 200);
    app.server.advance(Duration::from_secs(1));
    let (status, body, headers) = app.session(&t.access()).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    let www = headers[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        www.starts_with("Bearer") && www.contains("error=\"invalid_token\""),
        "{www}"
    );
    // The refresh token still works and gives a fresh access token.
    let r = app.refresh(&t.refresh()).await;
    assert_eq!(app.session(&r.access()).await.0, 200);
}

#[tokio::test]
async fn refresh_tokens_expire_after_30_days() {
    let app = TestApp::start().await;
    let a = app.exchange(&app.code().await).await;
    let b = app.exchange(&app.code().await).await;
    let days30 = 30 * 24 * 3600;
    app.server.advance(Duration::from_secs(days30 - 1));
    assert_eq!(app.refresh(&a.refresh()).await.status, 200);
    app.server.advance(Duration::from_secs(1));
    let t = app.refresh(&b.refresh()).await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(t.description().contains("expired"), "{}", t.body);
}

#[tokio::test]
async fn redirect_uri_must_match_the_authorization_request() {
    let mut config = Config::for_tests();
    config.clients[0]
        .redirect_uris
        .push("http://127.0.0.1:8765/other".into());
    let app = TestApp::with_config(config).await;
    let code = app.code().await;
    let t = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", "http://127.0.0.1:8765/other"),
        ])
        .await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(t.description().contains("redirect_uri"), "{}", t.body);

    // Sent in the authorization request, so required in the token request.
    let code = app.code().await;
    let t = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(t.error(), "invalid_request");
    assert!(t.description().contains("redirect_uri"), "{}", t.body);
}

#[tokio::test]
async fn a_code_is_bound_to_its_client() {
    let mut config = Config::for_tests();
    config.clients.push(Client {
        client_id: "second".into(),
        client_secret: "second-secret".into(),
        name: None,
        redirect_uris: vec![CB.into()],
        scope: "user:id".into(),
    });
    let app = TestApp::with_config(config).await;
    let code = app.code().await;
    let t = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", "second"),
            ("client_secret", "second-secret"),
            ("redirect_uri", CB),
        ])
        .await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    // Refresh tokens are bound too.
    let t = app.exchange(&app.code().await).await;
    let r = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t.refresh().as_str()),
            ("client_id", "second"),
            ("client_secret", "second-secret"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_grant");
}

#[tokio::test]
async fn grant_type_problems() {
    let app = TestApp::start().await;
    let creds = [("client_id", CLIENT_ID), ("client_secret", SECRET)];
    let mut f = creds.to_vec();
    f.push(("grant_type", "password"));
    let t = app.token(&f).await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "unsupported_grant_type")
    );

    let t = app.token(&creds).await;
    assert_eq!(t.error(), "invalid_request");
    assert!(t.description().contains("grant_type"), "{}", t.body);

    let mut f = creds.to_vec();
    f.push(("grant_type", "authorization_code"));
    let t = app.token(&f).await;
    assert_eq!(t.error(), "invalid_request");
    assert!(t.description().contains("`code`"), "{}", t.body);

    let mut f = creds.to_vec();
    f.push(("grant_type", "refresh_token"));
    let t = app.token(&f).await;
    assert_eq!(t.error(), "invalid_request");
    assert!(t.description().contains("refresh_token"), "{}", t.body);

    let mut f = creds.to_vec();
    f.extend([
        ("grant_type", "refresh_token"),
        ("grant_type", "authorization_code"),
    ]);
    assert_eq!(app.token(&f).await.error(), "invalid_request");
}

#[tokio::test]
async fn only_form_bodies_are_accepted() {
    let app = TestApp::start().await;
    let code = app.code().await;
    let t = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .json(&json!({
                "grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID,
                "client_secret": SECRET, "redirect_uri": CB
            })),
    )
    .await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    assert!(
        t.description()
            .contains("application/x-www-form-urlencoded"),
        "{}",
        t.body
    );
    assert_no_store(&t.headers);
    // No body at all, no content type.
    let t = answer(app.http.post(app.url("/account/api/oauth2/token"))).await;
    assert_eq!(t.error(), "invalid_request");
    // The code was not spent by the refused request.
    assert_eq!(app.exchange(&code).await.status, 200);
    // `; charset=` is fine.
    let code = app.code().await;
    let t = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded; charset=UTF-8")
            .body(format!(
                "grant_type=authorization_code&code={code}&client_id={CLIENT_ID}&client_secret={SECRET}&redirect_uri={}",
                urlencode(CB)
            )),
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn token_scope_must_lie_within_the_code_scope() {
    let app = TestApp::start().await;
    let code = app.code_for(&authz(&[("scope", "user:id engee")])).await;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("redirect_uri", CB),
        ("scope", SCOPE),
    ];
    let t = app.token(&form).await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_scope")
    );

    // A narrower scope is granted as asked; refresh can narrow it further, not widen it.
    let code = app.code().await;
    form[1] = ("code", code.as_str());
    form[5] = ("scope", "user:id engee");
    let t = app.token(&form).await;
    assert_eq!(t.ok()["scope"], "user:id engee");
    let wide = app.refresh(&t.refresh()).await; // asks for the full SCOPE
    assert_eq!(
        wide.status, 200,
        "the refresh token carries the code's full scope"
    );
    let r = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", wide.refresh().as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "engee admin"),
        ])
        .await;
    assert_eq!(r.error(), "invalid_scope");
    let r = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", wide.refresh().as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "user:id"),
        ])
        .await;
    assert_eq!(r.ok()["scope"], "user:id");
}

// ----------------------------------------------------------------------------- PKCE

#[tokio::test]
async fn pkce_s256_plain_and_mismatch() {
    let app = TestApp::start().await;
    let verifier = "a-verifier-of-at-least-43-characters_0123456789.~";
    let challenge = s256(verifier);
    let with_verifier = |code: &str, v: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("client_secret", SECRET.to_owned()),
            ("redirect_uri", CB.to_owned()),
            ("code_verifier", v.to_owned()),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        answer(
            app.http
                .post(app.url("/account/api/oauth2/token"))
                .form(&form),
        )
    };

    // S256.
    let code = app
        .code_for(&authz(&[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]))
        .await;
    assert_eq!(post(with_verifier(&code, verifier)).await.status, 200);

    // plain (explicit, and by default when the method is absent).
    for method in ["plain", ""] {
        let code = app
            .code_for(&authz(&[
                ("code_challenge", verifier),
                ("code_challenge_method", method),
            ]))
            .await;
        assert_eq!(
            post(with_verifier(&code, verifier)).await.status,
            200,
            "method {method:?}"
        );
    }

    // Mismatch.
    let code = app
        .code_for(&authz(&[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]))
        .await;
    let wrong = "another-verifier-of-at-least-43-characters_0123456789";
    let t = post(with_verifier(&code, wrong)).await;
    assert_eq!(
        (t.status, t.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    // Missing verifier when a challenge was given.
    let code = app
        .code_for(&authz(&[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ]))
        .await;
    let t = app.exchange(&code).await;
    assert_eq!(t.error(), "invalid_grant");
    assert!(t.description().contains("code_verifier"), "{}", t.body);

    // Unsupported method at the authorization endpoint: redirect with invalid_request.
    let r = app
        .authorize_get(&authz(&[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S512"),
        ]))
        .await;
    let u = location(&r);
    assert_eq!(param(&u, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&u, "state").as_deref(), Some("st-123"));
}

// ------------------------------------------------------------- authorize endpoint

#[tokio::test]
async fn unknown_client_or_unregistered_redirect_uri_is_an_error_page() {
    let app = TestApp::start().await;
    for params in [
        authz(&[("client_id", "nobody")]),
        authz(&[("client_id", "")]),
        authz(&[("redirect_uri", "http://evil.example/cb")]),
        authz(&[("redirect_uri", "http://127.0.0.1:8765/callback/")]),
    ] {
        let r = app.authorize_get(&params).await;
        assert_eq!(r.status(), 400, "{params:?}");
        assert!(
            !r.headers().contains_key(LOCATION),
            "never a redirect: {params:?}"
        );
        assert!(
            r.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("Authorization error"), "{html}");
    }
    // The same for the form POST (hidden fields are not trusted).
    let mut form = authz(&[("redirect_uri", "http://evil.example/cb")]);
    form.extend([
        ("nickname", "demo"),
        ("password", "demo"),
        ("action", "approve"),
    ]);
    let r = app.authorize_post(&form).await;
    assert_eq!(r.status(), 400);
    assert!(!r.headers().contains_key(LOCATION));
}

#[tokio::test]
async fn other_authorization_errors_redirect_with_state() {
    let app = TestApp::start().await;
    let cases = [
        (
            authz(&[("response_type", "token")]),
            "unsupported_response_type",
        ),
        (authz(&[("response_type", "")]), "unsupported_response_type"),
        (authz(&[("scope", "user:id admin")]), "invalid_scope"),
        (
            authz(&[("code_challenge_method", "S256")]),
            "invalid_request",
        ),
        (
            authz(&[
                ("code_challenge", "too-short"),
                ("code_challenge_method", "S256"),
            ]),
            "invalid_request",
        ),
    ];
    for (params, error) in cases {
        let u = location(&app.authorize_get(&params).await);
        assert!(u.as_str().starts_with(CB), "{u}");
        assert_eq!(param(&u, "error").as_deref(), Some(error), "{params:?}");
        assert!(param(&u, "error_description").is_some_and(|d| !d.is_empty()));
        assert_eq!(param(&u, "state").as_deref(), Some("st-123"));
        assert_eq!(param(&u, "code"), None);
    }
    // Without state, none comes back.
    let u = location(
        &app.authorize_get(&authz(&[("state", ""), ("scope", "nope")]))
            .await,
    );
    assert_eq!(param(&u, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(param(&u, "state"), None);
}

#[tokio::test]
async fn missing_scope_means_the_registered_scope() {
    let app = TestApp::start().await;
    let u = app.approve(&authz(&[("scope", "")])).await;
    assert_eq!(param(&u, "scope").as_deref(), Some(SCOPE));
    let t = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", param(&u, "code").unwrap().as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", CB),
        ])
        .await;
    assert_eq!(t.ok()["scope"], SCOPE);
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let app = TestApp::start().await;
    let mut form = authz(&[]);
    form.push(("action", "deny"));
    let u = location(&app.authorize_post(&form).await);
    assert!(u.as_str().starts_with(CB));
    assert_eq!(param(&u, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&u, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&u, "code"), None);
}

#[tokio::test]
async fn a_wrong_password_shows_the_page_again() {
    let app = TestApp::start().await;
    let mut form = authz(&[("state", "<script>alert(1)</script>")]);
    form.extend([
        ("nickname", "demo\"><b>"),
        ("password", "wrong"),
        ("action", "approve"),
    ]);
    let r = app.authorize_post(&form).await;
    assert_eq!(r.status(), 401);
    assert!(!r.headers().contains_key(LOCATION));
    let html = r.text().await.unwrap();
    assert!(html.contains("Wrong nickname or password"), "{html}");
    assert!(
        !html.contains("<script>alert") && !html.contains("\"><b>"),
        "unescaped input: {html}"
    );
    // The page carries the request on, so the next try works.
    let fields = hidden_fields(&html);
    assert!(fields.contains(&("state".into(), "<script>alert(1)</script>".into())));
    let mut again: Vec<(String, String)> = fields;
    again.extend([
        ("nickname".into(), "other".into()),
        ("password".into(), "other".into()),
        ("action".into(), "approve".into()),
    ]);
    let r = app
        .http
        .post(app.url("/account/authorize"))
        .form(&again)
        .send()
        .await
        .unwrap();
    let u = location(&r);
    assert_eq!(
        param(&u, "state").as_deref(),
        Some("<script>alert(1)</script>")
    );
    let t = app.exchange(&param(&u, "code").unwrap()).await;
    assert_eq!(app.session(&t.access()).await.1["nickname"], "other");
}

#[tokio::test]
async fn auto_approve_skips_the_page() {
    let mut config = Config::for_tests();
    config.oauth.auto_approve = Some("other".into());
    let app = TestApp::with_config(config).await;
    let u = location(&app.authorize_get(&authz(&[])).await);
    assert_eq!(param(&u, "state").as_deref(), Some("st-123"));
    assert_eq!(param(&u, "scope").as_deref(), Some(SCOPE));
    let t = app.exchange(&param(&u, "code").unwrap()).await;
    let (status, s, _) = app.session(&t.access()).await;
    assert_eq!(status, 200);
    assert_eq!(s["nickname"], "other");
    // Errors still redirect (or show the page) exactly as without auto-approval.
    let u = location(&app.authorize_get(&authz(&[("scope", "admin")])).await);
    assert_eq!(param(&u, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(
        app.authorize_get(&authz(&[("client_id", "x")]))
            .await
            .status(),
        400
    );
}

// ---------------------------------------------------------------- refresh rotation

#[tokio::test]
async fn rotation_settings() {
    // Rotation, the old token staying valid.
    let mut config = Config::for_tests();
    config.oauth.old_refresh_token_stays_valid = true;
    let app = TestApp::with_config(config).await;
    let t = app.exchange(&app.code().await).await;
    let r = app.refresh(&t.refresh()).await;
    assert_ne!(r.refresh(), t.refresh());
    assert_eq!(app.refresh(&t.refresh()).await.status, 200);
    assert_eq!(app.refresh(&r.refresh()).await.status, 200);

    // No rotation: the same refresh token comes back and keeps working.
    let mut config = Config::for_tests();
    config.oauth.rotate_refresh_tokens = false;
    let app = TestApp::with_config(config).await;
    let t = app.exchange(&app.code().await).await;
    let r = app.refresh(&t.refresh()).await;
    assert_eq!(r.refresh(), t.refresh());
    assert_eq!(app.refresh(&t.refresh()).await.status, 200);
}

// ----------------------------------------------------------------------- session, PATs

#[tokio::test]
async fn session_with_a_pat_and_bad_tokens() {
    let app = TestApp::start().await;
    let (status, s, _) = app.session(DEMO_PAT).await;
    assert_eq!(status, 200);
    assert_eq!(
        s,
        json!({"sub": DEMO_SUB, "nickname": "demo", "email": "demo@example.com"})
    );
    assert_eq!(app.session(OTHER_PAT).await.1["nickname"], "other");
    let (status, body, headers) = app.session("no-such-token").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    assert!(headers.contains_key(WWW_AUTHENTICATE));
    let r = app
        .http
        .get(app.url("/account/api/oauth2/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn pat_admin_api() {
    let app = TestApp::start().await;
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .json(&json!({"token": "my-pat", "user": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["token"], "my-pat");
    assert_eq!(app.session("my-pat").await.1["nickname"], "other");

    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .json(&json!({"user": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let random = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(random.len() >= 32, "{random}");
    assert_eq!(app.session(&random).await.1["nickname"], "demo");

    // Duplicates, unknown users, bad bodies.
    for (body, status) in [
        (json!({"token": "my-pat", "user": "demo"}), 409),
        (json!({"token": "demo-pat", "user": "demo"}), 409),
        (json!({"user": "nobody"}), 400),
        (json!({"token": "", "user": "demo"}), 400),
        (json!({"token": 5, "user": "demo"}), 400),
    ] {
        let r = app
            .http
            .post(app.url("/__admin/engee/pats"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
    }

    let r = app
        .http
        .delete(app.url("/__admin/engee/pats/my-pat"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.session("my-pat").await.0, 401);
    let r = app
        .http
        .delete(app.url("/__admin/engee/pats/my-pat"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_pat_created_while_the_server_runs_works_from_the_next_start() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    app.server.advance(Duration::from_secs(1));
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .json(&json!({"token": "late-pat", "user": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The account APIs and session accept it at once ...
    assert_eq!(app.session("late-pat").await.0, 200);
    // ... the running server's APIs only after a restart.
    let (status, _) = app
        .get_user_api("late-pat", "/external/command/jobs/list")
        .await;
    assert_eq!(status, 401);
    app.stop_engee(DEMO_PAT).await;
    app.server.advance(Duration::from_secs(1));
    app.start_engee(DEMO_PAT).await;
    let (status, body) = app
        .get_user_api("late-pat", "/external/command/jobs/list")
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_oauth_token_drives_the_engee_apis() {
    let app = TestApp::start().await;
    let t = app.exchange(&app.code().await).await;
    let r = app
        .http
        .get(app.url("/account/api/engee/info"))
        .bearer_auth(t.access())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Without the `engee` scope: 403 insufficient_scope.
    let code = app
        .code_for(&authz(&[("scope", "user:id user:username")]))
        .await;
    let t = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("redirect_uri", CB),
        ])
        .await;
    assert_eq!(app.session(&t.access()).await.0, 200);
    let r = app
        .http
        .get(app.url("/account/api/engee/info"))
        .bearer_auth(t.access())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn redirect_uri_may_be_omitted_when_only_one_is_registered() {
    let app = TestApp::start().await;
    let u = app.approve(&authz(&[("redirect_uri", "")])).await;
    assert!(u.as_str().starts_with(CB), "{u}");
    let code = param(&u, "code").unwrap();
    // Not in the authorization request, so optional in the token request.
    let t = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ])
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
}

#[tokio::test]
async fn an_authorization_request_by_post_shows_the_page() {
    let app = TestApp::start().await;
    let r = app
        .authorize_post(&authz(&[("state", "\"><script>")]))
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"approve\""));
    assert!(!html.contains("<script>"), "{html}");
    assert!(hidden_fields(&html).contains(&("state".into(), "\"><script>".into())));
}

#[tokio::test]
async fn repeated_parameters_are_refused() {
    let app = TestApp::start().await;
    let mut params = authz(&[]);
    params.push(("scope", "engee"));
    let u = location(&app.authorize_get(&params).await);
    assert_eq!(param(&u, "error").as_deref(), Some("invalid_request"));
    let mut params = authz(&[]);
    params.push(("client_id", CLIENT_ID));
    let r = app.authorize_get(&params).await;
    assert_eq!(r.status(), 400);
    assert!(!r.headers().contains_key(LOCATION));
}

#[tokio::test]
async fn reset_forgets_issued_tokens_and_admin_pats() {
    let app = TestApp::start().await;
    let t = app.exchange(&app.code().await).await;
    let r = app
        .http
        .post(app.url("/__admin/engee/pats"))
        .json(&json!({"token": "temp-pat", "user": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .http
        .post(app.url("/__admin/reset"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(app.session(&t.access()).await.0, 401);
    assert_eq!(app.session("temp-pat").await.0, 401);
    assert_eq!(
        app.session(DEMO_PAT).await.0,
        200,
        "configured PATs survive a reset"
    );
    assert_eq!(app.refresh(&t.refresh()).await.error(), "invalid_grant");
}

// ------------------------------------------------------------------- hardening

#[tokio::test]
async fn no_token_gets_a_challenge_without_an_error_code() {
    let app = TestApp::start().await;
    for path in ["/account/api/engee/info", "/account/api/oauth2/session"] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        // RFC 6750 §3.1: no `error` when the request carried no credentials.
        assert_eq!(
            r.headers()[WWW_AUTHENTICATE],
            "Bearer realm=\"engee\"",
            "{path}"
        );
        let body: Value = r.json().await.unwrap();
        assert!(body["error_description"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn two_authorization_headers_are_400_invalid_request() {
    let app = TestApp::start().await;
    let r = app
        .http
        .get(app.url("/account/api/engee/info"))
        .header(AUTHORIZATION, format!("Bearer {DEMO_PAT}"))
        .header(AUTHORIZATION, format!("Bearer {OTHER_PAT}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let www = r.headers()[WWW_AUTHENTICATE].to_str().unwrap().to_owned();
    assert!(www.contains("error=\"invalid_request\""), "{www}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");

    // The token endpoint too, in RFC 6749's format.
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let code = app.code().await;
    let t = answer(
        app.http
            .post(app.url("/account/api/oauth2/token"))
            .header(AUTHORIZATION, basic(CLIENT_ID, SECRET))
            .header(AUTHORIZATION, basic("other", "x"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CB),
            ]),
    )
    .await;
    assert_eq!((t.status.as_u16(), t.error()), (400, "invalid_request"));
    assert!(t.description().contains("Authorization"), "{}", t.body);
}

#[tokio::test]
async fn the_error_page_renders_backticks_as_code() {
    let app = TestApp::start().await;
    let r = app.authorize_get(&authz(&[("client_id", "")])).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("<code>client_id</code>"), "{html}");
    assert!(!html.contains('`'), "{html}");
}

/// What the token store holds, read while the mock runs.
fn stored(app: &TestApp) -> usize {
    app.server.state().tokens.len()
}

#[tokio::test]
async fn refresh_grants_leave_the_token_store_bounded() {
    for (rotate, keep_old) in [(false, false), (true, true), (true, false)] {
        let mut config = Config::for_tests();
        config.oauth.rotate_refresh_tokens = rotate;
        config.oauth.old_refresh_token_stays_valid = keep_old;
        let app = TestApp::with_config(config).await;
        let first = app.exchange(&app.code().await).await;
        let before = stored(&app);
        let mut refresh = first.refresh();
        let mut access = Vec::new();
        for _ in 0..1000 {
            let t = app.refresh(&refresh).await;
            access.push(t.access());
            refresh = t.refresh();
        }
        let after = stored(&app);
        assert!(
            after <= before + 2,
            "rotate={rotate} keep_old={keep_old}: {before} entries before, {after} after"
        );
        // Every token issued is still what it was: valid until it expires.
        assert_eq!(app.session(&first.access()).await.0, 200);
        assert_eq!(app.session(&access[0]).await.0, 200);
        assert_eq!(app.session(&access[999]).await.0, 200);
        app.server.advance(Duration::from_secs(600));
        let (status, body, _) = app.session(&access[999]).await;
        assert_eq!(status, 401);
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("expired"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn spent_and_expired_codes_are_dropped_on_the_mock_clock() {
    let app = TestApp::start().await;
    let empty = stored(&app);
    for _ in 0..50 {
        let code = app.code().await;
        app.exchange(&code).await.ok();
        let _unused = app.code().await;
    }
    assert!(stored(&app) >= empty + 100);
    // Past every code's life and the replay grace: the next request purges them.
    app.server.advance(Duration::from_secs(2 * 24 * 3600));
    let _ = app.code().await;
    assert!(stored(&app) <= empty + 51 + 1, "{} entries", stored(&app));
}

#[tokio::test]
async fn unredeemed_codes_are_bounded_on_a_frozen_clock() {
    let mut config = Config::for_tests();
    config.oauth.max_pending_codes = 3;
    let app = TestApp::with_config(config).await;
    let codes = [app.code().await, app.code().await, app.code().await];
    let refused = app.approve(&authz(&[])).await;
    assert_eq!(
        param(&refused, "error").as_deref(),
        Some("temporarily_unavailable")
    );
    assert_eq!(param(&refused, "state").as_deref(), Some("st-123"));
    // The codes issued are intact; redeeming one makes room.
    app.exchange(&codes[0]).await.ok();
    let _ = app.code().await;
    // So does their expiry on the mock's clock.
    app.server.advance(Duration::from_secs(61));
    for _ in 0..3 {
        let _ = app.code().await;
    }
    assert!(stored(&app) < 20, "{}", stored(&app));
}
