//! Broadcasting: `f.(x…)`, dotted operators and `.=`.

use super::*;

/// Element-wise application of a builtin (for `.+`, `.*`, ...).
pub(crate) fn broadcast(vm: &mut Vm, id: u16, args: &[Value]) -> R {
    if args.iter().any(|a| matches!(a, Value::Irrational(_))) {
        // `sin.(pi)`, `pi .* v`: the irrational's Float64 value (numeric built-ins only)
        let name = crate::natives::builtin_name(id);
        // Float32 and BigInt operands would promote it otherwise than to Float64
        let other_float = args.iter().any(|a| match a {
            Value::F32(_) | Value::Big(_) => true,
            Value::Array(x) => matches!(lock(x).elty, Ty::Float32 | Ty::BigInt | Ty::Any),
            _ => false,
        });
        if !super::NUMERIC_ON_IRRATIONAL.contains(&name) || other_float {
            return Err(super::refuse_irrational(name));
        }
        let args: Vec<Value> = args.iter().cloned().map(Value::decay).collect();
        return broadcast(vm, id, &args);
    }
    let op = builtin_name(id);
    if let [x, y] = args
        && matches!(op, "+" | "-" | "*" | "/")
        && (matches!(x, Value::Range(_) | Value::FRange(_)) && math::is_real(y)
            || matches!(y, Value::Range(_) | Value::FRange(_)) && math::is_real(x))
    {
        return math::range_arith(op, x, y);
    }
    let dims = broadcast_shape(args)?;
    let mut len: Option<usize> = None;
    let mut seqs: Vec<Option<Vec<Value>>> = Vec::new();
    let mut any_tuple = false;
    for a in args {
        match a {
            Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_) => {
                if matches!(a, Value::Tuple(_)) {
                    any_tuple = true;
                }
                let items = collections::iterate_items(vm, a)?;
                match len {
                    None => len = Some(items.len()),
                    Some(l) if l == items.len() || items.len() == 1 => {}
                    Some(1) => len = Some(items.len()),
                    Some(l) => {
                        return Err(errors::dimension_mismatch(&format!(
                            "arrays could not be broadcast to a common size; got a dimension with lengths {l} and {}",
                            items.len()
                        )));
                    }
                }
                seqs.push(Some(items));
            }
            _ => seqs.push(None),
        }
    }
    let Some(n) = len else {
        return call_builtin(vm, id, args, &[]);
    };
    vm.alloc(n, false)?;
    let mut out = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(args.len());
    for i in 0..n {
        buf.clear();
        for (a, s) in args.iter().zip(&seqs) {
            buf.push(match s {
                Some(items) => {
                    if items.len() == 1 {
                        items[0].clone()
                    } else {
                        items[i].clone()
                    }
                }
                None => a.clone(),
            });
        }
        out.push(call_builtin(vm, id, &buf, &[])?);
    }
    if any_tuple
        && args
            .iter()
            .all(|a| !matches!(a, Value::Array(_) | Value::Range(_) | Value::FRange(_)))
    {
        return Ok(Value::tuple(out));
    }
    let elty = promote_elty(&out);
    Ok(math::with_dims(Value::vector(elty, out), dims))
}

/// The shape of a broadcast over `args`: `Some(dims)` when a matrix takes part. All the
/// arrays must then be matrices of that size (scalars broadcast freely); julia-lite does not
/// expand singleton dimensions (`[1 2] .* [1, 2]`), so anything else is refused.
pub(crate) fn broadcast_shape(args: &[Value]) -> Result<Option<(usize, usize)>, Exc> {
    let Some(m) = args.iter().find(|a| math::matrix_dims(a).is_some()) else {
        return Ok(None);
    };
    for a in args {
        if matches!(
            a,
            Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_)
        ) && math::same_shape(m, a).is_err()
        {
            let shape = |v: &Value| match math::matrix_dims(v) {
                Some((r, c)) => format!("a {r}×{c} matrix"),
                None => format!("a {}-element vector", len_of(v).unwrap_or(0)),
            };
            return Err(errors::error_exception(&format!(
                "broadcasting {} with {} is not supported by julia-lite (only arrays of one shape, and scalars, broadcast together)",
                shape(m),
                shape(a)
            )));
        }
    }
    Ok(math::matrix_dims(m))
}

/// `_bc_shape(args, out)`: give the result of a broadcast the shape of its matrix arguments.
pub(super) fn b_bc_shape(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let [Value::Tuple(args), out] = a else {
        return Err(merr("_bc_shape", a));
    };
    Ok(math::with_dims(out.clone(), broadcast_shape(args)?))
}

