//! `typeof`, type names and type lookup by name.

use crate::value::{Ty, Value, Wrap, lock};

/// Element types nested deeper than this become `Any` (bounds every walk over a type).
pub(crate) const MAX_TY_DEPTH: usize = 32;

/// Nesting depth of a type (bounded walk).
fn ty_depth(t: &Ty, d: usize) -> usize {
    if d > MAX_TY_DEPTH + 2 {
        return d;
    }
    match t {
        Ty::Array(e, _) => ty_depth(e, d + 1),
        Ty::Tuple(ts) | Ty::NamedTuple(_, ts) => {
            ts.iter().map(|x| ty_depth(x, d + 1)).max().unwrap_or(d)
        }
        Ty::Pair(a, b) | Ty::Dict(a, b) => ty_depth(a, d + 1).max(ty_depth(b, d + 1)),
        _ => d,
    }
}

pub(crate) fn typeof_val(v: &Value) -> Ty {
    typeof_d(v, 0)
}

/// `typeof` with nesting capped: element types deeper than `MAX_TY_DEPTH` become `Any`.
fn typeof_d(v: &Value, d: usize) -> Ty {
    if d > MAX_TY_DEPTH {
        return Ty::Any;
    }
    let typeof_val = |x: &Value| typeof_d(x, d + 1);
    match v {
        Value::Nothing => Ty::Nothing,
        Value::Missing => Ty::Missing,
        Value::Bool(_) => Ty::Bool,
        Value::Int(_) => Ty::Int64,
        Value::Rational(..) => Ty::Rational,
        Value::F32(_) => Ty::Float32,
        Value::ComplexI(..) => Ty::ComplexInt,
        Value::ComplexF(..) => Ty::ComplexFloat,
        Value::Big(_) => Ty::BigInt,
        Value::Float(_) => Ty::Float64,
        Value::Char(_) => Ty::Char,
        Value::Str(_) => Ty::String,
        Value::Sym(_) => Ty::Symbol,
        Value::Array(a) => {
            let a = lock(a);
            let elty = if ty_depth(&a.elty, d) > MAX_TY_DEPTH {
                Ty::Any
            } else {
                a.elty.clone()
            };
            let arr_ty = |n| Box::new(Ty::Array(Box::new(elty.clone()), n));
            match a.wrap {
                Wrap::None => Ty::Array(Box::new(elty), if a.dims.is_some() { 2 } else { 1 }),
                w => Ty::Wrapper {
                    adjoint: matches!(w, Wrap::AdjointVec | Wrap::AdjointMat),
                    parent: arr_ty(if w.is_row_vector() { 1 } else { 2 }),
                    elty: Box::new(elty.clone()),
                    qualified: true,
                },
            }
        }
        Value::Tuple(t) => Ty::Tuple(t.iter().map(typeof_val).collect()),
        Value::NamedTuple(nt) => {
            Ty::NamedTuple(nt.0.clone(), nt.1.iter().map(typeof_val).collect())
        }
        Value::Pair(p) => Ty::Pair(Box::new(typeof_val(&p.0)), Box::new(typeof_val(&p.1))),
        Value::Dict(d) => {
            let d = lock(d);
            let cap = |t: &Ty| {
                if ty_depth(t, 0) > MAX_TY_DEPTH {
                    Ty::Any
                } else {
                    t.clone()
                }
            };
            Ty::Dict(Box::new(cap(&d.kty)), Box::new(cap(&d.vty)))
        }
        Value::Range(r) => match r.3 {
            crate::value::RangeKind::Unit => Ty::UnitRange,
            crate::value::RangeKind::Step => Ty::StepRange,
            crate::value::RangeKind::OneTo => Ty::OneTo,
        },
        Value::FRange(_) => Ty::FloatRange,
        Value::Irrational(c) => Ty::Irrational(*c),
        Value::Generic(g) => Ty::FunctionOf(g.name.clone()),
        Value::Closure(c) => Ty::FunctionOf(format!("#{}", c.method.name).into()),
        Value::Builtin(b) => Ty::FunctionOf(crate::natives::builtin_name(*b).into()),
        Value::Type(_) | Value::StructType(_) => Ty::DataType,
        Value::Exception(e) => Ty::Exc(e.ty.clone()),
        Value::Struct(s) => Ty::Struct(s.def.name.clone()),
        Value::Module(_) => Ty::Module,
        Value::Lazy(l) => l.0.clone(),
        Value::Iter(_) | Value::Undef | Value::Box(_) => Ty::Any,
    }
}

