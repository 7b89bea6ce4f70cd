//! Changing a client: updates under optimistic locking (the code never changes), and
//! the lifecycle steps (deactivate, reactivate, delete, restore).

use chrono::Utc;
use entity::client;
use sea_orm::{QuerySelect, Set};
use uuid::Uuid;

use super::tax_id::{tax_context, validate_tax_id};
use super::{
    check_duplicates, check_references, draft_fields, own_search_text, replace_tags, write_draft,
};

use super::super::input::{ClientDraft, ClientPatch};
use super::super::kinds::ClientStatus;
use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::{self, FieldChanges};
use crate::service::kernel::search_text;
use crate::service::kernel::{Patch, locked_live_client};
use crate::service::store::Writer;
use crate::service::validate;

/// Applies `patch` to client `id` if its version is still `expected_version`.
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    cipher: &FieldCipher,
    id: Uuid,
    patch: ClientPatch,
    expected_version: i32,
) -> AppResult<client::Model> {
    let cipher = cipher.clone();
    db.write(scope, move |t| {
        Box::pin(async move { update_in(t, &cipher, id, patch, Some(expected_version)).await })
    })
    .await
}

/// [`update`] inside an existing transaction; without `expected_version` the current
/// version is taken (bulk operations, which lock the row themselves).
pub async fn update_in(
    t: Writer<'_>,
    cipher: &FieldCipher,
    id: Uuid,
    patch: ClientPatch,
    expected_version: Option<i32>,
) -> AppResult<client::Model> {
    if let Some(field) = patch.billing_fields().first() {
        t.scope().require(Permission::BillingRead, field)?;
    }
    let tax_id = match &patch.tax_id {
        Patch::Set(value) => Patch::Set(validate_tax_id(value)?),
        Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    };
    let current = locked_live_client(t, id).await?;
    change::expect_version(
        &format!("client {}", current.client_code),
        current.version,
        expected_version,
    )?;
    let before = ClientDraft::from_model(&current);
    let after = before.clone().apply(patch)?;
    check_references(t, Some(&current), &after).await?;
    check_duplicates(t, Some(id), &after).await?;
    let mut changes = FieldChanges::between(draft_fields(&before), draft_fields(&after));
    if !tax_id.is_keep() {
        changes = changes.secret("taxId");
    }
    if changes.is_empty() {
        return Ok(current);
    }
    let mut model: client::ActiveModel = current.clone().into();
    write_draft(&mut model, &after, &current.client_code);
    // The client's own fields plus its contacts' names and emails, in this one update.
    model.search_text =
        Set(own_search_text(&after, &current.client_code)
            + &search_text::contacts_text(t, id).await?);
    match tax_id {
        Patch::Keep => {}
        Patch::Clear => model.tax_id_encrypted = Set(None),
        Patch::Set(value) => {
            model.tax_id_encrypted = Set(Some(
                cipher.encrypt(&value, &tax_context(t.scope().tenant_id(), id))?,
            ))
        }
    }
    model.updated_by = Set(t.scope().actor().id);
    model.updated_at = Set(Utc::now());
    model.version = Set(current.version + 1);
    let updated = t.update(model).await?;
    if before.tags != after.tags {
        replace_tags(t, id, &after.tags).await?;
    }
    t.record_of("client.updated", &updated, changes).await?;
    Ok(updated)
}

/// The lifecycle changes of a client.
#[derive(Debug, Clone)]
pub enum Lifecycle {
    Deactivate { reason: String },
    Reactivate,
    Delete,
    Restore,
}

/// Deactivates, reactivates, soft-deletes or restores client `id`.
pub async fn change_lifecycle(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    step: Lifecycle,
) -> AppResult<client::Model> {
    db.write(scope, move |t| {
        Box::pin(async move { lifecycle_in(t, id, step).await })
    })
    .await
}

/// [`change_lifecycle`] inside an existing transaction.
pub async fn lifecycle_in(t: Writer<'_>, id: Uuid, step: Lifecycle) -> AppResult<client::Model> {
    let step = match step {
        Lifecycle::Deactivate { reason } => Lifecycle::Deactivate {
            reason: validate::text("reason", &reason, 1, 500)?,
        },
        other => other,
    };
    let current = t
        .by_id::<client::Entity>(id)
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("client"))?;
    let deleted = current.deleted_at.is_some();
    let now = Utc::now();
    let mut model: client::ActiveModel = current.clone().into();
    let (action, changes) = match &step {
        Lifecycle::Restore if !deleted => {
            return Err(AppError::Conflict(format!(
                "client {} is not deleted",
                current.client_code
            )));
        }
        Lifecycle::Restore => {
            check_duplicates(t, Some(id), &ClientDraft::from_model(&current)).await?;
            model.deleted_at = Set(None);
            (
                "client.restored",
                FieldChanges::new().set(
                    "deletedAt",
                    current.deleted_at,
                    None::<chrono::DateTime<Utc>>,
                ),
            )
        }
        _ if deleted => return Err(AppError::NotFound("client")),
        Lifecycle::Delete => {
            model.deleted_at = Set(Some(now));
            (
                "client.deleted",
                FieldChanges::new().set("deletedAt", None::<chrono::DateTime<Utc>>, Some(now)),
            )
        }
        Lifecycle::Deactivate { .. } if current.status == ClientStatus::Inactive => {
            return Err(AppError::Conflict(format!(
                "client {} is already inactive",
                current.client_code
            )));
        }
        Lifecycle::Deactivate { reason } => {
            model.status = Set(ClientStatus::Inactive);
            model.deactivated_at = Set(Some(now));
            model.deactivation_reason = Set(Some(reason.clone()));
            (
                "client.deactivated",
                FieldChanges::new()
                    .set("status", current.status, ClientStatus::Inactive)
                    .set("deactivationReason", &current.deactivation_reason, reason),
            )
        }
        Lifecycle::Reactivate if current.status != ClientStatus::Inactive => {
            return Err(AppError::Conflict(format!(
                "client {} is not inactive",
                current.client_code
            )));
        }
        Lifecycle::Reactivate => {
            model.status = Set(ClientStatus::Active);
            model.deactivated_at = Set(None);
            model.deactivation_reason = Set(None);
            (
                "client.reactivated",
                FieldChanges::new().set("status", current.status, ClientStatus::Active),
            )
        }
    };
    model.updated_by = Set(t.scope().actor().id);
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = t.update(model).await?;
    t.record_of(action, &updated, changes).await?;
    Ok(updated)
}
