//! The simulated `engee` module. Models live in the workspace; `.engee` files in the user's
//! store are JSON documents (schema in README.md); `run` produces deterministic signals.

// julia-lite returns Julia exceptions by value on cold paths (see its lib.rs)
#![allow(clippy::result_large_err)]

use julia_lite::native::{
    Ctx, DictV, Exc, Name, NativeFn, NativeModule, NtVals, StructDef, StructV, Ty, Value,
    argument_error, as_f64, custom_error, error_exception, kwarg, len_of, lock,
    method_error as merr, repr_string, to_string,
};
use std::sync::{Arc, Mutex, OnceLock};

type R = Result<Value, Exc>;
type Vm<'a> = Ctx<'a>;

type K<'a> = &'a [(Name, Value)];

pub const VERSION: &str = "25.12.2-H1";

#[derive(Debug, Clone)]
pub struct Block {
    pub name: String,
    pub kind: String,
    pub params: Vec<(String, Value)>,
}

#[derive(Debug, Clone)]
pub struct ModelData {
    pub name: String,
    pub params: Vec<(String, Value)>,
    pub blocks: Vec<Block>,
    pub logged: Vec<String>,
    pub results: Option<Value>,
}

#[derive(Default)]
pub struct EngeeState {
    pub models: Vec<ModelData>,
    pub current: Option<String>,
}

fn default_params() -> Vec<(String, Value)> {
    vec![
        ("EnableMultiTasking".into(), Value::Bool(false)),
        ("GenerateComments".into(), Value::Bool(true)),
        ("StartTime".into(), Value::Float(0.0)),
        ("StopTime".into(), Value::Float(10.0)),
        ("SolverName".into(), Value::str("Tsit5")),
        ("SolverType".into(), Value::str("variable-step")),
        ("FixedStep".into(), Value::Float(0.01)),
        ("MaxStep".into(), Value::str("auto")),
        ("MinStep".into(), Value::str("auto")),
        ("InitialStep".into(), Value::str("auto")),
        ("RelTol".into(), Value::str("auto")),
        ("AbsTol".into(), Value::str("auto")),
        ("OutputOption".into(), Value::Bool(true)),
        ("OutputTimes".into(), Value::Float(0.01)),
    ]
}

fn default_model(name: &str) -> ModelData {
    ModelData {
        name: name.to_string(),
        params: default_params(),
        blocks: vec![Block {
            name: "Sine Wave".into(),
            kind: "SineWave".into(),
            params: vec![
                ("Amplitude".into(), Value::Float(1.0)),
                ("Frequency".into(), Value::Float(1.0)),
                ("Phase".into(), Value::Float(0.0)),
                ("Bias".into(), Value::Float(0.0)),
            ],
        }],
        logged: vec!["Sine Wave.1".into()],
        results: None,
    }
}

fn def(name: &str, fields: &[&str]) -> Arc<StructDef> {
    Arc::new(StructDef {
        name: name.into(),
        fields: fields.iter().map(|f| (Name::from(*f), None)).collect(),
        mutable: false,
    })
}

fn model_def() -> Arc<StructDef> {
    static D: OnceLock<Arc<StructDef>> = OnceLock::new();
    D.get_or_init(|| def("Model", &["name"])).clone()
}
fn system_def() -> Arc<StructDef> {
    static D: OnceLock<Arc<StructDef>> = OnceLock::new();
    D.get_or_init(|| def("System", &["name"])).clone()
}
fn status_def() -> Arc<StructDef> {
    static D: OnceLock<Arc<StructDef>> = OnceLock::new();
    D.get_or_init(|| def("SimulationStatus", &["name"])).clone()
}
fn wsarray_def() -> Arc<StructDef> {
    static D: OnceLock<Arc<StructDef>> = OnceLock::new();
    D.get_or_init(|| def("WorkspaceArray{Float64}", &["path", "time", "value"]))
        .clone()
}

