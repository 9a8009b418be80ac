//! Primary expressions: literals, names, macros, parentheses and tuples, brackets (vectors,
//! matrices, comprehensions).

use super::*;

impl Parser {
    pub(super) fn parse_comp_clauses(&mut self) -> PResult<Vec<CompClause>> {
        let mut clauses = Vec::new();
        let mut rank = 0;
        loop {
            self.skip_newlines();
            if self.is_kw("for") {
                self.next();
                let mut group = 0;
                loop {
                    let (target, iter) = self.parse_for_spec()?;
                    clauses.push(CompClause::For(target, iter));
                    group += 1;
                    if self.peek() == &Tok::Comma {
                        self.next();
                        continue;
                    }
                    break;
                }
                rank = rank.max(group);
            } else if self.is_kw("if") {
                self.next();
                let c = self.parse_or()?;
                clauses.push(CompClause::If(c));
            } else {
                break;
            }
        }
        self.comp_rank = rank;
        Ok(clauses)
    }

    pub(super) fn parse_for_spec(&mut self) -> PResult<(Expr, Expr)> {
        let target = if self.peek() == &Tok::LParen {
            self.next();
            let mut names = Vec::new();
            loop {
                if self.peek() == &Tok::RParen {
                    self.next();
                    break;
                }
                if self.peek() == &Tok::LParen {
                    // nested destructuring (a, (b, c))
                    self.next();
                    let mut inner = Vec::new();
                    while self.peek() != &Tok::RParen {
                        if self.peek() == &Tok::Comma {
                            self.next();
                            continue;
                        }
                        inner.push(Expr::Ident(self.ident()?));
                    }
                    self.next();
                    names.push(Expr::Tuple(inner));
                } else {
                    names.push(Expr::Ident(self.ident()?));
                }
                if self.peek() == &Tok::Comma {
                    self.next();
                }
            }
            Expr::Tuple(names)
        } else {
            Expr::Ident(self.ident()?)
        };
        match self.peek() {
            Tok::Kw("in") | Tok::Op("=") | Tok::Op("∈") => {
                self.next();
            }
            _ => return Err(self.unexpected()),
        }
        let saved = self.no_newline_skip;
        self.no_newline_skip = 1; // stop at commas
        let it = self.parse_range_level_or_more();
        self.no_newline_skip = saved;
        Ok((target, it?))
    }

    pub(super) fn parse_range_level_or_more(&mut self) -> PResult<Expr> {
        self.parse_ternary()
    }

    pub(super) fn parse_primary(&mut self) -> PResult<Expr> {
        self.nested(|p| p.parse_primary_inner())
    }

