//! Property tests: no input makes the evaluator panic, hang or exceed its budgets.
use julia_lite::{Limits, MemHost, Workspace, eval_blocking};
use proptest::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn limits() -> Limits {
    Limits {
        max_steps: 200_000,
        max_wall: Duration::from_millis(500),
        max_memory_bytes: 16 * 1024 * 1024,
        max_depth: 200,
        max_output_bytes: 64 * 1024,
    }
}

fn check(code: &str) {
    let ws = Workspace::new();
    let t0 = Instant::now();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        eval_blocking(&ws, code, Arc::new(MemHost::default()), &limits())
    }));
    assert!(r.is_ok(), "panic on input {code:?}");
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "input {code:?} took {:?}",
        t0.elapsed()
    );
    if let Ok(Ok(ev)) = r {
        assert!(
            ev.output.len() <= 64 * 1024 + 100,
            "output budget exceeded for {code:?}"
        );
    }
}

const TOKENS: &[&str] = &[
    "x",
    "y",
    "f",
    "1",
    "2.5",
    "0",
    "-1",
    "10^10",
    "\"s\"",
    "'c'",
    ":a",
    "nothing",
    "true",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ";",
    "\n",
    " ",
    "+",
    "-",
    "*",
    "/",
    "^",
    "÷",
    "%",
    "=",
    "==",
    "<",
    ">",
    "&&",
    "||",
    "!",
    "?",
    ":",
    "=>",
    "->",
    ".",
    "..",
    "...",
    "'",
    "$",
    "#",
    "#=",
    "=#",
    "if",
    "else",
    "elseif",
    "end",
    "for",
    "in",
    "while",
    "function",
    "return",
    "break",
    "continue",
    "begin",
    "let",
    "try",
    "catch",
    "finally",
    "struct",
    "global",
    "local",
    "using",
    "JSON",
    "do",
    "1:3",
    "push!",
    "sum",
    "zeros",
    "string",
    "println",
    "sleep",
    "error",
    "throw",
    "Dict",
    "engee.run()",
    "@assert",
    "@show",
    "x -> x",
    "f(x) = f(x)",
    "\"$(",
    "\"\"\"",
    "\\",
    "end]",
    "[x for x in 1:3]",
    "typemax(Int)",
    "Int",
    "::",
    ".+",
];

fn token_program() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        check(&s);
    }

    #[test]
    fn token_soup_never_panics(s in token_program()) {
        check(&s);
    }
}

#[test]
fn hostile_inputs() {
    let deep_parens = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let deep_brackets = "[".repeat(5000);
    let unary = format!("{}1", "-".repeat(100_000));
    let long_sum = format!("1{}", "+1".repeat(100_000));
    let deep_if = "if true\n".repeat(3000);
    let deep_lambda = "x -> ".repeat(3000) + "1";
    let nested_calls = format!("{}1{}", "f(".repeat(3000), ")".repeat(3000));
    for code in [
        deep_parens.as_str(),
        deep_brackets.as_str(),
        unary.as_str(),
        long_sum.as_str(),
        deep_if.as_str(),
        deep_lambda.as_str(),
        nested_calls.as_str(),
        "while true end",
        "x = 0; while true; x += 1; end",
        "f(x) = f(x + 1); f(1)",
        "g(x) = [g(x)]; g(1)",
        "a = []; while true; push!(a, zeros(1000)); end",
        "s = \"x\"; while true; s = s * s; end",
        "for i in 1:10^12; end",
        "a = []; for i in 1:100000; a = [a]; end; length(a)",
        "t = (); for i in 1:20000; t = (t,); end; 1",
        "a = []; push!(a, a); string(a)",
        "d = Dict(); d[1] = d; string(d)",
        "while true; println(\"spam\"); end",
        "try; while true; end; catch; end",
        "reduce(*, fill(\"ab\", 40))",
        "\"\\u\"",
        "'",
        "\"$(\"",
        "#=",
        "engee.load(\"/user/\\0.engee\")",
        "collect(1:10^9)",
        "zeros(10^5, 10^5)",
        "range(0, 1, length=10^12)",
        "1:0.0:5",
        "[1,2,3][10^18]",
        "typemin(Int) ÷ -1",
        "sleep(1e300)",
        "round(Int, 1e300)",
        "parse(Int, \"99999999999999999999\")",
        "string(2.0^1000)",
        "\"a\" ^ -1",
        "d = Dict(\"k\" => 1); d[d]",
        "d = Dict(); d[d] = d; d[d] === d",
        "a = [1]; d = Dict(a => a); (a => a) in d",
        "d = Dict(); d[(d,)] = 1; haskey(d, (d,))",
        "s = Dict(); push!(s, s => s); length(s)",
    ] {
        check(code);
    }
}