fn mk(def: Arc<StructDef>, fields: Vec<Value>) -> Value {
    Value::Struct(Arc::new(StructV {
        def,
        fields: Mutex::new(fields),
    }))
}

fn model_value(name: &str) -> Value {
    mk(model_def(), vec![Value::str(name)])
}

fn ex(ty: &str, msg: &str) -> Exc {
    custom_error(ty, &[Value::str(msg)])
}

fn no_model() -> Exc {
    ex("NoModelOpenedException", "no model is opened")
}

/// Name of a model given as a String, Model or System value.
fn model_name(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.split('/').next().unwrap_or(s).to_string()),
        Value::Struct(s) if matches!(&*s.def.name, "Model" | "System") => {
            lock(&s.fields).first().map(to_string)
        }
        _ => None,
    }
}

const STATE_KEY: &str = "engee";

/// The workspace's engee state (models, the current model).
fn state<'a>(vm: &'a Vm<'_>) -> julia_lite::native::State<'a, EngeeState> {
    vm.state::<EngeeState>(STATE_KEY)
}

fn current_name(vm: &Vm) -> Result<String, Exc> {
    state(vm).current.clone().ok_or_else(no_model)
}

fn json_to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Null => Value::Nothing,
        other => Value::string(other.to_string()),
    }
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Int(i) => serde_json::json!(i),
        Value::Float(f) if f.is_finite() => serde_json::json!(f),
        Value::Bool(b) => serde_json::json!(b),
        Value::Nothing => serde_json::Value::Null,
        other => serde_json::Value::String(to_string(other)),
    }
}

fn parse_model_file(name: &str, bytes: &[u8]) -> ModelData {
    let mut m = default_model(name);
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return m;
    };
    if let Some(ps) = doc.get("parameters").and_then(|p| p.as_object()) {
        for (k, v) in ps {
            set_pair(&mut m.params, k, json_to_value(v));
        }
    }
    if let Some(bs) = doc.get("blocks").and_then(|b| b.as_array()) {
        m.blocks.clear();
        for b in bs {
            let name = b
                .get("name")
                .and_then(|x| x.as_str())
                .unwrap_or("Block")
                .to_string();
            let kind = b
                .get("type")
                .and_then(|x| x.as_str())
                .unwrap_or("SineWave")
                .to_string();
            let mut params = Vec::new();
            if let Some(p) = b.get("params").and_then(|p| p.as_object()) {
                for (k, v) in p {
                    params.push((k.clone(), json_to_value(v)));
                }
            }
            m.blocks.push(Block { name, kind, params });
        }
        m.logged = m.blocks.iter().map(|b| format!("{}.1", b.name)).collect();
    }
    if let Some(ls) = doc.get("logged").and_then(|l| l.as_array()) {
        m.logged = ls
            .iter()
            .filter_map(|x| x.as_str().map(|s| s.to_string()))
            .collect();
    }
    m
}

fn model_to_json(m: &ModelData) -> String {
    let params: serde_json::Map<String, serde_json::Value> = m
        .params
        .iter()
        .map(|(k, v)| (k.clone(), value_to_json(v)))
        .collect();
    let blocks: Vec<serde_json::Value> = m
        .blocks
        .iter()
        .map(|b| {
            let p: serde_json::Map<String, serde_json::Value> = b
                .params
                .iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect();
            serde_json::json!({"name": b.name, "type": b.kind, "params": p})
        })
        .collect();
    let doc = serde_json::json!({"format": "engee-mock/1", "name": m.name, "parameters": params, "blocks": blocks, "logged": m.logged});
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn set_pair(v: &mut Vec<(String, Value)>, k: &str, x: Value) {
    match v.iter_mut().find(|(n, _)| n == k) {
        Some(p) => p.1 = x,
        None => v.push((k.to_string(), x)),
    }
}

fn b_version(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    if !a.is_empty() {
        return Err(merr("version", a));
    }
    Ok(Value::str(VERSION))
}

fn b_create(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Str(name)] = a else {
        return Err(merr("create", a));
    };
    if name.contains('/') || name.is_empty() {
        return Err(argument_error(&format!(
            "invalid model name {}: it must be non-empty and must not contain '/'",
            repr_string(name)
        )));
    }
    let mut st = state(vm);
    if st.models.iter().any(|m| m.name == **name) {
        return Err(ex(
            "ModelAlreadyExistsException",
            &format!("model {name} already exists"),
        ));
    }
    st.models.push(default_model(name));
    st.current = Some(name.to_string());
    Ok(model_value(name))
}

