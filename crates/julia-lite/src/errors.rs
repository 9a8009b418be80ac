//! Julia exceptions: constructors with Julia 1.9's `showerror` and `repr` texts,
//! and the stack-trace layout of `full_description`.

use crate::show::{repr, repr_string};
use crate::types::{type_name, typeof_val};
use crate::value::{Exc, Name, Ty, Value};
use std::sync::Arc;

pub(crate) fn exc(ty: &str, msg: String, repr: String, fields: Vec<(&str, Value)>) -> Exc {
    Exc {
        ty: ty.into(),
        msg,
        repr,
        fields: fields
            .into_iter()
            .map(|(n, v)| (Name::from(n), v))
            .collect(),
        value: None,
        base_frame: None,
    }
}

pub fn error_exception(msg: &str) -> Exc {
    exc(
        "ErrorException",
        msg.to_string(),
        format!("ErrorException({})", repr_string(msg)),
        vec![("msg", Value::str(msg))],
    )
}

pub(crate) fn syntax_error(msg: &str) -> Exc {
    error_exception(&format!("syntax: {msg}"))
}

pub(crate) fn undef_var(name: &str) -> Exc {
    exc(
        "UndefVarError",
        format!("UndefVarError: `{name}` not defined"),
        format!("UndefVarError(:{name})"),
        vec![("var", Value::sym(name))],
    )
}

pub fn method_error(fname: &str, args: &[Value]) -> Exc {
    let sig: Vec<String> = args
        .iter()
        .map(|a| format!("::{}", type_name(&typeof_val(a))))
        .collect();
    let mut msg = format!(
        "MethodError: no method matching {fname}({})",
        sig.join(", ")
    );
    let is_arr = |v: &Value| matches!(v, Value::Array(_) | Value::Range(_) | Value::FRange(_));
    let is_num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_));
    if args.len() == 2
        && ((is_arr(&args[0]) && is_num(&args[1])) || (is_num(&args[0]) && is_arr(&args[1])))
    {
        let (word, op) = match fname {
            "+" => ("addition", "+"),
            "-" => ("subtraction", "-"),
            "*" => ("multiplication", "*"),
            "/" => ("division", "/"),
            "^" => ("exponentiation", "^"),
            _ => ("", ""),
        };
        if !word.is_empty() && fname != "*" {
            let (a, b) = if is_arr(&args[0]) {
                ("array", "scalar")
            } else {
                ("scalar", "array")
            };
            msg.push_str(&format!(
                "\nFor element-wise {word}, use broadcasting with dot syntax: {a} .{op} {b}"
            ));
        }
    }
    let argrepr: Vec<String> = args.iter().map(repr).collect();
    let tup = if argrepr.len() == 1 {
        format!("({},)", argrepr[0])
    } else {
        format!("({})", argrepr.join(", "))
    };
    exc(
        "MethodError",
        msg,
        format!("MethodError({fname}, {tup}, 0x0000000000007b3c)"),
        vec![
            ("f", Value::sym(fname)),
            ("args", Value::tuple(args.to_vec())),
        ],
    )
}

pub(crate) fn not_callable(v: &Value) -> Exc {
    let t = type_name(&typeof_val(v));
    exc(
        "MethodError",
        format!("MethodError: objects of type {t} are not callable"),
        format!("MethodError({}, (), 0x0000000000007b3c)", repr(v)),
        vec![],
    )
}

pub(crate) fn divide_error() -> Exc {
    exc(
        "DivideError",
        "DivideError: integer division error".into(),
        "DivideError()".into(),
        vec![],
    )
}

