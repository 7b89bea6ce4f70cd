//! Identity and the change record: users, refresh-token families, API keys, revoked
//! access tokens, audit events and the event outbox.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    TenantId,
    Email,
    FullName,
    Role,
    PasswordHash,
    IsActive,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    TenantId,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    CreatedAt,
    RotatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    TenantId,
    Name,
    Role,
    Prefix,
    SecretHash,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    Jti,
    TenantId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    TenantId,
    ActorId,
    ActorKind,
    Action,
    EntityType,
    EntityId,
    Changes,
    RequestId,
    Ip,
    UserAgent,
    At,
}

#[derive(DeriveIden)]
enum EventOutbox {
    Table,
    Id,
    TenantId,
    EventType,
    EntityType,
    EntityId,
    Payload,
    CreatedAt,
    PublishedAt,
}

fn tenant_fk(table: impl IntoIden, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(table)
        .from_col(Alias::new("tenant_id"))
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Users::Email).string_len(320).not_null())
                    .col(ColumnDef::new(Users::FullName).string_len(200).not_null())
                    .col(ColumnDef::new(Users::Role).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Users::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::IsActive)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(Users::LastLoginAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .foreign_key(&mut tenant_fk(Users::Table, "fk_users_tenant"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_tenant_email")
                    .table(Users::Table)
                    .col(Users::TenantId)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(
                        ColumnDef::new(RefreshTokens::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RefreshTokens::TenantId).uuid().not_null())
                    .col(ColumnDef::new(RefreshTokens::UserId).uuid().not_null())
                    .col(ColumnDef::new(RefreshTokens::FamilyId).uuid().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::RotatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk(
                        RefreshTokens::Table,
                        "fk_refresh_tokens_tenant",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_tokens_user")
                            .from(RefreshTokens::Table, RefreshTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_refresh_tokens_tenant_family", RefreshTokens::FamilyId),
            ("ix_refresh_tokens_tenant_user", RefreshTokens::UserId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RefreshTokens::Table)
                        .col(RefreshTokens::TenantId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(ColumnDef::new(ApiKeys::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(ApiKeys::TenantId).uuid().not_null())
                    .col(ColumnDef::new(ApiKeys::Name).string_len(100).not_null())
                    .col(ColumnDef::new(ApiKeys::Role).string_len(32).not_null())
                    .col(ColumnDef::new(ApiKeys::Prefix).string_len(16).not_null())
                    .col(
                        ColumnDef::new(ApiKeys::SecretHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ApiKeys::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApiKeys::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApiKeys::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ApiKeys::CreatedBy).uuid().null())
                    .col(
                        ColumnDef::new(ApiKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut tenant_fk(ApiKeys::Table, "fk_api_keys_tenant"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_keys_tenant_created")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::TenantId)
                    .col(ApiKeys::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .col(
                        ColumnDef::new(RevokedTokens::Jti)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RevokedTokens::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(RevokedTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut tenant_fk(
                        RevokedTokens::Table,
                        "fk_revoked_tokens_tenant",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditEvents::TenantId).uuid().not_null())
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(AuditEvents::ActorKind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::EntityType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::EntityId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::Changes).json().not_null())
                    .col(
                        ColumnDef::new(AuditEvents::RequestId)
                            .string_len(128)
                            .null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Ip).string_len(64).null())
                    .col(
                        ColumnDef::new(AuditEvents::UserAgent)
                            .string_len(512)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut tenant_fk(AuditEvents::Table, "fk_audit_events_tenant"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_audit_events_tenant_id",
                vec![AuditEvents::TenantId, AuditEvents::Id],
            ),
            (
                "ix_audit_events_tenant_entity",
                vec![
                    AuditEvents::TenantId,
                    AuditEvents::EntityType,
                    AuditEvents::EntityId,
                ],
            ),
            (
                "ix_audit_events_tenant_actor",
                vec![AuditEvents::TenantId, AuditEvents::ActorId],
            ),
        ] {
            let mut index = Index::create()
                .name(name)
                .table(AuditEvents::Table)
                .to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(EventOutbox::Table)
                    .col(
                        ColumnDef::new(EventOutbox::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(EventOutbox::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(EventOutbox::EventType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EventOutbox::EntityType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventOutbox::EntityId).uuid().null())
                    .col(ColumnDef::new(EventOutbox::Payload).json().not_null())
                    .col(
                        ColumnDef::new(EventOutbox::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EventOutbox::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut tenant_fk(EventOutbox::Table, "fk_event_outbox_tenant"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_event_outbox_tenant_id")
                    .table(EventOutbox::Table)
                    .col(EventOutbox::TenantId)
                    .col(EventOutbox::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EventOutbox::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            RevokedTokens::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
