//! Linkis scenarios: password logins (session cookie), SQL and Python submits polled to
//! completion, a log page and the result set (job history, then `openFile`), and kills.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::engee::truncate;
use crate::report::Stats;
use crate::{Args, Dice};

const V1: &str = "/api/rest_j/v1";
const USERS: &[&str] = &["hadoop", "alice", "bob"];

pub struct Session {
    http: reqwest::Client,
    base: String,
    user: &'static str,
    logged_in: bool,
}

impl Session {
    pub fn new(args: &Args, worker: usize) -> Self {
        Session {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .timeout(Duration::from_secs(30))
                .no_proxy()
                .build()
                .expect("reqwest client"),
            base: args.linkis.clone(),
            user: USERS[worker % USERS.len()],
            logged_in: false,
        }
    }

    pub async fn login(&mut self, stats: &Stats) {
        let user = self.user;
        let ok = stats
            .time("linkis.login", async {
                let r = self
                    .http
                    .post(format!("{}{V1}/user/login", self.base))
                    .json(&json!({ "userName": user, "password": user }))
                    .send()
                    .await;
                envelope(r).await.map(|_| ())
            })
            .await;
        self.logged_in = ok.is_some();
    }

    async fn ensure_login(&mut self, stats: &Stats) -> bool {
        if !self.logged_in {
            self.login(stats).await;
        }
        self.logged_in
    }

    async fn submit(&self, stats: &Stats, dice: &mut Dice) -> Option<(String, u64)> {
        let (code, run_type, engine) = if dice.below(3) == 0 {
            ("print('soak')", "python", "python-python3")
        } else {
            ("select * from employees", "sql", "spark-2.4.3")
        };
        let body = json!({
            "executionContent": { "code": code, "runType": run_type },
            "labels": { "engineType": engine, "userCreator": format!("{}-IDE", self.user) },
        });
        stats
            .time("linkis.submit", async {
                let r = self
                    .http
                    .post(format!("{}{V1}/entrance/submit", self.base))
                    .json(&body)
                    .send()
                    .await;
                let data = envelope(r).await?;
                let exec_id = data["execID"].as_str().ok_or("no execID")?.to_owned();
                let task_id = data["taskID"].as_u64().ok_or("no taskID")?;
                Ok((exec_id, task_id))
            })
            .await
    }

    /// Submit, poll the status to the end, read a log page and the result set.
    pub async fn job(&mut self, stats: &Stats, dice: &mut Dice, deadline: Instant) {
        if !self.ensure_login(stats).await {
            return;
        }
        let Some((exec_id, task_id)) = self.submit(stats, dice).await else {
            return;
        };
        let give_up = Instant::now() + Duration::from_secs(60);
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let status = stats
                .time("linkis.status", async {
                    let r = self
                        .http
                        .get(format!("{}{V1}/entrance/{exec_id}/status", self.base))
                        .send()
                        .await;
                    let data = envelope(r).await?;
                    let status = data["status"].as_str().unwrap_or_default().to_owned();
                    match status.as_str() {
                        "Failed" | "Cancelled" | "Timeout" => {
                            Err(format!("{exec_id} ended {status}"))
                        }
                        _ if status != "Succeed" && Instant::now() > give_up => {
                            Err(format!("{exec_id} still {status} after 60 s"))
                        }
                        _ => Ok(status),
                    }
                })
                .await;
            match status.as_deref() {
                Some("Succeed") => break,
                Some(_) if Instant::now() < deadline + Duration::from_secs(30) => continue,
                _ => return,
            }
        }
        stats
            .time("linkis.log", async {
                let r = self
                    .http
                    .get(format!("{}{V1}/entrance/{exec_id}/log", self.base))
                    .query(&[("fromLine", "0"), ("size", "100")])
                    .send()
                    .await;
                let data = envelope(r).await?;
                if data["log"].is_null() {
                    return Err(format!("no log in {data}"));
                }
                Ok(())
            })
            .await;
        let location = stats
            .time("linkis.history_get", async {
                let r = self
                    .http
                    .get(format!("{}{V1}/jobhistory/{task_id}/get", self.base))
                    .send()
                    .await;
                let data = envelope(r).await?;
                data["task"]["resultLocation"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or(format!("no task.resultLocation in {data}"))
            })
            .await;
        let Some(location) = location else { return };
        stats
            .time("linkis.open_file", async {
                let r = self
                    .http
                    .get(format!("{}{V1}/filesystem/openFile", self.base))
                    .query(&[
                        ("path", format!("{location}/_0.dolphin").as_str()),
                        ("page", "1"),
                        ("pageSize", "5000"),
                    ])
                    .send()
                    .await;
                envelope(r).await.map(|_| ())
            })
            .await;
    }

    /// Submit and kill at once.
    pub async fn kill(&mut self, stats: &Stats, dice: &mut Dice) {
        if !self.ensure_login(stats).await {
            return;
        }
        let Some((exec_id, _)) = self.submit(stats, dice).await else {
            return;
        };
        stats
            .time("linkis.kill", async {
                let r = self
                    .http
                    .get(format!("{}{V1}/entrance/{exec_id}/kill", self.base))
                    .send()
                    .await;
                envelope(r).await.map(|_| ())
            })
            .await;
    }
}

/// `data` of a Linkis envelope with `status` 0, or an error naming what came.
async fn envelope(r: reqwest::Result<reqwest::Response>) -> Result<Value, String> {
    let r = r.map_err(|e| e.to_string())?;
    let http = r.status().as_u16();
    let text = r.text().await.map_err(|e| e.to_string())?;
    let body: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{http} not JSON ({e}): {}", truncate(&text)))?;
    if http != 200 || body["status"] != 0 {
        return Err(format!("{http}: {}", truncate(&text)));
    }
    Ok(body["data"].clone())
}
