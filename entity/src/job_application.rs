//! `job_applications`: the candidate pipeline of a job, one row per candidate.

use sea_orm::entity::prelude::*;

use crate::enums::ApplicationStage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub job_id: Uuid,
    pub candidate_name: String,
    pub candidate_email: Option<String>,
    pub stage: ApplicationStage,
    pub quality_score: Option<i32>,
    pub applied_at: DateTimeUtc,
    pub stage_changed_at: DateTimeUtc,
    pub hired_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
