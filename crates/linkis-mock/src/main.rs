//! `linkis-mock`: serve the Linkis mock until Ctrl-C. The first stdout line is
//! `listening on http://HOST:PORT`; logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use linkis_mock::{Config, MockServer, Profile};

/// A high-fidelity mock of the Apache Linkis 1.x gateway/entrance REST API.
#[derive(Parser, Debug)]
#[command(name = "linkis-mock", version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port. Default: the config file's `addr`,
    /// else 127.0.0.1:9001 (the Linkis gateway port).
    #[arg(long, env = "LINKIS_MOCK_ADDR")]
    addr: Option<SocketAddr>,
    /// TOML config file (same keys as fixtures/linkis.toml). Default: the embedded fixtures.
    #[arg(long, value_name = "FILE", env = "LINKIS_MOCK_CONFIG")]
    config: Option<PathBuf>,
    /// Texts and id formats: `linkis-1.x` (upstream) or `ujes-0.x` (the seed document).
    /// Default: the config's `profile`, else linkis-1.x.
    #[arg(long, value_enum)]
    profile: Option<Profile>,
    /// proxy.properties to use instead of the config's (re-read when it changes).
    #[arg(long, value_name = "FILE")]
    proxy_file: Option<PathBuf>,
    /// Jobs finish as soon as their work is done (no queue/start/run delays unless a
    /// `@mock` directive asks for them). For CI.
    #[arg(long)]
    fast: bool,
    /// Start with the clock frozen (move it with POST /__admin/clock).
    #[arg(long)]
    frozen_clock: bool,
    /// Also write the bound port to this file (for scripts using --addr 127.0.0.1:0).
    #[arg(long, value_name = "FILE")]
    port_file: Option<PathBuf>,
    /// Require this token on the admin API (`Authorization: Bearer <token>` or
    /// `X-Admin-Token`), on any address. Without one, a non-loopback address gets a random
    /// token, printed on the second stdout line (`admin token: …`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MOCK_ADMIN_TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,
}

#[tokio::main]
async fn main() {
    mock_kit::logging::init_tracing("info");
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("linkis-mock: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                // same convention as engee-mock: a bad config exits with 2
                eprintln!("linkis-mock: {e}");
                std::process::exit(2);
            }
        },
        None => {
            let mut c = Config::demo();
            c.addr = SocketAddr::from(([127, 0, 0, 1], 9001));
            c
        }
    };
    if let Some(addr) = args.addr {
        cfg.addr = addr;
    }
    if let Some(p) = args.profile {
        cfg.profile = p;
    }
    if let Some(p) = args.proxy_file {
        cfg.proxy_file = Some(p);
    }
    if args.fast {
        cfg.timing.fast = true;
    }
    if args.frozen_clock {
        cfg.clock = mock_kit::Clock::frozen_now();
    }
    if let Some(token) = args.admin_token {
        cfg.admin.token = Some(token);
    }
    let demo_creds = cfg.has_demo_credentials();
    let profile = cfg.profile;
    let mut server = MockServer::start(cfg).await?;
    let addr = server.addr();
    if !mock_kit::serve::is_loopback(&addr) && demo_creds {
        tracing::warn!(
            "!!! linkis-mock is bound to {addr}, reachable from other machines, and still uses the DEMO CREDENTIALS (user=password, token LINKIS-AUTH). Anyone on the network can log in. Use --config with your own users and tokens. !!!"
        );
    }
    println!("listening on {}", server.url());
    if let Some(token) = server.control().access().generated_token() {
        println!("admin token: {token}");
    }
    if let Some(f) = &args.port_file {
        std::fs::write(f, addr.port().to_string())?;
    }
    tracing::info!(url = %server.url(), profile = profile.name(), "linkis-mock ready; demo users hadoop/hadoop (admin), alice/alice, bob/bob; token LINKIS-AUTH");
    let stop = server.take_shutdown();
    tokio::spawn(async move {
        mock_kit::serve::shutdown_signal().await;
        tracing::info!("shutting down");
        if let Some(tx) = stop {
            let _ = tx.send(());
        }
    });
    server.wait().await?;
    Ok(())
}
