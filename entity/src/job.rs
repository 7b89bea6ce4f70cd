//! `jobs`: recruiting jobs. Status moves along the allowed transitions only (see the
//! service); `opened_at`, `filled_at` and `closed_at` record when it got there.

use sea_orm::entity::prelude::*;

use crate::enums::{EmploymentType, JobStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub title: String,
    pub department: Option<String>,
    pub location: Option<String>,
    pub employment_type: EmploymentType,
    pub status: JobStatus,
    pub openings: i32,
    pub opened_at: Option<DateTimeUtc>,
    pub filled_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
