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

use crate::value::{IterState, Name, Value};
use crate::vm::VALUE_BYTES;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Bytes counted for a string besides its characters (Arc header and allocator rounding).
const STR_OVERHEAD: usize = 32;

/// Result of a walk of live data.
pub struct LiveSize {
    pub bytes: usize,
    /// values visited: the cost of the walk
    pub visited: usize,
}

/// Approximate bytes reachable from `roots`: 24 bytes per value slot (an array counts its
/// capacity), string bytes plus a small header. Shared containers and strings count once.
/// Containers locked by someone else at the moment (the caller itself, or a concurrent
/// evaluation in the same workspace) are skipped rather than waited for.
pub fn live_size(roots: Vec<Value>) -> LiveSize {
    let mut seen: HashSet<usize> = HashSet::new();
    let mut todo = roots;
    let mut bytes = 0usize;
    let mut visited = 0usize;
    let mut first = |p: usize| seen.insert(p);
    while let Some(v) = todo.pop() {
        visited += 1;
        bytes = bytes.saturating_add(VALUE_BYTES);
        match &v {
            Value::Str(s) | Value::Sym(s) if first(s.as_ptr() as usize) => {
                bytes = bytes.saturating_add(s.len() + STR_OVERHEAD);
            }
            Value::Array(a) if first(Arc::as_ptr(a) as usize) => {
                if let Ok(g) = a.try_lock() {
                    bytes = bytes.saturating_add(g.data.capacity() * VALUE_BYTES);
                    todo.extend(g.data.iter().filter(|x| !is_scalar(x)).cloned());
                }
            }
            Value::Dict(d) if first(Arc::as_ptr(d) as usize) => {
                if let Ok(g) = d.try_lock() {
                    bytes = bytes.saturating_add(g.entries.len() * VALUE_BYTES * 3);
                    for (k, x) in &g.entries {
                        todo.push(k.clone());
                        todo.push(x.clone());
                    }
                }
            }
            Value::Tuple(t) if first(t.as_ptr() as usize) => {
                todo.extend(t.iter().cloned());
            }
            Value::Pair(p) if first(Arc::as_ptr(&p.inner) as usize) => {
                todo.push(p.0.clone());
                todo.push(p.1.clone());
            }
            Value::NamedTuple(nt) if first(Arc::as_ptr(nt) as usize) => {
                todo.extend(nt.1.iter().cloned());
            }
            Value::Struct(s) if first(Arc::as_ptr(s) as usize) => {
                if let Ok(f) = s.fields.try_lock() {
                    todo.extend(f.iter().cloned());
                }
            }
            Value::Closure(c) if first(Arc::as_ptr(c) as usize) => {
                todo.extend(c.captured.iter().cloned());
            }
            Value::Lazy(l) if first(Arc::as_ptr(l) as usize) => {
                todo.extend(l.1.iter().cloned());
            }
            Value::Box(b) if first(Arc::as_ptr(b) as usize) => {
                if let Ok(x) = b.try_lock() {
                    todo.push(x.clone());
                }
            }
            Value::Iter(it) => match &**it {
                IterState::Items { items, .. } if first(items.as_ptr() as usize) => {
                    bytes = bytes.saturating_add(items.len() * VALUE_BYTES);
                    todo.extend(items.iter().filter(|x| !is_scalar(x)).cloned());
                }
                IterState::Array { arr, .. } => todo.push(Value::Array(arr.clone())),
                _ => {}
            },
            _ => {}
        }
    }
    LiveSize { bytes, visited }
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
pub struct GlobalJournal {
    before: HashMap<Name, Option<Value>>,
}

impl GlobalJournal {
    /// Record `name`'s current binding unless this evaluation already changed it.
    pub fn note(&mut self, globals: &HashMap<Name, Value>, name: &Name) {
        if !self.before.contains_key(name) {
            self.before.insert(name.clone(), globals.get(name).cloned());
        }
    }

    /// Put every recorded binding back. Returns the replaced values so the caller can drop
    /// them after releasing the globals lock.
    pub fn restore(&mut self, globals: &mut HashMap<Name, Value>) -> Vec<Value> {
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
