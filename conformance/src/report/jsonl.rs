//! JSON lines: one object per check
//! (`{"id","api","tier","asserts","outcome","detail","duration_ms","mock"}`), then one
//! `{"summary": …}` line.

use serde_json::json;

use crate::runner::RunReport;

pub fn render(r: &RunReport) -> String {
    let mut out = String::new();
    for c in &r.checks {
        out.push_str(&serde_json::to_string(c).unwrap_or_default());
        out.push('\n');
    }
    let s = r.summary();
    out.push_str(
        &json!({"summary": s, "duration_ms": r.duration_ms, "ok": r.ok(),
                "unexpected_passes": r.unexpected_passes})
        .to_string(),
    );
    out.push('\n');
    out
}
