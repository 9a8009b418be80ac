//! The middleware in front of a mock's API: it applies fault rules and journals every
//! request, streaming both ways. The request body is teed into the journal while the
//! handler reads it; the response body passes through [`Observed`], which keeps a prefix,
//! applies a body cut or dribble, and records the journal entry when the body ends (or
//! the connection does), so the entry is there before the client has the last byte.
//!
//! Per request the cost is O(1): a few allocations and two short lock holds (faults only
//! when rules exist; the journal once). It also logs one line per request at DEBUG
//! (`RUST_LOG=mock_kit=debug`): method, path, status, elapsed.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body::{Body as HttpBody, Frame, SizeHint};

use crate::admin::Control;
use crate::capture::{Prefix, REQUEST_BODY_PREFIX, RESPONSE_BODY_PREFIX, TeeBody};
use crate::errors::Refusal;
use crate::faults::FaultRequest;
use crate::journal::{AuthenticatedUser, Headers, JournalEntry, TenantName, default_tenant};

/// How long a body cut waits for the bytes before it to leave hyper's buffer.
const CUT_FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// The request as it arrived, kept until the response ends.
struct Arrival {
    seq: u64,
    at: DateTime<Utc>,
    started: Instant,
    tenant: Arc<str>,
    method: Method,
    path: String,
    query: Option<String>,
    headers: Headers,
    body: Option<Arc<Mutex<Prefix>>>,
    user: AuthenticatedUser,
}

