//! `print`/`string` and `show`/`repr` as Julia 1.9 renders them.

use crate::types::type_name;

/// A user's `show(io, x::T)` method for structs, when there is one: it runs Julia code, so the
/// VM provides it (installed by `lib.rs`; show sits below the VM).
static STRUCT_SHOW: std::sync::OnceLock<fn(&Value) -> Option<String>> = std::sync::OnceLock::new();

/// Install the hook that renders a struct with a user-defined `show` (first call wins).
pub(crate) fn install_struct_show(f: fn(&Value) -> Option<String>) {
    let _ = STRUCT_SHOW.set(f);
}
use crate::value::{Ty, Value, lock};

const MAX_SHOW_DEPTH: usize = 48;

/// Float32: `print` gives `1.0` / `1.0e-5`; `show` gives `1.0f0` / `1.0f-5`.
pub(crate) fn fmt_float32(x: f32, show: bool) -> String {
    if x.is_nan() {
        return if show { "NaN32".into() } else { "NaN".into() };
    }
    if x.is_infinite() {
        let s = if x > 0.0 { "Inf" } else { "-Inf" };
        return if show { format!("{s}32") } else { s.into() };
    }
    let s = format!("{:e}", x);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let plain = -5 < exp && exp < 6;
    // reuse the Float64 layout on the shortest Float32 digits
    let as64: f64 = format!("{mant}e{exp}").parse().unwrap_or(0.0);
    let body = if x == 0.0 {
        if x.is_sign_negative() {
            "-0.0".to_string()
        } else {
            "0.0".to_string()
        }
    } else {
        fmt_float(as64)
    };
    if !show {
        return body;
    }
    if plain || x == 0.0 {
        format!("{body}f0")
    } else {
        body.replacen('e', "f", 1)
    }
}

