//! String functions.

use super::{BFn, R, as_int, kwarg, merr};
use crate::errors;
use crate::show::{fmt_float, repr, repr_string, to_string};
use crate::types::type_name;
use crate::value::*;
use crate::vm::Vm;

type K<'a> = &'a [(Name, Value)];

fn s_of<'a>(name: &str, a: &'a [Value], i: usize) -> Result<&'a str, Exc> {
    match a.get(i) {
        Some(Value::Str(s)) => Ok(s),
        _ => Err(merr(name, a)),
    }
}

fn b_string(vm: &mut Vm, a: &[Value], k: K) -> R {
    if let (Some(base), [Value::Int(i)]) = (kwarg(k, "base"), a) {
        let b = as_int(base).unwrap_or(10);
        return Ok(Value::string(int_to_base(*i, b as u32)));
    }
    let mut s = String::new();
    for v in a {
        s.push_str(&to_string(v));
    }
    vm.alloc(s.len(), true)?;
    Ok(Value::string(s))
}

fn int_to_base(i: i64, b: u32) -> String {
    if !(2..=36).contains(&b) {
        return i.to_string();
    }
    let neg = i < 0;
    let mut n = i.unsigned_abs();
    let mut digits = Vec::new();
    if n == 0 {
        digits.push('0');
    }
    while n > 0 {
        digits.push(std::char::from_digit((n % b as u64) as u32, b).unwrap_or('?'));
        n /= b as u64;
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

fn b_repr(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [v] => Ok(Value::string(repr(v))),
        _ => Err(merr("repr", a)),
    }
}

fn map_str(name: &str, a: &[Value], f: fn(&str) -> String, fc: fn(char) -> char) -> R {
    match a {
        [Value::Str(s)] => Ok(Value::string(f(s))),
        [Value::Char(c)] => Ok(Value::Char(fc(*c))),
        _ => Err(merr(name, a)),
    }
}

fn b_uppercase(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    map_str(
        "uppercase",
        a,
        |s| s.to_uppercase(),
        |c| c.to_uppercase().next().unwrap_or(c),
    )
}
fn b_lowercase(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    map_str(
        "lowercase",
        a,
        |s| s.to_lowercase(),
        |c| c.to_lowercase().next().unwrap_or(c),
    )
}
fn b_uppercasefirst(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    map_str(
        "uppercasefirst",
        a,
        |s| {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        },
        |c| c.to_uppercase().next().unwrap_or(c),
    )
}
fn b_lowercasefirst(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    map_str(
        "lowercasefirst",
        a,
        |s| {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        },
        |c| c.to_lowercase().next().unwrap_or(c),
    )
}
fn b_titlecase(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    map_str(
        "titlecase",
        a,
        |s| {
            let mut out = String::new();
            let mut start = true;
            for c in s.chars() {
                if c.is_alphabetic() {
                    if start {
                        out.extend(c.to_uppercase());
                    } else {
                        out.extend(c.to_lowercase());
                    }
                    start = false;
                } else {
                    out.push(c);
                    start = true;
                }
            }
            out
        },
        |c| c.to_uppercase().next().unwrap_or(c),
    )
}

fn b_split(vm: &mut Vm, a: &[Value], k: K) -> R {
    let s = s_of("split", a, 0)?;
    let keepempty_default = a.len() > 1;
    let keepempty = match kwarg(k, "keepempty") {
        Some(Value::Bool(b)) => *b,
        _ => keepempty_default,
    };
    let limit = kwarg(k, "limit").and_then(as_int).unwrap_or(0);
    let parts: Vec<String> = match a.get(1) {
        None => s.split_whitespace().map(|x| x.to_string()).collect(),
        Some(Value::Str(d)) => {
            if d.is_empty() {
                s.chars().map(|c| c.to_string()).collect()
            } else if limit > 0 {
                s.splitn(limit as usize, &**d)
                    .map(|x| x.to_string())
                    .collect()
            } else {
                s.split(&**d).map(|x| x.to_string()).collect()
            }
        }
        Some(Value::Char(c)) => {
            if limit > 0 {
                s.splitn(limit as usize, *c)
                    .map(|x| x.to_string())
                    .collect()
            } else {
                s.split(*c).map(|x| x.to_string()).collect()
            }
        }
        Some(Value::Array(arr)) => {
            let seps: Vec<char> = lock(arr)
                .data
                .iter()
                .filter_map(|v| {
                    if let Value::Char(c) = v {
                        Some(*c)
                    } else {
                        None
                    }
                })
                .collect();
            s.split(|c| seps.contains(&c))
                .map(|x| x.to_string())
                .collect()
        }
        _ => return Err(merr("split", a)),
    };
    let parts: Vec<Value> = parts
        .into_iter()
        .filter(|p| keepempty || !p.is_empty())
        .map(Value::string)
        .collect();
    vm.alloc(parts.len(), false)?;
    Ok(Value::vector(Ty::Struct("SubString{String}".into()), parts))
}

fn b_join(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let Some(coll) = a.first() else {
        return Err(merr("join", a));
    };
    let items = super::collections::iterate_items(vm, coll)?;
    let delim = a.get(1).map(to_string).unwrap_or_default();
    let last = a.get(2).map(to_string);
    let mut out = String::new();
    let n = items.len();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            if i == n - 1 {
                out.push_str(last.as_deref().unwrap_or(&delim));
            } else {
                out.push_str(&delim);
            }
        }
        out.push_str(&to_string(x));
    }
    vm.alloc(out.len(), true)?;
    Ok(Value::string(out))
}

