//! Reading contacts. Nested lists give each client its own page in one statement:
//! `ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY last_name, first_name, id)` keeps
//! the first N (+1, to know whether more follow) of every client at once, so a page of
//! clients costs one contacts query however many clients it holds. Counts per client
//! are one grouped statement likewise.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::client_contact::{self, Column};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::ContactRole;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::page::{Page, PageRequest};

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

/// One page of one client's contacts, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NestedPage {
    pub first: usize,
    pub after: Option<String>,
}

/// Contacts of one client with their cursors, and whether more follow.
#[derive(Debug, Clone, Default)]
pub struct ContactPage {
    pub rows: Vec<(String, client_contact::Model)>,
    pub has_next_page: bool,
    /// How many contacts match in all, when the page statement could tell (no cursor):
    /// then `totalCount` costs no statement of its own.
    pub total: Option<u64>,
}

fn col(c: Column) -> Expr {
    Expr::col((client_contact::Entity, c))
}

/// The conditions of `filter` on `client_contacts` (tenant and liveness included).
pub(crate) fn conditions(scope: &TenantScope, filter: &ContactFilter) -> Condition {
    let mut all = Condition::all()
        .add(col(Column::TenantId).eq(scope.tenant_id()))
        .add(col(Column::DeletedAt).is_null());
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
        let escaped = term
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
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
    URL_SAFE_NO_PAD.encode(serde_json::json!([m.last_name, m.first_name, m.id]).to_string())
}

fn after_condition(cursor: &str) -> AppResult<Condition> {
    let bad = || AppError::bad_input("after", "`after` is not a cursor of this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let (last, first, id): (String, String, Uuid) =
        serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok(Condition::any()
        .add(col(Column::LastName).gt(last.clone()))
        .add(
            Condition::all()
                .add(col(Column::LastName).eq(last.clone()))
                .add(col(Column::FirstName).gt(first.clone())),
        )
        .add(
            Condition::all()
                .add(col(Column::LastName).eq(last))
                .add(col(Column::FirstName).eq(first))
                .add(col(Column::Id).gt(id)),
        ))
}

/// One page of contacts for each of `client_ids`, in one statement.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &ContactFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ContactPage>> {
    let mut inner: SelectStatement = Query::select()
        .column((client_contact::Entity, Asterisk))
        .expr_as(
            Expr::cust(
                "ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY last_name, first_name, id)",
            ),
            Alias::new("rn"),
        )
        .expr_as(
            Expr::cust("COUNT(*) OVER (PARTITION BY client_id)"),
            Alias::new("total"),
        )
        .from(client_contact::Entity)
        .cond_where(conditions(scope, filter))
        .and_where(col(Column::ClientId).is_in(client_ids.iter().copied()))
        .to_owned();
    if let Some(after) = &page.after {
        inner.cond_where(after_condition(after)?);
    }
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rn")).lte(page.first as i64 + 1))
        .order_by(Alias::new("client_id"), Order::Asc)
        .order_by(Alias::new("rn"), Order::Asc)
        .to_owned();
    let rows = db.conn().query_all(&outer).await?;
    let mut pages: HashMap<Uuid, ContactPage> = HashMap::new();
    for result in rows {
        let row = client_contact::Model::from_query_result(&result, "")?;
        let entry = pages.entry(row.client_id).or_default();
        if page.after.is_none() {
            let total: i64 = result.try_get("", "total")?;
            entry.total = Some(total as u64);
        }
        if entry.rows.len() == page.first {
            entry.has_next_page = true;
        } else {
            entry.rows.push((cursor(&row), row));
        }
    }
    if page.after.is_none() {
        // Clients without any matching contact have no row: their total is zero.
        for id in client_ids {
            pages.entry(*id).or_insert_with(|| ContactPage {
                total: Some(0),
                ..Default::default()
            });
        }
    }
    Ok(pages)
}

/// How many contacts match, for each of `client_ids`, in one statement.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &ContactFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let rows: Vec<(Uuid, i64)> = client_contact::Entity::find()
        .select_only()
        .column(Column::ClientId)
        .column_as(col(Column::Id).count(), "count")
        .filter(conditions(scope, filter))
        .filter(Column::ClientId.is_in(client_ids.iter().copied()))
        .group_by(Column::ClientId)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n as u64)).collect())
}

/// The active primary contact of each of `client_ids`.
pub async fn primaries(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
) -> AppResult<Vec<client_contact::Model>> {
    Ok(scope
        .select::<client_contact::Entity>()
        .filter(Column::ClientId.is_in(client_ids.iter().copied()))
        .filter(Column::IsPrimary.eq(true))
        .filter(Column::IsActive.eq(true))
        .filter(Column::DeletedAt.is_null())
        .all(db.conn())
        .await?)
}

/// A live contact.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_contact::Model> {
    scope
        .find_by_id::<client_contact::Entity>(id)
        .filter(Column::DeletedAt.is_null())
        .one(db.conn())
        .await?
        .ok_or(AppError::NotFound("contact"))
}

/// Contacts across clients, oldest first (keyset on the time-ordered id).
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &ContactFilter,
    page: &PageRequest,
) -> AppResult<Page<client_contact::Model>> {
    let mut query = client_contact::Entity::find()
        .filter(conditions(scope, filter))
        .order_by_asc(Column::Id);
    if let Some(after) = page.after {
        query = query.filter(Column::Id.gt(after));
    }
    let rows = query.limit(page.limit()).all(db.conn()).await?;
    Ok(Page::from_rows(rows, page))
}

/// How many contacts across clients match.
pub async fn count(db: &Db, scope: &TenantScope, filter: &ContactFilter) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(client_contact::Entity::find()
        .filter(conditions(scope, filter))
        .count(db.conn())
        .await?)
}
