//! Changing clients: create (with addresses), update (optimistic locking, immutable code),
//! deactivate / reactivate, soft delete / restore, and the audited reveal of the tax id.
//!
//! Rules enforced here: duplicates within the tenant (normalised name, registration
//! number, website domain) are a CONFLICT naming the existing client's code; the account
//! manager must be an active user of the tenant; the parent must be a live client of the
//! tenant and may not create a cycle; writing billing fields needs `billing:read`.

mod create;
mod tax_id;
mod update;

use entity::{client, client_tag};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QuerySelect, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::input::{AddressInput, ClientDraft, ClientPatch, normalize_name, website_domain};
use crate::error::{AppError, AppResult};
use crate::service::change::Recorded;
use crate::service::contacts::ContactPatch;
use crate::service::kernel::search_text;
use crate::service::store::Writer;
use crate::service::users;

pub use create::{PreparedClient, create, create_in, prepare_new};
pub use tax_id::{audit_tax_id_reveals, decrypt_tax_id};
pub use update::{Lifecycle, change_lifecycle, lifecycle_in, update, update_in};

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
