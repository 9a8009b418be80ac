//! Number utilities: `max`/`min`/`clamp`, `gcd`/`lcm`, `factorial`/`binomial`, predicates (`iseven`, `isnan` …), `zero`/`one`, `typemax`, `eps`, `float`, `isapprox`.

use super::*;

pub(super) fn b_max(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if a.len() < 2 {
        return Err(merr("max", a));
    }
    let mut m = a[0].clone();
    for x in &a[1..] {
        m = minmax2(&m, x, true)?;
    }
    Ok(m)
}

pub(super) fn b_min(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if a.len() < 2 {
        return Err(merr("min", a));
    }
    let mut m = a[0].clone();
    for x in &a[1..] {
        m = minmax2(&m, x, false)?;
    }
    Ok(m)
}

pub(super) fn b_minmax(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => Ok(Value::tuple(vec![
            minmax2(x, y, false)?,
            minmax2(x, y, true)?,
        ])),
        _ => Err(merr("minmax", a)),
    }
}

pub(super) fn b_clamp(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, lo, hi] => minmax2(&minmax2(x, lo, true)?, hi, false),
        _ => Err(merr("clamp", a)),
    }
}

pub(super) fn gcd_i(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.wrapping_abs(), b.wrapping_abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

pub(super) fn b_gcd(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(x), Value::Int(y)] => Ok(Value::Int(gcd_i(*x, *y))),
        _ => Err(merr("gcd", a)),
    }
}

pub(super) fn b_lcm(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_factorial(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_binomial(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn pred(name: &'static str, a: &[Value], fi: fn(i64) -> bool, ff: fn(f64) -> bool) -> R {
    match a {
        [Value::Int(i)] => Ok(Value::Bool(fi(*i))),
        [Value::Bool(b)] => Ok(Value::Bool(fi(*b as i64))),
        [Value::Float(f)] => Ok(Value::Bool(ff(*f))),
        _ => Err(merr(name, a)),
    }
}

pub(super) fn b_iseven(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(_)] => Err(merr("iseven", a)),
        _ => pred("iseven", a, |i| i % 2 == 0, |_| false),
    }
}

pub(super) fn b_isodd(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(_)] => Err(merr("isodd", a)),
        _ => pred("isodd", a, |i| i % 2 != 0, |_| false),
    }
}

pub(super) fn b_iszero(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("iszero", a, |i| i == 0, |f| f == 0.0)
}

pub(super) fn b_isone(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isone", a, |i| i == 1, |f| f == 1.0)
}

pub(super) fn b_isnan(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isnan", a, |_| false, f64::is_nan)
}

pub(super) fn b_isinf(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isinf", a, |_| false, f64::is_infinite)
}

pub(super) fn b_isfinite(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("isfinite", a, |_| true, f64::is_finite)
}

pub(super) fn b_isinteger(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred(
        "isinteger",
        a,
        |_| true,
        |f| f.is_finite() && f.fract() == 0.0,
    )
}

pub(super) fn b_signbit(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pred("signbit", a, |i| i < 0, f64::is_sign_negative)
}

pub(super) fn b_zero(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(_)] | [Value::Bool(_)] => Ok(Value::Int(0)),
        [Value::Float(_)] => Ok(Value::Float(0.0)),
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(0)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(0.0)),
        _ => Err(merr("zero", a)),
    }
}

pub(super) fn b_one(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(_)] | [Value::Bool(_)] => Ok(Value::Int(1)),
        [Value::Float(_)] => Ok(Value::Float(1.0)),
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(1)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(1.0)),
        _ => Err(merr("one", a)),
    }
}

pub(super) fn b_typemax(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(i64::MAX)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(f64::INFINITY)),
        [Value::Type(t)] if **t == Ty::Bool => Ok(Value::Bool(true)),
        _ => Err(merr("typemax", a)),
    }
}

pub(super) fn b_typemin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int(i64::MIN)),
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(f64::NEG_INFINITY)),
        [Value::Type(t)] if **t == Ty::Bool => Ok(Value::Bool(false)),
        _ => Err(merr("typemin", a)),
    }
}

pub(super) fn b_eps(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_float(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x] if is_num(x) => Ok(Value::Float(as_f64(x).unwrap_or(0.0))),
        [x @ (Value::Array(_) | Value::Range(_))] => {
            let items = crate::builtins::collections::iterate_items(vm, x)?;
            let out: Result<Vec<Value>, Exc> = items
                .iter()
                .map(|v| as_f64(v).map(Value::Float).ok_or_else(|| merr("float", a)))
                .collect();
            Ok(Value::vector(Ty::Float64, out?))
        }
        _ => Err(merr("float", a)),
    }
}

pub(super) fn b_isapprox(_vm: &mut Vm, a: &[Value], k: K) -> R {
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

pub(super) fn b_muladd(vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [x, y, z] => {
            let p = mul(vm, &[x.clone(), y.clone()], k)?;
            add(vm, &[p, z.clone()], k)
        }
        _ => Err(merr("muladd", a)),
    }
}

pub(super) fn b_copysign(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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
