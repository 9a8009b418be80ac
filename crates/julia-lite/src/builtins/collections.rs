//! Arrays, tuples, ranges, dicts: indexing, iteration and the collection library.

use super::{BFn, R, as_f64, as_int, convert, kwarg, merr};
use crate::builtins::math::{add, equals, isless, minmax2, mul};
use crate::errors;
use crate::show::repr;
use crate::types::typeof_val;
use crate::value::*;
use crate::vm::Vm;
use std::sync::{Arc, Mutex};

type K<'a> = &'a [(Name, Value)];

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
            Ok(Value::range(a, s, last))
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

fn check_index(container: &Value, i: i64, len: usize) -> Result<usize, Exc> {
    if i < 1 || i as usize > len {
        return Err(errors::bounds_error(container, &[Value::Int(i)]));
    }
    Ok(i as usize - 1)
}

fn index_list(vm: &mut Vm, container: &Value, idx: &Value, len: usize) -> Result<Vec<usize>, Exc> {
    match idx {
        Value::Int(i) => Ok(vec![check_index(container, *i, len)?]),
        Value::Sym(s) if &**s == ":" => Ok((0..len).collect()),
        Value::Range(_) | Value::Array(_) => {
            let items = iterate_items(vm, idx)?;
            if !items.is_empty() && items.iter().all(|x| matches!(x, Value::Bool(_))) {
                if items.len() != len {
                    return Err(errors::bounds_error(container, std::slice::from_ref(idx)));
                }
                return Ok(items
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| matches!(b, Value::Bool(true)))
                    .map(|(i, _)| i)
                    .collect());
            }
            let mut out = Vec::with_capacity(items.len());
            for x in &items {
                match x {
                    Value::Int(i) => {
                        if *i < 1 || *i as usize > len {
                            return Err(errors::bounds_error(container, std::slice::from_ref(idx)));
                        }
                        out.push(*i as usize - 1)
                    }
                    _ => {
                        return Err(errors::argument_error(&format!(
                            "invalid index: {} of type {}",
                            repr(x),
                            crate::types::type_name(&typeof_val(x))
                        )));
                    }
                }
            }
            Ok(out)
        }
        Value::Float(_) => Err(errors::argument_error(&format!(
            "invalid index: {} of type Float64",
            repr(idx)
        ))),
        other => Err(errors::argument_error(&format!(
            "invalid index: {} of type {}",
            repr(other),
            crate::types::type_name(&typeof_val(other))
        ))),
    }
}

