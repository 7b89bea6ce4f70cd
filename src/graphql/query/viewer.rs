//! `viewer`: the caller, its tenant and its permissions.

use async_graphql::{Context, Object, Result};

use crate::graphql::guards::authenticated;
use crate::graphql::types::Viewer;

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The caller: user or API key, tenant, role and permissions.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        Ok(Viewer(authenticated(ctx)?.clone()))
    }
}
