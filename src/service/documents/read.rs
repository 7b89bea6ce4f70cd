//! Reading documents: per-client and per-contact pages (one statement for many parents,
//! see [`nested`]), a communication's attachments, clients' logos, versions. Every
//! read applies the tenant, the client's liveness and the document's visibility.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::client_document::{self, Column};
use entity::document_version;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Order, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DocType, Visibility};
use crate::auth::Role;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::nested::{self, ChildPage, NestedPage};
use crate::service::search::{self, like_pattern};
use crate::service::store::PerParent;

/// Most attachments listed per communication.
pub const MAX_ATTACHMENTS: u64 = 100;

/// Narrows a document list; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocumentFilter {
    pub doc_types: Vec<DocType>,
    pub category: Option<String>,
    /// Documents carrying any of these tags.
    pub tags: Vec<String>,
    /// Created on or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Part of the name or description (case-insensitive).
    pub search: Option<String>,
    /// Soft-deleted documents instead of live ones (to find one to restore).
    pub deleted: bool,
}

fn col(c: Column) -> SimpleExpr {
    Expr::col((client_document::Entity, c))
}

/// Documents this caller may see: everything but other people's `PRIVATE` documents,
/// which only admins (and the system) see.
pub(crate) fn visible(scope: &TenantScope) -> Condition {
    let actor = scope.actor();
    if matches!(actor.role, None | Some(Role::Admin)) {
        return Condition::all();
    }
    let mut any = Condition::any().add(col(Column::Visibility).ne(Visibility::Private.as_str()));
    if let Some(id) = actor.id {
        any = any.add(col(Column::CreatedBy).eq(id));
    }
    any
}

/// [`visible`] for one document known by its visibility and creator (its events): a
/// `PRIVATE` one, or one whose visibility is not known, only for its creator and admins.
pub fn may_see(scope: &TenantScope, visibility: Option<&str>, created_by: Option<Uuid>) -> bool {
    let actor = scope.actor();
    matches!(actor.role, None | Some(Role::Admin))
        || visibility.is_some_and(|v| v != Visibility::Private.as_str())
        || (created_by.is_some() && created_by == actor.id)
}

/// The conditions of `filter` on `client_documents` (tenant, deletion, visibility).
fn conditions(backend: DbBackend, scope: &TenantScope, f: &DocumentFilter) -> Condition {
    let mut all = Condition::all()
        .add(if f.deleted {
            col(Column::DeletedAt).is_not_null()
        } else {
            col(Column::DeletedAt).is_null()
        })
        .add(visible(scope));
    if !f.doc_types.is_empty() {
        all = all.add(col(Column::DocType).is_in(f.doc_types.iter().map(|t| t.as_str())));
    }
    if let Some(category) = f
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        all = all.add(Func::lower(col(Column::Category)).eq(category.to_lowercase()));
    }
    if let Some(v) = f.from {
        all = all.add(col(Column::CreatedAt).gte(v));
    }
    if let Some(v) = f.to {
        all = all.add(col(Column::CreatedAt).lt(v));
    }
    if !f.tags.is_empty() {
        let tags: Vec<String> = f.tags.iter().map(|t| t.trim().to_lowercase()).collect();
        all = all.add(search::json_array_has_any(
            backend,
            "client_documents",
            "tags",
            &tags,
        ));
    }
    if let Some(term) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_pattern(&term.to_lowercase());
        let like = |c| Func::lower(col(c)).like(LikeExpr::new(pattern.clone()).escape('\\'));
        all = all.add(
            Condition::any()
                .add(like(Column::Name))
                .add(like(Column::Description)),
        );
    }
    all
}

/// The sort key of every document cursor: newest first.
#[derive(Serialize, Deserialize)]
struct CursorKey(DateTime<Utc>, Uuid);

fn cursor(m: &client_document::Model) -> String {
    nested::encode_cursor(&CursorKey(m.created_at, m.id))
}

fn after_condition(cursor: &str) -> AppResult<Condition> {
    let CursorKey(at, id) = nested::decode_cursor(cursor)?;
    Ok(nested::after(vec![
        (col(Column::CreatedAt), Order::Desc, at.into()),
        (col(Column::Id), Order::Desc, id.into()),
    ]))
}

/// The parent a nested document list hangs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parent {
    Client,
    Contact,
}

impl Parent {
    fn column(self) -> Column {
        match self {
            Parent::Client => Column::ClientId,
            Parent::Contact => Column::ContactId,
        }
    }

    fn of(self, m: &client_document::Model) -> Uuid {
        match self {
            Parent::Client => m.client_id,
            Parent::Contact => m.contact_id.unwrap_or_default(),
        }
    }
}

