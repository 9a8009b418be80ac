//! Insta snapshots of what the mocks answer, so any change shows up in review:
//!
//! - `*_shapes`: the JSON shape of every endpoint × HTTP status the whole suite touches
//!   (field names and types, merged over every response);
//! - `*_bodies`: redacted bodies (ids, tokens, times, ports masked) of one deterministic
//!   flow per API.

mod common;

use std::collections::BTreeMap;

use conformance::ctx::REST;
use conformance::expected::Expected;
use conformance::redact::redact;
use conformance::{Api, checks, parity, run};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_shapes_of_every_endpoint() {
    let mocks = common::start().await;
    let mut ctx = mocks.ctx().await;
    ctx.run_id = "snapshot".into();
    let r = run(&ctx, &checks::all(), &Expected::none()).await;
    common::assert_all_pass(&r);
    let ex = ctx.rec.exchanges();
    insta::assert_json_snapshot!("engee_shapes", parity::collect(&ex, Api::Engee));
    insta::assert_json_snapshot!("linkis_shapes", parity::collect(&ex, Api::Linkis));
}

fn body(r: &conformance::http::Resp) -> Value {
    json!({"status": r.status, "body": r.json().map(redact).unwrap_or_else(|_| json!(format!("<{} bytes of {}>", r.body.len(), r.content_type())))})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engee_bodies() {
    let mocks = common::start().await;
    let mut ctx = mocks.ctx().await;
    ctx.run_id = "snapshot".into();
    let env = ctx.engee().unwrap();
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let tokens = conformance::checks::engee::oauth::obtain_tokens(env, None)
        .await
        .unwrap();
    out.insert("01 token".into(), body(&tokens.resp));
    let r = conformance::checks::engee::oauth::exchange(env, "no-such-code", &[])
        .await
        .unwrap();
    out.insert("02 token invalid_grant".into(), body(&r));
    let r = env
        .http
        .get("/account/api/oauth2/session")
        .bearer(&tokens.access_token)
        .send()
        .await
        .unwrap();
    out.insert("03 session".into(), body(&r));
    let r = env
        .http
        .get("/account/api/engee/info")
        .send()
        .await
        .unwrap();
    out.insert("04 info without token".into(), body(&r));
    let pat = env.token().await.unwrap();
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer(&pat)
        .send()
        .await
        .unwrap();
    out.insert("05 info stopped".into(), body(&r));
    let r = env
        .http
        .post("/account/api/engee/start")
        .bearer(&pat)
        .send()
        .await
        .unwrap();
    out.insert("06 start".into(), body(&r));
    let api = env.running(&ctx).await.unwrap();
    let r = env
        .http
        .get("/account/api/engee/info")
        .bearer(&pat)
        .send()
        .await
        .unwrap();
    out.insert("07 info running".into(), body(&r));
    out.insert(
        "08 eval".into(),
        body(&env.eval(&api, "3 + 5").await.unwrap()),
    );
    out.insert(
        "09 eval error".into(),
        body(&env.eval(&api, "unexisting_variable").await.unwrap()),
    );
    let dir = format!("{}/snap", ctx.scratch());
    let r =
        conformance::checks::engee::files::upload(env, &api, &[(&dir, "a.txt", b"hello".to_vec())])
            .await
            .unwrap();
    out.insert("10 upload".into(), body(&r));
    let r = conformance::checks::engee::files::download(env, &api, &["/user/none.txt"])
        .await
        .unwrap();
    out.insert("11 download missing".into(), body(&r));
    let id = "00000000-0000-4000-8000-000000000001";
    let r = conformance::checks::engee::jobs::create_job(
        env,
        &api,
        id,
        "a = 5; sleep(60); a * 2",
        Some("snap"),
    )
    .await
    .unwrap();
    out.insert("12 job create".into(), body(&r));
    let r = conformance::checks::engee::jobs::create_job(env, &api, id, "1", None)
        .await
        .unwrap();
    out.insert("13 job duplicate".into(), body(&r));
    let done = conformance::checks::engee::jobs::wait_done(&ctx, env, &api, id, 61.0)
        .await
        .unwrap();
    out.insert(
        "14 job done".into(),
        json!({"status": 200, "body": redact(&done)}),
    );
    let r = env
        .http
        .get(&api.at("external/command/jobs/list"))
        .bearer(&pat)
        .send()
        .await
        .unwrap();
    out.insert("15 job list".into(), body(&r));
    let r = env
        .http
        .delete("/account/api/engee/stop")
        .bearer(&pat)
        .send()
        .await
        .unwrap();
    out.insert("16 stop".into(), body(&r));
    out.insert(
        "17 eval stopped".into(),
        body(&env.eval(&api, "1").await.unwrap()),
    );
    insta::assert_json_snapshot!("engee_bodies", out, {
        ".**.access_token" => "[token]",
        ".**.refresh_token" => "[token]",
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linkis_bodies() {
    let mocks = common::start().await;
    let ctx = mocks.ctx().await;
    let env = ctx.linkis().unwrap();
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let r = env
        .fresh()
        .get(&format!("{REST}/jobhistory/list"))
        .send()
        .await
        .unwrap();
    out.insert("01 not logged in".into(), body(&r));
    let (http, r) = env.login("alice", "alice").await.unwrap();
    out.insert("02 login".into(), body(&r));
    let (_, r) = env.login("alice", "wrong").await.unwrap();
    out.insert("03 login wrong".into(), body(&r));
    let job = env
        .submit(&http, "alice", "select 1 as n union all select 2 as n")
        .await
        .unwrap();
    let r = http
        .get(&format!("{REST}/entrance/{}/status", job.exec_id))
        .send()
        .await
        .unwrap();
    out.insert("04 status".into(), body(&r));
    env.wait_terminal(&http, &job.exec_id, ctx.wait_limit())
        .await
        .unwrap();
    let r = http
        .get(&format!("{REST}/entrance/{}/log", job.exec_id))
        .query(&[("fromLine", "0"), ("size", "3")])
        .send()
        .await
        .unwrap();
    out.insert("05 log".into(), body(&r));
    let r = http
        .get(&format!("{REST}/entrance/{}/progress", job.exec_id))
        .send()
        .await
        .unwrap();
    out.insert("06 progress".into(), body(&r));
    let r = http
        .get(&format!("{REST}/jobhistory/{}/get", job.task_id))
        .send()
        .await
        .unwrap();
    let loc = r.json().unwrap()["data"]["task"]["resultLocation"]
        .as_str()
        .unwrap()
        .to_owned();
    out.insert("07 history".into(), body(&r));
    let r = http
        .get(&format!("{REST}/filesystem/getDirFileTrees"))
        .query(&[("path", loc.as_str())])
        .send()
        .await
        .unwrap();
    out.insert("08 dir tree".into(), body(&r));
    let r = http
        .get(&format!("{REST}/filesystem/openFile"))
        .query(&[("path", format!("{loc}/_0.dolphin").as_str())])
        .send()
        .await
        .unwrap();
    out.insert("09 open file".into(), body(&r));
    let r = http
        .get(&format!(
            "{REST}/entrance/exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_x_spark_99/status"
        ))
        .send()
        .await
        .unwrap();
    out.insert("10 status unknown".into(), body(&r));
    let r = http.get("/api/rest_j/v1/nowhere").send().await.unwrap();
    out.insert("11 unknown path".into(), body(&r));
    insta::assert_json_snapshot!("linkis_bodies", out);
}
