//! `external/file/upload` and `external/file/download`, always inside this run's scratch
//! directory `/user/conformance-<run id>/`.

use std::io::Read as _;

use serde_json::json;

use crate::check::{Check, CheckResult, Fail};
use crate::ctx::{Ctx, EngeeEnv, UserApi};
use crate::http::Resp;
use crate::{check, ensure, ensure_eq};

pub fn all() -> Vec<Check> {
    vec![
        check!(
            "engee.files.upload",
            Engee,
            Spec,
            "multipart upload (paths={\"sources\":[dir]}, upload_files=@file) stores the file; downloading it returns the same bytes",
            upload_roundtrip
        ),
        check!(
            "engee.files.upload.creates_dir",
            Engee,
            Spec,
            "uploading into a directory that does not exist creates it",
            upload_creates_dir
        ),
        check!(
            "engee.files.upload.outside_user",
            Engee,
            Spec,
            "a target directory outside /user is 403",
            upload_outside
        ),
        check!(
            "engee.files.upload.existing_gets_suffix",
            Engee,
            Spec,
            "uploading a name that exists keeps the old file (the new one gets a suffix)",
            upload_existing_kept
        ),
        check!(
            "engee.files.upload.interrupted",
            Engee,
            Spec,
            "a file is written only once fully received: an upload cut off mid-body (connection dropped, or multipart never closed) leaves nothing behind",
            upload_interrupted
        ),
        check!(
            "engee.files.upload.all_or_nothing",
            Engee,
            MockDefined,
            "an upload with one refused directory stores none of its files",
            upload_all_or_nothing
        ),
        check!(
            "engee.files.upload.suffix_scheme",
            Engee,
            MockDefined,
            "the second upload of name.ext is stored as name_1.ext, and the response lists where each file went",
            upload_suffix_scheme
        ),
        check!(
            "engee.files.upload.several",
            Engee,
            Spec,
            "several upload_files go to their matching directories, in order",
            upload_several
        ),
        check!(
            "engee.files.upload.count_mismatch",
            Engee,
            MockDefined,
            "a count of upload_files different from the number of directories is 400",
            upload_count_mismatch
        ),
        check!(
            "engee.files.upload.malformed_paths",
            Engee,
            MockDefined,
            "a `paths` field that is not {\"sources\": [...]} JSON is 400",
            upload_malformed_paths
        ),
        check!(
            "engee.files.upload.dotdot",
            Engee,
            MockDefined,
            "paths are normalised before the /user check: /user/../etc is 403",
            upload_dotdot
        ),
        check!(
            "engee.files.download.single",
            Engee,
            Spec,
            "downloading one file answers multipart/form-data holding its bytes",
            download_single
        ),
        check!(
            "engee.files.download.single_part",
            Engee,
            MockDefined,
            "the single-file part is named `file` with the file's base name as filename",
            download_single_part
        ),
        check!(
            "engee.files.download.zip",
            Engee,
            Spec,
            "downloading several files answers a ZIP (application/x-zip-compressed) holding them",
            download_zip
        ),
        check!(
            "engee.files.download.zip_names",
            Engee,
            MockDefined,
            "ZIP entries are paths relative to /user, so equal base names do not collide",
            download_zip_names
        ),
        check!(
            "engee.files.download.directory",
            Engee,
            MockDefined,
            "a directory as a source is zipped recursively, its entries named relative to /user",
            download_directory
        ),
        check!(
            "engee.files.download.missing",
            Engee,
            Spec,
            "a missing source is 404, also when other sources exist",
            download_missing
        ),
        check!(
            "engee.files.download.outside_user",
            Engee,
            Spec,
            "a source outside /user is 403",
            download_outside
        ),
    ]
}

/// Uploads `(dir, name, bytes)` triples in one request.
pub async fn upload(
    env: &EngeeEnv,
    api: &UserApi,
    files: &[(&str, &str, Vec<u8>)],
) -> Result<Resp, Fail> {
    let dirs: Vec<&str> = files.iter().map(|f| f.0).collect();
    upload_raw(env, api, &json!({ "sources": dirs }).to_string(), files).await
}

pub async fn upload_raw(
    env: &EngeeEnv,
    api: &UserApi,
    paths: &str,
    files: &[(&str, &str, Vec<u8>)],
) -> Result<Resp, Fail> {
    let mut form = reqwest::multipart::Form::new().text("paths", paths.to_owned());
    for (_, name, data) in files {
        let part = reqwest::multipart::Part::bytes(data.clone())
            .file_name((*name).to_owned())
            .mime_str("application/octet-stream")
            .map_err(|e| Fail::Failed(format!("multipart part: {e}")))?;
        form = form.part("upload_files", part);
    }
    env.http
        .post(&api.at("external/file/upload"))
        .bearer(&api.token)
        .multipart(form)
        .send()
        .await
}

