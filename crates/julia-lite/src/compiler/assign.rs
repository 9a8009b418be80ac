//! Assignment: plain, indexed, field and destructuring targets.

use super::*;

impl Compiler {
    pub(super) fn assign(&mut self, l: &Expr, r: &Expr) -> CResult<()> {
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
    pub(super) fn destructure(&mut self, items: &[Expr]) -> CResult<()> {
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
    pub(super) fn bind_target(&mut self, target: &Expr) -> CResult<()> {
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
}
