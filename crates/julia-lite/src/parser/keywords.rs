//! Keyword forms: `if`, `for`, `while`, `function`, `struct`, `try`, `let`, `begin` …, and
//! the parameter lists of functions and lambdas.

use super::*;

impl Parser {
    pub(super) fn parse_keyword(&mut self, k: &'static str, line: u32) -> PResult<Expr> {
        match k {
            "begin" if self.in_index > 0 && !matches!(self.peek(), Tok::Newline | Tok::Semi) => {
                Ok(Expr::Int(1))
            }
            "begin" => {
                let b = self.parse_block(&["end"], "begin", line)?;
                self.expect_end("begin", line)?;
                Ok(b)
            }
            "if" => self.parse_if(line, "if"),
            "while" => {
                let cond = self.parse_expr()?;
                let body = self.parse_block(&["end"], "while", line)?;
                self.expect_end("while", line)?;
                Ok(Expr::While(Box::new(cond), Box::new(body)))
            }
            "for" => {
                let mut specs = Vec::new();
                loop {
                    specs.push(self.parse_for_spec()?);
                    if self.peek() == &Tok::Comma {
                        self.next();
                        continue;
                    }
                    break;
                }
                let body = self.parse_block(&["end"], "for", line)?;
                self.expect_end("for", line)?;
                Ok(Expr::For(specs, Box::new(body)))
            }
            "function" => self.parse_function(line),
            "return" => {
                if matches!(
                    self.peek(),
                    Tok::Newline | Tok::Semi | Tok::Eof | Tok::Kw("end")
                ) {
                    Ok(Expr::Return(None))
                } else {
                    Ok(Expr::Return(Some(Box::new(self.parse_expr()?))))
                }
            }
            "break" => Ok(Expr::Break),
            "continue" => Ok(Expr::Continue),
            "let" => {
                let mut binds = Vec::new();
                while !matches!(self.peek(), Tok::Newline | Tok::Semi) {
                    self.no_newline_skip += 1;
                    let e = self.parse_assign();
                    self.no_newline_skip -= 1;
                    let mut e = e?;
                    match &mut e {
                        Expr::Assign(l, r) => binds.push((l.take(), Some(r.take()))),
                        Expr::Ident(_) => binds.push((e, None)),
                        _ => return Err(self.err("invalid let syntax".into())),
                    }
                    if self.peek() == &Tok::Comma {
                        self.next();
                    } else {
                        break;
                    }
                }
                let body = self.parse_block(&["end"], "let", line)?;
                self.expect_end("let", line)?;
                Ok(Expr::Let(binds, Box::new(body)))
            }
            "try" => {
                let body = self.parse_block(&["catch", "finally", "end"], "try", line)?;
                let mut var = None;
                let mut catch = None;
                let mut finally = None;
                if self.is_kw("catch") {
                    self.next();
                    if let Tok::Ident(n) = self.peek().clone() {
                        self.next();
                        var = Some(n);
                    }
                    catch = Some(Box::new(self.parse_block(
                        &["finally", "end"],
                        "try",
                        line,
                    )?));
                }
                if self.is_kw("finally") {
                    self.next();
                    finally = Some(Box::new(self.parse_block(&["end"], "try", line)?));
                }
                self.expect_end("try", line)?;
                if catch.is_none() && finally.is_none() {
                    // try ... end silently catches
                    catch = Some(Box::new(Expr::Nothing));
                }
                Ok(Expr::Try {
                    body: Box::new(body),
                    var,
                    catch,
                    finally,
                })
            }
            "global" | "local" | "const" => {
                let mut e = self.parse_expr()?;
                let items = match &mut e {
                    Expr::Tuple(v) => std::mem::take(v),
                    _ => vec![e],
                };
                Ok(match k {
                    "global" => Expr::Global(items),
                    "local" => Expr::Local(items),
                    _ => Expr::Const(Box::new(items.into_iter().next().unwrap_or(Expr::Nothing))),
                })
            }
            "using" | "import" => {
                let mut names = Vec::new();
                loop {
                    let mut n = self.ident()?;
                    while self.is_op(".") {
                        self.next();
                        n.push('.');
                        n.push_str(&self.ident()?);
                    }
                    if self.is_op(":") {
                        // using JSON: json
                        self.next();
                        while !matches!(self.peek(), Tok::Newline | Tok::Semi | Tok::Eof) {
                            self.next();
                        }
                    }
                    names.push(n);
                    if self.peek() == &Tok::Comma {
                        self.next();
                        continue;
                    }
                    break;
                }
                Ok(Expr::Using(names))
            }
            "struct" => self.parse_struct(false, line),
            "mutable" => {
                if !self.is_kw("struct") {
                    return Err(self.unexpected());
                }
                self.next();
                self.parse_struct(true, line)
            }
            "module" | "macro" | "quote" | "abstract" | "primitive" | "export" => Err(ParseError {
                msg: format!("unsupported syntax: `{k}` is not supported by julia-lite"),
                line,
            }),
            other => Err(ParseError {
                msg: format!("unexpected \"{other}\""),
                line,
            }),
        }
    }