/// One page of documents (newest first) for each parent of `parent_ids`, in one
/// statement.
pub async fn pages(
    db: &Db,
    scope: &TenantScope,
    parent: Parent,
    parent_ids: &[Uuid],
    filter: &DocumentFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<client_document::Model>>> {
    let t = db.read(scope);
    let backend = t.backend();
    let mut conditions =
        conditions(backend, scope, filter).add(t.client_is_live(col(Column::ClientId)));
    if let Some(after) = &page.after {
        conditions = conditions.add(after_condition(after)?);
    }
    let spec = PerParent::<client_document::Entity> {
        parent: parent.column(),
        conditions,
        order_by: "created_at DESC, id DESC".into(),
    };
    t.pages(spec, parent_ids, page, |m| parent.of(m), cursor)
        .await
}

/// How many documents match, per parent of `parent_ids`, in one statement.
pub async fn counts(
    db: &Db,
    scope: &TenantScope,
    parent: Parent,
    parent_ids: &[Uuid],
    filter: &DocumentFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    let backend = t.backend();
    let conditions =
        conditions(backend, scope, filter).add(t.client_is_live(col(Column::ClientId)));
    t.counts::<client_document::Entity>(parent.column(), conditions, parent_ids)
        .await
}

/// The live documents attached to each of `communication_ids` (oldest first, at most
/// [`MAX_ATTACHMENTS`] each), in one statement.
pub async fn attachments(
    db: &Db,
    scope: &TenantScope,
    communication_ids: &[Uuid],
) -> AppResult<Vec<client_document::Model>> {
    let t = db.read(scope);
    let backend = t.backend();
    let conditions = conditions(backend, scope, &DocumentFilter::default())
        .add(t.client_is_live(col(Column::ClientId)))
        .add(col(Column::CommunicationId).is_in(communication_ids.iter().copied()));
    let mut rows = t
        .select::<client_document::Entity>()
        .filter(conditions)
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(t.conn())
        .await?;
    let mut per_parent: HashMap<Uuid, u64> = HashMap::new();
    rows.retain(|m| {
        let n = per_parent
            .entry(m.communication_id.unwrap_or_default())
            .or_default();
        *n += 1;
        *n <= MAX_ATTACHMENTS
    });
    Ok(rows)
}

/// The current logo of each of `client_ids`: its newest live `LOGO` document.
pub async fn logos(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
) -> AppResult<Vec<client_document::Model>> {
    let t = db.read(scope);
    let backend = t.backend();
    let filter = DocumentFilter {
        doc_types: vec![DocType::Logo],
        ..DocumentFilter::default()
    };
    let rows = t
        .select::<client_document::Entity>()
        .filter(conditions(backend, scope, &filter))
        .filter(Column::ClientId.is_in(client_ids.iter().copied()))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(t.conn())
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|m| seen.insert(m.client_id))
        .collect())
}

/// A live document this caller may see, of a live client.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_document::Model> {
    let t = db.read(scope);
    t.by_id::<client_document::Entity>(id)
        .filter(Column::DeletedAt.is_null())
        .filter(visible(scope))
        .filter(t.client_is_live(col(Column::ClientId)))
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("document"))
}

/// Every version of each of `document_ids`, newest first.
pub async fn versions(
    db: &Db,
    scope: &TenantScope,
    document_ids: &[Uuid],
) -> AppResult<Vec<document_version::Model>> {
    let t = db.read(scope);
    Ok(t.select::<document_version::Entity>()
        .filter(document_version::Column::DocumentId.is_in(document_ids.iter().copied()))
        .order_by_desc(document_version::Column::VersionNo)
        .all(t.conn())
        .await?)
}

/// Version `version_no` of a live document this caller may see.
pub async fn version(
    db: &Db,
    scope: &TenantScope,
    document_id: Uuid,
    version_no: i32,
) -> AppResult<(client_document::Model, document_version::Model)> {
    let t = db.read(scope);
    let document = get(db, scope, document_id).await?;
    let version = t
        .select::<document_version::Entity>()
        .filter(document_version::Column::DocumentId.eq(document_id))
        .filter(document_version::Column::VersionNo.eq(version_no))
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("document version"))?;
    Ok((document, version))
}

/// [`pages`] of clients.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &DocumentFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<client_document::Model>>> {
    pages(db, scope, Parent::Client, client_ids, filter, page).await
}

/// [`counts`] of clients.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &DocumentFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    counts(db, scope, Parent::Client, client_ids, filter).await
}

/// [`pages`] of contacts.
pub async fn pages_by_contact(
    db: &Db,
    scope: &TenantScope,
    contact_ids: &[Uuid],
    filter: &DocumentFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<client_document::Model>>> {
    pages(db, scope, Parent::Contact, contact_ids, filter, page).await
}

/// [`counts`] of contacts.
pub async fn counts_by_contact(
    db: &Db,
    scope: &TenantScope,
    contact_ids: &[Uuid],
    filter: &DocumentFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    counts(db, scope, Parent::Contact, contact_ids, filter).await
}
