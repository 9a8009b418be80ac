//! Arithmetic, comparison and math functions with Julia's Int64/Float64 semantics.

use super::{BFn, R, as_f64, as_int, kwarg, merr};
use crate::errors;
use crate::show::fmt_float;
use crate::value::*;
use crate::vm::Vm;
use std::cmp::Ordering;

type K<'a> = &'a [(Name, Value)];

fn is_num(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::Rational(..)
            | Value::Big(_)
            | Value::F32(_)
    )
}

fn cx(op: &str, a: &[Value]) -> Option<R> {
    if let Some(r) = f32op(op, a) {
        return Some(r);
    }
    super::complex::binop(op, a)
}

/// Float32 arithmetic: Float32 with Float32/Int/Bool stays Float32 (Float64 wins otherwise).
fn f32op(op: &str, a: &[Value]) -> Option<R> {
    let [x, y] = a else { return None };
    let is32 = |v: &Value| matches!(v, Value::F32(_));
    let small = |v: &Value| matches!(v, Value::F32(_) | Value::Int(_) | Value::Bool(_));
    if !(is32(x) || is32(y)) || !small(x) || !small(y) {
        return None;
    }
    let p = as_f64(x)? as f32;
    let q = as_f64(y)? as f32;
    let r = match op {
        "+" => p + q,
        "-" => p - q,
        "*" => p * q,
        "/" => p / q,
        "^" => {
            if p < 0.0 && q.fract() != 0.0 {
                return None;
            }
            if let Value::Int(n) = y {
                p.powi(*n as i32)
            } else {
                p.powf(q)
            }
        }
        _ => return None,
    };
    Some(Ok(Value::F32(r)))
}

fn is_arr(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Range(_) | Value::FRange(_))
}

/// Numeric binary op with promotion: ints use `fi`, floats `ff`.
fn num2(
    name: &str,
    a: &Value,
    b: &Value,
    fi: impl Fn(i64, i64) -> R,
    ff: impl Fn(f64, f64) -> f64,
) -> R {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => fi(*x, *y),
        (Value::Bool(x), Value::Bool(y)) => fi(*x as i64, *y as i64),
        (Value::Int(x), Value::Bool(y)) => fi(*x, *y as i64),
        (Value::Bool(x), Value::Int(y)) => fi(*x as i64, *y),
        _ => match (as_f64(a), as_f64(b)) {
            (Some(x), Some(y)) if is_num(a) && is_num(b) => Ok(Value::Float(ff(x, y))),
            _ => Err(merr(name, &[a.clone(), b.clone()])),
        },
    }
}

fn elementwise(
    vm: &mut Vm,
    name: &str,
    a: &Value,
    b: &Value,
    f: fn(&mut Vm, &[Value], K) -> R,
) -> R {
    let xs = super::collections::iterate_items(vm, a)?;
    let ys = super::collections::iterate_items(vm, b)?;
    if xs.len() != ys.len() {
        return Err(errors::dimension_mismatch(&format!(
            "dimensions must match: a has dims (Base.OneTo({}),), b has dims (Base.OneTo({}),), mismatch at 1",
            xs.len(),
            ys.len()
        )));
    }
    let _ = name;
    let mut out = Vec::with_capacity(xs.len());
    for (x, y) in xs.iter().zip(ys.iter()) {
        out.push(f(vm, &[x.clone(), y.clone()], &[])?);
    }
    let t = promote_elty(&out);
    Ok(Value::vector(t, out))
}

fn scale(
    vm: &mut Vm,
    arr: &Value,
    s: &Value,
    f: fn(&mut Vm, &[Value], K) -> R,
    arr_first: bool,
) -> R {
    let xs = super::collections::iterate_items(vm, arr)?;
    let mut out = Vec::with_capacity(xs.len());
    for x in xs {
        out.push(if arr_first {
            f(vm, &[x, s.clone()], &[])?
        } else {
            f(vm, &[s.clone(), x], &[])?
        });
    }
    let t = promote_elty(&out);
    Ok(Value::vector(t, out))
}

fn has_missing(a: &[Value]) -> bool {
    a.len() == 2
        && a.iter().any(|v| matches!(v, Value::Missing))
        && a.iter().all(|v| matches!(v, Value::Missing) || is_num(v))
}

pub(crate) fn add(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("+", a) {
        return r;
    }
    if let Some(r) = cx("+", a) {
        return r;
    }
    match a {
        _ if has_missing(a) => Ok(Value::Missing),
        [Value::Char(c), Value::Int(i)] | [Value::Int(i), Value::Char(c)] => {
            char::from_u32((*c as i64 + i) as u32)
                .map(Value::Char)
                .ok_or_else(|| merr("+", a))
        }
        [x, y] if is_num(x) && is_num(y) => num2(
            "+",
            x,
            y,
            |p, q| Ok(Value::Int(p.wrapping_add(q))),
            |p, q| p + q,
        ),
        [x, y] if is_arr(x) && is_arr(y) => elementwise(vm, "+", x, y, add),
        [x] if is_num(x) => Ok(match x {
            Value::Bool(b) => Value::Int(*b as i64),
            v => v.clone(),
        }),
        [x, y, rest @ ..] if !rest.is_empty() => {
            let s = add(vm, &[x.clone(), y.clone()], &[])?;
            let mut v = vec![s];
            v.extend_from_slice(rest);
            add(vm, &v, &[])
        }
        _ => Err(merr("+", a)),
    }
}

