//! A job's log, stored so that reading a page costs the page, not the log.
//!
//! Concrete lines live in a `Vec` sorted by time. A job may also have one block of
//! synthetic engine output (the `log_lines=N` directive) that is never stored: line `i`
//! of the block is computed on demand. Lines become visible when the mock's clock
//! reaches their timestamp, so the log grows while the job runs.

use chrono::{DateTime, Utc};

/// Log levels as Linkis classifies lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warn,
    Info,
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }
}

#[derive(Clone, Debug)]
struct Line {
    at: DateTime<Utc>,
    level: Level,
    text: String,
}

/// Synthetic lines spread evenly over `[start, end]`, sitting before `lines[at_index]`.
#[derive(Clone, Debug)]
struct Synthetic {
    at_index: usize,
    count: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Synthetic {
    fn visible(&self, now: DateTime<Utc>) -> u64 {
        if now < self.start {
            return 0;
        }
        let span = (self.end - self.start).num_milliseconds();
        if span <= 0 || now >= self.end {
            return self.count;
        }
        let elapsed = (now - self.start).num_milliseconds();
        ((elapsed as u128 * self.count as u128) / span as u128).min(self.count as u128) as u64
    }

    fn line(&self, i: u64) -> Line {
        let span = (self.end - self.start).num_milliseconds().max(0) as u128;
        let offset = (span * (i as u128 + 1)) / (self.count.max(1) as u128);
        let at = self.start + chrono::Duration::milliseconds(offset as i64);
        if i % 100 == 99 {
            Line {
                at,
                level: Level::Warn,
                text: format!(
                    "Stage {} is slower than expected (synthetic line {} of {})",
                    i / 100,
                    i + 1,
                    self.count
                ),
            }
        } else {
            Line {
                at,
                level: Level::Info,
                text: format!("engine output line {} of {}", i + 1, self.count),
            }
        }
    }
}

/// One job's log.
#[derive(Clone, Debug, Default)]
pub struct JobLog {
    lines: Vec<Line>,
    synthetic: Option<Synthetic>,
    cap: usize,
    dropped: u64,
}

impl JobLog {
    /// `cap` bounds the stored engine lines; milestone lines are always kept.
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            ..Self::default()
        }
    }

    /// Appends a line; lines must be pushed in time order.
    pub fn push(&mut self, at: DateTime<Utc>, level: Level, text: impl Into<String>) {
        let at = self.lines.last().map_or(at, |l| l.at.max(at));
        self.lines.push(Line {
            at,
            level,
            text: text.into(),
        });
    }

    /// Appends engine output, dropped (and counted) beyond the cap.
    /// Engine output comes in when the engine finishes, possibly after a synthetic block
    /// was planned at the end of the log: it then goes before that block, where its time is.
    pub fn push_engine(&mut self, at: DateTime<Utc>, level: Level, text: impl Into<String>) {
        if self.lines.len() >= self.cap {
            self.dropped += 1;
            return;
        }
        let before_block = self
            .synthetic
            .as_ref()
            .is_some_and(|s| s.at_index == self.lines.len());
        self.push(at, level, text);
        if before_block && let Some(s) = &mut self.synthetic {
            s.at_index += 1;
        }
    }

    /// Lines dropped because of the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Adds `count` computed lines spread over `[start, end]` after the current lines.
    pub fn push_synthetic(&mut self, count: u64, start: DateTime<Utc>, end: DateTime<Utc>) {
        if count == 0 || self.synthetic.is_some() {
            return;
        }
        self.synthetic = Some(Synthetic {
            at_index: self.lines.len(),
            count,
            start,
            end: end.max(start),
        });
    }

    /// Number of lines visible at `now`.
    pub fn visible(&self, now: DateTime<Utc>) -> u64 {
        let (split, syn) = match &self.synthetic {
            Some(s) => (s.at_index, Some(s)),
            None => (self.lines.len(), None),
        };
        let head = self.lines[..split].partition_point(|l| l.at <= now);
        if head < split {
            return head as u64;
        }
        let Some(s) = syn else {
            return head as u64;
        };
        let v = s.visible(now);
        if v < s.count {
            return split as u64 + v;
        }
        split as u64 + s.count + self.lines[split..].partition_point(|l| l.at <= now) as u64
    }

    /// Total lines, visible or not.
    pub fn total(&self) -> u64 {
        self.lines.len() as u64 + self.synthetic.as_ref().map_or(0, |s| s.count)
    }

    fn line(&self, i: u64) -> Option<Line> {
        match &self.synthetic {
            Some(s) if i >= s.at_index as u64 => {
                let j = i - s.at_index as u64;
                if j < s.count {
                    Some(s.line(j))
                } else {
                    self.lines.get(usize::try_from(i - s.count).ok()?).cloned()
                }
            }
            _ => self.lines.get(usize::try_from(i).ok()?).cloned(),
        }
    }

    /// Every line (time, level, text), unrendered, whatever the clock: what
    /// `GET /__admin/state` reports of a finished job's log.
    pub(crate) fn raw(&self) -> Vec<(DateTime<Utc>, Level, String)> {
        (0..self.total())
            .filter_map(|i| self.line(i))
            .map(|l| (l.at, l.level, l.text))
            .collect()
    }

    /// Up to `size` visible lines from `from` (0-based), rendered.
    pub fn page(&self, now: DateTime<Utc>, from: u64, size: u64) -> Vec<(Level, String)> {
        let end = self.visible(now).min(from.saturating_add(size));
        (from..end)
            .filter_map(|i| self.line(i))
            .map(|l| (l.level, render(&l)))
            .collect()
    }

    /// Drops every line after `now` (a kill), keeping what was already visible.
    pub fn truncate_after(&mut self, now: DateTime<Utc>) {
        if let Some(s) = &mut self.synthetic {
            let v = s.visible(now);
            if v < s.count {
                let span = (s.end - s.start).num_milliseconds().max(0) as u128;
                let offset = span * v as u128 / s.count.max(1) as u128;
                s.end = s.start + chrono::Duration::milliseconds(offset as i64);
                s.count = v;
                self.lines.truncate(s.at_index);
            }
        }
        let keep = self.lines.partition_point(|l| l.at <= now);
        self.lines.truncate(keep);
        if self.synthetic.as_ref().is_some_and(|s| s.count == 0) {
            self.synthetic = None;
        }
    }
}

