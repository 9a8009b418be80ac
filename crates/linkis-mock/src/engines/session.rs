//! The shared catalog and the private engine sessions onto it.
//!
//! As a Hive metastore is shared by every user's engines, the seeded catalog lives in
//! in-process SQLite databases that every session reaches (SQLite's `memdb` VFS: named
//! in-memory databases shared across connections, with ordinary locking and never a file).
//! Each session is its own connection, so its temp tables, pragmas and open statements are
//! private. An authorizer refuses what no Linkis SQL engine lets SQL do.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::{Connection, backup::Backup, config::DbConfig};

/// Read-only pragmas a session may use (the Hive translation needs `table_info` and
/// `database_list`); every other pragma changes the engine or touches files.
const READ_ONLY_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "database_list",
    "foreign_key_list",
    "collation_list",
];

/// Functions no engine offers: loading code into the engine.
const REFUSED_FUNCTIONS: &[&str] = &["load_extension", "fts3_tokenizer"];

/// The seeded catalog: one shared in-memory database per schema (`main` = Hive's
/// `default`, plus every database the catalog script attached).
pub struct Catalog {
    address: CatalogAddress,
    /// Keeps the shared databases alive while no session is open.
    _holder: Connection,
}

/// Where a catalog's databases are: all a session needs to reach them.
#[derive(Clone, Debug)]
pub struct CatalogAddress {
    id: String,
    schemas: Vec<String>,
}

/// What bounds one session.
#[derive(Clone, Copy, Debug)]
pub struct SessionLimits {
    /// Longest string or blob SQL may build (`SQLITE_LIMIT_LENGTH`).
    pub max_value_bytes: usize,
    /// Largest size each database may grow to through this session.
    pub max_database_bytes: u64,
    /// How long opening waits for another session's write to the catalog to end.
    pub open_wait: std::time::Duration,
}

impl Catalog {
    /// Runs the (trusted) catalog script and publishes its databases for sessions.
    pub fn seed(script: &str) -> Result<Self, String> {
        let scratch = Connection::open_in_memory().map_err(err)?;
        scratch
            .execute_batch(script)
            .map_err(|e| format!("catalog script failed: {e}"))?;
        let schemas = schema_names(&scratch)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut holder = Connection::open(db_uri(&id, 0)).map_err(err)?;
        for (i, s) in schemas.iter().enumerate().skip(1) {
            holder
                .execute("ATTACH DATABASE ?1 AS ?2", (db_uri(&id, i), s))
                .map_err(err)?;
        }
        for s in &schemas {
            Backup::new_with_names(&scratch, s.as_str(), &mut holder, s.as_str())
                .and_then(|b| b.run_to_completion(256, std::time::Duration::ZERO, None))
                .map_err(|e| format!("cannot publish catalog database {s}: {e}"))?;
        }
        Ok(Self {
            address: CatalogAddress { id, schemas },
            _holder: holder,
        })
    }

    pub fn address(&self) -> CatalogAddress {
        self.address.clone()
    }
}

impl CatalogAddress {
    /// Opens a new private session onto the catalog, locked down.
    pub fn open_session(&self, limits: SessionLimits) -> Result<Connection, String> {
        let mut conn = Connection::open(db_uri(&self.id, 0)).map_err(err)?;
        // attaching reads each schema: wait (bounded) while another session writes
        conn.busy_timeout(limits.open_wait).map_err(err)?;
        for (i, s) in self.schemas.iter().enumerate().skip(1) {
            conn.execute("ATTACH DATABASE ?1 AS ?2", (db_uri(&self.id, i), s))
                .map_err(err)?;
        }
        let pages = (limits.max_database_bytes / 4096).clamp(16, i32::MAX as u64);
        let mut setup = String::from("PRAGMA temp_store = MEMORY;");
        for s in self.schemas.iter().map(String::as_str).chain(["temp"]) {
            let q = s.replace('"', "\"\"");
            setup.push_str(&format!("PRAGMA \"{q}\".max_page_count = {pages};"));
        }
        conn.execute_batch(&setup).map_err(err)?;
        let max_len = i32::try_from(limits.max_value_bytes.max(1024)).unwrap_or(i32::MAX);
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, max_len)
            .map_err(err)?;
        // no database beyond the catalog's can ever be attached (VACUUM INTO attaches one)
        let attached = i32::try_from(self.schemas.len().saturating_sub(1)).unwrap_or(0);
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, attached)
            .map_err(err)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
            .map_err(err)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
            .map_err(err)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)
            .map_err(err)?;
        conn.authorizer(Some(authorize)).map_err(err)?;
        Ok(conn)
    }
}

/// Why a statement is refused, for the job's error; `None` when the statement may run.
/// Checked before SQLite parses the statement, for what the authorizer cannot see.
pub fn refused_statement(stmt: &str) -> Option<String> {
    let first = stmt
        .split(|c: char| c.is_whitespace() || c == ';' || c == '(')
        .find(|w| !w.is_empty())?
        .to_ascii_lowercase();
    match first.as_str() {
        "vacuum" => Some(
            "VACUUM is not supported by the Hive/Spark SQL engines (it would rewrite the shared catalog or write a file)"
                .into(),
        ),
        "begin" | "commit" | "end" | "rollback" | "savepoint" | "release" => Some(transactions()),
        _ => None,
    }
}

fn transactions() -> String {
    "transactions (BEGIN/COMMIT/ROLLBACK/SAVEPOINT) are not supported by the Hive/Spark SQL engines: every statement commits on its own".into()
}

