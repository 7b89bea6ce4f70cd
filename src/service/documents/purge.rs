//! `clientgraph documents purge`: removes the files and rows of documents that were
//! soft-deleted long enough ago, unless a retention date or a legal hold keeps them,
//! and stored files that no version refers to (orphans of a crash mid-upload).
//! Each document is purged in its own transaction that re-checks, under a row lock,
//! that it is still deleted and purgeable (a restore or a hold may have come between).

use chrono::{DateTime, Utc};
use entity::{client_document, document_version};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::change::{Change, FieldChanges};
use crate::storage::Storage;

/// Documents looked at per round.
const BATCH: u64 = 200;

/// What a purge did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// Documents whose files and rows were removed.
    pub documents: u64,
    /// Files removed from the store.
    pub files: u64,
    /// Deleted documents old enough but kept by a retention date or a legal hold.
    pub retained: u64,
    /// Stored files no version refers to (left by a process that died between storing
    /// an upload and committing its rows), removed.
    pub orphans: u64,
}

/// How old an unreferenced file must be before it counts as an orphan: younger ones may
/// belong to an upload whose transaction has not committed yet.
pub const ORPHAN_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// Deleted before `deleted_before`, and nothing keeps them as of `now`.
fn purgeable(deleted_before: DateTime<Utc>, now: DateTime<Utc>) -> Condition {
    use client_document::Column as C;
    Condition::all()
        .add(C::DeletedAt.is_not_null())
        .add(C::DeletedAt.lt(deleted_before))
        .add(C::LegalHold.eq(false))
        .add(
            Condition::any()
                .add(C::RetentionUntil.is_null())
                .add(C::RetentionUntil.lte(now)),
        )
}

/// Purges, across every tenant, the documents deleted before `deleted_before` that no
/// retention date (as of now) or legal hold keeps.
pub async fn purge(
    db: &Db,
    storage: &Storage,
    deleted_before: DateTime<Utc>,
) -> AppResult<PurgeReport> {
    use client_document::Column as C;
    let sys = db.system("purge deleted documents of every tenant");
    let now = Utc::now();
    let mut report = PurgeReport {
        retained: sys
            .find::<client_document::Entity>()
            .filter(C::DeletedAt.is_not_null())
            .filter(C::DeletedAt.lt(deleted_before))
            .filter(
                Condition::any()
                    .add(C::LegalHold.eq(true))
                    .add(C::RetentionUntil.gt(now)),
            )
            .count(sys.conn())
            .await?,
        ..PurgeReport::default()
    };
    loop {
        let batch: Vec<client_document::Model> = sys
            .find::<client_document::Entity>()
            .filter(purgeable(deleted_before, now))
            .order_by_asc(C::Id)
            .limit(BATCH)
            .all(sys.conn())
            .await?;
        if batch.is_empty() {
            break;
        }
        for document in batch {
            report.files += purge_one(db, storage, document, deleted_before, now).await?;
            report.documents += 1;
        }
    }
    report.orphans = remove_orphans(db, storage, now - ORPHAN_AFTER).await?;
    Ok(report)
}

/// Removes stored document files written before `before` that no version refers to.
async fn remove_orphans(db: &Db, storage: &Storage, before: DateTime<Utc>) -> AppResult<u64> {
    let listed = storage
        .list(crate::storage::DOCUMENTS_PREFIX)
        .await
        .map_err(AppError::Internal)?;
    let old: Vec<String> = listed
        .into_iter()
        .filter(|(_, written)| *written < before)
        .map(|(key, _)| key)
        .collect();
    let sys = db.system("find document files no version of any tenant refers to");
    let mut removed = 0;
    for keys in old.chunks(BATCH as usize) {
        let known: std::collections::HashSet<String> = sys
            .find::<document_version::Entity>()
            .select_only()
            .column(document_version::Column::StorageKey)
            .filter(document_version::Column::StorageKey.is_in(keys.iter().cloned()))
            .into_tuple::<String>()
            .all(sys.conn())
            .await?
            .into_iter()
            .collect();
        for key in keys.iter().filter(|k| !known.contains(*k)) {
            storage.delete(key).await.map_err(AppError::Internal)?;
            tracing::info!(key, "removed an orphaned document file");
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes one document's files, then its rows, in one transaction; the number of files.
async fn purge_one(
    db: &Db,
    storage: &Storage,
    document: client_document::Model,
    deleted_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let storage = storage.clone();
    let scope = db
        .system("purge one deleted document")
        .scope(document.tenant_id);
    db.write(&scope, move |t| {
        Box::pin(async move {
            let Some(current) = t
                .by_id::<client_document::Entity>(document.id)
                .filter(purgeable(deleted_before, now))
                .lock_exclusive()
                .one(t.conn())
                .await?
            else {
                return Ok(0);
            };
            let versions = t
                .select::<document_version::Entity>()
                .filter(document_version::Column::DocumentId.eq(current.id))
                .all(t.conn())
                .await?;
            for version in &versions {
                storage
                    .delete(&version.storage_key)
                    .await
                    .map_err(AppError::Internal)?;
            }
            t.delete_many::<document_version::Entity>()
                .filter(Expr::col(document_version::Column::DocumentId).eq(current.id))
                .exec(t.conn())
                .await?;
            let change = Change {
                action: "document.purged",
                entity_type: "document",
                entity_id: Some(current.id),
                changes: FieldChanges::new().initial("files", versions.len()),
                payload: json!({ "id": current.id, "clientId": current.client_id }),
            };
            t.delete_many::<client_document::Entity>()
                .filter(client_document::Column::Id.eq(current.id))
                .exec(t.conn())
                .await?;
            t.record(change).await?;
            Ok(versions.len() as u64)
        })
    })
    .await
}
