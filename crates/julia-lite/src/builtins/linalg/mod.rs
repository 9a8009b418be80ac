//! Linear algebra on nalgebra: matrix products and powers, solves, determinants, norms,
//! spectra, `'`/`transpose`, and `I` (UniformScaling).
//!
//! Why nalgebra: pure Rust (no BLAS/LAPACK system libraries to install or link),
//! maintained, with LU, QR, SVD, Schur and symmetric eigen-decompositions for real and
//! complex matrices. Integer results are computed exactly here (Julia's generic methods);
//! Float64 results come from nalgebra and are right to rounding, but may differ from
//! Julia's OpenBLAS/LAPACK in the last bits when the result is inexact (README).
//!
//! As in Julia 1.9, `*`, `\`, `/`, `^`, `inv`, `'`, `adjoint` and `transpose` work without
//! `using LinearAlgebra`; the other names (`det`, `norm`, `I`, …) are registered as
//! `LinearAlgebra.name` and are `UndefVarError`s until it is loaded.

use super::{BFn, R, as_f64, merr};
use crate::errors;
use crate::value::*;
use crate::vm::Vm;
use std::sync::{Arc, Mutex};

mod dense;
mod products;
mod solve;
mod spectral;
mod uniform;

pub(crate) use uniform::{is_uniform_scaling, negate_uniform_scaling};

type K<'a> = &'a [(Name, Value)];

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("adjoint", b_adjoint),
    ("transpose", b_transpose),
    ("inv", solve::b_inv),
    ("LinearAlgebra.det", solve::b_det),
    ("LinearAlgebra.norm", spectral::b_norm),
    ("LinearAlgebra.opnorm", spectral::b_opnorm),
    ("LinearAlgebra.dot", products::b_dot),
    ("LinearAlgebra.cross", products::b_cross),
    ("LinearAlgebra.kron", products::b_kron),
    ("LinearAlgebra.tr", spectral::b_tr),
    ("LinearAlgebra.diag", spectral::b_diag),
    ("LinearAlgebra.rank", spectral::b_rank),
    ("LinearAlgebra.eigvals", spectral::b_eigvals),
    ("LinearAlgebra.svdvals", spectral::b_svdvals),
    // factorization objects and structured matrix types julia-lite cannot print as Julia
    ("LinearAlgebra.lu", refused::lu),
    ("LinearAlgebra.qr", refused::qr),
    ("LinearAlgebra.cholesky", refused::cholesky),
    ("LinearAlgebra.eigen", refused::eigen),
    ("LinearAlgebra.svd", refused::svd),
    ("LinearAlgebra.schur", refused::schur),
    ("LinearAlgebra.factorize", refused::factorize),
    ("LinearAlgebra.pinv", refused::pinv),
    ("LinearAlgebra.nullspace", refused::nullspace),
    ("LinearAlgebra.Diagonal", refused::diagonal),
    ("LinearAlgebra.Symmetric", refused::symmetric),
    ("LinearAlgebra.Hermitian", refused::hermitian),
    ("LinearAlgebra.UpperTriangular", refused::uppertriangular),
    ("LinearAlgebra.LowerTriangular", refused::lowertriangular),
    ("LinearAlgebra.Tridiagonal", refused::tridiagonal),
    ("LinearAlgebra.Adjoint", refused::adjoint),
    ("LinearAlgebra.Transpose", refused::transpose),
    ("LinearAlgebra.UniformScaling", refused::uniformscaling),
];

/// Names julia-lite knows but refuses, each a function raising the refusal.
mod refused {
    use super::*;
    macro_rules! refuse {
        ($($f:ident => $name:literal),* $(,)?) => {
            $(pub(super) fn $f(_vm: &mut Vm, _a: &[Value], _k: K) -> R {
                Err(errors::error_exception(&format!(
                    "`{}` is not supported by julia-lite (factorization objects and structured matrix types are not modelled; dense functions are: \\, inv, det, eigvals, svdvals, rank)",
                    $name
                )))
            })*
        };
    }
    refuse! {
        lu => "lu",
        qr => "qr",
        cholesky => "cholesky",
        eigen => "eigen",
        svd => "svd",
        schur => "schur",
        factorize => "factorize",
        pinv => "pinv",
        nullspace => "nullspace",
        diagonal => "Diagonal",
        symmetric => "Symmetric",
        hermitian => "Hermitian",
        uppertriangular => "UpperTriangular",
        lowertriangular => "LowerTriangular",
        tridiagonal => "Tridiagonal",
        adjoint => "Adjoint",
        transpose => "Transpose",
        uniformscaling => "UniformScaling",
    }
}

