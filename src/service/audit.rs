//! Reading the audit log (admins only; enforced on the schema). Newest first.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

use super::TenantScope;
use std::collections::HashMap;

use sea_orm::Condition;

use super::nested::{self, ChildPage, NestedPage};
use super::page::{Page, PageRequest};
use super::store::PerParent;
use super::store::Tenant;
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

fn filtered(t: Tenant<'_>, filter: &AuditFilter) -> Select<audit_event::Entity> {
    let mut query = t.select::<audit_event::Entity>();
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
    let t = db.read(scope);
    let mut query = filtered(t, filter).order_by_desc(audit_event::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(audit_event::Column::Id.lt(after));
    }
    let rows = query.limit(page.limit()).all(t.conn()).await?;
    Ok(Page::from_rows(rows, page))
}

/// How many audit events match `filter`.
pub async fn count(db: &Db, scope: &TenantScope, filter: &AuditFilter) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(filtered(t, filter).count(t.conn()).await?)
}

/// The cursor of an audit event in a client's trail.
pub fn cursor(m: &audit_event::Model) -> String {
    nested::encode_cursor(&m.id)
}

fn of_client() -> Condition {
    Condition::all().add(audit_event::Column::EntityType.eq("client"))
}

/// One page of the change history (newest first) of each of `client_ids`, in one
/// statement. (`Client.auditTrail` takes no filter: `_filter` is the unit.)
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    _filter: &(),
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<audit_event::Model>>> {
    let mut conditions = of_client();
    if let Some(after) = &page.after {
        let id: Uuid = nested::decode_cursor(after)?;
        conditions = conditions.add(audit_event::Column::Id.lt(id));
    }
    let spec = PerParent::<audit_event::Entity> {
        parent: audit_event::Column::EntityId,
        conditions,
        order_by: "id DESC".into(),
    };
    db.read(scope)
        .pages(
            spec,
            client_ids,
            page,
            |m| m.entity_id.unwrap_or_default(),
            cursor,
        )
        .await
}

/// How many audit events each of `client_ids` has, in one statement.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    _filter: &(),
) -> AppResult<HashMap<Uuid, u64>> {
    db.read(scope)
        .counts::<audit_event::Entity>(audit_event::Column::EntityId, of_client(), client_ids)
        .await
}
