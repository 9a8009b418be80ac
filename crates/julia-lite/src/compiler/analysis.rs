//! Walks over the syntax tree before compiling it: which names a body assigns (its
//! locals), which it declares global, which closures assign, whether an index uses `end`, and
//! the types that type expressions name.

use super::*;

pub(super) fn collect_assigned(
    e: &Expr,
    outside: &mut HashSet<String>,
    inside: &mut HashSet<String>,
    in_loop: bool,
    depth: usize,
) {
    deep(|| collect_assigned_in(e, outside, inside, in_loop, depth))
}

pub(super) fn collect_assigned_in(
    e: &Expr,
    outside: &mut HashSet<String>,
    inside: &mut HashSet<String>,
    in_loop: bool,
    depth: usize,
) {
    let d = depth + 1;
    let add = |n: &str, o: &mut HashSet<String>, i: &mut HashSet<String>| {
        if in_loop {
            i.insert(n.to_string());
        } else {
            o.insert(n.to_string());
        }
    };
    match e {
        Expr::Line(_, e) => collect_assigned(e, outside, inside, in_loop, d),
        Expr::Block(v) => v
            .iter()
            .for_each(|x| collect_assigned(x, outside, inside, in_loop, d)),
        Expr::Assign(l, r) => {
            assign_targets(l, &mut |n| add(n, outside, inside));
            collect_assigned(r, outside, inside, in_loop, d);
        }
        Expr::OpAssign(_, l, r) => {
            if let Expr::Ident(n) = &**l {
                add(n, outside, inside);
            }
            collect_assigned(r, outside, inside, in_loop, d);
        }
        Expr::Function(f) => {
            if let Some(n) = &f.name {
                add(n, outside, inside);
            }
        }
        Expr::Local(items) => {
            for it in items {
                match it {
                    Expr::Ident(n) => add(n, outside, inside),
                    Expr::Assign(l, _) => assign_targets(l, &mut |n| add(n, outside, inside)),
                    _ => {}
                }
            }
        }
        Expr::If(c, a, b) => {
            collect_assigned(c, outside, inside, in_loop, d);
            collect_assigned(a, outside, inside, in_loop, d);
            if let Some(b) = b {
                collect_assigned(b, outside, inside, in_loop, d);
            }
        }
        Expr::While(c, b) => {
            collect_assigned(c, outside, inside, in_loop, d);
            collect_assigned(b, outside, inside, true, d);
        }
        Expr::For(_, b) => collect_assigned(b, outside, inside, true, d),
        Expr::Let(_, b) => collect_assigned(b, outside, inside, true, d),
        Expr::Try {
            body,
            catch,
            finally,
            ..
        } => {
            collect_assigned(body, outside, inside, in_loop, d);
            if let Some(c) = catch {
                collect_assigned(c, outside, inside, in_loop, d);
            }
            if let Some(f) = finally {
                collect_assigned(f, outside, inside, in_loop, d);
            }
        }
        Expr::And(v) | Expr::Or(v) => v
            .iter()
            .for_each(|x| collect_assigned(x, outside, inside, in_loop, d)),
        Expr::Ternary(a, b, c) => {
            collect_assigned(a, outside, inside, in_loop, d);
            collect_assigned(b, outside, inside, in_loop, d);
            collect_assigned(c, outside, inside, in_loop, d);
        }
        Expr::Const(e) => collect_assigned(e, outside, inside, in_loop, d),
        Expr::Macro(_, args, _) => args
            .iter()
            .for_each(|x| collect_assigned(x, outside, inside, in_loop, d)),
        _ => {}
    }
}

pub(super) fn collect_globals(e: &Expr, out: &mut HashSet<String>, depth: usize) {
    deep(|| collect_globals_in(e, out, depth))
}

