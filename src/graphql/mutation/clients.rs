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
    pub kind: AddressKind,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
    #[graphql(default)]
    pub is_primary: bool,
}

/// A new client. Billing figures and `taxId` need `billing:read`.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// 2-200 characters; unique (normalised) within the tenant.
    pub name: String,
    pub legal_name: Option<String>,
    pub trading_name: Option<String>,
    pub industry: Option<String>,
    /// http(s) URL; its domain must be unique within the tenant.
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Defaults to ACTIVE.
    pub status: Option<ClientStatus>,
    pub stage: Option<ClientStage>,
    pub tier: Option<ClientTier>,
    pub account_manager_id: Option<ID>,
    pub parent_client_id: Option<ID>,
    pub tags: Option<Vec<String>>,
    /// A JSON object.
    pub custom_fields: Option<Json<serde_json::Value>>,
    /// Unique within the tenant.
    pub registration_number: Option<String>,
    /// Stored encrypted.
    pub tax_id: Option<String>,
    pub entity_type: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue: Option<f64>,
    pub founded_on: Option<NaiveDate>,
    /// ISO 4217, e.g. `EUR`.
    pub currency: Option<String>,
    pub payment_terms_days: Option<i32>,
    pub outstanding_balance: Option<f64>,
    pub total_revenue: Option<f64>,
    pub hourly_rate: Option<f64>,
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
    pub addresses: Option<Vec<ClientAddressInput>>,
    /// Initial contacts (at most 50, at most one primary), added in the same
    /// transaction: if one is invalid, nothing is created. Needs `contacts:write`.
    pub contacts: Option<Vec<ContactInput>>,
}

/// Changes to a client: omitted fields stay, `null` clears. `clientCode` is immutable.
#[derive(InputObject)]
pub struct UpdateClientInput {
    pub name: Option<String>,
    pub legal_name: MaybeUndefined<String>,
    pub trading_name: MaybeUndefined<String>,
    pub industry: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub status: Option<ClientStatus>,
    pub stage: MaybeUndefined<ClientStage>,
    pub tier: MaybeUndefined<ClientTier>,
    pub account_manager_id: MaybeUndefined<ID>,
    pub parent_client_id: MaybeUndefined<ID>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<Json<serde_json::Value>>,
    pub registration_number: MaybeUndefined<String>,
    pub tax_id: MaybeUndefined<String>,
    pub entity_type: MaybeUndefined<String>,
    pub employee_count: MaybeUndefined<i32>,
    pub annual_revenue: MaybeUndefined<f64>,
    pub founded_on: MaybeUndefined<NaiveDate>,
    pub currency: MaybeUndefined<String>,
    pub payment_terms_days: MaybeUndefined<i32>,
    pub outstanding_balance: MaybeUndefined<f64>,
    pub total_revenue: MaybeUndefined<f64>,
    pub hourly_rate: MaybeUndefined<f64>,
    pub contract_start: MaybeUndefined<NaiveDate>,
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
