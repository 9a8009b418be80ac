//! A tiny mock for mock-kit's HTTP tests: a router with a few routes, wrapped by
//! [`Control`] and served on 127.0.0.1:0 with an error format tests can recognise.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use mock_kit::{AdminAccess, Clock, Control, ErrorFormat, RunningServer};
use serde_json::json;

pub struct Tiny {
    pub server: RunningServer,
    pub clock: Clock,
    pub control: Control,
    pub resets: Arc<AtomicUsize>,
    pub http: reqwest::Client,
}

/// Errors as `{"tiny_error": code, "tiny_message": message}`: whatever mock-kit answers by
/// itself must come out in this shape.
pub fn tiny_errors() -> ErrorFormat {
    ErrorFormat::new(|r| {
        (
            r.status,
            Json(json!({"tiny_error": r.code, "tiny_message": r.message})),
        )
            .into_response()
    })
}

async fn count_streamed(body: axum::body::Body) -> String {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut n = 0usize;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => n += c.len(),
            Err(e) => return format!("error after {n}: {e}"),
        }
    }
    n.to_string()
}

async fn stream_bytes(
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> axum::response::Response {
    let chunks = (0..n.div_ceil(1024)).map(move |i| {
        let len = (n - i * 1024).min(1024);
        let bytes: Vec<u8> = (0..len)
            .map(|j| b'a' + ((i * 1024 + j) % 26) as u8)
            .collect();
        Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes))
    });
    axum::response::Response::builder()
        .header("content-length", n.to_string())
        .body(axum::body::Body::from_stream(futures_util::stream::iter(
            chunks,
        )))
        .unwrap()
}

async fn me(request: axum::extract::Request) -> axum::response::Response {
    match request
        .headers()
        .get("x-tiny-user")
        .and_then(|v| v.to_str().ok())
    {
        Some(user) => {
            mock_kit::AuthenticatedUser::record(request.extensions(), user);
            Json(json!({"user": user})).into_response()
        }
        None => (StatusCode::UNAUTHORIZED, "who are you?").into_response(),
    }
}

/// `a`…`z` repeated: what `/bytes/{n}` sends.
pub fn alphabet(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

impl Tiny {
    pub async fn start(clock: Clock, access: AdminAccess) -> Self {
        Self::start_with(clock, access, |c| c).await
    }

    /// [`start`](Self::start) with the control plane configured by `configure` (journal
    /// bounds, configured faults).
    pub async fn start_with(
        clock: Clock,
        access: AdminAccess,
        configure: impl FnOnce(Control) -> Control,
    ) -> Self {
        let resets = Arc::new(AtomicUsize::new(0));
        let counter = resets.clone();
        let control = configure(
            Control::new(clock.clone(), move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .with_errors(tiny_errors())
            .with_access(access),
        );
        let app = Router::new()
            .route("/hello", get(|| async { "hello" }))
            .route(
                "/whoami",
                get(|ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.to_string() }),
            )
            // A body over axum's default 2 MB limit gets axum's plain-text 413.
            .route("/echo", post(|body: String| async move { body }))
            // Reads a body of any size as a stream and answers its length.
            .route("/upload", post(count_streamed))
            // `n` bytes of `abcd…` (streamed in 1 KiB chunks), e.g. a ZIP download.
            .route("/bytes/{n}", get(stream_bytes))
            // Authenticates `X-Tiny-User` as the caller, like a mock's auth extractor.
            .route("/me", get(me))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    "done"
                }),
            );
        // The mock's own admin route, under /__admin/tiny.
        let extra = Router::new().route(
            "/tiny",
            post(|| async { (StatusCode::CREATED, "made") })
                .delete(|| async { StatusCode::NO_CONTENT }),
        );
        let router = control.clone().wrap(app, extra);
        let server =
            RunningServer::start_with_errors(router, ([127, 0, 0, 1], 0).into(), tiny_errors())
                .await
                .unwrap();
        Self {
            server,
            clock,
            control,
            resets,
            http: reqwest::Client::new(),
        }
    }

    pub async fn open() -> Self {
        Self::start(Clock::frozen_now(), AdminAccess::open()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// `POST path` with a JSON body; status and JSON answer.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `GET /__admin/requests?query`: the entries.
    pub async fn journal(&self, query: &str) -> Vec<serde_json::Value> {
        let r = self
            .http
            .get(self.url(&format!("/__admin/requests?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        body["requests"].as_array().unwrap().clone()
    }

    /// `POST /__admin/faults` that must be accepted.
    pub async fn fault(&self, rule: serde_json::Value) {
        let (status, body) = self.post_json("/__admin/faults", rule.clone()).await;
        assert_eq!(status, 201, "{rule} → {body}");
    }

    pub fn reset_count(&self) -> usize {
        self.resets.load(Ordering::SeqCst)
    }
}