pub(super) fn collect_globals_in(e: &Expr, out: &mut HashSet<String>, depth: usize) {
    match e {
        Expr::Line(_, e) => collect_globals(e, out, depth + 1),
        Expr::Block(v) => v.iter().for_each(|x| collect_globals(x, out, depth + 1)),
        Expr::Global(items) => {
            for it in items {
                match it {
                    Expr::Ident(n) => {
                        out.insert(n.clone());
                    }
                    Expr::Assign(l, _) | Expr::OpAssign(_, l, _) => assign_targets(l, &mut |n| {
                        out.insert(n.to_string());
                    }),
                    _ => {}
                }
            }
        }
        Expr::If(_, a, b) => {
            collect_globals(a, out, depth + 1);
            if let Some(b) = b {
                collect_globals(b, out, depth + 1);
            }
        }
        Expr::While(_, b) | Expr::For(_, b) | Expr::Let(_, b) => collect_globals(b, out, depth + 1),
        Expr::Try {
            body,
            catch,
            finally,
            ..
        } => {
            collect_globals(body, out, depth + 1);
            if let Some(c) = catch {
                collect_globals(c, out, depth + 1);
            }
            if let Some(f) = finally {
                collect_globals(f, out, depth + 1);
            }
        }
        _ => {}
    }
}

pub(super) fn assign_targets(l: &Expr, f: &mut dyn FnMut(&str)) {
    deep(|| assign_targets_in(l, f))
}

pub(super) fn assign_targets_in(l: &Expr, f: &mut dyn FnMut(&str)) {
    match l {
        Expr::Ident(n) => f(n),
        Expr::Tuple(items) => items.iter().for_each(|x| assign_targets(x, f)),
        Expr::TypeAssert(inner, _) => assign_targets(inner, f),
        Expr::Assign(a, b) => {
            assign_targets(a, f);
            assign_targets(b, f);
        }
        _ => {}
    }
}

/// Resolve a type expression at compile time.
/// The type a type expression names; `None` when it names none this interpreter has, or
/// when it nests deeper than the types of values may (`types::MAX_TY_DEPTH`).
pub(super) fn resolve_type(e: &Expr) -> Option<Ty> {
    resolve_type_at(e, 0)
}

pub(super) fn resolve_type_at(e: &Expr, depth: usize) -> Option<Ty> {
    if depth > crate::types::MAX_TY_DEPTH {
        return None;
    }
    let resolve_type = |a: &Expr| resolve_type_at(a, depth + 1);
    match e.strip_line() {
        Expr::Ident(n) => {
            Some(crate::types::type_by_name(n).unwrap_or_else(|| Ty::Struct(n.as_str().into())))
        }
        Expr::Curly(base, args) => {
            let Expr::Ident(b) = &**base else { return None };
            let ts: Vec<Ty> = args
                .iter()
                .map(|a| resolve_type(a).unwrap_or(Ty::Any))
                .collect();
            Some(match (b.as_str(), ts.len()) {
                ("Vector", 1) => Ty::Array(Box::new(ts[0].clone()), 1),
                ("Matrix", 1) => Ty::Array(Box::new(ts[0].clone()), 2),
                ("Array", 1) => Ty::Array(Box::new(ts[0].clone()), 1),
                ("Array", 2) => match &args[1] {
                    Expr::Int(n) => Ty::Array(Box::new(ts[0].clone()), *n as usize),
                    _ => Ty::AbstractArray,
                },
                ("AbstractVector", _) => Ty::AbstractVector,
                ("AbstractArray", _) => Ty::AbstractArray,
                ("Dict", 2) => Ty::Dict(Box::new(ts[0].clone()), Box::new(ts[1].clone())),
                ("Pair", 2) => Ty::Pair(Box::new(ts[0].clone()), Box::new(ts[1].clone())),
                ("Tuple", _) => Ty::Tuple(ts),
                ("Union", 2) if matches!(ts[0], Ty::Nothing | Ty::Missing) => {
                    Ty::Union(Box::new(ts[0].clone()), Box::new(ts[1].clone()))
                }
                ("Union", 2) if matches!(ts[1], Ty::Nothing | Ty::Missing) => {
                    Ty::Union(Box::new(ts[1].clone()), Box::new(ts[0].clone()))
                }
                ("Union", _) => Ty::Any,
                _ => return None,
            })
        }
        Expr::Field(_, n) => crate::types::type_by_name(n),
        _ => None,
    }
}

pub(super) fn contains_end(e: &Expr) -> bool {
    deep(|| contains_end_in(e))
}

pub(super) fn contains_end_in(e: &Expr) -> bool {
    match e {
        Expr::End => true,
        Expr::Chain(a, rest) => contains_end(a) || rest.iter().any(|(_, _, x)| contains_end(x)),
        Expr::Binary(_, a, b) => contains_end(a) || contains_end(b),
        Expr::Range(a, s, b) => {
            contains_end(a) || s.as_ref().is_some_and(|s| contains_end(s)) || contains_end(b)
        }
        Expr::Call(_, args) => args.iter().any(|a| contains_end(&a.value)),
        _ => false,
    }
}

