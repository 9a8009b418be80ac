//! The embedded SQL engine: SQLite (bundled) over the seeded catalog, with Hive-style
//! `show databases`, `show tables`, `desc` translated. Each job's run is bounded in wall
//! time by a progress handler, and its result sets in rows.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::hive::{Shape, hive_type, one_line, real, shape, translate};
use super::{Column, EngineRun, ResultSet};
use crate::joblog::Level;

pub use super::hive::split_statements;

/// One shared connection holding the catalog (jobs may create tables in it).
pub struct SqlEngine {
    conn: Mutex<Connection>,
    catalog: String,
    timeout: Duration,
    max_rows: usize,
}

impl SqlEngine {
    /// Opens an in-memory database and runs the catalog script.
    pub fn new(catalog: &str, timeout: Duration, max_rows: usize) -> Result<Self, String> {
        let conn = seeded(catalog)?;
        Ok(Self {
            conn: Mutex::new(conn),
            catalog: catalog.to_owned(),
            timeout,
            max_rows,
        })
    }

    /// Back to the seeded catalog.
    pub fn reset(&self) {
        match seeded(&self.catalog) {
            Ok(c) => *crate::auth::lock(&self.conn) = c,
            Err(e) => tracing::error!(error = %e, "cannot re-seed the SQL catalog"),
        }
    }

    /// Runs every statement of `code` (blocking; call from `spawn_blocking`).
    pub fn run(&self, code: &str) -> EngineRun {
        let mut run = EngineRun::default();
        let mut conn = crate::auth::lock(&self.conn);
        let deadline = Instant::now() + self.timeout;
        let timeout = self.timeout;
        let _ = conn.progress_handler(1000, Some(move || Instant::now() > deadline));
        let statements = split_statements(code);
        run.log.push((
            Level::Info,
            format!(
                "SQL code check has passed, {} statement(s) submitted to the embedded SQL engine",
                statements.len()
            ),
        ));
        for (i, stmt) in statements.iter().enumerate() {
            run.log.push((
                Level::Info,
                format!("Executing statement {}: {}", i + 1, one_line(stmt)),
            ));
            match self.statement(&conn, stmt) {
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
                    if n >= self.max_rows {
                        run.log.push((
                            Level::Warn,
                            format!(
                                "Result set truncated to {} rows (limits.max_result_rows)",
                                self.max_rows
                            ),
                        ));
                    }
                    run.results.push(rs);
                }
                Ok(None) => run
                    .log
                    .push((Level::Info, format!("Statement {} OK", i + 1))),
                Err(e) => {
                    let msg = if e.contains("interrupted") {
                        format!(
                            "SQL statement {} exceeded the mock's time budget of {} ms and was interrupted",
                            i + 1,
                            timeout.as_millis()
                        )
                    } else {
                        format!("SQL statement {} failed: {e}", i + 1)
                    };
                    run.log.push((Level::Error, msg.clone()));
                    run.error = Some(msg);
                    break;
                }
            }
        }
        let _ = conn.progress_handler(0, None::<fn() -> bool>);
        run
    }

    fn statement(&self, conn: &Connection, stmt: &str) -> Result<Option<ResultSet>, String> {
        let words: Vec<String> = stmt
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["show", "databases" | "schemas", ..] => self.show_databases(conn).map(Some),
            ["show", "tables"] => self.show_tables(conn, "main").map(Some),
            ["show", "tables", "in" | "from", db, ..] => {
                self.show_tables(conn, &schema(db)).map(Some)
            }
            ["desc" | "describe", rest @ ..] if !rest.is_empty() => {
                let name = rest
                    .iter()
                    .rfind(|x| !matches!(**x, "formatted" | "extended"))
                    .copied()
                    .unwrap_or("");
                self.describe(conn, name).map(Some)
            }
            ["use", db] => {
                let db = db.trim_end_matches(';');
                if self.databases(conn)?.iter().any(|d| d == db) {
                    Ok(None)
                } else {
                    Err(format!("Database '{db}' not found"))
                }
            }
            _ => self.query(conn, &translate(stmt)),
        }
    }

    fn databases(&self, conn: &Connection) -> Result<Vec<String>, String> {
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

    fn show_databases(&self, conn: &Connection) -> Result<ResultSet, String> {
        let mut names = self.databases(conn)?;
        names.sort();
        Ok(table(
            &[("database_name", "string")],
            names.into_iter().map(|n| vec![Some(n)]).collect(),
        ))
    }

    fn show_tables(&self, conn: &Connection, db: &str) -> Result<ResultSet, String> {
        if !self.databases(conn)?.iter().any(|d| schema(d) == db) {
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

    fn describe(&self, conn: &Connection, name: &str) -> Result<ResultSet, String> {
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

    fn query(&self, conn: &Connection, sql: &str) -> Result<Option<ResultSet>, String> {
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
            if out.len() >= self.max_rows {
                break;
            }
            let mut vals = Vec::with_capacity(n);
            for (i, seen) in observed.iter_mut().enumerate() {
                let i: usize = i;
                let v = row.get_ref(i).map_err(err)?;
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
}

fn seeded(catalog: &str) -> Result<Connection, String> {
    let conn = Connection::open_in_memory().map_err(err)?;
    conn.execute_batch(catalog)
        .map_err(|e| format!("catalog script failed: {e}"))?;
    Ok(conn)
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

    fn engine() -> SqlEngine {
        SqlEngine::new(
            crate::config::DEMO_CATALOG,
            Duration::from_millis(300),
            1000,
        )
        .unwrap()
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
