//! Runtime values and types.

use crate::bytecode::Method;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

pub type Name = Arc<str>;

/// A map keyed by names (globals, the global journal). Hashed with FxHash: names are
/// short and looked up on every global read and write, where SipHash was a tenth of the
/// time of a call; a flood of colliding names only slows the evaluation that makes them,
/// which its budgets bound.
pub type NameMap<V> = HashMap<Name, V, std::hash::BuildHasherDefault<NameHasher>>;

#[derive(Default, Clone, Copy)]
pub struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(b as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl NameHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Julia types we model.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Any,
    Int64,
    Float64,
    /// `Irrational{:π}` / `Irrational{:ℯ}`
    Irrational(char),
    Bool,
    String,
    Char,
    Symbol,
    Nothing,
    Missing,
    Number,
    Real,
    Integer,
    Signed,
    AbstractFloat,
    AbstractString,
    AbstractChar,
    /// Array{T, N}
    Array(Box<Ty>, usize),
    AbstractArray,
    AbstractVector,
    AbstractRange,
    Dict(Box<Ty>, Box<Ty>),
    AbstractDict,
    Tuple(Vec<Ty>),
    NamedTuple(Vec<Name>, Vec<Ty>),
    Pair(Box<Ty>, Box<Ty>),
    UnitRange,
    StepRange,
    OneTo,
    FloatRange,
    Function,
    /// typeof(f)
    FunctionOf(Name),
    DataType,
    Module,
    Exception,
    /// concrete exception type by name
    Exc(Name),
    /// user struct or a native module's struct
    Struct(Name),
    Enumerate,
    Zip,
    Rational,
    BigInt,
    Float32,
    ComplexInt,
    ComplexFloat,
    /// `Union{Nothing, T}` / `Union{Missing, T}` (first = Nothing or Missing)
    Union(Box<Ty>, Box<Ty>),
    /// `LinearAlgebra.Adjoint{T, P}` / `Transpose{T, P}` (element type, parent type); the
    /// module prefix is printed unless the workspace did `using LinearAlgebra`, as Julia
    /// qualifies names not visible in `Main`
    Wrapper {
        adjoint: bool,
        elty: Box<Ty>,
        parent: Box<Ty>,
        qualified: bool,
    },
}

impl Ty {
    pub fn vector(t: Ty) -> Ty {
        Ty::Array(Box::new(t), 1)
    }

    /// Is `self` a subtype of `sup`?
    pub fn subtype(&self, sup: &Ty) -> bool {
        use Ty::*;
        if self == sup || *sup == Any {
            return true;
        }
        if let Union(a, b) = sup {
            return self.subtype(a) || self.subtype(b);
        }
        if let Union(a, b) = self {
            return a.subtype(sup) && b.subtype(sup);
        }
        match sup {
            Number => matches!(
                self,
                Int64
                    | Float64
                    | Irrational(_)
                    | Bool
                    | Real
                    | Integer
                    | Signed
                    | AbstractFloat
                    | Rational
                    | BigInt
                    | Float32
                    | ComplexInt
                    | ComplexFloat
            ),
            Real => matches!(
                self,
                Int64
                    | Float64
                    | Irrational(_)
                    | Bool
                    | Integer
                    | Signed
                    | AbstractFloat
                    | Rational
                    | BigInt
            ),
            Integer => matches!(self, Int64 | Bool | Signed | BigInt),
            Signed => matches!(self, Int64 | BigInt),
            AbstractFloat => matches!(self, Float64 | Float32),
            AbstractString => matches!(self, String),
            AbstractChar => matches!(self, Char),
            AbstractArray => matches!(
                self,
                Array(..)
                    | Wrapper { .. }
                    | AbstractVector
                    | UnitRange
                    | StepRange
                    | OneTo
                    | FloatRange
                    | AbstractRange
            ),
            AbstractVector => matches!(
                self,
                Array(_, 1) | UnitRange | StepRange | OneTo | FloatRange | AbstractRange
            ),
            AbstractRange => matches!(self, UnitRange | StepRange | OneTo | FloatRange),
            AbstractDict => matches!(self, Dict(..)),
            Function => matches!(self, FunctionOf(_)),
            Exception => matches!(self, Exc(_)),
            Array(et, n) => match self {
                Array(st, sn) => sn == n && (**et == Any && **st == Any || st == et),
                _ => false,
            },
            Tuple(ts) => match self {
                Tuple(ss) => ss.len() == ts.len() && ss.iter().zip(ts).all(|(a, b)| a.subtype(b)),
                _ => false,
            },
            _ => false,
        }
    }

