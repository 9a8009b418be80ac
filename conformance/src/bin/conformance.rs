//! `conformance`: run the Engee / Linkis conformance checks against the mocks or a real
//! deployment and report as text, JSON lines and JUnit XML.
//!
//! ```text
//! conformance list
//! conformance engee  --base-url https://engee.com --token $ENGEE_TOKEN
//! conformance linkis --base-url http://gateway:9001 --user u --password p
//! conformance all    --engee-url http://127.0.0.1:8088 --linkis-url http://127.0.0.1:8089 --junit junit.xml
//! ```

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use conformance::check::{Api, Tier};
use conformance::expected::Expected;
use conformance::report;
use conformance::runner::{self, select};
use conformance::target::{TargetConfig, apply_env};
use conformance::{Ctx, checks, parity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    /// Run the Engee checks.
    Engee,
    /// Run the Linkis checks.
    Linkis,
    /// Run both.
    All,
    /// Print every check (id, tier, what it asserts) and exit.
    List,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Conformance checks for the Engee and Apache Linkis HTTP APIs: the same checks the
/// mocks pass, against any base URL. Exit status 1 only when a check failed (not for
/// "observed", skipped or expected failures); 2 for usage errors.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Which suite.
    which: Which,
    /// Base URL of the selected API (engee or linkis).
    #[arg(long)]
    base_url: Option<String>,
    /// Engee base URL (for `all`).
    #[arg(long, env = "ENGEE_BASE_URL")]
    engee_url: Option<String>,
    /// Linkis gateway URL (for `all`).
    #[arg(long, env = "LINKIS_BASE_URL")]
    linkis_url: Option<String>,
    /// A TOML file describing the deployment (see conformance/deployments/).
    #[arg(long)]
    target_file: Option<PathBuf>,

    /// Engee: access token or PAT of the main user.
    #[arg(long)]
    token: Option<String>,
    /// Engee: a second user's token (isolation checks).
    #[arg(long)]
    token2: Option<String>,
    /// Engee: OAuth client id.
    #[arg(long)]
    client_id: Option<String>,
    /// Engee: OAuth client secret.
    #[arg(long)]
    client_secret: Option<String>,
    /// Engee: OAuth redirect URI registered for the client.
    #[arg(long)]
    redirect_uri: Option<String>,
    /// Engee: OAuth scope.
    #[arg(long)]
    scope: Option<String>,
    /// Engee: user for the consent step (with `all`, where --user is the Linkis user).
    #[arg(long)]
    engee_user: Option<String>,
    /// Engee: password of --engee-user.
    #[arg(long)]
    engee_password: Option<String>,

    /// User for the Engee consent step, or the Linkis user.
    #[arg(long)]
    user: Option<String>,
    /// Password of --user.
    #[arg(long)]
    password: Option<String>,
    /// Linkis: second user (isolation checks).
    #[arg(long)]
    user2: Option<String>,
    /// Linkis: second user's password.
    #[arg(long)]
    password2: Option<String>,
    /// Linkis: Token-Code.
    #[arg(long)]
    linkis_token: Option<String>,
    /// Linkis: Token-User.
    #[arg(long)]
    token_user: Option<String>,
    /// Linkis: proxy token (Validation-Code).
    #[arg(long)]
    proxy_token: Option<String>,
    /// Linkis: Proxy-User.
    #[arg(long)]
    proxy_user: Option<String>,

    /// Allow starting and stopping the user's Engee server (always allowed on a mock).
    #[arg(long)]
    allow_lifecycle: bool,
    /// Treat targets as real even if they answer the mocks' /__admin/health.
    #[arg(long)]
    assume_real: bool,
    /// Keep the Engee scratch directory (/user/conformance-<id>) on real targets.
    #[arg(long)]
    keep_scratch: bool,
    /// Per-check timeout in seconds.
    #[arg(long)]
    timeout: Option<u64>,
    /// Longest wait for a job or server state, in seconds.
    #[arg(long)]
    wait: Option<u64>,

    /// Only checks whose id matches (substring or glob with *); repeatable.
    #[arg(long)]
    only: Vec<String>,
    /// Only checks of this tier: SPEC, SEED, UPSTREAM or MOCK-DEFINED; repeatable.
    #[arg(long, value_parser = ["SPEC", "SEED", "UPSTREAM", "MOCK-DEFINED"], ignore_case = true)]
    tier: Vec<String>,
    /// Standard output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Colours in text output: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto")]
    color: String,
    /// Also write JUnit XML here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Also write JSON lines here.
    #[arg(long)]
    jsonl: Option<PathBuf>,
    /// Expected-failures file (one check id per line, optional `# reason`).
    #[arg(long)]
    expected_failures: Option<PathBuf>,
    /// Record response shapes of this run into DIR (parity baseline).
    #[arg(long, conflicts_with = "parity")]
    record_parity: Option<PathBuf>,
    /// Diff this run's response shapes against the recording in DIR.
    #[arg(long)]
    parity: Option<PathBuf>,
}

