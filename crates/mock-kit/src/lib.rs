//! What both mocks share and nothing specific to either: serving, config loading, the
//! [`Clock`], the admin API (reset, clock, request journal, faults) and log setup.

pub mod admin;
pub mod clock;
pub mod config;
pub mod faults;
pub mod journal;
pub mod logging;
pub mod serve;

pub use admin::{ADMIN_PREFIX, Control};
pub use clock::{Clock, iso_millis};
pub use faults::{FaultRule, Faults};
pub use journal::{Journal, JournalEntry};
pub use serve::RunningServer;
