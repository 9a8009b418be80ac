//! Reductions: `sum`, `prod`, `maximum`/`minimum`/`extrema`, `argmax`…, `cumsum`, `any`/`all`/`count`, statistics.

use super::*;

pub(super) fn fold(
    vm: &mut Vm,
    name: &str,
    a: &[Value],
    init: Value,
    f: fn(&mut Vm, &[Value], K) -> R,
) -> R {
    let [v] = a else { return Err(merr(name, a)) };
    let items = iterate_items(vm, v)?;
    if items.is_empty() {
        return match v {
            Value::Array(arr) if lock(arr).elty == Ty::Float64 => Ok(match init {
                Value::Int(i) => Value::Float(i as f64),
                o => o,
            }),
            Value::Array(arr) if lock(arr).elty == Ty::Any => Err(errors::argument_error(
                "reducing over an empty collection is not allowed; consider supplying `init` to the reducer",
            )),
            _ => Ok(init),
        };
    }
    let mut it = items.into_iter();
    let mut acc = it.next().unwrap_or(Value::Nothing);
    if let Value::Bool(b) = acc {
        acc = Value::Int(b as i64);
    }
    for x in it {
        acc = f(vm, &[acc, x], &[])?;
    }
    Ok(acc)
}

pub(super) fn b_sum(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let Some(r) = with_keywords(vm, "sum", a, k, b_sum, add) {
        return r;
    }
    if let [Value::Range(r)] = a {
        let n = range_len(r) as i128;
        if n <= 0 {
            return Ok(Value::Int(0));
        }
        let s = n * (r.0 as i128 + r.2 as i128) / 2;
        return Ok(Value::Int(s as i64));
    }
    fold(vm, "sum", a, Value::Int(0), add)
}

pub(super) fn b_prod(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let Some(r) = with_keywords(vm, "prod", a, k, b_prod, mul) {
        return r;
    }
    fold(vm, "prod", a, Value::Int(1), mul)
}

pub(super) fn extreme(vm: &mut Vm, name: &str, a: &[Value], want_max: bool) -> R {
    let [v] = a else { return Err(merr(name, a)) };
    let items = iterate_items(vm, v)?;
    if items.is_empty() {
        return Err(errors::argument_error(
            "reducing over an empty collection is not allowed; consider supplying `init` to the reducer",
        ));
    }
    let mut m = items[0].clone();
    for x in &items[1..] {
        m = minmax2(&m, x, want_max)?;
    }
    Ok(m)
}

pub(super) fn b_maximum(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let Some(r) = with_keywords(vm, "maximum", a, k, b_maximum, max2) {
        return r;
    }
    extreme(vm, "maximum", a, true)
}

pub(super) fn b_minimum(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let Some(r) = with_keywords(vm, "minimum", a, k, b_minimum, min2) {
        return r;
    }
    extreme(vm, "minimum", a, false)
}

fn max2(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => minmax2(x, y, true),
        _ => Err(merr("max", a)),
    }
}

fn min2(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => minmax2(x, y, false),
        _ => Err(merr("min", a)),
    }
}

/// The `dims` and `init` keywords of a reduction (`sum(A; dims=1)`, `sum(v; init=10)`);
/// `None` when neither is given. `whole` reduces a whole collection, `op` combines two
/// values (for `init`).
fn with_keywords(
    vm: &mut Vm,
    name: &str,
    a: &[Value],
    k: K,
    whole: fn(&mut Vm, &[Value], K) -> R,
    op: fn(&mut Vm, &[Value], K) -> R,
) -> Option<R> {
    let dims = kwarg(k, "dims");
    let init = kwarg(k, "init");
    if dims.is_none() && init.is_none() {
        return None;
    }
    let [v] = a else {
        return Some(Err(merr(name, a)));
    };
    Some(match (dims, init) {
        (Some(d), None) => reduce_dims(vm, name, v, d, whole),
        (None, Some(init)) => {
            // Julia: reduce(op, v; init) — init first, then every element
            iterate_items(vm, v).and_then(|items| {
                let mut acc = init.clone();
                for x in items {
                    acc = op(vm, &[acc, x], &[])?;
                }
                Ok(acc)
            })
        }
        _ => Err(errors::error_exception(&format!(
            "`{name}` with both `dims` and `init` is not supported by julia-lite"
        ))),
    })
}

