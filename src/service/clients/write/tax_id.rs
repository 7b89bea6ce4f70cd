//! The tax id: stored encrypted and bound to its row, revealed only to `billing:read`,
//! every reveal audited.

use entity::client;

use serde_json::Value;
use uuid::Uuid;

use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::{Change, FieldChanges};
use crate::service::validate;

/// The tax id is bound to its row: tenant and client id are the associated data.
pub(super) fn tax_context(tenant_id: Uuid, client_id: Uuid) -> Vec<u8> {
    format!("clients.tax_id:{tenant_id}:{client_id}").into_bytes()
}

pub(super) fn validate_tax_id(tax_id: &str) -> AppResult<String> {
    let tax_id = validate::text("taxId", tax_id, 2, 50)?;
    if tax_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -./".contains(c))
    {
        Ok(tax_id)
    } else {
        Err(AppError::bad_input(
            "taxId",
            "taxId may hold letters, digits, spaces and - . /",
        ))
    }
}

/// Decrypts a client's tax id for a caller with `billing:read`. Every reveal must be
/// audited: the caller records it with [`audit_tax_id_reveals`] before answering.
pub fn decrypt_tax_id(
    scope: &TenantScope,
    cipher: &FieldCipher,
    client: &client::Model,
) -> AppResult<Option<String>> {
    scope.require(Permission::BillingRead, "taxId")?;
    let Some(stored) = client.tax_id_encrypted.as_deref() else {
        return Ok(None);
    };
    Ok(Some(cipher.decrypt(
        stored,
        &tax_context(client.tenant_id, client.id),
    )?))
}

/// Records that the caller saw the tax ids of `client_ids`: one audit event each, all in
/// one write, so a page of clients costs one statement rather than a transaction each.
pub async fn audit_tax_id_reveals(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
) -> AppResult<()> {
    let changes = client_ids
        .iter()
        .map(|id| Change {
            action: "client.tax_id_revealed",
            entity_type: "client",
            entity_id: Some(*id),
            changes: FieldChanges::new(),
            payload: Value::Null,
        })
        .collect();
    db.write(scope, move |t| {
        Box::pin(async move { t.audit_all(changes).await })
    })
    .await
}
