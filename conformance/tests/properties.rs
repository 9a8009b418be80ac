//! Property tests (proptest, small case counts) on invariants the mocks must hold, run
//! over HTTP against the in-process mocks:
//!
//! - upload then download returns the same bytes, for arbitrary names and contents;
//! - log pages of arbitrary `fromLine`/`size` concatenate to exactly the whole log;
//! - a job id is created at most once under concurrent creates;
//! - access tokens expire exactly at their lifetime on the moved clock;
//! - the evaluator answers arithmetic like Rust's wrapping i64 / IEEE f64, printed the way
//!   Julia prints.

mod common;

use conformance::checks::engee::{files, jobs, oauth};
use conformance::checks::linkis::entrance::paged_log;
use conformance::ctx::REST;
use proptest::prelude::*;
use serde_json::Value;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn fail(e: conformance::Fail) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

#[test]
fn upload_then_download_returns_the_same_bytes() {
    let rt = runtime();
    let (_mocks, ctx) = rt.block_on(async {
        let m = common::start().await;
        let c = m.ctx().await;
        (m, c)
    });
    let env = ctx.engee().unwrap();
    let api = rt.block_on(env.running(&ctx)).unwrap();
    let case = std::sync::atomic::AtomicU32::new(0);
    proptest!(ProptestConfig::with_cases(24), |(
        name in "[A-Za-z0-9][A-Za-z0-9 _.()+,=@-]{0,30}",
        data in proptest::collection::vec(any::<u8>(), 0..5000),
    )| {
        prop_assume!(!name.ends_with('.') && !name.ends_with(' ') && name != "." && name != "..");
        let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = format!("{}/prop-{n}", ctx.scratch());
        let got = rt.block_on(async {
            files::upload(env, &api, &[(&dir, &name, data.clone())]).await?.expect_status(200)?;
            files::download_one(env, &api, &format!("{dir}/{name}")).await
        }).map_err(fail)?;
        prop_assert_eq!(got, data);
    });
}

#[test]
fn log_pages_concatenate_to_the_whole_log() {
    let rt = runtime();
    let (_mocks, ctx) = rt.block_on(async {
        let m = common::start().await;
        let c = m.ctx().await;
        (m, c)
    });
    let env = ctx.linkis().unwrap();
    let (http, user) = rt.block_on(env.main()).unwrap();
    proptest!(ProptestConfig::with_cases(16), |(
        lines in 0u32..300,
        sizes in proptest::collection::vec(prop_oneof![Just(-1i64), Just(0i64), 1i64..60], 1..6),
        probe_from in 0u64..400,
        probe_size in 1i64..50,
    )| {
        prop_assume!(sizes.iter().any(|s| *s != 0));
        let code = format!("-- @mock log_lines={lines}\nselect 1 as n");
        let (whole, paged, probe, probe_next) = rt.block_on(async {
            let job = env.submit(&http, &user, &code).await?;
            env.wait_terminal(&http, &job.exec_id, ctx.wait_limit()).await?;
            let all = conformance::checks::linkis::full_log(&http, &job.exec_id).await?;
            let whole: Vec<String> = match all["data"]["log"][3].as_str().unwrap_or_default() {
                "" => vec![],
                s => s.split('\n').map(str::to_owned).collect(),
            };
            let paged = paged_log(&http, &job.exec_id, &sizes).await?;
            let r = http
                .get(&format!("{REST}/entrance/{}/log", job.exec_id))
                .query(&[("fromLine", probe_from.to_string().as_str()), ("size", probe_size.to_string().as_str())])
                .send()
                .await?;
            let v = r.json()?.clone();
            let probe: Vec<String> = match v["data"]["log"][3].as_str().unwrap_or_default() {
                "" => vec![],
                s => s.split('\n').map(str::to_owned).collect(),
            };
            Ok::<_, conformance::Fail>((whole, paged, probe, v["data"]["fromLine"].as_u64()))
        }).map_err(fail)?;
        prop_assert_eq!(&paged, &whole);
        let start = (probe_from as usize).min(whole.len());
        let end = (start + probe_size as usize).min(whole.len());
        prop_assert_eq!(&probe, &whole[start..end].to_vec());
        prop_assert_eq!(probe_next, Some(probe_from + (end - start) as u64));
    });
}

#[test]
fn a_job_id_is_created_at_most_once_under_concurrent_creates() {
    let rt = runtime();
    let (_mocks, ctx) = rt.block_on(async {
        let m = common::start().await;
        let c = m.ctx().await;
        (m, c)
    });
    let env = ctx.engee().unwrap();
    let api = rt.block_on(env.running(&ctx)).unwrap();
    proptest!(ProptestConfig::with_cases(16), |(n in 2usize..10)| {
        let id = uuid::Uuid::new_v4().to_string();
        let (statuses, listed) = rt.block_on(async {
            let codes: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let creates = codes.iter().map(|c| jobs::create_job(env, &api, &id, c, Some("race")));
            let results = futures::future::join_all(creates).await;
            let mut statuses = Vec::new();
            for r in results {
                statuses.push(r?.status);
            }
            let l = env.http.get(&api.at("external/command/jobs/list")).bearer(&api.token).send().await?;
            let listed = l.json()?["jobs"].as_array().map(|a| a.iter().filter(|j| j["job_id"] == id.as_str()).count()).unwrap_or(0);
            Ok::<_, conformance::Fail>((statuses, listed))
        }).map_err(fail)?;
        prop_assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 1, "statuses {:?}", statuses);
        prop_assert_eq!(statuses.iter().filter(|s| **s == 409).count(), n - 1, "statuses {:?}", statuses);
        prop_assert_eq!(listed, 1);
    });
}

