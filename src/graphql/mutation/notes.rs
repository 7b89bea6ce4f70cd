//! Notes: create, update under optimistic locking, delete and restore.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::client_note;

use super::patch_id;
use crate::auth::Permission;
use crate::error::AppError;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Note;
use crate::service::kernel::child;
use crate::service::notes::{self, NoteFormat, NotePatch, NotePriority, NoteStatus, NoteType};

/// A note's fields. On `createNote` `title` and `body` are required and omitted fields
/// take their defaults; on `updateNote` omitted fields stay.
#[derive(InputObject)]
pub struct NoteInput {
    /// 1-200 characters.
    pub title: Option<String>,
    /// Up to 100,000 characters.
    pub body: Option<String>,
    /// Default `PLAIN`.
    pub format: Option<NoteFormat>,
    /// Default `GENERAL`.
    pub note_type: Option<NoteType>,
    /// Replaces the note's tags (trimmed, lower-cased, de-duplicated).
    pub tags: Option<Vec<String>>,
    /// Default `NORMAL`.
    pub priority: Option<NotePriority>,
    /// Default `ACTIVE`.
    pub status: Option<NoteStatus>,
    /// Pins the note (pinned notes come first with `PINNED_FIRST`).
    pub pinned: Option<bool>,
    /// A live contact of the same client; `null` detaches the note from its contact.
    pub contact_id: MaybeUndefined<ID>,
    /// When the interaction happened (default: now).
    pub interaction_at: Option<DateTime<Utc>>,
}

impl NoteInput {
    fn into_patch(self) -> Result<NotePatch, AppError> {
        Ok(NotePatch {
            title: self.title,
            body: self.body,
            format: self.format,
            note_type: self.note_type,
            tags: self.tags,
            priority: self.priority,
            status: self.status,
            pinned: self.pinned,
            contact_id: patch_id("input.contactId", self.contact_id)?,
            interaction_at: self.interaction_at,
        })
    }
}

#[derive(Default)]
pub struct NoteMutations;

#[Object]
impl NoteMutations {
    /// Writes a note about a client. Requires `notes:write`.
    #[graphql(guard = "require(Permission::NotesWrite)")]
    async fn create_note(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        input: NoteInput,
    ) -> Result<Note> {
        let client_id = parse_id("clientId", &client_id)?;
        let patch = input.into_patch()?;
        let scope = context::scope(ctx)?;
        Ok(Note(
            notes::create(context::db(ctx)?, scope, client_id, patch).await?,
        ))
    }

    /// Changes a note if it is still at `expectedVersion` (CONFLICT otherwise).
    /// Requires `notes:write`.
    #[graphql(guard = "require(Permission::NotesWrite)")]
    async fn update_note(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NoteInput,
        expected_version: i32,
    ) -> Result<Note> {
        let id = parse_id("id", &id)?;
        let patch = input.into_patch()?;
        let scope = context::scope(ctx)?;
        let updated =
            notes::update(context::db(ctx)?, scope, id, patch, Some(expected_version)).await?;
        Ok(Note(updated))
    }

    /// Deletes a note (soft): it leaves every list and search until restored. Requires
    /// `notes:write`.
    #[graphql(guard = "require(Permission::NotesWrite)")]
    async fn delete_note(&self, ctx: &Context<'_>, id: ID) -> Result<Note> {
        let id = parse_id("id", &id)?;
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(Note(
            child::soft_delete::<client_note::Entity>(db, scope, id).await?,
        ))
    }

    /// Brings back a deleted note of a live client (a new version; `note.restored` is
    /// recorded). NOT_FOUND when the note is not deleted. Requires `notes:write`.
    #[graphql(guard = "require(Permission::NotesWrite)")]
    async fn restore_note(&self, ctx: &Context<'_>, id: ID) -> Result<Note> {
        let id = parse_id("id", &id)?;
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(Note(
            child::restore::<client_note::Entity>(db, scope, id).await?,
        ))
    }
}
