//! Built-in functions, split by area. Each area exports `FNS`, a table of (name, function).

pub(crate) mod collections;
pub(crate) mod complex;
pub(crate) mod json;
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

pub(crate) fn call_builtin(vm: &mut Vm, id: u16, args: &[Value], kw: &[(Name, Value)]) -> R {
    // a builtin call can do much more work than an instruction: weigh it so the budget and
    // time-slice checks (every 1024 steps) come sooner
    vm.steps += 8;
    let v = match table().fns.get(id as usize) {
        Some((_, f)) => f(vm, args, kw)?,
        None => match crate::native::call(vm, id, args, kw) {
            Some(r) => r?,
            None => return Err(errors::error_exception("internal error: unknown builtin")),
        },
    };
    // charge what the call created, whether or not the builtin accounted for it itself
    let fresh = crate::memory::fresh_size(&v);
    if fresh > 0 {
        vm.alloc(fresh, true)?;
    }
    Ok(v)
}

pub(crate) fn merr(name: &str, args: &[Value]) -> Exc {
    method_error(name, args)
}

pub(crate) fn kwarg<'a>(kw: &'a [(Name, Value)], name: &str) -> Option<&'a Value> {
    kw.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
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

/// Convert `v` to type `t` (Julia `convert`), used for typed containers and constructors.
pub(crate) fn convert(t: &Ty, v: Value) -> R {
    match (t, &v) {
        (Ty::Any, _) => Ok(v),
        (Ty::Union(n, _), _) if isa(&v, n) => Ok(v),
        (Ty::Union(_, t), _) => convert(t, v),
        (Ty::Int64, Value::Int(_)) => Ok(v),
        (Ty::Int64, Value::Rational(..) | Value::Big(_)) => as_int(&v)
            .map(Value::Int)
            .ok_or_else(|| errors::inexact_error("Int64", "Int64", &v)),
        (Ty::Float64, Value::Rational(..) | Value::Big(_)) => {
            Ok(Value::Float(as_f64(&v).unwrap_or(f64::NAN)))
        }
        (Ty::Rational, Value::Int(i)) => Ok(Value::Rational(*i, 1)),
        (Ty::Float32, _)
            if as_f64(&v).is_some() && !matches!(v, Value::ComplexI(..) | Value::ComplexF(..)) =>
        {
            Ok(Value::F32(as_f64(&v).unwrap_or(0.0) as f32))
        }
        (Ty::Float64, Value::F32(f)) => Ok(Value::Float(*f as f64)),
        (Ty::BigInt, Value::Int(i)) => Ok(Value::Big(Box::new(*i as i128))),
        (Ty::Int64, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
        (Ty::Int64, Value::Float(f)) => {
            if f.fract() == 0.0 && *f >= -9.223_372_036_854_776e18 && *f < 9.223_372_036_854_776e18
            {
                Ok(Value::Int(*f as i64))
            } else {
                Err(errors::inexact_error("Int64", "Int64", &v))
            }
        }
        (Ty::Float64, Value::Int(i)) => Ok(Value::Float(*i as f64)),
        (Ty::Float64, Value::Float(_)) => Ok(v),
        (Ty::Float64, Value::Bool(b)) => Ok(Value::Float(*b as i64 as f64)),
        (Ty::Bool, Value::Bool(_)) => Ok(v),
        (Ty::Bool, Value::Int(i)) if *i == 0 || *i == 1 => Ok(Value::Bool(*i == 1)),
        (Ty::Bool, Value::Int(_)) => Err(errors::inexact_error("Bool", "Bool", &v)),
        (Ty::String, Value::Str(_)) => Ok(v),
        (Ty::Char, Value::Char(_)) => Ok(v),
        (Ty::Symbol, Value::Sym(_)) => Ok(v),
        (Ty::Struct(n), Value::Str(_)) if n.starts_with("SubString") => Ok(v),
        _ if isa(&v, t) => Ok(v),
        _ => Err(errors::exc(
            "MethodError",
            format!(
                "MethodError: Cannot `convert` an object of type {} to an object of type {}",
                type_name(&typeof_val(&v)),
                type_name(t)
            ),
            format!(
                "MethodError(convert, ({}, {}), 0x0000000000007b3c)",
                type_name(t),
                repr(&v)
            ),
            vec![],
        )),
    }
}

/// Calling a type: constructors and conversions.
pub(crate) fn construct(vm: &mut Vm, callee: &Value, args: &[Value], kw: &[(Name, Value)]) -> R {
    let t = match callee {
        Value::StructType(d) => {
            if args.len() != d.fields.len() {
                return Err(merr(&d.name, args));
            }
            let mut vals = Vec::new();
            for ((_, ft), a) in d.fields.iter().zip(args) {
                vals.push(match ft {
                    Some(t) => convert(t, a.clone())?,
                    None => a.clone(),
                });
            }
            return Ok(Value::Struct(Arc::new(StructV {
                def: d.clone(),
                fields: Mutex::new(vals),
            })));
        }
        Value::Type(t) => (**t).clone(),
        _ => return Err(errors::not_callable(callee)),
    };
    let tn = type_name(&t);
    match &t {
        Ty::Int64 | Ty::Float64 | Ty::Bool => {
            let [a] = args else {
                return Err(merr(&tn, args));
            };
            match (&t, a) {
                (Ty::Int64, Value::Float(f)) => {
                    if f.fract() == 0.0
                        && *f >= -9.223_372_036_854_776e18
                        && *f < 9.223_372_036_854_776e18
                    {
                        Ok(Value::Int(*f as i64))
                    } else {
                        Err(errors::inexact_error("Int64", "Int64", a))
                    }
                }
                (Ty::Int64, Value::Char(c)) => Ok(Value::Int(*c as i64)),
                (Ty::Float64, Value::Str(_)) | (Ty::Int64, Value::Str(_)) => Err(merr(&tn, args)),
                _ => convert(&t, a.clone()),
            }
        }
        Ty::Rational => match args {
            [a, b] => ratbig::binop("//", &[a.clone(), b.clone()])
                .unwrap_or_else(|| call_builtin(vm, builtin_id("//").unwrap_or(0), args, kw)),
            [a] => convert(&t, a.clone()),
            _ => Err(merr(&tn, args)),
        },
        Ty::BigInt => call_builtin(vm, builtin_id("big").unwrap_or(0), args, kw),
        Ty::Float32 => match args {
            [a] => convert(&t, a.clone()),
            _ => Err(merr(&tn, args)),
        },
        Ty::Char => match args {
            [Value::Int(i)] => char::from_u32(*i as u32)
                .map(Value::Char)
                .ok_or_else(|| errors::argument_error("invalid Char code point")),
            [c @ Value::Char(_)] => Ok(c.clone()),
            _ => Err(merr(&tn, args)),
        },
        Ty::String => match args {
            [Value::Str(s)] => Ok(Value::Str(s.clone())),
            [Value::Sym(s)] => Ok(Value::Str(s.clone())),
            [Value::Char(c)] => Ok(Value::string(c.to_string())),
            [Value::Array(a)] => {
                let g = lock(a);
                let s: String = g.data.iter().map(to_string).collect();
                Ok(Value::string(s))
            }
            _ => Err(merr(&tn, args)),
        },
        Ty::Symbol => {
            let s: String = args.iter().map(to_string).collect();
            Ok(Value::Sym(s.into()))
        }
        Ty::Array(et, _) => {
            // Vector{T}() or Vector{T}(undef, n)
            match args {
                [] => Ok(Value::vector((**et).clone(), vec![])),
                [Value::Nothing | Value::Missing | Value::Sym(_), n] | [Value::Module(_), n] => {
                    let n = as_int(n).ok_or_else(|| merr(&tn, args))?;
                    if n < 0 {
                        return Err(errors::argument_error(&format!(
                            "invalid Array dimensions: ({n},)"
                        )));
                    }
                    vm.alloc(n as usize, false)?;
                    let fill = match **et {
                        Ty::Int64 => Value::Int(0),
                        Ty::Float64 => Value::Float(0.0),
                        Ty::Bool => Value::Bool(false),
                        _ => Value::Nothing,
                    };
                    Ok(Value::vector((**et).clone(), vec![fill; n as usize]))
                }
                [v] => {
                    let items = collections::iterate_items(vm, v)?;
                    let mut out = Vec::with_capacity(items.len());
                    for x in items {
                        out.push(convert(et, x)?);
                    }
                    Ok(Value::vector((**et).clone(), out))
                }
                _ => Err(merr(&tn, args)),
            }
        }
        Ty::Dict(kt, vt) => {
            let (kt, vt, infer) = if **kt == Ty::Any && **vt == Ty::Any {
                (Ty::Any, Ty::Any, true)
            } else {
                ((**kt).clone(), (**vt).clone(), false)
            };
            let mut pairs: Vec<(Value, Value)> = Vec::new();
            let items: Vec<Value> = if args.len() == 1 && !matches!(args[0], Value::Pair(_)) {
                collections::iterate_items(vm, &args[0])?
            } else {
                args.to_vec()
            };
            for a in items {
                match a {
                    Value::Pair(p) => pairs.push((p.0.clone(), p.1.clone())),
                    Value::Tuple(t) if t.len() == 2 => pairs.push((t[0].clone(), t[1].clone())),
                    other => {
                        return Err(errors::argument_error(&format!(
                            "Dict(kv): kv needs to be an iterator of 2-tuples or pairs, got {}",
                            repr(&other)
                        )));
                    }
                }
            }
            let _ = kw;
            let (kt, vt) = if infer && !pairs.is_empty() && args.len() != 1 {
                let ks: Vec<Value> = pairs.iter().map(|p| p.0.clone()).collect();
                let vs: Vec<Value> = pairs.iter().map(|p| p.1.clone()).collect();
                (uniform_ty(&ks), uniform_ty(&vs))
            } else if infer && !pairs.is_empty() {
                let ks: Vec<Value> = pairs.iter().map(|p| p.0.clone()).collect();
                let vs: Vec<Value> = pairs.iter().map(|p| p.1.clone()).collect();
                (uniform_ty(&ks), uniform_ty(&vs))
            } else {
                (kt, vt)
            };
            let mut d = DictV::new(kt.clone(), vt.clone());
            for (k, v) in pairs {
                d.insert(convert(&kt, k)?, convert(&vt, v)?);
            }
            Ok(Value::Dict(Arc::new(Mutex::new(d))))
        }
        Ty::Pair(..) => match args {
            [a, b] => Ok(Value::pair(a.clone(), b.clone())),
            _ => Err(merr(&tn, args)),
        },
        Ty::Tuple(_) => match args {
            [v] => Ok(Value::tuple(collections::iterate_items(vm, v)?)),
            _ => Ok(Value::tuple(args.to_vec())),
        },
        Ty::Exc(name) => Ok(Value::Exception(Arc::new(make_exception(name, args)))),
        Ty::Nothing => Err(merr("Nothing", args)),
        _ => Err(merr(&tn, args)),
    }
}

/// Element type for Dict keys/values: Julia takes the common type, or Any when mixed.
fn uniform_ty(vals: &[Value]) -> Ty {
    let mut t: Option<Ty> = None;
    for v in vals {
        let vt = typeof_val(v);
        match &t {
            None => t = Some(vt),
            Some(c) if *c == vt => {}
            Some(c) => {
                let j = join_ty(c, &vt);
                t = Some(j);
            }
        }
    }
    t.unwrap_or(Ty::Any)
}

pub(crate) fn make_exception(name: &str, args: &[Value]) -> Exc {
    let s = |i: usize| args.get(i).map(to_string).unwrap_or_default();
    match name {
        "ErrorException" => errors::error_exception(&s(0)),
        "ArgumentError" => errors::argument_error(&s(0)),
        "AssertionError" => errors::assertion_error(&s(0)),
        "DimensionMismatch" => errors::dimension_mismatch(&s(0)),
        "OverflowError" => errors::overflow_error(&s(0)),
        "DivideError" => errors::divide_error(),
        "StackOverflowError" => errors::stack_overflow(),
        "InterruptException" => errors::exc(
            "InterruptException",
            "InterruptException:".into(),
            "InterruptException()".into(),
            vec![],
        ),
        "UndefVarError" => errors::undef_var(&s(0)),
        "KeyError" => errors::key_error(args.first().unwrap_or(&Value::Nothing)),
        "DomainError" => match args {
            [v] => errors::exc(
                "DomainError",
                format!("DomainError with {}", repr(v)),
                format!("DomainError({}, \"\")", repr(v)),
                vec![("val", v.clone())],
            ),
            [v, m, ..] => errors::domain_error(v, &to_string(m)),
            [] => errors::custom("DomainError", args),
        },
        "BoundsError" => match args {
            [a, i] => errors::bounds_error(a, std::slice::from_ref(i)),
            _ => errors::exc(
                "BoundsError",
                "BoundsError".into(),
                "BoundsError()".into(),
                vec![],
            ),
        },
        "InexactError" => match args {
            [Value::Sym(f), t, v] => errors::inexact_error(f, &to_string(t), v),
            _ => errors::custom("InexactError", args),
        },
        other => errors::custom(other, args),
    }
}

pub(crate) fn getfield(vm: &mut Vm, obj: &Value, name: &Name) -> R {
    let n: &str = name;
    match obj {
        Value::Module(m) => {
            let full = format!("{m}.{n}");
            if let Some(id) = builtin_id(&full) {
                return Ok(Value::Builtin(id));
            }
            match &**m {
                "Base" | "Core" | "Main" | "Math" | "Statistics" | "LinearAlgebra" | "Printf"
                | "Random" | "Iterators" => vm.load_global(name),
                _ => Err(errors::undef_var(n)).map_err(|mut e: Exc| {
                    e.msg = format!("UndefVarError: `{n}` not defined");
                    e
                }),
            }
        }
        Value::NamedTuple(nt) => match nt.0.iter().position(|k| &**k == n) {
            Some(i) => Ok(nt.1[i].clone()),
            None => Err(no_field(obj, n)),
        },
        Value::Struct(s) => match s.def.fields.iter().position(|(k, _)| &**k == n) {
            Some(i) => Ok(lock(&s.fields)[i].clone()),
            None => Err(no_field(obj, n)),
        },
        Value::Exception(e) => match errors::exc_field(e, n) {
            Some(v) => Ok(v),
            None => Err(no_field(obj, n)),
        },
        Value::Pair(p) => match n {
            "first" => Ok(p.0.clone()),
            "second" => Ok(p.1.clone()),
            _ => Err(no_field(obj, n)),
        },
        Value::Range(r) => match n {
            "start" => Ok(Value::Int(r.0)),
            "stop" => Ok(Value::Int(r.2)),
            "step" if r.1 != 1 => Ok(Value::Int(r.1)),
            _ => Err(no_field(obj, n)),
        },
        Value::Dict(_)
        | Value::Array(_)
        | Value::Str(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::Tuple(_)
        | Value::Nothing
        | Value::Bool(_) => Err(no_field(obj, n)),
        Value::Type(_) | Value::Generic(_) | Value::Builtin(_) | Value::StructType(_) => match n {
            "name" => Ok(Value::sym(&repr(obj))),
            _ => Err(no_field(obj, n)),
        },
        _ => Err(no_field(obj, n)),
    }
}

fn no_field(obj: &Value, n: &str) -> Exc {
    let t = type_name(&typeof_val(obj));
    match obj {
        Value::NamedTuple(_) | Value::Struct(_) | Value::Exception(_) => errors::exc(
            "ErrorException",
            format!(
                "type {} has no field {n}",
                t.split('{').next().unwrap_or(&t)
            ),
            format!(
                "ErrorException(\"type {} has no field {n}\")",
                t.split('{').next().unwrap_or(&t)
            ),
            vec![],
        ),
        _ => errors::exc(
            "ErrorException",
            format!(
                "type {} has no field {n}",
                t.split('{').next().unwrap_or(&t)
            ),
            format!(
                "ErrorException(\"type {} has no field {n}\")",
                t.split('{').next().unwrap_or(&t)
            ),
            vec![],
        ),
    }
}

pub(crate) fn setfield(obj: &Value, name: &str, v: Value) -> Result<(), Exc> {
    match obj {
        Value::Struct(s) => {
            let Some(i) = s.def.fields.iter().position(|(k, _)| &**k == name) else {
                return Err(no_field(obj, name));
            };
            if !s.def.mutable {
                let msg = format!(
                    "setfield!: immutable struct of type {} cannot be changed",
                    s.def.name
                );
                return Err(errors::error_exception(&msg));
            }
            let v = match &s.def.fields[i].1 {
                Some(t) => convert(t, v)?,
                None => v,
            };
            lock(&s.fields)[i] = v;
            Ok(())
        }
        Value::NamedTuple(_) => Err(errors::error_exception(&format!(
            "setfield!: immutable struct of type {} cannot be changed",
            type_name(&typeof_val(obj))
                .split('{')
                .next()
                .unwrap_or("NamedTuple")
        ))),
        _ => Err(no_field(obj, name)),
    }
}

pub(crate) fn using(vm: &mut Vm, name: &str) -> Result<(), Exc> {
    let known = [
        "DataFrames",
        "CSV",
        "Plots",
        "JSON",
        "JSON3",
        "Statistics",
        "LinearAlgebra",
        "Printf",
        "Dates",
        "Random",
        "Base",
        "Main",
        "Test",
    ];
    let root = name.split('.').next().unwrap_or(name);
    if known.contains(&root) || crate::natives::is_module(root) {
        lock(&vm.ws.using).insert(root.to_string());
        Ok(())
    } else {
        Err(errors::argument_error(&format!(
            "Package {root} not found in current path.\n- Run `import Pkg; Pkg.add(\"{root}\")` to install the {root} package."
        )))
    }
}

/// Element-wise application of a builtin (for `.+`, `.*`, ...).
pub(crate) fn broadcast(vm: &mut Vm, id: u16, args: &[Value]) -> R {
    let mut len: Option<usize> = None;
    let mut seqs: Vec<Option<Vec<Value>>> = Vec::new();
    let mut any_tuple = false;
    for a in args {
        match a {
            Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_) => {
                if matches!(a, Value::Tuple(_)) {
                    any_tuple = true;
                }
                let items = collections::iterate_items(vm, a)?;
                match len {
                    None => len = Some(items.len()),
                    Some(l) if l == items.len() || items.len() == 1 => {}
                    Some(1) => len = Some(items.len()),
                    Some(l) => {
                        return Err(errors::dimension_mismatch(&format!(
                            "arrays could not be broadcast to a common size; got a dimension with lengths {l} and {}",
                            items.len()
                        )));
                    }
                }
                seqs.push(Some(items));
            }
            _ => seqs.push(None),
        }
    }
    let Some(n) = len else {
        return call_builtin(vm, id, args, &[]);
    };
    vm.alloc(n, false)?;
    let mut out = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(args.len());
    for i in 0..n {
        buf.clear();
        for (a, s) in args.iter().zip(&seqs) {
            buf.push(match s {
                Some(items) => {
                    if items.len() == 1 {
                        items[0].clone()
                    } else {
                        items[i].clone()
                    }
                }
                None => a.clone(),
            });
        }
        out.push(call_builtin(vm, id, &buf, &[])?);
    }
    if any_tuple
        && args
            .iter()
            .all(|a| !matches!(a, Value::Array(_) | Value::Range(_) | Value::FRange(_)))
    {
        return Ok(Value::tuple(out));
    }
    let elty = promote_elty(&out);
    Ok(Value::vector(elty, out))
}

fn b_typeof(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(Value::ty(typeof_val(v))),
        _ => Err(merr("typeof", a)),
    }
}

