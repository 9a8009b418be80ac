//! Norms and spectra: `norm`, `opnorm`, `rank`, `eigvals`, `svdvals`, `tr`, `diag`.
//! Norms of vectors follow Julia's generic algorithms step for step (so their Float64
//! results are Julia's for Int64 input and for Float64 arrays shorter than 32, where Julia
//! does not call BLAS). Eigenvalues and singular values come from nalgebra (symmetric
//! eigen-decomposition, Schur form, SVD); they are right to rounding, LAPACK's may differ
//! in the last bits (README, MOCK-DEFINED).

use super::dense::{Dense, Nums, Shape, build, expect, lapack_failure, read};
use super::*;
use nalgebra::DMatrix;

fn qualified(vm: &Vm) -> bool {
    !lock(&vm.ws.using).contains("LinearAlgebra")
}

fn p_arg(a: &[Value], name: &str) -> Result<f64, Exc> {
    match a.get(1) {
        None => Ok(2.0),
        Some(p @ (Value::Int(_) | Value::Float(_))) => Ok(as_f64(p).unwrap_or(2.0)),
        Some(_) => Err(merr(name, a)),
    }
}

/// `norm(x, p=2)` of a vector or matrix (all elements, Frobenius for p = 2) or a number.
pub(super) fn b_norm(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let Some(x) = a.first().filter(|_| a.len() <= 2) else {
        return Err(merr("norm", a));
    };
    let p = p_arg(a, "norm")?;
    if let Some(v) =
        as_f64(x).filter(|_| matches!(x, Value::Int(_) | Value::Float(_) | Value::Bool(_)))
    {
        // norm(x::Number, p) = abs(float(x)) (0-norm: 0 or 1)
        return Ok(Value::Float(if p == 0.0 {
            (v != 0.0) as i64 as f64
        } else {
            v.abs()
        }));
    }
    let d = expect(x, "norm")?;
    let v: Vec<f64> = d.floats().iter().map(|x| x.abs()).collect();
    Ok(Value::Float(vector_norm(&v, p)))
}

/// Julia's `norm(itr, p)` over absolute values `v`.
fn vector_norm(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let max = || v.iter().cloned().fold(f64::NEG_INFINITY, nan_max);
    let min = || v.iter().cloned().fold(f64::INFINITY, nan_min);
    if p == 2.0 {
        let m = max();
        if m == 0.0 || m.is_infinite() || m.is_nan() {
            return m;
        }
        if (v.len() as f64 * m * m).is_finite() && m * m != 0.0 {
            return v.iter().fold(0.0, |s, x| s + x * x).sqrt();
        }
        // scaled, as Julia's generic_norm2 for very large or small elements
        return m * v.iter().fold(0.0, |s, x| s + (x / m) * (x / m)).sqrt();
    }
    if p == 1.0 {
        return v.iter().sum();
    }
    if p == f64::INFINITY {
        return max();
    }
    if p == f64::NEG_INFINITY {
        return min();
    }
    if p == 0.0 {
        return v.iter().filter(|x| **x != 0.0).count() as f64;
    }
    // generic_normp
    let m = if p > 1.0 {
        max()
    } else if p < -1.0 {
        min()
    } else {
        1.0
    };
    // |p| > 1 may overflow or underflow: Julia rescales by the largest (smallest) element
    let outer = !(-1.0..=1.0).contains(&p);
    if outer && (m == 0.0 || m.is_infinite() || m.is_nan()) {
        return m;
    }
    let scaled = outer && !((v.len() as f64 * m.powf(p)).is_finite() && m.powf(p) != 0.0);
    if scaled {
        m * v.iter().fold(0.0, |s, x| s + (x / m).powf(p)).powf(1.0 / p)
    } else {
        v.iter().fold(0.0, |s, x| s + x.powf(p)).powf(1.0 / p)
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `opnorm(A, p=2)`: p = 1 largest column sum, Inf largest row sum (in Julia's order), 2
/// the largest singular value.
pub(super) fn b_opnorm(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let Some(x) = a.first().filter(|_| a.len() <= 2) else {
        return Err(merr("opnorm", a));
    };
    let p = p_arg(a, "opnorm")?;
    let d = expect(x, "opnorm")?;
    if d.shape == Shape::Vector {
        return Err(merr("opnorm", a));
    }
    let v = d.floats();
    let (m, n) = (d.rows, d.cols);
    let abs = |i: usize, j: usize| v[j * m + i].abs();
    Ok(Value::Float(if p == 1.0 {
        (0..n).fold(0.0, |best, j| {
            f64::max(best, (0..m).fold(0.0, |s, i| s + abs(i, j)))
        })
    } else if p == f64::INFINITY {
        (0..m).fold(0.0, |best, i| {
            f64::max(best, (0..n).fold(0.0, |s, j| s + abs(i, j)))
        })
    } else if p == 2.0 {
        if m == 0 || n == 0 {
            0.0
        } else {
            singular_values(&d)[0]
        }
    } else {
        return Err(errors::argument_error(&format!(
            "invalid p-norm p={}. Valid: 1, 2, Inf",
            crate::show::fmt_float(p)
        )));
    }))
}

/// Singular values, largest first.
fn singular_values(d: &Dense) -> Vec<f64> {
    let mut s: Vec<f64> = d.to_nalgebra().singular_values().iter().cloned().collect();
    s.sort_by(|a, b| b.total_cmp(a));
    s
}

fn check_finite(m: &DMatrix<f64>) -> Result<(), Exc> {
    if m.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(errors::argument_error("matrix contains Infs or NaNs"))
    }
}

pub(super) fn b_svdvals(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x] = a else {
        return Err(merr("svdvals", a));
    };
    let d = expect(x, "svdvals")?;
    check_finite(&d.to_nalgebra())?;
    let s = singular_values(&d);
    let n = s.len();
    Ok(build(Nums::Float(s), n, 1, Shape::Vector))
}

/// `rank(A)`: singular values above `min(m, n) * eps * σ₁` (Julia's default `rtol`).
pub(super) fn b_rank(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x] = a else {
        return Err(merr("rank", a));
    };
    let d = expect(x, "rank")?;
    if d.len() == 0 {
        return Ok(Value::Int(0));
    }
    let s = singular_values(&d);
    let tol = d.rows.min(d.cols) as f64 * f64::EPSILON * s[0];
    Ok(Value::Int(s.iter().filter(|&&x| x > tol).count() as i64))
}

