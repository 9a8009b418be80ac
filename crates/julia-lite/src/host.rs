//! What a workspace runs against: the budgets (`Limits`), the host services (`Host`: clock,
//! sleep, the user's file store) with two hosts for tests, and the shared state of a
//! workspace (`WsInner`). Below the VM, which reads all three.

use crate::value::{NameMap, Value, lock};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

/// Seed of the pseudo-random generator of a fresh workspace (documented in the README).
pub const RNG_SEED: u64 = 0x2545F4914F6CDD1D;

/// Evaluation budgets. Deserialisable with defaults for every field, so a TOML table can
/// override single fields: `max_steps`, `max_wall_ms`, `max_memory_bytes`, `max_depth`,
/// `max_output_bytes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Interpreter steps (bytecode instructions) per evaluation.
    pub max_steps: u64,
    /// Time spent executing (not sleeping). In config: `max_wall_ms`.
    #[serde(rename = "max_wall_ms", deserialize_with = "de_ms")]
    pub max_wall: Duration,
    /// Live data of the whole workspace (globals plus the running evaluation), see `memory`.
    pub max_memory_bytes: usize,
    /// Julia call depth; deeper recursion raises `StackOverflowError`.
    pub max_depth: usize,
    /// Captured `print`/`println` output; beyond it output is truncated.
    pub max_output_bytes: usize,
}

fn de_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let ms = u64::deserialize(d)?;
    Ok(Duration::from_millis(ms))
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 2_000_000_000,
            max_wall: Duration::from_secs(30),
            max_memory_bytes: 256 * 1024 * 1024,
            max_depth: 10_000,
            max_output_bytes: 1024 * 1024,
        }
    }
}

/// What the evaluator needs from its host (the mock): time and the user's /user file store.
pub trait Host: Send + Sync + 'static {
    /// Sleep `d` on the mock's clock. Must not block a thread.
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    /// Seconds since the Unix epoch on the mock's clock (Julia's `time()`).
    fn now(&self) -> f64;
    /// Read a file of the user's store; `path` is an absolute Julia path like "/user/models/a.json".
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String>;
    /// Write (create or replace) a file in the user's store.
    fn write_file(&self, path: &str, data: &[u8]) -> Result<(), String>;
    /// Frames of the host's own code that called `eval` (signature, location), innermost
    /// first; every stack trace lists them after the user's frames, as Julia would. None by
    /// default.
    fn trace_frames(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// Shared state of a workspace.
pub(crate) struct WsInner {
    /// set once user code defines a method for a built-in name (e.g. `Base.:+`)
    pub overloads: std::sync::atomic::AtomicBool,
    pub globals: Mutex<NameMap<Value>>,
    /// bumped whenever a global bound to a function (a `Generic`) is bound anew or removed,
    /// or a new global name appears: each VM keeps the functions it loaded in a cache that
    /// is valid while this does not change (see `Vm::load_global`)
    pub functions_epoch: std::sync::atomic::AtomicU64,
    pub using: Mutex<HashSet<String>>,
    /// state of the pseudo-random generator (`rand`, `Random.seed!`)
    pub rng: Mutex<u64>,
    /// per-workspace state of native modules, by module name (see `NativeModule`)
    pub module_state: Mutex<HashMap<&'static str, Box<dyn std::any::Any + Send>>>,
    /// upper bound of the workspace's live bytes, see `memory`
    pub accounted: std::sync::atomic::AtomicUsize,
}

/// A host with no file store whose sleep completes immediately; handy for tests.
pub struct NullHost;

impl Host for NullHost {
    fn sleep(&self, _d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async {})
    }
    fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("no such file: {path}"))
    }
    fn write_file(&self, _path: &str, _data: &[u8]) -> Result<(), String> {
        Err("read-only host".into())
    }
}

/// An in-memory host (files in a map, sleep immediate, a settable clock); for tests.
#[derive(Default)]
pub struct MemHost {
    pub files: Mutex<HashMap<String, Vec<u8>>>,
    pub clock: Mutex<f64>,
}

impl Host for MemHost {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        *lock(&self.clock) += d.as_secs_f64();
        Box::pin(async {})
    }
    fn now(&self) -> f64 {
        *lock(&self.clock)
    }
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        lock(&self.files)
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no such file: {path}"))
    }
    fn write_file(&self, path: &str, data: &[u8]) -> Result<(), String> {
        lock(&self.files).insert(path.to_string(), data.to_vec());
        Ok(())
    }
}