#[test]
fn access_tokens_expire_exactly_at_their_lifetime() {
    let rt = runtime();
    let (_mocks, ctx) = rt.block_on(async {
        let m = common::start().await;
        let c = m.ctx().await;
        (m, c)
    });
    let env = ctx.engee().unwrap();
    proptest!(ProptestConfig::with_cases(24), |(offset in prop_oneof![0u64..1200, 595u64..605])| {
        let status = rt.block_on(async {
            let t = oauth::obtain_tokens(env, None).await?;
            env.advance(offset as f64).await?;
            let r = env.http.get("/account/api/oauth2/session").bearer(&t.access_token).send().await?;
            Ok::<_, conformance::Fail>(r.status)
        }).map_err(fail)?;
        let want = if offset < 600 { 200 } else { 401 };
        prop_assert_eq!(status, want, "after {} s", offset);
    });
}

/// Julia's `print` of a Float64 (julia-semantics.md, "Float64 printing rule").
fn julia_f64(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let olength = digits.len() as i32;
    let pt = exp + 1;
    let sign = if x < 0.0 { "-" } else { "" };
    if -4 < pt && pt <= 6 {
        if pt <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-pt) as usize))
        } else if pt >= olength {
            format!("{sign}{digits}{}.0", "0".repeat((pt - olength) as usize))
        } else {
            format!(
                "{sign}{}.{}",
                &digits[..pt as usize],
                &digits[pt as usize..]
            )
        }
    } else {
        let rest = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{sign}{}.{rest}e{}", &digits[..1], pt - 1)
    }
}

#[test]
fn julia_float_printing_examples() {
    for (x, s) in [
        (1.0 / 3.0, "0.3333333333333333"),
        (1.0, "1.0"),
        (1e20, "1.0e20"),
        (1e6, "1.0e6"),
        (123456.0, "123456.0"),
        (1234567.0, "1.234567e6"),
        (100000.0, "100000.0"),
        (0.0001, "0.0001"),
        (0.00001, "1.0e-5"),
        (1.5e-10, "1.5e-10"),
        (0.1 + 0.2, "0.30000000000000004"),
        (-0.0, "-0.0"),
    ] {
        assert_eq!(julia_f64(x), s, "{x:e}");
    }
}

fn lit_i(x: i64) -> String {
    if x < 0 {
        format!("({x})")
    } else {
        x.to_string()
    }
}

fn lit_f(x: f64) -> String {
    let s = julia_f64(x);
    if x.is_sign_negative() {
        format!("({s})")
    } else {
        s
    }
}

#[test]
fn the_evaluator_does_wrapping_int_and_ieee_float_arithmetic() {
    let rt = runtime();
    let (_mocks, ctx) = rt.block_on(async {
        let m = common::start().await;
        let c = m.ctx().await;
        (m, c)
    });
    let env = ctx.engee().unwrap();
    let api = rt.block_on(env.running(&ctx)).unwrap();
    let eval = |code: String| -> Result<String, TestCaseError> {
        rt.block_on(async {
            let r = env.eval(&api, &code).await?;
            let v: Value = r.json()?.clone();
            Ok::<_, conformance::Fail>(
                v["result"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("HTTP {} {v}", r.status)),
            )
        })
        .map_err(fail)
    };
    proptest!(ProptestConfig::with_cases(32), |(
        a in (i64::MIN + 1)..=i64::MAX,
        b in prop_oneof![(i64::MIN + 1)..=i64::MAX, -1000i64..1000],
        op in 0usize..3,
    )| {
        let (sym, want) = match op {
            0 => ("+", a.wrapping_add(b)),
            1 => ("-", a.wrapping_sub(b)),
            _ => ("*", a.wrapping_mul(b)),
        };
        let got = eval(format!("{} {sym} {}", lit_i(a), lit_i(b)))?;
        prop_assert_eq!(got, want.to_string(), "{} {} {}", a, sym, b);
    });
    proptest!(ProptestConfig::with_cases(32), |(
        a in prop_oneof![-1e6f64..1e6, -1e-3f64..1e-3, any::<f64>().prop_filter("finite", |x| x.is_finite())],
        b in prop_oneof![-1e6f64..1e6, -1e-3f64..1e-3, any::<f64>().prop_filter("finite", |x| x.is_finite())],
        op in 0usize..4,
    )| {
        let (sym, want) = match op {
            0 => ("+", a + b),
            1 => ("-", a - b),
            2 => ("*", a * b),
            _ => ("/", a / b),
        };
        let got = eval(format!("{} {sym} {}", lit_f(a), lit_f(b)))?;
        prop_assert_eq!(got, julia_f64(want), "{:e} {} {:e}", a, sym, b);
    });
}
