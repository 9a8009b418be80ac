//! Products: `*` of matrices and vectors (including `v' * w`), integer powers `A^n`,
//! `dot`, `cross`, `kron`. Integer products are exact (wrapping, as Julia's Int64); Float64
//! products go to nalgebra (its gemm/gemv), whose summation order may differ from
//! OpenBLAS's in the last bit for inexact sums (README, MOCK-DEFINED).

use super::dense::{Dense, Nums, Shape, build, expect, read};
use super::*;

/// `a * b` where both are arrays; `None` when Julia has no such method (vector × vector),
/// so the caller raises its `MethodError`.
pub(super) fn mul_arrays(a: &Dense, b: &Dense) -> Option<R> {
    use Shape::*;
    Some(match (a.shape, b.shape) {
        (Vector, Vector) => return None,
        // `v' * w` is the dot product, a scalar
        (Row(_), Vector) => dot_of(a, b, a.is_int() && b.is_int()),
        // `u * v'` is the outer product (Julia: broadcast(*, u, v))
        (Vector, Row(_)) => Ok(outer(a, b)),
        // a vector on the left is an n×1 matrix; Julia's result is a Matrix
        (Vector, _) => matmul(a, b).map(|(n, r, c)| build(n, r, c, Matrix)),
        (Row(w), Matrix) => matmul(a, b).map(|(n, r, c)| build(n, r, c, Row(w))),
        (_, Vector) => matvec(a, b).map(|(n, r, _)| build(n, r, 1, Vector)),
        _ => matmul(a, b).map(|(n, r, c)| build(n, r, c, Matrix)),
    })
}

/// Matrix × matrix with Julia's `DimensionMismatch` texts (generic for integers, BLAS's
/// for floats).
pub(super) fn matmul(a: &Dense, b: &Dense) -> Result<(Nums, usize, usize), Exc> {
    let (m, n, p, q) = (a.rows, a.cols, b.rows, b.cols);
    if n != p {
        let msg = if a.is_int() && b.is_int() {
            format!("matrix A has dimensions ({m},{n}), matrix B has dimensions ({p},{q})")
        } else {
            format!("A has dimensions ({m},{n}) but B has dimensions ({p},{q})")
        };
        return Err(errors::dimension_mismatch(&msg));
    }
    Ok((product(a, b), m, q))
}

fn matvec(a: &Dense, x: &Dense) -> Result<(Nums, usize, usize), Exc> {
    let (m, n, len) = (a.rows, a.cols, x.len());
    if n != len {
        let msg = if a.is_int() && x.is_int() {
            format!("matrix A has dimensions ({m},{n}), vector B has length {len}")
        } else {
            format!("second dimension of A, {n}, does not match length of x, {len}")
        };
        return Err(errors::dimension_mismatch(&msg));
    }
    Ok((product(a, x), m, 1))
}

/// The product of conforming `a` (m×n) and `b` (n×q).
fn product(a: &Dense, b: &Dense) -> Nums {
    match (&a.nums, &b.nums) {
        (Nums::Int(x), Nums::Int(y)) => {
            let (m, n, q) = (a.rows, a.cols, b.cols);
            let mut out = vec![0i64; m * q];
            for j in 0..q {
                for k in 0..n {
                    let bkj = y[j * n + k];
                    for i in 0..m {
                        out[j * m + i] =
                            out[j * m + i].wrapping_add(x[k * m + i].wrapping_mul(bkj));
                    }
                }
            }
            Nums::Int(out)
        }
        _ => Nums::Float((a.to_nalgebra() * b.to_nalgebra()).as_slice().to_vec()),
    }
}

fn outer(u: &Dense, v: &Dense) -> Value {
    let (m, n) = (u.len(), v.len());
    let nums = match (&u.nums, &v.nums) {
        (Nums::Int(x), Nums::Int(y)) => Nums::Int(
            (0..n)
                .flat_map(|j| (0..m).map(move |i| x[i].wrapping_mul(y[j])))
                .collect(),
        ),
        _ => {
            let (x, y) = (u.floats(), v.floats());
            Nums::Float(
                (0..n)
                    .flat_map(|j| x.iter().map(|xi| xi * y[j]).collect::<Vec<_>>())
                    .collect(),
            )
        }
    };
    build(nums, m, n, Shape::Matrix)
}

