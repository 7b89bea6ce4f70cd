//! Changing clients: create (with addresses), update under optimistic locking, deactivate
//! and reactivate, delete and restore.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result};
use chrono::NaiveDate;

use super::contacts::ContactInput;
use super::patch;
use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::error::AppError;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Client;
use crate::service::clients::write::{self, Lifecycle, NewClient};
use crate::service::clients::{
    AddressInput, AddressKind, ClientPatch, ClientStage, ClientStatus, ClientTier,
};
use crate::service::kernel::Patch;

/// A postal address.
#[derive(InputObject)]
pub struct ClientAddressInput {
    /// What the address is for.
    pub kind: AddressKind,
    /// Street and number, 1-200 characters.
    pub line1: String,
    /// Building, floor or suite; up to 200 characters.
    pub line2: Option<String>,
    /// 1-100 characters.
    pub city: String,
    /// State, province or region; up to 100 characters.
    pub state: Option<String>,
    /// Up to 20 characters.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
    /// Makes this the client's main address (default `false`).
    #[graphql(default)]
    pub is_primary: bool,
}

/// A new client. Billing figures and `taxId` need `billing:read`.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// 2-200 characters; unique (normalised) within the tenant.
    pub name: String,
    /// The registered legal name, up to 200 characters.
    pub legal_name: Option<String>,
    /// The name the client trades under, up to 200 characters.
    pub trading_name: Option<String>,
    /// Up to 100 characters.
    pub industry: Option<String>,
    /// http(s) URL; its domain must be unique within the tenant.
    pub website: Option<String>,
    /// The client's general email address, up to 320 characters.
    pub email: Option<String>,
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    pub phone: Option<String>,
    /// Defaults to ACTIVE.
    pub status: Option<ClientStatus>,
    /// Where the relationship stands (lead to churned).
    pub stage: Option<ClientStage>,
    /// The service tier.
    pub tier: Option<ClientTier>,
    /// The active user of the tenant who manages the client.
    pub account_manager_id: Option<ID>,
    /// The live client this one is a subsidiary of (no cycles).
    pub parent_client_id: Option<ID>,
    /// Labels, at most 50 of 1-64 characters; trimmed, lower-cased and de-duplicated.
    pub tags: Option<Vec<String>>,
    /// A JSON object.
    pub custom_fields: Option<Json<serde_json::Value>>,
    /// Unique within the tenant.
    pub registration_number: Option<String>,
    /// Stored encrypted.
    pub tax_id: Option<String>,
    /// The legal form (e.g. GmbH, LLC), up to 100 characters.
    pub entity_type: Option<String>,
    /// Headcount, 0 or more.
    pub employee_count: Option<i32>,
    /// Major units, 0 to 10^13. Requires `billing:read`.
    pub annual_revenue: Option<f64>,
    /// The day the company was founded.
    pub founded_on: Option<NaiveDate>,
    /// ISO 4217, e.g. `EUR`.
    pub currency: Option<String>,
    /// Days until an invoice is due, 0-365.
    pub payment_terms_days: Option<i32>,
    /// What the client owes, major units, 0 to 10^13. Requires `billing:read`.
    pub outstanding_balance: Option<f64>,
    /// Revenue from the client so far, major units, 0 to 10^13. Requires `billing:read`.
    pub total_revenue: Option<f64>,
    /// The agreed hourly rate, major units, 0 to 10^13. Requires `billing:read`.
    pub hourly_rate: Option<f64>,
    /// The first day of the current contract.
    pub contract_start: Option<NaiveDate>,
    /// The last day of the current contract (not before `contractStart`).
    pub contract_end: Option<NaiveDate>,
    /// Postal addresses, at most 20 (at most one primary).
    pub addresses: Option<Vec<ClientAddressInput>>,
    /// Initial contacts (at most 50, at most one primary), added in the same
    /// transaction: if one is invalid, nothing is created. Needs `contacts:write`.
    pub contacts: Option<Vec<ContactInput>>,
}

