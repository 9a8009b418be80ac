//! Engee scenarios: OAuth code flow (consent auto-approved by the binary's
//! `--auto-approve demo`) and refresh grants, evals, uploads with a file download and a
//! ZIP download, async jobs created and polled to completion.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::report::Stats;
use crate::{Args, Dice};

const PREFIX: &str = "/prod/user/personal-demo";
const CLIENT_ID: &str = "demo-app";
const CLIENT_SECRET: &str = "demo-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
const SCOPE: &str = "user:id user:username profile:name profile:primary_email engee";
/// Access tokens live 600 s; refresh well before.
const TOKEN_MAX_AGE: Duration = Duration::from_secs(300);

const EVALS: &[(&str, &str)] = &[
    ("3 + 5", "8"),
    ("sum(1:1000)", "500500"),
    ("s = join(string.(1:50), \",\"); length(s)", "140"),
    ("sq(x) = x^2; sum(map(sq, 1:20))", "2870"),
    (
        "using JSON\nJSON.json(Dict(\"a\" => [1, 2, 3]))",
        "{\"a\":[1,2,3]}",
    ),
    ("d = Dict(\"k$(i)\" => i for i in 1:100); length(d)", "100"),
    ("uppercase(\"soak\") * repeat(\"!\", 3)", "SOAK!!!"),
];

/// The demo user's Engee server must be running before evals, files and jobs.
pub async fn prepare(args: &Args) -> Result<(), String> {
    let http = client();
    let r = http
        .post(format!("{}/account/api/engee/start", args.engee))
        .bearer_auth("demo-pat")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status() != 200 {
        return Err(format!("start answered {}", r.status()));
    }
    Ok(())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()
        .expect("reqwest client")
}

pub struct Session {
    http: reqwest::Client,
    base: String,
    worker: usize,
    access: Option<(String, Instant)>,
    refresh: Option<String>,
    uploaded: Vec<String>,
}

impl Session {
    pub fn new(args: &Args, worker: usize) -> Self {
        Session {
            http: client(),
            base: args.engee.clone(),
            worker,
            access: None,
            refresh: None,
            uploaded: Vec::new(),
        }
    }

    /// authorize (auto-approved: a redirect with a code) then the code exchange.
    pub async fn code_flow(&mut self, stats: &Stats) {
        let state = format!("soak-{}", self.worker);
        let authorize = stats
            .time("oauth.authorize", async {
                let r = self
                    .http
                    .get(format!("{}/account/authorize", self.base))
                    .query(&[
                        ("response_type", "code"),
                        ("client_id", CLIENT_ID),
                        ("redirect_uri", REDIRECT_URI),
                        ("scope", SCOPE),
                        ("state", &state),
                    ])
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let location = r
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or(format!("{} without a Location", r.status()))?;
                let url = url::Url::parse(location).map_err(|e| e.to_string())?;
                url.query_pairs()
                    .find(|(k, _)| k == "code")
                    .map(|(_, v)| v.into_owned())
                    .ok_or(format!("redirect without a code: {location}"))
            })
            .await;
        let Some(code) = authorize else { return };
        let grant = [
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", SCOPE),
            ("redirect_uri", REDIRECT_URI),
        ];
        self.token("oauth.token", stats, &grant).await;
    }

    pub async fn refresh(&mut self, stats: &Stats) {
        let Some(refresh) = self.refresh.clone() else {
            return self.code_flow(stats).await;
        };
        let grant = [
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("scope", SCOPE),
            ("redirect_uri", REDIRECT_URI),
        ];
        self.token("oauth.refresh", stats, &grant).await;
    }

    async fn token(&mut self, op: &'static str, stats: &Stats, grant: &[(&str, &str)]) {
        let tokens = stats
            .time(op, async {
                let r = self
                    .http
                    .post(format!("{}/account/api/oauth2/token", self.base))
                    .form(grant)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let body = json_of(r, 200).await?;
                let access = body["access_token"].as_str().ok_or("no access_token")?;
                Ok((
                    access.to_owned(),
                    body["refresh_token"].as_str().map(str::to_owned),
                ))
            })
            .await;
        if let Some((access, refresh)) = tokens {
            self.access = Some((access, Instant::now()));
            if refresh.is_some() {
                self.refresh = refresh;
            }
        }
    }

    /// A fresh access token (refreshing or logging in when there is none or it is old).
    async fn bearer(&mut self, stats: &Stats) -> Option<String> {
        match &self.access {
            Some((t, at)) if at.elapsed() < TOKEN_MAX_AGE => return Some(t.clone()),
            Some(_) => self.refresh(stats).await,
            None => self.code_flow(stats).await,
        }
        self.access.as_ref().map(|(t, _)| t.clone())
    }

