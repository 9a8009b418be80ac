//! Calls: entering Julia methods and built-ins, dispatch (`select_method`), method
//! definition, and the fast paths for arithmetic on numbers.

use super::*;

impl Vm {
    /// Call the value at `callee_pos` with the args above it. Returns true if a new frame was pushed.
    pub(super) fn call(&mut self, callee_pos: usize, kw: Vec<(Name, Value)>) -> Result<bool, Exc> {
        // the callee moves into the frame (its stack slot is not read again; `Return`
        // truncates the stack below it)
        let callee = match self.stack.get_mut(callee_pos) {
            Some(v) => std::mem::replace(v, Value::Nothing),
            None => Value::Nothing,
        };
        match &callee {
            Value::Builtin(id) => {
                let mut args = std::mem::take(&mut self.argbuf);
                args.clear();
                args.extend(self.stack.drain(callee_pos + 1..));
                self.stack.pop();
                let r = natives().call(self, *id, &args, &kw);
                args.clear();
                self.argbuf = args;
                self.stack.push(r?);
                Ok(false)
            }
            Value::Generic(g) => {
                // a function with one method: the method selected last time, while the
                // function has not changed, needs no lock (only its arity and types checked)
                let version = g.version.load(std::sync::atomic::Ordering::Acquire);
                let args = &self.stack[callee_pos + 1..];
                if let Some((k, v, m)) = &self.method_cache
                    && Arc::ptr_eq(k, g)
                    && *v == version
                    && applicable(m, args)
                {
                    // enter with the cached method itself (taken out and put back: no
                    // reference counting)
                    let cached = self.method_cache.take();
                    let r = match &cached {
                        Some((_, _, m)) => self.enter(m, callee, callee_pos, kw),
                        None => unreachable!("matched above"),
                    };
                    self.method_cache = cached;
                    return r.map(|_| true);
                }
                let m = {
                    let methods = lock(&g.methods);
                    let m = select_method(&methods, args);
                    if let (Some(m), 1) = (&m, methods.len()) {
                        self.method_cache = Some((g.clone(), version, m.clone()));
                    }
                    m
                };
                match m {
                    Some(m) => {
                        self.enter(&m, callee, callee_pos, kw)?;
                        Ok(true)
                    }
                    None => {
                        if let Some(id) = crate::natives::builtin_id(&g.name) {
                            let args = self.stack.split_off(callee_pos + 1);
                            self.stack.pop();
                            let r = natives().call(self, id, &args, &kw)?;
                            self.stack.push(r);
                            return Ok(false);
                        }
                        let args: Vec<Value> = self.stack[callee_pos + 1..].to_vec();
                        Err(errors::method_error(&g.name, &args))
                    }
                }
            }
            Value::Closure(c) => {
                let m = c.method.clone();
                if select_method(std::slice::from_ref(&m), &self.stack[callee_pos + 1..]).is_none()
                {
                    let args: Vec<Value> = self.stack[callee_pos + 1..].to_vec();
                    return Err(errors::method_error(
                        &format!("(::var\"#{}\")", m.name),
                        &args,
                    ));
                }
                self.enter(&m, callee, callee_pos, kw)?;
                Ok(true)
            }
            Value::Type(_) | Value::StructType(_) => {
                let args = self.stack.split_off(callee_pos + 1);
                self.stack.pop();
                let r = natives().construct(self, &callee, &args, &kw)?;
                self.stack.push(r);
                Ok(false)
            }
            other => Err(errors::not_callable(other)),
        }
    }

    pub(super) fn enter(
        &mut self,
        m: &Method,
        callee: Value,
        callee_pos: usize,
        kw: Vec<(Name, Value)>,
    ) -> Result<(), Exc> {
        if self.frames.len() >= self.limits.max_depth {
            return Err(errors::stack_overflow());
        }
        let base = callee_pos + 1;
        let argc = self.stack.len() - base;
        let np = m.params.len();
        if m.vararg {
            let fixed = np.saturating_sub(1);
            let extra = if argc > fixed {
                self.stack.split_off(base + fixed)
            } else {
                vec![]
            };
            while self.stack.len() < base + fixed {
                self.stack.push(Value::Undef);
            }
            self.stack.push(Value::tuple(extra));
        } else {
            for _ in argc..np {
                self.stack.push(Value::Undef);
            }
        }
        let nslots = m.chunk.nslots as usize;
        // A frame's slots are charged to the memory budget only when the frame is big: the
        // small frames of ordinary calls hold at most `max_depth` × 16 slots in all (the
        // values in them are charged where they are made), and charging every call was a
        // twentieth of its cost.
        if nslots > SMALL_FRAME_SLOTS {
            self.alloc(nslots, false)?;
        }
        for _ in np..nslots {
            self.stack.push(Value::Undef);
        }
        for (k, v) in kw {
            match m.kwparams.iter().position(|n| *n == k) {
                Some(i) => self.stack[base + np + i] = v,
                None => {
                    let args: Vec<Value> = self.stack[base..base + np.min(argc)].to_vec();
                    let mut e = errors::method_error(&m.name, &args);
                    e.msg = format!(
                        "{}; {k}::{})",
                        e.msg.trim_end_matches(')'),
                        type_name(&typeof_val(&v))
                    );
                    self.stack.truncate(callee_pos + 1);
                    return Err(e);
                }
            }
        }
        self.frames.push(CallFrame {
            chunk: m.chunk.clone(),
            ip: 0,
            base,
            callee,
            argc,
        });
        Ok(())
    }
}

