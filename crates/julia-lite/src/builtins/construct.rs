//! Conversion and construction: `convert`, calling a type (`Int(x)`, `Vector{T}()`, struct constructors, exceptions), fixed-width integer constructors.

use super::*;

/// `convert(T, x)` as user code calls it: numbers (`InexactError` when the value does not
/// fit), and arrays element by element (`convert(Vector{Float64}, [1, 2])`).
pub(crate) fn b_convert(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(t), Value::Array(arr)] if matches!(**t, Ty::Array(..)) => {
            let Ty::Array(et, n) = &**t else {
                unreachable!("matched an array type")
            };
            let g = lock(arr).clone();
            let rank = if g.dims.is_some() { 2 } else { 1 };
            if rank != *n || g.wrap != Wrap::None {
                return convert(t, Value::Array(arr.clone()));
            }
            if **et == Ty::Any || g.elty == **et {
                return Ok(Value::Array(arr.clone()));
            }
            let data = g
                .data
                .iter()
                .map(|x| convert(et, x.clone()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(Arc::new(Mutex::new(Array {
                elty: (**et).clone(),
                data,
                dims: g.dims,
                wrap: Wrap::None,
            }))))
        }
        [Value::Type(t), v] => convert(t, v.clone()),
        _ => Err(merr("convert", a)),
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

/// `Matrix(I, m, n)` / `Matrix{T}(I, m, n)` (λ on the diagonal, zeros elsewhere; the
/// element type is λ's unless given) and `Matrix{T}(undef, m, n)` (zero-filled where
/// Julia leaves memory uninitialised, as `Vector{T}(undef, n)`).
fn matrix_of_size(vm: &mut Vm, et: &Ty, args: &[Value], tn: &str) -> R {
    let [what, m, n] = args else {
        return Err(merr(tn, args));
    };
    let (Some(m), Some(n)) = (as_int(m), as_int(n)) else {
        return Err(merr(tn, args));
    };
    if m < 0 || n < 0 {
        return Err(errors::argument_error(&format!(
            "invalid Array dimensions: ({m}, {n})"
        )));
    }
    let (m, n) = (m as usize, n as usize);
    let lambda = match what {
        Value::Struct(s) if s.def.name.starts_with("UniformScaling{") => lock(&s.fields)
            .first()
            .cloned()
            .ok_or_else(|| merr(tn, args))?,
        Value::Sym(u) if &**u == "undef" => {
            if *et == Ty::Any {
                return Err(merr(tn, args));
            }
            Value::Nothing
        }
        _ => return Err(merr(tn, args)),
    };
    let elty = if *et == Ty::Any {
        crate::types::typeof_val(&lambda)
    } else {
        et.clone()
    };
    let zero = match elty {
        Ty::Int64 => Value::Int(0),
        Ty::Float64 => Value::Float(0.0),
        Ty::Bool => Value::Bool(false),
        _ => {
            return Err(errors::error_exception(&format!(
                "`{tn}` with element type {} is not supported by julia-lite",
                type_name(&elty)
            )));
        }
    };
    vm.alloc(m.saturating_mul(n), false)?;
    let diag = if matches!(lambda, Value::Nothing) {
        zero.clone()
    } else {
        convert(&elty, lambda)?
    };
    let data = (0..m * n)
        .map(|k| {
            if k % m == k / m {
                diag.clone()
            } else {
                zero.clone()
            }
        })
        .collect();
    Ok(Value::Array(Arc::new(Mutex::new(Array {
        elty,
        data,
        dims: Some((m, n)),
        wrap: Wrap::None,
    }))))
}

/// Calling a type: constructors and conversions.
pub(crate) fn construct(vm: &mut Vm, callee: &Value, args: &[Value], kw: &[(Name, Value)]) -> R {
    if args
        .iter()
        .any(|a| matches!(a, Value::Irrational(_)) || holds_irrational(a))
    {
        if matches!(callee, Value::StructType(_)) {
            return Err(errors::error_exception(
                "a struct field holding an irrational (π, ℯ) is not supported by julia-lite; use Float64(π)",
            ));
        }
        if args.iter().any(holds_irrational) {
            return Err(refuse_irrational(&crate::show::to_string(callee)));
        }
        // `Float64(pi)`, `float(pi)`, `Complex(pi)`: the Float64 value
        let args: Vec<Value> = args.iter().cloned().map(Value::decay).collect();
        return construct(vm, callee, &args, kw);
    }
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
        Ty::Array(et, 2) if args.len() == 3 => matrix_of_size(vm, et, args, &tn),
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
pub(super) fn uniform_ty(vals: &[Value]) -> Ty {
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

/// Small integer types: range-checked like Julia, but the value is kept as an Int64
/// (julia-lite has one integer representation; see README).
/// `Int8(x)` … `UInt64(x)`: Julia's InexactError for values out of range or not integral;
/// otherwise a refusal (see below).
pub(super) fn small_int(name: &str, lo: i128, hi: i128, a: &[Value]) -> R {
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
    // the value is representable, but julia-lite has no fixed-width integers besides Int64:
    // an Int64 would print, promote and overflow differently (Int8(127) + Int8(1) is -128)
    Err(errors::error_exception(&format!(
        "{name} is not supported by julia-lite (no fixed-width integer types besides Int64); use Int64"
    )))
}

pub(super) fn b_int8(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("Int8", i8::MIN as i128, i8::MAX as i128, a)
}

pub(super) fn b_int16(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("Int16", i16::MIN as i128, i16::MAX as i128, a)
}

pub(super) fn b_int32(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("Int32", i32::MIN as i128, i32::MAX as i128, a)
}

pub(super) fn b_uint8(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt8", 0, u8::MAX as i128, a)
}

pub(super) fn b_uint16(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt16", 0, u16::MAX as i128, a)
}

pub(super) fn b_uint32(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt32", 0, u32::MAX as i128, a)
}

pub(super) fn b_uint64(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    small_int("UInt64", 0, i64::MAX as i128, a)
}
