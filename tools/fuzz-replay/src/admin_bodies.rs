//! `admin_bodies`: the admin API's bodies (`/__admin/clock`, `/__admin/faults`,
//! `/__admin/reset`, Engee's `/__admin/engee/pats`), sent over loopback HTTP to both mocks
//! as `MockServer::start` serves them, so every layer the admin API has is in the path.
//!
//! Input: sections. A line `@ROUTE [METHOD]` starts a call to `/__admin/ROUTE` on the
//! Engee mock (`@linkis/ROUTE` for the Linkis mock; METHOD defaults to POST); the lines
//! up to the next `@` line are its body, sent as `application/json`. At most 10 calls.
//! A call to a route outside the control plane (`engee/pats`) after a `faults` call in
//! the same input is skipped: an installed fault may legitimately answer or delay it.
//!
//! Findings: a panic (the server drops the connection), a 5xx, a 4xx other than 404/405
//! that is not a JSON object.

use std::sync::OnceLock;
use std::time::Duration;

use crate::rig;

const MAX_CALLS: usize = 10;

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .no_proxy()
            .build()
            .expect("reqwest client")
    })
}

pub fn admin_bodies(data: &[u8]) {
    let (engee, linkis) = (rig::engee(), rig::linkis());
    let _engee = engee.hold();
    let _linkis = linkis.hold();
    engee.server.reset();
    engee.server.clock().set(engee.t0);
    engee.server.clock().set_frozen(true);
    linkis.server.reset();
    linkis.server.clock().set(linkis.t0);
    linkis.server.clock().set_frozen(true);

    let text = rig::text(data);
    let mut calls: Vec<(String, String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(head) = line.strip_prefix('@') {
            let (route, method) = head.split_once(' ').unwrap_or((head, "POST"));
            calls.push((route.to_owned(), method.trim().to_owned(), String::new()));
        } else if let Some((_, _, body)) = calls.last_mut() {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(line);
        }
    }

    rig::block_on(async {
        let mut faulted = false;
        for (route, method, body) in calls.into_iter().take(MAX_CALLS) {
            let (base, route) = match route.strip_prefix("linkis/") {
                Some(r) => (linkis.server.url(), r.to_owned()),
                None => (engee.server.url(), route),
            };
            if route.starts_with("engee/") && faulted {
                continue;
            }
            faulted |= route.starts_with("faults");
            let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
                continue;
            };
            let url = format!("{base}/__admin{}", rig::uri_from(&route));
            let Ok(url) = reqwest::Url::parse(&url) else {
                continue;
            };
            let answer = client()
                .request(method.clone(), url.clone())
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let answer = match answer {
                Ok(a) => a,
                Err(e) if e.is_builder() => continue,
                Err(e) => panic!("{method} {url}: no answer ({e}); did the server panic?"),
            };
            let status = answer.status();
            let bytes = answer.bytes().await.unwrap_or_default();
            assert!(
                !status.is_server_error(),
                "{method} {url}: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
            // 404/405 come from routing, before any body is read.
            let routed = status == 404 || status == 405;
            if std::env::var_os("FUZZ_TRACE").is_some() {
                eprintln!(
                    "{method} {url} -> {status} {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
            if status.is_client_error() && !routed && method != reqwest::Method::HEAD {
                let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
                assert!(
                    json.is_some_and(|v| v.is_object()),
                    "{method} {url}: {status} answered outside the JSON error format: {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    });
}
