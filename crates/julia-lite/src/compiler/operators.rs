//! Operators, comparisons, conditions and index arguments (with `end`).

use super::*;

impl Compiler {
    pub(super) fn binary(&mut self, op: &str, a: &Expr, b: &Expr) -> CResult<()> {
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
    pub(super) fn chain_op(&mut self, op: &str, dot: bool) -> CResult<()> {
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

    pub(super) fn compare(&mut self, operands: &[Expr], ops: &[String]) -> CResult<()> {
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

    pub(super) fn cond(&mut self, c: &Expr) -> CResult<()> {
        self.expr(c)
    }

    pub(super) fn if_expr(&mut self, c: &Expr, a: &Expr, b: Option<&Expr>) -> CResult<()> {
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

    pub(super) fn index_args(&mut self, idx: &[Expr]) -> CResult<()> {
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

    pub(super) fn expr_with_end(&mut self, e: &Expr, t: u32, k: u16, n: u16) -> CResult<()> {
        deep(|| self.expr_with_end_in(e, t, k, n))
    }

    pub(super) fn expr_with_end_in(&mut self, e: &Expr, t: u32, k: u16, n: u16) -> CResult<()> {
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
}
