//! Issue 11.3, deterministic runs: with the same seed and a clock frozen at the same
//! instant, the same requests sent one after another get byte-identical answers (bodies,
//! `Location`, `Set-Cookie`, the multipart boundary in `Content-Type`), on two fresh
//! servers and again after a reset.

use engee_mock::{Config, MockServer};
use serde_json::{Value, json};

/// Every request names the same host, so the server URLs in the answers do not carry
/// the free port each server got.
const HOST: &str = "127.0.0.1:8088";
const REDIRECT: &str = "http://127.0.0.1:8765/callback";
const JOB: &str = "0d0c8a3e-6a1f-4d55-9a52-2f9b1c3e7a10";

fn t0() -> chrono::DateTime<chrono::Utc> {
    "2030-01-01T00:00:00Z".parse().unwrap()
}

async fn start(seed: Option<u64>) -> MockServer {
    MockServer::start(Config {
        seed,
        clock: mock_kit::Clock::frozen(t0()),
        ..Config::for_tests()
    })
    .await
    .expect("mock starts")
}

/// What one answer showed: the step, status, the headers that carry generated values,
/// and the body's bytes.
type Transcript = Vec<(String, Vec<u8>)>;

struct Script {
    base: String,
    http: reqwest::Client,
    seen: Transcript,
}

impl Script {
    fn new(server: &MockServer) -> Self {
        Self {
            base: server.url(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            seen: Vec::new(),
        }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("host", HOST)
    }

    /// Sends, records the answer under `step`, and returns its body.
    async fn record(&mut self, step: &str, rb: reqwest::RequestBuilder) -> Vec<u8> {
        let r = rb.send().await.unwrap();
        let mut head = format!("{step} {}", r.status().as_u16());
        for name in ["location", "set-cookie", "content-type"] {
            for v in r.headers().get_all(name) {
                head.push_str(&format!("\n{name}: {}", v.to_str().unwrap()));
            }
        }
        let body = r.bytes().await.unwrap().to_vec();
        self.seen.push((head, body.clone()));
        body
    }

    /// Engee: the OAuth code flow, a refresh, the server, eval, upload, a job, and both
    /// kinds of download.
    async fn run(mut self) -> Transcript {
        let authorize = self
            .req(reqwest::Method::POST, "/account/authorize")
            .form(&[
                ("response_type", "code"),
                ("client_id", "demo-app"),
                ("redirect_uri", REDIRECT),
                ("state", "xyz"),
                ("nickname", "demo"),
                ("password", "demo"),
                ("action", "approve"),
            ]);
        self.record("authorize", authorize).await;
        let location = self.seen.last().unwrap().0.clone();
        let location = location
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .expect("a redirect");
        let code = url::Url::parse(location)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .expect("a code")
            .1
            .into_owned();
        let tokens = self.token(&[("grant_type", "authorization_code"), ("code", &code)]);
        let tokens: Value = serde_json::from_slice(&self.record("token", tokens).await).unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let tokens = self.token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]);
        let tokens: Value = serde_json::from_slice(&self.record("refresh", tokens).await).unwrap();
        let access = tokens["access_token"].as_str().unwrap().to_owned();

