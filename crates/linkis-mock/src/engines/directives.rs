//! Scenario directives: `-- @mock duration=5s fail="disk full"` (or `#`/`//` comments).
//!
//! | key | effect |
//! |---|---|
//! | `duration=5s` | run time (ms, s, m, h; a bare number is seconds) |
//! | `queue=2s` | time in `Inited` before `Scheduled` |
//! | `fail="msg"` | the job ends `Failed` with `errDesc` = msg |
//! | `error_code=N` | `errCode` of the failure (default 10001) |
//! | `timeout` / `timeout=10s` | the job ends `Timeout` (after its duration / after 10 s running, unless `duration` is shorter) |
//! | `log_lines=N` | N lines of engine output spread over the run (computed, not stored) |
//! | `progress_tasks=N` | the progress stage has N tasks |

use std::time::Duration;

/// What the directives of one job ask for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Directives {
    pub duration: Option<Duration>,
    pub queue: Option<Duration>,
    pub fail: Option<String>,
    pub error_code: Option<i64>,
    pub timeout: Option<Option<Duration>>,
    pub log_lines: Option<u64>,
    pub progress_tasks: Option<u32>,
}

const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Parses every `@mock` comment in `code`. Errors name the directive to fix.
pub fn parse(code: &str, max_log_lines: u64) -> Result<Directives, String> {
    let mut d = Directives::default();
    for line in code.lines() {
        let t = line.trim_start();
        let rest = ["--", "#", "//"]
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .map(str::trim_start);
        let Some(body) = rest.and_then(|r| r.strip_prefix("@mock")) else {
            continue;
        };
        for (key, value) in tokens(body)? {
            apply(&mut d, &key, value, max_log_lines)?;
        }
    }
    Ok(d)
}

fn apply(
    d: &mut Directives,
    key: &str,
    value: Option<String>,
    max_lines: u64,
) -> Result<(), String> {
    let need =
        |v: Option<String>| v.ok_or_else(|| format!("@mock directive `{key}` needs a value"));
    match key {
        "duration" => d.duration = Some(duration(&need(value)?)?),
        "queue" => d.queue = Some(duration(&need(value)?)?),
        "fail" => d.fail = Some(value.unwrap_or_else(|| "failed by @mock directive".into())),
        "error_code" => {
            d.error_code = Some(
                need(value)?
                    .parse()
                    .map_err(|_| "@mock error_code must be an integer".to_string())?,
            )
        }
        "timeout" => d.timeout = Some(value.map(|v| duration(&v)).transpose()?),
        "log_lines" => {
            let n: u64 = need(value)?
                .parse()
                .map_err(|_| "@mock log_lines must be a non-negative integer".to_string())?;
            if n > max_lines {
                return Err(format!(
                    "@mock log_lines={n} is above the limit of {max_lines}"
                ));
            }
            d.log_lines = Some(n);
        }
        "progress_tasks" => {
            let n: u32 = need(value)?.parse().map_err(|_| {
                "@mock progress_tasks must be an integer between 1 and 100000".to_string()
            })?;
            if !(1..=100_000).contains(&n) {
                return Err("@mock progress_tasks must be an integer between 1 and 100000".into());
            }
            d.progress_tasks = Some(n);
        }
        other => {
            return Err(format!(
                "unknown @mock directive `{other}` (known: duration, queue, fail, error_code, timeout, log_lines, progress_tasks)"
            ));
        }
    }
    Ok(())
}

/// `5s`, `500ms`, `2m`, `1h`, `1.5s`, or a bare number of seconds.
pub fn duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad @mock duration `{s}`"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "bad @mock duration unit in `{s}` (use ms, s, m or h)"
            ));
        }
    };
    if !secs.is_finite() || secs < 0.0 || secs > MAX_DURATION.as_secs_f64() {
        return Err(format!("@mock duration `{s}` must be between 0 and 7 days"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn tokens(body: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            if chars.peek().is_some() {
                return Err("@mock directive with an empty name".into());
            }
            return Ok(out);
        }
        if chars.peek() != Some(&'=') {
            out.push((key, None));
            continue;
        }
        chars.next();
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(format!("unterminated quote in @mock directive `{key}`"));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key, Some(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_forms() {
        let d = parse(
            "select 1;\n-- @mock duration=5s progress_tasks=10 log_lines=2000 fail=\"disk \\\"full\\\"\"\n# @mock timeout queue=250ms\n",
            1_000_000,
        )
        .unwrap();
        assert_eq!(d.duration, Some(Duration::from_secs(5)));
        assert_eq!(d.queue, Some(Duration::from_millis(250)));
        assert_eq!(d.fail.as_deref(), Some("disk \"full\""));
        assert_eq!(d.timeout, Some(None));
        assert_eq!(d.log_lines, Some(2000));
        assert_eq!(d.progress_tasks, Some(10));
    }

    #[test]
    fn rejects_bad() {
        assert!(parse("-- @mock nope=1", 10).is_err());
        assert!(parse("-- @mock duration=5y", 10).is_err());
        assert!(parse("-- @mock log_lines=11", 10).is_err());
        assert!(parse("-- @mock fail=\"x", 10).is_err());
        assert!(parse("-- not a directive", 10).unwrap() == Directives::default());
    }
}
