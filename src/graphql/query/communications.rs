//! Reading communications: one by id, and the cross-client list (e.g. follow-ups due).

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::error::AppError;
use crate::graphql::connection::{from_rows, nested_page};
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{Communication, CommunicationConnectionFields};
use crate::service::communications::CommunicationType;
use crate::service::communications::read::CommunicationFilter;
use crate::service::kernel::child;
use entity::client_communication;

/// Narrows a communication list; every condition given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "CommunicationFilter")]
pub struct CommunicationFilterInput {
    /// Any of these types.
    #[graphql(name = "type")]
    pub communication_type: Option<Vec<CommunicationType>>,
    /// Communications on or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Communications before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only those flagged important.
    pub important_only: Option<bool>,
    /// Only those with this contact.
    pub contact_id: Option<ID>,
    /// `true`: an open follow-up is due today (UTC) or earlier; `false`: none is.
    pub follow_up_due: Option<bool>,
    /// `true`: a follow-up is required and not yet done (whatever its date); `false`:
    /// none is open.
    pub follow_up_open: Option<bool>,
}

impl CommunicationFilterInput {
    /// The service filter.
    pub fn into_service(self) -> Result<CommunicationFilter, AppError> {
        Ok(CommunicationFilter {
            types: self.communication_type.unwrap_or_default(),
            from: self.from,
            to: self.to,
            important_only: self.important_only.unwrap_or(false),
            contact_id: self
                .contact_id
                .map(|id| parse_id("filter.contactId", &id))
                .transpose()?,
            client_id: None,
            follow_up_due: self.follow_up_due,
            follow_up_open: self.follow_up_open,
            today: None,
        })
    }
}

/// Clients by their communications: `some` keeps clients with at least one matching
/// communication, `none` those with none (e.g. `{none: {from: "<90 days ago>"}}` for
/// clients nobody has talked to in 90 days). An empty filter means any communication.
#[derive(InputObject, Default)]
pub struct CommunicationRelationFilter {
    /// Clients with at least one related record matching this filter.
    pub some: Option<CommunicationFilterInput>,
    /// Clients with no related record matching this filter.
    pub none: Option<CommunicationFilterInput>,
}

#[derive(Default)]
pub struct CommunicationsQuery;

#[Object]
impl CommunicationsQuery {
    /// One communication. Requires `communications:read`.
    #[graphql(guard = "require(Permission::CommunicationsRead)")]
    async fn communication(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Communication>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Communication(
            child::get::<client_communication::Entity>(context::db(ctx)?, context::scope(ctx)?, id)
                .await?,
        )))
    }

    /// Communications across every live client, newest first; with
    /// `filter: {followUpDue: true}` the "follow-ups due" view. Requires
    /// `communications:read`.
    #[graphql(guard = "require(Permission::CommunicationsRead)")]
    async fn communications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<CommunicationFilterInput>,
        #[graphql(desc = "Only this client's communications.")] client_id: Option<ID>,
    ) -> Result<Connection<String, Communication, CommunicationConnectionFields>> {
        let page = nested_page(first, after)?;
        let mut filter = filter.unwrap_or_default().into_service()?;
        filter.client_id = client_id.map(|id| parse_id("clientId", &id)).transpose()?;
        let has_previous = page.after.is_some();
        let (rows, has_next) = child::list::<client_communication::Entity>(
            context::db(ctx)?,
            context::scope(ctx)?,
            &filter,
            &page,
        )
        .await?;
        Ok(from_rows(
            rows,
            has_previous,
            has_next,
            Communication,
            CommunicationConnectionFields::All { filter },
        ))
    }
}
