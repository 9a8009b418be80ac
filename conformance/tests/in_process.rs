//! The whole suite against both mocks started in-process: every check must pass, none may
//! be skipped (a mock has every capability), and the report formats must be well formed.

mod common;

use conformance::check::Outcome;
use conformance::expected::Expected;
use conformance::{checks, report, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_passes_against_the_in_process_mocks() {
    let mocks = common::start().await;
    let ctx = mocks.ctx().await;
    assert!(ctx.is_mock(conformance::Api::Engee) && ctx.is_mock(conformance::Api::Linkis));
    let all = checks::all();
    let started = std::time::Instant::now();
    let r = run(&ctx, &all, &Expected::none()).await;
    println!("suite took {:?}", started.elapsed());
    common::assert_all_pass(&r);
    let skipped: Vec<_> = r
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skipped(_) | Outcome::Observed(_)))
        // profile-specific: runs against the ujes-0.x mock below
        .filter(|c| c.id != "linkis.entrance.ujes_0x_texts")
        .map(|c| (c.id.clone(), c.outcome.clone()))
        .collect();
    assert!(
        skipped.is_empty(),
        "against the mocks nothing is skipped or observed: {skipped:?}"
    );
    let junit = report::junit::render(&r);
    assert!(junit.starts_with("<?xml") && junit.contains("<testsuites"));
    assert_eq!(junit.matches("<testcase ").count(), all.len());
    let jl = report::jsonl::render(&r);
    assert_eq!(jl.lines().count(), all.len() + 1);
    for line in jl.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every JSON line parses");
    }
    // parity of a run with itself: the recording round-trips and shows no drift
    let dir = std::env::temp_dir().join(format!("conformance-parity-{}", ctx.run_id));
    let ex = ctx.rec.exchanges();
    for api in [conformance::Api::Engee, conformance::Api::Linkis] {
        let shapes = conformance::parity::collect(&ex, api);
        assert!(!shapes.0.is_empty());
        conformance::parity::save(&dir, api, &shapes).unwrap();
        let back = conformance::parity::load(&dir, api).unwrap();
        assert!(conformance::parity::drift(&back, &shapes).is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
    mocks.engee.shutdown().await;
    mocks.linkis.shutdown().await;
}

/// Every SEED check passes against the Linkis mock in its `ujes-0.x` profile (the seed
/// document's texts and shapes verbatim).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_checks_pass_against_the_ujes_0x_profile() {
    let mut cfg = linkis_mock::Config::testing();
    cfg.profile = linkis_mock::Profile::Ujes0x;
    let linkis = linkis_mock::MockServer::start(cfg)
        .await
        .expect("linkis mock starts");
    let ctx =
        conformance::Ctx::new(conformance::TargetConfig::mocks(None, Some(&linkis.url()))).await;
    let seed: Vec<_> = checks::all()
        .into_iter()
        .filter(|c| c.tier == conformance::Tier::Seed && c.api == conformance::Api::Linkis)
        .collect();
    assert!(seed.len() >= 10);
    let r = run(&ctx, &seed, &Expected::none()).await;
    common::assert_all_pass(&r);
    assert!(
        r.checks.iter().all(|c| c.outcome == Outcome::Passed),
        "every SEED check runs and passes under ujes-0.x"
    );
    linkis.shutdown().await;
}

#[test]
fn ids_are_unique_and_dotted() {
    let all = checks::all();
    let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate check ids");
    for c in &all {
        assert!(
            c.id.starts_with(c.api.name()),
            "{} should start with its API",
            c.id
        );
        assert!(!c.asserts.is_empty());
    }
}