    pub fn is_concrete(&self) -> bool {
        !matches!(
            self,
            Ty::Any
                | Ty::Number
                | Ty::Real
                | Ty::Integer
                | Ty::Signed
                | Ty::AbstractFloat
                | Ty::AbstractString
                | Ty::AbstractChar
                | Ty::AbstractArray
                | Ty::AbstractVector
                | Ty::AbstractRange
                | Ty::AbstractDict
                | Ty::Function
                | Ty::Exception
                | Ty::Union(..)
        )
    }
}

#[derive(Debug, Clone)]
pub struct Array {
    pub elty: Ty,
    pub data: Vec<Value>,
    /// Some((rows, cols)) for a matrix (column-major data)
    pub dims: Option<(usize, usize)>,
    /// A matrix that stands for Julia's lazy `Adjoint`/`Transpose` wrapper (the data is the
    /// transposed copy; `typeof` and `*` need to know it was a wrapper)
    pub wrap: Wrap,
}

/// Which `LinearAlgebra` wrapper a (materialised) matrix stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wrap {
    /// a plain `Matrix`/`Vector`
    #[default]
    None,
    /// `v'` of a vector: a row vector; `v' * w` is a scalar
    AdjointVec,
    /// `A'` of a matrix
    AdjointMat,
    TransposeVec,
    TransposeMat,
}

