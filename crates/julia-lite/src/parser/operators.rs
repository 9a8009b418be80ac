//! Statements and operator expressions, by precedence: assignment, pairs, `? :`, `||`/`&&`,
//! comparisons, `|>`, ranges, binary operators, unary operators, juxtaposition, `^`.

use super::*;

impl Parser {
    pub(super) fn parse_stmt(&mut self) -> PResult<Expr> {
        let e = self.parse_expr()?;
        Ok(e)
    }

    /// Full expression including a top-level comma tuple `a, b = 1, 2`.
    pub(super) fn parse_expr(&mut self) -> PResult<Expr> {
        let first = self.parse_assign()?;
        if self.peek() == &Tok::Comma && self.no_newline_skip == 0 && !self.space_sensitive {
            // bare tuple: `a, b = 1, 2` or `1, 2`
            let mut items = vec![first];
            while self.peek() == &Tok::Comma {
                self.next();
                if matches!(
                    self.peek(),
                    Tok::Newline | Tok::Eof | Tok::Semi | Tok::Op("=")
                ) {
                    break;
                }
                items.push(self.parse_pair_level()?);
            }
            let tup = Expr::Tuple(items);
            if self.is_op("=") {
                self.next();
                self.skip_newlines();
                let rhs = self.nested(|p| p.parse_expr())?;
                return Ok(Expr::Assign(Box::new(tup), Box::new(rhs)));
            }
            return Ok(tup);
        }
        Ok(first)
    }

    pub(super) fn parse_assign(&mut self) -> PResult<Expr> {
        let lhs = self.parse_pair_level()?;
        if let Tok::Op(op) = self.peek().clone() {
            match op {
                "=" => {
                    self.next();
                    self.skip_newlines();
                    let rhs = self.parse_assign_rhs()?;
                    // short function definition
                    if let Some(def) = short_function(&lhs, &rhs) {
                        return Ok(def);
                    }
                    return Ok(Expr::Assign(Box::new(lhs), Box::new(rhs)));
                }
                ".=" => {
                    self.next();
                    self.skip_newlines();
                    let rhs = self.parse_assign_rhs()?;
                    return Ok(Expr::DotAssign(Box::new(lhs), Box::new(rhs)));
                }
                "->" => {
                    self.next();
                    self.skip_newlines();
                    let line = self.line();
                    let body = self.nested(|p| p.parse_assign())?;
                    let params = lambda_params(&lhs).map_err(|m| self.err(m))?;
                    return Ok(Expr::Lambda(Arc::new(FuncDef {
                        name: None,
                        params,
                        kwparams: vec![],
                        body: Box::new(body),
                        line,
                    })));
                }
                _ => {
                    if let Some(base) = op.strip_suffix('=')
                        && !base.is_empty()
                        && !matches!(
                            op,
                            "==" | "<="
                                | ">="
                                | "!="
                                | "==="
                                | "!=="
                                | ".=="
                                | ".<="
                                | ".>="
                                | ".!="
                        )
                    {
                        self.next();
                        self.skip_newlines();
                        let rhs = self.parse_assign_rhs()?;
                        if let Some(b) = base.strip_prefix('.') {
                            let val = Expr::DotBinary(
                                b.to_string(),
                                Box::new(lhs.clone()),
                                Box::new(rhs),
                            );
                            return Ok(Expr::DotAssign(Box::new(lhs), Box::new(val)));
                        }
                        return Ok(Expr::OpAssign(
                            base.to_string(),
                            Box::new(lhs),
                            Box::new(rhs),
                        ));
                    }
                }
            }
        }
        Ok(lhs)
    }

    pub(super) fn parse_assign_rhs(&mut self) -> PResult<Expr> {
        let first = self.nested(|p| p.parse_assign())?;
        if self.peek() == &Tok::Comma && self.no_newline_skip == 0 && !self.space_sensitive {
            let mut items = vec![first];
            while self.peek() == &Tok::Comma {
                self.next();
                if matches!(self.peek(), Tok::Newline | Tok::Eof | Tok::Semi) {
                    break;
                }
                items.push(self.parse_pair_level()?);
            }
            return Ok(Expr::Tuple(items));
        }
        Ok(first)
    }