fn b_replace(vm: &mut Vm, a: &[Value], k: K) -> R {
    let s = s_of("replace", a, 0)?;
    let count = kwarg(k, "count").and_then(as_int);
    let mut out = s.to_string();
    for p in &a[1..] {
        let Value::Pair(p) = p else {
            return Err(merr("replace", a));
        };
        let rep = to_string(&p.1);
        out = match &p.0 {
            Value::Str(pat) => {
                if pat.is_empty() {
                    out
                } else {
                    match count {
                        Some(c) => out.replacen(&**pat, &rep, c.max(0) as usize),
                        None => out.replace(&**pat, &rep),
                    }
                }
            }
            Value::Char(c) => match count {
                Some(n) => out.replacen(*c, &rep, n.max(0) as usize),
                None => out.replace(*c, &rep),
            },
            _ => {
                return Err(errors::error_exception(
                    "replace: only String and Char patterns are supported (no Regex)",
                ));
            }
        };
        if out.len() > vm.limits.max_memory_bytes {
            vm.alloc(out.len(), true)?;
        }
    }
    Ok(Value::string(out))
}

fn needle_hay<'a>(
    name: &str,
    a: &'a [Value],
    ni: usize,
    hi: usize,
) -> Result<(String, &'a str), Exc> {
    let hay = s_of(name, a, hi)?;
    let needle = match a.get(ni) {
        Some(Value::Str(s)) => s.to_string(),
        Some(Value::Char(c)) => c.to_string(),
        _ => return Err(merr(name, a)),
    };
    Ok((needle, hay))
}

fn b_occursin(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (n, h) = needle_hay("occursin", a, 0, 1)?;
    Ok(Value::Bool(h.contains(&n)))
}
fn b_contains(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (n, h) = needle_hay("contains", a, 1, 0)?;
    Ok(Value::Bool(h.contains(&n)))
}
fn b_startswith(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (n, h) = needle_hay("startswith", a, 1, 0)?;
    Ok(Value::Bool(h.starts_with(&n)))
}
fn b_endswith(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let (n, h) = needle_hay("endswith", a, 1, 0)?;
    Ok(Value::Bool(h.ends_with(&n)))
}

