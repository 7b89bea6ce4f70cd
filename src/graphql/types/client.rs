//! The `Client` type: its fields, guarded billing fields, and every nested list (batched
//! through the request's loaders).

mod relations;
mod totals;

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entity::client;

use crate::auth::Permission;
use crate::crypto::FieldCipher;
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::TaxIdRevealLoader;
use crate::service::clients::{ClientStage, ClientStatus, ClientTier, write};

use relations::ClientRelations;
pub use relations::FeedbackFilterInput;
pub use totals::{ClientConnectionFields, ClientSummary, StatusCount};

/// A client (customer) company.
pub struct Client(pub client::Model);

fn major(cents: Option<i64>) -> Option<f64> {
    cents.map(|c| c as f64 / 100.0)
}

/// A client (customer) company.
#[Object]
impl Client {
    /// The client's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Generated, immutable, unique in the tenant (e.g. `CLT-2026-0042`).
    async fn client_code(&self) -> &str {
        &self.0.client_code
    }
    /// Optimistic-locking version; pass it as `expectedVersion` to `updateClient`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The display name, 2-200 characters; another live client with the same normalised
    /// name is a duplicate (CONFLICT).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The registered legal name, up to 200 characters.
    async fn legal_name(&self) -> Option<&str> {
        self.0.legal_name.as_deref()
    }
    /// The name the client trades under, up to 200 characters.
    async fn trading_name(&self) -> Option<&str> {
        self.0.trading_name.as_deref()
    }
    /// Up to 100 characters.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// An http(s) URL, up to 500 characters (a bare domain gets `https://`).
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// The client's general email address, up to 320 characters.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Active, inactive, on hold or archived.
    async fn status(&self) -> ClientStatus {
        self.0.status
    }
    /// Where the relationship stands (lead to churned).
    async fn stage(&self) -> Option<ClientStage> {
        self.0.stage
    }
    /// The service tier.
    async fn tier(&self) -> Option<ClientTier> {
        self.0.tier
    }
    /// Lower-case labels.
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.0.tags.clone()).unwrap_or_default()
    }
    /// Free-form JSON object; filterable by key with `ClientFilter.customFields`.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.custom_fields.clone())
    }
    /// The company registration number, up to 100 characters.
    async fn registration_number(&self) -> Option<&str> {
        self.0.registration_number.as_deref()
    }
    /// Tax id, decrypted for the caller; each reveal is audited. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn tax_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let cipher = ctx.data::<FieldCipher>()?;
        let Some(plain) = write::decrypt_tax_id(context::scope(ctx)?, cipher, &self.0)? else {
            return Ok(None);
        };
        // Audited before it is answered: the request's reveals are written together.
        context::loader::<TaxIdRevealLoader>(ctx)?
            .load_one(self.0.id)
            .await?;
        Ok(Some(plain))
    }
    /// The legal form (e.g. GmbH, LLC), up to 100 characters.
    async fn entity_type(&self) -> Option<&str> {
        self.0.entity_type.as_deref()
    }
    /// Headcount, 0 or more.
    async fn employee_count(&self) -> Option<i32> {
        self.0.employee_count
    }
    /// Annual revenue in `currency`. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn annual_revenue(&self) -> Option<f64> {
        major(self.0.annual_revenue_cents)
    }
    /// The day the company was founded.
    async fn founded_on(&self) -> Option<NaiveDate> {
        self.0.founded_on
    }
    /// ISO 4217 code of the billing figures.
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    /// Days until an invoice is due, 0-365.
    async fn payment_terms_days(&self) -> Option<i32> {
        self.0.payment_terms_days
    }
    /// Amount owed now. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn outstanding_balance(&self) -> Option<f64> {
        major(self.0.outstanding_balance_cents)
    }
    /// Revenue earned from the client so far. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn total_revenue(&self) -> Option<f64> {
        major(self.0.total_revenue_cents)
    }
    /// Agreed hourly rate. Requires `billing:read`.
    #[graphql(guard = "require(Permission::BillingRead)")]
    async fn hourly_rate(&self) -> Option<f64> {
        major(self.0.hourly_rate_cents)
    }
    /// The first day of the current contract.
    async fn contract_start(&self) -> Option<NaiveDate> {
        self.0.contract_start
    }
    /// The last day of the current contract (not before `contractStart`).
    async fn contract_end(&self) -> Option<NaiveDate> {
        self.0.contract_end
    }
    /// When the client was last deactivated; `null` while active.
    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deactivated_at
    }
    /// Why the client was deactivated.
    async fn deactivation_reason(&self) -> Option<&str> {
        self.0.deactivation_reason.as_deref()
    }
    /// Set while the client is soft-deleted (visible only to admins listing deleted
    /// clients).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// When the client was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the client last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The client's relations: people, records and figures, each batched across a page
    /// of clients (flattened: they are fields of `Client` itself).
    #[graphql(flatten)]
    async fn relations(&self) -> ClientRelations<'_> {
        ClientRelations(&self.0)
    }
}
