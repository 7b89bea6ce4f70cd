//! Notes about a client: their fields and rules. A note may be about one of the client's
//! contacts; `word_count` is recomputed from the body on every write, so it can never
//! disagree with the text. Lookups, lists, versioned saves, soft delete and restore, the
//! change record and tenancy are the kernel's ([`child`]).

pub mod read;

use chrono::{DateTime, Utc};
use entity::client_note;
use sea_orm::{ColumnTrait, Condition};
use serde_json::json;
use uuid::Uuid;

use super::change::Recorded;
use super::kernel::child::{self, ChildOfClient, SoftDeleted};
use super::kernel::{Patch, check_contact_of_client, live_client, normalize_tags};
use super::{TenantScope, validate};
use crate::db::Db;
use crate::error::{AppError, AppResult};
pub use entity::enums::{NoteFormat, NotePriority, NoteStatus, NoteType};

/// Longest note body, in characters.
pub const MAX_BODY_CHARS: usize = 100_000;

/// What the caller sent for a note (creation: `None` means "not given").
#[derive(Debug, Clone, Default)]
pub struct NotePatch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub format: Option<NoteFormat>,
    pub note_type: Option<NoteType>,
    pub tags: Option<Vec<String>>,
    pub priority: Option<NotePriority>,
    pub status: Option<NoteStatus>,
    pub pinned: Option<bool>,
    pub contact_id: Patch<Uuid>,
    /// When the interaction the note records happened (default: when it was written).
    pub interaction_at: Option<DateTime<Utc>>,
}

/// Words in a body: runs of letters or digits (Markdown punctuation does not count).
pub fn word_count(body: &str) -> i32 {
    body.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count() as i32
}

fn apply(m: &mut client_note::Model, patch: NotePatch) -> AppResult<()> {
    if let Some(title) = patch.title {
        m.title = validate::text("title", &title, 1, 200)?;
    }
    if let Some(body) = patch.body {
        if body.trim().is_empty() {
            return Err(AppError::bad_input("body", "body must not be empty"));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(AppError::bad_input(
                "body",
                format!("body must be at most {MAX_BODY_CHARS} characters"),
            ));
        }
        m.body = body;
    }
    m.word_count = word_count(&m.body);
    if let Some(v) = patch.format {
        m.format = v;
    }
    if let Some(v) = patch.note_type {
        m.note_type = v;
    }
    if let Some(tags) = patch.tags {
        m.tags = json!(normalize_tags(tags)?);
    }
    if let Some(v) = patch.priority {
        m.priority = v;
    }
    if let Some(v) = patch.status {
        m.status = v;
    }
    if let Some(v) = patch.pinned {
        m.pinned = v;
    }
    if let Some(v) = patch.interaction_at {
        m.interaction_at = v;
    }
    patch.contact_id.apply_to(&mut m.contact_id);
    Ok(())
}

impl Recorded for client_note::Model {
    const ENTITY: &'static str = "note";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({ "id": self.id, "clientId": self.client_id, "title": self.title, "version": self.version })
    }
}

impl ChildOfClient for client_note::Entity {
    const NAME: &'static str = "note";
    const CREATED: &'static str = "note.created";
    const UPDATED: &'static str = "note.updated";
    const CLIENT_ID: client_note::Column = client_note::Column::ClientId;

    fn client_id(m: &client_note::Model) -> Uuid {
        m.client_id
    }

    fn fields(m: &client_note::Model) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("title", json!(m.title)),
            ("body", json!(m.body)),
            ("format", json!(m.format)),
            ("noteType", json!(m.note_type)),
            ("tags", m.tags.clone()),
            ("priority", json!(m.priority)),
            ("status", json!(m.status)),
            ("pinned", json!(m.pinned)),
            ("contactId", json!(m.contact_id)),
            ("interactionAt", json!(m.interaction_at)),
        ]
    }

    fn live_rows() -> Condition {
        Condition::all().add(client_note::Column::DeletedAt.is_null())
    }
}

impl SoftDeleted for client_note::Entity {
    const DELETED_AT: client_note::Column = client_note::Column::DeletedAt;
    const DELETED: &'static str = "note.deleted";
    const RESTORED: &'static str = "note.restored";

    fn deleted_at(m: &mut client_note::Model) -> &mut Option<DateTime<Utc>> {
        &mut m.deleted_at
    }
}

/// Writes a note about a client (`title` and `body` required).
pub async fn create(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    patch: NotePatch,
) -> AppResult<client_note::Model> {
    if patch.title.is_none() {
        return Err(AppError::bad_input("title", "title is required"));
    }
    if patch.body.is_none() {
        return Err(AppError::bad_input("body", "body is required"));
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            live_client(t, client_id).await?;
            let now = Utc::now();
            let mut model = client_note::Model {
                id: Uuid::now_v7(),
                tenant_id: t.tenant_id(),
                client_id,
                contact_id: None,
                title: String::new(),
                body: String::new(),
                format: NoteFormat::Plain,
                note_type: NoteType::General,
                tags: json!([]),
                priority: NotePriority::Normal,
                status: NoteStatus::Active,
                pinned: false,
                author_id: t.scope().actor().id,
                word_count: 0,
                interaction_at: now,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: None,
            };
            apply(&mut model, patch)?;
            check_contact_of_client(t, client_id, model.contact_id).await?;
            child::create::<client_note::Entity>(t, model).await
        })
    })
    .await
}

/// Changes a note if it is still at `expected_version` (any version when `None`).
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    patch: NotePatch,
    expected_version: Option<i32>,
) -> AppResult<client_note::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = child::locked::<client_note::Entity>(t, id, expected_version).await?;
            let mut next = current.clone();
            apply(&mut next, patch)?;
            if next.contact_id != current.contact_id {
                check_contact_of_client(t, next.client_id, next.contact_id).await?;
            }
            child::save::<client_note::Entity>(t, current, next).await
        })
    })
    .await
}

/// The tags of a note.
pub fn tags(m: &client_note::Model) -> Vec<String> {
    super::kernel::stored_tags(&m.tags)
}

#[cfg(test)]
mod tests {
    use super::word_count;

    #[test]
    fn words_are_runs_of_letters_or_digits() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("   \n\t "), 0);
        assert_eq!(word_count("Call Ana re: Q3 renewal"), 5);
        assert_eq!(word_count("# Heading\n\n- item one\n- item two — done"), 6);
        assert_eq!(word_count("don't stop"), 2);
        assert_eq!(word_count("Müller & Söhne, 2026"), 3);
    }
}