fn strip_set(a: &[Value]) -> Option<Vec<char>> {
    match a.get(1) {
        Some(Value::Char(c)) => Some(vec![*c]),
        Some(Value::Array(arr)) => Some(
            lock(arr)
                .data
                .iter()
                .filter_map(|v| {
                    if let Value::Char(c) = v {
                        Some(*c)
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        _ => None,
    }
}
fn b_strip(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = s_of("strip", a, 0)?;
    Ok(Value::string(match strip_set(a) {
        Some(cs) => s.trim_matches(|c| cs.contains(&c)).to_string(),
        None => s.trim().to_string(),
    }))
}
fn b_lstrip(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = s_of("lstrip", a, 0)?;
    Ok(Value::string(match strip_set(a) {
        Some(cs) => s.trim_start_matches(|c| cs.contains(&c)).to_string(),
        None => s.trim_start().to_string(),
    }))
}
fn b_rstrip(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = s_of("rstrip", a, 0)?;
    Ok(Value::string(match strip_set(a) {
        Some(cs) => s.trim_end_matches(|c| cs.contains(&c)).to_string(),
        None => s.trim_end().to_string(),
    }))
}
fn b_chomp(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = s_of("chomp", a, 0)?;
    Ok(Value::string(
        s.strip_suffix("\r\n")
            .or_else(|| s.strip_suffix('\n'))
            .unwrap_or(s)
            .to_string(),
    ))
}
fn b_chop(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = s_of("chop", a, 0)?;
    let mut c: Vec<char> = s.chars().collect();
    c.pop();
    Ok(Value::string(c.into_iter().collect()))
}

fn parse_int(s: &str, base: u32) -> Result<i64, Exc> {
    let t = s.trim();
    if t.is_empty() {
        return Err(errors::argument_error(
            "input string is empty or only contains whitespace",
        ));
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let mut v: i64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(base) else {
            return Err(errors::argument_error(&format!(
                "invalid base {base} digit {} in {}",
                crate::show::repr_char(c),
                repr_string(s)
            )));
        };
        v = match v.checked_mul(base as i64).and_then(|x| {
            if neg {
                x.checked_sub(d as i64)
            } else {
                x.checked_add(d as i64)
            }
        }) {
            Some(x) => x,
            None => {
                return Err(errors::overflow_error(&format!(
                    "overflow parsing {}",
                    repr_string(s)
                )));
            }
        };
    }
    if digits.is_empty() {
        return Err(errors::argument_error(&format!(
            "premature end of integer: {}",
            repr_string(s)
        )));
    }
    Ok(v)
}

fn parse_float(s: &str) -> Result<f64, Exc> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let v = match lower.as_str() {
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        _ if t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) && !t.is_empty() => {
            t.parse::<f64>().ok()
        }
        _ => None,
    };
    v.ok_or_else(|| errors::argument_error(&format!("cannot parse {} as Float64", repr_string(s))))
}

fn do_parse(a: &[Value], k: K) -> R {
    let base = kwarg(k, "base").and_then(as_int).unwrap_or(10) as u32;
    match a {
        [Value::Type(t), Value::Str(s)] => match **t {
            Ty::Int64 => Ok(Value::Int(parse_int(s, base)?)),
            Ty::Float64 => Ok(Value::Float(parse_float(s)?)),
            Ty::Bool => match s.trim() {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(errors::argument_error(&format!(
                    "invalid Bool representation: {}",
                    repr_string(s)
                ))),
            },
            _ => Err(merr("parse", a)),
        },
        [Value::Type(t), Value::Char(c)] if **t == Ty::Int64 => match c.to_digit(base) {
            Some(d) => Ok(Value::Int(d as i64)),
            None => Err(errors::argument_error(&format!(
                "invalid base {base} digit {}",
                crate::show::repr_char(*c)
            ))),
        },
        _ => Err(merr("parse", a)),
    }
}
fn b_parse(_vm: &mut Vm, a: &[Value], k: K) -> R {
    do_parse(a, k)
}
fn b_tryparse(_vm: &mut Vm, a: &[Value], k: K) -> R {
    match do_parse(a, k) {
        Ok(v) => Ok(v),
        Err(e) if &*e.ty == "MethodError" => Err(e),
        Err(_) => Ok(Value::Nothing),
    }
}

fn b_ncodeunits(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(s)] => Ok(Value::Int(s.len() as i64)),
        _ => Err(merr("ncodeunits", a)),
    }
}
fn b_sizeof(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(s)] => Ok(Value::Int(s.len() as i64)),
        [Value::Int(_)] | [Value::Float(_)] => Ok(Value::Int(8)),
        [Value::Array(arr)] => Ok(Value::Int(lock(arr).data.len() as i64 * 8)),
        _ => Err(merr("sizeof", a)),
    }
}
fn b_repeat(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(_), Value::Int(_)] | [Value::Char(_), Value::Int(_)] => {
            super::math::pow(vm, a, &[])
        }
        [v @ Value::Array(_), Value::Int(n)] => {
            let items = super::collections::iterate_items(vm, v)?;
            let n = (*n).max(0) as usize;
            vm.alloc(items.len().saturating_mul(n), false)?;
            let t = match v {
                Value::Array(arr) => lock(arr).elty.clone(),
                _ => Ty::Any,
            };
            let mut out = Vec::new();
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            Ok(Value::vector(t, out))
        }
        _ => Err(merr("repeat", a)),
    }
}
fn b_findfirst_str(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(n), Value::Str(h)] => Ok(match h.find(&**n) {
            Some(i) => {
                let end = i + n.len();
                let last = h[..end]
                    .char_indices()
                    .last()
                    .map(|(j, _)| j + 1)
                    .unwrap_or(i + 1);
                Value::range(i as i64 + 1, 1, last as i64)
            }
            None => Value::Nothing,
        }),
        [Value::Char(c), Value::Str(h)] => Ok(h
            .find(*c)
            .map(|i| Value::Int(i as i64 + 1))
            .unwrap_or(Value::Nothing)),
        _ => Err(merr("findfirst", a)),
    }
}
fn cpred(name: &str, a: &[Value], f: fn(char) -> bool) -> R {
    match a {
        [Value::Char(c)] => Ok(Value::Bool(f(*c))),
        _ => Err(merr(name, a)),
    }
}
fn b_isdigit(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("isdigit", a, |c| c.is_ascii_digit())
}
fn b_isletter(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("isletter", a, char::is_alphabetic)
}
fn b_isspace(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("isspace", a, char::is_whitespace)
}
fn b_isuppercase(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("isuppercase", a, char::is_uppercase)
}
fn b_islowercase(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("islowercase", a, char::is_lowercase)
}
fn b_isnumeric(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("isnumeric", a, char::is_numeric)
}
fn b_isalnum(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    cpred("isalnum", a, char::is_alphanumeric)
}
fn b_isascii(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Str(s)] => Ok(Value::Bool(s.is_ascii())),
        _ => cpred("isascii", a, |c| c.is_ascii()),
    }
}
fn b_codepoint(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Char(c)] => Ok(Value::Int(*c as i64)),
        _ => Err(merr("codepoint", a)),
    }
}
fn pad(name: &str, a: &[Value], left: bool) -> R {
    let s = match a.first() {
        Some(v) => to_string(v),
        None => return Err(merr(name, a)),
    };
    let n = a.get(1).and_then(as_int).ok_or_else(|| merr(name, a))?;
    let p = a.get(2).map(to_string).unwrap_or_else(|| " ".into());
    let len = s.chars().count() as i64;
    if n <= len || p.is_empty() {
        return Ok(Value::string(s));
    }
    let need = (n - len).min(1 << 24) as usize;
    let fill: String = p.chars().cycle().take(need).collect();
    Ok(Value::string(if left { fill + &s } else { s + &fill }))
}
fn b_lpad(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pad("lpad", a, true)
}
fn b_rpad(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    pad("rpad", a, false)
}
fn b_cmp(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [x, y] => {
            let lt = super::math::isless(x, y)?;
            let gt = super::math::isless(y, x)?;
            Ok(Value::Int(if lt {
                -1
            } else if gt {
                1
            } else {
                0
            }))
        }
        _ => Err(merr("cmp", a)),
    }
}

