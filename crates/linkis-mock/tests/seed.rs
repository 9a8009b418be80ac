//! Every example of the seed document (linkis-http-api.zh.txt), verbatim, under the
//! `ujes-0.x` profile: same status, message and field shapes.
mod common;

use common::*;
use linkis_mock::{Config, Profile};
use serde_json::{Value, json};

const SEED_EXECUTE: &str = r#"{"method":"/api/rest_j/v1/entrance/execute","data":{"params": {"variable":{"k1":"v1"},"configuration":{"special":{"k2":"v2"},"runtime":{"k3":"v3"},"startup":{"k4":"v4"}}},"executeApplicationName":"spark","executionCode":"show tables","runType":"sql","source":{"scriptPath": "/home/Linkis/Linkis.sql"},"websocketTag":"37fcbd8b762d465a0c870684a0261c6e"}}"#;

async fn seed_server() -> T {
    T::start(Config {
        profile: Profile::Ujes0x,
        clock: mock_kit::Clock::frozen_now(),
        ..Config::demo()
    })
    .await
}

/// The seed's ExecID layout: 2-digit lengths of creator, engine, instance, then them.
fn check_exec_id(id: &str) {
    let n = |a: usize| id[a..a + 2].parse::<usize>().unwrap();
    let (c, e, i) = (n(0), n(2), n(4));
    assert_eq!(&id[6..6 + c], "IDE", "{id}");
    assert_eq!(&id[6 + c..6 + c + e], "spark", "{id}");
    assert_eq!(&id[6 + c + e..6 + c + e + i], "127.0.0.1:9104", "{id}");
    assert!(id[6 + c + e + i..].starts_with("IDE_"), "{id}");
}

fn same_keys(a: &Value, b: &Value) {
    let ka: Vec<_> = a.as_object().unwrap().keys().collect();
    let kb: Vec<_> = b.as_object().unwrap().keys().collect();
    assert_eq!(ka, kb);
}

#[tokio::test]
async fn seed_examples_verbatim() {
    let t = seed_server().await;
    let c = t.login("hadoop").await;

    // 1) 提交执行
    let r = c
        .post_raw("/api/rest_j/entrance/execute", SEED_EXECUTE)
        .await;
    let expected = json!({"method": "/api/rest_j/v1/entrance/execute","status": 0,"message": "请求执行成功","data": {"execID": "030418IDEhivebdpdwc010004:10087IDE_johnnwang_21","taskID": "123"}});
    assert_eq!((r.status, r.message.as_str()), (0, "请求执行成功"));
    assert_eq!(r.method, expected["method"]);
    same_keys(&r.data, &expected["data"]);
    assert!(
        r.data["taskID"].is_string(),
        "taskID is a string in the seed"
    );
    let exec = r.data["execID"].as_str().unwrap().to_string();
    check_exec_id(&exec);

    // 2) 获取状态
    let r = c.get(&format!("/api/rest_j/entrance/{exec}/status")).await;
    assert_eq!((r.status, r.message.as_str()), (0, "获取状态成功"));
    assert_eq!(r.method, format!("/api/rest_j/v1/entrance/{exec}/status"));
    same_keys(&r.data, &json!({"execID": "", "status": ""}));
    assert_eq!(r.data["execID"], exec);
    t.advance(2.0);
    assert_eq!(
        c.get(&format!("/api/rest_j/entrance/{exec}/status"))
            .await
            .data["status"],
        "Running"
    );

    // 3) 获取日志
    let r = c
        .get(&format!(
            "/api/rest_j/entrance/{exec}/log?fromLine=0&size=100"
        ))
        .await;
    assert_eq!((r.status, r.message.as_str()), (0, "返回日志信息"));
    assert_eq!(r.method, format!("/api/rest_j/v1/entrance/{exec}/log"));
    same_keys(&r.data, &json!({"execID": "", "log": [], "fromLine": 56}));
    let log = r.data["log"].as_array().unwrap();
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(Value::is_string));
    let from = r.data["fromLine"].as_i64().unwrap();
    assert!(from >= 3);
    let r = c
        .get(&format!(
            "/api/rest_j/entrance/{exec}/log?fromLine={from}&size=100"
        ))
        .await;
    assert_eq!(
        r.data["fromLine"].as_i64().unwrap(),
        from + r.data["log"][3]
            .as_str()
            .unwrap()
            .split('\n')
            .filter(|l| !l.is_empty())
            .count() as i64
    );

    // 4) 获取进度
    t.advance(1.0);
    let r = c
        .get(&format!("/api/rest_j/entrance/{exec}/progress"))
        .await;
    assert_eq!((r.status, r.message.as_str()), (0, "返回进度信息"));
    assert_eq!(r.method, format!("/api/rest_j/v1/entrance/{exec}/progress"));
    same_keys(
        &r.data,
        &json!({"execID": "", "progress": 0.2, "progressInfo": []}),
    );
    assert!(r.data["progress"].is_f64());
    let info = &r.data["progressInfo"][0];
    same_keys(
        info,
        &json!({"id": "job-1","succeedTasks": 2,"failedTasks": 0,"runningTasks": 5,"totalTasks": 10}),
    );
    assert!(info["id"].is_string() && info["totalTasks"].is_u64());

    // 5) kill任务 (POST)
    let r = c
        .post(&format!("/api/rest_j/entrance/{exec}/kill"), json!({}))
        .await;
    assert_eq!(
        r.body,
        json!({"method": format!("/api/rest_j/v1/entrance/{exec}/kill"),"status": 0,"message": "OK","data": {"execID": exec}})
    );
    assert_eq!(
        c.get(&format!("/api/rest_j/entrance/{exec}/status"))
            .await
            .data["status"],
        "Cancelled"
    );
}

#[tokio::test]
async fn seed_proxy_user_headers() {
    // 6) 系统用户代理设置: Proxy-User + Validation-Code against proxy.properties
    let t = seed_server().await;
    let c = t
        .client()
        .with_header("Proxy-User", "bob")
        .with_header("Validation-Code", "LINKIS-PROXY-AB");
    let r = c
        .post_raw("/api/rest_j/entrance/execute", SEED_EXECUTE)
        .await;
    assert_eq!((r.status, r.message.as_str()), (0, "请求执行成功"));
    let exec = r.data["execID"].as_str().unwrap();
    assert!(exec.ends_with("IDE_bob_0"), "{exec}");
    let any = t
        .client()
        .with_header("Proxy-User", "whoever")
        .with_header("Validation-Code", "LINKIS-PROXY-ANY");
    assert_eq!(
        any.post_raw("/api/rest_j/entrance/execute", SEED_EXECUTE)
            .await
            .status,
        0
    );
    let wrong = t
        .client()
        .with_header("Proxy-User", "bob")
        .with_header("Validation-Code", "nope");
    let r = wrong
        .post_raw("/api/rest_j/entrance/execute", SEED_EXECUTE)
        .await;
    assert_eq!((r.http, r.status), (401, -1));
}

#[tokio::test]
async fn both_exec_id_formats_are_accepted_in_both_profiles() {
    let t = seed_server().await;
    let c = t.login("alice").await;
    let r = c
        .post_raw("/api/rest_j/entrance/execute", SEED_EXECUTE)
        .await;
    let exec = r.data["execID"].as_str().unwrap().to_string();
    let short = &exec[exec.find("IDE_alice").unwrap()..];
    let upstream = format!("exec_id018014linkis-cg-entrance127.0.0.1:9104{short}");
    assert_eq!(
        c.get(&format!("/api/rest_j/v1/entrance/{upstream}/status"))
            .await
            .status,
        0
    );
}
