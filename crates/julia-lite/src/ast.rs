//! Abstract syntax tree.

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Lit(String),
    Code(String),
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ty: Option<Expr>,
    pub default: Option<Expr>,
    pub splat: bool,
}

#[derive(Debug, Clone)]
pub struct FuncDef {
    pub name: Option<String>,
    pub params: Vec<Param>,
    pub kwparams: Vec<Param>,
    pub body: Box<Expr>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub name: Option<String>, // keyword argument
    pub value: Expr,
    pub splat: bool,
    /// written after `;`
    pub semi: bool,
}

#[derive(Debug, Clone)]
pub enum CompClause {
    For(Expr, Expr), // target, iterable
    If(Expr),
}

#[derive(Debug, Clone)]
pub enum Expr {
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
    /// `a .op b`
    DotBinary(String, Box<Expr>, Box<Expr>),
    Unary(String, Box<Expr>),
    DotUnary(String, Box<Expr>),
    /// chained comparison: operands and operators
    Compare(Vec<Expr>, Vec<String>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
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
        match self {
            Expr::Line(_, e) => e.strip_line(),
            e => e,
        }
    }
}
