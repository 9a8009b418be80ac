//! Built-in functions, split by area. Each area exports `FNS`, a table of (name, function).

pub(crate) mod collections;
pub(crate) mod complex;
pub(crate) mod json;
pub(crate) mod linalg;
pub(crate) mod math;
pub(crate) mod prelude;
pub(crate) mod ratbig;
pub(crate) mod strings;

use crate::errors::{self, method_error};
use crate::show::{repr, to_string};
use crate::types::{isa, type_name, typeof_val};
use crate::value::*;
pub(crate) use crate::value::{iobuffer_take, is_io, new_iobuffer};
use crate::vm::Vm;
use std::sync::{Arc, Mutex, OnceLock};

mod broadcast;
mod construct;
mod fields;
mod io;
mod reflection;

pub(crate) use broadcast::*;
pub(crate) use construct::*;
pub(crate) use fields::*;
pub(crate) use io::*;
pub(crate) use reflection::*;

pub(crate) type BFn = fn(&mut Vm, &[Value], &[(Name, Value)]) -> Result<Value, Exc>;
pub(crate) type R = Result<Value, Exc>;

struct Table {
    fns: Vec<(&'static str, BFn)>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut fns: Vec<(&'static str, BFn)> = Vec::new();
        fns.extend_from_slice(math::FNS);
        fns.extend_from_slice(collections::FNS);
        fns.extend_from_slice(strings::FNS);
        fns.extend_from_slice(json::FNS);
        fns.extend_from_slice(ratbig::FNS);
        fns.extend_from_slice(complex::FNS);
        fns.extend_from_slice(linalg::FNS);
        fns.extend_from_slice(FNS);
        Table { fns }
    })
}

pub(crate) use crate::natives::{builtin_id, builtin_name};

/// The names of all built-ins, index = id (for `natives::install`).
pub(crate) fn names() -> Vec<&'static str> {
    table().fns.iter().map(|(n, _)| *n).collect()
}

/// The built-in library as the VM sees it (see `vm::Natives`).
pub(crate) struct Library;

impl crate::vm::Natives for Library {
    fn call(&self, vm: &mut Vm, id: u16, args: &[Value], kw: &[(Name, Value)]) -> R {
        call_builtin(vm, id, args, kw)
    }
    fn broadcast(&self, vm: &mut Vm, id: u16, args: &[Value]) -> R {
        broadcast(vm, id, args)
    }
    fn construct(&self, vm: &mut Vm, callee: &Value, args: &[Value], kw: &[(Name, Value)]) -> R {
        construct(vm, callee, args, kw)
    }
    fn iterate_items(&self, vm: &mut Vm, v: &Value) -> Result<Vec<Value>, Exc> {
        collections::iterate_items(vm, v)
    }
    fn getindex(&self, vm: &mut Vm, obj: &Value, idx: &[Value]) -> R {
        collections::getindex(vm, obj, idx)
    }
    fn setindex(&self, vm: &mut Vm, obj: &Value, v: Value, idx: &[Value]) -> Result<(), Exc> {
        collections::setindex(vm, obj, v, idx)
    }
    fn getfield(&self, vm: &mut Vm, obj: &Value, name: &Name) -> R {
        getfield(vm, obj, name)
    }
    fn setfield(&self, obj: &Value, name: &str, v: Value) -> Result<(), Exc> {
        setfield(obj, name, v)
    }
    fn lastindex(&self, obj: &Value, k: usize, n: usize) -> Result<i64, Exc> {
        collections::lastindex(obj, k, n)
    }
    fn convert(&self, t: &Ty, v: Value) -> R {
        convert(t, v)
    }
    fn make_range(&self, start: &Value, step: Option<&Value>, stop: &Value) -> R {
        collections::make_range(start, step, stop)
    }
    fn iter_init(&self, vm: &mut Vm, v: Value) -> Result<IterState, Exc> {
        collections::iter_init(vm, v)
    }
    fn destructure(&self, vm: &mut Vm, v: &Value, n: usize) -> Result<Vec<Value>, Exc> {
        collections::destructure(vm, v, n)
    }
    fn using(&self, vm: &mut Vm, name: &str) -> Result<(), Exc> {
        using(vm, name)
    }
}

