//! Client feedback: five 1-5 ratings per submission, CHECK-constrained in the database
//! as well as validated by the service. A finalized row is immutable (the service
//! refuses changes; `is_finalized` is never cleared).

use sea_orm_migration::prelude::*;

use crate::m20261122_000003_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ClientFeedback {
    Table,
    Id,
    TenantId,
    ClientId,
    Period,
    FeedbackOn,
    ResponsivenessRating,
    CommunicationRating,
    RequirementsClarityRating,
    DecisionSpeedRating,
    OverallSatisfaction,
    WrittenFeedback,
    SubmittedBy,
    IsFinalized,
    FinalizedBy,
    FinalizedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

fn rating(c: ClientFeedback) -> ColumnDef {
    ColumnDef::new(c)
        .small_integer()
        .not_null()
        .check(Expr::col(c).between(1, 5))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientFeedback as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(ColumnDef::new(F::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(F::TenantId).uuid().not_null())
                    .col(ColumnDef::new(F::ClientId).uuid().not_null())
                    .col(ColumnDef::new(F::Period).string_len(7).not_null())
                    .col(ColumnDef::new(F::FeedbackOn).date().not_null())
                    .col(rating(F::ResponsivenessRating))
                    .col(rating(F::CommunicationRating))
                    .col(rating(F::RequirementsClarityRating))
                    .col(rating(F::DecisionSpeedRating))
                    .col(rating(F::OverallSatisfaction))
                    .col(ColumnDef::new(F::WrittenFeedback).text().null())
                    .col(ColumnDef::new(F::SubmittedBy).uuid().null())
                    .col(
                        ColumnDef::new(F::IsFinalized)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(F::FinalizedBy).uuid().null())
                    .col(
                        ColumnDef::new(F::FinalizedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(F::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(F::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(F::Version).integer().not_null().default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_feedback_client")
                            .from(F::Table, F::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_feedback_tenant_client_on")
                    .table(F::Table)
                    .col(F::TenantId)
                    .col(F::ClientId)
                    .col(F::FeedbackOn)
                    .col(F::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientFeedback::Table).to_owned())
            .await
    }
}
