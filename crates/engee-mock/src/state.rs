//! The one shared state of the mock: cheap to clone, a few owned stores, each with its
//! own lock.

use std::sync::Arc;

use mock_kit::{Clock, Entropy};

use crate::accounts::Accounts;
use crate::config::Config;
use crate::files::FileStore;
use crate::jobs::JobStore;
use crate::lifecycle::Servers;
use crate::tokens::TokenStore;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub clock: Clock,
    /// Where every generated credential, code and boundary comes from: seeded by
    /// `Config::seed`, restarted by the admin reset (before [`AppState::reset`] runs).
    pub entropy: Entropy,
    /// Who exists: the config's users and OAuth clients, and those seeded since.
    pub accounts: Accounts,
    pub tokens: TokenStore,
    pub servers: Servers,
    pub files: FileStore,
    pub jobs: JobStore,
}

impl AppState {
    pub fn new(config: Config, files: FileStore) -> Self {
        // the simulated `engee` Julia module, for every workspace of the process
        crate::engee_module::register();
        let clock = config.clock.clone();
        let entropy = Entropy::new(config.seed);
        let state = Self {
            tokens: TokenStore::new(entropy.clone()),
            accounts: Accounts::new(&config),
            entropy,
            servers: Servers::new(config.lifecycle.clone()),
            jobs: JobStore::new(config.jobs.max_finished_jobs, config.jobs.max_running_jobs),
            files: files.with_clock(clock.clone()),
            clock,
            config: Arc::new(config),
        };
        state.seed();
        state
    }

    /// Puts the configured PATs in place. PATs from the config predate every server start.
    fn seed(&self) {
        let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        for pat in &self.config.pats {
            self.tokens
                .add_pat(pat.token.clone(), pat.user.clone(), epoch);
        }
    }

    /// Back to the configured state: the configured users and clients, no tokens but the
    /// configured PATs, every server stopped, no jobs, an empty `/user` for everyone. (The
    /// seed file is the caller's: see [`crate::MockServer`].)
    pub fn reset(&self) {
        self.accounts.reset();
        self.servers.clear(self.clock.now());
        self.jobs.clear();
        self.tokens.clear();
        self.files.clear();
        self.seed();
    }
}
