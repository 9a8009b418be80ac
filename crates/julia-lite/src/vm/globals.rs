//! Globals the workspace does not bind (built-ins, types, modules, constants), and nested
//! synchronous calls for printing with user `show` methods and `sprint`.

use super::*;

pub(crate) fn global_fallback(ws: &WsInner, name: &str) -> Result<Value, Exc> {
    if let Some(id) = crate::natives::builtin_id(name)
        && !name.contains('.')
    {
        return Ok(Value::Builtin(id));
    }
    if let Some(t) = crate::types::type_by_name(name) {
        return Ok(Value::ty(t));
    }
    for m in ["Statistics", "Printf", "Random", "LinearAlgebra", "JSON"] {
        if lock(&ws.using).contains(m)
            && let Some(id) = crate::natives::builtin_id(&format!("{m}.{name}"))
        {
            return Ok(Value::Builtin(id));
        }
    }
    Ok(match name {
        "JSON" | "JSON3" if lock(&ws.using).contains(name) => Value::Module(name.into()),
        "Base" | "Core" | "Main" | "Math" | "Iterators" | "GC" => Value::Module(name.into()),
        n if crate::natives::is_module(n) => Value::Module(name.into()),
        "ENV" => Value::Dict(Arc::new(Mutex::new(DictV::new(Ty::String, Ty::String)))),
        "Statistics" | "LinearAlgebra" | "Printf" | "Dates" | "Random"
            if lock(&ws.using).contains(name) =>
        {
            Value::Module(name.into())
        }
        "I" if lock(&ws.using).contains("LinearAlgebra") => {
            crate::types::uniform_scaling(Value::Bool(true))
        }
        "pi" | "π" => Value::Irrational('π'),
        "ℯ" => Value::Irrational('ℯ'),
        "Inf" | "Inf64" => Value::Float(f64::INFINITY),
        "NaN" | "NaN64" => Value::Float(f64::NAN),
        "missing" => Value::Missing,
        "stdout" | "stderr" => Value::Module(name.into()),
        "ARGS" => Value::vector(Ty::String, vec![]),
        "VERSION" => Value::str("1.9.3"),
        "undef" => Value::Sym("undef".into()),
        "im" => Value::ComplexI(0, 1),
        "Channel" | "Task" | "Threads" | "Distributed" | "BigInt" | "BigFloat" | "Rational"
        | "Regex" | "Set" | "Int128" | "UInt128" | "Float16" | "open" | "readlines"
        | "readline" | "read" | "DataFrame" | "Dates" | "now" | "run" | "ccall" => {
            return Err(errors::error_exception(&format!(
                "`{name}` is not supported by julia-lite"
            )));
        }
        _ => return Err(errors::undef_var(name)),
    })
}

/// The evaluation running on this thread, so printing can call user `show` methods.
#[derive(Clone)]
pub(super) struct PrintCtx {
    pub(super) ws: Arc<WsInner>,
    pub(super) host: Arc<dyn Host>,
    pub(super) limits: Limits,
}

thread_local! {
    pub(super) static PRINT_CTX: std::cell::RefCell<Vec<PrintCtx>> = const { std::cell::RefCell::new(Vec::new()) };
}

pub(super) const MAX_NESTED_CALLS: usize = 4;

/// Call `f(args...)` to completion on a nested VM (sleeps are skipped). Used for user `show`
/// methods and `sprint(f, x)`.
pub(crate) fn call_sync(
    ws: &Arc<WsInner>,
    host: &Arc<dyn Host>,
    limits: &Limits,
    f: Value,
    args: Vec<Value>,
) -> Result<Value, Exc> {
    let depth = PRINT_CTX.with(|c| c.borrow().len());
    if depth > MAX_NESTED_CALLS {
        return Err(errors::error_exception("show/sprint nested too deeply"));
    }
    let argc = args.len();
    let mut consts = vec![f];
    consts.extend(args);
    let mut code: Vec<Op> = (0..consts.len() as u32).map(Op::Const).collect();
    code.push(Op::Call(argc as u16, 0));
    code.push(Op::Return);
    let lines = vec![0; code.len()];
    let chunk = Chunk {
        code,
        lines,
        consts,
        ..Default::default()
    };
    let mut vm = Vm::new(ws.clone(), Arc::new(chunk), host.clone(), limits.clone());
    loop {
        match vm.run() {
            Step::Done(v) => return Ok(v),
            Step::Error(e, _) => return Err(*e),
            Step::Yield | Step::Sleep(_) => continue,
        }
    }
}

/// If user code defined `show(io, x::T)` for this struct's type, render `x` with it.
pub(crate) fn custom_show(v: &Value) -> Option<String> {
    let Value::Struct(_) = v else { return None };
    let ctx = PRINT_CTX.with(|c| c.borrow().last().cloned())?;
    if !ctx.ws.overloads.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    let g = match lock(&ctx.ws.globals).get("show") {
        Some(Value::Generic(g)) => g.clone(),
        _ => return None,
    };
    let io = crate::value::new_iobuffer();
    let args = vec![io.clone(), v.clone()];
    let m = select_method(&lock(&g.methods), &args)?;
    if m.prelude {
        return None;
    }
    call_sync(&ctx.ws, &ctx.host, &ctx.limits, Value::Generic(g), args).ok()?;
    Some(crate::value::iobuffer_take(&io))
}
