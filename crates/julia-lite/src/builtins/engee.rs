//! The simulated `engee` module (see README.md).

use super::{BFn, R, merr};
use crate::value::*;
use crate::vm::Vm;

type K<'a> = &'a [(Name, Value)];

pub struct EngeeState {
    pub rng: u64,
}

impl Default for EngeeState {
    fn default() -> Self {
        EngeeState {
            rng: 0x2545F4914F6CDD1D,
        }
    }
}

pub fn struct_index(_vm: &mut Vm, obj: &Value, idx: &[Value]) -> R {
    let mut a = vec![obj.clone()];
    a.extend_from_slice(idx);
    Err(merr("getindex", &a))
}

fn b_version(_vm: &mut Vm, _a: &[Value], _k: K) -> R {
    Ok(Value::str("25.12.2-H1"))
}

pub const FNS: &[(&str, BFn)] = &[("engee.version", b_version)];
