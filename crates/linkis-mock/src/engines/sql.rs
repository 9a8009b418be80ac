//! Running one job's SQL on an engine session: every `;`-separated statement in turn, with
//! Hive-style `show databases`, `show tables`, `desc` translated. A run is bounded in wall
//! time (progress and busy handlers), in result rows and in result bytes, and stops at
//! once when the job is killed.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, InterruptHandle};

use super::hive::{Shape, hive_type, one_line, real, shape, translate};
use super::session::{explain_refusal, refused_statement};
use super::{Column, EngineRun, ResultSet};
use crate::auth::lock;
use crate::joblog::Level;

pub use super::hive::split_statements;

/// What bounds one run.
#[derive(Clone, Copy, Debug)]
pub struct RunLimits {
    pub timeout: Duration,
    pub max_rows: usize,
    pub max_result_bytes: usize,
    /// For the message when a database is full.
    pub max_database_bytes: u64,
}

/// A kill switch for one job's run: stops the running statement (SQLite's interrupt) and
/// every later one.
#[derive(Default)]
pub struct Cancel {
    flag: AtomicBool,
    running: Mutex<Option<InterruptHandle>>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(h) = lock(&self.running).as_ref() {
            h.interrupt();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// Runs every statement of `code` on `conn` (blocking; call from a worker thread).
pub fn run(
    conn: &mut Connection,
    code: &str,
    cancel: &Arc<Cancel>,
    limits: RunLimits,
) -> EngineRun {
    let mut run = EngineRun::default();
    let deadline = Instant::now() + limits.timeout;
    let c = cancel.clone();
    let _ = conn.progress_handler(
        1000,
        Some(move || c.is_cancelled() || Instant::now() > deadline),
    );
    let c = cancel.clone();
    // another session's statement holds a lock: wait, but never past the budget or a kill
    let _ = conn.busy_handler(Some(move |_| {
        if c.is_cancelled() || Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
        true
    }));
    *lock(&cancel.running) = Some(conn.get_interrupt_handle());
    let statements = split_statements(code);
    run.log.push((
        Level::Info,
        format!(
            "SQL code check has passed, {} statement(s) submitted to the embedded SQL engine",
            statements.len()
        ),
    ));
    let mut budget = Budget {
        used: 0,
        max: limits.max_result_bytes,
        max_rows: limits.max_rows,
    };
    for (i, stmt) in statements.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        run.log.push((
            Level::Info,
            format!("Executing statement {}: {}", i + 1, one_line(stmt)),
        ));
        let outcome = match refused_statement(stmt) {
            Some(why) => Err(why),
            None => statement(conn, stmt, &mut budget),
        };
        match outcome {
            Ok(Some(rs)) => {
                let n = rs.rows();
                run.log.push((
                    Level::Info,
                    format!(
                        "Statement {} produced result set _{}.dolphin with {} row(s)",
                        i + 1,
                        run.results.len(),
                        n
                    ),
                ));
                if n >= limits.max_rows {
                    run.log.push((
                        Level::Warn,
                        format!(
                            "Result set truncated to {} rows (limits.max_result_rows)",
                            limits.max_rows
                        ),
                    ));
                }
                run.results.push(rs);
            }
            Ok(None) => run
                .log
                .push((Level::Info, format!("Statement {} OK", i + 1))),
            Err(e) => {
                let msg = if cancel.is_cancelled() {
                    format!(
                        "SQL statement {} was interrupted: the job was killed",
                        i + 1
                    )
                } else if e.contains("interrupted") {
                    format!(
                        "SQL statement {} exceeded the mock's time budget of {} ms and was interrupted",
                        i + 1,
                        limits.timeout.as_millis()
                    )
                } else if e.contains("string or blob too big") {
                    format!(
                        "SQL statement {} failed: a value longer than limits.max_result_bytes = {} bytes cannot be built",
                        i + 1,
                        limits.max_result_bytes
                    )
                } else if e.contains("database or disk is full") {
                    format!(
                        "SQL statement {} failed: a database would grow beyond limits.max_database_bytes = {} bytes",
                        i + 1,
                        limits.max_database_bytes
                    )
                } else if e.contains("not authorized") || e.contains("too many attached databases")
                {
                    let why = explain_refusal(stmt).unwrap_or_else(|| {
                        format!(
                            "the statement is not supported by the Hive/Spark SQL engines ({e})"
                        )
                    });
                    format!("SQL statement {} refused: {why}", i + 1)
                } else {
                    format!("SQL statement {} failed: {e}", i + 1)
                };
                run.log.push((Level::Error, msg.clone()));
                run.error = Some(msg);
                break;
            }
        }
    }
    *lock(&cancel.running) = None;
    let _ = conn.progress_handler(0, None::<fn() -> bool>);
    if !conn.is_autocommit() {
        // never left open: nothing a job did unfinished may be seen or hold locks later
        let _ = conn.authorizer(
            None::<fn(rusqlite::hooks::AuthContext<'_>) -> rusqlite::hooks::Authorization>,
        );
        let _ = conn.execute_batch("ROLLBACK");
        let _ = conn.authorizer(Some(super::session::authorize));
    }
    run
}

/// Result bytes and rows a run may still produce.
struct Budget {
    used: usize,
    max: usize,
    max_rows: usize,
}

impl Budget {
    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.max {
            return Err(format!(
                "the job's result sets exceed limits.max_result_bytes = {} bytes",
                self.max
            ));
        }
        Ok(())
    }
}

fn statement(
    conn: &Connection,
    stmt: &str,
    budget: &mut Budget,
) -> Result<Option<ResultSet>, String> {
    let words: Vec<String> = stmt
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["show", "databases" | "schemas", ..] => show_databases(conn).map(Some),
        ["show", "tables"] => show_tables(conn, "main").map(Some),
        ["show", "tables", "in" | "from", db, ..] => show_tables(conn, &schema(db)).map(Some),
        ["desc" | "describe", rest @ ..] if !rest.is_empty() => {
            let name = rest
                .iter()
                .rfind(|x| !matches!(**x, "formatted" | "extended"))
                .copied()
                .unwrap_or("");
            describe(conn, name).map(Some)
        }
        ["use", db] => {
            let db = db.trim_end_matches(';');
            if databases(conn)?.iter().any(|d| d == db) {
                Ok(None)
            } else {
                Err(format!("Database '{db}' not found"))
            }
        }
        _ => query(conn, &translate(stmt), budget),
    }
}