pub(crate) fn sub(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("-", a) {
        return r;
    }
    if let Some(r) = cx("-", a) {
        return r;
    }
    match a {
        _ if has_missing(a) => Ok(Value::Missing),
        [Value::Char(c), Value::Char(d)] => Ok(Value::Int(*c as i64 - *d as i64)),
        [Value::Char(c), Value::Int(i)] => char::from_u32((*c as i64 - i) as u32)
            .map(Value::Char)
            .ok_or_else(|| merr("-", a)),
        [x, y] if is_num(x) && is_num(y) => num2(
            "-",
            x,
            y,
            |p, q| Ok(Value::Int(p.wrapping_sub(q))),
            |p, q| p - q,
        ),
        [x, y] if is_arr(x) && is_arr(y) => elementwise(vm, "-", x, y, sub),
        [Value::Int(x)] => Ok(Value::Int(x.wrapping_neg())),
        [Value::Bool(x)] => Ok(Value::Int(-(*x as i64))),
        [Value::Float(x)] => Ok(Value::Float(-x)),
        [v @ (Value::ComplexI(..) | Value::ComplexF(..))] => {
            super::complex::unary("-", v).unwrap_or_else(|| Err(merr("-", a)))
        }
        [Value::Rational(n, d)] => Ok(Value::Rational(n.wrapping_neg(), *d)),
        [Value::Big(b)] => Ok(Value::Big(Box::new(-**b))),
        [x] if is_arr(x) => scale(vm, x, &Value::Int(-1), mul, true),
        _ => Err(merr("-", a)),
    }
}

pub(crate) fn mul(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("*", a) {
        return r;
    }
    if let Some(r) = cx("*", a) {
        return r;
    }
    match a {
        _ if has_missing(a) => Ok(Value::Missing),
        [x, y] if is_num(x) && is_num(y) => num2(
            "*",
            x,
            y,
            |p, q| Ok(Value::Int(p.wrapping_mul(q))),
            |p, q| p * q,
        ),
        [Value::Str(x), Value::Str(y)] => {
            vm.alloc(x.len() + y.len(), true)?;
            Ok(Value::string(format!("{x}{y}")))
        }
        [Value::Str(x), Value::Char(y)] => Ok(Value::string(format!("{x}{y}"))),
        [Value::Char(x), Value::Str(y)] => Ok(Value::string(format!("{x}{y}"))),
        [Value::Char(x), Value::Char(y)] => Ok(Value::string(format!("{x}{y}"))),
        [x, y] if is_arr(x) && is_num(y) => scale(vm, x, y, mul, true),
        [x, y] if is_num(x) && is_arr(y) => scale(vm, y, x, mul, false),
        [x, y, rest @ ..] if !rest.is_empty() => {
            let s = mul(vm, &[x.clone(), y.clone()], &[])?;
            let mut v = vec![s];
            v.extend_from_slice(rest);
            mul(vm, &v, &[])
        }
        _ => Err(merr("*", a)),
    }
}

fn ldiv(vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [x, y] => fdiv(vm, &[y.clone(), x.clone()], k),
        _ => Err(merr("\\", a)),
    }
}

pub(crate) fn fdiv(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("/", a) {
        return r;
    }
    if let Some(r) = cx("/", a) {
        return r;
    }
    match a {
        _ if has_missing(a) => Ok(Value::Missing),
        [x, y] if is_num(x) && is_num(y) => {
            let (Some(p), Some(q)) = (as_f64(x), as_f64(y)) else {
                return Err(merr("/", a));
            };
            Ok(Value::Float(p / q))
        }
        [x, y] if is_arr(x) && is_num(y) => scale(vm, x, y, fdiv, true),
        _ => Err(merr("/", a)),
    }
}

fn int_div(name: &str, a: &[Value], f: fn(i64, i64) -> i64, ff: fn(f64, f64) -> f64) -> R {
    match a {
        [x, y] => num2(
            name,
            x,
            y,
            |p, q| {
                if q == 0 || (p == i64::MIN && q == -1) {
                    Err(errors::divide_error())
                } else {
                    Ok(Value::Int(f(p, q)))
                }
            },
            ff,
        ),
        _ => Err(merr(name, a)),
    }
}

fn b_div(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("div", a) {
        return r;
    }
    int_div("div", a, |p, q| p / q, |p, q| (p / q).trunc())
}

fn b_fld(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    int_div(
        "fld",
        a,
        |p, q| {
            let d = p / q;
            if (p % q != 0) && ((p < 0) != (q < 0)) {
                d - 1
            } else {
                d
            }
        },
        |p, q| (p / q).floor(),
    )
}

fn b_cld(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    int_div(
        "cld",
        a,
        |p, q| {
            let d = p / q;
            if (p % q != 0) && ((p < 0) == (q < 0)) {
                d + 1
            } else {
                d
            }
        },
        |p, q| (p / q).ceil(),
    )
}

fn b_rem(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("rem", a) {
        return r;
    }
    match a {
        [x, y] => num2(
            "rem",
            x,
            y,
            |p, q| {
                if q == 0 {
                    Err(errors::divide_error())
                } else if q == -1 {
                    Ok(Value::Int(0))
                } else {
                    Ok(Value::Int(p % q))
                }
            },
            |p, q| p % q,
        ),
        _ => Err(merr("rem", a)),
    }
}

fn b_mod(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("mod", a) {
        return r;
    }
    match a {
        [x, y] => num2(
            "mod",
            x,
            y,
            |p, q| {
                if q == 0 {
                    Err(errors::divide_error())
                } else if q == -1 {
                    Ok(Value::Int(0))
                } else {
                    let r = p % q;
                    Ok(Value::Int(if r != 0 && ((r < 0) != (q < 0)) {
                        r + q
                    } else {
                        r
                    }))
                }
            },
            |p, q| {
                let r = p % q;
                if r != 0.0 && ((r < 0.0) != (q < 0.0)) {
                    r + q
                } else {
                    r
                }
            },
        ),
        _ => Err(merr("mod", a)),
    }
}