    pub(super) fn parse_pair_level(&mut self) -> PResult<Expr> {
        let lhs = self.parse_ternary()?;
        if self.is_op("=>") {
            self.next();
            self.skip_newlines();
            let rhs = self.nested(|p| p.parse_pair_level())?;
            return Ok(Expr::Pair(Box::new(lhs), Box::new(rhs)));
        }
        Ok(lhs)
    }

    pub(super) fn parse_ternary(&mut self) -> PResult<Expr> {
        let cond = self.parse_or()?;
        if self.is_op("?") {
            self.next();
            self.skip_newlines();
            return self.nested(|p| {
                p.ternary += 1;
                let a = p.parse_pair_level();
                p.ternary -= 1;
                let a = a?;
                p.skip_newlines();
                if !p.is_op(":") {
                    return Err(p.unexpected());
                }
                p.next();
                p.skip_newlines();
                let b = p.parse_pair_level()?;
                Ok(Expr::Ternary(Box::new(cond), Box::new(a), Box::new(b)))
            });
        }
        Ok(cond)
    }

    pub(super) fn parse_or(&mut self) -> PResult<Expr> {
        let first = self.parse_and()?;
        if !self.is_op("||") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_op("||") {
            self.next();
            self.skip_newlines();
            items.push(self.parse_and()?);
        }
        Ok(Expr::Or(items))
    }

    pub(super) fn parse_and(&mut self) -> PResult<Expr> {
        let first = self.parse_comparison()?;
        if !self.is_op("&&") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_op("&&") {
            self.next();
            self.skip_newlines();
            items.push(self.parse_comparison()?);
        }
        Ok(Expr::And(items))
    }

    pub(super) fn comparison_op(&self) -> Option<String> {
        match self.peek() {
            Tok::Op(o) if is_comparison(o) => Some(o.to_string()),
            Tok::Op(o) if matches!(*o, ".==" | ".!=" | ".<" | ".>" | ".<=" | ".>=") => {
                Some(o.to_string())
            }
            Tok::Kw("in") => Some("in".into()),
            Tok::Kw("isa") => Some("isa".into()),
            _ => None,
        }
    }

    pub(super) fn parse_comparison(&mut self) -> PResult<Expr> {
        let first = self.parse_pipe()?;
        let mut operands = vec![first];
        let mut ops = Vec::new();
        while let Some(op) = self.comparison_op() {
            if self.space_sensitive
                && self.cur().space_before
                && !self.toks[self.pos + 1].space_before
            {
                break;
            }
            self.next();
            self.skip_newlines();
            ops.push(op);
            operands.push(self.parse_pipe()?);
        }
        if ops.is_empty() {
            return Ok(operands.pop().unwrap_or(Expr::Nothing));
        }
        if ops.len() == 1 && ops[0].starts_with('.') {
            let b = operands.pop().unwrap_or(Expr::Nothing);
            let a = operands.pop().unwrap_or(Expr::Nothing);
            return Ok(Expr::DotBinary(
                ops[0][1..].to_string(),
                Box::new(a),
                Box::new(b),
            ));
        }
        Ok(Expr::Compare(operands, ops))
    }

    pub(super) fn parse_pipe(&mut self) -> PResult<Expr> {
        let mut lhs = self.parse_range()?;
        let depth = self.depth;
        while self.is_op("|>") {
            self.next();
            self.skip_newlines();
            // each link nests the expression one level deeper
            self.enter()?;
            let f = deep(|| self.parse_range())?;
            lhs = Expr::Call(
                Box::new(f),
                vec![Arg {
                    name: None,
                    value: lhs,
                    splat: false,
                    semi: false,
                }],
            );
        }
        self.depth = depth;
        Ok(lhs)
    }

    pub(super) fn parse_range(&mut self) -> PResult<Expr> {
        let a = self.parse_binary(0)?;
        let ternary_colon = self.ternary > 0 && self.cur().space_before;
        if self.is_op(":")
            && !ternary_colon
            && !(self.space_sensitive
                && self.cur().space_before
                && !self.toks[self.pos + 1].space_before)
        {
            // `a:b` or `a:s:b`; a bare `:` (e.g. x[:, 1]) is handled in primary
            if matches!(
                self.peek_at(1),
                Tok::RParen | Tok::RBracket | Tok::Comma | Tok::Eof | Tok::Newline
            ) {
                return Ok(a);
            }
            self.next();
            self.skip_newlines();
            let b = self.parse_binary(0)?;
            if self.is_op(":") {
                self.next();
                self.skip_newlines();
                let c = self.parse_binary(0)?;
                return Ok(Expr::Range(Box::new(a), Some(Box::new(b)), Box::new(c)));
            }
            return Ok(Expr::Range(Box::new(a), None, Box::new(b)));
        }
        Ok(a)
    }

