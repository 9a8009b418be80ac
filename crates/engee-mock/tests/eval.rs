//! `external/command/eval` over HTTP: the SPEC examples, the persistent workspace, and
//! every kind of bad input.

mod common;

use std::time::Duration;

use common::*;
use engee_mock::Config;
use serde_json::json;

/// The documented full description of `unexisting_variable` (Engee's server frames below
/// the user's).
const SEED_UNDEF: &str = "UndefVarError: `unexisting_variable` not defined\n\nStacktrace:\n  [1] top-level scope\n    @ none:1\n  [2] eval(m::Module, e::Any)\n    @ Core ./boot.jl:370\n  [3] top-level scope\n    @ none:4\n  [4] eval\n    @ ./boot.jl:370 [inlined]\n  [5] eval_mask_code(code::String)\n    @ Main.Masks /app/IJulia/preload_cells/masks.jl:206\n  [6] eval_mask_codes(mask_codes::Vector{Main.Masks.MaskCode})\n    @ Main.Masks /app/IJulia/preload_cells/masks.jl:197\n  [7] |>\n    @ ./operators.jl:907 [inlined]\n  [8] evaluate_mask_codes(mask_codes::Vector{Dict{String, String}})\n    @ Main.Masks /app/IJulia/preload_cells/masks.jl:272\n  [9] |>\n    @ ./operators.jl:907 [inlined]\n [10] (::Workspaces.Servers.var\"#eval_mask_codes#157\"{typeof(Main.Masks.evaluate_mask_codes), Workspaces.Servers.var\"#convert_mask_result#156\"})(blocks::Vector{Dict{String, String}})\n    @ Workspaces.Servers /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers.jl:539\n [11] request_pipeline(req::HTTP.Messages.Request, log_func::var\"#13#14\"{String}, req_params_func::Function, log_response_func::Workspaces.Servers.var\"#mask_log_and_response#159\"{Workspaces.Servers.var\"#result_to_response#158\"}, pipeline_stages::Workspaces.Servers.PipelineStages)\n    @ Workspaces.Servers /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers_common.jl:282\n [12] required_body_request_pipeline\n    @ /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers_common.jl:289 [inlined]\n [13] eval_mask_code_handler\n    @ /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/handlers.jl:556 [inlined]\n [14] (::Workspaces.Servers.var\"#eval_mask_code#186\"{var\"#13#14\"{String}, typeof(Main.Masks.evaluate_mask_codes)})(req::HTTP.Messages.Request)\n    @ Workspaces.Servers /usr/local/julia-1.9.3/packages/Workspaces/2XYbD/src/servers/Servers.jl:68\n [15] (::HTTP.Handlers.Router{typeof(HTTP.Handlers.default404), typeof(HTTP.Handlers.default405), Nothing})(req::HTTP.Messages.Request)\n    @ HTTP.Handlers /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Handlers.jl:439\n [16] (::HTTP.Handlers.var\"#1#2\"{HTTP.Handlers.Router{typeof(HTTP.Handlers.default404), typeof(HTTP.Handlers.default405), Nothing}})(stream::HTTP.Streams.Stream{HTTP.Messages.Request, HTTP.Connections.Connection{Sockets.TCPSocket}})\n    @ HTTP.Handlers /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Handlers.jl:58\n [17] #invokelatest#2\n    @ ./essentials.jl:819 [inlined]\n [18] invokelatest\n    @ ./essentials.jl:816 [inlined]\n [19] handle_connection(f::Function, c::HTTP.Connections.Connection{Sockets.TCPSocket}, listener::HTTP.Servers.Listener{Nothing, Sockets.TCPServer}, readtimeout::Int64, access_log::Nothing)\n    @ HTTP.Servers /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Servers.jl:469\n [20] macro expansion\n    @ /usr/local/julia-1.9.3/packages/HTTP/sJD5V/src/Servers.jl:401 [inlined]\n [21] (::HTTP.Servers.var\"#16#17\"{HTTP.Handlers.var\"#1#2\"{HTTP.Handlers.Router{typeof(HTTP.Handlers.default404), typeof(HTTP.Handlers.default405), Nothing}}, HTTP.Servers.Listener{Nothing, Sockets.TCPServer}, Set{HTTP.Connections.Connection}, Int64, Nothing, ReentrantLock, Base.Semaphore, HTTP.Connections.Connection{Sockets.TCPSocket}})()\n    @ HTTP.Servers ./task.jl:514";