impl Wrap {
    /// a row vector made from a vector (`v'`, `transpose(v)`)
    pub fn is_row_vector(self) -> bool {
        matches!(self, Wrap::AdjointVec | Wrap::TransposeVec)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HKey {
    Int(i64),
    Float(u64),
    Str(Arc<str>),
    Sym(Arc<str>),
    Char(char),
    Bool(bool),
    Nothing,
    Missing,
    Tuple(Vec<HKey>),
    /// mutable containers hash by identity (no locking while a Dict is locked)
    Ptr(usize),
    Other(String),
}

#[derive(Debug, Clone)]
pub struct DictV {
    pub kty: Ty,
    pub vty: Ty,
    pub entries: Vec<(Value, Value)>,
    pub index: HashMap<HKey, usize>,
}

impl DictV {
    pub fn new(kty: Ty, vty: Ty) -> Self {
        DictV {
            kty,
            vty,
            entries: Vec::new(),
            index: HashMap::new(),
        }
    }
    pub fn get(&self, k: &Value) -> Option<&Value> {
        self.index.get(&k.hkey()).map(|&i| &self.entries[i].1)
    }
    pub fn insert(&mut self, k: Value, v: Value) {
        let hk = k.hkey();
        if let Some(&i) = self.index.get(&hk) {
            self.entries[i].1 = v;
        } else {
            self.index.insert(hk, self.entries.len());
            self.entries.push((k, v));
        }
    }
    pub fn remove(&mut self, k: &Value) -> Option<Value> {
        let hk = k.hkey();
        let i = self.index.remove(&hk)?;
        let (_, v) = self.entries.remove(i);
        for (j, (kk, _)) in self.entries.iter().enumerate().skip(i) {
            self.index.insert(kk.hkey(), j);
        }
        Some(v)
    }
}

/// A generic function: a name and its methods.
#[derive(Debug)]
pub(crate) struct Generic {
    pub name: Name,
    pub methods: Mutex<Vec<Arc<Method>>>,
    /// bumped (under the `methods` lock) whenever a method is added or replaced, so a VM
    /// may remember the method it selected without taking the lock (see `Vm::call`)
    pub version: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
pub(crate) struct Closure {
    pub method: Arc<Method>,
    pub captured: Vec<Value>,
}

/// A Julia exception value.
#[derive(Debug, Clone)]
pub struct Exc {
    pub ty: Name,
    /// `sprint(showerror, e)`
    pub msg: String,
    /// `repr(e)`
    pub repr: String,
    pub fields: Vec<(Name, Value)>,
    /// the thrown value for non-exception throws
    pub value: Option<Value>,
    /// a Base frame Julia shows first in the trace (signature, location)
    pub base_frame: Option<(&'static str, &'static str)>,
}

#[derive(Debug)]
pub struct StructDef {
    pub name: Name,
    pub fields: Vec<(Name, Option<Ty>)>,
    pub mutable: bool,
}

#[derive(Debug)]
pub struct StructV {
    pub def: Arc<StructDef>,
    pub fields: Mutex<Vec<Value>>,
}

// Functions, closures and iterator states are the interpreter's own: native modules
// receive and pass them on but cannot look inside (their types are crate-private).
#[allow(private_interfaces)]
#[derive(Debug)]
pub enum Value {
    Nothing,
    Missing,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(char),
    Str(Arc<str>),
    Sym(Arc<str>),
    Array(Arc<Mutex<Array>>),
    Tuple(Tup),
    NamedTuple(Arc<(Vec<Name>, NtVals)>),
    Pair(PairV),
    Dict(Arc<Mutex<DictV>>),
    /// start, step, stop (stop normalised so that the range is exact), and which of Julia's
    /// integer range types it is (it decides `typeof` and printing only)
    Range(Arc<(i64, i64, i64, RangeKind)>),
    /// start, step, length
    FRange(Arc<(f64, f64, i64, f64)>),
    Generic(Arc<Generic>),
    Closure(Arc<Closure>),
    Builtin(u16),
    Type(Arc<Ty>),
    Exception(Arc<Exc>),
    Struct(Arc<StructV>),
    StructType(Arc<StructDef>),
    Module(Name),
    /// lazy iterators (enumerate, zip, pairs, eachindex ...), materialised on use
    Lazy(Arc<(Ty, Vec<Value>)>),
    /// internal: iterator state kept in a slot during a `for` loop
    Iter(Box<IterState>),
    /// internal: an unassigned local slot
    Undef,
    /// internal: a local shared by reference with closures that assign it
    Box(Arc<Mutex<Value>>),
    /// `Rational{Int64}`, normalised (gcd 1, positive denominator)
    Rational(i64, i64),
    /// `BigInt` (limited to 128 bits)
    Big(Box<i128>),
    /// `Float32`
    F32(f32),
    /// `Complex{Int64}` / `Complex{Float64}`
    ComplexI(i64, i64),
    /// `π` (`pi`) or `ℯ`: an `Irrational`, which prints by name and becomes a Float64 as
    /// soon as it is used as a number (`Value::decay`)
    Irrational(char),
    ComplexF(f64, f64),
}

// Cloning is the interpreter's most frequent operation (every load of a local or a
// constant); numbers are copied inline, everything else through the out-of-line match.
impl Clone for Value {
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Bool(b) => Value::Bool(*b),
            Value::Nothing => Value::Nothing,
            _ => self.clone_slow(),
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_slow(&self) -> Value {
        match self {
            Value::Nothing => Value::Nothing,
            Value::Missing => Value::Missing,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Char(c) => Value::Char(*c),
            Value::Str(s) => Value::Str(s.clone()),
            Value::Sym(s) => Value::Sym(s.clone()),
            Value::Array(a) => Value::Array(a.clone()),
            Value::Tuple(t) => Value::Tuple(t.clone()),
            Value::NamedTuple(n) => Value::NamedTuple(n.clone()),
            Value::Pair(p) => Value::Pair(p.clone()),
            Value::Dict(d) => Value::Dict(d.clone()),
            Value::Range(r) => Value::Range(r.clone()),
            Value::Irrational(c) => Value::Irrational(*c),
            Value::FRange(r) => Value::FRange(r.clone()),
            Value::Generic(g) => Value::Generic(g.clone()),
            Value::Closure(c) => Value::Closure(c.clone()),
            Value::Builtin(b) => Value::Builtin(*b),
            Value::Type(t) => Value::Type(t.clone()),
            Value::Exception(e) => Value::Exception(e.clone()),
            Value::Struct(s) => Value::Struct(s.clone()),
            Value::StructType(d) => Value::StructType(d.clone()),
            Value::Module(m) => Value::Module(m.clone()),
            Value::Lazy(l) => Value::Lazy(l.clone()),
            Value::Iter(i) => Value::Iter(i.clone()),
            Value::Undef => Value::Undef,
            Value::Box(b) => Value::Box(b.clone()),
            Value::Rational(n, d) => Value::Rational(*n, *d),
            Value::Big(b) => Value::Big(b.clone()),
            Value::F32(f) => Value::F32(*f),
            Value::ComplexI(a, b) => Value::ComplexI(*a, *b),
            Value::ComplexF(a, b) => Value::ComplexF(*a, *b),
        }
    }
}

/// Tuple storage; dropping a deeply nested tuple does not recurse.
#[derive(Debug, Clone)]
pub struct Tup {
    pub inner: Arc<[Value]>,
}

impl std::ops::Deref for Tup {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.inner
    }
}

/// Pair storage; dropping a deeply nested pair chain does not recurse.
#[derive(Debug, Clone)]
pub struct PairV {
    pub inner: Arc<(Value, Value)>,
}

impl std::ops::Deref for PairV {
    type Target = (Value, Value);
    fn deref(&self) -> &(Value, Value) {
        &self.inner
    }
}

fn is_leaf(v: &Value) -> bool {
    !matches!(
        v,
        Value::Array(_)
            | Value::Tuple(_)
            | Value::Pair(_)
            | Value::Dict(_)
            | Value::Struct(_)
            | Value::Closure(_)
            | Value::NamedTuple(_)
            | Value::Box(_)
    )
}

/// Move the children of `v` onto `stack` if `v` holds the last reference to them.
fn take_children(v: Value, stack: &mut Vec<Value>) {
    match v {
        Value::Array(a) => {
            if let Ok(m) = Arc::try_unwrap(a) {
                let mut arr = m.into_inner().unwrap_or_else(|e| e.into_inner());
                stack.append(&mut arr.data);
            }
        }
        Value::Tuple(mut t) => {
            if let Some(s) = Arc::get_mut(&mut t.inner) {
                for x in s.iter_mut() {
                    stack.push(std::mem::replace(x, Value::Nothing));
                }
            }
        }
        Value::Pair(mut p) => {
            if let Some(s) = Arc::get_mut(&mut p.inner) {
                stack.push(std::mem::replace(&mut s.0, Value::Nothing));
                stack.push(std::mem::replace(&mut s.1, Value::Nothing));
            }
        }
        Value::Dict(d) => {
            if let Ok(m) = Arc::try_unwrap(d) {
                let mut dv = m.into_inner().unwrap_or_else(|e| e.into_inner());
                for (k, x) in std::mem::take(&mut dv.entries) {
                    stack.push(k);
                    stack.push(x);
                }
            }
        }
        Value::Struct(s) => {
            if let Ok(mut sv) = Arc::try_unwrap(s) {
                let f = sv.fields.get_mut().unwrap_or_else(|e| e.into_inner());
                stack.append(f);
            }
        }
        Value::Closure(c) => {
            if let Ok(mut cl) = Arc::try_unwrap(c) {
                stack.append(&mut cl.captured);
            }
        }
        Value::Box(b) => {
            if let Ok(m) = Arc::try_unwrap(b) {
                stack.push(m.into_inner().unwrap_or_else(|e| e.into_inner()));
            }
        }
        Value::NamedTuple(mut nt) => {
            if let Some(s) = Arc::get_mut(&mut nt) {
                stack.append(&mut s.1.0);
            }
        }
        _ => {}
    }
}

fn drop_iteratively(mut stack: Vec<Value>) {
    while let Some(v) = stack.pop() {
        take_children(v, &mut stack);
    }
}

/// Values of a named tuple (drops iteratively).
#[derive(Debug, Clone, Default)]
pub struct NtVals(pub Vec<Value>);

impl std::ops::Deref for NtVals {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.0
    }
}

impl Drop for NtVals {
    fn drop(&mut self) {
        if !self.0.iter().all(is_leaf) {
            drop_iteratively(std::mem::take(&mut self.0));
        }
    }
}

impl Drop for DictV {
    fn drop(&mut self) {
        if !self.entries.iter().all(|(k, v)| is_leaf(k) && is_leaf(v)) {
            let mut stack = Vec::new();
            for (k, x) in std::mem::take(&mut self.entries) {
                stack.push(k);
                stack.push(x);
            }
            drop_iteratively(stack);
        }
    }
}

impl Drop for StructV {
    fn drop(&mut self) {
        let f = self.fields.get_mut().unwrap_or_else(|e| e.into_inner());
        if !f.iter().all(is_leaf) {
            drop_iteratively(std::mem::take(f));
        }
    }
}

impl Drop for Closure {
    fn drop(&mut self) {
        if !self.captured.iter().all(is_leaf) {
            drop_iteratively(std::mem::take(&mut self.captured));
        }
    }
}

impl Drop for Array {
    fn drop(&mut self) {
        if !self.data.iter().all(is_leaf) {
            drop_iteratively(std::mem::take(&mut self.data));
        }
    }
}

impl Drop for Tup {
    fn drop(&mut self) {
        if let Some(s) = Arc::get_mut(&mut self.inner)
            && !s.iter().all(is_leaf)
        {
            let stack: Vec<Value> = s
                .iter_mut()
                .map(|x| std::mem::replace(x, Value::Nothing))
                .collect();
            drop_iteratively(stack);
        }
    }
}

impl Drop for PairV {
    fn drop(&mut self) {
        if let Some(s) = Arc::get_mut(&mut self.inner)
            && (!is_leaf(&s.0) || !is_leaf(&s.1))
        {
            let stack = vec![
                std::mem::replace(&mut s.0, Value::Nothing),
                std::mem::replace(&mut s.1, Value::Nothing),
            ];
            drop_iteratively(stack);
        }
    }
}

/// `Float64(π)` / `Float64(ℯ)` (both round down: the true values lie above them)
pub fn irrational_f64(c: char) -> f64 {
    if c == 'π' {
        std::f64::consts::PI
    } else {
        std::f64::consts::E
    }
}

/// Julia's integer range types: `UnitRange{Int64}` (`a:b`), `StepRange{Int64, Int64}`
/// (`a:s:b`, which keeps an explicit step of 1) and `Base.OneTo{Int64}` (`eachindex`, `axes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    Unit,
    Step,
    OneTo,
}

