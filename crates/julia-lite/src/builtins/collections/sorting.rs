//! Sorting and reversing: `sort`, `sort!`, `sortperm`, `issorted`, `reverse`.

use super::*;

pub(crate) fn sort_values(items: &mut [Value]) -> Result<(), Exc> {
    let mut err = None;
    items.sort_by(|x, y| {
        if err.is_some() {
            return std::cmp::Ordering::Equal;
        }
        match (isless(x, y), isless(y, x)) {
            (Ok(true), _) => std::cmp::Ordering::Less,
            (Ok(false), Ok(true)) => std::cmp::Ordering::Greater,
            (Ok(false), Ok(false)) => std::cmp::Ordering::Equal,
            (Err(e), _) | (_, Err(e)) => {
                err = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub(super) fn elty_of(v: &Value, items: &[Value]) -> Ty {
    match v {
        Value::Array(a) => lock(a).elty.clone(),
        Value::Range(_) => Ty::Int64,
        Value::FRange(_) => Ty::Float64,
        _ => promote_elty(items),
    }
}

pub(super) fn b_sort_default(vm: &mut Vm, a: &[Value], k: K) -> R {
    let [v] = a else { return Err(merr("sort", a)) };
    if let Value::Dict(_) = v {
        return Err(merr("sort", a));
    }
    // Julia 1.9 (base/range.jl): `sort(r::AbstractUnitRange) = r` and
    // `sort(r::AbstractRange) = issorted(r) ? r : reverse(r)`, methods without keywords;
    // with keywords the generic method answers a Vector, as below.
    if k.is_empty() {
        match v {
            Value::Range(r) => {
                let (start, step, _, _) = **r;
                let n = range_len(r);
                if step > 0 || n <= 1 {
                    return Ok(v.clone());
                }
                // reverse(r::StepRange) = last(r):-step(r):first(r)
                let last = start + (n - 1) * step;
                return Ok(Value::range_of(last, -step, start, RangeKind::Step));
            }
            Value::FRange(r) if r.1 >= 0.0 || r.2 <= 1 => return Ok(v.clone()),
            Value::FRange(_) => {
                return Err(errors::error_exception(
                    "sort of a decreasing floating-point range is not supported by julia-lite",
                ));
            }
            _ => {}
        }
    }
    let mut items = iterate_items(vm, v)?;
    sort_values(&mut items)?;
    if kwarg(k, "rev").is_some_and(|r| matches!(r, Value::Bool(true))) {
        items.reverse();
    }
    if let Value::Tuple(_) = v {
        return Ok(Value::tuple(items));
    }
    Ok(Value::vector(elty_of(v, &items), items))
}

pub(super) fn b_sort_inplace(vm: &mut Vm, a: &[Value], k: K) -> R {
    let sorted = b_sort_default(vm, a, k)?;
    if let (Value::Array(dst), Value::Array(src)) = (&a[0], &sorted) {
        let d = lock(src).data.clone();
        lock(dst).data = d;
    }
    Ok(a[0].clone())
}

/// permutation sorting `keys` (stable), for the prelude's `sort(...; by=...)`
pub(super) fn b_sortperm_keys(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [keys, rev] = a else {
        return Err(merr("_sortperm_keys", a));
    };
    let ks = iterate_items(vm, keys)?;
    let mut idx: Vec<usize> = (0..ks.len()).collect();
    let mut err = None;
    idx.sort_by(|&x, &y| {
        if err.is_some() {
            return std::cmp::Ordering::Equal;
        }
        match (isless(&ks[x], &ks[y]), isless(&ks[y], &ks[x])) {
            (Ok(true), _) => std::cmp::Ordering::Less,
            (Ok(false), Ok(true)) => std::cmp::Ordering::Greater,
            (Ok(_), Ok(_)) => std::cmp::Ordering::Equal,
            (Err(e), _) | (_, Err(e)) => {
                err = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    if matches!(rev, Value::Bool(true)) {
        idx.reverse();
    }
    Ok(Value::vector(
        Ty::Int64,
        idx.into_iter().map(|i| Value::Int(i as i64 + 1)).collect(),
    ))
}

pub(super) fn b_issorted(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v] = a else {
        return Err(merr("issorted", a));
    };
    let items = iterate_items(vm, v)?;
    for w in items.windows(2) {
        if isless(&w[1], &w[0])? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

pub(super) fn b_reverse(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(s)] => Ok(Value::string(s.chars().rev().collect())),
        [Value::Range(r)] => {
            if range_len(r) <= 0 {
                return Ok(Value::range(r.2, -r.1, r.0));
            }
            Ok(Value::range(r.2, -r.1, r.0))
        }
        [Value::Tuple(t)] => Ok(Value::tuple(t.iter().rev().cloned().collect())),
        [v] => {
            let mut items = iterate_items(vm, v)?;
            items.reverse();
            Ok(Value::vector(elty_of(v, &items), items))
        }
        _ => Err(merr("reverse", a)),
    }
}

pub(super) fn b_reverse_inplace(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("reverse!", a)?;
    lock(arr).data.reverse();
    Ok(a[0].clone())
}
