//! Bulk changes. `bulk_update` applies one operation to at most 50 clients, each in its
//! own transaction, and reports a result or an error per id; a dry run takes the very
//! same path and rolls every transaction back. `bulk_create` validates every input
//! first, then writes them all in one transaction (atomic) or each on its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use entity::client;
use uuid::Uuid;

use super::input::{ClientDraft, ClientPatch};
use super::kinds::{ClientStatus, ClientTier};
use super::write::{self, Lifecycle, NewClient, PreparedClient};
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::kernel::Patch;

/// Most ids in one bulk update.
pub const MAX_BULK_UPDATE: usize = 50;
/// Most inputs in one bulk creation.
pub const MAX_BULK_CREATE: usize = 500;

/// What a bulk update does to each client.
#[derive(Debug, Clone)]
pub enum BulkOperation {
    SetStatus(ClientStatus),
    SetTier(ClientTier),
    AssignManager(Option<Uuid>),
    AddTags(Vec<String>),
    Deactivate { reason: String },
}

/// The outcome for one item of a bulk request.
#[derive(Debug)]
pub struct ItemResult {
    pub index: usize,
    pub id: Option<Uuid>,
    pub outcome: Result<client::Model, AppError>,
}

/// Applies `operation` to each of `ids` (in order), or rehearses it with `dry_run`.
pub async fn bulk_update(
    db: &Db,
    scope: &TenantScope,
    cipher: &FieldCipher,
    ids: Vec<Uuid>,
    operation: BulkOperation,
    dry_run: bool,
) -> AppResult<Vec<ItemResult>> {
    if ids.is_empty() || ids.len() > MAX_BULK_UPDATE {
        return Err(AppError::bad_input(
            "ids",
            format!("send 1 to {MAX_BULK_UPDATE} ids"),
        ));
    }
    let mut results = Vec::with_capacity(ids.len());
    for (index, id) in ids.into_iter().enumerate() {
        let (cipher, operation) = (cipher.clone(), operation.clone());
        let outcome = db
            .write_or_rehearse(scope, !dry_run, move |t| {
                Box::pin(async move {
                    match operation {
                        BulkOperation::Deactivate { reason } => {
                            write::lifecycle_in(t, id, Lifecycle::Deactivate { reason }).await
                        }
                        BulkOperation::AddTags(tags) => {
                            let current = crate::service::kernel::live_client(t, id).await?;
                            let mut all = ClientDraft::from_model(&current).tags;
                            all.extend(tags);
                            let patch = ClientPatch {
                                tags: Some(all),
                                ..Default::default()
                            };
                            write::update_in(t, &cipher, id, patch, None).await
                        }
                        other => {
                            let patch = match other {
                                BulkOperation::SetStatus(status) => ClientPatch {
                                    status: Some(status),
                                    ..Default::default()
                                },
                                BulkOperation::SetTier(tier) => ClientPatch {
                                    tier: Patch::Set(tier),
                                    ..Default::default()
                                },
                                BulkOperation::AssignManager(manager) => ClientPatch {
                                    account_manager_id: manager.map_or(Patch::Clear, Patch::Set),
                                    ..Default::default()
                                },
                                BulkOperation::AddTags(_) | BulkOperation::Deactivate { .. } => {
                                    unreachable!("handled above")
                                }
                            };
                            write::update_in(t, &cipher, id, patch, None).await
                        }
                    }
                })
            })
            .await;
        results.push(ItemResult {
            index,
            id: Some(id),
            outcome,
        });
    }
    Ok(results)
}

/// Creates clients. Every input is validated before anything is written; with `atomic`
/// the whole batch is one transaction (all or nothing), otherwise each item commits on
/// its own.
pub async fn bulk_create(
    db: &Db,
    scope: &TenantScope,
    cipher: &FieldCipher,
    inputs: Vec<NewClient>,
    atomic: bool,
) -> AppResult<Vec<ItemResult>> {
    if inputs.is_empty() || inputs.len() > MAX_BULK_CREATE {
        return Err(AppError::bad_input(
            "inputs",
            format!("send 1 to {MAX_BULK_CREATE} clients"),
        ));
    }
    let prepared: Vec<AppResult<PreparedClient>> = inputs
        .into_iter()
        .map(|input| write::prepare_new(scope, input))
        .collect();
    if !atomic {
        let mut results = Vec::with_capacity(prepared.len());
        for (index, item) in prepared.into_iter().enumerate() {
            let outcome = match item {
                Err(err) => Err(err),
                Ok(item) => {
                    let cipher = cipher.clone();
                    db.write(scope, move |t| {
                        Box::pin(async move { write::create_in(t, &cipher, item).await })
                    })
                    .await
                }
            };
            results.push(ItemResult {
                index,
                id: None,
                outcome,
            });
        }
        return Ok(results);
    }
    if prepared.iter().any(Result::is_err) {
        return Ok(prepared
            .into_iter()
            .enumerate()
            .map(|(index, item)| ItemResult {
                index,
                id: None,
                outcome: item.and(Err(rolled_back())),
            })
            .collect());
    }
    let items: Vec<PreparedClient> = prepared.into_iter().flatten().collect();
    let count = items.len();
    // Which item failed, so its own error can be reported; all others rolled back with it.
    let failed_at = Arc::new(AtomicUsize::new(usize::MAX));
    let (cipher, marker) = (cipher.clone(), Arc::clone(&failed_at));
    let written = db
        .write(scope, move |t| {
            Box::pin(async move {
                let mut created = Vec::with_capacity(items.len());
                for (index, item) in items.into_iter().enumerate() {
                    match write::create_in(t, &cipher, item).await {
                        Ok(model) => created.push(model),
                        Err(err) => {
                            marker.store(index, Ordering::Relaxed);
                            return Err(err);
                        }
                    }
                }
                Ok(created)
            })
        })
        .await;
    match written {
        Ok(created) => Ok(created
            .into_iter()
            .enumerate()
            .map(|(index, model)| ItemResult {
                index,
                id: Some(model.id),
                outcome: Ok(model),
            })
            .collect()),
        Err(err) => {
            let failed = failed_at.load(Ordering::Relaxed);
            if failed == usize::MAX {
                return Err(err); // the transaction itself failed (begin or commit)
            }
            let mut err = Some(err);
            Ok((0..count)
                .map(|index| {
                    let outcome = match (index == failed).then(|| err.take()).flatten() {
                        Some(own) => Err(own),
                        None => Err(rolled_back()),
                    };
                    ItemResult {
                        index,
                        id: None,
                        outcome,
                    }
                })
                .collect())
        }
    }
}

fn rolled_back() -> AppError {
    AppError::Conflict("not written: another item of this atomic batch failed".into())
}
