//! Elementary functions: roots, exponentials and logarithms, trigonometry, `abs`/`sign`, rounding.

use super::*;

pub(super) fn f1(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
    match a {
        [x] if is_num(x) => Ok(Value::Float(f(as_f64(x).unwrap_or(0.0)))),
        _ => Err(merr(name, a)),
    }
}

pub(super) fn neg_domain(name: &str, x: f64) -> Exc {
    errors::domain_error(
        &Value::Float(x),
        &format!(
            "{name} was called with a negative real argument but will only return a complex result if called with a complex argument. Try {name}(Complex(x))."
        ),
    )
}

pub(super) fn b_sqrt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [v] = a
        && let Some(r) = crate::builtins::complex::unary("sqrt", v)
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

/// `isqrt(n)`: the largest integer whose square is at most `n` (Julia: a float square
/// root corrected by one Newton step); a negative `n` is `sqrt`'s `DomainError`.
pub(super) fn b_isqrt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Int(x)] if *x < 0 => Err(neg_domain("sqrt", *x as f64)),
        [Value::Int(0)] => Ok(Value::Int(0)),
        [Value::Int(x)] => {
            let x = *x;
            let s = (x as f64).sqrt().trunc() as i64;
            let s = (s + x / s) >> 1;
            Ok(Value::Int(if s.checked_mul(s).is_none_or(|q| q > x) {
                s - 1
            } else {
                s
            }))
        }
        _ => Err(merr("isqrt", a)),
    }
}

pub(super) fn b_cbrt(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("cbrt", a, f64::cbrt)
}

pub(super) fn b_exp(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [v] = a
        && let Some(r) = crate::builtins::complex::unary("exp", v)
    {
        return r;
    }
    f1("exp", a, f64::exp)
}

pub(super) fn b_exp2(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("exp2", a, f64::exp2)
}

pub(super) fn b_expm1(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("expm1", a, f64::exp_m1)
}

pub(super) fn logf(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
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

pub(super) fn b_log(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    logf("log", a, f64::ln)
}

pub(super) fn b_log2(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    logf("log2", a, f64::log2)
}

pub(super) fn b_log10(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    logf("log10", a, f64::log10)
}

pub(super) fn b_log1p(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x] if is_num(x) && as_f64(x).unwrap_or(0.0) < -1.0 => Err(errors::domain_error(
            &Value::Float(as_f64(x).unwrap_or(0.0)),
            "log1p was called with a real argument < -1 but will only return a complex result if called with a complex argument. Try log1p(Complex(x)).",
        )),
        _ => f1("log1p", a, f64::ln_1p),
    }
}

pub(super) fn trig(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
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

pub(super) fn b_sin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    trig("sin", a, f64::sin)
}

pub(super) fn b_cos(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    trig("cos", a, f64::cos)
}

pub(super) fn b_tan(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    trig("tan", a, f64::tan)
}

pub(super) fn arc(name: &'static str, a: &[Value], f: fn(f64) -> f64) -> R {
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

pub(super) fn b_asin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    arc("asin", a, f64::asin)
}

pub(super) fn b_acos(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    arc("acos", a, f64::acos)
}

pub(super) fn b_atan(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [y, x] if is_num(y) && is_num(x) => Ok(Value::Float(
            as_f64(y).unwrap_or(0.0).atan2(as_f64(x).unwrap_or(0.0)),
        )),
        _ => f1("atan", a, f64::atan),
    }
}

pub(super) fn b_sinh(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("sinh", a, f64::sinh)
}

pub(super) fn b_cosh(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("cosh", a, f64::cosh)
}

pub(super) fn b_tanh(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("tanh", a, f64::tanh)
}

pub(super) fn b_sind(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    finite_degrees(a)?;
    f1("sind", a, sind)
}
pub(super) fn b_cosd(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    finite_degrees(a)?;
    f1("cosd", a, |x| sind(x + 90.0))
}

/// Julia's `sind(Inf)`: `DomainError with Inf: `x` cannot be infinite.`
fn finite_degrees(a: &[Value]) -> Result<(), Exc> {
    match a {
        [v @ Value::Float(x)] if x.is_infinite() => {
            Err(errors::domain_error(v, "`x` cannot be infinite."))
        }
        _ => Ok(()),
    }
}

/// `sin` of `x` degrees, exact at multiples of 30° and 45° like Julia's `sind`: the angle is
/// reduced to [-45°, 45°] first (where `sin`/`cos` of the radians are exact enough), and
/// multiples of 30° give exactly ±0.5 / ±1 / 0.
fn sind(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let r = x.rem_euclid(360.0);
    let exact = |d: f64| -> Option<f64> {
        Some(match d {
            0.0 | 180.0 => 0.0,
            30.0 | 150.0 => 0.5,
            90.0 => 1.0,
            210.0 | 330.0 => -0.5,
            270.0 => -1.0,
            _ => return None,
        })
    };
    if let Some(v) = exact(r) {
        // sind(-0.0) is -0.0; other zeros are +0.0
        return if v == 0.0 && x == 0.0 { x } else { v };
    }
    // reduce to the octant: sin(r) from sin/cos of an angle in [-45, 45]
    let q = (r / 90.0).round();
    let d = (r - q * 90.0).to_radians();
    match q as i64 % 4 {
        0 => d.sin(),
        1 => d.cos(),
        2 => -d.sin(),
        _ => -d.cos(),
    }
}

pub(super) fn b_deg2rad(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("deg2rad", a, f64::to_radians)
}

pub(super) fn b_rad2deg(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    f1("rad2deg", a, f64::to_degrees)
}

pub(super) fn b_hypot(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] if is_num(x) && is_num(y) => Ok(Value::Float(
            as_f64(x).unwrap_or(0.0).hypot(as_f64(y).unwrap_or(0.0)),
        )),
        _ => Err(merr("hypot", a)),
    }
}

pub(super) fn b_abs(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [v] = a
        && let Some(r) = crate::builtins::complex::unary("abs", v)
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

pub(super) fn b_abs2(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let [v] = a
        && let Some(r) = crate::builtins::complex::unary("abs2", v)
    {
        return r;
    }
    match a {
        [x] => mul(vm, &[x.clone(), x.clone()], k),
        _ => Err(merr("abs2", a)),
    }
}

pub(super) fn b_sign(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn float_to_int(name: &str, f: f64) -> R {
    if f.is_finite() && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Ok(Value::Int(f as i64))
    } else {
        Err(errors::inexact_error(name, "Int64", &Value::Float(f)))
    }
}

pub(super) fn rounding(name: &'static str, a: &[Value], k: K, f: fn(f64) -> f64) -> R {
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

pub(super) fn b_round(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("round", a, k, f64::round_ties_even)
}

pub(super) fn b_floor(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("floor", a, k, f64::floor)
}

pub(super) fn b_ceil(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("ceil", a, k, f64::ceil)
}

pub(super) fn b_trunc(_vm: &mut Vm, a: &[Value], k: K) -> R {
    rounding("trunc", a, k, f64::trunc)
}

pub(crate) fn minmax2(a: &Value, b: &Value, want_max: bool) -> R {
    // NaN wins whichever side it is on (max(1.5, NaN) and max(NaN, 1.5) are NaN)
    let nan = |v: &Value| matches!(v, Value::Float(x) if x.is_nan());
    if nan(a) || nan(b) {
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
