//! Replays every seed (`fuzz/corpus/<target>/`) and every crash reproducer
//! (`fuzz/regressions/<target>/`) through the same drive functions `make fuzz` runs under
//! libFuzzer, on stable Rust: an input that once crashed a mock stays fixed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.expect("readable fuzz directory").path();
            if path.is_file() && path.file_name().is_some_and(|n| n != ".gitkeep") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn replay(target: &str) {
    let (_, drive) = fuzz_replay::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    let files = inputs(target);
    assert!(
        files.len() >= 5,
        "fuzz/corpus/{target}/ holds only {} seeds",
        files.len()
    );
    let failed: Vec<String> = files
        .iter()
        .filter(|file| {
            let data = std::fs::read(file).expect("readable input");
            catch_unwind(AssertUnwindSafe(|| drive(&data))).is_err()
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} inputs of {target} failed (each one's panic message is above):\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

#[test]
fn julia_eval() {
    replay("julia_eval");
}

#[test]
fn engee_upload() {
    replay("engee_upload");
}

#[test]
fn linkis_request() {
    replay("linkis_request");
}

#[test]
fn admin_bodies() {
    replay("admin_bodies");
}

#[test]
fn every_target_is_replayed() {
    let names: Vec<&str> = fuzz_replay::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "julia_eval",
            "engee_upload",
            "linkis_request",
            "admin_bodies"
        ]
    );
    for name in names {
        assert!(
            fuzz_dir()
                .join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
    }
}