/// `dot(x, y)`: sum of products in order (Julia's generic `dot`; for two Float64 vectors
/// Julia calls BLAS, whose order may differ in the last bit).
fn dot_of(x: &Dense, y: &Dense, ints: bool) -> R {
    if x.len() != y.len() {
        let msg = if matches!((&x.nums, &y.nums), (Nums::Float(_), Nums::Float(_))) {
            format!(
                "dot product arguments have lengths {} and {}",
                x.len(),
                y.len()
            )
        } else {
            format!(
                "first array has length {} which does not match the length of the second, {}.",
                x.len(),
                y.len()
            )
        };
        return Err(errors::dimension_mismatch(&msg));
    }
    Ok(match (&x.nums, &y.nums) {
        (Nums::Int(a), Nums::Int(b)) if ints => Value::Int(
            a.iter()
                .zip(b)
                .fold(0i64, |s, (p, q)| s.wrapping_add(p.wrapping_mul(*q))),
        ),
        _ => Value::Float(
            x.floats()
                .iter()
                .zip(y.floats())
                .fold(0.0, |s, (p, q)| s + p * q),
        ),
    })
}

pub(super) fn b_dot(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] if read(x, "dot").is_some() && read(y, "dot").is_some() => {
            let (x, y) = (expect(x, "dot")?, expect(y, "dot")?);
            dot_of(&x, &y, x.is_int() && y.is_int())
        }
        // numbers: dot(x, y) = conj(x) * y, real numbers here
        [x, y] if is_real_number(x) && is_real_number(y) => crate::builtins::math::mul(_vm, a, &[]),
        _ => Err(merr("dot", a)),
    }
}

fn is_real_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
}

pub(super) fn b_cross(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x, y] = a else {
        return Err(merr("cross", a));
    };
    let (x, y) = (expect(x, "cross")?, expect(y, "cross")?);
    if x.shape != Shape::Vector || y.shape != Shape::Vector {
        return Err(merr("cross", a));
    }
    if x.len() != 3 || y.len() != 3 {
        return Err(errors::dimension_mismatch(
            "cross product is only defined for vectors of length 3",
        ));
    }
    let nums = match (&x.nums, &y.nums) {
        (Nums::Int(p), Nums::Int(q)) => {
            let f = |i: usize, j: usize| p[i].wrapping_mul(q[j]);
            Nums::Int(vec![
                f(1, 2).wrapping_sub(f(2, 1)),
                f(2, 0).wrapping_sub(f(0, 2)),
                f(0, 1).wrapping_sub(f(1, 0)),
            ])
        }
        _ => {
            let (p, q) = (x.floats(), y.floats());
            Nums::Float(vec![
                p[1] * q[2] - p[2] * q[1],
                p[2] * q[0] - p[0] * q[2],
                p[0] * q[1] - p[1] * q[0],
            ])
        }
    };
    Ok(build(nums, 3, 1, Shape::Vector))
}

