//! Jobs (recruiting), their links to clients, and the candidate pipeline.
//!
//! A job has at most one active client: a partial unique index on
//! `client_job_assignments (tenant_id, job_id) WHERE is_active` holds that even against
//! concurrent linkers. Unlinking keeps the row (`is_active = false`, who and when), so
//! `(client_id, job_id)` is unique and relinking reactivates the same row.

use sea_orm_migration::prelude::*;

use crate::m20261122_000003_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Jobs {
    Table,
    Id,
    TenantId,
    Title,
    Department,
    Location,
    EmploymentType,
    Status,
    Openings,
    OpenedAt,
    FilledAt,
    ClosedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClientJobAssignments {
    Table,
    Id,
    TenantId,
    ClientId,
    JobId,
    AssignedBy,
    AssignedAt,
    UnassignedAt,
    UnassignedBy,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobApplications {
    Table,
    Id,
    TenantId,
    JobId,
    CandidateName,
    CandidateEmail,
    Stage,
    QualityScore,
    AppliedAt,
    StageChangedAt,
    HiredAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

fn at<C: IntoIden>(c: C, required: bool) -> ColumnDef {
    let mut def = ColumnDef::new(c);
    def.timestamp_with_time_zone();
    if required {
        def.not_null();
    } else {
        def.null();
    }
    def
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Jobs as J;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(ColumnDef::new(J::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(J::TenantId).uuid().not_null())
                    .col(ColumnDef::new(J::Title).string_len(200).not_null())
                    .col(ColumnDef::new(J::Department).string_len(100).null())
                    .col(ColumnDef::new(J::Location).string_len(200).null())
                    .col(ColumnDef::new(J::EmploymentType).string_len(12).not_null())
                    .col(ColumnDef::new(J::Status).string_len(10).not_null())
                    .col(
                        ColumnDef::new(J::Openings)
                            .integer()
                            .not_null()
                            .default(1)
                            .check(Expr::col(J::Openings).between(1, 1000)),
                    )
                    .col(at(J::OpenedAt, false))
                    .col(at(J::FilledAt, false))
                    .col(at(J::ClosedAt, false))
                    .col(ColumnDef::new(J::CreatedBy).uuid().null())
                    .col(at(J::CreatedAt, true))
                    .col(at(J::UpdatedAt, true))
                    .col(ColumnDef::new(J::Version).integer().not_null().default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_tenant_status")
                    .table(J::Table)
                    .col(J::TenantId)
                    .col(J::Status)
                    .col(J::Id)
                    .to_owned(),
            )
            .await?;

        use ClientJobAssignments as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(A::TenantId).uuid().not_null())
                    .col(ColumnDef::new(A::ClientId).uuid().not_null())
                    .col(ColumnDef::new(A::JobId).uuid().not_null())
                    .col(ColumnDef::new(A::AssignedBy).uuid().null())
                    .col(at(A::AssignedAt, true))
                    .col(at(A::UnassignedAt, false))
                    .col(ColumnDef::new(A::UnassignedBy).uuid().null())
                    .col(ColumnDef::new(A::IsActive).boolean().not_null())
                    .col(at(A::CreatedAt, true))
                    .col(at(A::UpdatedAt, true))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_job_assignments_client")
                            .from(A::Table, A::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_job_assignments_job")
                            .from(A::Table, A::JobId)
                            .to(J::Table, J::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_client_job_assignments_pair")
                    .table(A::Table)
                    .col(A::TenantId)
                    .col(A::ClientId)
                    .col(A::JobId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_client_job_assignments_active_job ON client_job_assignments \
             (tenant_id, job_id) WHERE is_active",
        )
        .await?;

        use JobApplications as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(ColumnDef::new(P::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(P::TenantId).uuid().not_null())
                    .col(ColumnDef::new(P::JobId).uuid().not_null())
                    .col(ColumnDef::new(P::CandidateName).string_len(200).not_null())
                    .col(ColumnDef::new(P::CandidateEmail).string_len(320).null())
                    .col(ColumnDef::new(P::Stage).string_len(12).not_null())
                    .col(
                        ColumnDef::new(P::QualityScore)
                            .integer()
                            .null()
                            .check(Expr::col(P::QualityScore).between(0, 100)),
                    )
                    .col(at(P::AppliedAt, true))
                    .col(at(P::StageChangedAt, true))
                    .col(at(P::HiredAt, false))
                    .col(at(P::CreatedAt, true))
                    .col(at(P::UpdatedAt, true))
                    .col(ColumnDef::new(P::Version).integer().not_null().default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_applications_job")
                            .from(P::Table, P::JobId)
                            .to(J::Table, J::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_applications_tenant_job_stage")
                    .table(P::Table)
                    .col(P::TenantId)
                    .col(P::JobId)
                    .col(P::Stage)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobApplications::Table.into_iden(),
            ClientJobAssignments::Table.into_iden(),
            Jobs::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
