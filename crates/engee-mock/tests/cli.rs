//! The binary: the first stdout line, and the admin token on a non-loopback address.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_engee-mock");

/// Starts the binary; returns it and a reader on its stdout.
fn spawn(args: &[&str], envs: &[(&str, &str)]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn engee-mock");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdout)
}

fn next_line(stdout: &mut BufReader<std::process::ChildStdout>) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line.trim().to_owned()
}

/// `POST /__admin/engee/pats` without and then with the admin token: the two statuses.
fn add_pat(url: &str, token: &str) -> (u16, u16) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let add = |name: &str| {
            http.post(format!("{url}/__admin/engee/pats"))
                .json(&serde_json::json!({"token": name, "user": "demo"}))
        };
        let without = add("pat-1").send().await.unwrap().status().as_u16();
        let with = add("pat-2").bearer_auth(token).send().await.unwrap();
        (without, with.status().as_u16())
    })
}

/// Issue 8.3: on a non-loopback address anyone could add a PAT for `demo`.
#[test]
fn non_loopback_prints_a_generated_admin_token_and_requires_it() {
    let (mut child, mut stdout) = spawn(&["--addr", "0.0.0.0:0"], &[]);
    let first = next_line(&mut stdout);
    assert!(first.starts_with("listening on http://0.0.0.0:"), "{first}");
    let port = first.rsplit(':').next().unwrap().to_owned();
    let second = next_line(&mut stdout);
    let token = second
        .strip_prefix("admin token: ")
        .unwrap_or_else(|| panic!("second line: {second:?}"))
        .to_owned();
    // Loopback traffic only: the mock listens on every interface, the test uses 127.0.0.1.
    let statuses = add_pat(&format!("http://127.0.0.1:{port}"), &token);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(statuses, (401, 201));
}

#[test]
fn a_configured_admin_token_is_required_on_loopback_and_not_printed() {
    let (mut child, mut stdout) = spawn(
        &["--addr", "127.0.0.1:0", "--admin-token", "from-flag"],
        &[("MOCK_ADMIN_TOKEN", "from-env")],
    );
    let first = next_line(&mut stdout);
    let url = first.strip_prefix("listening on ").unwrap().to_owned();
    let statuses = add_pat(&url, "from-flag");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(statuses, (401, 201), "the flag wins over the environment");
    let rest: Vec<String> = stdout.lines().map_while(Result::ok).collect();
    assert!(!rest.iter().any(|l| l.contains("from-flag")), "{rest:?}");
}