#[derive(Debug, Clone)]
pub(crate) enum IterState {
    Range {
        cur: i64,
        step: i64,
        stop: i64,
        done: bool,
    },
    Items {
        items: Arc<[Value]>,
        pos: usize,
    },
    Array {
        arr: Arc<Mutex<Array>>,
        pos: usize,
    },
    FRange {
        r: Arc<(f64, f64, i64, f64)>,
        pos: i64,
    },
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
    pub fn string(s: String) -> Value {
        Value::Str(Arc::from(s))
    }
    pub fn sym(s: &str) -> Value {
        Value::Sym(Arc::from(s))
    }
    pub fn vector(elty: Ty, data: Vec<Value>) -> Value {
        Value::Array(Arc::new(Mutex::new(Array {
            elty,
            data,
            dims: None,
            wrap: Wrap::None,
        })))
    }
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Tup {
            inner: Arc::from(v),
        })
    }
    pub fn ty(t: Ty) -> Value {
        Value::Type(Arc::new(t))
    }
    pub fn pair(a: Value, b: Value) -> Value {
        Value::Pair(PairV {
            inner: Arc::new((a, b)),
        })
    }
    /// `start:stop` (a `UnitRange`) when `step` is 1, `start:step:stop` otherwise
    pub fn range(start: i64, step: i64, stop: i64) -> Value {
        let kind = if step == 1 {
            RangeKind::Unit
        } else {
            RangeKind::Step
        };
        Value::Range(Arc::new((start, step, stop, kind)))
    }
    pub fn range_of(start: i64, step: i64, stop: i64, kind: RangeKind) -> Value {
        Value::Range(Arc::new((start, step, stop, kind)))
    }
    /// The Float64 value of an irrational (`Float64(π)`); other values unchanged.
    pub fn decay(self) -> Value {
        match self {
            Value::Irrational(c) => Value::Float(irrational_f64(c)),
            v => v,
        }
    }
    pub fn is_nothing(&self) -> bool {
        matches!(self, Value::Nothing)
    }

    pub fn hkey(&self) -> HKey {
        self.hkey_d(0)
    }

    fn hkey_d(&self, d: usize) -> HKey {
        if d > 64 {
            return HKey::Other("#deep".into());
        }
        match self {
            Value::Int(i) => HKey::Int(*i),
            Value::Rational(n, 1) => HKey::Int(*n),
            Value::ComplexI(a, 0) => HKey::Int(*a),
            Value::Big(b) if i64::try_from(**b).is_ok() => HKey::Int(**b as i64),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e18 {
                    HKey::Int(*f as i64)
                } else {
                    HKey::Float(f.to_bits())
                }
            }
            Value::Bool(b) => HKey::Bool(*b),
            Value::Str(s) => HKey::Str(s.clone()),
            Value::Sym(s) => HKey::Sym(s.clone()),
            Value::Char(c) => HKey::Char(*c),
            Value::Nothing => HKey::Nothing,
            Value::Missing => HKey::Missing,
            Value::Tuple(t) => HKey::Tuple(t.iter().map(|v| v.hkey_d(d + 1)).collect()),
            Value::Pair(p) => HKey::Tuple(vec![p.0.hkey_d(d + 1), p.1.hkey_d(d + 1)]),
            Value::NamedTuple(nt) => HKey::Tuple(nt.1.iter().map(|v| v.hkey_d(d + 1)).collect()),
            Value::Array(a) => HKey::Ptr(Arc::as_ptr(a) as usize),
            Value::Dict(x) => HKey::Ptr(Arc::as_ptr(x) as usize),
            Value::Struct(s) => HKey::Ptr(Arc::as_ptr(s) as usize),
            Value::Box(b) => HKey::Ptr(Arc::as_ptr(b) as usize),
            Value::Lazy(l) => HKey::Ptr(Arc::as_ptr(l) as usize),
            Value::Closure(c) => HKey::Ptr(Arc::as_ptr(c) as usize),
            Value::Generic(g) => HKey::Ptr(Arc::as_ptr(g) as usize),
            // isequal ranges of different kinds (`1:5`, `1:1:5`, `Base.OneTo(5)`) are one key
            Value::Range(r) => HKey::Other(crate::show::repr(&Value::range(r.0, r.1, r.2))),
            // these print without taking any lock
            other => HKey::Other(crate::show::repr(other)),
        }
    }
}

