//! GraphQL subscriptions: a tenant's events as they are published (see
//! `crate::events`), filtered by what the subscriber may read, with the entity resolved
//! through the normal types so every field guard applies.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::{client_communication, client_feedback, client_note};
use futures_util::Stream;
use serde_json::{Map, Value};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::auth::{ActorKind, Permission};
use crate::db::Db;
use crate::error::AppError;
use crate::events::{EventBus, EventType, StreamEvent, Visibility, row_visible};
use crate::graphql::context::{self, LoaderCache, parse_id};
use crate::graphql::guards::require;
use crate::graphql::loaders::ClientLoader;
use crate::graphql::types::{Client, Communication, Contact, Document, Feedback, Job, Note};
use crate::service::kernel::child;
use crate::service::{TenantScope, contacts, documents, jobs};

/// The root of GraphQL subscriptions (graphql-transport-ws on `/graphql`).
#[derive(Default)]
pub struct SubscriptionRoot;

/// Most changed fields an event lists (no record has more fields).
pub const MAX_CHANGED_FIELDS: usize = 64;

/// Most events read from the database at once when catching up.
const CATCH_UP_BATCH: u64 = 500;

/// The root of GraphQL subscriptions, served over `graphql-transport-ws` on
/// `/graphql`.
#[Subscription]
impl SubscriptionRoot {
    /// The tenant's events as they happen: of one client (`clientId`) or of every
    /// client, optionally only some `types`. Only events about what the caller may read
    /// arrive, and `changedFields` leaves out fields it may not read (billing figures
    /// without `billing:read`). With `since` (the `id` of the last event received) the
    /// events published after it are sent first, so a client that lost its connection
    /// misses nothing within the retention (7 days by default). Requires
    /// `clients:read`.
    #[graphql(guard = "require(Permission::ClientsRead)")]
    async fn client_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the events of this client (itself and its records).")]
        client_id: Option<ID>,
        #[graphql(desc = "Only events of these types (at most 50); every type when absent.")]
        types: Option<Vec<EventType>>,
        #[graphql(desc = "The `id` of the last event received: replay what came after it.")]
        since: Option<ID>,
    ) -> Result<impl Stream<Item = ClientEvent> + use<>> {
        let db = context::db(ctx)?.clone();
        let scope = context::scope(ctx)?.clone();
        let bus = Arc::clone(ctx.data::<Arc<EventBus>>()?);
        let cache = ctx.data::<context::Loaders>()?.cache();
        if types.as_ref().is_some_and(|t| t.len() > 50) {
            return Err(AppError::bad_input("types", "types lists at most 50 event types").into());
        }
        let client_id = match client_id {
            Some(id) => {
                let id = parse_id("clientId", &id)?;
                // NOT_FOUND for another tenant's or a deleted client, as for `client(id)`.
                crate::service::clients::read::get(&db, &scope, id).await?;
                Some(id)
            }
            None => None,
        };
        // Subscribed before the replay is read: nothing published in between is lost.
        let receiver = bus.subscribe();
        let (position, catching_up) = match since {
            Some(since) => {
                let id = parse_id("since", &since)?;
                let position = db.read(&scope).event_position(id).await?.ok_or_else(|| {
                    AppError::bad_input(
                        "since",
                        "since names no event of this tenant within the retention; \
                         refetch and subscribe without it",
                    )
                })?;
                (position, true)
            }
            None => (0, false),
        };
        let feed = Feed {
            db,
            scope,
            receiver,
            cache,
            client_id,
            types,
            position,
            catching_up,
            backlog: VecDeque::new(),
        };
        Ok(futures_util::stream::unfold(feed, |mut feed| async move {
            let event = feed.next().await?;
            Some((event, feed))
        }))
    }
}