pub(crate) fn type_name(t: &Ty) -> String {
    match t {
        Ty::Any => "Any".into(),
        Ty::Int64 => "Int64".into(),
        Ty::Float64 => "Float64".into(),
        Ty::Irrational(c) => format!("Irrational{{:{c}}}"),
        Ty::Bool => "Bool".into(),
        Ty::String => "String".into(),
        Ty::Char => "Char".into(),
        Ty::Symbol => "Symbol".into(),
        Ty::Nothing => "Nothing".into(),
        Ty::Missing => "Missing".into(),
        Ty::Number => "Number".into(),
        Ty::Real => "Real".into(),
        Ty::Integer => "Integer".into(),
        Ty::Signed => "Signed".into(),
        Ty::AbstractFloat => "AbstractFloat".into(),
        Ty::AbstractString => "AbstractString".into(),
        Ty::AbstractChar => "AbstractChar".into(),
        Ty::Array(e, 1) => format!("Vector{{{}}}", type_name(e)),
        Ty::Array(e, 2) => format!("Matrix{{{}}}", type_name(e)),
        Ty::Array(e, n) => format!("Array{{{}, {n}}}", type_name(e)),
        Ty::AbstractArray => "AbstractArray".into(),
        Ty::AbstractVector => "AbstractVector".into(),
        Ty::AbstractRange => "AbstractRange".into(),
        Ty::Dict(k, v) => format!("Dict{{{}, {}}}", type_name(k), type_name(v)),
        Ty::AbstractDict => "AbstractDict".into(),
        Ty::Tuple(ts) => format!("Tuple{{{}}}", ts.iter().map(type_name).collect::<Vec<_>>().join(", ")),
        Ty::NamedTuple(ns, ts) => {
            let names: Vec<String> = ns.iter().map(|n| format!(":{n}")).collect();
            let names = if names.len() == 1 { format!("({},)", names[0]) } else { format!("({})", names.join(", ")) };
            format!("NamedTuple{{{names}, Tuple{{{}}}}}", ts.iter().map(type_name).collect::<Vec<_>>().join(", "))
        }
        Ty::Pair(a, b) => format!("Pair{{{}, {}}}", type_name(a), type_name(b)),
        Ty::UnitRange => "UnitRange{Int64}".into(),
        Ty::StepRange => "StepRange{Int64, Int64}".into(),
        Ty::OneTo => "Base.OneTo{Int64}".into(),
        Ty::FloatRange => "StepRangeLen{Float64, Base.TwicePrecision{Float64}, Base.TwicePrecision{Float64}, Int64}".into(),
        Ty::Function => "Function".into(),
        Ty::FunctionOf(n) => format!("typeof({n})"),
        Ty::DataType => "DataType".into(),
        Ty::Module => "Module".into(),
        Ty::Exception => "Exception".into(),
        Ty::Exc(n) => n.to_string(),
        Ty::Struct(n) => n.to_string(),
        Ty::Enumerate => "Base.Iterators.Enumerate".into(),
        Ty::Rational => "Rational{Int64}".into(),
        Ty::Float32 => "Float32".into(),
        Ty::ComplexInt => "Complex{Int64}".into(),
        // Julia prints the alias
        Ty::ComplexFloat => "ComplexF64".into(),
        Ty::BigInt => "BigInt".into(),
        Ty::Union(a, b) => format!("Union{{{}, {}}}", type_name(a), type_name(b)),
        Ty::Zip => "Base.Iterators.Zip".into(),
        Ty::Wrapper {
            adjoint,
            elty,
            parent,
            qualified,
        } => format!(
            "{}{}{{{}, {}}}",
            if *qualified { "LinearAlgebra." } else { "" },
            if *adjoint { "Adjoint" } else { "Transpose" },
            type_name(elty),
            type_name(parent)
        ),
    }
}

pub(crate) const EXCEPTION_TYPES: &[&str] = &[
    "ErrorException",
    "UndefVarError",
    "MethodError",
    "DivideError",
    "BoundsError",
    "KeyError",
    "ArgumentError",
    "DomainError",
    "InexactError",
    "OverflowError",
    "StackOverflowError",
    "TypeError",
    "AssertionError",
    "DimensionMismatch",
    "StringIndexError",
    "UndefKeywordError",
    "InterruptException",
    "OutOfMemoryError",
    "ParseError",
    "SystemError",
];