fn stem(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.strip_suffix(".engee").unwrap_or(base).to_string()
}

fn load_model(vm: &mut Vm, path: &str, name: Option<String>, force: bool) -> R {
    if !path.ends_with(".engee") {
        return Err(ex(
            "InvalidFileExtension",
            &format!("file {path} must have the .engee extension"),
        ));
    }
    let bytes = match vm.host().read_file(path) {
        Ok(b) => b,
        Err(_) => return Err(ex("FileNotFound", &format!("file {path} not found"))),
    };
    let name = name.unwrap_or_else(|| stem(path));
    let m = parse_model_file(&name, &bytes);
    let mut st = state(vm);
    if let Some(i) = st.models.iter().position(|x| x.name == name) {
        if !force {
            return Err(ex(
                "ModelAlreadyExistsException",
                &format!("model {name} already exists"),
            ));
        }
        st.models[i] = m;
    } else {
        st.models.push(m);
    }
    st.current = Some(name.clone());
    Ok(model_value(&name))
}

fn b_load(vm: &mut Vm, a: &[Value], k: K) -> R {
    let [Value::Str(path)] = a else {
        return Err(merr("load", a));
    };
    let name = match kwarg(k, "name") {
        Some(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    let force = matches!(kwarg(k, "force"), Some(Value::Bool(true)));
    load_model(vm, path, name, force)
}

fn b_open(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [v] = a else { return Err(merr("open", a)) };
    let name = match v {
        Value::Str(s) if s.ends_with(".engee") => {
            let n = stem(s);
            if !state(vm).models.iter().any(|m| m.name == n) {
                load_model(vm, s, None, false)?;
            }
            n
        }
        other => model_name(other).ok_or_else(|| merr("open", a))?,
    };
    let mut st = state(vm);
    if !st.models.iter().any(|m| m.name == name) {
        return Err(error_exception(&format!(
            "model {name} is not loaded; use engee.load(path) first"
        )));
    }
    st.current = Some(name.clone());
    Ok(mk(system_def(), vec![Value::string(name)]))
}

fn b_save(vm: &mut Vm, a: &[Value], k: K) -> R {
    let (name, path) = match a {
        [m, Value::Str(p)] => (model_name(m).ok_or_else(|| merr("save", a))?, p.to_string()),
        _ => return Err(merr("save", a)),
    };
    if !path.ends_with(".engee") {
        return Err(ex(
            "InvalidFileExtension",
            &format!("file {path} must have the .engee extension"),
        ));
    }
    let force = matches!(kwarg(k, "force"), Some(Value::Bool(true)));
    let json = {
        let st = state(vm);
        let m = st
            .models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| error_exception(&format!("model {name} is not loaded")))?;
        model_to_json(m)
    };
    if !force && vm.host().read_file(&path).is_ok() {
        return Err(error_exception(&format!(
            "file {path} already exists; use force=true to overwrite it"
        )));
    }
    vm.host()
        .write_file(&path, json.as_bytes())
        .map_err(|e| error_exception(&format!("cannot write {path}: {e}")))?;
    Ok(Value::Nothing)
}

fn b_close(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let name = match a {
        [] => current_name(vm)?,
        [m] => model_name(m).ok_or_else(|| merr("close", a))?,
        _ => return Err(merr("close", a)),
    };
    let mut st = state(vm);
    let Some(i) = st.models.iter().position(|m| m.name == name) else {
        return Err(error_exception(&format!("model {name} is not loaded")));
    };
    st.models.remove(i);
    if st.current.as_deref() == Some(name.as_str()) {
        st.current = st.models.last().map(|m| m.name.clone());
    }
    Ok(Value::Nothing)
}

fn b_gcm(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if !a.is_empty() {
        return Err(merr("gcm", a));
    }
    Ok(model_value(&current_name(vm)?))
}
fn b_gcs(vm: &mut Vm, a: &[Value], _k: K) -> R {
    if !a.is_empty() {
        return Err(merr("gcs", a));
    }
    Ok(mk(system_def(), vec![Value::string(current_name(vm)?)]))
}
fn b_gcb(vm: &mut Vm, _a: &[Value], _k: K) -> R {
    let n = current_name(vm)?;
    let st = state(vm);
    let b = st
        .models
        .iter()
        .find(|m| m.name == n)
        .and_then(|m| m.blocks.last())
        .map(|b| format!("{n}/{}", b.name))
        .unwrap_or_default();
    Ok(Value::string(b))
}

fn b_get_all_models(vm: &mut Vm, _a: &[Value], _k: K) -> R {
    let names: Vec<String> = state(vm).models.iter().map(|m| m.name.clone()).collect();
    Ok(Value::vector(
        Ty::Struct("Model".into()),
        names.iter().map(|n| model_value(n)).collect(),
    ))
}

fn params_value(m: &ModelData) -> Value {
    let d = Arc::new(StructDef {
        name: "ModelParameters".into(),
        fields: m
            .params
            .iter()
            .map(|(k, _)| (Name::from(k.as_str()), None))
            .collect(),
        mutable: false,
    });
    mk(d, m.params.iter().map(|(_, v)| v.clone()).collect())
}

fn b_get_param(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let st = state(vm);
    let find = |n: &str| {
        st.models
            .iter()
            .find(|m| m.name == n)
            .cloned()
            .ok_or_else(|| error_exception(&format!("model {n} is not loaded")))
    };
    match a {
        [m] => {
            let path = model_name(m).ok_or_else(|| merr("get_param", a))?;
            let full = match m {
                Value::Str(s) => s.to_string(),
                _ => path.clone(),
            };
            let md = find(&path)?;
            if let Some((_, blk)) = full.split_once('/') {
                let b = md
                    .blocks
                    .iter()
                    .find(|b| b.name == blk)
                    .ok_or_else(|| error_exception(&format!("block {full} not found")))?;
                let mut nt_names = vec![];
                let mut nt_vals = vec![];
                for (k, v) in &b.params {
                    nt_names.push(Name::from(k.as_str()));
                    nt_vals.push(v.clone());
                }
                return Ok(Value::NamedTuple(Arc::new((nt_names, NtVals(nt_vals)))));
            }
            Ok(params_value(&md))
        }
        [m, p] => {
            let full = match m {
                Value::Str(s) => s.to_string(),
                other => model_name(other).ok_or_else(|| merr("get_param", a))?,
            };
            let pname = to_string(p);
            let (mname, blk) = match full.split_once('/') {
                Some((x, y)) => (x.to_string(), Some(y.to_string())),
                None => (full.clone(), None),
            };
            let md = find(&mname)?;
            let list = match &blk {
                Some(b) => md
                    .blocks
                    .iter()
                    .find(|x| x.name == *b)
                    .map(|x| x.params.clone())
                    .ok_or_else(|| error_exception(&format!("block {full} not found")))?,
                None => md.params.clone(),
            };
            list.iter()
                .find(|(k, _)| *k == pname)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| error_exception(&format!("parameter {pname} not found in {full}")))
        }
        _ => Err(merr("get_param", a)),
    }
}

