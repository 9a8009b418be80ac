//! A high-fidelity mock of Engee's external HTTP API.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let engee = engee_mock::MockServer::start(engee_mock::Config::for_tests()).await?;
//! println!("Engee mock at {}", engee.url());
//! engee.advance(std::time::Duration::from_secs(601)); // access tokens have expired now
//! # Ok(()) }
//! ```

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
pub mod routes;
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
        let state = AppState::new(config, files);
        let access = mock_kit::AdminAccess::resolve(&state.config.admin, addr, &state.entropy);
        let errors = mock_kit::ErrorFormat::new(|refusal| {
            use axum::response::IntoResponse;
            let body = serde_json::json!({"error": refusal.code, "message": refusal.message});
            (refusal.status, axum::Json(body)).into_response()
        });
        let control = Control::new(state.clock.clone(), {
            let state = state.clone();
            move || state.reset()
        })
        .with_entropy(state.entropy.clone())
        .with_errors(errors.clone())
        .with_access(access)
        .with_journal(journal)
        .with_faults(faults)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let router = control
            .clone()
            .wrap(routes::app(state.clone()), routes::admin(state.clone()));
        let server = mock_kit::RunningServer::start_with_errors(router, addr, errors).await?;
        let reaper = tokio::spawn(reap(state.clone()));
        Ok(Self {
            server,
            state,
            control,
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
