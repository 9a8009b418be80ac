//! Body capture for the journal, without buffering: a body is copied while it streams
//! (the first `limit` bytes kept, the rest only counted), so uploads and downloads of any
//! size go through at their own pace.
//!
//! - text (valid UTF-8) is kept as text, anything else as base64 with `"base64": true`;
//! - a `multipart/*` request body is listed by parts (name, file name, content type, size;
//!   text fields' first bytes as `value`) instead of bytes, found by a streaming scan of
//!   the whole body, so a 1 GiB file part costs no memory.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use base64::Engine as _;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use serde::Serialize;

/// How much of a request body the journal keeps.
pub const REQUEST_BODY_PREFIX: usize = 64 * 1024;
/// How much of a response body the journal keeps.
pub const RESPONSE_BODY_PREFIX: usize = 4 * 1024;
/// At most this many multipart parts are listed (the rest are counted in `size`).
const MAX_PARTS: usize = 100;
/// A text field's value is shown up to this many bytes.
const PART_VALUE_BYTES: usize = 1024;
/// A part's headers longer than this end the multipart scan (the prefix is shown instead).
const MAX_PART_HEAD: usize = 16 * 1024;

/// What the journal shows of a body.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CapturedBody {
    /// Bytes that went through (for a request, what the handler read).
    pub size: u64,
    /// The body was longer than what is shown.
    pub truncated: bool,
    /// `data` is base64 (the bytes are not UTF-8).
    pub base64: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// A multipart body's parts, in order, instead of `data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<Part>>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Part {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: u64,
    /// The first bytes of a field without a file name, when they are text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl CapturedBody {
    pub(crate) fn weight(&self) -> usize {
        64 + self.data.as_ref().map_or(0, String::len)
            + self.parts.as_ref().map_or(0, |ps| {
                ps.iter()
                    .map(|p| {
                        64 + [&p.name, &p.filename, &p.content_type, &p.value]
                            .iter()
                            .map(|s| s.as_ref().map_or(0, String::len))
                            .sum::<usize>()
                    })
                    .sum()
            })
    }

    /// Whether the shown body contains `needle` (decoded when base64; a multipart body's
    /// part names, file names and values).
    pub(crate) fn contains(&self, needle: &[u8]) -> bool {
        let has = |hay: &[u8]| memchr::memmem::find(hay, needle).is_some();
        if let Some(parts) = &self.parts {
            return parts.iter().any(|p| {
                [&p.name, &p.filename, &p.value]
                    .iter()
                    .any(|s| s.as_ref().is_some_and(|s| has(s.as_bytes())))
            });
        }
        match &self.data {
            None => false,
            Some(d) if self.base64 => base64::engine::general_purpose::STANDARD
                .decode(d)
                .is_ok_and(|bytes| has(&bytes)),
            Some(d) => has(d.as_bytes()),
        }
    }
}

/// The bytes of a body seen so far.
pub(crate) struct Prefix {
    kept: Vec<u8>,
    seen: u64,
    limit: usize,
    multipart: Option<MultipartScan>,
}

impl Prefix {
    /// `content_type` turns on the multipart listing.
    pub(crate) fn new(limit: usize, content_type: Option<&str>) -> Self {
        Self {
            kept: Vec::new(),
            seen: 0,
            limit,
            multipart: content_type.and_then(MultipartScan::for_content_type),
        }
    }

    /// A prefix for a body of at most `expected` bytes, allocated once.
    pub(crate) fn with_capacity(limit: usize, expected: u64) -> Self {
        let mut p = Self::new(limit, None);
        p.kept
            .reserve_exact(limit.min(usize::try_from(expected).unwrap_or(limit)));
        p
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) {
        let room = self.limit.saturating_sub(self.kept.len()).min(chunk.len());
        self.kept.extend_from_slice(&chunk[..room]);
        self.seen += chunk.len() as u64;
        if let Some(scan) = &mut self.multipart {
            scan.feed(chunk);
        }
    }

    pub(crate) fn finish(&mut self) -> CapturedBody {
        let truncated = self.seen > self.kept.len() as u64;
        if let Some(parts) = self.multipart.take().and_then(MultipartScan::finish) {
            return CapturedBody {
                size: self.seen,
                truncated: false,
                base64: false,
                data: None,
                parts: Some(parts),
            };
        }
        let (data, base64) = text_or_base64(&self.kept, truncated);
        CapturedBody {
            size: self.seen,
            truncated,
            base64,
            data: Some(data),
            parts: None,
        }
    }
}

/// Text when the bytes are UTF-8 (a character cut by the prefix's end is dropped),
/// base64 otherwise.
fn text_or_base64(bytes: &[u8], truncated: bool) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), false),
        Err(e) if truncated && e.error_len().is_none() => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            false,
        ),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            true,
        ),
    }
}

/// A request body that copies what the handler reads into a shared [`Prefix`].
pub(crate) struct TeeBody {
    inner: Body,
    capture: Arc<Mutex<Prefix>>,
}

impl TeeBody {
    pub(crate) fn wrap(inner: Body, capture: Arc<Mutex<Prefix>>) -> Body {
        Body::new(Self { inner, capture })
    }
}

