//! Evaluate each argument as a separate evaluation in one workspace and print the result.
//! `cargo run -p julia-lite --example jl -- '1 + 2' 'x = 3' 'x * 2'`
use julia_lite::{Limits, MemHost, Workspace, eval_blocking};
use std::sync::Arc;

fn main() {
    let ws = Workspace::new();
    let host = Arc::new(MemHost::default());
    for arg in std::env::args().skip(1) {
        let code = match arg.strip_prefix("@file:") {
            Some(p) => std::fs::read_to_string(p).unwrap_or_default(),
            None => arg,
        };
        match eval_blocking(&ws, &code, host.clone(), &Limits::default()) {
            Ok(r) => {
                if !r.output.is_empty() {
                    print!("{}", r.output);
                }
                println!("=> {}", r.result);
            }
            Err(e) if std::env::var("FULL").is_ok() => println!(
                "ERR {}\n{}\n{}",
                e.type_name, e.short_description, e.full_description
            ),
            Err(e) => println!(
                "ERR {} | {} | {}",
                e.type_name,
                e.short_description,
                e.full_description
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
        }
    }
}