pub(crate) fn bounds_error(container: &Value, idx: &[Value]) -> Exc {
    let what = match container {
        Value::Str(s) => format!("{}-codeunit String", s.len()),
        Value::Array(a) => {
            let g = crate::value::lock(a);
            match g.dims {
                Some((r, c)) => format!(
                    "{r}×{c} {}",
                    type_name(&Ty::Array(Box::new(g.elty.clone()), 2))
                ),
                None => format!(
                    "{}-element {}",
                    g.data.len(),
                    type_name(&Ty::vector(g.elty.clone()))
                ),
            }
        }
        Value::Tuple(_) => type_name(&typeof_val(container)),
        Value::Range(_) | Value::FRange(_) => {
            let n = crate::value::len_of(container).unwrap_or(0);
            format!("{n}-element {}", type_name(&typeof_val(container)))
        }
        other => repr(other),
    };
    let shown = if matches!(container, Value::Tuple(_) | Value::Str(_)) || idx.len() != 1 {
        format!("[{}]", idx.iter().map(repr).collect::<Vec<_>>().join(", "))
    } else {
        format!("[{}]", idx.first().map(repr).unwrap_or_default())
    };
    let msg = format!("BoundsError: attempt to access {what} at index {shown}");
    let tup = if idx.len() == 1 {
        format!("({},)", idx.first().map(repr).unwrap_or_default())
    } else {
        format!("({})", idx.iter().map(repr).collect::<Vec<_>>().join(", "))
    };
    let r = match container {
        Value::Str(_) => format!(
            "BoundsError({}, {})",
            repr(container),
            idx.first().map(repr).unwrap_or_default()
        ),
        _ => format!("BoundsError({}, {tup})", repr(container)),
    };
    exc("BoundsError", msg, r, vec![("a", container.clone())])
}

pub(crate) fn key_error(k: &Value) -> Exc {
    exc(
        "KeyError",
        format!("KeyError: key {} not found", repr(k)),
        format!("KeyError({})", repr(k)),
        vec![("key", k.clone())],
    )
}

pub fn argument_error(msg: &str) -> Exc {
    exc(
        "ArgumentError",
        format!("ArgumentError: {msg}"),
        format!("ArgumentError({})", repr_string(msg)),
        vec![("msg", Value::str(msg))],
    )
}

pub(crate) fn domain_error(val: &Value, msg: &str) -> Exc {
    exc(
        "DomainError",
        format!("DomainError with {}:\n{msg}", repr(val)),
        format!("DomainError({}, {})", repr(val), repr_string(msg)),
        vec![("val", val.clone()), ("msg", Value::str(msg))],
    )
}

pub(crate) fn inexact_error(func: &str, ty: &str, val: &Value) -> Exc {
    let msg = if func == ty {
        format!("InexactError: {func}({})", repr(val))
    } else {
        format!("InexactError: {func}({ty}, {})", repr(val))
    };
    exc(
        "InexactError",
        msg,
        format!("InexactError(:{func}, {ty}, {})", repr(val)),
        vec![("val", val.clone())],
    )
}

pub(crate) fn overflow_error(msg: &str) -> Exc {
    exc(
        "OverflowError",
        format!("OverflowError: {msg}"),
        format!("OverflowError({})", repr_string(msg)),
        vec![("msg", Value::str(msg))],
    )
}

pub(crate) fn stack_overflow() -> Exc {
    exc(
        "StackOverflowError",
        "StackOverflowError:".into(),
        "StackOverflowError()".into(),
        vec![],
    )
}

pub(crate) fn type_error_bool(v: &Value) -> Exc {
    let t = type_name(&typeof_val(v));
    exc(
        "TypeError",
        format!("TypeError: non-boolean ({t}) used in boolean context"),
        format!("TypeError(:if, \"\", Bool, {})", repr(v)),
        vec![],
    )
}

pub(crate) fn type_error(func: &str, expected: &str, got: &Value) -> Exc {
    let t = type_name(&typeof_val(got));
    exc(
        "TypeError",
        format!("TypeError: in {func}, expected {expected}, got a value of type {t}"),
        format!("TypeError(:{func}, \"\", {expected}, {})", repr(got)),
        vec![],
    )
}

pub(crate) fn assertion_error(msg: &str) -> Exc {
    exc(
        "AssertionError",
        format!("AssertionError: {msg}"),
        format!("AssertionError({})", repr_string(msg)),
        vec![("msg", Value::str(msg))],
    )
}

pub(crate) fn dimension_mismatch(msg: &str) -> Exc {
    exc(
        "DimensionMismatch",
        format!("DimensionMismatch: {msg}"),
        format!("DimensionMismatch({})", repr_string(msg)),
        vec![("msg", Value::str(msg))],
    )
}

