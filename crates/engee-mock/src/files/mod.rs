//! The per-user `/user` file store and the upload/download endpoints.
//!
//! - [`store`]: path rules and the on-disk layout (domain code, no HTTP);
//! - [`upload`]: `POST external/file/upload` (multipart, staged, all-or-nothing);
//! - [`download`]: `POST external/file/download` (one file as multipart, else a ZIP);
//! - [`zip_stream`]: the streamed ZIP body.

pub mod download;
pub mod store;
pub mod upload;
pub mod zip_stream;

pub use download::download_post;
pub use store::{FileStore, UserPath};
pub use upload::upload_post;

use crate::error::ApiError;
use store::PathError;

/// Parses the `sources` of an upload or download, judging the whole list class by class: a
/// malformed path anywhere is 400, then one outside `/user` anywhere is 403.
fn check_sources(sources: &[String]) -> Result<Vec<UserPath>, ApiError> {
    let parsed: Vec<_> = sources.iter().map(|s| UserPath::parse(s)).collect();
    for p in &parsed {
        if let Err(PathError::Malformed(m)) = p {
            return Err(ApiError::bad_request(m.clone()));
        }
    }
    parsed
        .into_iter()
        .map(|p| p.map_err(|e| ApiError::Forbidden(e.to_string())))
        .collect()
}

/// An I/O error on a path the client chose. Errors that stem from the request (a name too
/// long, a file where a directory must be, a symbolic-link loop, …) are the client's 4xx;
/// the rest (disk full, permissions of the data directory) are the mock's 500.
pub(crate) fn client_io_error(e: std::io::Error, path: &UserPath) -> ApiError {
    use std::io::ErrorKind as K;
    /// `ELOOP` (ErrorKind::FilesystemLoop is not stable yet); Linux and the BSDs differ.
    const ELOOP: i32 = if cfg!(target_os = "linux") { 40 } else { 62 };
    if e.raw_os_error() == Some(ELOOP) {
        return ApiError::bad_request(format!("{path}: it goes through a loop of symbolic links"));
    }
    let why = match e.kind() {
        K::InvalidFilename => "a name in the path is too long, or the whole path is",
        K::NotADirectory => "a part of the path is a file, not a directory",
        K::IsADirectory => "it is a directory",
        K::AlreadyExists => "it exists already",
        K::DirectoryNotEmpty => "it is a directory that is not empty",
        K::InvalidInput => "the path is not valid",
        _ => return ApiError::Internal(format!("{path}: {e}")),
    };
    let message = format!("{path}: {why}");
    match e.kind() {
        K::AlreadyExists | K::DirectoryNotEmpty => ApiError::Conflict(message),
        _ => ApiError::bad_request(message),
    }
}
