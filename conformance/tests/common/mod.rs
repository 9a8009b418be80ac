//! Starts both mocks in-process on 127.0.0.1:0 with their demo identities: the Engee mock
//! on a frozen clock with headless consent, the Linkis mock in fast mode on a frozen clock.

#![allow(dead_code)]

use conformance::target::TargetConfig;
use conformance::{Ctx, RunReport};

pub struct Mocks {
    pub engee: engee_mock::MockServer,
    pub linkis: linkis_mock::MockServer,
}

pub async fn start() -> Mocks {
    let mut ec = engee_mock::Config::for_tests();
    ec.oauth.auto_approve = Some("demo".into());
    // The endless-loop check waits out the wall budget: 2 s instead of the default 30 s
    // keeps `make test` lean.
    ec.julia.max_wall = std::time::Duration::from_secs(2);
    let engee = engee_mock::MockServer::start(ec)
        .await
        .expect("engee mock starts");
    let linkis = linkis_mock::MockServer::start(linkis_mock::Config::testing())
        .await
        .expect("linkis mock starts");
    Mocks { engee, linkis }
}

impl Mocks {
    pub fn config(&self) -> TargetConfig {
        TargetConfig::mocks(Some(&self.engee.url()), Some(&self.linkis.url()))
    }

    pub async fn ctx(&self) -> Ctx {
        Ctx::new(self.config()).await
    }
}

/// Fails the test with the text report when any check failed.
pub fn assert_all_pass(report: &RunReport) {
    let text = conformance::report::text::render(report, false);
    println!("{text}");
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.outcome.is_failure())
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "{} checks failed: {failed:?}\n{text}",
        failed.len()
    );
}
