//! The `Viewer` type: the caller, in which tenant, with which permissions.

use async_graphql::{Context, Object, Result};

use super::{ApiKey, Tenant, User};
use crate::auth::{AuthContext, Principal, Role};
use crate::graphql::context;
use crate::service::{api_keys, tenants, users};

/// The caller: who they are, in which tenant, and what they may do.
pub struct Viewer(pub AuthContext);

/// The caller: who they are, in which tenant, and what they may do.
#[Object]
impl Viewer {
    /// The signed-in user (null when calling with an API key).
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.user_id() {
            Some(id) => Ok(Some(User(
                users::get(context::db(ctx)?, context::scope(ctx)?, id).await?,
            ))),
            None => Ok(None),
        }
    }
    /// The API key in use (null for users).
    async fn api_key(&self, ctx: &Context<'_>) -> Result<Option<ApiKey>> {
        match self.0.principal {
            Principal::ApiKey { key_id } => Ok(Some(ApiKey(
                api_keys::get(context::db(ctx)?, context::scope(ctx)?, key_id).await?,
            ))),
            Principal::User { .. } => Ok(None),
        }
    }
    /// The caller's tenant.
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Ok(Tenant(
            tenants::get(context::db(ctx)?, self.0.tenant_id).await?,
        ))
    }
    /// The caller's role, which decides its permissions.
    async fn role(&self) -> Role {
        self.0.role
    }
    /// Every permission of the role, as `resource:action` strings.
    async fn permissions(&self) -> Vec<&'static str> {
        self.0
            .role
            .permissions()
            .into_iter()
            .map(|p| p.as_str())
            .collect()
    }
}
