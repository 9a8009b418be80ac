//! Output and time: `print`/`println`/`show`/`display`, `IOBuffer`, `sprint`, `showerror`, logging macros, `sleep`, `time`.

use super::*;

pub(super) fn b_sleep(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let secs = match a {
        [v] => as_f64(v).ok_or_else(|| merr("sleep", a))?,
        _ => return Err(merr("sleep", a)),
    };
    if secs < 0.0 || secs.is_nan() {
        return Err(errors::argument_error(&format!(
            "cannot sleep for {} seconds",
            crate::show::fmt_float(secs)
        )));
    }
    let secs = secs.min(1.0e9);
    vm.sleep_req = Some(std::time::Duration::from_secs_f64(secs));
    Ok(Value::Nothing)
}

pub(super) fn b_time(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    if !a.is_empty() {
        return Err(merr("time", a));
    }
    Ok(Value::Float(vm.host.now()))
}

pub(super) fn b_time_ns(vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Ok(Value::Int((vm.host.now() * 1e9) as i64))
}

pub(super) fn b_elapsed(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let t0 = a.first().and_then(as_f64).unwrap_or(0.0);
    Ok(Value::Float(vm.host.now() - t0))
}

pub(super) fn b_time_report(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let t0 = a.first().and_then(as_f64).unwrap_or(0.0);
    let dt = (vm.host.now() - t0).max(0.0);
    vm.write_out(&format!("  {dt:.6} seconds\n"));
    Ok(Value::Nothing)
}

/// Write to stdout/stderr (captured output) or to an IOBuffer given as first argument.
pub(super) fn emit(vm: &mut Vm, a: &[Value], s: String) -> Result<(), Exc> {
    if let Some(buf) = a.first().and_then(iobuffer_data) {
        vm.alloc(s.len(), true)?;
        vm.alloc_push(&buf, 1)?;
        lock(&buf).data.push(Value::string(s));
    } else {
        vm.write_out(&s);
    }
    Ok(())
}

pub(super) fn strip_io(a: &[Value]) -> &[Value] {
    match a.first() {
        Some(v) if is_io(v) => &a[1..],
        _ => a,
    }
}

pub(super) fn b_print(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let mut s = String::new();
    for v in strip_io(a) {
        s.push_str(&to_string(v));
    }
    emit(vm, a, s)?;
    Ok(Value::Nothing)
}

pub(super) fn b_println(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let mut s = String::new();
    for v in strip_io(a) {
        s.push_str(&to_string(v));
    }
    s.push('\n');
    emit(vm, a, s)?;
    Ok(Value::Nothing)
}

pub(super) fn b_show(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let s: String = strip_io(a).iter().map(repr).collect();
    emit(vm, a, s)?;
    Ok(Value::Nothing)
}

pub(super) fn b_iobuffer(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    if !a.is_empty() {
        return Err(merr("IOBuffer", a));
    }
    Ok(new_iobuffer())
}

pub(super) fn b_take(_vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [io] if iobuffer_data(io).is_some() => Ok(Value::string(iobuffer_take(io))),
        _ => Err(merr("take!", a)),
    }
}

pub(super) fn b_display(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    for v in a {
        let s = display(v)?;
        vm.write_out(&s);
        vm.write_out("\n");
    }
    Ok(Value::Nothing)
}

/// The REPL `display` form for common containers: vectors one element a line and matrices
/// one row a line, cells aligned as Julia aligns them (numbers on the decimal point).
pub(crate) fn display(v: &Value) -> Result<String, Exc> {
    Ok(match v {
        // Julia's text/plain show of an irrational: `π = 3.1415926535897...`
        Value::Irrational(c) => {
            let f = crate::show::to_string(&Value::Float(crate::value::irrational_f64(*c)));
            format!("{c} = {}...", &f[..f.len().min(15)])
        }
        Value::Array(arr) => {
            let (elty, data, dims, wrap) = {
                let g = lock(arr);
                (g.elty.clone(), g.data.clone(), g.dims, g.wrap)
            };
            if data.is_empty() && dims.is_none() {
                // Julia shows an empty vector as its repr: `Int64[]`
                return Ok(repr(v));
            }
            let (r, c) = dims.unwrap_or((data.len(), 1));
            let el = type_name(&elty);
            let mut s = match (dims, wrap) {
                // Julia 1.9 describes a wrapper by how it was made
                (Some(_), Wrap::AdjointVec) => {
                    format!("{r}×{c} adjoint(::Vector{{{el}}}) with eltype {el}")
                }
                (Some(_), Wrap::AdjointMat) => {
                    format!("{r}×{c} adjoint(::Matrix{{{el}}}) with eltype {el}")
                }
                (Some(_), Wrap::TransposeVec) => {
                    format!("{r}×{c} transpose(::Vector{{{el}}}) with eltype {el}")
                }
                (Some(_), Wrap::TransposeMat) => {
                    format!("{r}×{c} transpose(::Matrix{{{el}}}) with eltype {el}")
                }
                (Some(_), Wrap::None) => format!("{r}×{c} Matrix{{{el}}}"),
                (None, _) => format!(
                    "{}-element {}",
                    data.len(),
                    type_name(&Ty::vector(elty.clone()))
                ),
            };
            if data.is_empty() {
                return Ok(s);
            }
            s.push(':');
            // Julia shows matrices of several columns `:compact` (6 significant digits)
            let compact = c > 1;
            let mut cells = Vec::with_capacity(data.len());
            for x in &data {
                cells.push(display_cell(x, &elty, compact)?);
            }
            // per column: widest part before and after the alignment point
            let mut widths = vec![(0, 0); c];
            for (k, (left, right)) in cells.iter().enumerate() {
                let w = &mut widths[k / r.max(1)];
                w.0 = w.0.max(left.chars().count());
                w.1 = w.1.max(right.chars().count());
            }
            for i in 0..r {
                s.push('\n');
                for (j, (wl, wr)) in widths.iter().enumerate() {
                    let (left, right) = &cells[j * r + i];
                    s.push_str(if j == 0 { " " } else { "  " });
                    let pad_l = wl - left.chars().count();
                    s.extend(std::iter::repeat_n(' ', pad_l));
                    s.push_str(left);
                    s.push_str(right);
                    if j + 1 < c {
                        s.extend(std::iter::repeat_n(' ', wr - right.chars().count()));
                    }
                }
            }
            s
        }
        Value::Dict(d) => {
            let (kt, vt, entries) = {
                let g = lock(d);
                (g.kty.clone(), g.vty.clone(), g.entries.clone())
            };
            let n = entries.len();
            let mut s = format!(
                "Dict{{{}, {}}} with {n} {}",
                type_name(&kt),
                type_name(&vt),
                if n == 1 { "entry" } else { "entries" }
            );
            if n > 0 {
                s.push(':');
            }
            for (k, x) in &entries {
                s.push_str(&format!("\n  {} => {}", repr(k), repr(x)));
            }
            s
        }
        Value::Str(_) => repr(v),
        other => repr(other),
    })
}

