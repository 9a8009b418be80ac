//! Arithmetic: `+ - * /`, integer division and remainders, powers, with promotion and elementwise arrays.

use super::*;

/// A real number (for range arithmetic).
pub(crate) fn is_real(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
}
pub(super) fn is_num(v: &Value) -> bool {
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

pub(super) fn cx(op: &str, a: &[Value]) -> Option<R> {
    if let Some(r) = f32op(op, a) {
        return Some(r);
    }
    crate::builtins::complex::binop(op, a)
}

/// Float32 arithmetic: Float32 with Float32/Int/Bool stays Float32 (Float64 wins otherwise).
pub(super) fn f32op(op: &str, a: &[Value]) -> Option<R> {
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

pub(super) fn is_arr(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Range(_) | Value::FRange(_))
}

/// Numeric binary op with promotion: ints use `fi`, floats `ff`.
pub(super) fn num2(
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

pub(super) fn elementwise(
    vm: &mut Vm,
    name: &str,
    a: &Value,
    b: &Value,
    f: fn(&mut Vm, &[Value], K) -> R,
) -> R {
    let dims = same_shape(a, b)?;
    let xs = crate::builtins::collections::iterate_items(vm, a)?;
    let ys = crate::builtins::collections::iterate_items(vm, b)?;
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
    let v = with_dims(Value::vector(t, out), dims);
    // `v' + w'` stays a row vector when both are the same kind of wrapper
    let w = wrap_of(a);
    Ok(if w.is_row_vector() && w == wrap_of(b) {
        keep_wrap(v, w)
    } else {
        v
    })
}

pub(super) fn scale(
    vm: &mut Vm,
    arr: &Value,
    s: &Value,
    f: fn(&mut Vm, &[Value], K) -> R,
    arr_first: bool,
) -> R {
    let xs = crate::builtins::collections::iterate_items(vm, arr)?;
    let mut out = Vec::with_capacity(xs.len());
    for x in xs {
        out.push(if arr_first {
            f(vm, &[x, s.clone()], &[])?
        } else {
            f(vm, &[s.clone(), x], &[])?
        });
    }
    let t = promote_elty(&out);
    let v = with_dims(Value::vector(t, out), matrix_dims(arr));
    // `2 * v'` and `v' / 2` stay row vectors (Julia keeps Adjoint/Transpose around vectors)
    let w = wrap_of(arr);
    Ok(if w.is_row_vector() {
        keep_wrap(v, w)
    } else {
        v
    })
}

/// The `Adjoint`/`Transpose` wrapper an array stands for.
pub(crate) fn wrap_of(v: &Value) -> Wrap {
    match v {
        Value::Array(a) => lock(a).wrap,
        _ => Wrap::None,
    }
}

/// Mark a freshly built matrix as standing for wrapper `w`.
pub(crate) fn keep_wrap(v: Value, w: Wrap) -> Value {
    if let Value::Array(a) = &v
        && w != Wrap::None
    {
        lock(a).wrap = w;
    }
    v
}

pub(super) fn has_missing(a: &[Value]) -> bool {
    a.len() == 2
        && a.iter().any(|v| matches!(v, Value::Missing))
        && a.iter().all(|v| matches!(v, Value::Missing) || is_num(v))
}

/// The operands an arithmetic operator hands to another module before its own number
/// rules: matrices and `I` (linear algebra), rationals and big integers, complex numbers.
fn special_operands(vm: &mut Vm, op: &str, a: &[Value]) -> Option<R> {
    if a.len() == 2
        && let Some(r) = crate::builtins::linalg::operator(vm, op, a)
    {
        return Some(r);
    }
    crate::builtins::ratbig::binop(op, a).or_else(|| cx(op, a))
}

pub(crate) fn add(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = special_operands(vm, "+", a) {
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
    if let Some(r) = special_operands(vm, "-", a) {
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
        [r @ (Value::Range(_) | Value::FRange(_))] => range_arith("*", r, &Value::Int(-1)),
        [Value::Int(x)] => Ok(Value::Int(x.wrapping_neg())),
        [Value::Bool(x)] => Ok(Value::Int(-(*x as i64))),
        [Value::Float(x)] => Ok(Value::Float(-x)),
        [v @ (Value::ComplexI(..) | Value::ComplexF(..))] => {
            crate::builtins::complex::unary("-", v).unwrap_or_else(|| Err(merr("-", a)))
        }
        [Value::Rational(n, d)] => Ok(Value::Rational(n.wrapping_neg(), *d)),
        [Value::Big(b)] => Ok(Value::Big(Box::new(-**b))),
        // `-A'` stays an Adjoint (Julia: `-(A::Adjoint) = Adjoint(-A.parent)`)
        [x] if is_arr(x) => Ok(keep_wrap(
            scale(vm, x, &Value::Int(-1), mul, true)?,
            wrap_of(x),
        )),
        [x] => crate::builtins::linalg::negate_uniform_scaling(vm, x)
            .unwrap_or_else(|| Err(merr("-", a))),
        _ => Err(merr("-", a)),
    }
}

pub(crate) fn mul(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = special_operands(vm, "*", a) {
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
        [r @ (Value::Range(_) | Value::FRange(_)), y] if is_num(y) => range_arith("*", r, y),
        [x, r @ (Value::Range(_) | Value::FRange(_))] if is_num(x) => range_arith("*", x, r),
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

pub(super) fn ldiv(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let Some(r) = crate::builtins::linalg::operator(vm, "\\", a) {
        return r;
    }
    match a {
        [x, y] => fdiv(vm, &[y.clone(), x.clone()], k),
        _ => Err(merr("\\", a)),
    }
}

pub(crate) fn fdiv(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = special_operands(vm, "/", a) {
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
        [r @ (Value::Range(_) | Value::FRange(_)), y] if is_num(y) => range_arith("/", r, y),
        [x, y] if is_arr(x) && is_num(y) => scale(vm, x, y, fdiv, true),
        _ => Err(merr("/", a)),
    }
}

pub(super) fn int_div(
    name: &str,
    a: &[Value],
    f: fn(i64, i64) -> i64,
    ff: fn(f64, f64) -> f64,
) -> R {
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

pub(super) fn b_div(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = crate::builtins::ratbig::binop("div", a) {
        return r;
    }
    int_div("div", a, |p, q| p / q, |p, q| (p / q).trunc())
}

pub(super) fn b_fld(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_cld(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_rem(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = crate::builtins::ratbig::binop("rem", a) {
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

pub(super) fn b_mod(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(r) = crate::builtins::ratbig::binop("mod", a) {
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

pub(super) fn b_mod1(vm: &mut Vm, a: &[Value], k: K) -> R {
    let m = b_mod(vm, a, k)?;
    match (m, &a[1]) {
        (Value::Int(0), Value::Int(y)) => Ok(Value::Int(*y)),
        (v, _) => Ok(v),
    }
}

pub(super) fn ipow(base: i64, e: i64) -> i64 {
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
    if let Some(r) = special_operands(vm, "^", a) {
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

pub(super) fn literal_pow(vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [Value::Int(x), Value::Int(y)] => Ok(Value::Float((*x as f64).powf(*y as f64))),
        _ => pow(vm, a, k),
    }
}

/// `Some((rows, cols))` for a matrix.
pub(crate) fn matrix_dims(v: &Value) -> Option<(usize, usize)> {
    match v {
        Value::Array(a) => lock(a).dims,
        _ => None,
    }
}

/// Give the vector `v` the shape `dims` (column-major data kept as is).
pub(crate) fn with_dims(v: Value, dims: Option<(usize, usize)>) -> Value {
    if let (Value::Array(a), Some(_)) = (&v, dims) {
        lock(a).dims = dims;
    }
    v
}

/// The shape two operands of an element-wise operation share: both vectors (`None`), or
/// both matrices of one size. A matrix with a vector, or matrices of different sizes, is
/// Julia's DimensionMismatch (julia-lite does not expand singleton dimensions).
pub(crate) fn same_shape(a: &Value, b: &Value) -> Result<Option<(usize, usize)>, Exc> {
    let (da, db) = (matrix_dims(a), matrix_dims(b));
    if da == db {
        return Ok(da);
    }
    let show = |v: &Value, d: Option<(usize, usize)>| match d {
        Some((r, c)) => format!("(Base.OneTo({r}), Base.OneTo({c}))"),
        None => format!("(Base.OneTo({}),)", len_of(v).unwrap_or(0)),
    };
    Err(errors::dimension_mismatch(&format!(
        "dimensions must match: a has dims {}, b has dims {}, mismatch at 1",
        show(a, da),
        show(b, db)
    )))
}

/// Julia keeps ranges ranges under arithmetic with a number: `(1:5) .* 2` is `2:2:10`,
/// `(1:5) .+ 1` is `2:6`, `(1:4) ./ 2` is `0.5:0.5:2.0`, `-(1:3)` is `-1:-1:-3`. `op` is
/// `+ - * /`; one of `a`, `b` is a range, the other a real number. Cases whose Julia result
/// julia-lite cannot represent exactly (a step of zero, `* 1` which Julia prints as a
/// StepRange, float steps off a decimal grid, ranges made with `length`) are refused.
pub(crate) fn range_arith(op: &str, a: &Value, b: &Value) -> R {
    let refuse = || {
        errors::error_exception(&format!(
            "`{op}` of a range and a number giving this range is not supported by julia-lite; use collect(r) {op} x"
        ))
    };
    let range_first = matches!(a, Value::Range(_) | Value::FRange(_));
    let (r, x) = if range_first { (a, b) } else { (b, a) };
    if !range_first && op == "/" {
        return Err(refuse());
    }
    // first, step, length
    let (first, step, len, int) = match r {
        Value::Range(t) => (
            Value::Int(t.0),
            Value::Int(t.1),
            crate::value::range_len(t).max(0),
            true,
        ),
        Value::FRange(t) if t.3 == 0.0 => (Value::Float(t.0), Value::Float(t.1), t.2.max(0), false),
        _ => return Err(refuse()),
    };
    let int = int && matches!(x, Value::Int(_) | Value::Bool(_)) && op != "/";
    if int {
        let (Value::Int(f), Value::Int(s), Some(k)) = (&first, &step, as_int(x)) else {
            return Err(refuse());
        };
        let (f2, s2) = match (op, range_first) {
            ("+", _) => (f.checked_add(k), Some(*s)),
            ("-", true) => (f.checked_sub(k), Some(*s)),
            ("-", false) => (k.checked_sub(*f), s.checked_neg()),
            ("*", _) if k != 0 && k != 1 => (f.checked_mul(k), s.checked_mul(k)),
            _ => (None, None),
        };
        let (Some(f2), Some(s2)) = (f2, s2) else {
            return Err(refuse());
        };
        let Some(last) = (len - 1).checked_mul(s2).and_then(|d| f2.checked_add(d)) else {
            return Err(refuse());
        };
        // a StepRange stays one (`(1:1:5) .+ 1` is `2:1:6`); UnitRange and OneTo give
        // a UnitRange or, with a step other than 1, a StepRange
        if matches!(r, Value::Range(t) if t.3 == crate::value::RangeKind::Step) {
            return Ok(Value::range_of(f2, s2, last, crate::value::RangeKind::Step));
        }
        return Ok(Value::range(f2, s2, last));
    }
    let (Some(f), Some(s), Some(k)) = (as_f64(&first), as_f64(&step), as_f64(x)) else {
        return Err(refuse());
    };
    let (f2, s2) = match (op, range_first) {
        ("+", _) => (f + k, s),
        ("-", true) => (f - k, s),
        ("-", false) => (k - f, -s),
        ("*", _) => (f * k, s * k),
        ("/", true) => (f / k, s / k),
        _ => return Err(refuse()),
    };
    // only where the elements come out as Julia's TwicePrecision ranges give them
    if s2 == 0.0 || !s2.is_finite() || crate::value::frange_den(f2, s2).is_none() {
        return Err(refuse());
    }
    Ok(Value::FRange(std::sync::Arc::new((f2, s2, len, 0.0))))
}
