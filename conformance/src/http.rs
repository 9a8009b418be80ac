//! A small reqwest wrapper: bounded timeouts, no redirects followed (OAuth checks read the
//! `Location`), and every exchange recorded (method, path template, status, content type,
//! JSON body) for snapshots and parity.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde_json::Value;

use crate::check::{Api, Fail};

/// One recorded request/response.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    /// The check that made the request.
    pub check: String,
    pub api: Api,
    pub method: String,
    /// The path with ids replaced by placeholders (`{execID}`, `{id}`, `{uuid}`, `{prefix}`).
    pub endpoint: String,
    pub status: u16,
    pub content_type: Option<String>,
    /// The body when it is JSON.
    pub body: Option<Value>,
}

impl Exchange {
    /// `METHOD /path/template`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.endpoint)
    }
}

/// Shared journal of exchanges, tagged with the running check.
#[derive(Clone, Default)]
pub struct Recorder {
    inner: Arc<Mutex<RecorderInner>>,
}

#[derive(Default)]
struct RecorderInner {
    current: String,
    exchanges: Vec<Exchange>,
}

impl Recorder {
    fn lock(&self) -> std::sync::MutexGuard<'_, RecorderInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// Tags later exchanges with `check`.
    pub fn set_current(&self, check: &str) {
        self.lock().current = check.to_owned();
    }
    fn push(&self, mut e: Exchange) {
        let mut g = self.lock();
        e.check = g.current.clone();
        // Bounded: a long run keeps the first 20 000 exchanges.
        if g.exchanges.len() < 20_000 {
            g.exchanges.push(e);
        }
    }
    /// Everything recorded so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }
}

/// Replaces ids in a path by placeholders so exchanges group by endpoint.
pub fn endpoint_template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segs: Vec<&str> = path.split('/').collect();
    let mut out = Vec::with_capacity(segs.len());
    for (i, s) in segs.iter().enumerate() {
        let prev = if i > 0 { segs[i - 1] } else { "" };
        let prev2 = if i > 1 { segs[i - 2] } else { "" };
        let t = if prev == "user" && prev2 == "prod" && !s.is_empty() {
            "{prefix}".to_owned()
        } else if s.starts_with("exec_id") || looks_like_old_exec_id(s) {
            "{execID}".to_owned()
        } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            "{id}".to_owned()
        } else if uuid::Uuid::parse_str(s).is_ok() {
            "{uuid}".to_owned()
        } else if prev == "pats" {
            "{token}".to_owned()
        } else {
            (*s).to_owned()
        };
        out.push(t);
    }
    out.join("/")
}

fn looks_like_old_exec_id(s: &str) -> bool {
    s.len() > 12 && s.as_bytes()[..6].iter().all(u8::is_ascii_digit) && s.contains('_')
}

/// A client for one base URL and one identity (its own cookie jar).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
    api: Api,
    rec: Recorder,
    headers: Vec<(String, String)>,
}

impl Http {
    /// `cookies`: keep a cookie jar (Linkis sessions).
    pub fn new(base: &str, api: Api, rec: Recorder, cookies: bool, timeout: Duration) -> Self {
        Self::with_local_address(base, api, rec, cookies, timeout, None)
    }

    /// Like [`Http::new`], connecting from `local` (e.g. `127.0.0.2` to reach a loopback
    /// target from another client address).
    pub fn with_local_address(
        base: &str,
        api: Api,
        rec: Recorder,
        cookies: bool,
        timeout: Duration,
        local: Option<std::net::IpAddr>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .local_address(local)
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(cookies)
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!(
                "engee-linkis-conformance/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .expect("a reqwest client with these options always builds");
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            api,
            rec,
            headers: Vec::new(),
        }
    }

