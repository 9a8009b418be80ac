//! Comparison and logic: `==`, `isequal`, `<`/`isless`, `===`, bit operations and shifts.

use super::*;

/// Numeric comparison (`cmp`), None for NaN or incomparable.
pub(crate) fn num_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if let Some(o) = crate::builtins::ratbig::cmp(a, b) {
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
    if let Some(e) = crate::builtins::complex::equals(a, b) {
        return e;
    }
    equals_d(a, b, 0)
}

pub(super) fn equals_d(a: &Value, b: &Value, d: usize) -> bool {
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
            let xs = crate::builtins::collections::items_simple(a);
            let ys = crate::builtins::collections::items_simple(b);
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
        (Value::Irrational(x), Value::Irrational(y)) => x == y,
        (Value::Irrational(_), _) | (_, Value::Irrational(_)) => false,
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

pub(super) fn less_d(a: &Value, b: &Value, d: usize) -> Result<bool, Exc> {
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
            let xs = crate::builtins::collections::items_simple(a).unwrap_or_default();
            let ys = crate::builtins::collections::items_simple(b).unwrap_or_default();
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

pub(super) fn missing2(a: &[Value]) -> bool {
    a.iter().any(|v| matches!(v, Value::Missing))
}

pub(super) fn b_eq(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [_, _] if missing2(a) => Ok(Value::Missing),
        [x, y] => Ok(Value::Bool(equals(x, y))),
        _ => Err(merr("==", a)),
    }
}

pub(super) fn b_ne(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [_, _] if missing2(a) => Ok(Value::Missing),
        [x, y] => Ok(Value::Bool(!equals(x, y))),
        _ => Err(merr("!=", a)),
    }
}

pub(super) fn b_egal(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::Bool(egal(x, y))),
        _ => Err(merr("===", a)),
    }
}

pub(super) fn b_negal(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::Bool(!egal(x, y))),
        _ => Err(merr("!==", a)),
    }
}

pub(super) fn cmp_op(name: &str, a: &[Value], f: fn(Ordering) -> bool) -> R {
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

pub(super) fn b_lt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op("<", a, |o| o == Ordering::Less)
}

pub(super) fn b_le(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op("<=", a, |o| o != Ordering::Greater)
}

pub(super) fn b_gt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op(">", a, |o| o == Ordering::Greater)
}

pub(super) fn b_ge(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cmp_op(">=", a, |o| o != Ordering::Less)
}

pub(super) fn b_isless(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::Bool(isless(x, y)?)),
        _ => Err(merr("isless", a)),
    }
}

pub(super) fn b_not(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Bool(b)] => Ok(Value::Bool(!b)),
        [Value::Missing] => Ok(Value::Missing),
        _ => Err(merr("!", a)),
    }
}

pub(super) fn b_bitnot(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(i)] => Ok(Value::Int(!i)),
        [Value::Bool(b)] => Ok(Value::Bool(!b)),
        _ => Err(merr("~", a)),
    }
}

pub(super) fn bitop(
    name: &str,
    a: &[Value],
    fi: fn(i64, i64) -> i64,
    fb: fn(bool, bool) -> bool,
) -> R {
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

pub(super) fn b_and(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop("&", a, |p, q| p & q, |p, q| p & q)
}

pub(super) fn b_or(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop("|", a, |p, q| p | q, |p, q| p | q)
}

pub(super) fn b_xor(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    bitop("xor", a, |p, q| p ^ q, |p, q| p ^ q)
}

pub(super) fn b_shl(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_shr(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_ushr(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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
