//! Call arguments and postfix chains: `f(args)`, `a[i]`, `a.b`, `x'`, `x::T`, `T{…}`.

use super::*;

impl Parser {
    pub(super) fn parse_args(&mut self, close: Tok) -> PResult<Vec<Arg>> {
        // after the opening paren
        let saved = self.space_sensitive;
        self.space_sensitive = false;
        self.no_newline_skip += 1;
        let r = self.parse_args_inner(close);
        self.no_newline_skip -= 1;
        self.space_sensitive = saved;
        r
    }

    pub(super) fn parse_args_inner(&mut self, close: Tok) -> PResult<Vec<Arg>> {
        let mut args = Vec::new();
        let mut kw_mode = false;
        loop {
            self.skip_newlines();
            if self.peek() == &close {
                self.next();
                break;
            }
            if self.peek() == &Tok::Semi {
                self.next();
                kw_mode = true;
                continue;
            }
            let mut e = self.parse_assign()?;
            let arg = match &mut e {
                Expr::Assign(lhs, rhs) => match &mut **lhs {
                    Expr::Ident(n) => Arg {
                        name: Some(std::mem::take(n)),
                        value: rhs.take(),
                        splat: false,
                        semi: kw_mode,
                    },
                    Expr::TypeAssert(..) if !kw_mode => Arg {
                        name: None,
                        value: e,
                        splat: false,
                        semi: false,
                    },
                    Expr::TypeAssert(v, _) => match &mut **v {
                        Expr::Ident(n) => Arg {
                            name: Some(std::mem::take(n)),
                            value: rhs.take(),
                            splat: false,
                            semi: true,
                        },
                        _ => return Err(self.err("invalid keyword argument syntax".into())),
                    },
                    _ => return Err(self.err("invalid keyword argument syntax".into())),
                },
                Expr::Splat(inner) => Arg {
                    name: None,
                    value: inner.take(),
                    splat: true,
                    semi: false,
                },
                Expr::Ident(n) if kw_mode => Arg {
                    name: Some(n.clone()),
                    value: e,
                    splat: false,
                    semi: true,
                },
                Expr::TypeAssert(..) if kw_mode => {
                    let p = param_from_expr(e).map_err(|m| self.err(m))?;
                    Arg {
                        name: Some(p.name.clone()),
                        value: Expr::Ident(p.name),
                        splat: false,
                        semi: true,
                    }
                }
                Expr::Generator(..) => Arg {
                    name: None,
                    value: e,
                    splat: false,
                    semi: false,
                },
                _ => Arg {
                    name: None,
                    value: e,
                    splat: false,
                    semi: false,
                },
            };
            args.push(arg);
            self.skip_newlines();
            if self.is_kw("for") {
                // generator argument: f(x for x in xs)
                let Some(last) = args.pop() else {
                    return Err(self.unexpected());
                };
                let clauses = self.parse_comp_clauses()?;
                args.push(Arg {
                    name: None,
                    value: Expr::Generator(Box::new(last.value), clauses),
                    splat: false,
                    semi: false,
                });
                self.skip_newlines();
            }
            match self.peek() {
                Tok::Comma => {
                    self.next();
                }
                Tok::Semi => {}
                t if *t == close => {}
                _ => return Err(self.unexpected()),
            }
        }
        Ok(args)
    }

    pub(super) fn parse_postfix(&mut self) -> PResult<Expr> {
        let is_num = matches!(self.peek(), Tok::Int(_) | Tok::Float(_) | Tok::Float32(_));
        let e = self.parse_primary()?;
        let depth = self.depth;
        let r = deep(|| self.parse_postfix_links(e, is_num));
        self.depth = depth;
        r
    }

