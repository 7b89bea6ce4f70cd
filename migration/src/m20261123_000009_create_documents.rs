//! Client documents and their file versions. The bytes live in the file store (local
//! directory or S3-compatible), addressed by a random `storage_key`; these tables hold
//! what is known about them, including the sha256 every download is checked against.
//!
//! A document belongs to a client and may also be attached to one of its contacts or
//! communications. Versions are append-only: uploading a new one moves
//! `current_version_id`, earlier versions stay downloadable.

use sea_orm_migration::prelude::*;

use crate::m20261122_000003_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ClientDocuments {
    Table,
    Id,
    TenantId,
    ClientId,
    ContactId,
    CommunicationId,
    Name,
    Description,
    DocType,
    Category,
    Tags,
    Visibility,
    CurrentVersionId,
    CurrentVersionNo,
    RetentionUntil,
    LegalHold,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DocumentVersions {
    Table,
    Id,
    TenantId,
    DocumentId,
    VersionNo,
    StorageKey,
    OriginalFilename,
    MimeType,
    SizeBytes,
    Sha256,
    UploadedBy,
    UploadedAt,
    ChangeNote,
}

fn timestamp(c: impl IntoIden) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[ClientDocuments]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for c in cols {
        index.col(*c);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientDocuments as D;
        use DocumentVersions as V;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(ColumnDef::new(D::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(D::TenantId).uuid().not_null())
                    .col(ColumnDef::new(D::ClientId).uuid().not_null())
                    .col(ColumnDef::new(D::ContactId).uuid().null())
                    .col(ColumnDef::new(D::CommunicationId).uuid().null())
                    .col(ColumnDef::new(D::Name).string_len(255).not_null())
                    .col(ColumnDef::new(D::Description).text().null())
                    .col(ColumnDef::new(D::DocType).string_len(20).not_null())
                    .col(ColumnDef::new(D::Category).string_len(100).null())
                    .col(ColumnDef::new(D::Tags).json().not_null())
                    .col(ColumnDef::new(D::Visibility).string_len(10).not_null())
                    .col(ColumnDef::new(D::CurrentVersionId).uuid().null())
                    .col(
                        ColumnDef::new(D::CurrentVersionNo)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(D::RetentionUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(D::LegalHold)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(D::CreatedBy).uuid().null())
                    .col(timestamp(D::CreatedAt))
                    .col(timestamp(D::UpdatedAt))
                    .col(ColumnDef::new(D::Version).integer().not_null().default(1))
                    .col(
                        ColumnDef::new(D::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_documents_client")
                            .from(D::Table, D::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_client_documents_tenant_client_created",
                &[D::TenantId, D::ClientId, D::CreatedAt, D::Id][..],
            ),
            (
                "ix_client_documents_tenant_contact",
                &[D::TenantId, D::ContactId][..],
            ),
            (
                "ix_client_documents_tenant_communication",
                &[D::TenantId, D::CommunicationId][..],
            ),
            (
                "ix_client_documents_tenant_deleted",
                &[D::TenantId, D::DeletedAt][..],
            ),
        ] {
            manager.create_index(index(name, D::Table, cols)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(ColumnDef::new(V::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(V::TenantId).uuid().not_null())
                    .col(ColumnDef::new(V::DocumentId).uuid().not_null())
                    .col(ColumnDef::new(V::VersionNo).integer().not_null())
                    .col(
                        ColumnDef::new(V::StorageKey)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(V::OriginalFilename)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(ColumnDef::new(V::MimeType).string_len(150).not_null())
                    .col(
                        ColumnDef::new(V::SizeBytes)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(V::SizeBytes).gte(0)),
                    )
                    .col(ColumnDef::new(V::Sha256).string_len(64).not_null())
                    .col(ColumnDef::new(V::UploadedBy).uuid().null())
                    .col(timestamp(V::UploadedAt))
                    .col(ColumnDef::new(V::ChangeNote).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_document_versions_document")
                            .from(V::Table, V::DocumentId)
                            .to(D::Table, D::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_document_versions_document_no")
                    .table(V::Table)
                    .col(V::TenantId)
                    .col(V::DocumentId)
                    .col(V::VersionNo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentVersions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ClientDocuments::Table).to_owned())
            .await
    }
}
