//! Client feedback: submit (ratings 1-5, validated here and CHECK-constrained in the
//! database), update while not finalized, finalize (managers only, SPEC §2) — after
//! which the row is immutable. Reads: per-client pages and the summary (averages per
//! rating, trend per period), each batched across a page of clients.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::client_feedback::{self as feedback, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::TenantScope;
use super::change::{FieldChanges, Recorded};
use super::kernel::live_client;
use super::nested::{self, ChildPage, NestedPage};
use super::store::PerParent;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::store::Writer;

/// The ratings and text of a submission (creation: every rating required).
#[derive(Debug, Clone, Default)]
pub struct FeedbackPatch {
    pub period: Option<String>,
    pub feedback_on: Option<NaiveDate>,
    pub responsiveness_rating: Option<i32>,
    pub communication_rating: Option<i32>,
    pub requirements_clarity_rating: Option<i32>,
    pub decision_speed_rating: Option<i32>,
    pub overall_satisfaction: Option<i32>,
    pub written_feedback: Option<String>,
}

/// `2026-Q3` (quarter) or `2026-07` (month).
pub fn valid_period(period: &str) -> bool {
    let Some((year, part)) = period.split_once('-') else {
        return false;
    };
    let year_ok = year.len() == 4 && year.chars().all(|c| c.is_ascii_digit());
    let part_ok = match part.strip_prefix('Q') {
        Some(q) => matches!(q, "1" | "2" | "3" | "4"),
        None => part.len() == 2 && part.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m)),
    };
    year_ok && part_ok
}

fn rating(field: &str, value: i32) -> AppResult<i16> {
    if (1..=5).contains(&value) {
        Ok(value as i16)
    } else {
        Err(AppError::bad_input(
            field,
            format!("{field} must be 1 to 5"),
        ))
    }
}

fn apply(m: &mut feedback::Model, patch: FeedbackPatch) -> AppResult<()> {
    if let Some(period) = patch.period {
        let period = period.trim().to_uppercase();
        if !valid_period(&period) {
            return Err(AppError::bad_input(
                "period",
                "period is a quarter like 2026-Q3 or a month like 2026-07",
            ));
        }
        m.period = period;
    }
    if let Some(day) = patch.feedback_on {
        m.feedback_on = day;
    }
    let ratings = [
        (
            "responsivenessRating",
            patch.responsiveness_rating,
            &mut m.responsiveness_rating,
        ),
        (
            "communicationRating",
            patch.communication_rating,
            &mut m.communication_rating,
        ),
        (
            "requirementsClarityRating",
            patch.requirements_clarity_rating,
            &mut m.requirements_clarity_rating,
        ),
        (
            "decisionSpeedRating",
            patch.decision_speed_rating,
            &mut m.decision_speed_rating,
        ),
        (
            "overallSatisfaction",
            patch.overall_satisfaction,
            &mut m.overall_satisfaction,
        ),
    ];
    for (field, value, slot) in ratings {
        if let Some(value) = value {
            *slot = rating(field, value)?;
        }
    }
    if let Some(text) = patch.written_feedback {
        if text.chars().count() > 10_000 {
            return Err(AppError::bad_input(
                "writtenFeedback",
                "writtenFeedback must be at most 10000 characters",
            ));
        }
        m.written_feedback = (!text.trim().is_empty()).then_some(text);
    }
    Ok(())
}

fn fields(m: &feedback::Model) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("period", json!(m.period)),
        ("feedbackOn", json!(m.feedback_on)),
        ("responsivenessRating", json!(m.responsiveness_rating)),
        ("communicationRating", json!(m.communication_rating)),
        (
            "requirementsClarityRating",
            json!(m.requirements_clarity_rating),
        ),
        ("decisionSpeedRating", json!(m.decision_speed_rating)),
        ("overallSatisfaction", json!(m.overall_satisfaction)),
        ("writtenFeedback", json!(m.written_feedback)),
        ("isFinalized", json!(m.is_finalized)),
    ]
}

async fn save(
    t: Writer<'_>,
    action: &'static str,
    current: Option<&feedback::Model>,
    next: feedback::Model,
) -> AppResult<feedback::Model> {
    let changes;
    let saved = match current {
        None => {
            changes = FieldChanges::created(fields(&next));
            let active: feedback::ActiveModel = next.into();
            t.insert(active).await?
        }
        Some(current) => {
            let Some((saved, changed)) = t.update_versioned(current, next, fields).await? else {
                return Ok(current.clone());
            };
            changes = changed;
            saved
        }
    };
    t.record_of(action, &saved, changes).await?;
    Ok(saved)
}

