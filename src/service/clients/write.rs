//! Changing clients: create (with addresses), update (optimistic locking, immutable code),
//! deactivate / reactivate, soft delete / restore, and the audited reveal of the tax id.
//!
//! Rules enforced here: duplicates within the tenant (normalised name, registration
//! number, website domain) are a CONFLICT naming the existing client's code; the account
//! manager must be an active user of the tenant; the parent must be a live client of the
//! tenant and may not create a cycle; writing billing fields needs `billing:read`.

use chrono::Utc;
use entity::{client, client_address, client_tag};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QuerySelect, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::input::{AddressInput, ClientDraft, ClientPatch, normalize_name, website_domain};
use super::kinds::ClientStatus;
use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::{self, Change, FieldChanges, Recorded};
use crate::service::contacts::{self, ContactPatch};
use crate::service::kernel::search_text;
use crate::service::kernel::{Patch, live_client, locked_live_client};
use crate::service::store::Writer;
use crate::service::{users, validate};

/// How deep a parent chain may go (also bounds the cycle check).
const MAX_HIERARCHY_DEPTH: usize = 50;

/// A client to create.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub fields: ClientPatch,
    pub addresses: Vec<AddressInput>,
    /// Initial contacts, added in the same transaction.
    pub contacts: Vec<ContactPatch>,
}

/// Most contacts given with a new client.
const MAX_INITIAL_CONTACTS: usize = 50;

/// The tax id is bound to its row: tenant and client id are the associated data.
fn tax_context(tenant_id: Uuid, client_id: Uuid) -> Vec<u8> {
    format!("clients.tax_id:{tenant_id}:{client_id}").into_bytes()
}

fn validate_tax_id(tax_id: &str) -> AppResult<String> {
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

/// The client's own part of its search text (see [`search_text`]).
fn own_search_text(draft: &ClientDraft, code: &str) -> String {
    search_text::own_text(
        &draft.name,
        [
            draft.legal_name.as_deref(),
            draft.trading_name.as_deref(),
            Some(code),
            draft.industry.as_deref(),
        ],
    )
}

/// Fields of a draft as JSON, for audit diffs and event payloads.
fn draft_fields(d: &ClientDraft) -> Vec<(&'static str, Value)> {
    vec![
        ("name", json!(d.name)),
        ("legalName", json!(d.legal_name)),
        ("tradingName", json!(d.trading_name)),
        ("industry", json!(d.industry)),
        ("website", json!(d.website)),
        ("email", json!(d.email)),
        ("phone", json!(d.phone)),
        ("status", json!(d.status().as_str())),
        ("stage", json!(d.stage.map(|s| s.as_str()))),
        ("tier", json!(d.tier.map(|t| t.as_str()))),
        ("accountManagerId", json!(d.account_manager_id)),
        ("parentClientId", json!(d.parent_client_id)),
        ("tags", json!(d.tags)),
        ("customFields", Value::Object(d.custom_fields.clone())),
        ("registrationNumber", json!(d.registration_number)),
        ("entityType", json!(d.entity_type)),
        ("employeeCount", json!(d.employee_count)),
        ("annualRevenueCents", json!(d.annual_revenue_cents)),
        ("foundedOn", json!(d.founded_on)),
        ("currency", json!(d.currency)),
        ("paymentTermsDays", json!(d.payment_terms_days)),
        (
            "outstandingBalanceCents",
            json!(d.outstanding_balance_cents),
        ),
        ("totalRevenueCents", json!(d.total_revenue_cents)),
        ("hourlyRateCents", json!(d.hourly_rate_cents)),
        ("contractStart", json!(d.contract_start)),
        ("contractEnd", json!(d.contract_end)),
    ]
}

/// The event payload of a client: identifying fields only (billing figures and the tax
/// id stay out of events, which reach webhooks).
fn event_payload(m: &client::Model) -> Value {
    json!({ "id": m.id, "clientCode": m.client_code, "name": m.name, "status": m.status, "version": m.version })
}

impl Recorded for client::Model {
    const ENTITY: &'static str = "client";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        event_payload(self)
    }
}

