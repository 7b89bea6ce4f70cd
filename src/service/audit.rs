//! Reading the audit log (admins only; enforced on the schema). Newest first.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

use super::TenantScope;
use super::page::{Page, PageRequest};
use crate::db::Db;
use crate::error::AppResult;

/// Filter of `auditEvents`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn filtered(scope: &TenantScope, filter: &AuditFilter) -> Select<audit_event::Entity> {
    let mut query = scope.select::<audit_event::Entity>();
    if let Some(v) = &filter.entity_type {
        query = query.filter(audit_event::Column::EntityType.eq(v));
    }
    if let Some(v) = filter.entity_id {
        query = query.filter(audit_event::Column::EntityId.eq(v));
    }
    if let Some(v) = filter.actor_id {
        query = query.filter(audit_event::Column::ActorId.eq(v));
    }
    if let Some(v) = &filter.action {
        query = query.filter(audit_event::Column::Action.eq(v));
    }
    if let Some(v) = filter.from {
        query = query.filter(audit_event::Column::At.gte(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(audit_event::Column::At.lt(v));
    }
    query
}

/// A page of audit events, newest first.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &AuditFilter,
    page: &PageRequest,
) -> AppResult<Page<audit_event::Model>> {
    let mut query = filtered(scope, filter).order_by_desc(audit_event::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(audit_event::Column::Id.lt(after));
    }
    let rows = query.limit(page.limit()).all(db.conn()).await?;
    Ok(Page::from_rows(rows, page))
}

/// How many audit events match `filter`.
pub async fn count(db: &Db, scope: &TenantScope, filter: &AuditFilter) -> AppResult<u64> {
    Ok(filtered(scope, filter).count(db.conn()).await?)
}
