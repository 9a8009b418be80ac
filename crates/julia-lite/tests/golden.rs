//! Golden corpus: every case in tests/golden/cases.txt is evaluated in a fresh workspace and
//! compared with Julia 1.9's answer (result string, or error type + showerror prefix, or output).
use julia_lite::{Limits, MemHost, Workspace, eval_blocking};
use std::sync::Arc;

enum Expect {
    Result(String),
    Error(String, String),
    Output(String),
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

fn cases() -> Vec<(usize, String, Expect)> {
    let src = include_str!("golden/cases.txt");
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = lines[i].strip_prefix(">>> ") else {
            i += 1;
            continue;
        };
        let lineno = i + 1;
        let mut code = first.to_string();
        i += 1;
        while i < lines.len() && lines[i].starts_with("... ") {
            code.push('\n');
            code.push_str(&lines[i][4..]);
            i += 1;
        }
        let exp = lines.get(i).copied().unwrap_or("");
        let e = if let Some(rest) = exp.strip_prefix("!! ") {
            let (t, m) = rest.split_once(' ').unwrap_or((rest, ""));
            Expect::Error(t.to_string(), unescape(m))
        } else if let Some(rest) = exp.strip_prefix("~~ ") {
            Expect::Output(unescape(rest))
        } else {
            Expect::Result(exp.to_string())
        };
        out.push((lineno, code, e));
        i += 1;
    }
    out
}

#[test]
fn golden_corpus() {
    let all = cases();
    assert!(all.len() >= 400, "only {} cases", all.len());
    let mut failures = Vec::new();
    for (line, code, exp) in &all {
        let ws = Workspace::new();
        let host = Arc::new(MemHost::default());
        let r = eval_blocking(&ws, code, host, &Limits::default());
        let ok = match (exp, &r) {
            (Expect::Result(want), Ok(got)) => *want == got.result,
            (Expect::Output(want), Ok(got)) => *want == got.output,
            (Expect::Error(t, m), Err(e)) => {
                *t == e.type_name && e.full_description.starts_with(m.as_str())
            }
            _ => false,
        };
        if !ok {
            let got = match &r {
                Ok(v) => format!("result={:?} output={:?}", v.result, v.output),
                Err(e) => format!(
                    "error {} {:?}",
                    e.type_name,
                    e.full_description
                        .split("\n\nStacktrace")
                        .next()
                        .unwrap_or("")
                ),
            };
            let want = match exp {
                Expect::Result(s) => format!("result={s:?}"),
                Expect::Output(s) => format!("output={s:?}"),
                Expect::Error(t, m) => format!("error {t} {m:?}"),
            };
            failures.push(format!(
                "line {line}: {code:?}\n   want {want}\n   got  {got}"
            ));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} golden cases failed:\n{}",
            failures.len(),
            all.len(),
            failures.join("\n")
        );
    }
    eprintln!("{} golden cases passed", all.len());
}
