//! Unit tests of `feedback`.

use super::read::weighted;
use super::*;

#[test]
fn periods_are_quarters_or_months() {
    for ok in ["2026-Q1", "2026-Q4", "2026-01", "2026-12"] {
        assert!(valid_period(ok), "{ok}");
    }
    for bad in [
        "2026", "2026-Q5", "2026-13", "2026-00", "26-Q1", "2026-Q", "2026-1",
    ] {
        assert!(!valid_period(bad), "{bad}");
    }
}

#[test]
fn overall_averages_weigh_periods_by_their_counts() {
    let period = |count, overall| PeriodSummary {
        period: String::new(),
        count,
        averages: Averages {
            overall_satisfaction: overall,
            ..Default::default()
        },
    };
    let a = weighted(&[period(1, 5.0), period(3, 1.0)], 4);
    assert_eq!(a.overall_satisfaction, 2.0);
}