/// One subscription's state: where it is in the stream and what it wants.
struct Feed {
    db: Db,
    scope: TenantScope,
    receiver: tokio::sync::broadcast::Receiver<Arc<StreamEvent>>,
    cache: LoaderCache,
    client_id: Option<Uuid>,
    types: Option<Vec<EventType>>,
    /// The last position handed to the subscriber (or skipped as not wanted).
    position: i64,
    /// Whether the next events come from the database (a replay, or after falling
    /// behind the in-memory bus).
    catching_up: bool,
    backlog: VecDeque<Arc<StreamEvent>>,
}

impl Feed {
    async fn next(&mut self) -> Option<ClientEvent> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                if let Some(event) = self.take(event) {
                    return Some(event);
                }
                continue;
            }
            if self.catching_up {
                let rows = match self
                    .db
                    .read(&self.scope)
                    .events_after(self.position, CATCH_UP_BATCH)
                    .await
                {
                    Ok(rows) => rows,
                    Err(err) => {
                        tracing::warn!(error = %err, "subscription catch-up failed; ending it");
                        return None;
                    }
                };
                self.catching_up = rows.len() as u64 == CATCH_UP_BATCH;
                self.backlog.extend(
                    rows.into_iter()
                        .filter_map(StreamEvent::from_row)
                        .map(Arc::new),
                );
                continue;
            }
            match self.receiver.recv().await {
                Ok(event) => {
                    if let Some(event) = self.take(event) {
                        return Some(event);
                    }
                }
                // Fell behind the bus: what it dropped is read from the database.
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The event for the subscriber, if it is new, its tenant's, and wanted.
    fn take(&mut self, event: Arc<StreamEvent>) -> Option<ClientEvent> {
        if event.tenant_id != self.scope.tenant_id() || event.seq <= self.position {
            return None;
        }
        self.position = event.seq;
        let visibility = Visibility::new(|p| self.scope.can(p));
        let event_type = EventType::parse(&event.event_type)?;
        let wanted = visibility.sees(&event.event_type, &event.entity_type)
            && row_visible(&self.scope, &event.entity_type, &event.data)
            && self.types.as_ref().is_none_or(|t| t.contains(&event_type))
            && self.client_id.is_none_or(|id| event.client_id == Some(id));
        if !wanted {
            return None;
        }
        let changes = visibility.changes(&event.entity_type, &event.changes);
        // Each event is resolved from current rows, not from the last one's answers.
        self.cache.forget();
        Some(ClientEvent {
            event,
            event_type,
            changes,
        })
    }
}

impl ClientEvent {
    /// The entity's id when the event is about an entity of `kind`.
    fn entity_of(&self, kind: &str) -> Option<Uuid> {
        self.event
            .entity_id
            .filter(|_| self.event.entity_type == kind)
    }
}

/// Something that happened to one of the tenant's records.
pub struct ClientEvent {
    event: Arc<StreamEvent>,
    event_type: EventType,
    /// The changes the subscriber may see.
    changes: Map<String, Value>,
}

/// One changed field: its value before and after. A secret (the tax id) shows that it
/// changed, never its values.
#[derive(SimpleObject)]
pub struct ChangedField {
    /// The field, as the change record names it (e.g. `name`, `status`).
    field: String,
    /// The value before; null for a secret or a new record.
    from: Option<Json<Value>>,
    /// The value after; null for a secret or a cleared field.
    to: Option<Json<Value>>,
    /// Whether the field is a secret whose values are never sent.
    secret: bool,
}

/// Who caused an event.
#[derive(SimpleObject)]
pub struct EventActor {
    /// A user, an API key or the server itself.
    kind: ActorKind,
    /// The user's or API key's id; null for the server.
    id: Option<ID>,
}

