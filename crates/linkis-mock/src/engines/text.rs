//! Non-SQL run types. Nothing runs: the mock reads the code and produces a TEXT result by
//! these rules (documented in the README):
//! - every `print(<string literal>)` (python, scala `println`) and every `echo words`
//!   (shell) line contributes its text, in order;
//! - if nothing was printed, the job has no result set.

use super::{EngineRun, ResultSet};
use crate::joblog::Level;

pub fn run(run_type: &str, code: &str) -> EngineRun {
    let mut out = Vec::new();
    for line in code.lines() {
        let t = line.trim();
        if let Some(s) = printed(t) {
            out.push(s);
        }
    }
    let mut run = EngineRun::default();
    run.log.push((
        Level::Info,
        format!("{run_type} code accepted by the mock engine (nothing is executed on the host)"),
    ));
    for l in &out {
        run.log.push((Level::Info, l.clone()));
    }
    if !out.is_empty() {
        run.results.push(ResultSet::Text(out));
    }
    run
}

fn printed(t: &str) -> Option<String> {
    if let Some(rest) = t.strip_prefix("echo ") {
        return Some(unquote(rest.trim()));
    }
    let inner = ["print(", "println(", "print ("]
        .iter()
        .find_map(|p| t.strip_prefix(p))?
        .trim_end_matches(';')
        .strip_suffix(')')?
        .trim();
    let q = inner.chars().next()?;
    if (q == '"' || q == '\'') && inner.len() >= 2 && inner.ends_with(q) {
        Some(inner[1..inner.len() - 1].to_string())
    } else {
        Some(inner.to_string())
    }
}

fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_echoes() {
        let r = run(
            "python",
            "import os\nprint(\"hello\")\nprint('x')\nos.system('rm -rf /')",
        );
        assert_eq!(
            r.results,
            vec![ResultSet::Text(vec!["hello".into(), "x".into()])]
        );
        let r = run("shell", "echo 'hi there'\nls");
        assert_eq!(r.results, vec![ResultSet::Text(vec!["hi there".into()])]);
        assert!(run("scala", "val x = 1").results.is_empty());
    }
}
