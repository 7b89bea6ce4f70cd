//! Reading documents: one by id (its versions and signed download links are on the type).

use async_graphql::{Context, ID, Object, Result};

use crate::auth::Permission;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Document;
use crate::service::documents::read;

#[derive(Default)]
pub struct DocumentsQuery;

#[Object]
impl DocumentsQuery {
    /// One live document the caller may see. Requires `documents:read`.
    #[graphql(guard = "require(Permission::DocumentsRead)")]
    async fn document(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Document>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Document(
            read::get(context::db(ctx)?, context::scope(ctx)?, id).await?,
        )))
    }
}