/// Minimal printf: %d %i %s %f %.Nf %e %g %x %c %%
pub(crate) fn sprintf(fmt: &str, args: &[Value]) -> Result<String, Exc> {
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    let mut ai = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // flags, then width, then .precision
        let (mut left, mut plus, mut space, mut zero) = (false, false, false, false);
        while let Some(&d) = it.peek() {
            match d {
                '-' => left = true,
                '+' => plus = true,
                ' ' => space = true,
                '0' => zero = true,
                _ => break,
            }
            it.next();
        }
        let mut spec_t = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit() || d == '.' {
                spec_t.push(d);
                it.next();
            } else {
                break;
            }
        }
        let Some(conv) = it.next() else { break };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = args
            .get(ai)
            .cloned()
            .ok_or_else(|| errors::argument_error("@printf: wrong number of arguments"))?;
        ai += 1;
        let (width, prec) = match spec_t.split_once('.') {
            Some((w, p)) => (
                w.parse::<usize>().unwrap_or(0),
                Some(p.parse::<usize>().unwrap_or(0)),
            ),
            None => (spec_t.parse::<usize>().unwrap_or(0), None),
        };
        // bounded so a format string cannot allocate unbounded memory
        let (width, prec) = (width.min(4096), prec.map(|p| p.min(350)));
        let f = super::as_f64(&arg);
        let nonfinite = f.filter(|x| !x.is_finite() && "fFeEgG".contains(conv));
        let body = match conv {
            // Julia prints non-finite floats as Inf / NaN in every float conversion
            _ if nonfinite.is_some() => match nonfinite {
                Some(x) if x.is_nan() => "NaN".to_string(),
                Some(x) if x < 0.0 => "-Inf".to_string(),
                _ => "Inf".to_string(),
            },
            'd' | 'i' => match &arg {
                Value::Int(i) => i.to_string(),
                Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => {
                    format!("{}", *x as i64)
                }
                Value::Bool(b) => (*b as i64).to_string(),
                other => {
                    return Err(errors::error_exception(&format!(
                        "@printf: %{conv} of {} is not supported by julia-lite",
                        repr(other)
                    )));
                }
            },
            's' => {
                let s = to_string(&arg);
                match prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'f' | 'F' => format!("{:.*}", prec.unwrap_or(6), f.unwrap_or(f64::NAN)),
            'e' | 'E' => {
                let s = format!("{:.*e}", prec.unwrap_or(6), f.unwrap_or(f64::NAN));
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let ev: i32 = e.parse().unwrap_or(0);
                let e = if conv == 'E' { 'E' } else { 'e' };
                format!("{m}{e}{}{:02}", if ev < 0 { '-' } else { '+' }, ev.abs())
            }
            'g' | 'G' => match f {
                Some(x) => {
                    let p = prec.unwrap_or(6).max(1);
                    let exp = if x == 0.0 {
                        0
                    } else {
                        x.abs().log10().floor() as i32
                    };
                    if exp < -4 || exp >= p as i32 {
                        let s = format!("{:.*e}", p - 1, x);
                        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                        let m = if m.contains('.') {
                            m.trim_end_matches('0').trim_end_matches('.')
                        } else {
                            m
                        };
                        let ev: i32 = e.parse().unwrap_or(0);
                        let e = if conv == 'G' { 'E' } else { 'e' };
                        format!("{m}{e}{}{:02}", if ev < 0 { '-' } else { '+' }, ev.abs())
                    } else {
                        let s = format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, x);
                        if s.contains('.') {
                            s.trim_end_matches('0').trim_end_matches('.').to_string()
                        } else {
                            s
                        }
                    }
                }
                None => to_string(&arg),
            },
            'x' => format!("{:x}", as_int(&arg).unwrap_or(0)),
            'X' => format!("{:X}", as_int(&arg).unwrap_or(0)),
            'o' => format!("{:o}", as_int(&arg).unwrap_or(0)),
            'c' => to_string(&arg),
            other => {
                return Err(errors::argument_error(&format!(
                    "@printf: unsupported format %{other}"
                )));
            }
        };
        let numeric = "dieEfFgG".contains(conv) && f.is_some();
        let body = if numeric && !body.starts_with('-') && (plus || space) {
            format!("{}{body}", if plus { '+' } else { ' ' })
        } else {
            body
        };
        // zero padding applies to finite numbers only
        let zero = zero && nonfinite.is_none() && numeric;
        let n = body.chars().count();
        if n < width {
            let padc = if zero && !left { '0' } else { ' ' };
            let fill: String = std::iter::repeat_n(padc, width - n).collect();
            if left {
                out.push_str(&body);
                out.push_str(&fill);
            } else if padc == '0' && body.starts_with(['-', '+', ' ']) {
                out.push_str(&body[..1]);
                out.push_str(&fill);
                out.push_str(&body[1..]);
            } else {
                out.push_str(&fill);
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
    }
    Ok(out)
}