/// A reduction along dimension 1 (each column) or 2 (each row) of a matrix or vector, as a
/// matrix like Julia's (`sum([1 2; 3 4]; dims=1)` is `[4 6]`, `dims=2` is `[3; 7;;]`).
pub(super) fn reduce_dims(
    vm: &mut Vm,
    name: &str,
    v: &Value,
    dims: &Value,
    whole: fn(&mut Vm, &[Value], K) -> R,
) -> R {
    let Value::Array(arr) = v else {
        return Err(errors::error_exception(&format!(
            "`{name}` with `dims` of a {} is not supported by julia-lite",
            crate::types::type_name(&typeof_val(v))
        )));
    };
    let (elty, data, shape) = {
        let g = lock(arr);
        (g.elty.clone(), g.data.clone(), g.dims)
    };
    // a vector is an n×1 matrix here; its reduction along 1 stays a vector, like Julia's
    let (r, c) = shape.unwrap_or((data.len(), 1));
    let d = match dims {
        Value::Int(d @ (1 | 2)) => *d,
        other => {
            return Err(errors::error_exception(&format!(
                "`{name}` with dims={} is not supported by julia-lite (only dims=1 or 2)",
                repr(other)
            )));
        }
    };
    let slice = |i: usize| -> Vec<Value> {
        if d == 1 {
            data[i * r..(i + 1) * r].to_vec()
        } else {
            (0..c).map(|j| data[j * r + i].clone()).collect()
        }
    };
    let n = if d == 1 { c } else { r };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(whole(vm, &[Value::vector(elty.clone(), slice(i))], &[])?);
    }
    let out_elty = promote_elty(&out);
    let result = Value::vector(out_elty, out);
    Ok(match (shape, d) {
        (None, 1) => result,
        (_, 1) => crate::builtins::math::with_dims(result, Some((1, c))),
        _ => crate::builtins::math::with_dims(result, Some((r, 1))),
    })
}

pub(super) fn b_extrema(vm: &mut Vm, a: &[Value], k: K) -> R {
    Ok(Value::tuple(vec![
        b_minimum(vm, a, k)?,
        b_maximum(vm, a, k)?,
    ]))
}

pub(super) fn find_ext(
    vm: &mut Vm,
    name: &str,
    a: &[Value],
    want_max: bool,
) -> Result<(Value, Value), Exc> {
    let [v] = a else { return Err(merr(name, a)) };
    let items = iterate_items(vm, v)?;
    if items.is_empty() {
        return Err(errors::argument_error("collection must be non-empty"));
    }
    let keys: Vec<Value> = match v {
        Value::Dict(d) => lock(d).entries.iter().map(|(k, _)| k.clone()).collect(),
        _ => (1..=items.len() as i64).map(Value::Int).collect(),
    };
    let vals: Vec<Value> = match v {
        Value::Dict(d) => lock(d).entries.iter().map(|(_, x)| x.clone()).collect(),
        _ => items,
    };
    let mut bi = 0;
    for i in 1..vals.len() {
        let better = if want_max {
            isless(&vals[bi], &vals[i])?
        } else {
            isless(&vals[i], &vals[bi])?
        };
        if better {
            bi = i;
        }
    }
    Ok((vals[bi].clone(), keys[bi].clone()))
}

pub(super) fn b_argmax(vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(find_ext(vm, "argmax", a, true)?.1)
}

pub(super) fn b_argmin(vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(find_ext(vm, "argmin", a, false)?.1)
}

pub(super) fn b_findmax(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (v, i) = find_ext(vm, "findmax", a, true)?;
    Ok(Value::tuple(vec![v, i]))
}

pub(super) fn b_findmin(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (v, i) = find_ext(vm, "findmin", a, false)?;
    Ok(Value::tuple(vec![v, i]))
}

