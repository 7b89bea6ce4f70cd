//! Client notes and communications.
//!
//! Both are read newest first per client (`(tenant_id, client_id, <time>, id)` indexes
//! serve the per-client window pages). Notes carry a full-text index over title and
//! body: a GIN index on `to_tsvector('simple', …)` on PostgreSQL, an FTS5 table (unicode
//! words, external content) on SQLite. Open follow-ups have a partial index so the
//! "follow-ups due" view stays a range scan.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::m20261122_000003_create_clients::Clients;
use crate::m20261122_000004_create_contacts::ClientContacts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum ClientNotes {
    Table,
    Id,
    TenantId,
    ClientId,
    ContactId,
    Title,
    Body,
    Format,
    NoteType,
    Tags,
    Priority,
    Status,
    Pinned,
    AuthorId,
    WordCount,
    InteractionAt,
    CreatedAt,
    UpdatedAt,
    Version,
    DeletedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum ClientCommunications {
    Table,
    Id,
    TenantId,
    ClientId,
    ContactId,
    JobId,
    CommunicationType,
    Subject,
    Notes,
    CommunicationAt,
    Participants,
    IsImportant,
    FollowUpRequired,
    FollowUpOn,
    FollowUpDoneAt,
    LoggedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

fn timestamp<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn flag<C: IntoIden>(c: C) -> ColumnDef {
    ColumnDef::new(c)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

fn client_fk(name: &str, table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Clients::Table, Clients::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn contact_fk(
    name: &str,
    table: impl IntoIden,
    column: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(ClientContacts::Table, ClientContacts::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

const SQLITE_NOTE_SEARCH: &[&str] = &[
    "CREATE VIRTUAL TABLE note_search USING fts5(title, body, content = 'client_notes', \
     tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER client_notes_search_insert AFTER INSERT ON client_notes BEGIN \
     INSERT INTO note_search (rowid, title, body) VALUES (new.rowid, new.title, new.body); END",
    "CREATE TRIGGER client_notes_search_delete AFTER DELETE ON client_notes BEGIN \
     INSERT INTO note_search (note_search, rowid, title, body) \
     VALUES ('delete', old.rowid, old.title, old.body); END",
    "CREATE TRIGGER client_notes_search_update AFTER UPDATE OF title, body ON client_notes BEGIN \
     INSERT INTO note_search (note_search, rowid, title, body) \
     VALUES ('delete', old.rowid, old.title, old.body); \
     INSERT INTO note_search (rowid, title, body) VALUES (new.rowid, new.title, new.body); END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ClientNotes as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(ColumnDef::new(N::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(N::TenantId).uuid().not_null())
                    .col(ColumnDef::new(N::ClientId).uuid().not_null())
                    .col(ColumnDef::new(N::ContactId).uuid().null())
                    .col(ColumnDef::new(N::Title).string_len(200).not_null())
                    .col(ColumnDef::new(N::Body).text().not_null())
                    .col(ColumnDef::new(N::Format).string_len(10).not_null())
                    .col(ColumnDef::new(N::NoteType).string_len(12).not_null())
                    .col(ColumnDef::new(N::Tags).json().not_null())
                    .col(ColumnDef::new(N::Priority).string_len(8).not_null())
                    .col(ColumnDef::new(N::Status).string_len(10).not_null())
                    .col(flag(N::Pinned))
                    .col(ColumnDef::new(N::AuthorId).uuid().null())
                    .col(ColumnDef::new(N::WordCount).integer().not_null())
                    .col(timestamp(N::InteractionAt))
                    .col(timestamp(N::CreatedAt))
                    .col(timestamp(N::UpdatedAt))
                    .col(ColumnDef::new(N::Version).integer().not_null().default(1))
                    .col(
                        ColumnDef::new(N::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut client_fk(
                        "fk_client_notes_client",
                        N::Table,
                        N::ClientId,
                    ))
                    .foreign_key(&mut contact_fk(
                        "fk_client_notes_contact",
                        N::Table,
                        N::ContactId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_notes_tenant_client_at")
                    .table(N::Table)
                    .col(N::TenantId)
                    .col(N::ClientId)
                    .col(N::InteractionAt)
                    .col(N::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_notes_tenant_at")
                    .table(N::Table)
                    .col(N::TenantId)
                    .col(N::InteractionAt)
                    .col(N::Id)
                    .to_owned(),
            )
            .await?;

        use ClientCommunications as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(C::TenantId).uuid().not_null())
                    .col(ColumnDef::new(C::ClientId).uuid().not_null())
                    .col(ColumnDef::new(C::ContactId).uuid().null())
                    // Jobs arrive with a later migration, which adds the foreign key.
                    .col(ColumnDef::new(C::JobId).uuid().null())
                    .col(
                        ColumnDef::new(C::CommunicationType)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(ColumnDef::new(C::Subject).string_len(300).not_null())
                    .col(ColumnDef::new(C::Notes).text().null())
                    .col(timestamp(C::CommunicationAt))
                    .col(ColumnDef::new(C::Participants).json().not_null())
                    .col(flag(C::IsImportant))
                    .col(flag(C::FollowUpRequired))
                    .col(ColumnDef::new(C::FollowUpOn).date().null())
                    .col(
                        ColumnDef::new(C::FollowUpDoneAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(C::LoggedBy).uuid().null())
                    .col(timestamp(C::CreatedAt))
                    .col(timestamp(C::UpdatedAt))
                    .col(ColumnDef::new(C::Version).integer().not_null().default(1))
                    .foreign_key(&mut client_fk(
                        "fk_client_communications_client",
                        C::Table,
                        C::ClientId,
                    ))
                    .foreign_key(&mut contact_fk(
                        "fk_client_communications_contact",
                        C::Table,
                        C::ContactId,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_client_communications_tenant_client_at",
                vec![C::TenantId, C::ClientId, C::CommunicationAt, C::Id],
            ),
            (
                "ix_client_communications_tenant_at",
                vec![C::TenantId, C::CommunicationAt, C::Id],
            ),
            (
                "ix_client_communications_tenant_contact_at",
                vec![C::TenantId, C::ContactId, C::CommunicationAt],
            ),
        ] {
            let mut index = Index::create().name(name).table(C::Table).to_owned();
            for c in cols {
                index.col(c);
            }
            manager.create_index(index).await?;
        }

        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_client_communications_follow_up ON client_communications \
             (tenant_id, follow_up_on) WHERE follow_up_required AND follow_up_done_at IS NULL",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE INDEX ix_client_notes_fulltext ON client_notes USING gin \
                 (to_tsvector('simple', title || ' ' || body))",
            )
            .await?;
        } else {
            for statement in SQLITE_NOTE_SEARCH {
                db.execute_unprepared(statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "DROP TRIGGER IF EXISTS client_notes_search_insert; \
                     DROP TRIGGER IF EXISTS client_notes_search_delete; \
                     DROP TRIGGER IF EXISTS client_notes_search_update; \
                     DROP TABLE IF EXISTS note_search;",
                )
                .await?;
        }
        for table in [
            ClientCommunications::Table.into_iden(),
            ClientNotes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