pub(crate) fn getindex(vm: &mut Vm, obj: &Value, idx: &[Value]) -> R {
    match obj {
        Value::Array(a) => {
            let (elty, dims) = {
                let g = lock(a);
                (g.elty.clone(), g.dims)
            };
            if let (Some((r, c)), [i, j]) = (dims, idx) {
                let rows = index_list(vm, obj, i, r).map_err(|_| errors::bounds_error(obj, idx))?;
                let cols = index_list(vm, obj, j, c).map_err(|_| errors::bounds_error(obj, idx))?;
                let g = lock(a);
                if let (Value::Int(_), Value::Int(_)) = (i, j) {
                    return Ok(g.data[cols[0] * r + rows[0]].clone());
                }
                let mut out = Vec::new();
                for &cj in &cols {
                    for &ri in &rows {
                        out.push(g.data[cj * r + ri].clone());
                    }
                }
                let (nr, nc) = (rows.len(), cols.len());
                drop(g);
                if matches!(i, Value::Int(_)) || matches!(j, Value::Int(_)) {
                    return Ok(Value::vector(elty, out));
                }
                return Ok(Value::Array(Arc::new(Mutex::new(Array {
                    elty,
                    data: out,
                    dims: Some((nr, nc)),
                }))));
            }
            let [i] = idx else {
                if idx.is_empty() {
                    return Err(merr("getindex", std::slice::from_ref(obj)));
                }
                // a[i, 1] on a vector
                if idx[1..].iter().all(|x| matches!(x, Value::Int(1))) {
                    return getindex(vm, obj, &idx[..1]);
                }
                return Err(errors::bounds_error(obj, idx));
            };
            let len = lock(a).data.len();
            if let Value::Int(k) = i {
                let g = lock(a);
                if *k < 1 || *k as usize > g.data.len() {
                    drop(g);
                    return Err(errors::bounds_error(obj, idx));
                }
                return Ok(g.data[*k as usize - 1].clone());
            }
            let ix = index_list(vm, obj, i, len)?;
            let g = lock(a);
            let out: Vec<Value> = ix.iter().map(|&k| g.data[k].clone()).collect();
            Ok(Value::vector(elty, out))
        }
        Value::Tuple(t) => match idx {
            [Value::Int(k)] => {
                let k = check_index(obj, *k, t.len())?;
                Ok(t[k].clone())
            }
            [i] => {
                let ix = index_list(vm, obj, i, t.len())?;
                Ok(Value::tuple(ix.iter().map(|&k| t[k].clone()).collect()))
            }
            _ => Err(merr("getindex", std::slice::from_ref(obj))),
        },
        Value::NamedTuple(nt) => match idx {
            [Value::Int(k)] => {
                let k = check_index(obj, *k, nt.1.len())?;
                Ok(nt.1[k].clone())
            }
            [Value::Sym(s)] => match nt.0.iter().position(|n| n == s) {
                Some(i) => Ok(nt.1[i].clone()),
                None => Err(errors::error_exception(&format!(
                    "type NamedTuple has no field {s}"
                ))),
            },
            _ => Err(merr("getindex", std::slice::from_ref(obj))),
        },
        Value::Str(s) => match idx {
            [Value::Int(k)] => {
                let k = *k;
                if k < 1 || k as usize > s.len() {
                    return Err(errors::bounds_error(obj, idx));
                }
                let b = k as usize - 1;
                if !s.is_char_boundary(b) {
                    return Err(errors::string_index_error(s, k));
                }
                Ok(s[b..]
                    .chars()
                    .next()
                    .map(Value::Char)
                    .unwrap_or(Value::Nothing))
            }
            [Value::Range(r)] => {
                let n = range_len(r);
                if n <= 0 {
                    return Ok(Value::str(""));
                }
                let (a, b) = (r.0, r.2);
                if r.1 != 1 {
                    let ix = index_list(vm, obj, &idx[0], s.len())?;
                    let bytes = s.as_bytes();
                    let v: Vec<u8> = ix.iter().map(|&i| bytes[i]).collect();
                    return Ok(Value::string(String::from_utf8_lossy(&v).into_owned()));
                }
                if a < 1 || b as usize > s.len() {
                    return Err(errors::bounds_error(obj, idx));
                }
                let (st, en) = (a as usize - 1, b as usize);
                if !s.is_char_boundary(st) {
                    return Err(errors::string_index_error(s, a));
                }
                // end index is the start of the last char
                let mut e = en;
                while e < s.len() && !s.is_char_boundary(e) {
                    e += 1;
                }
                if !s.is_char_boundary(en - 1) {
                    return Err(errors::string_index_error(s, b));
                }
                Ok(Value::string(s[st..e].to_string()))
            }
            _ => Err(merr("getindex", std::slice::from_ref(obj))),
        },
        Value::Dict(d) => {
            let key = if idx.len() == 1 {
                idx[0].clone()
            } else {
                Value::tuple(idx.to_vec())
            };
            let g = lock(d);
            match g.get(&key) {
                Some(v) => Ok(v.clone()),
                None => {
                    drop(g);
                    Err(errors::key_error(&key))
                }
            }
        }
        Value::Range(r) => match idx {
            [Value::Int(k)] => {
                let n = range_len(r);
                if *k < 1 || *k > n {
                    return Err(errors::bounds_error(obj, idx));
                }
                Ok(Value::Int(r.0 + (k - 1) * r.1))
            }
            [Value::Range(q)] => {
                let n = range_len(r);
                let qn = range_len(q);
                if qn > 0 && (q.0 < 1 || q.2 > n || q.0 > n || q.2 < 1) {
                    return Err(errors::bounds_error(obj, idx));
                }
                let start = r.0 + (q.0 - 1) * r.1;
                let step = r.1 * q.1;
                let stop = r.0 + (q.2 - 1) * r.1;
                if step == 1 {
                    Ok(Value::range(start, 1, stop))
                } else {
                    Ok(Value::range(start, step, stop))
                }
            }
            [i] => {
                let items = iterate_items(vm, obj)?;
                let ix = index_list(vm, obj, i, items.len())?;
                Ok(Value::vector(
                    Ty::Int64,
                    ix.iter().map(|&k| items[k].clone()).collect(),
                ))
            }
            _ => Err(merr("getindex", std::slice::from_ref(obj))),
        },
        Value::FRange(r) => match idx {
            [Value::Int(k)] => {
                if *k < 1 || *k > r.2 {
                    return Err(errors::bounds_error(obj, idx));
                }
                Ok(Value::Float(frange_elem(r, k - 1)))
            }
            _ => Err(merr("getindex", std::slice::from_ref(obj))),
        },
        Value::Pair(p) => match idx {
            [Value::Int(1)] => Ok(p.0.clone()),
            [Value::Int(2)] => Ok(p.1.clone()),
            _ => Err(errors::bounds_error(obj, idx)),
        },
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Char(_) => match idx {
            [Value::Int(1)] | [] => Ok(obj.clone()),
            _ => Err(errors::bounds_error(obj, idx)),
        },
        other => {
            if let Some(r) = crate::native::getindex(vm, other, idx) {
                return r;
            }
            let mut args = vec![other.clone()];
            args.extend_from_slice(idx);
            Err(merr("getindex", &args))
        }
    }
}

pub(crate) fn setindex(vm: &mut Vm, obj: &Value, v: Value, idx: &[Value]) -> Result<(), Exc> {
    match obj {
        Value::Array(a) => {
            let (elty, dims, len) = {
                let g = lock(a);
                (g.elty.clone(), g.dims, g.data.len())
            };
            let v = convert(&elty, v)?;
            let pos = match (dims, idx) {
                (Some((r, c)), [Value::Int(i), Value::Int(j)]) => {
                    if *i < 1 || *i as usize > r || *j < 1 || *j as usize > c {
                        return Err(errors::bounds_error(obj, idx));
                    }
                    vec![(*j as usize - 1) * r + (*i as usize - 1)]
                }
                (_, [i]) => index_list(vm, obj, i, len)?,
                _ => return Err(errors::bounds_error(obj, idx)),
            };
            let mut g = lock(a);
            for p in pos {
                if p < g.data.len() {
                    g.data[p] = v.clone();
                }
            }
            Ok(())
        }
        Value::Dict(d) => {
            let key = if idx.len() == 1 {
                idx[0].clone()
            } else {
                Value::tuple(idx.to_vec())
            };
            let (kt, vt) = {
                let g = lock(d);
                (g.kty.clone(), g.vty.clone())
            };
            let k = convert(&kt, key)?;
            let v = convert(&vt, v)?;
            vm.alloc(3, false)?;
            lock(d).insert(k, v);
            Ok(())
        }
        Value::Str(_) => Err(merr(
            "setindex!",
            &[
                obj.clone(),
                v,
                idx.first().cloned().unwrap_or(Value::Nothing),
            ],
        )),
        Value::Tuple(_) | Value::NamedTuple(_) | Value::Range(_) | Value::FRange(_) => {
            let mut args = vec![obj.clone(), v];
            args.extend_from_slice(idx);
            Err(merr("setindex!", &args))
        }
        other => {
            let mut args = vec![other.clone(), v];
            args.extend_from_slice(idx);
            Err(merr("setindex!", &args))
        }
    }
}

