//! The `Feedback` type and the per-period summaries of a client's feedback.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::client_feedback;
use uuid::Uuid;

use super::User;
use crate::graphql::connection::nested_total;
use crate::graphql::context;
use crate::graphql::loaders::{FeedbackOfClient, UserLoader};
use crate::service::feedback::{self, FeedbackFilter};

/// A client's ratings (each 1-5) for a period.
pub struct Feedback(pub client_feedback::Model);

/// A client's ratings (each 1-5) for a period.
#[Object]
impl Feedback {
    /// The feedback's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `2026-Q3` or `2026-07`.
    async fn period(&self) -> &str {
        &self.0.period
    }
    /// The day the feedback is about.
    async fn feedback_on(&self) -> NaiveDate {
        self.0.feedback_on
    }
    /// How quickly the client responds, 1-5.
    async fn responsiveness_rating(&self) -> i32 {
        self.0.responsiveness_rating.into()
    }
    /// How well the client communicates, 1-5.
    async fn communication_rating(&self) -> i32 {
        self.0.communication_rating.into()
    }
    /// How clear the client's requirements are, 1-5.
    async fn requirements_clarity_rating(&self) -> i32 {
        self.0.requirements_clarity_rating.into()
    }
    /// How quickly the client decides, 1-5.
    async fn decision_speed_rating(&self) -> i32 {
        self.0.decision_speed_rating.into()
    }
    /// Overall satisfaction with the client, 1-5.
    async fn overall_satisfaction(&self) -> i32 {
        self.0.overall_satisfaction.into()
    }
    /// Free text.
    async fn written_feedback(&self) -> Option<&str> {
        self.0.written_feedback.as_deref()
    }
    /// Finalized feedback is immutable.
    async fn is_finalized(&self) -> bool {
        self.0.is_finalized
    }
    /// When the feedback was finalized (then it no longer changes); `null` while a draft.
    async fn finalized_at(&self) -> Option<DateTime<Utc>> {
        self.0.finalized_at
    }
    /// Who finalized it (a manager).
    async fn finalized_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.finalized_by)
            .await?
            .map(User))
    }
    /// Who submitted it.
    async fn submitted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.submitted_by)
            .await?
            .map(User))
    }
    /// Optimistic-locking version; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Average ratings (1-5) of a set of submissions.
#[derive(SimpleObject)]
pub struct FeedbackAverages {
    /// Mean responsiveness rating, 1-5.
    pub responsiveness: f64,
    /// Mean communication rating, 1-5.
    pub communication: f64,
    /// Mean requirements-clarity rating, 1-5.
    pub requirements_clarity: f64,
    /// Mean decision-speed rating, 1-5.
    pub decision_speed: f64,
    /// Mean overall satisfaction, 1-5.
    pub overall_satisfaction: f64,
}

impl From<feedback::Averages> for FeedbackAverages {
    fn from(a: feedback::Averages) -> Self {
        FeedbackAverages {
            responsiveness: a.responsiveness,
            communication: a.communication,
            requirements_clarity: a.requirements_clarity,
            decision_speed: a.decision_speed,
            overall_satisfaction: a.overall_satisfaction,
        }
    }
}

/// One period of the feedback trend.
#[derive(SimpleObject)]
pub struct FeedbackPeriod {
    /// `2026-Q3` or `2026-07`.
    pub period: String,
    /// How many feedbacks the period holds.
    pub count: u64,
    /// The period's mean ratings.
    pub averages: FeedbackAverages,
}

/// A client's feedback in a date range: how many submissions, their averages, and the
/// same per period, oldest period first.
#[derive(SimpleObject)]
pub struct FeedbackSummary {
    /// How many feedbacks the client has.
    pub count: u64,
    /// Null when there is no feedback in the range.
    pub averages: Option<FeedbackAverages>,
    /// Per period, oldest first: the newest 100 periods.
    pub trend: Vec<FeedbackPeriod>,
}

impl From<feedback::Summary> for FeedbackSummary {
    fn from(s: feedback::Summary) -> Self {
        FeedbackSummary {
            count: s.count,
            averages: s.averages.map(Into::into),
            trend: s
                .trend
                .into_iter()
                .rev()
                .take(super::MAX_LISTED)
                .rev()
                .map(|p| FeedbackPeriod {
                    period: p.period,
                    count: p.count,
                    averages: p.averages.into(),
                })
                .collect(),
        }
    }
}

/// Totals of a client's feedback, computed only when selected.
pub struct FeedbackConnectionFields {
    pub client_id: Uuid,
    pub filter: FeedbackFilter,
    pub total: Option<u64>,
}

/// Totals of a client's feedback, computed only when selected.
#[Object]
impl FeedbackConnectionFields {
    /// How many submissions match.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        nested_total::<FeedbackOfClient>(ctx, self.client_id, &self.filter, self.total).await
    }
}