/// `x op y` where linear algebra, not elementwise arithmetic, decides: matrix products,
/// solves, matrix powers, and anything with `I`. `None` leaves the operator to the
/// arithmetic it had before.
pub(crate) fn operator(vm: &mut Vm, op: &str, a: &[Value]) -> Option<R> {
    let [x, y] = a else { return None };
    // the common case (numbers) leaves at once
    let candidate = |v: &Value| {
        matches!(
            v,
            Value::Array(_) | Value::Struct(_) | Value::Range(_) | Value::FRange(_)
        )
    };
    if !candidate(x) && !candidate(y) {
        return None;
    }
    if is_uniform_scaling(x) || is_uniform_scaling(y) {
        return Some(uniform::binop(vm, op, x, y));
    }
    let is_array = |v: &Value| matches!(v, Value::Array(_) | Value::Range(_) | Value::FRange(_));
    let is_matrix = |v: &Value| match v {
        Value::Array(arr) => lock(arr).dims.is_some(),
        _ => false,
    };
    match op {
        "*" if is_array(x) && is_array(y) && (is_matrix(x) || is_matrix(y)) => {
            let (p, q) = match (dense::expect(x, "*"), dense::expect(y, "*")) {
                (Ok(p), Ok(q)) => (p, q),
                (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
            };
            products::mul_arrays(&p, &q)
        }
        "\\" if is_matrix(x) && is_array(y) => Some(
            dense::expect(x, "\\")
                .and_then(|p| dense::expect(y, "\\").map(|q| (p, q)))
                .and_then(|(p, q)| solve::left_divide(vm, &p, &q)),
        ),
        "/" if is_array(x) && is_matrix(y) => Some(
            dense::expect(x, "/")
                .and_then(|p| dense::expect(y, "/").map(|q| (p, q)))
                .and_then(|(p, q)| solve::right_divide(vm, &p, &q)),
        ),
        "^" if is_matrix(x) => Some(match y {
            Value::Int(p) => products::power(vm, x, *p),
            Value::Bool(b) => products::power(vm, x, *b as i64),
            _ => Err(errors::error_exception(
                "`^` of a matrix to a non-integer power (matrix functions) is not supported by julia-lite",
            )),
        }),
        _ => None,
    }
}

/// `adjoint(x)` / `x'`: conjugate transpose. A vector becomes a row vector that remembers
/// it is `Adjoint{T, Vector{T}}`; the adjoint of an adjoint is its parent again.
fn b_adjoint(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    flip(a, "adjoint", true)
}

fn b_transpose(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    flip(a, "transpose", false)
}

fn flip(a: &[Value], name: &str, conjugate: bool) -> R {
    let [x] = a else { return Err(merr(name, a)) };
    let conj = |v: &Value| -> Option<Value> {
        Some(match v {
            Value::ComplexI(re, im) if conjugate => Value::ComplexI(*re, im.wrapping_neg()),
            Value::ComplexF(re, im) if conjugate => Value::ComplexF(*re, -im),
            Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::ComplexI(..)
            | Value::ComplexF(..)
            | Value::Rational(..)
            | Value::F32(_)
            | Value::Big(_) => v.clone(),
            _ => return None,
        })
    };
    let arr = match x {
        Value::Array(arr) => arr,
        Value::Range(_) | Value::FRange(_) => {
            let items = crate::builtins::collections::items_simple(x).unwrap_or_default();
            let t = crate::types::typeof_val(items.first().unwrap_or(&Value::Int(0)));
            return flip(&[Value::vector(t, items)], name, conjugate);
        }
        _ => return conj(x).ok_or_else(|| merr(name, a)),
    };
    let g = lock(arr).clone();
    let data: Vec<Value> = match g.data.iter().map(conj).collect::<Option<Vec<_>>>() {
        Some(d) => d,
        None => {
            return Err(errors::error_exception(&format!(
                "`{name}` of an array of non-numbers is not supported by julia-lite (use permutedims)"
            )));
        }
    };
    let (adj, adj_mat) = if conjugate {
        (Wrap::AdjointVec, Wrap::AdjointMat)
    } else {
        (Wrap::TransposeVec, Wrap::TransposeMat)
    };
    let (rows, cols, wrap) = match (g.dims, g.wrap) {
        (None, _) => (1, g.data.len(), adj),
        // the wrapper of a wrapper is its parent again
        (Some(_), w) if w == adj => {
            return Ok(Value::vector(g.elty.clone(), data));
        }
        (Some((r, c)), w) if w == adj_mat => (c, r, Wrap::None),
        (Some(_), Wrap::None) => {
            let (r, c) = g.dims.unwrap_or((0, 0));
            (c, r, adj_mat)
        }
        (Some(_), _) => {
            return Err(errors::error_exception(&format!(
                "`{name}` of an adjoint of a transpose (or the reverse) is not supported by julia-lite"
            )));
        }
    };
    let (r0, c0) = g.dims.unwrap_or((g.data.len(), 1));
    let mut out = Vec::with_capacity(data.len());
    for i in 0..r0 {
        for j in 0..c0 {
            out.push(data[j * r0 + i].clone());
        }
    }
    Ok(Value::Array(Arc::new(Mutex::new(Array {
        elty: g.elty.clone(),
        data: out,
        dims: Some((rows, cols)),
        wrap,
    }))))
}
