//! Higher-order library functions written in Julia itself (they call user functions, so
//! they run on the VM like user code). Compiled once; each workspace gets its own copies
//! of the generic functions so user-added methods do not leak between workspaces.

use crate::bytecode::Method;
use crate::compiler::Compiler;
use crate::host::{Limits, NullHost, WsInner};
use crate::value::*;
use crate::vm::{Step, Vm};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

pub(crate) const SRC: &str = r#"
function map(f, xs)
    if xs isa AbstractString
        return join([f(c) for c in xs])
    end
    if xs isa Tuple
        return Tuple([f(x) for x in xs])
    end
    _map_shape((xs,), [f(x) for x in xs])
end
map(f, a, b) = _map_shape((a, b), [f(x, y) for (x, y) in zip(a, b)])
map(f, a, b, c) = _map_shape((a, b, c), [f(x, y, z) for (x, y, z) in zip(a, b, c)])
function map!(f, dst, src)
    for i in 1:length(src)
        dst[i] = f(src[i])
    end
    dst
end
function filter(f, xs)
    if xs isa AbstractDict
        d = copy(xs)
        for (k, v) in xs
            if !f(k => v)
                delete!(d, k)
            end
        end
        return d
    end
    if xs isa AbstractString
        return join([c for c in xs if f(c)])
    end
    if xs isa Tuple
        return Tuple([x for x in xs if f(x)])
    end
    _narrow([x for x in xs if f(x)], xs)
end
function filter!(f, v)
    idx = [i for i in 1:length(v) if !f(v[i])]
    deleteat!(v, idx)
    v
end
function reduce(op, xs; init=:__noinit__)
    items = collect(xs)
    if init === :__noinit__
        if isempty(items)
            throw(ArgumentError("reducing over an empty collection is not allowed; consider supplying `init` to the reducer"))
        end
        acc = items[1]
        for i in 2:length(items)
            acc = op(acc, items[i])
        end
        return acc
    end
    acc = init
    for x in items
        acc = op(acc, x)
    end
    acc
end
foldl(op, xs; init=:__noinit__) = reduce(op, xs; init=init)
function foldr(op, xs; init=:__noinit__)
    items = reverse(collect(xs))
    if init === :__noinit__
        if isempty(items)
            throw(ArgumentError("reducing over an empty collection is not allowed; consider supplying `init` to the reducer"))
        end
        acc = items[1]
        for i in 2:length(items)
            acc = op(items[i], acc)
        end
        return acc
    end
    acc = init
    for x in items
        acc = op(x, acc)
    end
    acc
end
mapreduce(f, op, xs; init=:__noinit__) = reduce(op, map(f, xs); init=init)
function accumulate(op, xs)
    _no_matrix(xs, "accumulate")
    out = []
    acc = nothing
    first = true
    for x in xs
        acc = first ? x : op(acc, x)
        first = false
        push!(out, acc)
    end
    _narrow(out)
end
function foreach(f, xs)
    for x in xs
        f(x)
    end
    nothing
end
function foreach(f, a, b)
    for (x, y) in zip(a, b)
        f(x, y)
    end
    nothing
end
function any(f::Function, xs)
    for x in xs
        if f(x)
            return true
        end
    end
    false
end
function all(f::Function, xs)
    for x in xs
        if !f(x)
            return false
        end
    end
    true
end
function count(f::Function, xs)
    n = 0
    for x in xs
        if f(x)
            n += 1
        end
    end
    n
end
sum(f::Function, xs) = sum(map(f, xs))
prod(f::Function, xs) = prod(map(f, xs))
maximum(f::Function, xs) = maximum(map(f, xs))
minimum(f::Function, xs) = minimum(map(f, xs))
function findfirst(f::Function, xs)
    _no_matrix(xs, "findfirst")
    i = 0
    for x in xs
        i += 1
        if f(x)
            return i
        end
    end
    nothing
end
function findlast(f::Function, xs)
    _no_matrix(xs, "findlast")
    v = collect(xs)
    for i in length(v):-1:1
        if f(v[i])
            return i
        end
    end
    nothing
end
function findall(f::Function, xs)
    _no_matrix(xs, "findall")
    out = Int[]
    i = 0
    for x in xs
        i += 1
        if f(x)
            push!(out, i)
        end
    end
    out
