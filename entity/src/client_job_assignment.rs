//! `client_job_assignments`: which client a job is for. At most one active row per job
//! (partial unique index); unlinking keeps the row with who and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_job_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub job_id: Uuid,
    pub assigned_by: Option<Uuid>,
    pub assigned_at: DateTimeUtc,
    pub unassigned_at: Option<DateTimeUtc>,
    pub unassigned_by: Option<Uuid>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
