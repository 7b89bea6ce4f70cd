//! The tenant's API keys (admins only): list them with who made them and when they expire.

use async_graphql::{Context, Object, Result};

use crate::auth::Permission;
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::types::ApiKey;
use crate::service::api_keys;

#[derive(Default)]
pub struct ApiKeysQuery;

#[Object]
impl ApiKeysQuery {
    /// The tenant's API keys, newest first (the newest 100), without secrets.
    /// Requires `apikeys:manage`.
    #[graphql(guard = "require(Permission::ApikeysManage)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Option<Vec<ApiKey>>> {
        let keys = api_keys::list(context::db(ctx)?, context::scope(ctx)?).await?;
        Ok(Some(
            keys.into_iter()
                .take(crate::graphql::types::MAX_LISTED)
                .map(ApiKey)
                .collect(),
        ))
    }
}