pub async fn download(env: &EngeeEnv, api: &UserApi, sources: &[&str]) -> Result<Resp, Fail> {
    env.http
        .post(&api.at("external/file/download"))
        .bearer(&api.token)
        .json(&json!({ "sources": sources }))
        .send()
        .await
}

/// The first part of a multipart body: (its headers, its bytes).
pub fn first_part(resp: &Resp) -> Result<(String, Vec<u8>), Fail> {
    let ct = resp.content_type();
    ensure!(
        ct.starts_with("multipart/form-data"),
        "expected multipart/form-data, got {ct:?}"
    );
    let boundary = ct
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"').to_owned())
        .or_else(|| {
            resp.header("content-type")
                .and_then(|h| h.split("boundary=").nth(1))
                .map(|b| b.trim_matches('"').to_owned())
        })
        .ok_or_else(|| Fail::Failed("multipart answer without boundary".into()))?;
    // the boundary is case-sensitive: take it from the raw header
    let raw_boundary = resp
        .header("content-type")
        .and_then(|h| h.split("boundary=").nth(1))
        .map(|b| {
            b.split(';')
                .next()
                .unwrap_or(b)
                .trim_matches('"')
                .to_owned()
        })
        .unwrap_or(boundary);
    let body = &resp.body;
    let delim = format!("--{raw_boundary}");
    let start = find(body, delim.as_bytes())
        .ok_or_else(|| Fail::Failed("multipart body has no boundary line".into()))?;
    let after = start + delim.len();
    let rest = &body[after..];
    let rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    let hdr_end = find(rest, b"\r\n\r\n")
        .ok_or_else(|| Fail::Failed("multipart part has no header end".into()))?;
    let headers = String::from_utf8_lossy(&rest[..hdr_end]).into_owned();
    let content = &rest[hdr_end + 4..];
    let end = find(content, format!("\r\n{delim}").as_bytes())
        .ok_or_else(|| Fail::Failed("multipart part is not closed".into()))?;
    Ok((headers, content[..end].to_vec()))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Downloads one file and returns its bytes (from the multipart answer).
pub async fn download_one(env: &EngeeEnv, api: &UserApi, path: &str) -> Result<Vec<u8>, Fail> {
    let r = download(env, api, &[path]).await?;
    r.expect_status(200)?;
    Ok(first_part(&r)?.1)
}

/// ZIP entries of a response: name → bytes.
pub fn zip_entries(resp: &Resp) -> Result<Vec<(String, Vec<u8>)>, Fail> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(resp.body.clone()))
        .map_err(|e| Fail::Failed(format!("the answer is not a readable ZIP: {e}")))?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| Fail::Failed(format!("ZIP entry {i}: {e}")))?;
        if f.is_dir() {
            continue;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data)
            .map_err(|e| Fail::Failed(format!("ZIP entry {i}: {e}")))?;
        out.push((f.name().map(|n| n.into_owned()).unwrap_or_default(), data));
    }
    Ok(out)
}

async fn setup(ctx: &Ctx) -> Result<(&EngeeEnv, UserApi), Fail> {
    let env = ctx.engee()?;
    let api = env.running(ctx).await?;
    Ok((env, api))
}

async fn upload_roundtrip(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let dir = format!("{}/up", ctx.scratch());
    let data: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    upload(env, &api, &[(&dir, "bytes.bin", data.clone())])
        .await?
        .expect_status(200)?;
    let got = download_one(env, &api, &format!("{dir}/bytes.bin")).await?;
    ensure!(
        got == data,
        "downloaded {} bytes differ from the {} uploaded",
        got.len(),
        data.len()
    );
    Ok(())
}

async fn upload_creates_dir(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let dir = format!("{}/new/deeper/still", ctx.scratch());
    upload(env, &api, &[(&dir, "n.txt", b"nested".to_vec())])
        .await?
        .expect_status(200)?;
    ensure_eq!(
        download_one(env, &api, &format!("{dir}/n.txt")).await?,
        b"nested".to_vec(),
        "nested file bytes"
    );
    Ok(())
}

async fn upload_outside(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let r = upload(env, &api, &[("/tmp/conformance", "x.txt", b"x".to_vec())]).await?;
    ensure!(
        r.status == 403,
        "upload to /tmp should be 403, got {}",
        r.summary()
    );
    Ok(())
}

async fn upload_existing_kept(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let dir = format!("{}/dup", ctx.scratch());
    upload(env, &api, &[(&dir, "same.txt", b"first".to_vec())])
        .await?
        .expect_status(200)?;
    upload(env, &api, &[(&dir, "same.txt", b"second".to_vec())])
        .await?
        .expect_status(200)?;
    ensure_eq!(
        download_one(env, &api, &format!("{dir}/same.txt")).await?,
        b"first".to_vec(),
        "the existing file after a second upload of the same name"
    );
    Ok(())
}

