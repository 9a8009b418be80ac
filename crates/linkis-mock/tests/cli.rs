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

/// Spawns, retrying while the copied binary is "text file busy": a fork in another test
/// thread may briefly hold a write handle on the fresh copy.
fn spawn_copy(command: &mut Command) -> std::process::Child {
    for _ in 0..200 {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other.expect("spawn the copied binary"),
        }
    }
    panic!("the copied binary stayed busy for 2 s");
}

/// The binary copied out of the build tree into an empty folder, run from another empty
/// folder with `HOME` there too: what `cargo install` or a release download gives a user.
struct Installed {
    dir: std::path::PathBuf,
}

impl Installed {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("linkis-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("work")).unwrap();
        std::fs::copy(BIN, dir.join("bin/linkis-mock")).unwrap();
        Self { dir }
    }

    fn work(&self) -> std::path::PathBuf {
        self.dir.join("work")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.dir.join("bin/linkis-mock"));
        command
            .args(args)
            .current_dir(self.work())
            .env_clear()
            .env("HOME", self.work())
            .env("TMPDIR", &self.dir);
        command
    }

    /// Runs what should be a refusal: exit status and stderr. A process still running
    /// after 20 s (it did not refuse) is killed and reported as status `None`.
    fn refused(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut child = spawn_copy(
            self.command(args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        (status, stderr)
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The repository this test was built in (the workspace root).
fn repository() -> String {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .display()
        .to_string()
}

/// Whether `bytes` holds the repository's path followed (within a path's length) by
/// `fixtures`: a default read from where the binary was built.
fn names_repository_fixtures(bytes: &[u8], repository: &str) -> bool {
    let needle = repository.as_bytes();
    bytes.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle && {
            let tail = &bytes[i + needle.len()..(i + needle.len() + 64).min(bytes.len())];
            tail.windows(8).any(|t| t == b"fixtures")
        }
    })
}

/// Issue 12.1: the config, users, proxy.properties and SQL catalog are embedded (the mock
/// loads the catalog at start); a copied binary reads nothing from the repository it was
/// built in.
#[test]
fn an_installed_binary_runs_from_an_empty_folder_on_its_built_in_config() {
    let installed = Installed::new("installed");
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

/// Issue 12, bad input: a refusal is one line on stderr naming the fix, exit status 2.
fn assert_refused((status, stderr): (Option<i32>, String), says: &[&str]) {
    assert_eq!(status, Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("linkis-mock: "), "{stderr}");
    for part in says {
        assert!(stderr.contains(part), "{part:?} missing from {stderr:?}");
    }
}

/// Issue 12.1: a named file that is missing is an error, never a silent fallback to the
/// embedded one; relative names in a config file count from its folder.
#[test]
fn a_configured_file_that_is_missing_is_refused() {
    let installed = Installed::new("missing");
    assert_refused(
        installed.refused(&["--addr", "127.0.0.1:0", "--proxy-file", "gone.properties"]),
        &["cannot read proxy_file gone.properties", "No such file"],
    );
    let etc = installed.dir.join("etc");
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
    let mut child = spawn_copy(
        installed
            .command(&["--addr", "127.0.0.1:0", "--config", config])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on "), "{line}");
}

#[test]
fn a_missing_or_unreadable_config_is_refused_in_one_line() {
    let installed = Installed::new("config");
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
    let installed = Installed::new("port");
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
    let installed = Installed::new("seed");
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
    let installed = Installed::new("seed-file");
    let seed = installed.work().join("seed.json");
    std::fs::write(
        &seed,
        serde_json::json!({"users": [{"name": "dora", "password": "explorer"}]}).to_string(),
    )
    .unwrap();
    let mut child = spawn_copy(
        installed
            .command(&["--addr", "127.0.0.1:0", "--seed-file", "seed.json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
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
    child.kill().unwrap();
    child.wait().unwrap();
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
