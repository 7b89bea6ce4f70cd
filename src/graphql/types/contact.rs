//! The `Contact` type: a person at a client.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::client_contact;
use uuid::Uuid;

use async_graphql::connection::Connection;

use super::{
    Client, Document, DocumentConnectionFields, DocumentFilterInput, documents_connection,
};
use crate::auth::Permission;
use crate::graphql::connection::nested_total;
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{ClientLoader, ContactsOfClient};
use crate::service::contacts::read::{self, ContactFilter};
use crate::service::contacts::{ContactMethod, ContactRole};
use crate::service::documents::read::Parent;

/// A person at a client.
pub struct Contact(pub client_contact::Model);

/// A person at a client.
#[Object]
impl Contact {
    /// The contact's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 1-100 characters (required on `addContact`).
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// 1-100 characters (required on `addContact`).
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// First and last name, kept in step with both.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// The job title, up to 100 characters.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    /// Up to 100 characters.
    async fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }
    /// Lower-cased; unique among the client's active contacts.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    async fn mobile(&self) -> Option<&str> {
        self.0.mobile.as_deref()
    }
    /// The contact's part in the relationship.
    async fn role(&self) -> ContactRole {
        self.0.role
    }
    /// At most one active contact per client is primary.
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }
    /// Receives invoices.
    async fn is_billing(&self) -> bool {
        self.0.is_billing
    }
    /// The technical contact.
    async fn is_technical(&self) -> bool {
        self.0.is_technical
    }
    /// Still with the client (inactive contacts stay in the history).
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// How the contact prefers to be reached.
    async fn preferred_contact_method(&self) -> Option<ContactMethod> {
        self.0.preferred_contact_method
    }
    /// The contact asked not to be contacted.
    async fn do_not_contact(&self) -> bool {
        self.0.do_not_contact
    }
    /// An https URL of the contact's LinkedIn profile.
    async fn linkedin_url(&self) -> Option<&str> {
        self.0.linkedin_url.as_deref()
    }
    /// 0-100, from the contact's communications (SPEC §6).
    async fn engagement_score(&self) -> i32 {
        self.0.engagement_score
    }
    /// When a communication with the contact last happened (kept by the server).
    async fn last_contacted_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_contacted_at
    }
    /// Optimistic-locking version; pass it as `expectedVersion` to `updateContact`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the contact was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the contact last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The contact's client.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.0.client_id)
            .await?
            .map(Client))
    }
    /// Documents about this contact, newest first. Requires `documents:read`.
    #[graphql(guard = "require(Permission::DocumentsRead)")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<DocumentFilterInput>,
    ) -> Result<Connection<String, Document, DocumentConnectionFields>> {
        let filter = filter.unwrap_or_default().into_service(None);
        documents_connection(ctx, Parent::Contact, self.0.id, filter, first, after).await
    }
}

/// Totals of a contact list, computed only when selected.
pub enum ContactConnectionFields {
    /// One client's contacts (batched across the clients of a page).
    OfClient {
        client_id: Uuid,
        filter: ContactFilter,
        /// Already counted by the page statement (no cursor).
        total: Option<u64>,
    },
    /// Contacts across clients.
    All { filter: ContactFilter },
}

/// Totals of a contact list, computed only when selected.
#[Object]
impl ContactConnectionFields {
    /// How many contacts match the filter.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self {
            ContactConnectionFields::OfClient {
                client_id,
                filter,
                total,
            } => nested_total::<ContactsOfClient>(ctx, *client_id, filter, *total).await,
            ContactConnectionFields::All { filter } => {
                Ok(read::count(context::db(ctx)?, context::scope(ctx)?, filter).await?)
            }
        }
    }
}
