//! The audit log: every recorded change and audited read of the tenant, filtered by entity,
//! actor, action and time.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::graphql::connection::from_page;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{AuditEvent, AuditEventConnectionFields};
use crate::service::audit::{self, AuditFilter};
use crate::service::page::PageRequest;

/// Narrows the audit log; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// e.g. `user`.
    pub entity_type: Option<String>,
    /// Only events about this record.
    pub entity_id: Option<ID>,
    /// The acting user's or API key's id.
    pub actor: Option<ID>,
    /// e.g. `user.created`.
    pub action: Option<String>,
    /// Events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events before this instant.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The tenant's audit log, newest first. Requires `audit:read`.
    #[graphql(guard = "require(Permission::AuditRead)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge seen.")] after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<Connection<String, AuditEvent, AuditEventConnectionFields>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let f = filter.unwrap_or_default();
        let filter = AuditFilter {
            entity_type: f.entity_type,
            entity_id: f
                .entity_id
                .as_ref()
                .map(|id| parse_id("filter.entityId", id))
                .transpose()?,
            actor_id: f
                .actor
                .as_ref()
                .map(|id| parse_id("filter.actor", id))
                .transpose()?,
            action: f.action,
            from: f.from,
            to: f.to,
        };
        let rows = audit::list(context::db(ctx)?, context::scope(ctx)?, &filter, &page).await?;
        Ok(from_page(
            rows,
            &page,
            |e| e.id,
            AuditEvent,
            AuditEventConnectionFields::All(filter),
        ))
    }
}
