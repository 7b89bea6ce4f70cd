//! Reading notes: per-client pages (one statement for a page of clients, see
//! [`nested`]), counts, and the cross-client list with full-text search over title and
//! body (PostgreSQL `tsvector` GIN index, SQLite FTS5).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::client_note::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{Condition, PaginatorTrait};
use sea_orm::{DbBackend, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{NotePriority, NoteStatus, NoteType};
use crate::db::Db;
use crate::error::AppResult;
use crate::service::TenantScope;
use crate::service::nested::{self, ChildPage, NestedPage};
use crate::service::search;
use crate::service::store::{PerParent, Tenant};

/// Narrows a note list; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoteFilter {
    pub note_types: Vec<NoteType>,
    /// Notes carrying any of these tags.
    pub tags: Vec<String>,
    pub statuses: Vec<NoteStatus>,
    pub priority: Option<NotePriority>,
    pub pinned: Option<bool>,
    pub contact_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// `interaction_at` on or after.
    pub from: Option<DateTime<Utc>>,
    /// `interaction_at` before.
    pub to: Option<DateTime<Utc>>,
    /// Words of the title or body (each word a prefix, all required).
    pub search: Option<String>,
}

/// The order of a note list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NoteOrder {
    /// Latest interaction first.
    #[default]
    Newest,
    /// Earliest interaction first.
    Oldest,
    /// Pinned notes first, then latest interaction first.
    PinnedFirst,
}

/// A note list request: filter and order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NoteQuery {
    pub filter: NoteFilter,
    pub order: NoteOrder,
}

fn col(c: Column) -> SimpleExpr {
    Expr::col((client_note::Entity, c))
}

/// The conditions of `filter` on `client_notes` (liveness included; the store adds the
/// tenant).
pub(crate) fn conditions(backend: DbBackend, f: &NoteFilter) -> Condition {
    let mut all = Condition::all().add(col(Column::DeletedAt).is_null());
    if !f.note_types.is_empty() {
        all = all.add(col(Column::NoteType).is_in(f.note_types.iter().map(|t| t.as_str())));
    }
    if !f.statuses.is_empty() {
        all = all.add(col(Column::Status).is_in(f.statuses.iter().map(|t| t.as_str())));
    }
    if let Some(p) = f.priority {
        all = all.add(col(Column::Priority).eq(p.as_str()));
    }
    if let Some(p) = f.pinned {
        all = all.add(col(Column::Pinned).eq(p));
    }
    if let Some(id) = f.contact_id {
        all = all.add(col(Column::ContactId).eq(id));
    }
    if let Some(id) = f.client_id {
        all = all.add(col(Column::ClientId).eq(id));
    }
    if let Some(v) = f.from {
        all = all.add(col(Column::InteractionAt).gte(v));
    }
    if let Some(v) = f.to {
        all = all.add(col(Column::InteractionAt).lt(v));
    }
    if !f.tags.is_empty() {
        let tags: Vec<String> = f.tags.iter().map(|t| t.trim().to_lowercase()).collect();
        all = all.add(search::json_array_has_any(
            backend,
            "client_notes",
            "tags",
            &tags,
        ));
    }
    if let Some(words) = f.search.as_deref().and_then(search::words) {
        all = all.add(match backend {
            DbBackend::Postgres => Expr::cust_with_values(
                "to_tsvector('simple', \"client_notes\".\"title\" || ' ' || \"client_notes\".\"body\") \
                 @@ to_tsquery('simple', $1)",
                [search::tsquery_prefixes(&words)],
            ),
            _ => Expr::cust_with_values(
                "\"client_notes\".rowid IN (SELECT rowid FROM note_search WHERE note_search MATCH ?)",
                [search::fts5_prefixes(&words)],
            ),
        });
    }
    all
}

/// The sort key every note cursor holds, whatever the order.
#[derive(Serialize, Deserialize)]
struct CursorKey(bool, DateTime<Utc>, Uuid);

/// The cursor of a note.
pub fn cursor(m: &client_note::Model) -> String {
    nested::encode_cursor(&CursorKey(m.pinned, m.interaction_at, m.id))
}

fn keys(order: NoteOrder) -> Vec<(Column, Order)> {
    match order {
        NoteOrder::Newest => vec![
            (Column::InteractionAt, Order::Desc),
            (Column::Id, Order::Desc),
        ],
        NoteOrder::Oldest => vec![
            (Column::InteractionAt, Order::Asc),
            (Column::Id, Order::Asc),
        ],
        NoteOrder::PinnedFirst => vec![
            (Column::Pinned, Order::Desc),
            (Column::InteractionAt, Order::Desc),
            (Column::Id, Order::Desc),
        ],
    }
}

fn order_sql(order: NoteOrder) -> String {
    keys(order)
        .into_iter()
        .map(|(c, o)| {
            let name = sea_orm::IdenStatic::as_str(&c);
            match o {
                Order::Desc => format!("{name} DESC"),
                _ => format!("{name} ASC"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn after_condition(order: NoteOrder, cursor: &str) -> AppResult<Condition> {
    let CursorKey(pinned, at, id) = nested::decode_cursor(cursor)?;
    Ok(nested::after(
        keys(order)
            .into_iter()
            .map(|(c, o)| {
                let value = match c {
                    Column::Pinned => pinned.into(),
                    Column::InteractionAt => at.into(),
                    _ => id.into(),
                };
                (col(c), o, value)
            })
            .collect(),
    ))
}

/// One page of notes for each of `client_ids`, in one statement.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    query: &NoteQuery,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<client_note::Model>>> {
    let t = db.read(scope);
    let mut conditions = conditions(t.backend(), &query.filter);
    if let Some(after) = &page.after {
        conditions = conditions.add(after_condition(query.order, after)?);
    }
    let spec = PerParent::<client_note::Entity> {
        parent: Column::ClientId,
        conditions,
        order_by: order_sql(query.order),
    };
    t.pages(spec, client_ids, page, |m| m.client_id, cursor)
        .await
}

/// How many notes match, for each of `client_ids`, in one statement.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &NoteFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    let conditions = conditions(t.backend(), filter);
    t.counts::<client_note::Entity>(Column::ClientId, conditions, client_ids)
        .await
}

/// A live note of a live client.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_note::Model> {
    use sea_orm::ColumnTrait;
    let t = db.read(scope);
    t.by_id::<client_note::Entity>(id)
        .filter(Column::DeletedAt.is_null())
        .filter(t.client_is_live(col(Column::ClientId)))
        .one(t.conn())
        .await?
        .ok_or(crate::error::AppError::NotFound("note"))
}

fn listed(t: Tenant<'_>, filter: &NoteFilter) -> Condition {
    conditions(t.backend(), filter).add(t.client_is_live(col(Column::ClientId)))
}

/// Notes across the tenant's live clients, newest first.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    query: &NoteQuery,
    page: &NestedPage,
) -> AppResult<(Vec<(String, client_note::Model)>, bool)> {
    let t = db.read(scope);
    let mut select = t
        .select::<client_note::Entity>()
        .filter(listed(t, &query.filter));
    if let Some(after) = &page.after {
        select = select.filter(after_condition(query.order, after)?);
    }
    for (c, o) in keys(query.order) {
        select = select.order_by(c, o);
    }
    let rows = select.limit(page.first as u64 + 1).all(t.conn()).await?;
    Ok(nested::cut(rows, page.first, cursor))
}

/// How many notes across live clients match.
pub async fn count(db: &Db, scope: &TenantScope, filter: &NoteFilter) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(t.select::<client_note::Entity>()
        .filter(listed(t, filter))
        .count(t.conn())
        .await?)
}
