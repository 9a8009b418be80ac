//! `application/x-www-form-urlencoded` parameters (query strings and form bodies) with the
//! RFC 6749 §3.1/§3.2 rules: a parameter sent without a value counts as omitted, and none
//! may be sent twice.

/// Decoded name/value pairs, in order.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: &[u8]) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(raw).into_owned().collect(),
        }
    }

    /// The value of `name`; `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The first of `names` sent more than once (with a value).
    pub fn repeated<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|n| {
            self.pairs
                .iter()
                .filter(|(k, v)| k == n && !v.is_empty())
                .count()
                > 1
        })
    }

    /// The pairs whose names are in `names`, non-empty ones only, in order.
    pub fn only(&self, names: &[&str]) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, v)| names.contains(&k.as_str()) && !v.is_empty())
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_absent_and_repeats_are_found() {
        let p = Params::parse(b"a=1&b=&c=x+y%20z&a=2&d=3");
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y z"));
        assert_eq!(p.repeated(&["b", "c", "a"]), Some("a"));
        assert_eq!(p.repeated(&["b", "c", "d"]), None);
        assert_eq!(p.only(&["d", "b"]), [("d".to_owned(), "3".to_owned())]);
    }
}
