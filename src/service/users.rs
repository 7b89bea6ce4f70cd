//! Users of a tenant: creation, updates (optimistic locking), deactivation, listing.
//!
//! Rules: email unique per tenant (CONFLICT); a tenant always keeps at least one active
//! admin (demoting or deactivating the last one is a CONFLICT); deactivating a user
//! revokes their refresh tokens, and their access tokens stop working at once because
//! authentication checks `is_active` on every request.

use chrono::Utc;
use entity::{refresh_token, user};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;
use uuid::Uuid;

use super::change::{self, Change, FieldChanges};
use super::page::{Page, PageRequest};
use super::{TenantScope, validate};
use crate::auth::{Role, password};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::store::{Tenant, Writer};

/// Input of `createUser`.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub password: String,
}

/// Input of `updateUser`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
}

/// Filter of `users`.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    /// Case-insensitive substring of email or full name.
    pub search: Option<String>,
}

fn event_payload(user: &user::Model) -> serde_json::Value {
    json!({ "id": user.id, "email": user.email, "fullName": user.full_name, "role": user.role, "isActive": user.is_active })
}

/// Creates a user (hashing the password outside the transaction: it is slow).
pub async fn create(db: &Db, scope: &TenantScope, input: NewUser) -> AppResult<user::Model> {
    let email = validate::email("email", &input.email)?;
    let full_name = validate::text("fullName", &input.full_name, 1, 200)?;
    password::validate(&input.password)?;
    let password_hash = password::hash(&input.password).await?;
    db.write(scope, move |t| {
        Box::pin(async move { insert_in(t, email, full_name, input.role, password_hash).await })
    })
    .await
}

/// Inserts a user inside an existing transaction (also used by tenant bootstrap).
pub async fn insert_in(
    t: Writer<'_>,
    email: String,
    full_name: String,
    role: Role,
    password_hash: String,
) -> AppResult<user::Model> {
    let taken = t
        .select::<user::Entity>()
        .filter(user::Column::Email.eq(&email))
        .one(t.conn())
        .await?
        .is_some();
    if taken {
        return Err(AppError::duplicate(
            "email",
            format!("a user with email {email} already exists"),
        ));
    }
    let now = Utc::now();
    let created = t
        .insert(user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email),
            full_name: Set(full_name),
            role: Set(role.as_str().to_owned()),
            password_hash: Set(password_hash),
            is_active: Set(true),
            last_login_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .await?;
    t.record(Change {
        action: "user.created",
        entity_type: "user",
        entity_id: Some(created.id),
        changes: FieldChanges::new()
            .initial("email", &created.email)
            .initial("fullName", &created.full_name)
            .initial("role", &created.role)
            .secret("password"),
        payload: event_payload(&created),
    })
    .await?;
    Ok(created)
}

/// Applies `changes` to user `id` if its version is still `expected_version` (when given).
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    changes: UserChanges,
    expected_version: Option<i32>,
) -> AppResult<user::Model> {
    let full_name = changes
        .full_name
        .as_deref()
        .map(|n| validate::text("fullName", n, 1, 200))
        .transpose()?;
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked(t, id).await?;
            change::expect_version("user", current.version, expected_version)?;
            let role = changes
                .role
                .map(|r| r.as_str().to_owned())
                .unwrap_or(current.role.clone());
            let is_active = changes.is_active.unwrap_or(current.is_active);
            let full_name = full_name.unwrap_or(current.full_name.clone());
            let updated = apply(t, current, full_name, role, is_active).await?;
            Ok(updated)
        })
    })
    .await
}

/// Deactivates user `id` (their credentials stop working at once).
pub async fn deactivate(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<user::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked(t, id).await?;
            let (full_name, role) = (current.full_name.clone(), current.role.clone());
            apply(t, current, full_name, role, false).await
        })
    })
    .await
}

async fn locked(t: Writer<'_>, id: Uuid) -> AppResult<user::Model> {
    t.by_id::<user::Entity>(id)
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("user"))
}

