//! The binary: first stdout line, --help, the non-loopback warning.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_linkis-mock");

fn first_line(addr: &str, extra: &[&str]) -> (String, std::process::Child) {
    let mut child = Command::new(BIN)
        .args(["--addr", addr])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn linkis-mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (line, child)
}

#[test]
fn prints_listening_line_and_serves() {
    let (line, mut child) = first_line("127.0.0.1:0", &["--fast", "--profile", "ujes-0.x"]);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("{url}/api/rest_j/v1/jobhistory/list"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(body["status"], -1);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn warns_on_non_loopback_with_demo_credentials() {
    let (line, mut child) = first_line("0.0.0.0:0", &[]);
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    let mut stderr = child.stderr.take().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    stderr.read_to_string(&mut err).unwrap();
    assert!(err.contains("DEMO CREDENTIALS"), "{err}");
}

/// Issue 8.3: on a non-loopback address the admin API needs a token; without one
/// configured, a random one is printed after the `listening on` line.
#[test]
fn non_loopback_prints_a_generated_admin_token_and_requires_it() {
    let mut child = Command::new(BIN)
        .args(["--addr", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn linkis-mock");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    let port = line.trim().rsplit(':').next().unwrap().to_owned();
    let mut second = String::new();
    stdout.read_line(&mut second).unwrap();
    let token = second
        .trim()
        .strip_prefix("admin token: ")
        .unwrap_or_else(|| panic!("second line: {second:?}"))
        .to_owned();
    assert!(token.len() >= 32, "{token}");
    // Loopback traffic only: the mock listens on every interface, the test uses 127.0.0.1.
    let (without, with) = admin_reset(&format!("http://127.0.0.1:{port}"), &token);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(without, 401);
    assert_eq!(with, 204);
}

#[test]
fn a_token_from_the_environment_is_required_on_loopback() {
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0"])
        .env("MOCK_ADMIN_TOKEN", "from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn linkis-mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let (without, with) = admin_reset(&url, "from-env");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!((without, with), (401, 204));
}

/// `POST /__admin/reset` without and then with the admin token: the two statuses.
fn admin_reset(url: &str, token: &str) -> (u16, u16) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let reset = || {
            http.post(format!("{url}/__admin/reset"))
                .json(&serde_json::json!({}))
        };
        let without = reset().send().await.unwrap().status().as_u16();
        let with = reset()
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (without, with)
    })
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--addr",
        "--config",
        "--profile",
        "--proxy-file",
        "--fast",
        "--frozen-clock",
        "--port-file",
        "--admin-token",
        "MOCK_ADMIN_TOKEN",
        "linkis-1.x",
        "ujes-0.x",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn bad_config_fails_clearly() {
    let out = Command::new(BIN)
        .args(["--config", "/nonexistent/linkis.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file"));
}