pub(super) fn b_cumsum(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v] = a else {
        return Err(merr("cumsum", a));
    };
    let items = iterate_items(vm, v)?;
    let mut out = Vec::with_capacity(items.len());
    let mut acc: Option<Value> = None;
    for x in items {
        let n = match acc {
            None => x,
            Some(p) => add(vm, &[p, x], &[])?,
        };
        out.push(n.clone());
        acc = Some(n);
    }
    let t = promote_elty(&out);
    Ok(Value::vector(t, out))
}

/// `diff(v)`: `v[i+1] - v[i]` for a vector or range; an empty result keeps Julia's element
/// type (`diff([1])` is `Int64[]`).
pub(super) fn b_diff(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v @ (Value::Array(_) | Value::Range(_) | Value::FRange(_))] = a else {
        return Err(merr("diff", a));
    };
    let items = iterate_items(vm, v)?;
    let mut out = Vec::with_capacity(items.len().saturating_sub(1));
    for w in items.windows(2) {
        out.push(sub(vm, &[w[1].clone(), w[0].clone()], &[])?);
    }
    let t = if out.is_empty() {
        match v {
            Value::Range(_) => Ty::Int64,
            Value::FRange(_) => Ty::Float64,
            Value::Array(arr) => match lock(arr).elty.clone() {
                Ty::Bool => Ty::Int64,
                t @ (Ty::Int64 | Ty::Float64) => t,
                _ => Ty::Any,
            },
            _ => Ty::Any,
        }
    } else {
        promote_elty(&out)
    };
    Ok(Value::vector(t, out))
}

pub(super) fn b_cumprod(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v] = a else {
        return Err(merr("cumprod", a));
    };
    let items = iterate_items(vm, v)?;
    let mut out = Vec::with_capacity(items.len());
    let mut acc: Option<Value> = None;
    for x in items {
        let n = match acc {
            None => x,
            Some(p) => mul(vm, &[p, x], &[])?,
        };
        out.push(n.clone());
        acc = Some(n);
    }
    let t = promote_elty(&out);
    Ok(Value::vector(t, out))
}

pub(super) fn bool_fold(vm: &mut Vm, name: &str, a: &[Value], any: bool) -> R {
    let [v] = a else { return Err(merr(name, a)) };
    for x in iterate_items(vm, v)? {
        match x {
            Value::Bool(b) if b == any => return Ok(Value::Bool(any)),
            Value::Bool(_) => {}
            other => return Err(errors::type_error_bool(&other)),
        }
    }
    Ok(Value::Bool(!any))
}

pub(super) fn b_any(vm: &mut Vm, a: &[Value], _k: K) -> R {
    bool_fold(vm, "any", a, true)
}

pub(super) fn b_all(vm: &mut Vm, a: &[Value], _k: K) -> R {
    bool_fold(vm, "all", a, false)
}

pub(super) fn b_count(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v] = a else { return Err(merr("count", a)) };
    let mut n = 0;
    for x in iterate_items(vm, v)? {
        match x {
            Value::Bool(true) => n += 1,
            Value::Bool(false) => {}
            other => return Err(errors::type_error_bool(&other)),
        }
    }
    Ok(Value::Int(n))
}

pub(super) fn b_mean(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let (Some(d), [v]) = (kwarg(k, "dims"), a) {
        return reduce_dims(vm, "mean", v, d, b_mean);
    }
    let [v] = a else { return Err(merr("mean", a)) };
    let items = iterate_items(vm, v)?;
    if items.is_empty() {
        return Ok(Value::Float(f64::NAN));
    }
    let mut s = 0.0;
    for x in &items {
        s += as_f64(x).ok_or_else(|| merr("mean", a))?;
    }
    Ok(Value::Float(s / items.len() as f64))
}

pub(super) fn floats(vm: &mut Vm, name: &str, a: &[Value]) -> Result<Vec<f64>, Exc> {
    let Some(v) = a.first() else {
        return Err(merr(name, a));
    };
    iterate_items(vm, v)?
        .iter()
        .map(|x| as_f64(x).ok_or_else(|| merr(name, a)))
        .collect()
}

