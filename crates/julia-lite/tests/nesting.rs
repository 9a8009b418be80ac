//! Deeply nested and very long code (issue 8, item 7): what Julia takes, julia-lite takes,
//! up to 1 000+ levels and 100 000-term expressions, on a thread with a 2 MiB stack (a tokio
//! worker's); deeper input is a clean syntax error.
use julia_lite::{JuliaError, Limits, MemHost, Workspace, eval_blocking};
use std::sync::Arc;

/// Evaluate `code` in a fresh workspace on a thread with a 2 MiB stack.
fn eval_small_stack(code: String) -> Result<String, JuliaError> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let ws = Workspace::new();
            eval_blocking(&ws, &code, Arc::new(MemHost::default()), &Limits::default())
                .map(|r| r.result)
        })
        .unwrap()
        .join()
        .unwrap()
}

fn ok(code: String) -> String {
    match eval_small_stack(code) {
        Ok(r) => r,
        Err(e) => panic!("{}", e.full_description),
    }
}

fn nested_parens(n: usize) -> String {
    format!("{}1 + 1{}", "(".repeat(n), ")".repeat(n))
}

fn sum_of(n: usize) -> String {
    (1..=n)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" + ")
}

fn elseif_chain(n: usize, x: usize) -> String {
    let mut s = format!("x = {x}\nif x == 1\n  \"b1\"\n");
    for i in 2..=n {
        s += &format!("elseif x == {i}\n  \"b{i}\"\n");
    }
    s + "else\n  \"none\"\nend"
}

fn nested_vectors(n: usize) -> String {
    format!("{}1{}", "[".repeat(n), "]".repeat(n))
}

#[test]
fn the_cases_from_the_issue_evaluate() {
    assert_eq!(ok(nested_parens(23)), "2");
    assert_eq!(ok(elseif_chain(45, 45)), "b45");
    assert_eq!(ok(elseif_chain(45, 17)), "b17");
    assert_eq!(ok(vec!["true"; 47].join(" && ")), "true");
    assert_eq!(ok(nested_vectors(25)), nested_vectors(25));
    assert_eq!(ok(sum_of(198)), (198 * 199 / 2).to_string());
}

#[test]
fn a_thousand_levels_evaluate() {
    assert_eq!(ok(nested_parens(1000)), "2");
    assert_eq!(ok(elseif_chain(1000, 999)), "b999");
    let calls = format!("{}0{}", "identity(".repeat(1000), ")".repeat(1000));
    assert_eq!(ok(calls), "0");
    let unary = format!("{}1", "-".repeat(1001));
    assert_eq!(ok(unary), "-1");
    let blocks = format!("{}7{}", "begin\n".repeat(1000), "\nend".repeat(1000));
    assert_eq!(ok(blocks), "7");
    let v = ok(format!("v = {}; length(v)", nested_vectors(1000)));
    assert_eq!(v, "1");
    let pipes = format!("4{}", " |> identity".repeat(1000));
    assert_eq!(ok(pipes), "4");
}

#[test]
fn hundred_thousand_term_expressions_evaluate() {
    let n: usize = 100_000;
    assert_eq!(ok(sum_of(n)), (n * (n + 1) / 2).to_string());
    // mixed operators of one level keep left associativity: 1 - 2 + 3 - 4 …
    let alternating: String = (1..=n)
        .map(|i| {
            format!(
                "{}{i}",
                if i == 1 {
                    ""
                } else if i % 2 == 0 {
                    " - "
                } else {
                    " + "
                }
            )
        })
        .collect();
    assert_eq!(ok(alternating), (-(n as i64) / 2).to_string());
    assert_eq!(ok(vec!["true"; n].join(" && ")), "true");
    assert_eq!(ok(vec!["false"; n].join(" || ")), "false");
    let products = format!("x = 3; {}", vec!["x"; 30].join(" * "));
    assert_eq!(ok(products), 3i64.pow(30).to_string());
}

