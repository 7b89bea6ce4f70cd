//! Submitting, updating and finalizing client feedback.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::NaiveDate;

use crate::auth::Permission;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Feedback;
use crate::service::feedback::{self, FeedbackPatch};

/// Feedback fields. On `submitFeedback` everything but `writtenFeedback` is required;
/// on `updateFeedback` omitted fields stay. Each rating is 1-5.
#[derive(InputObject)]
pub struct FeedbackInput {
    /// A quarter (`2026-Q3`) or a month (`2026-07`).
    pub period: Option<String>,
    /// The day the feedback is for.
    pub feedback_on: Option<NaiveDate>,
    /// How quickly the client responds, 1-5.
    pub responsiveness_rating: Option<i32>,
    /// How well the client communicates, 1-5.
    pub communication_rating: Option<i32>,
    /// How clear the client's requirements are, 1-5.
    pub requirements_clarity_rating: Option<i32>,
    /// How quickly the client decides, 1-5.
    pub decision_speed_rating: Option<i32>,
    /// Overall satisfaction with the client, 1-5.
    pub overall_satisfaction: Option<i32>,
    /// Up to 10,000 characters.
    pub written_feedback: Option<String>,
}

impl From<FeedbackInput> for FeedbackPatch {
    fn from(i: FeedbackInput) -> Self {
        FeedbackPatch {
            period: i.period,
            feedback_on: i.feedback_on,
            responsiveness_rating: i.responsiveness_rating,
            communication_rating: i.communication_rating,
            requirements_clarity_rating: i.requirements_clarity_rating,
            decision_speed_rating: i.decision_speed_rating,
            overall_satisfaction: i.overall_satisfaction,
            written_feedback: i.written_feedback,
        }
    }
}

#[derive(Default)]
pub struct FeedbackMutations;

#[Object]
impl FeedbackMutations {
    /// Records a client's feedback. Requires `feedback:write`.
    #[graphql(guard = "require(Permission::FeedbackWrite)")]
    async fn submit_feedback(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        input: FeedbackInput,
    ) -> Result<Feedback> {
        let client_id = parse_id("clientId", &client_id)?;
        let scope = context::scope(ctx)?;
        let db = context::db(ctx)?;
        Ok(Feedback(
            feedback::submit(db, scope, client_id, input.into()).await?,
        ))
    }

    /// Changes feedback that is not finalized (CONFLICT once it is).
    /// Requires `feedback:write`.
    #[graphql(guard = "require(Permission::FeedbackWrite)")]
    async fn update_feedback(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: FeedbackInput,
    ) -> Result<Feedback> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        let db = context::db(ctx)?;
        Ok(Feedback(
            feedback::update(db, scope, id, input.into()).await?,
        ))
    }

    /// Finalizes feedback; it is immutable afterwards. Managers only (SPEC §2: admins
    /// do not finalize). Requires `feedback:finalize`.
    #[graphql(guard = "require(Permission::FeedbackFinalize)")]
    async fn finalize_feedback(&self, ctx: &Context<'_>, id: ID) -> Result<Feedback> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        Ok(Feedback(
            feedback::finalize(context::db(ctx)?, scope, id).await?,
        ))
    }
}