fn databases(conn: &Connection) -> Result<Vec<String>, String> {
    let mut st = conn
        .prepare("SELECT name FROM pragma_database_list")
        .map_err(err)?;
    let names = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(err)?
        .filter_map(Result::ok)
        .filter(|n| n != "temp")
        .map(|n| {
            if n == "main" {
                "default".to_string()
            } else {
                n
            }
        })
        .collect();
    Ok(names)
}

fn show_databases(conn: &Connection) -> Result<ResultSet, String> {
    let mut names = databases(conn)?;
    names.sort();
    Ok(table(
        &[("database_name", "string")],
        names.into_iter().map(|n| vec![Some(n)]).collect(),
    ))
}

fn show_tables(conn: &Connection, db: &str) -> Result<ResultSet, String> {
    if !databases(conn)?.iter().any(|d| schema(d) == db) {
        return Err(format!("Database '{}' not found", unschema(db)));
    }
    let sql = format!(
        "SELECT name FROM \"{}\".sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
        db.replace('"', "")
    );
    let mut st = conn.prepare(&sql).map_err(err)?;
    let rows = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(err)?
        .filter_map(Result::ok)
        .map(|n| vec![Some(n)])
        .collect();
    Ok(table(&[("tab_name", "string")], rows))
}

fn describe(conn: &Connection, name: &str) -> Result<ResultSet, String> {
    let name = name.trim_matches('`');
    let (db, t) = match name.split_once('.') {
        Some((d, t)) => (schema(d), t.trim_matches('`')),
        None => ("main".to_string(), name),
    };
    let mut st = conn
        .prepare("SELECT name, type FROM pragma_table_info(?1, ?2)")
        .map_err(err)?;
    let rows: Vec<Vec<Option<String>>> = st
        .query_map([t, db.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(err)?
        .filter_map(Result::ok)
        .map(|(n, ty)| vec![Some(n), Some(hive_type(&ty)), Some(String::new())])
        .collect();
    if rows.is_empty() {
        return Err(format!("Table or view not found: {name}"));
    }
    Ok(table(
        &[
            ("col_name", "string"),
            ("data_type", "string"),
            ("comment", "string"),
        ],
        rows,
    ))
}

fn query(conn: &Connection, sql: &str, budget: &mut Budget) -> Result<Option<ResultSet>, String> {
    let mut st = conn.prepare(sql).map_err(err)?;
    if st.column_count() == 0 {
        st.raw_execute().map_err(err)?;
        return Ok(None);
    }
    let decl: Vec<(String, Option<String>)> = st
        .columns()
        .map(|c| (c.name().to_string(), c.decl_type().map(hive_type)))
        .collect();
    let n = decl.len();
    let shapes: Vec<Shape> = decl.iter().map(|(_, d)| shape(d.as_deref())).collect();
    let mut observed: Vec<Option<&'static str>> = vec![None; n];
    let mut out = Vec::new();
    let mut rows = st.raw_query();
    while let Some(row) = rows.next().map_err(err)? {
        if out.len() >= budget.max_rows {
            break;
        }
        let mut vals = Vec::with_capacity(n);
        for (i, seen) in observed.iter_mut().enumerate() {
            let i: usize = i;
            let v = row.get_ref(i).map_err(err)?;
            // charged before the value is copied, so a run never holds more than the budget
            budget.charge(
                match v {
                    ValueRef::Text(t) => t.len(),
                    ValueRef::Blob(b) => b.len().saturating_mul(6),
                    _ => 24,
                } + 1,
            )?;
            let (s, ty) = match (v, shapes[i]) {
                (ValueRef::Integer(x), Shape::Bool) => {
                    (Some((x != 0).to_string()), Some("boolean"))
                }
                (ValueRef::Integer(x), Shape::Decimal(scale)) => {
                    (Some(format!("{:.*}", scale, x as f64)), Some("decimal"))
                }
                (ValueRef::Real(x), Shape::Decimal(scale)) => {
                    (Some(format!("{x:.scale$}")), Some("decimal"))
                }
                _ => match v {
                    ValueRef::Null => (None, None),
                    ValueRef::Integer(x) => (Some(x.to_string()), Some("bigint")),
                    ValueRef::Real(x) => (Some(real(x)), Some("double")),
                    ValueRef::Text(t) => (
                        Some(String::from_utf8_lossy(t).into_owned()),
                        Some("string"),
                    ),
                    ValueRef::Blob(b) => (Some(format!("{b:02x?}")), Some("binary")),
                },
            };
            if seen.is_none() {
                *seen = ty;
            }
            vals.push(s);
        }
        out.push(vals);
    }
    let columns = decl
        .into_iter()
        .zip(observed)
        .map(|((name, decl), seen)| Column {
            name,
            data_type: decl.unwrap_or_else(|| seen.unwrap_or("string").to_string()),
        })
        .collect();
    Ok(Some(ResultSet::Table { columns, rows: out }))
}

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

fn table(cols: &[(&str, &str)], rows: Vec<Vec<Option<String>>>) -> ResultSet {
    ResultSet::Table {
        columns: cols
            .iter()
            .map(|(n, t)| Column {
                name: (*n).into(),
                data_type: (*t).into(),
            })
            .collect(),
        rows,
    }
}

fn schema(db: &str) -> String {
    let db = db.trim_matches(|c| c == '`' || c == ';');
    if db.eq_ignore_ascii_case("default") {
        "main".into()
    } else {
        db.to_string()
    }
}

fn unschema(db: &str) -> &str {
    if db == "main" { "default" } else { db }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session onto a fresh catalog, with `run` bound to it.
    struct Engine {
        _catalog: super::super::session::Catalog,
        conn: std::cell::RefCell<Connection>,
    }

    impl Engine {
        fn run(&self, code: &str) -> EngineRun {
            let limits = RunLimits {
                timeout: Duration::from_millis(300),
                max_rows: 1000,
                max_result_bytes: 1 << 20,
                max_database_bytes: 1 << 24,
            };
            run(&mut self.conn.borrow_mut(), code, &Arc::default(), limits)
        }
    }

    fn engine() -> Engine {
        let catalog = super::super::session::Catalog::seed(crate::config::DEMO_CATALOG).unwrap();
        let conn = catalog
            .address()
            .open_session(super::super::session::SessionLimits {
                max_value_bytes: 1 << 20,
                max_database_bytes: 1 << 24,
                open_wait: Duration::from_millis(100),
            })
            .unwrap();
        Engine {
            _catalog: catalog,
            conn: conn.into(),
        }
    }

    #[test]
    fn hive_statements() {
        let e = engine();
        let r = e.run(
            "show databases; show tables; desc employees; select count(1) from default.employees",
        );
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.results.len(), 4);
        let ResultSet::Table { rows, .. } = &r.results[0] else {
            panic!()
        };
        assert_eq!(
            rows,
            &vec![
                vec![Some("default".to_string())],
                vec![Some("sales".into())]
            ]
        );
        let ResultSet::Table { columns, rows } = &r.results[3] else {
            panic!()
        };
        assert_eq!(columns[0].name, "count(1)");
        assert_eq!(columns[0].data_type, "bigint");
        assert_eq!(rows[0][0].as_deref(), Some("5"));
    }

    #[test]
    fn joins_and_errors() {
        let e = engine();
        let r = e.run("select d.name, count(*) n, avg(e.salary) from employees e join departments d on e.dept_id = d.id group by d.name order by d.name");
        assert!(r.error.is_none());
        assert_eq!(r.results[0].rows(), 3);
        let r = e.run("select * from nope");
        assert!(r.error.unwrap().contains("no such table: nope"));
    }

    #[test]
    fn runaway_sql_is_interrupted() {
        let e = engine();
        let r = e.run(
            "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c",
        );
        assert!(r.error.unwrap().contains("time budget"));
        // the engine still works afterwards
        assert!(e.run("select 1").error.is_none());
    }

    #[test]
    fn splits() {
        assert_eq!(
            split_statements("-- c\nselect ';'; ;select 2 -- x\n"),
            vec!["select ';'", "select 2"]
        );
        assert!(split_statements("-- @mock duration=1s\n").is_empty());
    }
}
