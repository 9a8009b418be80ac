mod common;

use common::*;
use linkis_mock::Config;
use serde_json::json;

#[tokio::test]
async fn login_sets_cookie_and_answers_upstream_texts() {
    let t = T::fast().await;
    let c = t.client();
    let r = c
        .post(
            "/user/login",
            json!({"userName": "hadoop", "password": "hadoop"}),
        )
        .await;
    assert_eq!(r.status, 0);
    assert_eq!(r.message, "login successful(登录成功)！");
    assert!(r.method.is_null());
    assert_eq!(
        r.data,
        json!({"userName": "hadoop", "isAdmin": true, "sessionTimeOut": 7200000, "enableWatermark": false})
    );
    let cookie = &r.set_cookie[0];
    assert!(
        cookie.starts_with("linkis_user_session_ticket_id_v1="),
        "{cookie}"
    );
    assert!(
        cookie.contains("Path=/") && !cookie.contains("HttpOnly") && !cookie.contains("Max-Age")
    );

    let again = c
        .post(
            "/user/login",
            json!({"userName": "alice", "password": "alice"}),
        )
        .await;
    assert_eq!(again.status, 0);
    assert_eq!(
        again.message,
        "hadoop already logged in, please log out before signing in(已经登录，请先退出再进行登录)！"
    );

    let info = c.get("/user/userInfo").await;
    assert_eq!(
        (info.status, info.message.as_str()),
        (0, "get user information succeed!")
    );
    assert_eq!(info.data["userName"], "hadoop");
    let hb = c.get("/user/heartbeat").await;
    assert_eq!(hb.message, "Maintain heartbeat success(维系心跳成功)");

    let out = c.get("/user/logout").await;
    assert_eq!(
        (out.status, out.message.as_str()),
        (0, "Logout successful(退出登录成功)！")
    );
    assert!(out.set_cookie[0].contains("Max-Age=0"));
    let hb = c.get("/user/heartbeat").await;
    assert_eq!((hb.http, hb.status), (401, -1));
    let info = c.get("/user/userInfo").await;
    assert_eq!(info.status, 1);
    assert!(info.message.contains("errCode: 11002"));
    // logout works when not logged in
    assert_eq!(t.client().get("/user/logout").await.status, 0);
}

#[tokio::test]
async fn login_failures() {
    let t = T::fast().await;
    let c = t.client();
    let cases = [
        (
            json!({"userName": " ", "password": "x"}),
            "Username can not be empty(用户名不能为空)！",
        ),
        (
            json!({"userName": "alice", "password": ""}),
            "Password can not be blank(密码不能为空)！",
        ),
        (
            json!({"userName": "alice", "password": "nope"}),
            "wrong user name or password(用户名或密码错误)！",
        ),
        (
            json!({"userName": "nobody", "password": "nobody"}),
            "wrong user name or password(用户名或密码错误)！",
        ),
        (json!({}), "Username can not be empty(用户名不能为空)！"),
    ];
    for (body, msg) in cases {
        let r = c.post("/user/login", body).await;
        assert_eq!((r.http, r.status, r.message.as_str()), (400, 1, msg));
        assert_eq!(r.data["sessionTimeOut"], 7200000);
        assert_eq!(r.method, "/api/rest_j/v1/user/login");
    }
    let r = c.post_raw("/user/login", "{not json").await;
    assert_eq!(r.status, 1);
    assert!(
        r.message.starts_with("login failed! reason:"),
        "{}",
        r.message
    );
    // query parameters, any method, lower-cased LDAP name
    let r = c.get("/user/login?userName=ALICE&password=alice").await;
    assert_eq!(r.status, 0);
    assert_eq!(r.data["userName"], "alice");
    assert_eq!(r.data["isAdmin"], false);
}

#[tokio::test]
async fn unauthenticated_requests_get_401_envelope() {
    let t = T::fast().await;
    let c = t.client();
    for path in [
        "/entrance/exec_id018014linkis-cg-entrance127.0.0.1:9104IDE_hadoop_spark_0/status",
        "/jobhistory/1/get",
        "/jobhistory/list",
        "/filesystem/openFile?path=x",
    ] {
        let r = c.get(path).await;
        assert_eq!((r.http, r.status), (401, -1), "{path}");
        assert_eq!(
            r.message,
            "You are not logged in, please login first(您尚未登录，请先登录)!"
        );
        assert_eq!(
            r.method,
            format!("/api/rest_j/v1{}", path.split('?').next().unwrap())
        );
    }
    let r = c.post("/entrance/submit", json!({})).await;
    assert_eq!(r.status, -1);
    // a forged cookie
    let c = t
        .client()
        .with_header("Cookie", "linkis_user_session_ticket_id_v1=forged");
    let r = c.get("/jobhistory/list").await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (
            -1,
            "You are not logged in, please login first!(您尚未登录，请先登录!)"
        )
    );
}

