//! Client contacts. Two invariants live in the database as partial unique indexes, so
//! they hold even against concurrent writers: at most one active primary contact per
//! client, and an email used by at most one active contact of a client.

use sea_orm_migration::prelude::*;

use crate::m20261122_000003_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum ClientContacts {
    Table,
    Id,
    TenantId,
    ClientId,
    FirstName,
    LastName,
    FullName,
    Title,
    Department,
    Email,
    Phone,
    Mobile,
    Role,
    IsPrimary,
    IsBilling,
    IsTechnical,
    IsActive,
    PreferredContactMethod,
    DoNotContact,
    LinkedinUrl,
    EngagementScore,
    LastContactedAt,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientContacts::*;
        let text =
            |c: ClientContacts, len: u32| ColumnDef::new(c).string_len(len).null().to_owned();
        let flag = |c: ClientContacts, default: bool| {
            ColumnDef::new(c)
                .boolean()
                .not_null()
                .default(default)
                .to_owned()
        };
        manager
            .create_table(
                sea_orm_migration::prelude::Table::create()
                    .table(Table)
                    .col(ColumnDef::new(Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(TenantId).uuid().not_null())
                    .col(ColumnDef::new(ClientId).uuid().not_null())
                    .col(ColumnDef::new(FirstName).string_len(100).not_null())
                    .col(ColumnDef::new(LastName).string_len(100).not_null())
                    .col(ColumnDef::new(FullName).string_len(201).not_null())
                    .col(text(Title, 100))
                    .col(text(Department, 100))
                    .col(text(Email, 320))
                    .col(text(Phone, 40))
                    .col(text(Mobile, 40))
                    .col(ColumnDef::new(Role).string_len(20).not_null())
                    .col(flag(IsPrimary, false))
                    .col(flag(IsBilling, false))
                    .col(flag(IsTechnical, false))
                    .col(flag(IsActive, true))
                    .col(text(PreferredContactMethod, 10))
                    .col(flag(DoNotContact, false))
                    .col(text(LinkedinUrl, 300))
                    .col(
                        ColumnDef::new(EngagementScore)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(LastContactedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Version).integer().not_null().default(1))
                    .col(ColumnDef::new(DeletedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_contacts_client")
                            .from(Table, ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_contacts_tenant_client_name")
                    .table(Table)
                    .col(TenantId)
                    .col(ClientId)
                    .col(LastName)
                    .col(FirstName)
                    .col(Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_contacts_tenant_email")
                    .table(Table)
                    .col(TenantId)
                    .col(Email)
                    .to_owned(),
            )
            .await?;
        // Partial unique indexes: same syntax on PostgreSQL and SQLite.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_client_contacts_primary ON client_contacts (tenant_id, client_id) \
             WHERE is_primary AND is_active AND deleted_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_client_contacts_email ON client_contacts (tenant_id, client_id, email) \
             WHERE is_active AND deleted_at IS NULL AND email IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientContacts::Table).to_owned())
            .await
    }
}