    pub(super) fn parse_primary_inner(&mut self) -> PResult<Expr> {
        let line = self.line();
        let t = self.next();
        match t {
            Tok::Int(i) => Ok(Expr::Int(i)),
            Tok::Float(f) => Ok(Expr::Float(f)),
            Tok::Float32(f) => Ok(Expr::Float32(f)),
            Tok::Char(c) => Ok(Expr::Char(c)),
            Tok::Str(parts) => {
                if parts.len() == 1
                    && let StrPart::Lit(s) = &parts[0]
                {
                    return Ok(Expr::Str(s.clone()));
                }
                let mut items = Vec::new();
                for p in parts {
                    match p {
                        StrPart::Lit(s) => items.push(Expr::Str(s)),
                        StrPart::Code(c) => {
                            let toks = lex(&c).map_err(|m| self.err(m))?;
                            let mut sub = Parser {
                                toks,
                                pos: 0,
                                depth: self.depth,
                                space_sensitive: false,
                                no_newline_skip: 0,
                                ternary: 0,
                                in_index: 0,
                                comp_rank: 0,
                            };
                            sub.skip_newlines();
                            let e = sub.parse_expr()?;
                            sub.skip_newlines();
                            if sub.peek() != &Tok::Eof {
                                return Err(sub.unexpected());
                            }
                            items.push(e);
                        }
                    }
                }
                Ok(Expr::Interp(items))
            }
            Tok::Ident(name) => {
                if matches!(self.peek(), Tok::Str(_)) && !self.cur().space_before {
                    // string macros: r"...", raw"...", b"..."
                    return Err(ParseError {
                        msg: match name.as_str() {
                            "r" => "unsupported syntax: regular expressions (r\"...\") are not supported by julia-lite".to_string(),
                            other => format!("unsupported syntax: string macro {other}\"...\" is not supported by julia-lite"),
                        },
                        line,
                    });
                }
                Ok(match name.as_str() {
                    "nothing" => Expr::Nothing,
                    _ => Expr::Ident(name),
                })
            }
            Tok::Kw(k @ ("in" | "isa")) if self.peek() == &Tok::LParen => {
                Ok(Expr::Ident(k.to_string()))
            }
            Tok::Kw("true") => Ok(Expr::Bool(true)),
            Tok::Kw("false") => Ok(Expr::Bool(false)),
            Tok::Kw("end") => Ok(Expr::End),
            Tok::Op(":") => {
                // symbol or bare colon
                match self.peek().clone() {
                    Tok::Ident(n) if !self.cur().space_before => {
                        self.next();
                        Ok(Expr::Sym(n))
                    }
                    Tok::Kw(k) if !self.cur().space_before => {
                        self.next();
                        Ok(Expr::Sym(k.to_string()))
                    }
                    Tok::Op(o) if !self.cur().space_before && o != "(" && o != ":" => {
                        self.next();
                        Ok(Expr::Sym(o.to_string()))
                    }
                    Tok::LParen if !self.cur().space_before => Err(self
                        .err("quoted expressions :(...) are not supported by julia-lite".into())),
                    _ => Ok(Expr::Colon),
                }
            }
            Tok::Op("@") => self.parse_macro(line),
            Tok::Op(op)
                if matches!(
                    op,
                    "+" | "-"
                        | "*"
                        | "/"
                        | "^"
                        | "÷"
                        | "%"
                        | "=="
                        | "<"
                        | ">"
                        | "<="
                        | ">="
                        | "!="
                        | "√"
                        | "!"
                ) =>
            {
                // operator used as a value: map(+, ...), or a call +(1, 2)
                Ok(Expr::Ident(op.to_string()))
            }
            Tok::LParen => self.parse_paren(),
            Tok::LBracket => self.parse_bracket(None),
            Tok::Kw(k) => self.parse_keyword(k, line),
            Tok::Eof => Err(self.err("incomplete: premature end of input".into())),
            t => Err(ParseError {
                msg: format!("unexpected \"{}\"", tok_text(&t)),
                line,
            }),
        }
    }

    pub(super) fn parse_macro(&mut self, line: u32) -> PResult<Expr> {
        if self.is_op(".") {
            // `@. expr`: broadcast every call and operator
            self.next();
            let e = self.parse_assign()?;
            return Ok(dotify(e));
        }
        let name = self.ident()?;
        let mut args = Vec::new();
        if self.peek() == &Tok::LParen && !self.cur().space_before {
            self.next();
            for a in self.parse_args(Tok::RParen)? {
                args.push(a.value);
            }
            return Ok(Expr::Macro(name, args, line));
        }
        let saved = self.space_sensitive;
        self.space_sensitive = true;
        let r: PResult<()> = (|| {
            loop {
                let at_end = matches!(
                    self.peek(),
                    Tok::Newline | Tok::Semi | Tok::Eof | Tok::RParen | Tok::RBracket | Tok::Comma
                ) || self.is_kw("end");
                // in brackets, `for` after an argument starts a comprehension's clauses:
                // `[@elapsed f() for k in 1:3]`
                let comprehension = saved && !args.is_empty() && self.is_kw("for");
                if at_end || comprehension {
                    break;
                }
                // the first argument of @assert/@show etc. may be a full expression incl. assignment
                self.space_sensitive = true;
                args.push(self.parse_assign()?);
            }
            Ok(())
        })();
        self.space_sensitive = saved;
        r?;
        Ok(Expr::Macro(name, args, line))
    }

