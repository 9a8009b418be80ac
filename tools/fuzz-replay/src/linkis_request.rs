//! `linkis_request`: linkis-mock's request parsing (execID path segments, submit and
//! execute bodies, log paging parameters, result paths), in-process through
//! `linkis_mock::routes::app`, authenticated with the fixtures' token headers.
//!
//! Input: lines. `GET TARGET`, `POST TARGET` (or any other method) start a request; the
//! lines after it up to the next request are its body. A TARGET not starting with `/` is
//! relative to `/api/rest_j/v1/`. In a TARGET or body, `$E` is the execID and `$T` the
//! taskID of the last successful submit/execute. `USER NAME` switches the token's user;
//! `ADVANCE SECS` moves the mock's clock (0–3600 s). At most 12 requests per input.
//!
//! Findings: a panic, a 5xx, an answer that is not a Linkis envelope (a JSON object with
//! `status` and `message`).

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request};

use crate::rig;

const MAX_REQUESTS: usize = 12;

struct Call {
    method: String,
    target: String,
    body: String,
}

pub fn linkis_request(data: &[u8]) {
    let rig = rig::linkis();
    let _one_at_a_time = rig.hold();
    rig.server.reset();
    rig.server.clock().set(rig.t0);
    let text = rig::text(data);
    let mut user = "hadoop".to_owned();
    let mut exec_id = String::from("none");
    let mut task_id = String::from("0");
    let mut current: Option<Call> = None;
    let mut sent = 0;
    let mut steps: Vec<Step> = Vec::new();
    for line in text.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let is_method = !word.is_empty()
            && word.len() <= 8
            && word.bytes().all(|b| b.is_ascii_uppercase())
            && word != "USER"
            && word != "ADVANCE";
        if (is_method || word == "USER" || word == "ADVANCE")
            && let Some(call) = current.take()
        {
            steps.push(Step::Call(call));
        }
        match word {
            "USER" => steps.push(Step::User(rest.trim().to_owned())),
            "ADVANCE" => steps.push(Step::Advance(rest.trim().parse().unwrap_or(1.0))),
            _ if is_method => {
                current = Some(Call {
                    method: word.to_owned(),
                    target: rest.to_owned(),
                    body: String::new(),
                })
            }
            _ => {
                if let Some(call) = current.as_mut() {
                    if !call.body.is_empty() {
                        call.body.push('\n');
                    }
                    call.body.push_str(line);
                }
            }
        }
    }
    steps.extend(current.take().map(Step::Call));

    rig::block_on(async {
        for step in steps {
            match step {
                Step::User(u) => user = u,
                Step::Advance(secs) => {
                    let secs = if secs.is_finite() {
                        secs.clamp(0.0, 3600.0)
                    } else {
                        0.0
                    };
                    rig.server.advance(Duration::from_secs_f64(secs));
                }
                Step::Call(call) => {
                    sent += 1;
                    if sent > MAX_REQUESTS {
                        break;
                    }
                    let fill = |s: &str| s.replace("$E", &exec_id).replace("$T", &task_id);
                    let target = fill(&call.target);
                    let target = if target.starts_with('/') {
                        target
                    } else {
                        format!("/api/rest_j/v1/{target}")
                    };
                    let Ok(method) = Method::from_bytes(call.method.as_bytes()) else {
                        continue;
                    };
                    let Ok(req) = Request::builder()
                        .method(method.clone())
                        .uri(rig::uri_from(&target))
                        .header("Token-Code", "LINKIS-AUTH")
                        .header("Token-User", user.replace(['\r', '\n'], ""))
                        .header("content-type", "application/json")
                        .body(Body::from(fill(&call.body)))
                    else {
                        continue;
                    };
                    let answer = rig::send(&rig.router, req).await;
                    assert!(
                        !answer.status.is_server_error(),
                        "{method} {target}: {} {}",
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    );
                    if method == Method::OPTIONS || method == Method::HEAD {
                        continue;
                    }
                    let envelope = answer.json().filter(|v| {
                        v.is_object() && v.get("status").is_some() && v.get("message").is_some()
                    });
                    let Some(envelope) = envelope else {
                        panic!(
                            "{method} {target}: {} is not a Linkis envelope: {:?}",
                            answer.status,
                            String::from_utf8_lossy(&answer.body)
                        );
                    };
                    let data = &envelope["data"];
                    if let Some(e) = data.get("execID").and_then(|v| v.as_str()) {
                        exec_id = e.to_owned();
                    }
                    if let Some(t) = data.get("taskID") {
                        task_id = t.to_string().trim_matches('"').to_owned();
                    }
                }
            }
        }
    });
}

enum Step {
    Call(Call),
    User(String),
    Advance(f64),
}
