//! Macros (`@show`, `@printf`, `@assert`, `@time` …), expanded at compile time.

use super::*;

impl Compiler {
    pub(super) fn macro_call(&mut self, name: &str, args: &[Expr], line: u32) -> CResult<()> {
        if line > 0 {
            self.f().line = line;
        }
        match name {
            "assert" => {
                let cond = args
                    .first()
                    .ok_or_else(|| syntax_error("@assert needs an expression"))?;
                self.cond(cond)?;
                let j = self.emit(Op::JumpIfTrue(0));
                let throw = self.name("throw");
                let ae = self.name("AssertionError");
                self.emit(Op::LoadGlobal(throw));
                self.emit(Op::LoadGlobal(ae));
                match args.get(1) {
                    Some(m) => self.expr(m)?,
                    None => {
                        let k = self.konst(Value::string(crate::unparse::unparse(cond)));
                        self.emit(Op::Const(k));
                    }
                }
                self.emit(Op::Call(1, 0));
                self.emit(Op::Call(1, 0));
                self.emit(Op::Pop);
                let h = self.here();
                self.patch(j, h);
                self.emit(Op::Nothing);
                Ok(())
            }
            "show" => {
                for a in args {
                    let pl = self.name("println");
                    let rp = self.name("repr");
                    self.emit(Op::LoadGlobal(pl));
                    let k = self.konst(Value::string(format!("{} = ", crate::unparse::unparse(a))));
                    self.emit(Op::Const(k));
                    self.emit(Op::LoadGlobal(rp));
                    self.expr(a)?;
                    self.emit(Op::Call(1, 0));
                    self.emit(Op::Call(2, 0));
                    self.emit(Op::Pop);
                }
                match args.last() {
                    Some(a) => self.expr(a),
                    None => {
                        self.emit(Op::Nothing);
                        Ok(())
                    }
                }
            }
            "time" | "elapsed" => {
                let body = args
                    .first()
                    .ok_or_else(|| syntax_error("@time needs an expression"))?;
                let t0 = self.hidden();
                let tm = self.name("time");
                self.emit(Op::LoadGlobal(tm));
                self.emit(Op::Call(0, 0));
                self.emit(Op::StoreLocal(t0));
                self.expr(body)?;
                let r = self.hidden();
                self.emit(Op::StoreLocal(r));
                let fin = self.name(if name == "time" {
                    "_time_report"
                } else {
                    "_elapsed"
                });
                self.emit(Op::LoadGlobal(fin));
                self.emit(Op::LoadLocal(t0));
                self.emit(Op::Call(1, 0));
                if name == "time" {
                    self.emit(Op::Pop);
                    self.emit(Op::LoadLocal(r));
                }
                Ok(())
            }
            "info" | "warn" | "error" | "debug" => {
                let f = self.name("_log");
                self.emit(Op::LoadGlobal(f));
                let k = self.konst(Value::str(match name {
                    "info" => "Info",
                    "warn" => "Warning",
                    "error" => "Error",
                    _ => "Debug",
                }));
                self.emit(Op::Const(k));
                for a in args {
                    self.expr(a)?;
                }
                self.emit(Op::Call((args.len() + 1) as u16, 0));
                Ok(())
            }
            "inbounds" | "inline" | "noinline" | "views" | "fastmath" | "simd" | "everywhere" => {
                match args.first() {
                    Some(a) => self.expr(a),
                    None => {
                        self.emit(Op::Nothing);
                        Ok(())
                    }
                }
            }
            "sprintf" | "printf" => {
                let f = self.name(if name == "printf" {
                    "_printf"
                } else {
                    "_sprintf"
                });
                self.emit(Op::LoadGlobal(f));
                for a in args {
                    self.expr(a)?;
                }
                self.emit(Op::Call(args.len() as u16, 0));
                Ok(())
            }
            "async" | "spawn" | "threads" | "distributed" | "eval" | "macroexpand"
            | "generated" | "kwdef" | "enum" | "task" | "sync" | "btime" | "benchmark" | "test"
            | "testset" => Err(syntax_error(&format!(
                "unsupported syntax: macro @{name} is not supported by julia-lite"
            ))),
            other => Err(crate::errors::exc(
                "LoadError",
                format!(
                    "LoadError: UndefVarError: `@{other}` not defined\nin expression starting at none:{line}"
                ),
                format!("LoadError(\"none\", {line}, UndefVarError(Symbol(\"@{other}\")))"),
                vec![],
            )),
        }
    }
}
