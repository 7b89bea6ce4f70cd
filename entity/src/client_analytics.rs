//! `client_analytics`: the daily snapshot of a client's figures, one row per client per
//! day (unique), upserted by the analytics task.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "client_analytics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub date: Date,
    pub active_jobs_count: i32,
    pub total_candidates_count: i32,
    pub screened_count: i32,
    pub shortlisted_count: i32,
    pub interviewed_count: i32,
    pub hired_count: i32,
    pub avg_time_to_fill_days: Option<f64>,
    pub avg_candidate_quality_score: Option<f64>,
    /// The client's total revenue on that day, in cents.
    pub revenue_generated: Option<i64>,
    pub health_score: i16,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
