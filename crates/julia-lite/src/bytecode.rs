//! The bytecode the compiler emits and the VM runs: instructions (`Op`), a compiled body
//! (`Chunk`) and a method of a generic function (`Method`). It sits with the values (a
//! function value holds its methods, a chunk holds constant values), below the compiler.

use crate::value::{Name, Ty, Value};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Const(u32),
    Nothing,
    Pop,
    Dup,
    LoadLocal(u32),
    StoreLocal(u32),
    LoadCap(u32),
    LoadSelf,
    LoadGlobal(u32),
    StoreGlobal(u32),
    /// fast path for a builtin with a fixed id (operators)
    CallBuiltin(u16, u16),
    /// `LoadLocal(a); LoadLocal(b); CallBuiltin(id, 2)` in one instruction (`s + i`)
    BinLocalLocal(u16, u32, u32),
    /// `LoadLocal(a); Const(k); CallBuiltin(id, 2)` in one instruction (`n - 1`)
    BinLocalConst(u16, u32, u32),
    /// argc, kwnames index + 1 (0 = none)
    Call(u16, u16),
    /// callee, args tuple on stack; kwnames index + 1
    CallApply(u16),
    /// concatenate n tuples
    ConcatTuples(u16),
    ToTuple,
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    /// for && / ||: peek bool, jump keeping it, else pop
    JumpIfFalseKeep(u32),
    JumpIfTrueKeep(u32),
    GetIndex(u16),
    SetIndex(u16),
    GetField(u32),
    SetField(u32),
    /// lastindex of the object on the stack for dimension k of n
    LastIndex(u16, u16),
    MakeTuple(u16),
    MakeVec(u32),
    MakeMatrix(u16, u16),
    MakeTypedVec(u32),
    MakeNamedTuple(u32),
    MakeRange(bool),
    MakePair,
    Interp(u16),
    IterInit(u32),
    IterNext(u32, u32),
    /// `IterNext(it, exit); StoreLocal(var)` in one instruction (a `for` loop's variable)
    IterNextStore(u32, u32, u32),
    Destructure(u16),
    MakeClosure(u32, u16),
    DefMethod(u32, u32),
    DefStruct(u32),
    PushHandler(u32),
    PopHandler,
    Rethrow(u32),
    Return,
    MarkHeight(u32),
    ResetHeight(u32),
    /// push! for comprehensions: stack [vec, value] -> [vec]
    VecPush,
    /// narrow the element type of the vector on the stack
    Narrow,
    JumpIfArgGiven(u32, u32),
    JumpIfDefined(u32, u32),
    UndefKw(u32),
    Using(u32),
    Broadcast(u16, u16),
    TypeAssert(u32),
    /// boxed locals (assigned by closures): create / wrap a param / read / write
    NewBox(u32),
    BoxParam(u32),
    LoadBox(u32),
    StoreBox(u32),
    LoadCapBox(u32),
    StoreCapBox(u32),
}

#[derive(Debug, Default)]
pub(crate) struct Chunk {
    pub code: Vec<Op>,
    pub lines: Vec<u32>,
    pub consts: Vec<Value>,
    pub names: Vec<Name>,
    pub methods: Vec<Arc<Method>>,
    pub kwnames: Vec<Vec<Name>>,
    pub nslots: u32,
    pub slot_names: Vec<Name>,
    /// for a method's body: what a stack trace shows of its frame (a frame keeps only its
    /// chunk, not the method, so a call costs one reference count less)
    pub frame_info: Option<FrameInfo>,
}

#[derive(Debug)]
pub(crate) struct FrameInfo {
    pub name: Name,
    pub params: Vec<Name>,
    pub prelude: bool,
}

#[derive(Debug)]
pub(crate) struct Method {
    pub name: Name,
    pub params: Vec<(Name, Option<Ty>)>,
    pub nreq: usize,
    pub vararg: bool,
    pub kwparams: Vec<Name>,
    pub chunk: Arc<Chunk>,
    pub prelude: bool,
}

impl Method {
    pub fn specificity(&self) -> i32 {
        self.params
            .iter()
            .map(|(_, t)| match t {
                None | Some(Ty::Any) => 0,
                Some(t) if t.is_concrete() => 2,
                Some(_) => 1,
            })
            .sum()
    }
}
