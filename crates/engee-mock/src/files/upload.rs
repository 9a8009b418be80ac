//! `POST external/file/upload`: multipart `paths` + `upload_files`, all-or-nothing.
//!
//! Each file part is streamed into a temporary file in the store's staging directory (never
//! held in memory). Only when the whole body has been received and the request validated
//! are the staged files moved into place with a no-clobber rename; if anything goes wrong
//! (a malformed body, a refused path, a body over `files.max_upload_bytes`, a client that
//! disconnects mid-body, a failed rename) nothing is left behind: staged files delete
//! themselves when dropped and files already moved are removed again.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, BodyDataStream};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::check_sources;
use super::client_io_error;
use super::store::{
    FileStore, MAX_NAME_BYTES, UserPath, make_dir, resolves_inside, set_file_mode, unique_name,
    upload_base_name,
};
use crate::auth::RunningServer;
use crate::error::ApiError;
use crate::state::AppState;

/// The largest `paths` field accepted (it is JSON text held in memory).
const MAX_PATHS_BYTES: usize = 1024 * 1024;
/// The most files one upload may carry (MOCK-DEFINED).
const MAX_FILES: usize = 10_000;
/// After refusing a request, how much of the rest of its body is still read (and
/// discarded) so the client gets the answer rather than a connection reset.
const DRAIN_MAX_BYTES: u64 = 16 * 1024 * 1024;
const DRAIN_MAX_TIME: Duration = Duration::from_secs(5);

/// The 200 answer (MOCK-DEFINED shape): where each file went, in upload order.
#[derive(Debug, Serialize)]
pub struct UploadResponse {
    pub files: Vec<StoredFile>,
}

#[derive(Debug, Serialize)]
pub struct StoredFile {
    /// The directory as the client gave it in `paths`.
    pub source: String,
    /// The file's Julia path, e.g. `/user/some_directory/2_1.png`.
    pub path: String,
    /// The name the file got (the part's filename, suffixed on a clash).
    pub name: String,
    pub size: u64,
}

#[derive(Deserialize)]
struct Paths {
    sources: Vec<String>,
}

#[utoipa::path(post, path = "/external/file/upload", tag = "files",
    request_body(content = crate::openapi::UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Every file is stored (all or nothing).", body = crate::openapi::Uploaded),
        (status = 400, description = "Malformed input.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "Another user's prefix, or a missing scope.", body = crate::openapi::Error),
        (status = 404, description = "Unknown prefix, or no such thing.", body = crate::openapi::Error),
        (status = 503, description = "The user's Engee server is not running (as Engee answers).", body = crate::openapi::Error),
        (status = 413, description = "Over `files.max_upload_bytes`.", body = crate::openapi::Error),
        (status = 415, description = "Not multipart.", body = crate::openapi::Error),
    ))]
pub async fn upload_post(
    State(state): State<AppState>,
    server: RunningServer,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<UploadResponse>, ApiError> {
    let limit = state.config.files.max_upload_bytes as u64;
    let body = LimitedBody::new(body.into_data_stream(), limit);
    let result = receive(&state, &headers, body.clone()).await;
    match result {
        Ok(staged) => {
            let store = state.files.clone();
            let prefix = server.user.prefix();
            // Runs to the end even if the client goes away now: the request was received.
            tokio::task::spawn_blocking(move || commit(&store, &prefix, staged))
                .await
                .map_err(|e| ApiError::Internal(format!("upload commit task: {e}")))?
                .map(Json)
        }
        Err(e) => {
            let expects_continue = headers
                .get(header::EXPECT)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
            // A client waiting for `100 Continue` has not sent the body: nothing to drain.
            if !expects_continue || body.polled() {
                body.drain().await;
            }
            Err(e)
        }
    }
}

/// A fully received, validated upload whose files are still staged.
struct Staged {
    files: Vec<(StagedFile, UserPath, String)>,
}

struct StagedFile {
    /// Holds no open file (an upload with many parts must not run out of descriptors).
    temp: tempfile::TempPath,
    name: String,
    size: u64,
}

/// Reads the whole multipart body, staging the files, and validates the request.
async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    body: LimitedBody,
) -> Result<Staged, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = match multer::parse_boundary(content_type) {
        Ok(b) => b,
        Err(multer::Error::NoBoundary) => {
            return Err(ApiError::bad_request(
                "the multipart/form-data Content-Type has no boundary parameter",
            ));
        }
        Err(_) => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "expected a multipart/form-data body (fields `paths` and `upload_files`), \
                 got Content-Type {content_type:?}"
            )));
        }
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > body.limit) {
        return Err(too_large(body.limit));
    }

    let mut form = Form::default();
    let mut multipart = multer::Multipart::new(body.clone(), boundary);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(&body, &e)),
        };
        form.field(state, field)
            .await
            .map_err(|e| multipart_error(&body, &e))?;
    }
    drop(multipart);
    form.finish()
}

