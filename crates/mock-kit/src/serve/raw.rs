//! hyper's own answers to request heads it cannot parse, replaced by the mock's.
//!
//! For a URI over 65,534 bytes (a limit fixed inside hyper), a head over the buffer limit
//! or malformed syntax, hyper writes `HTTP/1.1 414|431|400 …` with `content-length: 0` and
//! closes the connection, without calling the service. [`Rewriting`] sits between hyper
//! and the socket and, when hyper writes exactly such a head, sends the mock's formatted
//! answer (rendered once at start by [`Replies::render`]) instead.
//!
//! hyper writes these answers only at the start of a response (never mid-body), and
//! `writev(false)` makes it hand over the whole head in one write, so a write that is one
//! complete, bodiless head with one of these statuses is hyper's answer. The mocks' own
//! 400/414/431 answers always have a body, so they pass through untouched.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::errors::{ErrorFormat, Refusal};

use super::{MAX_HEAD_BYTES, uri_too_long};

/// The formatted answers, as complete HTTP/1.1 responses that close the connection.
pub(super) struct Replies {
    bad_request: Bytes,
    uri_too_long: Bytes,
    head_too_large: Bytes,
}

impl Replies {
    pub(super) async fn render(errors: &ErrorFormat) -> Self {
        Self {
            bad_request: wire(
                errors,
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "the request is not valid HTTP/1.1 (malformed request line or header)",
                ),
            )
            .await,
            uri_too_long: wire(errors, uri_too_long()).await,
            head_too_large: wire(
                errors,
                Refusal::new(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "request_header_fields_too_large",
                    format!(
                        "the request head (request line and headers) is larger than the mock \
                         accepts ({MAX_HEAD_BYTES} bytes, at most 100 headers)"
                    ),
                ),
            )
            .await,
        }
    }

    /// The replacement for `written` when it is one of hyper's bodiless error heads.
    fn replacement_for(&self, written: &[u8]) -> Option<Bytes> {
        let reply = match written.get(..13)? {
            b"HTTP/1.1 400 " => &self.bad_request,
            b"HTTP/1.1 414 " => &self.uri_too_long,
            b"HTTP/1.1 431 " => &self.head_too_large,
            _ => return None,
        };
        let head_end = written.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let head = String::from_utf8_lossy(&written[..head_end]).to_ascii_lowercase();
        (head_end == written.len() && head.contains("\r\ncontent-length: 0\r\n"))
            .then(|| reply.clone())
    }
}

async fn wire(errors: &ErrorFormat, refusal: Refusal) -> Bytes {
    let response = errors.respond(&refusal);
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_str(),
        parts.status.canonical_reason().unwrap_or("")
    );
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "connection" {
            out.push_str(&format!(
                "{name}: {}\r\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    Bytes::from(bytes)
}

/// A connection whose writes pass through unless they are one of hyper's error heads.
pub(super) struct Rewriting<S> {
    inner: S,
    replies: Arc<Replies>,
    /// A replacement still being written.
    pending: Bytes,
}

impl<S> Rewriting<S> {
    pub(super) fn new(inner: S, replies: Arc<Replies>) -> Self {
        Self {
            inner,
            replies,
            pending: Bytes::new(),
        }
    }
}

impl<S: AsyncWrite + Unpin> Rewriting<S> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            let _ = self.pending.split_to(n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewriting<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewriting<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(reply) = this.replies.replacement_for(buf) {
            this.pending = reply;
            // hyper's bytes are "written"; ours go out on this or the next flush.
            let _ = this.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
