//! One line per check (`PASS  engee.oauth.token.refresh  [SPEC]  12 ms`), details indented
//! under it, and a summary. ANSI colours when asked (the CLI asks on a terminal).

use std::fmt::Write as _;

use crate::check::{Outcome, Tier};
use crate::runner::{CheckReport, RunReport};

fn paint(s: &str, code: &str, colour: bool) -> String {
    if colour {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

fn colour_of(o: &Outcome) -> &'static str {
    match o {
        Outcome::Passed => "32",
        Outcome::Failed(_) => "1;31",
        Outcome::Observed(_) => "36",
        Outcome::Skipped(_) => "33",
        Outcome::ExpectedFailure(_) => "35",
    }
}

/// One check's line(s).
pub fn line(c: &CheckReport, colour: bool) -> String {
    let label = paint(
        &format!("{:<8}", c.outcome.label()),
        colour_of(&c.outcome),
        colour,
    );
    let mut s = format!(
        "{label} {:<52} [{}] {} ms",
        c.id,
        c.tier.name(),
        c.duration_ms
    );
    if let Some(d) = c.outcome.detail() {
        let d: String = if d.chars().count() > 600 {
            format!("{}…", d.chars().take(600).collect::<String>())
        } else {
            d.to_owned()
        };
        for l in d.lines() {
            let _ = write!(s, "\n         {l}");
        }
    }
    s
}

/// The summary block.
pub fn summary(r: &RunReport, colour: bool) -> String {
    let s = r.summary();
    let mut out = String::new();
    let _ = writeln!(out, "\nper tier (pass/fail/observed/skip/xfail):");
    for api in [crate::Api::Engee, crate::Api::Linkis] {
        for tier in Tier::ALL {
            let of: Vec<&CheckReport> = r
                .checks
                .iter()
                .filter(|c| c.api == api && c.tier == tier)
                .collect();
            if of.is_empty() {
                continue;
            }
            let n = |f: fn(&Outcome) -> bool| of.iter().filter(|c| f(&c.outcome)).count();
            let _ = writeln!(
                out,
                "  {:<7} {:<13} {:>3} checks: {}/{}/{}/{}/{}",
                api.name(),
                tier.name(),
                of.len(),
                n(|o| matches!(o, Outcome::Passed)),
                n(|o| matches!(o, Outcome::Failed(_))),
                n(|o| matches!(o, Outcome::Observed(_))),
                n(|o| matches!(o, Outcome::Skipped(_))),
                n(|o| matches!(o, Outcome::ExpectedFailure(_))),
            );
        }
    }
    let verdict = if r.ok() {
        paint("OK", "1;32", colour)
    } else {
        paint("FAILED", "1;31", colour)
    };
    let _ = writeln!(
        out,
        "\n{verdict}: {} checks in {:.1} s — {} passed, {} failed, {} observed, {} skipped, {} expected failures",
        r.checks.len(),
        r.duration_ms as f64 / 1000.0,
        s.passed,
        s.failed,
        s.observed,
        s.skipped,
        s.expected_failures
    );
    if !r.unexpected_passes.is_empty() {
        let _ = writeln!(
            out,
            "listed as expected failures but passed (trim the file): {}",
            r.unexpected_passes.join(", ")
        );
    }
    out
}

/// The whole report as text.
pub fn render(r: &RunReport, colour: bool) -> String {
    let mut out = String::new();
    for c in &r.checks {
        out.push_str(&line(c, colour));
        out.push('\n');
    }
    out.push_str(&summary(r, colour));
    out
}
