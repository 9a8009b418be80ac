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

mod keywords;
mod operators;
mod postfix;
mod primary;

use keywords::*;
use primary::*;

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
}
