//! The silently-wrong audit (issue 10): every probe of `tests/silently_wrong.txt` that is
//! fixed answers exactly as Julia 1.9, every refused one fails with an error naming what is
//! unsupported. Open probes are listed in the file and counted here.
use julia_lite::{Limits, MemHost, Workspace, eval_blocking};
use std::sync::Arc;

enum Status {
    Fixed(String),
    FixedOutput(String),
    Refused(String, String),
    Open,
}

fn probes() -> Vec<(usize, String, Status)> {
    let lines: Vec<&str> = include_str!("silently_wrong.txt").lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(code) = lines[i].strip_prefix(">>> ") else {
            i += 1;
            continue;
        };
        let line = i + 1;
        i += 1;
        while i < lines.len() && lines[i].starts_with('#') {
            i += 1;
        }
        let exp = lines.get(i).copied().unwrap_or("");
        let status = if let Some(s) = exp.strip_prefix("= ") {
            Status::Fixed(s.to_string())
        } else if let Some(s) = exp.strip_prefix("~ ") {
            Status::FixedOutput(s.replace("\\n", "\n"))
        } else if let Some(s) = exp.strip_prefix("! ") {
            let (t, m) = s.split_once(' ').unwrap_or((s, ""));
            Status::Refused(t.to_string(), m.to_string())
        } else if exp.starts_with("? ") {
            Status::Open
        } else {
            panic!("line {}: no expectation after the probe", i + 1);
        };
        out.push((line, code.to_string(), status));
        i += 1;
    }
    out
}

#[test]
fn every_probe_is_fixed_or_refused() {
    let all = probes();
    assert!(all.len() >= 50, "only {} probes", all.len());
    let mut failures = Vec::new();
    let mut open = 0;
    for (line, code, status) in &all {
        let r = eval_blocking(
            &Workspace::new(),
            code,
            Arc::new(MemHost::default()),
            &Limits::default(),
        );
        let ok = match (status, &r) {
            (Status::Fixed(want), Ok(got)) => *want == got.result,
            (Status::FixedOutput(want), Ok(got)) => *want == got.output,
            (Status::Refused(t, m), Err(e)) => {
                *t == e.type_name && e.full_description.contains(m.as_str())
            }
            (Status::Open, _) => {
                open += 1;
                true
            }
            _ => false,
        };
        if !ok {
            let got = match &r {
                Ok(v) => format!("result {:?} output {:?}", v.result, v.output),
                Err(e) => format!("{} {:?}", e.type_name, e.short_description),
            };
            failures.push(format!("line {line}: {code:?} -> {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "{} probes: {} fixed or refused, {open} open",
        all.len(),
        all.len() - open
    );
}
