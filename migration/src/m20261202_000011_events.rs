//! The event pipeline: the outbox becomes an ordered stream, and webhooks get their
//! endpoints, deliveries and attempts.
//!
//! - `event_outbox.seq`: the row's position in the stream, assigned when the relay
//!   publishes it (NULL until then). Positions are handed out under the one-row
//!   `event_stream` lock, so they increase in commit order: a reader that remembers the
//!   last position it saw never skips a row that committed late (ids and timestamps
//!   are taken when a row is *written*, which is not commit order).
//! - `event_outbox.client_id`: the client an event belongs to, for per-client streams.
//! - `webhooks`, `webhook_deliveries` (one per event and endpoint, persisted before it
//!   is sent), `webhook_attempts` (one per send, for the delivery log).
//!
//! Three indexes do not lead with `tenant_id`, on purpose: the stream position, the
//! unpublished rows and the due-delivery queue are read across tenants by the relay
//! and the webhook worker. Positions are unique by construction (handed out under the
//! stream lock), so their index is a plain one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventOutbox {
    Table,
    TenantId,
    Seq,
    ClientId,
}

#[derive(DeriveIden)]
enum EventStream {
    Table,
    Id,
    LastSeq,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    TenantId,
    Url,
    Description,
    EventTypes,
    Secret,
    PreviousSecret,
    PreviousSecretExpiresAt,
    IsActive,
    DisabledReason,
    DisabledAt,
    ConsecutiveFailures,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    TenantId,
    WebhookId,
    EventId,
    Seq,
    EventType,
    EntityKey,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastAttemptAt,
    LastStatusCode,
    LastError,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    TenantId,
    DeliveryId,
    Attempt,
    AttemptedAt,
    StatusCode,
    DurationMs,
    Error,
    ResponseBody,
}

fn ts(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(EventOutbox::Seq)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(EventOutbox::ClientId)
                .uuid()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EventOutbox::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_event_outbox_seq")
                    .table(EventOutbox::Table)
                    .col(EventOutbox::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_event_outbox_tenant_seq")
                    .table(EventOutbox::Table)
                    .col(EventOutbox::TenantId)
                    .col(EventOutbox::Seq)
                    .to_owned(),
            )
            .await?;
        // The relay's work list: only unpublished rows, whatever the table's size.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_event_outbox_unpublished ON event_outbox (created_at, id) \
                 WHERE seq IS NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventStream::Table)
                    .col(
                        ColumnDef::new(EventStream::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EventStream::LastSeq)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(EventStream::Table)
                    .columns([EventStream::Id, EventStream::LastSeq])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(ColumnDef::new(Webhooks::Id).uuid().not_null())
                    .col(ColumnDef::new(Webhooks::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Webhooks::Url).string_len(2048).not_null())
                    .col(ColumnDef::new(Webhooks::Description).string_len(500).null())
                    .col(ColumnDef::new(Webhooks::EventTypes).json().not_null())
                    .col(ColumnDef::new(Webhooks::Secret).text().not_null())
                    .col(ColumnDef::new(Webhooks::PreviousSecret).text().null())
                    .col(ts_null(Webhooks::PreviousSecretExpiresAt))
                    .col(ColumnDef::new(Webhooks::IsActive).boolean().not_null())
                    .col(
                        ColumnDef::new(Webhooks::DisabledReason)
                            .string_len(500)
                            .null(),
                    )
                    .col(ts_null(Webhooks::DisabledAt))
                    .col(
                        ColumnDef::new(Webhooks::ConsecutiveFailures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Webhooks::CreatedBy).uuid().null())
                    .col(ts(Webhooks::CreatedAt))
                    .col(ts(Webhooks::UpdatedAt))
                    .col(ColumnDef::new(Webhooks::Version).integer().not_null())
                    .col(ts_null(Webhooks::DeletedAt))
                    .primary_key(Index::create().col(Webhooks::TenantId).col(Webhooks::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhooks_tenant")
                            .from(Webhooks::Table, Webhooks::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(ColumnDef::new(WebhookDeliveries::Id).uuid().not_null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::TenantId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::WebhookId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::Seq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::EventType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::EntityKey)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WebhookDeliveries::Body).text().not_null())
                    .col(
                        ColumnDef::new(WebhookDeliveries::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ts(WebhookDeliveries::NextAttemptAt))
                    .col(ts_null(WebhookDeliveries::LeaseUntil))
                    .col(ts_null(WebhookDeliveries::LastAttemptAt))
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastStatusCode)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastError)
                            .string_len(500)
                            .null(),
                    )
                    .col(ts(WebhookDeliveries::CreatedAt))
                    .col(ts_null(WebhookDeliveries::CompletedAt))
                    .primary_key(
                        Index::create()
                            .col(WebhookDeliveries::TenantId)
                            .col(WebhookDeliveries::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook")
                            .from_tbl(WebhookDeliveries::Table)
                            .from_col(WebhookDeliveries::TenantId)
                            .from_col(WebhookDeliveries::WebhookId)
                            .to_tbl(Webhooks::Table)
                            .to_col(Webhooks::TenantId)
                            .to_col(Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's queue: due deliveries of every tenant.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // Per-entity order: is an earlier delivery of this entity to this endpoint open?
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_entity")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::TenantId)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::EntityKey)
                    .col(WebhookDeliveries::Seq)
                    .to_owned(),
            )
            .await?;
        // The delivery log, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_log")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::TenantId)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(ColumnDef::new(WebhookAttempts::Id).uuid().not_null())
                    .col(ColumnDef::new(WebhookAttempts::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(WebhookAttempts::DeliveryId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::Attempt)
                            .integer()
                            .not_null(),
                    )
                    .col(ts(WebhookAttempts::AttemptedAt))
                    .col(ColumnDef::new(WebhookAttempts::StatusCode).integer().null())
                    .col(
                        ColumnDef::new(WebhookAttempts::DurationMs)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookAttempts::Error)
                            .string_len(500)
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookAttempts::ResponseBody).text().null())
                    .primary_key(
                        Index::create()
                            .col(WebhookAttempts::TenantId)
                            .col(WebhookAttempts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from_tbl(WebhookAttempts::Table)
                            .from_col(WebhookAttempts::TenantId)
                            .from_col(WebhookAttempts::DeliveryId)
                            .to_tbl(WebhookDeliveries::Table)
                            .to_col(WebhookDeliveries::TenantId)
                            .to_col(WebhookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::TenantId)
                    .col(WebhookAttempts::DeliveryId)
                    .col(WebhookAttempts::Attempt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            Webhooks::Table.into_iden(),
            EventStream::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for index in [
            "ix_event_outbox_unpublished",
            "ix_event_outbox_tenant_seq",
            "ix_event_outbox_seq",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(EventOutbox::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [EventOutbox::ClientId, EventOutbox::Seq] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EventOutbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
