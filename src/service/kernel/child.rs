//! The kernel of a client's child aggregate: a versioned row that belongs to one client
//! (notes and communications today; the MSP entities next). An aggregate says what it is — its table's
//! client and liveness columns, its name, its events, the fields its change record
//! compares, and how its lists are filtered, ordered and cursored ([`ChildOfClient`],
//! [`SoftDeleted`], [`ChildList`]) — and gets from here, tenant-bound through the store:
//!
//! - lookups ([`get`], and [`locked`] at an expected version inside a write);
//! - creation, versioned saves, soft delete and restore, each with its change record
//!   ([`create`], [`save`], [`soft_delete`], [`restore`]);
//! - one page per client for many clients in one statement, counts per client, and the
//!   cross-client list and count over live clients ([`pages_by_client`],
//!   [`counts_by_client`], [`list`], [`count`]).
//!
//! Rows of a deleted client are invisible everywhere, as are soft-deleted rows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{
    ActiveModelBehavior, Condition, DbBackend, IdenStatic, IntoActiveModel, PaginatorTrait,
    PrimaryKeyTrait, QueryFilter, QueryOrder, QuerySelect, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::{self, FieldChanges, Recorded, Versioned};
use crate::service::nested::{self, ChildPage, NestedPage};
use crate::service::store::{Conn, PerParent, Tenant, TenantOwned, Writer};

/// A versioned row that belongs to one client.
pub trait ChildOfClient:
    TenantOwned<
        Model: Versioned + Recorded + Sync + IntoActiveModel<Self::ActiveModel>,
        ActiveModel: ActiveModelBehavior + Send,
        PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    >
{
    /// What NOT_FOUND and version conflicts name (`note`).
    const NAME: &'static str;
    /// The domain event of a creation (`<entity>.<verb>`, as webhooks and subscriptions
    /// name it).
    const CREATED: &'static str;
    /// The domain event of a change.
    const UPDATED: &'static str;
    /// The column naming the client.
    const CLIENT_ID: Self::Column;

    fn client_id(row: &Self::Model) -> Uuid;

    /// The fields the change record compares, in a fixed order (no secrets).
    fn fields(row: &Self::Model) -> Vec<(&'static str, serde_json::Value)>;

    /// The rows a reader sees, apart from the client's liveness (all of them unless the
    /// aggregate deletes softly).
    fn live_rows() -> Condition {
        Condition::all()
    }
}

/// A child aggregate whose deletion is soft: `deleted_at` hides the row until restored.
pub trait SoftDeleted: ChildOfClient {
    const DELETED_AT: Self::Column;
    /// The domain event of a deletion.
    const DELETED: &'static str;
    /// The domain event of a restoration.
    const RESTORED: &'static str;

    fn deleted_at(row: &mut Self::Model) -> &mut Option<DateTime<Utc>>;
}

/// How a child aggregate's lists are filtered, ordered and walked.
pub trait ChildList: ChildOfClient {
    /// What a list narrows by (the loader's key: equal filters share one statement).
    type Filter;
    /// The filter and the order of one list request.
    type Query;
    /// What a cursor holds of a row: every column of every order (ids last).
    type CursorKey: Serialize + DeserializeOwned;

    /// The conditions of `filter` (liveness included; the store adds the tenant).
    fn conditions(backend: DbBackend, filter: &Self::Filter) -> Condition;
    fn filter(query: &Self::Query) -> &Self::Filter;
    /// The order of `query` as columns, ending with a unique one.
    fn keys(query: &Self::Query) -> Vec<(Self::Column, Order)>;
    fn cursor_key(row: &Self::Model) -> Self::CursorKey;
    /// The value of `column` in a cursor's key.
    fn key_value(key: &Self::CursorKey, column: Self::Column) -> Value;
}

fn col<E: ChildOfClient>(column: E::Column) -> SimpleExpr {
    Expr::col((E::default(), column))
}

/// Live rows of live clients.
fn visible<E: ChildOfClient>(t: Tenant<'_, impl Conn>) -> Condition {
    E::live_rows().add(t.client_is_live(col::<E>(E::CLIENT_ID)))
}

/// A row a reader sees; NOT_FOUND otherwise.
pub async fn get<E: ChildOfClient>(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<E::Model> {
    let t = db.read(scope);
    t.by_id::<E>(id)
        .filter(visible::<E>(t))
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound(E::NAME))
}

/// A row a reader sees, locked for the rest of the write, still at `expected_version`
/// (any version when `None`): NOT_FOUND or CONFLICT otherwise.
pub async fn locked<E: ChildOfClient>(
    t: Writer<'_>,
    id: Uuid,
    expected_version: Option<i32>,
) -> AppResult<E::Model> {
    let row = t
        .by_id::<E>(id)
        .filter(visible::<E>(t))
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound(E::NAME))?;
    change::expect_version(E::NAME, row.version(), expected_version)?;
    Ok(row)
}

/// Inserts a new row (stamped with the tenant) and records its creation.
pub async fn create<E: ChildOfClient>(t: Writer<'_>, row: E::Model) -> AppResult<E::Model> {
    let changes = FieldChanges::created(E::fields(&row));
    let created = t.insert(row).await?;
    t.record_of(E::CREATED, &created, changes).await?;
    Ok(created)
}