pub(super) fn b_median(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let (Some(d), [v]) = (kwarg(k, "dims"), a) {
        return reduce_dims(vm, "median", v, d, b_median);
    }
    let mut xs = floats(vm, "median", a)?;
    if xs.is_empty() {
        return Err(errors::argument_error(
            "median of an empty array is undefined, Float64[]",
        ));
    }
    // Statistics: NaN anywhere makes the median NaN
    if xs.iter().any(|x| x.is_nan()) {
        return Ok(Value::Float(f64::NAN));
    }
    xs.sort_by(|p, q| p.total_cmp(q));
    let n = xs.len();
    Ok(Value::Float(if n % 2 == 1 {
        xs[n / 2]
    } else {
        // Statistics.middle(x, y) = x/2 + y/2
        xs[n / 2 - 1] / 2.0 + xs[n / 2] / 2.0
    }))
}

/// `quantile(v, p)` for a probability or a vector of them: Statistics' default
/// (type 7) interpolation between the sorted values.
pub(super) fn b_quantile(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [_, p] = a else {
        return Err(merr("quantile", a));
    };
    let mut xs = floats(vm, "quantile", &a[..1])?;
    if xs.is_empty() {
        return Err(errors::argument_error("empty data vector"));
    }
    if xs.iter().any(|x| x.is_nan()) {
        return Err(errors::argument_error(
            "quantiles are undefined in presence of NaNs or missing values",
        ));
    }
    xs.sort_by(|p, q| p.total_cmp(q));
    let one = |p: f64| -> Result<f64, Exc> {
        if !(0.0..=1.0).contains(&p) {
            return Err(errors::argument_error(
                "input probability out of [0,1] range",
            ));
        }
        let n = xs.len();
        let aleph = n as f64 * p + (1.0 - p);
        let j = (aleph.trunc() as usize).clamp(1, (n - 1).max(1));
        let gamma = (aleph - j as f64).clamp(0.0, 1.0);
        let (lo, hi) = if n == 1 {
            (xs[0], xs[0])
        } else {
            (xs[j - 1], xs[j])
        };
        Ok(if lo.is_finite() && hi.is_finite() {
            lo + gamma * (hi - lo)
        } else {
            (1.0 - gamma) * lo + gamma * hi
        })
    };
    match p {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            Ok(Value::Float(one(as_f64(p).unwrap_or(0.0))?))
        }
        Value::Array(_) | Value::Range(_) | Value::FRange(_) => {
            let ps = iterate_items(vm, p)?;
            let mut out = Vec::with_capacity(ps.len());
            for q in ps {
                let q = as_f64(&q).ok_or_else(|| merr("quantile", a))?;
                out.push(Value::Float(one(q)?));
            }
            Ok(Value::vector(Ty::Float64, out))
        }
        _ => Err(merr("quantile", a)),
    }
}

pub(super) fn b_var(vm: &mut Vm, a: &[Value], k: K) -> R {
    let corrected = !matches!(kwarg(k, "corrected"), Some(Value::Bool(false)));
    if let (Some(d), [v]) = (kwarg(k, "dims"), a) {
        let f = if corrected { b_var } else { var_uncorrected };
        return reduce_dims(vm, "var", v, d, f);
    }
    let xs = floats(vm, "var", a)?;
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let d = if corrected { n - 1.0 } else { n };
    Ok(Value::Float(
        xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / d,
    ))
}

fn var_uncorrected(vm: &mut Vm, a: &[Value], _k: K) -> R {
    b_var(vm, a, &[("corrected".into(), Value::Bool(false))])
}

fn std_uncorrected(vm: &mut Vm, a: &[Value], _k: K) -> R {
    b_std(vm, a, &[("corrected".into(), Value::Bool(false))])
}

pub(super) fn b_std(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let (Some(d), [v]) = (kwarg(k, "dims"), a) {
        let corrected = !matches!(kwarg(k, "corrected"), Some(Value::Bool(false)));
        let f = if corrected { b_std } else { std_uncorrected };
        return reduce_dims(vm, "std", v, d, f);
    }
    match b_var(vm, a, k)? {
        Value::Float(v) => Ok(Value::Float(v.sqrt())),
        o => Ok(o),
    }
}
