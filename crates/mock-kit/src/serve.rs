//! Serving a router on an address, port-0 aware, with graceful shutdown and the HTTP
//! limits every mock shares, each answered in the mock's own [`ErrorFormat`]:
//!
//! | limit | over it |
//! |---|---|
//! | request URI (path and query) ≤ [`MAX_URI_BYTES`] (16 KiB) | 414 `uri_too_long` |
//! | request head (request line and headers) ≤ [`MAX_HEAD_BYTES`] (256 KiB), ≤ 100 headers | 431 `request_header_fields_too_large` |
//! | a body over a handler's limit (axum's bare `413` rejections) | 413 `payload_too_large` |
//! | a request that is not HTTP/1.1 | 400 `bad_request` |
//!
//! axum::serve exposes none of hyper's HTTP/1 settings, so the connections are served with
//! hyper directly. hyper answers a head it cannot parse (a URI over its fixed 65,534-byte
//! limit, a head over [`MAX_HEAD_BYTES`], malformed syntax) by itself with an empty body,
//! without calling the router; [`raw`] replaces those answers with the formatted ones.
//! Handlers get the client's address as `ConnectInfo<SocketAddr>`, as with axum::serve.

mod raw;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Service;

use crate::errors::{ErrorFormat, Refusal};

/// The longest request URI (path and query string) a mock accepts: 16 KiB.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// The largest request head (request line and all headers) a mock accepts: 256 KiB.
pub const MAX_HEAD_BYTES: usize = 256 * 1024;

/// A server running on a bound listener. Ready as soon as it is returned: the listener is
/// bound before this exists, so no sleep is ever needed before the first request.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// Binds `addr` (use port 0 for a free port) and serves `router` on it, answering
    /// transport errors as `{"error", "message"}` JSON.
    pub async fn start(router: Router, addr: SocketAddr) -> std::io::Result<Self> {
        Self::start_with_errors(router, addr, ErrorFormat::default()).await
    }

    /// [`start`](Self::start), answering transport errors in the mock's `errors` format.
    pub async fn start_with_errors(
        router: Router,
        addr: SocketAddr,
        errors: ErrorFormat,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Self::on_listener(router, listener, errors)
    }

    /// Serves `router` on a listener the caller already bound.
    pub fn on_listener(
        router: Router,
        listener: TcpListener,
        errors: ErrorFormat,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(router, listener, errors, rx));
        Ok(Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        self.begin_shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server stops (for binaries: until Ctrl-C triggers shutdown).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }

    fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// A handle that can stop the server from elsewhere (a signal handler, say).
    pub fn take_shutdown(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}

/// Accepts connections until `stop` fires, then waits for the open ones to finish their
/// in-flight requests (idle keep-alive connections are closed at once).
async fn serve(
    router: Router,
    listener: TcpListener,
    errors: ErrorFormat,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let replies = Arc::new(raw::Replies::render(&errors).await);
    let mut http = hyper::server::conn::http1::Builder::new();
    // One buffer per write keeps hyper's own error answers whole for `raw` to recognise.
    // This costs nothing: `raw::Rewriting` does not advertise vectored writes, so hyper
    // would flatten anyway, and a small response (head and body) still leaves in one
    // `send` (checked with strace under load; `make bench` shows the throughput).
    http.max_buf_size(MAX_HEAD_BYTES).writev(false);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // A streamed body (a file or ZIP download) leaves as several small writes; with
        // Nagle on, the last waits for the client's delayed ACK: 40 ms per download.
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(raw::Rewriting::new(stream, replies.clone()));
        let service = handler(router.clone(), errors.clone(), remote);
        let conn = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// One connection's service: the URI limit, the client address, the router, and axum's
/// bare 413 rejections put into the mock's format.
fn handler(
    router: Router,
    errors: ErrorFormat,
    remote: SocketAddr,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |req: Request<Incoming>| {
        let mut router = router.clone();
        let errors = errors.clone();
        async move {
            let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
            if uri_len > MAX_URI_BYTES {
                return Ok(errors.respond(&uri_too_long()));
            }
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(remote));
            let response = router.call(req).await?;
            Ok(format_bare_413(response, &errors))
        }
    })
}

fn uri_too_long() -> Refusal {
    Refusal::new(
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
        format!(
            "the request URI (path and query string) is longer than the mock accepts \
             ({MAX_URI_BYTES} bytes); send large parameters in the body"
        ),
    )
}

/// axum's body-limit rejections are plain text; anything else (JSON, the Linkis envelope,
/// a mock's own page) is already the mock's answer.
fn format_bare_413(response: Response, errors: &ErrorFormat) -> Response {
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || !plain {
        return response;
    }
    errors.respond(&Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than the mock accepts for this endpoint",
    ))
}

/// Completes when the process is asked to stop: Ctrl-C, or SIGTERM on Unix (what
/// `docker stop`, systemd and CI runners send). Binaries await it, then shut down gracefully.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// True when `addr` is reachable only from this machine.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}
