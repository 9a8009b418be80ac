//! Shared test helpers: start the real server on 127.0.0.1:0 and talk to it over HTTP.
#![allow(dead_code)]

use std::time::Duration;

use linkis_mock::{Config, MockServer};
use serde_json::{Value, json};

pub const V1: &str = "/api/rest_j/v1";

pub struct T {
    pub server: MockServer,
    pub url: String,
}

impl T {
    pub async fn start(cfg: Config) -> T {
        let server = MockServer::start(cfg).await.expect("server starts");
        let url = server.url();
        T { server, url }
    }

    /// Demo config, fast jobs, frozen clock.
    pub async fn fast() -> T {
        Self::start(Config::testing()).await
    }

    /// Demo config, standard timing (1 s queue, 1 s start, 3 s run), frozen clock.
    pub async fn timed() -> T {
        Self::start(Config {
            clock: mock_kit::Clock::frozen_now(),
            ..Config::demo()
        })
        .await
    }

    pub fn client(&self) -> C {
        C {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: self.url.clone(),
            headers: Vec::new(),
        }
    }

    pub async fn login(&self, user: &str) -> C {
        let c = self.client();
        let r = c
            .post("/user/login", json!({"userName": user, "password": user}))
            .await;
        assert_eq!(r.status, 0, "login {user}: {:?}", r.body);
        c
    }

    pub fn advance(&self, secs: f64) {
        self.server.advance(Duration::from_secs_f64(secs));
    }
}

#[derive(Clone)]
pub struct C {
    pub http: reqwest::Client,
    pub base: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct R {
    pub http: u16,
    pub status: i64,
    pub message: String,
    pub method: Value,
    pub data: Value,
    pub body: Value,
    pub set_cookie: Vec<String>,
}

impl C {
    pub fn with_header(mut self, k: &str, v: &str) -> C {
        self.headers.push((k.into(), v.into()));
        self
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("/api") || path.starts_with("/__") || path.starts_with("/x") {
            format!("{}{}", self.base, path)
        } else {
            format!("{}{V1}{}", self.base, path)
        }
    }

    pub async fn send(&self, rb: reqwest::RequestBuilder) -> R {
        let mut rb = rb;
        for (k, v) in &self.headers {
            rb = rb.header(k, v);
        }
        let resp = rb.send().await.expect("request");
        let http = resp.status().as_u16();
        let set_cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = resp.text().await.unwrap();
        let body: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"));
        assert!(ct.starts_with("application/json"), "content type {ct}");
        let obj = body.as_object().expect("envelope object");
        assert_eq!(obj.len(), 4, "envelope has exactly 4 keys: {body}");
        assert!(body["data"].is_object(), "data is an object: {body}");
        let status = body["status"].as_i64().expect("status int");
        let expected_http = match status {
            0 => 200,
            -1 => 401,
            2 => 412,
            3 => 403,
            4 => 206,
            _ => 400,
        };
        if ![404, 405, 413].contains(&http) {
            assert_eq!(http, expected_http, "HTTP mirrors status: {body}");
        }
        R {
            http,
            status,
            message: body["message"].as_str().unwrap_or_default().to_string(),
            method: body["method"].clone(),
            data: body["data"].clone(),
            body,
            set_cookie,
        }
    }

    pub async fn get(&self, path: &str) -> R {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> R {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> R {
        self.send(
            self.http
                .post(self.url(path))
                .header("content-type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    /// Submits SQL through `/entrance/submit`; returns (execID, taskID).
    pub async fn submit(&self, code: &str, run_type: &str) -> (String, u64) {
        let r = self
            .post(
                "/entrance/submit",
                json!({"executionContent": {"code": code, "runType": run_type},
                       "labels": {"engineType": "spark-2.4.3", "userCreator": "x-IDE"}}),
            )
            .await;
        assert_eq!(r.status, 0, "submit: {}", r.body);
        let exec = r.data["execID"].as_str().unwrap().to_string();
        (exec, r.data["taskID"].as_u64().unwrap())
    }

    pub async fn task(&self, id: u64) -> Value {
        let r = self.get(&format!("/jobhistory/{id}/get")).await;
        assert_eq!(r.status, 0, "{}", r.body);
        r.data["task"].clone()
    }

    pub async fn state(&self, exec: &str) -> String {
        let r = self.get(&format!("/entrance/{exec}/status")).await;
        assert_eq!(r.status, 0, "{}", r.body);
        r.data["status"].as_str().unwrap().to_string()
    }

    /// Runs SQL that must succeed; returns the first result set's rows.
    pub async fn query(&self, sql: &str) -> Value {
        let (exec, task) = self.submit(sql, "sql").await;
        let h = self.task(task).await;
        assert_eq!(h["status"], "Succeed", "{sql}: {h}");
        let loc = h["resultLocation"].as_str().unwrap();
        let r = self
            .get(&format!("/filesystem/openFile?path={loc}/_0.dolphin"))
            .await;
        assert_eq!(r.status, 0, "{exec}: {}", r.body);
        r.data["fileContent"].clone()
    }

    /// Runs SQL that must fail; returns the job's `errDesc`.
    pub async fn query_fails(&self, sql: &str) -> String {
        let (_, task) = self.submit(sql, "sql").await;
        let h = self.task(task).await;
        assert_eq!(h["status"], "Failed", "{sql}: {h}");
        h["errDesc"].as_str().unwrap().to_string()
    }

    pub async fn kill(&self, exec: &str) -> R {
        self.get(&format!("/entrance/{exec}/kill")).await
    }

    /// All visible log lines, via pages of `size`.
    pub async fn full_log(&self, exec: &str, size: i64) -> Vec<String> {
        let mut from = 0;
        let mut out = Vec::new();
        loop {
            let r = self
                .get(&format!("/entrance/{exec}/log?fromLine={from}&size={size}"))
                .await;
            assert_eq!(r.status, 0, "{}", r.body);
            let next = r.data["fromLine"].as_i64().unwrap();
            let all = r.data["log"][3].as_str().unwrap();
            if next == from {
                return out;
            }
            out.extend(all.split('\n').map(str::to_string));
            from = next;
        }
    }
}
