//! Clients and their addresses, tags (an index table for tag filters), the per-tenant
//! client-code counters, and the search index: a lower-cased `search_text` column with a
//! `pg_trgm` GIN index on PostgreSQL, and an FTS5 trigram table on SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::m20261122_000001_create_tenants::Tenants;
use crate::m20261122_000002_create_identity::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Clients {
    Table,
    Id,
    TenantId,
    ClientCode,
    Name,
    NameNormalized,
    LegalName,
    TradingName,
    Industry,
    Website,
    WebsiteDomain,
    Email,
    Phone,
    Status,
    Stage,
    Tier,
    AccountManagerId,
    ParentClientId,
    Tags,
    CustomFields,
    RegistrationNumber,
    TaxIdEncrypted,
    EntityType,
    EmployeeCount,
    AnnualRevenueCents,
    FoundedOn,
    Currency,
    PaymentTermsDays,
    OutstandingBalanceCents,
    TotalRevenueCents,
    HourlyRateCents,
    ContractStart,
    ContractEnd,
    DeactivatedAt,
    DeactivationReason,
    SearchText,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ClientAddresses {
    Table,
    Id,
    TenantId,
    ClientId,
    Kind,
    Line1,
    Line2,
    City,
    State,
    PostalCode,
    Country,
    IsPrimary,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ClientTags {
    Table,
    TenantId,
    ClientId,
    Tag,
}

#[derive(DeriveIden)]
enum ClientCodeCounters {
    Table,
    TenantId,
    Year,
    LastValue,
}

fn money(column: Clients) -> ColumnDef {
    ColumnDef::new(column).big_integer().null().to_owned()
}

fn text(column: Clients, len: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(len).null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(ColumnDef::new(Clients::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Clients::TenantId).uuid().not_null())
                    .col(
                        ColumnDef::new(Clients::ClientCode)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Clients::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Clients::NameNormalized)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(text(Clients::LegalName, 200))
                    .col(text(Clients::TradingName, 200))
                    .col(text(Clients::Industry, 100))
                    .col(text(Clients::Website, 500))
                    .col(text(Clients::WebsiteDomain, 255))
                    .col(text(Clients::Email, 320))
                    .col(text(Clients::Phone, 40))
                    .col(ColumnDef::new(Clients::Status).string_len(16).not_null())
                    .col(text(Clients::Stage, 16))
                    .col(text(Clients::Tier, 32))
                    .col(ColumnDef::new(Clients::AccountManagerId).uuid().null())
                    .col(ColumnDef::new(Clients::ParentClientId).uuid().null())
                    .col(ColumnDef::new(Clients::Tags).json().not_null())
                    .col(ColumnDef::new(Clients::CustomFields).json().not_null())
                    .col(text(Clients::RegistrationNumber, 100))
                    .col(ColumnDef::new(Clients::TaxIdEncrypted).text().null())
                    .col(text(Clients::EntityType, 100))
                    .col(ColumnDef::new(Clients::EmployeeCount).integer().null())
                    .col(money(Clients::AnnualRevenueCents))
                    .col(ColumnDef::new(Clients::FoundedOn).date().null())
                    .col(text(Clients::Currency, 3))
                    .col(ColumnDef::new(Clients::PaymentTermsDays).integer().null())
                    .col(money(Clients::OutstandingBalanceCents))
                    .col(money(Clients::TotalRevenueCents))
                    .col(money(Clients::HourlyRateCents))
                    .col(ColumnDef::new(Clients::ContractStart).date().null())
                    .col(ColumnDef::new(Clients::ContractEnd).date().null())
                    .col(
                        ColumnDef::new(Clients::DeactivatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(text(Clients::DeactivationReason, 500))
                    .col(ColumnDef::new(Clients::SearchText).text().not_null())
                    .col(ColumnDef::new(Clients::CreatedBy).uuid().null())
                    .col(ColumnDef::new(Clients::UpdatedBy).uuid().null())
                    .col(
                        ColumnDef::new(Clients::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Clients::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Clients::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Clients::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_clients_tenant")
                            .from(Clients::Table, Clients::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_clients_account_manager")
                            .from(Clients::Table, Clients::AccountManagerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_clients_parent")
                            .from(Clients::Table, Clients::ParentClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes: &[(&str, &[Clients])] = &[
            (
                "ix_clients_tenant_name",
                &[Clients::TenantId, Clients::NameNormalized, Clients::Id],
            ),
            (
                "ix_clients_tenant_created",
                &[Clients::TenantId, Clients::CreatedAt, Clients::Id],
            ),
            (
                "ix_clients_tenant_updated",
                &[Clients::TenantId, Clients::UpdatedAt, Clients::Id],
            ),
            (
                "ix_clients_tenant_status",
                &[Clients::TenantId, Clients::Status, Clients::Id],
            ),
            (
                "ix_clients_tenant_manager",
                &[Clients::TenantId, Clients::AccountManagerId],
            ),
            (
                "ix_clients_tenant_parent",
                &[Clients::TenantId, Clients::ParentClientId],
            ),
            (
                "ix_clients_tenant_registration",
                &[Clients::TenantId, Clients::RegistrationNumber],
            ),
            (
                "ix_clients_tenant_domain",
                &[Clients::TenantId, Clients::WebsiteDomain],
            ),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create().name(*name).table(Clients::Table).to_owned();
            for column in *columns {
                index.col(*column);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ux_clients_tenant_code")
                    .table(Clients::Table)
                    .col(Clients::TenantId)
                    .col(Clients::ClientCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientAddresses::Table)
                    .col(
                        ColumnDef::new(ClientAddresses::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ClientAddresses::TenantId).uuid().not_null())
                    .col(ColumnDef::new(ClientAddresses::ClientId).uuid().not_null())
                    .col(
                        ColumnDef::new(ClientAddresses::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::Line1)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::Line2)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::City)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::State)
                            .string_len(100)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::PostalCode)
                            .string_len(20)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::Country)
                            .string_len(2)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::IsPrimary)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientAddresses::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_addresses_client")
                            .from(ClientAddresses::Table, ClientAddresses::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_addresses_tenant_client")
                    .table(ClientAddresses::Table)
                    .col(ClientAddresses::TenantId)
                    .col(ClientAddresses::ClientId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientTags::Table)
                    .col(ColumnDef::new(ClientTags::TenantId).uuid().not_null())
                    .col(ColumnDef::new(ClientTags::ClientId).uuid().not_null())
                    .col(ColumnDef::new(ClientTags::Tag).string_len(64).not_null())
                    .primary_key(
                        Index::create()
                            .col(ClientTags::ClientId)
                            .col(ClientTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_tags_client")
                            .from(ClientTags::Table, ClientTags::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_tags_tenant_tag")
                    .table(ClientTags::Table)
                    .col(ClientTags::TenantId)
                    .col(ClientTags::Tag)
                    .col(ClientTags::ClientId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ClientCodeCounters::Table)
                    .col(
                        ColumnDef::new(ClientCodeCounters::TenantId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientCodeCounters::Year)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClientCodeCounters::LastValue)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ClientCodeCounters::TenantId)
                            .col(ClientCodeCounters::Year),
                    )
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_clients_search_trgm ON clients USING gin (search_text gin_trgm_ops)",
                )
                .await?;
            }
            _ => {
                // FTS5 trigram index over `clients.search_text` (external content, keyed by
                // the table's rowid), kept in step by triggers so no write can forget it.
                for statement in [
                    "CREATE VIRTUAL TABLE client_search USING fts5(search_text, content = 'clients', \
                     content_rowid = 'rowid', tokenize = 'trigram')",
                    "CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN \
                     INSERT INTO client_search (rowid, search_text) VALUES (new.rowid, new.search_text); END",
                    "CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN \
                     INSERT INTO client_search (client_search, rowid, search_text) \
                     VALUES ('delete', old.rowid, old.search_text); END",
                    "CREATE TRIGGER clients_search_update AFTER UPDATE OF search_text ON clients BEGIN \
                     INSERT INTO client_search (client_search, rowid, search_text) \
                     VALUES ('delete', old.rowid, old.search_text); \
                     INSERT INTO client_search (rowid, search_text) VALUES (new.rowid, new.search_text); END",
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP TRIGGER IF EXISTS clients_search_insert; DROP TRIGGER IF EXISTS clients_search_delete; \
                     DROP TRIGGER IF EXISTS clients_search_update; DROP TABLE IF EXISTS client_search;",
                )
                .await?;
        }
        for table in [
            ClientCodeCounters::Table.into_iden(),
            ClientTags::Table.into_iden(),
            ClientAddresses::Table.into_iden(),
            Clients::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