fn b_mod1(vm: &mut Vm, a: &[Value], k: K) -> R {
    let m = b_mod(vm, a, k)?;
    match (m, &a[1]) {
        (Value::Int(0), Value::Int(y)) => Ok(Value::Int(*y)),
        (v, _) => Ok(v),
    }
}

fn ipow(base: i64, e: i64) -> i64 {
    let mut result: i64 = 1;
    let mut b = base;
    let mut e = e;
    while e > 0 {
        if e & 1 == 1 {
            result = result.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        e >>= 1;
    }
    result
}

pub(crate) fn pow(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = super::ratbig::binop("^", a) {
        return r;
    }
    if let Some(r) = cx("^", a) {
        return r;
    }
    match a {
        [Value::Int(x), Value::Int(y)] | [Value::Int(x), Value::Int(y), ..] => {
            if *y < 0 {
                if *x == 1 {
                    return Ok(Value::Int(1));
                }
                if *x == -1 {
                    return Ok(Value::Int(if y % 2 == 0 { 1 } else { -1 }));
                }
                let msg = format!(
                    "Cannot raise an integer x to a negative power {y}.\nMake x or {y} a float by adding a zero decimal (e.g., 2.0^{y} or 2^{}.0 instead of 2^{y}) or write 1/x^{}, float(x)^{y}, x^float({y}) or (x//1)^{y}.",
                    y, -y
                );
                return Err(errors::domain_error(&Value::Int(*y), &msg));
            }
            Ok(Value::Int(ipow(*x, *y)))
        }
        [Value::Bool(x), Value::Int(y)] => Ok(Value::Bool(*x || *y == 0)),
        [Value::Float(x), Value::Int(y)] => Ok(Value::Float(x.powf(*y as f64))),
        [x, y] if is_num(x) && is_num(y) => {
            let (Some(p), Some(q)) = (as_f64(x), as_f64(y)) else {
                return Err(merr("^", a));
            };
            if p < 0.0 && q.fract() != 0.0 && q.is_finite() {
                return Err(errors::domain_error(
                    &Value::Float(p),
                    "Exponentiation yielding a complex result requires a complex argument.\nReplace x^y with (x+0im)^y, Complex(x)^y, or similar.",
                ));
            }
            Ok(Value::Float(p.powf(q)))
        }
        [Value::Str(s), Value::Int(n)] | [Value::Str(s), Value::Int(n), ..] => {
            if *n < 0 {
                return Err(errors::argument_error(&format!(
                    "can't repeat a string {n} times"
                )));
            }
            vm.alloc(s.len().saturating_mul(*n as usize), true)?;
            Ok(Value::string(s.repeat(*n as usize)))
        }
        [Value::Char(c), Value::Int(n)] => {
            if *n < 0 {
                return Err(errors::argument_error(&format!(
                    "can't repeat a character {n} times"
                )));
            }
            vm.alloc(*n as usize, true)?;
            Ok(Value::string(c.to_string().repeat(*n as usize)))
        }
        _ => Err(merr("^", a)),
    }
}

fn literal_pow(vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [Value::Int(x), Value::Int(y)] => Ok(Value::Float((*x as f64).powf(*y as f64))),
        _ => pow(vm, a, k),
    }
}

/// Numeric comparison (`cmp`), None for NaN or incomparable.
pub(crate) fn num_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if let Some(o) = super::ratbig::cmp(a, b) {
        return Some(o);
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ => {
            let (x, y) = (as_f64(a)?, as_f64(b)?);
            if !is_num(a) || !is_num(b) {
                return None;
            }
            x.partial_cmp(&y)
        }
    }
}

/// Julia `==`
pub(crate) fn equals(a: &Value, b: &Value) -> bool {
    if let Some(e) = super::complex::equals(a, b) {
        return e;
    }
    equals_d(a, b, 0)
}

fn equals_d(a: &Value, b: &Value, d: usize) -> bool {
    if d > 200 {
        return false;
    }
    let equals = |x: &Value, y: &Value| equals_d(x, y, d + 1);
    match (a, b) {
        (x, y) if is_num(x) && is_num(y) => num_cmp(x, y) == Some(Ordering::Equal),
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Char(x), Value::Char(y)) => x == y,
        (Value::Sym(x), Value::Sym(y)) => x == y,
        (Value::Nothing, Value::Nothing) => true,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equals(p, q))
        }
        (Value::Pair(x), Value::Pair(y)) => equals(&x.0, &y.0) && equals(&x.1, &y.1),
        (Value::NamedTuple(x), Value::NamedTuple(y)) => {
            x.0 == y.0 && x.1.iter().zip(y.1.iter()).all(|(p, q)| equals(p, q))
        }
        (Value::Array(x), Value::Array(y)) => {
            if std::sync::Arc::ptr_eq(x, y) {
                return true;
            }
            let xd = lock(x).data.clone();
            let yd = lock(y).data.clone();
            xd.len() == yd.len() && xd.iter().zip(yd.iter()).all(|(p, q)| equals(p, q))
        }
        (
            Value::Array(_) | Value::Range(_) | Value::FRange(_),
            Value::Array(_) | Value::Range(_) | Value::FRange(_),
        ) => {
            let xs = super::collections::items_simple(a);
            let ys = super::collections::items_simple(b);
            match (xs, ys) {
                (Some(xs), Some(ys)) => {
                    xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(p, q)| equals(p, q))
                }
                _ => false,
            }
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if std::sync::Arc::ptr_eq(x, y) {
                return true;
            }
            let xe = lock(x).entries.clone();
            let yd = lock(y).clone();
            xe.len() == yd.entries.len()
                && xe
                    .iter()
                    .all(|(k, v)| yd.get(k).is_some_and(|w| equals(v, w)))
        }
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Struct(x), Value::Struct(y)) => {
            if std::sync::Arc::ptr_eq(x, y) {
                return true;
            }
            if x.def.name != y.def.name || x.def.mutable {
                return false;
            }
            let xf = lock(&x.fields).clone();
            let yf = lock(&y.fields).clone();
            xf.iter().zip(yf.iter()).all(|(p, q)| equals(p, q))
        }
        (Value::Generic(x), Value::Generic(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Module(x), Value::Module(y)) => x == y,
        (Value::Exception(x), Value::Exception(y)) => x.repr == y.repr,
        _ => false,
    }
}

