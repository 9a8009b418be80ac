//! Redaction of ids, tokens, times and ports in recorded bodies, so snapshots of what a
//! target answers stay stable between runs and show only real changes.

use serde_json::{Map, Value};

/// Keys whose values are secrets or per-run ids.
const TOKEN_KEYS: &[&str] = &["access_token", "refresh_token", "code", "token", "ticket"];
const ID_KEYS: &[&str] = &[
    "execID",
    "execId",
    "strongerExecId",
    "job_id",
    "serverId",
    "sub",
    "taskID",
    "id",
];
/// Keys holding times (ISO strings or epoch milliseconds) or durations.
fn is_time_key(k: &str) -> bool {
    k.ends_with("At")
        || k.ends_with("_time")
        || k.ends_with("Time")
        || k == "modifytime"
        || k == "now"
        || k == "requestSpendTime"
        || k == "metrics"
}

/// A redacted copy of `v`.
pub fn redact(v: &Value) -> Value {
    redact_in(None, v)
}

fn redact_in(key: Option<&str>, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), redact_in(Some(k), x));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_in(key, x)).collect()),
        Value::Null | Value::Bool(_) => v.clone(),
        _ => {
            let k = key.unwrap_or("");
            if TOKEN_KEYS.contains(&k) {
                Value::from("[token]")
            } else if ID_KEYS.contains(&k) && !v.is_null() {
                Value::from("[id]")
            } else if is_time_key(k) {
                Value::from("[time]")
            } else if let Value::String(s) = v {
                Value::String(mask(s))
            } else {
                v.clone()
            }
        }
    }
}

/// Masks ids, times, ports and long numbers inside free text; truncates long strings.
pub fn mask(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &s[i..];
        if rest.starts_with("exec_id") {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '/' | ',' | ')'))
                .unwrap_or(rest.len());
            out.push_str("[execID]");
            i += end;
            continue;
        }
        if let Some(n) = iso_time_len(rest) {
            out.push_str("[time]");
            i += n;
            continue;
        }
        if let Some(n) = uuid_len(rest) {
            out.push_str("[uuid]");
            i += n;
            continue;
        }
        if let Some(port) = rest.strip_prefix("127.0.0.1:") {
            let digits = port.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str("127.0.0.1:[port]");
            i += 10 + digits;
            continue;
        }
        if b[i].is_ascii_hexdigit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let n = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
            let all_digits = rest[..n].bytes().all(|c| c.is_ascii_digit());
            if n >= 32 {
                out.push_str("[hex]");
                i += n;
                continue;
            }
            if all_digits && n >= 6 {
                out.push_str("[n]");
                i += n;
                continue;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    // opaque tokens with a readable prefix (ea_, er_, ec_, ep_) and hex tails
    if out.chars().count() > 240 {
        let t: String = out.chars().take(200).collect();
        return format!("{t}…");
    }
    out
}

fn digits_at(b: &[u8], at: usize, n: usize) -> bool {
    b.len() >= at + n && b[at..at + n].iter().all(u8::is_ascii_digit)
}

/// `yyyy-MM-dd[T ]HH:mm:ss[.SSS][Z]` or a bare `yyyy-MM-dd`.
fn iso_time_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if !(digits_at(b, 0, 4)
        && b.get(4) == Some(&b'-')
        && digits_at(b, 5, 2)
        && b.get(7) == Some(&b'-')
        && digits_at(b, 8, 2))
    {
        return None;
    }
    let mut n = 10;
    if matches!(b.get(10), Some(b'T' | b' '))
        && digits_at(b, 11, 2)
        && b.get(13) == Some(&b':')
        && digits_at(b, 14, 2)
        && b.get(16) == Some(&b':')
        && digits_at(b, 17, 2)
    {
        n = 19;
        if b.get(19) == Some(&b'.') {
            let frac = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
            n += 1 + frac;
        }
        if b.get(n) == Some(&b'Z') {
            n += 1;
        }
    }
    Some(n)
}

fn uuid_len(s: &str) -> Option<usize> {
    let cand = s.get(..36)?;
    uuid::Uuid::parse_str(cand)
        .ok()
        .filter(|_| cand.as_bytes()[8] == b'-')
        .map(|_| 36)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks() {
        assert_eq!(
            mask(
                "2026-12-07 03:15:22.123 INFO job exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_a_spark_0 at http://127.0.0.1:4123/x"
            ),
            "[time] INFO job [execID] at http://127.0.0.1:[port]/x"
        );
        assert_eq!(mask("ts 2025-02-10T10:24:31.328Z"), "ts [time]");
        assert_eq!(
            mask("/tmp/2026-12-07/031522/IDE/3"),
            "/tmp/[time]/[n]/IDE/3"
        );
        let v = redact(
            &json!({"access_token": "ea_1", "serverStatus": "running", "startedAt": "x", "n": 5}),
        );
        assert_eq!(
            v,
            json!({"access_token": "[token]", "serverStatus": "running", "startedAt": "[time]", "n": 5})
        );
    }
}
