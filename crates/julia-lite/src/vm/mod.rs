//! The bytecode interpreter. No Rust recursion for Julia calls: frames live in `frames`,
//! values on `stack`. `run` returns whenever the evaluation must suspend (sleep, time slice)
//! so the async driver can await without holding a thread.

use crate::bytecode::{Chunk, Method, Op};
use crate::errors::{self, Frame};
use crate::host::{Host, Limits, WsInner};
use crate::memory::GlobalJournal;
use crate::types::{isa, type_name, typeof_val};
use crate::value::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) use crate::memory::VALUE_BYTES;

mod calls;
mod globals;
mod library;

pub(crate) use calls::*;

/// The value of global `name`. Functions are loaded on every call: they come from the
/// VM's `cache` while no function binding changed (an atomic load instead of the lock).
fn load_global(ws: &WsInner, cache: &mut (u64, NameMap<Value>), name: &Name) -> Result<Value, Exc> {
    let epoch = ws
        .functions_epoch
        .load(std::sync::atomic::Ordering::Acquire);
    if cache.0 == epoch {
        if !cache.1.is_empty()
            && let Some(v) = cache.1.get(name)
        {
            return Ok(v.clone());
        }
    } else {
        cache.0 = epoch;
        cache.1.clear();
    }
    if let Some(v) = lock(&ws.globals).get(name) {
        if let Value::Generic(_) = v {
            cache.1.insert(name.clone(), v.clone());
        }
        return Ok(v.clone());
    }
    global_fallback(ws, name)
}

/// A function binding changed: every VM's function cache is stale. Called with the
/// globals lock held, so a VM that then takes the lock sees the new binding.
pub(crate) fn bump_functions_epoch(ws: &WsInner) {
    ws.functions_epoch
        .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}
pub(crate) use globals::*;
pub(crate) use library::*;

pub(crate) struct CallFrame {
    pub chunk: Arc<Chunk>,
    pub ip: usize,
    pub base: usize,
    pub callee: Value,
    pub argc: usize,
}

struct Handler {
    frame_idx: usize,
    stack_len: usize,
    target: usize,
}

pub(crate) enum Step {
    Done(Value),
    Sleep(Duration),
    Yield,
    Error(Box<Exc>, Vec<Frame>),
}

pub(crate) struct Vm {
    pub stack: Vec<Value>,
    pub frames: Vec<CallFrame>,
    handlers: Vec<Handler>,
    pub out: String,
    pub out_truncated: bool,
    pub steps: u64,
    pub sleep_req: Option<Duration>,
    pub ws: Arc<WsInner>,
    pub limits: Limits,
    pub host: Arc<dyn Host>,
    pub exec: Duration,
    pub slice_start: Instant,
    pub current_exc: Option<Value>,
    /// set when a budget is exhausted: such errors cannot be caught
    pub fatal: bool,
    /// global bindings this evaluation changed (undone on `OutOfMemoryError`)
    pub journal: GlobalJournal,
    argbuf: Vec<Value>,
    next_check: u64,
    /// functions (global `Generic`s) this VM loaded, valid while `functions_epoch` is the
    /// first field
    function_cache: (u64, NameMap<Value>),
    /// the method last selected for a function of one method: the function (held, so its
    /// address cannot be reused by a new function while cached), its `version`, the method
    method_cache: Option<(Arc<Generic>, u64, Arc<Method>)>,
}

enum Flow {
    /// continue in the (possibly new) current frame
    Reload,
    Stop(Step),
}

fn uncaught(e: Exc, frames: Vec<Frame>) -> Step {
    Step::Error(Box::new(e), frames)
}

impl Vm {
    pub fn new(ws: Arc<WsInner>, chunk: Arc<Chunk>, host: Arc<dyn Host>, limits: Limits) -> Vm {
        let mut stack = Vec::with_capacity(16 + chunk.nslots as usize);
        for _ in 0..chunk.nslots {
            stack.push(Value::Undef);
        }
        Vm {
            stack,
            frames: vec![CallFrame {
                chunk,
                ip: 0,
                base: 0,
                callee: Value::Nothing,
                argc: 0,
            }],
            handlers: vec![],
            out: String::new(),
            out_truncated: false,
            steps: 0,
            sleep_req: None,
            ws,
            limits,
            host,
            exec: Duration::ZERO,
            slice_start: Instant::now(),
            current_exc: None,
            fatal: false,
            journal: GlobalJournal::default(),
            argbuf: Vec::with_capacity(8),
            next_check: 1024,
            function_cache: (u64::MAX, NameMap::default()),
            method_cache: None,
        }
    }

    /// A matrix literal with arrays among its items: each row hcat, the rows vcat.
    fn concat_literal(
        &mut self,
        items: Vec<Value>,
        rows: usize,
        cols: usize,
    ) -> Result<Value, Exc> {
        let (Some(h), Some(v)) = (
            crate::natives::builtin_id("hcat"),
            crate::natives::builtin_id("vcat"),
        ) else {
            return Err(errors::error_exception("internal error: no hcat"));
        };
        let mut row_values = Vec::with_capacity(rows);
        for row in items.chunks(cols.max(1)) {
            row_values.push(natives().call(self, h, row, &[])?);
        }
        if rows == 1 {
            return Ok(row_values.pop().unwrap_or(Value::Nothing));
        }
        natives().call(self, v, &row_values, &[])
    }

