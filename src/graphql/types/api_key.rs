//! The `ApiKey` type and the once-shown secret of a new key.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::api_key;

use super::{User, stored_role};
use crate::auth::Role;
use crate::graphql::context;
use crate::graphql::loaders::UserLoader;

/// A partner credential. The secret is shown once, at creation, and never stored.
pub struct ApiKey(pub api_key::Model);

/// A partner credential. The secret is shown once, at creation, and never stored.
#[Object]
impl ApiKey {
    /// The API key's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// A label for people.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The role the key acts with.
    async fn role(&self) -> Result<Role> {
        Ok(stored_role(&self.0.role)?)
    }
    /// The secret's first characters, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// When the key stops working; `null`: it does not expire.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// Set once revoked; a revoked key is refused.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// When the API key was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who created the key.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.created_by)
            .await?
            .map(User))
    }
}

/// A new API key with its secret (shown only here).
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    /// The key's record (its secret is in `secret`, shown only this once).
    pub api_key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`. It cannot be shown again.
    pub secret: String,
}
