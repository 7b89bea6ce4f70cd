//! The totals of a client list: its count and its summary by status, computed only when
//! selected.

use async_graphql::{Context, Object, Result, SimpleObject};

use crate::graphql::context;
use crate::service::clients::ClientStatus;
use crate::service::clients::read::{self, ClientQuery};

/// How many matching clients have a status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// A client status.
    pub status: ClientStatus,
    /// How many matching clients have it.
    pub count: i64,
}

/// Aggregates over every client matching the list's filter and search.
#[derive(SimpleObject)]
pub struct ClientSummary {
    /// How many live clients match, per status.
    pub by_status: Vec<StatusCount>,
}

/// Totals of a client list, computed only when selected.
pub struct ClientConnectionFields(pub ClientQuery);

/// Totals of a client list, computed only when selected.
#[Object]
impl ClientConnectionFields {
    /// How many clients match the filter and search.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(read::count(context::db(ctx)?, context::scope(ctx)?, &self.0).await?)
    }
    /// Counts per status of the matching clients.
    async fn summary(&self, ctx: &Context<'_>) -> Result<ClientSummary> {
        let rows = read::count_by_status(context::db(ctx)?, context::scope(ctx)?, &self.0).await?;
        Ok(ClientSummary {
            by_status: rows
                .into_iter()
                .map(|(status, count)| StatusCount { status, count })
                .collect(),
        })
    }
}
