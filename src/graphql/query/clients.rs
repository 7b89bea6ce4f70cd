//! Reading clients: one client by id or code, and the client list with its filters (tags,
//! custom fields, relations), search, orderings and summary.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::query::communications::{
    CommunicationFilterInput, CommunicationRelationFilter,
};
use crate::graphql::query::contacts::ContactRelationFilter;
use crate::graphql::query::jobs::ClientJobFilterInput;
use crate::graphql::query::notes::NoteRelationFilter;
use crate::graphql::types::FeedbackFilterInput;
use crate::graphql::types::{Client, ClientConnectionFields};
use crate::service::clients::read::{self, ClientOrderField, ClientQuery, Window};
use crate::service::clients::{ClientStage, ClientStatus, ClientTier};

/// Clients carrying any / all of some tags.
#[derive(InputObject, Default)]
pub struct TagFilter {
    /// At least one of these tags.
    pub any: Option<Vec<String>>,
    /// Every one of these tags.
    pub all: Option<Vec<String>>,
}

/// A custom field that must equal a value.
#[derive(InputObject)]
pub struct CustomFieldFilter {
    /// The custom field, 1-64 of `A-Z a-z 0-9 _ -`.
    pub key: String,
    /// A string, number or boolean.
    pub value: Json<serde_json::Value>,
}

/// An instant range: `from` inclusive, `to` exclusive.
#[derive(InputObject, Default)]
pub struct DateTimeRange {
    /// At or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// An amount range, both ends inclusive.
#[derive(InputObject, Default)]
pub struct AmountRange {
    /// At least this amount (major units), when given.
    pub min: Option<f64>,
    /// At most this amount (major units), when given.
    pub max: Option<f64>,
}

/// Narrows a client list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct ClientFilter {
    /// Any of these statuses.
    pub status: Option<Vec<ClientStatus>>,
    /// Clients in any of these stages.
    pub stage: Option<Vec<ClientStage>>,
    /// Clients of any of these tiers.
    pub tier: Option<Vec<ClientTier>>,
    /// Exact industry, case-insensitive.
    pub industry: Option<String>,
    /// Clients managed by this user.
    pub account_manager_id: Option<ID>,
    /// Subsidiaries of this client.
    pub parent_client_id: Option<ID>,
    /// Clients by their tags (any, all or none of a list).
    pub tags: Option<TagFilter>,
    /// Conditions on custom fields; every one must hold.
    pub custom_fields: Option<Vec<CustomFieldFilter>>,
    /// Clients created in this range.
    pub created_at: Option<DateTimeRange>,
    /// Clients changed in this range.
    pub updated_at: Option<DateTimeRange>,
    /// Needs `billing:read` (FORBIDDEN otherwise, so hidden amounts cannot leak).
    pub outstanding_balance: Option<AmountRange>,
    /// Also soft-deleted clients; needs `clients:delete`.
    pub include_deleted: Option<bool>,
    /// Clients with some / no contact matching a filter (compiled to EXISTS). Needs
    /// `contacts:read`.
    pub contacts: Option<ContactRelationFilter>,
    /// Clients with some / no note matching a filter (compiled to EXISTS). Needs
    /// `notes:read`.
    pub notes: Option<NoteRelationFilter>,
    /// Clients with some / no communication matching a filter (compiled to EXISTS),
    /// e.g. `{none: {from: "<90 days ago>"}}`. Needs `communications:read`.
    pub communications: Option<CommunicationRelationFilter>,
    /// Clients with some / no job link matching a filter (e.g. `{some: {status: [OPEN]}}`),
    /// compiled to EXISTS. Needs `jobs:read`.
    pub jobs: Option<JobRelationFilter>,
    /// Clients with some / no feedback matching a filter, compiled to EXISTS. Needs
    /// `feedback:read`.
    pub feedback: Option<FeedbackRelationFilter>,
}

/// Clients by their job links: `some` / `none` of the links match. An empty filter
/// means any current link.
#[derive(InputObject, Default)]
pub struct JobRelationFilter {
    /// Clients with at least one related record matching this filter.
    pub some: Option<ClientJobFilterInput>,
    /// Clients with no related record matching this filter.
    pub none: Option<ClientJobFilterInput>,
}

/// Clients by their feedback: `some` / `none` of the rows match. An empty filter means
/// any feedback.
#[derive(InputObject, Default)]
pub struct FeedbackRelationFilter {
    /// Clients with at least one related record matching this filter.
    pub some: Option<FeedbackFilterInput>,
    /// Clients with no related record matching this filter.
    pub none: Option<FeedbackFilterInput>,
}

/// Sort direction.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

/// Where rows without a value go.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum NullsPlacement {
    First,
    #[default]
    Last,
}

/// One ordering key; several keys order lexicographically, with the id as final tie-break.
#[derive(InputObject)]
pub struct ClientOrder {
    /// The field to sort by.
    pub field: ClientOrderField,
    /// Ascending (default) or descending.
    #[graphql(default)]
    pub direction: SortDirection,
    /// Where clients without a value go (default last).
    #[graphql(default)]
    pub nulls: NullsPlacement,
}

