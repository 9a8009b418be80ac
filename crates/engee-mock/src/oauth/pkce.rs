//! PKCE (RFC 7636): checking a `code_challenge` when it arrives and the `code_verifier`
//! at the token endpoint. Plain functions, no HTTP.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `code_challenge_method`: `S256` or `plain` (the default when absent, RFC 7636 §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    S256,
    Plain,
}

impl Method {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "S256" => Some(Self::S256),
            "plain" => Some(Self::Plain),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

/// RFC 7636 §4.1/§4.2: 43 to 128 characters of `[A-Za-z0-9-._~]`. Both the verifier and
/// the challenge (BASE64URL of a SHA-256 is 43 such characters) have this shape.
pub fn well_formed(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// BASE64URL-ENCODE(SHA256(ASCII(verifier))) without padding.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers `challenge` under `method` (compared in constant time).
pub fn verify(method: Method, challenge: &str, verifier: &str) -> bool {
    let derived = match method {
        Method::S256 => s256(verifier),
        Method::Plain => verifier.to_owned(),
    };
    super::constant_time_eq(derived.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(s256(verifier), challenge);
        assert!(verify(Method::S256, challenge, verifier));
        assert!(!verify(Method::Plain, challenge, verifier));
        assert!(verify(Method::Plain, verifier, verifier));
        assert!(well_formed(verifier));
        assert!(!well_formed("short"));
        assert!(!well_formed(&"a+".repeat(30)));
    }
}
