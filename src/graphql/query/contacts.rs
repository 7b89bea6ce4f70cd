//! Reading contacts: one by id, and the cross-client list with its filter and search.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::auth::Permission;
use crate::graphql::connection::from_page;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{Contact, ContactConnectionFields};
use crate::service::contacts::ContactRole;
use crate::service::contacts::read::{self, ContactFilter};
use crate::service::page::PageRequest;

/// Narrows a contact list; every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "ContactFilter")]
pub struct ContactFilterInput {
    /// Contacts with this role.
    pub role: Option<ContactRole>,
    /// Only active (`true`) or inactive (`false`) contacts.
    pub is_active: Option<bool>,
    /// Exact department, case-insensitive.
    pub department: Option<String>,
    /// Case-insensitive part of the name or email (e.g. `@example.com`).
    pub search: Option<String>,
}

impl ContactFilterInput {
    /// The service filter; a `search` argument wins over `filter.search`.
    pub fn into_service(self, search: Option<String>) -> ContactFilter {
        ContactFilter {
            role: self.role,
            is_active: self.is_active,
            department: self.department,
            search: search.or(self.search),
        }
    }
}

/// Clients by their contacts: `some` keeps clients with at least one matching contact,
/// `none` those with no matching contact. An empty filter means any contact.
#[derive(InputObject, Default)]
pub struct ContactRelationFilter {
    /// Clients with at least one related record matching this filter.
    pub some: Option<ContactFilterInput>,
    /// Clients with no related record matching this filter.
    pub none: Option<ContactFilterInput>,
}

#[derive(Default)]
pub struct ContactsQuery;

#[Object]
impl ContactsQuery {
    /// One contact. Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn contact(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Contact>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Contact(
            read::get(context::db(ctx)?, context::scope(ctx)?, id).await?,
        )))
    }

    /// Contacts across every client, oldest first. Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<ContactFilterInput>,
        #[graphql(desc = "Case-insensitive part of the name or email.")] search: Option<String>,
    ) -> Result<Connection<String, Contact, ContactConnectionFields>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default().into_service(search);
        let rows = read::list(context::db(ctx)?, context::scope(ctx)?, &filter, &page).await?;
        Ok(from_page(
            rows,
            &page,
            |c| c.id,
            Contact,
            ContactConnectionFields::All { filter },
        ))
    }
}
