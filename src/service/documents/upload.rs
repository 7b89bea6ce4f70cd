//! Storing a document's bytes: checked against the limits and its type, hashed as they
//! stream to the file store, removed again when the rows cannot be written; uploads of
//! new documents and of new versions.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;
use entity::{client_document, document_version};
use sea_orm::Set;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::change::FieldChanges;
use super::super::kernel::Patch;
use super::super::kernel::check_contact_of_client as check_contact;
use super::super::kernel::live_client;
use super::super::{TenantScope, validate};
use super::content::{self, Inspected};
use super::read;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::storage::{self, ByteStream};

use super::{
    DocType, DocumentPatch, FileSettings, IncomingFile, Visibility, apply, check_communication,
    fields, locked_document,
};

/// Checks the file against the limits and its type, then writes it to the store under
/// a fresh key, taking its sha256 as it streams (one read of the file). Returns the key
/// and what is known of the file.
pub(super) async fn store_file(
    files: &FileSettings,
    scope: &TenantScope,
    incoming: IncomingFile,
    logo: bool,
) -> AppResult<(String, Inspected, String)> {
    let filename = content::sanitize_filename(&incoming.filename);
    let limit = if logo {
        files.logo_max_bytes.min(files.max_file_bytes)
    } else {
        files.max_file_bytes
    };
    let mut file = incoming.content;
    let size = file.metadata().map_err(AppError::internal)?.len();
    if size > limit {
        let what = if logo { "a logo" } else { "a file" };
        return Err(AppError::PayloadTooLarge(format!(
            "{what} may be at most {limit} bytes; this one has {size}"
        )));
    }
    if size == 0 {
        return Err(AppError::bad_input("file", "the file is empty"));
    }
    let sniff_name = filename.clone();
    let (file, mime_type) = tokio::task::spawn_blocking(move || {
        content::check_type(&mut file, &sniff_name, logo).map(|t| (file, t))
    })
    .await
    .map_err(AppError::internal)??;
    let key = storage::new_key(scope.tenant_id());
    let hasher = Arc::new(Mutex::new(Sha256::new()));
    files
        .storage
        .put(&key, hashed_stream(file, Arc::clone(&hasher)))
        .await
        .map_err(AppError::Internal)?;
    let digest = std::mem::take(&mut *hasher.lock().unwrap_or_else(PoisonError::into_inner));
    let inspected = Inspected {
        size_bytes: size,
        sha256: content::hex(&digest.finalize()),
        mime_type,
    };
    Ok((key, inspected, filename))
}

/// Streams a (temporary) file in 64 KiB chunks, feeding each to `hasher`.
pub(super) fn hashed_stream(file: std::fs::File, hasher: Arc<Mutex<Sha256>>) -> ByteStream {
    use futures_util::StreamExt;
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::from_std(file);
    futures_util::stream::unfold(Some(file), move |state| {
        let hasher = Arc::clone(&hasher);
        async move {
            let mut file = state?;
            let mut buffer = vec![0u8; 64 * 1024];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    hasher
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .update(&buffer);
                    Some((Ok(bytes::Bytes::from(buffer)), Some(file)))
                }
                Err(err) => Some((Err(err), None)),
            }
        }
    })
    .boxed()
}

/// Runs `write` after the file was stored under `key`; when it fails the file is
/// removed again (nothing refers to it), so no orphan stays behind.
pub(super) async fn or_remove_file<T>(
    files: &FileSettings,
    key: &str,
    write: impl Future<Output = AppResult<T>>,
) -> AppResult<T> {
    let result = write.await;
    if result.is_err()
        && let Err(err) = files.storage.delete(key).await
    {
        tracing::error!(
            key,
            error = format!("{err:#}"),
            "cannot remove the file of a failed upload"
        );
    }
    result
}

pub(super) fn new_version(
    scope: &TenantScope,
    document_id: Uuid,
    version_no: i32,
    key: String,
    inspected: &Inspected,
    filename: String,
    change_note: Option<String>,
) -> document_version::Model {
    document_version::Model {
        id: Uuid::now_v7(),
        tenant_id: scope.tenant_id(),
        document_id,
        version_no,
        storage_key: key,
        original_filename: filename,
        mime_type: inspected.mime_type.to_owned(),
        size_bytes: inspected.size_bytes as i64,
        sha256: inspected.sha256.clone(),
        uploaded_by: scope.actor().id,
        uploaded_at: Utc::now(),
        change_note,
    }
}

