//! Iteration: ranges, iterating any collection, destructuring, `enumerate`/`zip`, `first`/`last`, index ranges.

use super::*;

pub(crate) fn make_frange(start: f64, step: f64, stop: f64) -> R {
    if step == 0.0 {
        return Err(errors::argument_error("range step cannot be zero"));
    }
    let n = ((stop - start) / step + 1e-10).floor() + 1.0;
    let len = if n.is_finite() && n > 0.0 {
        n as i64
    } else {
        0
    };
    Ok(Value::FRange(Arc::new((start, step, len, 0.0))))
}

pub(crate) fn make_range(start: &Value, step: Option<&Value>, stop: &Value) -> R {
    match (start, step, stop) {
        (Value::Int(a), None, Value::Int(b)) => Ok(Value::range(*a, 1, *b)),
        (Value::Int(a), Some(Value::Int(s)), Value::Int(b)) => {
            if *s == 0 {
                return Err(errors::argument_error("step cannot be zero"));
            }
            let (a, s, b) = (*a, *s, *b);
            let last = if (s > 0 && b < a) || (s < 0 && b > a) {
                a - s
            } else {
                let n = ((b as i128 - a as i128) / s as i128) as i64;
                a + n * s
            };
            // an explicit step makes a StepRange, even a step of 1 (`1:1:5` prints so)
            Ok(Value::range_of(a, s, last, crate::value::RangeKind::Step))
        }
        (Value::Char(a), None, Value::Char(b)) => {
            let items: Vec<Value> = (*a..=*b).map(Value::Char).collect();
            Ok(Value::vector(Ty::Char, items))
        }
        _ => {
            let a = as_f64(start).ok_or_else(|| merr(":", &[start.clone(), stop.clone()]))?;
            let b = as_f64(stop).ok_or_else(|| merr(":", &[start.clone(), stop.clone()]))?;
            let s = match step {
                Some(v) => {
                    as_f64(v).ok_or_else(|| merr(":", &[start.clone(), v.clone(), stop.clone()]))?
                }
                None => 1.0,
            };
            make_frange(a, s, b)
        }
    }
}

/// Items of simple sequences without allocation checks.
pub(crate) fn items_simple(v: &Value) -> Option<Vec<Value>> {
    Some(match v {
        Value::Array(a) => lock(a).data.clone(),
        Value::Tuple(t) => t.to_vec(),
        Value::Range(r) => {
            let n = range_len(r);
            (0..n)
                .map(|i| Value::Int(r.0.wrapping_add(i.wrapping_mul(r.1))))
                .collect()
        }
        Value::FRange(r) => (0..r.2).map(|i| Value::Float(frange_elem(r, i))).collect(),
        _ => return None,
    })
}

/// All elements of an iterable (materialised), with a memory check.
pub(crate) fn iterate_items(vm: &mut Vm, v: &Value) -> Result<Vec<Value>, Exc> {
    if let Some(n) = len_of(v) {
        vm.alloc(n, false)?;
    }
    Ok(match v {
        Value::Array(_) | Value::Tuple(_) | Value::Range(_) | Value::FRange(_) => {
            items_simple(v).unwrap_or_default()
        }
        Value::NamedTuple(nt) => nt.1.to_vec(),
        Value::Str(s) => s.chars().map(Value::Char).collect(),
        Value::Dict(d) => lock(d)
            .entries
            .iter()
            .map(|(k, x)| Value::pair(k.clone(), x.clone()))
            .collect(),
        Value::Pair(p) => vec![p.0.clone(), p.1.clone()],
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Char(_) => vec![v.clone()],
        Value::Nothing => return Err(merr("iterate", std::slice::from_ref(v))),
        Value::Lazy(l) => match l.0 {
            Ty::Enumerate => {
                let inner = iterate_items(vm, &l.1[0])?;
                inner
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| Value::tuple(vec![Value::Int(i as i64 + 1), x]))
                    .collect()
            }
            Ty::Zip => {
                let mut seqs = Vec::new();
                for s in l.1.iter() {
                    seqs.push(iterate_items(vm, s)?);
                }
                let n = seqs.iter().map(|s| s.len()).min().unwrap_or(0);
                (0..n)
                    .map(|i| Value::tuple(seqs.iter().map(|s| s[i].clone()).collect()))
                    .collect()
            }
            _ => vec![],
        },
        other => return Err(merr("iterate", std::slice::from_ref(other))),
    })
}

pub(crate) fn iter_init(vm: &mut Vm, v: Value) -> Result<IterState, Exc> {
    Ok(match v {
        Value::Range(r) => {
            let empty = range_len(&r) <= 0;
            IterState::Range {
                cur: r.0,
                step: r.1,
                stop: r.2,
                done: empty,
            }
        }
        Value::Array(a) => IterState::Array { arr: a, pos: 0 },
        Value::FRange(r) => IterState::FRange { r, pos: 0 },
        other => IterState::Items {
            items: Arc::from(iterate_items(vm, &other)?),
            pos: 0,
        },
    })
}

pub(crate) fn destructure(vm: &mut Vm, v: &Value, n: usize) -> Result<Vec<Value>, Exc> {
    let items = match v {
        Value::Dict(_) => {
            return Err(errors::error_exception(
                "destructuring a Dict is not supported",
            ));
        }
        _ => iterate_items(vm, v)?,
    };
    if items.len() < n {
        return Err(errors::bounds_error(
            v,
            &[Value::Int(items.len() as i64 + 1)],
        ));
    }
    Ok(items.into_iter().take(n).collect())
}

