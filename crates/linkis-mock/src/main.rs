//! `linkis-mock`: serve the Linkis mock until Ctrl-C. The first stdout line is
//! `listening on http://HOST:PORT`; logs go to stderr.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use linkis_mock::{Config, MockServer, Profile};
use mock_kit::cli::refuse;

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
    /// proxy.properties to use instead of the config's (re-read when it changes). Default:
    /// the config's `proxy_file`, else the built-in one.
    #[arg(long, value_name = "FILE")]
    proxy_file: Option<PathBuf>,
    /// Jobs finish as soon as their work is done (no queue/start/run delays unless a
    /// `@mock` directive asks for them). For CI.
    #[arg(long)]
    fast: bool,
    /// Start with the clock frozen (move it with POST /__admin/clock).
    #[arg(long)]
    frozen_clock: bool,
    /// Deterministic runs: every session ticket, generated admin token and fault dice roll
    /// follows from N (0 to 2^64-1) and the order of requests; overrides the config's
    /// `seed`. Without it, OS randomness. For tests only: the tickets are predictable.
    // A string, read by mock_kit::cli::parse_seed: its refusal is one line (clap's run
    // to several), and `--seed -1` reaches it instead of looking like another flag.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    seed: Option<String>,
    /// A seed document (JSON: users, tokens, proxy entries, SQL, finished jobs) applied
    /// before the mock listens and again after every reset; overrides the config's
    /// `seed_file`. A bad one stops the mock with a one-line message.
    #[arg(long, value_name = "FILE")]
    seed_file: Option<PathBuf>,
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

const PROGRAM: &str = "linkis-mock";

#[tokio::main]
async fn main() {
    mock_kit::logging::init_tracing("info");
    let args = Args::parse();
    let cfg = config(&args);
    // Refusals before anything is served: one line, exit status 2.
    if let Err(e) = cfg.validate().and_then(|()| cfg.check_files()) {
        refuse(PROGRAM, e);
    }
    if let Err(message) = mock_kit::cli::check_addr(cfg.addr, "--addr") {
        refuse(PROGRAM, message);
    }
    if let Err(e) = run(args, cfg).await {
        eprintln!("{PROGRAM}: {e}");
        std::process::exit(1);
    }
}

/// The config file (or the embedded demo config) with the flags applied.
fn config(args: &Args) -> Config {
    let mut cfg = match &args.config {
        Some(path) => Config::load(path).unwrap_or_else(|e| {
            refuse(
                PROGRAM,
                format_args!("{e}; fix it, or leave out --config to use the built-in demo config"),
            )
        }),
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
    if let Some(p) = &args.proxy_file {
        cfg.proxy_file = Some(p.clone());
    }
    if args.fast {
        cfg.timing.fast = true;
    }
    if let Some(seed) = &args.seed {
        cfg.seed = Some(mock_kit::cli::parse_seed(seed).unwrap_or_else(|e| refuse(PROGRAM, e)));
    }
    if let Some(file) = &args.seed_file {
        cfg.seed_file = Some(file.clone());
    }
    if args.frozen_clock {
        cfg.clock = mock_kit::Clock::frozen_now();
    }
    if let Some(token) = &args.admin_token {
        cfg.admin.token = Some(token.clone());
    }
    cfg
}

async fn run(args: Args, cfg: Config) -> Result<(), Box<dyn std::error::Error>> {
    let demo_creds = cfg.has_demo_credentials();
    let seeded = cfg.seed.is_some();
    let profile = cfg.profile;
    let requested = cfg.addr;
    let mut server = match MockServer::start(cfg).await {
        Ok(s) => s,
        // Taken between the check and the bind.
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            refuse(PROGRAM, mock_kit::cli::bind_error(requested, "--addr", &e))
        }
        Err(e) => refuse(PROGRAM, e),
    };
    let addr = server.addr();
    if !mock_kit::serve::is_loopback(&addr) && demo_creds {
        tracing::warn!(
            "!!! linkis-mock is bound to {addr}, reachable from other machines, and still uses the DEMO CREDENTIALS (user=password, token LINKIS-AUTH). Anyone on the network can log in. Use --config with your own users and tokens. !!!"
        );
    }
    if !mock_kit::serve::is_loopback(&addr) && seeded {
        tracing::warn!(
            "!!! linkis-mock is bound to {addr} with a --seed: its session tickets (and a generated admin token) can be computed by anyone who knows the seed. Seeds are for tests on loopback. !!!"
        );
    }
    println!("listening on {}", server.url());
    if let Some(token) = server.control().access().generated_token() {
        println!("admin token: {token}");
    }
    if let Some(f) = &args.port_file
        && let Err(e) = mock_kit::cli::write_port_file(f, addr.port())
    {
        refuse(
            PROGRAM,
            format_args!(
                "cannot write the port file {}: {e}; give --port-file a path in a writable folder",
                f.display()
            ),
        );
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