#[test]
fn chains_keep_julia_semantics() {
    assert_eq!(ok("10 - 2 - 3 + 4".into()), "9");
    assert_eq!(ok("2 * 3 / 4 * 2".into()), "3.0");
    assert_eq!(ok("[1, 2] .+ [10, 20] .- 1 .+ 1".into()), "[11, 22]");
    assert_eq!(ok("a = [1, 2]; a[end - 1 + 1 - 1]".into()), "1");
    assert_eq!(ok("false && error(\"x\") && error(\"y\")".into()), "false");
    assert_eq!(ok("1 > 2 || 2 > 3 || 7".into()), "7");
    assert_eq!(ok("x = 1; @. x + 1 + 2".into()), "4");
    let e = eval_small_stack("x = 1; @assert x + 1 + 2 == 5".into()).unwrap_err();
    assert!(
        e.full_description
            .starts_with("AssertionError: x + 1 + 2 == 5"),
        "{}",
        e.full_description
    );
}

#[test]
fn deeper_input_is_a_syntax_error() {
    for code in [
        nested_parens(2001),
        nested_vectors(5000),
        elseif_chain(2100, 1),
        format!("{}1", "-".repeat(100_000)),
        format!("{}0{}", "f(".repeat(3000), ")".repeat(3000)),
        format!("x{}", ".y".repeat(3000)),
        format!("1::A{}", ".B{C}".repeat(3000)),
        format!("4{}", " |> identity".repeat(3000)),
    ] {
        let e = eval_small_stack(code).unwrap_err();
        assert_eq!(e.type_name, "ErrorException");
        assert_eq!(
            e.short_description,
            "ErrorException(\"syntax: expression too deeply nested (julia-lite limit: 2000 levels)\")"
        );
    }
}

#[test]
fn deeply_nested_values_are_dropped_without_recursion() {
    // a 100 000-deep vector and tuple built at run time, dropped on a 2 MiB stack
    let code =
        "a = []; for i in 1:100000; a = [a]; end; t = (); for i in 1:100000; t = (t,); end; 1";
    assert_eq!(ok(code.into()), "1");
}

#[test]
fn every_kind_of_deep_nesting_answers_without_crashing() {
    let n = 1500;
    let cases = [
        format!("x = 1; x::{}Int{}", "Vector{".repeat(n), "}".repeat(n)),
        format!("{}Int{}[]", "Vector{".repeat(n), "}".repeat(n)),
        format!("{}1{}", "\"$(".repeat(n), ")\"".repeat(n)),
        format!("{}1{}", "function f()\n".repeat(n), "\nend".repeat(n)),
        format!("f = {}1; 2", "x -> ".repeat(n)),
        format!("{}0", "true ? 1 : ".repeat(n)),
        format!("{}1", "a = ".repeat(n)),
        format!("{}1{}", "[x for x in ".repeat(n), "]".repeat(n)),
        format!("{}1{}", "try\n".repeat(n), "\ncatch\nend".repeat(n)),
        format!("{}1{}", "let\n".repeat(n), "\nend".repeat(n)),
        format!("{}1{}", "for i in 1:1\n".repeat(n), "\nend".repeat(n)),
        format!("{}1{}", "Dict(1 => ".repeat(n), ")".repeat(n)),
        format!("{}1{}", "(".repeat(n), ",)".repeat(n)),
        format!("{}x{} = 1", "(".repeat(n), ", y)".repeat(n)),
        format!("{}1", "1 => ".repeat(n)),
        format!("2{}", "^2".repeat(n)),
        format!("x = [1]; x{}", "'".repeat(n)),
        format!("@show {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("@assert {}1 == 2{}", "(".repeat(n), ")".repeat(n)),
    ];
    for code in cases {
        // an answer (value or Julia error) is all that is asked: no panic, no overflow
        let _ = eval_small_stack(code);
    }
}
