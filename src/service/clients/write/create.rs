//! Creating a client: validation of the whole input first, then one transaction for
//! the row, its code, addresses, tags and initial contacts.

use chrono::Utc;
use entity::{client, client_address};
use sea_orm::Set;
use uuid::Uuid;

use super::tax_id::{tax_context, validate_tax_id};
use super::{
    MAX_INITIAL_CONTACTS, NewClient, check_duplicates, check_references, draft_fields,
    replace_tags, write_draft,
};

use super::super::input::{AddressInput, ClientDraft};
use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::FieldChanges;
use crate::service::contacts::{self, ContactPatch};
use crate::service::kernel::{Patch, live_client};
use crate::service::store::Writer;

/// Creates a client (and its addresses) in one transaction.
pub async fn create(
    db: &Db,
    scope: &TenantScope,
    cipher: &FieldCipher,
    input: NewClient,
) -> AppResult<client::Model> {
    let prepared = prepare_new(scope, input)?;
    let cipher = cipher.clone();
    db.write(scope, move |t| {
        Box::pin(async move { create_in(t, &cipher, prepared).await })
    })
    .await
}

/// A validated [`NewClient`], ready to insert.
#[derive(Debug, Clone)]
pub struct PreparedClient {
    draft: ClientDraft,
    tax_id: Option<String>,
    addresses: Vec<AddressInput>,
    contacts: Vec<ContactPatch>,
}

/// Validates a new client without touching the database (bulk creation validates all
/// items before it writes any).
pub fn prepare_new(scope: &TenantScope, input: NewClient) -> AppResult<PreparedClient> {
    let billing = input.fields.billing_fields();
    if let Some(field) = billing.first() {
        scope.require(Permission::BillingRead, field)?;
    }
    let tax_id = match &input.fields.tax_id {
        Patch::Set(value) => Some(validate_tax_id(value)?),
        _ => None,
    };
    if input.fields.name.is_none() {
        return Err(AppError::bad_input("name", "name is required"));
    }
    let draft = ClientDraft::default().apply(input.fields)?;
    if input.addresses.len() > super::super::MAX_ADDRESSES {
        return Err(AppError::bad_input(
            "addresses",
            format!(
                "a client has at most {} addresses",
                super::super::MAX_ADDRESSES
            ),
        ));
    }
    let addresses = input
        .addresses
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.validated(i))
        .collect::<AppResult<Vec<_>>>()?;
    if addresses.iter().filter(|a| a.is_primary).count() > 1 {
        return Err(AppError::bad_input(
            "addresses",
            "at most one address may be primary",
        ));
    }
    if !input.contacts.is_empty() {
        scope.require(Permission::ContactsWrite, "contacts")?;
    }
    if input.contacts.len() > MAX_INITIAL_CONTACTS {
        return Err(AppError::bad_input(
            "contacts",
            format!("at most {MAX_INITIAL_CONTACTS} contacts with a new client"),
        ));
    }
    if input
        .contacts
        .iter()
        .filter(|c| c.is_primary == Some(true))
        .count()
        > 1
    {
        return Err(AppError::bad_input(
            "contacts",
            "at most one contact may be primary",
        ));
    }
    Ok(PreparedClient {
        draft,
        tax_id,
        addresses,
        contacts: input.contacts,
    })
}

/// Inserts a prepared client inside an existing transaction.
pub async fn create_in(
    t: Writer<'_>,
    cipher: &FieldCipher,
    prepared: PreparedClient,
) -> AppResult<client::Model> {
    let PreparedClient {
        draft,
        tax_id,
        addresses,
        contacts,
    } = prepared;
    check_references(t, None, &draft).await?;
    check_duplicates(t, None, &draft).await?;
    let id = Uuid::now_v7();
    let code = t.next_client_code().await?;
    let now = Utc::now();
    let mut model = client::ActiveModel {
        id: Set(id),
        client_code: Set(code.clone()),
        tax_id_encrypted: Set(tax_id
            .as_deref()
            .map(|plain| cipher.encrypt(plain, &tax_context(t.tenant_id(), id)))
            .transpose()?),
        deactivated_at: Set(None),
        deactivation_reason: Set(None),
        created_by: Set(t.scope().actor().id),
        updated_by: Set(t.scope().actor().id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        deleted_at: Set(None),
        ..Default::default()
    };
    write_draft(&mut model, &draft, &code);
    let created = t.insert(model).await?;
    replace_tags(t, id, &draft.tags).await?;
    for address in addresses {
        t.insert(client_address::ActiveModel {
            id: Set(Uuid::now_v7()),
            client_id: Set(id),
            kind: Set(address.kind),
            line1: Set(address.line1),
            line2: Set(address.line2),
            city: Set(address.city),
            state: Set(address.state),
            postal_code: Set(address.postal_code),
            country: Set(address.country),
            is_primary: Set(address.is_primary),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .await?;
    }
    let mut changes =
        FieldChanges::created(draft_fields(&draft)).initial("clientCode", &created.client_code);
    if tax_id.is_some() {
        changes = changes.secret("taxId");
    }
    t.record_of("client.created", &created, changes).await?;
    if contacts.is_empty() {
        return Ok(created);
    }
    for (i, contact) in contacts.into_iter().enumerate() {
        contacts::add_in(t, id, contact)
            .await
            .map_err(|e| e.within(&format!("contacts[{i}]")))?;
    }
    // Adding contacts refreshed the search text (and so the row): return it as stored.
    live_client(t, id).await
}