/// Julia `===`
pub(crate) fn egal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Struct(x), Value::Struct(y)) => {
            std::sync::Arc::ptr_eq(x, y) || (!x.def.mutable && equals(a, b))
        }
        (Value::Float(_), _) | (_, Value::Float(_)) | (Value::Int(_), _) | (_, Value::Int(_)) => {
            false
        }
        (Value::Missing, Value::Missing) => true,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && equals(a, b),
    }
}

/// Julia `isless` / `<` ordering for sorting.
pub(crate) fn less(a: &Value, b: &Value) -> Result<bool, Exc> {
    less_d(a, b, 0)
}

fn less_d(a: &Value, b: &Value, d: usize) -> Result<bool, Exc> {
    if d > 200 {
        return Err(errors::error_exception("comparison nested too deeply"));
    }
    let less = |x: &Value, y: &Value| less_d(x, y, d + 1);
    match (a, b) {
        (x, y) if is_num(x) && is_num(y) => Ok(num_cmp(x, y) == Some(Ordering::Less)),
        (Value::Str(x), Value::Str(y)) => Ok(x < y),
        (Value::Char(x), Value::Char(y)) => Ok(x < y),
        (Value::Sym(x), Value::Sym(y)) => Ok(x < y),
        (Value::Pair(x), Value::Pair(y)) => {
            if !equals(&x.0, &y.0) {
                less(&x.0, &y.0)
            } else {
                less(&x.1, &y.1)
            }
        }
        (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                if less(p, q)? {
                    return Ok(true);
                }
                if less(q, p)? {
                    return Ok(false);
                }
            }
            Ok(x.len() < y.len())
        }
        (Value::Array(_), Value::Array(_)) => {
            let xs = super::collections::items_simple(a).unwrap_or_default();
            let ys = super::collections::items_simple(b).unwrap_or_default();
            for (p, q) in xs.iter().zip(ys.iter()) {
                if less(p, q)? {
                    return Ok(true);
                }
                if less(q, p)? {
                    return Ok(false);
                }
            }
            Ok(xs.len() < ys.len())
        }
        _ => Err(merr("isless", &[a.clone(), b.clone()])),
    }
}

/// `isless` total order (NaN last) used by sort/maximum.
pub(crate) fn isless(a: &Value, b: &Value) -> Result<bool, Exc> {
    if let (Some(x), Some(y)) = (as_f64(a), as_f64(b))
        && is_num(a)
        && is_num(b)
    {
        if x.is_nan() {
            return Ok(false);
        }
        if y.is_nan() {
            return Ok(true);
        }
    }
    less(a, b)
}

fn missing2(a: &[Value]) -> bool {
    a.iter().any(|v| matches!(v, Value::Missing))
}

fn b_eq(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [_, _] if missing2(a) => Ok(Value::Missing),
        [x, y] => Ok(Value::Bool(equals(x, y))),
        _ => Err(merr("==", a)),
    }
}
fn b_ne(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [_, _] if missing2(a) => Ok(Value::Missing),
        [x, y] => Ok(Value::Bool(!equals(x, y))),
        _ => Err(merr("!=", a)),
    }
}
fn b_egal(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::Bool(egal(x, y))),
        _ => Err(merr("===", a)),
    }
}
fn b_negal(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::Bool(!egal(x, y))),
        _ => Err(merr("!==", a)),
    }
}
fn cmp_op(name: &str, a: &[Value], f: fn(Ordering) -> bool) -> R {
    match a {
        [_, _] if missing2(a) => Ok(Value::Missing),
        [x, y] if is_num(x) && is_num(y) => Ok(Value::Bool(num_cmp(x, y).is_some_and(f))),
        [x, y] => {
            let lt = less(x, y).map_err(|_| merr(name, a))?;
            let gt = less(y, x).map_err(|_| merr(name, a))?;
            let o = if lt {
                Ordering::Less
            } else if gt {
                Ordering::Greater
            } else {
                Ordering::Equal
            };
            Ok(Value::Bool(f(o)))
        }
        _ => Err(merr(name, a)),
    }
}
fn b_lt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op("<", a, |o| o == Ordering::Less)
}
fn b_le(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op("<=", a, |o| o != Ordering::Greater)
}
fn b_gt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op(">", a, |o| o == Ordering::Greater)
}
fn b_ge(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op(">=", a, |o| o != Ordering::Less)
}
fn b_isless(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::Bool(isless(x, y)?)),
        _ => Err(merr("isless", a)),
    }
}
fn b_not(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Bool(b)] => Ok(Value::Bool(!b)),
        [Value::Missing] => Ok(Value::Missing),
        _ => Err(merr("!", a)),
    }
}
fn b_bitnot(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(i)] => Ok(Value::Int(!i)),
        [Value::Bool(b)] => Ok(Value::Bool(!b)),
        _ => Err(merr("~", a)),
    }
}
fn bitop(name: &str, a: &[Value], fi: fn(i64, i64) -> i64, fb: fn(bool, bool) -> bool) -> R {
    match a {
        [Value::Bool(x), Value::Bool(y)] => Ok(Value::Bool(fb(*x, *y))),
        [x, y] => match (as_int(x), as_int(y)) {
            (Some(p), Some(q))
                if !matches!(x, Value::Float(_)) && !matches!(y, Value::Float(_)) =>
            {
                Ok(Value::Int(fi(p, q)))
            }
            _ => Err(merr(name, a)),
        },
        _ => Err(merr(name, a)),
    }
}
fn b_and(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop("&", a, |p, q| p & q, |p, q| p & q)
}
fn b_or(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop("|", a, |p, q| p | q, |p, q| p | q)
}
fn b_xor(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop("xor", a, |p, q| p ^ q, |p, q| p ^ q)
}
fn b_shl(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop(
        "<<",
        a,
        |p, q| {
            if (0..64).contains(&q) {
                p << q
            } else if q < 0 && q > -64 {
                p >> -q
            } else {
                0
            }
        },
        |p, _| p,
    )
}
fn b_shr(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop(
        ">>",
        a,
        |p, q| {
            if (0..64).contains(&q) {
                p >> q
            } else if p < 0 {
                -1
            } else {
                0
            }
        },
        |p, _| p,
    )
}
fn b_ushr(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop(
        ">>>",
        a,
        |p, q| {
            if (0..64).contains(&q) {
                ((p as u64) >> q) as i64
            } else {
                0
            }
        },
        |p, _| p,
    )
}