/// Changes to a client: omitted fields stay, `null` clears. `clientCode` is immutable.
#[derive(InputObject)]
pub struct UpdateClientInput {
    /// The display name, 2-200 characters; another live client with the same normalised
    /// name is a duplicate (CONFLICT).
    pub name: Option<String>,
    /// The registered legal name, up to 200 characters.
    pub legal_name: MaybeUndefined<String>,
    /// The name the client trades under, up to 200 characters.
    pub trading_name: MaybeUndefined<String>,
    /// Up to 100 characters.
    pub industry: MaybeUndefined<String>,
    /// An http(s) URL, up to 500 characters (a bare domain gets `https://`).
    pub website: MaybeUndefined<String>,
    /// The client's general email address, up to 320 characters.
    pub email: MaybeUndefined<String>,
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    pub phone: MaybeUndefined<String>,
    /// Active, inactive, on hold or archived.
    pub status: Option<ClientStatus>,
    /// Where the relationship stands (lead to churned).
    pub stage: MaybeUndefined<ClientStage>,
    /// The service tier.
    pub tier: MaybeUndefined<ClientTier>,
    /// The active user of the tenant who manages the client.
    pub account_manager_id: MaybeUndefined<ID>,
    /// The live client this one is a subsidiary of (no cycles).
    pub parent_client_id: MaybeUndefined<ID>,
    /// Labels, at most 50 of 1-64 characters; trimmed, lower-cased and de-duplicated.
    pub tags: Option<Vec<String>>,
    /// Tenant-defined values: an object of at most 50 keys (1-64 of `A-Z a-z 0-9 _ -`) and
    /// 8 KB; replaces the current object.
    pub custom_fields: Option<Json<serde_json::Value>>,
    /// The company registration number, up to 100 characters.
    pub registration_number: MaybeUndefined<String>,
    /// The tax id, 2-50 characters; stored encrypted. Requires `billing:read`.
    pub tax_id: MaybeUndefined<String>,
    /// The legal form (e.g. GmbH, LLC), up to 100 characters.
    pub entity_type: MaybeUndefined<String>,
    /// Headcount, 0 or more.
    pub employee_count: MaybeUndefined<i32>,
    /// Major units, 0 to 10^13. Requires `billing:read`.
    pub annual_revenue: MaybeUndefined<f64>,
    /// The day the company was founded.
    pub founded_on: MaybeUndefined<NaiveDate>,
    /// The billing currency, an ISO 4217 code such as EUR. Requires `billing:read`.
    pub currency: MaybeUndefined<String>,
    /// Days until an invoice is due, 0-365.
    pub payment_terms_days: MaybeUndefined<i32>,
    /// What the client owes, major units, 0 to 10^13. Requires `billing:read`.
    pub outstanding_balance: MaybeUndefined<f64>,
    /// Revenue from the client so far, major units, 0 to 10^13. Requires `billing:read`.
    pub total_revenue: MaybeUndefined<f64>,
    /// The agreed hourly rate, major units, 0 to 10^13. Requires `billing:read`.
    pub hourly_rate: MaybeUndefined<f64>,
    /// The first day of the current contract.
    pub contract_start: MaybeUndefined<NaiveDate>,
    /// The last day of the current contract (not before `contractStart`).
    pub contract_end: MaybeUndefined<NaiveDate>,
}

fn id_patch(field: &str, value: MaybeUndefined<ID>) -> Result<Patch<uuid::Uuid>, AppError> {
    Ok(match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(id) => Patch::Set(parse_id(field, &id)?),
    })
}

fn optional_id(field: &str, value: Option<ID>) -> Result<Patch<uuid::Uuid>, AppError> {
    Ok(value.map(|id| parse_id(field, &id)).transpose()?.into())
}

impl CreateClientInput {
    pub(super) fn into_service(self) -> Result<NewClient, AppError> {
        let fields = ClientPatch {
            name: Some(self.name),
            legal_name: self.legal_name.into(),
            trading_name: self.trading_name.into(),
            industry: self.industry.into(),
            website: self.website.into(),
            email: self.email.into(),
            phone: self.phone.into(),
            status: self.status,
            stage: self.stage.into(),
            tier: self.tier.into(),
            account_manager_id: optional_id("accountManagerId", self.account_manager_id)?,
            parent_client_id: optional_id("parentClientId", self.parent_client_id)?,
            tags: self.tags,
            custom_fields: self.custom_fields.map(|j| j.0),
            registration_number: self.registration_number.into(),
            tax_id: self.tax_id.into(),
            entity_type: self.entity_type.into(),
            employee_count: self.employee_count.into(),
            annual_revenue: self.annual_revenue.into(),
            founded_on: self.founded_on.into(),
            currency: self.currency.into(),
            payment_terms_days: self.payment_terms_days.into(),
            outstanding_balance: self.outstanding_balance.into(),
            total_revenue: self.total_revenue.into(),
            hourly_rate: self.hourly_rate.into(),
            contract_start: self.contract_start.into(),
            contract_end: self.contract_end.into(),
        };
        let addresses = self
            .addresses
            .unwrap_or_default()
            .into_iter()
            .map(|a| AddressInput {
                kind: a.kind,
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                state: a.state,
                postal_code: a.postal_code,
                country: a.country,
                is_primary: a.is_primary,
            })
            .collect();
        let contacts = self
            .contacts
            .unwrap_or_default()
            .into_iter()
            .map(crate::service::contacts::ContactPatch::from)
            .collect();
        Ok(NewClient {
            fields,
            addresses,
            contacts,
        })
    }
}

