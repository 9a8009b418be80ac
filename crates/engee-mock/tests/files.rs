//! The `/user` file store over real HTTP: upload (multipart, all-or-nothing) and download
//! (one file as multipart, several as a ZIP).

mod common;

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use engee_mock::Config;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

const UPLOAD: &str = "/external/file/upload";
const DOWNLOAD: &str = "/external/file/download";
/// The `paths` field exactly as the documentation's curl example sends it.
const SEED_PATHS: &str = "{\n  \"sources\": [\n    \"/user/some_directory\"\n  ]\n}";

async fn app() -> TestApp {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    app
}

fn user_root(app: &TestApp) -> PathBuf {
    app.server.state().files.user_root("personal-demo")
}

/// Whether the demo user's `/user` has nothing in it (no file, no directory).
fn user_root_is_empty(app: &TestApp) -> bool {
    std::fs::read_dir(user_root(app)).map_or(true, |mut d| d.next().is_none())
}

fn staged(app: &TestApp) -> usize {
    let dir = app.server.state().files.staging_dir().unwrap();
    std::fs::read_dir(dir).unwrap().count()
}

/// Every file (not directory) under the demo user's root, as `/user/...` paths, sorted.
fn user_files(app: &TestApp) -> Vec<String> {
    fn walk(dir: &std::path::Path, rel: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().into_string().unwrap();
            let rel = format!("{rel}/{name}");
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &rel, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(&user_root(app), "/user", &mut out);
    out.sort();
    out
}

fn file_part(name: &str, data: &[u8], mime: &str) -> Part {
    Part::bytes(data.to_vec())
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap()
}

fn paths(sources: &[&str]) -> String {
    json!({ "sources": sources }).to_string()
}

async fn upload_as(app: &TestApp, pat: &str, prefix: &str, form: Form) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(&format!("{prefix}{UPLOAD}")))
        .bearer_auth(pat)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn upload(app: &TestApp, form: Form) -> (u16, Value) {
    upload_as(app, DEMO_PAT, DEMO_PREFIX, form).await
}

/// Uploads `(dir, name, data)` files with `paths` first; panics unless 200.
async fn upload_ok(app: &TestApp, files: &[(&str, &str, &[u8])]) -> Value {
    let dirs: Vec<&str> = files.iter().map(|f| f.0).collect();
    let mut form = Form::new().text("paths", paths(&dirs));
    for (_, name, data) in files {
        form = form.part(
            "upload_files",
            file_part(name, data, "application/octet-stream"),
        );
    }
    let (status, body) = upload(app, form).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn download_raw(app: &TestApp, pat: &str, prefix: &str, body: Value) -> reqwest::Response {
    app.http
        .post(app.url(&format!("{prefix}{DOWNLOAD}")))
        .bearer_auth(pat)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn download_status(app: &TestApp, sources: &[&str]) -> (u16, Value) {
    let r = download_raw(app, DEMO_PAT, DEMO_PREFIX, json!({ "sources": sources })).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A single-file download: (field name, filename, part content type, bytes).
async fn download_one(app: &TestApp, source: &str) -> (String, String, String, Vec<u8>) {
    let r = download_raw(app, DEMO_PAT, DEMO_PREFIX, json!({ "sources": [source] })).await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let boundary = multer::parse_boundary(&ct).unwrap();
    let mut mp = multer::Multipart::new(r.bytes_stream(), boundary);
    let field = mp.next_field().await.unwrap().expect("one part");
    let name = field.name().unwrap().to_owned();
    let file_name = field.file_name().unwrap().to_owned();
    let part_ct = field.content_type().unwrap().to_string();
    let bytes = field.bytes().await.unwrap().to_vec();
    assert!(mp.next_field().await.unwrap().is_none(), "only one part");
    (name, file_name, part_ct, bytes)
}

/// A ZIP download: entry names (directories end in `/`) with their bytes, in archive order.
async fn download_zip(app: &TestApp, sources: &[&str]) -> Vec<(String, Vec<u8>)> {
    let r = download_raw(app, DEMO_PAT, DEMO_PREFIX, json!({ "sources": sources })).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-zip-compressed");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"files.zip\""
    );
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Upload

#[tokio::test]
async fn upload_in_the_documented_curl_shape_stores_the_file() {
    let app = app().await;
    let png = b"\x89PNG\r\n\x1a\nnot really a picture";
    let form = Form::new()
        .text("paths", SEED_PATHS)
        .part("upload_files", file_part("2.png", png, "image/png"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"files": [{"source": "/user/some_directory",
                          "path": "/user/some_directory/2.png",
                          "name": "2.png", "size": png.len()}]})
    );
    let on_disk = std::fs::read(user_root(&app).join("some_directory/2.png")).unwrap();
    assert_eq!(on_disk, png);
    assert_eq!(staged(&app), 0);
}

#[tokio::test]
async fn paths_may_come_after_the_files() {
    let app = app().await;
    let form = Form::new()
        .part("upload_files", file_part("a.txt", b"A", "text/plain"))
        .part("upload_files", file_part("b.txt", b"B", "text/plain"))
        .text("paths", paths(&["/user/x", "/user/y"]));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["files"][0]["path"], "/user/x/a.txt");
    assert_eq!(body["files"][1]["path"], "/user/y/b.txt");
    assert_eq!(user_files(&app), ["/user/x/a.txt", "/user/y/b.txt"]);
}

#[tokio::test]
async fn an_existing_name_gets_a_suffix_also_within_one_request() {
    let app = app().await;
    upload_ok(&app, &[("/user/d", "2.png", b"one")]).await;
    let body = upload_ok(&app, &[("/user/d", "2.png", b"two")]).await;
    assert_eq!(body["files"][0]["path"], "/user/d/2_1.png");
    assert_eq!(body["files"][0]["name"], "2_1.png");
    let body = upload_ok(
        &app,
        &[
            ("/user/d", "2.png", b"three"),
            ("/user/d", "2.png", b"four"),
            ("/user/d", "README", b"r1"),
            ("/user/d", "README", b"r2"),
        ],
    )
    .await;
    let got: Vec<&str> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "/user/d/2_2.png",
            "/user/d/2_3.png",
            "/user/d/README",
            "/user/d/README_1"
        ]
    );
    let root = user_root(&app);
    assert_eq!(std::fs::read(root.join("d/2.png")).unwrap(), b"one");
    assert_eq!(std::fs::read(root.join("d/2_1.png")).unwrap(), b"two");
    assert_eq!(std::fs::read(root.join("d/2_3.png")).unwrap(), b"four");
    assert_eq!(std::fs::read(root.join("d/README_1")).unwrap(), b"r2");
}