/// Reports what the authorizer refused, so a job fails with a message naming it.
pub fn explain_refusal(stmt: &str) -> Option<String> {
    let lower = stmt.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    if words.first() == Some(&"attach") {
        return Some("ATTACH DATABASE is not supported by the Hive/Spark SQL engines (the catalog is fixed; no file can be opened)".into());
    }
    if words.first() == Some(&"detach") {
        return Some("DETACH DATABASE is not supported by the Hive/Spark SQL engines (the catalog is shared)".into());
    }
    if words.first() == Some(&"pragma") {
        let name = words.get(1).copied().unwrap_or("");
        let name = if words.len() > 2 && matches!(name, "main" | "temp") {
            words[2]
        } else {
            name
        };
        return Some(format!(
            "PRAGMA {name} is not supported by the Hive/Spark SQL engines (only the read-only {} are)",
            READ_ONLY_PRAGMAS.join(", ")
        ));
    }
    if let Some(p) = words.iter().find_map(|w| {
        w.strip_prefix("pragma_")
            .filter(|p| !READ_ONLY_PRAGMAS.contains(p))
    }) {
        return Some(format!(
            "PRAGMA {p} is not supported by the Hive/Spark SQL engines (only the read-only {} are)",
            READ_ONLY_PRAGMAS.join(", ")
        ));
    }
    if let Some(f) = REFUSED_FUNCTIONS.iter().find(|f| words.contains(f)) {
        return Some(format!(
            "{f}() is not supported by the Hive/Spark SQL engines (no code can be loaded into the engine)"
        ));
    }
    if words.first() == Some(&"create") && words.contains(&"virtual") {
        return Some("CREATE VIRTUAL TABLE is not supported by the Hive/Spark SQL engines".into());
    }
    None
}

/// The authorizer every session runs with.
pub(crate) fn authorize(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => Authorization::Deny,
        AuthAction::CreateVtable { .. } | AuthAction::DropVtable { .. } => Authorization::Deny,
        AuthAction::Pragma { pragma_name, .. } => {
            if READ_ONLY_PRAGMAS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(pragma_name))
            {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        AuthAction::Function { function_name } => {
            if REFUSED_FUNCTIONS
                .iter()
                .any(|f| f.eq_ignore_ascii_case(function_name))
            {
                Authorization::Deny
            } else {
                Authorization::Allow
            }
        }
        _ => Authorization::Allow,
    }
}

/// The shared in-memory database `i` of catalog `id` (never a file: the `memdb` VFS).
fn db_uri(id: &str, i: usize) -> String {
    format!("file:/linkis-mock-{id}-{i}?vfs=memdb")
}

/// Databases of a connection, `main` first, without `temp`.
fn schema_names(conn: &Connection) -> Result<Vec<String>, String> {
    let mut st = conn
        .prepare("SELECT name FROM pragma_database_list ORDER BY seq")
        .map_err(err)?;
    let names = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    Ok(names.into_iter().filter(|n| n != "temp").collect())
}

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> (Catalog, Connection) {
        let cat = Catalog::seed(crate::config::DEMO_CATALOG).unwrap();
        let limits = SessionLimits {
            max_value_bytes: 1 << 20,
            max_database_bytes: 1 << 24,
            open_wait: std::time::Duration::from_millis(100),
        };
        let s = cat.address().open_session(limits).unwrap();
        (cat, s)
    }

    #[test]
    fn sessions_share_tables_but_not_temp_tables() {
        let (cat, a) = session();
        let b = cat
            .address()
            .open_session(SessionLimits {
                max_value_bytes: 1 << 20,
                max_database_bytes: 1 << 24,
                open_wait: std::time::Duration::from_millis(100),
            })
            .unwrap();
        a.execute_batch(
            "create temp table t(x); insert into employees(id, name) values (99, 'zed')",
        )
        .unwrap();
        let n: i64 = b
            .query_row("select count(*) from employees", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6);
        assert!(b.prepare("select * from t").is_err());
        let n: i64 = b
            .query_row("select count(*) from sales.orders", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn refuses_what_no_engine_allows() {
        let (_cat, s) = session();
        for sql in [
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "DETACH DATABASE sales",
            "PRAGMA query_only = 1",
            "PRAGMA journal_mode = WAL",
            "BEGIN",
            "SAVEPOINT a",
            "select load_extension('x')",
        ] {
            assert!(s.prepare(sql).is_err(), "{sql} was allowed");
            assert!(
                explain_refusal(sql).is_some() || refused_statement(sql).is_some(),
                "{sql}"
            );
        }
        assert!(
            s.prepare("select * from pragma_table_info('employees')")
                .is_ok()
        );
        assert!(s.prepare("PRAGMA table_info(employees)").is_ok());
        assert!(
            s.execute_batch("VACUUM INTO '/tmp/should-not-exist.db'")
                .is_err()
        );
        assert!(refused_statement("vacuum").is_some());
        // table-valued pragma functions cannot change anything either
        for f in [
            "pragma_query_only(1)",
            "pragma_max_page_count(100000000)",
            "pragma_temp_store(1)",
            "pragma_writable_schema(1)",
            "pragma_cache_size(1000000)",
        ] {
            let sql = format!("select * from {f}");
            let r = s.query_row(&sql, [], |r| r.get::<_, i64>(0));
            assert!(r.is_err(), "{sql}: {r:?}");
        }
    }
}