/// Names assigned inside closures (lambdas, `do` blocks, local named functions) nested in `e`.
pub(super) fn closure_assigned(e: &Expr, out: &mut HashSet<String>, depth: usize) {
    deep(|| closure_assigned_in(e, out, depth))
}

pub(super) fn closure_assigned_in(e: &Expr, out: &mut HashSet<String>, depth: usize) {
    let d = depth + 1;
    let mut rec = |x: &Expr| closure_assigned(x, out, d);
    match e {
        Expr::Lambda(f) | Expr::Function(f) => {
            if matches!(e, Expr::Function(_)) && depth == 0 {
                // a nested named function is itself a closure here
            }
            let mut o = HashSet::new();
            let mut i = HashSet::new();
            collect_assigned(&f.body, &mut o, &mut i, false, 0);
            for n in o.into_iter().chain(i) {
                if !f.params.iter().any(|p| p.name == n) && !f.kwparams.iter().any(|p| p.name == n)
                {
                    out.insert(n);
                }
            }
            closure_assigned(&f.body, out, d);
        }
        Expr::Line(_, x)
        | Expr::Unary(_, x)
        | Expr::DotUnary(_, x)
        | Expr::Field(x, _)
        | Expr::Splat(x)
        | Expr::Const(x)
        | Expr::TypeAssert(x, _) => rec(x),
        Expr::Return(Some(x)) => rec(x),
        Expr::Block(v)
        | Expr::Tuple(v)
        | Expr::Vector(v)
        | Expr::Interp(v)
        | Expr::Global(v)
        | Expr::Local(v) => v.iter().for_each(rec),
        Expr::Matrix(rows) => rows.iter().flatten().for_each(rec),
        Expr::And(v) | Expr::Or(v) => v.iter().for_each(rec),
        Expr::Chain(a, rest) => {
            rec(a);
            rest.iter().for_each(|(_, _, x)| rec(x));
        }
        Expr::Binary(_, a, b)
        | Expr::DotBinary(_, a, b)
        | Expr::Assign(a, b)
        | Expr::OpAssign(_, a, b)
        | Expr::DotAssign(a, b)
        | Expr::Pair(a, b)
        | Expr::While(a, b) => {
            rec(a);
            rec(b);
        }
        Expr::Ternary(a, b, c) => {
            rec(a);
            rec(b);
            rec(c);
        }
        Expr::If(a, b, c) => {
            rec(a);
            rec(b);
            if let Some(c) = c {
                rec(c);
            }
        }
        Expr::Compare(v, _) => v.iter().for_each(rec),
        Expr::Call(f, args) | Expr::DotCall(f, args) => {
            rec(f);
            args.iter().for_each(|a| rec(&a.value));
        }
        Expr::Index(o, v) | Expr::TypedVector(o, v) | Expr::Curly(o, v) => {
            rec(o);
            v.iter().for_each(rec);
        }
        Expr::NamedTuple(v) => v.iter().for_each(|(_, x)| rec(x)),
        Expr::Comprehension(b, cl)
        | Expr::Generator(b, cl)
        | Expr::TypedComprehension(_, b, cl) => {
            rec(b);
            for c in cl {
                match c {
                    CompClause::For(t, it) => {
                        rec(t);
                        rec(it);
                    }
                    CompClause::If(x) => rec(x),
                }
            }
        }
        Expr::Range(a, s, b) => {
            rec(a);
            if let Some(s) = s {
                rec(s);
            }
            rec(b);
        }
        Expr::For(specs, b) => {
            for (t, it) in specs {
                rec(t);
                rec(it);
            }
            rec(b);
        }
        Expr::Try {
            body,
            catch,
            finally,
            ..
        } => {
            rec(body);
            if let Some(c) = catch {
                rec(c);
            }
            if let Some(f) = finally {
                rec(f);
            }
        }
        Expr::Let(binds, b) => {
            for (t, v) in binds {
                rec(t);
                if let Some(v) = v {
                    rec(v);
                }
            }
            rec(b);
        }
        Expr::Macro(_, args, _) => args.iter().for_each(rec),
        _ => {}
    }
}
