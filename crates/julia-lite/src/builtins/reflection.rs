//! Types, errors and small Base functions: `using`, `typeof`, `isa`, `<:`, `throw`/`error`, `nameof`, `identity`, `isnothing`, `something`.

use super::*;

pub(crate) fn using(vm: &mut Vm, name: &str) -> Result<(), Exc> {
    let known = [
        "DataFrames",
        "CSV",
        "Plots",
        "JSON",
        "JSON3",
        "Statistics",
        "LinearAlgebra",
        "Printf",
        "Dates",
        "Random",
        "Base",
        "Main",
        "Test",
    ];
    let root = name.split('.').next().unwrap_or(name);
    if known.contains(&root) || crate::natives::is_module(root) {
        lock(&vm.ws.using).insert(root.to_string());
        Ok(())
    } else {
        Err(errors::argument_error(&format!(
            "Package {root} not found in current path.\n- Run `import Pkg; Pkg.add(\"{root}\")` to install the {root} package."
        )))
    }
}

pub(super) fn b_typeof(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(Value::ty(match typeof_val(v) {
            // Julia prints `LinearAlgebra.Adjoint{…}` unless the module is in use in Main
            Ty::Wrapper {
                adjoint,
                elty,
                parent,
                ..
            } => Ty::Wrapper {
                adjoint,
                elty,
                parent,
                qualified: !lock(&_vm.ws.using).contains("LinearAlgebra"),
            },
            t => t,
        })),
        _ => Err(merr("typeof", a)),
    }
}

pub(super) fn b_isa(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v, Value::Type(t)] => Ok(Value::Bool(isa(v, t))),
        [v, Value::StructType(d)] => Ok(Value::Bool(
            matches!(v, Value::Struct(s) if Arc::ptr_eq(&s.def, d) || s.def.name == d.name),
        )),
        [_, t] => Err(errors::type_error("isa", "Type", t)),
        _ => Err(merr("isa", a)),
    }
}

pub(super) fn b_subtype(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(x), Value::Type(y)] => Ok(Value::Bool(
            x.subtype(y) || crate::types::isa(&sample_of(x), y),
        )),
        _ => Err(merr("<:", a)),
    }
}

pub(super) fn sample_of(t: &Ty) -> Value {
    match t {
        Ty::Int64 => Value::Int(0),
        Ty::Float64 => Value::Float(0.0),
        Ty::Bool => Value::Bool(false),
        Ty::String => Value::str(""),
        Ty::Char => Value::Char('a'),
        Ty::Nothing => Value::Nothing,
        _ => Value::Undef,
    }
}

pub(super) fn b_throw(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Err(errors::from_value(v.clone())),
        _ => Err(merr("throw", a)),
    }
}

pub(super) fn b_rethrow(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match (a, &vm.current_exc) {
        ([v], _) => Err(errors::from_value(v.clone())),
        ([], Some(e)) => Err(errors::from_value(e.clone())),
        _ => Err(errors::error_exception(
            "rethrow() not allowed outside a catch block",
        )),
    }
}

pub(super) fn b_error(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let msg: String = a.iter().map(to_string).collect();
    let mut e = errors::error_exception(&msg);
    e.base_frame = Some(("error(s::String)", "Base ./error.jl:35"));
    Err(e)
}

pub(super) fn b_nameof(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Type(t)] => Ok(Value::sym(type_name(t).split('{').next().unwrap_or(""))),
        [Value::StructType(d)] => Ok(Value::Sym(d.name.clone())),
        [Value::Generic(g)] => Ok(Value::Sym(g.name.clone())),
        [Value::Builtin(b)] => Ok(Value::sym(builtin_name(*b))),
        [Value::Module(m)] => Ok(Value::Sym(m.clone())),
        _ => Err(merr("nameof", a)),
    }
}

pub(super) fn b_identity(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(v.clone()),
        _ => Err(merr("identity", a)),
    }
}

pub(super) fn b_isnothing(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(Value::Bool(matches!(v, Value::Nothing))),
        _ => Err(merr("isnothing", a)),
    }
}

pub(super) fn b_ismissing(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [v] => Ok(Value::Bool(matches!(v, Value::Missing))),
        _ => Err(merr("ismissing", a)),
    }
}

pub(super) fn b_something(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    for v in a {
        if !matches!(v, Value::Nothing) {
            return Ok(v.clone());
        }
    }
    Err(errors::argument_error("No value arguments present"))
}

pub(super) fn b_noop(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Ok(Value::Nothing)
}

pub(super) fn b_false(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Ok(Value::Bool(false))
}