impl ClientFilter {
    pub fn into_service(self) -> Result<read::ClientFilter, crate::error::AppError> {
        let tags = self.tags.unwrap_or_default();
        let created = self.created_at.unwrap_or_default();
        let updated = self.updated_at.unwrap_or_default();
        let balance = self.outstanding_balance.unwrap_or_default();
        let contacts = self.contacts.unwrap_or_default();
        let notes = self.notes.unwrap_or_default();
        let communications = self.communications.unwrap_or_default();
        let jobs = self.jobs.unwrap_or_default();
        let feedback = self.feedback.unwrap_or_default();
        Ok(read::ClientFilter {
            status_in: self.status.unwrap_or_default(),
            stage_in: self.stage.unwrap_or_default(),
            tier_in: self.tier.unwrap_or_default(),
            industry: self.industry,
            account_manager_id: self
                .account_manager_id
                .as_ref()
                .map(|id| parse_id("filter.accountManagerId", id))
                .transpose()?,
            parent_client_id: self
                .parent_client_id
                .as_ref()
                .map(|id| parse_id("filter.parentClientId", id))
                .transpose()?,
            tags_any: tags.any.unwrap_or_default(),
            tags_all: tags.all.unwrap_or_default(),
            custom_fields: self
                .custom_fields
                .unwrap_or_default()
                .into_iter()
                .map(|c| (c.key, c.value.0))
                .collect(),
            created_from: created.from,
            created_to: created.to,
            updated_from: updated.from,
            updated_to: updated.to,
            outstanding_balance_min: balance.min,
            outstanding_balance_max: balance.max,
            include_deleted: self.include_deleted.unwrap_or(false),
            contacts_some: contacts.some.map(|f| f.into_service(None)),
            contacts_none: contacts.none.map(|f| f.into_service(None)),
            notes_some: notes.some.map(|f| f.into_service(None)).transpose()?,
            notes_none: notes.none.map(|f| f.into_service(None)).transpose()?,
            communications_some: communications
                .some
                .map(CommunicationFilterInput::into_service)
                .transpose()?,
            communications_none: communications
                .none
                .map(CommunicationFilterInput::into_service)
                .transpose()?,
            jobs_some: jobs.some.map(ClientJobFilterInput::into_service),
            jobs_none: jobs.none.map(ClientJobFilterInput::into_service),
            feedback_some: feedback.some.map(FeedbackFilterInput::into_service),
            feedback_none: feedback.none.map(FeedbackFilterInput::into_service),
        })
    }
}

/// The service-level query of a client list.
pub(crate) fn client_query(
    filter: Option<ClientFilter>,
    order_by: Option<Vec<ClientOrder>>,
    search: Option<String>,
) -> Result<ClientQuery, crate::error::AppError> {
    Ok(ClientQuery {
        filter: filter.unwrap_or_default().into_service()?,
        search,
        order: order_by
            .unwrap_or_default()
            .into_iter()
            .map(|o| read::ClientOrder {
                field: o.field,
                descending: o.direction == SortDirection::Desc,
                nulls_first: o.nulls == NullsPlacement::First,
            })
            .collect(),
    })
}

#[derive(Default)]
pub struct ClientsQuery;

#[Object]
impl ClientsQuery {
    /// One client by id. Requires `clients:read`.
    #[graphql(guard = "require(Permission::ClientsRead)")]
    async fn client(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Client>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Client(
            read::get(context::db(ctx)?, context::scope(ctx)?, id).await?,
        )))
    }

    /// One client by its code (e.g. `CLT-2026-0042`). Requires `clients:read`.
    #[graphql(guard = "require(Permission::ClientsRead)")]
    async fn client_by_code(&self, ctx: &Context<'_>, code: String) -> Result<Option<Client>> {
        Ok(Some(Client(
            read::by_code(context::db(ctx)?, context::scope(ctx)?, &code).await?,
        )))
    }

    /// Clients, filtered, searched and ordered (by name by default), paged with cursors
    /// in either direction. Requires `clients:read`.
    #[graphql(guard = "require(Permission::ClientsRead)")]
    #[allow(clippy::too_many_arguments)]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size forwards, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size backwards, 1-100.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        filter: Option<ClientFilter>,
        order_by: Option<Vec<ClientOrder>>,
        #[graphql(
            desc = "Case-insensitive part of the name, legal or trading name, code or industry."
        )]
        search: Option<String>,
    ) -> Result<Connection<String, Client, ClientConnectionFields>> {
        let query = client_query(filter, order_by, search)?;
        let window = Window {
            first,
            after,
            last,
            before,
        };
        let page = read::list(context::db(ctx)?, context::scope(ctx)?, &query, &window).await?;
        let mut connection = Connection::with_additional_fields(
            page.has_previous_page,
            page.has_next_page,
            ClientConnectionFields(query),
        );
        connection.edges.extend(
            page.rows
                .into_iter()
                .map(|(cursor, m)| Edge::new(cursor, Client(m))),
        );
        Ok(connection)
    }
}
