//! `audit_events`: who changed what, written in the same transaction as the change.
//! Never updated or deleted through the API.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    /// Field name → `{ "from": …, "to": … }` (secrets: `{ "changed": true }`).
    pub changes: Json,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