/// Type lookup by name (for annotations, `isa`, conversions).
pub(crate) fn type_by_name(n: &str) -> Option<Ty> {
    Some(match n {
        "Any" => Ty::Any,
        "Int" | "Int64" => Ty::Int64,
        "Rational" => Ty::Rational,
        "Float32" => Ty::Float32,
        "BigInt" => Ty::BigInt,
        "Float64" => Ty::Float64,
        "Bool" => Ty::Bool,
        "String" => Ty::String,
        "Char" => Ty::Char,
        "Symbol" => Ty::Symbol,
        "Nothing" => Ty::Nothing,
        "Missing" => Ty::Missing,
        "Number" => Ty::Number,
        "Real" => Ty::Real,
        "Integer" => Ty::Integer,
        "Signed" => Ty::Signed,
        "AbstractFloat" => Ty::AbstractFloat,
        "AbstractString" => Ty::AbstractString,
        "AbstractChar" => Ty::AbstractChar,
        "Vector" => Ty::Array(Box::new(Ty::Any), 1),
        "Matrix" => Ty::Array(Box::new(Ty::Any), 2),
        "Array" => Ty::AbstractArray,
        "AbstractArray" => Ty::AbstractArray,
        "AbstractVector" => Ty::AbstractVector,
        "AbstractRange" => Ty::AbstractRange,
        "UnitRange" => Ty::UnitRange,
        "StepRange" => Ty::StepRange,
        "Dict" => Ty::Dict(Box::new(Ty::Any), Box::new(Ty::Any)),
        "AbstractDict" => Ty::AbstractDict,
        "Tuple" => Ty::Tuple(vec![]),
        "NamedTuple" => Ty::NamedTuple(vec![], vec![]),
        "Pair" => Ty::Pair(Box::new(Ty::Any), Box::new(Ty::Any)),
        "Function" => Ty::Function,
        "DataType" => Ty::DataType,
        "Module" => Ty::Module,
        "Exception" => Ty::Exception,
        _ if EXCEPTION_TYPES.contains(&n) => Ty::Exc(n.into()),
        _ => return None,
    })
}

/// `isa(v, t)` with the generic containers treated as UnionAll (`[1] isa Vector` is true).
pub(crate) fn isa(v: &Value, t: &Ty) -> bool {
    let vt = typeof_val(v);
    match t {
        Ty::Array(e, n) if **e == Ty::Any => {
            // Vector (UnionAll) vs Vector{Any}: we cannot distinguish by name; accept any eltype
            matches!(vt, Ty::Array(_, m) if m == *n)
        }
        Ty::Dict(k, v2) if **k == Ty::Any && **v2 == Ty::Any => matches!(vt, Ty::Dict(..)),
        Ty::Tuple(ts) if ts.is_empty() => matches!(vt, Ty::Tuple(_)),
        Ty::NamedTuple(ns, _) if ns.is_empty() => matches!(vt, Ty::NamedTuple(..)),
        Ty::Pair(a, b) if **a == Ty::Any && **b == Ty::Any => matches!(vt, Ty::Pair(..)),
        Ty::UnitRange => matches!(vt, Ty::UnitRange),
        Ty::Function => matches!(vt, Ty::FunctionOf(_)) || matches!(v, Value::StructType(_)),
        Ty::Struct(n) if &**n == "IO" => crate::value::is_io(v),
        _ => vt.subtype(t),
    }
}

/// `UniformScaling{T}(λ)` (LinearAlgebra's `I` is `UniformScaling{Bool}(true)`): a struct
/// whose type name carries the parameter, so `typeof`, `string` and `repr` print as Julia's.
pub(crate) fn uniform_scaling(lambda: Value) -> Value {
    use crate::value::{StructDef, StructV};
    use std::sync::{Arc, Mutex};
    let def = StructDef {
        name: format!("UniformScaling{{{}}}", type_name(&typeof_val(&lambda))).into(),
        fields: vec![("λ".into(), None)],
        mutable: false,
    };
    Value::Struct(Arc::new(StructV {
        def: Arc::new(def),
        fields: Mutex::new(vec![lambda]),
    }))
}
