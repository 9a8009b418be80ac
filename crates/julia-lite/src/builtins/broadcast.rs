//! Broadcasting: `f.(x…)`, dotted operators and `.=`.

use super::*;

/// Element-wise application of a builtin (for `.+`, `.*`, ...).
pub(crate) fn broadcast(vm: &mut Vm, id: u16, args: &[Value]) -> R {
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
    Ok(Value::vector(elty, out))
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
