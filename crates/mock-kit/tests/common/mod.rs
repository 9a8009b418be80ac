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

impl Tiny {
    pub async fn start(clock: Clock, access: AdminAccess) -> Self {
        let resets = Arc::new(AtomicUsize::new(0));
        let counter = resets.clone();
        let control = Control::new(clock.clone(), move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .with_errors(tiny_errors())
        .with_access(access);
        let app = Router::new()
            .route("/hello", get(|| async { "hello" }))
            .route(
                "/whoami",
                get(|ConnectInfo(addr): ConnectInfo<SocketAddr>| async move { addr.to_string() }),
            )
            // A body over axum's default 2 MB limit gets axum's plain-text 413.
            .route("/echo", post(|body: String| async move { body }))
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

    pub fn reset_count(&self) -> usize {
        self.resets.load(Ordering::SeqCst)
    }
}
