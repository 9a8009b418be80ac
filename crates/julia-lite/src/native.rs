//! Native modules: Rust functions a host registers so that Julia code can call them, like a
//! package that is always installed (engee-mock registers its simulated `engee` module this
//! way; julia-lite itself knows no such module).
//!
//! A [`NativeModule`] has a name (`engee`) and functions. A function named `engee.run` is
//! reached as `engee.run(…)` (the module is a global named `engee`, and `using engee` is
//! accepted); a function with a plain name (`nrow`) is a global function. A built-in of the
//! same name wins over a plain module function. A module may also index its own structs
//! (`r["x"]`) through [`NativeModule::getindex`].
//!
//! Functions take the interpreter's values and return a value or a Julia exception:
//! `fn(&mut Ctx, args, keyword args) -> Result<Value, Exc>`. [`Ctx`] gives the host (clock,
//! the user's files), output, globals, the memory budget, and a per-workspace state of the
//! module's own type ([`Ctx::state`]). Registration is process-wide and idempotent by name;
//! register before evaluating code that uses the module.

use crate::builtins::collections;
use crate::host::Host;
use crate::vm::Vm;
use std::any::Any;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, MutexGuard, RwLock};

pub use crate::errors::{argument_error, custom as custom_error, error_exception, method_error};
pub use crate::show::{repr, repr_string, to_string};
pub use crate::value::{
    Array, DictV, Exc, Name, NtVals, StructDef, StructV, Ty, Value, len_of, lock,
};

/// A native function: positional and keyword arguments in, a value or an exception out.
pub type NativeFn = fn(&mut Ctx<'_>, &[Value], &[(Name, Value)]) -> Result<Value, Exc>;

/// `getindex` for the module's own values: `None` when `obj` is not one of them.
pub type IndexFn = fn(&mut Ctx<'_>, &Value, &[Value]) -> Option<Result<Value, Exc>>;

/// A module of native functions (see the module documentation).
pub struct NativeModule {
    /// The module's name, a Julia identifier (`engee`).
    pub name: &'static str,
    /// `("module.f", f)` for module functions, `("f", f)` for global functions.
    pub functions: Vec<(&'static str, NativeFn)>,
    /// Indexing of the module's own values, tried before `getindex` reports a MethodError.
    pub getindex: Option<IndexFn>,
}

struct Registry {
    fns: Vec<NativeFn>,
    index: Vec<IndexFn>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    fns: Vec::new(),
    index: Vec::new(),
});

/// Register `module` for every workspace of the process. Registering a module name twice
/// keeps the first registration and returns `false`.
pub fn register_module(module: NativeModule) -> bool {
    // the registry's lock is held while the names are given ids, so an id is never visible
    // before its function
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    let names: Vec<&'static str> = module.functions.iter().map(|(n, _)| *n).collect();
    if crate::natives::install_module(module.name, &names).is_none() {
        return false;
    }
    reg.fns.extend(module.functions.iter().map(|(_, f)| *f));
    reg.index.extend(module.getindex);
    true
}

/// Call the native function with id `id` (an id from `natives::install_module`).
pub(crate) fn call(vm: &mut Vm, id: u16, args: &[Value], kw: &[(Name, Value)]) -> Option<R> {
    let f = {
        let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        *reg.fns
            .get(id.checked_sub(crate::natives::MODULE_BASE)? as usize)?
    };
    Some(f(&mut Ctx { vm }, args, kw))
}

/// `getindex` by a registered module, if one of them knows `obj`.
pub(crate) fn getindex(vm: &mut Vm, obj: &Value, idx: &[Value]) -> Option<R> {
    if !matches!(obj, Value::Struct(_)) {
        return None;
    }
    let hooks: Vec<IndexFn> = REGISTRY
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .index
        .clone();
    let mut cx = Ctx { vm };
    hooks.iter().find_map(|h| h(&mut cx, obj, idx))
}

type R = Result<Value, Exc>;

/// What a native function may use of the running evaluation.
pub struct Ctx<'a> {
    vm: &'a mut Vm,
}

impl Ctx<'_> {
    /// The host: its clock and the user's file store.
    pub fn host(&self) -> Arc<dyn Host> {
        self.vm.host.clone()
    }

    /// Write to the captured output (what `print` writes).
    pub fn write_out(&mut self, s: &str) {
        self.vm.write_out(s);
    }

    /// Bind a global of the workspace (rolled back like user assignments on a memory error).
    pub fn set_global(&mut self, name: &str, v: Value) {
        self.vm.set_global(name.into(), v);
    }

    /// Charge `bytes` new bytes to the memory budget before making them (`OutOfMemoryError`
    /// when over). Values a native function returns are charged anyway; this is for what it
    /// keeps elsewhere (in its state).
    pub fn alloc_bytes(&mut self, bytes: usize) -> Result<(), Exc> {
        self.vm.alloc(bytes, true)
    }

    /// Charge `n` new value slots (24 bytes each) to the memory budget, like
    /// [`Ctx::alloc_bytes`].
    pub fn alloc_values(&mut self, n: usize) -> Result<(), Exc> {
        self.vm.alloc(n, false)
    }

    /// Julia's `obj[idx...]`.
    pub fn getindex(&mut self, obj: &Value, idx: &[Value]) -> R {
        collections::getindex(self.vm, obj, idx)
    }

    /// The module's state in this workspace, created with `Default` on first use. `key` is
    /// the module's name; one state per key.
    pub fn state<T: Any + Send + Default>(&self, key: &'static str) -> State<'_, T> {
        let mut g = lock(&self.vm.ws.module_state);
        if !g.get(key).is_some_and(|b| b.is::<T>()) {
            g.insert(key, Box::new(T::default()));
        }
        State {
            map: g,
            key,
            ty: PhantomData,
        }
    }
}

/// A module's state, locked for as long as this guard lives.
pub struct State<'a, T> {
    map: MutexGuard<'a, HashMap<&'static str, Box<dyn Any + Send>>>,
    key: &'static str,
    ty: PhantomData<T>,
}

impl<T: Any> std::ops::Deref for State<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // `Ctx::state` inserted a `T` under `key` before making the guard
        self.map
            .get(self.key)
            .and_then(|b| b.downcast_ref())
            .expect("state inserted by Ctx::state")
    }
}

impl<T: Any> std::ops::DerefMut for State<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.map
            .get_mut(self.key)
            .and_then(|b| b.downcast_mut())
            .expect("state inserted by Ctx::state")
    }
}

/// The keyword argument `name`, if given.
pub fn kwarg<'a>(kw: &'a [(Name, Value)], name: &str) -> Option<&'a Value> {
    crate::builtins::kwarg(kw, name)
}

/// A real number as `f64` (integers, floats, rationals, Bool).
pub fn as_f64(v: &Value) -> Option<f64> {
    crate::builtins::as_f64(v)
}
