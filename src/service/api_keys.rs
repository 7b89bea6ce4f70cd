//! API keys for partners: created with a role and an optional expiry, shown once,
//! stored as a SHA-256 hash, revocable.

use chrono::{DateTime, Utc};
use entity::api_key;
use sea_orm::{QueryOrder, QuerySelect, Set};
use serde_json::json;
use uuid::Uuid;

use super::change::{Change, FieldChanges};
use super::store::Writer;
use super::{TenantScope, validate};
use crate::auth::{Role, secrets};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Most keys listed by `apiKeys` (newest first).
const LIST_LIMIT: u64 = 500;

/// Characters of the secret kept visible as `prefix`.
const VISIBLE_PREFIX: usize = 12;

/// Creates a key; returns it with its secret, which is never retrievable again.
pub async fn create(
    db: &Db,
    scope: &TenantScope,
    name: &str,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(api_key::Model, String)> {
    let _t = db.read(scope);
    let name = validate::text("name", name, 1, 100)?;
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(AppError::bad_input(
            "expiresAt",
            "expiresAt must be in the future",
        ));
    }
    let secret = secrets::generate(secrets::API_KEY_PREFIX);
    let prefix: String = secret.chars().take(VISIBLE_PREFIX).collect();
    let hash = secrets::digest(&secret);
    // The user behind the key: a key made by another key answers to that key's user.
    let t = db.read(scope);
    let creator = match scope.actor().kind {
        crate::auth::ActorKind::ApiKey => match scope.actor().id {
            Some(id) => t
                .by_id::<api_key::Entity>(id)
                .one(t.conn())
                .await?
                .and_then(|k| k.created_by),
            None => None,
        },
        _ => scope.actor().id,
    };
    let key = db
        .write(scope, move |t| {
            Box::pin(async move {
                let created = t.insert(api_key::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    name: Set(name),
                    role: Set(role.as_str().to_owned()),
                    prefix: Set(prefix),
                    secret_hash: Set(hash),
                    expires_at: Set(expires_at),
                    last_used_at: Set(None),
                    revoked_at: Set(None),
                    created_by: Set(creator),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                })
                .await?;
                t.record(Change {
                        action: "api_key.created",
                        entity_type: "api_key",
                        entity_id: Some(created.id),
                        changes: FieldChanges::new()
                            .initial("name", &created.name)
                            .initial("role", &created.role)
                            .initial("expiresAt", created.expires_at)
                            .secret("secret"),
                        payload: json!({ "id": created.id, "name": created.name, "role": created.role }),
                    },
                )
                .await?;
                Ok(created)
            })
        })
        .await?;
    Ok((key, secret))
}

/// Revokes key `id`; it stops working at once. Revoking twice is harmless.
pub async fn revoke(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<api_key::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let key = t
                .by_id::<api_key::Entity>(id)
                .lock_exclusive()
                .one(t.conn())
                .await?
                .ok_or(AppError::NotFound("API key"))?;
            if key.revoked_at.is_some() {
                return Ok(key);
            }
            revoke_in(t, key, None).await
        })
    })
    .await
}

/// Revokes one live key now, recording `api_key.revoked` (with `reason` when the server,
/// not a person, revoked it).
async fn revoke_in(
    t: Writer<'_>,
    key: api_key::Model,
    reason: Option<&'static str>,
) -> AppResult<api_key::Model> {
    let now = Utc::now();
    let mut model: api_key::ActiveModel = key.into();
    model.revoked_at = Set(Some(now));
    let revoked = t.update(model).await?;
    let mut payload = json!({ "id": revoked.id, "name": revoked.name });
    if let Some(reason) = reason {
        payload["reason"] = json!(reason);
    }
    t.record(Change {
        action: "api_key.revoked",
        entity_type: "api_key",
        entity_id: Some(revoked.id),
        changes: FieldChanges::new().set("revokedAt", None::<DateTime<Utc>>, Some(now)),
        payload,
    })
    .await?;
    Ok(revoked)
}

/// Revokes the live keys made by `creator` that its new state no longer covers: all of
/// them when it is deactivated (`role` = `None`), those with a role beyond `role`
/// otherwise. Each revocation is audited with its reason.
pub async fn revoke_beyond_creator(
    t: Writer<'_>,
    creator: Uuid,
    role: Option<Role>,
) -> AppResult<()> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let keys = t
        .select::<api_key::Entity>()
        .filter(api_key::Column::CreatedBy.eq(creator))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(t.conn())
        .await?;
    for key in keys {
        let key_role = Role::parse(&key.role);
        let covered = role.is_some_and(|r| key_role.is_some_and(|k| r.covers(k)));
        if covered {
            continue;
        }
        let reason = if role.is_none() {
            "creator_deactivated"
        } else {
            "creator_role_reduced"
        };
        revoke_in(t, key, Some(reason)).await?;
    }
    Ok(())
}

/// The tenant's keys, newest first.
pub async fn list(db: &Db, scope: &TenantScope) -> AppResult<Vec<api_key::Model>> {
    let t = db.read(scope);
    Ok(t.select::<api_key::Entity>()
        .order_by_desc(api_key::Column::Id)
        .limit(LIST_LIMIT)
        .all(t.conn())
        .await?)
}

/// One key of the scope's tenant.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<api_key::Model> {
    let t = db.read(scope);
    t.by_id::<api_key::Entity>(id)
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("API key"))
}