fn b_sprintf(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a.first() {
        Some(Value::Str(f)) => Ok(Value::string(sprintf(f, &a[1..])?)),
        _ => Err(merr("@sprintf", a)),
    }
}
fn b_printf(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a.first() {
        Some(Value::Str(f)) => {
            let s = sprintf(f, &a[1..])?;
            vm.write_out(&s);
            Ok(Value::Nothing)
        }
        _ => Err(merr("@printf", a)),
    }
}
fn b_typename_str(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Type(t)] => Ok(Value::string(type_name(t))),
        _ => Err(merr("_typename", a)),
    }
}
fn b_float_str(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(f)] => Ok(Value::string(fmt_float(*f))),
        _ => Err(merr("_float_str", a)),
    }
}

/// `splitext(path)`: `(root, extension)`, the extension being the last `.` of the last path
/// component and what follows, unless that `.` starts the component (Julia's
/// `r"^((?:.*/)?(?:\.|[^/\.])[^/]*?)(\.[^/\.]*|)$"`: `splitext(".bashrc")` has no
/// extension).
fn b_splitext(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Str(p)] = a else {
        return Err(merr("splitext", a));
    };
    let base_start = p.rfind('/').map_or(0, |i| i + 1);
    let base = &p[base_start..];
    // the component's first character is never the extension's dot
    let first_len = base.chars().next().map_or(0, char::len_utf8);
    let (root, ext) = match base[first_len..].rfind('.') {
        Some(i) => p.split_at(base_start + first_len + i),
        None => (&p[..], ""),
    };
    Ok(Value::tuple(vec![Value::str(root), Value::str(ext)]))
}