/// `eigvals(A)`: ascending real values for a symmetric matrix; otherwise the values of
/// the real Schur form, sorted by (real, imag) as Julia's `eigsortby`, complex only when
/// some value is not real.
pub(super) fn b_eigvals(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x] = a else {
        return Err(merr("eigvals", a));
    };
    if let Value::Int(_) | Value::Float(_) = x {
        return Ok(Value::Float(as_f64(x).unwrap_or(0.0)));
    }
    let d = expect(x, "eigvals")?;
    if d.shape != Shape::Matrix {
        return Err(merr("eigvals", a));
    }
    let n = d.check_square()?;
    let m = d.to_nalgebra();
    check_finite(&m)?;
    if m == m.transpose() {
        let mut vals: Vec<f64> = m.symmetric_eigenvalues().iter().cloned().collect();
        vals.sort_by(|a, b| a.total_cmp(b));
        return Ok(build(Nums::Float(vals), n, 1, Shape::Vector));
    }
    let schur = nalgebra::Schur::try_new(m, f64::EPSILON, 1000 + 100 * n)
        .ok_or_else(|| lapack_failure(qualified(vm)))?;
    let mut vals: Vec<(f64, f64)> = schur
        .complex_eigenvalues()
        .iter()
        .map(|c| (c.re, c.im))
        .collect();
    vals.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    if vals.iter().all(|v| v.1 == 0.0) {
        let re = vals.into_iter().map(|v| v.0).collect();
        return Ok(build(Nums::Float(re), n, 1, Shape::Vector));
    }
    Ok(Value::vector(
        Ty::ComplexFloat,
        vals.into_iter()
            .map(|(re, im)| Value::ComplexF(re, im))
            .collect(),
    ))
}

/// `tr(A)`: the sum of the diagonal in A's element type.
pub(super) fn b_tr(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [x] = a else {
        return Err(merr("tr", a));
    };
    if let Value::Int(_) | Value::Float(_) = x {
        return Ok(x.clone());
    }
    let d = expect(x, "tr")?;
    if d.shape == Shape::Vector {
        return Err(merr("tr", a));
    }
    let n = d.check_square()?;
    Ok(match &d.nums {
        Nums::Int(v) => Value::Int((0..n).fold(0i64, |s, i| s.wrapping_add(v[i * n + i]))),
        Nums::Float(v) => Value::Float((0..n).fold(0.0, |s, i| s + v[i * n + i])),
    })
}

/// `diag(A, k=0)`: the k-th diagonal as a vector of A's element type.
pub(super) fn b_diag(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (x, k) = match a {
        [x] => (x, 0),
        [x, Value::Int(k)] => (x, *k),
        _ => return Err(merr("diag", a)),
    };
    let Some(Ok(d)) = read(x, "diag") else {
        return match read(x, "diag") {
            Some(Err(e)) => Err(e),
            _ => Err(merr("diag", a)),
        };
    };
    if d.shape == Shape::Vector {
        return Err(merr("diag", a));
    }
    let (m, n) = (d.rows as i64, d.cols as i64);
    if k < -m || k > n {
        return Err(errors::argument_error(&format!(
            "requested diagonal, {k}, must be at least {} and at most {n} in an {m}-by-{n} matrix",
            -m
        )));
    }
    let cells: Vec<usize> = (0..m)
        .map(|i| (i, i + k))
        .filter(|&(i, j)| i >= 0 && j >= 0 && j < n && i < m)
        .map(|(i, j)| (j * m + i) as usize)
        .collect();
    let Value::Array(arr) = x else {
        return Err(merr("diag", a));
    };
    let g = lock(arr);
    let data: Vec<Value> = cells.iter().map(|&c| g.data[c].clone()).collect();
    Ok(Value::vector(g.elty.clone(), data))
}
