//! TEMPORARY: stands in for julia-lite's API until its first version lands.
#![allow(dead_code)]
use std::sync::Arc;
use std::time::Duration;

pub struct Limits {
    pub max_steps: u64,
    pub max_wall: Duration,
    pub max_memory_bytes: usize,
    pub max_depth: usize,
    pub max_output_bytes: usize,
}
pub trait Host: Send + Sync + 'static {
    fn sleep(&self, d: Duration) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
    fn now(&self) -> f64;
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String>;
    fn write_file(&self, path: &str, data: &[u8]) -> Result<(), String>;
}
#[derive(Clone, Default)]
pub struct Workspace;
impl Workspace {
    pub fn new() -> Self {
        Self
    }
}
pub struct Evaluated {
    pub result: String,
    pub output: String,
    pub is_nothing: bool,
}
#[derive(Debug, Clone, PartialEq)]
pub struct JuliaError {
    pub type_name: String,
    pub short_description: String,
    pub full_description: String,
}
pub async fn eval(_ws: &Workspace, code: &str, host: Arc<dyn Host>, _l: &Limits) -> Result<Evaluated, JuliaError> {
    if let Some(rest) = code.strip_prefix("sleep(") {
        let secs: u64 = rest.trim_end_matches(')').parse().unwrap_or(0);
        host.sleep(Duration::from_secs(secs)).await;
    }
    Ok(Evaluated { result: code.to_owned(), output: String::new(), is_nothing: false })
}
