//! Abstract syntax tree.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StrPart {
    Lit(String),
    Code(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub name: String,
    pub ty: Option<Expr>,
    pub default: Option<Expr>,
    pub splat: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct FuncDef {
    pub name: Option<String>,
    pub params: Vec<Param>,
    pub kwparams: Vec<Param>,
    pub body: Box<Expr>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub name: Option<String>, // keyword argument
    pub value: Expr,
    pub splat: bool,
    /// written after `;`
    pub semi: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum CompClause {
    For(Expr, Expr), // target, iterable
    If(Expr),
}

#[derive(Debug)]
pub(crate) enum Expr {
    Int(i64),
    Float(f64),
    Float32(f32),
    Str(String),
    Interp(Vec<Expr>),
    Char(char),
    Sym(String),
    Bool(bool),
    Nothing,
    Ident(String),
    /// line-annotated expression (statements)
    Line(u32, Box<Expr>),
    Block(Vec<Expr>),
    Binary(String, Box<Expr>, Box<Expr>),
    /// three or more operands of one left-associative precedence level, kept flat so that a
    /// 100 000-term sum is not a 100 000-deep tree: `((a op1 b) op2 c) …`; each step is
    /// (operator, dotted, operand)
    Chain(Box<Expr>, Vec<(String, bool, Expr)>),
    /// `a .op b`
    DotBinary(String, Box<Expr>, Box<Expr>),
    Unary(String, Box<Expr>),
    DotUnary(String, Box<Expr>),
    /// chained comparison: operands and operators
    Compare(Vec<Expr>, Vec<String>),
    /// `a && b && …` (two or more operands, flat)
    And(Vec<Expr>),
    /// `a || b || …` (two or more operands, flat)
    Or(Vec<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    Assign(Box<Expr>, Box<Expr>),
    /// `a op= b` (op without '=')
    OpAssign(String, Box<Expr>, Box<Expr>),
    DotAssign(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Arg>),
    DotCall(Box<Expr>, Vec<Arg>),
    Index(Box<Expr>, Vec<Expr>),
    Field(Box<Expr>, String),
    Tuple(Vec<Expr>),
    NamedTuple(Vec<(String, Expr)>),
    Vector(Vec<Expr>),
    /// rows of a matrix literal
    Matrix(Vec<Vec<Expr>>),
    /// typed array literal `T[...]`
    TypedVector(Box<Expr>, Vec<Expr>),
    Comprehension(Box<Expr>, Vec<CompClause>),
    TypedComprehension(Box<Expr>, Box<Expr>, Vec<CompClause>),
    Generator(Box<Expr>, Vec<CompClause>),
    Range(Box<Expr>, Option<Box<Expr>>, Box<Expr>),
    Pair(Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    While(Box<Expr>, Box<Expr>),
    For(Vec<(Expr, Expr)>, Box<Expr>),
    Break,
    Continue,
    Return(Option<Box<Expr>>),
    Function(std::sync::Arc<FuncDef>),
    Lambda(std::sync::Arc<FuncDef>),
    Try {
        body: Box<Expr>,
        var: Option<String>,
        catch: Option<Box<Expr>>,
        finally: Option<Box<Expr>>,
    },
    Let(Vec<(Expr, Option<Expr>)>, Box<Expr>),
    Global(Vec<Expr>),
    Local(Vec<Expr>),
    Const(Box<Expr>),
    Using(Vec<String>),
    TypeAssert(Box<Expr>, Box<Expr>),
    /// `T{A, B}` type application
    Curly(Box<Expr>, Vec<Expr>),
    Splat(Box<Expr>),
    /// `:(...)`-free macros we support: @assert, @show, @time, @elapsed, @info...
    Macro(String, Vec<Expr>, u32),
    Struct {
        name: String,
        mutable: bool,
        fields: Vec<(String, Option<Expr>)>,
    },
    /// `end` inside indexing
    End,
    Colon,
}

impl Expr {
    pub fn strip_line(&self) -> &Expr {
        let mut e = self;
        while let Expr::Line(_, inner) = e {
            e = inner;
        }
        e
    }

    /// Move the expression out, leaving `nothing` (for taking apart a node by value, which
    /// `Drop` forbids with a plain `match`).
    pub fn take(&mut self) -> Expr {
        std::mem::replace(self, Expr::Nothing)
    }

    /// Move every sub-expression of this node onto `out` (used by the iterative drop).
    fn take_children(&mut self, out: &mut Vec<Expr>) {
        fn param(p: &mut Param, out: &mut Vec<Expr>) {
            out.extend(p.ty.take());
            out.extend(p.default.take());
        }
        fn clause(c: &mut CompClause, out: &mut Vec<Expr>) {
            match c {
                CompClause::For(a, b) => {
                    out.push(a.take());
                    out.push(b.take());
                }
                CompClause::If(a) => out.push(a.take()),
            }
        }
        match self {
            Expr::Int(_)
            | Expr::Float(_)
            | Expr::Float32(_)
            | Expr::Str(_)
            | Expr::Char(_)
            | Expr::Sym(_)
            | Expr::Bool(_)
            | Expr::Nothing
            | Expr::Ident(_)
            | Expr::Break
            | Expr::Continue
            | Expr::Using(_)
            | Expr::End
            | Expr::Colon
            | Expr::Return(None) => {}
            Expr::Line(_, a)
            | Expr::Unary(_, a)
            | Expr::DotUnary(_, a)
            | Expr::Field(a, _)
            | Expr::Const(a)
            | Expr::Splat(a)
            | Expr::Return(Some(a)) => out.push(a.take()),
            Expr::Binary(_, a, b)
            | Expr::DotBinary(_, a, b)
            | Expr::Assign(a, b)
            | Expr::OpAssign(_, a, b)
            | Expr::DotAssign(a, b)
            | Expr::Pair(a, b)
            | Expr::While(a, b)
            | Expr::TypeAssert(a, b) => {
                out.push(a.take());
                out.push(b.take());
            }
            Expr::Chain(a, rest) => {
                out.push(a.take());
                out.extend(rest.drain(..).map(|(_, _, e)| e));
            }
            Expr::Interp(v)
            | Expr::Block(v)
            | Expr::And(v)
            | Expr::Or(v)
            | Expr::Tuple(v)
            | Expr::Vector(v)
            | Expr::Global(v)
            | Expr::Local(v)
            | Expr::Macro(_, v, _) => out.append(v),
            Expr::Compare(v, _) => out.append(v),
            Expr::Matrix(rows) => rows.drain(..).for_each(|mut r| out.append(&mut r)),
            Expr::NamedTuple(v) => out.extend(v.drain(..).map(|(_, e)| e)),
            Expr::Ternary(a, b, c) | Expr::Range(a, Some(b), c) => {
                out.push(a.take());
                out.push(b.take());
                out.push(c.take());
            }
            Expr::Range(a, None, c) => {
                out.push(a.take());
                out.push(c.take());
            }
            Expr::If(a, b, c) => {
                out.push(a.take());
                out.push(b.take());
                out.extend(c.take().map(|c| *c));
            }
            Expr::Call(f, args) | Expr::DotCall(f, args) => {
                out.push(f.take());
                out.extend(args.drain(..).map(|a| a.value));
            }
            Expr::Index(a, v) | Expr::TypedVector(a, v) | Expr::Curly(a, v) => {
                out.push(a.take());
                out.append(v);
            }
            Expr::Comprehension(a, cl) | Expr::Generator(a, cl) => {
                out.push(a.take());
                cl.iter_mut().for_each(|c| clause(c, out));
            }
            Expr::TypedComprehension(t, a, cl) => {
                out.push(t.take());
                out.push(a.take());
                cl.iter_mut().for_each(|c| clause(c, out));
            }
            Expr::For(specs, b) => {
                for (t, it) in specs.drain(..) {
                    out.push(t);
                    out.push(it);
                }
                out.push(b.take());
            }
            Expr::Function(f) | Expr::Lambda(f) => {
                if let Some(f) = std::sync::Arc::get_mut(f) {
                    out.push(f.body.take());
                    f.params.iter_mut().for_each(|p| param(p, out));
                    f.kwparams.iter_mut().for_each(|p| param(p, out));
                }
            }
            Expr::Try {
                body,
                catch,
                finally,
                ..
            } => {
                out.push(body.take());
                out.extend(catch.take().map(|c| *c));
                out.extend(finally.take().map(|c| *c));
            }
            Expr::Let(binds, b) => {
                for (t, v) in binds.drain(..) {
                    out.push(t);
                    out.extend(v);
                }
                out.push(b.take());
            }
            Expr::Struct { fields, .. } => out.extend(fields.drain(..).filter_map(|(_, t)| t)),
        }
    }
}

/// Cloning goes through [`deep`] at every level (a derived `Clone` would recurse natively
/// as deep as the tree).
impl Clone for Expr {
    fn clone(&self) -> Self {
        deep(|| match self {
            Expr::Int(a0) => Expr::Int(*a0),
            Expr::Float(a0) => Expr::Float(*a0),
            Expr::Float32(a0) => Expr::Float32(*a0),
            Expr::Str(a0) => Expr::Str(a0.clone()),
            Expr::Interp(a0) => Expr::Interp(a0.clone()),
            Expr::Char(a0) => Expr::Char(*a0),
            Expr::Sym(a0) => Expr::Sym(a0.clone()),
            Expr::Bool(a0) => Expr::Bool(*a0),
            Expr::Nothing => Expr::Nothing,
            Expr::Ident(a0) => Expr::Ident(a0.clone()),
            Expr::Line(a0, a1) => Expr::Line(*a0, a1.clone()),
            Expr::Block(a0) => Expr::Block(a0.clone()),
            Expr::Binary(a0, a1, a2) => Expr::Binary(a0.clone(), a1.clone(), a2.clone()),
            Expr::Chain(a0, a1) => Expr::Chain(a0.clone(), a1.clone()),
            Expr::DotBinary(a0, a1, a2) => Expr::DotBinary(a0.clone(), a1.clone(), a2.clone()),
            Expr::Unary(a0, a1) => Expr::Unary(a0.clone(), a1.clone()),
            Expr::DotUnary(a0, a1) => Expr::DotUnary(a0.clone(), a1.clone()),
            Expr::Compare(a0, a1) => Expr::Compare(a0.clone(), a1.clone()),
            Expr::And(a0) => Expr::And(a0.clone()),
            Expr::Or(a0) => Expr::Or(a0.clone()),
            Expr::Ternary(a0, a1, a2) => Expr::Ternary(a0.clone(), a1.clone(), a2.clone()),
            Expr::Assign(a0, a1) => Expr::Assign(a0.clone(), a1.clone()),
            Expr::OpAssign(a0, a1, a2) => Expr::OpAssign(a0.clone(), a1.clone(), a2.clone()),
            Expr::DotAssign(a0, a1) => Expr::DotAssign(a0.clone(), a1.clone()),
            Expr::Call(a0, a1) => Expr::Call(a0.clone(), a1.clone()),
            Expr::DotCall(a0, a1) => Expr::DotCall(a0.clone(), a1.clone()),
            Expr::Index(a0, a1) => Expr::Index(a0.clone(), a1.clone()),
            Expr::Field(a0, a1) => Expr::Field(a0.clone(), a1.clone()),
            Expr::Tuple(a0) => Expr::Tuple(a0.clone()),
            Expr::NamedTuple(a0) => Expr::NamedTuple(a0.clone()),
            Expr::Vector(a0) => Expr::Vector(a0.clone()),
            Expr::Matrix(a0) => Expr::Matrix(a0.clone()),
            Expr::TypedVector(a0, a1) => Expr::TypedVector(a0.clone(), a1.clone()),
            Expr::Comprehension(a0, a1) => Expr::Comprehension(a0.clone(), a1.clone()),
            Expr::TypedComprehension(a0, a1, a2) => {
                Expr::TypedComprehension(a0.clone(), a1.clone(), a2.clone())
            }
            Expr::Generator(a0, a1) => Expr::Generator(a0.clone(), a1.clone()),
            Expr::Range(a0, a1, a2) => Expr::Range(a0.clone(), a1.clone(), a2.clone()),
            Expr::Pair(a0, a1) => Expr::Pair(a0.clone(), a1.clone()),
            Expr::If(a0, a1, a2) => Expr::If(a0.clone(), a1.clone(), a2.clone()),
            Expr::While(a0, a1) => Expr::While(a0.clone(), a1.clone()),
            Expr::For(a0, a1) => Expr::For(a0.clone(), a1.clone()),
            Expr::Break => Expr::Break,
            Expr::Continue => Expr::Continue,
            Expr::Return(a0) => Expr::Return(a0.clone()),
            Expr::Function(a0) => Expr::Function(a0.clone()),
            Expr::Lambda(a0) => Expr::Lambda(a0.clone()),
            Expr::Let(a0, a1) => Expr::Let(a0.clone(), a1.clone()),
            Expr::Global(a0) => Expr::Global(a0.clone()),
            Expr::Local(a0) => Expr::Local(a0.clone()),
            Expr::Const(a0) => Expr::Const(a0.clone()),
            Expr::Using(a0) => Expr::Using(a0.clone()),
            Expr::TypeAssert(a0, a1) => Expr::TypeAssert(a0.clone(), a1.clone()),
            Expr::Curly(a0, a1) => Expr::Curly(a0.clone(), a1.clone()),
            Expr::Splat(a0) => Expr::Splat(a0.clone()),
            Expr::Macro(a0, a1, a2) => Expr::Macro(a0.clone(), a1.clone(), *a2),
            Expr::End => Expr::End,
            Expr::Colon => Expr::Colon,
            Expr::Try {
                body,
                var,
                catch,
                finally,
            } => Expr::Try {
                body: body.clone(),
                var: var.clone(),
                catch: catch.clone(),
                finally: finally.clone(),
            },
            Expr::Struct {
                name,
                mutable,
                fields,
            } => Expr::Struct {
                name: name.clone(),
                mutable: *mutable,
                fields: fields.clone(),
            },
        })
    }
}

/// Nested expressions are dropped with an explicit stack: a tree as deep as the parser
/// accepts must not overflow a 2 MiB (tokio worker) thread stack through drop recursion.
impl Drop for Expr {
    fn drop(&mut self) {
        let mut todo = Vec::new();
        self.take_children(&mut todo);
        while let Some(mut e) = todo.pop() {
            e.take_children(&mut todo);
        }
    }
}

/// Run `f` with at least 256 KiB of native stack, growing the stack on the heap (in 4 MiB
/// segments) when the current one is short. Every recursion over source code or an AST
/// (parser, compiler, unparse) goes through this at each level, so nesting as deep as the
/// parser accepts never overflows a thread's stack.
pub(crate) fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f)
}
