//! Arrays: length and shape, `push!`/`pop!`/…, construction (`zeros`, `fill`, `vcat`, `copy`), broadcasting helpers, element types.

use super::*;

pub(super) fn b_length(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => len_of(v)
            .map(|n| Value::Int(n as i64))
            .ok_or_else(|| merr("length", a)),
        _ => Err(merr("length", a)),
    }
}

/// `axes(a)` / `axes(a, d)`: `Base.OneTo` ranges, as Julia (`axes([1, 2])` is
/// `(Base.OneTo(2),)`; a dimension past `ndims` is `Base.OneTo(1)`).
pub(super) fn b_axes(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let one_to = |n: i64| Value::range_of(1, 1, n, crate::value::RangeKind::OneTo);
    let dims: Vec<i64> = match a.first() {
        Some(Value::Array(arr)) => {
            let g = lock(arr);
            match g.dims {
                Some((r, c)) => vec![r as i64, c as i64],
                None => vec![g.data.len() as i64],
            }
        }
        Some(v @ (Value::Tuple(_) | Value::Range(_) | Value::FRange(_))) => {
            vec![len_of(v).unwrap_or(0) as i64]
        }
        _ => return Err(merr("axes", a)),
    };
    match a {
        [_] => Ok(Value::tuple(dims.into_iter().map(one_to).collect())),
        [_, Value::Int(d)] if *d >= 1 => {
            Ok(one_to(dims.get(*d as usize - 1).copied().unwrap_or(1)))
        }
        [_, Value::Int(_)] => Err(errors::error_exception(
            "`axes(a, d)` with d < 1 is not supported by julia-lite",
        )),
        _ => Err(merr("axes", a)),
    }
}

pub(super) fn b_size(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_ndims(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => Ok(Value::Int(if lock(arr).dims.is_some() { 2 } else { 1 })),
        _ => Err(merr("ndims", a)),
    }
}

pub(super) fn arr_of<'a>(name: &str, a: &'a [Value]) -> Result<&'a Arc<Mutex<Array>>, Exc> {
    match a.first() {
        Some(Value::Array(arr)) => Ok(arr),
        _ => Err(merr(name, a)),
    }
}

pub(super) fn b_push(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_pushfirst(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("pushfirst!", a)?;
    let et = lock(arr).elty.clone();
    vm.alloc_push(arr, a.len() - 1)?;
    for v in a[1..].iter().rev() {
        let c = convert(&et, v.clone())?;
        lock(arr).data.insert(0, c);
    }
    Ok(a[0].clone())
}

pub(super) fn b_pop(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_popfirst(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let arr = arr_of("popfirst!", a)?;
    let mut g = lock(arr);
    if g.data.is_empty() {
        return Err(errors::argument_error("array must be non-empty"));
    }
    Ok(g.data.remove(0))
}

pub(super) fn b_append(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_insert(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_deleteat(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_empty(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_isempty(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => len_of(v)
            .map(|n| Value::Bool(n == 0))
            .ok_or_else(|| merr("isempty", a)),
        _ => Err(merr("isempty", a)),
    }
}

pub(super) fn dims_of(
    vm: &mut Vm,
    name: &str,
    a: &[Value],
) -> Result<(usize, Option<(usize, usize)>), Exc> {
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

pub(super) fn filled(
    vm: &mut Vm,
    name: &str,
    a: &[Value],
    default_ty: Ty,
    fill: fn(&Ty) -> Value,
) -> R {
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
        wrap: Wrap::None,
    }))))
}

pub(super) fn b_zeros(vm: &mut Vm, a: &[Value], _k: K) -> R {
    filled(vm, "zeros", a, Ty::Float64, |t| match t {
        Ty::Int64 => Value::Int(0),
        Ty::Bool => Value::Bool(false),
        _ => Value::Float(0.0),
    })
}

pub(super) fn b_ones(vm: &mut Vm, a: &[Value], _k: K) -> R {
    filled(vm, "ones", a, Ty::Float64, |t| match t {
        Ty::Int64 => Value::Int(1),
        Ty::Bool => Value::Bool(true),
        _ => Value::Float(1.0),
    })
}

pub(super) fn b_fill(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let Some(v) = a.first() else {
        return Err(merr("fill", a));
    };
    let (n, dims) = dims_of(vm, "fill", &a[1..])?;
    Ok(Value::Array(Arc::new(Mutex::new(Array {
        elty: typeof_val(v),
        data: vec![v.clone(); n],
        dims,
        wrap: Wrap::None,
    }))))
}

pub(super) fn b_vcat(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if a.iter()
        .any(|x| matches!(x, Value::Array(arr) if lock(arr).dims.is_some()))
    {
        return vcat_matrices(vm, a);
    }
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

pub(super) fn b_copy(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Array(arr)] => {
            let mut g = lock(arr).clone();
            // Julia materialises `copy(A')` of a matrix as a Matrix; `copy(v')` stays an
            // Adjoint of the copied vector
            if !g.wrap.is_row_vector() {
                g.wrap = Wrap::None;
            }
            Ok(Value::Array(Arc::new(Mutex::new(g))))
        }
        [Value::Dict(d)] => Ok(Value::Dict(Arc::new(Mutex::new(lock(d).clone())))),
        [v] => Ok(v.clone()),
        _ => Err(merr("copy", a)),
    }
}

pub(super) fn deep(v: &Value, depth: usize) -> Value {
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
                wrap: g.wrap,
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

pub(super) fn b_deepcopy(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(deep(v, 0)),
        _ => Err(merr("deepcopy", a)),
    }
}