/// `π`/`ℯ` (`Value::Irrational`) as arguments of a built-in: printing and type functions see
/// the irrational itself (`string(pi)` is `π`), comparisons are exact (`pi == 3.141592653589793`
/// is false, as in Julia), every other built-in gets its Float64 value (`sin(pi)`, `2pi`).
fn call_with_irrational(vm: &mut Vm, id: u16, args: &[Value], kw: &[(Name, Value)]) -> R {
    let name = crate::natives::builtin_name(id);
    let bare = |v: &Value| matches!(v, Value::Irrational(_));
    if PRINTS_IRRATIONAL.contains(&name) {
        return call_builtin_inner(vm, id, args, kw);
    }
    if args.iter().any(holds_irrational) {
        return Err(refuse_irrational(name));
    }
    if matches!(
        name,
        "==" | "!=" | "isequal" | "<" | "<=" | ">" | ">=" | "isless" | "≤" | "≥" | "≠"
    ) && let [x, y] = args
        && (bare(x) || bare(y))
    {
        return Ok(Value::Bool(compare_irrational(name, x, y)?));
    }
    if matches!(name, "in" | "∈" | "∉")
        && let [Value::Irrational(c), coll] = args
    {
        // `==` of an irrational is true only for the same irrational
        let found = match coll {
            Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_) => {
                collections::iterate_items(vm, coll)?
                    .iter()
                    .any(|v| matches!(v, Value::Irrational(d) if d == c))
            }
            _ => return Err(refuse_irrational(name)),
        };
        return Ok(Value::Bool(found != (name == "∉")));
    }
    // Julia: `ℯ^x` is `exp(x)` (`ℯ^2` is 7.38905609893065, not Float64(ℯ)^2)
    if matches!(name, "^" | "_literal_pow")
        && let [Value::Irrational('ℯ'), y] = args
        && let Some(exp) = crate::natives::builtin_id("exp")
    {
        return call_builtin(vm, exp, std::slice::from_ref(y), kw);
    }
    let numeric = NUMERIC_ON_IRRATIONAL.contains(&name)
        // `@printf("%.2f", pi)`: a number; `%s` would print `π`
        || (matches!(name, "_printf" | "_sprintf")
            && !args.iter().any(|v| matches!(v, Value::Str(s) if s.contains("%s"))))
        // `v .= pi` into a Float64 array stores Float64(π), as Julia converts
        || (name == "_dotassign!"
            && matches!(args.first(), Some(Value::Array(a)) if lock(a).elty == Ty::Float64));
    if !numeric {
        return Err(refuse_irrational(name));
    }
    // Julia promotes an irrational with a BigInt to BigFloat (refused) and with a Float32 to
    // Float32 (`pi * 1f0` is 3.1415927f0); with anything else to Float64
    if args.iter().any(|v| match v {
        Value::Big(_) => true,
        Value::Array(x) => matches!(lock(x).elty, Ty::Float32 | Ty::BigInt | Ty::Any),
        _ => false,
    }) {
        return Err(refuse_irrational(name));
    }
    let to_f32 = args.iter().any(|v| matches!(v, Value::F32(_)))
        && !args
            .iter()
            .any(|v| matches!(v, Value::Float(_) | Value::ComplexF(..)));
    let decay = |v: Value| match (v, to_f32) {
        (Value::Irrational(c), true) => Value::F32(crate::value::irrational_f64(c) as f32),
        (v, _) => v.decay(),
    };
    let args: Vec<Value> = args.iter().cloned().map(decay).collect();
    let kw: Vec<(Name, Value)> = kw
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().decay()))
        .collect();
    call_builtin_inner(vm, id, &args, &kw)
}

/// Built-ins that print or inspect a value: they see `π` itself (`string(pi)` is `π`).
const PRINTS_IRRATIONAL: &[&str] = &[
    "string",
    "print",
    "println",
    "show",
    "repr",
    "display",
    "typeof",
    "isa",
    "sprint",
    "===",
    "!==",
    "@show",
    "_bc_len",
    "_bc_get",
    "_bc_shape",
];

