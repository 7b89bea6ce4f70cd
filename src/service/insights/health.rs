//! The health score of a client (SPEC §6): a weighted average of five components, each
//! 0-100, computed live from the client's rows as of a moment `now`:
//!
//! | component | weight | from |
//! |---|---|---|
//! | engagement | 30% | the engagement formula of contacts (§6) over all the client's communications: min(100, round(10 · Σ w·e^(−days/30))) |
//! | financial | 25% | outstanding balance against total revenue: 100 · max(0, 1 − 2·outstanding/revenue); nothing outstanding → 100; no billing figures at all → 50 (neutral) |
//! | activity | 20% | min(60, 20 per open linked job) + min(20, applications in the last 30 days) + min(20, 10 per hire in the last 90 days) |
//! | communication | 15% | recency of the last communication (100 within 14 days, falling linearly to 0 at 90 days or none) averaged with overall satisfaction of feedback in the last 365 days ((avg − 1) · 25), when there is any |
//! | risk | 10% | 100, minus 20 per overdue follow-up (at most 60), minus 25 when the contract ends within 30 days or has ended |
//!
//! score = round(Σ weight · component); band: < 40 AT_RISK, 40-70 STABLE, > 70 STRONG.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{client, client_communication as communication, client_feedback as feedback};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::figures::{JobFigures, job_figures};
use crate::db::Db;
use crate::error::AppResult;
use crate::service::TenantScope;
use crate::service::clients::read as clients;
use crate::service::communications::CommunicationType;
use crate::service::communications::engagement;

/// Communications older than this barely move the engagement component (e^−6 ≈ 0.25%)
/// and are not read.
const ENGAGEMENT_HORIZON_DAYS: i64 = 180;
/// Feedback this recent counts toward the communication component.
const FEEDBACK_HORIZON_DAYS: i64 = 365;
/// A last communication this recent gives full recency…
const FRESH_DAYS: f64 = 14.0;
/// …and this old (or none) gives none.
const STALE_DAYS: f64 = 90.0;
/// A contract ending this soon is a risk.
const CONTRACT_WARNING_DAYS: i64 = 30;

/// Where a score falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum HealthBand {
    /// Below 40: the relationship needs attention.
    AtRisk,
    /// 40 to 70 inclusive.
    Stable,
    /// Above 70.
    Strong,
}

impl HealthBand {
    pub fn of(score: i32) -> HealthBand {
        if score < 40 {
            HealthBand::AtRisk
        } else if score <= 70 {
            HealthBand::Stable
        } else {
            HealthBand::Strong
        }
    }
}

/// The five components, each 0-100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Components {
    pub engagement: i32,
    pub financial: i32,
    pub activity: i32,
    pub communication: i32,
    pub risk: i32,
}

impl Components {
    /// The weighted score, 0-100.
    pub fn score(&self) -> i32 {
        let weighted = 0.30 * self.engagement as f64
            + 0.25 * self.financial as f64
            + 0.20 * self.activity as f64
            + 0.15 * self.communication as f64
            + 0.10 * self.risk as f64;
        weighted.round() as i32
    }
}

/// A client's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    pub score: i32,
    pub band: HealthBand,
    pub components: Components,
}

impl From<Components> for Health {
    fn from(components: Components) -> Self {
        let score = components.score();
        Health {
            score,
            band: HealthBand::of(score),
            components,
        }
    }
}

/// Everything the score is computed from, for one client.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Communications of the last [`ENGAGEMENT_HORIZON_DAYS`] (kind, when).
    pub communications: Vec<(CommunicationType, DateTime<Utc>)>,
    pub outstanding_balance_cents: Option<i64>,
    pub total_revenue_cents: Option<i64>,
    pub contract_end: Option<NaiveDate>,
    pub jobs: JobFigures,
    /// Mean overall satisfaction (1-5) of the last year's feedback, if any.
    pub satisfaction: Option<f64>,
    /// Open follow-ups due before today.
    pub overdue_follow_ups: u64,
}

