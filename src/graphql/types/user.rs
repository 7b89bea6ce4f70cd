//! The `User` type and the totals of a user list.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::user;

use super::stored_role;
use crate::auth::Role;
use crate::graphql::context;
use crate::service::users::{self, UserFilter};

/// A person who signs in to the tenant.
pub struct User(pub user::Model);

/// A person who signs in to the tenant.
#[Object]
impl User {
    /// The user's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Sign-in email, lower-cased; unique within the tenant.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The user's name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// The role, which fixes the user's permissions.
    async fn role(&self) -> Result<Role> {
        Ok(stored_role(&self.0.role)?)
    }
    /// False once deactivated: the user can no longer sign in or use earlier tokens.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When the user last signed in; `null` if never.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the user last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Optimistic-locking version; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Totals of a user list.
pub struct UserConnectionFields(pub UserFilter);

/// Totals of a user list.
#[Object]
impl UserConnectionFields {
    /// How many users match the filter (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(users::count(context::db(ctx)?, context::scope(ctx)?, &self.0).await?)
    }
}