/// Built-ins that compute with the number: `π` becomes Float64(π) (Julia promotes it so).
pub(super) const NUMERIC_ON_IRRATIONAL: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "÷",
    "%",
    "^",
    "\\",
    "abs",
    "abs2",
    "sign",
    "sqrt",
    "cbrt",
    "exp",
    "exp2",
    "expm1",
    "exp10",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "sec",
    "csc",
    "cot",
    "sind",
    "cosd",
    "tand",
    "sinpi",
    "cospi",
    "deg2rad",
    "rad2deg",
    "hypot",
    "round",
    "floor",
    "ceil",
    "trunc",
    "mod",
    "rem",
    "div",
    "fld",
    "cld",
    "mod2pi",
    "rem2pi",
    "max",
    "min",
    "minmax",
    "clamp",
    "float",
    "Float64",
    "isnan",
    "isinf",
    "isfinite",
    "isinteger",
    "iszero",
    "isone",
    "zero",
    "one",
    "inv",
    "sincos",
    "modf",
    "isapprox",
    "≈",
    "real",
    "imag",
    "conj",
    "angle",
    "complex",
    "cis",
    "@sprintf",
    "@printf",
    "JSON.json",
    "signbit",
    "copysign",
    "flipsign",
    "exponent",
    "significand",
    "nextfloat",
    "prevfloat",
    "eps",
    "muladd",
    "fma",
    "_literal_pow",
    "range",
];

pub(super) fn refuse_irrational(name: &str) -> Exc {
    errors::error_exception(&format!(
        "`{name}` of an irrational (π, ℯ) is not supported by julia-lite; use Float64(π)"
    ))
}

/// A tuple, pair or named tuple that holds `π`/`ℯ` (built-ins other than printing refuse it).
pub(super) fn holds_irrational(v: &Value) -> bool {
    let irr = |x: &Value| matches!(x, Value::Irrational(_));
    match v {
        Value::Tuple(t) => t.iter().any(irr),
        Value::Pair(p) => irr(&p.inner.0) || irr(&p.inner.1),
        Value::NamedTuple(nt) => nt.1.iter().any(irr),
        _ => false,
    }
}

/// Julia compares an irrational with a real exactly; `Float64(π)` and `Float64(ℯ)` lie below
/// the true values, so `x < π` exactly when `x <= Float64(π)`, and no float equals one.
fn compare_irrational(op: &str, x: &Value, y: &Value) -> Result<bool, Exc> {
    let real = |v: &Value| -> Option<f64> {
        match v {
            Value::Irrational(c) => Some(crate::value::irrational_f64(*c)),
            Value::Int(i) if i.unsigned_abs() < (1 << 53) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::F32(f) => Some(*f as f64),
            Value::Bool(b) => Some(*b as i64 as f64),
            _ => None,
        }
    };
    let (Some(a), Some(b)) = (real(x), real(y)) else {
        if matches!(op, "==" | "!=" | "isequal" | "≠")
            && !matches!((x, y), (Value::Irrational(_), Value::Irrational(_)))
            && !matches!(x, Value::Rational(..) | Value::Big(_) | Value::Int(_))
            && !matches!(y, Value::Rational(..) | Value::Big(_) | Value::Int(_))
            && !matches!(x, Value::ComplexI(..) | Value::ComplexF(..))
            && !matches!(y, Value::ComplexI(..) | Value::ComplexF(..))
        {
            // an irrational is never equal to a non-number
            return Ok(matches!(op, "!=" | "≠"));
        }
        return Err(errors::error_exception(&format!(
            "`{op}` of an irrational (π, ℯ) and {} is not supported by julia-lite; use Float64(π)",
            crate::types::type_name(&crate::types::typeof_val(
                if matches!(x, Value::Irrational(_)) {
                    y
                } else {
                    x
                }
            ))
        )));
    };
    // exact value, as (rounded-down Float64, is_irrational)
    let xi = matches!(x, Value::Irrational(_));
    let yi = matches!(y, Value::Irrational(_));
    let eq = xi == yi && a == b;
    // x < y, exactly: an irrational is just above its Float64
    let lt = if a.is_nan() || b.is_nan() {
        false
    } else if xi && !yi {
        b > a
    } else if !xi && yi {
        a <= b
    } else {
        a < b
    };
    let gt = if a.is_nan() || b.is_nan() {
        false
    } else if xi && !yi {
        b <= a
    } else {
        // a float above Float64(π) is above π
        a > b
    };
    Ok(match op {
        "==" | "isequal" => eq,
        "!=" | "≠" => !eq,
        "<" => lt,
        "<=" | "≤" => lt || eq,
        ">" => gt,
        ">=" | "≥" => gt || eq,
        // isless puts NaN last
        _ => {
            if b.is_nan() {
                !a.is_nan()
            } else {
                lt
            }
        }
    })
}

