//! `I`, LinearAlgebra's `UniformScaling`: `A + I`, `A - 2I`, `A * I`, `2I`, `-I`, `I / 2`.
//! It is a struct `UniformScaling{T}` with one field `λ` (see `types::uniform_scaling`).

use super::*;
use crate::builtins::math::{add, fdiv, mul, pow, sub};
use crate::types::uniform_scaling;

/// `Some(λ)` for a `UniformScaling` value.
pub(crate) fn is_uniform_scaling(v: &Value) -> bool {
    lambda(v).is_some()
}

fn lambda(v: &Value) -> Option<Value> {
    match v {
        Value::Struct(s) if s.def.name.starts_with("UniformScaling{") => {
            lock(&s.fields).first().cloned()
        }
        _ => None,
    }
}

fn is_number(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::Rational(..)
            | Value::ComplexI(..)
            | Value::ComplexF(..)
    )
}

/// `-I`
pub(crate) fn negate_uniform_scaling(vm: &mut Vm, v: &Value) -> Option<R> {
    let l = lambda(v)?;
    Some(sub(vm, &[l], &[]).map(uniform_scaling))
}

pub(super) fn binop(vm: &mut Vm, op: &str, x: &Value, y: &Value) -> R {
    let (lx, ly) = (lambda(x), lambda(y));
    let args = [x.clone(), y.clone()];
    match (op, &lx, &ly) {
        ("+", Some(a), Some(b)) => add(vm, &[a.clone(), b.clone()], &[]).map(uniform_scaling),
        ("-", Some(a), Some(b)) => sub(vm, &[a.clone(), b.clone()], &[]).map(uniform_scaling),
        ("*", Some(a), Some(b)) => mul(vm, &[a.clone(), b.clone()], &[]).map(uniform_scaling),
        ("*", None, Some(b)) if is_number(x) => {
            mul(vm, &[x.clone(), b.clone()], &[]).map(uniform_scaling)
        }
        ("*", Some(a), None) if is_number(y) => {
            mul(vm, &[a.clone(), y.clone()], &[]).map(uniform_scaling)
        }
        ("/", Some(a), None) if is_number(y) => {
            fdiv(vm, &[a.clone(), y.clone()], &[]).map(uniform_scaling)
        }
        ("^", Some(a), None) if matches!(y, Value::Int(_)) => {
            pow(vm, &[a.clone(), y.clone()], &[]).map(uniform_scaling)
        }
        // `A * I` is `A * λ`, `I * A` is `λ * A`
        ("*", None, Some(b)) if is_array(x) => mul(vm, &[x.clone(), b.clone()], &[]),
        ("*", Some(a), None) if is_array(y) => mul(vm, &[a.clone(), y.clone()], &[]),
        ("/", None, Some(b)) if is_array(x) => fdiv(vm, &[x.clone(), b.clone()], &[]),
        ("\\", Some(a), None) if is_array(y) => fdiv(vm, &[y.clone(), a.clone()], &[]),
        // `A ± λI` adds λ to the diagonal of a square matrix
        ("+", None, Some(b)) if is_matrix(x) => shift_diagonal(vm, x, b, false),
        ("+", Some(a), None) if is_matrix(y) => shift_diagonal(vm, y, a, false),
        ("-", None, Some(b)) if is_matrix(x) => {
            let nb = sub(vm, std::slice::from_ref(b), &[])?;
            shift_diagonal(vm, x, &nb, false)
        }
        ("-", Some(a), None) if is_matrix(y) => shift_diagonal(vm, y, a, true),
        _ => Err(merr(op, &args)),
    }
}

fn is_array(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Range(_) | Value::FRange(_))
}

fn is_matrix(v: &Value) -> bool {
    matches!(v, Value::Array(a) if lock(a).dims.is_some())
}

/// `A + λI` (or `-A + λI` when `negate`): a new matrix, element type promoted as Julia's.
fn shift_diagonal(vm: &mut Vm, m: &Value, l: &Value, negate: bool) -> R {
    let Value::Array(arr) = m else {
        return Err(merr("+", &[m.clone(), l.clone()]));
    };
    let (data, (r, c)) = {
        let g = lock(arr);
        (g.data.clone(), g.dims.unwrap_or((g.data.len(), 1)))
    };
    if r != c {
        return Err(errors::dimension_mismatch(&format!(
            "matrix is not square: dimensions are ({r}, {c})"
        )));
    }
    let mut out = Vec::with_capacity(data.len());
    for (k, x) in data.into_iter().enumerate() {
        let x = if negate { sub(vm, &[x], &[])? } else { x };
        // Julia adds λ to every diagonal entry and converts the others to the result type
        out.push(if k % r == k / r {
            add(vm, &[x, l.clone()], &[])?
        } else {
            x
        });
    }
    let elty = promote_elty(&out);
    // off-diagonal entries take the promoted type too (`[1 2; 3 4] + 0.5I` is all Float64)
    let out = out
        .into_iter()
        .map(|v| crate::builtins::convert(&elty, v.clone()).unwrap_or(v))
        .collect();
    Ok(Value::Array(Arc::new(Mutex::new(Array {
        elty,
        data: out,
        dims: Some((r, c)),
        wrap: Wrap::None,
    }))))
}
