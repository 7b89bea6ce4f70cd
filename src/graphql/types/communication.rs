//! The `Communication` type: one exchange with a client, its follow-up and attachments.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entity::client_communication;
use uuid::Uuid;

use super::{Client, Contact, Document, Job, User, attachments_of};
use crate::auth::Permission;
use crate::graphql::connection::{nested_connection, nested_total};
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{
    ClientLoader, CommunicationsOfClient, ContactLoader, JobLoader, UserLoader,
};
use crate::service::communications::read::CommunicationFilter;
use crate::service::communications::{self, CommunicationType};
use crate::service::kernel::child;

/// One exchange with a client: an email, call, meeting, video call, chat…
pub struct Communication(pub client_communication::Model);

/// One exchange with a client: an email, call, meeting, video call, chat…
#[Object]
impl Communication {
    /// The communication's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// How it happened: email, call, meeting…
    async fn communication_type(&self) -> CommunicationType {
        self.0.communication_type
    }
    /// 1-300 characters.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// What was said or agreed.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// When it happened.
    async fn communication_at(&self) -> DateTime<Utc> {
        self.0.communication_at
    }
    /// Names or email addresses of who took part.
    async fn participants(&self) -> Vec<String> {
        communications::participants_of(&self.0)
    }
    /// Flagged as important (filter with `importantOnly`).
    async fn is_important(&self) -> bool {
        self.0.is_important
    }
    /// A follow-up is asked for (see `followUpOn` and `followUpDoneAt`).
    async fn follow_up_required(&self) -> bool {
        self.0.follow_up_required
    }
    /// The day the follow-up is due.
    async fn follow_up_on(&self) -> Option<NaiveDate> {
        self.0.follow_up_on
    }
    /// When the follow-up was completed; null while it is open.
    async fn follow_up_done_at(&self) -> Option<DateTime<Utc>> {
        self.0.follow_up_done_at
    }
    /// Optimistic-locking version; pass it as `expectedVersion` to `updateCommunication`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the communication was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the communication last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Who logged it.
    async fn logged_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.logged_by)
            .await?
            .map(User))
    }
    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.0.client_id)
            .await?
            .map(Client))
    }
    /// The job the exchange was about, if any. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn job(&self, ctx: &Context<'_>) -> Result<Option<Job>> {
        Ok(context::load::<JobLoader>(ctx, self.0.job_id)
            .await?
            .map(Job))
    }
    /// The contact it was with, if any (and still live). Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(context::load::<ContactLoader>(ctx, self.0.contact_id)
            .await?
            .map(Contact))
    }
    /// The documents attached to it, oldest first (at most 100). Requires
    /// `documents:read`.
    #[graphql(guard = "require(Permission::DocumentsRead)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Option<Vec<Document>>> {
        let mut attachments = attachments_of(ctx, self.0.id).await?;
        attachments.truncate(super::MAX_LISTED);
        Ok(Some(attachments))
    }
}

/// Totals of a communication list, computed only when selected.
pub enum CommunicationConnectionFields {
    /// One client's communications (batched across the clients of a page).
    OfClient {
        client_id: Uuid,
        filter: CommunicationFilter,
        /// Already counted by the page statement (no cursor).
        total: Option<u64>,
    },
    /// Communications across clients.
    All { filter: CommunicationFilter },
}

/// Totals of a communication list, computed only when selected.
#[Object]
impl CommunicationConnectionFields {
    /// How many communications match the filter.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self {
            CommunicationConnectionFields::OfClient {
                client_id,
                filter,
                total,
            } => nested_total::<CommunicationsOfClient>(ctx, *client_id, filter, *total).await,
            CommunicationConnectionFields::All { filter } => {
                Ok(child::count::<client_communication::Entity>(
                    context::db(ctx)?,
                    context::scope(ctx)?,
                    filter,
                )
                .await?)
            }
        }
    }
}

/// One client's page of communications matching `filter` (batched across a page of
/// clients).
pub async fn of_client(
    ctx: &Context<'_>,
    client_id: Uuid,
    filter: CommunicationFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Communication, CommunicationConnectionFields>> {
    let fields = |total| CommunicationConnectionFields::OfClient {
        client_id,
        filter: filter.clone(),
        total,
    };
    nested_connection::<CommunicationsOfClient, _, _>(
        ctx,
        client_id,
        filter.clone(),
        first,
        after,
        Communication,
        fields,
    )
    .await
}