/// The inputs a caller may not see, which its score is computed without (SPEC §2: a
/// derived figure reveals only what the viewer could read directly). Computing with
/// them and hiding the component would not do: the score and the other components
/// give the hidden one back within a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Withheld {
    /// Outstanding balance and total revenue (without `billing:read`): the financial
    /// component is the neutral 50 of a client without billing figures.
    pub billing: bool,
    /// Feedback satisfaction (without `feedback:read`): the communication component is
    /// recency alone.
    pub feedback: bool,
}

impl Withheld {
    /// What a caller with these permissions may not see.
    pub fn for_caller(billing_read: bool, feedback_read: bool) -> Self {
        Withheld {
            billing: !billing_read,
            feedback: !feedback_read,
        }
    }

    /// `inputs` without what is withheld.
    pub fn apply(self, inputs: &Inputs) -> Inputs {
        let mut visible = inputs.clone();
        if self.billing {
            visible.outstanding_balance_cents = None;
            visible.total_revenue_cents = None;
        }
        if self.feedback {
            visible.satisfaction = None;
        }
        visible
    }

    /// The names of what is withheld (`billing`, `feedback`).
    pub fn names(self) -> Vec<&'static str> {
        [(self.billing, "billing"), (self.feedback, "feedback")]
            .into_iter()
            .filter_map(|(withheld, name)| withheld.then_some(name))
            .collect()
    }
}

fn clamp(x: f64) -> i32 {
    x.round().clamp(0.0, 100.0) as i32
}

/// The components of `inputs` as of `now`.
pub fn components(inputs: &Inputs, now: DateTime<Utc>) -> Components {
    let engagement = engagement::score(&inputs.communications, now);

    let outstanding = inputs.outstanding_balance_cents.unwrap_or(0).max(0);
    let revenue = inputs.total_revenue_cents.unwrap_or(0).max(0);
    let financial = match (outstanding, revenue) {
        (0, 0) => 50,
        (0, _) => 100,
        (_, 0) => 0,
        (o, r) => clamp(100.0 * (1.0 - 2.0 * o as f64 / r as f64).max(0.0)),
    };

    let jobs = &inputs.jobs;
    let activity = (20 * jobs.active_jobs).min(60)
        + jobs.recent_applications.min(20)
        + (10 * jobs.recent_hires).min(20);

    let last = inputs
        .communications
        .iter()
        .map(|(_, at)| *at)
        .filter(|at| *at <= now)
        .max();
    let recency = match last {
        None => 0.0,
        Some(at) => {
            let days = (now - at).num_seconds() as f64 / 86_400.0;
            (100.0 * (STALE_DAYS - days) / (STALE_DAYS - FRESH_DAYS)).clamp(0.0, 100.0)
        }
    };
    let communication = match inputs.satisfaction {
        Some(avg) => clamp((recency + (avg - 1.0) * 25.0) / 2.0),
        None => clamp(recency),
    };

    let today = now.date_naive();
    let mut risk = 100 - (20 * inputs.overdue_follow_ups).min(60) as i32;
    if inputs
        .contract_end
        .is_some_and(|end| end <= today + Duration::days(CONTRACT_WARNING_DAYS))
    {
        risk -= 25;
    }

    Components {
        engagement,
        financial,
        activity: activity as i32,
        communication,
        risk: risk.max(0),
    }
}