fn b_set_param(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [m, pairs @ ..] = a else {
        return Err(merr("set_param!", a));
    };
    let full = match m {
        Value::Str(s) => s.to_string(),
        other => model_name(other).ok_or_else(|| merr("set_param!", a))?,
    };
    let (mname, blk) = match full.split_once('/') {
        Some((x, y)) => (x.to_string(), Some(y.to_string())),
        None => (full.clone(), None),
    };
    let mut st = state(vm);
    let md = st
        .models
        .iter_mut()
        .find(|x| x.name == mname)
        .ok_or_else(|| error_exception(&format!("model {mname} is not loaded")))?;
    for p in pairs {
        let Value::Pair(p) = p else {
            return Err(merr("set_param!", a));
        };
        let key = to_string(&p.0);
        match &blk {
            Some(b) => {
                let blk = md
                    .blocks
                    .iter_mut()
                    .find(|x| x.name == *b)
                    .ok_or_else(|| error_exception(&format!("block {full} not found")))?;
                set_pair(&mut blk.params, &key, p.1.clone());
            }
            None => set_pair(&mut md.params, &key, p.1.clone()),
        }
    }
    Ok(Value::Nothing)
}

fn num_param(m: &ModelData, k: &str, default: f64) -> f64 {
    m.params
        .iter()
        .find(|(n, _)| n == k)
        .and_then(|(_, v)| match v {
            Value::Str(s) => s.parse().ok(),
            other => as_f64(other),
        })
        .unwrap_or(default)
}

