//! Reading contacts. Nested lists give each client its own page in one statement:
//! `ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY last_name, first_name, id)` keeps
//! the first N (+1, to know whether more follow) of every client at once, so a page of
//! clients costs one contacts query however many clients it holds. Counts per client
//! are one grouped statement likewise.

use std::collections::HashMap;

use entity::client_contact::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Order};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ContactRole;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::nested::{self, ChildPage, NestedPage};
use crate::service::page::{Page, PageRequest};
use crate::service::search::like_pattern;
use crate::service::store::{PerParent, Tenant};

/// Narrows a contact list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ContactFilter {
    pub role: Option<ContactRole>,
    pub is_active: Option<bool>,
    /// Exact department, case-insensitive.
    pub department: Option<String>,
    /// Case-insensitive part of the name or email.
    pub search: Option<String>,
}

/// One client's contacts with their cursors, and whether more follow.
pub type ContactPage = ChildPage<client_contact::Model>;

fn col(c: Column) -> Expr {
    Expr::col((client_contact::Entity, c))
}

/// The conditions of `filter` on `client_contacts` (tenant and liveness included).
pub(crate) fn conditions(filter: &ContactFilter) -> Condition {
    let mut all = Condition::all().add(col(Column::DeletedAt).is_null());
    if let Some(role) = filter.role {
        all = all.add(col(Column::Role).eq(role.as_str()));
    }
    if let Some(active) = filter.is_active {
        all = all.add(col(Column::IsActive).eq(active));
    }
    if let Some(department) = &filter.department {
        all = all.add(Func::lower(col(Column::Department)).eq(department.trim().to_lowercase()));
    }
    if let Some(term) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = like_pattern(&term.to_lowercase());
        all = all.add(
            Condition::any()
                .add(
                    Func::lower(col(Column::FullName))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(col(Column::Email).like(LikeExpr::new(pattern).escape('\\'))),
        );
    }
    all
}

/// The cursor of a contact in name order.
pub fn cursor(m: &client_contact::Model) -> String {
    nested::encode_cursor(&(&m.last_name, &m.first_name, m.id))
}

fn after_condition(cursor: &str) -> AppResult<Condition> {
    let (last, first, id): (String, String, Uuid) = nested::decode_cursor(cursor)?;
    Ok(nested::after(vec![
        (col(Column::LastName), Order::Asc, last.into()),
        (col(Column::FirstName), Order::Asc, first.into()),
        (col(Column::Id), Order::Asc, id.into()),
    ]))
}

/// One page of contacts for each of `client_ids`, in one statement.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &ContactFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ContactPage>> {
    let t = db.read(scope);
    let mut conditions = conditions(filter);
    if let Some(after) = &page.after {
        conditions = conditions.add(after_condition(after)?);
    }
    let spec = PerParent::<client_contact::Entity> {
        parent: Column::ClientId,
        conditions,
        order_by: "last_name, first_name, id".into(),
    };
    t.pages(spec, client_ids, page, |m| m.client_id, cursor)
        .await
}

/// How many contacts match, for each of `client_ids`, in one statement.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &ContactFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    t.counts::<client_contact::Entity>(Column::ClientId, conditions(filter), client_ids)
        .await
}

/// The active primary contact of each of `client_ids`.
pub async fn primaries(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
) -> AppResult<Vec<client_contact::Model>> {
    let t = db.read(scope);
    Ok(t.select::<client_contact::Entity>()
        .filter(Column::ClientId.is_in(client_ids.iter().copied()))
        .filter(Column::IsPrimary.eq(true))
        .filter(Column::IsActive.eq(true))
        .filter(Column::DeletedAt.is_null())
        .all(t.conn())
        .await?)
}

/// Live contacts by id.
pub async fn by_ids(
    db: &Db,
    scope: &TenantScope,
    ids: &[Uuid],
) -> AppResult<Vec<client_contact::Model>> {
    let t = db.read(scope);
    Ok(t.select::<client_contact::Entity>()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::DeletedAt.is_null())
        .all(t.conn())
        .await?)
}

/// A live contact of a live client.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_contact::Model> {
    let t = db.read(scope);
    t.by_id::<client_contact::Entity>(id)
        .filter(Column::DeletedAt.is_null())
        .filter(t.client_is_live(col(Column::ClientId)))
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("contact"))
}

/// The conditions of a cross-client list: `filter`, and only live clients' contacts.
fn listed(t: Tenant<'_>, filter: &ContactFilter) -> Condition {
    conditions(filter).add(t.client_is_live(col(Column::ClientId)))
}

/// Contacts across live clients, oldest first (keyset on the time-ordered id).
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &ContactFilter,
    page: &PageRequest,
) -> AppResult<Page<client_contact::Model>> {
    let t = db.read(scope);
    let mut query = t
        .select::<client_contact::Entity>()
        .filter(listed(t, filter))
        .order_by_asc(Column::Id);
    if let Some(after) = page.after {
        query = query.filter(Column::Id.gt(after));
    }
    let rows = query.limit(page.limit()).all(t.conn()).await?;
    Ok(Page::from_rows(rows, page))
}

/// How many contacts across live clients match.
pub async fn count(db: &Db, scope: &TenantScope, filter: &ContactFilter) -> AppResult<u64> {
    let t = db.read(scope);
    use sea_orm::PaginatorTrait;
    Ok(t.select::<client_contact::Entity>()
        .filter(listed(t, filter))
        .count(t.conn())
        .await?)
}