/// Element type inferred from values (Julia's promotion for literals).
pub(crate) fn promote_elty(vals: &[Value]) -> Ty {
    let mut t: Option<Ty> = None;
    for v in vals {
        let vt = crate::types::typeof_val(v);
        t = Some(match t {
            None => vt,
            Some(cur) => join_ty(&cur, &vt),
        });
        if t == Some(Ty::Any) {
            return Ty::Any;
        }
    }
    t.unwrap_or(Ty::Any)
}

pub(crate) fn join_ty(a: &Ty, b: &Ty) -> Ty {
    if a == b {
        return a.clone();
    }
    match (a, b) {
        (Ty::Int64, Ty::Float64)
        | (Ty::Float64, Ty::Int64)
        | (Ty::Bool, Ty::Float64)
        | (Ty::Float64, Ty::Bool) => Ty::Float64,
        (Ty::Int64, Ty::Bool) | (Ty::Bool, Ty::Int64) => Ty::Int64,
        (Ty::Rational, Ty::Int64 | Ty::Bool) | (Ty::Int64 | Ty::Bool, Ty::Rational) => Ty::Rational,
        (Ty::Float32, Ty::Int64 | Ty::Bool) | (Ty::Int64 | Ty::Bool, Ty::Float32) => Ty::Float32,
        (Ty::Float32, Ty::Float64) | (Ty::Float64, Ty::Float32) => Ty::Float64,
        (Ty::BigInt, Ty::Int64 | Ty::Bool) | (Ty::Int64 | Ty::Bool, Ty::BigInt) => Ty::BigInt,
        (Ty::Rational | Ty::BigInt, Ty::Float64) | (Ty::Float64, Ty::Rational | Ty::BigInt) => {
            Ty::Float64
        }
        (Ty::ComplexInt, Ty::Int64 | Ty::Bool) | (Ty::Int64 | Ty::Bool, Ty::ComplexInt) => {
            Ty::ComplexInt
        }
        (Ty::ComplexFloat, Ty::Int64 | Ty::Bool | Ty::Float64 | Ty::ComplexInt)
        | (Ty::Int64 | Ty::Bool | Ty::Float64 | Ty::ComplexInt, Ty::ComplexFloat)
        | (Ty::ComplexInt, Ty::Float64)
        | (Ty::Float64, Ty::ComplexInt) => Ty::ComplexFloat,
        (n @ (Ty::Nothing | Ty::Missing), t) | (t, n @ (Ty::Nothing | Ty::Missing))
            if t.is_concrete() && !matches!(t, Ty::Nothing | Ty::Missing) =>
        {
            Ty::Union(Box::new(n.clone()), Box::new(t.clone()))
        }
        (Ty::Union(n, t), x) | (x, Ty::Union(n, t)) => {
            if x == &**n {
                return Ty::Union(n.clone(), t.clone());
            }
            match join_ty(t, x) {
                Ty::Any => Ty::Any,
                j => Ty::Union(n.clone(), Box::new(j)),
            }
        }
        _ => Ty::Any,
    }
}

