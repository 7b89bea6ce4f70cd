//! Unit tests of `health`.

use super::*;
use CommunicationType::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

fn of(inputs: Inputs) -> Components {
    components(&inputs, now())
}

#[test]
fn bands_split_below_40_and_above_70() {
    assert_eq!(HealthBand::of(0), HealthBand::AtRisk);
    assert_eq!(HealthBand::of(39), HealthBand::AtRisk);
    assert_eq!(HealthBand::of(40), HealthBand::Stable);
    assert_eq!(HealthBand::of(70), HealthBand::Stable);
    assert_eq!(HealthBand::of(71), HealthBand::Strong);
    assert_eq!(HealthBand::of(100), HealthBand::Strong);
}

#[test]
fn the_score_weighs_the_components_30_25_20_15_10() {
    let only = |c: Components| c.score();
    let zero = Components::default();
    assert_eq!(
        only(Components {
            engagement: 100,
            ..zero
        }),
        30
    );
    assert_eq!(
        only(Components {
            financial: 100,
            ..zero
        }),
        25
    );
    assert_eq!(
        only(Components {
            activity: 100,
            ..zero
        }),
        20
    );
    assert_eq!(
        only(Components {
            communication: 100,
            ..zero
        }),
        15
    );
    assert_eq!(only(Components { risk: 100, ..zero }), 10);
    let all = Components {
        engagement: 100,
        financial: 100,
        activity: 100,
        communication: 100,
        risk: 100,
    };
    assert_eq!(only(all), 100);
}

#[test]
fn a_client_with_no_history_is_at_risk() {
    // engagement 0, financial 50 (neutral), activity 0, communication 0, risk 100:
    // 0.25·50 + 0.10·100 = 22.5 → 23 (round half away from zero).
    let health = Health::from(of(Inputs::default()));
    assert_eq!(health.components.financial, 50);
    assert_eq!(health.components.risk, 100);
    assert_eq!(health.score, 23);
    assert_eq!(health.band, HealthBand::AtRisk);
}

#[test]
fn financial_health_falls_with_the_outstanding_share_of_revenue() {
    let money = |outstanding, revenue| {
        of(Inputs {
            outstanding_balance_cents: outstanding,
            total_revenue_cents: revenue,
            ..Default::default()
        })
        .financial
    };
    assert_eq!(money(None, None), 50);
    assert_eq!(money(Some(0), Some(100_000)), 100);
    assert_eq!(money(Some(10_000), Some(100_000)), 80);
    assert_eq!(money(Some(25_000), Some(100_000)), 50);
    assert_eq!(money(Some(60_000), Some(100_000)), 0);
    assert_eq!(money(Some(5_000), None), 0);
}

#[test]
fn activity_counts_open_jobs_recent_applications_and_hires_each_capped() {
    let activity = |active_jobs, recent_applications, recent_hires| {
        of(Inputs {
            jobs: JobFigures {
                active_jobs,
                recent_applications,
                recent_hires,
                ..Default::default()
            },
            ..Default::default()
        })
        .activity
    };
    assert_eq!(activity(1, 0, 0), 20);
    assert_eq!(activity(5, 0, 0), 60);
    assert_eq!(activity(0, 7, 0), 7);
    assert_eq!(activity(0, 70, 0), 20);
    assert_eq!(activity(0, 0, 1), 10);
    assert_eq!(activity(9, 99, 9), 100);
}

#[test]
fn withheld_inputs_do_not_move_the_score() {
    let now = Utc::now();
    let base = Inputs {
        communications: vec![(CommunicationType::Call, now - Duration::days(3))],
        outstanding_balance_cents: Some(50_000),
        total_revenue_cents: Some(100_000),
        satisfaction: Some(5.0),
        ..Inputs::default()
    };
    let other = Inputs {
        outstanding_balance_cents: Some(0),
        total_revenue_cents: Some(900_000),
        satisfaction: Some(1.0),
        ..base.clone()
    };
    let hidden = Withheld::for_caller(false, false);
    let (a, b) = (
        components(&hidden.apply(&base), now),
        components(&hidden.apply(&other), now),
    );
    assert_eq!(
        a, b,
        "clients differing only in hidden inputs look the same"
    );
    assert_eq!(a.financial, 50);
    assert_ne!(components(&base, now), components(&other, now));
    assert_eq!(hidden.names(), vec!["billing", "feedback"]);
}

