//! Invariants of log paging, checked on random logs and random page sizes.

use chrono::{DateTime, Duration, Utc};
use linkis_mock::joblog::{JobLog, Level};
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

fn build(before: usize, synthetic: u64, after: usize, span_ms: i64) -> JobLog {
    let mut log = JobLog::new(10_000);
    for i in 0..before {
        log.push(
            t0() + Duration::milliseconds(i as i64),
            Level::Info,
            format!("before {i}"),
        );
    }
    let s = t0() + Duration::milliseconds(before as i64);
    log.push_synthetic(synthetic, s, s + Duration::milliseconds(span_ms));
    for i in 0..after {
        let level = if i % 3 == 0 {
            Level::Error
        } else {
            Level::Info
        };
        log.push(
            s + Duration::milliseconds(span_ms + i as i64),
            level,
            format!("after {i}"),
        );
    }
    log
}

proptest! {
    #[test]
    fn pages_concatenate_to_the_whole_log(
        before in 0usize..20, synthetic in 0u64..500, after in 0usize..20,
        span in 0i64..5000, size in 1u64..120, at in 0i64..6000,
    ) {
        let log = build(before, synthetic, after, span);
        let now = t0() + Duration::milliseconds(at);
        let whole = log.page(now, 0, u64::MAX);
        prop_assert_eq!(whole.len() as u64, log.visible(now));
        let mut joined = Vec::new();
        let mut from = 0;
        loop {
            let page = log.page(now, from, size);
            prop_assert!(page.len() as u64 <= size);
            if page.is_empty() { break; }
            from += page.len() as u64;
            joined.extend(page);
        }
        prop_assert_eq!(joined, whole);
    }

    #[test]
    fn the_log_only_grows_with_time(
        before in 0usize..10, synthetic in 0u64..300, after in 0usize..10,
        span in 0i64..3000, a in 0i64..4000, b in 0i64..4000,
    ) {
        let log = build(before, synthetic, after, span);
        let (early, late) = (a.min(b), a.max(b));
        let e = log.page(t0() + Duration::milliseconds(early), 0, u64::MAX);
        let l = log.page(t0() + Duration::milliseconds(late), 0, u64::MAX);
        prop_assert!(e.len() <= l.len());
        prop_assert_eq!(&l[..e.len()], &e[..]);
    }
}
