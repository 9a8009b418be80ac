//! Solving: `A \ B`, `A / B`, `inv`, `det`, following the path Julia 1.9's dense methods
//! take (diagonal, triangular, LU with partial pivoting, least squares for non-square A)
//! so that singular matrices raise `SingularException(k)` with Julia's `k`. The LU and the
//! triangular solves are nalgebra's; their rounding may differ from LAPACK's (getrf/getri,
//! trtrs) in the last bit for inexact results (README, MOCK-DEFINED).

use super::dense::{Dense, Nums, Shape, build, expect, float_matrix, lapack_failure, singular};
use super::*;
use nalgebra::DMatrix;

/// Which of Julia's special cases a square matrix falls in.
#[derive(PartialEq)]
enum Structure {
    Diagonal,
    Upper,
    Lower,
    General,
}

fn structure(m: &DMatrix<f64>) -> Structure {
    let n = m.nrows();
    let upper = (0..n).all(|j| (j + 1..n).all(|i| m[(i, j)] == 0.0));
    let lower = (0..n).all(|j| (0..j).all(|i| m[(i, j)] == 0.0));
    match (upper, lower) {
        (true, true) => Structure::Diagonal,
        (true, false) => Structure::Upper,
        (false, true) => Structure::Lower,
        _ => Structure::General,
    }
}

/// The first zero on the diagonal (1-based), as LAPACK's `info`.
fn first_zero_diagonal(m: &DMatrix<f64>) -> Option<usize> {
    (0..m.nrows()).find(|&i| m[(i, i)] == 0.0).map(|i| i + 1)
}

fn qualified(vm: &Vm) -> bool {
    !lock(&vm.ws.using).contains("LinearAlgebra")
}

/// `inv(A)` of a square numeric matrix (Float64 result).
pub(super) fn inverse(vm: &mut Vm, a: &Value) -> R {
    let d = expect(a, "inv")?;
    if d.shape != Shape::Matrix {
        return Err(merr("inv", std::slice::from_ref(a)));
    }
    let n = d.check_square()?;
    let m = d.to_nalgebra();
    if let Some(k) = match structure(&m) {
        Structure::General => None,
        _ => first_zero_diagonal(&m),
    } {
        return Err(singular(qualified(vm), k));
    }
    let inv = match structure(&m) {
        Structure::Diagonal => {
            DMatrix::from_fn(n, n, |i, j| if i == j { 1.0 / m[(i, i)] } else { 0.0 })
        }
        Structure::Upper => m
            .solve_upper_triangular(&DMatrix::identity(n, n))
            .ok_or_else(|| singular(qualified(vm), 1))?,
        Structure::Lower => m
            .solve_lower_triangular(&DMatrix::identity(n, n))
            .ok_or_else(|| singular(qualified(vm), 1))?,
        Structure::General => {
            let lu = m.lu();
            if let Some(k) = first_zero_diagonal(&lu.u()) {
                return Err(singular(qualified(vm), k));
            }
            lapack_inverse(&lu)
        }
    };
    Ok(float_matrix(&inv, Shape::Matrix))
}

/// The inverse from LU factors in LAPACK's getri order: `inv(U)` column by column as
/// dtrti2, then `inv(A) * L = inv(U)` solved right to left as getri's unblocked loop, then
/// the column interchanges in reverse. The same operations in the same order as reference
/// LAPACK, so `inv([1 2; 3 4])` is Julia's `[-1.9999999999999996 0.9999999999999998;
/// 1.4999999999999998 -0.4999999999999999]`; beyond 2×2 OpenBLAS's blocked kernels may
/// sum in another order (README, MOCK-DEFINED).
fn lapack_inverse(lu: &nalgebra::LU<f64, nalgebra::Dyn, nalgebra::Dyn>) -> DMatrix<f64> {
    let l = lu.l();
    let mut a = lu.u();
    let n = a.nrows();
    for j in 0..n {
        a[(j, j)] = 1.0 / a[(j, j)];
        let ajj = -a[(j, j)];
        // x := T * x for x = a[0..j, j], T the already inverted leading block (dtrmv)
        for jj in 0..j {
            let temp = a[(jj, j)];
            if temp != 0.0 {
                for i in 0..jj {
                    a[(i, j)] += temp * a[(i, jj)];
                }
                a[(jj, j)] = temp * a[(jj, jj)];
            }
        }
        for i in 0..j {
            a[(i, j)] *= ajj;
        }
    }
    for j in (0..n.saturating_sub(1)).rev() {
        for k in j + 1..n {
            let temp = -l[(k, j)];
            if temp != 0.0 {
                for i in 0..n {
                    a[(i, j)] += temp * a[(i, k)];
                }
            }
        }
    }
    lu.p().inv_permute_columns(&mut a);
    a
}

pub(super) fn b_inv(vm: &mut Vm, a: &[Value], k: K) -> R {
    match a {
        [x @ (Value::Array(_) | Value::Range(_) | Value::FRange(_))] => inverse(vm, x),
        // numbers: `one(x) / x`
        [x] => crate::builtins::math::fdiv(vm, &[Value::Int(1), x.clone()], k),
        _ => Err(merr("inv", a)),
    }
}

