//! Bulk changes to many clients at once (status, tier, manager, tags, deactivation),
//! atomic or item by item.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::clients::CreateClientInput;
use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::error::AppError;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Client;
use crate::service::clients::bulk::{self, BulkOperation, ItemResult};
use crate::service::clients::{ClientStatus, ClientTier};

/// What a bulk update does.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum BulkClientOperationKind {
    /// Set `status` on every client.
    SetStatus,
    /// Set `tier` on every client.
    SetTier,
    /// Set (or, with no `accountManagerId`, clear) the account manager.
    AssignManager,
    /// Add `tags` to every client (existing tags stay).
    AddTags,
    /// Deactivate every client with `reason`.
    Deactivate,
}

/// A bulk operation and its argument (only the one its kind needs).
#[derive(InputObject)]
pub struct BulkClientOperation {
    /// What to do to each client.
    pub kind: BulkClientOperationKind,
    /// The status to set (`SET_STATUS`).
    pub status: Option<ClientStatus>,
    /// The tier to set (`SET_TIER`).
    pub tier: Option<ClientTier>,
    /// The user to make account manager (`ASSIGN_MANAGER`); `null` removes the manager.
    pub account_manager_id: Option<ID>,
    /// The tags to add or remove (`ADD_TAGS`, `REMOVE_TAGS`), at most 50.
    pub tags: Option<Vec<String>>,
    /// Why the clients are deactivated (`DEACTIVATE`), 1-500 characters.
    pub reason: Option<String>,
}

impl BulkClientOperation {
    fn into_service(self) -> Result<BulkOperation, AppError> {
        let missing = |field: &str| {
            AppError::bad_input(
                format!("operation.{field}"),
                format!("this operation needs `{field}`"),
            )
        };
        Ok(match self.kind {
            BulkClientOperationKind::SetStatus => {
                BulkOperation::SetStatus(self.status.ok_or_else(|| missing("status"))?)
            }
            BulkClientOperationKind::SetTier => {
                BulkOperation::SetTier(self.tier.ok_or_else(|| missing("tier"))?)
            }
            BulkClientOperationKind::AssignManager => BulkOperation::AssignManager(
                self.account_manager_id
                    .as_ref()
                    .map(|id| parse_id("operation.accountManagerId", id))
                    .transpose()?,
            ),
            BulkClientOperationKind::AddTags => {
                BulkOperation::AddTags(self.tags.ok_or_else(|| missing("tags"))?)
            }
            BulkClientOperationKind::Deactivate => BulkOperation::Deactivate {
                reason: self.reason.ok_or_else(|| missing("reason"))?,
            },
        })
    }
}

/// The outcome for one item: the client, or an error with its code.
#[derive(SimpleObject)]
pub struct BulkItemResult {
    /// Position of the item in the request.
    pub index: i32,
    /// The client's id (for updates, the id sent; for creations, the new id).
    pub id: Option<ID>,
    /// Whether this item was written.
    pub ok: bool,
    /// The client as written (when `ok`).
    pub client: Option<Client>,
    /// An `extensions.code` value when the item failed.
    pub code: Option<String>,
    /// Why the item was not written (when not `ok`).
    pub message: Option<String>,
    /// The offending input field, for validation errors.
    pub field: Option<String>,
}

/// Per-item outcomes of a bulk request.
#[derive(SimpleObject)]
pub struct BulkResult {
    /// One result per id, in the order given.
    pub results: Vec<BulkItemResult>,
    /// How many items were written.
    pub succeeded: i32,
    /// How many items were not written.
    pub failed: i32,
    /// True when nothing was written on purpose.
    pub dry_run: bool,
}

fn into_result(items: Vec<ItemResult>, dry_run: bool) -> BulkResult {
    let results: Vec<BulkItemResult> = items
        .into_iter()
        .map(|item| {
            let index = item.index as i32;
            match item.outcome {
                Ok(model) => BulkItemResult {
                    index,
                    id: Some(ID(model.id.to_string())),
                    ok: true,
                    client: Some(Client(model)),
                    code: None,
                    message: None,
                    field: None,
                },
                Err(err) => BulkItemResult {
                    index,
                    id: item.id.map(|id| ID(id.to_string())),
                    ok: false,
                    client: None,
                    code: Some(err.code().to_owned()),
                    message: Some(err.public_message()),
                    field: match &err {
                        AppError::BadUserInput { field, .. } => field.clone(),
                        _ => None,
                    },
                },
            }
        })
        .collect();
    let succeeded = results.iter().filter(|r| r.ok).count() as i32;
    BulkResult {
        failed: results.len() as i32 - succeeded,
        succeeded,
        results,
        dry_run,
    }
}

#[derive(Default)]
pub struct BulkMutations;

#[Object]
impl BulkMutations {
    /// Applies one operation to up to 50 clients, each on its own; reports a result or an
    /// error per id. With `dryRun` nothing is written but every check runs.
    /// Requires `clients:bulk`.
    #[graphql(guard = "require(Permission::ClientsBulk)")]
    async fn bulk_update_clients(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        operation: BulkClientOperation,
        #[graphql(desc = "Check and report without writing (default false).")] dry_run: Option<
            bool,
        >,
    ) -> Result<BulkResult> {
        let dry_run = dry_run.unwrap_or(false);
        let ids = ids
            .iter()
            .enumerate()
            .map(|(i, id)| parse_id(&format!("ids[{i}]"), id))
            .collect::<Result<Vec<_>, _>>()?;
        let cipher = ctx.data::<FieldCipher>()?;
        let items = bulk::bulk_update(
            context::db(ctx)?,
            context::scope(ctx)?,
            cipher,
            ids,
            operation.into_service()?,
            dry_run,
        )
        .await?;
        Ok(into_result(items, dry_run))
    }

    /// Creates up to 500 clients. With `atomic` (the default) nothing is written unless
    /// every item succeeds; otherwise each item stands alone. Requires `clients:bulk`.
    #[graphql(guard = "require(Permission::ClientsBulk)")]
    async fn bulk_create_clients(
        &self,
        ctx: &Context<'_>,
        inputs: Vec<CreateClientInput>,
        #[graphql(desc = "All or nothing (default true).")] atomic: Option<bool>,
    ) -> Result<BulkResult> {
        let atomic = atomic.unwrap_or(true);
        let inputs = inputs
            .into_iter()
            .map(CreateClientInput::into_service)
            .collect::<Result<Vec<_>, _>>()?;
        let cipher = ctx.data::<FieldCipher>()?;
        let items = bulk::bulk_create(
            context::db(ctx)?,
            context::scope(ctx)?,
            cipher,
            inputs,
            atomic,
        )
        .await?;
        Ok(into_result(items, false))
    }
}
