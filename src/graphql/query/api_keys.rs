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
    /// The tenant's API keys, newest first, without secrets. Requires `apikeys:manage`.
    #[graphql(guard = "require(Permission::ApikeysManage)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
        let keys = api_keys::list(context::db(ctx)?, context::scope(ctx)?).await?;
        Ok(keys.into_iter().map(ApiKey).collect())
    }
}