/// What has been read of the form so far.
#[derive(Default)]
struct Form {
    /// The sources of `paths`, once read.
    sources: Option<Vec<String>>,
    /// The first mistake in the form's shape (400).
    form_error: Option<ApiError>,
    /// `paths` was read and refused: no point in staging more files.
    doomed: bool,
    files: Vec<StagedFile>,
    file_parts: usize,
}

impl Form {
    fn refuse(&mut self, e: ApiError) {
        self.form_error.get_or_insert(e);
    }

    async fn field(
        &mut self,
        state: &AppState,
        mut field: multer::Field<'static>,
    ) -> Result<(), multer::Error> {
        match field.name() {
            Some("paths") => {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await? {
                    if text.len() + chunk.len() > MAX_PATHS_BYTES {
                        self.refuse(ApiError::bad_request(format!(
                            "the `paths` field is larger than {MAX_PATHS_BYTES} bytes"
                        )));
                        return skip(field).await;
                    }
                    text.extend_from_slice(&chunk);
                }
                if self.sources.is_some() {
                    self.refuse(ApiError::bad_request(
                        "the `paths` field appears more than once",
                    ));
                    return Ok(());
                }
                match serde_json::from_slice::<Paths>(&text) {
                    Ok(p) => {
                        self.doomed |= check_sources(&p.sources).is_err();
                        self.sources = Some(p.sources);
                    }
                    Err(e) => self.refuse(ApiError::bad_request(format!(
                        "the `paths` field must be JSON {{\"sources\": [\"/user/dir\", …]}}: {e}"
                    ))),
                }
                Ok(())
            }
            Some("upload_files") => {
                self.file_parts += 1;
                if self.file_parts > MAX_FILES {
                    self.refuse(ApiError::bad_request(format!(
                        "more than {MAX_FILES} files in one upload"
                    )));
                    return skip(field).await;
                }
                let raw = field.file_name().map(str::to_owned);
                let Some(name) = raw.as_deref().and_then(upload_base_name).map(str::to_owned)
                else {
                    self.refuse(ApiError::bad_request(format!(
                        "upload_files part #{} has no usable filename ({raw:?}); \
                         send it as a file (curl: -F 'upload_files=@file')",
                        self.file_parts
                    )));
                    return skip(field).await;
                };
                if name.len() > MAX_NAME_BYTES {
                    self.refuse(ApiError::bad_request(format!(
                        "upload_files part #{}: the file name is {} bytes long; the limit is \
                         {MAX_NAME_BYTES} bytes",
                        self.file_parts,
                        name.len()
                    )));
                    return skip(field).await;
                }
                if self.form_error.is_some() || self.doomed {
                    return skip(field).await;
                }
                let store = state.files.clone();
                let temp = tokio::task::spawn_blocking(move || {
                    let temp = store.staged_file()?;
                    set_file_mode(temp.as_file())?;
                    Ok::<_, io::Error>(temp)
                })
                .await
                .map_err(|e| stream_failure(io::Error::other(e)))?
                .map_err(stream_failure)?;
                let mut out =
                    tokio::fs::File::from_std(temp.as_file().try_clone().map_err(stream_failure)?);
                let mut size = 0u64;
                while let Some(chunk) = field.chunk().await? {
                    size += chunk.len() as u64;
                    out.write_all(&chunk).await.map_err(stream_failure)?;
                }
                out.flush().await.map_err(stream_failure)?;
                drop(out);
                self.files.push(StagedFile {
                    temp: temp.into_temp_path(),
                    name,
                    size,
                });
                Ok(())
            }
            other => {
                let other = other.map(str::to_owned);
                self.refuse(ApiError::bad_request(format!(
                    "unexpected form field {other:?}; expected `paths` and `upload_files`"
                )));
                skip(field).await
            }
        }
    }