    /// The same client (and cookie jar) sending `name: value` on every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request to `path` (absolute URL, or a path joined to the base URL).
    pub fn req(&self, method: Method, path: &str) -> Req {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        };
        let path_only = match url::Url::parse(&url) {
            Ok(u) => u.path().to_owned(),
            Err(_) => path.to_owned(),
        };
        let mut builder = self.client.request(method.clone(), &url);
        for (k, v) in &self.headers {
            builder = builder.header(k, v);
        }
        Req {
            builder,
            method,
            path: path_only,
            api: self.api,
            rec: self.rec.clone(),
            record: true,
        }
    }

    pub fn get(&self, path: &str) -> Req {
        self.req(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req {
        self.req(Method::POST, path)
    }
    pub fn delete(&self, path: &str) -> Req {
        self.req(Method::DELETE, path)
    }
}

/// A request being built.
pub struct Req {
    builder: reqwest::RequestBuilder,
    method: Method,
    path: String,
    api: Api,
    rec: Recorder,
    record: bool,
}

impl Req {
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.builder = self.builder.header(k, v);
        self
    }
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }
    pub fn json(mut self, v: &Value) -> Self {
        self.builder = self.builder.json(v);
        self
    }
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        self.builder = self.builder.form(pairs);
        self
    }
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.builder = self.builder.query(pairs);
        self
    }
    pub fn body(mut self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        self.builder = self.builder.header("Content-Type", content_type).body(body);
        self
    }
    pub fn multipart(mut self, form: reqwest::multipart::Form) -> Self {
        self.builder = self.builder.multipart(form);
        self
    }
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.builder = self.builder.basic_auth(user, Some(password));
        self
    }
    /// Do not record this exchange (admin calls, secrets).
    pub fn unrecorded(mut self) -> Self {
        self.record = false;
        self
    }

    /// Sends it; transport errors (refused, timed out, reset) fail the check.
    pub async fn send(self) -> Result<Resp, Fail> {
        let what = format!("{} {}", self.method, self.path);
        let resp =
            self.builder.send().await.map_err(|e| {
                Fail::Failed(format!("{what}: request failed: {}", error_chain(&e)))
            })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| {
                Fail::Failed(format!(
                    "{what}: reading the body failed: {}",
                    error_chain(&e)
                ))
            })?
            .to_vec();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let json = serde_json::from_slice::<Value>(&body).ok();
        if self.record {
            self.rec.push(Exchange {
                check: String::new(),
                api: self.api,
                method: self.method.to_string(),
                endpoint: endpoint_template(&self.path),
                status,
                content_type: content_type.clone(),
                body: json.clone(),
            });
        }
        Ok(Resp {
            status,
            headers,
            body,
            json,
            what,
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// A received response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    json: Option<Value>,
    /// `METHOD /path`, for messages.
    pub what: String,
}

impl Resp {
    /// The body as JSON, or a failure quoting the start of the body.
    pub fn json(&self) -> Result<&Value, Fail> {
        self.json.as_ref().ok_or_else(|| {
            Fail::Failed(format!(
                "{}: expected a JSON body, got HTTP {} {:?}",
                self.what,
                self.status,
                self.text_prefix(200)
            ))
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn text_prefix(&self, n: usize) -> String {
        let t = self.text();
        if t.chars().count() > n {
            format!("{}…", t.chars().take(n).collect::<String>())
        } else {
            t
        }
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase()
    }
    /// Fails unless the HTTP status is `want`.
    pub fn expect_status(&self, want: u16) -> Result<&Self, Fail> {
        if self.status != want {
            return Err(Fail::Failed(format!(
                "{}: expected HTTP {want}, got {} with {:?}",
                self.what,
                self.status,
                self.text_prefix(300)
            )));
        }
        Ok(self)
    }
    /// A short description for messages.
    pub fn summary(&self) -> String {
        format!("HTTP {} {}", self.status, self.text_prefix(300))
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint_template;

    #[test]
    fn templates() {
        assert_eq!(
            endpoint_template(
                "/api/rest_j/v1/entrance/exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_hadoop_spark_0/status"
            ),
            "/api/rest_j/v1/entrance/{execID}/status"
        );
        assert_eq!(
            endpoint_template("/api/rest_j/v1/jobhistory/12/get"),
            "/api/rest_j/v1/jobhistory/{id}/get"
        );
        assert_eq!(
            endpoint_template(
                "/prod/user/personal-demo/external/command/jobs/550e8400-e29b-41d4-a716-446655440000/result"
            ),
            "/prod/user/{prefix}/external/command/jobs/{uuid}/result"
        );
    }
}
