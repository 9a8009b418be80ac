//! Dicts and sets: `collect`, `in`, `keys`/`values`/`pairs`, `get`, `delete!`, `merge`, `unique`, set operations.

use super::*;

pub(super) fn b_collect(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => {
            // `collect(A')` is a plain Matrix
            let mut g = lock(arr).clone();
            g.wrap = Wrap::None;
            Ok(Value::Array(Arc::new(Mutex::new(g))))
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

pub(super) fn b_in(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, c] => Ok(Value::Bool(contains(vm, x, c)?)),
        _ => Err(merr("in", a)),
    }
}

pub(super) fn b_notin(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, c] => Ok(Value::Bool(!contains(vm, x, c)?)),
        _ => Err(merr("∉", a)),
    }
}

pub(super) fn b_keys(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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
        // `keys` of a vector, tuple or range is `Base.OneTo(n)`, like `eachindex`
        [v @ (Value::Array(_) | Value::Tuple(_) | Value::Range(_) | Value::FRange(_))] => len_of(v)
            .map(|n| Value::range_of(1, 1, n as i64, crate::value::RangeKind::OneTo))
            .ok_or_else(|| merr("keys", a)),
        [v] => len_of(v)
            .map(|n| Value::range(1, 1, n as i64))
            .ok_or_else(|| merr("keys", a)),
        _ => Err(merr("keys", a)),
    }
}

pub(super) fn b_values(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_pairs(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_haskey(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d), k] => Ok(Value::Bool(lock(d).get(k).is_some())),
        [Value::NamedTuple(nt), Value::Sym(s)] => Ok(Value::Bool(nt.0.contains(s))),
        [v, Value::Int(i)] if len_of(v).is_some() => Ok(Value::Bool(
            *i >= 1 && *i as usize <= len_of(v).unwrap_or(0),
        )),
        _ => Err(merr("haskey", a)),
    }
}

pub(super) fn b_get(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_get_bang(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_delete(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Dict(d), k] => {
            lock(d).remove(k);
            Ok(a[0].clone())
        }
        _ => Err(merr("delete!", a)),
    }
}

pub(super) fn b_merge(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_unique(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn set_op(vm: &mut Vm, name: &str, a: &[Value], op: u8) -> R {
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

pub(super) fn b_union(vm: &mut Vm, a: &[Value], _k: K) -> R {
    set_op(vm, "union", a, 0)
}

pub(super) fn b_intersect(vm: &mut Vm, a: &[Value], _k: K) -> R {
    set_op(vm, "intersect", a, 1)
}

pub(super) fn b_setdiff(vm: &mut Vm, a: &[Value], _k: K) -> R {
    set_op(vm, "setdiff", a, 2)
}