    pub fn write_out(&mut self, s: &str) {
        if self.out_truncated {
            return;
        }
        if self.out.len() + s.len() > self.limits.max_output_bytes {
            let mut cut = self.limits.max_output_bytes.saturating_sub(self.out.len());
            while cut > 0 && !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.push_str(&s[..cut]);
            self.out.push_str(&format!(
                "\n[output truncated: exceeded {} bytes]\n",
                self.limits.max_output_bytes
            ));
            self.out_truncated = true;
        } else {
            self.out.push_str(s);
        }
    }

    /// Account for an allocation of `n` values (or a string of `n` bytes when `bytes`) before
    /// it is made; the budget bounds the live data of the whole workspace (see `memory`).
    pub fn alloc(&mut self, n: usize, bytes: bool) -> Result<(), Exc> {
        use std::sync::atomic::Ordering::Relaxed;
        let b = if bytes {
            n.saturating_add(crate::memory::STR_OVERHEAD)
        } else {
            n.saturating_mul(VALUE_BYTES)
        };
        let max = self.limits.max_memory_bytes;
        if b > max {
            self.fatal = true;
            return Err(errors::out_of_memory(&format!(
                "allocation of {b} bytes refused: exceeds the memory budget of {max} bytes"
            )));
        }
        let accounted = self.ws.accounted.fetch_add(b, Relaxed).saturating_add(b);
        if accounted <= max {
            return Ok(());
        }
        let live = self.measure_live();
        self.ws.accounted.store(live.saturating_add(b), Relaxed);
        if live.saturating_add(b) > max {
            self.fatal = true;
            return Err(errors::out_of_memory(&format!(
                "live data of the workspace ({live} bytes) plus an allocation of {b} bytes exceeds the memory budget of {max} bytes"
            )));
        }
        Ok(())
    }

    /// Account for `add` more elements in `arr`: the slots its `Vec` grows by (capacity
    /// doubling, as `memory::live_size` counts arrays), before they are pushed.
    pub fn alloc_push(&mut self, arr: &Mutex<Array>, add: usize) -> Result<(), Exc> {
        let (len, cap) = {
            let g = lock(arr);
            (g.data.len(), g.data.capacity())
        };
        let need = len.saturating_add(add);
        if need <= cap {
            return Ok(());
        }
        let new_cap = need.max(cap.saturating_mul(2)).max(4);
        self.alloc(new_cap - cap, false)
    }

    /// Bytes reachable from this evaluation's stack and the workspace's globals. The walk
    /// is charged to the step budget (one step per value visited).
    fn measure_live(&mut self) -> usize {
        let mut roots: Vec<Value> = self.stack.clone();
        roots.extend(lock(&self.ws.globals).values().cloned());
        let size = crate::memory::live_size(roots);
        self.steps = self.steps.saturating_add(size.visited as u64);
        size.bytes
    }

    /// Bind global `name`, remembering its previous binding for an out-of-memory rollback.
    pub fn set_global(&mut self, name: Name, v: Value) {
        let _ = self.bind_global(name, v, false);
    }

    /// `name = v` in user code: as `set_global`, except that a name bound to a function
    /// the user defined cannot be rebound (Julia: `invalid redefinition of constant f`).
    pub fn assign_global(&mut self, name: Name, v: Value) -> Result<(), Exc> {
        self.bind_global(name, v, true)
    }

    fn bind_global(&mut self, name: Name, v: Value, user: bool) -> Result<(), Exc> {
        let mut g = lock(&self.ws.globals);
        self.journal.note(&g, &name);
        let is_function = matches!(v, Value::Generic(_));
        // an existing binding is replaced in place (one lookup for the check and the write)
        let old = match g.get_mut(&name) {
            Some(Value::Generic(f))
                if user
                    && !matches!(&v, Value::Generic(h) if Arc::ptr_eq(f, h))
                    && lock(&f.methods).iter().any(|m| !m.prelude) =>
            {
                return Err(errors::error_exception(&format!(
                    "invalid redefinition of constant {name}"
                )));
            }
            Some(slot) => Some(std::mem::replace(slot, v)),
            None => g.insert(name, v),
        };
        // a cached function may be rebound, or a new name may shadow a built-in
        if is_function || !matches!(old, Some(ref o) if !matches!(o, Value::Generic(_))) {
            bump_functions_epoch(&self.ws);
        }
        drop(g);
        drop(old);
        Ok(())
    }

    /// After an `OutOfMemoryError`: give every global this evaluation assigned its value
    /// from before the evaluation, releasing what it built.
    pub fn rollback_globals(&mut self) {
        let mut g = lock(&self.ws.globals);
        let replaced = self.journal.restore(&mut g);
        bump_functions_epoch(&self.ws);
        drop(g);
        drop(replaced);
        self.stack.clear();
    }