async fn upload_suffix_scheme(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let dir = format!("{}/suffix", ctx.scratch());
    upload(env, &api, &[(&dir, "name.ext", b"one".to_vec())])
        .await?
        .expect_status(200)?;
    let r = upload(env, &api, &[(&dir, "name.ext", b"two".to_vec())]).await?;
    r.expect_status(200)?;
    let v = r.json()?;
    let path = v["files"][0]["path"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure_eq!(
        path,
        format!("{dir}/name_1.ext"),
        "files[0].path of the second upload"
    );
    ensure_eq!(
        download_one(env, &api, &path).await?,
        b"two".to_vec(),
        "bytes of name_1.ext"
    );
    Ok(())
}

async fn upload_several(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let a = format!("{}/many/a", ctx.scratch());
    let b = format!("{}/many/b", ctx.scratch());
    upload(
        env,
        &api,
        &[
            (&a, "x.txt", b"in a".to_vec()),
            (&b, "x.txt", b"in b".to_vec()),
        ],
    )
    .await?
    .expect_status(200)?;
    ensure_eq!(
        download_one(env, &api, &format!("{a}/x.txt")).await?,
        b"in a".to_vec(),
        "a/x.txt"
    );
    ensure_eq!(
        download_one(env, &api, &format!("{b}/x.txt")).await?,
        b"in b".to_vec(),
        "b/x.txt"
    );
    Ok(())
}

async fn upload_count_mismatch(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let d = format!("{}/mismatch", ctx.scratch());
    let paths = json!({"sources": [d.clone(), d.clone()]}).to_string();
    let r = upload_raw(env, &api, &paths, &[(&d, "only.txt", b"1".to_vec())]).await?;
    ensure!(
        r.status == 400,
        "2 directories and 1 file should be 400, got {}",
        r.summary()
    );
    Ok(())
}

async fn upload_malformed_paths(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let d = format!("{}/malformed", ctx.scratch());
    let r = upload_raw(env, &api, "not json", &[(&d, "m.txt", b"1".to_vec())]).await?;
    ensure!(
        r.status == 400,
        "paths that are not JSON should be 400, got {}",
        r.summary()
    );
    Ok(())
}

async fn upload_dotdot(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let r = upload(env, &api, &[("/user/../etc", "x.txt", b"x".to_vec())]).await?;
    ensure!(
        r.status == 403,
        "/user/../etc should be 403, got {}",
        r.summary()
    );
    Ok(())
}

/// Uploads `one.txt` and `sub/one.txt` into a directory of its own (`dl-<name>`).
async fn seeded<'a>(ctx: &'a Ctx, name: &str) -> Result<(&'a EngeeEnv, UserApi, String), Fail> {
    let (env, api) = setup(ctx).await?;
    let dir = format!("{}/dl-{name}", ctx.scratch());
    let r = upload(
        env,
        &api,
        &[
            (&dir, "one.txt", b"first file".to_vec()),
            (&format!("{dir}/sub"), "one.txt", b"same base name".to_vec()),
        ],
    )
    .await?;
    r.expect_status(200)?;
    Ok((env, api, dir))
}

async fn download_single(ctx: &Ctx) -> CheckResult {
    let (env, api, dir) = seeded(ctx, "single").await?;
    let r = download(env, &api, &[&format!("{dir}/one.txt")]).await?;
    r.expect_status(200)?;
    let (_, data) = first_part(&r)?;
    ensure_eq!(data, b"first file".to_vec(), "part content");
    Ok(())
}

async fn download_single_part(ctx: &Ctx) -> CheckResult {
    let (env, api, dir) = seeded(ctx, "single_part").await?;
    let r = download(env, &api, &[&format!("{dir}/one.txt")]).await?;
    r.expect_status(200)?;
    let (headers, _) = first_part(&r)?;
    let h = headers.to_ascii_lowercase();
    ensure!(
        h.contains("name=\"file\""),
        "part should be named \"file\": {headers}"
    );
    ensure!(
        h.contains("filename=\"one.txt\""),
        "part filename should be one.txt: {headers}"
    );
    Ok(())
}

async fn download_zip(ctx: &Ctx) -> CheckResult {
    let (env, api, dir) = seeded(ctx, "zip").await?;
    let r = download(
        env,
        &api,
        &[&format!("{dir}/one.txt"), &format!("{dir}/sub/one.txt")],
    )
    .await?;
    r.expect_status(200)?;
    ensure!(
        r.content_type().starts_with("application/x-zip-compressed"),
        "expected application/x-zip-compressed, got {:?}",
        r.content_type()
    );
    let entries = zip_entries(&r)?;
    let mut contents: Vec<Vec<u8>> = entries.into_iter().map(|(_, d)| d).collect();
    contents.sort();
    ensure_eq!(
        contents,
        vec![b"first file".to_vec(), b"same base name".to_vec()],
        "ZIP contents"
    );
    Ok(())
}

