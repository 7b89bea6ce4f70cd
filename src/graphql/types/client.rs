//! The `Client` type: its fields, guarded billing fields, and every nested list (batched
//! through the request's loaders).

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{client, client_address};

use super::{
    AnalyticsDay, AuditEvent, AuditEventConnectionFields, ClientDashboard, Communication,
    CommunicationConnectionFields, Contact, ContactConnectionFields, Document,
    DocumentConnectionFields, DocumentFilterInput, Feedback, FeedbackConnectionFields,
    FeedbackSummary, HealthScore, Job, JobConnectionFields, Note, NoteConnectionFields, User,
    communication, documents_connection, load_health, logo_of,
};
use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::graphql::connection::{from_rows, load_nested_page, nested_connection, nested_page};
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{
    AddressesLoader, AnalyticsLoader, AuditOfClient, ClientLoader, ContactsOfClient,
    FeedbackOfClient, FeedbackSummaryLoader, JobLinksOfClient, JobLoader, NotesOfClient,
    PrimaryContactLoader, SubsidiariesLoader, TaxIdRevealLoader, UserLoader,
};
use crate::graphql::query::communications::CommunicationFilterInput;
use crate::graphql::query::contacts::ContactFilterInput;
use crate::graphql::query::jobs::ClientJobFilterInput;
use crate::graphql::query::notes::{NoteFilterInput, NoteOrderBy};
use crate::service::clients::read::{self, ClientQuery};
use crate::service::clients::{AddressKind, ClientStage, ClientStatus, ClientTier, write};
use crate::service::documents::read::Parent;
use crate::service::feedback::FeedbackFilter;
use crate::service::insights::analytics;
use crate::service::notes::read::NoteQuery;
use crate::service::page::PageRequest;

/// A client (customer) company.
pub struct Client(pub client::Model);

fn major(cents: Option<i64>) -> Option<f64> {
    cents.map(|c| c as f64 / 100.0)
}

/// A client (customer) company.
#[Object]
impl Client {
    /// The client's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Generated, immutable, unique in the tenant (e.g. `CLT-2026-0042`).
    async fn client_code(&self) -> &str {
        &self.0.client_code
    }
    /// Optimistic-locking version; pass it as `expectedVersion` to `updateClient`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The display name, 2-200 characters; another live client with the same normalised
    /// name is a duplicate (CONFLICT).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The registered legal name, up to 200 characters.
    async fn legal_name(&self) -> Option<&str> {
        self.0.legal_name.as_deref()
    }
    /// The name the client trades under, up to 200 characters.
    async fn trading_name(&self) -> Option<&str> {
        self.0.trading_name.as_deref()
    }
    /// Up to 100 characters.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// An http(s) URL, up to 500 characters (a bare domain gets `https://`).
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// The client's general email address, up to 320 characters.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Active, inactive, on hold or archived.
    async fn status(&self) -> ClientStatus {
        self.0.status
    }
    /// Where the relationship stands (lead to churned).
    async fn stage(&self) -> Option<ClientStage> {
        self.0.stage
    }
    /// The service tier.
    async fn tier(&self) -> Option<ClientTier> {
        self.0.tier
    }
    /// Lower-case labels.
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.0.tags.clone()).unwrap_or_default()
    }
    /// Free-form JSON object; filterable by key with `ClientFilter.customFields`.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.custom_fields.clone())
    }
    /// The company registration number, up to 100 characters.
    async fn registration_number(&self) -> Option<&str> {
        self.0.registration_number.as_deref()
    }
    /// Tax id, decrypted for the caller; each reveal is audited. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn tax_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let cipher = ctx.data::<FieldCipher>()?;
        let Some(plain) = write::decrypt_tax_id(context::scope(ctx)?, cipher, &self.0)? else {
            return Ok(None);
        };
        // Audited before it is answered: the request's reveals are written together.
        context::loader::<TaxIdRevealLoader>(ctx)?
            .load_one(self.0.id)
            .await?;
        Ok(Some(plain))
    }
    /// The legal form (e.g. GmbH, LLC), up to 100 characters.
    async fn entity_type(&self) -> Option<&str> {
        self.0.entity_type.as_deref()
    }
    /// Headcount, 0 or more.
    async fn employee_count(&self) -> Option<i32> {
        self.0.employee_count
    }
    /// Annual revenue in `currency`. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn annual_revenue(&self) -> Option<f64> {
        major(self.0.annual_revenue_cents)
    }
    /// The day the company was founded.
    async fn founded_on(&self) -> Option<NaiveDate> {
        self.0.founded_on
    }
    /// ISO 4217 code of the billing figures.
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    /// Days until an invoice is due, 0-365.
    async fn payment_terms_days(&self) -> Option<i32> {
        self.0.payment_terms_days
    }
    /// Amount owed now. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn outstanding_balance(&self) -> Option<f64> {
        major(self.0.outstanding_balance_cents)
    }
    /// Revenue earned from the client so far. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn total_revenue(&self) -> Option<f64> {
        major(self.0.total_revenue_cents)
    }
    /// Agreed hourly rate. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn hourly_rate(&self) -> Option<f64> {
        major(self.0.hourly_rate_cents)
    }
    /// The first day of the current contract.
    async fn contract_start(&self) -> Option<NaiveDate> {
        self.0.contract_start
    }
    /// The last day of the current contract (not before `contractStart`).
    async fn contract_end(&self) -> Option<NaiveDate> {
        self.0.contract_end
    }
    /// When the client was last deactivated; `null` while active.
    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deactivated_at
    }
    /// Why the client was deactivated.
    async fn deactivation_reason(&self) -> Option<&str> {
        self.0.deactivation_reason.as_deref()
    }
    /// Set while the client is soft-deleted (visible only to admins listing deleted
    /// clients).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// When the client was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the client last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
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

/// A postal address of a client.
pub struct Address(pub client_address::Model);

/// A postal address of a client.
#[Object]
impl Address {
    /// The address's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What the address is for.
    async fn kind(&self) -> AddressKind {
        self.0.kind
    }
    /// Street and number, 1-200 characters.
    async fn line1(&self) -> &str {
        &self.0.line1
    }
    /// Building, floor or suite; up to 200 characters.
    async fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }
    /// 1-100 characters.
    async fn city(&self) -> &str {
        &self.0.city
    }
    /// State, province or region; up to 100 characters.
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }
    /// Up to 20 characters.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    /// ISO 3166-1 alpha-2.
    async fn country(&self) -> &str {
        &self.0.country
    }
    /// The client's main address (at most one is).
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }
}

/// How many matching clients have a status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// A client status.
    pub status: ClientStatus,
    /// How many matching clients have it.
    pub count: i64,
}

/// Aggregates over every client matching the list's filter and search.
#[derive(SimpleObject)]
pub struct ClientSummary {
    /// How many live clients match, per status.
    pub by_status: Vec<StatusCount>,
}

/// Totals of a client list, computed only when selected.
pub struct ClientConnectionFields(pub ClientQuery);

/// Totals of a client list, computed only when selected.
#[Object]
impl ClientConnectionFields {
    /// How many clients match the filter and search.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(read::count(context::db(ctx)?, context::scope(ctx)?, &self.0).await?)
    }
    /// Counts per status of the matching clients.
    async fn summary(&self, ctx: &Context<'_>) -> Result<ClientSummary> {
        let rows = read::count_by_status(context::db(ctx)?, context::scope(ctx)?, &self.0).await?;
        Ok(ClientSummary {
            by_status: rows
                .into_iter()
                .map(|(status, count)| StatusCount { status, count })
                .collect(),
        })
    }
}