fn bparam(b: &Block, k: &str, default: f64) -> f64 {
    b.params
        .iter()
        .find(|(n, _)| n == k)
        .and_then(|(_, v)| as_f64(v))
        .unwrap_or(default)
}

fn signal_value(b: Option<&Block>, t: f64) -> f64 {
    let Some(b) = b else { return t.sin() };
    match b.kind.as_str() {
        "Constant" => bparam(b, "Value", 1.0),
        "Step" => {
            if t < bparam(b, "StepTime", 1.0) {
                bparam(b, "Initial", 0.0)
            } else {
                bparam(b, "Final", 1.0)
            }
        }
        "Ramp" => {
            let st = bparam(b, "StartTime", 0.0);
            if t < st {
                bparam(b, "InitialOutput", 0.0)
            } else {
                bparam(b, "InitialOutput", 0.0) + bparam(b, "Slope", 1.0) * (t - st)
            }
        }
        "Clock" => t,
        _ => {
            bparam(b, "Amplitude", 1.0)
                * (bparam(b, "Frequency", 1.0) * t + bparam(b, "Phase", 0.0)).sin()
                + bparam(b, "Bias", 0.0)
        }
    }
}

fn simulate(vm: &mut Vm, name: &str) -> R {
    let md = state(vm)
        .models
        .iter()
        .find(|m| m.name == name)
        .cloned()
        .ok_or_else(|| error_exception(&format!("model {name} is not loaded")))?;
    let start = num_param(&md, "StartTime", 0.0);
    let stop = num_param(&md, "StopTime", 10.0);
    let fixed = md
        .params
        .iter()
        .any(|(k, v)| k == "SolverType" && to_string(v).starts_with("fixed"));
    let dt = if fixed {
        num_param(&md, "FixedStep", 0.01)
    } else {
        num_param(&md, "OutputTimes", 0.01)
    };
    let valid = dt > 0.0 && stop >= start && start.is_finite() && stop.is_finite();
    if !valid {
        return Err(error_exception(&format!(
            "invalid simulation settings: StartTime={start}, StopTime={stop}, step={dt}"
        )));
    }
    let n = ((stop - start) / dt + 1e-9).floor() as usize + 1;
    vm.alloc_values(n.saturating_mul(2 * md.logged.len().max(1)))?;
    let times: Vec<f64> = (0..n)
        .map(|i| {
            let t = start + i as f64 * dt;
            (t * 1e12).round() / 1e12
        })
        .collect();
    let mut d = DictV::new(Ty::String, Ty::Struct("WorkspaceArray{Float64}".into()));
    let mut simout = DictV::new(Ty::String, Ty::Struct("WorkspaceArray{Float64}".into()));
    for sig in &md.logged {
        let bname = sig.rsplit_once('.').map(|(b, _)| b).unwrap_or(sig);
        let blk = md.blocks.iter().find(|b| b.name == bname);
        let vals: Vec<Value> = times
            .iter()
            .map(|t| Value::Float(signal_value(blk, *t)))
            .collect();
        let tv: Vec<Value> = times.iter().map(|t| Value::Float(*t)).collect();
        let wa = mk(
            wsarray_def(),
            vec![
                Value::string(format!("{name}/{sig}")),
                Value::vector(Ty::Float64, tv),
                Value::vector(Ty::Float64, vals),
            ],
        );
        d.insert(Value::string(sig.clone()), wa.clone());
        simout.insert(Value::string(format!("{name}/{sig}")), wa);
    }
    let res = Value::Dict(Arc::new(Mutex::new(d)));
    {
        let mut st = state(vm);
        if let Some(m) = st.models.iter_mut().find(|m| m.name == name) {
            m.results = Some(res.clone());
        }
    }
    vm.set_global("simout", Value::Dict(Arc::new(Mutex::new(simout))));
    Ok(res)
}