    /// binary levels: 0 = plus, 1 = times, 2 = rational, 3 = bitshift. A run of operators of
    /// one level becomes `Binary` (one operator) or a flat `Chain` (more).
    pub(super) fn parse_binary(&mut self, level: u8) -> PResult<Expr> {
        if level > 3 {
            return self.parse_unary();
        }
        let first = self.parse_binary(level + 1)?;
        let mut rest: Vec<(String, bool, Expr)> = Vec::new();
        while let Tok::Op(op) = self.peek().clone() {
            let (base, dot) = match op.strip_prefix('.') {
                Some(b) if !b.is_empty() && b != "." => (b, true),
                _ => (op, false),
            };
            let lv = match base {
                "+" | "-" | "|" | "⊻" => 0,
                "*" | "/" | "÷" | "%" | "&" | "\\" => 1,
                "//" => 2,
                "<<" | ">>" | ">>>" => 3,
                _ => break,
            };
            if lv != level {
                break;
            }
            // inside [...] `a -b` is two elements
            if self.space_sensitive
                && self.cur().space_before
                && !self.toks[self.pos + 1].space_before
            {
                break;
            }
            self.next();
            self.skip_newlines();
            let rhs = self.parse_binary(level + 1)?;
            rest.push((base.to_string(), dot, rhs));
        }
        if rest.len() > 1 {
            return Ok(Expr::Chain(Box::new(first), rest));
        }
        Ok(match rest.pop() {
            None => first,
            Some((op, true, rhs)) => Expr::DotBinary(op, Box::new(first), Box::new(rhs)),
            Some((op, false, rhs)) => Expr::Binary(op, Box::new(first), Box::new(rhs)),
        })
    }

    pub(super) fn parse_unary(&mut self) -> PResult<Expr> {
        if let Tok::Op(op) = self.peek().clone()
            && matches!(op, "-" | "+" | "!" | "~" | "√" | ".-" | ".!")
        {
            if matches!(
                self.peek_at(1),
                Tok::Eof | Tok::Newline | Tok::RParen | Tok::Comma | Tok::Semi | Tok::RBracket
            ) {
                self.next();
                return Ok(Expr::Ident(op.to_string()));
            }
            if matches!(op, "!" | "-" | "+")
                && self.peek_at(1) == &Tok::LParen
                && !self.toks[(self.pos + 1).min(self.toks.len() - 1)].space_before
            {
                // `!(x)` / `-(a, b)`: the operator called as a function
                return self.parse_juxt();
            }
            self.next();
            let operand = self.nested(|p| p.parse_unary())?;
            if let Some(b) = op.strip_prefix('.') {
                return Ok(Expr::DotUnary(b.to_string(), Box::new(operand)));
            }
            return Ok(match (op, operand) {
                ("-", Expr::Int(i)) => Expr::Int(i.wrapping_neg()),
                ("-", Expr::Float(f)) => Expr::Float(-f),
                (op, e) => Expr::Unary(op.to_string(), Box::new(e)),
            });
        }
        self.parse_juxt()
    }

    pub(super) fn parse_juxt(&mut self) -> PResult<Expr> {
        let is_num = matches!(self.peek(), Tok::Int(_) | Tok::Float(_) | Tok::Float32(_));
        let base = self.parse_power()?;
        if is_num {
            let nt = self.cur();
            if !nt.space_before && matches!(nt.tok, Tok::Ident(_) | Tok::LParen) {
                let rhs = self.parse_power()?;
                return Ok(Expr::Binary("*".into(), Box::new(base), Box::new(rhs)));
            }
        }
        Ok(base)
    }

    pub(super) fn parse_power(&mut self) -> PResult<Expr> {
        let base = self.parse_postfix()?;
        if self.is_op("^") || self.is_op(".^") {
            let dot = self.is_op(".^");
            self.next();
            self.skip_newlines();
            let exp = self.nested(|p| p.parse_unary())?;
            return Ok(if dot {
                Expr::DotBinary("^".into(), Box::new(base), Box::new(exp))
            } else {
                Expr::Binary("^".into(), Box::new(base), Box::new(exp))
            });
        }
        Ok(base)
    }
}
