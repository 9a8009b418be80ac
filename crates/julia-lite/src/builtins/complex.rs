//! `Complex{Int64}` and `Complex{Float64}` (`1 + 2im`).

use super::{BFn, R, merr};
use crate::errors;
use crate::value::*;
use crate::vm::Vm;

type K<'a> = &'a [(Name, Value)];

#[derive(Clone, Copy)]
enum C {
    I(i64, i64),
    F(f64, f64),
}

fn of(v: &Value) -> Option<C> {
    match v {
        Value::ComplexI(a, b) => Some(C::I(*a, *b)),
        Value::ComplexF(a, b) => Some(C::F(*a, *b)),
        Value::Int(i) => Some(C::I(*i, 0)),
        Value::Bool(b) => Some(C::I(*b as i64, 0)),
        Value::Float(f) => Some(C::F(*f, 0.0)),
        other => super::as_f64(other).map(|f| C::F(f, 0.0)),
    }
}

fn fl(c: C) -> (f64, f64) {
    match c {
        C::I(a, b) => (a as f64, b as f64),
        C::F(a, b) => (a, b),
    }
}

fn val(c: C) -> Value {
    match c {
        C::I(a, b) => Value::ComplexI(a, b),
        C::F(a, b) => Value::ComplexF(a, b),
    }
}

pub(crate) fn is_complex(v: &Value) -> bool {
    matches!(v, Value::ComplexI(..) | Value::ComplexF(..))
}

/// Arithmetic when an operand is complex; None = not handled here.
pub(crate) fn binop(op: &str, a: &[Value]) -> Option<R> {
    let [x, y] = a else { return None };
    if !is_complex(x) && !is_complex(y) {
        return None;
    }
    let (p, q) = (of(x)?, of(y)?);
    Some(Ok(match (op, p, q) {
        ("+", C::I(a, b), C::I(c, d)) => val(C::I(a.wrapping_add(c), b.wrapping_add(d))),
        ("-", C::I(a, b), C::I(c, d)) => val(C::I(a.wrapping_sub(c), b.wrapping_sub(d))),
        ("*", C::I(a, b), C::I(c, d)) => val(C::I(
            a.wrapping_mul(c).wrapping_sub(b.wrapping_mul(d)),
            a.wrapping_mul(d).wrapping_add(b.wrapping_mul(c)),
        )),
        ("+", p, q) => {
            let ((a, b), (c, d)) = (fl(p), fl(q));
            val(C::F(a + c, b + d))
        }
        ("-", p, q) => {
            let ((a, b), (c, d)) = (fl(p), fl(q));
            val(C::F(a - c, b - d))
        }
        ("*", p, q) => {
            let ((a, b), (c, d)) = (fl(p), fl(q));
            val(C::F(a * c - b * d, a * d + b * c))
        }
        ("/", p, q) => {
            let ((a, b), (c, d)) = (fl(p), fl(q));
            let den = c * c + d * d;
            val(C::F((a * c + b * d) / den, (b * c - a * d) / den))
        }
        ("^", p, C::I(n, 0)) if n >= 0 => {
            let mut acc = match p {
                C::I(..) => C::I(1, 0),
                C::F(..) => C::F(1.0, 0.0),
            };
            for _ in 0..n.min(4096) {
                acc = match binop("*", &[val(acc), val(p)])? {
                    Ok(v) => of(&v)?,
                    Err(e) => return Some(Err(e)),
                };
            }
            val(acc)
        }
        ("^", p, q) => {
            let ((a, b), (c, d)) = (fl(p), fl(q));
            // exp(q * log(p))
            let (lr, li) = ((a * a + b * b).sqrt().ln(), b.atan2(a));
            let (er, ei) = (c * lr - d * li, c * li + d * lr);
            val(C::F(er.exp() * ei.cos(), er.exp() * ei.sin()))
        }
        _ => return Some(Err(merr(op, a))),
    }))
}

pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    if !is_complex(a) && !is_complex(b) {
        return None;
    }
    let (p, q) = (of(a)?, of(b)?);
    let ((x, y), (u, v)) = (fl(p), fl(q));
    Some(x == u && y == v)
}

fn one(name: &str, a: &[Value]) -> Result<C, Exc> {
    match a {
        [v] => of(v).ok_or_else(|| merr(name, a)),
        _ => Err(merr(name, a)),
    }
}

fn b_real(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(match one("real", a)? {
        C::I(x, _) => Value::Int(x),
        C::F(x, _) => Value::Float(x),
    })
}

fn b_imag(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(match one("imag", a)? {
        C::I(_, y) => Value::Int(y),
        C::F(_, y) => Value::Float(y),
    })
}

fn b_conj(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] if !is_complex(v) => Ok(v.clone()),
        _ => Ok(match one("conj", a)? {
            C::I(x, y) => Value::ComplexI(x, y.wrapping_neg()),
            C::F(x, y) => Value::ComplexF(x, -y),
        }),
    }
}

fn b_angle(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (x, y) = fl(one("angle", a)?);
    Ok(Value::Float(y.atan2(x)))
}

fn b_complex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(x)] => Ok(Value::ComplexI(*x, 0)),
        [Value::Int(x), Value::Int(y)] => Ok(Value::ComplexI(*x, *y)),
        [v] if is_complex(v) => Ok(v.clone()),
        [x] => super::as_f64(x)
            .map(|f| Value::ComplexF(f, 0.0))
            .ok_or_else(|| merr("complex", a)),
        [x, y] => match (super::as_f64(x), super::as_f64(y)) {
            (Some(p), Some(q)) => Ok(Value::ComplexF(p, q)),
            _ => Err(merr("complex", a)),
        },
        _ => Err(merr("complex", a)),
    }
}

/// abs, abs2, sqrt, exp for complex arguments (called from the math builtins).
pub(crate) fn unary(name: &str, v: &Value) -> Option<R> {
    if !is_complex(v) {
        return None;
    }
    let c = of(v)?;
    let (x, y) = fl(c);
    Some(Ok(match name {
        "abs" => Value::Float(x.hypot(y)),
        "abs2" => match c {
            C::I(a, b) => Value::Int(a.wrapping_mul(a).wrapping_add(b.wrapping_mul(b))),
            C::F(a, b) => Value::Float(a * a + b * b),
        },
        "sqrt" => {
            let r = x.hypot(y);
            let re = ((r + x) / 2.0).sqrt();
            let im = ((r - x) / 2.0).sqrt().copysign(y);
            Value::ComplexF(re, im)
        }
        "exp" => Value::ComplexF(x.exp() * y.cos(), x.exp() * y.sin()),
        "-" => match c {
            C::I(a, b) => Value::ComplexI(a.wrapping_neg(), b.wrapping_neg()),
            C::F(a, b) => Value::ComplexF(-a, -b),
        },
        _ => {
            return Some(Err(errors::error_exception(&format!(
                "{name} of a complex number is not supported by julia-lite"
            ))));
        }
    }))
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("real", b_real),
    ("imag", b_imag),
    ("conj", b_conj),
    ("angle", b_angle),
    ("complex", b_complex),
    ("Complex", b_complex),
];