impl HttpBody for TeeBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.capture
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(data);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A streaming scan of a multipart body for its parts' heads and sizes.
struct MultipartScan {
    /// `\r\n--boundary`; the first delimiter may come without the leading CRLF.
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    state: ScanState,
    parts: Vec<Part>,
    /// The scan met something it does not understand; the plain prefix is shown instead.
    failed: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum ScanState {
    Preamble,
    AfterDelimiter,
    Head,
    Content,
    Done,
}

impl MultipartScan {
    fn for_content_type(content_type: &str) -> Option<Self> {
        let (mime, params) = content_type.split_once(';')?;
        if !mime.trim().to_ascii_lowercase().starts_with("multipart/") {
            return None;
        }
        let boundary = params.split(';').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_owned())
        })?;
        if boundary.is_empty() || boundary.len() > 200 {
            return None;
        }
        Some(Self {
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            buf: Vec::new(),
            state: ScanState::Preamble,
            parts: Vec::new(),
            failed: false,
        })
    }

    fn feed(&mut self, chunk: &[u8]) {
        if self.failed || self.state == ScanState::Done {
            return;
        }
        self.buf.extend_from_slice(chunk);
        loop {
            let progressed = match self.state {
                ScanState::Preamble => self.preamble(),
                ScanState::AfterDelimiter => self.after_delimiter(),
                ScanState::Head => self.head(),
                ScanState::Content => self.content(),
                ScanState::Done => {
                    self.buf.clear();
                    false
                }
            };
            if !progressed || self.failed {
                return;
            }
        }
    }

    fn preamble(&mut self) -> bool {
        // The body usually starts with `--boundary` itself; search with a CRLF in front.
        let mut probe = b"\r\n".to_vec();
        probe.extend_from_slice(&self.buf);
        match memchr::memmem::find(&probe, &self.delimiter) {
            Some(i) => {
                let consumed = i + self.delimiter.len() - 2;
                self.buf.drain(..consumed);
                self.state = ScanState::AfterDelimiter;
                true
            }
            None => {
                let keep = self.delimiter.len();
                if self.buf.len() > MAX_PART_HEAD {
                    self.failed = true;
                } else if self.buf.len() > keep {
                    self.buf.drain(..self.buf.len() - keep);
                }
                false
            }
        }
    }

    fn after_delimiter(&mut self) -> bool {
        if self.buf.len() < 2 {
            return false;
        }
        if self.buf.starts_with(b"--") {
            self.state = ScanState::Done;
            self.buf.clear();
            return false;
        }
        // Transport padding (RFC 2046) may sit before the CRLF.
        match memchr::memmem::find(&self.buf, b"\r\n") {
            Some(i) => {
                self.buf.drain(..i + 2);
                self.state = ScanState::Head;
                true
            }
            None => {
                self.failed = self.buf.len() > 256;
                false
            }
        }
    }

    fn head(&mut self) -> bool {
        let Some(end) = memchr::memmem::find(&self.buf, b"\r\n\r\n") else {
            self.failed = self.buf.len() > MAX_PART_HEAD;
            return false;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let mut part = Part {
            name: None,
            filename: None,
            content_type: None,
            size: 0,
            value: None,
        };
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = disposition_param(v, "name");
                part.filename = disposition_param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_owned());
            }
        }
        self.parts.push(part);
        self.state = ScanState::Content;
        true
    }

    fn content(&mut self) -> bool {
        let found = memchr::memmem::find(&self.buf, &self.delimiter);
        let take = match found {
            Some(i) => i,
            // Keep what could be the start of a delimiter split across chunks.
            None => self.buf.len().saturating_sub(self.delimiter.len() - 1),
        };
        if let Some(part) = self.parts.last_mut() {
            part.size += take as u64;
            if part.filename.is_none() {
                let shown = part.value.get_or_insert_with(String::new);
                let room = PART_VALUE_BYTES.saturating_sub(shown.len()).min(take);
                shown.push_str(&String::from_utf8_lossy(&self.buf[..room]));
            }
        }
        match found {
            Some(i) => {
                self.buf.drain(..i + self.delimiter.len());
                self.state = ScanState::AfterDelimiter;
                true
            }
            None => {
                self.buf.drain(..take);
                false
            }
        }
    }

    /// The parts, or `None` when the body was not the multipart body it claimed to be.
    fn finish(self) -> Option<Vec<Part>> {
        if self.failed || self.parts.is_empty() {
            return None;
        }
        let mut parts = self.parts;
        parts.truncate(MAX_PARTS);
        Some(parts)
    }
}

/// `name="value"` (or unquoted) from a Content-Disposition header value.
fn disposition_param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(param)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(body: &[u8], chunk: usize) -> CapturedBody {
        let mut p = Prefix::new(64, Some("multipart/form-data; boundary=XyZ"));
        for c in body.chunks(chunk) {
            p.push(c);
        }
        p.finish()
    }

    #[test]
    fn multipart_parts_are_listed_whatever_the_chunking() {
        let file = vec![b'\r'; 5000];
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n/a.txt\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
        body.extend_from_slice(&file);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        for chunk in [1, 3, 7, 64, 10_000] {
            let c = scan(&body, chunk);
            let parts = c.parts.expect("parts");
            assert_eq!(parts.len(), 2, "chunk {chunk}");
            assert_eq!(parts[0].name.as_deref(), Some("path"));
            assert_eq!(parts[0].value.as_deref(), Some("/a.txt"));
            assert_eq!(parts[0].size, 6);
            assert_eq!(parts[1].filename.as_deref(), Some("a.bin"));
            assert_eq!(parts[1].size, 5000, "chunk {chunk}");
            assert_eq!(parts[1].value, None);
            assert_eq!(c.size, body.len() as u64);
        }
    }

    #[test]
    fn text_cut_mid_character_stays_text_and_binary_is_base64() {
        let mut p = Prefix::new(2, None);
        p.push("é!".as_bytes());
        p.push(b"more");
        let c = p.finish();
        assert_eq!(
            (c.data.as_deref(), c.base64, c.truncated),
            (Some("é"), false, true)
        );
        let mut p = Prefix::new(10, None);
        p.push(&[0xff, 0x00]);
        let c = p.finish();
        assert_eq!((c.data.as_deref(), c.base64), (Some("/wA="), true));
        assert!(c.contains(&[0x00]));
    }
}