/// Convert numbers for storage into a container of element type `t` (Julia's promotion on literals).
pub(crate) fn promote_to(t: &Ty, v: Value) -> Value {
    match (t, v) {
        (Ty::Float64, Value::Int(i)) => Value::Float(i as f64),
        (Ty::Float64 | Ty::Float32 | Ty::ComplexFloat, v @ Value::Irrational(_)) => {
            promote_to(t, v.decay())
        }
        (Ty::Float64, Value::Bool(b)) => Value::Float(if b { 1.0 } else { 0.0 }),
        (Ty::Int64, Value::Bool(b)) => Value::Int(b as i64),
        (Ty::Rational, Value::Int(i)) => Value::Rational(i, 1),
        (Ty::Float32, Value::Int(i)) => Value::F32(i as f32),
        (Ty::Float64, Value::F32(f)) => Value::Float(f as f64),
        (Ty::Rational, Value::Bool(b)) => Value::Rational(b as i64, 1),
        (Ty::BigInt, Value::Int(i)) => Value::Big(Box::new(i as i128)),
        (Ty::Float64, Value::Rational(n, d)) => Value::Float(n as f64 / d as f64),
        (Ty::Float64, Value::Big(b)) => Value::Float(*b as f64),
        (Ty::ComplexInt, Value::Int(i)) => Value::ComplexI(i, 0),
        (Ty::ComplexFloat, Value::Int(i)) => Value::ComplexF(i as f64, 0.0),
        (Ty::ComplexFloat, Value::Float(f)) => Value::ComplexF(f, 0.0),
        (Ty::ComplexFloat, Value::ComplexI(a, b)) => Value::ComplexF(a as f64, b as f64),
        (Ty::Union(_, t), v) if !matches!(v, Value::Nothing | Value::Missing) => promote_to(t, v),
        (_, v) => v,
    }
}