fn f1(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
    match a {
        [x] if is_num(x) => Ok(Value::Float(f(as_f64(x).unwrap_or(0.0)))),
        _ => Err(merr(name, a)),
    }
}

fn neg_domain(name: &str, x: f64) -> Exc {
    errors::domain_error(
        &Value::Float(x),
        &format!(
            "{name} was called with a negative real argument but will only return a complex result if called with a complex argument. Try {name}(Complex(x))."
        ),
    )
}

fn b_sqrt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [v] = a
        && let Some(r) = super::complex::unary("sqrt", v)
    {
        return r;
    }
    match a {
        [x] if is_num(x) => {
            let v = as_f64(x).unwrap_or(0.0);
            if v < 0.0 {
                return Err(neg_domain("sqrt", v));
            }
            Ok(Value::Float(v.sqrt()))
        }
        _ => Err(merr("sqrt", a)),
    }
}
fn b_cbrt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("cbrt", a, f64::cbrt)
}
fn b_exp(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [v] = a
        && let Some(r) = super::complex::unary("exp", v)
    {
        return r;
    }
    f1("exp", a, f64::exp)
}
fn b_exp2(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("exp2", a, f64::exp2)
}
fn b_expm1(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("expm1", a, f64::exp_m1)
}
fn logf(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
    match a {
        [x] if is_num(x) => {
            let v = as_f64(x).unwrap_or(0.0);
            if v < 0.0 {
                return Err(neg_domain(name, v));
            }
            Ok(Value::Float(f(v)))
        }
        [b, x] if is_num(b) && is_num(x) && name == "log" => {
            let (bv, xv) = (as_f64(b).unwrap_or(0.0), as_f64(x).unwrap_or(0.0));
            if xv < 0.0 {
                return Err(neg_domain("log", xv));
            }
            if bv < 0.0 {
                return Err(neg_domain("log", bv));
            }
            Ok(Value::Float(xv.ln() / bv.ln()))
        }
        _ => Err(merr(name, a)),
    }
}
fn b_log(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    logf("log", a, f64::ln)
}
fn b_log2(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    logf("log2", a, f64::log2)
}
fn b_log10(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    logf("log10", a, f64::log10)
}
fn b_log1p(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x] if is_num(x) && as_f64(x).unwrap_or(0.0) < -1.0 => Err(errors::domain_error(
            &Value::Float(as_f64(x).unwrap_or(0.0)),
            "log1p was called with a real argument < -1 but will only return a complex result if called with a complex argument. Try log1p(Complex(x)).",
        )),
        _ => f1("log1p", a, f64::ln_1p),
    }
}
fn trig(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
    match a {
        [x] if is_num(x) => {
            let v = as_f64(x).unwrap_or(0.0);
            if v.is_infinite() {
                return Err(errors::domain_error(
                    &Value::Float(v),
                    &format!("{name}(x) is only defined for finite x."),
                ));
            }
            Ok(Value::Float(f(v)))
        }
        _ => Err(merr(name, a)),
    }
}
fn b_sin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    trig("sin", a, f64::sin)
}
fn b_cos(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    trig("cos", a, f64::cos)
}
fn b_tan(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    trig("tan", a, f64::tan)
}
fn arc(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
    match a {
        [x] if is_num(x) => {
            let v = as_f64(x).unwrap_or(0.0);
            if !(-1.0..=1.0).contains(&v) {
                return Err(errors::domain_error(
                    &Value::Float(v),
                    &format!("{name}(x) is not defined for |x| > 1."),
                ));
            }
            Ok(Value::Float(f(v)))
        }
        _ => Err(merr(name, a)),
    }
}
fn b_asin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    arc("asin", a, f64::asin)
}
fn b_acos(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    arc("acos", a, f64::acos)
}
fn b_atan(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [y, x] if is_num(y) && is_num(x) => Ok(Value::Float(
            as_f64(y).unwrap_or(0.0).atan2(as_f64(x).unwrap_or(0.0)),
        )),
        _ => f1("atan", a, f64::atan),
    }
}
fn b_sinh(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("sinh", a, f64::sinh)
}
fn b_cosh(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("cosh", a, f64::cosh)
}
fn b_tanh(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("tanh", a, f64::tanh)
}
fn b_sind(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("sind", a, |x| {
        if x % 180.0 == 0.0 {
            0.0
        } else {
            x.to_radians().sin()
        }
    })
}
fn b_cosd(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("cosd", a, |x| {
        if (x - 90.0) % 180.0 == 0.0 {
            0.0
        } else {
            x.to_radians().cos()
        }
    })
}
fn b_deg2rad(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("deg2rad", a, f64::to_radians)
}
fn b_rad2deg(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("rad2deg", a, f64::to_degrees)
}
fn b_hypot(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] if is_num(x) && is_num(y) => Ok(Value::Float(
            as_f64(x).unwrap_or(0.0).hypot(as_f64(y).unwrap_or(0.0)),
        )),
        _ => Err(merr("hypot", a)),
    }
}

