//! Indexing: `getindex`/`setindex!` on arrays, strings, tuples, dicts, ranges, and `end`.

use super::*;

pub(super) fn check_index(container: &Value, i: i64, len: usize) -> Result<usize, Exc> {
    if i < 1 || i as usize > len {
        return Err(errors::bounds_error(container, &[Value::Int(i)]));
    }
    Ok(i as usize - 1)
}

pub(crate) fn index_list(
    vm: &mut Vm,
    container: &Value,
    idx: &Value,
    len: usize,
) -> Result<Vec<usize>, Exc> {
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
                    wrap: Wrap::None,
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
                // Julia: a StepRange indexed by a range, or a range indexed by a StepRange,
                // is a StepRange (`(1:1:5)[2:3]` is `2:1:3`); otherwise a UnitRange
                if r.3 == crate::value::RangeKind::Step || q.3 == crate::value::RangeKind::Step {
                    Ok(Value::range_of(
                        start,
                        step,
                        stop,
                        crate::value::RangeKind::Step,
                    ))
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
            let (elty, dims, len, wrap) = {
                let g = lock(a);
                (g.elty.clone(), g.dims, g.data.len(), g.wrap)
            };
            if wrap != Wrap::None {
                // Julia's `A'` is a view: writing through it changes `A`. julia-lite's is a
                // copy, so a write would silently not reach the parent.
                return Err(errors::error_exception(
                    "writing into an adjoint or transpose (`A'[i] = x`) is not supported by julia-lite (it is a copy here, a view in Julia); use collect(A') or permutedims(A)",
                ));
            }
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

pub(super) fn b_getindex(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [o, idx @ ..] => getindex(vm, o, idx),
        _ => Err(merr("getindex", a)),
    }
}

pub(super) fn b_setindex(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [o, v, idx @ ..] => {
            setindex(vm, o, v.clone(), idx)?;
            Ok(o.clone())
        }
        _ => Err(merr("setindex!", a)),
    }
}
