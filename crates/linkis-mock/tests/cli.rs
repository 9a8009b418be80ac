//! The binary: first stdout line, --help, the non-loopback warning.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use test_support::{Installed, assert_refused, names_repository_fixtures, repository, spawn_copy};

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
        "--seed",
        "--seed-file",
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

/// Issue 12.1: the config, users, proxy.properties and SQL catalog are embedded (the mock
/// loads the catalog at start); a copied binary reads nothing from the repository it was
/// built in.
#[test]
fn an_installed_binary_runs_from_an_empty_folder_on_its_built_in_config() {
    let installed = Installed::new(BIN);
    let mut child = spawn_copy(
        installed
            .command(&["--addr", "127.0.0.1:0", "--fast"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("banner: {line:?}"))
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (login, proxied) = rt.block_on(async {
        let http = reqwest::Client::new();
        let base = format!("{url}/api/rest_j/v1");
        let login: serde_json::Value = http
            .post(format!("{base}/user/login"))
            .json(&serde_json::json!({"userName": "hadoop", "password": "hadoop"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // A gateway proxy user, allowed by the embedded proxy.properties.
        let proxied: serde_json::Value = http
            .get(format!("{base}/user/userInfo"))
            .header("Proxy-User", "alice")
            .header("Validation-Code", "LINKIS-PROXY-AB")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (login, proxied)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(login["status"], 0, "{login}");
    assert_eq!(proxied["status"], 0, "{proxied}");
    assert_eq!(proxied["data"]["userName"], "alice", "{proxied}");
    assert!(!stderr.contains(&repository()), "{stderr}");
    assert_eq!(std::fs::read_dir(installed.work()).unwrap().count(), 0);
    let bytes = std::fs::read(BIN).unwrap();
    assert!(!names_repository_fixtures(&bytes, &repository()));
}

/// Issue 12.1: a named file that is missing is an error, never a silent fallback to the
/// embedded one; relative names in a config file count from its folder.
#[test]
fn a_configured_file_that_is_missing_is_refused() {
    let installed = Installed::new(BIN);
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--proxy-file", "gone.properties"]),
        &["cannot read proxy_file gone.properties", "No such file"],
    );
    let etc = installed.root().join("etc");
    std::fs::create_dir(&etc).unwrap();
    let config = etc.join("linkis.toml");
    std::fs::write(&config, "proxy_file = \"proxy.properties\"\n").unwrap();
    let config = config.to_str().unwrap();
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--config", config]),
        &[
            &format!("{}/proxy.properties", etc.display()),
            "leave `proxy_file` out",
        ],
    );
    std::fs::write(etc.join("proxy.properties"), "MINE=alice\n").unwrap();
    std::fs::write(
        etc.join("linkis.toml"),
        "proxy_file = \"proxy.properties\"\ncatalog_file = \"catalog.sql\"\n",
    )
    .unwrap();
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--config", config]),
        &["cannot read catalog_file", "catalog.sql"],
    );
    std::fs::write(etc.join("catalog.sql"), "create table t (x int);\n").unwrap();
    let line = installed
        .start(&["--addr", "127.0.0.1:0", "--config", config])
        .first_line
        .clone();
    assert!(line.starts_with("listening on "), "{line}");
}

#[test]
fn a_missing_or_unreadable_config_is_refused_in_one_line() {
    let installed = Installed::new(BIN);
    assert_refused(
        installed.refused(&["--config", "missing.toml"]),
        &["missing.toml", "No such file", "leave out --config"],
    );
    assert_refused(
        installed.refused(&["--config", "."]),
        &["cannot read config file", "leave out --config"],
    );
}

#[test]
fn a_port_in_use_is_refused_in_one_line() {
    let installed = Installed::new(BIN);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    assert_refused(
        installed.refused(&["--addr", &addr]),
        &[&addr, "already in use", "--addr"],
    );
}

/// The session ticket a login gets from a fresh binary started with `--seed seed`.
fn first_ticket(seed: &str) -> String {
    let (line, mut child) = first_line("127.0.0.1:0", &["--fast", "--seed", seed]);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cookie = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/rest_j/v1/user/login"))
            .json(&serde_json::json!({"userName": "alice", "password": "alice"}))
            .send()
            .await
            .unwrap();
        r.headers()["set-cookie"].to_str().unwrap().to_owned()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    // The value only: the attributes may carry dates.
    cookie.split(';').next().unwrap().to_owned()
}

/// Issue 11.3: `--seed N` makes the session tickets repeat from one run to the next.
#[test]
fn a_seed_repeats_session_tickets_across_runs() {
    let seven = first_ticket("7");
    assert!(
        seven.starts_with("linkis_user_session_ticket_id_v1="),
        "{seven}"
    );
    assert_eq!(seven, first_ticket("7"));
    assert_ne!(seven, first_ticket("8"));
}

#[test]
fn a_seed_that_is_not_a_whole_number_is_refused_in_one_line() {
    let installed = Installed::new(BIN);
    for bad in ["abc", "-1", "1.5"] {
        assert_refused(
            installed.refused(&["--addr", "127.0.0.1:0", "--seed", bad]),
            &["--seed takes a whole number", bad],
        );
    }
}

/// Issue 11.4: `--seed-file` applies a seed document before the mock listens; a bad one
/// is a one-line refusal.
#[test]
fn a_seed_file_is_applied_before_the_first_request() {
    let installed = Installed::new(BIN);
    let seed = installed.work().join("seed.json");
    std::fs::write(
        &seed,
        serde_json::json!({"users": [{"name": "dora", "password": "explorer"}]}).to_string(),
    )
    .unwrap();
    let mock = installed.start(&["--addr", "127.0.0.1:0", "--seed-file", "seed.json"]);
    let url = mock.url().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ready, login) = rt.block_on(async {
        let http = reqwest::Client::new();
        let ready = http
            .get(format!("{url}/__admin/ready"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let login: serde_json::Value = http
            .post(format!("{url}/api/rest_j/v1/user/login"))
            .json(&serde_json::json!({"userName": "dora", "password": "explorer"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (ready, login)
    });
    drop(mock);
    assert_eq!(ready, 200);
    assert_eq!(login["status"], 0, "{login}");

    std::fs::write(&seed, r#"{"sql": ["ATTACH DATABASE 'x.db' AS x"]}"#).unwrap();
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--seed-file", "seed.json"]),
        &["seed file seed.json", "sql[0]"],
    );
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--seed-file", "missing.json"]),
        &["seed file missing.json", "--seed-file"],
    );
}