/// One cell of a displayed array, split where Julia aligns it: reals before the first of
/// `.eEfF` (so a column lines up on the decimal point), anything else left-aligned. Floats in
/// `compact` (several-column) display are refused when their shortest form has more than
/// 6 significant digits (Julia would round them; julia-lite does not imitate that yet).
fn display_cell(x: &Value, elty: &Ty, compact: bool) -> Result<(String, String), Exc> {
    let text = match (x, elty) {
        (Value::Bool(b), Ty::Bool) => (if *b { "1" } else { "0" }).to_string(),
        (Value::F32(f), Ty::Float32) => crate::show::fmt_float32(*f, false),
        _ => repr(x),
    };
    let real = matches!(
        x,
        Value::Int(_) | Value::Float(_) | Value::F32(_) | Value::Bool(_)
    );
    if compact && matches!(x, Value::Float(_) | Value::F32(_)) {
        let digits = text
            .split(['e', 'E'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>();
        let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
        if significant > 6 {
            return Err(errors::error_exception(&format!(
                "display of a matrix with {text} is not supported by julia-lite (Julia shows it rounded to 6 digits)"
            )));
        }
    }
    if !real {
        if matches!(
            x,
            Value::Rational(..) | Value::ComplexI(..) | Value::ComplexF(..) | Value::Big(_)
        ) {
            return Err(errors::error_exception(
                "display of arrays of rational, complex or big numbers is not supported by julia-lite",
            ));
        }
        return Ok((String::new(), text));
    }
    let at = text.find(['.', 'e', 'E', 'f', 'F']).unwrap_or(text.len());
    Ok((text[..at].to_string(), text[at..].to_string()))
}

pub(super) fn b_log(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let level = a.first().map(to_string).unwrap_or_default();
    let msg: Vec<String> = a.iter().skip(1).map(to_string).collect();
    vm.write_out(&format!("[ {level}: {}\n", msg.join(" ")));
    Ok(Value::Nothing)
}

pub(super) fn b_sprint(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    match a {
        [Value::Builtin(f), v] if builtin_name(*f) == "showerror" => match v {
            Value::Exception(e) => Ok(Value::string(errors::showerror(e))),
            other => Ok(Value::string(repr(other))),
        },
        [Value::Builtin(f), v] if builtin_name(*f) == "show" => Ok(Value::string(repr(v))),
        [Value::Builtin(f), v] if builtin_name(*f) == "print" => Ok(Value::string(to_string(v))),
        [Value::Builtin(f), v] if builtin_name(*f) == "display" => Ok(Value::string(display(v)?)),
        [f @ (Value::Generic(_) | Value::Closure(_)), rest @ ..] => {
            let io = new_iobuffer();
            let mut args = vec![io.clone()];
            args.extend_from_slice(rest);
            crate::vm::call_sync(&vm.ws, &vm.host, &vm.limits, f.clone(), args)?;
            Ok(Value::string(iobuffer_take(&io)))
        }
        _ => Err(errors::error_exception(
            "sprint is supported with show, print, display, showerror and user functions f(io, x)",
        )),
    }
}

pub(super) fn b_showerror(vm: &mut Vm, a: &[Value], _k: &[(Name, Value)]) -> R {
    let v = match a {
        [Value::Module(_), v] | [v] => v,
        _ => return Err(merr("showerror", a)),
    };
    let s = match v {
        Value::Exception(e) => errors::showerror(e),
        other => repr(other),
    };
    vm.write_out(&s);
    Ok(Value::Nothing)
}

pub(super) fn b_exit(_vm: &mut Vm, _a: &[Value], _k: &[(Name, Value)]) -> R {
    Err(errors::error_exception(
        "exit() is not allowed in this workspace",
    ))
}