#[tokio::test]
async fn concurrent_uploads_of_one_name_never_overwrite_each_other() {
    let app = app().await;
    let uploads = (0..8u8).map(|i| {
        let app = &app;
        async move {
            let body = upload_ok(app, &[("/user/c", "c.txt", &[i; 100])]).await;
            body["files"][0]["path"].as_str().unwrap().to_owned()
        }
    });
    let mut got = futures_util::future::join_all(uploads).await;
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 8, "{got:?}");
    let mut contents: Vec<Vec<u8>> = user_files(&app)
        .iter()
        .map(|p| std::fs::read(user_root(&app).join(&p["/user/".len()..])).unwrap())
        .collect();
    contents.sort();
    assert_eq!(contents, (0..8u8).map(|i| vec![i; 100]).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_directory_that_is_a_file_is_400_and_nothing_is_written() {
    let app = app().await;
    upload_ok(&app, &[("/user", "plain", b"p")]).await;
    let form = Form::new()
        .text("paths", paths(&["/user/fresh", "/user/plain/sub"]))
        .part("upload_files", file_part("a.txt", b"a", "text/plain"))
        .part("upload_files", file_part("b.txt", b"b", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("/user/plain"),
        "{body}"
    );
    assert_eq!(user_files(&app), ["/user/plain"]);
    assert!(!user_root(&app).join("fresh").exists());
    assert_eq!(staged(&app), 0);
}

#[tokio::test]
async fn missing_directories_are_created_and_paths_normalised() {
    let app = app().await;
    let body = upload_ok(
        &app,
        &[
            ("/user/a/b/c", "deep.txt", b"deep"),
            ("//user/./x/../y//", "y.txt", b"y"),
            ("/user", "top.txt", b"top"),
        ],
    )
    .await;
    assert_eq!(body["files"][0]["path"], "/user/a/b/c/deep.txt");
    assert_eq!(body["files"][1]["source"], "//user/./x/../y//");
    assert_eq!(body["files"][1]["path"], "/user/y/y.txt");
    assert_eq!(body["files"][2]["path"], "/user/top.txt");
    assert_eq!(
        user_files(&app),
        ["/user/a/b/c/deep.txt", "/user/top.txt", "/user/y/y.txt"]
    );
}

#[tokio::test]
async fn a_filename_with_directories_keeps_only_its_base_name() {
    let app = app().await;
    let body = upload_ok(&app, &[("/user/in", "../../../etc/evil.txt", b"x")]).await;
    assert_eq!(body["files"][0]["path"], "/user/in/evil.txt");
    assert_eq!(user_files(&app), ["/user/in/evil.txt"]);
}

#[tokio::test]
async fn a_directory_outside_user_is_403_and_nothing_is_written() {
    let app = app().await;
    for bad in ["/user/../etc", "/etc", "/", "/userx", "/user/a/../../tmp"] {
        let form = Form::new()
            .text("paths", paths(&["/user/ok", bad]))
            .part("upload_files", file_part("a.txt", b"a", "text/plain"))
            .part("upload_files", file_part("b.txt", b"b", "text/plain"));
        let (status, body) = upload(&app, form).await;
        assert_eq!(status, 403, "{bad}: {body}");
        assert_eq!(body["error"], "forbidden");
    }
    // Also when `paths` comes last.
    let form = Form::new()
        .part("upload_files", file_part("a.txt", b"a", "text/plain"))
        .text("paths", paths(&["/user/../etc"]));
    assert_eq!(upload(&app, form).await.0, 403);
    assert!(user_files(&app).is_empty());
    assert!(!user_root(&app).join("ok").exists(), "no directory created");
    assert_eq!(staged(&app), 0);
}

#[tokio::test]
async fn malformed_requests_are_400_with_a_message() {
    let app = app().await;
    let f = || file_part("a.txt", b"a", "text/plain");
    let cases: Vec<(&str, Form)> = vec![
        (
            "count mismatch (2 dirs, 1 file)",
            Form::new()
                .text("paths", paths(&["/user/a", "/user/b"]))
                .part("upload_files", f()),
        ),
        (
            "count mismatch (1 dir, 2 files)",
            Form::new()
                .text("paths", paths(&["/user/a"]))
                .part("upload_files", f())
                .part("upload_files", f()),
        ),
        (
            "paths not JSON",
            Form::new()
                .text("paths", "/user/a")
                .part("upload_files", f()),
        ),
        (
            "paths without sources",
            Form::new()
                .text("paths", r#"{"dirs": ["/user/a"]}"#)
                .part("upload_files", f()),
        ),
        (
            "sources not strings",
            Form::new()
                .text("paths", r#"{"sources": [1]}"#)
                .part("upload_files", f()),
        ),
        ("paths missing", Form::new().part("upload_files", f())),
        (
            "paths twice",
            Form::new()
                .text("paths", paths(&["/user/a"]))
                .text("paths", paths(&["/user/a"]))
                .part("upload_files", f()),
        ),
        ("no files", Form::new().text("paths", paths(&["/user/a"]))),
        ("empty form", Form::new()),
        (
            "relative directory",
            Form::new()
                .text("paths", paths(&["user/a"]))
                .part("upload_files", f()),
        ),
        (
            "NUL in directory",
            Form::new()
                .text("paths", paths(&["/user/a\u{0}b"]))
                .part("upload_files", f()),
        ),
        (
            "file part without a filename",
            Form::new()
                .text("paths", paths(&["/user/a"]))
                .text("upload_files", "just text"),
        ),
        (
            "empty filename",
            Form::new()
                .text("paths", paths(&["/user/a"]))
                .part("upload_files", file_part("", b"a", "text/plain")),
        ),
        (
            "unknown field",
            Form::new()
                .text("paths", paths(&["/user/a"]))
                .part("upload_file", f()),
        ),
    ];
    for (what, form) in cases {
        let (status, body) = upload(&app, form).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body["error"], "bad_request", "{what}: {body}");
        assert!(
            !body["message"].as_str().unwrap_or_default().is_empty(),
            "{what}"
        );
    }
    assert!(user_files(&app).is_empty());
    assert_eq!(staged(&app), 0);
}

#[tokio::test]
async fn a_body_that_is_not_multipart_is_refused() {
    let app = app().await;
    let r = app
        .http
        .post(app.url(&format!("{DEMO_PREFIX}{UPLOAD}")))
        .bearer_auth(DEMO_PAT)
        .json(&json!({"sources": ["/user/a"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("multipart/form-data"),
        "{body}"
    );
    let r = app
        .http
        .post(app.url(&format!("{DEMO_PREFIX}{UPLOAD}")))
        .bearer_auth(DEMO_PAT)
        .header("content-type", "multipart/form-data")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no boundary");
    let r = app
        .http
        .post(app.url(&format!("{DEMO_PREFIX}{UPLOAD}")))
        .bearer_auth(DEMO_PAT)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("this is not multipart at all")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "garbage body");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_in_the_engee_format_and_leaves_nothing() {
    let mut config = Config::for_tests();
    config.files.max_upload_bytes = 4096;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    let big = vec![7u8; 64 * 1024];
    // With a Content-Length (reqwest knows it) …
    let form = Form::new().text("paths", paths(&["/user/big"])).part(
        "upload_files",
        file_part("big.bin", &big, "application/octet-stream"),
    );
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "payload_too_large");
    // … and streamed without one.
    let stream = futures_util::stream::iter(
        big.chunks(1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let form = Form::new().text("paths", paths(&["/user/big"])).part(
        "upload_files",
        Part::stream(reqwest::Body::wrap_stream(stream)).file_name("big.bin"),
    );
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "payload_too_large");
    assert!(user_files(&app).is_empty());
    assert!(!user_root(&app).join("big").exists());
    assert_eq!(staged(&app), 0);
    // A small one still goes through.
    upload_ok(&app, &[("/user/small", "s.txt", b"small")]).await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing_behind() {
    let app = app().await;
    let boundary = "XBOUNDARYX";
    let data = vec![b'z'; 256 * 1024];
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"paths\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"upload_files\"; \
             filename=\"half.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            paths(&["/user/partial"])
        )
        .as_bytes(),
    );
    body.extend_from_slice(&data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST {DEMO_PREFIX}{UPLOAD} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {DEMO_PAT}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        app.server.addr(),
        body.len()
    );
    let mut tcp = tokio::net::TcpStream::connect(app.server.addr())
        .await
        .unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body[..body.len() / 2]).await.unwrap();
    tcp.flush().await.unwrap();
    // The file is being staged on disk, not in memory …
    eventually(|| async { (staged(&app) == 1).then_some(()) }).await;
    drop(tcp);
    // … and goes away with the connection.
    eventually(|| async { (staged(&app) == 0).then_some(()) }).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(user_files(&app).is_empty(), "{:?}", user_files(&app));
    assert!(!user_root(&app).join("partial").exists());
    // The server is fine afterwards.
    upload_ok(&app, &[("/user/partial", "whole.bin", b"w")]).await;
}

// ---------------------------------------------------------------------------------------
// Download

#[tokio::test]
async fn one_file_downloads_as_multipart_form_data() {
    let app = app().await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x01binary";
    upload_ok(&app, &[("/user/pics", "2.png", png)]).await;
    let (field, name, ct, bytes) = download_one(&app, "/user/pics/2.png").await;
    assert_eq!(field, "file");
    assert_eq!(name, "2.png");
    assert_eq!(ct, "image/png");
    assert_eq!(bytes, png);
    upload_ok(&app, &[("/user", "data.weird-ext", b"?")]).await;
    let (_, name, ct, bytes) = download_one(&app, "/user/./pics/../data.weird-ext").await;
    assert_eq!(name, "data.weird-ext");
    assert_eq!(ct, "application/octet-stream");
    assert_eq!(bytes, b"?");
}

#[tokio::test]
async fn several_files_download_as_a_zip_named_relative_to_user() {
    let app = app().await;
    upload_ok(
        &app,
        &[
            ("/user/a", "same.txt", b"from a"),
            ("/user/b", "same.txt", b"from b"),
            ("/user", "top.bin", &[0, 1, 2, 255]),
        ],
    )
    .await;
    let entries = download_zip(
        &app,
        &["/user/a/same.txt", "/user/b/same.txt", "/user/top.bin"],
    )
    .await;
    assert_eq!(
        entries,
        [
            ("a/same.txt".to_owned(), b"from a".to_vec()),
            ("b/same.txt".to_owned(), b"from b".to_vec()),
            ("top.bin".to_owned(), vec![0, 1, 2, 255]),
        ]
    );
}

#[tokio::test]
async fn a_directory_source_is_zipped_recursively() {
    let app = app().await;
    upload_ok(
        &app,
        &[
            ("/user/proj", "main.jl", b"println(1)"),
            ("/user/proj/src/deep", "x.jl", b"x = 1"),
            ("/user/other", "o.txt", b"o"),
        ],
    )
    .await;
    std::fs::create_dir(user_root(&app).join("proj/empty")).unwrap();
    let entries = download_zip(&app, &["/user/proj"]).await;
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "proj/",
            "proj/empty/",
            "proj/main.jl",
            "proj/src/",
            "proj/src/deep/",
            "proj/src/deep/x.jl"
        ]
    );
    assert_eq!(entries[2].1, b"println(1)");
    assert_eq!(entries[5].1, b"x = 1");
    // `/user` itself: everything, each entry once even when named twice.
    let entries = download_zip(&app, &["/user", "/user/other/o.txt"]).await;
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert!(
        names.contains(&"other/o.txt") && names.contains(&"proj/main.jl"),
        "{names:?}"
    );
    assert_eq!(names.iter().filter(|n| **n == "other/o.txt").count(), 1);
}

#[tokio::test]
async fn a_large_zip_streams_intact() {
    let app = app().await;
    let root = user_root(&app);
    std::fs::create_dir_all(root.join("big")).unwrap();
    let mut expected = Vec::new();
    for i in 0..3u8 {
        let data: Vec<u8> = (0..1_500_000u32).map(|n| (n % 251) as u8 ^ i).collect();
        std::fs::write(root.join(format!("big/f{i}.bin")), &data).unwrap();
        expected.push((format!("big/f{i}.bin"), data));
    }
    let entries = download_zip(&app, &["/user/big"]).await;
    assert_eq!(entries[0].0, "big/");
    assert_eq!(entries[1..], expected[..]);
}

#[tokio::test]
async fn download_checks_403_before_404_and_refuses_an_empty_list() {
    let app = app().await;
    // `/user` exists (empty) before anything was uploaded.
    assert!(download_zip(&app, &["/user"]).await.is_empty());
    upload_ok(&app, &[("/user", "here.txt", b"h")]).await;
    let (status, body) = download_status(&app, &["/user/missing.txt"]).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "not_found");
    let (status, _) = download_status(&app, &["/user/here.txt", "/user/missing.txt"]).await;
    assert_eq!(status, 404, "one missing among several");
    for bad in ["/etc/passwd", "/user/../etc/passwd", "/"] {
        let (status, body) = download_status(&app, &["/user/missing.txt", bad]).await;
        assert_eq!(status, 403, "{bad}: {body}");
        assert_eq!(body["error"], "forbidden");
    }
    let (status, _) = download_status(&app, &[]).await;
    assert_eq!(status, 400);
    let (status, _) = download_status(&app, &["user/here.txt"]).await;
    assert_eq!(status, 400, "relative path");
    let r = download_raw(
        &app,
        DEMO_PAT,
        DEMO_PREFIX,
        json!({"files": ["/user/here.txt"]}),
    )
    .await;
    assert_eq!(r.status(), 400, "wrong shape");
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_out_of_user_are_403() {
    let app = app().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"s").unwrap();
    let root = app
        .server
        .state()
        .files
        .ensure_user_root("personal-demo")
        .unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
    let (status, _) = download_status(&app, &["/user/escape/secret"]).await;
    assert_eq!(status, 403);
    let form = Form::new()
        .text("paths", paths(&["/user/escape/in"]))
        .part("upload_files", file_part("a.txt", b"a", "text/plain"));
    assert_eq!(upload(&app, form).await.0, 403);
    assert!(!outside.path().join("in").exists());
    // A ZIP of /user skips the link.
    upload_ok(&app, &[("/user", "mine.txt", b"m")]).await;
    let entries = download_zip(&app, &["/user"]).await;
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, ["mine.txt"]);
}

