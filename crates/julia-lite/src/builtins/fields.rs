//! Fields and properties: `x.f`, `x.f = v`, `fieldnames`, `getfield`, `hasproperty`, `supertype`.

use super::*;

pub(crate) fn getfield(vm: &mut Vm, obj: &Value, name: &Name) -> R {
    let n: &str = name;
    match obj {
        Value::Module(m) => {
            let full = format!("{m}.{n}");
            if let Some(id) = builtin_id(&full) {
                return Ok(Value::Builtin(id));
            }
            match &**m {
                "Base" | "Core" | "Main" | "Math" | "Statistics" | "LinearAlgebra" | "Printf"
                | "Random" | "Iterators" => vm.load_global(name),
                _ => Err(errors::undef_var(n)).map_err(|mut e: Exc| {
                    e.msg = format!("UndefVarError: `{n}` not defined");
                    e
                }),
            }
        }
        Value::NamedTuple(nt) => match nt.0.iter().position(|k| &**k == n) {
            Some(i) => Ok(nt.1[i].clone()),
            None => Err(no_field(obj, n)),
        },
        Value::Struct(s) => match s.def.fields.iter().position(|(k, _)| &**k == n) {
            Some(i) => Ok(lock(&s.fields)[i].clone()),
            None => Err(no_field(obj, n)),
        },
        Value::Exception(e) => match errors::exc_field(e, n) {
            Some(v) => Ok(v),
            None => Err(no_field(obj, n)),
        },
        Value::Pair(p) => match n {
            "first" => Ok(p.0.clone()),
            "second" => Ok(p.1.clone()),
            _ => Err(no_field(obj, n)),
        },
        Value::Range(r) => match n {
            "start" => Ok(Value::Int(r.0)),
            "stop" => Ok(Value::Int(r.2)),
            "step" if r.1 != 1 => Ok(Value::Int(r.1)),
            _ => Err(no_field(obj, n)),
        },
        Value::Dict(_)
        | Value::Array(_)
        | Value::Str(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::Tuple(_)
        | Value::Nothing
        | Value::Bool(_) => Err(no_field(obj, n)),
        Value::Type(_) | Value::Generic(_) | Value::Builtin(_) | Value::StructType(_) => match n {
            "name" => Ok(Value::sym(&repr(obj))),
            _ => Err(no_field(obj, n)),
        },
        _ => Err(no_field(obj, n)),
    }
}

pub(super) fn no_field(obj: &Value, n: &str) -> Exc {
    let t = type_name(&typeof_val(obj));
    match obj {
        Value::NamedTuple(_) | Value::Struct(_) | Value::Exception(_) => errors::exc(
            "ErrorException",
            format!(
                "type {} has no field {n}",
                t.split('{').next().unwrap_or(&t)
            ),
            format!(
                "ErrorException(\"type {} has no field {n}\")",
                t.split('{').next().unwrap_or(&t)
            ),
            vec![],
        ),
        _ => errors::exc(
            "ErrorException",
            format!(
                "type {} has no field {n}",
                t.split('{').next().unwrap_or(&t)
            ),
            format!(
                "ErrorException(\"type {} has no field {n}\")",
                t.split('{').next().unwrap_or(&t)
            ),
            vec![],
        ),
    }
}

pub(crate) fn setfield(obj: &Value, name: &str, v: Value) -> Result<(), Exc> {
    match obj {
        Value::Struct(s) => {
            let Some(i) = s.def.fields.iter().position(|(k, _)| &**k == name) else {
                return Err(no_field(obj, name));
            };
            if !s.def.mutable {
                let msg = format!(
                    "setfield!: immutable struct of type {} cannot be changed",
                    s.def.name
                );
                return Err(errors::error_exception(&msg));
            }
            let v = match &s.def.fields[i].1 {
                Some(t) => convert(t, v)?,
                None => v,
            };
            lock(&s.fields)[i] = v;
            Ok(())
        }
        Value::NamedTuple(_) => Err(errors::error_exception(&format!(
            "setfield!: immutable struct of type {} cannot be changed",
            type_name(&typeof_val(obj))
                .split('{')
                .next()
                .unwrap_or("NamedTuple")
        ))),
        _ => Err(no_field(obj, name)),
    }
}

pub(super) fn b_fieldnames(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::StructType(d)] => Ok(Value::tuple(
            d.fields
                .iter()
                .map(|(n, _)| Value::Sym(n.clone()))
                .collect(),
        )),
        _ => Err(merr("fieldnames", a)),
    }
}

pub(super) fn b_getfield(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [o, Value::Sym(s)] => getfield(vm, o, s),
        _ => Err(merr("getfield", a)),
    }
}

pub(super) fn b_hasproperty(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::NamedTuple(nt), Value::Sym(s)] => Ok(Value::Bool(nt.0.iter().any(|k| k == s))),
        [Value::Struct(st), Value::Sym(s)] => {
            Ok(Value::Bool(st.def.fields.iter().any(|(k, _)| k == s)))
        }
        [_, Value::Sym(_)] => Ok(Value::Bool(false)),
        _ => Err(merr("hasproperty", a)),
    }
}

pub(super) fn b_methods_unsupported(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Err(errors::error_exception(
        "reflection (methods, eval, include, Meta.parse) is not supported by julia-lite",
    ))
}

pub(super) fn b_supertype(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(t)] => Ok(Value::ty(match **t {
            Ty::Int64 => Ty::Signed,
            Ty::Signed => Ty::Integer,
            Ty::Integer | Ty::AbstractFloat => Ty::Real,
            Ty::Float64 => Ty::AbstractFloat,
            Ty::Real => Ty::Number,
            Ty::String => Ty::AbstractString,
            Ty::Bool => Ty::Integer,
            _ => Ty::Any,
        })),
        _ => Err(merr("supertype", a)),
    }
}