pub(crate) fn call_builtin(vm: &mut Vm, id: u16, args: &[Value], kw: &[(Name, Value)]) -> R {
    if args
        .iter()
        .any(|a| matches!(a, Value::Irrational(_)) || holds_irrational(a))
        || kw.iter().any(|(_, v)| matches!(v, Value::Irrational(_)))
    {
        return call_with_irrational(vm, id, args, kw);
    }
    call_builtin_inner(vm, id, args, kw)
}

fn call_builtin_inner(vm: &mut Vm, id: u16, args: &[Value], kw: &[(Name, Value)]) -> R {
    // a builtin call can do much more work than an instruction: weigh it so the budget and
    // time-slice checks (every 1024 steps) come sooner
    vm.steps += 8;
    if let Some(e) = refuse_matrix(id, args) {
        return Err(e);
    }
    let seen_from = (!kw.is_empty()).then(|| KW_SEEN.with(|s| s.borrow().len()));
    let r = match table().fns.get(id as usize) {
        Some((_, f)) => f(vm, args, kw),
        None => match crate::native::call(vm, id, args, kw) {
            Some(r) => r,
            None => Err(errors::error_exception("internal error: unknown builtin")),
        },
    };
    if let Some(from) = seen_from
        && let Some(unread) = unread_keyword(kw, from)
        && r.is_ok()
    {
        return Err(errors::error_exception(&format!(
            "keyword argument `{unread}` of `{}` is not supported by julia-lite",
            builtin_name(id)
        )));
    }
    let v = r?;
    // charge what the call created, whether or not the builtin accounted for it itself
    let fresh = crate::memory::fresh_size(&v);
    if fresh > 0 {
        vm.alloc(fresh, true)?;
    }
    Ok(v)
}

/// Built-ins whose answer for a matrix would differ from Julia's (they treat it as a vector,
/// where Julia gives `CartesianIndex`es, a matrix, or requires `dims`): refused for matrices
/// until julia-lite has N-d arrays.
const NOT_FOR_MATRICES: &[&str] = &[
    "argmax",
    "argmin",
    "findmax",
    "findmin",
    "_sort",
    "_sort!",
    "_sortperm_keys",
    "reverse",
    "reverse!",
    "cumsum",
    "cumprod",
    "diff",
    "push!",
    "pushfirst!",
    "pop!",
    "popfirst!",
    "append!",
    "insert!",
    "deleteat!",
    "empty!",
    "keys",
    "eachindex",
    "unique!",
    // matrix functions (Julia computes exp(A), sqrt(A)… of a square matrix, not elementwise)
    "exp",
    "log",
    "sqrt",
    "cbrt",
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "asin",
    "acos",
    "atan",
];

fn refuse_matrix(id: u16, args: &[Value]) -> Option<Exc> {
    // cheap test first: most calls have no array argument at all
    if !args.iter().any(|a| matches!(a, Value::Array(_))) {
        return None;
    }
    let name = builtin_name(id);
    if !NOT_FOR_MATRICES.contains(&name) {
        return None;
    }
    let m = args.iter().find_map(|a| match a {
        Value::Array(arr) => lock(arr).dims,
        _ => None,
    })?;
    Some(matrix_refusal(name.trim_start_matches('_'), m))
}

fn matrix_refusal(name: &str, (r, c): (usize, usize)) -> Exc {
    errors::error_exception(&format!(
        "`{name}` of a {r}×{c} matrix is not supported by julia-lite (matrices, 2-d arrays, are supported by few functions yet)"
    ))
}

/// `_no_matrix(x, name)`: the refusal above, for functions of the prelude.
fn b_no_matrix(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Array(arr), Value::Str(name)] => match lock(arr).dims {
            Some(d) => Err(matrix_refusal(name, d)),
            None => Ok(Value::Nothing),
        },
        [_, _] => Ok(Value::Nothing),
        _ => Err(merr("_no_matrix", a)),
    }
}

