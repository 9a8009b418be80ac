//! What a job computes: SQL on the embedded engine, documented text results for other run
//! types, and the scenario directives. Nothing here executes anything on the host.

pub mod directives;
pub mod hive;
pub mod pool;
pub mod session;
pub mod sql;
pub mod text;

use crate::joblog::Level;

/// A column of a TABLE result set.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub data_type: String,
}

/// One result file (`_N.dolphin`).
#[derive(Clone, Debug, PartialEq)]
pub enum ResultSet {
    /// Type "2".
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<Option<String>>>,
    },
    /// Type "1".
    Text(Vec<String>),
}

impl ResultSet {
    pub fn rows(&self) -> usize {
        match self {
            ResultSet::Table { rows, .. } => rows.len(),
            ResultSet::Text(lines) => lines.len(),
        }
    }

    /// A rough size in bytes, for `properties.size`.
    pub fn approx_size(&self) -> usize {
        match self {
            ResultSet::Table { rows, columns } => {
                columns.iter().map(|c| c.name.len() + 8).sum::<usize>()
                    + rows
                        .iter()
                        .flat_map(|r| r.iter())
                        .map(|v| v.as_ref().map_or(4, |s| s.len()) + 1)
                        .sum::<usize>()
            }
            ResultSet::Text(lines) => lines.iter().map(|l| l.len() + 1).sum(),
        }
    }
}

/// The outcome of running a job's code.
#[derive(Clone, Debug, Default)]
pub struct EngineRun {
    pub results: Vec<ResultSet>,
    /// Engine output lines, in order.
    pub log: Vec<(Level, String)>,
    /// Set when the engine failed: the engine's message.
    pub error: Option<String>,
}

/// Run types that go to the embedded SQL engine: the SQL dialects (Spark/Hive `sql`/`hql`,
/// `jdbc`, Presto `psql`, Trino `tsql`, Elasticsearch `essql`, Impala `isql`, …). Every
/// other run type goes to the text engine.
pub fn is_sql(run_type: &str) -> bool {
    matches!(
        run_type.to_ascii_lowercase().as_str(),
        "sql" | "hql" | "jdbc" | "psql" | "tsql" | "fql" | "ql" | "essql" | "isql"
    )
}

/// Engine types the mock accepts (without version).
pub const ENGINE_TYPES: &[&str] = &[
    "spark",
    "hive",
    "python",
    "shell",
    "jdbc",
    "presto",
    "trino",
    "flink",
    "pipeline",
    "io_file",
    "openlookeng",
    "elasticsearch",
    "nebula",
    "sqoop",
    "datax",
    "seatunnel",
    "hbase",
    "doris",
    "repl",
    "impala",
    "appconn",
    "io_hdfs",
    "fps",
    "jobserver",
];

/// Run types the mock accepts.
pub const RUN_TYPES: &[&str] = &[
    "sql",
    "hql",
    "jdbc",
    "psql",
    "tsql",
    "fql",
    "ql",
    "python",
    "py",
    "pyspark",
    "python3",
    "scala",
    "shell",
    "sh",
    "r",
    "java",
    "json",
    "out",
    "es",
    "ngql",
    "data_calc",
    "essql",
    "esjson",
    "isql",
    "repl",
    "doris",
    "io_file",
    "io_hdfs",
    "fps",
    "pipeline",
    "jar",
    "appconn",
    "function.mdq",
    "sfsql",
    "szeta",
    "sflink",
    "sspark",
];

/// Default version appended to an engine type given without one.
pub fn default_version(engine: &str) -> &'static str {
    match engine {
        "spark" => "3.2.1",
        "hive" => "3.1.3",
        "python" => "python2",
        "shell" => "1",
        "jdbc" => "4",
        "presto" => "0.234",
        "trino" => "371",
        "flink" => "1.16.2",
        _ => "1",
    }
}