    pub(super) fn parse_struct(&mut self, mutable: bool, line: u32) -> PResult<Expr> {
        let name = self.ident()?;
        if self.peek() == &Tok::LBrace || self.is_op("<:") {
            return Err(
                self.err("parametric or subtyped structs are not supported by julia-lite".into())
            );
        }
        let mut fields = Vec::new();
        loop {
            self.skip_separators();
            if self.is_kw("end") {
                self.next();
                break;
            }
            if self.peek() == &Tok::Eof {
                return Err(ParseError {
                    msg: format!("incomplete: \"struct\" at none:{line} requires end"),
                    line,
                });
            }
            let f = self.ident()?;
            let ty = if self.is_op("::") {
                self.next();
                Some(self.parse_primary_type()?)
            } else {
                None
            };
            if !matches!(self.peek(), Tok::Newline | Tok::Semi | Tok::Kw("end")) {
                return Err(self.err(
                    "inner constructors and field defaults are not supported by julia-lite".into(),
                ));
            }
            fields.push((f, ty));
        }
        Ok(Expr::Struct {
            name,
            mutable,
            fields,
        })
    }

    pub(super) fn parse_if(&mut self, line: u32, opener: &str) -> PResult<Expr> {
        let cond = self.parse_expr()?;
        let then = self.parse_block(&["elseif", "else", "end"], opener, line)?;
        let els = if self.is_kw("elseif") {
            let l = self.line();
            self.next();
            let r = self.nested(|p| p.parse_if(l, "if"))?;
            return Ok(Expr::If(Box::new(cond), Box::new(then), Some(Box::new(r))));
        } else if self.is_kw("else") {
            self.next();
            let b = self.parse_block(&["end"], opener, line)?;
            Some(Box::new(b))
        } else {
            None
        };
        self.expect_end(opener, line)?;
        Ok(Expr::If(Box::new(cond), Box::new(then), els))
    }

    pub(super) fn parse_function(&mut self, line: u32) -> PResult<Expr> {
        // function name(params; kw) body end
        let name = match self.next() {
            Tok::Ident(n) => {
                let mut n = n;
                while self.is_op(".") {
                    // Base.show etc: keep the last component
                    self.next();
                    n = self.ident()?;
                }
                n
            }
            Tok::Op(op) => op.to_string(),
            Tok::LParen => {
                // anonymous `function (x) ... end`
                let args = self.parse_args(Tok::RParen)?;
                let (params, kwparams) = params_from_args(args).map_err(|m| self.err(m))?;
                let body = self.parse_block(&["end"], "function", line)?;
                self.expect_end("function", line)?;
                return Ok(Expr::Lambda(Arc::new(FuncDef {
                    name: None,
                    params,
                    kwparams,
                    body: Box::new(body),
                    line,
                })));
            }
            Tok::Eof => return Err(self.err("incomplete: premature end of input".into())),
            t => return Err(self.err(format!("unexpected \"{}\"", tok_text(&t)))),
        };
        if self.peek() != &Tok::LParen {
            return Err(self.err(format!("invalid function definition for `{name}`")));
        }
        self.next();
        let args = self.parse_args(Tok::RParen)?;
        let (params, kwparams) = params_from_args(args).map_err(|m| self.err(m))?;
        if self.is_op("::") {
            self.next();
            self.parse_primary_type()?;
        }
        if matches!(self.peek(), Tok::Ident(w) if w == "where") {
            return Err(self.err(
                "unsupported syntax: `where` clauses are not supported by julia-lite".into(),
            ));
        }
        let body = self.parse_block(&["end"], "function", line)?;
        self.expect_end("function", line)?;
        Ok(Expr::Function(Arc::new(FuncDef {
            name: Some(name),
            params,
            kwparams,
            body: Box::new(body),
            line,
        })))
    }
}