#[tokio::test]
async fn session_timeout_slides_on_the_mock_clock() {
    let mut cfg = Config::testing();
    cfg.session_timeout_secs = 100;
    let t = T::start(cfg).await;
    let c = t.login("alice").await;
    t.advance(60.0); // more than half: refreshed
    assert_eq!(c.get("/jobhistory/list").await.status, 0);
    t.advance(90.0); // 90 s since the refresh: still alive
    assert_eq!(c.get("/jobhistory/list").await.status, 0);
    t.advance(101.0);
    let r = c.get("/jobhistory/list").await;
    assert_eq!((r.http, r.status), (401, -1));
    assert_eq!(
        r.message,
        "Login has expired, please log in again!(登录已过期，请重新登录！)"
    );
    // expired sessions are gone: the next call is "not logged in"
    let r = c.get("/jobhistory/list").await;
    assert_eq!(
        r.message,
        "You are not logged in, please login first!(您尚未登录，请先登录!)"
    );
}

#[tokio::test]
async fn token_auth() {
    let t = T::fast().await;
    let ok = t
        .client()
        .with_header("Token-Code", "LINKIS-AUTH")
        .with_header("Token-User", "bob");
    let (exec, task) = ok.submit("select 1", "sql").await;
    assert!(exec.starts_with("exec_id"));
    let task = ok.task(task).await;
    assert_eq!(
        (task["umUser"].as_str(), task["executeUser"].as_str()),
        (Some("bob"), Some("bob"))
    );
    assert!(ok.get("/user/heartbeat").await.status == 0);

    let cases = [
        ("NOPE", "bob", "errCode: 15204"),
        (
            "ALICE-ONLY-AUTH",
            "bob",
            "errCode: 15202 ,desc: Illegal TokenUser for Token(Token非法用户: bob)!",
        ),
        (
            "",
            "bob",
            "请在Header或Cookie中同时指定Token-Code 和 Token-User，以便完成token认证！",
        ),
    ];
    for (code, user, msg) in cases {
        let c = t
            .client()
            .with_header("Token-Code", code)
            .with_header("Token-User", user);
        let r = c.get("/jobhistory/list").await;
        assert_eq!((r.http, r.status), (401, -1), "{code}");
        assert!(r.message.contains(msg), "{}", r.message);
        if !code.is_empty() {
            assert!(r.message.starts_with(&format!(
                "Token Authentication Failed, token: {code}，tokenUser: {user}, reason: "
            )));
        }
    }
    let alice = t
        .client()
        .with_header("Token-Code", "ALICE-ONLY-AUTH")
        .with_header("Token-User", "alice");
    assert_eq!(alice.get("/jobhistory/list").await.status, 0);
    // token-login sets a session
    let c = t
        .client()
        .with_header("Token-Code", "LINKIS-AUTH")
        .with_header("Token-User", "alice");
    let r = c.post("/user/token-login", json!({})).await;
    assert_eq!(r.status, 0);
    assert!(r.set_cookie[0].starts_with("linkis_user_session_ticket_id_v1="));
    assert_eq!(
        c.get("/user/token-login").await.message,
        "Only support method POST"
    );
}

#[tokio::test]
async fn token_expiry_and_hosts() {
    let mut cfg = Config::testing();
    cfg.tokens.push(linkis_mock::config::TokenEntry {
        name: "SHORT".into(),
        users: vec!["*".into()],
        hosts: vec!["10.0.0.1".into()],
        elapse_days: 1,
    });
    cfg.tokens.push(linkis_mock::config::TokenEntry {
        name: "DAY".into(),
        users: vec!["*".into()],
        hosts: vec!["*".into()],
        elapse_days: 1,
    });
    let t = T::start(cfg).await;
    let c = t
        .client()
        .with_header("Token-Code", "SHORT")
        .with_header("Token-User", "alice");
    assert!(
        c.get("/jobhistory/list")
            .await
            .message
            .contains("errCode: 15203 ,desc: Illegal Host for Token(非法ip: 127.0.0.1)!")
    );
    let c = t
        .client()
        .with_header("Token-Code", "DAY")
        .with_header("Token-User", "alice");
    assert_eq!(c.get("/jobhistory/list").await.status, 0);
    t.advance(86401.0);
    let r = c.get("/jobhistory/list").await;
    assert!(
        r.message
            .contains("errCode: 15201 ,desc: Token is not valid or stale(DAY 令牌已过期)!"),
        "{}",
        r.message
    );
}

