//! Client exports (CSV, JSON): a signed, short-lived download link per request.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::graphql::DownloadLinks;
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::query::clients::{ClientFilter, ClientOrder, client_query};
use crate::service::clients::export::{self, ExportFormat};

/// A prepared export: fetch `url` (a plain GET, no Authorization header needed) before
/// `expiresAt` to stream the file.
#[derive(SimpleObject)]
pub struct ExportTicket {
    /// Path of the download on this server (`/exports/clients?token=…`), signed and
    /// short-lived; it works only for the tenant and caller that requested it.
    pub url: String,
    /// When the download link stops working.
    pub expires_at: DateTime<Utc>,
    /// The file format of the export.
    pub format: ExportFormat,
}

#[derive(Default)]
pub struct ExportMutations;

#[Object]
impl ExportMutations {
    /// Exports every client matching `filter` and `search` (all pages, in the given
    /// order), as CSV or JSON. Billing columns are included only for callers with
    /// `billing:read`; the request and the download are audited.
    /// Requires `clients:export`.
    #[graphql(guard = "require(Permission::ClientsExport)")]
    async fn export_clients(
        &self,
        ctx: &Context<'_>,
        format: ExportFormat,
        filter: Option<ClientFilter>,
        order_by: Option<Vec<ClientOrder>>,
        search: Option<String>,
    ) -> Result<ExportTicket> {
        let links = ctx.data::<DownloadLinks>()?;
        let query = client_query(filter, order_by, search)?;
        let expires_at = Utc::now() + links.ttl;
        let token = export::request(
            context::db(ctx)?,
            context::scope(ctx)?,
            &links.signer,
            query,
            format,
            expires_at,
        )
        .await?;
        Ok(ExportTicket {
            url: format!("/exports/clients?token={token}"),
            expires_at,
            format,
        })
    }
}