/// Julia's shortest round-trip Float64 printing (non-compact `show`).
pub(crate) fn fmt_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let olen = digits.len() as i32;
    let pt = exp + 1;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if -4 < pt && pt <= 6 {
        if pt <= 0 {
            out.push_str("0.");
            for _ in 0..(-pt) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if pt < olen {
            out.push_str(&digits[..pt as usize]);
            out.push('.');
            out.push_str(&digits[pt as usize..]);
        } else {
            out.push_str(&digits);
            for _ in 0..(pt - olen) {
                out.push('0');
            }
            out.push_str(".0");
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if olen > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('e');
        out.push_str(&exp.to_string());
    }
    out
}

pub fn repr_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            '\x1b' => out.push_str("\\e"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn repr_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\t' => "'\\t'".into(),
        '\r' => "'\\r'".into(),
        '\0' => "'\\0'".into(),
        c if (c as u32) < 0x20 => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

/// `string(x)` / `print(x)`
pub fn to_string(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Char(c) => c.to_string(),
        Value::Sym(s) => s.to_string(),
        Value::F32(f) => fmt_float32(*f, false),
        Value::Exception(e) if e.value.is_some() => {
            e.value.as_ref().map(to_string).unwrap_or_default()
        }
        _ => repr(v),
    }
}

/// `repr(x)` / `show(x)`
pub fn repr(v: &Value) -> String {
    let mut p = Printer {
        out: String::new(),
        stack: Vec::new(),
    };
    p.show(v, 0);
    p.out
}

struct Printer {
    out: String,
    stack: Vec<usize>,
}

/// Julia's `typeinfo_implicit`: element types whose values print unambiguously.
fn is_implicit_elty(t: &Ty) -> bool {
    match t {
        Ty::Int64 | Ty::Float64 | Ty::String | Ty::Char | Ty::Symbol => true,
        Ty::Array(e, _) => is_implicit_elty(e),
        Ty::Tuple(ts) => ts.iter().all(is_implicit_elty),
        Ty::Pair(a, b) | Ty::Dict(a, b) => is_implicit_elty(a) && is_implicit_elty(b),
        Ty::NamedTuple(_, ts) => ts.iter().all(is_implicit_elty),
        _ => false,
    }
}

impl Printer {
    fn show(&mut self, v: &Value, depth: usize) {
        if depth > MAX_SHOW_DEPTH {
            self.out.push('…');
            return;
        }
        match v {
            Value::Nothing => self.out.push_str("nothing"),
            Value::Missing => self.out.push_str("missing"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::Rational(n, d) => self.out.push_str(&format!("{n}//{d}")),
            Value::F32(f) => self.out.push_str(&fmt_float32(*f, true)),
            Value::ComplexI(..) | Value::ComplexF(..) => self.out.push_str(&show_complex(v)),
            Value::Big(b) => self.out.push_str(&b.to_string()),
            Value::Float(f) => self.out.push_str(&fmt_float(*f)),
            Value::Irrational(c) => self.out.push(*c),
            Value::Char(c) => self.out.push_str(&repr_char(*c)),
            Value::Str(s) => self.out.push_str(&repr_string(s)),
            Value::Sym(s) => {
                self.out.push(':');
                self.out.push_str(s);
            }
            Value::Array(a) => {
                let id = std::sync::Arc::as_ptr(a) as usize;
                if self.stack.contains(&id) {
                    self.out.push_str("#= circular reference @-1 =#");
                    return;
                }
                let (elty, data, dims) = {
                    let g = lock(a);
                    (g.elty.clone(), g.data.clone(), g.dims)
                };
                self.stack.push(id);
                if let Some((r, c)) = dims
                    && (r == 0 || c == 0)
                {
                    // Julia: `Matrix{Float64}(undef, 0, 3)`
                    self.out
                        .push_str(&format!("Matrix{{{}}}(undef, {r}, {c})", type_name(&elty)));
                } else if let Some((r, c)) = dims {
                    if !is_implicit_elty(&elty) || data.is_empty() {
                        self.out.push_str(&type_name(&elty));
                    }
                    self.out.push('[');
                    for i in 0..r {
                        if i > 0 {
                            self.out.push_str("; ");
                        }
                        for j in 0..c {
                            if j > 0 {
                                self.out.push(' ');
                            }
                            match (data.get(j * r + i), &elty) {
                                (Some(Value::Bool(b)), Ty::Bool) => {
                                    self.out.push(if *b { '1' } else { '0' })
                                }
                                (Some(x), _) => self.show(x, depth + 1),
                                _ => {}
                            }
                        }
                    }
                    if c == 1 {
                        // a one-column matrix is not a vector: Julia writes `[3; 7;;]`
                        self.out.push_str(";;]");
                    } else {
                        self.out.push(']');
                    }
                } else {
                    if !is_implicit_elty(&elty) || data.is_empty() {
                        self.out.push_str(&type_name(&elty));
                    }
                    self.out.push('[');
                    for (i, x) in data.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        match (x, &elty) {
                            (Value::Bool(b), Ty::Bool) => self.out.push(if *b { '1' } else { '0' }),
                            (Value::F32(f), Ty::Float32) => {
                                self.out.push_str(&fmt_float32(*f, false))
                            }
                            _ => self.show(x, depth + 1),
                        }
                    }
                    self.out.push(']');
                }
                self.stack.pop();
            }
            Value::Tuple(t) => {
                self.out.push('(');
                for (i, x) in t.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.show(x, depth + 1);
                }
                if t.len() == 1 {
                    self.out.push(',');
                }
                self.out.push(')');
            }
            Value::NamedTuple(nt) => {
                self.out.push('(');
                for (i, (n, x)) in nt.0.iter().zip(nt.1.iter()).enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(n);
                    self.out.push_str(" = ");
                    self.show(x, depth + 1);
                }
                if nt.0.len() == 1 {
                    self.out.push(',');
                }
                self.out.push(')');
            }
            Value::Pair(p) => {
                let paren_l = matches!(p.0, Value::Pair(_));
                if paren_l {
                    self.out.push('(');
                }
                self.show(&p.0, depth + 1);
                if paren_l {
                    self.out.push(')');
                }
                self.out.push_str(" => ");
                let paren_r = matches!(p.1, Value::Pair(_));
                if paren_r {
                    self.out.push('(');
                }
                self.show(&p.1, depth + 1);
                if paren_r {
                    self.out.push(')');
                }
            }
            Value::Dict(d) => {
                let id = std::sync::Arc::as_ptr(d) as usize;
                if self.stack.contains(&id) {
                    self.out.push_str("#= circular reference @-1 =#");
                    return;
                }
                let (kty, vty, entries) = {
                    let g = lock(d);
                    (g.kty.clone(), g.vty.clone(), g.entries.clone())
                };
                self.stack.push(id);
                self.out.push_str("Dict");
                if entries.is_empty() || !is_implicit_elty(&kty) || !is_implicit_elty(&vty) {
                    self.out
                        .push_str(&format!("{{{}, {}}}", type_name(&kty), type_name(&vty)));
                }
                self.out.push('(');
                for (i, (k, x)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.show(k, depth + 1);
                    self.out.push_str(" => ");
                    self.show(x, depth + 1);
                }
                self.out.push(')');
                self.stack.pop();
            }
            Value::Range(r) => match r.3 {
                crate::value::RangeKind::Unit => self.out.push_str(&format!("{}:{}", r.0, r.2)),
                crate::value::RangeKind::Step => {
                    self.out.push_str(&format!("{}:{}:{}", r.0, r.1, r.2))
                }
                crate::value::RangeKind::OneTo => {
                    self.out.push_str(&format!("Base.OneTo({})", r.2))
                }
            },
            Value::FRange(r) => {
                // Julia prints first:step:last, last computed like the elements (TwicePrecision)
                let stop = crate::value::frange_elem(r, r.2 - 1);
                self.out.push_str(&format!(
                    "{}:{}:{}",
                    fmt_float(r.0),
                    fmt_float(r.1),
                    fmt_float(stop)
                ));
            }
            Value::Generic(g) => self.out.push_str(&g.name),
            Value::Closure(c) => self.out.push_str(&format!("#{}", c.method.name)),
            Value::Builtin(b) => self.out.push_str(crate::natives::builtin_name(*b)),
            Value::Type(t) => self.out.push_str(&type_name(t)),
            Value::StructType(d) => self.out.push_str(&d.name),
            Value::Exception(e) => self.out.push_str(&e.repr),
            Value::Struct(s) => {
                if let Some(text) = STRUCT_SHOW.get().and_then(|f| f(v)) {
                    self.out.push_str(&text);
                    return;
                }
                let id = std::sync::Arc::as_ptr(s) as usize;
                if self.stack.contains(&id) {
                    self.out.push_str("#= circular reference @-1 =#");
                    return;
                }
                let fields = lock(&s.fields).clone();
                match &*s.def.name {
                    "SimulationStatus" => {
                        self.out
                            .push_str(&fields.first().map(to_string).unwrap_or_default());
                        return;
                    }
                    "WorkspaceArray{Float64}" => {
                        self.out.push_str(&format!(
                            "WorkspaceArray{{Float64}}({})",
                            fields.first().map(repr).unwrap_or_default()
                        ));
                        return;
                    }
                    "ModelParameters" => {
                        self.out.push_str("ModelParameters(\n");
                        for ((n, _), v) in s.def.fields.iter().zip(fields.iter()) {
                            if &**n == "StartTime" {
                                self.out.push_str("    # Integrator parameters:\n");
                            }
                            let shown = match v {
                                Value::Float(f) if *f != 0.0 && f.abs() < 1e-1 => {
                                    format!("{:e}", f).replace("e-", "e-")
                                }
                                other => to_string(other),
                            };
                            self.out.push_str(&format!("    :{n} => {shown}\n"));
                        }
                        self.out.push(')');
                        return;
                    }
                    _ => {}
                }
                self.stack.push(id);
                self.out.push_str(&s.def.name);
                self.out.push('(');
                let raw = s.def.name.starts_with("Model") || s.def.name.starts_with("System");
                for (i, x) in fields.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    if raw {
                        self.out.push_str(&to_string(x));
                    } else {
                        self.show(x, depth + 1);
                    }
                }
                self.out.push(')');
                self.stack.pop();
            }
            Value::Module(m) => self.out.push_str(m),
            Value::Lazy(l) => {
                let name = match &l.0 {
                    Ty::Enumerate => "enumerate",
                    Ty::Zip => "zip",
                    _ => "iterator",
                };
                self.out.push_str(name);
                self.out.push('(');
                for (i, x) in l.1.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.show(x, depth + 1);
                }
                self.out.push(')');
            }
            Value::Iter(_) => self.out.push_str("#iterator"),
            Value::Undef => self.out.push_str("#undef"),
            Value::Box(b) => {
                let inner = lock(b).clone();
                self.show(&inner, depth + 1);
            }
        }
    }
}

/// Julia's `show` for complex numbers: `1 + 2im`, `1.0 - 0.5im`, `1.0 + Inf*im`.
pub(crate) fn show_complex(v: &Value) -> String {
    let (re, im, neg, im_abs, finite) = match v {
        Value::ComplexI(a, b) => (
            a.to_string(),
            *b,
            *b < 0,
            b.unsigned_abs().to_string(),
            true,
        ),
        Value::ComplexF(a, b) => (
            fmt_float(*a),
            0,
            b.is_sign_negative() && !b.is_nan(),
            fmt_float(b.abs()),
            b.is_finite(),
        ),
        _ => return String::new(),
    };
    let _ = im;
    format!(
        "{re} {} {im_abs}{}",
        if neg { '-' } else { '+' },
        if finite { "im" } else { "*im" }
    )
}