// ---------------------------------------------------------------------------------------
// Guards of the user prefix

#[tokio::test]
async fn another_users_prefix_is_403_and_a_stopped_server_503() {
    let app = app().await;
    app.start_engee(OTHER_PAT).await;
    let form = Form::new()
        .text("paths", paths(&["/user/a"]))
        .part("upload_files", file_part("a.txt", b"a", "text/plain"));
    let (status, _) = upload_as(&app, OTHER_PAT, DEMO_PREFIX, form).await;
    assert_eq!(status, 403);
    let r = download_raw(
        &app,
        OTHER_PAT,
        DEMO_PREFIX,
        json!({"sources": ["/user/a"]}),
    )
    .await;
    assert_eq!(r.status(), 403);

    upload_ok(&app, &[("/user", "kept.txt", b"kept")]).await;
    app.stop_engee(DEMO_PAT).await;
    let form = Form::new()
        .text("paths", paths(&["/user/a"]))
        .part("upload_files", file_part("a.txt", b"a", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "server_not_running");
    let (status, _) = download_status(&app, &["/user/kept.txt"]).await;
    assert_eq!(status, 503);
    // Files outlive the server.
    app.start_engee(DEMO_PAT).await;
    assert_eq!(download_one(&app, "/user/kept.txt").await.3, b"kept");
}

// ---------------------------------------------------------------------------------------
// Round trip

#[test]
fn upload_then_download_returns_the_same_bytes() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as PtConfig, TestRunner};

    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(app());
    let mut runner = TestRunner::new(PtConfig {
        cases: 32,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let strategy = (
        "[a-zA-Z0-9а-яё _()+,;=@-]{1,16}(\\.[a-z0-9]{1,4})?",
        proptest::collection::vec(any::<u8>(), 0..4096),
    );
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&strategy, |(name, data)| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = format!("/user/rt/{n}");
            rt.block_on(async {
                let body = upload_ok(&app, &[(&dir, &name, &data)]).await;
                let path = format!("{dir}/{name}");
                prop_assert_eq!(body["files"][0]["path"].as_str(), Some(path.as_str()));
                prop_assert_eq!(body["files"][0]["size"].as_u64(), Some(data.len() as u64));
                let (_, got_name, _, bytes) = download_one(&app, &path).await;
                prop_assert_eq!(&got_name, &name);
                prop_assert_eq!(&bytes, &data);
                Ok(())
            })
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Hardening: names the file system refuses, zip-slip names, modes, links to directories

#[tokio::test]
async fn names_over_255_bytes_are_400_not_500_and_write_nothing() {
    let app = app().await;
    let long = "n".repeat(256);
    // A file name over the limit.
    let form = Form::new()
        .text("paths", paths(&["/user/d"]))
        .part("upload_files", file_part(&long, b"x", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("255"), "{body}");
    // A directory name over the limit, in an upload and in a download.
    let source = format!("/user/{long}");
    let form = Form::new()
        .text("paths", paths(&[&source]))
        .part("upload_files", file_part("a.txt", b"x", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
    assert_eq!(download_status(&app, &[&source]).await.0, 400);
    // Every name within the limit, the whole path over what the OS takes (PATH_MAX).
    let deep = format!("/user{}", format!("/{}", "d".repeat(250)).repeat(20));
    let form = Form::new()
        .text("paths", paths(&[&deep]))
        .part("upload_files", file_part("a.txt", b"x", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(user_files(&app), Vec::<String>::new());
    assert!(user_root_is_empty(&app));

    // A 255-byte name fits; its second copy would need `_1` and so 257 bytes.
    let name = format!("{}.txt", "s".repeat(251));
    upload_ok(&app, &[("/user", &name, b"one")]).await;
    let form = Form::new()
        .text("paths", paths(&["/user"]))
        .part("upload_files", file_part(&name, b"two", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("255"), "{body}");
    assert_eq!(user_files(&app), [format!("/user/{name}")]);
    assert_eq!(staged(&app), 0);
}

#[tokio::test]
async fn a_file_of_the_same_upload_in_the_way_of_a_directory_is_400_and_rolled_back() {
    let app = app().await;
    let form = Form::new()
        .text("paths", paths(&["/user/d", "/user/d/a.txt"]))
        .part("upload_files", file_part("a.txt", b"1", "text/plain"))
        .part("upload_files", file_part("a.txt", b"2", "text/plain"));
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "bad_request");
    assert!(
        body["message"].as_str().unwrap().contains("/user/d/a.txt"),
        "{body}"
    );
    assert_eq!(user_files(&app), Vec::<String>::new());
    assert!(!user_root(&app).join("d").exists());
    assert_eq!(staged(&app), 0);
}

#[tokio::test]
async fn backslashes_are_refused_in_upload_paths_and_eval_writes() {
    let app = app().await;
    let form = Form::new()
        .text("paths", paths(&["/user/..\\..\\..\\Windows/System32"]))
        .part(
            "upload_files",
            file_part("evil.dll", b"MZ", "application/octet-stream"),
        );
    let (status, body) = upload(&app, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("backslash"),
        "{body}"
    );
    assert!(user_root_is_empty(&app));

    let (status, body) = app
        .eval(r#"m = engee.create("m"); engee.save(m, "/user/a\\b.engee")"#)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["result_code"], "command_error", "{body}");
    assert_eq!(user_files(&app), Vec::<String>::new());
}

#[tokio::test]
async fn a_zip_never_carries_an_entry_name_with_a_backslash() {
    let app = app().await;
    upload_ok(&app, &[("/user", "ok.txt", b"ok")]).await;
    // Put there behind the mock's back (the API refuses such names).
    let evil = user_root(&app).join("..\\..\\..\\Windows").join("System32");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(evil.join("evil.dll"), b"MZ").unwrap();
    let entries = download_zip(&app, &["/user"]).await;
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, ["ok.txt"]);
}

#[cfg(unix)]
#[tokio::test]
async fn a_link_to_a_directory_inside_user_downloads_its_content() {
    let app = app().await;
    upload_ok(&app, &[("/user/proj", "a.txt", b"a")]).await;
    let root = user_root(&app);
    std::os::unix::fs::symlink(root.join("proj"), root.join("link")).unwrap();
    let entries = download_zip(&app, &["/user/link"]).await;
    assert_eq!(
        entries,
        [
            ("link/".to_owned(), vec![]),
            ("link/a.txt".to_owned(), b"a".to_vec())
        ]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn stored_files_are_0644_and_directories_0755() {
    use std::os::unix::fs::PermissionsExt;
    let app = app().await;
    upload_ok(&app, &[("/user/new/sub", "a.txt", b"a")]).await;
    let (status, body) = app
        .eval(r#"m = engee.create("m"); engee.save(m, "/user/new/m.engee")"#)
        .await;
    assert_eq!(status, 200, "{body}");
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let root = user_root(&app);
    assert_eq!(mode(root.join("new/sub/a.txt")), 0o644);
    assert_eq!(mode(root.join("new/m.engee")), 0o644);
    assert_eq!(mode(root.join("new")), 0o755);
    assert_eq!(mode(root.join("new/sub")), 0o755);
}

// ---------------------------------------------------------------------------------------
// The data directory

fn with_data_dir(dir: &std::path::Path) -> Config {
    let mut config = Config::for_tests();
    config.files.data_dir = Some(dir.to_owned());
    config
}

#[tokio::test]
async fn a_reset_deletes_only_the_user_trees_of_the_data_directory() {
    let data = tempfile::tempdir().unwrap();
    let app = TestApp::with_config(with_data_dir(data.path())).await;
    app.start_engee(DEMO_PAT).await;
    upload_ok(&app, &[("/user/w", "a.txt", b"a")]).await;
    std::fs::create_dir(data.path().join("precious")).unwrap();
    std::fs::write(data.path().join("precious/keep.txt"), b"k").unwrap();
    std::fs::write(data.path().join("notes.txt"), b"n").unwrap();

    app.admin_reset().await;

    assert_eq!(
        std::fs::read(data.path().join("precious/keep.txt")).unwrap(),
        b"k"
    );
    assert_eq!(std::fs::read(data.path().join("notes.txt")).unwrap(), b"n");
    assert!(data.path().join(".engee-mock").is_file());
    assert_eq!(user_files(&app), Vec::<String>::new());
    app.server.shutdown().await;

    // The directory stays the mock's: a restart on it works.
    let app = TestApp::with_config(with_data_dir(data.path())).await;
    app.server.shutdown().await;
}

#[tokio::test]
async fn a_non_empty_directory_without_the_marker_is_refused_at_start() {
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir(data.path().join("precious")).unwrap();
    std::fs::write(data.path().join("precious/keep.txt"), b"k").unwrap();
    let err = match engee_mock::MockServer::start(with_data_dir(data.path())).await {
        Ok(_) => panic!("the mock took a directory that is not its own"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(".engee-mock") && err.contains("not empty"),
        "{err}"
    );
    assert!(!data.path().join(".engee-mock").exists());
    assert_eq!(
        std::fs::read(data.path().join("precious/keep.txt")).unwrap(),
        b"k"
    );

    // An empty or missing directory is initialised.
    let fresh = data.path().join("precious/new-data");
    let app = TestApp::with_config(with_data_dir(&fresh)).await;
    assert!(fresh.join(".engee-mock").is_file());
    app.server.shutdown().await;
}
