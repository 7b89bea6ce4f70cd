//! `clients`: the core aggregate. Money is stored in minor units (`*_cents`);
//! `tax_id_encrypted` holds `key-id:nonce:ciphertext` (never the plaintext);
//! `name_normalized` and `website_domain` serve duplicate detection and ordering;
//! `search_text` feeds the search index. `deleted_at` marks a soft delete.

use sea_orm::entity::prelude::*;

use crate::enums::{ClientStage, ClientStatus, ClientTier};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_code: String,
    pub name: String,
    pub name_normalized: String,
    pub legal_name: Option<String>,
    pub trading_name: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub website_domain: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: ClientStatus,
    pub stage: Option<ClientStage>,
    pub tier: Option<ClientTier>,
    pub account_manager_id: Option<Uuid>,
    pub parent_client_id: Option<Uuid>,
    pub tags: Json,
    pub custom_fields: Json,
    pub registration_number: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub tax_id_encrypted: Option<String>,
    pub entity_type: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_cents: Option<i64>,
    pub founded_on: Option<Date>,
    pub currency: Option<String>,
    pub payment_terms_days: Option<i32>,
    pub outstanding_balance_cents: Option<i64>,
    pub total_revenue_cents: Option<i64>,
    pub hourly_rate_cents: Option<i64>,
    pub contract_start: Option<Date>,
    pub contract_end: Option<Date>,
    pub deactivated_at: Option<DateTimeUtc>,
    pub deactivation_reason: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
    /// OPEN jobs actively linked to the client; kept in step by every link, unlink and
    /// job status change (so clients can be ordered by it).
    pub open_jobs_count: i32,
    /// The health score of the last analytics run (ordering only; `Client.healthScore`
    /// is computed live).
    pub health_score: Option<i16>,
    pub health_scored_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