fn b_isa(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v, Value::Type(t)] => Ok(Value::Bool(isa(v, t))),
        [v, Value::StructType(d)] => Ok(Value::Bool(
            matches!(v, Value::Struct(s) if Arc::ptr_eq(&s.def, d) || s.def.name == d.name),
        )),
        [_, t] => Err(errors::type_error("isa", "Type", t)),
        _ => Err(merr("isa", a)),
    }
}

fn b_subtype(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(x), Value::Type(y)] => Ok(Value::Bool(
            x.subtype(y) || crate::types::isa(&sample_of(x), y),
        )),
        _ => Err(merr("<:", a)),
    }
}

fn sample_of(t: &Ty) -> Value {
    match t {
        Ty::Int64 => Value::Int(0),
        Ty::Float64 => Value::Float(0.0),
        Ty::Bool => Value::Bool(false),
        Ty::String => Value::str(""),
        Ty::Char => Value::Char('a'),
        Ty::Nothing => Value::Nothing,
        _ => Value::Undef,
    }
}

fn b_throw(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Err(errors::from_value(v.clone())),
        _ => Err(merr("throw", a)),
    }
}

fn b_rethrow(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match (a, &vm.current_exc) {
        ([v], _) => Err(errors::from_value(v.clone())),
        ([], Some(e)) => Err(errors::from_value(e.clone())),
        _ => Err(errors::error_exception(
            "rethrow() not allowed outside a catch block",
        )),
    }
}

