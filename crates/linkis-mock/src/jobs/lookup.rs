//! Upstream's rules for finding the job an entrance request names: by execID (either
//! format), with the `taskID` fallbacks `status` and `kill` have, and the "not found"
//! texts each endpoint answers. No HTTP in here.

use super::JobStore;
use crate::error::LinkisError;
use crate::profile::parse_exec_id;

/// Why an execID does not lead to a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miss {
    /// Not an execID in either format.
    Malformed,
    /// Well-formed, but no job (never was, or evicted).
    Unknown,
}

/// The taskID behind an execID.
pub fn find(jobs: &JobStore, exec_id: &str) -> Result<u64, Miss> {
    let parsed = parse_exec_id(exec_id).ok_or(Miss::Malformed)?;
    jobs.find_short(&parsed.short).ok_or(Miss::Unknown)
}

/// Where `status` reads a job's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusSource {
    /// The entrance's job for the execID.
    Entrance(u64),
    /// Upstream falls back to job history when the execID is not known and a positive
    /// `taskID` is given (owner-checked like history).
    History(u64),
}

/// Upstream's answer to `status` for a well-formed execID without a job.
pub const NO_JOB_FOR_STATUS: &str = "ID The corresponding job is empty and cannot obtain the corresponding task status.(ID 对应的job为空，不能获取相应的任务状态)";

/// `status`: the execID's job, else the `taskID` fallback, else the endpoint's texts.
pub fn for_status(
    jobs: &JobStore,
    exec_id: &str,
    task_id: Option<i64>,
) -> Result<StatusSource, LinkisError> {
    match (find(jobs, exec_id), task_id) {
        (Ok(t), _) => Ok(StatusSource::Entrance(t)),
        (Err(_), Some(t)) if t > 0 => Ok(StatusSource::History(t as u64)),
        (Err(Miss::Malformed), _) => Err(LinkisError::NotFound(
            "Get job by ID error and cannot obtain the corresponding task status.(获取job时发生异常，不能获取相应的任务状态)".into(),
        )),
        (Err(Miss::Unknown), _) => Err(LinkisError::NotFound(NO_JOB_FOR_STATUS.into())),
    }
}

/// Upstream's answer to `log` for a well-formed execID without a job.
pub fn no_job_for_log(exec_id: &str) -> LinkisError {
    LinkisError::NotFound(format!(
        "Can't find execID(不能找到execID): {exec_id}Corresponding job, can not get the corresponding log(对应的job，不能获得对应的日志)"
    ))
}

/// `log`: the execID's job.
pub fn for_log(jobs: &JobStore, exec_id: &str) -> Result<u64, LinkisError> {
    find(jobs, exec_id).map_err(|miss| match miss {
        Miss::Malformed => LinkisError::NotFound(
            "The job you just executed has ended. This interface no longer provides a query. It is recommended that you download the log file for viewing.(您刚刚执行的job已经结束，本接口不再提供查询，建议您下载日志文件进行查看)".into(),
        ),
        Miss::Unknown => no_job_for_log(exec_id),
    })
}

/// Upstream's answer to `progress` without a job.
pub fn no_job_for_progress() -> LinkisError {
    LinkisError::NotFound(
        "The job corresponding to the ID is empty, and the corresponding task progress cannot be obtained.(ID 对应的job为空，不能获取相应的任务进度)".into(),
    )
}

/// `progress` / `progressWithResource`: the execID's job.
pub fn for_progress(jobs: &JobStore, exec_id: &str) -> Result<u64, LinkisError> {
    find(jobs, exec_id).map_err(|_| no_job_for_progress())
}

/// `kill`: the execID's job, else the given positive `taskID` (upstream kills by it).
/// Without either the mock answers "Get job by ID error, kill failed." instead of
/// upstream's forced kill of nothing.
pub fn for_kill(jobs: &JobStore, exec_id: &str, task_id: Option<i64>) -> Result<u64, LinkisError> {
    match (find(jobs, exec_id), task_id) {
        (Ok(t), _) => Ok(t),
        (Err(_), Some(t)) if t > 0 => Ok(t as u64),
        _ => Err(LinkisError::NotFound(
            "Get job by ID error, kill failed.(获取job时发生异常，kill失败)".into(),
        )),
    }
}

/// `pause`: the execID's job.
pub fn for_pause(jobs: &JobStore, exec_id: &str) -> Result<u64, LinkisError> {
    find(jobs, exec_id).map_err(|_| {
        LinkisError::NotFound(format!(
            "can not find the job of exexID :{exec_id} can not pause (不能找到execID: {exec_id}对应的job，不能进行pause)"
        ))
    })
}