pub(super) fn b_range(_vm: &mut Vm, a: &[Value], k: K) -> R {
    let len = kwarg(k, "length").and_then(as_int);
    let step = kwarg(k, "step");
    let stop_kw = kwarg(k, "stop");
    let (start, stop) = match a {
        [s, e] => (s.clone(), Some(e.clone())),
        [s] => (s.clone(), stop_kw.cloned()),
        _ => return Err(merr("range", a)),
    };
    match (stop, step, len) {
        (Some(e), None, Some(n)) => {
            let (s, e) = (
                as_f64(&start).ok_or_else(|| merr("range", a))?,
                as_f64(&e).ok_or_else(|| merr("range", a))?,
            );
            if n < 0 {
                return Err(errors::argument_error(&format!(
                    "range(start, stop; length = {n}): negative length"
                )));
            }
            if n == 1 {
                return Ok(Value::FRange(Arc::new((s, 0.0, 1, 0.0))));
            }
            let step = (e - s) / (n - 1) as f64;
            if let (Value::Int(si), Some(ei)) = (&start, as_int(&Value::Float(e))) {
                let diff = ei - si;
                if diff % (n - 1) == 0 && matches!(a.get(1), Some(Value::Int(_))) {
                    return make_range(&start, Some(&Value::Int(diff / (n - 1))), &Value::Int(ei));
                }
            }
            // low-order part of the exact step (e - s) / (n - 1)
            let m = (n - 1) as f64;
            let lo = if frange_den(s, step).is_some() {
                0.0
            } else {
                (-step).mul_add(m, e - s) / m
            };
            Ok(Value::FRange(Arc::new((s, step, n, lo))))
        }
        (Some(e), Some(st), _) => make_range(&start, Some(st), &e),
        (Some(e), None, None) => make_range(&start, None, &e),
        (None, Some(st), Some(n)) => {
            let span = mul(_vm, &[st.clone(), Value::Int(n - 1)], &[])?;
            let stop = add(_vm, &[start.clone(), span], &[])?;
            make_range(&start, Some(st), &stop)
        }
        (None, None, Some(n)) => {
            let stop = add(_vm, &[start.clone(), Value::Int(n - 1)], &[])?;
            make_range(&start, None, &stop)
        }
        _ => Err(errors::argument_error(
            "range: at least one of `length` or `stop` must be specified",
        )),
    }
}

pub(super) fn b_enumerate(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::Lazy(Arc::new((Ty::Enumerate, vec![v.clone()])))),
        _ => Err(merr("enumerate", a)),
    }
}

pub(super) fn b_zip(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(Value::Lazy(Arc::new((Ty::Zip, a.to_vec()))))
}

pub(super) fn b_first(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(s)] => s
            .chars()
            .next()
            .map(Value::Char)
            .ok_or_else(|| errors::bounds_error(&a[0], &[Value::Int(1)])),
        [v] => {
            if len_of(v) == Some(0) {
                return Err(errors::argument_error("collection must be non-empty"));
            }
            match v {
                Value::Range(r) => Ok(Value::Int(r.0)),
                Value::Dict(d) => lock(d)
                    .entries
                    .first()
                    .map(|(k, x)| Value::pair(k.clone(), x.clone()))
                    .ok_or_else(|| merr("first", a)),
                _ => getindex(vm, v, &[Value::Int(1)]),
            }
        }
        [Value::Str(s), Value::Int(n)] => Ok(Value::string(
            s.chars().take((*n).max(0) as usize).collect(),
        )),
        [v, Value::Int(n)] => {
            let items = iterate_items(vm, v)?;
            let k = (*n).max(0) as usize;
            Ok(Value::vector(
                elty_of(v, &items),
                items.into_iter().take(k).collect(),
            ))
        }
        _ => Err(merr("first", a)),
    }
}

pub(super) fn b_last(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(s)] => s
            .chars()
            .last()
            .map(Value::Char)
            .ok_or_else(|| errors::bounds_error(&a[0], &[Value::Int(0)])),
        [v] => {
            let n = len_of(v).ok_or_else(|| merr("last", a))?;
            if n == 0 {
                return Err(errors::argument_error("collection must be non-empty"));
            }
            match v {
                Value::Range(r) => Ok(Value::Int(r.2)),
                _ => getindex(vm, v, &[Value::Int(n as i64)]),
            }
        }
        [Value::Str(s), Value::Int(n)] => {
            let c: Vec<char> = s.chars().collect();
            let k = (*n).max(0) as usize;
            Ok(Value::string(
                c[c.len().saturating_sub(k)..].iter().collect(),
            ))
        }
        [v, Value::Int(n)] => {
            let items = iterate_items(vm, v)?;
            let k = (*n).max(0) as usize;
            let t = elty_of(v, &items);
            let l = items.len();
            Ok(Value::vector(
                t,
                items.into_iter().skip(l.saturating_sub(k)).collect(),
            ))
        }
        _ => Err(merr("last", a)),
    }
}

pub(super) fn b_eachindex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        // Julia's `eachindex` of a vector, tuple or range is `Base.OneTo(n)`
        [v @ (Value::Array(_) | Value::Tuple(_) | Value::Range(_) | Value::FRange(_))] => len_of(v)
            .map(|n| Value::range_of(1, 1, n as i64, crate::value::RangeKind::OneTo))
            .ok_or_else(|| merr("eachindex", a)),
        [v] => len_of(v)
            .map(|n| Value::range(1, 1, n as i64))
            .ok_or_else(|| merr("eachindex", a)),
        _ => Err(merr("eachindex", a)),
    }
}

pub(super) fn b_firstindex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [_] => Ok(Value::Int(1)),
        _ => Err(merr("firstindex", a)),
    }
}

pub(super) fn b_lastindex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::Int(lastindex(v, 0, 1)?)),
        _ => Err(merr("lastindex", a)),
    }
}