fn b_error(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let msg: String = a.iter().map(to_string).collect();
    let mut e = errors::error_exception(&msg);
    e.base_frame = Some(("error(s::String)", "Base ./error.jl:35"));
    Err(e)
}

fn b_sleep(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let secs = match a {
        [v] => as_f64(v).ok_or_else(|| merr("sleep", a))?,
        _ => return Err(merr("sleep", a)),
    };
    if secs < 0.0 || secs.is_nan() {
        return Err(errors::argument_error(&format!(
            "cannot sleep for {} seconds",
            crate::show::fmt_float(secs)
        )));
    }
    let secs = secs.min(1.0e9);
    vm.sleep_req = Some(std::time::Duration::from_secs_f64(secs));
    Ok(Value::Nothing)
}

fn b_time(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    if !a.is_empty() {
        return Err(merr("time", a));
    }
    Ok(Value::Float(vm.host.now()))
}

fn b_time_ns(vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Ok(Value::Int((vm.host.now() * 1e9) as i64))
}

fn b_elapsed(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let t0 = a.first().and_then(as_f64).unwrap_or(0.0);
    Ok(Value::Float(vm.host.now() - t0))
}

fn b_time_report(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let t0 = a.first().and_then(as_f64).unwrap_or(0.0);
    let dt = (vm.host.now() - t0).max(0.0);
    vm.write_out(&format!("  {dt:.6} seconds\n"));
    Ok(Value::Nothing)
}