/// Number of elements of a range `(start, step, stop)`.
pub(crate) fn range_len(r: &(i64, i64, i64, RangeKind)) -> i64 {
    let (a, s, b, _) = *r;
    if (s > 0 && b < a) || (s < 0 && b > a) {
        0
    } else {
        ((b as i128 - a as i128) / s as i128 + 1) as i64
    }
}

/// `length` of the values that have one without running code (no user iterators).
pub fn len_of(v: &Value) -> Option<usize> {
    Some(match v {
        Value::Array(a) => lock(a).data.len(),
        Value::Tuple(t) => t.len(),
        Value::NamedTuple(nt) => nt.1.len(),
        Value::Str(s) => s.chars().count(),
        Value::Dict(d) => lock(d).entries.len(),
        Value::Range(r) => range_len(r).max(0) as usize,
        Value::FRange(r) => r.2.max(0) as usize,
        Value::Pair(_) => 2,
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Char(_) => 1,
        Value::Lazy(l) => match l.0 {
            Ty::Enumerate => len_of(l.1.first()?)?,
            Ty::Zip => l.1.iter().filter_map(len_of).min().unwrap_or(0),
            _ => return None,
        },
        _ => return None,
    })
}

// ---- IOBuffer: a mutable struct holding text chunks; printing functions write into it ----

