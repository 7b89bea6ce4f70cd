//! The relations of a `Client`: its manager, parent and subsidiaries, and every nested
//! list and figure (contacts, documents, notes, communications, jobs, feedback,
//! dashboard, health, analytics, addresses, audit trail), batched through the request's
//! loaders.

use async_graphql::connection::Connection;
use async_graphql::{Context, InputObject, Object, Result};
use chrono::{NaiveDate, Utc};
use entity::client;

use super::super::Address;
use super::super::{
    AnalyticsDay, AuditEvent, AuditEventConnectionFields, ClientDashboard, Communication,
    CommunicationConnectionFields, Contact, ContactConnectionFields, Document,
    DocumentConnectionFields, DocumentFilterInput, Feedback, FeedbackConnectionFields,
    FeedbackSummary, HealthScore, Job, JobConnectionFields, Note, NoteConnectionFields, User,
    communication, documents_connection, load_health, logo_of,
};
use super::Client;
use crate::auth::Permission;
use crate::graphql::connection::{from_rows, load_nested_page, nested_connection, nested_page};
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{
    AddressesLoader, AnalyticsLoader, AuditOfClient, ClientLoader, ContactsOfClient,
    FeedbackOfClient, FeedbackSummaryLoader, JobLinksOfClient, JobLoader, NotesOfClient,
    PrimaryContactLoader, SubsidiariesLoader, UserLoader,
};
use crate::graphql::query::communications::CommunicationFilterInput;
use crate::graphql::query::contacts::ContactFilterInput;
use crate::graphql::query::jobs::ClientJobFilterInput;
use crate::graphql::query::notes::{NoteFilterInput, NoteOrderBy};
use crate::service::documents::read::Parent;
use crate::service::feedback::FeedbackFilter;
use crate::service::insights::analytics;
use crate::service::notes::read::NoteQuery;
use crate::service::page::PageRequest;

/// The relation fields of a client (flattened into `Client`).
pub struct ClientRelations<'a>(pub &'a client::Model);