/// Write to stdout/stderr (captured output) or to an IOBuffer given as first argument.
fn emit(vm: &mut Vm, a: &[Value], s: String) -> Result<(), Exc> {
    if let Some(buf) = a.first().and_then(iobuffer_data) {
        vm.alloc(s.len(), true)?;
        vm.alloc_push(&buf, 1)?;
        lock(&buf).data.push(Value::string(s));
    } else {
        vm.write_out(&s);
    }
    Ok(())
}

fn strip_io(a: &[Value]) -> &[Value] {
    match a.first() {
        Some(v) if is_io(v) => &a[1..],
        _ => a,
    }
}

fn b_print(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let mut s = String::new();
    for v in strip_io(a) {
        s.push_str(&to_string(v));
    }
    emit(vm, a, s)?;
    Ok(Value::Nothing)
}

fn b_println(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let mut s = String::new();
    for v in strip_io(a) {
        s.push_str(&to_string(v));
    }
    s.push('\n');
    emit(vm, a, s)?;
    Ok(Value::Nothing)
}

fn b_show(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let s: String = strip_io(a).iter().map(repr).collect();
    emit(vm, a, s)?;
    Ok(Value::Nothing)
}

fn b_iobuffer(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    if !a.is_empty() {
        return Err(merr("IOBuffer", a));
    }
    Ok(new_iobuffer())
}