pub(crate) const FNS: &[(&str, BFn)] = &[
    ("string", b_string),
    ("repr", b_repr),
    ("uppercase", b_uppercase),
    ("lowercase", b_lowercase),
    ("uppercasefirst", b_uppercasefirst),
    ("lowercasefirst", b_lowercasefirst),
    ("titlecase", b_titlecase),
    ("split", b_split),
    ("join", b_join),
    ("replace", b_replace),
    ("occursin", b_occursin),
    ("contains", b_contains),
    ("startswith", b_startswith),
    ("endswith", b_endswith),
    ("strip", b_strip),
    ("lstrip", b_lstrip),
    ("rstrip", b_rstrip),
    ("chomp", b_chomp),
    ("chop", b_chop),
    ("parse", b_parse),
    ("tryparse", b_tryparse),
    ("ncodeunits", b_ncodeunits),
    ("sizeof", b_sizeof),
    ("repeat", b_repeat),
    ("findfirst", b_findfirst_str),
    ("isdigit", b_isdigit),
    ("isletter", b_isletter),
    ("isspace", b_isspace),
    ("isuppercase", b_isuppercase),
    ("islowercase", b_islowercase),
    ("isnumeric", b_isnumeric),
    ("isalnum", b_isalnum),
    ("isascii", b_isascii),
    ("codepoint", b_codepoint),
    ("lpad", b_lpad),
    ("rpad", b_rpad),
    ("cmp", b_cmp),
    ("splitext", b_splitext),
    ("_sprintf", b_sprintf),
    ("_printf", b_printf),
    ("Printf.@sprintf", b_sprintf),
    ("_typename", b_typename_str),
    ("_float_str", b_float_str),
];
