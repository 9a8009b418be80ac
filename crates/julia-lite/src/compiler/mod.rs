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

mod analysis;
mod assign;
mod control;
mod expr;
mod functions;
mod macros;
mod operators;

use analysis::*;

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
    /// the highest position a label (`here()`) was taken at: instructions from there on
    /// may be jump targets, so they are not fused (see `emit`)
    last_label: Option<usize>,
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
            last_label: None,
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
        // a binary operator on a local and a local or a constant becomes one instruction
        // (the operands' loads and the call), unless a jump may land between them
        if let Op::CallBuiltin(id, 2) = op
            && let n = f.chunk.code.len()
            && n >= 2
            && f.last_label.is_none_or(|l| l < n - 1)
        {
            let fused = match (f.chunk.code[n - 2], f.chunk.code[n - 1]) {
                (Op::LoadLocal(a), Op::LoadLocal(b)) => Some(Op::BinLocalLocal(id, a, b)),
                (Op::LoadLocal(a), Op::Const(k)) => Some(Op::BinLocalConst(id, a, k)),
                _ => None,
            };
            if let Some(fused) = fused {
                f.chunk.code.truncate(n - 2);
                f.chunk.lines.truncate(n - 1);
                f.chunk.code.push(fused);
                return n - 2;
            }
        }
        // a `for` loop's next element goes straight into the loop variable
        if let Op::StoreLocal(var) = op
            && let n = f.chunk.code.len()
            && n >= 1
            && f.last_label.is_none_or(|l| l < n)
            && let Op::IterNext(it, exit) = f.chunk.code[n - 1]
        {
            f.chunk.code[n - 1] = Op::IterNextStore(it, exit, var);
            return n - 1;
        }
        f.chunk.code.push(op);
        let l = f.line;
        f.chunk.lines.push(l);
        f.chunk.code.len() - 1
    }

    fn here(&mut self) -> usize {
        let f = self.f();
        let at = f.chunk.code.len();
        f.last_label = Some(at);
        at
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
            Op::IterNextStore(s, _, v) => Op::IterNextStore(s, t, v),
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
}

impl Default for Compiler {
    fn default() -> Self {
        Self::new()
    }
}
