//! Numeric matrices and vectors as linear algebra sees them: julia-lite arrays of Int64,
//! Bool or Float64 read into column-major buffers, and results written back with Julia's
//! element types. Anything else (Any, Rational, Complex, Float32 elements) is refused by
//! name, never approximated.

use crate::errors;
use crate::types::type_name;
use crate::value::*;
use nalgebra::DMatrix;
use std::sync::{Arc, Mutex};

/// The shape Julia sees: a `Vector`, a `Matrix`, or a row vector made by `v'`/`transpose(v)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Vector,
    Matrix,
    Row(Wrap),
}

/// Column-major numbers: exact integers (Bool reads as Int64, as Julia's matrix products
/// promote it) or Float64.
#[derive(Debug, Clone)]
pub(super) enum Nums {
    Int(Vec<i64>),
    Float(Vec<f64>),
}

#[derive(Debug, Clone)]
pub(super) struct Dense {
    pub rows: usize,
    pub cols: usize,
    pub shape: Shape,
    pub nums: Nums,
    /// the element type as Julia has it (Bool, Int64 or Float64)
    pub elty: Ty,
}

impl Dense {
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }
    /// The elements as Float64 (Julia's `float(A)`).
    pub fn floats(&self) -> Vec<f64> {
        match &self.nums {
            Nums::Int(v) => v.iter().map(|&x| x as f64).collect(),
            Nums::Float(v) => v.clone(),
        }
    }
    pub fn to_nalgebra(&self) -> DMatrix<f64> {
        DMatrix::from_vec(self.rows, self.cols, self.floats())
    }
    pub fn is_int(&self) -> bool {
        matches!(self.nums, Nums::Int(_))
    }
    /// `(rows, cols)` as Julia prints a size in messages: `(2, 3)`
    pub fn size_text(&self) -> String {
        match self.shape {
            Shape::Vector => format!("({},)", self.rows),
            _ => format!("({}, {})", self.rows, self.cols),
        }
    }
    /// Julia's `checksquare`.
    pub fn check_square(&self) -> Result<usize, Exc> {
        if self.rows == self.cols && self.shape != Shape::Vector {
            Ok(self.rows)
        } else {
            Err(errors::dimension_mismatch(&format!(
                "matrix is not square: dimensions are {}",
                self.size_text()
            )))
        }
    }
}

const MAX_RANGE: usize = 1 << 24;

/// Read a numeric array (or range) for linear algebra; `None` when `v` is not an array.
/// Arrays of other element types are refused with an error naming the function.
pub(super) fn read(v: &Value, func: &str) -> Option<Result<Dense, Exc>> {
    match v {
        Value::Array(a) => {
            let g = lock(a);
            let (rows, cols, shape) = match (g.dims, g.wrap) {
                (None, _) => (g.data.len(), 1, Shape::Vector),
                (Some((r, c)), w) if w.is_row_vector() => (r, c, Shape::Row(w)),
                (Some((r, c)), _) => (r, c, Shape::Matrix),
            };
            Some(from_values(&g.data, &g.elty, rows, cols, shape, func))
        }
        Value::Range(_) | Value::FRange(_) => {
            // a range is materialised: refuse lengths the memory budget could not hold anyway
            if len_of(v).unwrap_or(0) > MAX_RANGE {
                return Some(Err(errors::error_exception(&format!(
                    "`{func}` of a range longer than {MAX_RANGE} is not supported by julia-lite"
                ))));
            }
            let items = crate::builtins::collections::items_simple(v)?;
            let elty = if matches!(v, Value::Range(_)) {
                Ty::Int64
            } else {
                Ty::Float64
            };
            let n = items.len();
            Some(from_values(&items, &elty, n, 1, Shape::Vector, func))
        }
        _ => None,
    }
}

fn from_values(
    data: &[Value],
    elty: &Ty,
    rows: usize,
    cols: usize,
    shape: Shape,
    func: &str,
) -> Result<Dense, Exc> {
    let nums = match elty {
        Ty::Int64 | Ty::Bool => Nums::Int(
            data.iter()
                .map(|x| match x {
                    Value::Int(i) => Some(*i),
                    Value::Bool(b) => Some(*b as i64),
                    _ => None,
                })
                .collect::<Option<_>>()
                .ok_or_else(|| unsupported(func, elty, shape))?,
        ),
        Ty::Float64 => Nums::Float(
            data.iter()
                .map(|x| match x {
                    Value::Float(f) => Some(*f),
                    _ => None,
                })
                .collect::<Option<_>>()
                .ok_or_else(|| unsupported(func, elty, shape))?,
        ),
        _ => return Err(unsupported(func, elty, shape)),
    };
    Ok(Dense {
        rows,
        cols,
        shape,
        nums,
        elty: elty.clone(),
    })
}

fn unsupported(func: &str, elty: &Ty, shape: Shape) -> Exc {
    let kind = if shape == Shape::Vector {
        "Vector"
    } else {
        "Matrix"
    };
    errors::error_exception(&format!(
        "`{func}` of a {kind}{{{}}} is not supported by julia-lite (linear algebra takes Int64, Bool and Float64 elements)",
        type_name(elty)
    ))
}

/// Read `v` as a numeric array or refuse (`MethodError` for non-arrays, as Julia).
pub(super) fn expect(v: &Value, func: &str) -> Result<Dense, Exc> {
    read(v, func).unwrap_or_else(|| Err(errors::method_error(func, std::slice::from_ref(v))))
}

/// A Julia array value from column-major numbers.
pub(super) fn build(nums: Nums, rows: usize, cols: usize, shape: Shape) -> Value {
    let (elty, data): (Ty, Vec<Value>) = match nums {
        Nums::Int(v) => (Ty::Int64, v.into_iter().map(Value::Int).collect()),
        Nums::Float(v) => (Ty::Float64, v.into_iter().map(Value::Float).collect()),
    };
    let (dims, wrap) = match shape {
        Shape::Vector => (None, Wrap::None),
        Shape::Matrix => (Some((rows, cols)), Wrap::None),
        Shape::Row(w) => (Some((rows, cols)), w),
    };
    Value::Array(Arc::new(Mutex::new(Array {
        elty,
        data,
        dims,
        wrap,
    })))
}

pub(super) fn float_matrix(m: &DMatrix<f64>, shape: Shape) -> Value {
    build(
        Nums::Float(m.as_slice().to_vec()),
        m.nrows(),
        m.ncols(),
        shape,
    )
}

/// `SingularException(k)`; Julia prints the module prefix unless `LinearAlgebra` is in use.
pub(super) fn singular(qualified: bool, k: usize) -> Exc {
    let name = if qualified {
        "LinearAlgebra.SingularException"
    } else {
        "SingularException"
    };
    let text = format!("{name}({k})");
    errors::exc(
        "SingularException",
        text.clone(),
        text,
        vec![("info", Value::Int(k as i64))],
    )
}

/// `LAPACKException(info)` for a decomposition that did not converge (MOCK-DEFINED info:
/// nalgebra reports no LAPACK code, so `info` is 1).
pub(super) fn lapack_failure(qualified: bool) -> Exc {
    let name = if qualified {
        "LinearAlgebra.LAPACKException"
    } else {
        "LAPACKException"
    };
    let text = format!("{name}(1)");
    errors::exc(
        "LAPACKException",
        text.clone(),
        text,
        vec![("info", Value::Int(1))],
    )
}