#[tokio::test]
async fn seed_proxy_headers() {
    let t = T::fast().await;
    // a system token acting as alice: no login needed
    let c = t
        .client()
        .with_header("Proxy-User", "alice")
        .with_header("Validation-Code", "LINKIS-PROXY-AB");
    let (_, task) = c.submit("select 1", "sql").await;
    let task = c.task(task).await;
    assert_eq!(task["executeUser"], "alice");
    assert_eq!(task["umUser"], "alice");
    // a logged-in user acting as bob through the any-user token: submitUser stays hadoop
    let c = t
        .login("hadoop")
        .await
        .with_header("Proxy-User", "zed")
        .with_header("Validation-Code", "LINKIS-PROXY-ANY");
    let (_, task) = c.submit("select 1", "sql").await;
    let admin = t.login("hadoop").await;
    let task = admin.task(task).await;
    assert_eq!(
        (task["umUser"].as_str(), task["executeUser"].as_str()),
        (Some("hadoop"), Some("zed"))
    );

    let bad = t
        .client()
        .with_header("Proxy-User", "alice")
        .with_header("Validation-Code", "WRONG");
    let r = bad.get("/jobhistory/list").await;
    assert_eq!((r.http, r.status), (401, -1));
    assert_eq!(
        r.message,
        "Validation-Code WRONG is not configured in proxy.properties(代理token无效)"
    );
    let bad = t
        .client()
        .with_header("Proxy-User", "carol")
        .with_header("Validation-Code", "LINKIS-PROXY-AB");
    let r = bad.get("/jobhistory/list").await;
    assert_eq!(
        r.message,
        "Proxy-User carol is not allowed for this Validation-Code(该token无权代理用户carol)"
    );
    let stale = t
        .client()
        .with_header("Cookie", "linkis_user_session_ticket_id_v1=stale")
        .with_header("Proxy-User", "alice")
        .with_header("Validation-Code", "LINKIS-PROXY-AB");
    assert_eq!(stale.get("/jobhistory/list").await.status, 0);
    let half = t.client().with_header("Proxy-User", "alice");
    assert_eq!(half.get("/jobhistory/list").await.status, -1);
}

#[tokio::test]
async fn upstream_user_proxy_and_login_mapping() {
    let t = T::fast().await;
    let c = t.client();
    let r = c
        .get("/user/proxy?proxyUser=bob&validationCode=LINKIS-PROXY-AB")
        .await;
    assert_eq!((r.status, r.message.as_str()), (0, "代理成功"));
    assert_eq!(r.data["proxyUser"], "bob");
    assert_eq!(c.get("/user/userInfo").await.data["userName"], "bob");
    for q in [
        "proxyUser=carol&validationCode=LINKIS-PROXY-AB",
        "proxyUser=bob&validationCode=nope",
    ] {
        let r = t.client().get(&format!("/user/proxy?{q}")).await;
        assert_eq!(
            (r.http, r.status, r.message.as_str()),
            (400, 1, "Validation failed")
        );
    }
    assert_eq!(t.client().get("/user/proxy?proxyUser=bob").await.status, 1);

    // carol=etl_user in proxy.properties: carol's session acts as etl_user
    let carol = t.login("carol").await;
    assert_eq!(
        carol.get("/user/userInfo").await.data["userName"],
        "etl_user"
    );
    let (_, task) = carol.submit("select 1", "sql").await;
    let task = carol.task(task).await;
    assert_eq!(
        (task["umUser"].as_str(), task["executeUser"].as_str()),
        (Some("carol"), Some("etl_user"))
    );
}

#[tokio::test]
async fn proxy_file_hot_reload_and_broken_lines() {
    let dir = std::env::temp_dir().join(format!("linkis-proxy-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("proxy.properties");
    std::fs::write(
        &file,
        "GOOD=alice\n=broken\nBAD LINE WITHOUT VALUE\nEMPTY=\n",
    )
    .unwrap();
    let mut cfg = Config::testing();
    cfg.proxy_file = Some(file.clone());
    let t = T::start(cfg).await;
    let as_alice = t
        .client()
        .with_header("Proxy-User", "alice")
        .with_header("Validation-Code", "GOOD");
    assert_eq!(as_alice.get("/jobhistory/list").await.status, 0);
    let as_bob = t
        .client()
        .with_header("Proxy-User", "bob")
        .with_header("Validation-Code", "GOOD");
    assert_eq!(as_bob.get("/jobhistory/list").await.status, -1);
    // the file changes: bob is now allowed, no restart
    std::fs::write(&file, "GOOD=alice,bob\n# a comment\n").unwrap();
    assert_eq!(as_bob.get("/jobhistory/list").await.status, 0);
    std::fs::remove_dir_all(&dir).ok();
}

fn uuid_like() -> String {
    format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
        .replace([' ', ':', '{', '}', ',', '.'], "")
}

#[tokio::test]
async fn token_login_checks_the_client_host_too() {
    let mut cfg = Config::testing();
    cfg.tokens.push(linkis_mock::config::TokenEntry {
        name: "LOCAL-ONLY".into(),
        users: vec!["*".into()],
        hosts: vec!["127.0.0.1".into()],
        elapse_days: -1,
    });
    let t = T::start(cfg).await;
    // the same machine, another address: a client the token's host list does not name
    let mut c = t
        .client()
        .with_header("Token-Code", "LOCAL-ONLY")
        .with_header("Token-User", "alice");
    c.http = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let expected = "Illegal Host for Token(非法ip: 127.0.0.2)!";
    let r = c.get("/jobhistory/list").await;
    assert!(r.message.contains(expected), "{}", r.message);
    let r = c.post("/user/token-login", json!({})).await;
    assert_eq!(r.status, -1, "{}", r.message);
    assert!(r.message.contains(expected), "{}", r.message);
    assert!(r.set_cookie.is_empty());
}