async fn download_zip_names(ctx: &Ctx) -> CheckResult {
    let (env, api, dir) = seeded(ctx, "zip_names").await?;
    let r = download(
        env,
        &api,
        &[&format!("{dir}/one.txt"), &format!("{dir}/sub/one.txt")],
    )
    .await?;
    r.expect_status(200)?;
    let mut names: Vec<String> = zip_entries(&r)?.into_iter().map(|(n, _)| n).collect();
    names.sort();
    let rel = dir.trim_start_matches("/user/");
    ensure_eq!(
        names,
        vec![format!("{rel}/one.txt"), format!("{rel}/sub/one.txt")],
        "ZIP entry names"
    );
    Ok(())
}

async fn download_directory(ctx: &Ctx) -> CheckResult {
    let (env, api, dir) = seeded(ctx, "directory").await?;
    let r = download(env, &api, &[&dir]).await?;
    r.expect_status(200)?;
    let mut entries = zip_entries(&r)?;
    entries.sort();
    let rel = dir.trim_start_matches("/user/");
    ensure_eq!(
        entries,
        vec![
            (format!("{rel}/one.txt"), b"first file".to_vec()),
            (format!("{rel}/sub/one.txt"), b"same base name".to_vec()),
        ],
        "the directory's ZIP (both files, recursively, named relative to /user)"
    );
    Ok(())
}

async fn download_missing(ctx: &Ctx) -> CheckResult {
    let (env, api, dir) = seeded(ctx, "missing").await?;
    let r = download(env, &api, &[&format!("{dir}/no-such-file.txt")]).await?;
    ensure!(
        r.status == 404,
        "a missing file should be 404, got {}",
        r.summary()
    );
    let r = download(
        env,
        &api,
        &[
            &format!("{dir}/one.txt"),
            &format!("{dir}/no-such-file.txt"),
        ],
    )
    .await?;
    ensure!(
        r.status == 404,
        "one missing source among two should be 404, got {}",
        r.summary()
    );
    Ok(())
}

async fn download_outside(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let r = download(env, &api, &["/etc/passwd"]).await?;
    ensure!(
        r.status == 403,
        "/etc/passwd should be 403, got {}",
        r.summary()
    );
    Ok(())
}

const BOUNDARY: &str = "conformance-boundary-7d1f";

/// The start of a multipart upload whose file part is never finished.
fn cut_body(dir: &str, name: &str, data: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"paths\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"upload_files\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        json!({ "sources": [dir] })
    )
    .into_bytes();
    b.extend_from_slice(data);
    b
}

async fn upload_interrupted(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let dir = format!("{}/cut", ctx.scratch());
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    // 1. the connection drops mid-body
    let head = cut_body(&dir, "dropped.bin", &[7u8; 4096]);
    let stream = futures::stream::iter(vec![
        Ok::<Vec<u8>, std::io::Error>(head),
        Err(std::io::Error::other(
            "conformance: connection cut on purpose",
        )),
    ]);
    let _ = env
        .http
        .post(&api.at("external/file/upload"))
        .bearer(&api.token)
        .body(&ct, reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    // 2. the body ends but the multipart is never closed
    let r = env
        .http
        .post(&api.at("external/file/upload"))
        .bearer(&api.token)
        .body(&ct, cut_body(&dir, "unclosed.bin", &[9u8; 2048]))
        .send()
        .await?;
    ensure!(
        !(200..300).contains(&r.status),
        "an unclosed multipart body was accepted: {}",
        r.summary()
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for name in ["dropped.bin", "unclosed.bin"] {
        let r = download(env, &api, &[&format!("{dir}/{name}")]).await?;
        ensure!(
            r.status == 404,
            "{name} from an interrupted upload exists: {}",
            r.summary()
        );
    }
    Ok(())
}

async fn upload_all_or_nothing(ctx: &Ctx) -> CheckResult {
    let (env, api) = setup(ctx).await?;
    let good = format!("{}/aon", ctx.scratch());
    let r = upload(
        env,
        &api,
        &[
            (&good, "kept.txt", b"x".to_vec()),
            ("/etc", "bad.txt", b"y".to_vec()),
        ],
    )
    .await?;
    ensure!(
        r.status == 403,
        "an upload with a directory outside /user should be 403, got {}",
        r.summary()
    );
    let r = download(env, &api, &[&format!("{good}/kept.txt")]).await?;
    ensure!(
        r.status == 404,
        "the refused upload still stored kept.txt: {}",
        r.summary()
    );
    Ok(())
}