/// Frames up to this many slots are not charged to the memory budget (see `enter`).
const SMALL_FRAME_SLOTS: usize = 16;

pub(super) struct OpIds {
    add: u16,
    sub: u16,
    mul: u16,
    lt: u16,
    le: u16,
    gt: u16,
    ge: u16,
    eq: u16,
    ne: u16,
    fdiv: u16,
}

pub(super) fn op_ids() -> &'static OpIds {
    pub(super) static IDS: std::sync::OnceLock<OpIds> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let id = |n: &str| crate::natives::builtin_id(n).unwrap_or(u16::MAX);
        OpIds {
            add: id("+"),
            sub: id("-"),
            mul: id("*"),
            lt: id("<"),
            le: id("<="),
            gt: id(">"),
            ge: id(">="),
            eq: id("=="),
            ne: id("!="),
            fdiv: id("/"),
        }
    })
}

/// Allocation-free arithmetic/comparison on Int64/Float64 pairs (same results as the builtins).
#[inline(always)]
pub(super) fn fast_binop(id: u16, a: &Value, b: &Value) -> Option<Value> {
    let o = op_ids();
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            Some(if id == o.add {
                Value::Int(x.wrapping_add(y))
            } else if id == o.sub {
                Value::Int(x.wrapping_sub(y))
            } else if id == o.mul {
                Value::Int(x.wrapping_mul(y))
            } else if id == o.lt {
                Value::Bool(x < y)
            } else if id == o.le {
                Value::Bool(x <= y)
            } else if id == o.gt {
                Value::Bool(x > y)
            } else if id == o.ge {
                Value::Bool(x >= y)
            } else if id == o.eq {
                Value::Bool(x == y)
            } else if id == o.ne {
                Value::Bool(x != y)
            } else if id == o.fdiv {
                Value::Float(x as f64 / y as f64)
            } else {
                return None;
            })
        }
        (Value::Float(x), Value::Float(y)) => {
            let (x, y) = (*x, *y);
            Some(if id == o.add {
                Value::Float(x + y)
            } else if id == o.sub {
                Value::Float(x - y)
            } else if id == o.mul {
                Value::Float(x * y)
            } else if id == o.fdiv {
                Value::Float(x / y)
            } else if id == o.lt {
                Value::Bool(x < y)
            } else if id == o.le {
                Value::Bool(x <= y)
            } else if id == o.gt {
                Value::Bool(x > y)
            } else if id == o.ge {
                Value::Bool(x >= y)
            } else if id == o.eq {
                Value::Bool(x == y)
            } else if id == o.ne {
                Value::Bool(x != y)
            } else {
                return None;
            })
        }
        _ => None,
    }
}

pub(crate) fn select_method(methods: &[Arc<Method>], args: &[Value]) -> Option<Arc<Method>> {
    // most functions have one method: no specificity to compare
    if let [m] = methods {
        return applicable(m, args).then(|| m.clone());
    }
    let mut best: Option<(i32, &Arc<Method>)> = None;
    for m in methods {
        if !applicable(m, args) {
            continue;
        }
        let s = m.specificity();
        if best.is_none_or(|(bs, _)| s > bs) {
            best = Some((s, m));
        }
    }
    best.map(|(_, m)| m.clone())
}

/// Whether `m` accepts `args` (arity and parameter types).
#[inline]
fn applicable(m: &Method, args: &[Value]) -> bool {
    let np = m.params.len();
    let argc = args.len();
    let ok_arity = if m.vararg {
        argc + 1 >= np && argc >= m.nreq.min(np.saturating_sub(1))
    } else {
        argc >= m.nreq && argc <= np
    };
    if !ok_arity {
        return false;
    }
    args.iter().enumerate().all(|(i, a)| {
        let pi = if m.vararg && i >= np.saturating_sub(1) {
            np - 1
        } else {
            i
        };
        match m.params.get(pi) {
            Some((_, Some(t))) => isa(a, t),
            _ => true,
        }
    })
}

pub(crate) fn define_method(
    ws: &WsInner,
    journal: &mut GlobalJournal,
    name: Name,
    m: Arc<Method>,
) -> Result<Value, Exc> {
    if !m.prelude && crate::natives::builtin_id(&name).is_some() {
        ws.overloads
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let mut globals = lock(&ws.globals);
    let g = match globals.get(&name) {
        Some(Value::Generic(g)) => g.clone(),
        Some(Value::Nothing) | None => {
            let g = Arc::new(Generic {
                name: name.clone(),
                methods: Mutex::new(vec![]),
                version: std::sync::atomic::AtomicU64::new(0),
            });
            journal.note(&globals, &name);
            globals.insert(name.clone(), Value::Generic(g.clone()));
            bump_functions_epoch(ws);
            g
        }
        Some(_) => {
            return Err(errors::error_exception(&format!(
                "invalid redefinition of constant {name}"
            )));
        }
    };
    drop(globals);
    let mut ms = lock(&g.methods);
    let sig: Vec<Option<Ty>> = m.params.iter().map(|(_, t)| t.clone()).collect();
    if let Some(i) = ms.iter().position(|x| {
        x.vararg == m.vararg && x.params.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>() == sig
    }) {
        ms[i] = m;
    } else {
        ms.push(m);
    }
    g.version.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    drop(ms);
    Ok(Value::Generic(g.clone()))
}
