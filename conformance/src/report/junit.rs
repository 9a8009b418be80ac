//! JUnit XML for CI: `<testsuites>` with one `<testsuite>` per API, one `<testcase>` per
//! check (`classname` = `<api>.<tier>`). Failed → `<failure>`; skipped, observed and
//! expected failures → `<skipped message=…>` (they do not fail a build); observed answers
//! are also written to `<system-out>`.

use std::fmt::Write as _;

use crate::check::{Api, Outcome};
use crate::runner::RunReport;

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(r: &RunReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let s = r.summary();
    let _ = writeln!(
        out,
        "<testsuites name=\"conformance\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">",
        r.checks.len(),
        s.failed,
        s.skipped + s.observed + s.expected_failures,
        r.duration_ms as f64 / 1000.0
    );
    for api in [Api::Engee, Api::Linkis] {
        let cases: Vec<_> = r.checks.iter().filter(|c| c.api == api).collect();
        if cases.is_empty() {
            continue;
        }
        let failures = cases.iter().filter(|c| c.outcome.is_failure()).count();
        let skipped = cases
            .iter()
            .filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::Failed(_)))
            .count();
        let time: u64 = cases.iter().map(|c| c.duration_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{:.3}\">",
            api.name(),
            cases.len(),
            time as f64 / 1000.0
        );
        for c in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}.{}\" time=\"{:.3}\"",
                escape(&c.id),
                api.name(),
                escape(c.tier.name()),
                c.duration_ms as f64 / 1000.0
            );
            match &c.outcome {
                Outcome::Passed => out.push_str("/>\n"),
                Outcome::Failed(m) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        escape(&first_line(m)),
                        escape(c.tier.name()),
                        escape(m)
                    );
                }
                other => {
                    let m = other.detail().unwrap_or_default();
                    let _ = write!(
                        out,
                        ">\n      <skipped message=\"{}: {}\"/>\n",
                        other.label(),
                        escape(&first_line(m))
                    );
                    if matches!(other, Outcome::Observed(_)) {
                        let _ = writeln!(out, "      <system-out>{}</system-out>", escape(m));
                    }
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or_default();
    l.chars().take(300).collect()
}