fn b_run(vm: &mut Vm, a: &[Value], k: K) -> R {
    let name = match a {
        [] => current_name(vm)?,
        [m] => {
            let n = model_name(m).ok_or_else(|| merr("run", a))?;
            if let Value::Str(s) = m
                && s.ends_with(".engee")
            {
                let stem = stem(s);
                if !state(vm).models.iter().any(|x| x.name == stem) {
                    load_model(vm, s, None, false)?;
                }
                return b_run(vm, &[Value::string(stem)], k);
            }
            if !state(vm).models.iter().any(|x| x.name == n) {
                return Err(no_model());
            }
            n
        }
        _ => return Err(merr("run", a)),
    };
    let verbose = matches!(kwarg(k, "verbose"), Some(Value::Bool(true)));
    let r = simulate(vm, &name)?;
    if verbose {
        vm.write_out("Building...\nProgress 0%\nProgress 100%\nProgress 100%\n");
    }
    Ok(r)
}

fn b_get_results(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let name = match a {
        [] => current_name(vm)?,
        [m] => model_name(m).ok_or_else(|| merr("get_results", a))?,
        _ => return Err(merr("get_results", a)),
    };
    let st = state(vm);
    let Some(m) = st.models.iter().find(|m| m.name == name) else {
        return Err(no_model());
    };
    m.results.clone().ok_or_else(|| {
        ex(
            "ModelIsNotRunningException",
            &format!("model {name} has not been run"),
        )
    })
}

fn b_get_status(vm: &mut Vm, _a: &[Value], _k: K) -> R {
    let s = if state(vm).current.is_some() {
        "READY"
    } else {
        "NOT_READY"
    };
    Ok(mk(status_def(), vec![Value::str(s)]))
}

fn b_nothing(_vm: &mut Vm, _a: &[Value], _k: K) -> R {
    Ok(Value::Nothing)
}

fn b_set_log(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let port = match a {
        [p] => to_string(p),
        [_, p] => to_string(p),
        _ => return Err(merr("set_log", a)),
    };
    let name = current_name(vm)?;
    let sig = normalize_port(&name, &port);
    let mut st = state(vm);
    if let Some(m) = st.models.iter_mut().find(|m| m.name == name)
        && !m.logged.contains(&sig)
    {
        m.logged.push(sig);
    }
    Ok(Value::Nothing)
}

fn normalize_port(model: &str, port: &str) -> String {
    let p = port.strip_prefix(&format!("{model}/")).unwrap_or(port);
    match p.rsplit_once('/') {
        Some((b, i)) => format!("{b}.{i}"),
        None => p.to_string(),
    }
}

