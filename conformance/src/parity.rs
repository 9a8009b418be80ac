//! Parity: record the response *shapes* (field names and JSON types) of every endpoint a
//! run touched on one target, then diff another target's run against them and print a
//! drift report per endpoint.
//!
//! The recording is a JSON file per API (`<dir>/engee.json`, `<dir>/linkis.json`) mapping
//! `METHOD /path/template` → HTTP status → shape.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::Api;
use crate::http::Exchange;

/// `endpoint` → `status` → shape.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Shapes(pub BTreeMap<String, BTreeMap<String, Value>>);

/// The JSON type skeleton of a value: objects keep their keys, arrays the merged shape of
/// their elements, scalars become `"string"`, `"number"`, `"bool"`, `"null"`.
pub fn shape(v: &Value) -> Value {
    match v {
        Value::Null => Value::from("null"),
        Value::Bool(_) => Value::from("bool"),
        Value::Number(_) => Value::from("number"),
        Value::String(_) => Value::from("string"),
        Value::Array(a) => {
            let merged = a.iter().map(shape).reduce(|x, y| merge(&x, &y));
            Value::Array(merged.into_iter().collect())
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), shape(x))).collect()),
    }
}

/// Union of two shapes (types that differ become `"a|b"`).
pub fn merge(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = x.clone();
            for (k, v) in y {
                let m = match x.get(k) {
                    Some(old) => merge(old, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), m);
            }
            Value::Object(out)
        }
        (Value::Array(x), Value::Array(y)) => match (x.first(), y.first()) {
            (Some(p), Some(q)) => Value::Array(vec![merge(p, q)]),
            (Some(p), None) | (None, Some(p)) => Value::Array(vec![p.clone()]),
            (None, None) => Value::Array(vec![]),
        },
        _ if a == b => a.clone(),
        _ => {
            let mut parts: BTreeSet<String> = BTreeSet::new();
            for v in [a, b] {
                match v {
                    Value::String(s) => parts.extend(s.split('|').map(str::to_owned)),
                    Value::Object(_) => {
                        parts.insert("object".into());
                    }
                    Value::Array(_) => {
                        parts.insert("array".into());
                    }
                    other => {
                        parts.insert(other.to_string());
                    }
                }
            }
            Value::from(parts.into_iter().collect::<Vec<_>>().join("|"))
        }
    }
}

/// The shapes of `api`'s exchanges.
pub fn collect(exchanges: &[Exchange], api: Api) -> Shapes {
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for e in exchanges.iter().filter(|e| e.api == api) {
        let s = match &e.body {
            Some(b) => shape(b),
            None => Value::from(format!(
                "non-JSON {}",
                e.content_type
                    .as_deref()
                    .unwrap_or("(no content type)")
                    .split(';')
                    .next()
                    .unwrap_or("")
            )),
        };
        let slot = out.entry(e.key()).or_default();
        let key = e.status.to_string();
        let merged = match slot.get(&key) {
            Some(old) => merge(old, &s),
            None => s,
        };
        slot.insert(key, merged);
    }
    Shapes(out)
}

pub fn save(dir: &Path, api: Api, shapes: &Shapes) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.json", api.name()));
    let text = serde_json::to_string_pretty(shapes).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn load(dir: &Path, api: Api) -> Result<Shapes, String> {
    let path = dir.join(format!("{}.json", api.name()));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Differences between two shapes, as `path: what` lines.
pub fn shape_diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let p = format!("{path}.{k}");
                match g.get(k) {
                    Some(gv) => shape_diff(&p, wv, gv, out),
                    None => out.push(format!("{p}: missing (recorded {})", short(wv))),
                }
            }
            for (k, gv) in g {
                if !w.contains_key(k) {
                    out.push(format!("{path}.{k}: new field ({})", short(gv)));
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if let (Some(wv), Some(gv)) = (w.first(), g.first()) {
                shape_diff(&format!("{path}[]"), wv, gv, out);
            }
        }
        _ if want == got => {}
        _ => out.push(format!(
            "{path}: recorded {}, now {}",
            short(want),
            short(got)
        )),
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) => "object".into(),
        Value::Array(_) => "array".into(),
        other => other.to_string(),
    }
}

/// The drift of `got` against the recording `want`, per endpoint (empty when none).
pub fn drift(want: &Shapes, got: &Shapes) -> BTreeMap<String, Vec<String>> {
    let mut report: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (ep, wstatuses) in &want.0 {
        let Some(gstatuses) = got.0.get(ep) else {
            report
                .entry(ep.clone())
                .or_default()
                .push("not exercised by this run".into());
            continue;
        };
        for (status, wshape) in wstatuses {
            match gstatuses.get(status) {
                None => report.entry(ep.clone()).or_default().push(format!(
                    "HTTP {status} recorded, not seen now (now: {})",
                    gstatuses.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
                Some(gshape) => {
                    let mut lines = Vec::new();
                    shape_diff("$", wshape, gshape, &mut lines);
                    for l in lines {
                        report
                            .entry(ep.clone())
                            .or_default()
                            .push(format!("HTTP {status} {l}"));
                    }
                }
            }
        }
        for status in gstatuses.keys() {
            if !wstatuses.contains_key(status) {
                report
                    .entry(ep.clone())
                    .or_default()
                    .push(format!("HTTP {status} is new"));
            }
        }
    }
    for ep in got.0.keys() {
        if !want.0.contains_key(ep) {
            report
                .entry(ep.clone())
                .or_default()
                .push("endpoint not in the recording".into());
        }
    }
    report
}

/// Renders a drift report.
pub fn render(api: Api, d: &BTreeMap<String, Vec<String>>) -> String {
    if d.is_empty() {
        return format!("parity {}: no drift\n", api.name());
    }
    let mut s = format!("parity {}: drift on {} endpoint(s)\n", api.name(), d.len());
    for (ep, lines) in d {
        s.push_str(&format!("  {ep}\n"));
        for l in lines {
            s.push_str(&format!("    - {l}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_and_drift() {
        let a = shape(&json!({"a": 1, "b": ["x", "y"], "c": null}));
        assert_eq!(a, json!({"a": "number", "b": ["string"], "c": "null"}));
        let mut want = Shapes::default();
        want.0
            .entry("GET /x".into())
            .or_default()
            .insert("200".into(), a);
        let mut got = Shapes::default();
        got.0.entry("GET /x".into()).or_default().insert(
            "200".into(),
            shape(&json!({"a": "1", "b": ["x"], "d": true})),
        );
        let d = drift(&want, &got);
        let lines = &d["GET /x"];
        assert!(
            lines
                .iter()
                .any(|l| l.contains("$.a: recorded number, now string"))
        );
        assert!(lines.iter().any(|l| l.contains("$.c: missing")));
        assert!(lines.iter().any(|l| l.contains("$.d: new field")));
    }
}
