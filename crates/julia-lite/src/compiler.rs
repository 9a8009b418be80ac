//! Compiles the AST to a small stack bytecode (see `vm.rs`).
//!
//! Scoping: inside functions every assigned name is a local slot unless declared `global`;
//! loop/let/comprehension variables get fresh slots. At top level, names are globals except
//! loop variables and names first assigned inside a loop/let body that are not globals
//! (Julia's soft scope). Closures capture enclosing locals by value at creation time.

use crate::ast::*;
use crate::bytecode::{Chunk, Method, Op};
use crate::errors::syntax_error;
use crate::value::{Exc, Name, Ty, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Clone, Copy)]
enum Load {
    Local(u32),
    Cap(u32),
    SelfRef,
}

struct LoopCtx {
    height_slot: u32,
    breaks: Vec<usize>,
    continues: Vec<usize>,
    handler_depth: usize,
    finally_depth: usize,
}

struct FnState {
    chunk: Chunk,
    scopes: Vec<HashMap<String, u32>>,
    /// names that are globals in this function
    globals: HashSet<String>,
    captures: Vec<(String, Load)>,
    self_name: Option<String>,
    toplevel: bool,
    loops: Vec<LoopCtx>,
    handler_depth: usize,
    finally_stack: Vec<Expr>,
    line: u32,
    /// top level: names known to be global (assigned outside loops or existing)
    known_globals: HashSet<String>,
    /// global functions do not capture
    no_capture: bool,
    /// slots holding a Box (locals assigned by inner closures)
    boxed: HashSet<u32>,
    /// capture indices that hold a Box
    cap_boxed: HashSet<u32>,
}

impl FnState {
    fn new(toplevel: bool) -> Self {
        FnState {
            chunk: Chunk::default(),
            scopes: vec![HashMap::new()],
            globals: HashSet::new(),
            captures: vec![],
            self_name: None,
            toplevel,
            loops: vec![],
            handler_depth: 0,
            finally_stack: vec![],
            line: 1,
            known_globals: HashSet::new(),
            no_capture: false,
            boxed: HashSet::new(),
            cap_boxed: HashSet::new(),
        }
    }
    fn new_slot(&mut self, name: &str) -> u32 {
        let s = self.chunk.nslots;
        self.chunk.nslots += 1;
        self.chunk.slot_names.push(name.into());
        s
    }
}

pub(crate) struct Compiler {
    fns: Vec<FnState>,
    pub prelude: bool,
    last_captures: Vec<(String, Load)>,
}

type CResult<T> = Result<T, Exc>;

pub(crate) const MAX_KW: usize = 64;

/// Builtin ids for operators, resolved by the builtins table.
fn op_builtin(op: &str) -> Option<u16> {
    crate::natives::builtin_id(op)
}

fn collect_assigned(
    e: &Expr,
    outside: &mut HashSet<String>,
    inside: &mut HashSet<String>,
    in_loop: bool,
    depth: usize,
) {
    deep(|| collect_assigned_in(e, outside, inside, in_loop, depth))
}