fn b_unset_log(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let port = a
        .last()
        .map(to_string)
        .ok_or_else(|| merr("unset_log", a))?;
    let name = current_name(vm)?;
    let sig = normalize_port(&name, &port);
    let mut st = state(vm);
    if let Some(m) = st.models.iter_mut().find(|m| m.name == name) {
        m.logged.retain(|s| *s != sig);
    }
    Ok(Value::Nothing)
}

fn b_get_logs(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let name = match a {
        [] => current_name(vm)?,
        [m] => model_name(m).ok_or_else(|| merr("get_logs", a))?,
        _ => return Err(merr("get_logs", a)),
    };
    let st = state(vm);
    let m = st
        .models
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(no_model)?;
    Ok(Value::vector(
        Ty::String,
        m.logged.iter().map(|s| Value::string(s.clone())).collect(),
    ))
}

fn b_add_block(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [Value::Str(lib), Value::Str(tgt)] = a else {
        return Err(merr("add_block", a));
    };
    let libname = lib.rsplit('/').next().unwrap_or(lib).to_string();
    let kind: String = libname
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let (mname, bname) = match tgt.split_once('/') {
        Some((m, b)) if !b.is_empty() => (m.to_string(), b.to_string()),
        Some((m, _)) => (m.to_string(), libname.clone()),
        None => (tgt.to_string(), libname.clone()),
    };
    let mut st = state(vm);
    let md = st
        .models
        .iter_mut()
        .find(|m| m.name == mname)
        .ok_or_else(|| error_exception(&format!("model {mname} is not loaded")))?;
    let mut name = bname.clone();
    let mut i = 1;
    while md.blocks.iter().any(|b| b.name == name) {
        name = format!("{bname}-{i}");
        i += 1;
    }
    md.blocks.push(Block {
        name,
        kind,
        params: vec![],
    });
    Ok(Value::Nothing)
}

fn b_screenshot(vm: &mut Vm, a: &[Value], _k: K) -> R {
    let [_, Value::Str(path)] = a else {
        return Err(merr("screenshot", a));
    };
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if ext != "png" && ext != "svg" {
        return Err(error_exception(&format!(
            "unsuported picture format: {}",
            ext.to_ascii_uppercase()
        )));
    }
    let data: &[u8] = if ext == "svg" {
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
    } else {
        b"\x89PNG\r\n\x1a\n"
    };
    vm.host()
        .write_file(path, data)
        .map_err(|e| error_exception(&format!("cannot write {path}: {e}")))?;
    Ok(Value::Nothing)
}

fn wsarray_len(a: &[Value]) -> Option<usize> {
    match a {
        [Value::Struct(s)] if s.def.name.starts_with("WorkspaceArray") => {
            lock(&s.fields).get(1).and_then(len_of)
        }
        _ => None,
    }
}

fn b_nrow(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    wsarray_len(a)
        .map(|n| Value::Int(n as i64))
        .ok_or_else(|| merr("nrow", a))
}

fn b_ncol(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    wsarray_len(a)
        .map(|_| Value::Int(2))
        .ok_or_else(|| merr("ncol", a))
}

fn b_names(_vm: &mut Vm, a: &[Value], _k: K) -> R {
    match a {
        [Value::Struct(s)] if s.def.name.starts_with("WorkspaceArray") => Ok(Value::vector(
            Ty::String,
            vec![Value::str("time"), Value::str("value")],
        )),
        [Value::NamedTuple(nt)] => Ok(Value::tuple(
            nt.0.iter().map(|n| Value::Sym(n.clone())).collect(),
        )),
        _ => Err(merr("names", a)),
    }
}

fn b_unsupported(_vm: &mut Vm, _a: &[Value], _k: K) -> R {
    Err(error_exception(
        "this engee function is not simulated by the mock",
    ))
}