    fn check_budgets(&mut self) -> Result<bool, Exc> {
        if self.steps > self.limits.max_steps {
            self.fatal = true;
            return Err(errors::interrupt(&format!(
                "evaluation exceeded the step budget of {} steps",
                self.limits.max_steps
            )));
        }
        let slice = self.slice_start.elapsed();
        if self.exec + slice > self.limits.max_wall {
            self.fatal = true;
            return Err(errors::interrupt(&format!(
                "evaluation exceeded the time budget of {} ms",
                self.limits.max_wall.as_millis()
            )));
        }
        Ok(slice > Duration::from_millis(2))
    }

    pub fn trace(&self) -> Vec<Frame> {
        let mut out = Vec::new();
        for f in self.frames.iter().rev() {
            let line = f
                .chunk
                .lines
                .get(f.ip.saturating_sub(1))
                .copied()
                .unwrap_or(1);
            match &f.chunk.frame_info {
                Some(m) if m.prelude => continue,
                Some(m) => {
                    let mut params = Vec::new();
                    for (i, n) in m.params.iter().enumerate() {
                        let t = self
                            .stack
                            .get(f.base + i)
                            .map(|v| type_name(&typeof_val(v)))
                            .unwrap_or_else(|| "Any".into());
                        params.push(format!("{n}::{t}"));
                    }
                    let name = if m
                        .name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_')
                    {
                        m.name.to_string()
                    } else {
                        format!("({})", m.name)
                    };
                    out.push(Frame {
                        func: Some(format!("{name}({})", params.join(", "))),
                        line,
                        loc: None,
                    });
                }
                None => out.push(Frame {
                    func: None,
                    line,
                    loc: None,
                }),
            }
        }
        out
    }

    /// Raise `e`: unwind to the innermost handler, or stop with an uncaught error.
    fn raise(&mut self, e: Exc) -> Flow {
        let mut frames = self.trace();
        if let Some((sig, loc)) = e.base_frame {
            frames.insert(
                0,
                Frame {
                    func: Some(sig.to_string()),
                    line: 0,
                    loc: Some(loc.to_string()),
                },
            );
        }
        if !self.fatal
            && let Some(h) = self.handlers.pop()
        {
            self.frames.truncate(h.frame_idx + 1);
            self.stack.truncate(h.stack_len);
            if let Some(f) = self.frames.last_mut() {
                f.ip = h.target;
            }
            let v = errors::to_value(e);
            self.current_exc = Some(v.clone());
            self.stack.push(v);
            return Flow::Reload;
        }
        Flow::Stop(uncaught(e, frames))
    }

    pub fn load_global(&mut self, name: &Name) -> Result<Value, Exc> {
        load_global(&self.ws, &mut self.function_cache, name)
    }

    /// `string(v)` with this evaluation's user `show` methods in effect.
    pub fn render(&self, v: &Value) -> String {
        PRINT_CTX.with(|c| {
            c.borrow_mut().push(PrintCtx {
                ws: self.ws.clone(),
                host: self.host.clone(),
                limits: self.limits.clone(),
            })
        });
        let s = crate::show::to_string(v);
        PRINT_CTX.with(|c| {
            c.borrow_mut().pop();
        });
        s
    }

    pub fn run(&mut self) -> Step {
        PRINT_CTX.with(|c| {
            c.borrow_mut().push(PrintCtx {
                ws: self.ws.clone(),
                host: self.host.clone(),
                limits: self.limits.clone(),
            })
        });
        let step = loop {
            match self.run_frame() {
                Flow::Reload => continue,
                Flow::Stop(s) => break s,
            }
        };
        PRINT_CTX.with(|c| {
            c.borrow_mut().pop();
        });
        step
    }

