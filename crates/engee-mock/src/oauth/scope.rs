//! OAuth scopes (RFC 6749 §3.3): space-delimited, case-sensitive, order irrelevant.

/// The scope tokens of a `scope` value; `None` when a token has characters outside
/// RFC 6749's `NQCHAR` (`%x21 / %x23-5B / %x5D-7E`). Repeated spaces are tolerated and
/// duplicates dropped, so the result is a set in first-seen order.
pub fn parse(value: &str) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        if !token
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
        {
            return None;
        }
        if !out.iter().any(|s| s == token) {
            out.push(token.to_owned());
        }
    }
    Some(out)
}

/// The tokens of `requested` missing from `allowed`.
pub fn outside<'a>(requested: &'a [String], allowed: &[String]) -> Vec<&'a str> {
    requested
        .iter()
        .filter(|s| !allowed.contains(s))
        .map(String::as_str)
        .collect()
}

pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_compares() {
        let s = parse("user:id  engee user:id").unwrap();
        assert_eq!(s, ["user:id", "engee"]);
        assert!(parse("bad\"quote").is_none());
        assert!(parse("tab\there").is_none());
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        let allowed = parse("user:id engee").unwrap();
        assert_eq!(outside(&parse("engee admin").unwrap(), &allowed), ["admin"]);
    }
}