/// `det(A)`: the product of the diagonal for triangular matrices (converted to Float64,
/// as Julia converts `det(UpperTriangular(A))`), else of LU's U times the permutation's
/// sign; 0.0 when LU finds a zero pivot.
pub(super) fn b_det(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x] = a else {
        return Err(merr("det", a));
    };
    // `det(x::Number) = x`
    if let Value::Int(_) | Value::Float(_) | Value::Bool(_) = x {
        return Ok(x.clone());
    }
    let d = expect(x, "det")?;
    if d.shape != Shape::Matrix {
        return Err(merr("det", a));
    }
    let n = d.check_square()?;
    let m = d.to_nalgebra();
    if structure(&m) != Structure::General {
        return Ok(Value::Float(match &d.nums {
            Nums::Int(v) => (0..n).fold(1i64, |p, i| p.wrapping_mul(v[i * n + i])) as f64,
            Nums::Float(v) => (0..n).fold(1.0, |p, i| p * v[i * n + i]),
        }));
    }
    let lu = m.lu();
    let u = lu.u();
    if first_zero_diagonal(&u).is_some() {
        return Ok(Value::Float(0.0));
    }
    let p = (0..n).fold(1.0, |p, i| p * u[(i, i)]);
    Ok(Value::Float(p * lu.p().determinant::<f64>()))
}

/// `A \ B` for a matrix `A` and a vector or matrix `B`.
pub(super) fn left_divide(vm: &mut Vm, a: &Dense, b: &Dense) -> R {
    if a.shape != Shape::Matrix || matches!(b.shape, Shape::Row(_)) {
        return Err(errors::error_exception(
            "`\\` with a vector or an adjoint vector as a matrix is not supported by julia-lite",
        ));
    }
    let (rows, n) = (a.rows, a.cols);
    if b.rows != rows {
        return Err(errors::dimension_mismatch(&format!(
            "B has leading dimension {}, but needs {rows}",
            b.rows
        )));
    }
    let m = a.to_nalgebra();
    let rhs = b.to_nalgebra();
    let x = if rows == n {
        solve_square(vm, &m, &rhs)?
    } else {
        least_squares(vm, m, &rhs)?
    };
    let shape = if b.shape == Shape::Vector {
        Shape::Vector
    } else {
        Shape::Matrix
    };
    Ok(float_matrix(&x, shape))
}

fn solve_square(vm: &Vm, m: &DMatrix<f64>, rhs: &DMatrix<f64>) -> Result<DMatrix<f64>, Exc> {
    let kind = structure(m);
    if kind != Structure::General
        && let Some(k) = first_zero_diagonal(m)
    {
        return Err(singular(qualified(vm), k));
    }
    Ok(match kind {
        Structure::Diagonal => {
            DMatrix::from_fn(rhs.nrows(), rhs.ncols(), |i, j| rhs[(i, j)] / m[(i, i)])
        }
        Structure::Upper => m
            .solve_upper_triangular(rhs)
            .ok_or_else(|| singular(qualified(vm), 1))?,
        Structure::Lower => m
            .solve_lower_triangular(rhs)
            .ok_or_else(|| singular(qualified(vm), 1))?,
        Structure::General => {
            let lu = m.clone().lu();
            if let Some(k) = first_zero_diagonal(&lu.u()) {
                return Err(singular(qualified(vm), k));
            }
            lu.solve(rhs)
                .ok_or_else(|| singular(qualified(vm), m.nrows()))?
        }
    })
}

/// Non-square `A \ B`: the least-squares solution (Julia: pivoted QR). Only full-rank `A`,
/// where the solution is unique; rank-deficient systems (where Julia picks the minimum-norm
/// solution by its own rank estimate) are refused.
fn least_squares(vm: &Vm, m: DMatrix<f64>, rhs: &DMatrix<f64>) -> Result<DMatrix<f64>, Exc> {
    let (rows, cols) = m.shape();
    let svd = m.svd(true, true);
    let s = &svd.singular_values;
    let smax = s.iter().cloned().fold(0.0, f64::max);
    let tol = rows.max(cols) as f64 * f64::EPSILON * smax;
    if s.iter().filter(|&&x| x > tol).count() < rows.min(cols) {
        return Err(errors::error_exception(
            "`\\` of a rank-deficient non-square matrix (a minimum-norm least-squares solution) is not supported by julia-lite",
        ));
    }
    svd.solve(rhs, 0.0)
        .map_err(|_| lapack_failure(qualified(vm)))
}

/// `A / B = (B' \ A')'` for matrices and row vectors.
pub(super) fn right_divide(vm: &mut Vm, a: &Dense, b: &Dense) -> R {
    if b.shape != Shape::Matrix || a.shape == Shape::Vector {
        return Err(errors::error_exception(
            "`/` of these arrays is not supported by julia-lite (A / B takes matrices, or a row vector and a matrix)",
        ));
    }
    if a.cols != b.cols {
        return Err(errors::dimension_mismatch(&format!(
            "B has leading dimension {}, but needs {}",
            a.cols, b.cols
        )));
    }
    let bt = transpose_dense(b);
    let at = Dense {
        shape: Shape::Matrix,
        ..transpose_dense(a)
    };
    let x = left_divide(vm, &bt, &at)?;
    let xd = expect(&x, "/")?;
    let t = transpose_dense(&xd);
    Ok(build(t.nums, t.rows, t.cols, a.shape))
}

fn transpose_dense(d: &Dense) -> Dense {
    let (r, c) = (d.rows, d.cols);
    let nums = match &d.nums {
        Nums::Int(v) => Nums::Int((0..r * c).map(|k| v[(k % c) * r + k / c]).collect()),
        Nums::Float(v) => Nums::Float((0..r * c).map(|k| v[(k % c) * r + k / c]).collect()),
    };
    Dense {
        rows: c,
        cols: r,
        nums,
        shape: Shape::Matrix,
        elty: d.elty.clone(),
    }
}