pub(super) fn b_narrow(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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
pub(super) fn b_bc_len(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Tuple(args)] = a else {
        return Err(merr("_bc_len", a));
    };
    crate::builtins::broadcast_shape(args)?;
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

pub(super) fn b_bc_get(vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_eltype(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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

pub(super) fn b_ntuple_len(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Tuple(t)] => Ok(Value::Int(t.len() as i64)),
        _ => Err(merr("_tuple_len", a)),
    }
}

/// `permutedims(A)`: the transpose as a new plain matrix (no conjugation, any elements).
pub(super) fn b_permutedims(_vm: &mut Vm, a: &[Value], _k: K) -> R {
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
                wrap: Wrap::None,
            }))))
        }
        _ => Err(merr("permutedims", a)),
    }
}

pub(super) fn b_vec(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => {
            let items = iterate_items(vm, v)?;
            Ok(Value::vector(elty_of(v, &items), items))
        }
        _ => Err(merr("vec", a)),
    }
}

pub(super) fn b_similar_empty(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::vector(elty_of(v, &[]), vec![])),
        _ => Err(merr("_similar_empty", a)),
    }
}

pub(super) fn b_to_vec(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::vector(Ty::Any, iterate_items(vm, v)?)),
        _ => Err(merr("_to_any_vec", a)),
    }
}

/// A concatenation operand as a column-major block: (rows, cols, data). A vector or range is
/// one column, a scalar is 1×1.
fn block(vm: &mut Vm, x: &Value) -> Result<(usize, usize, Vec<Value>), Exc> {
    Ok(match x {
        Value::Array(arr) => {
            let g = lock(arr);
            match g.dims {
                Some((r, c)) => (r, c, g.data.clone()),
                None => (g.data.len(), 1, g.data.clone()),
            }
        }
        Value::Range(_) | Value::FRange(_) => {
            let items = iterate_items(vm, x)?;
            (items.len(), 1, items)
        }
        other => (1, 1, vec![other.clone()]),
    })
}

/// A matrix from column-major data, elements promoted to a common type.
fn matrix(rows: usize, cols: usize, data: Vec<Value>) -> Value {
    let elty = promote_elty(&data);
    let data = data.into_iter().map(|v| promote_to(&elty, v)).collect();
    Value::Array(Arc::new(Mutex::new(Array {
        elty,
        data,
        dims: Some((rows, cols)),
        wrap: Wrap::None,
    })))
}

/// `hcat(a, b, …)` and `[a b]`: side by side; every operand needs the same number of rows.
pub(crate) fn b_hcat(vm: &mut Vm, a: &[Value], k: K) -> R {
    // Julia: hcat of adjoint (or transposed) vectors and numbers is again an adjoint
    // (transposed) vector, so `[v' w'] * x` stays a dot product
    let wrap_of = |v: &Value| match v {
        Value::Array(arr) => Some(lock(arr).wrap),
        _ => None,
    };
    let row = a.iter().find_map(wrap_of).filter(|w| w.is_row_vector());
    if let Some(w) = row
        && a.iter().all(|x| {
            wrap_of(x).map_or(
                matches!(x, Value::Int(_) | Value::Float(_) | Value::Bool(_)),
                |xw| xw == w,
            )
        })
    {
        let plain = hcat_blocks(vm, a, k)?;
        return Ok(crate::builtins::math::keep_wrap(plain, w));
    }
    hcat_blocks(vm, a, k)
}

fn hcat_blocks(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let mut blocks = Vec::with_capacity(a.len());
    for x in a {
        blocks.push(block(vm, x)?);
    }
    let rows = blocks.first().map(|b| b.0).unwrap_or(0);
    if blocks.iter().any(|b| b.0 != rows) {
        let got: Vec<String> = blocks.iter().map(|b| b.0.to_string()).collect();
        return Err(errors::dimension_mismatch(&format!(
            "number of rows of each array must match (got ({}))",
            got.join(", ")
        )));
    }
    let cols: usize = blocks.iter().map(|b| b.1).sum();
    vm.alloc(rows.saturating_mul(cols), false)?;
    // column-major: the columns of each block in turn
    let data: Vec<Value> = blocks.into_iter().flat_map(|b| b.2).collect();
    Ok(matrix(rows, cols, data))
}

/// `vcat` when a matrix takes part (`[A; B]`): stacked; every operand needs the same number
/// of columns.
fn vcat_matrices(vm: &mut Vm, a: &[Value]) -> R {
    let mut blocks = Vec::with_capacity(a.len());
    for x in a {
        // in vcat a scalar is 1×1 and a vector one column
        blocks.push(block(vm, x)?);
    }
    let cols = blocks.first().map(|b| b.1).unwrap_or(0);
    if blocks.iter().any(|b| b.1 != cols) {
        let got: Vec<String> = blocks.iter().map(|b| b.1.to_string()).collect();
        return Err(errors::dimension_mismatch(&format!(
            "number of columns of each array must match (got ({}))",
            got.join(", ")
        )));
    }
    let rows: usize = blocks.iter().map(|b| b.0).sum();
    vm.alloc(rows.saturating_mul(cols), false)?;
    let mut data = Vec::with_capacity(rows * cols);
    for j in 0..cols {
        for b in &blocks {
            data.extend_from_slice(&b.2[j * b.0..(j + 1) * b.0]);
        }
    }
    Ok(matrix(rows, cols, data))
}