impl Recorded for feedback::Model {
    const ENTITY: &'static str = "feedback";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({ "id": self.id, "clientId": self.client_id, "period": self.period, "version": self.version })
    }
}

/// Submits feedback about a client (period, day and all five ratings required).
pub async fn submit(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    patch: FeedbackPatch,
) -> AppResult<feedback::Model> {
    for (field, given) in [
        ("period", patch.period.is_some()),
        ("feedbackOn", patch.feedback_on.is_some()),
        (
            "responsivenessRating",
            patch.responsiveness_rating.is_some(),
        ),
        ("communicationRating", patch.communication_rating.is_some()),
        (
            "requirementsClarityRating",
            patch.requirements_clarity_rating.is_some(),
        ),
        ("decisionSpeedRating", patch.decision_speed_rating.is_some()),
        ("overallSatisfaction", patch.overall_satisfaction.is_some()),
    ] {
        if !given {
            return Err(AppError::bad_input(field, format!("{field} is required")));
        }
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            live_client(t, client_id).await?;
            let now = Utc::now();
            let mut model = feedback::Model {
                id: Uuid::now_v7(),
                tenant_id: t.tenant_id(),
                client_id,
                period: String::new(),
                feedback_on: now.date_naive(),
                responsiveness_rating: 0,
                communication_rating: 0,
                requirements_clarity_rating: 0,
                decision_speed_rating: 0,
                overall_satisfaction: 0,
                written_feedback: None,
                submitted_by: t.scope().actor().id,
                is_finalized: false,
                finalized_by: None,
                finalized_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            apply(&mut model, patch)?;
            save(t, "feedback.submitted", None, model).await
        })
    })
    .await
}

/// The row, locked; CONFLICT once finalized (finalized feedback is immutable).
async fn open_row(t: Writer<'_>, id: Uuid) -> AppResult<feedback::Model> {
    let row = t
        .by_id::<feedback::Entity>(id)
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("feedback"))?;
    live_client(t, row.client_id)
        .await
        .map_err(|e| e.not_found_as("feedback"))?;
    if row.is_finalized {
        return Err(AppError::Conflict(
            "finalized feedback cannot change".into(),
        ));
    }
    Ok(row)
}

/// Changes feedback that is not finalized yet.
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    patch: FeedbackPatch,
) -> AppResult<feedback::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = open_row(t, id).await?;
            let mut next = current.clone();
            apply(&mut next, patch)?;
            save(t, "feedback.updated", Some(&current), next).await
        })
    })
    .await
}

/// Finalizes feedback: from now on it is immutable.
pub async fn finalize(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<feedback::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = open_row(t, id).await?;
            let mut next = current.clone();
            next.is_finalized = true;
            next.finalized_by = t.scope().actor().id;
            next.finalized_at = Some(Utc::now());
            save(t, "feedback.finalized", Some(&current), next).await
        })
    })
    .await
}

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

fn col(c: Column) -> SimpleExpr {
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

/// The cursor of a feedback row (newest first).
pub fn cursor(m: &feedback::Model) -> String {
    nested::encode_cursor(&(m.feedback_on, m.id))
}

/// One page of feedback, newest first, for each of `client_ids`, in one statement.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &FeedbackFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<feedback::Model>>> {
    let t = db.read(scope);
    let mut conditions = conditions(filter);
    if let Some(after) = &page.after {
        let (day, id): (NaiveDate, Uuid) = nested::decode_cursor(after)?;
        conditions = conditions.add(nested::after(vec![
            (col(Column::FeedbackOn), Order::Desc, day.into()),
            (col(Column::Id), Order::Desc, id.into()),
        ]));
    }
    let spec = PerParent::<feedback::Entity> {
        parent: Column::ClientId,
        conditions,
        order_by: "feedback_on DESC, id DESC".into(),
    };
    t.pages(spec, client_ids, page, |m| m.client_id, cursor)
        .await
}

/// How many feedback rows match, for each of `client_ids`.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &FeedbackFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    t.counts::<feedback::Entity>(Column::ClientId, conditions(filter), client_ids)
        .await
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

type SummaryRow = (Uuid, String, i64, f64, f64, f64, f64, f64);

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
fn weighted(trend: &[PeriodSummary], count: u64) -> Averages {
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

#[cfg(test)]
mod tests {
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
}
