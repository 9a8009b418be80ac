//! Loops, comprehensions and `try`/`catch`/`finally`.

use super::*;

impl Compiler {
    pub(super) fn for_loop(
        &mut self,
        specs: &[(Expr, Expr)],
        i: usize,
        body: &Expr,
        hs: u32,
    ) -> CResult<()> {
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

    pub(super) fn comprehension(
        &mut self,
        body: &Expr,
        clauses: &[CompClause],
        i: usize,
    ) -> CResult<()> {
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

    pub(super) fn try_expr(
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

    pub(super) fn catch_body(
        &mut self,
        var: Option<&str>,
        catch: Option<&Expr>,
        result: u32,
    ) -> CResult<()> {
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
}
