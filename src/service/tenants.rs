//! Tenants: bootstrap (a tenant with its first admin, for the CLI and the demo) and
//! lookups. Tenants are not tenant-owned rows, so this is the one service that reads
//! the `tenants` table directly.

use chrono::Utc;
use entity::{tenant, user};
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::change::{Change, FieldChanges};
use super::{users, validate};
use crate::auth::{Role, password};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// A tenant's first admin.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub email: String,
    pub full_name: String,
    pub password: String,
}

fn validate_slug(slug: &str) -> AppResult<String> {
    let slug = slug.trim().to_lowercase();
    let valid = (2..=63).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if valid {
        Ok(slug)
    } else {
        Err(AppError::bad_input(
            "slug",
            "slug must be 2-63 characters of a-z, 0-9 and inner hyphens",
        ))
    }
}

/// Creates a tenant and its first admin in one transaction.
pub async fn create_with_admin(
    db: &Db,
    slug: &str,
    name: &str,
    admin: FirstAdmin,
) -> AppResult<(tenant::Model, user::Model)> {
    let slug = validate_slug(slug)?;
    let name = validate::text("name", name, 2, 200)?;
    let email = validate::email("adminEmail", &admin.email)?;
    let full_name = validate::text("adminName", &admin.full_name, 1, 200)?;
    password::validate(&admin.password)?;
    let password_hash = password::hash(&admin.password).await?;
    let sys = db.system("create a tenant and its first admin");
    sys.write(move |x| {
        Box::pin(async move {
            let taken = x
                .find::<tenant::Entity>()
                .filter(tenant::Column::Slug.eq(&slug))
                .one(x.conn())
                .await?
                .is_some();
            if taken {
                return Err(AppError::Conflict(format!("tenant {slug} already exists")));
            }
            let now = Utc::now();
            let created = x
                .insert_untenanted(tenant::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    slug: Set(slug),
                    name: Set(name),
                    settings: Set(json!({})),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .await?;
            let scope = x.scope(created.id);
            let t = x.bind(&scope);
            t.record(Change {
                action: "tenant.created",
                entity_type: "tenant",
                entity_id: Some(created.id),
                changes: FieldChanges::new()
                    .initial("slug", &created.slug)
                    .initial("name", &created.name),
                payload: json!({ "id": created.id, "slug": created.slug, "name": created.name }),
            })
            .await?;
            let admin = users::insert_in(t, email, full_name, Role::Admin, password_hash).await?;
            Ok((created, admin))
        })
    })
    .await
}

/// A tenant by id.
pub async fn get(db: &Db, id: Uuid) -> AppResult<tenant::Model> {
    let sys = db.system("look up a tenant by id");
    sys.find_by_id::<tenant::Entity>(id)
        .one(sys.conn())
        .await?
        .ok_or(AppError::NotFound("tenant"))
}

/// A tenant by slug.
pub async fn by_slug(db: &Db, slug: &str) -> AppResult<tenant::Model> {
    let sys = db.system("look up a tenant by slug");
    sys.find::<tenant::Entity>()
        .filter(tenant::Column::Slug.eq(slug.trim().to_lowercase()))
        .one(sys.conn())
        .await?
        .ok_or(AppError::NotFound("tenant"))
}