/// `yyyy-MM-dd HH:mm:ss.SSS LEVEL text` (written by hand: chrono's format parser is the
/// most expensive part of a page read).
fn render(l: &Line) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let t = l.at;
    let mut s = String::with_capacity(30 + l.text.len());
    let _ = write!(
        s,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} {} {}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis().min(999),
        l.level.as_str(),
        l.text
    );
    s
}

/// The four strings `[error, warn, info, all]`, each line joined by `\n`.
pub fn split_levels(lines: &[(Level, String)], trailing_newline: bool) -> [String; 4] {
    let mut out: [String; 4] = Default::default();
    for (level, text) in lines {
        let slot = match level {
            Level::Error => 0,
            Level::Warn => 1,
            Level::Info => 2,
        };
        for s in [slot, 3] {
            if !out[s].is_empty() && !trailing_newline {
                out[s].push('\n');
            }
            out[s].push_str(text);
            if trailing_newline {
                out[s].push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn synthetic_lines_interleave_and_page() {
        let mut log = JobLog::new(100);
        log.push(t0(), Level::Info, "a");
        log.push_synthetic(
            1000,
            t0() + Duration::seconds(1),
            t0() + Duration::seconds(11),
        );
        log.push(t0() + Duration::seconds(11), Level::Info, "z");
        assert_eq!(log.visible(t0()), 1);
        assert_eq!(log.visible(t0() + Duration::seconds(6)), 501);
        assert_eq!(log.visible(t0() + Duration::seconds(11)), 1002);
        let all = log.page(t0() + Duration::seconds(20), 0, u64::MAX);
        assert_eq!(all.len(), 1002);
        assert!(all[1001].1.ends_with("INFO z"));
        assert!(all[100].1.contains("WARN Stage 0"));
        // pages concatenate to the whole
        let mut joined = Vec::new();
        let mut from = 0;
        loop {
            let p = log.page(t0() + Duration::seconds(20), from, 37);
            if p.is_empty() {
                break;
            }
            from += p.len() as u64;
            joined.extend(p);
        }
        assert_eq!(joined, all);
    }

    #[test]
    fn kill_truncates() {
        let mut log = JobLog::new(100);
        log.push(t0(), Level::Info, "a");
        log.push_synthetic(100, t0(), t0() + Duration::seconds(10));
        log.push(t0() + Duration::seconds(10), Level::Info, "z");
        log.truncate_after(t0() + Duration::seconds(5));
        assert_eq!(log.total(), 51);
        log.push(t0() + Duration::seconds(5), Level::Error, "killed");
        assert_eq!(log.visible(t0() + Duration::seconds(5)), 52);
    }

    #[test]
    fn levels_split() {
        let l = vec![
            (Level::Error, "e".to_string()),
            (Level::Info, "i".into()),
            (Level::Info, "j".into()),
        ];
        assert_eq!(
            split_levels(&l, false),
            ["e".to_string(), "".into(), "i\nj".into(), "e\ni\nj".into()]
        );
    }
}
