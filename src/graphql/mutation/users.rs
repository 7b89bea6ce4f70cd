//! Administering the tenant's users: create, update, deactivate.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::auth::{Permission, Role};
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::User;
use crate::service::users::{self, NewUser, UserChanges};

/// A new user of the tenant.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Sign-in email; unique within the tenant.
    pub email: String,
    /// 1-200 characters.
    pub full_name: String,
    /// What the user may do (see the permission table).
    pub role: Role,
    /// 10 to 256 characters.
    pub password: String,
}

/// Changes to a user; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// 1-200 characters.
    pub full_name: Option<String>,
    /// What the user may do (see the permission table).
    pub role: Option<Role>,
    /// `false` deactivates the user: their credentials stop working at once.
    pub is_active: Option<bool>,
}

#[derive(Default)]
pub struct UserMutations;

#[Object]
impl UserMutations {
    /// Adds a user to the tenant. Requires `users:manage`.
    #[graphql(guard = "require(Permission::UsersManage)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let new = NewUser {
            email: input.email,
            full_name: input.full_name,
            role: input.role,
            password: input.password,
        };
        Ok(User(
            users::create(context::db(ctx)?, context::scope(ctx)?, new).await?,
        ))
    }

    /// Changes a user's name, role or active flag. With `expectedVersion`, a user
    /// changed meanwhile by someone else is a CONFLICT. Requires `users:manage`.
    #[graphql(guard = "require(Permission::UsersManage)")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
        expected_version: Option<i32>,
    ) -> Result<User> {
        let id = parse_id("id", &id)?;
        let changes = UserChanges {
            full_name: input.full_name,
            role: input.role,
            is_active: input.is_active,
        };
        let user = users::update(
            context::db(ctx)?,
            context::scope(ctx)?,
            id,
            changes,
            expected_version,
        )
        .await?;
        Ok(User(user))
    }

    /// Deactivates a user: they can no longer sign in, and their tokens stop working at
    /// once. Requires `users:manage`.
    #[graphql(guard = "require(Permission::UsersManage)")]
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id = parse_id("id", &id)?;
        Ok(User(
            users::deactivate(context::db(ctx)?, context::scope(ctx)?, id).await?,
        ))
    }
}
