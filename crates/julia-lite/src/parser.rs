//! Recursive-descent parser with Julia's operator precedence.
//!
//! Nesting is bounded by [`MAX_NESTING`] levels: each bracket, argument list, index, block
//! (`if`, `for`, `function`, `begin` …), `elseif` branch, operand of a right-recursive
//! operator (unary, `^`, `=>`, `? :`, `=`, `->`) and each link of a postfix (`a.b`, `f(x)(y)`,
//! `x'`) or `|>` chain is one level. Every level goes through [`deep`], which grows the native
//! stack on the heap, so no input overflows the thread's stack; deeper input gets a syntax
//! error. Runs of one left-associative operator level (`a + b - c + …`), `&&`/`||` chains,
//! comparison chains, tuples and argument lists are parsed by loops into flat nodes and have
//! no length limit beyond the input size.

use crate::ast::*;
use crate::lexer::{Tok, Token, lex};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub(crate) struct ParseError {
    /// message without the `syntax: ` prefix
    pub msg: String,
    pub line: u32,
}

type PResult<T> = Result<T, ParseError>;

pub(crate) const MAX_NESTING: usize = 2000;

pub(crate) fn parse_program(src: &str) -> PResult<Expr> {
    let toks = lex(src).map_err(|m| {
        let msg = m.strip_prefix("syntax: ").unwrap_or(&m).to_string();
        ParseError { msg, line: 1 }
    })?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        space_sensitive: false,
        no_newline_skip: 0,
        ternary: 0,
        in_index: 0,
        comp_rank: 0,
    };
    let mut stmts = Vec::new();
    loop {
        p.skip_separators();
        if p.peek() == &Tok::Eof {
            break;
        }
        let line = p.line();
        let e = p.parse_stmt()?;
        stmts.push(Expr::Line(line, Box::new(e)));
        match p.peek() {
            Tok::Newline | Tok::Semi | Tok::Eof => {}
            Tok::Ident(w) if w == "where" => {
                return Err(p.err(
                    "unsupported syntax: `where` clauses are not supported by julia-lite".into(),
                ));
            }
            t => {
                let t = tok_text(t);
                return Err(p.err(format!("extra token \"{t}\" after end of expression")));
            }
        }
    }
    Ok(Expr::Block(stmts))
}

pub(crate) fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Int(i) => i.to_string(),
        Tok::Float(f) => f.to_string(),
        Tok::Float32(f) => format!("{f}f0"),
        Tok::Str(_) => "string".into(),
        Tok::Char(c) => format!("'{c}'"),
        Tok::Ident(s) => s.clone(),
        Tok::Kw(k) => k.to_string(),
        Tok::Op(o) => o.to_string(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::LBracket => "[".into(),
        Tok::RBracket => "]".into(),
        Tok::LBrace => "{".into(),
        Tok::RBrace => "}".into(),
        Tok::Comma => ",".into(),
        Tok::Semi => ";".into(),
        Tok::Newline => "newline".into(),
        Tok::Eof => "end of input".into(),
    }
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    space_sensitive: bool,
    no_newline_skip: usize,
    ternary: usize,
    in_index: usize,
    /// the most `for` specs one comma group of the last comprehension had
    /// (`for x in a, y in b` is 2: a 2-d comprehension)
    comp_rank: usize,
}

