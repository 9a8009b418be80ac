//! `POST external/file/download`: one file as `multipart/form-data`, several (or a
//! directory) as a streamed ZIP.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;

use super::client_io_error;
use super::store::{ExistingError, UserPath};
use super::zip_stream::{Source, zip_body};
use crate::auth::RunningServer;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;

/// The part's field name in the single-file answer (MOCK-DEFINED).
pub const PART_NAME: &str = "file";
/// The attachment name of a ZIP answer (MOCK-DEFINED).
pub const ZIP_NAME: &str = "files.zip";

#[derive(Deserialize)]
pub struct DownloadRequest {
    sources: Vec<String>,
}

#[utoipa::path(post, path = "/external/file/download", tag = "files",
    request_body = crate::openapi::DownloadRequest,
    responses(
        (status = 200, description = "One file as multipart, or several as a ZIP.", content(
            ("multipart/form-data"),
            ("application/zip"),
        )),
        (status = 400, description = "Malformed input.", body = crate::openapi::Error),
        (status = 401, description = "No or an invalid bearer token.", body = crate::openapi::Error),
        (status = 403, description = "Another user's prefix, or a missing scope.", body = crate::openapi::Error),
        (status = 404, description = "Unknown prefix, or no such thing.", body = crate::openapi::Error),
        (status = 503, description = "The user's Engee server is not running (as Engee answers).", body = crate::openapi::Error),
        (status = 415, description = "Not JSON.", body = crate::openapi::Error),
    ))]
pub async fn download_post(
    State(state): State<AppState>,
    server: RunningServer,
    ApiJson(req): ApiJson<DownloadRequest>,
) -> Result<Response, ApiError> {
    if req.sources.is_empty() {
        return Err(ApiError::bad_request(
            "`sources` is empty: name at least one file or directory under /user",
        ));
    }
    let prefix = server.user.prefix();
    let store = state.files.clone();
    let sources = req.sources;
    let resolved = tokio::task::spawn_blocking(move || resolve(&store, &prefix, &sources))
        .await
        .map_err(|e| ApiError::Internal(format!("download task: {e}")))??;
    let root = state.files.user_root(&server.user.prefix());
    match resolved.as_slice() {
        [(path, disk)] if disk.is_file() => {
            let boundary = format!("engee-mock-{}", state.entropy.hex_token("", 16));
            single_file(path, disk, boundary).await
        }
        _ => {
            let sources = resolved
                .into_iter()
                .map(|(path, disk)| Source {
                    disk,
                    name: path.relative(),
                })
                .collect();
            let mut response = zip_body(root, sources).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-zip-compressed"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"files.zip\""),
            );
            Ok(response)
        }
    }
}

/// Checks every source before answering, class by class over the whole list: a malformed
/// path (400), then one outside `/user` (403, symbolic links included), then a missing one
/// (404).
fn resolve(
    store: &super::FileStore,
    prefix: &str,
    sources: &[String],
) -> Result<Vec<(UserPath, std::path::PathBuf)>, ApiError> {
    let paths = super::check_sources(sources)?;
    // `/user` always exists, even before the first upload.
    store.ensure_user_root(prefix)?;
    let found: Vec<_> = paths.iter().map(|p| store.existing(prefix, p)).collect();
    if let Some(i) = found.iter().position(|f| *f == Err(ExistingError::Escapes)) {
        return Err(ApiError::Forbidden(format!(
            "{} leads outside /user (a symbolic link)",
            paths[i]
        )));
    }
    let mut out = Vec::with_capacity(paths.len());
    for (path, found) in paths.into_iter().zip(found) {
        match found {
            // A symbolic link (to a directory, too) is followed here: `existing` has
            // checked that it stays in the user's tree. Links further down are the ZIP
            // writer's business.
            Ok(disk) if disk.is_file() || disk.is_dir() => {
                let disk = disk.canonicalize().map_err(|e| client_io_error(e, &path))?;
                out.push((path, disk));
            }
            Ok(_) => {
                return Err(ApiError::NotFound(format!(
                    "{path} is not a regular file or directory"
                )));
            }
            Err(_) => return Err(ApiError::NotFound(format!("{path} does not exist"))),
        }
    }
    Ok(out)
}

/// One file as a `multipart/form-data` body with a single part `file`.
async fn single_file(
    path: &UserPath,
    disk: &std::path::Path,
    boundary: String,
) -> Result<Response, ApiError> {
    let file = tokio::fs::File::open(disk)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ApiError::NotFound(format!("{path} does not exist")),
            _ => client_io_error(e, path),
        })?;
    let len = file.metadata().await?.len();
    let name = path.file_name().unwrap_or("file");
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{PART_NAME}\"; filename=\"{}\"\r\n\
         Content-Type: {mime}\r\n\r\n",
        quoted(name)
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let total = head.len() as u64 + len + tail.len() as u64;
    let stream = futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024))
        .chain(futures_util::stream::once(
            async move { Ok(Bytes::from(tail)) },
        ));
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_LENGTH, HeaderValue::from(total)),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A filename inside a quoted header parameter: `"` and `\` escaped, line breaks dropped
/// (names are UTF-8 as RFC 7578 §4.2 allows).
fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
