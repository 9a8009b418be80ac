//! The one cheap-to-clone state every handler gets.

use std::sync::Arc;

use mock_kit::{Clock, Entropy};

use crate::auth::AuthStore;
use crate::config::{Config, DEMO_CATALOG};
use crate::engines::pool::SqlEngine;
use crate::jobs::JobStore;

#[derive(Clone)]
pub struct AppState {
    pub cfg: Arc<Config>,
    pub clock: Clock,
    /// Where session tickets come from: seeded by `Config::seed`, restarted by the admin
    /// reset (before [`AppState::reset`] runs).
    pub entropy: Entropy,
    pub auth: Arc<AuthStore>,
    pub jobs: Arc<JobStore>,
    pub sql: Arc<SqlEngine>,
}

impl AppState {
    pub fn new(cfg: Config) -> std::io::Result<Self> {
        let catalog = match &cfg.catalog_file {
            Some(p) => std::fs::read_to_string(p).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot read SQL catalog {}: {e}", p.display()),
                )
            })?,
            None => DEMO_CATALOG.to_owned(),
        };
        let sql = SqlEngine::new(&catalog, &cfg.limits).map_err(std::io::Error::other)?;
        let entropy = Entropy::new(cfg.seed);
        Ok(Self {
            clock: cfg.clock.clone(),
            auth: Arc::new(AuthStore::new(&cfg, entropy.clone())),
            entropy,
            jobs: Arc::new(JobStore::new()),
            sql: Arc::new(sql),
            cfg: Arc::new(cfg),
        })
    }

    /// Back to the configured initial state.
    pub fn reset(&self) {
        self.auth.reset();
        self.jobs.reset();
        self.sql.reset();
    }
}
