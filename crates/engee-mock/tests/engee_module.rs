//! The simulated `engee` Julia module, which engee-mock registers in julia-lite: the cases of
//! `tests/engee_module/cases.txt` evaluated over HTTP (`external/command/eval`), each in a
//! fresh workspace, and the module's use of the host's file store.

mod common;

use common::*;
use julia_lite::{Host, Limits, MemHost, Workspace, eval};
use std::sync::Arc;

enum Expect {
    Result(String),
    Error(String, String),
    Output(String),
}

/// `(line, code, expectation)` of every case (format of julia-lite's golden corpus).
fn cases() -> Vec<(usize, String, Expect)> {
    let lines: Vec<&str> = include_str!("engee_module/cases.txt").lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = lines[i].strip_prefix(">>> ") else {
            i += 1;
            continue;
        };
        let line = i + 1;
        let mut code = first.to_string();
        i += 1;
        while i < lines.len() && lines[i].starts_with("... ") {
            code.push('\n');
            code.push_str(&lines[i][4..]);
            i += 1;
        }
        let exp = lines.get(i).copied().unwrap_or("");
        let unescape = |s: &str| s.replace("\\n", "\n");
        let e = if let Some(rest) = exp.strip_prefix("!! ") {
            let (t, m) = rest.split_once(' ').unwrap_or((rest, ""));
            Expect::Error(t.to_string(), unescape(m))
        } else if let Some(rest) = exp.strip_prefix("~~ ") {
            Expect::Output(unescape(rest))
        } else {
            Expect::Result(exp.to_string())
        };
        out.push((line, code, e));
        i += 1;
    }
    out
}

#[tokio::test]
async fn the_engee_module_answers_every_case_over_http() {
    let all = cases();
    assert!(all.len() >= 40, "only {} cases", all.len());
    let mut failures = Vec::new();
    for (line, code, exp) in &all {
        // a fresh server per case: no models in the workspace, no files in the store
        let app = TestApp::start().await;
        app.start_engee(DEMO_PAT).await;
        let (status, body) = app.eval(code).await;
        let ok = match exp {
            Expect::Result(want) => status == 200 && body["result"] == want.as_str(),
            Expect::Output(want) => status == 200 && body["output"] == want.as_str(),
            Expect::Error(t, m) => {
                status == 400
                    && body["error"]["type"] == t.as_str()
                    && body["error"]["full_description"]
                        .as_str()
                        .is_some_and(|d| d.starts_with(m.as_str()))
            }
        };
        if !ok {
            failures.push(format!("line {line}: {code:?}\n   got {status} {body}"));
        }
        app.server.shutdown().await;
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn engee_files_go_through_the_host() {
    engee_mock::engee_module::register();
    let ws = Workspace::new();
    let mem = Arc::new(MemHost::default());
    mem.files.lock().unwrap().insert(
        "/user/models/demo.engee".into(),
        br#"{"parameters": {"StopTime": 1.0, "SolverType": "fixed-step", "FixedStep": 0.5}, "blocks": [{"name": "Step", "type": "Step", "params": {"StepTime": 0.5}}]}"#.to_vec(),
    );
    let h: Arc<dyn Host> = mem.clone();
    let r = eval(
        &ws,
        "m = engee.load(\"/user/models/demo.engee\"); r = engee.run(m); (m, r[\"Step.1\"].value)",
        h.clone(),
        &Limits::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.result, "(Model(demo), [0.0, 1.0, 1.0])");
    eval(
        &ws,
        "engee.save(\"demo\", \"/user/out.engee\")",
        h,
        &Limits::default(),
    )
    .await
    .unwrap();
    let saved = mem
        .files
        .lock()
        .unwrap()
        .get("/user/out.engee")
        .cloned()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    assert_eq!(doc["parameters"]["StopTime"], 1.0);
}
