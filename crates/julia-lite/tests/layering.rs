//! The layering of julia-lite's modules: a module may use modules of its own layer or of
//! layers below, never one above. The test reads every `crate::…` path in `src/` (in `use`
//! lines and inline) and fails on an upward one.
use std::path::Path;

/// Layers from the bottom up; every top-level module of `src/` must be listed.
const LAYERS: &[&[&str]] = &[
    &["ast", "lexer"],
    &["parser"],
    &[
        "value", "types", "errors", "show", "bytecode", "memory", "natives", "host", "unparse",
    ],
    &["compiler"],
    &["vm"],
    &["builtins", "native"],
    &["lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// (file, line number, line) of every source file under `dir`, recursively.
fn source_lines(dir: &Path, out: &mut Vec<(String, usize, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            source_lines(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            for (i, line) in text.lines().enumerate() {
                out.push((path.display().to_string(), i + 1, line.to_string()));
            }
        }
    }
}

/// The top-level module a file under `src/` belongs to (`builtins/math.rs` -> `builtins`).
fn module_of_file(src: &Path, file: &str) -> String {
    let rel = Path::new(file).strip_prefix(src).expect("file under src");
    let first = rel.components().next().expect("non-empty path");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Top-level modules named by `crate::x` paths and `use crate::{x, …}` groups on a line.
fn crate_refs(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut refs = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            for item in group.split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    refs.push(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            refs.push(name);
        }
    }
    refs
}

#[test]
fn lower_modules_never_use_upper_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut lines = Vec::new();
    source_lines(&src, &mut lines);
    assert!(lines.len() > 1000, "read only {} lines", lines.len());
    let mut violations = Vec::new();
    let mut checked = 0;
    for (file, n, line) in &lines {
        let module = module_of_file(&src, file);
        let own = layer_of(&module)
            .unwrap_or_else(|| panic!("module `{module}` ({file}) is in no layer of LAYERS"));
        for target in crate_refs(line) {
            // items defined in lib.rs itself (e.g. `crate::Workspace`) belong to the top layer
            let target_layer = layer_of(&target).unwrap_or(LAYERS.len() - 1);
            checked += 1;
            if target_layer > own {
                violations.push(format!(
                    "{file}:{n}: `{module}` uses `{target}`: {}",
                    line.trim()
                ));
            }
        }
    }
    assert!(checked > 50, "found only {checked} crate paths");
    assert!(
        violations.is_empty(),
        "upward imports:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_scanner_sees_paths_and_groups() {
    assert_eq!(crate_refs("use crate::vm::Vm;"), ["vm"]);
    assert_eq!(
        crate_refs("use crate::{Limits, host::Host};"),
        ["Limits", "host"]
    );
    assert_eq!(
        crate_refs("    let x = crate::builtins::f(1); // crate::vm"),
        ["builtins"]
    );
}
