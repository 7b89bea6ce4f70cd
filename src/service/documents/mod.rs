//! Client documents: upload (a file and its metadata in one step), new versions,
//! metadata updates (optimistic locking), soft delete and restore, retention and legal
//! hold. The bytes go to the file store first; the rows are written in one transaction
//! afterwards, and when that transaction fails the stored file is removed again, so a
//! failed upload leaves neither a half row nor an orphan file.
//!
//! Visibility: `PRIVATE` documents are seen only by their uploader and by admins;
//! `TEAM` and `TENANT` by everyone in the tenant with `documents:read` (teams do not
//! exist yet, so `TEAM` reads like `TENANT`).

pub mod content;
pub mod download;
pub mod purge;
pub mod read;
mod upload;

use chrono::{DateTime, Utc};
use entity::{client_communication, client_document, document_version};
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use uuid::Uuid;

use super::change::{self, FieldChanges, Recorded};
use super::kernel::Patch;
use super::kernel::check_contact_of_client as check_contact;
use super::kernel::normalize_tags;
use super::{TenantScope, validate};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::store::Writer;
use crate::storage::Storage;
pub use entity::enums::{DocType, Visibility};
pub use upload::{upload, upload_version};

/// The file store and the upload limits, shared by every request.
#[derive(Clone)]
pub struct FileSettings {
    pub storage: Storage,
    /// Largest document file, in bytes.
    pub max_file_bytes: u64,
    /// Largest logo, in bytes.
    pub logo_max_bytes: u64,
}

/// An uploaded file as it arrived: the client's filename (not yet sanitized) and its
/// content, spooled to an anonymous temporary file while the request streamed in.
pub struct IncomingFile {
    pub filename: String,
    pub content: std::fs::File,
}

/// What the caller sent for a document (upload: `None`/`Keep` means "not given").
#[derive(Debug, Clone, Default)]
pub struct DocumentPatch {
    pub name: Option<String>,
    pub description: Patch<String>,
    pub doc_type: Option<DocType>,
    pub category: Patch<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
    pub contact_id: Patch<Uuid>,
    pub communication_id: Patch<Uuid>,
}

fn apply(m: &mut client_document::Model, patch: DocumentPatch) -> AppResult<()> {
    if let Some(name) = patch.name {
        m.name = validate::text("name", &name, 1, 255)?;
    }
    validate::optional_text(patch.description, &mut m.description, "description", 5000)?;
    if let Some(t) = patch.doc_type {
        m.doc_type = t;
    }
    validate::optional_text(patch.category, &mut m.category, "category", 100)?;
    if let Some(tags) = patch.tags {
        m.tags = json!(normalize_tags(tags)?);
    }
    if let Some(v) = patch.visibility {
        m.visibility = v;
    }
    patch.contact_id.apply_to(&mut m.contact_id);
    patch.communication_id.apply_to(&mut m.communication_id);
    Ok(())
}

fn fields(m: &client_document::Model) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("name", json!(m.name)),
        ("description", json!(m.description)),
        ("docType", json!(m.doc_type)),
        ("category", json!(m.category)),
        ("tags", m.tags.clone()),
        ("visibility", json!(m.visibility)),
        ("contactId", json!(m.contact_id)),
        ("communicationId", json!(m.communication_id)),
        ("retentionUntil", json!(m.retention_until)),
        ("legalHold", json!(m.legal_hold)),
    ]
}

impl Recorded for client_document::Model {
    const ENTITY: &'static str = "document";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "clientId": self.client_id,
            "name": self.name,
            "docType": self.doc_type,
            "currentVersionNo": self.current_version_no,
            "version": self.version,
            // Who may see the event (see `read::may_see`): PRIVATE documents are their
            // creator's and the admins'.
            "visibility": self.visibility.as_str(),
            "createdBy": self.created_by,
        })
    }
}

/// Refuses a communication that is not one of `client_id`.
async fn check_communication(
    t: Writer<'_>,
    client_id: Uuid,
    communication_id: Option<Uuid>,
) -> AppResult<()> {
    let Some(id) = communication_id else {
        return Ok(());
    };
    t.by_id::<client_communication::Entity>(id)
        .filter(client_communication::Column::ClientId.eq(client_id))
        .one(t.conn())
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("communication"))
}

/// The document `id` as this caller may see it (visibility applied, client live),
/// locked for the rest of `txn`. `deleted` picks live or soft-deleted documents; `None`
/// takes either.
async fn locked_document(
    t: Writer<'_>,
    id: Uuid,
    deleted: Option<bool>,
) -> AppResult<client_document::Model> {
    let mut select = t
        .by_id::<client_document::Entity>(id)
        .filter(read::visible(t.scope()))
        .filter(t.client_is_live(sea_orm::sea_query::Expr::col((
            client_document::Entity,
            client_document::Column::ClientId,
        ))));
    select = match deleted {
        Some(false) => select.filter(client_document::Column::DeletedAt.is_null()),
        Some(true) => select.filter(client_document::Column::DeletedAt.is_not_null()),
        None => select,
    };
    select
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("document"))
}

