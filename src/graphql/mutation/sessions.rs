//! Sessions: sign in, refresh and sign out (rotating refresh tokens).

use std::sync::Arc;

use async_graphql::{Context, Object, Result};

use crate::graphql::context;
use crate::graphql::guards::{RequireAuth, authenticated};
use crate::graphql::types::AuthPayload;
use crate::service::sessions::Sessions;

#[derive(Default)]
pub struct SessionMutations;

#[Object]
impl SessionMutations {
    /// Signs in with a tenant slug, email and password. Repeated failures are slowed
    /// down per account and per address (RATE_LIMITED with `retryAfter`).
    async fn login(
        &self,
        ctx: &Context<'_>,
        tenant: String,
        email: String,
        password: String,
    ) -> Result<AuthPayload> {
        let sessions = ctx.data::<Arc<Sessions>>()?;
        let meta = context::request_meta(ctx)?;
        let session = sessions
            .login(context::db(ctx)?, &tenant, &email, &password, meta)
            .await?;
        Ok(session.into())
    }

    /// Trades a refresh token for a new token pair. Each refresh token works once;
    /// presenting a used one again ends its whole session.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let sessions = ctx.data::<Arc<Sessions>>()?;
        let meta = context::request_meta(ctx)?;
        Ok(sessions
            .refresh(context::db(ctx)?, &refresh_token, meta)
            .await?
            .into())
    }

    /// Ends the caller's session: its refresh tokens and this access token stop working.
    #[graphql(guard = "RequireAuth")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let sessions = ctx.data::<Arc<Sessions>>()?;
        sessions
            .logout(context::db(ctx)?, authenticated(ctx)?, context::scope(ctx)?)
            .await?;
        Ok(true)
    }
}