fn optional<T>(found: Result<T, AppError>) -> Result<Option<T>> {
    match found {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Something that happened to one of the tenant's records: what, when, by whom, the
/// fields that changed, and the record itself as it is now.
#[Object]
impl ClientEvent {
    /// The event's id: pass it as `since` when re-subscribing to miss nothing.
    async fn id(&self) -> ID {
        ID(self.event.id.to_string())
    }
    /// What happened.
    #[graphql(name = "type")]
    async fn event_type(&self) -> EventType {
        self.event_type
    }
    /// When the change was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.event.occurred_at
    }
    /// Who made the change.
    async fn actor(&self) -> EventActor {
        EventActor {
            kind: ActorKind::parse(&self.event.actor_kind),
            id: self.event.actor_id.map(|id| ID(id.to_string())),
        }
    }
    /// The kind of record (`client`, `contact`, `note`, …).
    async fn entity_type(&self) -> &str {
        &self.event.entity_type
    }
    /// The record's id.
    async fn entity_id(&self) -> Option<ID> {
        self.event.entity_id.map(|id| ID(id.to_string()))
    }
    /// The client the record belongs to.
    async fn client_id(&self) -> Option<ID> {
        self.event.client_id.map(|id| ID(id.to_string()))
    }
    /// The fields that changed and the values the caller may read; fields it may not
    /// read (billing figures without `billing:read`) are left out. At most 64.
    async fn changed_fields(&self) -> Vec<ChangedField> {
        self.changes
            .iter()
            .take(MAX_CHANGED_FIELDS)
            .map(|(field, change)| {
                let secret = change.get("changed").is_some();
                let value = |key: &str| {
                    change
                        .get(key)
                        .filter(|v| !secret && !v.is_null())
                        .cloned()
                        .map(Json)
                };
                ChangedField {
                    field: field.clone(),
                    from: value("from"),
                    to: value("to"),
                    secret,
                }
            })
            .collect()
    }
    /// The client, as it is now (null once deleted).
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.event.client_id)
            .await?
            .map(Client))
    }
    /// The contact the event is about (for `contact.*` events), as it is now.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        let Some(id) = self.entity_of("contact") else {
            return Ok(None);
        };
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(optional(contacts::read::get(db, scope, id).await)?.map(Contact))
    }
    /// The note the event is about (for `note.*` events), as it is now.
    async fn note(&self, ctx: &Context<'_>) -> Result<Option<Note>> {
        let Some(id) = self.entity_of("note") else {
            return Ok(None);
        };
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(optional(child::get::<client_note::Entity>(db, scope, id).await)?.map(Note))
    }
    /// The document the event is about (for `document.*` events), as it is now.
    async fn document(&self, ctx: &Context<'_>) -> Result<Option<Document>> {
        let Some(id) = self.entity_of("document") else {
            return Ok(None);
        };
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(optional(documents::read::get(db, scope, id).await)?.map(Document))
    }
    /// The communication the event is about (for `communication.*` events).
    async fn communication(&self, ctx: &Context<'_>) -> Result<Option<Communication>> {
        let Some(id) = self.entity_of("communication") else {
            return Ok(None);
        };
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(
            optional(child::get::<client_communication::Entity>(db, scope, id).await)?
                .map(Communication),
        )
    }
    /// The feedback the event is about (for `feedback.*` events). Requires
    /// `feedback:read` (without it such events do not arrive at all).
    #[graphql(guard = "require(Permission::FeedbackRead)")]
    async fn feedback(&self, ctx: &Context<'_>) -> Result<Option<Feedback>> {
        let Some(id) = self.entity_of("feedback") else {
            return Ok(None);
        };
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(optional(child::get::<client_feedback::Entity>(db, scope, id).await)?.map(Feedback))
    }
    /// The job the event is about (for `job.*` events), as it is now.
    async fn job(&self, ctx: &Context<'_>) -> Result<Option<Job>> {
        let Some(id) = self.entity_of("job") else {
            return Ok(None);
        };
        let (db, scope) = (context::db(ctx)?, context::scope(ctx)?);
        Ok(optional(jobs::read::get(db, scope, id).await)?.map(Job))
    }
}
