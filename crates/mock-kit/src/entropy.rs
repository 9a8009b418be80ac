//! Where a mock's randomness comes from: generated ids, tokens, codes, session tickets,
//! multipart boundaries, signing keys, the generated admin token and the fault dice.
//!
//! Without a seed (the default) every draw comes from the operating system's randomness,
//! through `rand`'s thread-local generator, as before seeds existed. With a seed
//! (`--seed N`, `seed = N` in the TOML, `Config::seed` from Rust) every draw is the next
//! value of one deterministic generator, so what a mock hands out is a function of the
//! seed and the order of the draws. Two runs of a test that sends its requests one after
//! another, on a frozen clock set to the same instant, then get byte-identical answers:
//! snapshots need no redaction. Requests sent concurrently draw in whatever order they
//! are served, so their ids may swap places between runs (MOCK-DEFINED).
//!
//! Each mock owns one [`Entropy`] for its state, and a reset calls [`Entropy::restart`]
//! so a run after a reset sees the same values as a run on a fresh mock. Draws that must
//! not shift the main sequence (the admin token made at start, a tenant's own sequence
//! later) take an independent sequence from [`Entropy::derive`].
//!
//! A seeded mock's tokens can be predicted by anyone who knows the seed: seeds are for
//! tests, never for a mock other machines can reach.

use std::sync::{Arc, Mutex};

use rand::{Rng, RngCore, SeedableRng};
// ChaCha20 rather than `rand::rngs::StdRng`: `rand` documents that StdRng's algorithm may
// change in any release, which would silently change every seeded id (and every snapshot
// built on them) on a dependency update; `rand_chacha` promises the same output for the
// same seed across its versions, and it is already in the tree as StdRng's engine.
use rand_chacha::ChaCha20Rng;

/// A source of random values, seeded (deterministic) or not (OS randomness). Cheap to
/// clone: clones share one sequence.
#[derive(Clone, Default)]
pub struct Entropy {
    seeded: Option<Arc<Seeded>>,
}

struct Seeded {
    seed: u64,
    stream: u64,
    rng: Mutex<ChaCha20Rng>,
}

impl Seeded {
    fn fresh(seed: u64, stream: u64) -> ChaCha20Rng {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        rng
    }
}

impl std::fmt::Debug for Entropy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.seeded {
            None => f.write_str("Entropy(os)"),
            Some(s) => write!(f, "Entropy(seed {}, stream {})", s.seed, s.stream),
        }
    }
}

impl Entropy {
    /// Seeded with `Some(seed)`, OS randomness with `None`: what a mock builds from its
    /// config's `seed`.
    pub fn new(seed: Option<u64>) -> Self {
        match seed {
            None => Self::os(),
            Some(seed) => Self::stream(seed, 0),
        }
    }

    /// OS randomness: a different sequence every run.
    pub fn os() -> Self {
        Self { seeded: None }
    }

    fn stream(seed: u64, stream: u64) -> Self {
        Self {
            seeded: Some(Arc::new(Seeded {
                seed,
                stream,
                rng: Mutex::new(Seeded::fresh(seed, stream)),
            })),
        }
    }

    /// The seed, if this source has one.
    pub fn seed(&self) -> Option<u64> {
        self.seeded.as_ref().map(|s| s.seed)
    }

    /// An independent sequence named `label`, from the same seed: draws from it do not
    /// move this one, and the same seed and label always give the same sequence. For
    /// values made outside the request sequence (the admin token at start) and, later,
    /// one sequence per tenant. Unseeded, another OS source.
    pub fn derive(&self, label: &str) -> Self {
        match &self.seeded {
            None => Self::os(),
            // ChaCha's 64-bit stream number picks a sequence that never overlaps the
            // others of the same key; stream 0 is the main one, labels hash elsewhere.
            Some(s) => Self::stream(s.seed, fnv1a(label).max(1)),
        }
    }

    /// Back to the first value of the sequence (what a reset does). Unseeded: nothing.
    pub fn restart(&self) {
        if let Some(s) = &self.seeded {
            *lock(&s.rng) = Seeded::fresh(s.seed, s.stream);
        }
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&self, buf: &mut [u8]) {
        match &self.seeded {
            None => rand::rng().fill_bytes(buf),
            Some(s) => lock(&s.rng).fill_bytes(buf),
        }
    }

    /// `N` random bytes (a key, the bytes of a UUID: `uuid::Builder::from_random_bytes`).
    pub fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut out = [0; N];
        self.fill(&mut out);
        out
    }

    /// A random `u64`.
    pub fn u64(&self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }

    /// `true` with probability `p` (clamped to `0.0..=1.0`). Draws nothing when `p` is 1
    /// or more, so a certain event does not move the sequence.
    pub fn chance(&self, p: f64) -> bool {
        if p >= 1.0 {
            return true;
        }
        match &self.seeded {
            None => rand::rng().random::<f64>() < p,
            Some(s) => lock(&s.rng).random::<f64>() < p,
        }
    }

    /// `prefix` followed by `n` random bytes in lowercase hex (`adm_…`, `ec_…`).
    pub fn hex_token(&self, prefix: &str, n: usize) -> String {
        let mut bytes = vec![0; n];
        self.fill(&mut bytes);
        let mut s = String::with_capacity(prefix.len() + 2 * n);
        s.push_str(prefix);
        for b in bytes {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

fn lock(m: &Mutex<ChaCha20Rng>) -> std::sync::MutexGuard<'_, ChaCha20Rng> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// FNV-1a, 64 bits: a fixed, dependency-free hash, so a label names the same stream in
/// every build (std's hasher is randomly keyed per process).
fn fnv1a(label: &str) -> u64 {
    label.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence_and_restart_replays_it() {
        let a = Entropy::new(Some(7));
        let b = Entropy::new(Some(7));
        let first: Vec<u64> = (0..4).map(|_| a.u64()).collect();
        assert_eq!(first, (0..4).map(|_| b.u64()).collect::<Vec<_>>());
        a.restart();
        assert_eq!(first, (0..4).map(|_| a.u64()).collect::<Vec<_>>());
        let other = Entropy::new(Some(8));
        assert_ne!(first, (0..4).map(|_| other.u64()).collect::<Vec<_>>());
    }

    #[test]
    fn the_sequence_is_stable_across_builds() {
        // ChaCha20 seeded from 7: a change here changes every seeded snapshot.
        let e = Entropy::new(Some(7));
        assert_eq!(e.hex_token("t_", 8), "t_19454a27b752f905");
    }

    #[test]
    fn derived_sequences_are_independent() {
        let main = Entropy::new(Some(7));
        let admin = main.derive("admin token");
        let first = main.u64();
        main.restart();
        let _ = admin.u64();
        assert_eq!(
            main.u64(),
            first,
            "drawing from a derived sequence moves nothing"
        );
        assert_ne!(admin.u64(), first);
        assert_eq!(
            main.derive("admin token").u64(),
            Entropy::new(Some(7)).derive("admin token").u64()
        );
    }

    #[test]
    fn certain_chances_draw_nothing_and_os_sources_differ() {
        let e = Entropy::new(Some(1));
        let first = e.u64();
        e.restart();
        assert!(e.chance(1.0));
        assert_eq!(e.u64(), first);
        let os = Entropy::os();
        assert_ne!(os.bytes::<16>(), os.bytes::<16>());
        assert_eq!(os.seed(), None);
        os.restart();
    }
}
