//! The `Note` type and the totals of a note list.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::client_note;
use uuid::Uuid;

use super::{Client, Contact, User};
use crate::auth::Permission;
use crate::graphql::connection::nested_total;
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{ClientLoader, ContactLoader, NotesOfClient, UserLoader};
use crate::service::kernel::child;
use crate::service::notes::read::{NoteFilter, NoteQuery};
use crate::service::notes::{self, NoteFormat, NotePriority, NoteStatus, NoteType};

/// A note kept about a client.
pub struct Note(pub client_note::Model);

/// A note kept about a client.
#[Object]
impl Note {
    /// The note's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 1-200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The text, in `format`.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// How the body is written (plain text or Markdown).
    async fn format(&self) -> NoteFormat {
        self.0.format
    }
    /// What the note records (meeting, call…).
    async fn note_type(&self) -> NoteType {
        self.0.note_type
    }
    /// Lower-case labels.
    async fn tags(&self) -> Vec<String> {
        notes::tags(&self.0)
    }
    /// How much the note matters.
    async fn priority(&self) -> NotePriority {
        self.0.priority
    }
    /// Where the note is in its life (draft to archived).
    async fn status(&self) -> NoteStatus {
        self.0.status
    }
    /// Pinned notes come first with `orderBy: PINNED_FIRST`.
    async fn pinned(&self) -> bool {
        self.0.pinned
    }
    /// Words in the body (runs of letters or digits), kept in step with every edit.
    async fn word_count(&self) -> i32 {
        self.0.word_count
    }
    /// When the interaction the note records happened.
    async fn interaction_at(&self) -> DateTime<Utc> {
        self.0.interaction_at
    }
    /// Optimistic-locking version; pass it as `expectedVersion` to `updateNote`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the note was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the note last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.author_id)
            .await?
            .map(User))
    }
    /// The client the note is about.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.0.client_id)
            .await?
            .map(Client))
    }
    /// The contact the note is about, if any (and still live). Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(context::load::<ContactLoader>(ctx, self.0.contact_id)
            .await?
            .map(Contact))
    }
}

/// Totals of a note list, computed only when selected.
pub enum NoteConnectionFields {
    /// One client's notes (batched across the clients of a page).
    OfClient {
        client_id: Uuid,
        query: NoteQuery,
        /// Already counted by the page statement (no cursor).
        total: Option<u64>,
    },
    /// Notes across clients.
    All { filter: NoteFilter },
}

/// Totals of a note list, computed only when selected.
#[Object]
impl NoteConnectionFields {
    /// How many notes match the filter and search.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self {
            NoteConnectionFields::OfClient {
                client_id,
                query,
                total,
            } => nested_total::<NotesOfClient>(ctx, *client_id, query, *total).await,
            NoteConnectionFields::All { filter } => Ok(child::count::<client_note::Entity>(
                context::db(ctx)?,
                context::scope(ctx)?,
                filter,
            )
            .await?),
        }
    }
}
