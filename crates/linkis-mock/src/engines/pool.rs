//! The SQL engine service: the shared catalog, each user's engine sessions, and the
//! bounded worker pool that runs jobs off the request path.
//!
//! A job waits first for one of its user's `engines_per_user` sessions (upstream's
//! per-user engine concurrency), then for one of the `sql_workers` threads, so one user's
//! jobs can hold at most `engines_per_user` workers and never starve everybody else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::EngineRun;
use super::session::{Catalog, CatalogAddress, SessionLimits};
use super::sql::{self, Cancel, RunLimits};
use crate::auth::lock;
use crate::config::Limits;

/// One user's engines: how many may run at once, and the idle sessions.
struct UserEngines {
    permits: Arc<Semaphore>,
    /// Idle sessions, most recently used last, tagged with their catalog generation.
    idle: Vec<(u64, Connection)>,
    /// When this user's sessions were last used (a global tick, for LRU closing).
    last_used: u64,
}

struct Sessions {
    users: HashMap<String, UserEngines>,
    tick: u64,
    idle_total: usize,
}

pub struct SqlEngine {
    script: String,
    /// The statements seeds ran since the last reset (`GET /__admin/state` lists them).
    seeded: Mutex<Vec<String>>,
    /// The current catalog and its generation (bumped by `reset`).
    catalog: Mutex<(u64, Catalog)>,
    sessions: Mutex<Sessions>,
    workers: Arc<Semaphore>,
    per_user: usize,
    max_idle: usize,
    session_limits: SessionLimits,
    run_limits: RunLimits,
}

impl SqlEngine {
    pub fn new(script: &str, limits: &Limits) -> Result<Self, String> {
        Ok(Self {
            script: script.to_owned(),
            seeded: Mutex::default(),
            catalog: Mutex::new((0, Catalog::seed(script)?)),
            sessions: Mutex::new(Sessions {
                users: HashMap::new(),
                tick: 0,
                idle_total: 0,
            }),
            workers: Arc::new(Semaphore::new(limits.sql_workers.max(1))),
            per_user: limits.engines_per_user.max(1),
            max_idle: limits.max_idle_engines,
            session_limits: SessionLimits {
                max_value_bytes: limits.max_result_bytes,
                max_database_bytes: limits.max_database_bytes,
                open_wait: Duration::from_millis(limits.sql_timeout_ms),
            },
            run_limits: RunLimits {
                timeout: Duration::from_millis(limits.sql_timeout_ms),
                max_rows: limits.max_result_rows,
                max_result_bytes: limits.max_result_bytes,
                max_database_bytes: limits.max_database_bytes,
            },
        })
    }