pub(crate) fn iobuffer_def() -> Arc<StructDef> {
    static D: std::sync::OnceLock<Arc<StructDef>> = std::sync::OnceLock::new();
    D.get_or_init(|| {
        Arc::new(StructDef {
            name: "IOBuffer".into(),
            fields: vec![("data".into(), None)],
            mutable: true,
        })
    })
    .clone()
}

/// A fresh `IOBuffer()` (text chunks in a vector).
pub(crate) fn new_iobuffer() -> Value {
    Value::Struct(Arc::new(StructV {
        def: iobuffer_def(),
        fields: Mutex::new(vec![Value::vector(Ty::String, vec![])]),
    }))
}

pub(crate) fn iobuffer_data(v: &Value) -> Option<Arc<Mutex<Array>>> {
    match v {
        Value::Struct(s) if Arc::ptr_eq(&s.def, &iobuffer_def()) => match lock(&s.fields).first() {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn is_io(v: &Value) -> bool {
    iobuffer_data(v).is_some()
        || matches!(v, Value::Module(m) if &**m == "stdout" || &**m == "stderr")
}

/// Contents of an IOBuffer (and empty it), like `String(take!(io))`.
pub(crate) fn iobuffer_take(v: &Value) -> String {
    match iobuffer_data(v) {
        Some(a) => {
            let mut g = lock(&a);
            let s: String = g.data.iter().map(crate::show::to_string).collect();
            g.data.clear();
            s
        }
        None => String::new(),
    }
}

/// Decimal scale that makes a float range exact (emulates Julia's TwicePrecision ranges).
pub(crate) fn frange_den(start: f64, step: f64) -> Option<f64> {
    let mut den = 1.0;
    for _ in 0..16 {
        let a = start * den;
        let b = step * den;
        // within a few ulps of an integer: start and step are short decimals
        let near = |x: f64| (x - x.round()).abs() <= x.abs().max(1.0) * 8.0 * f64::EPSILON;
        if near(a) && near(b) && a.abs() < 1e12 && b.abs() < 1e12 {
            return Some(den);
        }
        den *= 10.0;
    }
    None
}

/// Element `i` (0-based) of a float range: start, step, length, and the step's low-order
/// part (non-zero for `range(a, b; length)`, emulating Julia's TwicePrecision step).
pub(crate) fn frange_elem(r: &(f64, f64, i64, f64), i: i64) -> f64 {
    if r.3 != 0.0 {
        let fi = i as f64;
        let p = fi * r.1;
        let e = fi.mul_add(r.1, -p);
        let s = r.0 + p;
        let bb = s - r.0;
        let t = (r.0 - (s - bb)) + (p - bb);
        return s + (t + e + fi * r.3);
    }
    match frange_den(r.0, r.1) {
        Some(den) => ((r.0 * den).round() + (i as f64) * (r.1 * den).round()) / den,
        None => r.0 + (i as f64) * r.1,
    }
}