/// Changes a document's metadata if it is still at `expected_version`. Making it a
/// `LOGO` requires its current file to qualify as one.
pub async fn update(
    db: &Db,
    files: &FileSettings,
    scope: &TenantScope,
    id: Uuid,
    patch: DocumentPatch,
    expected_version: Option<i32>,
) -> AppResult<client_document::Model> {
    let logo_limit = files.logo_max_bytes;
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked_document(t, id, Some(false)).await?;
            change::expect_version("document", current.version, expected_version)?;
            let mut next = current.clone();
            apply(&mut next, patch)?;
            if next.contact_id != current.contact_id {
                check_contact(t, next.client_id, next.contact_id).await?;
            }
            if next.communication_id != current.communication_id {
                check_communication(t, next.client_id, next.communication_id).await?;
            }
            let logo = DocType::Logo;
            if next.doc_type == logo && current.doc_type != logo {
                check_logo_file(t, &current, logo_limit).await?;
            }
            let Some((updated, changes)) = t.update_versioned(&current, next, fields).await? else {
                return Ok(current);
            };
            t.record_of("document.updated", &updated, changes).await?;
            Ok(updated)
        })
    })
    .await
}

async fn check_logo_file(
    t: Writer<'_>,
    document: &client_document::Model,
    limit: u64,
) -> AppResult<()> {
    let version = t
        .by_id::<document_version::Entity>(document.current_version_id.unwrap_or_default())
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("document version"))?;
    if !content::allowed_types(true).contains(&version.mime_type.as_str()) {
        return Err(AppError::bad_input(
            "input.docType",
            format!(
                "a {} file cannot be a logo; logos are images",
                version.mime_type
            ),
        ));
    }
    if version.size_bytes as u64 > limit {
        return Err(AppError::bad_input(
            "input.docType",
            format!(
                "a logo may be at most {limit} bytes; this file has {}",
                version.size_bytes
            ),
        ));
    }
    Ok(())
}

/// Deletes a document (soft): it leaves every list, its files stay until retention
/// allows `clientgraph documents purge` to remove them. CONFLICT under legal hold.
pub async fn delete(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_document::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked_document(t, id, Some(false)).await?;
            if current.legal_hold {
                return Err(AppError::Conflict(
                    "the document is under legal hold and cannot be deleted".into(),
                ));
            }
            let now = Utc::now();
            let mut active: client_document::ActiveModel = current.clone().into();
            active.deleted_at = Set(Some(now));
            active.version = Set(current.version + 1);
            active.updated_at = Set(now);
            let deleted = t.update(active).await?;
            let changes = FieldChanges::new().set("deleted", false, true);
            t.record_of("document.deleted", &deleted, changes).await?;
            Ok(deleted)
        })
    })
    .await
}

/// Brings a soft-deleted document back (its files are still there until purged).
/// Restoring a live document changes nothing.
pub async fn restore(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_document::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked_document(t, id, None).await?;
            if current.deleted_at.is_none() {
                return Ok(current);
            }
            let mut active: client_document::ActiveModel = current.clone().into();
            active.deleted_at = Set(None);
            active.version = Set(current.version + 1);
            active.updated_at = Set(Utc::now());
            let restored = t.update(active).await?;
            let changes = FieldChanges::new().set("deleted", true, false);
            t.record_of("document.restored", &restored, changes).await?;
            Ok(restored)
        })
    })
    .await
}

/// Sets how long a document's files must be kept (`until`; `Clear` removes the date)
/// and whether it is under legal hold. Works on deleted documents too: a hold placed
/// after deletion still stops the purge.
pub async fn set_retention(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    until: Patch<DateTime<Utc>>,
    legal_hold: Option<bool>,
) -> AppResult<client_document::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked_document(t, id, None).await?;
            let mut next = current.clone();
            until.apply_to(&mut next.retention_until);
            if let Some(hold) = legal_hold {
                next.legal_hold = hold;
            }
            let Some((updated, changes)) = t.update_versioned(&current, next, fields).await? else {
                return Ok(current);
            };
            t.record_of("document.retention_set", &updated, changes)
                .await?;
            Ok(updated)
        })
    })
    .await
}

/// The tags of a document.
pub fn tags(m: &client_document::Model) -> Vec<String> {
    serde_json::from_value(m.tags.clone()).unwrap_or_default()
}