fn b_take(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [io] if iobuffer_data(io).is_some() => Ok(Value::string(iobuffer_take(io))),
        _ => Err(merr("take!", a)),
    }
}

fn b_display(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    for v in a {
        let s = display(v);
        vm.write_out(&s);
        vm.write_out("\n");
    }
    Ok(Value::Nothing)
}

/// The REPL `display` form for common containers.
pub(crate) fn display(v: &Value) -> String {
    match v {
        Value::Array(arr) => {
            let (elty, data, dims) = {
                let g = lock(arr);
                (g.elty.clone(), g.data.clone(), g.dims)
            };
            if dims.is_some() {
                return repr(v);
            }
            let mut s = format!("{}-element {}", data.len(), type_name(&Ty::vector(elty)));
            if !data.is_empty() {
                s.push(':');
            }
            for x in &data {
                s.push_str("\n ");
                s.push_str(&repr(x));
            }
            s
        }
        Value::Dict(d) => {
            let (kt, vt, entries) = {
                let g = lock(d);
                (g.kty.clone(), g.vty.clone(), g.entries.clone())
            };
            let n = entries.len();
            let mut s = format!(
                "Dict{{{}, {}}} with {n} {}",
                type_name(&kt),
                type_name(&vt),
                if n == 1 { "entry" } else { "entries" }
            );
            if n > 0 {
                s.push(':');
            }
            for (k, x) in &entries {
                s.push_str(&format!("\n  {} => {}", repr(k), repr(x)));
            }
            s
        }
        Value::Str(_) => repr(v),
        other => repr(other),
    }
}