thread_local! {
    /// Keyword arguments a built-in has read (`kwarg`), as (address of the keyword slice,
    /// name), so that `call_builtin` refuses a call whose keywords the built-in ignored
    /// (`sum(A; dims=1)`) instead of answering as if they were not there.
    static KW_SEEN: std::cell::RefCell<Vec<(usize, Name)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The first keyword of `kw` that the call did not read (reads logged from index `from`);
/// forgets the call's reads, and for a nested call (one built-in calling another with its
/// own keywords) records all of `kw` as read for the caller.
fn unread_keyword(kw: &[(Name, Value)], from: usize) -> Option<Name> {
    let key = kw.as_ptr() as usize;
    KW_SEEN.with(|s| {
        let mut s = s.borrow_mut();
        let from = from.min(s.len());
        let unread = kw
            .iter()
            .find(|(n, _)| !s[from..].iter().any(|(p, m)| *p == key && m == n))
            .map(|(n, _)| n.clone());
        s.truncate(from);
        if from > 0 {
            s.extend(kw.iter().map(|(n, _)| (key, n.clone())));
        }
        unread
    })
}

pub(crate) fn merr(name: &str, args: &[Value]) -> Exc {
    method_error(name, args)
}

/// The keyword argument `name`, if given. Every built-in reads its keywords through this, so
/// `call_builtin` knows which ones it understood.
pub(crate) fn kwarg<'a>(kw: &'a [(Name, Value)], name: &str) -> Option<&'a Value> {
    let found = kw.iter().find(|(n, _)| &**n == name);
    if let Some((n, _)) = found {
        KW_SEEN.with(|s| s.borrow_mut().push((kw.as_ptr() as usize, n.clone())));
    }
    found.map(|(_, v)| v)
}

pub(crate) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
        Value::Rational(n, 1) => Some(*n),
        Value::Big(b) => i64::try_from(**b).ok(),
        _ => None,
    }
}

pub(crate) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::F32(f) => Some(*f as f64),
        other => ratbig::to_f64(other),
    }
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("convert", b_convert),
    ("_bc_shape", b_bc_shape),
    ("_map_shape", b_map_shape),
    ("_matrix_of", b_matrix_of),
    ("_dotassign_index!", b_dotassign_index),
    ("_no_matrix", b_no_matrix),
    ("typeof", b_typeof),
    ("isa", b_isa),
    ("<:", b_subtype),
    ("throw", b_throw),
    ("rethrow", b_rethrow),
    ("error", b_error),
    ("sleep", b_sleep),
    ("time", b_time),
    ("time_ns", b_time_ns),
    ("_elapsed", b_elapsed),
    ("_time_report", b_time_report),
    ("print", b_print),
    ("println", b_println),
    ("show", b_show),
    ("display", b_display),
    ("_log", b_log),
    ("nameof", b_nameof),
    ("identity", b_identity),
    ("isnothing", b_isnothing),
    ("ismissing", b_ismissing),
    ("something", b_something),
    ("sprint", b_sprint),
    ("showerror", b_showerror),
    ("exit", b_exit),
    ("_dotassign!", b_dotassign),
    ("fieldnames", b_fieldnames),
    ("getfield", b_getfield),
    ("getproperty", b_getfield),
    ("hasproperty", b_hasproperty),
    ("hasfield", b_hasproperty),
    ("methods", b_methods_unsupported),
    ("eval", b_methods_unsupported),
    ("include", b_methods_unsupported),
    ("Meta.parse", b_methods_unsupported),
    ("supertype", b_supertype),
    ("flush", b_noop),
    ("Int8", b_int8),
    ("Int16", b_int16),
    ("Int32", b_int32),
    ("UInt8", b_uint8),
    ("UInt16", b_uint16),
    ("UInt32", b_uint32),
    ("UInt64", b_uint64),
    ("IOBuffer", b_iobuffer),
    ("take!", b_take),
    ("write", b_print),
    ("GC.gc", b_noop),
    ("gc", b_noop),
    ("isinteractive", b_false),
];
