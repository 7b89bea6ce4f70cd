//! Logging communications and keeping their follow-ups.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::{patch, patch_id};
use crate::auth::Permission;
use crate::error::AppError;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Communication;
use crate::service::communications::{self, CommunicationPatch, CommunicationType};

/// A communication's fields. On `logCommunication` `communicationType` and `subject`
/// are required; on `updateCommunication` omitted fields stay and `null` clears.
#[derive(InputObject)]
pub struct CommunicationInput {
    /// How it happened: email, call, meeting…
    pub communication_type: Option<CommunicationType>,
    /// 1-300 characters.
    pub subject: Option<String>,
    /// What was said or agreed (up to 20,000 characters).
    pub notes: MaybeUndefined<String>,
    /// When it happened (default: now). Only past communications count towards a
    /// contact's engagement score.
    pub communication_at: Option<DateTime<Utc>>,
    /// Names or email addresses (at most 50), replacing the previous list.
    pub participants: Option<Vec<String>>,
    /// A live contact of the same client; its `lastContactedAt` and `engagementScore`
    /// follow.
    pub contact_id: MaybeUndefined<ID>,
    /// A job of the tenant the exchange was about; `null` clears.
    pub job_id: MaybeUndefined<ID>,
    /// Flagged as important (filter with `importantOnly`).
    pub is_important: Option<bool>,
    /// A required follow-up needs `followUpOn`.
    pub follow_up_required: Option<bool>,
    /// The follow-up's due day; giving one asks for a follow-up unless
    /// `followUpRequired: false`.
    pub follow_up_on: MaybeUndefined<NaiveDate>,
}

impl CommunicationInput {
    fn into_patch(self) -> Result<CommunicationPatch, AppError> {
        Ok(CommunicationPatch {
            communication_type: self.communication_type,
            subject: self.subject,
            notes: patch(self.notes),
            communication_at: self.communication_at,
            participants: self.participants,
            contact_id: patch_id("input.contactId", self.contact_id)?,
            job_id: patch_id("input.jobId", self.job_id)?,
            is_important: self.is_important,
            follow_up_required: self.follow_up_required,
            follow_up_on: patch(self.follow_up_on),
        })
    }
}

#[derive(Default)]
pub struct CommunicationMutations;

#[Object]
impl CommunicationMutations {
    /// Logs a communication with a client; with a contact, refreshes the contact's
    /// `lastContactedAt` and `engagementScore`. Requires `communications:write`.
    #[graphql(guard = "require(Permission::CommunicationsWrite)")]
    async fn log_communication(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        input: CommunicationInput,
    ) -> Result<Communication> {
        let client_id = parse_id("clientId", &client_id)?;
        let patch = input.into_patch()?;
        let scope = context::scope(ctx)?;
        let logged = communications::log(context::db(ctx)?, scope, client_id, patch).await?;
        Ok(Communication(logged))
    }

    /// Changes a communication if it is still at `expectedVersion` (CONFLICT otherwise).
    /// Requires `communications:write`.
    #[graphql(guard = "require(Permission::CommunicationsWrite)")]
    async fn update_communication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CommunicationInput,
        expected_version: i32,
    ) -> Result<Communication> {
        let id = parse_id("id", &id)?;
        let patch = input.into_patch()?;
        let scope = context::scope(ctx)?;
        let db = context::db(ctx)?;
        let updated = communications::update(db, scope, id, patch, Some(expected_version)).await?;
        Ok(Communication(updated))
    }

    /// Flags a communication as important (or not, with `important: false`).
    /// Requires `communications:write`.
    #[graphql(guard = "require(Permission::CommunicationsWrite)")]
    async fn mark_communication_important(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = true)] important: bool,
    ) -> Result<Communication> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        let marked =
            communications::mark_important(context::db(ctx)?, scope, id, important).await?;
        Ok(Communication(marked))
    }

    /// Asks for a follow-up on a day (reopening a completed one).
    /// Requires `communications:write`.
    #[graphql(guard = "require(Permission::CommunicationsWrite)")]
    async fn set_follow_up(
        &self,
        ctx: &Context<'_>,
        id: ID,
        on: NaiveDate,
    ) -> Result<Communication> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        let updated = communications::set_follow_up(context::db(ctx)?, scope, id, on).await?;
        Ok(Communication(updated))
    }

    /// Marks the follow-up done (CONFLICT when none is open).
    /// Requires `communications:write`.
    #[graphql(guard = "require(Permission::CommunicationsWrite)")]
    async fn complete_follow_up(&self, ctx: &Context<'_>, id: ID) -> Result<Communication> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        let done = communications::complete_follow_up(context::db(ctx)?, scope, id).await?;
        Ok(Communication(done))
    }
}