impl UpdateClientInput {
    fn into_service(self) -> Result<ClientPatch, AppError> {
        Ok(ClientPatch {
            name: self.name,
            legal_name: patch(self.legal_name),
            trading_name: patch(self.trading_name),
            industry: patch(self.industry),
            website: patch(self.website),
            email: patch(self.email),
            phone: patch(self.phone),
            status: self.status,
            stage: patch(self.stage),
            tier: patch(self.tier),
            account_manager_id: id_patch("accountManagerId", self.account_manager_id)?,
            parent_client_id: id_patch("parentClientId", self.parent_client_id)?,
            tags: self.tags,
            custom_fields: self.custom_fields.map(|j| j.0),
            registration_number: patch(self.registration_number),
            tax_id: patch(self.tax_id),
            entity_type: patch(self.entity_type),
            employee_count: patch(self.employee_count),
            annual_revenue: patch(self.annual_revenue),
            founded_on: patch(self.founded_on),
            currency: patch(self.currency),
            payment_terms_days: patch(self.payment_terms_days),
            outstanding_balance: patch(self.outstanding_balance),
            total_revenue: patch(self.total_revenue),
            hourly_rate: patch(self.hourly_rate),
            contract_start: patch(self.contract_start),
            contract_end: patch(self.contract_end),
        })
    }
}

async fn lifecycle(ctx: &Context<'_>, id: ID, step: Lifecycle) -> Result<Client> {
    let id = parse_id("id", &id)?;
    Ok(Client(
        write::change_lifecycle(context::db(ctx)?, context::scope(ctx)?, id, step).await?,
    ))
}

#[derive(Default)]
pub struct ClientMutations;

#[Object]
impl ClientMutations {
    /// Creates a client with its addresses; its `clientCode` is generated. A client of
    /// the tenant with the same name, registration number or website domain is a
    /// CONFLICT naming it. Requires `clients:create`.
    #[graphql(guard = "require(Permission::ClientsCreate)")]
    async fn create_client(&self, ctx: &Context<'_>, input: CreateClientInput) -> Result<Client> {
        let cipher = ctx.data::<FieldCipher>()?;
        let created = write::create(
            context::db(ctx)?,
            context::scope(ctx)?,
            cipher,
            input.into_service()?,
        )
        .await?;
        Ok(Client(created))
    }

    /// Changes a client if it is still at `expectedVersion` (CONFLICT otherwise).
    /// Requires `clients:update`.
    #[graphql(guard = "require(Permission::ClientsUpdate)")]
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateClientInput,
        expected_version: i32,
    ) -> Result<Client> {
        let id = parse_id("id", &id)?;
        let cipher = ctx.data::<FieldCipher>()?;
        let updated = write::update(
            context::db(ctx)?,
            context::scope(ctx)?,
            cipher,
            id,
            input.into_service()?,
            expected_version,
        )
        .await?;
        Ok(Client(updated))
    }

    /// Sets a client INACTIVE with a reason; linked jobs stay linked.
    /// Requires `clients:deactivate`.
    #[graphql(guard = "require(Permission::ClientsDeactivate)")]
    async fn deactivate_client(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Client> {
        lifecycle(ctx, id, Lifecycle::Deactivate { reason }).await
    }

    /// Sets an INACTIVE client ACTIVE again. Requires `clients:deactivate`.
    #[graphql(guard = "require(Permission::ClientsDeactivate)")]
    async fn reactivate_client(&self, ctx: &Context<'_>, id: ID) -> Result<Client> {
        lifecycle(ctx, id, Lifecycle::Reactivate).await
    }

    /// Soft-deletes a client: hidden from every read until restored.
    /// Requires `clients:delete`.
    #[graphql(guard = "require(Permission::ClientsDelete)")]
    async fn delete_client(&self, ctx: &Context<'_>, id: ID) -> Result<Client> {
        lifecycle(ctx, id, Lifecycle::Delete).await
    }

    /// Brings a soft-deleted client back. Requires `clients:delete`.
    #[graphql(guard = "require(Permission::ClientsDelete)")]
    async fn restore_client(&self, ctx: &Context<'_>, id: ID) -> Result<Client> {
        lifecycle(ctx, id, Lifecycle::Restore).await
    }
}
