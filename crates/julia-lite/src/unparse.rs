//! Turns an expression back into Julia source text (for `@assert` and `@show`).

use crate::ast::{Expr, deep};
use crate::show::{fmt_float, repr_char, repr_string};

pub(crate) fn unparse(e: &Expr) -> String {
    deep(|| unparse_in(e))
}

fn unparse_in(e: &Expr) -> String {
    match e {
        Expr::Int(i) => i.to_string(),
        Expr::Float(f) => fmt_float(*f),
        Expr::Str(s) => repr_string(s),
        Expr::Char(c) => repr_char(*c),
        Expr::Sym(s) => format!(":{s}"),
        Expr::Bool(b) => b.to_string(),
        Expr::Nothing => "nothing".into(),
        Expr::Ident(n) => n.clone(),
        Expr::Line(_, e) => unparse(e),
        Expr::Binary(op, a, b) => format!("{} {op} {}", unparse(a), unparse(b)),
        Expr::DotBinary(op, a, b) => format!("{} .{op} {}", unparse(a), unparse(b)),
        Expr::Unary(op, a) => format!("{op}{}", unparse(a)),
        Expr::Compare(xs, ops) => {
            let mut s = unparse(&xs[0]);
            for (i, op) in ops.iter().enumerate() {
                s.push_str(&format!(" {op} {}", unparse(&xs[i + 1])));
            }
            s
        }
        Expr::Chain(a, rest) => {
            let mut s = unparse(a);
            for (op, dot, x) in rest {
                let d = if *dot { "." } else { "" };
                s.push_str(&format!(" {d}{op} {}", unparse(x)));
            }
            s
        }
        Expr::And(v) => v.iter().map(unparse).collect::<Vec<_>>().join(" && "),
        Expr::Or(v) => v.iter().map(unparse).collect::<Vec<_>>().join(" || "),
        Expr::Call(f, args) => {
            let a: Vec<String> = args
                .iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{n} = {}", unparse(&a.value)),
                    None => unparse(&a.value),
                })
                .collect();
            format!("{}({})", unparse(f), a.join(", "))
        }
        Expr::Index(o, idx) => format!(
            "{}[{}]",
            unparse(o),
            idx.iter().map(unparse).collect::<Vec<_>>().join(", ")
        ),
        Expr::Field(o, n) => format!("{}.{n}", unparse(o)),
        Expr::Tuple(items) => {
            let v: Vec<String> = items.iter().map(unparse).collect();
            if v.len() == 1 {
                format!("({},)", v[0])
            } else {
                format!("({})", v.join(", "))
            }
        }
        Expr::Vector(items) => format!(
            "[{}]",
            items.iter().map(unparse).collect::<Vec<_>>().join(", ")
        ),
        Expr::Range(a, s, b) => match s {
            Some(s) => format!("{}:{}:{}", unparse(a), unparse(s), unparse(b)),
            None => format!("{}:{}", unparse(a), unparse(b)),
        },
        Expr::Pair(a, b) => format!("{} => {}", unparse(a), unparse(b)),
        Expr::Ternary(a, b, c) => format!("{} ? {} : {}", unparse(a), unparse(b), unparse(c)),
        Expr::Assign(a, b) => format!("{} = {}", unparse(a), unparse(b)),
        Expr::Block(items) if items.len() == 1 => format!("({})", unparse(&items[0])),
        Expr::End => "end".into(),
        _ => "…".into(),
    }
}
