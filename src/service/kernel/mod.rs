//! What every aggregate of a client shares: partial updates ([`Patch`]), tags, the
//! lookups of a live client (and of a live contact of it) inside a write, and the
//! client's search text ([`search_text`]). Aggregates depend on this module, never on
//! each other's internals. [`child`] is the kernel of a client's child aggregate:
//! lookups, lists, versioned saves, soft delete and restore.

pub mod child;
pub mod search_text;

use entity::{client, client_contact};
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use serde_json::Value;
use uuid::Uuid;

use super::store::{Conn, Tenant};
use crate::error::{AppError, AppResult};

/// One field of a partial update.
#[derive(Debug, Clone, Default)]
pub enum Patch<T> {
    /// Not sent: keep the current value.
    #[default]
    Keep,
    /// Sent as null: clear it.
    Clear,
    /// Sent with a value.
    Set(T),
}

impl<T> Patch<T> {
    /// Keeps, clears or sets `slot`.
    pub fn apply_to(self, slot: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *slot = None,
            Patch::Set(value) => *slot = Some(value),
        }
    }

    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// For creation: absent and null both mean "no value".
    fn from(value: Option<T>) -> Self {
        value.map_or(Patch::Keep, Patch::Set)
    }
}

/// Most tags one record carries.
pub const MAX_TAGS: usize = 50;

/// Trimmed, lower-cased, de-duplicated tags of 1-64 characters.
pub fn normalize_tags(tags: Vec<String>) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > 64 || tag.chars().any(char::is_control) {
            return Err(AppError::bad_input(
                "tags",
                "each tag must be 1 to 64 characters",
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(AppError::bad_input(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    Ok(out)
}

/// The tags stored in a JSON array column.
pub fn stored_tags(tags: &Value) -> Vec<String> {
    serde_json::from_value(tags.clone()).unwrap_or_default()
}

/// A live (not deleted) client of the tenant; NOT_FOUND otherwise.
pub async fn live_client(t: Tenant<'_, impl Conn>, id: Uuid) -> AppResult<client::Model> {
    t.by_id::<client::Entity>(id)
        .filter(client::Column::DeletedAt.is_null())
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("client"))
}

/// A live client locked for the rest of the transaction (writers touching the same
/// client serialise on it); NOT_FOUND otherwise.
pub async fn locked_live_client(t: Tenant<'_, impl Conn>, id: Uuid) -> AppResult<client::Model> {
    t.by_id::<client::Entity>(id)
        .filter(client::Column::DeletedAt.is_null())
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("client"))
}

/// NOT_FOUND unless `contact_id` (when given) is a live contact of `client_id`.
pub async fn check_contact_of_client(
    t: Tenant<'_, impl Conn>,
    client_id: Uuid,
    contact_id: Option<Uuid>,
) -> AppResult<()> {
    let Some(id) = contact_id else { return Ok(()) };
    t.by_id::<client_contact::Entity>(id)
        .filter(client_contact::Column::ClientId.eq(client_id))
        .filter(client_contact::Column::DeletedAt.is_null())
        .one(t.conn())
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("contact"))
}
