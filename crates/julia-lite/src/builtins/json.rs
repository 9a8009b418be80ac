//! `JSON.json` / `JSON.parse` following JSON.jl 0.21. Dict keys keep insertion order.

use super::{BFn, R, as_int, merr};
use crate::errors;
use crate::show::{fmt_float, to_string};
use crate::value::*;
use crate::vm::Vm;
use std::sync::{Arc, Mutex};

type K<'a> = &'a [(Name, Value)];

pub(crate) fn escape_json(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

struct W {
    out: String,
    indent: Option<usize>,
}

impl W {
    fn nl(&mut self, level: usize) {
        if let Some(n) = self.indent {
            self.out.push('\n');
            for _ in 0..n * level {
                self.out.push(' ');
            }
        }
    }

    fn seq(&mut self, items: &[Value], level: usize) -> Result<(), Exc> {
        self.out.push('[');
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.nl(level + 1);
            self.write(x, level + 1)?;
        }
        if !items.is_empty() {
            self.nl(level);
        }
        self.out.push(']');
        Ok(())
    }

    fn obj(&mut self, entries: &[(String, Value)], level: usize) -> Result<(), Exc> {
        self.out.push('{');
        for (i, (k, x)) in entries.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.nl(level + 1);
            escape_json(k, &mut self.out);
            self.out.push(':');
            if self.indent.is_some() {
                self.out.push(' ');
            }
            self.write(x, level + 1)?;
        }
        if !entries.is_empty() {
            self.nl(level);
        }
        self.out.push('}');
        Ok(())
    }

    fn write(&mut self, v: &Value, level: usize) -> Result<(), Exc> {
        if level > 64 {
            return Err(errors::error_exception("JSON.json: nesting too deep"));
        }
        match v {
            Value::Nothing | Value::Missing => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::Float(f) => {
                if f.is_finite() {
                    self.out.push_str(&fmt_float(*f))
                } else {
                    self.out.push_str("null")
                }
            }
            Value::Str(s) | Value::Sym(s) => escape_json(s, &mut self.out),
            Value::Char(c) => escape_json(&c.to_string(), &mut self.out),
            Value::Array(a) => {
                let (data, dims) = {
                    let g = lock(a);
                    (g.data.clone(), g.dims)
                };
                match dims {
                    Some((r, c)) => {
                        let cols: Vec<Value> = (0..c)
                            .map(|j| Value::vector(Ty::Any, data[j * r..(j + 1) * r].to_vec()))
                            .collect();
                        self.seq(&cols, level)?;
                    }
                    None => self.seq(&data, level)?,
                }
            }
            Value::Tuple(t) => self.seq(t, level)?,
            Value::Range(_) | Value::FRange(_) => {
                let items = super::collections::items_simple(v).unwrap_or_default();
                self.seq(&items, level)?;
            }
            Value::Pair(p) => self.obj(&[(to_string(&p.0), p.1.clone())], level)?,
            Value::Dict(d) => {
                let entries: Vec<(String, Value)> = lock(d)
                    .entries
                    .iter()
                    .map(|(k, x)| (to_string(k), x.clone()))
                    .collect();
                self.obj(&entries, level)?;
            }
            Value::NamedTuple(nt) => {
                let entries: Vec<(String, Value)> =
                    nt.0.iter()
                        .zip(nt.1.iter())
                        .map(|(k, x)| (k.to_string(), x.clone()))
                        .collect();
                self.obj(&entries, level)?;
            }
            Value::Struct(s) => {
                let vals = lock(&s.fields).clone();
                let entries: Vec<(String, Value)> = s
                    .def
                    .fields
                    .iter()
                    .zip(vals)
                    .map(|((k, _), x)| (k.to_string(), x))
                    .collect();
                self.obj(&entries, level)?;
            }
            Value::Exception(e) => {
                let entries: Vec<(String, Value)> = e
                    .fields
                    .iter()
                    .map(|(k, x)| (k.to_string(), x.clone()))
                    .collect();
                self.obj(&entries, level)?;
            }
            other => escape_json(&to_string(other), &mut self.out),
        }
        Ok(())
    }
}

pub(crate) fn to_json(v: &Value, indent: Option<usize>) -> Result<String, Exc> {
    let mut w = W {
        out: String::new(),
        indent,
    };
    w.write(v, 0)?;
    if indent.is_some() {
        w.out.push('\n');
    }
    Ok(w.out)
}

fn b_json(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (v, indent) = match a {
        [v] => (v, None),
        [v, n] => (
            v,
            Some(as_int(n).ok_or_else(|| merr("json", a))?.max(0) as usize),
        ),
        _ => return Err(merr("json", a)),
    };
    let s = to_json(v, indent)?;
    vm.alloc(s.len(), true)?;
    Ok(Value::string(s))
}

fn b_print_json(vm: &mut Vm, a: &[Value], k: K) -> R {
    let s = b_json(vm, a, k)?;
    vm.write_out(&to_string(&s));
    Ok(Value::Nothing)
}

pub(crate) fn from_serde(v: &serde_json::Value, depth: usize) -> Value {
    match v {
        serde_json::Value::Null => Value::Nothing,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(items) => {
            if depth > 128 {
                return Value::Nothing;
            }
            Value::vector(
                Ty::Any,
                items.iter().map(|x| from_serde(x, depth + 1)).collect(),
            )
        }
        serde_json::Value::Object(m) => {
            let mut d = DictV::new(Ty::String, Ty::Any);
            if depth <= 128 {
                for (k, x) in m {
                    d.insert(Value::str(k), from_serde(x, depth + 1));
                }
            }
            Value::Dict(Arc::new(Mutex::new(d)))
        }
    }
}

fn b_parse(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Str(s)] = a else {
        return Err(merr("parse", a));
    };
    vm.alloc(s.len() * 4, true)?;
    let mut de = serde_json::Deserializer::from_str(s);
    let parsed: Result<serde_json::Value, _> = serde::Deserialize::deserialize(&mut de);
    match parsed.and_then(|v| de.end().map(|_| v)) {
        Ok(v) => Ok(from_serde(&v, 0)),
        Err(e) => Err(errors::error_exception(&format!(
            "Unexpected character\nLine: {}\nAround: ...{}...",
            e.line().saturating_sub(1),
            e.column()
        ))),
    }
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("JSON.json", b_json),
    ("JSON.parse", b_parse),
    ("JSON.print", b_print_json),
    ("JSON3.write", b_json),
    ("JSON3.read", b_parse),
];