    pub(super) fn parse_paren(&mut self) -> PResult<Expr> {
        let saved = self.space_sensitive;
        self.space_sensitive = false;
        self.no_newline_skip += 1;
        let r = self.parse_paren_inner();
        self.no_newline_skip -= 1;
        self.space_sensitive = saved;
        r
    }

    pub(super) fn parse_paren_inner(&mut self) -> PResult<Expr> {
        self.skip_newlines();
        if self.peek() == &Tok::RParen {
            self.next();
            return Ok(Expr::Tuple(vec![]));
        }
        if self.peek() == &Tok::Semi {
            // named tuple `(; a=1)`
            self.next();
        }
        let first = self.parse_assign()?;
        self.skip_newlines();
        if self.is_kw("for") {
            let clauses = self.parse_comp_clauses()?;
            self.skip_newlines();
            self.expect(Tok::RParen)?;
            return Ok(Expr::Generator(Box::new(first), clauses));
        }
        match self.peek() {
            Tok::RParen => {
                self.next();
                // (a = 1) with a keyword is a named tuple only with a trailing comma; keep assignment
                Ok(match first {
                    Expr::Splat(_) => Expr::Tuple(vec![first]),
                    f => Expr::Block(vec![f]),
                })
            }
            Tok::Comma => {
                let mut items = vec![first];
                while self.peek() == &Tok::Comma {
                    self.next();
                    self.skip_newlines();
                    if self.peek() == &Tok::RParen {
                        break;
                    }
                    items.push(self.parse_assign()?);
                    self.skip_newlines();
                }
                self.expect(Tok::RParen)?;
                if items
                    .iter()
                    .all(|e| matches!(e, Expr::Assign(l, _) if matches!(**l, Expr::Ident(_))))
                {
                    let mut fields = Vec::new();
                    for mut it in items {
                        if let Expr::Assign(l, r) = &mut it
                            && let Expr::Ident(n) = &mut **l
                        {
                            fields.push((std::mem::take(n), r.take()));
                        }
                    }
                    return Ok(Expr::NamedTuple(fields));
                }
                Ok(Expr::Tuple(items))
            }
            Tok::Semi => {
                let mut stmts = vec![first];
                while self.peek() == &Tok::Semi || self.peek() == &Tok::Newline {
                    self.skip_separators();
                    if self.peek() == &Tok::RParen {
                        break;
                    }
                    stmts.push(self.parse_assign()?);
                }
                self.expect(Tok::RParen)?;
                Ok(Expr::Block(stmts))
            }
            _ => Err(self.unexpected()),
        }
    }

    pub(super) fn parse_bracket(&mut self, ty: Option<Expr>) -> PResult<Expr> {
        let saved = self.space_sensitive;
        self.space_sensitive = true;
        self.no_newline_skip += 1;
        let r = self.parse_bracket_inner(ty);
        self.no_newline_skip -= 1;
        self.space_sensitive = saved;
        r
    }