async fn apply(
    t: Writer<'_>,
    current: user::Model,
    full_name: String,
    role: String,
    is_active: bool,
) -> AppResult<user::Model> {
    let was_active_admin = current.is_active && current.role == Role::Admin.as_str();
    let stays_active_admin = is_active && role == Role::Admin.as_str();
    if was_active_admin && !stays_active_admin {
        let active_admins = t
            .select::<user::Entity>()
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::IsActive.eq(true))
            .count(t.conn())
            .await?;
        if active_admins <= 1 {
            return Err(AppError::Conflict(
                "a tenant must keep at least one active admin".into(),
            ));
        }
    }
    let changes = FieldChanges::new()
        .set("fullName", &current.full_name, &full_name)
        .set("role", &current.role, &role)
        .set("isActive", current.is_active, is_active);
    if changes.is_empty() {
        return Ok(current);
    }
    let deactivated = current.is_active && !is_active;
    let role_changed = current.role != role;
    let mut model: user::ActiveModel = current.clone().into();
    model.full_name = Set(full_name);
    model.role = Set(role);
    model.is_active = Set(is_active);
    model.updated_at = Set(Utc::now());
    model.version = Set(current.version + 1);
    let updated = t.update(model).await?;
    if deactivated {
        revoke_sessions(t, updated.id).await?;
    }
    if deactivated || role_changed {
        let role = Role::parse(&updated.role).filter(|_| updated.is_active);
        super::api_keys::revoke_beyond_creator(t, updated.id, role).await?;
    }
    t.record(Change {
        action: if deactivated {
            "user.deactivated"
        } else {
            "user.updated"
        },
        entity_type: "user",
        entity_id: Some(updated.id),
        changes,
        payload: event_payload(&updated),
    })
    .await?;
    Ok(updated)
}

/// Revokes every refresh token of a user.
pub async fn revoke_sessions(t: Writer<'_>, user_id: Uuid) -> AppResult<()> {
    t.update_many::<refresh_token::Entity>()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(t.conn())
        .await?;
    Ok(())
}

/// One user of the scope's tenant.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<user::Model> {
    let t = db.read(scope);
    t.by_id::<user::Entity>(id)
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// One user of the scope's tenant, inside a transaction.
pub async fn get_in(t: Writer<'_>, id: Uuid) -> AppResult<user::Model> {
    t.by_id::<user::Entity>(id)
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// Users by id (for DataLoaders); ids of other tenants are simply absent.
pub async fn by_ids(db: &Db, scope: &TenantScope, ids: &[Uuid]) -> AppResult<Vec<user::Model>> {
    let t = db.read(scope);
    Ok(t.select::<user::Entity>()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(t.conn())
        .await?)
}

fn filtered(t: Tenant<'_>, filter: &UserFilter) -> sea_orm::Select<user::Entity> {
    let mut query = t.select::<user::Entity>();
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.is_active {
        query = query.filter(user::Column::IsActive.eq(active));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // `%` and `_` are searched for as themselves (escaped), not stripped.
        let pattern = super::search::like_pattern(&search.to_lowercase());
        let like = || sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\');
        query = query.filter(
            sea_orm::Condition::any()
                .add(Expr::col(user::Column::Email).like(like()))
                .add(Func::lower(Expr::col(user::Column::FullName)).like(like())),
        );
    }
    query
}

/// A page of users, oldest first.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &UserFilter,
    page: &PageRequest,
) -> AppResult<Page<user::Model>> {
    let t = db.read(scope);
    let mut query = filtered(t, filter).order_by_asc(user::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(user::Column::Id.gt(after));
    }
    let rows = query.limit(page.limit()).all(t.conn()).await?;
    Ok(Page::from_rows(rows, page))
}

/// How many users match `filter`.
pub async fn count(db: &Db, scope: &TenantScope, filter: &UserFilter) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(filtered(t, filter).count(t.conn()).await?)
}