/// The relation fields of a client (flattened into `Client`).
#[Object]
impl ClientRelations<'_> {
    /// The user responsible for the account.
    async fn account_manager(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.account_manager_id)
            .await?
            .map(User))
    }
    /// The parent company, if this client is a subsidiary.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.0.parent_client_id)
            .await?
            .map(Client))
    }
    /// Live subsidiaries, by name: the first `first` (batched across a page of clients).
    async fn subsidiaries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1-100 (default 20).")] first: Option<i32>,
    ) -> Result<Vec<Client>> {
        let first = PageRequest::new(first, None)?.first;
        let rows = context::loader::<SubsidiariesLoader>(ctx)?
            .load_one((self.0.id, first))
            .await?
            .unwrap_or_default();
        Ok(rows.iter().cloned().map(Client).collect())
    }
    /// The client's contacts by name, each client's page computed in SQL (batched
    /// across a page of clients). Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<ContactFilterInput>,
        #[graphql(desc = "Case-insensitive part of the name or email.")] search: Option<String>,
    ) -> Result<Option<Connection<String, Contact, ContactConnectionFields>>> {
        let filter = filter.unwrap_or_default().into_service(search);
        let client_id = self.0.id;
        let fields = |total| ContactConnectionFields::OfClient {
            client_id,
            filter: filter.clone(),
            total,
        };
        Ok(Some(
            nested_connection::<ContactsOfClient, _, _>(
                ctx,
                client_id,
                filter.clone(),
                first,
                after,
                Contact,
                fields,
            )
            .await?,
        ))
    }
    /// The client's documents, newest first, each client's page computed in SQL
    /// (batched across a page of clients). Requires `documents:read`.
    #[graphql(guard = "require(Permission::DocumentsRead)")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<DocumentFilterInput>,
        #[graphql(desc = "Case-insensitive part of the name or description.")] search: Option<
            String,
        >,
    ) -> Result<Option<Connection<String, Document, DocumentConnectionFields>>> {
        let filter = filter.unwrap_or_default().into_service(search);
        let connection =
            documents_connection(ctx, Parent::Client, self.0.id, filter, first, after).await?;
        Ok(Some(connection))
    }
    /// The client's logo: its newest `LOGO` document (an image). Requires
    /// `documents:read`.
    #[graphql(guard = "require(Permission::DocumentsRead)")]
    async fn logo(&self, ctx: &Context<'_>) -> Result<Option<Document>> {
        logo_of(ctx, self.0.id).await
    }
    /// The client's notes (newest first by default), each client's page computed in
    /// SQL (batched across a page of clients). Requires `notes:read`.
    #[graphql(guard = "require(Permission::NotesRead)")]
    async fn notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<NoteFilterInput>,
        order_by: Option<NoteOrderBy>,
    ) -> Result<Option<Connection<String, Note, NoteConnectionFields>>> {
        let query = NoteQuery {
            filter: filter.unwrap_or_default().into_service(None)?,
            order: order_by.unwrap_or_default().into(),
        };
        let client_id = self.0.id;
        let fields = |total| NoteConnectionFields::OfClient {
            client_id,
            query: query.clone(),
            total,
        };
        Ok(Some(
            nested_connection::<NotesOfClient, _, _>(
                ctx,
                client_id,
                query.clone(),
                first,
                after,
                Note,
                fields,
            )
            .await?,
        ))
    }
    /// The client's communications, newest first, each client's page computed in SQL
    /// (batched across a page of clients). Requires `communications:read`.
    #[graphql(guard = "require(Permission::CommunicationsRead)")]
    async fn communications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<CommunicationFilterInput>,
    ) -> Result<Option<Connection<String, Communication, CommunicationConnectionFields>>> {
        let filter = filter.unwrap_or_default().into_service()?;
        Ok(Some(
            communication::of_client(ctx, self.0.id, filter, first, after).await?,
        ))
    }
    /// The client's jobs through its links, latest link first (current links only unless
    /// `activeOnly: false`), each client's page computed in SQL. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<ClientJobFilterInput>,
    ) -> Result<Option<Connection<String, Job, JobConnectionFields>>> {
        let filter = filter.unwrap_or_default().into_service();
        let page = nested_page(first, after)?;
        let has_previous = page.after.is_some();
        let loaded =
            load_nested_page::<JobLinksOfClient>(ctx, self.0.id, filter.clone(), page).await?;
        let jobs = context::loader::<JobLoader>(ctx)?
            .load_many(loaded.rows.iter().map(|(_, link)| link.job_id))
            .await?;
        let rows = loaded
            .rows
            .into_iter()
            .filter_map(|(cursor, link)| jobs.get(&link.job_id).cloned().map(|j| (cursor, j)))
            .collect();
        let fields = JobConnectionFields::OfClient {
            client_id: self.0.id,
            filter,
            total: loaded.total,
        };
        Ok(Some(from_rows(
            rows,
            has_previous,
            loaded.has_next_page,
            Job,
            fields,
        )))
    }
    /// The client's feedback, newest first, each client's page computed in SQL.
    /// Requires `feedback:read`.
    #[graphql(guard = "require(Permission::FeedbackRead)")]
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<FeedbackFilterInput>,
    ) -> Result<Option<Connection<String, Feedback, FeedbackConnectionFields>>> {
        let filter = filter.unwrap_or_default().into_service();
        let client_id = self.0.id;
        let fields = |total| FeedbackConnectionFields {
            client_id,
            filter: filter.clone(),
            total,
        };
        Ok(Some(
            nested_connection::<FeedbackOfClient, _, _>(
                ctx,
                client_id,
                filter.clone(),
                first,
                after,
                Feedback,
                fields,
            )
            .await?,
        ))
    }
    /// Averages per rating and the trend per period of the client's feedback between
    /// two days (inclusive; open-ended when omitted). Requires `feedback:read`.
    #[graphql(guard = "require(Permission::FeedbackRead)")]
    async fn feedback_summary(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Option<FeedbackSummary>> {
        let summary = context::loader::<FeedbackSummaryLoader>(ctx)?
            .load_one((self.0.id, (from, to)))
            .await?
            .unwrap_or_default();
        Ok(Some(summary.into()))
    }
    /// Recruiting figures, recent activity and outstanding follow-ups (batched across a
    /// page of clients). Requires `analytics:read`.
    #[graphql(guard = "require(Permission::AnalyticsRead)")]
    async fn dashboard(&self) -> Option<ClientDashboard> {
        Some(ClientDashboard {
            client_id: self.0.id,
        })
    }
    /// The live health score with its components (see `HealthComponents`). Requires
    /// `analytics:read`.
    #[graphql(guard = "require(Permission::AnalyticsRead)")]
    async fn health_score(&self, ctx: &Context<'_>) -> Result<Option<HealthScore>> {
        load_health(ctx, self.0.id).await
    }
    /// The daily analytics rows between two days (inclusive), oldest first: by default
    /// the last 30 days, at most 366 days. Requires `analytics:read`.
    #[graphql(guard = "require(Permission::AnalyticsRead)")]
    async fn analytics(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Option<Vec<AnalyticsDay>>> {
        // Checked here so a bad range is BAD_USER_INPUT, not a loader error.
        analytics::series_range(from, to, Utc::now().date_naive())?;
        let rows = context::loader::<AnalyticsLoader>(ctx)?
            .load_one((self.0.id, (from, to)))
            .await?
            .unwrap_or_default();
        let scope = context::scope(ctx)?;
        let billing = scope.can(Permission::BillingRead);
        let full_health = billing && scope.can(Permission::FeedbackRead);
        Ok(Some(
            rows.iter()
                .map(|m| AnalyticsDay::new(m, billing, full_health))
                .collect(),
        ))
    }
    /// The active primary contact, if any. Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn primary_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(context::load::<PrimaryContactLoader>(ctx, self.0.id)
            .await?
            .map(Contact))
    }
    /// Postal addresses, primary first (at most 20; batched across a page of clients).
    async fn addresses(&self, ctx: &Context<'_>) -> Result<Vec<Address>> {
        let rows = context::loader::<AddressesLoader>(ctx)?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.iter().cloned().map(Address).collect())
    }
    /// The client's change history, newest first. Requires `audit:read`.
    #[graphql(guard = "require(Permission::AuditRead)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Option<Connection<String, AuditEvent, AuditEventConnectionFields>>> {
        let client_id = self.0.id;
        Ok(Some(
            nested_connection::<AuditOfClient, _, _>(
                ctx,
                client_id,
                (),
                first,
                after,
                AuditEvent,
                |total| AuditEventConnectionFields::OfClient { client_id, total },
            )
            .await?,
        ))
    }
}

/// Narrows a client's feedback.
#[derive(InputObject, Default)]
#[graphql(name = "FeedbackFilter")]
pub struct FeedbackFilterInput {
    /// Only this period (`2026-Q3`, `2026-07`).
    pub period: Option<String>,
    /// Feedback for a day on or after this one.
    pub from: Option<NaiveDate>,
    /// Feedback for a day on or before this one.
    pub to: Option<NaiveDate>,
    /// Only finalized feedback.
    pub finalized_only: Option<bool>,
}

impl FeedbackFilterInput {
    /// The service filter.
    pub fn into_service(self) -> FeedbackFilter {
        FeedbackFilter {
            period: self.period,
            from: self.from,
            to: self.to,
            finalized_only: self.finalized_only.unwrap_or(false),
        }
    }
}
