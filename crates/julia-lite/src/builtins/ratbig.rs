//! `Rational{Int64}` (`a//b`) and `BigInt` (`big(x)`, limited to 128 bits).

use super::{BFn, R, merr};
use crate::errors;
use crate::value::*;
use crate::vm::Vm;
use std::cmp::Ordering;

type K<'a> = &'a [(Name, Value)];

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

fn rat_overflow() -> Exc {
    errors::overflow_error("rational arithmetic overflowed Int64")
}

/// Normalised `Rational{Int64}` from an exact i128 fraction.
pub(crate) fn rational(n: i128, d: i128) -> R {
    if n == 0 && d == 0 {
        return Err(errors::argument_error(
            "invalid rational: zero(Int64)//zero(Int64)",
        ));
    }
    let g = gcd(n, d).max(1);
    let (mut n, mut d) = (n / g, d / g);
    if d < 0 {
        n = -n;
        d = -d;
    }
    if n == 0 {
        d = 1;
    }
    match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) => Ok(Value::Rational(n, d)),
        _ => Err(rat_overflow()),
    }
}

fn big(v: i128) -> Value {
    Value::Big(Box::new(v))
}

fn big_overflow() -> Exc {
    errors::overflow_error(
        "BigInt result exceeds 128 bits (julia-lite's BigInt is limited to Int128 range)",
    )
}

pub(crate) fn is_ext(v: &Value) -> bool {
    matches!(v, Value::Rational(..) | Value::Big(_))
}

/// Exact fraction for integers and rationals.
fn frac(v: &Value) -> Option<(i128, i128)> {
    match v {
        Value::Int(i) => Some((*i as i128, 1)),
        Value::Bool(b) => Some((*b as i128, 1)),
        Value::Rational(n, d) => Some((*n as i128, *d as i128)),
        Value::Big(b) => Some((**b, 1)),
        _ => None,
    }
}

fn int128(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(*i as i128),
        Value::Bool(b) => Some(*b as i128),
        Value::Big(b) => Some(**b),
        _ => None,
    }
}

pub(crate) fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Rational(n, d) => Some(*n as f64 / *d as f64),
        Value::Big(b) => Some(**b as f64),
        _ => None,
    }
}

/// Binary arithmetic when an operand is Rational or BigInt; None = not handled here
/// (e.g. with a Float64, which the caller computes in floating point).
pub(crate) fn binop(op: &str, a: &[Value]) -> Option<R> {
    let [x, y] = a else { return None };
    if !is_ext(x) && !is_ext(y) {
        return None;
    }
    let any_big = matches!(x, Value::Big(_)) || matches!(y, Value::Big(_));
    let any_rat = matches!(x, Value::Rational(..)) || matches!(y, Value::Rational(..));
    if any_big && !any_rat {
        let (p, q) = (int128(x)?, int128(y)?);
        let r = match op {
            "+" => p.checked_add(q),
            "-" => p.checked_sub(q),
            "*" => p.checked_mul(q),
            "÷" | "div" => {
                if q == 0 {
                    return Some(Err(errors::divide_error()));
                }
                p.checked_div(q)
            }
            "%" | "rem" => {
                if q == 0 {
                    return Some(Err(errors::divide_error()));
                }
                p.checked_rem(q)
            }
            "mod" => {
                if q == 0 {
                    return Some(Err(errors::divide_error()));
                }
                Some(((p % q) + q) % q)
            }
            "^" => {
                if q < 0 {
                    return Some(Err(errors::domain_error(
                        y,
                        "Cannot raise an integer x to a negative power.",
                    )));
                }
                u32::try_from(q).ok().and_then(|e| p.checked_pow(e))
            }
            "//" => return Some(rational(p, q)),
            _ => return None,
        };
        return Some(r.map(big).ok_or_else(big_overflow));
    }
    let ((n1, d1), (n2, d2)) = (frac(x)?, frac(y)?);
    let r = match op {
        "+" => n1
            .checked_mul(d2)
            .zip(n2.checked_mul(d1))
            .and_then(|(a, b)| a.checked_add(b))
            .zip(d1.checked_mul(d2)),
        "-" => n1
            .checked_mul(d2)
            .zip(n2.checked_mul(d1))
            .and_then(|(a, b)| a.checked_sub(b))
            .zip(d1.checked_mul(d2)),
        "*" => n1.checked_mul(n2).zip(d1.checked_mul(d2)),
        "/" | "//" => {
            if n2 == 0 && n1 == 0 {
                return Some(Err(errors::argument_error(
                    "invalid rational: zero(Int64)//zero(Int64)",
                )));
            }
            n1.checked_mul(d2).zip(d1.checked_mul(n2))
        }
        "^" => {
            let Value::Int(e) = y else { return None };
            let e = *e;
            let (b_n, b_d) = if e < 0 { (d1, n1) } else { (n1, d1) };
            let k = u32::try_from(e.unsigned_abs()).ok()?;
            b_n.checked_pow(k).zip(b_d.checked_pow(k))
        }
        _ => return None,
    };
    Some(match r {
        Some((n, d)) => rational(n, d),
        None => Err(rat_overflow()),
    })
}

/// Exact comparison when an operand is Rational or BigInt.
pub(crate) fn cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if !is_ext(a) && !is_ext(b) {
        return None;
    }
    match (frac(a), frac(b)) {
        (Some((n1, d1)), Some((n2, d2))) => Some((n1 * d2).cmp(&(n2 * d1))),
        _ => {
            let x = to_f64(a).or_else(|| super::as_f64(a))?;
            let y = to_f64(b).or_else(|| super::as_f64(b))?;
            x.partial_cmp(&y)
        }
    }
}

fn b_rational(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] if frac(x).is_some() && frac(y).is_some() => {
            let ((n1, d1), (n2, d2)) = (frac(x).unwrap_or((0, 1)), frac(y).unwrap_or((0, 1)));
            if n2 == 0 && n1 == 0 {
                return Err(errors::argument_error(
                    "invalid rational: zero(Int64)//zero(Int64)",
                ));
            }
            match n1.checked_mul(d2).zip(d1.checked_mul(n2)) {
                Some((n, d)) => rational(n, d),
                None => Err(rat_overflow()),
            }
        }
        _ => Err(merr("//", a)),
    }
}

fn b_big(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(i)] => Ok(big(*i as i128)),
        [Value::Bool(b)] => Ok(big(*b as i128)),
        [v @ Value::Big(_)] => Ok(v.clone()),
        [Value::Float(f)] if f.fract() == 0.0 && f.abs() < 1.7e38 => Ok(big(*f as i128)),
        [Value::Str(s)] => s.trim().parse::<i128>().map(big).map_err(|_| {
            errors::argument_error(&format!("invalid BigInt: {}", crate::show::repr_string(s)))
        }),
        _ => Err(errors::error_exception(
            "BigFloat is not supported by julia-lite (BigInt is limited to 128 bits)",
        )),
    }
}

fn b_numerator(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Rational(n, _)] => Ok(Value::Int(*n)),
        [v @ (Value::Int(_) | Value::Big(_))] => Ok(v.clone()),
        _ => Err(merr("numerator", a)),
    }
}

fn b_denominator(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Rational(_, d)] => Ok(Value::Int(*d)),
        [Value::Int(_) | Value::Big(_)] => Ok(Value::Int(1)),
        _ => Err(merr("denominator", a)),
    }
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("//", b_rational),
    ("big", b_big),
    ("numerator", b_numerator),
    ("denominator", b_denominator),
];