fn b_abs(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [v] = a
        && let Some(r) = super::complex::unary("abs", v)
    {
        return r;
    }
    match a {
        [Value::Rational(n, d)] => Ok(Value::Rational(n.wrapping_abs(), *d)),
        [Value::Big(b)] => Ok(Value::Big(Box::new(b.abs()))),
        [Value::Int(i)] => Ok(Value::Int(i.wrapping_abs())),
        [Value::Bool(b)] => Ok(Value::Bool(*b)),
        [Value::Float(f)] => Ok(Value::Float(f.abs())),
        _ => Err(merr("abs", a)),
    }
}
fn b_abs2(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let [v] = a
        && let Some(r) = super::complex::unary("abs2", v)
    {
        return r;
    }
    match a {
        [x] => mul(vm, &[x.clone(), x.clone()], k),
        _ => Err(merr("abs2", a)),
    }
}
fn b_sign(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(i)] => Ok(Value::Int(i.signum())),
        [Value::Float(f)] => Ok(Value::Float(if *f == 0.0 || f.is_nan() {
            *f
        } else {
            f.signum()
        })),
        [Value::Bool(b)] => Ok(Value::Bool(*b)),
        _ => Err(merr("sign", a)),
    }
}

fn float_to_int(name: &str, f: f64) -> R {
    if f.is_finite() && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Ok(Value::Int(f as i64))
    } else {
        Err(errors::inexact_error(name, "Int64", &Value::Float(f)))
    }
}

fn rounding(name: &'static str, a: &[Value], k: K, f: fn(f64) -> f64) -> R {
    let digits = kwarg(k, "digits").and_then(as_int);
    let sig = kwarg(k, "sigdigits").and_then(as_int);
    match a {
        [Value::Type(t), x] if **t == crate::value::Ty::Int64 => match x {
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Bool(b) => Ok(Value::Int(*b as i64)),
            Value::Float(v) => float_to_int(name, f(*v)),
            _ => Err(merr(name, a)),
        },
        [Value::Type(t), x] if **t == crate::value::Ty::Float64 => {
            Ok(Value::Float(f(as_f64(x).ok_or_else(|| merr(name, a))?)))
        }
        [Value::Int(i)] => Ok(Value::Int(*i)),
        [Value::Bool(b)] => Ok(Value::Bool(*b)),
        [Value::Float(v)] => {
            if let Some(d) = digits {
                let p = 10f64.powi(d as i32);
                let scaled = v * p;
                let r = f(scaled) / p;
                return Ok(Value::Float(if r.is_finite() { r } else { *v }));
            }
            if let Some(s) = sig {
                if *v == 0.0 {
                    return Ok(Value::Float(0.0));
                }
                let mag = v.abs().log10().floor() as i32;
                let p = 10f64.powi(s as i32 - 1 - mag);
                return Ok(Value::Float(f(v * p) / p));
            }
            Ok(Value::Float(f(*v)))
        }
        _ => Err(merr(name, a)),
    }
}
fn b_round(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("round", a, k, f64::round_ties_even)
}
fn b_floor(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("floor", a, k, f64::floor)
}
fn b_ceil(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("ceil", a, k, f64::ceil)
}
fn b_trunc(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("trunc", a, k, f64::trunc)
}

