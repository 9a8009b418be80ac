//! The VM's view of the built-in library (`Natives`), installed once by `lib.rs`.

use super::*;

/// What the VM needs from the built-in library. The library (`builtins::Library`) sits above
/// the VM and is installed once by `lib.rs`; the VM knows only this trait. Each default
/// method answers that no library is installed (never reached in a built crate).
pub(crate) trait Natives: Sync {
    fn call(&self, _vm: &mut Vm, _id: u16, _args: &[Value], _kw: &[(Name, Value)]) -> R {
        Err(no_library())
    }
    fn broadcast(&self, _vm: &mut Vm, _id: u16, _args: &[Value]) -> R {
        Err(no_library())
    }
    fn construct(&self, _vm: &mut Vm, _f: &Value, _args: &[Value], _kw: &[(Name, Value)]) -> R {
        Err(no_library())
    }
    fn iterate_items(&self, _vm: &mut Vm, _v: &Value) -> Result<Vec<Value>, Exc> {
        Err(no_library())
    }
    fn getindex(&self, _vm: &mut Vm, _obj: &Value, _idx: &[Value]) -> R {
        Err(no_library())
    }
    fn setindex(&self, _vm: &mut Vm, _obj: &Value, _v: Value, _idx: &[Value]) -> Result<(), Exc> {
        Err(no_library())
    }
    fn getfield(&self, _vm: &mut Vm, _obj: &Value, _name: &Name) -> R {
        Err(no_library())
    }
    fn setfield(&self, _obj: &Value, _name: &str, _v: Value) -> Result<(), Exc> {
        Err(no_library())
    }
    fn lastindex(&self, _obj: &Value, _k: usize, _n: usize) -> Result<i64, Exc> {
        Err(no_library())
    }
    fn convert(&self, _t: &Ty, _v: Value) -> R {
        Err(no_library())
    }
    fn make_range(&self, _start: &Value, _step: Option<&Value>, _stop: &Value) -> R {
        Err(no_library())
    }
    fn iter_init(&self, _vm: &mut Vm, _v: Value) -> Result<IterState, Exc> {
        Err(no_library())
    }
    fn destructure(&self, _vm: &mut Vm, _v: &Value, _n: usize) -> Result<Vec<Value>, Exc> {
        Err(no_library())
    }
    fn using(&self, _vm: &mut Vm, _name: &str) -> Result<(), Exc> {
        Err(no_library())
    }
}

pub(super) type R = Result<Value, Exc>;

pub(super) fn no_library() -> Exc {
    errors::error_exception("internal error: no built-in library installed")
}

pub(super) struct NoLibrary;
impl Natives for NoLibrary {}

pub(super) static NATIVES: std::sync::OnceLock<&'static dyn Natives> = std::sync::OnceLock::new();

/// Install the built-in library (first call wins).
pub(crate) fn install_natives(lib: &'static dyn Natives) {
    NATIVES.get_or_init(|| lib);
}

pub(super) fn natives() -> &'static dyn Natives {
    NATIVES.get().copied().unwrap_or(&NoLibrary)
}