/// `results["Sine Wave.1"]` etc. on engee structs
fn struct_index(vm: &mut Vm, obj: &Value, idx: &[Value]) -> R {
    if let Value::Struct(s) = obj {
        // DataFrame-style column access: x[!, :value], x[:, "time"], params[:StopTime]
        let col = match idx {
            [Value::Sym(k)] | [_, Value::Sym(k)] if &**k != ":" => Some(k.to_string()),
            [_, Value::Str(k)] => Some(k.to_string()),
            _ => None,
        };
        if let Some(k) = col {
            if let Some(i) = s.def.fields.iter().position(|(n, _)| **n == *k) {
                let v = lock(&s.fields)[i].clone();
                return Ok(match (&idx[0], &v) {
                    (Value::Sym(c), Value::Array(a)) if &**c == ":" => {
                        Value::Array(Arc::new(Mutex::new(lock(a).clone())))
                    }
                    _ => v,
                });
            }
            return Err(argument_error(&format!(
                "column name :{k} not found in the data frame"
            )));
        }
        // x[i, :]: one row as (time = …, value = …)
        if let [Value::Int(i), Value::Sym(c)] = idx
            && &**c == ":"
            && s.def.name.starts_with("WorkspaceArray")
        {
            let f = lock(&s.fields).clone();
            let t = vm.getindex(&f[1], &[Value::Int(*i)])?;
            let v = vm.getindex(&f[2], &[Value::Int(*i)])?;
            return Ok(Value::NamedTuple(Arc::new((
                vec!["time".into(), "value".into()],
                NtVals(vec![t, v]),
            ))));
        }
    }
    let mut a = vec![obj.clone()];
    a.extend_from_slice(idx);
    Err(merr("getindex", &a))
}

const FNS: &[(&str, NativeFn)] = &[
    ("engee.version", b_version),
    ("engee.create", b_create),
    ("engee.load", b_load),
    ("engee.open", b_open),
    ("engee.save", b_save),
    ("engee.close", b_close),
    ("engee.gcm", b_gcm),
    ("engee.gcs", b_gcs),
    ("engee.gcb", b_gcb),
    ("engee.get_all_models", b_get_all_models),
    ("engee.get_param", b_get_param),
    ("engee.set_param!", b_set_param),
    ("engee.run", b_run),
    ("engee.get_results", b_get_results),
    ("engee.get_status", b_get_status),
    ("engee.stop", b_nothing),
    ("engee.pause", b_nothing),
    ("engee.resume", b_nothing),
    ("engee.reset", b_nothing),
    ("engee.update_params", b_nothing),
    ("engee.set_log", b_set_log),
    ("engee.unset_log", b_unset_log),
    ("engee.get_logs", b_get_logs),
    ("engee.add_block", b_add_block),
    ("engee.add_line", b_nothing),
    ("engee.addpath", b_nothing),
    ("engee.rmpath", b_nothing),
    ("engee.screenshot", b_screenshot),
    ("engee.generate_code", b_unsupported),
    ("nrow", b_nrow),
    ("ncol", b_ncol),
    ("names", b_names),
    ("engee.convert_model", b_unsupported),
];

/// `getindex` on the module's structs (simulation results, workspace arrays, parameters).
fn index(vm: &mut Vm, obj: &Value, idx: &[Value]) -> Option<R> {
    let Value::Struct(s) = obj else { return None };
    let n = &s.def.name;
    if n.starts_with("WorkspaceArray") || n.contains("Result") || n.contains("Parameters") {
        Some(struct_index(vm, obj, idx))
    } else {
        None
    }
}

/// The simulated `engee` module, for `julia_lite::native::register_module`.
pub fn module() -> NativeModule {
    NativeModule {
        name: "engee",
        functions: FNS.to_vec(),
        getindex: Some(index),
    }
}

/// Register the module (once per process; later calls do nothing).
pub fn register() {
    julia_lite::native::register_module(module());
}
