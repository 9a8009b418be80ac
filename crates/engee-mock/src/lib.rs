//! A high-fidelity mock of Engee's external HTTP API.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let engee = engee_mock::MockServer::start(engee_mock::Config::for_tests()).await?;
//! println!("Engee mock at {}", engee.url());
//! engee.advance(std::time::Duration::from_secs(601)); // access tokens have expired now
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod auth;
pub mod config;
pub mod engee_module;
pub mod error;
pub mod eval;
pub mod files;
pub mod jobs;
pub mod lifecycle;
pub mod oauth;
mod openapi;
mod overview;
pub mod routes;
pub mod seed;
pub mod server_api;
pub mod state;
pub mod tokens;

use std::time::Duration;

pub use config::Config;
use mock_kit::{Clock, Control};
pub use state::AppState;

/// A running Engee mock: the handle tests and embedding applications hold.
pub struct MockServer {
    server: mock_kit::RunningServer,
    state: AppState,
    control: Control,
    seeder: seed::Seeder,
    reaper: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// Starts the mock on `config.addr` (port 0 picks a free port). Ready on return.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        let files = match &config.files.data_dir {
            Some(dir) => files::FileStore::at(dir.clone())?,
            None => files::FileStore::temporary()?,
        };
        let addr = config.addr;
        let (journal, faults) = (config.journal.clone(), config.faults.clone());
        let seed_file = config.seed_file.clone();
        let state = AppState::new(config, files);
        let seeder = seed::Seeder::new(state.clone());
        // Applied before the server listens: the first request sees the seeded mock.
        let seed_document = match &seed_file {
            Some(path) => {
                let doc = read_seed_file(path)?;
                seeder.apply(&doc).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("seed file {}: {e}", path.display()),
                    )
                })?;
                Some(doc)
            }
            None => None,
        };
        let access = mock_kit::AdminAccess::resolve(&state.config.admin, addr, &state.entropy);
        let errors = mock_kit::ErrorFormat::new(|refusal| {
            use axum::response::IntoResponse;
            let body = serde_json::json!({"error": refusal.code, "message": refusal.message});
            (refusal.status, axum::Json(body)).into_response()
        });
        let control = Control::new(state.clock.clone(), {
            let (state, seeder) = (state.clone(), seeder.clone());
            move || {
                state.reset();
                // Like `[[faults]]`, the seed file is part of the configured state.
                if let Some(doc) = &seed_document
                    && let Err(e) = seeder.apply(doc)
                {
                    tracing::error!(error = %e, "the seed file could not be re-applied after a reset");
                }
            }
        })
        .with_seeding(seeder.clone())
        .with_dashboard_view("/__admin/engee/overview")
        .with_entropy(state.entropy.clone())
        .with_errors(errors.clone())
        .with_access(access)
        .with_journal(journal)
        .with_faults(faults)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let router = control
            .clone()
            .wrap(routes::app(state.clone()), routes::admin(state.clone()));
        control.mark_ready();
        let server = mock_kit::RunningServer::start_with_errors(router, addr, errors).await?;
        let reaper = tokio::spawn(reap(state.clone()));
        Ok(Self {
            server,
            state,
            control,
            seeder,
            reaper,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The mock's clock: move it to expire tokens or trip inactivity timeouts.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Moves the mock's clock forward; stops at [`Clock::LATEST`] (see `try_advance`).
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Moves the mock's clock forward, or refuses (changing nothing) past
    /// [`Clock::LATEST`].
    pub fn try_advance(&self, by: Duration) -> Result<(), mock_kit::ClockError> {
        self.state.clock.try_advance(by)
    }

    /// The token the admin API requires, if any (configured, or generated at start for a
    /// non-loopback address or `[admin] require_token`).
    pub fn admin_token(&self) -> Option<&str> {
        self.control.access().token()
    }

    /// Back to the configured state (what `POST /__admin/reset` does).
    pub fn reset(&self) {
        self.control.reset();
    }

    /// Applies a seed document wholly or not at all (what `POST /__admin/seed` does); a
    /// contradiction is an [`error::ApiError::BadRequest`] naming the item.
    pub fn seed(&self, document: &seed::SeedDocument) -> Result<(), error::ApiError> {
        self.seeder.apply(document)
    }

    /// The mock's state as a seed document (what `GET /__admin/state` answers).
    pub fn seed_state(&self) -> Result<seed::SeedDocument, error::ApiError> {
        self.seeder.document()
    }

    /// The shared state, for seeding from Rust (files, PATs).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The shared control plane (journal, faults).
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Stops every Engee server (ending their jobs) and the HTTP server.
    pub async fn shutdown(self) {
        self.state.servers.clear(self.state.clock.now());
        self.reaper.abort();
        self.server.shutdown().await;
    }

    /// Serves until the process is asked to stop (Ctrl-C / SIGTERM).
    pub async fn run_until_signal(self) {
        mock_kit::serve::shutdown_signal().await;
        self.shutdown().await;
    }
}

/// The seed document in `path`; an unreadable or malformed file is an `InvalidInput`
/// error naming it (the binary's one-line refusal).
fn read_seed_file(path: &std::path::Path) -> std::io::Result<seed::SeedDocument> {
    let refuse = |why: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("seed file {}: {why}", path.display()),
        )
    };
    let text = std::fs::read(path)
        .map_err(|e| refuse(format!("{e}; give --seed-file a readable JSON file")))?;
    seed::parse(&text).map_err(|e| refuse(e.to_string()))
}

/// Applies lifecycle deadlines (start/stop delays, inactivity, session end) as they fall
/// due on the mock's clock, so jobs of a server that stops by itself end promptly.
async fn reap(state: AppState) {
    loop {
        let next = state.servers.refresh_all(state.clock.now());
        state
            .tokens
            .sweep(state.clock.now() - chrono::Duration::days(1));
        let changed = state.servers.changed.notified();
        match next {
            Some(deadline) => tokio::select! {
                _ = state.clock.sleep_until(deadline) => {}
                _ = changed => {}
            },
            None => changed.await,
        }
    }
}
