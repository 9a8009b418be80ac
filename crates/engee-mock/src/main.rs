//! `engee-mock`: the Engee mock as a command-line server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Parser;
use engee_mock::{Config, MockServer};
use mock_kit::cli::refuse;

/// A high-fidelity mock of Engee's external HTTP API (OAuth, server lifecycle, eval,
/// files, async jobs). Prints `listening on http://HOST:PORT` as its first line.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port. Defaults to the config's `addr`
    /// (127.0.0.1:8088 in fixtures/engee.toml).
    #[arg(long, env = "ENGEE_MOCK_ADDR")]
    addr: Option<SocketAddr>,
    /// TOML config (users, OAuth clients, PATs, delays, limits; a relative `data_dir` in
    /// it counts from the file's folder). Default: the built-in demo config (the
    /// repository's fixtures/engee.toml, embedded in the binary).
    #[arg(long, env = "ENGEE_MOCK_CONFIG")]
    config: Option<PathBuf>,
    /// Also write the bound port to this file (for scripts that start the mock on port 0).
    #[arg(long)]
    port_file: Option<PathBuf>,
    /// Keep `/user` files in this directory across restarts (default: a temp dir).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Approve OAuth consent as this user without showing the page (headless CI).
    #[arg(long)]
    auto_approve: Option<String>,
    /// Start the time frozen (moved only through POST /__admin/clock).
    #[arg(long)]
    frozen_clock: bool,
    /// Deterministic runs: every generated token, code, boundary and fault dice roll
    /// follows from N (0 to 2^64-1) and the order of requests; overrides the config's
    /// `seed`. Without it, OS randomness. For tests only: the tokens are predictable.
    // A string, read by mock_kit::cli::parse_seed: its refusal is one line (clap's run
    // to several), and `--seed -1` reaches it instead of looking like another flag.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    seed: Option<String>,
    /// A seed document (JSON: users, OAuth clients, PATs, files, running servers, finished
    /// jobs) applied before the mock listens and again after every reset; overrides the
    /// config's `seed_file`. A bad one stops the mock with a one-line message.
    #[arg(long, value_name = "FILE")]
    seed_file: Option<PathBuf>,
    /// Require this token on the admin API (`Authorization: Bearer <token>` or
    /// `X-Admin-Token`), on any address. Without one, a non-loopback address gets a random
    /// token, printed on the second stdout line (`admin token: …`).
    #[arg(long, env = "MOCK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

const PROGRAM: &str = "engee-mock";

#[tokio::main]
async fn main() {
    mock_kit::logging::init_tracing("info,engee_mock=info");
    let args = Args::parse();
    let config = config(&args);
    // Checked before the data directory is touched, so a refusal leaves nothing behind.
    if let Err(message) = mock_kit::cli::check_addr(config.addr, "--addr") {
        refuse(PROGRAM, message);
    }
    let demo_credentials = config.users.iter().any(|u| u.password == u.nickname)
        || config.pats.iter().any(|p| p.token.starts_with("demo"));
    let requested = config.addr;
    let seeded = config.seed.is_some();
    let data_dir = config.files.data_dir.clone();
    let server = match MockServer::start(config).await {
        Ok(s) => s,
        Err(e) => refuse(PROGRAM, start_error(requested, data_dir.as_deref(), &e)),
    };
    // A data directory the mock may read but not write (a read-only mount, another
    // owner's folder) is refused now rather than failing every upload later.
    if let Err(e) = server.state().files.staged_file() {
        refuse(PROGRAM, data_dir_error(data_dir.as_deref(), &e));
    }
    println!("listening on {}", server.url());
    if let Some(token) = server.control().access().generated_token() {
        println!("admin token: {token}");
    }
    if let Some(path) = &args.port_file
        && let Err(e) = mock_kit::cli::write_port_file(path, server.addr().port())
    {
        refuse(
            PROGRAM,
            format_args!(
                "cannot write the port file {}: {e}; give --port-file a path in a writable folder",
                path.display()
            ),
        );
    }
    if !server.addr().ip().is_loopback() && demo_credentials {
        tracing::warn!(
            addr = %server.addr(),
            "!!! engee-mock is reachable from other machines and uses DEMO CREDENTIALS \
             (demo/demo, demo-pat): anyone on the network can use them !!!"
        );
    }
    if !server.addr().ip().is_loopback() && seeded {
        tracing::warn!(
            addr = %server.addr(),
            "!!! engee-mock is reachable from other machines with a --seed: its tokens, codes \
             (and a generated admin token) can be computed by anyone who knows the seed. \
             Seeds are for tests on loopback. !!!"
        );
    }
    tracing::info!(url = %server.url(), "engee-mock ready");
    server.run_until_signal().await;
}

/// The config file (or the embedded demo config) with the flags applied; a bad file or
/// flag ends the process with a one-line refusal.
fn config(args: &Args) -> Config {
    let mut config = match &args.config {
        Some(path) => Config::load(path).unwrap_or_else(|e| {
            refuse(
                PROGRAM,
                format_args!("{e}; fix it, or leave out --config to use the built-in demo config"),
            )
        }),
        None => Config::parse(engee_mock::config::DEMO_CONFIG).expect("embedded demo config"),
    };
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    if let Some(dir) = &args.data_dir {
        config.files.data_dir = Some(dir.clone());
    }
    if let Some(user) = &args.auto_approve {
        if config.user(user).is_none() {
            refuse(
                PROGRAM,
                format_args!(
                    "--auto-approve names unknown user {user:?}; name a user of the config (demo or other in the built-in one)"
                ),
            );
        }
        config.oauth.auto_approve = Some(user.clone());
    }
    if let Some(seed) = &args.seed {
        config.seed = Some(mock_kit::cli::parse_seed(seed).unwrap_or_else(|e| refuse(PROGRAM, e)));
    }
    if let Some(file) = &args.seed_file {
        config.seed_file = Some(file.clone());
    }
    if args.frozen_clock {
        config.clock = mock_kit::Clock::frozen_now();
    }
    if let Some(token) = &args.admin_token {
        config.admin.token = Some(token.clone());
    }
    config
}

/// Why `MockServer::start` failed, in one line that names the fix. After `check_addr`,
/// a failure is the data directory's unless the port was taken in between.
fn start_error(addr: SocketAddr, data_dir: Option<&Path>, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse | std::io::ErrorKind::AddrNotAvailable => {
            mock_kit::cli::bind_error(addr, "--addr", e)
        }
        // The store's own refusal (not the mock's directory, unknown layout) says why.
        std::io::ErrorKind::InvalidInput => e.to_string(),
        _ => data_dir_error(data_dir, e),
    }
}

fn data_dir_error(data_dir: Option<&Path>, e: &std::io::Error) -> String {
    match data_dir {
        Some(dir) => format!(
            "cannot use the data directory {}: {e}; give --data-dir (or [files] data_dir) a \
             folder this user can create and write",
            dir.display()
        ),
        None => format!(
            "cannot create a temporary data directory: {e}; set TMPDIR to a writable folder \
             or give --data-dir"
        ),
    }
}
