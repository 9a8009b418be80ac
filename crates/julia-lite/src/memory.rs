//! Memory accounting of a workspace: `max_memory_bytes` bounds the live data of the whole
//! workspace (its globals plus what running evaluations hold), not what one evaluation
//! allocates.
//!
//! * Every workspace has an *accounted size*: a conservative upper bound of its live bytes.
//!   Each allocation an evaluation makes is added to it before it is made. Frees are not
//!   tracked, so the bound only grows between measurements.
//! * When an allocation would take the accounted size past the budget, the live data is
//!   measured exactly (a walk of everything reachable from the globals and the evaluation's
//!   stack, see [`live_size`]) and the accounted size is reset to it. Only if the measured
//!   size plus the new allocation is still over the budget does the allocation fail with
//!   `OutOfMemoryError`, before anything is allocated. The measurement's cost is charged to
//!   the step budget, so an evaluation living at the edge of the budget cannot re-measure
//!   forever.
//! * An evaluation that ends in `OutOfMemoryError` has its global bindings rolled back
//!   ([`GlobalJournal`]): every global it assigned gets its value from before the
//!   evaluation again (or is removed), so the data it built is released. Containers that
//!   existed before and were mutated through an alias keep their new elements, but those
//!   were counted, so the workspace stays within the budget.

use crate::value::{IterState, Name, NameMap, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// Bytes charged per value slot (a `Value` is 24 bytes).
pub(crate) const VALUE_BYTES: usize = 24;

/// Bytes counted for a string besides its characters (Arc header and allocator rounding).
pub(crate) const STR_OVERHEAD: usize = 32;

/// Result of a walk of live data.
pub(crate) struct LiveSize {
    pub bytes: usize,
    /// values visited: the cost of the walk
    pub visited: usize,
}

/// Approximate bytes reachable from `roots`: 24 bytes per value slot (each root, each
/// element slot of a container; an array counts its capacity), plus string bytes and
/// [`STR_OVERHEAD`]. `Vm::alloc` charges allocations by the same rule. Shared containers
/// and strings count once. Containers locked by someone else at the moment (a concurrent
/// evaluation in the same workspace) are skipped rather than waited for.
pub(crate) fn live_size(roots: Vec<Value>) -> LiveSize {
    let mut seen: HashSet<usize> = HashSet::new();
    let mut bytes = roots.len().saturating_mul(VALUE_BYTES);
    let mut todo = roots;
    let mut visited = 0usize;
    let mut first = |p: usize| seen.insert(p);
    let slots = |n: usize| n.saturating_mul(VALUE_BYTES);
    while let Some(v) = todo.pop() {
        visited += 1;
        let more = match &v {
            Value::Str(s) | Value::Sym(s) if first(s.as_ptr() as usize) => s.len() + STR_OVERHEAD,
            Value::Array(a) if first(Arc::as_ptr(a) as usize) => match a.try_lock() {
                Ok(g) => {
                    todo.extend(g.data.iter().filter(|x| !is_scalar(x)).cloned());
                    slots(g.data.capacity())
                }
                Err(_) => 0,
            },
            Value::Dict(d) if first(Arc::as_ptr(d) as usize) => match d.try_lock() {
                Ok(g) => {
                    for (k, x) in &g.entries {
                        todo.push(k.clone());
                        todo.push(x.clone());
                    }
                    slots(g.entries.len() * 3)
                }
                Err(_) => 0,
            },
            Value::Tuple(t) if first(t.as_ptr() as usize) => {
                todo.extend(t.iter().cloned());
                slots(t.len())
            }
            Value::Pair(p) if first(Arc::as_ptr(&p.inner) as usize) => {
                todo.push(p.0.clone());
                todo.push(p.1.clone());
                slots(2)
            }
            Value::NamedTuple(nt) if first(Arc::as_ptr(nt) as usize) => {
                todo.extend(nt.1.iter().cloned());
                slots(nt.1.len())
            }
            Value::Struct(s) if first(Arc::as_ptr(s) as usize) => match s.fields.try_lock() {
                Ok(f) => {
                    todo.extend(f.iter().cloned());
                    slots(f.len())
                }
                Err(_) => 0,
            },
            Value::Closure(c) if first(Arc::as_ptr(c) as usize) => {
                todo.extend(c.captured.iter().cloned());
                slots(c.captured.len())
            }
            Value::Lazy(l) if first(Arc::as_ptr(l) as usize) => {
                todo.extend(l.1.iter().cloned());
                slots(l.1.len())
            }
            Value::Box(b) if first(Arc::as_ptr(b) as usize) => match b.try_lock() {
                Ok(x) => {
                    todo.push(x.clone());
                    slots(1)
                }
                Err(_) => 0,
            },
            Value::Iter(it) => match &**it {
                IterState::Items { items, .. } if first(items.as_ptr() as usize) => {
                    todo.extend(items.iter().filter(|x| !is_scalar(x)).cloned());
                    slots(items.len())
                }
                IterState::Array { arr, .. } => {
                    todo.push(Value::Array(arr.clone()));
                    0
                }
                _ => 0,
            },
            _ => 0,
        };
        bytes = bytes.saturating_add(more);
    }
    LiveSize { bytes, visited }
}

/// Bytes of a value no one else holds yet (a builtin's new result), by the rule of
/// [`live_size`], looking one level into a new container (the builtin spent that much work
/// building it). Values shared with anything else (`push!` returns its argument) count 0:
/// they are already live and counted.
pub(crate) fn fresh_size(v: &Value) -> usize {
    fn string(x: &Value) -> usize {
        match x {
            Value::Str(s) if Arc::strong_count(s) == 1 => s.len() + STR_OVERHEAD,
            _ => 0,
        }
    }
    let slots = |n: usize| n.saturating_mul(VALUE_BYTES);
    match v {
        Value::Str(_) => string(v),
        Value::Array(a) if Arc::strong_count(a) == 1 => match a.try_lock() {
            Ok(g) => g
                .data
                .iter()
                .map(string)
                .fold(slots(g.data.capacity()), usize::saturating_add),
            Err(_) => 0,
        },
        Value::Dict(d) if Arc::strong_count(d) == 1 => match d.try_lock() {
            Ok(g) => g
                .entries
                .iter()
                .map(|(k, x)| string(k) + string(x))
                .fold(slots(g.entries.len() * 3), usize::saturating_add),
            Err(_) => 0,
        },
        Value::Tuple(t) if Arc::strong_count(&t.inner) == 1 => t
            .iter()
            .map(string)
            .fold(slots(t.len()), usize::saturating_add),
        _ => 0,
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Nothing | Value::Char(_)
    )
}

/// The global bindings an evaluation changed, with their values from before it, so that
/// an evaluation ending in `OutOfMemoryError` can be undone.
#[derive(Default)]
pub(crate) struct GlobalJournal {
    before: NameMap<Option<Value>>,
}

impl GlobalJournal {
    /// Record `name`'s current binding unless this evaluation already changed it.
    pub fn note(&mut self, globals: &NameMap<Value>, name: &Name) {
        if !self.before.contains_key(name) {
            self.before.insert(name.clone(), globals.get(name).cloned());
        }
    }

    /// Put every recorded binding back. Returns the replaced values so the caller can drop
    /// them after releasing the globals lock.
    pub fn restore(&mut self, globals: &mut NameMap<Value>) -> Vec<Value> {
        let mut dropped = Vec::new();
        for (name, old) in self.before.drain() {
            let replaced = match old {
                Some(v) => globals.insert(name, v),
                None => globals.remove(&name),
            };
            dropped.extend(replaced);
        }
        dropped
    }
}
