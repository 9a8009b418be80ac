//! Random numbers: `rand`, `randn`, `Random.seed!` (a per-workspace xorshift generator).

use super::*;

/// Deterministic xorshift PRNG for `rand` (seeded per workspace start; documented).
pub(super) fn next_rand(vm: &mut Vm) -> f64 {
    let mut st = *lock(&vm.ws.rng);
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    *lock(&vm.ws.rng) = st;
    (st >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) fn b_rand(vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [] => Ok(Value::Float(next_rand(vm))),
        [Value::Int(n)] => {
            if *n < 0 {
                return Err(errors::argument_error("invalid Array dimensions"));
            }
            vm.alloc(*n as usize, false)?;
            let v: Vec<Value> = (0..*n).map(|_| Value::Float(next_rand(vm))).collect();
            Ok(Value::vector(Ty::Float64, v))
        }
        [r @ (Value::Range(_) | Value::Array(_) | Value::Tuple(_))] => {
            let items = crate::builtins::collections::iterate_items(vm, r)?;
            if items.is_empty() {
                return Err(errors::argument_error("collection must be non-empty"));
            }
            let i = (next_rand(vm) * items.len() as f64) as usize;
            Ok(items[i.min(items.len() - 1)].clone())
        }
        [Value::Type(t)] if **t == Ty::Float64 => Ok(Value::Float(next_rand(vm))),
        [Value::Type(t)] if **t == Ty::Int64 => Ok(Value::Int((next_rand(vm) * 9.0e18) as i64)),
        [Value::Type(t)] if **t == Ty::Bool => Ok(Value::Bool(next_rand(vm) < 0.5)),
        _ => Err(merr("rand", a)),
    }
}

pub(super) fn b_randn(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let one = |vm: &mut Vm| {
        let u1 = next_rand(vm).max(1e-300);
        let u2 = next_rand(vm);
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    match a {
        [] => Ok(Value::Float(one(vm))),
        [Value::Int(n)] if *n >= 0 => {
            vm.alloc(*n as usize, false)?;
            let v: Vec<Value> = (0..*n).map(|_| Value::Float(one(vm))).collect();
            Ok(Value::vector(Ty::Float64, v))
        }
        _ => Err(merr("randn", a)),
    }
}

pub(super) fn b_seed(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let s = a.last().and_then(as_int).unwrap_or(0) as u64;
    *lock(&vm.ws.rng) = s.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    Ok(Value::Nothing)
}

pub(super) fn b_fmt_float(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Float(f)] => Ok(Value::string(fmt_float(*f))),
        _ => Err(merr("_fmt_float", a)),
    }
}
