//! Reading notes: one by id, and the cross-client list with full-text search; the filter
//! and order inputs `Client.notes` shares.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::error::AppError;
use crate::graphql::connection::{from_rows, nested_page};
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{Note, NoteConnectionFields};
use crate::service::kernel::child;
use crate::service::notes::read::{NoteFilter, NoteOrder, NoteQuery};
use crate::service::notes::{NotePriority, NoteStatus, NoteType};
use entity::client_note;

/// Narrows a note list; every condition given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "NoteFilter")]
pub struct NoteFilterInput {
    /// Any of these types.
    pub note_type: Option<Vec<NoteType>>,
    /// Notes carrying any of these tags.
    pub tags: Option<Vec<String>>,
    /// Any of these statuses.
    pub status: Option<Vec<NoteStatus>>,
    /// Notes of this priority.
    pub priority: Option<NotePriority>,
    /// Only pinned (`true`) or unpinned (`false`) notes.
    pub pinned: Option<bool>,
    /// Notes about this contact.
    pub contact_id: Option<ID>,
    /// Interactions on or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Interactions before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Words of the title or body; each word matches as a prefix, all must match.
    pub search: Option<String>,
}

impl NoteFilterInput {
    /// The service filter; a `search` argument wins over `filter.search`.
    pub fn into_service(self, search: Option<String>) -> Result<NoteFilter, AppError> {
        Ok(NoteFilter {
            note_types: self.note_type.unwrap_or_default(),
            tags: self.tags.unwrap_or_default(),
            statuses: self.status.unwrap_or_default(),
            priority: self.priority,
            pinned: self.pinned,
            contact_id: self
                .contact_id
                .map(|id| parse_id("filter.contactId", &id))
                .transpose()?,
            client_id: None,
            from: self.from,
            to: self.to,
            search: search.or(self.search),
        })
    }
}

/// The order of a note list.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoteOrderBy {
    /// Latest interaction first (the default).
    #[default]
    Newest,
    /// Earliest interaction first.
    Oldest,
    /// Pinned notes first, then latest interaction first.
    PinnedFirst,
}

impl From<NoteOrderBy> for NoteOrder {
    fn from(o: NoteOrderBy) -> Self {
        match o {
            NoteOrderBy::Newest => NoteOrder::Newest,
            NoteOrderBy::Oldest => NoteOrder::Oldest,
            NoteOrderBy::PinnedFirst => NoteOrder::PinnedFirst,
        }
    }
}

/// Clients by their notes: `some` keeps clients with at least one matching note,
/// `none` those with no matching note. An empty filter means any note.
#[derive(InputObject, Default)]
pub struct NoteRelationFilter {
    /// Clients with at least one related record matching this filter.
    pub some: Option<NoteFilterInput>,
    /// Clients with no related record matching this filter.
    pub none: Option<NoteFilterInput>,
}

#[derive(Default)]
pub struct NotesQuery;

#[Object]
impl NotesQuery {
    /// One note. Requires `notes:read`.
    #[graphql(guard = "require(Permission::NotesRead)")]
    async fn note(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Note>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Note(
            child::get::<client_note::Entity>(context::db(ctx)?, context::scope(ctx)?, id).await?,
        )))
    }

    /// Notes across every live client, newest first, with full-text search over title
    /// and body. Requires `notes:read`.
    #[graphql(guard = "require(Permission::NotesRead)")]
    async fn notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Words of the title or body (each a prefix, all required).")]
        search: Option<String>,
        filter: Option<NoteFilterInput>,
        #[graphql(desc = "Only this client's notes.")] client_id: Option<ID>,
    ) -> Result<Connection<String, Note, NoteConnectionFields>> {
        let page = nested_page(first, after)?;
        let mut filter = filter.unwrap_or_default().into_service(search)?;
        filter.client_id = client_id.map(|id| parse_id("clientId", &id)).transpose()?;
        let query = NoteQuery {
            filter,
            order: NoteOrder::Newest,
        };
        let has_previous = page.after.is_some();
        let (rows, has_next) = child::list::<client_note::Entity>(
            context::db(ctx)?,
            context::scope(ctx)?,
            &query,
            &page,
        )
        .await?;
        Ok(from_rows(
            rows,
            has_previous,
            has_next,
            Note,
            NoteConnectionFields::All {
                filter: query.filter,
            },
        ))
    }
}