pub(crate) fn minmax2(a: &Value, b: &Value, want_max: bool) -> R {
    if let (Value::Float(x), _) | (_, Value::Float(x)) = (a, b)
        && x.is_nan()
    {
        return Ok(Value::Float(f64::NAN));
    }
    let a_lt_b = less(a, b).map_err(|_| {
        merr(
            if want_max { "max" } else { "min" },
            &[a.clone(), b.clone()],
        )
    })?;
    let pick = if want_max {
        if a_lt_b { b } else { a }
    } else if a_lt_b {
        a
    } else {
        b
    };
    // promotion: max(1, 2.0) is 2.0
    if is_num(a) && is_num(b) && (matches!(a, Value::Float(_)) || matches!(b, Value::Float(_))) {
        return Ok(Value::Float(as_f64(pick).unwrap_or(0.0)));
    }
    Ok(pick.clone())
}
fn b_max(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if a.len() < 2 {
        return Err(merr("max", a));
    }
    let mut m = a[0].clone();
    for x in &a[1..] {
        m = minmax2(&m, x, true)?;
    }
    Ok(m)
}
fn b_min(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if a.len() < 2 {
        return Err(merr("min", a));
    }
    let mut m = a[0].clone();
    for x in &a[1..] {
        m = minmax2(&m, x, false)?;
    }
    Ok(m)
}
fn b_minmax(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::tuple(vec![
            minmax2(x, y, false)?,
            minmax2(x, y, true)?,
        ])),
        _ => Err(merr("minmax", a)),
    }
}
fn b_clamp(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, lo, hi] => minmax2(&minmax2(x, lo, true)?, hi, false),
        _ => Err(merr("clamp", a)),
    }
}
fn gcd_i(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.wrapping_abs(), b.wrapping_abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}
fn b_gcd(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(x), Value::Int(y)] => Ok(Value::Int(gcd_i(*x, *y))),
        _ => Err(merr("gcd", a)),
    }
}
fn b_lcm(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(x), Value::Int(y)] => {
            if *x == 0 || *y == 0 {
                return Ok(Value::Int(0));
            }
            let g = gcd_i(*x, *y);
            Ok(Value::Int((x / g).wrapping_mul(*y).wrapping_abs()))
        }
        _ => Err(merr("lcm", a)),
    }
}
fn b_factorial(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Big(n)] => {
            if **n < 0 {
                return Err(errors::domain_error(&a[0], "`n` must not be negative."));
            }
            let mut r: i128 = 1;
            for i in 2..=**n {
                r = r.checked_mul(i).ok_or_else(|| errors::overflow_error("BigInt result exceeds 128 bits (julia-lite's BigInt is limited to Int128 range)"))?;
            }
            Ok(Value::Big(Box::new(r)))
        }
        [Value::Int(n)] => {
            if *n < 0 {
                return Err(errors::domain_error(
                    &Value::Int(*n),
                    "`n` must not be negative.",
                ));
            }
            if *n > 20 {
                return Err(errors::overflow_error(&format!(
                    "{n} is too large to look up in the table; consider using `factorial(big({n}))` instead"
                )));
            }
            Ok(Value::Int((1..=*n).product()))
        }
        _ => Err(merr("factorial", a)),
    }
}
fn b_binomial(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(n), Value::Int(k)] => {
            if *k < 0 || k > n {
                return Ok(Value::Int(0));
            }
            let k = (*k).min(n - k);
            let mut r: i128 = 1;
            for i in 0..k {
                r = r * (*n - i) as i128 / (i + 1) as i128;
                if r > i64::MAX as i128 {
                    return Err(errors::overflow_error(&format!(
                        "binomial({n}, {k}) overflows"
                    )));
                }
            }
            Ok(Value::Int(r as i64))
        }
        _ => Err(merr("binomial", a)),
    }
}
fn pred(name: &'static str, a: &[Value], fi: fn(i64) -> bool, ff: fn(f64) -> bool) -> R {
    match a {
        [Value::Int(i)] => Ok(Value::Bool(fi(*i))),
        [Value::Bool(b)] => Ok(Value::Bool(fi(*b as i64))),
        [Value::Float(f)] => Ok(Value::Bool(ff(*f))),
        _ => Err(merr(name, a)),
    }
}
fn b_iseven(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(_)] => Err(merr("iseven", a)),
        _ => pred("iseven", a, |i| i % 2 == 0, |_| false),
    }
}
fn b_isodd(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(_)] => Err(merr("isodd", a)),
        _ => pred("isodd", a, |i| i % 2 != 0, |_| false),
    }
}
fn b_iszero(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("iszero", a, |i| i == 0, |f| f == 0.0)
}
fn b_isone(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isone", a, |i| i == 1, |f| f == 1.0)
}
fn b_isnan(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isnan", a, |_| false, f64::is_nan)
}
fn b_isinf(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isinf", a, |_| false, f64::is_infinite)
}
fn b_isfinite(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isfinite", a, |_| true, f64::is_finite)
}
fn b_isinteger(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred(
        "isinteger",
        a,
        |_| true,
        |f| f.is_finite() && f.fract() == 0.0,
    )
}
fn b_signbit(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("signbit", a, |i| i < 0, f64::is_sign_negative)
}
fn b_zero(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(_)] | [Value::Bool(_)] => Ok(Value::Int(0)),
        [Value::Float(_)] => Ok(Value::Float(0.0)),
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(0)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(0.0)),
        _ => Err(merr("zero", a)),
    }
}
fn b_one(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(_)] | [Value::Bool(_)] => Ok(Value::Int(1)),
        [Value::Float(_)] => Ok(Value::Float(1.0)),
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(1)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(1.0)),
        _ => Err(merr("one", a)),
    }
}
fn b_typemax(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(i64::MAX)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(f64::INFINITY)),
        [Value::Type(t)] if **t == Ty::Bool => Ok(Value::Bool(true)),
        _ => Err(merr("typemax", a)),
    }
}
fn b_typemin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(i64::MIN)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(f64::NEG_INFINITY)),
        [Value::Type(t)] if **t == Ty::Bool => Ok(Value::Bool(false)),
        _ => Err(merr("typemin", a)),
    }
}
fn b_eps(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [] => Ok(Value::Float(f64::EPSILON)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(f64::EPSILON)),
        [Value::Float(x)] => {
            let x = x.abs();
            let next = f64::from_bits(x.to_bits() + 1);
            Ok(Value::Float(next - x))
        }
        _ => Err(merr("eps", a)),
    }
}
fn b_float(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x] if is_num(x) => Ok(Value::Float(as_f64(x).unwrap_or(0.0))),
        [x @ (Value::Array(_) | Value::Range(_))] => {
            let items = super::collections::iterate_items(vm, x)?;
            let out: Result<Vec<Value>, Exc> = items
                .iter()
                .map(|v| as_f64(v).map(Value::Float).ok_or_else(|| merr("float", a)))
                .collect();
            Ok(Value::vector(Ty::Float64, out?))
        }
        _ => Err(merr("float", a)),
    }
}
fn b_isapprox(_vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [x, y] if is_num(x) && is_num(y) => {
            let (p, q) = (as_f64(x).unwrap_or(0.0), as_f64(y).unwrap_or(0.0));
            let atol = kwarg(k, "atol").and_then(as_f64).unwrap_or(0.0);
            let rtol = kwarg(k, "rtol").and_then(as_f64).unwrap_or(if atol > 0.0 {
                0.0
            } else {
                f64::EPSILON.sqrt()
            });
            Ok(Value::Bool(
                p == q || (p - q).abs() <= atol.max(rtol * p.abs().max(q.abs())),
            ))
        }
        _ => Err(merr("isapprox", a)),
    }
}
fn b_muladd(vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [x, y, z] => {
            let p = mul(vm, &[x.clone(), y.clone()], k)?;
            add(vm, &[p, z.clone()], k)
        }
        _ => Err(merr("muladd", a)),
    }
}
fn b_copysign(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(x), y] if is_num(y) => Ok(Value::Float(x.copysign(as_f64(y).unwrap_or(0.0)))),
        [Value::Int(x), y] if is_num(y) => Ok(Value::Int(if as_f64(y).unwrap_or(0.0) < 0.0 {
            -x.abs()
        } else {
            x.abs()
        })),
        _ => Err(merr("copysign", a)),
    }
}