#[tokio::test]
async fn the_spec_examples_answer_as_documented() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;

    let (status, body) = app.eval("3 + 5").await;
    assert_eq!((status, body), (200, json!({"result": "8"})));

    let (status, body) = app.eval("unexisting_variable").await;
    assert_eq!(status, 400);
    assert_eq!(body["result_code"], "command_error");
    assert_eq!(body["error"]["type"], "UndefVarError");
    assert_eq!(
        body["error"]["short_description"],
        "UndefVarError(:unexisting_variable)"
    );
    let full = body["error"]["full_description"].as_str().unwrap();
    assert_eq!(full, SEED_UNDEF, "the documented example, byte for byte");

    let (status, body) = app.eval("using JSON\nJSON.json(\"a\"=>1)").await;
    assert_eq!((status, body), (200, json!({"result": "{\"a\":1}"})));
}

#[tokio::test]
async fn the_workspace_persists_between_calls_and_ends_with_the_server() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    assert_eq!(app.eval("x = 40").await, (200, json!({"result": "40"})));
    assert_eq!(app.eval("x + 2").await, (200, json!({"result": "42"})));

    app.stop_engee(DEMO_PAT).await;
    app.start_engee(DEMO_PAT).await;
    let (status, body) = app.eval("x").await;
    assert_eq!(
        status, 400,
        "a restarted server has a fresh workspace: {body}"
    );
    assert_eq!(body["error"]["type"], "UndefVarError");
}

#[tokio::test]
async fn workspaces_are_per_user() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    app.start_engee(OTHER_PAT).await;
    assert_eq!(app.eval("secret = 1").await.0, 200);
    let r = app
        .http
        .post(app.url("/prod/user/personal-other/external/command/eval"))
        .bearer_auth(OTHER_PAT)
        .json(&json!({"command": "secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn printed_output_is_reported_beside_the_result() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let (status, body) = app.eval("println(\"hi\"); 1 + 1").await;
    assert_eq!(status, 200);
    assert_eq!(body["result"], "2");
    assert_eq!(body["output"], "hi\n");
}

#[tokio::test]
async fn bad_bodies_get_clear_errors() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let url = app.url(&format!("{DEMO_PREFIX}/external/command/eval"));

    let r = app
        .http
        .post(&url)
        .bearer_auth(DEMO_PAT)
        .header("content-type", "application/json")
        .body("{\"command\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("not valid JSON"));

    let (status, body) = app
        .post_user_api(DEMO_PAT, "/external/command/eval", json!({"code": "1"}))
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("command"),
        "{body}"
    );

    let (status, _) = app
        .post_user_api(DEMO_PAT, "/external/command/eval", json!({"command": 5}))
        .await;
    assert_eq!(status, 400);

    let r = app
        .http
        .post(&url)
        .bearer_auth(DEMO_PAT)
        .body("{\"command\":\"1\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415, "no JSON content type");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_media_type");
}

#[tokio::test]
async fn parse_errors_are_julia_errors() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let (status, body) = app.eval("1 +").await;
    assert_eq!(status, 400);
    assert_eq!(body["result_code"], "command_error");
    assert!(
        body["error"]["full_description"]
            .as_str()
            .unwrap()
            .contains("premature end of input"),
        "{body}"
    );
}

#[tokio::test]
async fn code_that_never_ends_is_stopped_by_the_budget() {
    let mut config = Config::for_tests();
    config.julia.max_steps = 200_000;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    let (status, body) = app.eval("while true end").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "InterruptException", "{body}");
    // The server still answers afterwards.
    assert_eq!(app.eval("1").await, (200, json!({"result": "1"})));
}

#[tokio::test]
async fn deep_recursion_is_a_stack_overflow_error() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let (status, body) = app.eval("f(x) = f(x) + 1; f(1)").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "StackOverflowError", "{body}");
}

