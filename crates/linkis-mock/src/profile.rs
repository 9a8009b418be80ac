//! The two dialects the mock speaks: upstream Linkis 1.x and the seed's UJES 0.x.
//! Only texts and id shapes differ; status codes, state strings and field names do not.

use serde::Deserialize;
use serde_json::Value;

/// Which texts and id formats the mock uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
pub enum Profile {
    /// Upstream 1.x: `exec_id` + 3-digit lengths, numeric taskID, `method` without `rest_j/v1`.
    #[default]
    #[serde(rename = "linkis-1.x")]
    #[value(name = "linkis-1.x")]
    Linkis1x,
    /// The seed document: 2-digit execIDs, taskID as a string, `/api/rest_j/v1/...` methods.
    #[serde(rename = "ujes-0.x")]
    #[value(name = "ujes-0.x")]
    Ujes0x,
}

/// Entrance operations whose texts differ between profiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Execute,
    Submit,
    Status,
    Log,
    Progress,
    ProgressWithResource,
    Kill,
    KillJobs,
    Pause,
}

impl Op {
    fn suffix(self) -> &'static str {
        match self {
            Op::Execute => "execute",
            Op::Submit => "submit",
            Op::Status => "status",
            Op::Log => "log",
            Op::Progress => "progress",
            Op::ProgressWithResource => "progressWithResource",
            Op::Kill => "kill",
            Op::KillJobs => "killJobs",
            Op::Pause => "pause",
        }
    }
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Linkis1x => "linkis-1.x",
            Profile::Ujes0x => "ujes-0.x",
        }
    }

    /// The envelope's `method` for an entrance operation (`exec_id` is `None` for
    /// execute/submit).
    pub fn method(self, op: Op, exec_id: Option<&str>) -> String {
        let base = match self {
            Profile::Linkis1x => "/api/entrance",
            Profile::Ujes0x => "/api/rest_j/v1/entrance",
        };
        match exec_id {
            Some(id) => format!("{base}/{id}/{}", op.suffix()),
            None => format!("{base}/{}", op.suffix()),
        }
    }

    /// The success message of an entrance operation.
    pub fn ok_message(self, op: Op) -> &'static str {
        match (self, op) {
            (Profile::Ujes0x, Op::Execute | Op::Submit) => "请求执行成功",
            (Profile::Ujes0x, Op::Status) => "获取状态成功",
            (Profile::Ujes0x, Op::Log) => "返回日志信息",
            (Profile::Ujes0x, Op::Progress | Op::ProgressWithResource) => "返回进度信息",
            (Profile::Ujes0x, Op::Kill) => "OK",
            (Profile::Linkis1x, Op::Kill) => "Successfully killed the job(成功kill了job)",
            (_, Op::KillJobs) => "success",
            (_, Op::Pause) => "success to pause job (成功pause了job)",
            _ => "OK",
        }
    }

    /// taskID as this profile writes it: a number (1.x) or a string (0.x).
    pub fn task_id(self, id: u64) -> Value {
        match self {
            Profile::Linkis1x => Value::from(id),
            Profile::Ujes0x => Value::from(id.to_string()),
        }
    }

    /// The scheduler group a job's short exec id counts in: `<creator>_<user>_<engine>`
    /// (1.x) or `<creator>_<user>` (0.x, whose short ids do not name the engine).
    pub fn exec_group(self, creator: &str, user: &str, engine: &str) -> String {
        match self {
            Profile::Linkis1x => format!("{creator}_{user}_{engine}"),
            Profile::Ujes0x => format!("{creator}_{user}"),
        }
    }

    /// The short exec id (the scheduler's event id) of the `index`-th job of a group.
    pub fn short_exec_id(self, creator: &str, user: &str, engine: &str, index: u64) -> String {
        format!("{}_{index}", self.exec_group(creator, user, engine))
    }

    /// The full execID.
    pub fn exec_id(self, creator: &str, engine: &str, instance: &str, short: &str) -> String {
        match self {
            Profile::Linkis1x => {
                let app = "linkis-cg-entrance";
                format!(
                    "exec_id{:03}{:03}{app}{instance}{short}",
                    app.len(),
                    instance.len()
                )
            }
            Profile::Ujes0x => format!(
                "{:02}{:02}{:02}{creator}{engine}{instance}{short}",
                creator.len(),
                engine.len(),
                instance.len()
            ),
        }
    }
}

/// What an execID says, in either format.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedExecId {
    pub instance: String,
    pub short: String,
}

/// Parses a 1.x (`exec_id` + 3-digit lengths) or 0.x (2-digit lengths) execID.
/// `None` when the id is malformed.
pub fn parse_exec_id(id: &str) -> Option<ParsedExecId> {
    fn num(s: &str, at: usize, len: usize) -> Option<usize> {
        let digits = s.get(at..at + len)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
    let (instance, short) = if let Some(rest) = id.strip_prefix("exec_id") {
        let app = num(rest, 0, 3)?;
        let inst = num(rest, 3, 3)?;
        let start = 6 + app;
        (rest.get(start..start + inst)?, rest.get(start + inst..)?)
    } else {
        let creator = num(id, 0, 2)?;
        let engine = num(id, 2, 2)?;
        let inst = num(id, 4, 2)?;
        let start = 6 + creator + engine;
        (id.get(start..start + inst)?, id.get(start + inst..)?)
    };
    let valid_short = short.rsplit_once('_').is_some_and(|(group, index)| {
        !group.is_empty() && !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
    });
    if instance.is_empty() || !valid_short {
        return None;
    }
    Some(ParsedExecId {
        instance: instance.to_owned(),
        short: short.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        for p in [Profile::Linkis1x, Profile::Ujes0x] {
            let short = p.short_exec_id("IDE", "hadoop", "spark", 3);
            let id = p.exec_id("IDE", "spark", "127.0.0.1:9104", &short);
            let parsed = parse_exec_id(&id).unwrap();
            assert_eq!(parsed.short, short);
            assert_eq!(parsed.instance, "127.0.0.1:9104");
        }
    }

    #[test]
    fn parses_documented_examples() {
        let p = parse_exec_id("exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_hadoop_spark_0");
        assert_eq!(p.unwrap().short, "IDE_hadoop_spark_0");
        let p = parse_exec_id("030418IDEhivebdpdwc010004:10087IDE_johnnwang_21").unwrap();
        assert_eq!(p.instance, "bdpdwc010004:10087");
        assert_eq!(p.short, "IDE_johnnwang_21");
        assert_eq!(
            Profile::Linkis1x.exec_id("IDE", "spark", "127.0.0.1:9104", "IDE_hadoop_spark_0"),
            "exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_hadoop_spark_0"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "x",
            "exec_id",
            "exec_id99",
            "exec_id018014short",
            "9999",
            "0304",
            "ééé",
        ] {
            assert!(parse_exec_id(bad).is_none(), "{bad}");
        }
    }
}