pub(crate) fn lastindex(obj: &Value, k: usize, n: usize) -> Result<i64, Exc> {
    match obj {
        Value::Array(a) => {
            let g = lock(a);
            match (g.dims, n) {
                (Some((r, _)), 2) if k == 0 => Ok(r as i64),
                (Some((_, c)), 2) => Ok(c as i64),
                _ => Ok(g.data.len() as i64),
            }
        }
        Value::Str(s) => Ok(s
            .char_indices()
            .last()
            .map(|(i, _)| i as i64 + 1)
            .unwrap_or(0)),
        other => len_of(other)
            .map(|l| l as i64)
            .ok_or_else(|| merr("lastindex", std::slice::from_ref(other))),
    }
}

fn b_length(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => len_of(v)
            .map(|n| Value::Int(n as i64))
            .ok_or_else(|| merr("length", a)),
        _ => Err(merr("length", a)),
    }
}

fn b_size(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => {
            let g = lock(arr);
            Ok(match g.dims {
                Some((r, c)) => Value::tuple(vec![Value::Int(r as i64), Value::Int(c as i64)]),
                None => Value::tuple(vec![Value::Int(g.data.len() as i64)]),
            })
        }
        [Value::Array(arr), Value::Int(d)] => {
            let g = lock(arr);
            Ok(Value::Int(match (g.dims, d) {
                (Some((r, _)), 1) => r as i64,
                (Some((_, c)), 2) => c as i64,
                (None, 1) => g.data.len() as i64,
                _ => 1,
            }))
        }
        [v] if len_of(v).is_some() && !matches!(v, Value::Dict(_) | Value::Str(_)) => {
            Ok(Value::tuple(vec![
                Value::Int(len_of(v).unwrap_or(0) as i64),
            ]))
        }
        _ => Err(merr("size", a)),
    }
}

fn b_ndims(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => Ok(Value::Int(if lock(arr).dims.is_some() { 2 } else { 1 })),
        _ => Err(merr("ndims", a)),
    }
}

fn arr_of<'a>(name: &str, a: &'a [Value]) -> Result<&'a Arc<Mutex<Array>>, Exc> {
    match a.first() {
        Some(Value::Array(arr)) => Ok(arr),
        _ => Err(merr(name, a)),
    }
}

fn b_push(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let Some(Value::Dict(d)) = a.first() {
        for p in &a[1..] {
            let Value::Pair(p) = p else {
                return Err(merr("push!", a));
            };
            setindex(
                vm,
                &Value::Dict(d.clone()),
                p.1.clone(),
                std::slice::from_ref(&p.0),
            )?;
        }
        return Ok(a[0].clone());
    }
    let arr = arr_of("push!", a)?;
    let et = lock(arr).elty.clone();
    let n = lock(arr).data.len();
    vm.alloc_push(arr, a.len() - 1)?;
    if n + a.len() > vm.limits.max_memory_bytes / crate::vm::VALUE_BYTES {
        vm.fatal = true;
        return Err(errors::out_of_memory(
            "vector length exceeds the memory budget",
        ));
    }
    let mut conv = Vec::new();
    for v in &a[1..] {
        conv.push(convert(&et, v.clone())?);
    }
    lock(arr).data.extend(conv);
    Ok(a[0].clone())
}

fn b_pushfirst(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("pushfirst!", a)?;
    let et = lock(arr).elty.clone();
    vm.alloc_push(arr, a.len() - 1)?;
    for v in a[1..].iter().rev() {
        let c = convert(&et, v.clone())?;
        lock(arr).data.insert(0, c);
    }
    Ok(a[0].clone())
}

fn b_pop(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if let [Value::Dict(d), key, rest @ ..] = a {
        let mut g = lock(d);
        return match g.remove(key) {
            Some(v) => Ok(v),
            None => match rest.first() {
                Some(def) => Ok(def.clone()),
                None => {
                    drop(g);
                    Err(errors::key_error(key))
                }
            },
        };
    }
    let arr = arr_of("pop!", a)?;
    let v = lock(arr).data.pop();
    v.ok_or_else(|| errors::argument_error("array must be non-empty"))
}

fn b_popfirst(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("popfirst!", a)?;
    let mut g = lock(arr);
    if g.data.is_empty() {
        return Err(errors::argument_error("array must be non-empty"));
    }
    Ok(g.data.remove(0))
}

fn b_append(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("append!", a)?;
    let et = lock(arr).elty.clone();
    for src in &a[1..] {
        let items = iterate_items(vm, src)?;
        vm.alloc_push(arr, items.len())?;
        let mut conv = Vec::with_capacity(items.len());
        for v in items {
            conv.push(convert(&et, v)?);
        }
        lock(arr).data.extend(conv);
    }
    Ok(a[0].clone())
}

fn b_insert(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr), Value::Int(i), v] => {
            vm.alloc_push(arr, 1)?;
            let et = lock(arr).elty.clone();
            let v = convert(&et, v.clone())?;
            let mut g = lock(arr);
            if *i < 1 || *i as usize > g.data.len() + 1 {
                drop(g);
                return Err(errors::bounds_error(&a[0], &[Value::Int(*i)]));
            }
            g.data.insert(*i as usize - 1, v);
            Ok(a[0].clone())
        }
        _ => Err(merr("insert!", a)),
    }
}

