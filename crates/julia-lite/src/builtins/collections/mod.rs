//! Arrays, tuples, ranges, dicts: indexing, iteration and the collection library.

use super::{BFn, R, as_f64, as_int, convert, kwarg, merr};
use crate::builtins::math::{add, equals, isless, minmax2, mul, sub};
use crate::errors;
use crate::show::repr;
use crate::types::typeof_val;
use crate::value::*;
use crate::vm::Vm;
use std::sync::{Arc, Mutex};

mod arrays;
mod dicts;
mod indexing;
mod iteration;
mod reductions;
mod sorting;

use arrays::*;
pub(crate) use dicts::*;
pub(crate) use indexing::*;
pub(crate) use iteration::*;
use reductions::*;
pub(crate) use sorting::*;

type K<'a> = &'a [(Name, Value)];

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("length", b_length),
    ("size", b_size),
    ("axes", b_axes),
    ("ndims", b_ndims),
    ("push!", b_push),
    ("pushfirst!", b_pushfirst),
    ("pop!", b_pop),
    ("popfirst!", b_popfirst),
    ("append!", b_append),
    ("insert!", b_insert),
    ("deleteat!", b_deleteat),
    ("empty!", b_empty),
    ("isempty", b_isempty),
    ("sum", b_sum),
    ("prod", b_prod),
    ("maximum", b_maximum),
    ("minimum", b_minimum),
    ("extrema", b_extrema),
    ("argmax", b_argmax),
    ("argmin", b_argmin),
    ("findmax", b_findmax),
    ("findmin", b_findmin),
    ("_sort", b_sort_default),
    ("_sort!", b_sort_inplace),
    ("_sortperm_keys", b_sortperm_keys),
    ("issorted", b_issorted),
    ("reverse", b_reverse),
    ("reverse!", b_reverse_inplace),
    ("collect", b_collect),
    ("in", b_in),
    ("∈", b_in),
    ("∉", b_notin),
    ("keys", b_keys),
    ("values", b_values),
    ("pairs", b_pairs),
    ("haskey", b_haskey),
    ("get", b_get),
    ("get!", b_get_bang),
    ("delete!", b_delete),
    ("merge", b_merge),
    ("zeros", b_zeros),
    ("ones", b_ones),
    ("fill", b_fill),
    ("range", b_range),
    ("enumerate", b_enumerate),
    ("zip", b_zip),
    ("first", b_first),
    ("last", b_last),
    ("eachindex", b_eachindex),
    ("firstindex", b_firstindex),
    ("lastindex", b_lastindex),
    ("cumsum", b_cumsum),
    ("diff", b_diff),
    ("cumprod", b_cumprod),
    ("unique", b_unique),
    ("vcat", b_vcat),
    ("hcat", b_hcat),
    ("copy", b_copy),
    ("deepcopy", b_deepcopy),
    ("any", b_any),
    ("all", b_all),
    ("count", b_count),
    ("_narrow", b_narrow),
    ("_bc_len", b_bc_len),
    ("_bc_get", b_bc_get),
    ("Statistics.mean", b_mean),
    ("Statistics.median", b_median),
    ("Statistics.quantile", b_quantile),
    ("Statistics.var", b_var),
    ("Statistics.std", b_std),
    ("eltype", b_eltype),
    ("union", b_union),
    ("intersect", b_intersect),
    ("setdiff", b_setdiff),
    ("_tuple_len", b_ntuple_len),
    ("getindex", b_getindex),
    ("setindex!", b_setindex),
    ("permutedims", b_permutedims),
    ("vec", b_vec),
    ("_similar_empty", b_similar_empty),
    ("_to_any_vec", b_to_vec),
];