/// Saves `next` over `current` as the next version and records what changed; nothing is
/// written (and `current` returned) when no compared field differs.
pub async fn save<E: ChildOfClient>(
    t: Writer<'_>,
    current: E::Model,
    next: E::Model,
) -> AppResult<E::Model> {
    match t.update_versioned(&current, next, E::fields).await? {
        None => Ok(current),
        Some((saved, changes)) => {
            t.record_of(E::UPDATED, &saved, changes).await?;
            Ok(saved)
        }
    }
}

/// Deletes a row softly: it leaves every list, count and search until restored.
pub async fn soft_delete<E: SoftDeleted>(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
) -> AppResult<E::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked::<E>(t, id, None).await?;
            let deleted = set_deleted::<E>(t, current, Some(Utc::now())).await?;
            let changes = FieldChanges::new().set("deleted", false, true);
            t.record_of(E::DELETED, &deleted, changes).await?;
            Ok(deleted)
        })
    })
    .await
}

/// Brings back a softly deleted row of a live client; NOT_FOUND when there is none.
pub async fn restore<E: SoftDeleted>(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
) -> AppResult<E::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let deleted = t
                .by_id::<E>(id)
                .filter(col::<E>(E::DELETED_AT).is_not_null())
                .filter(t.client_is_live(col::<E>(E::CLIENT_ID)))
                .lock_exclusive()
                .one(t.conn())
                .await?
                .ok_or(AppError::NotFound(E::NAME))?;
            let restored = set_deleted::<E>(t, deleted, None).await?;
            let changes = FieldChanges::new().set("deleted", true, false);
            t.record_of(E::RESTORED, &restored, changes).await?;
            Ok(restored)
        })
    })
    .await
}

async fn set_deleted<E: SoftDeleted>(
    t: Writer<'_>,
    mut row: E::Model,
    at: Option<DateTime<Utc>>,
) -> AppResult<E::Model> {
    *E::deleted_at(&mut row) = at;
    row.bump(Utc::now());
    t.update_row(row).await
}

/// The cursor of a row (any order of its list).
pub fn cursor<E: ChildList>(row: &E::Model) -> String {
    nested::encode_cursor(&E::cursor_key(row))
}

/// "Strictly after the row of `cursor`" in the order of `query`.
fn after<E: ChildList>(query: &E::Query, cursor: &str) -> AppResult<Condition> {
    let key: E::CursorKey = nested::decode_cursor(cursor)?;
    Ok(nested::after(
        E::keys(query)
            .into_iter()
            .map(|(column, order)| (col::<E>(column), order, E::key_value(&key, column)))
            .collect(),
    ))
}

/// The order of `query` as a window's `ORDER BY` (unqualified columns).
fn order_sql<E: ChildList>(query: &E::Query) -> String {
    E::keys(query)
        .into_iter()
        .map(|(column, order)| {
            let direction = if matches!(order, Order::Desc) {
                "DESC"
            } else {
                "ASC"
            };
            format!("{} {direction}", column.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page for each of `client_ids`, in one statement.
pub async fn pages_by_client<E: ChildList>(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    query: &E::Query,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<E::Model>>> {
    let t = db.read(scope);
    let mut conditions = E::conditions(t.backend(), E::filter(query));
    if let Some(cursor) = &page.after {
        conditions = conditions.add(after::<E>(query, cursor)?);
    }
    let spec = PerParent::<E> {
        parent: E::CLIENT_ID,
        conditions,
        order_by: order_sql::<E>(query),
    };
    t.pages(spec, client_ids, page, E::client_id, cursor::<E>)
        .await
}

/// How many rows match, for each of `client_ids`, in one statement.
pub async fn counts_by_client<E: ChildList>(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &E::Filter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    let conditions = E::conditions(t.backend(), filter);
    t.counts::<E>(E::CLIENT_ID, conditions, client_ids).await
}

/// Rows across the tenant's live clients, in the order of `query`.
pub async fn list<E: ChildList>(
    db: &Db,
    scope: &TenantScope,
    query: &E::Query,
    page: &NestedPage,
) -> AppResult<(Vec<(String, E::Model)>, bool)> {
    let t = db.read(scope);
    let mut select = t
        .select::<E>()
        .filter(E::conditions(t.backend(), E::filter(query)))
        .filter(visible::<E>(t));
    if let Some(cursor) = &page.after {
        select = select.filter(after::<E>(query, cursor)?);
    }
    for (column, order) in E::keys(query) {
        select = select.order_by(column, order);
    }
    let rows = select.limit(page.first as u64 + 1).all(t.conn()).await?;
    Ok(nested::cut(rows, page.first, cursor::<E>))
}

/// How many rows across the tenant's live clients match.
pub async fn count<E: ChildList>(
    db: &Db,
    scope: &TenantScope,
    filter: &E::Filter,
) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(t.select::<E>()
        .filter(E::conditions(t.backend(), filter))
        .filter(visible::<E>(t))
        .count(t.conn())
        .await?)
}