        let start = self
            .req(reqwest::Method::POST, "/account/api/engee/start")
            .bearer_auth(&access);
        self.record("start", start).await;
        let user = "/prod/user/personal-demo";
        let eval = self
            .req(
                reqwest::Method::POST,
                &format!("{user}/external/command/eval"),
            )
            .bearer_auth(&access)
            .json(&json!({"command": "x = 3 + 5; println(x); x"}));
        self.record("eval", eval).await;
        let form = reqwest::multipart::Form::new()
            .text("paths", r#"{"sources": ["/user/some_directory"]}"#)
            .part(
                "upload_files",
                reqwest::multipart::Part::bytes(b"PNG-ish bytes".to_vec())
                    .file_name("2.png")
                    .mime_str("image/png")
                    .unwrap(),
            );
        let upload = self
            .req(
                reqwest::Method::POST,
                &format!("{user}/external/file/upload"),
            )
            .bearer_auth(&access)
            .multipart(form);
        self.record("upload", upload).await;
        let job = self
            .req(
                reqwest::Method::POST,
                &format!("{user}/external/command/jobs/create"),
            )
            .bearer_auth(&access)
            .json(&json!({"job_id": JOB, "job_type": "EVAL", "code": "a = 5; a * 2", "name": "j"}));
        self.record("job create", job).await;
        // The job runs on its own task: poll until it is done (the polls that find it
        // running are not part of the transcript; their number depends on scheduling).
        let result_path = format!("{user}/external/command/jobs/{JOB}/result");
        for _ in 0..500 {
            let r = self
                .req(reqwest::Method::GET, &result_path)
                .bearer_auth(&access)
                .send()
                .await
                .unwrap();
            let body: Value = r.json().await.unwrap();
            if body["status"] == "DONE" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let result = self
            .req(reqwest::Method::GET, &result_path)
            .bearer_auth(&access);
        self.record("job result", result).await;
        let download = |sources: Value| {
            self.req(
                reqwest::Method::POST,
                &format!("{user}/external/file/download"),
            )
            .bearer_auth(&access)
            .json(&json!({ "sources": sources }))
        };
        let one = download(json!(["/user/some_directory/2.png"]));
        let zip = download(json!([
            "/user/some_directory",
            "/user/some_directory/2.png"
        ]));
        self.record("download (multipart)", one).await;
        self.record("download (zip)", zip).await;
        let session = self
            .req(reqwest::Method::GET, "/account/api/oauth2/session")
            .bearer_auth(&access);
        self.record("session", session).await;
        self.seen
    }

    fn token(&self, grant: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let mut form = vec![
            ("client_id", "demo-app"),
            ("client_secret", "demo-secret"),
            ("redirect_uri", REDIRECT),
        ];
        form.extend_from_slice(grant);
        self.req(reqwest::Method::POST, "/account/api/oauth2/token")
            .form(&form)
    }
}

/// The first step whose answer differs, for a readable failure.
fn assert_same(a: &Transcript, b: &Transcript) {
    assert_eq!(a.len(), b.len());
    for ((ha, ba), (hb, bb)) in a.iter().zip(b) {
        assert_eq!(ha, hb);
        assert!(
            ba == bb,
            "{ha}: bodies differ\n{}\n{}",
            String::from_utf8_lossy(ba),
            String::from_utf8_lossy(bb)
        );
    }
}

#[tokio::test]
async fn the_same_seed_gives_byte_identical_answers() {
    let (a, b) = (start(Some(7)).await, start(Some(7)).await);
    let first = Script::new(&a).run().await;
    let second = Script::new(&b).run().await;
    assert_same(&first, &second);
    // The generated values are in there: a code in the redirect, tokens, a boundary.
    let all: Vec<String> = first
        .iter()
        .map(|(h, b)| format!("{h}\n{}", String::from_utf8_lossy(b)))
        .collect();
    assert!(all[0].contains("code=ec_"), "{}", all[0]);
    assert!(all[1].contains("\"access_token\":\"ea_"), "{}", all[1]);
    let multipart = all
        .iter()
        .find(|s| s.starts_with("download (multipart)"))
        .unwrap();
    assert!(multipart.contains("boundary=engee-mock-"), "{multipart}");
    for (head, _) in &first {
        let status: u16 = head
            .lines()
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(status < 400, "{head}");
    }
    // ZIP entries are dated on the mock's clock (the upload stamped them), not the
    // system's: otherwise two runs would differ by their modification times.
    let (_, zip) = first
        .iter()
        .find(|(h, _)| h.starts_with("download (zip)"))
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 2);
    for i in 0..archive.len() {
        let entry = archive.by_index(i).unwrap();
        let t = entry.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour()),
            (2030, 1, 1, 0),
            "{:?}",
            entry.name()
        );
    }

    // A reset brings the sequence back to its start: the same script, the same answers.
    a.reset();
    let replay = Script::new(&a).run().await;
    assert_same(&first, &replay);
    // The clock did not move, so the admin API's reset does the same.
    let r = reqwest::Client::new()
        .post(format!("{}/__admin/reset", b.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_same(&first, &Script::new(&b).run().await);
}

#[tokio::test]
async fn another_seed_or_none_gives_other_values() {
    let seven = Script::new(&start(Some(7)).await).run().await;
    let eight = Script::new(&start(Some(8)).await).run().await;
    let unseeded = Script::new(&start(None).await).run().await;
    for other in [&eight, &unseeded] {
        // The code, the tokens and the boundary differ; eval answers do not.
        for step in [0, 1, 2] {
            assert_ne!(seven[step], other[step], "{}", seven[step].0);
        }
        let multipart = |t: &Transcript| {
            t.iter()
                .find(|(h, _)| h.starts_with("download (multipart)"))
                .unwrap()
                .clone()
        };
        assert_ne!(multipart(&seven), multipart(other));
        let eval = |t: &Transcript| {
            t.iter()
                .find(|(h, _)| h.starts_with("eval"))
                .unwrap()
                .clone()
        };
        assert_eq!(eval(&seven), eval(other));
    }
}

#[tokio::test]
async fn the_seed_is_read_from_the_toml() {
    let text = format!("seed = 42\n{}", engee_mock::config::DEMO_CONFIG);
    let config = Config::parse(&text).unwrap();
    assert_eq!(config.seed, Some(42));
    assert_eq!(Config::for_tests().seed, None, "unseeded unless asked");
}

/// The statuses of 32 `session` calls under a rule that faults half of them.
async fn dice(server: &MockServer) -> Vec<u16> {
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/__admin/faults", server.url()))
        .json(&json!({"path": "/account/api/oauth2/session", "probability": 0.5, "status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut statuses = Vec::new();
    for _ in 0..32 {
        let r = http
            .get(format!("{}/account/api/oauth2/session", server.url()))
            .bearer_auth("demo-pat")
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn seeded_fault_dice_fault_the_same_requests() {
    let (a, b) = (start(Some(7)).await, start(Some(7)).await);
    let first = dice(&a).await;
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
    assert_eq!(first, dice(&b).await);
    a.reset();
    assert_eq!(first, dice(&a).await, "a reset restarts the dice too");
    assert_ne!(first, dice(&start(Some(8)).await).await);
}
