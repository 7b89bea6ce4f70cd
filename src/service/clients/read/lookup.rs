//! Single clients and per-client lookups: by id, by code, by ids (loaders), the
//! subsidiaries and the addresses of many clients in one statement each.

use std::collections::HashMap;

use entity::client;

use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::kernel::live_client;

/// A live client of the scope's tenant.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client::Model> {
    live_client(db.read(scope), id).await
}

/// A live client by its code.
pub async fn by_code(db: &Db, scope: &TenantScope, code: &str) -> AppResult<client::Model> {
    let t = db.read(scope);
    t.select::<client::Entity>()
        .filter(client::Column::ClientCode.eq(code.trim().to_uppercase()))
        .filter(client::Column::DeletedAt.is_null())
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("client"))
}

/// Live clients by id (DataLoaders); absent ids are simply missing.
pub async fn by_ids(db: &Db, scope: &TenantScope, ids: &[Uuid]) -> AppResult<Vec<client::Model>> {
    let t = db.read(scope);
    Ok(t.select::<client::Entity>()
        .filter(client::Column::Id.is_in(ids.iter().copied()))
        .filter(client::Column::DeletedAt.is_null())
        .all(t.conn())
        .await?)
}

/// The first `first` live subsidiaries (by name) of each of `parent_ids`, in one
/// statement whatever the number of parents.
pub async fn subsidiaries(
    db: &Db,
    scope: &TenantScope,
    parent_ids: &[Uuid],
    first: usize,
) -> AppResult<HashMap<Uuid, Vec<client::Model>>> {
    use crate::service::nested::NestedPage;
    use crate::service::store::PerParent;
    let spec = PerParent::<client::Entity> {
        parent: client::Column::ParentClientId,
        conditions: Condition::all().add(client::Column::DeletedAt.is_null()),
        order_by: "name_normalized ASC, id ASC".to_owned(),
    };
    let page = NestedPage { first, after: None };
    let pages = db
        .read(scope)
        .pages(
            spec,
            parent_ids,
            &page,
            |m| m.parent_client_id.unwrap_or_default(),
            |_| String::new(),
        )
        .await?;
    Ok(pages
        .into_iter()
        .map(|(id, page)| (id, page.rows.into_iter().map(|(_, m)| m).collect()))
        .collect())
}

/// The addresses of each of `client_ids` (at most 20 each), primary first, in one
/// statement.
pub async fn addresses(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
) -> AppResult<Vec<entity::client_address::Model>> {
    use entity::client_address;
    let t = db.read(scope);
    Ok(t.select::<client_address::Entity>()
        .filter(client_address::Column::ClientId.is_in(client_ids.iter().copied()))
        .order_by_asc(client_address::Column::ClientId)
        .order_by_desc(client_address::Column::IsPrimary)
        .order_by_asc(client_address::Column::Id)
        .all(t.conn())
        .await?)
}