end
findfirst(v::AbstractArray) = findfirst(identity, v)
findall(v::AbstractArray) = findall(identity, v)
function sort(xs; by=nothing, lt=nothing, rev=nothing)
    # No keyword at all: Julia's keyword-free methods apply (a sorted range is itself).
    if by === nothing && lt === nothing && rev === nothing
        return _sort(xs)
    end
    by = by === nothing ? identity : by
    lt = lt === nothing ? isless : lt
    rev = rev === nothing ? false : rev
    if lt === isless
        if by === identity
            return _sort(xs; rev=rev)
        end
        perm = _sortperm_keys(map(by, xs), rev)
        return _narrow(collect(xs)[perm], xs)
    end
    v = copy(collect(xs))
    n = length(v)
    for i in 2:n
        x = v[i]
        j = i - 1
        while j >= 1 && lt(by(x), by(v[j]))
            v[j + 1] = v[j]
            j -= 1
        end
        v[j + 1] = x
    end
    rev ? reverse(v) : v
end
function sort!(v; by=identity, lt=isless, rev=false)
    s = collect(sort(v; by=by, lt=lt, rev=rev))
    for i in 1:length(v)
        v[i] = s[i]
    end
    v
end
sortperm(xs; by=identity, rev=false) = _sortperm_keys(map(by, xs), rev)
function _broadcast(f, args...)
    n = _bc_len(args)
    if n < 0
        return f(args...)
    end
    _bc_shape(args, [f(_bc_get(args, i)...) for i in 1:n])
end
get(f::Function, d, k) = haskey(d, k) ? d[k] : f()
function get!(f::Function, d, k)
    if haskey(d, k)
        return d[k]
    end
    v = f()
    d[k] = v
    v
end
ntuple(f, n) = Tuple([f(i) for i in 1:n])
==(x) = y -> y == x
isequal(x) = y -> isequal(y, x)
<(x) = y -> y < x
>(x) = y -> y > x
<=(x) = y -> y <= x
>=(x) = y -> y >= x
!=(x) = y -> y != x
in(c) = x -> in(x, c)
!(f::Function) = (args...) -> !f(args...)
function mapslices(f, a)
    error("mapslices is not supported by julia-lite")
end
"#;

type PreludeDefs = Vec<(Name, Vec<Arc<Method>>)>;

fn build() -> PreludeDefs {
    let ast = match crate::parser::parse_program(SRC) {
        Ok(a) => a,
        Err(e) => {
            debug_assert!(
                std::env::var("JL_NOPRELUDE").is_ok(),
                "prelude does not parse: {} at line {}",
                e.msg,
                e.line
            );
            return vec![];
        }
    };
    let mut c = Compiler::new();
    c.prelude = true;
    let chunk = match c.compile_toplevel(&ast, &|_| false) {
        Ok(c) => c,
        Err(e) => {
            debug_assert!(false, "prelude does not compile: {}", e.msg);
            return vec![];
        }
    };
    let ws = Arc::new(WsInner {
        overloads: std::sync::atomic::AtomicBool::new(false),
        globals: Mutex::new(NameMap::default()),
        functions_epoch: std::sync::atomic::AtomicU64::new(0),
        using: Mutex::new(HashSet::new()),
        rng: Mutex::new(crate::host::RNG_SEED),
        module_state: Mutex::new(HashMap::new()),
        accounted: Default::default(),
    });
    let mut vm = Vm::new(
        ws.clone(),
        Arc::new(chunk),
        Arc::new(NullHost),
        Limits::default(),
    );
    loop {
        match vm.run() {
            Step::Done(_) => break,
            Step::Yield | Step::Sleep(_) => continue,
            Step::Error(e, _) => {
                debug_assert!(false, "prelude failed: {}", e.msg);
                break;
            }
        }
    }
    let g = lock(&ws.globals);
    let mut out = Vec::new();
    for (n, v) in g.iter() {
        if let Value::Generic(gf) = v {
            out.push((n.clone(), lock(&gf.methods).clone()));
        }
    }
    out
}

pub(crate) fn prelude_globals() -> Vec<(Name, Value)> {
    static P: OnceLock<PreludeDefs> = OnceLock::new();
    let defs = P.get_or_init(build);
    defs.iter()
        .map(|(n, ms)| {
            (
                n.clone(),
                Value::Generic(Arc::new(Generic {
                    name: n.clone(),
                    methods: Mutex::new(ms.clone()),
                    version: std::sync::atomic::AtomicU64::new(0),
                })),
            )
        })
        .collect()
}
