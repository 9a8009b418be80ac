//! `engee_upload`: engee-mock's upload (multipart parsing, path and name checks) and
//! download (`paths` JSON, ZIP building), in-process through `engee_mock::routes::app`.
//!
//! Input, by its first line:
//! - `upload`: the second line is the `paths` field as sent; then each part starts with a
//!   line `--- NAME` (the file name, as sent in `filename="…"`) followed by its content.
//!   After the upload, the same `paths` and then every uploaded file plus its sources are
//!   downloaded (two or more sources answer a ZIP).
//! - `raw`: the second line is the Content-Type header; the rest is the body, as sent.
//! - `download`: the rest is the download request's JSON body.
//! - anything else: the whole input is a raw multipart body under a fixed boundary.
//!
//! Findings: a panic, a 5xx, an error that is not a JSON object, a ZIP entry name that is
//! absolute or has a backslash or a `..` segment.

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};

use crate::rig::{self, Answer};

const PAT: &str = "demo-pat";
const PREFIX: &str = "/prod/user/personal-demo";
const BOUNDARY: &str = "fuzzBoundary7MA4YWxkTrZu0gW";

pub fn engee_upload(data: &[u8]) {
    let rig = rig::engee();
    let _one_at_a_time = rig.hold();
    rig.server.reset();
    rig.server.clock().set(rig.t0);
    let text = rig::text(data);
    rig::block_on(async {
        let started = call(rig, "/account/api/engee/start", "application/json", "{}").await;
        assert_eq!(started.status, 200, "the demo server starts");
        let (mode, rest) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        match mode {
            "upload" => upload_then_download(rig, rest).await,
            "raw" => {
                let (content_type, body) = rest.split_once('\n').unwrap_or((rest, ""));
                upload(rig, content_type, body.as_bytes().to_vec()).await;
            }
            "download" => {
                download(rig, rest).await;
            }
            _ => {
                let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
                upload(rig, &content_type, data.to_vec()).await;
            }
        }
    });
}

async fn upload_then_download(rig: &rig::Rig<engee_mock::MockServer>, rest: &str) {
    let (paths, parts) = rest.split_once('\n').unwrap_or((rest, ""));
    let mut names = Vec::new();
    let mut body = field("paths", None, paths);
    for part in parts.split("--- ").skip(1) {
        let (name, content) = part.split_once('\n').unwrap_or((part, ""));
        body.extend(field("upload_files", Some(name), content));
        names.push(name.to_owned());
    }
    body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    if upload(rig, &content_type, body).await.status != 200 {
        return;
    }
    download(rig, paths).await;
    let sources: Vec<String> = serde_json::from_str::<Value>(paths)
        .ok()
        .and_then(|p| p.get("sources")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let mut all = sources.clone();
    for dir in &sources {
        for name in &names {
            all.push(format!("{}/{name}", dir.trim_end_matches('/')));
        }
    }
    download(rig, &json!({ "sources": all }).to_string()).await;
}

/// One multipart field; `filename` makes it a file part.
fn field(name: &str, filename: Option<&str>, content: &str) -> Vec<u8> {
    let disposition = match filename {
        Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
        None => format!("form-data; name=\"{name}\""),
    };
    format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n{content}\r\n").into_bytes()
}

async fn upload(
    rig: &rig::Rig<engee_mock::MockServer>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    call(
        rig,
        &format!("{PREFIX}/external/file/upload"),
        content_type,
        body,
    )
    .await
}

async fn download(rig: &rig::Rig<engee_mock::MockServer>, body: &str) -> Answer {
    let answer = call(
        rig,
        &format!("{PREFIX}/external/file/download"),
        "application/json",
        body.to_owned(),
    )
    .await;
    if answer.status == 200 && answer.content_type.contains("zip") {
        check_zip(&answer.body);
    }
    answer
}

/// Every entry name is relative, has no backslash and no `..` segment (no zip-slip for
/// any extractor).
fn check_zip(bytes: &[u8]) {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a download ZIP is readable");
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).expect("a ZIP entry is readable");
        let name = entry.name().expect("a ZIP entry name is UTF-8");
        assert!(
            !name.starts_with('/')
                && !name.contains('\\')
                && !name.split('/').any(|segment| segment == ".."),
            "unsafe ZIP entry name {name:?}"
        );
    }
}

/// POSTs as the demo user; panics on a 5xx or an error body that is not a JSON object.
async fn call(
    rig: &rig::Rig<engee_mock::MockServer>,
    path: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> Answer {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {PAT}"))
        .header("content-type", content_type.replace(['\r', '\n'], " "))
        .body(body.into());
    let Ok(req) = req else {
        // A header value `http` refuses never reaches a server.
        return Answer {
            status: axum::http::StatusCode::BAD_REQUEST,
            content_type: String::new(),
            body: Default::default(),
        };
    };
    let answer = rig::send(&rig.router, req).await;
    assert!(
        !answer.status.is_server_error(),
        "{path}: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    if !answer.status.is_success() {
        assert!(
            answer.json().is_some_and(|v| v.is_object()),
            "{path}: {} answered outside the JSON error format: {:?}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    answer
}
