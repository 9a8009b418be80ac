//! Names of the built-in (native) functions by id. Compiled code and values refer to a
//! built-in by its id (`Op::CallBuiltin`, `Value::Builtin`); the compiler and `typeof` need
//! the names, the VM the functions. The table is installed once by the top of the crate
//! (`lib.rs`, from `builtins`) before the first workspace exists, so the layers below the
//! builtins know names without importing them.

use std::collections::HashMap;
use std::sync::OnceLock;

struct Names {
    names: Vec<&'static str>,
    ids: HashMap<&'static str, u16>,
}

static NAMES: OnceLock<Names> = OnceLock::new();

/// Install the names (index = id); later calls are ignored.
pub(crate) fn install(names: Vec<&'static str>) {
    NAMES.get_or_init(|| {
        let mut ids = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            ids.entry(*n).or_insert(i as u16);
        }
        Names { names, ids }
    });
}

/// The id of the built-in named `name` (the first one registered under it).
pub(crate) fn builtin_id(name: &str) -> Option<u16> {
    NAMES.get()?.ids.get(name).copied()
}

/// The name of built-in `id` (`"?"` for an unknown id).
pub(crate) fn builtin_name(id: u16) -> &'static str {
    NAMES
        .get()
        .and_then(|t| t.names.get(id as usize))
        .copied()
        .unwrap_or("?")
}
