//! Who exists: the users and OAuth clients. They start as the config's, seeding adds more
//! (`POST /__admin/seed`), and a reset brings back the config's. Plain domain code.

use std::sync::{Arc, RwLock};

use crate::config::{Client, Config, User};

/// The users and OAuth clients at one moment. Lookups read a snapshot, so a seed that
/// adds users never blocks a request for longer than an `Arc` clone.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    pub users: Vec<User>,
    pub clients: Vec<Client>,
}

impl Directory {
    /// The config's users and clients.
    pub fn from_config(config: &Config) -> Self {
        Self {
            users: config.users.clone(),
            clients: config.clients.clone(),
        }
    }

    pub fn user(&self, nickname: &str) -> Option<&User> {
        self.users.iter().find(|u| u.nickname == nickname)
    }

    /// The user whose `/prod/user/<license>-<nickname>` prefix this is.
    pub fn user_at(&self, prefix: &str) -> Option<&User> {
        self.users.iter().find(|u| u.prefix() == prefix)
    }

    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}

/// The live [`Directory`], cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    current: Arc<RwLock<Arc<Directory>>>,
    configured: Arc<Directory>,
}

impl Accounts {
    pub fn new(config: &Config) -> Self {
        let configured = Arc::new(Directory::from_config(config));
        Self {
            current: Arc::new(RwLock::new(configured.clone())),
            configured,
        }
    }

    /// The directory as it is now.
    pub fn snapshot(&self) -> Arc<Directory> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn user(&self, nickname: &str) -> Option<User> {
        self.snapshot().user(nickname).cloned()
    }

    /// Replaces the directory (a seed, checked beforehand).
    pub(crate) fn replace(&self, directory: Directory) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(directory);
    }

    /// Back to the config's users and clients.
    pub(crate) fn reset(&self) {
        self.replace(self.configured.as_ref().clone());
    }
}
