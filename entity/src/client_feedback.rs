//! `client_feedback`: a client's ratings (each 1-5, CHECK-constrained) for a period.
//! Finalized rows are immutable.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_feedback")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    /// `2026-Q3` or `2026-07`.
    pub period: String,
    pub feedback_on: Date,
    pub responsiveness_rating: i16,
    pub communication_rating: i16,
    pub requirements_clarity_rating: i16,
    pub decision_speed_rating: i16,
    pub overall_satisfaction: i16,
    pub written_feedback: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub is_finalized: bool,
    pub finalized_by: Option<Uuid>,
    pub finalized_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
