//! Reading feedback: the filter and order its per-client pages and counts take from the
//! kernel ([`child`](crate::service::kernel::child)), and the summaries (averages per
//! rating, trend per period), each batched across a page of clients.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::client_feedback::{self as feedback, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend, QueryFilter, QueryOrder, QuerySelect, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::TenantScope;
use super::super::kernel::child::ChildList;
use crate::db::Db;
use crate::error::AppResult;

/// Narrows a client's feedback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeedbackFilter {
    pub period: Option<String>,
    /// `feedback_on` on or after.
    pub from: Option<NaiveDate>,
    /// `feedback_on` on or before.
    pub to: Option<NaiveDate>,
    pub finalized_only: bool,
}

pub(super) fn col(c: Column) -> SimpleExpr {
    Expr::col((feedback::Entity, c))
}

pub(crate) fn conditions(f: &FeedbackFilter) -> Condition {
    let mut all = Condition::all();
    if let Some(period) = &f.period {
        all = all.add(col(Column::Period).eq(period.trim().to_uppercase()));
    }
    if let Some(day) = f.from {
        all = all.add(col(Column::FeedbackOn).gte(day));
    }
    if let Some(day) = f.to {
        all = all.add(col(Column::FeedbackOn).lte(day));
    }
    if f.finalized_only {
        all = all.add(col(Column::IsFinalized).eq(true));
    }
    all
}

/// What a feedback cursor holds: its day and id (newest first).
#[derive(Serialize, Deserialize)]
pub struct CursorKey(NaiveDate, Uuid);

/// Per-client pages and counts of feedback come from the kernel.
impl ChildList for feedback::Entity {
    type Filter = FeedbackFilter;
    type Query = FeedbackFilter;
    type CursorKey = CursorKey;

    fn conditions(_backend: DbBackend, filter: &FeedbackFilter) -> Condition {
        conditions(filter)
    }

    fn filter(query: &FeedbackFilter) -> &FeedbackFilter {
        query
    }

    fn keys(_query: &FeedbackFilter) -> Vec<(Column, Order)> {
        vec![(Column::FeedbackOn, Order::Desc), (Column::Id, Order::Desc)]
    }

    fn cursor_key(m: &feedback::Model) -> CursorKey {
        CursorKey(m.feedback_on, m.id)
    }

    fn key_value(CursorKey(day, id): &CursorKey, column: Column) -> Value {
        match column {
            Column::FeedbackOn => (*day).into(),
            _ => (*id).into(),
        }
    }
}

/// Average ratings of a set of submissions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Averages {
    pub responsiveness: f64,
    pub communication: f64,
    pub requirements_clarity: f64,
    pub decision_speed: f64,
    pub overall_satisfaction: f64,
}

/// One period of the trend.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodSummary {
    pub period: String,
    pub count: u64,
    pub averages: Averages,
}

/// A client's feedback summary: all submissions in the range, and per period (oldest
/// period first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub averages: Option<Averages>,
    pub trend: Vec<PeriodSummary>,
}

pub(super) type SummaryRow = (Uuid, String, i64, f64, f64, f64, f64, f64);

/// Summaries for each of `client_ids` over `[from, to]`, in one grouped statement.
pub async fn summaries(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<HashMap<Uuid, Summary>> {
    let t = db.read(scope);
    let filter = FeedbackFilter {
        from,
        to,
        ..Default::default()
    };
    let avg = |c: Column| Expr::expr(col(c).cast_as("REAL")).avg();
    let rows: Vec<SummaryRow> = t
        .select::<feedback::Entity>()
        .select_only()
        .column(Column::ClientId)
        .column(Column::Period)
        .column_as(col(Column::Id).count(), "n")
        .column_as(avg(Column::ResponsivenessRating), "a1")
        .column_as(avg(Column::CommunicationRating), "a2")
        .column_as(avg(Column::RequirementsClarityRating), "a3")
        .column_as(avg(Column::DecisionSpeedRating), "a4")
        .column_as(avg(Column::OverallSatisfaction), "a5")
        .filter(conditions(&filter))
        .filter(Column::ClientId.is_in(client_ids.iter().copied()))
        .group_by(Column::ClientId)
        .group_by(Column::Period)
        .order_by(Column::Period, sea_orm::Order::Asc)
        .into_tuple()
        .all(t.conn())
        .await?;
    let mut out: HashMap<Uuid, Summary> = HashMap::new();
    for (client_id, period, n, a1, a2, a3, a4, a5) in rows {
        let summary = out.entry(client_id).or_default();
        summary.count += n as u64;
        summary.trend.push(PeriodSummary {
            period,
            count: n as u64,
            averages: Averages {
                responsiveness: a1,
                communication: a2,
                requirements_clarity: a3,
                decision_speed: a4,
                overall_satisfaction: a5,
            },
        });
    }
    for summary in out.values_mut() {
        summary.averages = Some(weighted(&summary.trend, summary.count));
    }
    Ok(out)
}

/// The overall averages from per-period averages, weighted by their counts.
pub(super) fn weighted(trend: &[PeriodSummary], count: u64) -> Averages {
    let total = Ord::max(count, 1) as f64;
    let sum = |pick: fn(&Averages) -> f64| {
        trend
            .iter()
            .map(|p| pick(&p.averages) * p.count as f64)
            .sum::<f64>()
            / total
    };
    Averages {
        responsiveness: sum(|a| a.responsiveness),
        communication: sum(|a| a.communication),
        requirements_clarity: sum(|a| a.requirements_clarity),
        decision_speed: sum(|a| a.decision_speed),
        overall_satisfaction: sum(|a| a.overall_satisfaction),
    }
}