fn b_log(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let level = a.first().map(to_string).unwrap_or_default();
    let msg: Vec<String> = a.iter().skip(1).map(to_string).collect();
    vm.write_out(&format!("[ {level}: {}\n", msg.join(" ")));
    Ok(Value::Nothing)
}

fn b_nameof(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(t)] => Ok(Value::sym(type_name(t).split('{').next().unwrap_or(""))),
        [Value::StructType(d)] => Ok(Value::Sym(d.name.clone())),
        [Value::Generic(g)] => Ok(Value::Sym(g.name.clone())),
        [Value::Builtin(b)] => Ok(Value::sym(builtin_name(*b))),
        [Value::Module(m)] => Ok(Value::Sym(m.clone())),
        _ => Err(merr("nameof", a)),
    }
}

fn b_identity(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(v.clone()),
        _ => Err(merr("identity", a)),
    }
}

fn b_isnothing(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(Value::Bool(matches!(v, Value::Nothing))),
        _ => Err(merr("isnothing", a)),
    }
}

fn b_ismissing(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(Value::Bool(matches!(v, Value::Missing))),
        _ => Err(merr("ismissing", a)),
    }
}

fn b_something(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    for v in a {
        if !matches!(v, Value::Nothing) {
            return Ok(v.clone());
        }
    }
    Err(errors::argument_error("No value arguments present"))
}