fn collect_assigned_in(
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

fn collect_globals(e: &Expr, out: &mut HashSet<String>, depth: usize) {
    deep(|| collect_globals_in(e, out, depth))
}

fn collect_globals_in(e: &Expr, out: &mut HashSet<String>, depth: usize) {
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

fn assign_targets(l: &Expr, f: &mut dyn FnMut(&str)) {
    deep(|| assign_targets_in(l, f))
}

fn assign_targets_in(l: &Expr, f: &mut dyn FnMut(&str)) {
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
pub(crate) fn resolve_type(e: &Expr) -> Option<Ty> {
    resolve_type_at(e, 0)
}

fn resolve_type_at(e: &Expr, depth: usize) -> Option<Ty> {
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

impl Compiler {
    pub fn new() -> Self {
        Compiler {
            fns: vec![],
            prelude: false,
            last_captures: vec![],
        }
    }

    fn f(&mut self) -> &mut FnState {
        let n = self.fns.len() - 1;
        &mut self.fns[n]
    }

    fn emit(&mut self, op: Op) -> usize {
        let f = self.f();
        f.chunk.code.push(op);
        let l = f.line;
        f.chunk.lines.push(l);
        f.chunk.code.len() - 1
    }

    fn here(&mut self) -> usize {
        self.f().chunk.code.len()
    }

    fn patch(&mut self, at: usize, target: usize) {
        let t = target as u32;
        let code = &mut self.f().chunk.code;
        code[at] = match code[at] {
            Op::Jump(_) => Op::Jump(t),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(t),
            Op::JumpIfTrue(_) => Op::JumpIfTrue(t),
            Op::JumpIfFalseKeep(_) => Op::JumpIfFalseKeep(t),
            Op::JumpIfTrueKeep(_) => Op::JumpIfTrueKeep(t),
            Op::PushHandler(_) => Op::PushHandler(t),
            Op::IterNext(s, _) => Op::IterNext(s, t),
            Op::JumpIfArgGiven(a, _) => Op::JumpIfArgGiven(a, t),
            Op::JumpIfDefined(a, _) => Op::JumpIfDefined(a, t),
            other => other,
        };
    }

    fn konst(&mut self, v: Value) -> u32 {
        let c = &mut self.f().chunk.consts;
        c.push(v);
        (c.len() - 1) as u32
    }

    fn name(&mut self, n: &str) -> u32 {
        let names = &mut self.f().chunk.names;
        if let Some(i) = names.iter().position(|x| &**x == n) {
            return i as u32;
        }
        names.push(n.into());
        (names.len() - 1) as u32
    }

    /// Compile top-level code. `existing` reports whether a global exists already.
    pub fn compile_toplevel(
        &mut self,
        e: &Expr,
        existing: &dyn Fn(&str) -> bool,
    ) -> CResult<Chunk> {
        let mut st = FnState::new(true);
        let mut outside = HashSet::new();
        let mut inside = HashSet::new();
        collect_assigned(e, &mut outside, &mut inside, false, 0);
        let mut g = HashSet::new();
        collect_globals(e, &mut g, 0);
        for n in inside {
            if existing(&n) || g.contains(&n) {
                outside.insert(n);
            }
        }
        st.known_globals = outside;
        self.fns.push(st);
        self.expr(e)?;
        self.emit(Op::Return);
        let st = self
            .fns
            .pop()
            .ok_or_else(|| syntax_error("internal compiler error"))?;
        Ok(st.chunk)
    }

    fn resolve(&mut self, name: &str) -> Option<Load> {
        let depth = self.fns.len() - 1;
        self.resolve_in(depth, name)
    }

    fn resolve_in(&mut self, fi: usize, name: &str) -> Option<Load> {
        let st = &self.fns[fi];
        if st.globals.contains(name) {
            return None;
        }
        for sc in st.scopes.iter().rev() {
            if let Some(&s) = sc.get(name) {
                return Some(Load::Local(s));
            }
        }
        if let Some(k) = st.captures.iter().position(|(n, _)| n == name) {
            return Some(Load::Cap(k as u32));
        }
        if st.self_name.as_deref() == Some(name) {
            return Some(Load::SelfRef);
        }
        if fi == 0 || st.toplevel || st.no_capture {
            return None;
        }
        let outer = self.resolve_in(fi - 1, name)?;
        let boxed = match outer {
            Load::Local(s) => self.fns[fi - 1].boxed.contains(&s),
            Load::Cap(k) => self.fns[fi - 1].cap_boxed.contains(&k),
            Load::SelfRef => false,
        };
        let st = &mut self.fns[fi];
        st.captures.push((name.to_string(), outer));
        let k = (st.captures.len() - 1) as u32;
        if boxed {
            st.cap_boxed.insert(k);
        }
        Some(Load::Cap(k))
    }

    fn load_name(&mut self, name: &str) {
        match self.resolve(name) {
            Some(Load::Local(s)) if self.f().boxed.contains(&s) => {
                self.emit(Op::LoadBox(s));
            }
            Some(Load::Local(s)) => {
                self.emit(Op::LoadLocal(s));
            }
            Some(Load::Cap(k)) if self.f().cap_boxed.contains(&k) => {
                self.emit(Op::LoadCapBox(k));
            }
            Some(Load::Cap(k)) => {
                self.emit(Op::LoadCap(k));
            }
            Some(Load::SelfRef) => {
                self.emit(Op::LoadSelf);
            }
            None => {
                let n = self.name(name);
                self.emit(Op::LoadGlobal(n));
            }
        }
    }

    /// Store the value on top of the stack (consumed) into `name`.
    fn store_name(&mut self, name: &str) {
        let fi = self.fns.len() - 1;
        let st = &self.fns[fi];
        if !st.globals.contains(name) {
            for sc in st.scopes.iter().rev() {
                if let Some(&s) = sc.get(name) {
                    let op = if st.boxed.contains(&s) {
                        Op::StoreBox(s)
                    } else {
                        Op::StoreLocal(s)
                    };
                    self.emit(op);
                    return;
                }
            }
            if !st.toplevel && !st.no_capture {
                // assigning a variable of an enclosing function that is shared by reference
                if let Some(Load::Cap(k)) = self.resolve(name)
                    && self.f().cap_boxed.contains(&k)
                {
                    self.emit(Op::StoreCapBox(k));
                    return;
                }
            }
            let st = &self.fns[fi];
            let toplevel = st.toplevel;
            let in_block = st.scopes.len() > 1;
            if !toplevel || (in_block && !st.known_globals.contains(name)) {
                // new local in the innermost scope (function: function-wide scope)
                let f = self.f();
                let s = f.new_slot(name);
                if toplevel {
                    if let Some(sc) = f.scopes.last_mut() {
                        sc.insert(name.to_string(), s);
                    }
                } else {
                    f.scopes[0].insert(name.to_string(), s);
                }
                self.emit(Op::StoreLocal(s));
                return;
            }
        }
        let n = self.name(name);
        self.emit(Op::StoreGlobal(n));
    }

    fn block(&mut self, items: &[Expr]) -> CResult<()> {
        if items.is_empty() {
            self.emit(Op::Nothing);
            return Ok(());
        }
        for (i, it) in items.iter().enumerate() {
            self.expr(it)?;
            if i + 1 < items.len() {
                self.emit(Op::Pop);
            }
        }
        Ok(())
    }

    fn with_scope<T>(&mut self, f: impl FnOnce(&mut Self) -> CResult<T>) -> CResult<T> {
        self.f().scopes.push(HashMap::new());
        let r = f(self);
        self.f().scopes.pop();
        r
    }

    fn fresh_local(&mut self, name: &str) -> u32 {
        let f = self.f();
        let s = f.new_slot(name);
        if let Some(sc) = f.scopes.last_mut() {
            sc.insert(name.to_string(), s);
        }
        s
    }

    fn hidden(&mut self) -> u32 {
        self.f().new_slot("#tmp")
    }

    /// Small dispatcher (keeps the recursion frame small); the big match lives in `expr_full`.
    pub fn expr(&mut self, e: &Expr) -> CResult<()> {
        deep(|| self.expr_small(e))
    }

    fn expr_small(&mut self, e: &Expr) -> CResult<()> {
        match e {
            Expr::Line(l, inner) => {
                if *l > 0 {
                    self.f().line = *l;
                }
                self.expr(inner)
            }
            Expr::Binary(op, a, b) => self.binary(op, a, b),
            Expr::Ident(n) => {
                self.load_name(n);
                Ok(())
            }
            _ => self.expr_full(e),
        }
    }

    #[inline(never)]
    fn expr_full(&mut self, e: &Expr) -> CResult<()> {
        match e {
            Expr::Line(l, inner) => {
                if *l > 0 {
                    self.f().line = *l;
                }
                self.expr(inner)
            }
            Expr::Int(i) => {
                let k = self.konst(Value::Int(*i));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Float(f) => {
                let k = self.konst(Value::Float(*f));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Float32(f) => {
                let k = self.konst(Value::F32(*f));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Str(s) => {
                let k = self.konst(Value::str(s));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Char(c) => {
                let k = self.konst(Value::Char(*c));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Sym(s) => {
                let k = self.konst(Value::sym(s));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Bool(b) => {
                let k = self.konst(Value::Bool(*b));
                self.emit(Op::Const(k));
                Ok(())
            }
            Expr::Nothing => {
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::Interp(parts) => {
                for p in parts {
                    self.expr(p)?;
                }
                self.emit(Op::Interp(parts.len().min(u16::MAX as usize) as u16));
                Ok(())
            }
            Expr::Ident(n) => {
                self.load_name(n);
                Ok(())
            }
            Expr::Block(items) => self.block(items),
            Expr::Binary(op, a, b) => self.binary(op, a, b),
            Expr::Chain(first, rest) => {
                self.expr(first)?;
                for (op, dot, x) in rest {
                    self.expr(x)?;
                    self.chain_op(op, *dot)?;
                }
                Ok(())
            }
            Expr::DotBinary(op, a, b) => {
                let id = op_builtin(op)
                    .ok_or_else(|| syntax_error(&format!("unsupported operator .{op}")))?;
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Op::Broadcast(id, 2));
                Ok(())
            }
            Expr::Unary(op, a)
                if op == "!"
                    && matches!(&**a, Expr::Ident(n) if self.resolve(n).is_none() && crate::natives::builtin_id(n).is_some()) =>
            {
                // `!f` on a function: call the generic `!` (prelude method for functions)
                let g = self.name("!");
                self.emit(Op::LoadGlobal(g));
                self.expr(a)?;
                self.emit(Op::Call(1, 0));
                Ok(())
            }
            Expr::Unary(op, a) => {
                let name = match op.as_str() {
                    "-" => "-",
                    "+" => "+",
                    "!" => "!",
                    "~" => "~",
                    "√" => "sqrt",
                    _ => return Err(syntax_error(&format!("unsupported unary operator {op}"))),
                };
                self.expr(a)?;
                let id = op_builtin(name).ok_or_else(|| syntax_error("unknown operator"))?;
                self.emit(Op::CallBuiltin(id, 1));
                Ok(())
            }
            Expr::DotUnary(op, a) => {
                let id = op_builtin(op).ok_or_else(|| syntax_error("unknown operator"))?;
                self.expr(a)?;
                self.emit(Op::Broadcast(id, 1));
                Ok(())
            }
            Expr::Compare(operands, ops) => self.compare(operands, ops),
            // `a && b && c` is `a && (b && c)`: every short-circuit jumps to the end
            Expr::And(items) | Expr::Or(items) => {
                let and = matches!(e, Expr::And(_));
                let mut jumps = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    self.expr(x)?;
                    if i + 1 < items.len() {
                        jumps.push(self.emit(if and {
                            Op::JumpIfFalseKeep(0)
                        } else {
                            Op::JumpIfTrueKeep(0)
                        }));
                    }
                }
                let h = self.here();
                for j in jumps {
                    self.patch(j, h);
                }
                Ok(())
            }
            Expr::Ternary(c, a, b) => self.if_expr(c, a, Some(b)),
            Expr::If(c, a, b) => self.if_expr(c, a, b.as_deref()),
            Expr::Assign(l, r) => self.assign(l, r),
            Expr::OpAssign(op, l, r) => {
                let bin = Expr::Binary(op.clone(), l.clone(), r.clone());
                self.assign(l, &bin)
            }
            Expr::DotAssign(l, r) => {
                // a .= expr  →  copyto!(a, expr) with broadcasting of scalars; a[i] .= not supported
                self.expr(l)?;
                self.expr(r)?;
                let id = op_builtin("_dotassign!").ok_or_else(|| syntax_error("internal"))?;
                self.emit(Op::CallBuiltin(id, 2));
                Ok(())
            }
            Expr::Call(f, args) => self.call(f, args, false),
            Expr::DotCall(f, args) => self.call(f, args, true),
            Expr::Index(obj, idx) => {
                let typed = match &**obj {
                    Expr::Ident(n) => {
                        crate::types::type_by_name(n).is_some()
                            && self.resolve(n).is_none()
                            && !self.fns[0].known_globals.contains(n)
                    }
                    Expr::Curly(..) => true,
                    _ => false,
                };
                if typed && idx.iter().all(|i| !matches!(i, Expr::End | Expr::Colon)) {
                    return self.expr(&Expr::TypedVector(obj.clone(), idx.clone()));
                }
                self.expr(obj)?;
                self.index_args(idx)?;
                self.emit(Op::GetIndex(idx.len() as u16));
                Ok(())
            }
            Expr::Field(obj, name) => {
                self.expr(obj)?;
                let n = self.name(name);
                self.emit(Op::GetField(n));
                Ok(())
            }
            Expr::Tuple(items) => {
                if items.iter().any(|x| matches!(x, Expr::Splat(_))) {
                    for it in items {
                        match it {
                            Expr::Splat(inner) => {
                                self.expr(inner)?;
                                self.emit(Op::ToTuple);
                            }
                            other => {
                                self.expr(other)?;
                                self.emit(Op::MakeTuple(1));
                            }
                        }
                    }
                    self.emit(Op::ConcatTuples(items.len() as u16));
                    return Ok(());
                }
                for it in items {
                    self.expr(it)?;
                }
                self.emit(Op::MakeTuple(items.len().min(u16::MAX as usize) as u16));
                Ok(())
            }
            Expr::NamedTuple(fields) => {
                for (_, v) in fields {
                    self.expr(v)?;
                }
                let names: Vec<Value> = fields.iter().map(|(n, _)| Value::sym(n)).collect();
                let k = self.konst(Value::tuple(names));
                self.emit(Op::MakeNamedTuple(k));
                Ok(())
            }
            Expr::Vector(items) => {
                if items.iter().any(|x| matches!(x, Expr::Splat(_))) {
                    for it in items {
                        match it {
                            Expr::Splat(inner) => {
                                self.expr(inner)?;
                                self.emit(Op::ToTuple);
                            }
                            other => {
                                self.expr(other)?;
                                self.emit(Op::MakeTuple(1));
                            }
                        }
                    }
                    self.emit(Op::ConcatTuples(items.len() as u16));
                    let id = op_builtin("collect").ok_or_else(|| syntax_error("internal"))?;
                    self.emit(Op::CallBuiltin(id, 1));
                    return Ok(());
                }
                for it in items {
                    self.expr(it)?;
                }
                self.emit(Op::MakeVec(items.len() as u32));
                Ok(())
            }
            Expr::TypedVector(t, items) => {
                for it in items {
                    self.expr(it)?;
                }
                self.expr(t)?;
                self.emit(Op::MakeTypedVec(items.len() as u32));
                Ok(())
            }
            Expr::Matrix(rows) => {
                let ncols = rows.first().map(|r| r.len()).unwrap_or(0);
                if rows.iter().any(|r| r.len() != ncols) {
                    return Err(crate::errors::argument_error(
                        "number of columns of each array must match (got inconsistent row lengths)",
                    ));
                }
                for r in rows {
                    for x in r {
                        self.expr(x)?;
                    }
                }
                self.emit(Op::MakeMatrix(rows.len() as u16, ncols as u16));
                Ok(())
            }
            Expr::Comprehension(body, clauses) | Expr::Generator(body, clauses) => {
                self.emit(Op::MakeVec(0));
                self.with_scope(|c| c.comprehension(body, clauses, 0))?;
                self.emit(Op::Narrow);
                Ok(())
            }
            Expr::TypedComprehension(t, body, clauses) => {
                self.expr(t)?;
                self.emit(Op::MakeTypedVec(0));
                self.with_scope(|c| c.comprehension(body, clauses, 0))?;
                Ok(())
            }
            Expr::Range(a, s, b) => {
                self.expr(a)?;
                if let Some(s) = s {
                    self.expr(s)?;
                }
                self.expr(b)?;
                self.emit(Op::MakeRange(s.is_some()));
                Ok(())
            }
            Expr::Pair(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Op::MakePair);
                Ok(())
            }
            Expr::While(c, body) => {
                let hs = self.hidden();
                self.emit(Op::MarkHeight(hs));
                let top = self.here();
                self.cond(c)?;
                let jexit = self.emit(Op::JumpIfFalse(0));
                let hd = self.f().handler_depth;
                let fd = self.f().finally_stack.len();
                self.f().loops.push(LoopCtx {
                    height_slot: hs,
                    breaks: vec![],
                    continues: vec![],
                    handler_depth: hd,
                    finally_depth: fd,
                });
                let r = self.with_scope(|c| c.expr(body));
                let lp = self.f().loops.pop();
                r?;
                self.emit(Op::Pop);
                self.emit(Op::Jump(top as u32));
                let end = self.here();
                self.patch(jexit, end);
                if let Some(lp) = lp {
                    for b in lp.breaks {
                        self.patch(b, end);
                    }
                    for c in lp.continues {
                        self.patch(c, top);
                    }
                }
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::For(specs, body) => {
                let hs = self.hidden();
                self.emit(Op::MarkHeight(hs));
                self.with_scope(|c| c.for_loop(specs, 0, body, hs))?;
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::Break | Expr::Continue => {
                let is_break = matches!(e, Expr::Break);
                let Some(lp) = self.f().loops.last() else {
                    return Err(syntax_error("break or continue outside loop"));
                };
                let (hs, hd, fd) = (lp.height_slot, lp.handler_depth, lp.finally_depth);
                let cur = self.f().handler_depth;
                for _ in hd..cur {
                    self.emit(Op::PopHandler);
                }
                let fins: Vec<Expr> = self.f().finally_stack[fd..].to_vec();
                for fe in fins.iter().rev() {
                    self.expr(fe)?;
                    self.emit(Op::Pop);
                }
                self.emit(Op::ResetHeight(hs));
                let j = self.emit(Op::Jump(0));
                let f = self.f();
                if let Some(lp) = f.loops.last_mut() {
                    if is_break {
                        lp.breaks.push(j);
                    } else {
                        lp.continues.push(j);
                    }
                }
                // unreachable value to keep the stack discipline
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::Return(v) => {
                if self.f().toplevel && self.fns.len() == 1 && !self.prelude {
                    // `return` at top level just ends the evaluation with the value
                }
                match v {
                    Some(v) => self.expr(v)?,
                    None => {
                        self.emit(Op::Nothing);
                    }
                }
                let fins: Vec<Expr> = self.f().finally_stack.clone();
                if !fins.is_empty() {
                    let t = self.hidden();
                    self.emit(Op::StoreLocal(t));
                    for _ in 0..self.f().handler_depth {
                        self.emit(Op::PopHandler);
                    }
                    for fe in fins.iter().rev() {
                        self.expr(fe)?;
                        self.emit(Op::Pop);
                    }
                    self.emit(Op::LoadLocal(t));
                }
                self.emit(Op::Return);
                Ok(())
            }
            Expr::Function(def) => self.function(def),
            Expr::Lambda(def) => {
                let m = self.compile_method(def, None)?;
                self.make_closure(m)
            }
            Expr::Try {
                body,
                var,
                catch,
                finally,
            } => self.try_expr(body, var.as_deref(), catch.as_deref(), finally.as_deref()),
            Expr::Let(binds, body) => self.with_scope(|c| {
                for (target, val) in binds {
                    match val {
                        Some(v) => c.expr(v)?,
                        None => {
                            if let Expr::Ident(n) = target {
                                c.load_name(n);
                            } else {
                                c.emit(Op::Nothing);
                            }
                        }
                    }
                    match target {
                        Expr::Ident(n) => {
                            let s = c.fresh_local(n);
                            c.emit(Op::StoreLocal(s));
                        }
                        _ => return Err(syntax_error("invalid let binding")),
                    }
                }
                c.expr(body)
            }),
            Expr::Global(items) => {
                for it in items {
                    if let Expr::Ident(n) = it {
                        self.f().globals.insert(n.clone());
                    }
                }
                for it in items {
                    if let Expr::OpAssign(_, l, _) = it {
                        if let Expr::Ident(n) = &**l {
                            self.f().globals.insert(n.clone());
                        }
                        self.expr(it)?;
                        self.emit(Op::Pop);
                        continue;
                    }
                    if let Expr::Assign(l, r) = it {
                        assign_targets(l, &mut |n| {
                            let _ = n;
                        });
                        let mut names = vec![];
                        assign_targets(l, &mut |n| names.push(n.to_string()));
                        for n in names {
                            self.f().globals.insert(n);
                        }
                        self.assign(l, r)?;
                        self.emit(Op::Pop);
                    }
                }
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::Local(items) => {
                for it in items {
                    match it {
                        Expr::Ident(n) if self.f().toplevel => {
                            self.fresh_local(n);
                        }
                        Expr::Assign(l, r) => {
                            if let Expr::Ident(n) = &**l
                                && self.f().toplevel
                            {
                                self.fresh_local(n);
                            }
                            self.assign(l, r)?;
                            self.emit(Op::Pop);
                        }
                        _ => {}
                    }
                }
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::Const(inner) => self.expr(inner),
            Expr::Using(names) => {
                for n in names {
                    let k = self.name(n);
                    self.emit(Op::Using(k));
                }
                self.emit(Op::Nothing);
                Ok(())
            }
            Expr::TypeAssert(v, t) => {
                self.expr(v)?;
                let ty = resolve_type(t)
                    .ok_or_else(|| syntax_error("invalid type in type assertion"))?;
                let k = self.konst(Value::ty(ty));
                self.emit(Op::TypeAssert(k));
                Ok(())
            }
            Expr::Curly(base, args) => match resolve_type(&Expr::Curly(base.clone(), args.clone()))
            {
                Some(t) => {
                    let k = self.konst(Value::ty(t));
                    self.emit(Op::Const(k));
                    Ok(())
                }
                None => Err(syntax_error("unsupported parametric type")),
            },
            Expr::Splat(_) => Err(syntax_error("\"...\" expression outside call")),
            Expr::Macro(name, args, line) => self.macro_call(name, args, *line),
            Expr::Struct {
                name,
                mutable,
                fields,
            } => {
                let def = crate::value::StructDef {
                    name: name.as_str().into(),
                    fields: fields
                        .iter()
                        .map(|(n, t)| (Name::from(n.as_str()), t.as_ref().and_then(resolve_type)))
                        .collect(),
                    mutable: *mutable,
                };
                let k = self.konst(Value::StructType(Arc::new(def)));
                self.emit(Op::DefStruct(k));
                Ok(())
            }
            Expr::End => Err(syntax_error("\"end\" used outside of indexing")),
            Expr::Colon => {
                let k = self.konst(Value::sym(":"));
                self.emit(Op::Const(k));
                Ok(())
            }
        }
    }

    fn binary(&mut self, op: &str, a: &Expr, b: &Expr) -> CResult<()> {
        // literal negative exponent: 2^-1 → Float64 power (Base.literal_pow)
        if op == "^"
            && let Expr::Int(n) = b.strip_line()
            && *n < 0
        {
            self.expr(a)?;
            let k = self.konst(Value::Int(*n));
            self.emit(Op::Const(k));
            let id = op_builtin("_literal_pow").ok_or_else(|| syntax_error("internal"))?;
            self.emit(Op::CallBuiltin(id, 2));
            return Ok(());
        }
        let id =
            op_builtin(op).ok_or_else(|| syntax_error(&format!("unsupported operator {op}")))?;
        self.expr(a)?;
        self.expr(b)?;
        self.emit(Op::CallBuiltin(id, 2));
        Ok(())
    }

    /// One step of a `Chain`: apply `op` (broadcast when `dot`) to the two values on top.
    fn chain_op(&mut self, op: &str, dot: bool) -> CResult<()> {
        let id = op_builtin(op).ok_or_else(|| {
            let d = if dot { "." } else { "" };
            syntax_error(&format!("unsupported operator {d}{op}"))
        })?;
        self.emit(if dot {
            Op::Broadcast(id, 2)
        } else {
            Op::CallBuiltin(id, 2)
        });
        Ok(())
    }

    fn compare(&mut self, operands: &[Expr], ops: &[String]) -> CResult<()> {
        // a < b < c  →  a < b && b < c (b evaluated once)
        let mut jumps = vec![];
        let tmp = if ops.len() > 1 {
            Some(self.hidden())
        } else {
            None
        };
        self.expr(&operands[0])?;
        for (i, op) in ops.iter().enumerate() {
            let name = match op.as_str() {
                "≤" => "<=",
                "≥" => ">=",
                "≠" => "!=",
                "∈" => "in",
                "∉" => "∉",
                o => o,
            };
            self.expr(&operands[i + 1])?;
            let last = i + 1 == ops.len();
            if !last && let Some(t) = tmp {
                self.emit(Op::Dup);
                self.emit(Op::StoreLocal(t));
            }
            let id = op_builtin(name)
                .ok_or_else(|| syntax_error(&format!("unsupported comparison {op}")))?;
            self.emit(Op::CallBuiltin(id, 2));
            if !last {
                jumps.push(self.emit(Op::JumpIfFalseKeep(0)));
                if let Some(t) = tmp {
                    self.emit(Op::LoadLocal(t));
                }
            }
        }
        let h = self.here();
        for j in jumps {
            self.patch(j, h);
        }
        Ok(())
    }

    fn cond(&mut self, c: &Expr) -> CResult<()> {
        self.expr(c)
    }

    fn if_expr(&mut self, c: &Expr, a: &Expr, b: Option<&Expr>) -> CResult<()> {
        self.cond(c)?;
        let jf = self.emit(Op::JumpIfFalse(0));
        self.expr(a)?;
        let je = self.emit(Op::Jump(0));
        let h = self.here();
        self.patch(jf, h);
        match b {
            Some(b) => self.expr(b)?,
            None => {
                self.emit(Op::Nothing);
            }
        }
        let h = self.here();
        self.patch(je, h);
        Ok(())
    }

    fn index_args(&mut self, idx: &[Expr]) -> CResult<()> {
        let has_end = idx.iter().any(contains_end);
        let n = idx.len() as u16;
        let t = if has_end {
            let t = self.hidden();
            self.emit(Op::Dup);
            self.emit(Op::StoreLocal(t));
            Some(t)
        } else {
            None
        };
        for (k, ix) in idx.iter().enumerate() {
            match t {
                Some(t) => self.expr_with_end(ix, t, k as u16, n)?,
                None => self.expr(ix)?,
            }
        }
        Ok(())
    }

    fn expr_with_end(&mut self, e: &Expr, t: u32, k: u16, n: u16) -> CResult<()> {
        deep(|| self.expr_with_end_in(e, t, k, n))
    }

    fn expr_with_end_in(&mut self, e: &Expr, t: u32, k: u16, n: u16) -> CResult<()> {
        match e {
            Expr::Chain(first, rest) => {
                self.expr_with_end(first, t, k, n)?;
                for (op, dot, x) in rest {
                    self.expr_with_end(x, t, k, n)?;
                    self.chain_op(op, *dot)?;
                }
                Ok(())
            }
            Expr::End => {
                self.emit(Op::LoadLocal(t));
                self.emit(Op::LastIndex(k, n));
                Ok(())
            }
            Expr::Binary(op, a, b) => {
                let id = op_builtin(op).ok_or_else(|| syntax_error("unsupported operator"))?;
                self.expr_with_end(a, t, k, n)?;
                self.expr_with_end(b, t, k, n)?;
                self.emit(Op::CallBuiltin(id, 2));
                Ok(())
            }
            Expr::Range(a, s, b) => {
                self.expr_with_end(a, t, k, n)?;
                if let Some(s) = s {
                    self.expr_with_end(s, t, k, n)?;
                }
                self.expr_with_end(b, t, k, n)?;
                self.emit(Op::MakeRange(s.is_some()));
                Ok(())
            }
            Expr::Call(f, args) if args.iter().all(|a| a.name.is_none() && !a.splat) => {
                self.expr(f)?;
                for a in args {
                    self.expr_with_end(&a.value, t, k, n)?;
                }
                self.emit(Op::Call(args.len() as u16, 0));
                Ok(())
            }
            other => self.expr(other),
        }
    }

    fn assign(&mut self, l: &Expr, r: &Expr) -> CResult<()> {
        match l {
            Expr::Ident(n) => {
                self.expr(r)?;
                self.emit(Op::Dup);
                self.store_name(n);
                Ok(())
            }
            Expr::TypeAssert(inner, t) => {
                self.assign(inner, &Expr::TypeAssert(Box::new(r.clone()), t.clone()))
            }
            Expr::Tuple(items) => {
                self.expr(r)?;
                self.emit(Op::Dup);
                self.destructure(items)
            }
            Expr::Index(obj, idx) => {
                // a[i] = v → value stays on stack
                self.expr(obj)?;
                self.index_args(idx)?;
                self.expr(r)?;
                self.emit(Op::SetIndex(idx.len() as u16));
                Ok(())
            }
            Expr::Field(obj, name) => {
                self.expr(obj)?;
                self.expr(r)?;
                let n = self.name(name);
                self.emit(Op::SetField(n));
                Ok(())
            }
            Expr::Assign(a, b) => {
                // a = b = r
                self.assign(b, r)?;
                let t = self.hidden();
                self.emit(Op::StoreLocal(t));
                let _ = t;
                self.emit(Op::LoadLocal(t));
                self.emit(Op::Dup);
                match &**a {
                    Expr::Ident(n) => {
                        self.store_name(n);
                        Ok(())
                    }
                    _ => Err(syntax_error("invalid chained assignment")),
                }
            }
            Expr::Call(..) => Err(syntax_error("invalid function definition")),
            _ => Err(syntax_error("invalid assignment location")),
        }
    }

    /// value on stack is consumed
    fn destructure(&mut self, items: &[Expr]) -> CResult<()> {
        self.emit(Op::Destructure(items.len() as u16));
        for it in items.iter().rev() {
            match it {
                Expr::Ident(n) => self.store_name(n),
                Expr::Tuple(inner) => deep(|| self.destructure(inner))?,
                Expr::TypeAssert(inner, _) => {
                    if let Expr::Ident(n) = &**inner {
                        self.store_name(n);
                    }
                }
                Expr::Index(obj, idx) => {
                    let t = self.hidden();
                    self.emit(Op::StoreLocal(t));
                    self.expr(obj)?;
                    self.index_args(idx)?;
                    self.emit(Op::LoadLocal(t));
                    self.emit(Op::SetIndex(idx.len() as u16));
                    self.emit(Op::Pop);
                }
                Expr::Field(obj, name) => {
                    let t = self.hidden();
                    self.emit(Op::StoreLocal(t));
                    self.expr(obj)?;
                    self.emit(Op::LoadLocal(t));
                    let n = self.name(name);
                    self.emit(Op::SetField(n));
                    self.emit(Op::Pop);
                }
                _ => return Err(syntax_error("invalid assignment location")),
            }
        }
        Ok(())
    }

    /// bind the loop target in a fresh scope; the element is on the stack
    fn bind_target(&mut self, target: &Expr) -> CResult<()> {
        match target {
            Expr::Ident(n) => {
                let s = self.fresh_local(n);
                self.emit(Op::StoreLocal(s));
                Ok(())
            }
            Expr::Tuple(items) => {
                self.emit(Op::Destructure(items.len() as u16));
                for it in items.iter().rev() {
                    deep(|| self.bind_target(it))?;
                }
                Ok(())
            }
            _ => Err(syntax_error("invalid iteration specification")),
        }
    }

    fn for_loop(&mut self, specs: &[(Expr, Expr)], i: usize, body: &Expr, hs: u32) -> CResult<()> {
        let (target, iter) = &specs[i];
        self.expr(iter)?;
        let it = self.hidden();
        self.emit(Op::IterInit(it));
        let top = self.here();
        let jn = self.emit(Op::IterNext(it, 0));
        self.bind_target(target)?;
        if i + 1 < specs.len() {
            self.for_loop(specs, i + 1, body, hs)?;
            self.emit(Op::Jump(top as u32));
        } else {
            let hd = self.f().handler_depth;
            let fd = self.f().finally_stack.len();
            self.f().loops.push(LoopCtx {
                height_slot: hs,
                breaks: vec![],
                continues: vec![],
                handler_depth: hd,
                finally_depth: fd,
            });
            let r = self.with_scope(|c| c.expr(body));
            let lp = self.f().loops.pop();
            r?;
            self.emit(Op::Pop);
            let cont = self.here();
            self.emit(Op::Jump(top as u32));
            let end = self.here();
            if let Some(lp) = lp {
                for b in lp.continues {
                    self.patch(b, cont);
                }
                for b in lp.breaks {
                    // break out of all nested loop specs: patched by the caller chain via exit label
                    self.f().chunk.code[b] = Op::Jump(u32::MAX);
                }
            }
            let _ = end;
        }
        let exit = self.here();
        self.patch(jn, exit);
        if i == 0 {
            // resolve breaks (marked u32::MAX) to the outermost exit
            let code = &mut self.f().chunk.code;
            for op in code[top..].iter_mut() {
                if *op == Op::Jump(u32::MAX) {
                    *op = Op::Jump(exit as u32);
                }
            }
        }
        Ok(())
    }

    fn comprehension(&mut self, body: &Expr, clauses: &[CompClause], i: usize) -> CResult<()> {
        // stack: [vec]
        if i == clauses.len() {
            self.expr(body)?;
            self.emit(Op::VecPush);
            return Ok(());
        }
        match &clauses[i] {
            CompClause::For(target, iter) => {
                self.expr(iter)?;
                let it = self.hidden();
                self.emit(Op::IterInit(it));
                let top = self.here();
                let jn = self.emit(Op::IterNext(it, 0));
                self.bind_target(target)?;
                self.comprehension(body, clauses, i + 1)?;
                self.emit(Op::Jump(top as u32));
                let exit = self.here();
                self.patch(jn, exit);
            }
            CompClause::If(c) => {
                self.cond(c)?;
                let jf = self.emit(Op::JumpIfFalse(0));
                self.comprehension(body, clauses, i + 1)?;
                let h = self.here();
                self.patch(jf, h);
            }
        }
        Ok(())
    }

    fn call(&mut self, f: &Expr, args: &[Arg], dot: bool) -> CResult<()> {
        if let Expr::Ident(n) = f
            && !dot
            && n == "Dict"
            && args.iter().any(|a| a.name.is_some())
        {
            return Err(syntax_error("Dict with keyword arguments is not supported"));
        }
        if dot {
            // f.(args) → _broadcast(f, args...)
            let g = self.name("_broadcast");
            self.emit(Op::LoadGlobal(g));
            self.expr(f)?;
            for a in args {
                self.expr(&a.value)?;
            }
            self.emit(Op::Call((args.len() + 1) as u16, 0));
            return Ok(());
        }
        self.expr(f)?;
        let pos: Vec<&Arg> = args.iter().filter(|a| a.name.is_none()).collect();
        let kws: Vec<&Arg> = args.iter().filter(|a| a.name.is_some()).collect();
        if kws.len() > MAX_KW {
            return Err(syntax_error("too many keyword arguments"));
        }
        let kwidx = if kws.is_empty() {
            0
        } else {
            let names: Vec<Name> = kws
                .iter()
                .map(|a| Name::from(a.name.as_deref().unwrap_or("")))
                .collect();
            let f = self.f();
            f.chunk.kwnames.push(names);
            f.chunk.kwnames.len() as u16
        };
        if pos.iter().any(|a| a.splat) {
            for a in &pos {
                self.expr(&a.value)?;
                if a.splat {
                    self.emit(Op::ToTuple);
                } else {
                    self.emit(Op::MakeTuple(1));
                }
            }
            self.emit(Op::ConcatTuples(pos.len() as u16));
            for a in &kws {
                self.expr(&a.value)?;
            }
            self.emit(Op::CallApply(kwidx));
            return Ok(());
        }
        for a in &pos {
            self.expr(&a.value)?;
        }
        for a in &kws {
            self.expr(&a.value)?;
        }
        self.emit(Op::Call(pos.len().min(u16::MAX as usize) as u16, kwidx));
        Ok(())
    }

    fn function(&mut self, def: &Arc<FuncDef>) -> CResult<()> {
        let name = def.name.clone().unwrap_or_default();
        let local = !self.f().toplevel && !self.f().globals.contains(&name);
        if local {
            let m = self.compile_method(def, Some(&name))?;
            self.make_closure(m)?;
            self.emit(Op::Dup);
            self.store_name(&name);
            return Ok(());
        }
        let m = self.compile_method(def, None)?;
        let f = self.f();
        f.chunk.methods.push(m);
        let mi = (f.chunk.methods.len() - 1) as u32;
        let n = self.name(&name);
        self.emit(Op::DefMethod(n, mi));
        Ok(())
    }

    fn make_closure(&mut self, m: Arc<Method>) -> CResult<()> {
        // captures were recorded in the method compile: they are in m's "captures" list,
        // which we get back through the last compiled capture list
        let caps = std::mem::take(&mut self.last_captures);
        for (_, load) in &caps {
            match load {
                Load::Local(s) => self.emit(Op::LoadLocal(*s)),
                Load::Cap(k) => self.emit(Op::LoadCap(*k)),
                Load::SelfRef => self.emit(Op::LoadSelf),
            };
        }
        let f = self.f();
        f.chunk.methods.push(m);
        let mi = (f.chunk.methods.len() - 1) as u32;
        self.emit(Op::MakeClosure(mi, caps.len() as u16));
        Ok(())
    }

    fn compile_method(&mut self, def: &FuncDef, self_name: Option<&str>) -> CResult<Arc<Method>> {
        if self.fns.len() > 32 {
            return Err(syntax_error("functions nested too deeply"));
        }
        let mut st = FnState::new(false);
        st.line = if def.line > 0 {
            def.line
        } else {
            self.f().line
        };
        st.self_name = self_name.map(|s| s.to_string());
        let global_fn = self_name.is_none() && def.name.is_some();
        // parameters first
        let mut params = Vec::new();
        let mut nreq = 0;
        let mut vararg = false;
        for p in &def.params {
            let s = st.new_slot(&p.name);
            st.scopes[0].insert(p.name.clone(), s);
            params.push((
                Name::from(p.name.as_str()),
                p.ty.as_ref().and_then(resolve_type),
            ));
            if p.splat {
                vararg = true;
            } else if p.default.is_none() {
                nreq += 1;
            }
        }
        let mut kwparams = Vec::new();
        for p in &def.kwparams {
            let s = st.new_slot(&p.name);
            st.scopes[0].insert(p.name.clone(), s);
            kwparams.push(Name::from(p.name.as_str()));
        }
        let mut g = HashSet::new();
        collect_globals(&def.body, &mut g, 0);
        st.globals = g;
        st.no_capture = global_fn;
        let mut outside = HashSet::new();
        let mut inside = HashSet::new();
        collect_assigned(&def.body, &mut outside, &mut inside, false, 0);
        let mut names: Vec<String> = outside.into_iter().chain(inside).collect();
        names.sort();
        names.dedup();
        for n in names {
            if st.globals.contains(&n)
                || st.scopes[0].contains_key(&n)
                || st.self_name.as_deref() == Some(n.as_str())
            {
                continue;
            }
            // closures: a name that resolves in the enclosing function stays a capture
            if !global_fn && self.resolve(&n).is_some() {
                continue;
            }
            let s = st.new_slot(&n);
            st.scopes[0].insert(n, s);
        }
        // locals assigned inside inner closures are shared by reference (boxed)
        let mut inner = HashSet::new();
        closure_assigned(&def.body, &mut inner, 0);
        for n in &inner {
            if let Some(&s) = st.scopes[0].get(n) {
                st.boxed.insert(s);
            }
        }
        let mut boxed: Vec<u32> = st.boxed.iter().copied().collect();
        boxed.sort();
        let nparams = (def.params.len() + def.kwparams.len()) as u32;
        self.fns.push(st);
        let r = (|| -> CResult<()> {
            // defaults
            for (i, p) in def.params.iter().enumerate() {
                if let Some(d) = &p.default {
                    let j = self.emit(Op::JumpIfArgGiven(i as u32, 0));
                    self.expr(d)?;
                    self.emit(Op::StoreLocal(i as u32));
                    let h = self.here();
                    self.patch(j, h);
                }
            }
            let np = def.params.len();
            for (k, p) in def.kwparams.iter().enumerate() {
                let slot = (np + k) as u32;
                let j = self.emit(Op::JumpIfDefined(slot, 0));
                match &p.default {
                    Some(d) => {
                        self.expr(d)?;
                        self.emit(Op::StoreLocal(slot));
                    }
                    None => {
                        let n = self.name(&p.name);
                        self.emit(Op::UndefKw(n));
                    }
                }
                let h = self.here();
                self.patch(j, h);
            }
            for s in &boxed {
                self.emit(if *s < nparams {
                    Op::BoxParam(*s)
                } else {
                    Op::NewBox(*s)
                });
            }
            self.expr(&def.body)?;
            self.emit(Op::Return);
            Ok(())
        })();
        let st = self
            .fns
            .pop()
            .ok_or_else(|| syntax_error("internal compiler error"))?;
        r?;
        self.last_captures = st.captures.iter().map(|(n, l)| (n.clone(), *l)).collect();
        let name = def.name.clone().unwrap_or_else(|| "anonymous".into());
        Ok(Arc::new(Method {
            name: name.into(),
            params,
            nreq,
            vararg,
            kwparams,
            chunk: Arc::new(st.chunk),
            prelude: self.prelude,
        }))
    }

    fn try_expr(
        &mut self,
        body: &Expr,
        var: Option<&str>,
        catch: Option<&Expr>,
        finally: Option<&Expr>,
    ) -> CResult<()> {
        let result = self.hidden();
        let h = self.emit(Op::PushHandler(0));
        self.f().handler_depth += 1;
        if let Some(fe) = finally {
            self.f().finally_stack.push(fe.clone());
        }
        let inner_catch = catch.is_some() && finally.is_some();
        let h2 = if inner_catch {
            let h2 = self.emit(Op::PushHandler(0));
            self.f().handler_depth += 1;
            Some(h2)
        } else {
            None
        };
        self.with_scope(|c| c.expr(body))?;
        self.emit(Op::StoreLocal(result));
        if let Some(h2) = h2 {
            self.emit(Op::PopHandler);
            self.f().handler_depth -= 1;
            let skip = self.emit(Op::Jump(0));
            let here = self.here();
            self.patch(h2, here);
            self.catch_body(var, catch, result)?;
            let here = self.here();
            self.patch(skip, here);
        }
        self.emit(Op::PopHandler);
        self.f().handler_depth -= 1;
        if finally.is_some() {
            self.f().finally_stack.pop();
        }
        let jok = self.emit(Op::Jump(0));
        let here = self.here();
        self.patch(h, here);
        match (catch, finally) {
            (_, Some(fe)) => {
                let ex = self.hidden();
                self.emit(Op::StoreLocal(ex));
                self.expr(fe)?;
                self.emit(Op::Pop);
                self.emit(Op::Rethrow(ex));
            }
            (Some(_), None) => self.catch_body(var, catch, result)?,
            (None, None) => {
                self.emit(Op::Pop);
            }
        }
        let ok = self.here();
        self.patch(jok, ok);
        if let Some(fe) = finally {
            self.expr(fe)?;
            self.emit(Op::Pop);
        }
        self.emit(Op::LoadLocal(result));
        Ok(())
    }

    fn catch_body(&mut self, var: Option<&str>, catch: Option<&Expr>, result: u32) -> CResult<()> {
        self.with_scope(|c| {
            match var {
                Some(v) => {
                    if c.f().toplevel {
                        let s = c.fresh_local(v);
                        c.emit(Op::StoreLocal(s));
                    } else {
                        c.store_name(v);
                    }
                }
                None => {
                    c.emit(Op::Pop);
                }
            }
            match catch {
                Some(b) => c.expr(b)?,
                None => {
                    c.emit(Op::Nothing);
                }
            }
            c.emit(Op::StoreLocal(result));
            Ok(())
        })
    }

    fn macro_call(&mut self, name: &str, args: &[Expr], line: u32) -> CResult<()> {
        if line > 0 {
            self.f().line = line;
        }
        match name {
            "assert" => {
                let cond = args
                    .first()
                    .ok_or_else(|| syntax_error("@assert needs an expression"))?;
                self.cond(cond)?;
                let j = self.emit(Op::JumpIfTrue(0));
                let throw = self.name("throw");
                let ae = self.name("AssertionError");
                self.emit(Op::LoadGlobal(throw));
                self.emit(Op::LoadGlobal(ae));
                match args.get(1) {
                    Some(m) => self.expr(m)?,
                    None => {
                        let k = self.konst(Value::string(crate::unparse::unparse(cond)));
                        self.emit(Op::Const(k));
                    }
                }
                self.emit(Op::Call(1, 0));
                self.emit(Op::Call(1, 0));
                self.emit(Op::Pop);
                let h = self.here();
                self.patch(j, h);
                self.emit(Op::Nothing);
                Ok(())
            }
            "show" => {
                for a in args {
                    let pl = self.name("println");
                    let rp = self.name("repr");
                    self.emit(Op::LoadGlobal(pl));
                    let k = self.konst(Value::string(format!("{} = ", crate::unparse::unparse(a))));
                    self.emit(Op::Const(k));
                    self.emit(Op::LoadGlobal(rp));
                    self.expr(a)?;
                    self.emit(Op::Call(1, 0));
                    self.emit(Op::Call(2, 0));
                    self.emit(Op::Pop);
                }
                match args.last() {
                    Some(a) => self.expr(a),
                    None => {
                        self.emit(Op::Nothing);
                        Ok(())
                    }
                }
            }
            "time" | "elapsed" => {
                let body = args
                    .first()
                    .ok_or_else(|| syntax_error("@time needs an expression"))?;
                let t0 = self.hidden();
                let tm = self.name("time");
                self.emit(Op::LoadGlobal(tm));
                self.emit(Op::Call(0, 0));
                self.emit(Op::StoreLocal(t0));
                self.expr(body)?;
                let r = self.hidden();
                self.emit(Op::StoreLocal(r));
                let fin = self.name(if name == "time" {
                    "_time_report"
                } else {
                    "_elapsed"
                });
                self.emit(Op::LoadGlobal(fin));
                self.emit(Op::LoadLocal(t0));
                self.emit(Op::Call(1, 0));
                if name == "time" {
                    self.emit(Op::Pop);
                    self.emit(Op::LoadLocal(r));
                }
                Ok(())
            }
            "info" | "warn" | "error" | "debug" => {
                let f = self.name("_log");
                self.emit(Op::LoadGlobal(f));
                let k = self.konst(Value::str(match name {
                    "info" => "Info",
                    "warn" => "Warning",
                    "error" => "Error",
                    _ => "Debug",
                }));
                self.emit(Op::Const(k));
                for a in args {
                    self.expr(a)?;
                }
                self.emit(Op::Call((args.len() + 1) as u16, 0));
                Ok(())
            }
            "inbounds" | "inline" | "noinline" | "views" | "fastmath" | "simd" | "everywhere" => {
                match args.first() {
                    Some(a) => self.expr(a),
                    None => {
                        self.emit(Op::Nothing);
                        Ok(())
                    }
                }
            }
            "sprintf" | "printf" => {
                let f = self.name(if name == "printf" {
                    "_printf"
                } else {
                    "_sprintf"
                });
                self.emit(Op::LoadGlobal(f));
                for a in args {
                    self.expr(a)?;
                }
                self.emit(Op::Call(args.len() as u16, 0));
                Ok(())
            }
            "async" | "spawn" | "threads" | "distributed" | "eval" | "macroexpand"
            | "generated" | "kwdef" | "enum" | "task" | "sync" | "btime" | "benchmark" | "test"
            | "testset" => Err(syntax_error(&format!(
                "unsupported syntax: macro @{name} is not supported by julia-lite"
            ))),
            other => Err(crate::errors::exc(
                "LoadError",
                format!(
                    "LoadError: UndefVarError: `@{other}` not defined\nin expression starting at none:{line}"
                ),
                format!("LoadError(\"none\", {line}, UndefVarError(Symbol(\"@{other}\")))"),
                vec![],
            )),
        }
    }
}

impl Default for Compiler {
    fn default() -> Self {
        Self::new()
    }
}

fn contains_end(e: &Expr) -> bool {
    deep(|| contains_end_in(e))
}

fn contains_end_in(e: &Expr) -> bool {
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
fn closure_assigned(e: &Expr, out: &mut HashSet<String>, depth: usize) {
    deep(|| closure_assigned_in(e, out, depth))
}

fn closure_assigned_in(e: &Expr, out: &mut HashSet<String>, depth: usize) {
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
