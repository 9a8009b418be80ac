//! The binary: the first stdout line, and the admin token on a non-loopback address.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use test_support::{Installed, assert_refused, names_repository_fixtures, repository, spawn_copy};

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

/// Issue 12.1: every default is embedded; nothing is read from the repository.
#[test]
fn an_installed_binary_runs_from_an_empty_folder_on_its_built_in_config() {
    let installed = Installed::new(BIN);
    let mut child = spawn_copy(
        installed
            .command(&["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let first = next_line(&mut stdout);
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("banner: {first:?}"))
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (session, location) = rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let session: serde_json::Value = http
            .get(format!("{url}/account/api/oauth2/session"))
            .bearer_auth("demo-pat")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // The demo user signs in on the consent page and approves the demo client.
        let approved = http
            .post(format!("{url}/account/authorize"))
            .form(&[
                ("response_type", "code"),
                ("client_id", "demo-app"),
                ("redirect_uri", "http://127.0.0.1:8765/callback"),
                ("nickname", "demo"),
                ("password", "demo"),
                ("action", "approve"),
            ])
            .send()
            .await
            .unwrap();
        let location = approved.headers()["location"].to_str().unwrap().to_owned();
        (session, location)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(session["nickname"], "demo", "{session}");
    assert!(
        location.starts_with("http://127.0.0.1:8765/callback?code="),
        "{location}"
    );
    assert!(!stderr.contains(&repository()), "{stderr}");
    assert_eq!(std::fs::read_dir(installed.work()).unwrap().count(), 0);
    let bytes = std::fs::read(BIN).unwrap();
    assert!(!names_repository_fixtures(&bytes, &repository()));
}

/// Issue 12.1: a relative `data_dir` in a config file counts from the file's folder, not
/// from wherever the binary was started.
#[test]
fn a_relative_data_dir_counts_from_the_config_file() {
    let installed = Installed::new(BIN);
    let config_dir = installed.root().join("etc");
    std::fs::create_dir(&config_dir).unwrap();
    let config = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/engee.toml"),
    )
    .unwrap()
    .replace("[files]\n", "[files]\ndata_dir = \"data\"\n");
    std::fs::write(config_dir.join("engee.toml"), config).unwrap();
    let config_path = config_dir.join("engee.toml");
    let first = installed
        .start(&[
            "--addr",
            "127.0.0.1:0",
            "--config",
            config_path.to_str().unwrap(),
        ])
        .first_line
        .clone();
    assert!(first.starts_with("listening on "), "{first}");
    assert!(config_dir.join("data/.engee-mock").is_file());
    assert_eq!(std::fs::read_dir(installed.work()).unwrap().count(), 0);
}

#[test]
fn a_missing_or_unreadable_config_is_refused_in_one_line() {
    let installed = Installed::new(BIN);
    assert_refused(
        installed.refused(&["--config", "missing.toml"]),
        &["missing.toml", "No such file", "leave out --config"],
    );
    // A folder where the file should be: present, but not readable as a file.
    assert_refused(
        installed.refused(&["--config", "."]),
        &["cannot read config file", "leave out --config"],
    );
    std::fs::write(installed.work().join("bad.toml"), "users = 1\n").unwrap();
    assert_refused(
        installed.refused(&["--config", "bad.toml"]),
        &["invalid config file bad.toml", "fix it"],
    );
}

#[test]
fn a_port_in_use_is_refused_before_the_data_directory_is_made() {
    let installed = Installed::new(BIN);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    assert_refused(
        installed.refused(&["--addr", &addr, "--data-dir", "data"]),
        &[&addr, "already in use", "--addr"],
    );
    assert!(!installed.work().join("data").exists(), "nothing half-made");
}

#[test]
fn a_data_directory_that_cannot_be_written_is_refused() {
    let installed = Installed::new(BIN);
    // Tests may run as root, who can write anywhere: a regular file where a folder of
    // the path must be cannot be written by anyone.
    std::fs::write(installed.work().join("file"), "x").unwrap();
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--data-dir", "file/data"]),
        &[
            "data directory file/data",
            "Not a directory",
            "directory this user can write",
        ],
    );
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--data-dir", "file"]),
        &["data directory file", "directory this user can write"],
    );
    assert_eq!(
        std::fs::read_to_string(installed.work().join("file")).unwrap(),
        "x"
    );
}

#[test]
fn an_unwritable_port_file_is_refused() {
    let installed = Installed::new(BIN);
    std::fs::write(installed.work().join("file"), "x").unwrap();
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--port-file", "file/port"]),
        &["cannot write the port file file/port", "--port-file"],
    );
}

/// The redirect an auto-approved authorization gets from a fresh binary started with
/// `args`: it carries a generated code.
fn first_code_redirect(args: &[&str]) -> String {
    let (mut child, mut stdout) = spawn(args, &[]);
    let first = next_line(&mut stdout);
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let location = rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = http
            .get(format!(
                "{url}/account/authorize?response_type=code&client_id=demo-app&state=s"
            ))
            .send()
            .await
            .unwrap();
        r.headers()["location"].to_str().unwrap().to_owned()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    location
}

/// Issue 11.3: `--seed N` makes the generated values repeat from one run to the next.
#[test]
fn a_seed_repeats_generated_values_across_runs() {
    let run = |seed: &str| {
        first_code_redirect(&[
            "--addr",
            "127.0.0.1:0",
            "--auto-approve",
            "demo",
            "--seed",
            seed,
        ])
    };
    let seven = run("7");
    assert!(seven.contains("code=ec_"), "{seven}");
    assert_eq!(seven, run("7"));
    assert_ne!(seven, run("8"));
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
        serde_json::json!({
            "users": [{"nickname": "alice", "password": "pw"}],
            "pats": [{"user": "alice", "token": "alice-pat"}]
        })
        .to_string(),
    )
    .unwrap();
    let mock = installed.start(&["--addr", "127.0.0.1:0", "--seed-file", "seed.json"]);
    let url = mock.url().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ready, session) = rt.block_on(async {
        let http = reqwest::Client::new();
        let ready = http
            .get(format!("{url}/__admin/ready"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let session: serde_json::Value = http
            .get(format!("{url}/account/api/oauth2/session"))
            .bearer_auth("alice-pat")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (ready, session)
    });
    drop(mock);
    assert_eq!(ready, 200);
    assert_eq!(session["nickname"], "alice", "{session}");

    std::fs::write(&seed, r#"{"pats": [{"user": "nobody", "token": "t"}]}"#).unwrap();
    assert_refused(
        installed.refused(&["--seed-file", "seed.json"]),
        &["seed file seed.json", "pats[0]", "no user \"nobody\""],
    );
    std::fs::write(&seed, "{not json").unwrap();
    assert_refused(
        installed.refused(&["--seed-file", "seed.json"]),
        &["seed file seed.json", "invalid seed document"],
    );
    assert_refused(
        installed.refused(&["--seed-file", "missing.json"]),
        &["seed file missing.json", "--seed-file"],
    );
}