fn b_sprint(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Builtin(f), v] if builtin_name(*f) == "showerror" => match v {
            Value::Exception(e) => Ok(Value::string(errors::showerror(e))),
            other => Ok(Value::string(repr(other))),
        },
        [Value::Builtin(f), v] if builtin_name(*f) == "show" => Ok(Value::string(repr(v))),
        [Value::Builtin(f), v] if builtin_name(*f) == "print" => Ok(Value::string(to_string(v))),
        [Value::Builtin(f), v] if builtin_name(*f) == "display" => Ok(Value::string(display(v))),
        [f @ (Value::Generic(_) | Value::Closure(_)), rest @ ..] => {
            let io = new_iobuffer();
            let mut args = vec![io.clone()];
            args.extend_from_slice(rest);
            crate::vm::call_sync(&vm.ws, &vm.host, &vm.limits, f.clone(), args)?;
            Ok(Value::string(iobuffer_take(&io)))
        }
        _ => Err(errors::error_exception(
            "sprint is supported with show, print, display, showerror and user functions f(io, x)",
        )),
    }
}

fn b_showerror(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let v = match a {
        [Value::Module(_), v] | [v] => v,
        _ => return Err(merr("showerror", a)),
    };
    let s = match v {
        Value::Exception(e) => errors::showerror(e),
        other => repr(other),
    };
    vm.write_out(&s);
    Ok(Value::Nothing)
}