fn is_comparison(op: &str) -> bool {
    matches!(
        op,
        "<" | ">"
            | "<="
            | ">="
            | "=="
            | "!="
            | "==="
            | "!=="
            | "≤"
            | "≥"
            | "≠"
            | "∈"
            | "∉"
            | "<:"
            | ">:"
            | "≈"
            | "in"
            | "isa"
    )
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }
    fn cur(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn line(&self) -> u32 {
        self.cur().line
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn err(&self, msg: String) -> ParseError {
        ParseError {
            msg,
            line: self.line(),
        }
    }
    fn unexpected(&self) -> ParseError {
        match self.peek() {
            Tok::Eof => self.err("incomplete: premature end of input".into()),
            t => self.err(format!("unexpected \"{}\"", tok_text(t))),
        }
    }
    fn skip_newlines(&mut self) {
        while self.peek() == &Tok::Newline {
            self.next();
        }
    }
    fn skip_separators(&mut self) {
        while matches!(self.peek(), Tok::Newline | Tok::Semi) {
            self.next();
        }
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Kw(k) if *k == kw)
    }
    fn expect(&mut self, t: Tok) -> PResult<()> {
        if self.peek() == &t {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err(format!(
                "expression too deeply nested (julia-lite limit: {MAX_NESTING} levels)"
            )));
        }
        Ok(())
    }

    /// One nesting level: counted against [`MAX_NESTING`], run with enough native stack.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.enter()?;
        let r = deep(|| f(self));
        self.depth -= 1;
        r
    }
    fn ident(&mut self) -> PResult<String> {
        match self.next() {
            Tok::Ident(s) => Ok(s),
            Tok::Eof => Err(self.err("incomplete: premature end of input".into())),
            t => Err(self.err(format!("unexpected \"{}\"", tok_text(&t)))),
        }
    }

    /// Parse statements until one of the terminating keywords.
    fn parse_block(&mut self, terms: &[&str], opener: &str, open_line: u32) -> PResult<Expr> {
        let mut stmts = Vec::new();
        loop {
            self.skip_separators();
            match self.peek() {
                Tok::Kw(k) if terms.contains(k) => break,
                Tok::Eof => {
                    return Err(ParseError {
                        msg: format!("incomplete: \"{opener}\" at none:{open_line} requires end"),
                        line: open_line,
                    });
                }
                _ => {}
            }
            let line = self.line();
            let e = self.parse_stmt()?;
            stmts.push(Expr::Line(line, Box::new(e)));
            match self.peek() {
                Tok::Newline | Tok::Semi | Tok::Eof => {}
                Tok::Kw(k) if terms.contains(k) => {}
                Tok::Ident(w) if w == "where" => {
                    return Err(self.err(
                        "unsupported syntax: `where` clauses are not supported by julia-lite"
                            .into(),
                    ));
                }
                _ => return Err(self.unexpected()),
            }
        }
        Ok(Expr::Block(stmts))
    }

    fn expect_end(&mut self, opener: &str, line: u32) -> PResult<()> {
        if self.is_kw("end") {
            self.next();
            Ok(())
        } else if self.peek() == &Tok::Eof {
            Err(ParseError {
                msg: format!("incomplete: \"{opener}\" at none:{line} requires end"),
                line,
            })
        } else {
            Err(self.unexpected())
        }
    }

    fn parse_stmt(&mut self) -> PResult<Expr> {
        let e = self.parse_expr()?;
        Ok(e)
    }

    /// Full expression including a top-level comma tuple `a, b = 1, 2`.
    fn parse_expr(&mut self) -> PResult<Expr> {
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

    fn parse_assign(&mut self) -> PResult<Expr> {
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

    fn parse_assign_rhs(&mut self) -> PResult<Expr> {
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

    fn parse_pair_level(&mut self) -> PResult<Expr> {
        let lhs = self.parse_ternary()?;
        if self.is_op("=>") {
            self.next();
            self.skip_newlines();
            let rhs = self.nested(|p| p.parse_pair_level())?;
            return Ok(Expr::Pair(Box::new(lhs), Box::new(rhs)));
        }
        Ok(lhs)
    }

    fn parse_ternary(&mut self) -> PResult<Expr> {
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

    fn parse_or(&mut self) -> PResult<Expr> {
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

    fn parse_and(&mut self) -> PResult<Expr> {
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

    fn comparison_op(&self) -> Option<String> {
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

    fn parse_comparison(&mut self) -> PResult<Expr> {
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

    fn parse_pipe(&mut self) -> PResult<Expr> {
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

    fn parse_range(&mut self) -> PResult<Expr> {
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
    fn parse_binary(&mut self, level: u8) -> PResult<Expr> {
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

    fn parse_unary(&mut self) -> PResult<Expr> {
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

    fn parse_juxt(&mut self) -> PResult<Expr> {
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

    fn parse_power(&mut self) -> PResult<Expr> {
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

    fn parse_args(&mut self, close: Tok) -> PResult<Vec<Arg>> {
        // after the opening paren
        let saved = self.space_sensitive;
        self.space_sensitive = false;
        self.no_newline_skip += 1;
        let r = self.parse_args_inner(close);
        self.no_newline_skip -= 1;
        self.space_sensitive = saved;
        r
    }

    fn parse_args_inner(&mut self, close: Tok) -> PResult<Vec<Arg>> {
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

    fn parse_postfix(&mut self) -> PResult<Expr> {
        let is_num = matches!(self.peek(), Tok::Int(_) | Tok::Float(_) | Tok::Float32(_));
        let e = self.parse_primary()?;
        let depth = self.depth;
        let r = deep(|| self.parse_postfix_links(e, is_num));
        self.depth = depth;
        r
    }

    /// The links of a postfix chain after its first operand; each link nests the expression
    /// one level deeper and counts as a level.
    fn parse_postfix_links(&mut self, mut e: Expr, is_num: bool) -> PResult<Expr> {
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

    fn parse_primary_type(&mut self) -> PResult<Expr> {
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

    fn parse_comp_clauses(&mut self) -> PResult<Vec<CompClause>> {
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

    fn parse_for_spec(&mut self) -> PResult<(Expr, Expr)> {
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

    fn parse_range_level_or_more(&mut self) -> PResult<Expr> {
        self.parse_ternary()
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        self.nested(|p| p.parse_primary_inner())
    }

    fn parse_primary_inner(&mut self) -> PResult<Expr> {
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

    fn parse_macro(&mut self, line: u32) -> PResult<Expr> {
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
            while !matches!(
                self.peek(),
                Tok::Newline | Tok::Semi | Tok::Eof | Tok::RParen | Tok::RBracket | Tok::Comma
            ) && !self.is_kw("end")
            {
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

    fn parse_paren(&mut self) -> PResult<Expr> {
        let saved = self.space_sensitive;
        self.space_sensitive = false;
        self.no_newline_skip += 1;
        let r = self.parse_paren_inner();
        self.no_newline_skip -= 1;
        self.space_sensitive = saved;
        r
    }

    fn parse_paren_inner(&mut self) -> PResult<Expr> {
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

    fn parse_bracket(&mut self, ty: Option<Expr>) -> PResult<Expr> {
        let saved = self.space_sensitive;
        self.space_sensitive = true;
        self.no_newline_skip += 1;
        let r = self.parse_bracket_inner(ty);
        self.no_newline_skip -= 1;
        self.space_sensitive = saved;
        r
    }

    fn parse_bracket_inner(&mut self, ty: Option<Expr>) -> PResult<Expr> {
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

    fn parse_keyword(&mut self, k: &'static str, line: u32) -> PResult<Expr> {
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

    fn parse_struct(&mut self, mutable: bool, line: u32) -> PResult<Expr> {
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

    fn parse_if(&mut self, line: u32, opener: &str) -> PResult<Expr> {
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

    fn parse_function(&mut self, line: u32) -> PResult<Expr> {
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

fn param_from_expr(mut e: Expr) -> Result<Param, String> {
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

fn params_from_args(args: Vec<Arg>) -> Result<(Vec<Param>, Vec<Param>), String> {
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
fn short_function(lhs: &Expr, rhs: &Expr) -> Option<Expr> {
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

fn params_from_args_split(args: &[Arg]) -> Result<(Vec<Param>, Vec<Param>), String> {
    params_from_args(args.to_vec())
}

fn lambda_params(lhs: &Expr) -> Result<Vec<Param>, String> {
    match lhs {
        Expr::Ident(_) | Expr::TypeAssert(..) => Ok(vec![param_from_expr(lhs.clone())?]),
        Expr::Tuple(items) => items.iter().map(|e| param_from_expr(e.clone())).collect(),
        Expr::Block(items) if items.len() == 1 => lambda_params(&items[0]),
        _ => Err("invalid anonymous function parameters".into()),
    }
}

/// `@.`: turn operators, calls and assignment into their broadcasting forms.
fn dotify(mut e: Expr) -> Expr {
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

/// `[f(x, y) for x in a, y in b]` is a matrix in Julia (x down the rows). It becomes
/// `let #ca = a, #cb = b; _matrix_of(length(#ca), length(#cb), [f(x, y) for y in #cb for
/// x in #ca]) end`: the nested comprehension yields the elements in column-major order.
/// More dimensions, or a filter, are refused (julia-lite has no N-d arrays).
fn comprehension_2d(ty: Option<Expr>, body: Expr, clauses: Vec<CompClause>) -> PResult<Expr> {
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
