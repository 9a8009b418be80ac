//! What every target shares: one runtime and one mock of each kind per process, started
//! on first use through their public entry points (`MockServer::start`, `routes::app`),
//! and a way to send a request in-process and read the whole answer.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, OnceLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

/// Answers larger than this are a finding in themselves (inputs are a few KiB).
const MAX_ANSWER_BYTES: usize = 64 << 20;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

pub fn block_on<F: Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// One mock of a kind, its in-process router, and a lock so inputs run one at a time
/// (the replay test runs targets on parallel test threads).
pub struct Rig<S> {
    pub server: S,
    pub router: Router,
    /// The clock's reading at start; every input starts there again, so an input that
    /// crashes does so on its own, whatever ran before it.
    pub t0: chrono::DateTime<chrono::Utc>,
    lock: Mutex<()>,
}

impl<S> Rig<S> {
    /// Holds the rig for one input; a poisoned lock (an earlier input panicked) is
    /// taken anyway, since every input starts from a reset.
    pub fn hold(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn engee() -> &'static Rig<engee_mock::MockServer> {
    static RIG: OnceLock<Rig<engee_mock::MockServer>> = OnceLock::new();
    RIG.get_or_init(|| {
        let server = block_on(engee_mock::MockServer::start(
            engee_mock::Config::for_tests(),
        ))
        .expect("engee mock starts");
        let router = engee_mock::routes::app(server.state().clone());
        let t0 = server.clock().now();
        Rig {
            server,
            router,
            t0,
            lock: Mutex::new(()),
        }
    })
}

pub fn linkis() -> &'static Rig<linkis_mock::MockServer> {
    static RIG: OnceLock<Rig<linkis_mock::MockServer>> = OnceLock::new();
    RIG.get_or_init(|| {
        let server = block_on(linkis_mock::MockServer::start(
            linkis_mock::Config::testing(),
        ))
        .expect("linkis mock starts");
        let router = linkis_mock::routes::app(server.state().clone());
        let t0 = server.clock().now();
        Rig {
            server,
            router,
            t0,
            lock: Mutex::new(()),
        }
    })
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Sends `req` through `router` as if from 127.0.0.1 and reads the whole answer.
/// `FUZZ_TRACE=1` prints each request and the start of its answer (for writing seeds).
pub async fn send(router: &Router, mut req: Request<Body>) -> Answer {
    let (method, path) = (req.method().clone(), req.uri().to_string());
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let resp = match router.clone().oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = axum::body::to_bytes(resp.into_body(), MAX_ANSWER_BYTES)
        .await
        .expect("the answer body is readable and bounded");
    if std::env::var_os("FUZZ_TRACE").is_some() {
        let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        eprintln!("{method} {path} -> {status} {content_type} {shown:?}");
    }
    Answer {
        status,
        content_type,
        body,
    }
}

/// A request target (path and query) from arbitrary text: bytes a URI cannot carry are
/// percent-encoded, so the input reaches the router instead of failing in `http`.
pub fn uri_from(text: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const UNSAFE: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^')
        .add(b'#');
    let encoded = utf8_percent_encode(text, UNSAFE).to_string();
    if encoded.starts_with('/') {
        encoded
    } else {
        format!("/{encoded}")
    }
}

/// The input as text (invalid UTF-8 replaced), the way a client library would send it.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}
