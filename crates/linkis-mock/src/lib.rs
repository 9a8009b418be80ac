//! A high-fidelity mock of the Apache Linkis 1.x gateway/entrance REST API.
//!
//! Start it from Rust with [`MockServer::start`], or run the `linkis-mock` binary. Jobs
//! really run (SQL on an embedded engine, text results for other run types) on the mock's
//! [`mock_kit::Clock`], so tests move time instead of sleeping. See the crate README.

pub mod auth;
pub mod config;
pub mod engines;
pub mod entrance;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod filesystem;
pub mod history;
pub mod joblog;
pub mod jobs;
mod openapi;
mod overview;
pub mod profile;
pub mod proxy_file;
pub mod routes;
pub mod seed;
pub mod state;
pub mod user;

use std::time::Duration;

pub use config::Config;
pub use error::LinkisError;
use mock_kit::{Clock, Control, RunningServer};
pub use profile::Profile;
pub use state::AppState;

/// A running mock. Dropping it stops the server; prefer [`MockServer::shutdown`] in tests
/// to wait for in-flight requests.
pub struct MockServer {
    server: RunningServer,
    state: AppState,
    control: Control,
    seeder: seed::Seeder,
}

impl MockServer {
    /// Binds `config.addr` (use port 0 for a free port) and serves. Ready when it returns.
    pub async fn start(config: Config) -> std::io::Result<MockServer> {
        config
            .validate()
            .and_then(|()| config.check_files())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let addr = config.addr;
        let (journal, faults) = (config.journal.clone(), config.faults.clone());
        let seed_file = config.seed_file.clone();
        let state = AppState::new(config)?;
        let seeder = seed::Seeder::new(state.clone());
        // Applied before the server listens: the first request sees the seeded mock.
        let seed_document = match &seed_file {
            Some(path) => {
                let refuse = |why: String| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("seed file {}: {why}", path.display()),
                    )
                };
                let text = std::fs::read(path)
                    .map_err(|e| refuse(format!("{e}; give --seed-file a readable JSON file")))?;
                let doc = seed::parse(&text).map_err(|e| refuse(e.to_string()))?;
                seeder.apply(&doc).map_err(|e| refuse(e.to_string()))?;
                Some(doc)
            }
            None => None,
        };
        let access = mock_kit::AdminAccess::resolve(&state.cfg.admin, addr, &state.entropy);
        let for_reset = state.clone();
        let errors = mock_kit::ErrorFormat::new(|refusal| {
            use axum::response::IntoResponse;
            // The envelope status mirrors the HTTP status where Linkis has one for it.
            let status = match refusal.status.as_u16() {
                401 => envelope::NOT_LOGGED_IN,
                403 => envelope::NO_PERMISSION,
                _ => envelope::ERROR,
            };
            envelope::Envelope::new(None, status, refusal.message.clone())
                .with_http(refusal.status)
                .into_response()
        });
        let for_reseed = seeder.clone();
        let control = Control::new(state.clock.clone(), move || {
            for_reset.reset();
            // Like `[[faults]]`, the seed file is part of the configured state.
            if let Some(doc) = &seed_document
                && let Err(e) = for_reseed.apply(doc)
            {
                tracing::error!(error = %e, "the seed file could not be re-applied after a reset");
            }
        })
        .with_seeding(seeder.clone())
        .with_dashboard_view("/__admin/linkis/overview")
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
        let server = RunningServer::start_with_errors(router, addr, errors).await?;
        Ok(MockServer {
            server,
            state,
            control,
            seeder,
        })
    }

    /// `http://HOST:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The bound address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// The mock's clock (shared with the admin API).
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Moves the mock's clock forward; jobs advance accordingly. Stops at
    /// [`Clock::LATEST`] (see `try_advance`).
    pub fn advance(&self, d: Duration) {
        self.state.clock.advance(d);
    }

    /// Moves the mock's clock forward, or refuses (changing nothing) past
    /// [`Clock::LATEST`].
    pub fn try_advance(&self, d: Duration) -> Result<(), mock_kit::ClockError> {
        self.state.clock.try_advance(d)
    }

    /// The token the admin API requires, if any (configured, or generated at start for a
    /// non-loopback address or `[admin] require_token`).
    pub fn admin_token(&self) -> Option<&str> {
        self.control.access().token()
    }

    /// Forgets sessions, jobs, the journal and faults; re-seeds the SQL catalog.
    pub fn reset(&self) {
        self.control.reset();
    }

    /// Applies a seed document wholly or not at all (what `POST /__admin/seed` does).
    pub fn seed(&self, document: &seed::SeedDocument) -> Result<(), LinkisError> {
        self.seeder.apply(document)
    }

    /// The mock's state as a seed document (what `GET /__admin/state` answers).
    pub fn seed_state(&self) -> seed::SeedDocument {
        self.seeder.document()
    }

    /// The state handlers share, for white-box tests.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The control plane (journal, faults).
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// Stops accepting connections and waits for in-flight requests.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// Waits until the server stops (binaries).
    pub async fn wait(self) -> std::io::Result<()> {
        self.server.wait().await
    }

    /// A handle that stops the server when sent to.
    pub fn take_shutdown(&mut self) -> Option<tokio::sync::oneshot::Sender<()>> {
        self.server.take_shutdown()
    }
}