/// Deterministic xorshift PRNG for `rand` (seeded per workspace start; documented).
fn next_rand(vm: &mut Vm) -> f64 {
    let mut st = *lock(&vm.ws.rng);
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    *lock(&vm.ws.rng) = st;
    (st >> 11) as f64 / (1u64 << 53) as f64
}
fn b_rand(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [] => Ok(Value::Float(next_rand(vm))),
        [Value::Int(n)] => {
            if *n < 0 {
                return Err(errors::argument_error("invalid Array dimensions"));
            }
            vm.alloc(*n as usize, false)?;
            let v: Vec<Value> = (0..*n).map(|_| Value::Float(next_rand(vm))).collect();
            Ok(Value::vector(Ty::Float64, v))
        }
        [r @ (Value::Range(_) | Value::Array(_) | Value::Tuple(_))] => {
            let items = super::collections::iterate_items(vm, r)?;
            if items.is_empty() {
                return Err(errors::argument_error("collection must be non-empty"));
            }
            let i = (next_rand(vm) * items.len() as f64) as usize;
            Ok(items[i.min(items.len() - 1)].clone())
        }
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(next_rand(vm))),
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int((next_rand(vm) * 9.0e18) as i64)),
        [Value::Type(t)] if **t == Ty::Bool => Ok(Value::Bool(next_rand(vm) < 0.5)),
        _ => Err(merr("rand", a)),
    }
}
fn b_randn(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let one = |vm: &mut Vm| {
        let u1 = next_rand(vm).max(1e-300);
        let u2 = next_rand(vm);
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    match a {
        [] => Ok(Value::Float(one(vm))),
        [Value::Int(n)] if *n >= 0 => {
            vm.alloc(*n as usize, false)?;
            let v: Vec<Value> = (0..*n).map(|_| Value::Float(one(vm))).collect();
            Ok(Value::vector(Ty::Float64, v))
        }
        _ => Err(merr("randn", a)),
    }
}
fn b_seed(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = a.last().and_then(as_int).unwrap_or(0) as u64;
    *lock(&vm.ws.rng) = s.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    Ok(Value::Nothing)
}
fn b_fmt_float(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(f)] => Ok(Value::string(fmt_float(*f))),
        _ => Err(merr("_fmt_float", a)),
    }
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("+", add),
    ("-", sub),
    ("*", mul),
    ("/", fdiv),
    ("\\", ldiv),
    ("÷", b_div),
    ("div", b_div),
    ("fld", b_fld),
    ("cld", b_cld),
    ("%", b_rem),
    ("rem", b_rem),
    ("mod", b_mod),
    ("mod1", b_mod1),
    ("^", pow),
    ("_literal_pow", literal_pow),
    ("==", b_eq),
    ("!=", b_ne),
    ("===", b_egal),
    ("!==", b_negal),
    ("≡", b_egal),
    ("<", b_lt),
    ("<=", b_le),
    (">", b_gt),
    (">=", b_ge),
    ("isless", b_isless),
    ("isequal", b_egal),
    ("!", b_not),
    ("~", b_bitnot),
    ("&", b_and),
    ("|", b_or),
    ("⊻", b_xor),
    ("xor", b_xor),
    ("<<", b_shl),
    (">>", b_shr),
    (">>>", b_ushr),
    ("sqrt", b_sqrt),
    ("cbrt", b_cbrt),
    ("exp", b_exp),
    ("exp2", b_exp2),
    ("expm1", b_expm1),
    ("log", b_log),
    ("log2", b_log2),
    ("log10", b_log10),
    ("log1p", b_log1p),
    ("sin", b_sin),
    ("cos", b_cos),
    ("tan", b_tan),
    ("asin", b_asin),
    ("acos", b_acos),
    ("atan", b_atan),
    ("sinh", b_sinh),
    ("cosh", b_cosh),
    ("tanh", b_tanh),
    ("sind", b_sind),
    ("cosd", b_cosd),
    ("deg2rad", b_deg2rad),
    ("rad2deg", b_rad2deg),
    ("hypot", b_hypot),
    ("abs", b_abs),
    ("abs2", b_abs2),
    ("sign", b_sign),
    ("round", b_round),
    ("floor", b_floor),
    ("ceil", b_ceil),
    ("trunc", b_trunc),
    ("max", b_max),
    ("min", b_min),
    ("minmax", b_minmax),
    ("clamp", b_clamp),
    ("gcd", b_gcd),
    ("lcm", b_lcm),
    ("factorial", b_factorial),
    ("binomial", b_binomial),
    ("iseven", b_iseven),
    ("isodd", b_isodd),
    ("iszero", b_iszero),
    ("isone", b_isone),
    ("isnan", b_isnan),
    ("isinf", b_isinf),
    ("isfinite", b_isfinite),
    ("isinteger", b_isinteger),
    ("signbit", b_signbit),
    ("zero", b_zero),
    ("one", b_one),
    ("typemax", b_typemax),
    ("typemin", b_typemin),
    ("eps", b_eps),
    ("float", b_float),
    ("isapprox", b_isapprox),
    ("≈", b_isapprox),
    ("muladd", b_muladd),
    ("fma", b_muladd),
    ("copysign", b_copysign),
    ("rand", b_rand),
    ("randn", b_randn),
    ("Random.seed!", b_seed),
    ("seed!", b_seed),
    ("_fmt_float", b_fmt_float),
];
