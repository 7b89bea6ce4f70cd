//! Creating and revoking API keys (admins only); the secret is returned once.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::{Permission, Role};
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{ApiKey, CreatedApiKey};
use crate::service::api_keys;

#[derive(Default)]
pub struct ApiKeyMutations;

#[Object]
impl ApiKeyMutations {
    /// Creates an API key acting with `role`; the secret is returned only here.
    /// Requires `apikeys:manage`.
    #[graphql(guard = "require(Permission::ApikeysManage)")]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        name: String,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CreatedApiKey> {
        let (key, secret) = api_keys::create(
            context::db(ctx)?,
            context::scope(ctx)?,
            &name,
            role,
            expires_at,
        )
        .await?;
        Ok(CreatedApiKey {
            api_key: ApiKey(key),
            secret,
        })
    }

    /// Revokes an API key; it is refused from the next request on.
    /// Requires `apikeys:manage`.
    #[graphql(guard = "require(Permission::ApikeysManage)")]
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<ApiKey> {
        let id = parse_id("id", &id)?;
        Ok(ApiKey(
            api_keys::revoke(context::db(ctx)?, context::scope(ctx)?, id).await?,
        ))
    }
}