    pub async fn eval(&mut self, stats: &Stats, dice: &mut Dice) {
        let Some(token) = self.bearer(stats).await else {
            return;
        };
        let (code, expected) = EVALS[dice.below(EVALS.len() as u64) as usize];
        stats
            .time("engee.eval", async {
                let r = self
                    .http
                    .post(format!("{}{PREFIX}/external/command/eval", self.base))
                    .bearer_auth(&token)
                    .json(&json!({ "command": code }))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let body = json_of(r, 200).await?;
                match body["result"].as_str() {
                    Some(r) if r == expected => Ok(()),
                    _ => Err(format!("{code:?} gave {body}, expected {expected:?}")),
                }
            })
            .await;
    }

    /// Upload a small file, download it alone, then it and the previous one as a ZIP.
    pub async fn files(&mut self, stats: &Stats, dice: &mut Dice) {
        let Some(token) = self.bearer(stats).await else {
            return;
        };
        let size = 512 + dice.below(3584) as usize;
        let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let name = format!("f{}.bin", dice.below(8));
        let dir = format!("/user/soak/w{}", self.worker);
        let uploaded = stats
            .time("engee.upload", async {
                let part = reqwest::multipart::Part::bytes(content.clone()).file_name(name);
                let form = reqwest::multipart::Form::new()
                    .text("paths", json!({ "sources": [dir] }).to_string())
                    .part("upload_files", part);
                let r = self
                    .http
                    .post(format!("{}{PREFIX}/external/file/upload", self.base))
                    .bearer_auth(&token)
                    .multipart(form)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let body = json_of(r, 200).await?;
                body["files"][0]["path"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or(format!("no files[0].path in {body}"))
            })
            .await;
        let Some(path) = uploaded else { return };
        stats
            .time("engee.download", async {
                let bytes = self.download(&token, &[&path]).await?;
                if find(&bytes, &content) {
                    Ok(())
                } else {
                    Err(format!("{path}: the download does not hold the file"))
                }
            })
            .await;
        if let Some(previous) = self.uploaded.last().cloned() {
            stats
                .time("engee.download_zip", async {
                    let bytes = self.download(&token, &[&previous, &path]).await?;
                    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
                        .map_err(|e| format!("not a ZIP: {e}"))?;
                    let files = archive
                        .file_names()
                        .filter(|n| n.as_ref().is_ok_and(|n| !n.ends_with('/')))
                        .count();
                    if files == 2 || (previous == path && files == 1) {
                        Ok(())
                    } else {
                        Err(format!("{files} files in the ZIP of 2 sources"))
                    }
                })
                .await;
        }
        self.uploaded = vec![path];
    }

    async fn download(&self, token: &str, sources: &[&str]) -> Result<Vec<u8>, String> {
        let r = self
            .http
            .post(format!("{}{PREFIX}/external/file/download", self.base))
            .bearer_auth(token)
            .json(&json!({ "sources": sources }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status() != 200 {
            let status = r.status();
            return Err(format!("{status}: {}", r.text().await.unwrap_or_default()));
        }
        r.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string())
    }

    /// Create a job that sleeps 200 ms, poll its result until DONE.
    pub async fn job(&mut self, stats: &Stats, dice: &mut Dice, deadline: Instant) {
        let Some(token) = self.bearer(stats).await else {
            return;
        };
        let id = dice.uuid();
        let created = stats
            .time("engee.job_create", async {
                let r = self
                    .http
                    .post(format!(
                        "{}{PREFIX}/external/command/jobs/create",
                        self.base
                    ))
                    .bearer_auth(&token)
                    .json(&json!({
                        "job_id": id,
                        "job_type": "EVAL",
                        "code": "x = sum(1:1000); sleep(0.2); x",
                        "name": "soak",
                    }))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                json_of(r, 202).await.map(|_| ())
            })
            .await;
        if created.is_none() {
            return;
        }
        let give_up = Instant::now() + Duration::from_secs(10);
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let done = stats
                .time("engee.job_result", async {
                    let r = self
                        .http
                        .get(format!(
                            "{}{PREFIX}/external/command/jobs/{id}/result",
                            self.base
                        ))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let body = json_of(r, 200).await?;
                    match body["status"].as_str() {
                        Some("DONE") if body["result"]["data"]["text"] == "500500" => Ok(true),
                        Some("DONE") => Err(format!("job {id} ended with {body}")),
                        _ if Instant::now() > give_up => {
                            Err(format!("job {id} not done after 10 s: {body}"))
                        }
                        _ => Ok(false),
                    }
                })
                .await;
            if done != Some(false) || Instant::now() > deadline + Duration::from_secs(10) {
                return;
            }
        }
    }
}

/// The JSON body of an answer with the expected status, or an error naming what came.
async fn json_of(r: reqwest::Response, expected: u16) -> Result<Value, String> {
    let status = r.status().as_u16();
    let text = r.text().await.map_err(|e| e.to_string())?;
    if status != expected {
        return Err(format!("{status}: {}", truncate(&text)));
    }
    serde_json::from_str(&text).map_err(|e| format!("{status} not JSON ({e}): {}", truncate(&text)))
}

pub fn truncate(text: &str) -> &str {
    match text.char_indices().nth(300) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
