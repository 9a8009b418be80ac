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
