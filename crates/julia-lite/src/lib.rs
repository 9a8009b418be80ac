//! julia-lite: an embedded Julia-subset interpreter that answers like Julia 1.9, extended by
//! native modules the host registers (`native`). See README.md for the supported subset.

// Julia exceptions are returned by value on cold paths; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

mod ast;
mod builtins;
mod bytecode;
mod compiler;
mod errors;
mod host;
mod lexer;
mod memory;
pub mod native;
mod natives;
mod parser;
mod show;
mod types;
mod unparse;
mod value;
mod vm;

use host::WsInner;
pub use host::{Host, Limits, MemHost, NullHost};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use value::{Value, lock};

/// Hand the built-in library to the layers below it (names to the compiler and `typeof`,
/// functions to the VM). Runs once, before the first workspace compiles anything.
fn install_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        natives::install(builtins::names());
        vm::install_natives(&builtins::Library);
        show::install_struct_show(vm::custom_show);
    });
}

/// One persistent Julia workspace (globals, functions, `using`d modules, native modules' state).
/// Clone = another handle to the SAME workspace.
#[derive(Clone)]
pub struct Workspace {
    inner: Arc<WsInner>,
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

impl Workspace {
    pub fn new() -> Self {
        install_library();
        let mut globals = value::NameMap::default();
        for (n, v) in builtins::prelude::prelude_globals() {
            globals.insert(n, v);
        }
        Workspace {
            inner: Arc::new(WsInner {
                overloads: std::sync::atomic::AtomicBool::new(false),
                globals: Mutex::new(globals),
                functions_epoch: std::sync::atomic::AtomicU64::new(0),
                using: Mutex::new(HashSet::new()),
                rng: Mutex::new(host::RNG_SEED),
                module_state: Mutex::new(HashMap::new()),
                accounted: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    /// Measured live bytes of the workspace's globals, as the memory budget counts them
    /// (24 bytes per value slot, string bytes plus a small header; shared data once).
    /// The `max_memory_bytes` budget holds for this size after every evaluation.
    pub fn live_bytes(&self) -> usize {
        let roots: Vec<Value> = lock(&self.inner.globals).values().cloned().collect();
        memory::live_size(roots).bytes
    }

    /// Names of user-defined globals (excluding the built-in prelude).
    pub fn global_names(&self) -> Vec<String> {
        let g = lock(&self.inner.globals);
        let mut v: Vec<String> = g
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Generic(g) if lock(&g.methods).iter().all(|m| m.prelude)))
            .map(|(k, _)| k.to_string())
            .collect();
        v.sort();
        v
    }
}

pub struct Evaluated {
    /// Julia `string(value)`
    pub result: String,
    /// captured print/println output
    pub output: String,
    pub is_nothing: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JuliaError {
    pub type_name: String,
    pub short_description: String,
    pub full_description: String,
}

impl std::fmt::Display for JuliaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full_description)
    }
}

impl std::error::Error for JuliaError {}

fn to_julia_error(e: &value::Exc, frames: &[errors::Frame], host: &dyn Host) -> JuliaError {
    let frames = if frames.is_empty() {
        vec![errors::Frame {
            func: None,
            line: 1,
            loc: None,
        }]
    } else {
        frames.to_vec()
    };
    JuliaError {
        type_name: e.ty.to_string(),
        short_description: e.repr.clone(),
        full_description: format!(
            "{}\n\n{}",
            e.msg,
            errors::stacktrace(&frames, host.trace_frames())
        ),
    }
}

/// Yield once to the executor.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Parse and compile `code` for `ws` (no execution).
fn prepare(
    ws: &Workspace,
    code: &str,
    host: &dyn Host,
) -> Result<Arc<bytecode::Chunk>, JuliaError> {
    let ast = parser::parse_program(code).map_err(|pe| {
        let e = errors::syntax_error(&pe.msg);
        to_julia_error(
            &e,
            &[errors::Frame {
                func: None,
                line: pe.line,
                loc: None,
            }],
            host,
        )
    })?;
    let globals = lock(&ws.inner.globals);
    let existing = |n: &str| globals.contains_key(n);
    let mut c = compiler::Compiler::new();
    let chunk = c.compile_toplevel(&ast, &existing).map_err(|e| {
        to_julia_error(
            &e,
            &[errors::Frame {
                func: None,
                line: 1,
                loc: None,
            }],
            host,
        )
    })?;
    drop(globals);
    Ok(Arc::new(chunk))
}

/// Parse and evaluate `code` in `ws`. The returned future is Send; dropping it interrupts the
/// evaluation. Budget overruns return an error, never hang or panic.
pub async fn eval(
    ws: &Workspace,
    code: &str,
    host: Arc<dyn Host>,
    limits: &Limits,
) -> Result<Evaluated, JuliaError> {
    let chunk = prepare(ws, code, &*host)?;
    let mut vm = vm::Vm::new(ws.inner.clone(), chunk, host.clone(), limits.clone());
    loop {
        vm.slice_start = Instant::now();
        let step = vm.run();
        vm.exec += vm.slice_start.elapsed();
        match step {
            vm::Step::Done(v) => {
                let result = vm.render(&v);
                return Ok(Evaluated {
                    is_nothing: v.is_nothing(),
                    result,
                    output: std::mem::take(&mut vm.out),
                });
            }
            vm::Step::Error(e, frames) => {
                if vm.fatal && &*e.ty == "OutOfMemoryError" {
                    vm.rollback_globals();
                }
                return Err(to_julia_error(&e, &frames, &*host));
            }
            vm::Step::Yield => YieldNow(false).await,
            vm::Step::Sleep(d) => {
                if !d.is_zero() {
                    host.sleep(d).await;
                } else {
                    YieldNow(false).await;
                }
            }
        }
    }
}

/// Drive a future to completion on the current thread (parks between wake-ups).
fn block_on<F: Future>(f: F) -> F::Output {
    struct ThreadWaker(std::thread::Thread);
    impl std::task::Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(Duration::from_millis(10));
    }
}

/// Evaluate synchronously, blocking the current thread (including during `sleep`, which
/// is delegated to the host). Useful for tests and tools; servers should use [`eval`].
pub fn eval_blocking(
    ws: &Workspace,
    code: &str,
    host: Arc<dyn Host>,
    limits: &Limits,
) -> Result<Evaluated, JuliaError> {
    block_on(eval(ws, code, host, limits))
}