/// `_map_shape(args, out)`: the same for `map`, which also keeps an Adjoint or Transpose
/// wrapper around vectors (a broadcast `f.(v')` gives a plain Matrix).
pub(super) fn b_map_shape(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let [Value::Tuple(args), out] = a else {
        return Err(merr("_map_shape", a));
    };
    let out = math::with_dims(out.clone(), broadcast_shape(args)?);
    // `map` over adjoint (transposed) vectors keeps the wrapper, as Julia's `map` does
    let first = args.first().map(math::wrap_of).unwrap_or(Wrap::None);
    if first.is_row_vector() && args.iter().all(|a| math::wrap_of(a) == first) {
        return Ok(math::keep_wrap(out, first));
    }
    Ok(out)
}

pub(super) fn b_dotassign(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let [dst, src] = a else {
        return Err(merr("copyto!", a));
    };
    let Value::Array(arr) = dst else {
        return Err(merr("materialize!", a));
    };
    let n = lock(arr).data.len();
    let items: Vec<Value> = match src {
        Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_) => {
            collections::iterate_items(vm, src)?
        }
        other => vec![other.clone(); n],
    };
    if items.len() != n {
        return Err(errors::dimension_mismatch(
            "array could not be broadcast to match destination",
        ));
    }
    let et = lock(arr).elty.clone();
    let mut conv = Vec::with_capacity(n);
    for x in items {
        conv.push(convert(&et, x)?);
    }
    lock(arr).data = conv;
    Ok(dst.clone())
}

/// `_matrix_of(m, n, v)`: the vector `v` (column-major) as an m×n matrix (2-d comprehensions).
pub(super) fn b_matrix_of(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Int(m), Value::Int(n), v @ Value::Array(arr)]
            if *m >= 0 && *n >= 0 && lock(arr).data.len() as i64 == m * n =>
        {
            Ok(math::with_dims(v.clone(), Some((*m as usize, *n as usize))))
        }
        _ => Err(merr("_matrix_of", a)),
    }
}

/// `a[idx...] .= src`: broadcast `src` (a scalar, or an array with one element per selected
/// position) into the elements of the array `a` that `idx` selects (integers, ranges, `:`,
/// index vectors, Bool masks; one index, or two for a matrix). Returns `a`'s selection like
/// Julia's `.=` returns its left side.
pub(super) fn b_dotassign_index(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let [dst, idx @ .., src] = a else {
        return Err(merr("_dotassign_index!", a));
    };
    let Value::Array(arr) = dst else {
        return Err(errors::error_exception(&format!(
            "`.=` into an indexed {} is not supported by julia-lite",
            crate::types::type_name(&typeof_val(dst))
        )));
    };
    let (len, dims) = {
        let g = lock(arr);
        (g.data.len(), g.dims)
    };
    // linear (column-major) positions selected
    let positions: Vec<usize> = match (idx, dims) {
        ([i], _) => collections::index_list(vm, dst, i, len)?,
        ([i, j], Some((rows, cols))) => {
            let is = collections::index_list(vm, dst, i, rows)?;
            let js = collections::index_list(vm, dst, j, cols)?;
            js.iter()
                .flat_map(|c| is.iter().map(move |r| c * rows + r))
                .collect()
        }
        ([i, j], None) => {
            // a vector indexed [i, 1]
            let is = collections::index_list(vm, dst, i, len)?;
            collections::index_list(vm, dst, j, 1)?;
            is
        }
        _ => return Err(merr("_dotassign_index!", a)),
    };
    let values: Vec<Value> = match src {
        Value::Array(_) | Value::Range(_) | Value::FRange(_) | Value::Tuple(_) => {
            let items = collections::iterate_items(vm, src)?;
            if items.len() == 1 {
                vec![items[0].clone(); positions.len()]
            } else if items.len() == positions.len() {
                items
            } else {
                return Err(errors::dimension_mismatch(
                    "array could not be broadcast to match destination",
                ));
            }
        }
        other => vec![other.clone(); positions.len()],
    };
    let et = lock(arr).elty.clone();
    let mut conv = Vec::with_capacity(values.len());
    for v in values {
        conv.push(convert(&et, v)?);
    }
    let mut g = lock(arr);
    for (p, v) in positions.iter().zip(conv) {
        if let Some(slot) = g.data.get_mut(*p) {
            *slot = v;
        }
    }
    let sel: Vec<Value> = positions
        .iter()
        .filter_map(|p| g.data.get(*p).cloned())
        .collect();
    let et = g.elty.clone();
    drop(g);
    Ok(Value::vector(et, sel))
}