    pub(super) fn parse_bracket_inner(&mut self, ty: Option<Expr>) -> PResult<Expr> {
        self.skip_newlines();
        if self.peek() == &Tok::RBracket {
            self.next();
            return Ok(match ty {
                Some(t) => Expr::TypedVector(Box::new(t), vec![]),
                None => Expr::Vector(vec![]),
            });
        }
        let first = self.parse_assign()?;
        if self.is_kw("for") {
            self.space_sensitive = false;
            let clauses = self.parse_comp_clauses()?;
            self.skip_newlines();
            self.expect(Tok::RBracket)?;
            if self.comp_rank >= 2 {
                return comprehension_2d(ty, first, clauses);
            }
            return Ok(match ty {
                Some(t) => Expr::TypedComprehension(Box::new(t), Box::new(first), clauses),
                None => Expr::Comprehension(Box::new(first), clauses),
            });
        }
        // rows separated by ';' or newline, elements in a row by spaces; or a comma list
        let mut rows: Vec<Vec<Expr>> = vec![vec![first]];
        let mut comma = false;
        let mut had_sep = false;
        loop {
            match self.peek() {
                Tok::RBracket => {
                    self.next();
                    break;
                }
                Tok::Comma => {
                    comma = true;
                    self.next();
                    self.skip_newlines();
                    if self.peek() == &Tok::RBracket {
                        continue;
                    }
                    let e = self.parse_assign()?;
                    if let Some(r) = rows.last_mut() {
                        r.push(e);
                    }
                }
                Tok::Semi | Tok::Newline => {
                    had_sep = true;
                    self.skip_separators();
                    if self.peek() == &Tok::RBracket {
                        continue;
                    }
                    let e = self.parse_assign()?;
                    rows.push(vec![e]);
                }
                Tok::Eof => return Err(self.err("incomplete: premature end of input".into())),
                _ if self.cur().space_before && !comma => {
                    let e = self.parse_assign()?;
                    if let Some(r) = rows.last_mut() {
                        r.push(e);
                    }
                }
                _ => return Err(self.unexpected()),
            }
        }
        if let Some(t) = ty {
            if rows.len() == 1 {
                let items = rows.pop().unwrap_or_default();
                return Ok(Expr::TypedVector(Box::new(t), items));
            }
            return Err(self.err("typed matrix literals are not supported by julia-lite".into()));
        }
        if comma || (rows.len() == 1 && rows[0].len() == 1 && !had_sep) {
            let items = rows.pop().unwrap_or_default();
            return Ok(Expr::Vector(items));
        }
        if rows.iter().all(|r| r.len() == 1) {
            // [a; b; c] is vertical concatenation
            let args = rows
                .into_iter()
                .flatten()
                .map(|value| Arg {
                    name: None,
                    value,
                    splat: false,
                    semi: false,
                })
                .collect();
            return Ok(Expr::Call(Box::new(Expr::Ident("vcat".into())), args));
        }
        Ok(Expr::Matrix(rows))
    }
}

/// `[f(x, y) for x in a, y in b]` is a matrix in Julia (x down the rows). It becomes
/// `let #ca = a, #cb = b; _matrix_of(length(#ca), length(#cb), [f(x, y) for y in #cb for
/// x in #ca]) end`: the nested comprehension yields the elements in column-major order.
/// More dimensions, or a filter, are refused (julia-lite has no N-d arrays).
pub(super) fn comprehension_2d(
    ty: Option<Expr>,
    body: Expr,
    clauses: Vec<CompClause>,
) -> PResult<Expr> {
    let refuse = || ParseError {
        msg: "a comprehension over more than 2 comma-separated iterators, or over 2 with a \
              filter, is not supported by julia-lite (no N-d arrays)"
            .into(),
        line: 0,
    };
    let [CompClause::For(tx, a), CompClause::For(ty_, b)] =
        <[CompClause; 2]>::try_from(clauses).map_err(|_| refuse())?
    else {
        return Err(refuse());
    };
    let id = |s: &str| Expr::Ident(s.into());
    let call = |f: &str, args: Vec<Expr>| {
        Expr::Call(
            Box::new(id(f)),
            args.into_iter()
                .map(|value| Arg {
                    name: None,
                    value,
                    splat: false,
                    semi: false,
                })
                .collect(),
        )
    };
    let nested = vec![
        CompClause::For(ty_, id("#cb")),
        CompClause::For(tx, id("#ca")),
    ];
    let comp = match ty {
        Some(t) => Expr::TypedComprehension(Box::new(t), Box::new(body), nested),
        None => Expr::Comprehension(Box::new(body), nested),
    };
    let shaped = call(
        "_matrix_of",
        vec![
            call("length", vec![id("#ca")]),
            call("length", vec![id("#cb")]),
            comp,
        ],
    );
    Ok(Expr::Let(
        vec![(id("#ca"), Some(a)), (id("#cb"), Some(b))],
        Box::new(shaped),
    ))
}