    /// Runs a seed's statements on the shared catalog in one transaction, through the
    /// same checks and authorizer as a job's SQL (so `ATTACH`, pragmas that write and the
    /// like stay refused): all of them take effect, or none and the first failure is
    /// named (`sql[2]: …`).
    pub(crate) fn seed(&self, statements: &[String]) -> Result<(), String> {
        if statements.is_empty() {
            return Ok(());
        }
        let address = lock(&self.catalog).1.address();
        let mut conn = address.open_session(self.session_limits)?;
        let unguarded = |conn: &mut Connection, sql: &str| {
            // Only the mock itself opens and ends the transaction: the authorizer refuses
            // transaction statements to SQL.
            let _ = conn.authorizer(
                None::<fn(rusqlite::hooks::AuthContext<'_>) -> rusqlite::hooks::Authorization>,
            );
            let done = conn.execute_batch(sql).map_err(|e| e.to_string());
            let _ = conn.authorizer(Some(super::session::authorize));
            done
        };
        unguarded(&mut conn, "BEGIN IMMEDIATE")?;
        for (i, code) in statements.iter().enumerate() {
            for stmt in sql::split_statements(code) {
                let refused = super::session::refused_statement(&stmt).or_else(|| {
                    conn.execute_batch(&super::hive::translate(&stmt))
                        .err()
                        .map(|e| {
                            let e = e.to_string();
                            if e.contains("not authorized") {
                                super::session::explain_refusal(&stmt).unwrap_or(e)
                            } else {
                                e
                            }
                        })
                });
                if let Some(why) = refused {
                    let _ = unguarded(&mut conn, "ROLLBACK");
                    return Err(format!("sql[{i}]: {why}"));
                }
            }
        }
        unguarded(&mut conn, "COMMIT")?;
        lock(&self.seeded).extend(statements.iter().cloned());
        Ok(())
    }

    /// The statements seeds ran since the last reset, in order.
    pub(crate) fn seeded(&self) -> Vec<String> {
        lock(&self.seeded).clone()
    }

    /// Back to the seeded catalog; every session is closed (running ones when they finish).
    pub fn reset(&self) {
        lock(&self.seeded).clear();
        match Catalog::seed(&self.script) {
            Ok(c) => {
                let mut cat = lock(&self.catalog);
                *cat = (cat.0 + 1, c);
            }
            Err(e) => tracing::error!(error = %e, "cannot re-seed the SQL catalog"),
        }
        let mut s = lock(&self.sessions);
        for u in s.users.values_mut() {
            u.idle.clear();
        }
        s.idle_total = 0;
    }

    /// Runs `code` as `user` once a session and a worker are free. Never blocks the caller's
    /// thread; a kill (`cancel`) stops it wherever it is.
    pub async fn run(self: &Arc<Self>, user: &str, code: String, cancel: Arc<Cancel>) -> EngineRun {
        let permits = {
            let mut s = lock(&self.sessions);
            let per_user = self.per_user;
            s.users
                .entry(user.to_owned())
                .or_insert_with(|| UserEngines {
                    permits: Arc::new(Semaphore::new(per_user)),
                    idle: Vec::new(),
                    last_used: 0,
                })
                .permits
                .clone()
        };
        let (Ok(_engine), Ok(_worker)) = (
            permits.acquire_owned().await,
            self.workers.clone().acquire_owned().await,
        ) else {
            return failed("the SQL engine is shutting down");
        };
        if cancel.is_cancelled() {
            return EngineRun::default();
        }
        // if this future is dropped (the server's runtime shuts down), stop the statement
        let mut stop_if_dropped = StopOnDrop(Some(cancel.clone()));
        let this = self.clone();
        let user = user.to_owned();
        let run = tokio::task::spawn_blocking(move || {
            let (generation, mut conn) = match this.checkout(&user) {
                Ok(s) => s,
                Err(e) => return failed(&format!("cannot start an engine session: {e}")),
            };
            let run = sql::run(&mut conn, &code, &cancel, this.run_limits);
            this.checkin(&user, generation, conn);
            run
        })
        .await
        .unwrap_or_else(|e| failed(&format!("the SQL engine crashed: {e}")));
        stop_if_dropped.0 = None;
        run
    }

    /// An idle session of `user` on the current catalog, or a new one.
    fn checkout(&self, user: &str) -> Result<(u64, Connection), String> {
        let (generation, address): (u64, CatalogAddress) = {
            let c = lock(&self.catalog);
            (c.0, c.1.address())
        };
        {
            let mut s = lock(&self.sessions);
            if let Some(u) = s.users.get_mut(user)
                && let Some(pos) = u.idle.iter().rposition(|(g, _)| *g == generation)
            {
                let (_, conn) = u.idle.remove(pos);
                s.idle_total -= 1;
                return Ok((generation, conn));
            }
        }
        // opened outside any lock: opening waits while another session writes the catalog
        Ok((generation, address.open_session(self.session_limits)?))
    }

    /// Returns a session to its user's idle list, closing the least recently used idle
    /// sessions (of any user) beyond `max_idle_engines`.
    fn checkin(&self, user: &str, generation: u64, conn: Connection) {
        if generation != lock(&self.catalog).0 {
            return;
        }
        let mut s = lock(&self.sessions);
        s.tick += 1;
        let tick = s.tick;
        if let Some(u) = s.users.get_mut(user) {
            u.idle.push((generation, conn));
            u.last_used = tick;
            s.idle_total += 1;
        }
        while s.idle_total > self.max_idle {
            let victim = s
                .users
                .iter()
                .filter(|(_, u)| !u.idle.is_empty())
                .min_by_key(|(_, u)| u.last_used)
                .map(|(k, _)| k.clone());
            let Some(k) = victim else { break };
            if let Some(u) = s.users.get_mut(&k) {
                u.idle.remove(0);
            }
            s.idle_total -= 1;
            tracing::debug!(user = %k, "closed an idle engine session (limits.max_idle_engines)");
        }
        // forget users with nothing idle and nothing running
        let per_user = self.per_user;
        s.users
            .retain(|_, u| !u.idle.is_empty() || u.permits.available_permits() < per_user);
    }
}

/// Cancels a run whose waiting future was dropped.
struct StopOnDrop(Option<Arc<Cancel>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.cancel();
        }
    }
}

fn failed(msg: &str) -> EngineRun {
    EngineRun {
        error: Some(msg.to_owned()),
        ..EngineRun::default()
    }
}
