//! Reading the tenant's users: one by id, and the list with its filter.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::auth::{Permission, Role};
use crate::graphql::connection::from_page;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{User, UserConnectionFields};
use crate::service::page::PageRequest;
use crate::service::users::{self, UserFilter as Filter};

/// Narrows a user list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Users with this role.
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) users.
    pub is_active: Option<bool>,
    /// Case-insensitive part of the email or full name.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The tenant's users, oldest first. Requires `users:manage`.
    #[graphql(guard = "require(Permission::UsersManage)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge seen.")] after: Option<String>,
        filter: Option<UserFilter>,
    ) -> Result<Connection<String, User, UserConnectionFields>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            role: filter.role,
            is_active: filter.is_active,
            search: filter.search,
        };
        let rows = users::list(context::db(ctx)?, context::scope(ctx)?, &filter, &page).await?;
        Ok(from_page(
            rows,
            &page,
            |u| u.id,
            User,
            UserConnectionFields(filter),
        ))
    }

    /// One user of the tenant. Requires `users:manage`.
    #[graphql(guard = "require(Permission::UsersManage)")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let id = parse_id("id", &id)?;
        Ok(Some(User(
            users::get(context::db(ctx)?, context::scope(ctx)?, id).await?,
        )))
    }
}