fn b_exit(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Err(errors::error_exception(
        "exit() is not allowed in this workspace",
    ))
}

fn b_dotassign(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let [dst, src] = a else {
        return Err(merr("copyto!", a));
    };
    let Value::Array(arr) = dst else {
        return Err(merr("materialize!", a));
    };
    let n = lock(arr).data.len();
    let items: Vec<Value> = match src {
        Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_) => {
            collections::iterate_items(vm, src)?
        }
        other => vec![other.clone(); n],
    };
    if items.len() != n {
        return Err(errors::dimension_mismatch(
            "array could not be broadcast to match destination",
        ));
    }
    let et = lock(arr).elty.clone();
    let mut conv = Vec::with_capacity(n);
    for x in items {
        conv.push(convert(&et, x)?);
    }
    lock(arr).data = conv;
    Ok(dst.clone())
}

fn b_fieldnames(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::StructType(d)] => Ok(Value::tuple(
            d.fields
                .iter()
                .map(|(n, _)| Value::Sym(n.clone()))
                .collect(),
        )),
        _ => Err(merr("fieldnames", a)),
    }
}

fn b_getfield(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [o, Value::Sym(s)] => getfield(vm, o, s),
        _ => Err(merr("getfield", a)),
    }
}

fn b_hasproperty(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::NamedTuple(nt), Value::Sym(s)] => Ok(Value::Bool(nt.0.iter().any(|k| k == s))),
        [Value::Struct(st), Value::Sym(s)] => {
            Ok(Value::Bool(st.def.fields.iter().any(|(k, _)| k == s)))
        }
        [_, Value::Sym(_)] => Ok(Value::Bool(false)),
        _ => Err(merr("hasproperty", a)),
    }
}

fn b_methods_unsupported(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Err(errors::error_exception(
        "reflection (methods, eval, include, Meta.parse) is not supported by julia-lite",
    ))
}

fn b_supertype(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(t)] => Ok(Value::ty(match **t {
            Ty::Int64 => Ty::Signed,
            Ty::Signed => Ty::Integer,
            Ty::Integer | Ty::AbstractFloat => Ty::Real,
            Ty::Float64 => Ty::AbstractFloat,
            Ty::Real => Ty::Number,
            Ty::String => Ty::AbstractString,
            Ty::Bool => Ty::Integer,
            _ => Ty::Any,
        })),
        _ => Err(merr("supertype", a)),
    }
}

pub(crate) const FNS: &[(&str, BFn)] = &[
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

fn b_noop(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Ok(Value::Nothing)
}

fn b_false(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Ok(Value::Bool(false))
}

/// Small integer types: range-checked like Julia, but the value is kept as an Int64
/// (julia-lite has one integer representation; see README).
fn small_int(name: &str, lo: i128, hi: i128, a: &[Value]) -> R {
    let [v] = a else { return Err(merr(name, a)) };
    let (x, exact) = match v {
        Value::Int(i) => (*i as i128, true),
        Value::Bool(b) => (*b as i128, true),
        Value::Float(f) => (f.trunc() as i128, f.fract() == 0.0 && f.is_finite()),
        _ => return Err(merr(name, a)),
    };
    if !exact {
        return Err(errors::inexact_error(name, name, v));
    }
    if x < lo || x > hi {
        let msg = format!("InexactError: trunc({name}, {})", repr(v));
        return Err(errors::exc(
            "InexactError",
            msg,
            format!("InexactError(:trunc, {name}, {})", repr(v)),
            vec![("val", v.clone())],
        ));
    }
    Ok(Value::Int(x as i64))
}
fn b_int8(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("Int8", i8::MIN as i128, i8::MAX as i128, a)
}
fn b_int16(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("Int16", i16::MIN as i128, i16::MAX as i128, a)
}
fn b_int32(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("Int32", i32::MIN as i128, i32::MAX as i128, a)
}
fn b_uint8(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt8", 0, u8::MAX as i128, a)
}
fn b_uint16(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt16", 0, u16::MAX as i128, a)
}
fn b_uint32(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt32", 0, u32::MAX as i128, a)
}
fn b_uint64(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt64", 0, i64::MAX as i128, a)
}