/// The inputs other than the recruiting figures (which the dashboard loads too, so a
/// view asking for both computes them once), for clients by id: four statements for any
/// number of clients (the clients, communications, feedback, follow-ups).
pub async fn inputs_without_jobs_by_ids(
    db: &Db,
    scope: &TenantScope,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Inputs>> {
    let rows = clients::by_ids(db, scope, ids).await?;
    inputs_without_jobs(db, scope, &rows, now).await
}

/// Gathers all the inputs of each client: [`inputs_without_jobs`] and [`job_figures`].
pub async fn inputs(
    db: &Db,
    scope: &TenantScope,
    clients: &[client::Model],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Inputs>> {
    let mut out = inputs_without_jobs(db, scope, clients, now).await?;
    let ids: Vec<Uuid> = clients.iter().map(|c| c.id).collect();
    for (client_id, figures) in job_figures(db, scope, &ids, now).await? {
        if let Some(inputs) = out.get_mut(&client_id) {
            inputs.jobs = figures;
        }
    }
    Ok(out)
}

/// The inputs of each client except the recruiting figures (left at zero).
pub async fn inputs_without_jobs(
    db: &Db,
    scope: &TenantScope,
    clients: &[client::Model],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Inputs>> {
    let t = db.read(scope);
    let ids: Vec<Uuid> = clients.iter().map(|c| c.id).collect();
    let mut out: HashMap<Uuid, Inputs> = clients
        .iter()
        .map(|c| {
            let inputs = Inputs {
                outstanding_balance_cents: c.outstanding_balance_cents,
                total_revenue_cents: c.total_revenue_cents,
                contract_end: c.contract_end,
                ..Default::default()
            };
            (c.id, inputs)
        })
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let conn = t.conn();

    let communications: Vec<(Uuid, String, DateTime<Utc>)> = t
        .select::<communication::Entity>()
        .select_only()
        .column(communication::Column::ClientId)
        .column(communication::Column::CommunicationType)
        .column(communication::Column::CommunicationAt)
        .filter(communication::Column::ClientId.is_in(ids.iter().copied()))
        .filter(
            communication::Column::CommunicationAt
                .gte(now - Duration::days(ENGAGEMENT_HORIZON_DAYS)),
        )
        .filter(communication::Column::CommunicationAt.lte(now))
        .into_tuple()
        .all(conn)
        .await?;
    for (client_id, kind, at) in communications {
        if let (Some(inputs), Some(kind)) =
            (out.get_mut(&client_id), CommunicationType::parse(&kind))
        {
            inputs.communications.push((kind, at));
        }
    }

    let today = now.date_naive();
    let satisfaction: Vec<(Uuid, Option<f64>)> = t
        .select::<feedback::Entity>()
        .select_only()
        .column(feedback::Column::ClientId)
        .column_as(
            Expr::expr(Func::avg(Func::cast_as(
                Expr::col(feedback::Column::OverallSatisfaction),
                sea_orm::sea_query::Alias::new("REAL"),
            ))),
            "avg",
        )
        .filter(feedback::Column::ClientId.is_in(ids.iter().copied()))
        .filter(feedback::Column::FeedbackOn.gte(today - Duration::days(FEEDBACK_HORIZON_DAYS)))
        .filter(feedback::Column::FeedbackOn.lte(today))
        .group_by(feedback::Column::ClientId)
        .into_tuple()
        .all(conn)
        .await?;
    for (client_id, avg) in satisfaction {
        if let Some(inputs) = out.get_mut(&client_id) {
            inputs.satisfaction = avg;
        }
    }

    let overdue: Vec<(Uuid, i64)> = t
        .select::<communication::Entity>()
        .select_only()
        .column(communication::Column::ClientId)
        .column_as(communication::Column::Id.count(), "n")
        .filter(communication::Column::ClientId.is_in(ids.iter().copied()))
        .filter(communication::Column::FollowUpRequired.eq(true))
        .filter(communication::Column::FollowUpDoneAt.is_null())
        .filter(communication::Column::FollowUpOn.lt(today))
        .group_by(communication::Column::ClientId)
        .into_tuple()
        .all(conn)
        .await?;
    for (client_id, n) in overdue {
        if let Some(inputs) = out.get_mut(&client_id) {
            inputs.overdue_follow_ups = n.max(0) as u64;
        }
    }

    Ok(out)
}

#[cfg(test)]
mod tests {
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
}
