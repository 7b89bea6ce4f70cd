//! How note lists are filtered, ordered and walked: the rest of reading notes (per-client
//! pages in one statement, counts, the cross-client list) is the kernel's
//! ([`child`](crate::service::kernel::child)). Full-text search over title and body uses
//! the PostgreSQL `tsvector` GIN index or SQLite FTS5.

use chrono::{DateTime, Utc};
use entity::client_note::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{Condition, DbBackend, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{NotePriority, NoteStatus, NoteType};
use crate::service::kernel::child::ChildList;
use crate::service::search;

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
pub struct CursorKey(bool, DateTime<Utc>, Uuid);

impl ChildList for client_note::Entity {
    type Filter = NoteFilter;
    type Query = NoteQuery;
    type CursorKey = CursorKey;

    fn conditions(backend: DbBackend, filter: &NoteFilter) -> Condition {
        conditions(backend, filter)
    }

    fn filter(query: &NoteQuery) -> &NoteFilter {
        &query.filter
    }

    fn keys(query: &NoteQuery) -> Vec<(Column, Order)> {
        match query.order {
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

    fn cursor_key(m: &client_note::Model) -> CursorKey {
        CursorKey(m.pinned, m.interaction_at, m.id)
    }

    fn key_value(CursorKey(pinned, at, id): &CursorKey, column: Column) -> Value {
        match column {
            Column::Pinned => (*pinned).into(),
            Column::InteractionAt => (*at).into(),
            _ => (*id).into(),
        }
    }
}