#[tokio::test]
async fn sleep_in_eval_follows_the_mock_clock() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let request = {
        let http = app.http.clone();
        let url = app.url(&format!("{DEMO_PREFIX}/external/command/eval"));
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(DEMO_PAT)
                .json(&json!({"command": "sleep(30); 7"}))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!request.is_finished(), "the eval waits for the mock clock");
    app.server.advance(Duration::from_secs(30));
    let body = tokio::time::timeout(Duration::from_secs(5), request)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body, json!({"result": "7"}));
}

#[tokio::test]
async fn an_oversized_eval_body_is_413_in_engee_format() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let huge = "1 + ".repeat(1_000_000) + "1";
    let (status, body) = app.eval(&huge).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn the_memory_budget_bounds_the_workspace_across_evals() {
    const MIB: usize = 1024 * 1024;
    let mut config = Config::for_tests();
    config.julia.max_memory_bytes = 16 * MIB;
    let app = TestApp::with_config(config).await;
    app.start_engee(DEMO_PAT).await;
    for k in 1..=5 {
        let code =
            format!("g{k} = String[]; for i in 1:100000; push!(g{k}, repeat(\"z\", 100000)); end");
        let (status, body) = app.eval(&code).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["type"], "OutOfMemoryError", "g{k}: {body}");
    }
    // 12 MiB fit only if what the failed evals built was released
    let (status, body) = app
        .eval("big = repeat(\"y\", 12 * 1024 * 1024); length(big)")
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"result": (12 * MIB).to_string()}))
    );
    let (status, body) = app.eval("g1").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "UndefVarError", "{body}");
}

#[tokio::test]
async fn deeply_nested_and_very_long_code_evaluates() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;

    let parens = format!("{}20 + 22{}", "(".repeat(1000), ")".repeat(1000));
    assert_eq!(app.eval(&parens).await, (200, json!({"result": "42"})));

    let n: u64 = 100_000;
    let sum = (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join("+");
    assert_eq!(
        app.eval(&sum).await,
        (200, json!({"result": (n * (n + 1) / 2).to_string()}))
    );

    let mut chain = "x = 45\nif x == 1\n  \"b1\"\n".to_string();
    for i in 2..=45 {
        chain += &format!("elseif x == {i}\n  \"b{i}\"\n");
    }
    chain += "end";
    assert_eq!(app.eval(&chain).await, (200, json!({"result": "b45"})));

    let ands = vec!["true"; 10_000].join(" && ");
    assert_eq!(app.eval(&ands).await, (200, json!({"result": "true"})));
}

#[tokio::test]
async fn code_nested_deeper_than_the_limit_is_a_julia_syntax_error() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let too_deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let (status, body) = app.eval(&too_deep).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["result_code"], "command_error");
    assert_eq!(body["error"]["type"], "ErrorException");
    assert_eq!(
        body["error"]["short_description"],
        "ErrorException(\"syntax: expression too deeply nested (julia-lite limit: 2000 levels)\")"
    );
    // the server is unharmed
    assert_eq!(app.eval("1 + 1").await, (200, json!({"result": "2"})));
}

#[tokio::test]
async fn linear_algebra_answers_as_julia_over_http() {
    let app = TestApp::start().await;
    app.start_engee(DEMO_PAT).await;
    let ok = |s: &str| (200, json!({ "result": s }));
    assert_eq!(
        app.eval("A = [1 2; 3 4]; inv(A)").await,
        ok("[-1.9999999999999996 0.9999999999999998; 1.4999999999999998 -0.4999999999999999]")
    );
    assert_eq!(app.eval("A * [1, 1]").await, ok("[3, 7]"));
    assert_eq!(app.eval("A \\ [1, 2]").await, ok("[0.0, 0.5]"));
    assert_eq!(
        app.eval("using LinearAlgebra; (det([1 0; 2 2]), tr(A), A - 2I)")
            .await,
        ok("(2.0, 5, [-1 2; 3 2])")
    );
    // the workspace keeps `using LinearAlgebra` between calls
    assert_eq!(app.eval("norm([3, 4])").await, ok("5.0"));

    let (status, body) = app.eval("[1 2; 2 4] \\ [1, 2]").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "SingularException");
    assert_eq!(body["error"]["short_description"], "SingularException(2)");
}