    /// Validates the request as a whole, in this order: the form's shape (400), `paths`
    /// present (400), its sources (400 malformed, then 403 outside /user, for all sources),
    /// at least one file (400), as many files as sources (400).
    fn finish(self) -> Result<Staged, ApiError> {
        if let Some(e) = self.form_error {
            return Err(e);
        }
        let Some(sources) = self.sources else {
            return Err(ApiError::bad_request(
                "the `paths` field is missing: send -F 'paths={\"sources\": [\"/user/dir\"]}'",
            ));
        };
        let dirs = check_sources(&sources)?;
        if self.file_parts == 0 {
            return Err(ApiError::bad_request(
                "no `upload_files` part: send at least one file",
            ));
        }
        if self.file_parts != dirs.len() {
            return Err(ApiError::bad_request(format!(
                "{} file(s) in `upload_files` but {} directories in paths.sources; \
                 the counts must match",
                self.file_parts,
                dirs.len()
            )));
        }
        Ok(Staged {
            files: self
                .files
                .into_iter()
                .zip(dirs)
                .zip(sources)
                .map(|((f, d), s)| (f, d, s))
                .collect(),
        })
    }
}

async fn skip(mut field: multer::Field<'static>) -> Result<(), multer::Error> {
    while field.chunk().await?.is_some() {}
    Ok(())
}

fn stream_failure(e: io::Error) -> multer::Error {
    multer::Error::StreamReadFailed(Box::new(StagingError(e)))
}

/// A failure of the mock itself while staging (disk full, …): a 500, not a client mistake.
#[derive(Debug, thiserror::Error)]
#[error("staging the upload failed: {0}")]
struct StagingError(io::Error);

#[derive(Debug, thiserror::Error)]
#[error("the request body is larger than {0} bytes")]
struct TooLarge(u64);

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the upload is larger than the mock accepts ({limit} bytes, files.max_upload_bytes)"
    ))
}

fn multipart_error(body: &LimitedBody, e: &multer::Error) -> ApiError {
    if body.over_limit() {
        return too_large(body.limit);
    }
    if let multer::Error::StreamReadFailed(inner) = e
        && let Some(s) = inner.downcast_ref::<StagingError>()
    {
        return ApiError::Internal(s.to_string());
    }
    ApiError::bad_request(format!("malformed multipart/form-data body: {e}"))
}

/// Moves the staged files into place (blocking). All or nothing.
fn commit(store: &FileStore, prefix: &str, staged: Staged) -> Result<UploadResponse, ApiError> {
    let root = store.ensure_user_root(prefix)?;
    // Every target directory is checked before anything is written.
    for (_, dir, _) in &staged.files {
        check_target_dir(&root, dir)?;
    }
    let mut done = Commit::default();
    let mut files = Vec::with_capacity(staged.files.len());
    for (file, dir, source) in staged.files {
        match place(&root, &dir, file, &mut done) {
            Ok((name, size)) => files.push(StoredFile {
                source,
                path: dir.join(&name).to_string(),
                name,
                size,
            }),
            Err(e) => {
                done.roll_back();
                return Err(e);
            }
        }
    }
    // Every file placed, every folder created, and the folders they were added to.
    let mut changed: Vec<&Path> = done
        .placed
        .iter()
        .chain(&done.created_dirs)
        .map(PathBuf::as_path)
        .collect();
    changed.extend(changed.clone().into_iter().filter_map(Path::parent));
    changed.sort();
    changed.dedup();
    store.stamp(changed);
    Ok(UploadResponse { files })
}

/// What a commit has changed so far, to undo it.
#[derive(Default)]
struct Commit {
    created_dirs: Vec<PathBuf>,
    placed: Vec<PathBuf>,
}

