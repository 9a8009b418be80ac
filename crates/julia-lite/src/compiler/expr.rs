//! Expressions: the dispatch over every kind of expression.

use super::*;

impl Compiler {
    /// Small dispatcher (keeps the recursion frame small); the big match lives in `expr_full`.
    pub fn expr(&mut self, e: &Expr) -> CResult<()> {
        deep(|| self.expr_small(e))
    }

    pub(super) fn expr_small(&mut self, e: &Expr) -> CResult<()> {
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
    pub(super) fn expr_full(&mut self, e: &Expr) -> CResult<()> {
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
            Expr::DotAssign(l, r) if matches!(&**l, Expr::Index(..)) => {
                // a[idx...] .= expr  →  _dotassign_index!(a, idx..., expr): into the selected
                // elements of `a` itself (a[idx] would be a copy)
                let Expr::Index(obj, idx) = &**l else {
                    return Err(syntax_error("internal"));
                };
                if idx.len() > 2 {
                    return Err(syntax_error("too many indices"));
                }
                self.expr(obj)?;
                self.index_args(idx)?;
                self.expr(r)?;
                let id = op_builtin("_dotassign_index!").ok_or_else(|| syntax_error("internal"))?;
                self.emit(Op::CallBuiltin(id, idx.len() as u16 + 2));
                Ok(())
            }
            Expr::DotAssign(l, r) => {
                // a .= expr  →  copyto!(a, expr) with broadcasting of scalars
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
}
