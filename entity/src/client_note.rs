//! `client_notes`: free text kept about a client, optionally about one of its contacts.
//! Full-text indexed over title and body (see the migration).

use sea_orm::entity::prelude::*;

use crate::enums::{NoteFormat, NotePriority, NoteStatus, NoteType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub format: NoteFormat,
    pub note_type: NoteType,
    /// JSON array of lower-case labels.
    pub tags: Json,
    pub priority: NotePriority,
    pub status: NoteStatus,
    pub pinned: bool,
    pub author_id: Option<Uuid>,
    pub word_count: i32,
    pub interaction_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