#[test]
fn communication_blends_recency_with_satisfaction() {
    let communication = |last: Option<i64>, satisfaction| {
        of(Inputs {
            communications: last.map(|d| vec![(Email, ago(d))]).unwrap_or_default(),
            satisfaction,
            ..Default::default()
        })
        .communication
    };
    assert_eq!(communication(None, None), 0);
    assert_eq!(communication(Some(3), None), 100);
    assert_eq!(communication(Some(14), None), 100);
    // (90 − 52) / 76 = 0.5
    assert_eq!(communication(Some(52), None), 50);
    assert_eq!(communication(Some(90), None), 0);
    // recency 100, satisfaction 5 → 100; satisfaction 1 → 50.
    assert_eq!(communication(Some(1), Some(5.0)), 100);
    assert_eq!(communication(Some(1), Some(1.0)), 50);
    // No communication, satisfaction 3 → (0 + 50) / 2.
    assert_eq!(communication(None, Some(3.0)), 25);
}

#[test]
fn communications_in_the_future_do_not_count() {
    let c = of(Inputs {
        communications: vec![(Meeting, now() + Duration::days(2))],
        ..Default::default()
    });
    assert_eq!((c.engagement, c.communication), (0, 0));
}

#[test]
fn risk_falls_with_overdue_follow_ups_and_an_ending_contract() {
    let risk = |overdue, contract_end: Option<NaiveDate>| {
        of(Inputs {
            overdue_follow_ups: overdue,
            contract_end,
            ..Default::default()
        })
        .risk
    };
    let today = now().date_naive();
    assert_eq!(risk(0, None), 100);
    assert_eq!(risk(1, None), 80);
    assert_eq!(risk(5, None), 40);
    assert_eq!(risk(0, Some(today + Duration::days(30))), 75);
    assert_eq!(risk(0, Some(today + Duration::days(31))), 100);
    assert_eq!(risk(0, Some(today - Duration::days(400))), 75);
    assert_eq!(risk(9, Some(today)), 15);
}

#[test]
fn engagement_is_the_contact_formula_over_the_clients_communications() {
    let c = of(Inputs {
        communications: vec![(Meeting, now()), (Email, ago(30))],
        ..Default::default()
    });
    // 10 · (10 + 4·e^−1) = 114.7 → capped at 100
    assert_eq!(c.engagement, 100);
    let c = of(Inputs {
        communications: vec![(Email, ago(30))],
        ..Default::default()
    });
    assert_eq!(c.engagement, 15);
}

#[test]
fn scores_land_in_each_band_at_their_edges() {
    // 0.30·E + 0.25·F + 0.10·R with F = 100, R = 100 → 35 + 0.3·E.
    let with_engagement = |e: i32| {
        Health::from(Components {
            engagement: e,
            financial: 100,
            activity: 0,
            communication: 0,
            risk: 100,
        })
    };
    assert_eq!(with_engagement(15).score, 40); // 39.5 → 40
    assert_eq!(with_engagement(15).band, HealthBand::Stable);
    assert_eq!(with_engagement(14).score, 39); // 39.2
    assert_eq!(with_engagement(14).band, HealthBand::AtRisk);
    assert_eq!(with_engagement(100).score, 65);
    let strong = Health::from(Components {
        engagement: 100,
        financial: 100,
        activity: 30,
        communication: 0,
        risk: 100,
    });
    assert_eq!((strong.score, strong.band), (71, HealthBand::Strong));
    let edge = Health::from(Components {
        engagement: 100,
        financial: 100,
        activity: 25,
        communication: 0,
        risk: 100,
    });
    assert_eq!((edge.score, edge.band), (70, HealthBand::Stable));
}