fn list() {
    let all = checks::all();
    for c in &all {
        println!(
            "{:<52} {:<7} {:<13} {}",
            c.id,
            c.api.name(),
            c.tier.name(),
            c.asserts
        );
    }
    println!();
    for api in [Api::Engee, Api::Linkis] {
        let counts: Vec<String> = Tier::ALL
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    all.iter().filter(|c| c.api == api && c.tier == *t).count(),
                    t.name()
                )
            })
            .collect();
        println!(
            "{}: {} checks ({})",
            api.name(),
            all.iter().filter(|c| c.api == api).count(),
            counts.join(", ")
        );
    }
}

fn build_config(a: &Args) -> Result<TargetConfig, String> {
    let mut cfg = match &a.target_file {
        Some(p) => TargetConfig::from_file(p)?,
        None => TargetConfig::default(),
    };
    apply_env(&mut cfg, |k| std::env::var(k).ok());
    let (engee_url, linkis_url) = match a.which {
        Which::Engee => (a.base_url.clone().or(a.engee_url.clone()), None),
        Which::Linkis => (None, a.base_url.clone().or(a.linkis_url.clone())),
        _ => (a.engee_url.clone(), a.linkis_url.clone()),
    };
    if let Some(u) = engee_url {
        cfg.engee.get_or_insert_with(Default::default).base_url = u;
    }
    if let Some(u) = linkis_url {
        cfg.linkis.get_or_insert_with(Default::default).base_url = u;
    }
    if a.which == Which::Engee {
        cfg.linkis = None;
    }
    if a.which == Which::Linkis {
        cfg.engee = None;
    }
    let set = |f: &mut Option<String>, v: &Option<String>| {
        if v.is_some() {
            f.clone_from(v);
        }
    };
    if let Some(e) = cfg.engee.as_mut() {
        set(&mut e.token, &a.token);
        set(&mut e.token2, &a.token2);
        set(&mut e.client_id, &a.client_id);
        set(&mut e.client_secret, &a.client_secret);
        set(&mut e.redirect_uri, &a.redirect_uri);
        set(&mut e.scope, &a.scope);
        if a.which == Which::Engee {
            set(&mut e.user, &a.user);
            set(&mut e.password, &a.password);
        }
        set(&mut e.user, &a.engee_user);
        set(&mut e.password, &a.engee_password);
    }
    if let Some(l) = cfg.linkis.as_mut() {
        if a.which != Which::Engee {
            set(&mut l.user, &a.user);
            set(&mut l.password, &a.password);
        }
        set(&mut l.user2, &a.user2);
        set(&mut l.password2, &a.password2);
        set(&mut l.token, &a.linkis_token);
        set(&mut l.token_user, &a.token_user);
        set(&mut l.proxy_token, &a.proxy_token);
        set(&mut l.proxy_user, &a.proxy_user);
    }
    if a.allow_lifecycle {
        cfg.allow_lifecycle = true;
    }
    if a.assume_real {
        cfg.assume_real = true;
    }
    if a.keep_scratch {
        cfg.cleanup = false;
    }
    if let Some(t) = a.timeout {
        cfg.check_timeout_secs = t;
    }
    if let Some(w) = a.wait {
        cfg.wait_secs = w;
    }
    match a.which {
        Which::Engee if cfg.engee.is_none() => {
            return Err(
                "no Engee base URL: give --base-url, ENGEE_BASE_URL or a target file".into(),
            );
        }
        Which::Linkis if cfg.linkis.is_none() => {
            return Err(
                "no Linkis base URL: give --base-url, LINKIS_BASE_URL or a target file".into(),
            );
        }
        Which::All if cfg.engee.is_none() && cfg.linkis.is_none() => {
            return Err("no targets: give --engee-url and/or --linkis-url (or the env vars / a target file)".into());
        }
        _ => {}
    }
    for (name, url) in [
        ("Engee", cfg.engee.as_ref().map(|e| e.base_url.clone())),
        ("Linkis", cfg.linkis.as_ref().map(|l| l.base_url.clone())),
    ] {
        if let Some(u) = url
            && url::Url::parse(&u).is_err()
        {
            return Err(format!("the {name} base URL {u:?} is not a URL"));
        }
    }
    Ok(cfg)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.which == Which::List {
        list();
        return ExitCode::SUCCESS;
    }
    let cfg = match build_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let expected = match &args.expected_failures {
        Some(p) => match Expected::load(p) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("conformance: {e}");
                return ExitCode::from(2);
            }
        },
        None => Expected::none(),
    };
    let mut apis = Vec::new();
    if cfg.engee.is_some() {
        apis.push(Api::Engee);
    }
    if cfg.linkis.is_some() {
        apis.push(Api::Linkis);
    }
    let mut selected = select(checks::all(), &apis, &args.only);
    if !args.tier.is_empty() {
        selected.retain(|c| {
            args.tier
                .iter()
                .any(|t| t.eq_ignore_ascii_case(c.tier.name()))
        });
    }
    let colour = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let ctx = Ctx::new(cfg).await;
    let text = args.format == Format::Text;
    if text {
        for (api, mock, url) in [
            (
                Api::Engee,
                ctx.engee.as_ref().map(|e| e.is_mock),
                ctx.engee.as_ref().map(|e| e.target.base_url.clone()),
            ),
            (
                Api::Linkis,
                ctx.linkis.as_ref().map(|e| e.is_mock),
                ctx.linkis.as_ref().map(|e| e.target.base_url.clone()),
            ),
        ] {
            if let (Some(m), Some(u)) = (mock, url) {
                println!(
                    "{} target {u} ({})",
                    api.name(),
                    if m {
                        "mock: admin clock available"
                    } else {
                        "real deployment"
                    }
                );
            }
        }
        println!(
            "running {} checks (scratch dir {})\n",
            selected.len(),
            ctx.scratch()
        );
    }
    let report = runner::run_with(&ctx, &selected, &expected, |c| {
        let line = match args.format {
            Format::Text => report::text::line(c, colour),
            Format::Json => serde_json::to_string(c).unwrap_or_default(),
        };
        println!("{line}");
        let _ = std::io::stdout().flush();
    })
    .await;
    if text {
        print!("{}", report::text::summary(&report, colour));
    } else {
        let jl = report::jsonl::render(&report);
        if let Some(last) = jl.lines().last() {
            println!("{last}");
        }
    }
    let write = |path: &PathBuf, body: String| {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(path, body) {
            eprintln!("conformance: cannot write {}: {e}", path.display());
        }
    };
    if let Some(p) = &args.junit {
        write(p, report::junit::render(&report));
    }
    if let Some(p) = &args.jsonl {
        write(p, report::jsonl::render(&report));
    }
    let exchanges = ctx.rec.exchanges();
    if let Some(dir) = &args.record_parity {
        for api in &apis {
            if let Err(e) = parity::save(dir, *api, &parity::collect(&exchanges, *api)) {
                eprintln!("conformance: {e}");
            }
        }
        println!("parity shapes recorded in {}", dir.display());
    }
    if let Some(dir) = &args.parity {
        for api in &apis {
            match parity::load(dir, *api) {
                Ok(want) => {
                    let got = parity::collect(&exchanges, *api);
                    print!("{}", parity::render(*api, &parity::drift(&want, &got)));
                }
                Err(e) => eprintln!("conformance: {e}"),
            }
        }
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
