//! `engee-mock`: the Engee mock as a command-line server.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use engee_mock::{Config, MockServer};

/// A high-fidelity mock of Engee's external HTTP API (OAuth, server lifecycle, eval,
/// files, async jobs). Prints `listening on http://HOST:PORT` as its first line.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port. Defaults to the config's `addr`
    /// (127.0.0.1:8088 in fixtures/engee.toml).
    #[arg(long, env = "ENGEE_MOCK_ADDR")]
    addr: Option<SocketAddr>,
    /// TOML config (users, OAuth clients, PATs, delays, limits). Defaults to the demo
    /// config in fixtures/engee.toml.
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
    /// Require this token on the admin API (`Authorization: Bearer <token>` or
    /// `X-Admin-Token`), on any address. Without one, a non-loopback address gets a random
    /// token, printed on the second stdout line (`admin token: …`).
    #[arg(long, env = "MOCK_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

#[tokio::main]
async fn main() {
    mock_kit::logging::init_tracing("info,engee_mock=info");
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("engee-mock: {e}");
                std::process::exit(2);
            }
        },
        None => Config::parse(engee_mock::config::DEMO_CONFIG).expect("embedded demo config"),
    };
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    if let Some(dir) = args.data_dir {
        config.files.data_dir = Some(dir);
    }
    if let Some(user) = args.auto_approve {
        if config.user(&user).is_none() {
            eprintln!("engee-mock: --auto-approve names unknown user {user:?}");
            std::process::exit(2);
        }
        config.oauth.auto_approve = Some(user);
    }
    if args.frozen_clock {
        config.clock = mock_kit::Clock::frozen_now();
    }
    if let Some(token) = args.admin_token {
        config.admin.token = Some(token);
    }
    let demo_credentials = config.users.iter().any(|u| u.password == u.nickname)
        || config.pats.iter().any(|p| p.token.starts_with("demo"));
    let server = match MockServer::start(config).await {
        Ok(s) => s,
        // A data directory that is not the mock's: a usage error.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("engee-mock: {e}");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("engee-mock: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    println!("listening on {}", server.url());
    if let Some(token) = server.control().access().generated_token() {
        println!("admin token: {token}");
    }
    if let Some(path) = args.port_file
        && let Err(e) = std::fs::write(&path, server.addr().port().to_string())
    {
        eprintln!("engee-mock: cannot write {}: {e}", path.display());
    }
    if !server.addr().ip().is_loopback() && demo_credentials {
        tracing::warn!(
            addr = %server.addr(),
            "!!! engee-mock is reachable from other machines and uses DEMO CREDENTIALS \
             (demo/demo, demo-pat): anyone on the network can use them !!!"
        );
    }
    tracing::info!(url = %server.url(), "engee-mock ready");
    server.run_until_signal().await;
}
