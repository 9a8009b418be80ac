//! Shared helpers for engee-mock's HTTP tests: a real server on 127.0.0.1:0, a frozen
//! clock, and a reqwest client that does not follow redirects.
#![allow(dead_code)]

use engee_mock::{Config, MockServer};
use serde_json::Value;

pub const DEMO_PAT: &str = "demo-pat";
pub const OTHER_PAT: &str = "other-pat";
pub const DEMO_PREFIX: &str = "/prod/user/personal-demo";

pub struct TestApp {
    pub server: MockServer,
    pub http: reqwest::Client,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::with_config(Config::for_tests()).await
    }

    pub async fn with_config(config: Config) -> Self {
        let server = MockServer::start(config).await.expect("mock starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self { server, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    /// `POST /account/api/engee/start` for the PAT's user; panics unless 200.
    pub async fn start_engee(&self, pat: &str) -> Value {
        let r = self
            .http
            .post(self.url("/account/api/engee/start"))
            .bearer_auth(pat)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "start failed");
        r.json().await.unwrap()
    }

    /// `DELETE /account/api/engee/stop` for the PAT's user; panics unless 204.
    pub async fn stop_engee(&self, pat: &str) {
        let r = self
            .http
            .delete(self.url("/account/api/engee/stop"))
            .bearer_auth(pat)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "stop failed");
    }

    pub async fn info(&self, pat: &str) -> Value {
        let r = self
            .http
            .get(self.url("/account/api/engee/info"))
            .bearer_auth(pat)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// POSTs JSON to a path under the demo user's prefix; returns status and JSON body.
    pub async fn post_user_api(&self, pat: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(&format!("{DEMO_PREFIX}{path}")))
            .bearer_auth(pat)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_user_api(&self, pat: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(&format!("{DEMO_PREFIX}{path}")))
            .bearer_auth(pat)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// `POST /__admin/reset` as a script would send it (JSON, no `Origin`); panics unless
    /// it succeeds.
    pub async fn admin_reset(&self) {
        let r = self
            .http
            .post(self.url("/__admin/reset"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "reset failed: {}", r.status());
    }

    pub async fn eval(&self, code: &str) -> (u16, Value) {
        self.post_user_api(
            DEMO_PAT,
            "/external/command/eval",
            serde_json::json!({ "command": code }),
        )
        .await
    }
}

/// Polls `check` (a few ms of real time apart, 5 s at most) until it returns `Some`. For
/// results produced by spawned tasks after the clock was moved; never used to wait for
/// mock time to pass.
pub async fn eventually<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..1000 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("condition not reached within 5 s");
}
