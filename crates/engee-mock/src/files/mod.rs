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
