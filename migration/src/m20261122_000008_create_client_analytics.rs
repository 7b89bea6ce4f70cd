//! Client insights: the daily `client_analytics` snapshot (one row per client per day,
//! unique, so concurrent runs upsert instead of duplicating), and two figures kept on
//! the client row so clients can be ordered by them with an index:
//! `open_jobs_count` (maintained in the transaction of every link, unlink and job
//! status change) and `health_score` (the snapshot of the last analytics run).

use sea_orm_migration::prelude::*;

use crate::m20261122_000003_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ClientAnalytics {
    Table,
    Id,
    TenantId,
    ClientId,
    Date,
    ActiveJobsCount,
    TotalCandidatesCount,
    ScreenedCount,
    ShortlistedCount,
    InterviewedCount,
    HiredCount,
    AvgTimeToFillDays,
    AvgCandidateQualityScore,
    RevenueGenerated,
    HealthScore,
    ComputedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum NewClientColumns {
    OpenJobsCount,
    HealthScore,
    HealthScoredAt,
}

fn count(c: ClientAnalytics) -> ColumnDef {
    ColumnDef::new(c).integer().not_null().default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientAnalytics as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(A::TenantId).uuid().not_null())
                    .col(ColumnDef::new(A::ClientId).uuid().not_null())
                    .col(ColumnDef::new(A::Date).date().not_null())
                    .col(count(A::ActiveJobsCount))
                    .col(count(A::TotalCandidatesCount))
                    .col(count(A::ScreenedCount))
                    .col(count(A::ShortlistedCount))
                    .col(count(A::InterviewedCount))
                    .col(count(A::HiredCount))
                    .col(ColumnDef::new(A::AvgTimeToFillDays).double().null())
                    .col(ColumnDef::new(A::AvgCandidateQualityScore).double().null())
                    .col(ColumnDef::new(A::RevenueGenerated).big_integer().null())
                    .col(ColumnDef::new(A::HealthScore).small_integer().not_null())
                    .col(
                        ColumnDef::new(A::ComputedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_analytics_client")
                            .from(A::Table, A::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The upsert's conflict target: one row per client per day.
        manager
            .create_index(
                Index::create()
                    .name("ux_client_analytics_client_date")
                    .table(A::Table)
                    .col(A::ClientId)
                    .col(A::Date)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_analytics_tenant_client_date")
                    .table(A::Table)
                    .col(A::TenantId)
                    .col(A::ClientId)
                    .col(A::Date)
                    .to_owned(),
            )
            .await?;

        // SQLite alters one column per statement.
        for column in [
            ColumnDef::new(NewClientColumns::OpenJobsCount)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(NewClientColumns::HealthScore)
                .small_integer()
                .null()
                .to_owned(),
            ColumnDef::new(NewClientColumns::HealthScoredAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for (name, column) in [
            (
                "ix_clients_tenant_open_jobs",
                NewClientColumns::OpenJobsCount,
            ),
            ("ix_clients_tenant_health", NewClientColumns::HealthScore),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Clients::Table)
                        .col(Clients::TenantId)
                        .col(column)
                        .col(Clients::Id)
                        .to_owned(),
                )
                .await?;
        }
        // Jobs linked before this migration count too.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE clients SET open_jobs_count = (SELECT COUNT(*) FROM \
                 client_job_assignments l JOIN jobs j ON j.id = l.job_id \
                 WHERE l.client_id = clients.id AND l.is_active AND j.status = 'OPEN')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ix_clients_tenant_open_jobs", "ix_clients_tenant_health"] {
            manager
                .drop_index(Index::drop().name(name).table(Clients::Table).to_owned())
                .await?;
        }
        for column in [
            NewClientColumns::OpenJobsCount,
            NewClientColumns::HealthScore,
            NewClientColumns::HealthScoredAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ClientAnalytics::Table).to_owned())
            .await
    }
}