fn b_deleteat(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr), i] => {
            let len = lock(arr).data.len();
            let mut ix = index_list(vm, &a[0], i, len)?;
            ix.sort();
            ix.dedup();
            let mut g = lock(arr);
            let mut drop = vec![false; g.data.len()];
            for k in ix {
                drop[k] = true;
            }
            let data = std::mem::take(&mut g.data);
            g.data = data
                .into_iter()
                .zip(drop)
                .filter(|(_, d)| !d)
                .map(|(v, _)| v)
                .collect();
            Ok(a[0].clone())
        }
        _ => Err(merr("deleteat!", a)),
    }
}

fn b_empty(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => {
            lock(arr).data.clear();
            Ok(a[0].clone())
        }
        [Value::Dict(d)] => {
            let mut g = lock(d);
            g.entries.clear();
            g.index.clear();
            Ok(a[0].clone())
        }
        _ => Err(merr("empty!", a)),
    }
}

fn b_isempty(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => len_of(v)
            .map(|n| Value::Bool(n == 0))
            .ok_or_else(|| merr("isempty", a)),
        _ => Err(merr("isempty", a)),
    }
}

fn fold(vm: &mut Vm, name: &str, a: &[Value], init: Value, f: fn(&mut Vm, &[Value], K) -> R) -> R {
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

fn b_sum(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

fn b_prod(vm: &mut Vm, a: &[Value], _k: K) -> R {
    fold(vm, "prod", a, Value::Int(1), mul)
}

fn extreme(vm: &mut Vm, name: &str, a: &[Value], want_max: bool) -> R {
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

fn b_maximum(vm: &mut Vm, a: &[Value], _k: K) -> R {
    extreme(vm, "maximum", a, true)
}
fn b_minimum(vm: &mut Vm, a: &[Value], _k: K) -> R {
    extreme(vm, "minimum", a, false)
}
fn b_extrema(vm: &mut Vm, a: &[Value], k: K) -> R {
    Ok(Value::tuple(vec![
        b_minimum(vm, a, k)?,
        b_maximum(vm, a, k)?,
    ]))
}

fn find_ext(vm: &mut Vm, name: &str, a: &[Value], want_max: bool) -> Result<(Value, Value), Exc> {
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

fn b_argmax(vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(find_ext(vm, "argmax", a, true)?.1)
}
fn b_argmin(vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(find_ext(vm, "argmin", a, false)?.1)
}
fn b_findmax(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (v, i) = find_ext(vm, "findmax", a, true)?;
    Ok(Value::tuple(vec![v, i]))
}
fn b_findmin(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (v, i) = find_ext(vm, "findmin", a, false)?;
    Ok(Value::tuple(vec![v, i]))
}

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

fn elty_of(v: &Value, items: &[Value]) -> Ty {
    match v {
        Value::Array(a) => lock(a).elty.clone(),
        Value::Range(_) => Ty::Int64,
        Value::FRange(_) => Ty::Float64,
        _ => promote_elty(items),
    }
}

fn b_sort_default(vm: &mut Vm, a: &[Value], k: K) -> R {
    let [v] = a else { return Err(merr("sort", a)) };
    if let Value::Dict(_) = v {
        return Err(merr("sort", a));
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

fn b_sort_inplace(vm: &mut Vm, a: &[Value], k: K) -> R {
    let sorted = b_sort_default(vm, a, k)?;
    if let (Value::Array(dst), Value::Array(src)) = (&a[0], &sorted) {
        let d = lock(src).data.clone();
        lock(dst).data = d;
    }
    Ok(a[0].clone())
}

/// permutation sorting `keys` (stable), for the prelude's `sort(...; by=...)`
fn b_sortperm_keys(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

fn b_issorted(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

fn b_reverse(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

fn b_reverse_inplace(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("reverse!", a)?;
    lock(arr).data.reverse();
    Ok(a[0].clone())
}

fn b_collect(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => {
            let g = lock(arr);
            Ok(Value::Array(Arc::new(Mutex::new(g.clone()))))
        }
        [v @ Value::Str(_)] => Ok(Value::vector(Ty::Char, iterate_items(vm, v)?)),
        [Value::Struct(s)] if s.def.name.starts_with("WorkspaceArray") => {
            let f = lock(&s.fields).clone();
            Ok(Value::NamedTuple(Arc::new((
                vec!["time".into(), "value".into()],
                NtVals(f.into_iter().skip(1).collect()),
            ))))
        }
        [v @ Value::Dict(d)] => {
            let (kt, vt) = {
                let g = lock(d);
                (g.kty.clone(), g.vty.clone())
            };
            Ok(Value::vector(
                Ty::Pair(Box::new(kt), Box::new(vt)),
                iterate_items(vm, v)?,
            ))
        }
        [v] => {
            let items = iterate_items(vm, v)?;
            let t = elty_of(v, &items);
            let items = items.into_iter().map(|x| promote_to(&t, x)).collect();
            Ok(Value::vector(t, items))
        }
        [Value::Type(t), v] => {
            let items = iterate_items(vm, v)?;
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(convert(t, x)?);
            }
            Ok(Value::vector((**t).clone(), out))
        }
        _ => Err(merr("collect", a)),
    }
}

pub(crate) fn contains(vm: &mut Vm, x: &Value, coll: &Value) -> Result<bool, Exc> {
    match coll {
        Value::Dict(_) => match x {
            Value::Pair(p) => {
                let Value::Dict(d) = coll else {
                    return Ok(false);
                };
                let found = lock(d).get(&p.0).cloned();
                Ok(found.is_some_and(|v| equals(&v, &p.1)))
            }
            _ => Err(errors::error_exception(
                "AbstractDict collections only contain Pairs;\nEither look for e.g. A=>B instead, or use the `keys` or `values` function if you are looking for a key or value respectively.",
            )),
        },
        Value::Range(r) => match x {
            Value::Int(i) => {
                let n = range_len(r);
                Ok(n > 0 && (i - r.0) % r.1 == 0 && (i - r.0) / r.1 >= 0 && (i - r.0) / r.1 < n)
            }
            _ => Ok(iterate_items(vm, coll)?.iter().any(|y| equals(x, y))),
        },
        Value::Str(s) => match x {
            Value::Char(c) => Ok(s.contains(*c)),
            _ => Err(merr("in", &[x.clone(), coll.clone()])),
        },
        _ => Ok(iterate_items(vm, coll)?.iter().any(|y| equals(x, y))),
    }
}

fn b_in(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, c] => Ok(Value::Bool(contains(vm, x, c)?)),
        _ => Err(merr("in", a)),
    }
}
fn b_notin(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, c] => Ok(Value::Bool(!contains(vm, x, c)?)),
        _ => Err(merr("∉", a)),
    }
}

fn b_keys(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d)] => {
            let g = lock(d);
            Ok(Value::vector(
                g.kty.clone(),
                g.entries.iter().map(|(k, _)| k.clone()).collect(),
            ))
        }
        [Value::NamedTuple(nt)] => Ok(Value::tuple(
            nt.0.iter().map(|n| Value::Sym(n.clone())).collect(),
        )),
        [v] => len_of(v)
            .map(|n| Value::range(1, 1, n as i64))
            .ok_or_else(|| merr("keys", a)),
        _ => Err(merr("keys", a)),
    }
}
fn b_values(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d)] => {
            let g = lock(d);
            Ok(Value::vector(
                g.vty.clone(),
                g.entries.iter().map(|(_, v)| v.clone()).collect(),
            ))
        }
        [Value::NamedTuple(nt)] => Ok(Value::tuple(nt.1.to_vec())),
        [v] => b_collect(vm, std::slice::from_ref(v), &[]),
        _ => Err(merr("values", a)),
    }
}
fn b_pairs(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [d @ Value::Dict(_)] => Ok(Value::vector(Ty::Any, iterate_items(vm, d)?)),
        [Value::NamedTuple(nt)] => Ok(Value::vector(
            Ty::Any,
            nt.0.iter()
                .zip(nt.1.iter())
                .map(|(k, v)| Value::pair(Value::Sym(k.clone()), v.clone()))
                .collect(),
        )),
        [v] => {
            let items = iterate_items(vm, v)?;
            Ok(Value::vector(
                Ty::Any,
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| Value::pair(Value::Int(i as i64 + 1), x))
                    .collect(),
            ))
        }
        _ => Err(merr("pairs", a)),
    }
}
fn b_haskey(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d), k] => Ok(Value::Bool(lock(d).get(k).is_some())),
        [Value::NamedTuple(nt), Value::Sym(s)] => Ok(Value::Bool(nt.0.contains(s))),
        [v, Value::Int(i)] if len_of(v).is_some() => Ok(Value::Bool(
            *i >= 1 && *i as usize <= len_of(v).unwrap_or(0),
        )),
        _ => Err(merr("haskey", a)),
    }
}
fn b_get(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d), k, def] => Ok(lock(d).get(k).cloned().unwrap_or_else(|| def.clone())),
        [Value::NamedTuple(nt), Value::Sym(s), def] => Ok(nt
            .0
            .iter()
            .position(|n| n == s)
            .map(|i| nt.1[i].clone())
            .unwrap_or_else(|| def.clone())),
        [v, i, def] => match getindex(vm, v, std::slice::from_ref(i)) {
            Ok(x) => Ok(x),
            Err(e) if &*e.ty == "BoundsError" => Ok(def.clone()),
            Err(e) => Err(e),
        },
        _ => Err(merr("get", a)),
    }
}
fn b_get_bang(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d), k, def] => {
            if let Some(v) = lock(d).get(k).cloned() {
                return Ok(v);
            }
            setindex(vm, &a[0], def.clone(), std::slice::from_ref(k))?;
            Ok(lock(d).get(k).cloned().unwrap_or_else(|| def.clone()))
        }
        _ => Err(merr("get!", a)),
    }
}
fn b_delete(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d), k] => {
            lock(d).remove(k);
            Ok(a[0].clone())
        }
        _ => Err(merr("delete!", a)),
    }
}
fn b_merge(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a.first() {
        Some(Value::Dict(d0)) => {
            let mut out = lock(d0).clone();
            for other in &a[1..] {
                match other {
                    Value::Dict(d) => {
                        let g = lock(d).clone();
                        out.kty = join_ty(&out.kty, &g.kty);
                        out.vty = join_ty(&out.vty, &g.vty);
                        for (k, v) in g.entries.iter().cloned() {
                            out.insert(k, v);
                        }
                    }
                    _ => return Err(merr("merge", a)),
                }
            }
            vm.alloc(out.entries.len() * 3, false)?;
            Ok(Value::Dict(Arc::new(Mutex::new(out))))
        }
        Some(Value::NamedTuple(_)) => {
            let mut names: Vec<Name> = vec![];
            let mut vals: Vec<Value> = vec![];
            for x in a {
                let Value::NamedTuple(nt) = x else {
                    return Err(merr("merge", a));
                };
                for (n, v) in nt.0.iter().zip(nt.1.iter()) {
                    match names.iter().position(|m| m == n) {
                        Some(i) => vals[i] = v.clone(),
                        None => {
                            names.push(n.clone());
                            vals.push(v.clone());
                        }
                    }
                }
            }
            Ok(Value::NamedTuple(Arc::new((names, NtVals(vals)))))
        }
        _ => Err(merr("merge", a)),
    }
}