    fn run_frame(&mut self) -> Flow {
        let mut fi = self.frames.len() - 1;
        let mut base = self.frames[fi].base;
        let mut ip = self.frames[fi].ip;
        // Calls and returns switch to the new top frame here, without leaving the loop
        // (leaving and re-entering `run_frame` cost a tenth of a call).
        // the second half of a fused instruction that left the fast path
        let mut pending: Option<Op> = None;
        macro_rules! switch_frame {
            () => {{
                fi = self.frames.len() - 1;
                base = self.frames[fi].base;
                ip = self.frames[fi].ip;
                continue;
            }};
        }
        macro_rules! fail {
            ($e:expr) => {{
                self.frames[fi].ip = ip;
                return self.raise($e);
            }};
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => fail!(e),
                }
            };
        }
        macro_rules! pop {
            () => {
                match self.stack.pop() {
                    Some(v) => v,
                    None => fail!(errors::error_exception("internal error: stack underflow")),
                }
            };
        }
        loop {
            // a pending second half runs at once: no budget check (and so no yield) between
            // the halves of a fused instruction
            let op = match pending.take() {
                Some(op) => op,
                None => {
                    self.steps += 1;
                    if self.steps >= self.next_check {
                        self.next_check = self.steps + 1024;
                        match self.check_budgets() {
                            Err(e) => fail!(e),
                            Ok(true) => {
                                self.frames[fi].ip = ip;
                                return Flow::Stop(Step::Yield);
                            }
                            Ok(false) => {}
                        }
                    }
                    let Some(&op) = self.frames[fi].chunk.code.get(ip) else {
                        fail!(errors::error_exception(
                            "internal error: fell off the end of code"
                        ));
                    };
                    ip += 1;
                    op
                }
            };
            match op {
                Op::Const(k) => self
                    .stack
                    .push(self.frames[fi].chunk.consts[k as usize].clone()),
                Op::Nothing => self.stack.push(Value::Nothing),
                Op::Pop => {
                    self.stack.pop();
                }
                Op::Dup => {
                    let v = match self.stack.last() {
                        Some(v) => v.clone(),
                        None => fail!(errors::error_exception("internal error: stack underflow")),
                    };
                    self.stack.push(v);
                }
                Op::LoadLocal(s) => {
                    let v = &self.stack[base + s as usize];
                    if let Value::Undef = v {
                        let n = self.frames[fi]
                            .chunk
                            .slot_names
                            .get(s as usize)
                            .cloned()
                            .unwrap_or_else(|| "#tmp".into());
                        fail!(errors::undef_var(&n));
                    }
                    let v = v.clone();
                    self.stack.push(v);
                }
                Op::StoreLocal(s) => {
                    let v = pop!();
                    self.stack[base + s as usize] = v;
                }
                Op::LoadCap(k) => {
                    let v = match &self.frames[fi].callee {
                        Value::Closure(c) => c.captured.get(k as usize).cloned(),
                        _ => None,
                    };
                    match v {
                        Some(Value::Undef) | None => {
                            fail!(errors::error_exception("captured variable is not defined"))
                        }
                        Some(v) => self.stack.push(v),
                    }
                }
                Op::LoadSelf => {
                    let v = self.frames[fi].callee.clone();
                    self.stack.push(v);
                }
                Op::LoadGlobal(n) => {
                    let v = tri!(load_global(
                        &self.ws,
                        &mut self.function_cache,
                        &self.frames[fi].chunk.names[n as usize]
                    ));
                    self.stack.push(v);
                }
                Op::StoreGlobal(n) => {
                    let v = pop!();
                    let name = self.frames[fi].chunk.names[n as usize].clone();
                    tri!(self.assign_global(name, v));
                }
                Op::BinLocalLocal(id, a, b) | Op::BinLocalConst(id, a, b) => {
                    let x = &self.stack[base + a as usize];
                    let y = match op {
                        Op::BinLocalLocal(..) => &self.stack[base + b as usize],
                        _ => &self.frames[fi].chunk.consts[b as usize],
                    };
                    if let Some(r) = fast_binop(id, x, y) {
                        // `s = s + i`: store the result at once when the next instruction
                        // stores it in a local (executing that instruction here)
                        if let Some(&Op::StoreLocal(dst)) = self.frames[fi].chunk.code.get(ip) {
                            self.stack[base + dst as usize] = r;
                            ip += 1;
                        } else {
                            self.stack.push(r);
                        }
                        continue;
                    }
                    // not two numbers: load both as the unfused instructions would, then
                    // run the call itself as the next instruction
                    let (x, y) = (x.clone(), y.clone());
                    for (v, slot) in [
                        (&x, Some(a)),
                        (&y, matches!(op, Op::BinLocalLocal(..)).then_some(b)),
                    ] {
                        if let (Value::Undef, Some(s)) = (v, slot) {
                            let n = self.frames[fi]
                                .chunk
                                .slot_names
                                .get(s as usize)
                                .cloned()
                                .unwrap_or_else(|| "#tmp".into());
                            fail!(errors::undef_var(&n));
                        }
                    }
                    self.stack.push(x);
                    self.stack.push(y);
                    pending = Some(Op::CallBuiltin(id, 2));
                }
                Op::CallBuiltin(id, argc) => {
                    let at = self.stack.len().saturating_sub(argc as usize);
                    if argc == 2
                        && let Some(r) = fast_binop(id, &self.stack[at], &self.stack[at + 1])
                    {
                        self.stack.truncate(at);
                        self.stack.push(r);
                        continue;
                    }
                    if self.ws.overloads.load(std::sync::atomic::Ordering::Relaxed) {
                        // a user method for this operator (e.g. `Base.:+(a::Point, b::Point)`)?
                        let user =
                            match lock(&self.ws.globals).get(crate::natives::builtin_name(id)) {
                                Some(Value::Generic(g))
                                    if select_method(&lock(&g.methods), &self.stack[at..])
                                        .is_some_and(|m| !m.prelude) =>
                                {
                                    Some(Value::Generic(g.clone()))
                                }
                                _ => None,
                            };
                        if let Some(g) = user {
                            self.stack.insert(at, g);
                            self.frames[fi].ip = ip;
                            match self.call(at, vec![]) {
                                Ok(true) => return Flow::Reload,
                                Ok(false) => continue,
                                Err(e) => return self.raise(e),
                            }
                        }
                    }
                    let mut args = std::mem::take(&mut self.argbuf);
                    args.clear();
                    args.extend(self.stack.drain(at..));
                    self.frames[fi].ip = ip;
                    let r = natives().call(self, id, &args, &[]);
                    args.clear();
                    self.argbuf = args;
                    let r = tri!(r);
                    self.stack.push(r);
                    if self.sleep_req.is_some() {
                        return self.sleep_flow();
                    }
                }
                Op::Call(argc, kw) => {
                    let kwv = if kw > 0 {
                        let names = &self.frames[fi].chunk.kwnames[kw as usize - 1];
                        let at = self.stack.len().saturating_sub(names.len());
                        let vals = self.stack.split_off(at);
                        names.iter().cloned().zip(vals).collect()
                    } else {
                        vec![]
                    };
                    let callee_pos = self.stack.len().saturating_sub(argc as usize + 1);
                    self.frames[fi].ip = ip;
                    match self.call(callee_pos, kwv) {
                        Ok(true) => switch_frame!(),
                        Ok(false) => {
                            if self.sleep_req.is_some() {
                                return self.sleep_flow();
                            }
                        }
                        Err(e) => return self.raise(e),
                    }
                }
                Op::CallApply(kw) => {
                    let kwv: Vec<(Name, Value)> = if kw > 0 {
                        let names = &self.frames[fi].chunk.kwnames[kw as usize - 1];
                        let at = self.stack.len().saturating_sub(names.len());
                        let vals = self.stack.split_off(at);
                        names.iter().cloned().zip(vals).collect()
                    } else {
                        vec![]
                    };
                    let args = pop!();
                    let Value::Tuple(t) = args else {
                        fail!(errors::error_exception("internal error: splat"))
                    };
                    tri!(self.alloc(t.len(), false));
                    let callee_pos = self.stack.len().saturating_sub(1);
                    self.stack.extend(t.iter().cloned());
                    self.frames[fi].ip = ip;
                    match self.call(callee_pos, kwv) {
                        Ok(true) => return Flow::Reload,
                        Ok(false) => {
                            if self.sleep_req.is_some() {
                                return self.sleep_flow();
                            }
                        }
                        Err(e) => return self.raise(e),
                    }
                }
                Op::ConcatTuples(n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let parts = self.stack.split_off(at);
                    let mut all = Vec::new();
                    for p in parts {
                        if let Value::Tuple(t) = p {
                            all.extend(t.iter().cloned());
                        }
                    }
                    tri!(self.alloc(all.len(), false));
                    self.stack.push(Value::tuple(all));
                }
                Op::ToTuple => {
                    let v = pop!();
                    let items = tri!(natives().iterate_items(self, &v));
                    self.stack.push(Value::tuple(items));
                }
                Op::Jump(t) => ip = t as usize,
                Op::JumpIfFalse(t) => match pop!() {
                    Value::Bool(false) => ip = t as usize,
                    Value::Bool(true) => {}
                    v => fail!(errors::type_error_bool(&v)),
                },
                Op::JumpIfTrue(t) => match pop!() {
                    Value::Bool(true) => ip = t as usize,
                    Value::Bool(false) => {}
                    v => fail!(errors::type_error_bool(&v)),
                },
                Op::JumpIfFalseKeep(t) => match self.stack.last() {
                    Some(Value::Bool(false)) => ip = t as usize,
                    Some(Value::Bool(true)) => {
                        self.stack.pop();
                    }
                    Some(v) => {
                        let v = v.clone();
                        fail!(errors::type_error_bool(&v))
                    }
                    None => fail!(errors::error_exception("internal error: stack underflow")),
                },
                Op::JumpIfTrueKeep(t) => match self.stack.last() {
                    Some(Value::Bool(true)) => ip = t as usize,
                    Some(Value::Bool(false)) => {
                        self.stack.pop();
                    }
                    Some(v) => {
                        let v = v.clone();
                        fail!(errors::type_error_bool(&v))
                    }
                    None => fail!(errors::error_exception("internal error: stack underflow")),
                },
                Op::GetIndex(n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let idx = self.stack.split_off(at);
                    let obj = pop!();
                    let r = tri!(natives().getindex(self, &obj, &idx));
                    self.stack.push(r);
                }
                Op::SetIndex(n) => {
                    let v = pop!();
                    let at = self.stack.len().saturating_sub(n as usize);
                    let idx = self.stack.split_off(at);
                    let obj = pop!();
                    let v = tri!(irrational_stored(&obj, v));
                    tri!(natives().setindex(self, &obj, v.clone(), &idx));
                    self.stack.push(v);
                }
                Op::GetField(n) => {
                    let obj = pop!();
                    let name = self.frames[fi].chunk.names[n as usize].clone();
                    let r = tri!(natives().getfield(self, &obj, &name));
                    self.stack.push(r);
                }
                Op::SetField(n) => {
                    let v = pop!();
                    let obj = pop!();
                    if matches!(v, Value::Irrational(_)) {
                        fail!(errors::error_exception(
                            "a struct field holding an irrational (π, ℯ) is not supported by julia-lite; use Float64(π)"
                        ));
                    }
                    tri!(natives().setfield(
                        &obj,
                        &self.frames[fi].chunk.names[n as usize],
                        v.clone()
                    ));
                    self.stack.push(v);
                }
                Op::LastIndex(k, n) => {
                    let obj = pop!();
                    let r = tri!(natives().lastindex(&obj, k as usize, n as usize));
                    self.stack.push(Value::Int(r));
                }
                Op::MakeTuple(n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let items = self.stack.split_off(at);
                    self.stack.push(Value::tuple(items));
                }
                Op::MakeVec(n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let items = tri!(irrationals_in_literal(self.stack.split_off(at)));
                    let elty = promote_elty(&items);
                    let items: Vec<Value> = if n == 0 {
                        items
                    } else {
                        items.into_iter().map(|v| promote_to(&elty, v)).collect()
                    };
                    self.stack
                        .push(Value::vector(if n == 0 { Ty::Any } else { elty }, items));
                }
                Op::MakeTypedVec(n) => {
                    let t = pop!();
                    let at = self.stack.len().saturating_sub(n as usize);
                    let items = self.stack.split_off(at);
                    let ty = match t {
                        Value::Type(t) => (*t).clone(),
                        Value::StructType(d) => Ty::Struct(d.name.clone()),
                        other => fail!(errors::type_error("apply_type", "Type", &other)),
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for v in items {
                        // `Float64[pi]` holds Float64(π); `Any[pi]` keeps π
                        let v = if ty == Ty::Any { v } else { v.decay() };
                        out.push(tri!(natives().convert(&ty, v)));
                    }
                    self.stack.push(Value::vector(ty, out));
                }
                Op::MakeMatrix(r, c) => {
                    let n = r as usize * c as usize;
                    let at = self.stack.len().saturating_sub(n);
                    let items = tri!(irrationals_in_literal(self.stack.split_off(at)));
                    if items
                        .iter()
                        .any(|v| matches!(v, Value::Array(_) | Value::Range(_) | Value::FRange(_)))
                    {
                        // Julia concatenates: `[a b]` is hcat(a, b), `[a b; c d]` is
                        // vcat(hcat(a, b), hcat(c, d))
                        let r = self.concat_literal(items, r as usize, c as usize);
                        self.stack.push(tri!(r));
                        continue;
                    }
                    let elty = promote_elty(&items);
                    let mut data = Vec::with_capacity(n);
                    for j in 0..c as usize {
                        for i in 0..r as usize {
                            data.push(promote_to(&elty, items[i * c as usize + j].clone()));
                        }
                    }
                    self.stack.push(Value::Array(Arc::new(Mutex::new(Array {
                        elty,
                        data,
                        dims: Some((r as usize, c as usize)),
                        wrap: Wrap::None,
                    }))));
                }
                Op::MakeNamedTuple(k) => {
                    let Value::Tuple(names) = &self.frames[fi].chunk.consts[k as usize] else {
                        fail!(errors::error_exception("internal error"))
                    };
                    let at = self.stack.len().saturating_sub(names.len());
                    let vals = self.stack.split_off(at);
                    let ns: Vec<Name> = names
                        .iter()
                        .map(|n| match n {
                            Value::Sym(s) => s.clone(),
                            _ => Name::from("?"),
                        })
                        .collect();
                    self.stack
                        .push(Value::NamedTuple(Arc::new((ns, NtVals(vals)))));
                }
                Op::MakeRange(has_step) => {
                    let stop = pop!();
                    let step = if has_step { Some(pop!()) } else { None };
                    let start = pop!();
                    let r = tri!(natives().make_range(&start, step.as_ref(), &stop));
                    self.stack.push(r);
                }
                Op::MakePair => {
                    let b = pop!();
                    let a = pop!();
                    self.stack.push(Value::pair(a, b));
                }
                Op::Interp(n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let parts = self.stack.split_off(at);
                    let mut s = String::new();
                    for p in &parts {
                        s.push_str(&crate::show::to_string(p));
                    }
                    tri!(self.alloc(s.len(), true));
                    self.stack.push(Value::string(s));
                }
                Op::IterInit(slot) => {
                    let coll = pop!();
                    let st = tri!(natives().iter_init(self, coll));
                    self.stack[base + slot as usize] = Value::Iter(Box::new(st));
                }
                Op::IterNext(slot, exit) | Op::IterNextStore(slot, exit, _) => {
                    // integer ranges first, without an `Option<Value>` in between
                    let int = match &mut self.stack[base + slot as usize] {
                        Value::Iter(st) => match &mut **st {
                            IterState::Range {
                                cur,
                                step,
                                stop,
                                done: done @ false,
                            } => {
                                let v = *cur;
                                if v == *stop {
                                    *done = true;
                                } else {
                                    *cur = v.wrapping_add(*step);
                                }
                                Some(v)
                            }
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(v) = int {
                        match op {
                            Op::IterNextStore(_, _, var) => {
                                self.stack[base + var as usize] = Value::Int(v)
                            }
                            _ => self.stack.push(Value::Int(v)),
                        }
                        continue;
                    }
                    let next = match &mut self.stack[base + slot as usize] {
                        Value::Iter(st) => match &mut **st {
                            IterState::Range {
                                cur,
                                step,
                                stop,
                                done,
                            } => {
                                if *done {
                                    None
                                } else {
                                    let v = *cur;
                                    if v == *stop {
                                        *done = true;
                                    } else {
                                        *cur = v.wrapping_add(*step);
                                    }
                                    Some(Value::Int(v))
                                }
                            }
                            IterState::Items { items, pos } => {
                                let v = items.get(*pos).cloned();
                                *pos += 1;
                                v
                            }
                            IterState::Array { arr, pos } => {
                                let v = lock(arr).data.get(*pos).cloned();
                                *pos += 1;
                                v
                            }
                            IterState::FRange { r, pos } => {
                                if *pos < r.2 {
                                    *pos += 1;
                                    Some(Value::Float(crate::value::frange_elem(r, *pos - 1)))
                                } else {
                                    None
                                }
                            }
                        },
                        _ => None,
                    };
                    match (next, op) {
                        (Some(v), Op::IterNextStore(_, _, var)) => {
                            self.stack[base + var as usize] = v
                        }
                        (Some(v), _) => self.stack.push(v),
                        (None, _) => {
                            self.stack[base + slot as usize] = Value::Undef;
                            ip = exit as usize;
                        }
                    }
                }
                Op::Destructure(n) => {
                    let v = pop!();
                    let items = tri!(natives().destructure(self, &v, n as usize));
                    self.stack.extend(items);
                }
                Op::MakeClosure(mi, ncap) => {
                    let at = self.stack.len().saturating_sub(ncap as usize);
                    let captured = self.stack.split_off(at);
                    let m = self.frames[fi].chunk.methods[mi as usize].clone();
                    self.stack.push(Value::Closure(Arc::new(Closure {
                        method: m,
                        captured,
                    })));
                }
                Op::DefMethod(n, mi) => {
                    let name = self.frames[fi].chunk.names[n as usize].clone();
                    let m = self.frames[fi].chunk.methods[mi as usize].clone();
                    let v = tri!(define_method(&self.ws, &mut self.journal, name, m));
                    self.stack.push(v);
                }
                Op::DefStruct(k) => {
                    if let Value::StructType(d) = &self.frames[fi].chunk.consts[k as usize] {
                        self.set_global(d.name.clone(), Value::StructType(d.clone()));
                    }
                    self.stack.push(Value::Nothing);
                }
                Op::PushHandler(t) => {
                    self.handlers.push(Handler {
                        frame_idx: fi,
                        stack_len: self.stack.len(),
                        target: t as usize,
                    });
                }
                Op::PopHandler => {
                    self.handlers.pop();
                }
                Op::Rethrow(slot) => {
                    let v = self.stack[base + slot as usize].clone();
                    fail!(errors::from_value(v));
                }
                Op::Return => {
                    let v = pop!();
                    let Some(frame) = self.frames.pop() else {
                        return Flow::Stop(Step::Done(v));
                    };
                    while self
                        .handlers
                        .last()
                        .is_some_and(|h| h.frame_idx >= self.frames.len())
                    {
                        self.handlers.pop();
                    }
                    if self.frames.is_empty() {
                        return Flow::Stop(Step::Done(v));
                    }
                    self.stack.truncate(frame.base.saturating_sub(1));
                    self.stack.push(v);
                    drop(frame);
                    switch_frame!();
                }
                Op::MarkHeight(slot) => {
                    self.stack[base + slot as usize] = Value::Int(self.stack.len() as i64);
                }
                Op::ResetHeight(slot) => {
                    if let Value::Int(h) = self.stack[base + slot as usize] {
                        self.stack.truncate(h as usize);
                    }
                }
                Op::VecPush => {
                    let v = pop!();
                    if matches!(v, Value::Irrational(_)) {
                        fail!(errors::error_exception(
                            "an array of irrationals (π, ℯ) is not supported by julia-lite; use Float64(π)"
                        ));
                    }
                    if let Some(Value::Array(a)) = self.stack.last() {
                        let a = a.clone();
                        tri!(self.alloc_push(&a, 1));
                    }
                    match self.stack.last() {
                        Some(Value::Array(a)) => {
                            let mut g = lock(a);
                            if g.elty == Ty::Any {
                                g.data.push(v);
                            } else {
                                let et = g.elty.clone();
                                drop(g);
                                let cv = tri!(natives().convert(&et, v));
                                lock(a).data.push(cv);
                            }
                        }
                        _ => fail!(errors::error_exception("internal error: comprehension")),
                    }
                }
                Op::Narrow => {
                    if let Some(Value::Array(a)) = self.stack.last() {
                        let mut g = lock(a);
                        if !g.data.is_empty() {
                            let t = promote_elty(&g.data);
                            if t != Ty::Any {
                                let data = std::mem::take(&mut g.data);
                                g.data = data.into_iter().map(|v| promote_to(&t, v)).collect();
                            }
                            g.elty = t;
                        }
                    }
                }
                Op::JumpIfArgGiven(i, t) => {
                    if self.frames[fi].argc > i as usize {
                        ip = t as usize;
                    }
                }
                Op::JumpIfDefined(slot, t) => {
                    if !matches!(self.stack[base + slot as usize], Value::Undef) {
                        ip = t as usize;
                    }
                }
                Op::UndefKw(n) => fail!(errors::undef_keyword(
                    &self.frames[fi].chunk.names[n as usize]
                )),
                Op::Using(n) => {
                    let name = self.frames[fi].chunk.names[n as usize].clone();
                    tri!(natives().using(self, &name));
                }
                Op::Broadcast(id, n) => {
                    let at = self.stack.len().saturating_sub(n as usize);
                    let args = self.stack.split_off(at);
                    let r = tri!(natives().broadcast(self, id, &args));
                    self.stack.push(r);
                }
                Op::NewBox(s) => {
                    self.stack[base + s as usize] = Value::Box(Arc::new(Mutex::new(Value::Undef)));
                }
                Op::BoxParam(s) => {
                    let v = std::mem::replace(&mut self.stack[base + s as usize], Value::Undef);
                    self.stack[base + s as usize] = Value::Box(Arc::new(Mutex::new(v)));
                }
                Op::LoadBox(s) => {
                    let v = match &self.stack[base + s as usize] {
                        Value::Box(b) => lock(b).clone(),
                        other => other.clone(),
                    };
                    if let Value::Undef = v {
                        let n = self.frames[fi]
                            .chunk
                            .slot_names
                            .get(s as usize)
                            .cloned()
                            .unwrap_or_else(|| "#tmp".into());
                        fail!(errors::undef_var(&n));
                    }
                    self.stack.push(v);
                }
                Op::StoreBox(s) => {
                    let v = pop!();
                    match &self.stack[base + s as usize] {
                        Value::Box(b) => *lock(b) = v,
                        _ => self.stack[base + s as usize] = v,
                    }
                }
                Op::LoadCapBox(k) => {
                    let v = match &self.frames[fi].callee {
                        Value::Closure(c) => match c.captured.get(k as usize) {
                            Some(Value::Box(b)) => Some(lock(b).clone()),
                            other => other.cloned(),
                        },
                        _ => None,
                    };
                    match v {
                        Some(Value::Undef) | None => {
                            fail!(errors::error_exception("captured variable is not defined"))
                        }
                        Some(v) => self.stack.push(v),
                    }
                }
                Op::StoreCapBox(k) => {
                    let v = pop!();
                    if let Value::Closure(c) = &self.frames[fi].callee
                        && let Some(Value::Box(b)) = c.captured.get(k as usize)
                    {
                        *lock(b) = v;
                    }
                }
                Op::TypeAssert(k) => {
                    let Value::Type(t) = &self.frames[fi].chunk.consts[k as usize] else {
                        continue;
                    };
                    if let Some(v) = self.stack.last()
                        && !isa(v, t)
                    {
                        let e = errors::type_error("typeassert", &type_name(t), v);
                        fail!(e);
                    }
                }
            }
        }
    }

    fn sleep_flow(&mut self) -> Flow {
        match self.sleep_req.take() {
            Some(d) => Flow::Stop(Step::Sleep(d)),
            None => Flow::Reload,
        }
    }
}

/// An array literal with `π`/`ℯ` among other reals is a Float64 array in Julia (`[pi, 1]`);
/// one of irrationals only (`[pi]`, an `Irrational{:π}` vector) or with non-numbers
/// (`Any[π, "a"]`) is refused.
fn irrationals_in_literal(items: Vec<Value>) -> Result<Vec<Value>, Exc> {
    if !items.iter().any(|v| matches!(v, Value::Irrational(_))) {
        return Ok(items);
    }
    let numbers = items.iter().all(|v| {
        matches!(
            v,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Irrational(_)
        )
    });
    let first = items
        .iter()
        .find(|v| matches!(v, Value::Irrational(_)))
        .cloned();
    let all_same = items.iter().all(
        |v| matches!((v, &first), (Value::Irrational(a), Some(Value::Irrational(b))) if a == b),
    );
    if !numbers || all_same {
        return Err(errors::error_exception(
            "an array of irrationals (π, ℯ) is not supported by julia-lite; use Float64(π)",
        ));
    }
    Ok(items.into_iter().map(Value::decay).collect())
}

/// `v[i] = pi` stores Float64(π) into a Float64 array (Julia converts); anything else that
/// would hold the irrational itself is refused.
fn irrational_stored(obj: &Value, v: Value) -> Result<Value, Exc> {
    if !matches!(v, Value::Irrational(_)) {
        return Ok(v);
    }
    if let Value::Array(a) = obj
        && matches!(lock(a).elty, Ty::Float64)
    {
        return Ok(v.decay());
    }
    Err(errors::error_exception(
        "storing an irrational (π, ℯ) into a container other than a Float64 array is not supported by julia-lite; use Float64(π)",
    ))
}