    /// The links of a postfix chain after its first operand; each link nests the expression
    /// one level deeper and counts as a level.
    pub(super) fn parse_postfix_links(&mut self, mut e: Expr, is_num: bool) -> PResult<Expr> {
        loop {
            let t = self.cur().clone();
            if matches!(
                &t.tok,
                Tok::LParen
                    | Tok::LBracket
                    | Tok::LBrace
                    | Tok::Op(".")
                    | Tok::Op("'")
                    | Tok::Op("...")
                    | Tok::Op("::")
            ) {
                self.enter()?;
            }
            match &t.tok {
                // `2(x+1)` is juxtaposition, handled by the caller
                Tok::LParen if !t.space_before && !is_num => {
                    self.next();
                    let args = self.parse_args(Tok::RParen)?;
                    e = Expr::Call(Box::new(e), args);
                    if self.is_kw("do") {
                        let line = self.line();
                        self.next();
                        let mut params = Vec::new();
                        while !matches!(self.peek(), Tok::Newline | Tok::Semi | Tok::Eof) {
                            if self.peek() == &Tok::Comma {
                                self.next();
                                continue;
                            }
                            let name = self.ident()?;
                            params.push(Param {
                                name,
                                ty: None,
                                default: None,
                                splat: false,
                            });
                        }
                        let body = self.parse_block(&["end"], "do", line)?;
                        self.expect_end("do", line)?;
                        let lam = Expr::Lambda(Arc::new(FuncDef {
                            name: None,
                            params,
                            kwparams: vec![],
                            body: Box::new(body),
                            line,
                        }));
                        if let Expr::Call(f, args) = &mut e {
                            let (f, mut args) = (f.take(), std::mem::take(args));
                            args.insert(
                                0,
                                Arg {
                                    name: None,
                                    value: lam,
                                    splat: false,
                                    semi: false,
                                },
                            );
                            e = Expr::Call(Box::new(f), args);
                        }
                    }
                }
                Tok::LBracket if !t.space_before && !is_num => {
                    self.next();
                    let saved = self.space_sensitive;
                    self.space_sensitive = false;
                    self.no_newline_skip += 1;
                    self.in_index += 1;
                    let mut idx = Vec::new();
                    let mut comp = None;
                    let r: PResult<()> = (|| {
                        loop {
                            self.skip_newlines();
                            if self.peek() == &Tok::RBracket {
                                self.next();
                                break;
                            }
                            idx.push(self.parse_assign()?);
                            self.skip_newlines();
                            match self.peek() {
                                Tok::Comma => {
                                    self.next();
                                }
                                Tok::RBracket => {}
                                Tok::Kw("for") if idx.len() == 1 => {
                                    comp = Some(self.parse_comp_clauses()?);
                                    self.skip_newlines();
                                    self.expect(Tok::RBracket)?;
                                    break;
                                }
                                _ => return Err(self.unexpected()),
                            }
                        }
                        Ok(())
                    })();
                    self.space_sensitive = saved;
                    self.no_newline_skip -= 1;
                    self.in_index -= 1;
                    r?;
                    e = match comp {
                        Some(clauses) => {
                            let body = idx.pop().unwrap_or(Expr::Nothing);
                            if self.comp_rank >= 2 {
                                comprehension_2d(Some(e), body, clauses)?
                            } else {
                                Expr::TypedComprehension(Box::new(e), Box::new(body), clauses)
                            }
                        }
                        None => Expr::Index(Box::new(e), idx),
                    };
                }
                Tok::LBrace if !t.space_before => {
                    self.next();
                    let args = self.parse_args(Tok::RBrace)?;
                    e = Expr::Curly(Box::new(e), args.into_iter().map(|a| a.value).collect());
                }
                Tok::Op(".") => {
                    self.next();
                    match self.peek().clone() {
                        Tok::Ident(name) => {
                            self.next();
                            e = Expr::Field(Box::new(e), name);
                        }
                        Tok::LParen => {
                            self.next();
                            let args = self.parse_args(Tok::RParen)?;
                            e = Expr::DotCall(Box::new(e), args);
                        }
                        Tok::Op(":") => {
                            // Base.:+
                            self.next();
                            let Tok::Op(op) = self.next() else {
                                return Err(self.unexpected());
                            };
                            e = Expr::Field(Box::new(e), op.to_string());
                        }
                        _ => return Err(self.unexpected()),
                    }
                }
                Tok::Op("'") => {
                    self.next();
                    e = Expr::Call(
                        Box::new(Expr::Ident("adjoint".into())),
                        vec![Arg {
                            name: None,
                            value: e,
                            splat: false,
                            semi: false,
                        }],
                    );
                }
                Tok::Op("...") => {
                    self.next();
                    e = Expr::Splat(Box::new(e));
                }
                Tok::Op("::") => {
                    self.next();
                    let ty = self.parse_primary_type()?;
                    e = Expr::TypeAssert(Box::new(e), Box::new(ty));
                }
                _ => break,
            }
        }
        Ok(e)
    }

    pub(super) fn parse_primary_type(&mut self) -> PResult<Expr> {
        let mut e = match self.next() {
            Tok::Ident(n) => Expr::Ident(n),
            Tok::Eof => return Err(self.err("incomplete: premature end of input".into())),
            t => return Err(self.err(format!("unexpected \"{}\"", tok_text(&t)))),
        };
        // like postfix links, each `.` or `{…}` nests the expression one level deeper
        let depth = self.depth;
        let r = deep(|| {
            loop {
                if self.is_op(".") {
                    self.enter()?;
                    self.next();
                    let n = self.ident()?;
                    e = Expr::Field(Box::new(e), n);
                } else if self.peek() == &Tok::LBrace && !self.cur().space_before {
                    self.enter()?;
                    self.next();
                    let args = self.parse_args(Tok::RBrace)?;
                    e = Expr::Curly(Box::new(e), args.into_iter().map(|a| a.value).collect());
                } else {
                    break;
                }
            }
            Ok(e)
        });
        self.depth = depth;
        r
    }
}
