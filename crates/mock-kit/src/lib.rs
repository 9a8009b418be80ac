//! What both mocks share and nothing specific to either: serving (with the HTTP limits of
//! [`serve`]), config loading, the [`Clock`], the admin API (reset, clock, request journal,
//! faults; guarded as [`access`] describes; a dashboard page at `/__admin/` over it), the
//! [`Entropy`] behind every generated id (seeded for deterministic runs), the
//! [`ErrorFormat`] hook through which a mock answers every error mock-kit produces, and
//! log setup.

pub mod access;
pub mod admin;
pub mod capture;
pub mod cli;
pub mod clock;
pub mod config;
mod dashboard;
pub mod entropy;
pub mod errors;
pub mod faults;
pub mod journal;
pub mod logging;
mod observe;
pub mod openapi;
pub mod serve;

pub use access::{AdminAccess, AdminConfig};
pub use admin::{ADMIN_PREFIX, Control, Seeding};
pub use clock::{Clock, ClockError, iso_millis};
pub use entropy::Entropy;
pub use errors::{ErrorFormat, Refusal};
pub use faults::{Dribble, FaultRule, FaultStep, Faults};
pub use journal::{
    AuthenticatedUser, Journal, JournalConfig, JournalEntry, MatcherSpec, RequestMatcher,
};
pub use serve::RunningServer;