fn write_draft(model: &mut client::ActiveModel, d: &ClientDraft, code: &str) {
    model.name = Set(d.name.clone());
    model.name_normalized = Set(normalize_name(&d.name));
    model.legal_name = Set(d.legal_name.clone());
    model.trading_name = Set(d.trading_name.clone());
    model.industry = Set(d.industry.clone());
    model.website = Set(d.website.clone());
    model.website_domain = Set(d.website.as_deref().and_then(website_domain));
    model.email = Set(d.email.clone());
    model.phone = Set(d.phone.clone());
    model.status = Set(d.status());
    model.stage = Set(d.stage);
    model.tier = Set(d.tier);
    model.account_manager_id = Set(d.account_manager_id);
    model.parent_client_id = Set(d.parent_client_id);
    model.tags = Set(json!(d.tags));
    model.custom_fields = Set(Value::Object(d.custom_fields.clone()));
    model.registration_number = Set(d.registration_number.clone());
    model.entity_type = Set(d.entity_type.clone());
    model.employee_count = Set(d.employee_count);
    model.annual_revenue_cents = Set(d.annual_revenue_cents);
    model.founded_on = Set(d.founded_on);
    model.currency = Set(d.currency.clone());
    model.payment_terms_days = Set(d.payment_terms_days);
    model.outstanding_balance_cents = Set(d.outstanding_balance_cents);
    model.total_revenue_cents = Set(d.total_revenue_cents);
    model.hourly_rate_cents = Set(d.hourly_rate_cents);
    model.contract_start = Set(d.contract_start);
    model.contract_end = Set(d.contract_end);
    model.search_text = Set(own_search_text(d, code));
}

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
    if input.addresses.len() > super::MAX_ADDRESSES {
        return Err(AppError::bad_input(
            "addresses",
            format!("a client has at most {} addresses", super::MAX_ADDRESSES),
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

async fn replace_tags(t: Writer<'_>, client_id: Uuid, tags: &[String]) -> AppResult<()> {
    t.delete_many::<client_tag::Entity>()
        .filter(client_tag::Column::ClientId.eq(client_id))
        .exec(t.conn())
        .await?;
    t.insert_many(
        tags.iter()
            .map(|tag| client_tag::ActiveModel {
                client_id: Set(client_id),
                tag: Set(tag.clone()),
                ..Default::default()
            })
            .collect(),
    )
    .await
}

/// The account manager must be an active user, the parent a live client, both of this
/// tenant (another tenant's id is NOT_FOUND); a parent may not lead back to the client.
async fn check_references(
    t: Writer<'_>,
    current: Option<&client::Model>,
    draft: &ClientDraft,
) -> AppResult<()> {
    if let Some(manager) = draft.account_manager_id
        && current.is_none_or(|c| c.account_manager_id != Some(manager))
    {
        let user = users::get_in(t, manager)
            .await
            .map_err(|e| e.not_found_as("account manager"))?;
        if !user.is_active {
            return Err(AppError::bad_input(
                "accountManagerId",
                "the account manager is deactivated",
            ));
        }
    }
    let Some(parent) = draft.parent_client_id else {
        return Ok(());
    };
    if current.is_some_and(|c| c.parent_client_id == Some(parent)) {
        return Ok(());
    }
    let self_id = current.map(|c| c.id);
    let mut next = Some(parent);
    for _ in 0..MAX_HIERARCHY_DEPTH {
        let Some(id) = next else {
            return Ok(());
        };
        if Some(id) == self_id {
            return Err(AppError::bad_input(
                "parentClientId",
                "a client cannot be its own ancestor",
            ));
        }
        let ancestor = t
            .by_id::<client::Entity>(id)
            .filter(client::Column::DeletedAt.is_null())
            .one(t.conn())
            .await?
            .ok_or(AppError::NotFound("parent client"))?;
        next = ancestor.parent_client_id;
    }
    Err(AppError::bad_input(
        "parentClientId",
        format!("client hierarchies are at most {MAX_HIERARCHY_DEPTH} deep"),
    ))
}

/// CONFLICT when another live client of the tenant has the same normalised name,
/// registration number or website domain.
async fn check_duplicates(
    t: Writer<'_>,
    self_id: Option<Uuid>,
    draft: &ClientDraft,
) -> AppResult<()> {
    let name = normalize_name(&draft.name);
    let domain = draft.website.as_deref().and_then(website_domain);
    let mut any = Condition::any().add(client::Column::NameNormalized.eq(&name));
    if let Some(number) = &draft.registration_number {
        any = any.add(client::Column::RegistrationNumber.eq(number));
    }
    if let Some(domain) = &domain {
        any = any.add(client::Column::WebsiteDomain.eq(domain));
    }
    let mut query = t
        .select::<client::Entity>()
        .filter(client::Column::DeletedAt.is_null())
        .filter(any);
    if let Some(id) = self_id {
        query = query.filter(client::Column::Id.ne(id));
    }
    let Some(existing) = query.limit(1).one(t.conn()).await? else {
        return Ok(());
    };
    let reason = if existing.name_normalized == name {
        "the same name"
    } else if existing.registration_number.is_some()
        && existing.registration_number == draft.registration_number
    {
        "the same registration number"
    } else {
        "the same website domain"
    };
    Err(AppError::Conflict(format!(
        "client {} ({}) already has {reason}",
        existing.client_code, existing.name
    )))
}