/// `kron(a, b)`: every element of `a` times all of `b` (each element is one product, so
/// Float64 results are exactly Julia's).
pub(super) fn b_kron(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x, y] = a else {
        return Err(merr("kron", a));
    };
    let (x, y) = (expect(x, "kron")?, expect(y, "kron")?);
    if matches!(x.shape, Shape::Row(_)) || matches!(y.shape, Shape::Row(_)) {
        return Err(errors::error_exception(
            "`kron` of an adjoint or transposed vector is not supported by julia-lite",
        ));
    }
    let (rows, cols) = (x.rows * y.rows, x.cols * y.cols);
    let at = |i: usize, j: usize| -> (usize, usize, usize, usize) {
        (i / y.rows, j / y.cols, i % y.rows, j % y.cols)
    };
    let nums = match (&x.nums, &y.nums) {
        (Nums::Int(p), Nums::Int(q)) => Nums::Int(
            (0..cols)
                .flat_map(|j| {
                    (0..rows).map(move |i| {
                        let (ai, aj, bi, bj) = at(i, j);
                        p[aj * x.rows + ai].wrapping_mul(q[bj * y.rows + bi])
                    })
                })
                .collect(),
        ),
        _ => {
            let (p, q) = (x.floats(), y.floats());
            Nums::Float(
                (0..cols)
                    .flat_map(|j| {
                        (0..rows)
                            .map(|i| {
                                let (ai, aj, bi, bj) = at(i, j);
                                p[aj * x.rows + ai] * q[bj * y.rows + bi]
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect(),
            )
        }
    };
    let shape = if x.shape == Shape::Vector && y.shape == Shape::Vector {
        Shape::Vector
    } else {
        Shape::Matrix
    };
    Ok(build(nums, rows, cols, shape))
}

/// `A^p` for an integer `p`: Julia's `power_by_squaring` (the same sequence of products),
/// `inv(A)^-p` for negative `p`.
pub(super) fn power(vm: &mut Vm, a: &Value, p: i64) -> R {
    let m = expect(a, "^")?;
    if matches!(m.shape, Shape::Row(_)) || m.shape == Shape::Vector {
        return Err(merr("^", &[a.clone(), Value::Int(p)]));
    }
    let n = m.check_square()?;
    if p == 1 {
        return Ok(build(m.nums, n, n, Shape::Matrix));
    }
    if p == 0 {
        // `one(A)` (a Bool matrix is first converted to Int64, as `to_power_type` does)
        return Ok(identity(
            n,
            if m.is_int() { &Ty::Int64 } else { &Ty::Float64 },
        ));
    }
    if p < 0 && m.is_int() {
        return int_negative_power(m, p);
    }
    let mut x = if p < 0 {
        expect(&super::solve::inverse(vm, a)?, "^")?
    } else {
        m
    };
    let mut p = p.unsigned_abs();
    if p == 1 {
        return Ok(build(x.nums, n, n, Shape::Matrix));
    }
    let square = |x: &Dense| Dense {
        nums: product(x, x),
        ..x.clone()
    };
    if p == 2 {
        return Ok(build(product(&x, &x), n, n, Shape::Matrix));
    }
    let mut t = p.trailing_zeros() + 1;
    p >>= t;
    while {
        t -= 1;
        t > 0
    } {
        x = square(&x);
    }
    let mut y = x.clone();
    while p > 0 {
        t = p.trailing_zeros() + 1;
        p >>= t;
        for _ in 0..t {
            x = square(&x);
        }
        y = Dense {
            nums: product(&y, &x),
            ..y
        };
    }
    Ok(build(y.nums, n, n, Shape::Matrix))
}

/// Julia's `power_by_squaring` for an integer matrix and a negative power: only ±I have
/// one; otherwise `DomainError`.
fn int_negative_power(m: Dense, p: i64) -> R {
    let n = m.rows;
    let Nums::Int(v) = &m.nums else {
        unreachable!("integer matrix")
    };
    let diag_is = |d: i64| (0..n * n).all(|k| v[k] == if k % n == k / n { d } else { 0 });
    if diag_is(1) || diag_is(-1) && p % 2 != 0 {
        return Ok(build(m.nums, n, n, Shape::Matrix));
    }
    if diag_is(-1) {
        return Ok(identity(n, &Ty::Int64));
    }
    Err(errors::domain_error(
        &Value::Int(p),
        &format!(
            "Cannot raise an integer matrix x to a negative power {p}.\nMake x a float matrix by adding a zero decimal (e.g., [2.0 1.0;1.0 0.0]^{p} instead of [2 1;1 0]^{p}), or write float(x)^{p} or Rational.(x)^{p}"
        ),
    ))
}

/// An n×n identity matrix of element type `elty` (Bool, Int64 or Float64).
pub(super) fn identity(n: usize, elty: &Ty) -> Value {
    let cell = |on: bool| match elty {
        Ty::Bool => Value::Bool(on),
        Ty::Float64 => Value::Float(on as i64 as f64),
        _ => Value::Int(on as i64),
    };
    let data = (0..n * n).map(|k| cell(k % n == k / n)).collect();
    Value::Array(std::sync::Arc::new(std::sync::Mutex::new(Array {
        elty: elty.clone(),
        data,
        dims: Some((n, n)),
        wrap: Wrap::None,
    })))
}