pub(crate) async fn observe(
    State(control): State<Arc<Control>>,
    mut req: Request,
    next: Next,
) -> Response {
    let capture = control.journal.config().capture_bodies;
    let tenant = req
        .extensions()
        .get::<TenantName>()
        .map_or_else(default_tenant, |t| t.0.clone());
    let user = AuthenticatedUser::default();
    req.extensions_mut().insert(user.clone());
    let body = (capture && !req.body().is_end_stream()).then(|| {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        Arc::new(Mutex::new(Prefix::new(REQUEST_BODY_PREFIX, content_type)))
    });
    let arrival = Arrival {
        seq: control.journal.next_seq(),
        at: control.clock.now(),
        started: Instant::now(),
        tenant,
        method: req.method().clone(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        headers: Headers::capture(req.headers()),
        body: body.clone(),
        user,
    };
    if let Some(tee) = body {
        req = req.map(|b| TeeBody::wrap(b, tee));
    }

    let before = control.faults.decide(&FaultRequest {
        method: arrival.method.as_str(),
        path: &arrival.path,
        tenant: &arrival.tenant,
        user: None,
    });
    let mut step = before.clone().unwrap_or_default();
    if !step.latency().is_zero() {
        tokio::time::sleep(step.latency()).await;
    }
    let mut response = if step.drop_connection {
        reset_connection()
    } else if let Some(status) = step.status {
        fault_status(&control, status)
    } else {
        next.run(req).await
    };
    // Rules on a user can only be decided now that the handler has named the caller.
    if before.is_none()
        && control.faults.any_for_users()
        && let Some(who) = arrival.user.get()
        && let Some(after) = control.faults.decide(&FaultRequest {
            method: arrival.method.as_str(),
            path: &arrival.path,
            tenant: &arrival.tenant,
            user: Some(&who),
        })
    {
        if !after.latency().is_zero() {
            tokio::time::sleep(after.latency()).await;
        }
        if after.drop_connection {
            response = reset_connection();
        } else if let Some(status) = after.status {
            response = fault_status(&control, status);
        }
        step = after;
    }

    // A reset connection sends no status line worth the name: the journal shows 0.
    let status = if step.drop_connection {
        0
    } else {
        response.status().as_u16()
    };
    let (parts, inner) = response.into_parts();
    let expected = inner.size_hint().upper().unwrap_or(u64::MAX);
    let observed = Observed {
        inner,
        shown: capture.then(|| Prefix::with_capacity(RESPONSE_BODY_PREFIX, expected)),
        cut: step.cut_after_bytes,
        cut_pause: None,
        dribble: step.dribble.map(|d| Dribbling {
            bytes: d.bytes,
            interval: Duration::from_millis(d.interval_ms),
            rest: Bytes::new(),
            timer: None,
        }),
        pending: Some(Pending {
            arrival,
            status,
            fault: step.label(),
            control,
        }),
    };
    Response::from_parts(parts, Body::new(observed))
}

fn fault_status(control: &Control, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    control.errors().respond(&Refusal::new(
        status,
        "fault_injected",
        "fault injected by the mock's admin API",
    ))
}

/// A response whose body fails at once, so the server aborts the connection mid-response.
fn reset_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, _>(std::io::Error::other("connection dropped by fault rule"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-length", "1024")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

/// What is needed to write the journal entry once the response body is done.
struct Pending {
    arrival: Arrival,
    status: u16,
    fault: Option<String>,
    control: Arc<Control>,
}

struct Dribbling {
    bytes: usize,
    interval: Duration,
    /// Bytes of the current frame not yet sent.
    rest: Bytes,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// The response body on its way out: captured, perhaps cut or dribbled.
struct Observed {
    inner: Body,
    shown: Option<Prefix>,
    /// Bytes still allowed out before the connection is aborted.
    cut: Option<u64>,
    /// Once the cut is reached: a short pause so hyper flushes the bytes before the abort
    /// (an error while they sit in its buffer would discard them, head included).
    cut_pause: Option<Pin<Box<tokio::time::Sleep>>>,
    dribble: Option<Dribbling>,
    pending: Option<Pending>,
}

impl Observed {
    fn finish(&mut self) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let a = p.arrival;
        let body = a
            .body
            .map(|b| b.lock().unwrap_or_else(|e| e.into_inner()).finish());
        let elapsed_ms = a.started.elapsed().as_secs_f64() * 1000.0;
        tracing::debug!(method = %a.method, path = %a.path, status = p.status, elapsed_ms, "request");
        p.control.journal.record(JournalEntry {
            seq: a.seq,
            at: a.at,
            tenant: a.tenant,
            method: a.method,
            path: a.path,
            query: a.query,
            headers: a.headers,
            body,
            status: p.status,
            response_body: self.shown.as_mut().map(Prefix::finish),
            user: a.user.get(),
            fault: p.fault,
            elapsed_ms,
        });
    }

    /// Once the cut is reached (and the bytes before it flushed): the error that makes
    /// hyper abort the connection.
    fn poll_cut(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let pause = self
            .cut_pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(CUT_FLUSH_PAUSE)));
        ready!(pause.as_mut().poll(cx));
        self.finish();
        Poll::Ready(Some(Err(axum::Error::new(std::io::Error::other(
            "response body cut by fault rule",
        )))))
    }

    /// Lets `data` out, minding the cut.
    fn emit(&mut self, mut data: Bytes) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Some(left) = self.cut.as_mut() {
            if data.len() as u64 > *left {
                data.truncate(*left as usize);
            }
            *left -= data.len() as u64;
        }
        if let Some(shown) = self.shown.as_mut() {
            shown.push(&data);
        }
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn ended(&self) -> bool {
        self.dribble.as_ref().is_none_or(|d| d.rest.is_empty()) && self.inner.is_end_stream()
    }
}

impl HttpBody for Observed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.cut == Some(0) && !this.ended() {
            return this.poll_cut(cx);
        }
        if let Some(d) = this.dribble.as_mut()
            && !d.rest.is_empty()
        {
            if let Some(timer) = d.timer.as_mut() {
                ready!(timer.as_mut().poll(cx));
            }
            let piece = d.rest.split_to(d.bytes.min(d.rest.len()));
            d.timer = Some(Box::pin(tokio::time::sleep(d.interval)));
            let out = this.emit(piece);
            if this.ended() {
                this.finish();
            }
            return out;
        }
        let frame = match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            None => {
                this.finish();
                return Poll::Ready(None);
            }
            Some(Err(e)) => {
                this.finish();
                return Poll::Ready(Some(Err(e)));
            }
            Some(Ok(frame)) => frame,
        };
        let data = match frame.into_data() {
            Ok(data) => data,
            Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
        };
        let out = match this.dribble.as_mut() {
            Some(d) if data.len() > d.bytes => {
                d.rest = data;
                let piece = d.rest.split_to(d.bytes);
                d.timer = Some(Box::pin(tokio::time::sleep(d.interval)));
                this.emit(piece)
            }
            _ => this.emit(data),
        };
        if this.ended() {
            this.finish();
        }
        out
    }

    fn is_end_stream(&self) -> bool {
        self.ended()
    }

    fn size_hint(&self) -> SizeHint {
        let held = self.dribble.as_ref().map_or(0, |d| d.rest.len() as u64);
        let inner = self.inner.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower() + held);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + held);
        }
        hint
    }
}

impl Drop for Observed {
    fn drop(&mut self) {
        self.finish();
    }
}