pub(super) fn param_from_expr(mut e: Expr) -> Result<Param, String> {
    match &mut e {
        Expr::Ident(n) => Ok(Param {
            name: std::mem::take(n),
            ty: None,
            default: None,
            splat: false,
        }),
        Expr::TypeAssert(v, t) => match &mut **v {
            Expr::Ident(n) => Ok(Param {
                name: std::mem::take(n),
                ty: Some(t.take()),
                default: None,
                splat: false,
            }),
            _ => Err("invalid function parameter".into()),
        },
        Expr::Assign(l, r) => {
            let mut p = param_from_expr(l.take())?;
            p.default = Some(r.take());
            Ok(p)
        }
        Expr::Splat(inner) => {
            let mut p = param_from_expr(inner.take())?;
            p.splat = true;
            Ok(p)
        }
        Expr::Tuple(_) => {
            Err("destructuring function parameters are not supported by julia-lite".into())
        }
        _ => Err("invalid function parameter".into()),
    }
}

pub(super) fn params_from_args(args: Vec<Arg>) -> Result<(Vec<Param>, Vec<Param>), String> {
    let mut params = Vec::new();
    let mut kw = Vec::new();
    for a in args {
        match a.name {
            Some(n) if !a.semi => {
                params.push(Param {
                    name: n,
                    ty: None,
                    default: Some(a.value),
                    splat: false,
                });
            }
            Some(n) => {
                // keyword param: `; k=1` (parse_args turns `k=1` into named arg). A named arg
                // before `;` is a positional param with a default in a definition, but parse_args
                // cannot distinguish; treat names given after ';' as kw when value is not Ident(n)
                let default = match &a.value {
                    Expr::Ident(v) if *v == n => None,
                    _ => Some(a.value),
                };
                kw.push(Param {
                    name: n,
                    ty: None,
                    default,
                    splat: false,
                });
            }
            None => {
                let mut p = param_from_expr(a.value)?;
                if a.splat {
                    p.splat = true;
                }
                params.push(p);
            }
        }
    }
    Ok((params, kw))
}

/// `f(x) = body` → function definition
pub(super) fn short_function(lhs: &Expr, rhs: &Expr) -> Option<Expr> {
    let (callee, args) = match lhs {
        Expr::Call(c, a) => (c, a),
        Expr::TypeAssert(inner, _) => match &**inner {
            Expr::Call(c, a) => (c, a),
            _ => return None,
        },
        _ => return None,
    };
    let name = match &**callee {
        Expr::Ident(n) => n.clone(),
        Expr::Field(_, n) => n.clone(),
        _ => return None,
    };
    let (params, kwparams) = params_from_args_split(args).ok()?;
    Some(Expr::Function(Arc::new(FuncDef {
        name: Some(name),
        params,
        kwparams,
        body: Box::new(rhs.clone()),
        line: 0,
    })))
}

pub(super) fn params_from_args_split(args: &[Arg]) -> Result<(Vec<Param>, Vec<Param>), String> {
    params_from_args(args.to_vec())
}

pub(super) fn lambda_params(lhs: &Expr) -> Result<Vec<Param>, String> {
    match lhs {
        Expr::Ident(_) | Expr::TypeAssert(..) => Ok(vec![param_from_expr(lhs.clone())?]),
        Expr::Tuple(items) => items.iter().map(|e| param_from_expr(e.clone())).collect(),
        Expr::Block(items) if items.len() == 1 => lambda_params(&items[0]),
        _ => Err("invalid anonymous function parameters".into()),
    }
}

/// `@.`: turn operators, calls and assignment into their broadcasting forms.
pub(super) fn dotify(mut e: Expr) -> Expr {
    deep(|| {
        let d = |b: &mut Box<Expr>| Box::new(dotify(b.take()));
        match &mut e {
            Expr::Binary(op, a, b) => Expr::DotBinary(std::mem::take(op), d(a), d(b)),
            Expr::Chain(first, rest) => Expr::Chain(
                d(first),
                rest.drain(..)
                    .map(|(op, _, x)| (op, true, dotify(x)))
                    .collect(),
            ),
            Expr::Unary(op, a) => Expr::DotUnary(std::mem::take(op), d(a)),
            Expr::Call(f, args) => {
                let args = std::mem::take(args)
                    .into_iter()
                    .map(|a| Arg {
                        value: dotify(a.value),
                        ..a
                    })
                    .collect();
                let f = Box::new(f.take());
                match &*f {
                    Expr::Ident(n) if n == "vcat" => Expr::Call(f, args),
                    _ => Expr::DotCall(f, args),
                }
            }
            Expr::Assign(l, r) => Expr::DotAssign(Box::new(l.take()), d(r)),
            Expr::OpAssign(op, l, r) => {
                let l = Box::new(l.take());
                let val = Expr::DotBinary(std::mem::take(op), l.clone(), d(r));
                Expr::DotAssign(l, Box::new(val))
            }
            Expr::Block(v) => Expr::Block(std::mem::take(v).into_iter().map(dotify).collect()),
            _ => e,
        }
    })
}
