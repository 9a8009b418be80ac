//! Names of the built-in (native) functions by id. Compiled code and values refer to a
//! built-in by its id (`Op::CallBuiltin`, `Value::Builtin`); the compiler and `typeof` need
//! the names, the VM the functions. The table is installed once by the top of the crate
//! (`lib.rs`, from `builtins`) before the first workspace exists, so the layers below the
//! builtins know names without importing them.
//!
//! Functions of native modules registered at run time (`native::register_module`) get ids
//! from `MODULE_BASE` on, in a second, append-only table: an id once given never changes
//! meaning, so compiled code stays valid while modules are added.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

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

/// First id of the functions of native modules.
pub(crate) const MODULE_BASE: u16 = 0x8000;

/// Names of the functions of registered native modules (id - MODULE_BASE), and the modules.
static MODULE_NAMES: RwLock<Option<(Names, Vec<&'static str>)>> = RwLock::new(None);

/// Register the functions of native module `module` (qualified `module.f` or plain global
/// names); returns the first id given, `None` when the module was registered before or the
/// id space is full.
pub(crate) fn install_module(module: &'static str, names: &[&'static str]) -> Option<u16> {
    let mut g = MODULE_NAMES.write().unwrap_or_else(|e| e.into_inner());
    let (table, modules) = g.get_or_insert_with(|| {
        (
            Names {
                names: vec![],
                ids: HashMap::new(),
            },
            vec![],
        )
    });
    if modules.contains(&module)
        || table.names.len() + names.len() > (u16::MAX - MODULE_BASE) as usize
    {
        return None;
    }
    modules.push(module);
    let first = MODULE_BASE + table.names.len() as u16;
    for n in names {
        let id = MODULE_BASE + table.names.len() as u16;
        table.ids.entry(*n).or_insert(id);
        table.names.push(n);
    }
    Some(first)
}

/// Whether a native module of this name is registered.
pub(crate) fn is_module(name: &str) -> bool {
    let g = MODULE_NAMES.read().unwrap_or_else(|e| e.into_inner());
    g.as_ref().is_some_and(|(_, m)| m.contains(&name))
}

/// The id of the built-in named `name` (the first one registered under it; the built-in
/// library before native modules).
pub(crate) fn builtin_id(name: &str) -> Option<u16> {
    if let Some(id) = NAMES.get().and_then(|t| t.ids.get(name)) {
        return Some(*id);
    }
    let g = MODULE_NAMES.read().unwrap_or_else(|e| e.into_inner());
    g.as_ref()?.0.ids.get(name).copied()
}

/// The name of built-in `id` (`"?"` for an unknown id).
pub(crate) fn builtin_name(id: u16) -> &'static str {
    if id >= MODULE_BASE {
        let g = MODULE_NAMES.read().unwrap_or_else(|e| e.into_inner());
        return g
            .as_ref()
            .and_then(|(t, _)| t.names.get((id - MODULE_BASE) as usize))
            .copied()
            .unwrap_or("?");
    }
    NAMES
        .get()
        .and_then(|t| t.names.get(id as usize))
        .copied()
        .unwrap_or("?")
}