pub(crate) fn undef_keyword(k: &str) -> Exc {
    exc(
        "UndefKeywordError",
        format!("UndefKeywordError: keyword argument `{k}` not assigned"),
        format!("UndefKeywordError(:{k})"),
        vec![],
    )
}

pub(crate) fn string_index_error(s: &str, i: i64) -> Exc {
    let msg = format!("StringIndexError: invalid index [{i}]");
    exc(
        "StringIndexError",
        msg,
        format!("StringIndexError({}, {i})", repr_string(s)),
        vec![],
    )
}

pub(crate) fn interrupt(detail: &str) -> Exc {
    exc(
        "InterruptException",
        format!("InterruptException:\n{detail}"),
        "InterruptException()".into(),
        vec![],
    )
}

pub(crate) fn out_of_memory(detail: &str) -> Exc {
    exc(
        "OutOfMemoryError",
        format!("OutOfMemoryError()\n{detail}"),
        "OutOfMemoryError()".into(),
        vec![],
    )
}

/// A user-defined or native module's exception type (shown like its repr).
pub fn custom(ty: &str, args: &[Value]) -> Exc {
    let r = format!(
        "{ty}({})",
        args.iter().map(repr).collect::<Vec<_>>().join(", ")
    );
    let msg = match args.first() {
        Some(Value::Str(s)) if args.len() == 1 => format!("{ty}: {s}"),
        _ => r.clone(),
    };
    exc(ty, msg, r, vec![])
}

/// `throw(x)` for a non-exception value
pub(crate) fn from_value(v: Value) -> Exc {
    match v {
        Value::Exception(e) => (*e).clone(),
        v => {
            let t = type_name(&typeof_val(&v));
            Exc {
                ty: t.into(),
                msg: repr(&v),
                repr: repr(&v),
                fields: vec![],
                value: Some(v),
                base_frame: None,
            }
        }
    }
}

pub(crate) fn to_value(e: Exc) -> Value {
    match e.value {
        Some(v) => v,
        None => Value::Exception(Arc::new(e)),
    }
}

/// One frame of a user-visible stack trace.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    /// e.g. `f(x::Int64)`; None = top-level scope
    pub func: Option<String>,
    pub line: u32,
    /// location override (Base frames)
    pub loc: Option<String>,
}

/// Render a stack trace in Julia's layout: user frames first, then the host's own frames
/// (`Host::trace_frames`: the code that called `eval`, e.g. a server's request handler).
pub(crate) fn stacktrace(frames: &[Frame], host_frames: &[(&str, &str)]) -> String {
    let mut all: Vec<(String, String)> = Vec::new();
    let mut user: Vec<&Frame> = frames.iter().collect();
    if user.len() > 20 {
        // Julia collapses repeated frames; we keep the innermost 10 and the outermost 10
        let mut v: Vec<&Frame> = user[..10].to_vec();
        v.extend_from_slice(&user[user.len() - 10..]);
        user = v;
    }
    for f in user {
        match &f.func {
            _ if f.loc.is_some() => all.push((
                f.func.clone().unwrap_or_default(),
                f.loc.clone().unwrap_or_default(),
            )),
            None => all.push(("top-level scope".into(), format!("none:{}", f.line))),
            Some(sig) => all.push((sig.clone(), format!("Main ./none:{}", f.line))),
        }
    }
    for (a, b) in host_frames {
        all.push((a.to_string(), b.to_string()));
    }
    let width = all.len().to_string().len();
    let mut out = String::from("Stacktrace:\n");
    for (i, (sig, loc)) in all.iter().enumerate() {
        let idx = format!("[{}]", i + 1);
        out.push_str(&format!(
            "{:>w$} {sig}\n{:w2$}@ {loc}",
            idx,
            "",
            w = width + 3,
            w2 = width + 2
        ));
        if i + 1 < all.len() {
            out.push('\n');
        }
    }
    out
}

/// Message of an exception for `string(e)` vs showerror, used by `sprint(showerror, e)`
pub(crate) fn showerror(e: &Exc) -> String {
    e.msg.clone()
}

pub(crate) fn exc_field(e: &Exc, name: &str) -> Option<Value> {
    e.fields
        .iter()
        .find(|(n, _)| &**n == name)
        .map(|(_, v)| v.clone())
}