pub(super) fn check_change_note(note: Option<String>) -> AppResult<Option<String>> {
    let mut slot = None;
    validate::optional_text(note.into(), &mut slot, "changeNote", 1000)?;
    Ok(slot)
}

/// Uploads a document of a client: its metadata and its first version, in one step.
/// `name` defaults to the (sanitized) filename; `docType` to `ATTACHMENT` for a
/// communication's document and `OTHER` otherwise.
pub async fn upload(
    db: &Db,
    files: &FileSettings,
    scope: &TenantScope,
    client_id: Uuid,
    patch: DocumentPatch,
    incoming: IncomingFile,
) -> AppResult<client_document::Model> {
    let now = Utc::now();
    let default_type = match patch.communication_id {
        Patch::Set(_) => DocType::Attachment,
        _ => DocType::Other,
    };
    let mut model = client_document::Model {
        id: Uuid::now_v7(),
        tenant_id: scope.tenant_id(),
        client_id,
        contact_id: None,
        communication_id: None,
        name: content::sanitize_filename(&incoming.filename),
        description: None,
        doc_type: default_type,
        category: None,
        tags: json!([]),
        visibility: Visibility::Tenant,
        current_version_id: None,
        current_version_no: 1,
        retention_until: None,
        legal_hold: false,
        created_by: scope.actor().id,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
    };
    // Input errors are reported before a byte is stored.
    apply(&mut model, patch)?;
    let logo = model.doc_type == DocType::Logo;
    let (key, inspected, filename) = store_file(files, scope, incoming, logo).await?;
    let version = new_version(scope, model.id, 1, key.clone(), &inspected, filename, None);
    model.current_version_id = Some(version.id);
    let write = db.write(scope, move |t| {
        Box::pin(async move {
            live_client(t, client_id).await?;
            check_contact(t, client_id, model.contact_id).await?;
            check_communication(t, client_id, model.communication_id).await?;
            let changes = FieldChanges::created(fields(&model))
                .initial("sha256", &version.sha256)
                .initial("sizeBytes", version.size_bytes);
            let document: client_document::ActiveModel = model.into();
            let created = t.insert(document).await?;
            let version: document_version::ActiveModel = version.into();
            t.insert(version).await?;
            t.record_of("document.uploaded", &created, changes).await?;
            Ok(created)
        })
    });
    or_remove_file(files, &key, write).await
}

/// Adds version n+1 of a document and makes it current; earlier versions stay.
pub async fn upload_version(
    db: &Db,
    files: &FileSettings,
    scope: &TenantScope,
    document_id: Uuid,
    incoming: IncomingFile,
    change_note: Option<String>,
) -> AppResult<(client_document::Model, document_version::Model)> {
    let change_note = check_change_note(change_note)?;
    let current = read::get(db, scope, document_id).await?;
    let logo = current.doc_type == DocType::Logo;
    let (key, inspected, filename) = store_file(files, scope, incoming, logo).await?;
    let stored = key.clone();
    let write = db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked_document(t, document_id, Some(false)).await?;
            let number = current.current_version_no + 1;
            let version = new_version(
                t.scope(),
                document_id,
                number,
                key,
                &inspected,
                filename,
                change_note,
            );
            let version: document_version::ActiveModel = version.into();
            let version = t.insert(version).await?;
            let mut active: client_document::ActiveModel = current.clone().into();
            active.current_version_id = Set(Some(version.id));
            active.current_version_no = Set(number);
            active.version = Set(current.version + 1);
            active.updated_at = Set(Utc::now());
            let updated = t.update(active).await?;
            let changes = FieldChanges::new()
                .set("currentVersionNo", current.current_version_no, number)
                .set("sha256", Option::<String>::None, &version.sha256);
            t.record_of("document.version_added", &updated, changes)
                .await?;
            Ok((updated, version))
        })
    });
    or_remove_file(files, &stored, write).await
}
