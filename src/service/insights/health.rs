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
mod tests;
