//! `proxy.properties`: token → allowed users (`user1,user2` or `*`), also read as the
//! login-name mapping. Parsed line by line so a broken line is reported (in the log) and
//! skipped while the good lines still apply. A configured file is re-read whenever it
//! changes; without one the embedded default applies (and never changes).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

/// The parsed file plus what is needed to notice it changed.
pub struct ProxyFile {
    /// The configured file; `None` means the embedded default.
    path: Option<PathBuf>,
    stamp: Option<(SystemTime, u64)>,
    entries: HashMap<String, String>,
}

/// What `validate` concluded.
#[derive(Debug, PartialEq, Eq)]
pub enum ProxyCheck {
    Allowed,
    UnknownToken,
    UserNotAllowed,
}

impl ProxyFile {
    /// `path` is read now and re-read on change; without a path, `embedded` applies.
    /// The caller checks beforehand that a configured file is readable
    /// ([`crate::config::Config::check_files`]): a missing file is an error at start, never
    /// a silent switch to the embedded tokens.
    pub fn new(path: Option<PathBuf>, embedded: &str) -> Self {
        let entries = match path {
            None => parse(embedded, "embedded proxy.properties"),
            Some(_) => HashMap::new(),
        };
        let mut me = Self {
            path,
            stamp: None,
            entries,
        };
        me.reload(true);
        me
    }

    /// Re-reads the file if its modification time or size changed.
    pub fn refresh(&mut self) {
        self.reload(false);
    }

    fn reload(&mut self, force: bool) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let stamp = std::fs::metadata(&path)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        if !force && stamp == self.stamp {
            return;
        }
        self.stamp = stamp;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                self.entries = parse(&text, &path.display().to_string());
                tracing::info!(file = %path.display(), entries = self.entries.len(), "loaded proxy.properties");
            }
            // Mid-edit or briefly removed: the last good entries stay (falling back to the
            // embedded demo tokens would silently let other callers in).
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot read proxy.properties; keeping the entries last read");
            }
        }
    }

    /// `props[code]` allows `user`? (`*` allows anyone; otherwise an exact list entry.)
    pub fn validate(&self, code: &str, user: &str) -> ProxyCheck {
        match self.entries.get(code) {
            None => ProxyCheck::UnknownToken,
            Some(v) if v.trim() == "*" => ProxyCheck::Allowed,
            Some(v) if v.split(',').any(|u| u.trim() == user) => ProxyCheck::Allowed,
            Some(_) => ProxyCheck::UserNotAllowed,
        }
    }

    /// Whether some entry lets its token act as `user` (`*` lets any).
    pub fn allows_anywhere(&self, user: &str) -> bool {
        self.entries
            .values()
            .any(|v| v.trim() == "*" || v.split(',').any(|u| u.trim() == user))
    }

    /// The login-name mapping: `props[login]` when it names one user.
    pub fn mapped_user(&self, login: &str) -> Option<String> {
        let v = self.entries.get(login)?.trim();
        if v.is_empty() || v == "*" || v.contains(',') {
            return None;
        }
        Some(v.to_owned())
    }
}

/// Parses Java-properties text; each broken logical line is logged and skipped.
pub fn parse(text: &str, source: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut logical = String::new();
    let mut first_line = 0;
    for (n, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            first_line = n + 1;
            let t = raw.trim_start();
            if t.is_empty() || t.starts_with('#') || t.starts_with('!') {
                continue;
            }
        }
        logical.push_str(raw.trim_start());
        logical.push('\n');
        let backslashes = raw.chars().rev().take_while(|c| *c == '\\').count();
        if backslashes % 2 == 1 {
            continue; // continuation
        }
        let line = std::mem::take(&mut logical);
        match parse_line(&line) {
            Ok((k, v)) => {
                out.insert(k, v);
            }
            Err(why) => {
                tracing::warn!(file = source, line = first_line, reason = %why, "ignoring broken line in proxy.properties");
            }
        }
    }
    if !logical.is_empty() {
        tracing::warn!(
            file = source,
            line = first_line,
            reason = "unterminated continuation",
            "ignoring broken line in proxy.properties"
        );
    }
    out
}

fn parse_line(line: &str) -> Result<(String, String), String> {
    let props = java_properties::read(line.as_bytes()).map_err(|e| e.to_string())?;
    let (k, v) = props
        .into_iter()
        .next()
        .ok_or_else(|| "no key".to_string())?;
    if k.trim().is_empty() {
        return Err("empty token (nothing before `=`)".into());
    }
    if !line.contains('=') && !line.contains(':') {
        return Err("no `=` separating the token from its users".into());
    }
    if v.trim().is_empty() || v.split(',').any(|u| u.trim().is_empty()) {
        return Err(format!(
            "token `{k}` has an empty user list or an empty entry"
        ));
    }
    Ok((k, v.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_survive_broken_ones() {
        let m = parse(
            "# c\nA=alice,bob\n=x\nnoequals\nB=\nC=*\nD=x,,y\nE=\\uZZZZ\nF=a,\\\n  b\n",
            "t",
        );
        assert_eq!(m.get("A").unwrap(), "alice,bob");
        assert_eq!(m.get("C").unwrap(), "*");
        assert_eq!(m.get("F").unwrap(), "a,b");
        assert_eq!(m.len(), 3, "{m:?}");
    }

    #[test]
    fn validation() {
        let f = ProxyFile::new(None, "T=alice,bob\nANY=*\ncarol=etl\n");
        assert_eq!(f.validate("T", "alice"), ProxyCheck::Allowed);
        assert_eq!(f.validate("T", "ali"), ProxyCheck::UserNotAllowed);
        assert_eq!(f.validate("ANY", "zed"), ProxyCheck::Allowed);
        assert_eq!(f.validate("nope", "alice"), ProxyCheck::UnknownToken);
        assert_eq!(f.mapped_user("carol").as_deref(), Some("etl"));
        assert_eq!(f.mapped_user("T"), None);
    }

    #[test]
    fn a_configured_file_is_used_instead_of_the_embedded_one_and_survives_removal() {
        let dir = std::env::temp_dir().join(format!("linkis-proxy-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("proxy.properties");
        std::fs::write(&path, "FILE=alice\n").unwrap();
        let mut f = ProxyFile::new(Some(path.clone()), "EMBEDDED=*\n");
        assert_eq!(f.validate("FILE", "alice"), ProxyCheck::Allowed);
        assert_eq!(f.validate("EMBEDDED", "alice"), ProxyCheck::UnknownToken);
        std::fs::remove_file(&path).unwrap();
        f.refresh();
        assert_eq!(f.validate("FILE", "alice"), ProxyCheck::Allowed);
        assert_eq!(f.validate("EMBEDDED", "alice"), ProxyCheck::UnknownToken);
        std::fs::remove_dir_all(&dir).ok();
    }
}
