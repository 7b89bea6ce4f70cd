//! Client feedback: submit (ratings 1-5, validated here and CHECK-constrained in the
//! database), update while not finalized, finalize (managers only, SPEC §2) — after
//! which the row is immutable. Reads: per-client pages and the summary (averages per
//! rating, trend per period), each batched across a page of clients.

mod read;

use chrono::{NaiveDate, Utc};
use entity::client_feedback::{self as feedback};

use sea_orm::QuerySelect;
use serde_json::json;
use uuid::Uuid;

use super::TenantScope;
use super::change::{FieldChanges, Recorded};
use super::kernel::child::ChildOfClient;
use super::kernel::live_client;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::store::Writer;

pub(crate) use read::conditions;
pub use read::{Averages, FeedbackFilter, PeriodSummary, Summary, summaries};

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

impl ChildOfClient for feedback::Entity {
    const NAME: &'static str = "feedback";
    const CREATED: &'static str = "feedback.submitted";
    const UPDATED: &'static str = "feedback.updated";
    const CLIENT_ID: feedback::Column = feedback::Column::ClientId;

    fn client_id(m: &feedback::Model) -> Uuid {
        m.client_id
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
            changes = FieldChanges::created(feedback::Entity::fields(&next));
            let active: feedback::ActiveModel = next.into();
            t.insert(active).await?
        }
        Some(current) => {
            let Some((saved, changed)) = t
                .update_versioned(current, next, feedback::Entity::fields)
                .await?
            else {
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

#[cfg(test)]
mod tests;
