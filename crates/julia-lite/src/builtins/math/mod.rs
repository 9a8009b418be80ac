//! Arithmetic, comparison and math functions with Julia's Int64/Float64 semantics.

use super::{BFn, R, as_f64, as_int, kwarg, merr};
use crate::errors;
use crate::show::fmt_float;
use crate::value::*;
use crate::vm::Vm;
use std::cmp::Ordering;

mod arith;
mod compare;
mod elementary;
mod numbers;
mod random;

pub(crate) use arith::*;
pub(crate) use compare::*;
pub(crate) use elementary::*;
use numbers::*;
use random::*;

type K<'a> = &'a [(Name, Value)];

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("+", add),
    ("-", sub),
    ("*", mul),
    ("/", fdiv),
    ("\\", ldiv),
    ("÷", b_div),
    ("div", b_div),
    ("fld", b_fld),
    ("cld", b_cld),
    ("%", b_rem),
    ("rem", b_rem),
    ("mod", b_mod),
    ("mod1", b_mod1),
    ("^", pow),
    ("_literal_pow", literal_pow),
    ("==", b_eq),
    ("!=", b_ne),
    ("===", b_egal),
    ("!==", b_negal),
    ("≡", b_egal),
    ("<", b_lt),
    ("<=", b_le),
    (">", b_gt),
    (">=", b_ge),
    ("isless", b_isless),
    ("isequal", b_egal),
    ("!", b_not),
    ("~", b_bitnot),
    ("&", b_and),
    ("|", b_or),
    ("⊻", b_xor),
    ("xor", b_xor),
    ("<<", b_shl),
    (">>", b_shr),
    (">>>", b_ushr),
    ("sqrt", b_sqrt),
    ("isqrt", b_isqrt),
    ("cbrt", b_cbrt),
    ("exp", b_exp),
    ("exp2", b_exp2),
    ("expm1", b_expm1),
    ("log", b_log),
    ("log2", b_log2),
    ("log10", b_log10),
    ("log1p", b_log1p),
    ("sin", b_sin),
    ("cos", b_cos),
    ("tan", b_tan),
    ("asin", b_asin),
    ("acos", b_acos),
    ("atan", b_atan),
    ("sinh", b_sinh),
    ("cosh", b_cosh),
    ("tanh", b_tanh),
    ("sind", b_sind),
    ("cosd", b_cosd),
    ("deg2rad", b_deg2rad),
    ("rad2deg", b_rad2deg),
    ("hypot", b_hypot),
    ("abs", b_abs),
    ("abs2", b_abs2),
    ("sign", b_sign),
    ("round", b_round),
    ("floor", b_floor),
    ("ceil", b_ceil),
    ("trunc", b_trunc),
    ("max", b_max),
    ("min", b_min),
    ("minmax", b_minmax),
    ("clamp", b_clamp),
    ("gcd", b_gcd),
    ("lcm", b_lcm),
    ("factorial", b_factorial),
    ("binomial", b_binomial),
    ("iseven", b_iseven),
    ("isodd", b_isodd),
    ("iszero", b_iszero),
    ("isone", b_isone),
    ("isnan", b_isnan),
    ("isinf", b_isinf),
    ("isfinite", b_isfinite),
    ("isinteger", b_isinteger),
    ("signbit", b_signbit),
    ("zero", b_zero),
    ("one", b_one),
    ("typemax", b_typemax),
    ("typemin", b_typemin),
    ("eps", b_eps),
    ("float", b_float),
    ("isapprox", b_isapprox),
    ("≈", b_isapprox),
    ("muladd", b_muladd),
    ("fma", b_muladd),
    ("copysign", b_copysign),
    ("rand", b_rand),
    ("randn", b_randn),
    ("Random.seed!", b_seed),
    ("seed!", b_seed),
    ("_fmt_float", b_fmt_float),
];