impl Commit {
    fn roll_back(self) {
        for f in self.placed.iter().rev() {
            let _ = std::fs::remove_file(f);
        }
        for d in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// The deepest existing ancestor of `dir` must be a directory inside the user's tree.
fn check_target_dir(root: &Path, dir: &UserPath) -> Result<(), ApiError> {
    let mut existing = root.to_path_buf();
    let mut shown = UserPath::root();
    for part in dir.parts() {
        let next = existing.join(part);
        if std::fs::symlink_metadata(&next).is_err() {
            break;
        }
        existing = next;
        shown = shown.join(part);
    }
    if !resolves_inside(root, &existing).unwrap_or(false) {
        return Err(ApiError::Forbidden(format!(
            "{shown} leads outside /user (a symbolic link)"
        )));
    }
    if !existing.is_dir() {
        return Err(ApiError::bad_request(format!(
            "{shown} exists and is not a directory, so {dir} cannot be one"
        )));
    }
    Ok(())
}

fn place(
    root: &Path,
    dir: &UserPath,
    file: StagedFile,
    done: &mut Commit,
) -> Result<(String, u64), ApiError> {
    let mut disk = root.to_path_buf();
    let mut shown = UserPath::root();
    for part in dir.parts() {
        disk.push(part);
        shown = shown.join(part);
        if make_dir(&disk).map_err(|e| client_io_error(e, &shown))? {
            done.created_dirs.push(disk.clone());
        } else if !disk.is_dir() {
            // A file this very upload placed earlier (or a concurrent writer's).
            return Err(ApiError::bad_request(format!(
                "{shown} is a file, so {dir} cannot be a directory"
            )));
        }
    }
    if !resolves_inside(root, &disk).map_err(|e| client_io_error(e, dir))? {
        return Err(ApiError::Forbidden(format!(
            "{dir} leads outside /user (a symbolic link)"
        )));
    }
    let StagedFile {
        mut temp,
        name,
        size,
    } = file;
    // A no-clobber rename: a name taken meanwhile (a concurrent upload, the evaluator)
    // just moves on to the next suffix.
    loop {
        let chosen = unique_name(&disk, &name, &HashSet::new());
        if chosen.len() > MAX_NAME_BYTES {
            return Err(ApiError::bad_request(format!(
                "{} exists, and the free name {chosen:?} is {} bytes long; the limit is \
                 {MAX_NAME_BYTES} bytes: give the file a shorter name",
                dir.join(&name),
                chosen.len()
            )));
        }
        let target = disk.join(&chosen);
        match temp.persist_noclobber(&target) {
            Ok(_) => {
                done.placed.push(target);
                return Ok((chosen, size));
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => temp = e.path,
            Err(e) => return Err(client_io_error(e.error, &dir.join(&chosen))),
        }
    }
}

/// The request body, shared between the multipart parser and the handler (which drains
/// what is left after refusing a request), counting bytes against the upload limit.
#[derive(Clone)]
struct LimitedBody {
    inner: Arc<Mutex<BodyState>>,
    limit: u64,
}

struct BodyState {
    stream: BodyDataStream,
    seen: u64,
    over: bool,
    ended: bool,
    polled: bool,
}

impl LimitedBody {
    fn new(stream: BodyDataStream, limit: u64) -> Self {
        Self {
            inner: Arc::new(Mutex::new(BodyState {
                stream,
                seen: 0,
                over: false,
                ended: false,
                polled: false,
            })),
            limit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BodyState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn over_limit(&self) -> bool {
        self.lock().over
    }

    fn polled(&self) -> bool {
        self.lock().polled
    }

    /// Reads and discards what is left of the body, within a byte and time budget.
    async fn drain(&self) {
        let drain = async {
            let mut drained = 0u64;
            loop {
                let next = std::future::poll_fn(|cx| {
                    let mut s = self.lock();
                    if s.ended {
                        return Poll::Ready(None);
                    }
                    s.polled = true;
                    Pin::new(&mut s.stream).poll_next(cx)
                })
                .await;
                match next {
                    Some(Ok(chunk)) => {
                        drained += chunk.len() as u64;
                        if drained > DRAIN_MAX_BYTES {
                            return;
                        }
                    }
                    Some(Err(_)) | None => return,
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_MAX_TIME, drain).await;
    }
}

impl Stream for LimitedBody {
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let limit = self.limit;
        let mut s = self.lock();
        if s.over {
            return Poll::Ready(Some(Err(Box::new(TooLarge(limit)))));
        }
        if s.ended {
            return Poll::Ready(None);
        }
        s.polled = true;
        match Pin::new(&mut s.stream).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                s.seen += chunk.len() as u64;
                if s.seen > limit {
                    s.over = true;
                    return Poll::Ready(Some(Err(Box::new(TooLarge(limit)))));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                s.ended = true;
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                s.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
