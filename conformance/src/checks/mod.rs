//! Every check, by API. `all()` is the suite in run order.

pub mod engee;
pub mod linkis;

use crate::check::Check;
use crate::ctx::Ctx;

/// The whole suite, Engee first.
pub fn all() -> Vec<Check> {
    let mut v = engee::all();
    v.extend(linkis::all());
    v
}

/// Clean-up after a run: removes the Engee scratch directory on real targets.
pub async fn teardown(ctx: &Ctx) {
    engee::teardown(ctx).await;
}