fn dims_of(vm: &mut Vm, name: &str, a: &[Value]) -> Result<(usize, Option<(usize, usize)>), Exc> {
    let dims: Vec<i64> = match a {
        [Value::Tuple(t)] => t.iter().map(|x| as_int(x).unwrap_or(-1)).collect(),
        _ => a.iter().map(|x| as_int(x).unwrap_or(-1)).collect(),
    };
    if dims.is_empty()
        || dims.len() > 2
        || dims.iter().any(|d| *d < 0)
        || a.iter().any(|x| matches!(x, Value::Float(_)))
    {
        if dims.iter().any(|d| *d < 0) && a.iter().all(|x| matches!(x, Value::Int(_))) {
            return Err(errors::argument_error(&format!(
                "invalid Array dimensions: ({})",
                dims.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        return Err(merr(name, a));
    }
    let total = dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d as usize))
        .unwrap_or(usize::MAX);
    vm.alloc(total, false)?;
    Ok((
        total,
        if dims.len() == 2 {
            Some((dims[0] as usize, dims[1] as usize))
        } else {
            None
        },
    ))
}

fn filled(vm: &mut Vm, name: &str, a: &[Value], default_ty: Ty, fill: fn(&Ty) -> Value) -> R {
    let (ty, rest) = match a.first() {
        Some(Value::Type(t)) => ((**t).clone(), &a[1..]),
        _ => (default_ty, a),
    };
    let (n, dims) = dims_of(vm, name, rest)?;
    let v = fill(&ty);
    Ok(Value::Array(Arc::new(Mutex::new(Array {
        elty: ty,
        data: vec![v; n],
        dims,
    }))))
}

fn b_zeros(vm: &mut Vm, a: &[Value], _k: K) -> R {
    filled(vm, "zeros", a, Ty::Float64, |t| match t {
        Ty::Int64 => Value::Int(0),
        Ty::Bool => Value::Bool(false),
        _ => Value::Float(0.0),
    })
}
fn b_ones(vm: &mut Vm, a: &[Value], _k: K) -> R {
    filled(vm, "ones", a, Ty::Float64, |t| match t {
        Ty::Int64 => Value::Int(1),
        Ty::Bool => Value::Bool(true),
        _ => Value::Float(1.0),
    })
}
fn b_fill(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let Some(v) = a.first() else {
        return Err(merr("fill", a));
    };
    let (n, dims) = dims_of(vm, "fill", &a[1..])?;
    Ok(Value::Array(Arc::new(Mutex::new(Array {
        elty: typeof_val(v),
        data: vec![v.clone(); n],
        dims,
    }))))
}

fn b_range(_vm: &mut Vm, a: &[Value], k: K) -> R {
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

fn b_enumerate(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::Lazy(Arc::new((Ty::Enumerate, vec![v.clone()])))),
        _ => Err(merr("enumerate", a)),
    }
}
fn b_zip(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    Ok(Value::Lazy(Arc::new((Ty::Zip, a.to_vec()))))
}

fn b_first(vm: &mut Vm, a: &[Value], _k: K) -> R {
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
fn b_last(vm: &mut Vm, a: &[Value], _k: K) -> R {
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
fn b_eachindex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => len_of(v)
            .map(|n| Value::range(1, 1, n as i64))
            .ok_or_else(|| merr("eachindex", a)),
        _ => Err(merr("eachindex", a)),
    }
}
fn b_firstindex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [_] => Ok(Value::Int(1)),
        _ => Err(merr("firstindex", a)),
    }
}
fn b_lastindex(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::Int(lastindex(v, 0, 1)?)),
        _ => Err(merr("lastindex", a)),
    }
}
fn b_cumsum(vm: &mut Vm, a: &[Value], _k: K) -> R {
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
fn b_cumprod(vm: &mut Vm, a: &[Value], _k: K) -> R {
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
fn b_unique(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v] = a else {
        return Err(merr("unique", a));
    };
    let items = iterate_items(vm, v)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for x in items {
        if seen.insert(x.hkey()) {
            out.push(x);
        }
    }
    Ok(Value::vector(elty_of(v, &out), out))
}
fn b_vcat(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let mut out = Vec::new();
    for x in a {
        match x {
            Value::Array(_) | Value::Range(_) | Value::FRange(_) => {
                out.extend(iterate_items(vm, x)?)
            }
            other => out.push(other.clone()),
        }
    }
    let t = promote_elty(&out);
    let out = out.into_iter().map(|v| promote_to(&t, v)).collect();
    Ok(Value::vector(t, out))
}
fn b_copy(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => Ok(Value::Array(Arc::new(Mutex::new(lock(arr).clone())))),
        [Value::Dict(d)] => Ok(Value::Dict(Arc::new(Mutex::new(lock(d).clone())))),
        [v] => Ok(v.clone()),
        _ => Err(merr("copy", a)),
    }
}
fn deep(v: &Value, depth: usize) -> Value {
    if depth > 64 {
        return v.clone();
    }
    match v {
        Value::Array(arr) => {
            let g = lock(arr).clone();
            let data = g.data.iter().map(|x| deep(x, depth + 1)).collect();
            Value::Array(Arc::new(Mutex::new(Array {
                elty: g.elty.clone(),
                data,
                dims: g.dims,
            })))
        }
        Value::Dict(d) => {
            let g = lock(d).clone();
            let mut n = DictV::new(g.kty.clone(), g.vty.clone());
            for (k, x) in g.entries.iter() {
                n.insert(deep(k, depth + 1), deep(x, depth + 1));
            }
            Value::Dict(Arc::new(Mutex::new(n)))
        }
        Value::Tuple(t) => Value::tuple(t.iter().map(|x| deep(x, depth + 1)).collect()),
        Value::Struct(s) => {
            let f = lock(&s.fields).iter().map(|x| deep(x, depth + 1)).collect();
            Value::Struct(Arc::new(StructV {
                def: s.def.clone(),
                fields: Mutex::new(f),
            }))
        }
        other => other.clone(),
    }
}
fn b_deepcopy(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(deep(v, 0)),
        _ => Err(merr("deepcopy", a)),
    }
}
fn bool_fold(vm: &mut Vm, name: &str, a: &[Value], any: bool) -> R {
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
fn b_any(vm: &mut Vm, a: &[Value], _k: K) -> R {
    bool_fold(vm, "any", a, true)
}
fn b_all(vm: &mut Vm, a: &[Value], _k: K) -> R {
    bool_fold(vm, "all", a, false)
}
fn b_count(vm: &mut Vm, a: &[Value], _k: K) -> R {
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
fn b_narrow(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => {
            let mut g = lock(arr);
            if !g.data.is_empty() {
                let t = promote_elty(&g.data);
                let data = std::mem::take(&mut g.data);
                g.data = data.into_iter().map(|v| promote_to(&t, v)).collect();
                g.elty = t;
            }
            drop(g);
            Ok(a[0].clone())
        }
        [Value::Array(arr), like] => {
            let t = match like {
                Value::Array(l) => lock(l).elty.clone(),
                Value::Range(_) => Ty::Int64,
                Value::FRange(_) => Ty::Float64,
                _ => Ty::Any,
            };
            lock(arr).elty = t;
            Ok(a[0].clone())
        }
        _ => Err(merr("_narrow", a)),
    }
}
/// broadcast helpers for the prelude's `_broadcast`
fn b_bc_len(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Tuple(args)] = a else {
        return Err(merr("_bc_len", a));
    };
    let mut n: i64 = -1;
    for x in args.iter() {
        if matches!(
            x,
            Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_)
        ) {
            let l = len_of(x).unwrap_or(0) as i64;
            if n < 0 || n == 1 {
                n = l;
            } else if l != n && l != 1 {
                return Err(errors::dimension_mismatch(&format!(
                    "arrays could not be broadcast to a common size; got a dimension with lengths {n} and {l}"
                )));
            }
        }
    }
    let _ = vm;
    Ok(Value::Int(n))
}
fn b_bc_get(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Tuple(args), Value::Int(i)] = a else {
        return Err(merr("_bc_get", a));
    };
    let mut out = Vec::with_capacity(args.len());
    for x in args.iter() {
        out.push(
            if matches!(
                x,
                Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_)
            ) {
                if len_of(x) == Some(1) {
                    getindex(vm, x, &[Value::Int(1)])?
                } else {
                    getindex(vm, x, &[Value::Int(*i)])?
                }
            } else {
                x.clone()
            },
        );
    }
    Ok(Value::tuple(out))
}
fn b_mean(vm: &mut Vm, a: &[Value], _k: K) -> R {
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
fn floats(vm: &mut Vm, name: &str, a: &[Value]) -> Result<Vec<f64>, Exc> {
    let Some(v) = a.first() else {
        return Err(merr(name, a));
    };
    iterate_items(vm, v)?
        .iter()
        .map(|x| as_f64(x).ok_or_else(|| merr(name, a)))
        .collect()
}
fn b_median(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let mut xs = floats(vm, "median", a)?;
    if xs.is_empty() {
        return Err(errors::argument_error(
            "median of an empty array is undefined, Float64[]",
        ));
    }
    xs.sort_by(|p, q| p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal));
    let n = xs.len();
    Ok(Value::Float(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }))
}
fn b_var(vm: &mut Vm, a: &[Value], k: K) -> R {
    let xs = floats(vm, "var", a)?;
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let corrected = !matches!(kwarg(k, "corrected"), Some(Value::Bool(false)));
    let d = if corrected { n - 1.0 } else { n };
    Ok(Value::Float(
        xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / d,
    ))
}
fn b_std(vm: &mut Vm, a: &[Value], k: K) -> R {
    match b_var(vm, a, k)? {
        Value::Float(v) => Ok(Value::Float(v.sqrt())),
        o => Ok(o),
    }
}
fn b_eltype(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => Ok(Value::ty(lock(arr).elty.clone())),
        [Value::Range(_)] => Ok(Value::ty(Ty::Int64)),
        [Value::FRange(_)] => Ok(Value::ty(Ty::Float64)),
        [Value::Dict(d)] => {
            let g = lock(d);
            Ok(Value::ty(Ty::Pair(
                Box::new(g.kty.clone()),
                Box::new(g.vty.clone()),
            )))
        }
        [Value::Str(_)] => Ok(Value::ty(Ty::Char)),
        [Value::Type(t)] => match &**t {
            Ty::Array(e, _) => Ok(Value::ty((**e).clone())),
            _ => Ok(Value::ty(Ty::Any)),
        },
        [_] => Ok(Value::ty(Ty::Any)),
        _ => Err(merr("eltype", a)),
    }
}
fn set_op(vm: &mut Vm, name: &str, a: &[Value], op: u8) -> R {
    let [x, rest @ ..] = a else {
        return Err(merr(name, a));
    };
    let mut out: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let first = iterate_items(vm, x)?;
    let mut others: Vec<std::collections::HashSet<HKey>> = Vec::new();
    let mut union_items = Vec::new();
    for r in rest {
        let items = iterate_items(vm, r)?;
        others.push(items.iter().map(|v| v.hkey()).collect());
        union_items.extend(items);
    }
    let mut consider = first.clone();
    if op == 0 {
        consider.extend(union_items);
    }
    for v in consider {
        let k = v.hkey();
        let keep = match op {
            0 => true,
            1 => others.iter().all(|o| o.contains(&k)),
            _ => others.iter().all(|o| !o.contains(&k)),
        };
        if keep && seen.insert(k) {
            out.push(v);
        }
    }
    let t = promote_elty(&out);
    Ok(Value::vector(
        if out.is_empty() {
            elty_of(x, &first)
        } else {
            t
        },
        out,
    ))
}
fn b_union(vm: &mut Vm, a: &[Value], _k: K) -> R {
    set_op(vm, "union", a, 0)
}
fn b_intersect(vm: &mut Vm, a: &[Value], _k: K) -> R {
    set_op(vm, "intersect", a, 1)
}
fn b_setdiff(vm: &mut Vm, a: &[Value], _k: K) -> R {
    set_op(vm, "setdiff", a, 2)
}
fn b_ntuple_len(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Tuple(t)] => Ok(Value::Int(t.len() as i64)),
        _ => Err(merr("_tuple_len", a)),
    }
}
fn b_getindex(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [o, idx @ ..] => getindex(vm, o, idx),
        _ => Err(merr("getindex", a)),
    }
}
fn b_setindex(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [o, v, idx @ ..] => {
            setindex(vm, o, v.clone(), idx)?;
            Ok(o.clone())
        }
        _ => Err(merr("setindex!", a)),
    }
}
fn b_adjoint(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x @ (Value::Int(_) | Value::Float(_) | Value::Bool(_))] => Ok(x.clone()),
        [Value::Array(arr)] => {
            let g = lock(arr).clone();
            let (r, c) = g.dims.unwrap_or((g.data.len(), 1));
            let mut data = Vec::with_capacity(g.data.len());
            for i in 0..r {
                for j in 0..c {
                    data.push(g.data[j * r + i].clone());
                }
            }
            Ok(Value::Array(Arc::new(Mutex::new(Array {
                elty: g.elty.clone(),
                data,
                dims: Some((c, r)),
            }))))
        }
        _ => Err(merr("adjoint", a)),
    }
}
fn b_vec(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => {
            let items = iterate_items(vm, v)?;
            Ok(Value::vector(elty_of(v, &items), items))
        }
        _ => Err(merr("vec", a)),
    }
}
fn b_similar_empty(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::vector(elty_of(v, &[]), vec![])),
        _ => Err(merr("_similar_empty", a)),
    }
}
fn b_to_vec(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::vector(Ty::Any, iterate_items(vm, v)?)),
        _ => Err(merr("_to_any_vec", a)),
    }
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("length", b_length),
    ("size", b_size),
    ("ndims", b_ndims),
    ("push!", b_push),
    ("pushfirst!", b_pushfirst),
    ("pop!", b_pop),
    ("popfirst!", b_popfirst),
    ("append!", b_append),
    ("insert!", b_insert),
    ("deleteat!", b_deleteat),
    ("empty!", b_empty),
    ("isempty", b_isempty),
    ("sum", b_sum),
    ("prod", b_prod),
    ("maximum", b_maximum),
    ("minimum", b_minimum),
    ("extrema", b_extrema),
    ("argmax", b_argmax),
    ("argmin", b_argmin),
    ("findmax", b_findmax),
    ("findmin", b_findmin),
    ("_sort", b_sort_default),
    ("_sort!", b_sort_inplace),
    ("_sortperm_keys", b_sortperm_keys),
    ("issorted", b_issorted),
    ("reverse", b_reverse),
    ("reverse!", b_reverse_inplace),
    ("collect", b_collect),
    ("in", b_in),
    ("∈", b_in),
    ("∉", b_notin),
    ("keys", b_keys),
    ("values", b_values),
    ("pairs", b_pairs),
    ("haskey", b_haskey),
    ("get", b_get),
    ("get!", b_get_bang),
    ("delete!", b_delete),
    ("merge", b_merge),
    ("zeros", b_zeros),
    ("ones", b_ones),
    ("fill", b_fill),
    ("range", b_range),
    ("enumerate", b_enumerate),
    ("zip", b_zip),
    ("first", b_first),
    ("last", b_last),
    ("eachindex", b_eachindex),
    ("firstindex", b_firstindex),
    ("lastindex", b_lastindex),
    ("cumsum", b_cumsum),
    ("cumprod", b_cumprod),
    ("unique", b_unique),
    ("vcat", b_vcat),
    ("copy", b_copy),
    ("deepcopy", b_deepcopy),
    ("any", b_any),
    ("all", b_all),
    ("count", b_count),
    ("_narrow", b_narrow),
    ("_bc_len", b_bc_len),
    ("_bc_get", b_bc_get),
    ("Statistics.mean", b_mean),
    ("Statistics.median", b_median),
    ("Statistics.var", b_var),
    ("Statistics.std", b_std),
    ("eltype", b_eltype),
    ("union", b_union),
    ("intersect", b_intersect),
    ("setdiff", b_setdiff),
    ("_tuple_len", b_ntuple_len),
    ("getindex", b_getindex),
    ("setindex!", b_setindex),
    ("adjoint", b_adjoint),
    ("transpose", b_adjoint),
    ("permutedims", b_adjoint),
    ("vec", b_vec),
    ("_similar_empty", b_similar_empty),
    ("_to_any_vec", b_to_vec),
];
