//! Issue 11.3, deterministic runs: with the same seed and a clock frozen at the same
//! instant, the same requests sent one after another get byte-identical answers (bodies
//! and `Set-Cookie`), on two fresh servers and again after a reset. Jobs run on the
//! standard timing, on the mock's clock: the script moves it instead of waiting.

use linkis_mock::{Config, MockServer};
use serde_json::{Value, json};

const V1: &str = "/api/rest_j/v1";

fn t0() -> chrono::DateTime<chrono::Utc> {
    "2030-01-01T00:00:00Z".parse().unwrap()
}

async fn start(seed: Option<u64>) -> MockServer {
    MockServer::start(Config {
        seed,
        clock: mock_kit::Clock::frozen(t0()),
        ..Config::demo()
    })
    .await
    .expect("mock starts")
}

/// Each answer: the step, status and `Set-Cookie` headers, and the body's bytes.
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
                .cookie_store(true)
                .build()
                .unwrap(),
            seen: Vec::new(),
        }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(format!("{}{V1}{path}", self.base))
    }

    /// Sends, records the answer under `step`, and returns its body as JSON.
    async fn record(&mut self, step: &str, rb: reqwest::RequestBuilder) -> Value {
        let r = rb.send().await.unwrap();
        let mut head = format!("{step} {}", r.status().as_u16());
        for v in r.headers().get_all("set-cookie") {
            head.push_str(&format!("\nset-cookie: {}", v.to_str().unwrap()));
        }
        let body = r.bytes().await.unwrap().to_vec();
        let json = serde_json::from_slice(&body).unwrap();
        self.seen.push((head, body));
        json
    }

    /// Moves the mock's clock through the admin API (not part of the transcript).
    async fn advance(&self, secs: u64) {
        let r = self
            .http
            .post(format!("{}/__admin/clock", self.base))
            .json(&json!({ "advance_secs": secs }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// Linkis: login, submit, status, log, the job history, the result set.
    async fn run(mut self) -> Transcript {
        let login = self
            .http
            .post(format!("{}{V1}/user/login", self.base))
            .json(&json!({"userName": "alice", "password": "alice"}));
        self.record("login", login).await;
        let submit = self
            .http
            .post(format!("{}{V1}/entrance/submit", self.base))
            .json(&json!({
                "executionContent": {"code": "select * from employees", "runType": "sql"},
                "labels": {"engineType": "spark-2.4.3", "userCreator": "alice-IDE"}
            }));
        let submitted = self.record("submit", submit).await;
        let exec = submitted["data"]["execID"].as_str().unwrap().to_owned();
        let task = submitted["data"]["taskID"].as_u64().unwrap();
        let status = self.get(&format!("/entrance/{exec}/status"));
        self.record("status (queued)", status).await;
        self.advance(10).await;
        let status = self.get(&format!("/entrance/{exec}/status"));
        let status = self.record("status (done)", status).await;
        assert_eq!(status["data"]["status"], "Succeed", "{status}");
        let log = self.get(&format!("/entrance/{exec}/log?fromLine=0&size=100"));
        self.record("log", log).await;
        let history = self.get(&format!("/jobhistory/{task}/get"));
        let history = self.record("jobhistory/get", history).await;
        let location = history["data"]["task"]["resultLocation"]
            .as_str()
            .unwrap()
            .to_owned();
        let result = self.get(&format!("/filesystem/openFile?path={location}/_0.dolphin"));
        let result = self.record("result", result).await;
        assert_eq!(result["status"], 0, "{result}");
        self.seen
    }
}

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
    assert_same(&first, &Script::new(&b).run().await);
    assert!(
        first[0]
            .0
            .contains("set-cookie: linkis_user_session_ticket_id_v1="),
        "{}",
        first[0].0
    );

    // A reset restarts the sequence; the clock stays where the run left it, so it is set
    // back too (a reset never moves the clock).
    let admin = reqwest::Client::new();
    let r = admin
        .post(format!("{}/__admin/reset", a.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = admin
        .post(format!("{}/__admin/clock", a.url()))
        .json(&json!({"set": "2030-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_same(&first, &Script::new(&a).run().await);
}

#[tokio::test]
async fn another_seed_or_none_gives_another_ticket() {
    let seven = Script::new(&start(Some(7)).await).run().await;
    let eight = Script::new(&start(Some(8)).await).run().await;
    let unseeded = Script::new(&start(None).await).run().await;
    for other in [&eight, &unseeded] {
        assert_ne!(seven[0].0, other[0].0, "the login's Set-Cookie");
        // taskIDs and execIDs are counters: the rest of the run is the same.
        assert_same(&seven[1..].to_vec(), &other[1..].to_vec());
    }
}

#[tokio::test]
async fn the_seed_is_read_from_the_toml() {
    let dir = std::env::temp_dir().join(format!("linkis-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("linkis.toml");
    std::fs::write(&file, "seed = 42\n").unwrap();
    let seed = Config::load(&file).unwrap().seed;
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(seed, Some(42));
    assert_eq!(Config::testing().seed, None, "unseeded unless asked");
}
